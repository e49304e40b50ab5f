//! Invoices as data and rules: the model, exact money arithmetic, lines built from
//! worklogs, issue and due dates, edits with their history, the lifecycle (which action is
//! allowed in which status), receivables (payments, what is due), credit notes and the
//! record of sent e-mails. No ports, no I/O: the use cases in [`crate::invoice`] load,
//! decide with these rules, and write.

pub mod credit_note;
pub mod dates;
pub mod edit;
pub mod history;
pub mod lifecycle;
pub mod lines;
pub mod message;
pub mod model;
pub mod money;
pub mod patch;
pub mod receivables;
pub mod standing;
pub mod write_off;

pub use history::{Change, EditAction, HistoryEntry};
pub use model::{
    ClientSnapshot, GroupBy, Invoice, InvoiceHeader, InvoiceStatus, LineItem, LineSource, PdfInfo,
};
