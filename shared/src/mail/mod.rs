//! E-mail as plain data: recipient addresses and their rules ([`address`]), and the MIME
//! message with an attachment ([`mime`]). No mail service here: the [`crate::ports::Mailer`]
//! sends what this builds.

pub mod address;
pub mod mime;
