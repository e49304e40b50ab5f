//! The invoice use cases over the store ports: each loads, decides with a rule of
//! [`crate::domain::invoice`], writes (in [`write_loop`] where it races), and publishes. The
//! domain modules are re-exported here under their old paths (`invoice::model`, ...).

pub mod act;
mod archive;
pub mod collection;
pub mod credit_notes_service;
pub mod draft;
pub mod drafting;
#[cfg(feature = "einvoice")]
pub mod einvoice_download;
pub mod finalize;
pub mod reminding;
pub mod sending;
pub mod service;
pub mod timesheet;
pub mod uninvoiced;
pub mod write_loop;

pub use crate::domain::invoice::{
    Change, ClientSnapshot, EditAction, GroupBy, HistoryEntry, Invoice, InvoiceHeader,
    InvoiceStatus, LineItem, LineSource, PdfInfo,
};
pub use crate::domain::invoice::{
    credit_note, dates, edit, history, lifecycle, lines, message, model, money, patch, receivables,
};
pub use service::InvoiceService;

/// Property tests of invoice arithmetic against an independent integer oracle.
#[cfg(test)]
mod arithmetic_properties;
