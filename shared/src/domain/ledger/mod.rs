//! A client's account, one per currency: an append-only ledger of every change that moves
//! money (an invoice issued, a payment, a credit note, a write-off, a void, credit applied,
//! a refund), each entry numbered without gaps and carrying the running balance, with a
//! head that holds the balance now. Pure rules: what a change posts and how the head moves.
//!
//! The account's figures: `outstanding` is what the client's issued invoices have due;
//! `credit_balance` is the client's money held for them (paid above an invoice, a
//! transfer's unallocated rest), less what was applied to invoices or refunded;
//! `balance = outstanding - credit_balance` (what the client owes; negative: what we owe).
//! An entry's `amount` is the balance's change (+ a debit, - a credit).

pub mod aging;
pub mod client_payment;
pub mod statement;

use super::invoice::lifecycle::is_receivable;
use super::invoice::model::InvoiceHeader;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The head of a client's account in one currency: the figures after its last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerHead {
    pub client_key: String,
    pub currency: String,
    /// The number of the last entry (0: none yet).
    pub seq: u64,
    /// What the client's issued invoices have due.
    pub outstanding: Decimal,
    /// The client's money not on any invoice (applied or refunded from here).
    pub credit_balance: Decimal,
    /// When the last entry was booked; entries are booked in `seq` order, never earlier.
    #[serde(default, with = "crate::domain::instant::millis_option")]
    pub booked_at: Option<DateTime<Utc>>,
}

impl LedgerHead {
    /// The head of an account with no entries.
    pub fn empty(client_key: &str, currency: &str) -> Self {
        Self {
            client_key: client_key.to_string(),
            currency: currency.to_string(),
            seq: 0,
            outstanding: Decimal::ZERO,
            credit_balance: Decimal::ZERO,
            booked_at: None,
        }
    }

    /// What the client owes (negative: what is owed to the client).
    pub fn balance(&self) -> Decimal {
        self.outstanding - self.credit_balance
    }
}

/// What moved an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The account opened on invoices issued before the ledger (the upgrade step).
    Opening,
    InvoiceIssued,
    /// A payment of one invoice, or a client's transfer over several (`record_id` is the
    /// client payment then).
    PaymentReceived,
    PaymentReversed,
    CreditNote,
    WriteOff,
    WriteOffReversed,
    InvoiceVoided,
    /// Credit balance applied to an invoice (balance unchanged).
    CreditApplied,
    /// Credit balance paid back to the client.
    RefundPaid,
}

/// What one entry did to one invoice's amount due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceMove {
    pub invoice_id: Uuid,
    /// `INV-YYYY-NNNNN`.
    pub number: String,
    pub due_date: NaiveDate,
    /// The change of the invoice's amount due (+ owed more).
    #[schema(value_type = String, format = "decimal", example = "-500.00")]
    pub change: Decimal,
    /// The invoice's amount due after the entry.
    #[schema(value_type = String, format = "decimal", example = "830.00")]
    pub due_after: Decimal,
}

/// One entry of a client's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub client_key: String,
    pub currency: String,
    /// 1, 2, 3... without gaps, in booking order.
    pub seq: u64,
    pub kind: EntryKind,
    /// The document: an invoice or credit-note number, a payment's reference.
    pub reference: Option<String>,
    /// The payment, write-off, credit note, refund or client payment booked.
    pub record_id: Option<Uuid>,
    /// The day the entry is worth (a payment's day, an invoice's issue date).
    pub value_date: NaiveDate,
    /// The invoices whose amount due it changed.
    pub invoices: Vec<InvoiceMove>,
    /// The balance's change: + a debit (the client owes more), - a credit.
    #[schema(value_type = String, format = "decimal", example = "-500.00")]
    pub amount: Decimal,
    /// The credit balance's change.
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit_change: Decimal,
    /// The running balance after the entry.
    #[schema(value_type = String, format = "decimal", example = "830.00")]
    pub balance_after: Decimal,
    #[schema(value_type = String, format = "decimal", example = "830.00")]
    pub outstanding_after: Decimal,
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit_balance_after: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub booked_at: DateTime<Utc>,
    pub booked_by: String,
}

/// What a change does to an account, before it is numbered and booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub kind: EntryKind,
    pub reference: Option<String>,
    pub record_id: Option<Uuid>,
    pub value_date: NaiveDate,
    pub invoices: Vec<InvoiceMove>,
    /// The credit balance's change.
    pub credit_change: Decimal,
}

impl Movement {
    /// The change of what the invoices have due.
    pub fn outstanding_change(&self) -> Decimal {
        self.invoices.iter().map(|m| m.change).sum()
    }

    /// The balance's change.
    pub fn amount(&self) -> Decimal {
        self.outstanding_change() - self.credit_change
    }

    /// Whether it moves nothing (nothing is booked then).
    pub fn is_empty(&self) -> bool {
        self.credit_change.is_zero() && self.invoices.iter().all(|m| m.change.is_zero())
    }
}

/// What an issued invoice counts for in its account: (amount due, amount overpaid); a
/// draft or a void invoice counts for nothing.
pub fn receivable(h: &InvoiceHeader) -> (Decimal, Decimal) {
    if is_receivable(h.status) {
        (h.amount_due, h.amount_overpaid)
    } else {
        (Decimal::ZERO, Decimal::ZERO)
    }
}

/// The movement of one invoice's write, from its settled headers before and after: its
/// amount due moves the outstanding, its amount overpaid the credit balance, and
/// `from_credit` (credit applied to it: +x; the application reversed: -x) comes out of the
/// credit balance. `None` when it moves nothing.
pub fn invoice_movement(
    kind: EntryKind,
    before: &InvoiceHeader,
    after: &InvoiceHeader,
    from_credit: Decimal,
    record_id: Option<Uuid>,
    value_date: NaiveDate,
) -> Option<Movement> {
    let mut movement = invoices_movement(kind, &[(before, after)], -from_credit, value_date);
    movement.reference = after.number.clone();
    movement.record_id = record_id;
    (!movement.is_empty()).then_some(movement)
}

/// The movement of one write of several invoices (a transfer paying them), from each one's
/// settled headers before and after: their amounts due move the outstanding, their amounts
/// overpaid and `credit_in` (money that is on no invoice: a transfer's unallocated rest)
/// the credit balance. No reference and no record: the caller names them.
pub fn invoices_movement(
    kind: EntryKind,
    changed: &[(&InvoiceHeader, &InvoiceHeader)],
    credit_in: Decimal,
    value_date: NaiveDate,
) -> Movement {
    let mut credit_change = credit_in;
    let mut invoices = Vec::with_capacity(changed.len());
    for (before, after) in changed {
        let (due_before, over_before) = receivable(before);
        let (due_after, over_after) = receivable(after);
        credit_change += over_after - over_before;
        invoices.push(InvoiceMove {
            invoice_id: after.id,
            number: after.number.clone().unwrap_or_default(),
            due_date: after.due_date,
            change: due_after - due_before,
            due_after,
        });
    }
    Movement {
        kind,
        reference: None,
        record_id: None,
        value_date,
        invoices,
        credit_change,
    }
}

/// The movement that opens an account on the invoices issued before it had entries: each
/// one's amount due, and what was paid above them as credit.
pub fn opening(headers: &[InvoiceHeader], today: NaiveDate) -> Option<Movement> {
    let mut invoices = Vec::new();
    let mut credit = Decimal::ZERO;
    for h in headers {
        let (due, over) = receivable(h);
        credit += over;
        if !due.is_zero() {
            invoices.push(InvoiceMove {
                invoice_id: h.id,
                number: h.number.clone().unwrap_or_default(),
                due_date: h.due_date,
                change: due,
                due_after: due,
            });
        }
    }
    let movement = Movement {
        kind: EntryKind::Opening,
        reference: None,
        record_id: None,
        value_date: today,
        invoices,
        credit_change: credit,
    };
    (!movement.is_empty()).then_some(movement)
}

/// Entries to book and the head they lead to, written in the transaction of the change:
/// the head only if its `seq` is still `expected_seq` (`None`: only if there is none yet), so two
/// postings to one account never take one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The head's `seq` as read (`None`: no head was stored).
    pub expected_seq: Option<u64>,
    pub head: LedgerHead,
    pub entries: Vec<LedgerEntry>,
}

/// Book `movements` after `head` (as read; `exists` whether it is stored): each entry gets
/// the next number and the running figures, and a booking instant never before the last
/// one's, so the order of numbers is the order of time.
pub fn post(
    head: &LedgerHead,
    exists: bool,
    movements: Vec<Movement>,
    at: DateTime<Utc>,
    by: &str,
) -> Posting {
    let at = crate::domain::instant::to_millis(at).max(head.booked_at.unwrap_or(at));
    let mut next = head.clone();
    let mut entries = Vec::new();
    for m in movements.into_iter().filter(|m| !m.is_empty()) {
        next.seq += 1;
        next.outstanding += m.outstanding_change();
        next.credit_balance += m.credit_change;
        next.booked_at = Some(at);
        entries.push(LedgerEntry {
            client_key: head.client_key.clone(),
            currency: head.currency.clone(),
            seq: next.seq,
            kind: m.kind,
            amount: m.amount(),
            reference: m.reference,
            record_id: m.record_id,
            value_date: m.value_date,
            invoices: m.invoices,
            credit_change: m.credit_change,
            balance_after: next.balance(),
            outstanding_after: next.outstanding,
            credit_balance_after: next.credit_balance,
            booked_at: at,
            booked_by: by.to_string(),
        });
    }
    Posting {
        expected_seq: exists.then_some(head.seq),
        head: next,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn mv(change: Decimal, credit: Decimal) -> Movement {
        Movement {
            kind: EntryKind::PaymentReceived,
            reference: None,
            record_id: None,
            value_date: NaiveDate::from_ymd_opt(2026, 11, 5).unwrap_or_default(),
            invoices: vec![InvoiceMove {
                invoice_id: Uuid::nil(),
                number: "INV-2026-00001".into(),
                due_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
                change,
                due_after: Decimal::ZERO,
            }],
            credit_change: credit,
        }
    }

    #[test]
    fn entries_carry_the_running_balance_and_numbers_without_gaps() {
        let head = LedgerHead::empty("ACME", "USD");
        let now = Utc::now();
        let p = post(
            &head,
            false,
            vec![
                mv(d("1000.00"), d("0")),
                mv(d("0"), d("0")),
                mv(d("-1000.00"), d("200.00")),
            ],
            now,
            "a@x",
        );
        assert_eq!(p.expected_seq, None);
        assert_eq!(p.entries.len(), 2, "an empty movement books nothing");
        assert_eq!(
            p.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(p.entries[0].balance_after, d("1000.00"));
        // A transfer of 1200 paid the 1000 due and left 200 as credit: balance -200.
        assert_eq!(p.entries[1].amount, d("-1200.00"));
        assert_eq!(p.entries[1].balance_after, d("-200.00"));
        assert_eq!(p.head.seq, 2);
        assert_eq!(p.head.balance(), d("-200.00"));
        assert_eq!(p.head.credit_balance, d("200.00"));
    }

    #[test]
    fn a_later_posting_is_never_booked_before_the_last_entry() {
        let mut head = LedgerHead::empty("ACME", "USD");
        let later = Utc::now() + chrono::Duration::seconds(5);
        head.booked_at = Some(crate::domain::instant::to_millis(later));
        head.seq = 7;
        let p = post(&head, true, vec![mv(d("5"), d("0"))], Utc::now(), "a@x");
        assert_eq!(p.expected_seq, Some(7));
        assert_eq!(p.entries[0].seq, 8);
        assert!(p.entries[0].booked_at >= head.booked_at.unwrap_or(later));
    }

    #[test]
    fn credit_applied_moves_the_balance_by_nothing() {
        let mut m = mv(d("-300.00"), d("-300.00"));
        m.kind = EntryKind::CreditApplied;
        assert_eq!(m.amount(), d("0.00"));
        assert!(!m.is_empty());
    }
}
