//! E-mail as plain data: the MIME message with an attachment ([`mime`]); the address rule
//! is the domain's ([`crate::domain::email`]). No mail service here: the [`crate::ports::Mailer`]
//! sends what this builds.

pub mod mime;
