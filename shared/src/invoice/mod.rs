//! Invoices: the model, exact money arithmetic, lines built from worklogs, edits with their
//! history, and the use cases over the store ports.

pub mod act;
mod archive;
pub mod collection;
pub mod credit_note;
pub mod credit_notes_service;
pub mod dates;
pub mod draft;
pub mod edit;
#[cfg(feature = "einvoice")]
pub mod einvoice_download;
pub mod finalize;
pub mod front_door;
pub mod history;
pub mod lifecycle;
pub mod lines;
pub mod message;
pub mod model;
pub mod money;
pub mod patch;
pub mod receivables;
pub mod reminding;
pub mod sending;
pub mod service;
pub mod timesheet;
pub mod uninvoiced;
pub mod write_loop;

pub use front_door::InvoiceService;
pub use history::{Change, EditAction, HistoryEntry};
pub use model::{
    ClientSnapshot, GroupBy, Invoice, InvoiceHeader, InvoiceStatus, LineItem, LineSource, PdfInfo,
};

/// Property tests of invoice arithmetic against an independent integer oracle.
#[cfg(test)]
mod arithmetic_properties;
