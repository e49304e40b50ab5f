//! The invoice lifecycle in one place: the states, the actions on an invoice, the one rule
//! that says whether an action is allowed on an invoice at a version, and the words for a
//! refusal. Services check it before they write; the store enforces the same facts with
//! conditions and reports a typed [`WriteRefused`] that is worded here.
//!
//! ```text
//!   draft ──finalize──> finalized ──(nothing due)──> paid
//!     │                     │
//!   delete                void
//! ```

use super::model::{InvoiceHeader, InvoiceStatus};
use crate::Error;
use uuid::Uuid;

/// What can be done to an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change a draft: header fields, line items, regenerate.
    Edit,
    /// Number it, freeze it, render its PDF.
    Finalize,
    /// Delete a draft (its (client, period) guard is released).
    DeleteDraft,
    /// Record a payment against what is due.
    RecordPayment,
    /// Reverse a recorded payment (admins).
    ReversePayment,
    /// Void a finalized invoice without payments or credit notes; its number stays used.
    Void,
    /// Issue a credit note against it.
    IssueCreditNote,
    /// E-mail it with its PDF.
    Send,
    /// E-mail a payment reminder with its PDF: only while something is due.
    Remind,
    /// Close part of what is due without money (a bank fee, a rounding, a bad debt).
    WriteOff,
    /// Reverse a write-off (admins).
    ReverseWriteOff,
}

impl Action {
    /// The verb used in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Finalize => "finalized",
            Action::DeleteDraft => "deleted",
            Action::RecordPayment => "paid",
            Action::ReversePayment => "have a payment reversed",
            Action::Void => "voided",
            Action::IssueCreditNote => "credited",
            Action::Send => "sent",
            Action::Remind => "reminded",
            Action::WriteOff => "written off",
            Action::ReverseWriteOff => "have a write-off reversed",
        }
    }

    /// The states from which the action is allowed.
    pub fn allowed_from(self) -> &'static [InvoiceStatus] {
        use InvoiceStatus::*;
        match self {
            Action::Edit | Action::Finalize | Action::DeleteDraft => &[Draft],
            Action::RecordPayment | Action::Void | Action::Remind | Action::WriteOff => {
                &[Finalized]
            }
            Action::ReversePayment
            | Action::IssueCreditNote
            | Action::Send
            | Action::ReverseWriteOff => &[Finalized, Paid],
        }
    }
}

/// Whether an invoice in `status` has been issued, and so has documents (a PDF): every state
/// after the draft.
pub fn is_issued(status: InvoiceStatus) -> bool {
    status != InvoiceStatus::Draft
}

/// Whether an invoice in `status` can owe something: finalized or paid. Nothing is due on a
/// draft or a void invoice, and payment-status lists leave them out.
pub fn is_receivable(status: InvoiceStatus) -> bool {
    matches!(status, InvoiceStatus::Finalized | InvoiceStatus::Paid)
}

/// Whether `action` is allowed on an invoice in `status`.
pub fn allows(status: InvoiceStatus, action: Action) -> bool {
    action.allowed_from().contains(&status)
}

/// The one rule: `action` is allowed on `invoice` in its current state and, when the caller
/// names the version it saw, only at that version. `Conflict` (409) otherwise, saying the
/// current state or version.
pub fn check(
    invoice: &InvoiceHeader,
    action: Action,
    expected_version: Option<u64>,
) -> Result<(), Error> {
    if !allows(invoice.status, action) {
        return Err(wrong_state(invoice.status, action));
    }
    match expected_version {
        Some(v) if v != invoice.version => Err(stale(v, invoice.version)),
        _ => Ok(()),
    }
}

/// Why the store did not apply a write to an invoice. The store only reports what it found;
/// [`refused`] words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteRefused {
    /// The invoice is no longer what the write was based on: it is now at this status and
    /// version.
    Changed { status: InvoiceStatus, version: u64 },
    /// There is no such invoice.
    Missing,
    /// The client already has a live invoice for the period (this one, when known).
    Duplicate { existing: Option<Uuid> },
}

/// The error for a write the store refused, worded for `action` on `invoice` (the state the
/// write was based on).
pub fn refused(refusal: WriteRefused, action: Action, invoice: &InvoiceHeader) -> Error {
    match refusal {
        WriteRefused::Missing => Error::not_found("invoice"),
        WriteRefused::Changed { status, .. } if !allows(status, action) => {
            wrong_state(status, action)
        }
        WriteRefused::Changed { version, .. } => stale(invoice.version, version),
        WriteRefused::Duplicate { existing: Some(id) } => Error::DuplicateInvoice {
            message: format!(
                "client {} already has an invoice for {}: {id}",
                invoice.client_key, invoice.period
            ),
            existing_invoice_id: id,
        },
        WriteRefused::Duplicate { existing: None } => Error::Conflict(format!(
            "client {} already has an invoice for {}",
            invoice.client_key, invoice.period
        )),
    }
}

fn wrong_state(status: InvoiceStatus, action: Action) -> Error {
    Error::Conflict(format!(
        "invoice is {}; it can no longer be {}",
        status.as_str(),
        action.describe()
    ))
}

fn stale(sent: u64, current: u64) -> Error {
    Error::StaleVersion {
        message: format!("version {sent} is stale: the invoice is at version {current}"),
        current_version: current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvoiceStatus::*;

    const ALL_STATES: [InvoiceStatus; 4] = [Draft, Finalized, Paid, Void];
    const ALL_ACTIONS: [Action; 11] = [
        Action::Edit,
        Action::Finalize,
        Action::DeleteDraft,
        Action::RecordPayment,
        Action::ReversePayment,
        Action::Void,
        Action::IssueCreditNote,
        Action::Send,
        Action::Remind,
        Action::WriteOff,
        Action::ReverseWriteOff,
    ];

    #[test]
    fn everything_after_the_draft_is_issued() {
        let issued: Vec<_> = ALL_STATES.into_iter().filter(|&s| is_issued(s)).collect();
        assert_eq!(issued, vec![Finalized, Paid, Void]);
    }

    #[test]
    fn the_transition_table() {
        let table: Vec<(InvoiceStatus, Vec<Action>)> = ALL_STATES
            .iter()
            .map(|&s| {
                (
                    s,
                    ALL_ACTIONS.into_iter().filter(|&a| allows(s, a)).collect(),
                )
            })
            .collect();
        assert_eq!(
            table,
            vec![
                (
                    Draft,
                    vec![Action::Edit, Action::Finalize, Action::DeleteDraft]
                ),
                (
                    Finalized,
                    vec![
                        Action::RecordPayment,
                        Action::ReversePayment,
                        Action::Void,
                        Action::IssueCreditNote,
                        Action::Send,
                        Action::Remind,
                        Action::WriteOff,
                        Action::ReverseWriteOff
                    ]
                ),
                (
                    Paid,
                    vec![
                        Action::ReversePayment,
                        Action::IssueCreditNote,
                        Action::Send,
                        Action::ReverseWriteOff
                    ]
                ),
                (Void, vec![]),
            ]
        );
    }

    fn header(status: InvoiceStatus, version: u64) -> InvoiceHeader {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.status = status;
        h.version = version;
        h
    }

    #[test]
    fn check_refuses_the_wrong_state_before_the_version() {
        let d = header(Draft, 3);
        assert!(check(&d, Action::Edit, Some(3)).is_ok());
        assert!(check(&d, Action::Edit, None).is_ok());
        let stale = check(&d, Action::Edit, Some(2)).unwrap_err().to_string();
        assert!(
            stale.contains("version 2 is stale") && stale.contains("version 3"),
            "{stale}"
        );
        let frozen = check(&header(Finalized, 4), Action::Edit, Some(1)).unwrap_err();
        assert!(
            matches!(&frozen, Error::Conflict(m) if m.contains("finalized")),
            "{frozen:?}"
        );
        assert!(check(&header(Void, 5), Action::RecordPayment, None).is_err());
    }

    #[test]
    fn refusals_are_worded_from_what_the_store_found() {
        let d = header(Draft, 3);
        let gone = refused(WriteRefused::Missing, Action::Edit, &d);
        assert!(matches!(gone, Error::NotFound(_)));
        let moved = refused(
            WriteRefused::Changed {
                status: Draft,
                version: 4,
            },
            Action::Edit,
            &d,
        );
        assert!(moved.to_string().contains("version 3 is stale"), "{moved}");
        let finalized = refused(
            WriteRefused::Changed {
                status: Finalized,
                version: 4,
            },
            Action::Edit,
            &d,
        );
        assert!(finalized.to_string().contains("finalized"), "{finalized}");
        let id = uuid::Uuid::new_v4();
        let dup = refused(
            WriteRefused::Duplicate { existing: Some(id) },
            Action::Edit,
            &d,
        );
        assert!(dup.to_string().contains(&id.to_string()), "{dup}");
        assert!(
            matches!(dup, Error::DuplicateInvoice { existing_invoice_id, .. } if existing_invoice_id == id),
            "{dup:?}"
        );
    }
}
