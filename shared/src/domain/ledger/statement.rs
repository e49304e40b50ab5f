//! A statement of account (акт сверки): the opening balance of a range of days, every entry
//! booked in it with its running balance, and the closing balance. Pure: it only arranges
//! the ledger's entries; nothing is recomputed from invoices.

use super::{EntryKind, LedgerEntry};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatementLine {
    pub seq: u64,
    /// The day it was booked (UTC).
    pub booked_on: NaiveDate,
    /// The day it is worth (a payment's day, an invoice's issue date).
    pub value_date: NaiveDate,
    pub kind: EntryKind,
    pub reference: Option<String>,
    pub record_id: Option<Uuid>,
    /// The invoices it moved, by number.
    pub invoices: Vec<String>,
    /// What the client owes more (an invoice, a refund paid out).
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub debit: Decimal,
    /// What the client owes less (a payment, a credit note, a write-off).
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit: Decimal,
    /// The running balance after the line.
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub balance: Decimal,
    /// The credit balance after the line.
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit_balance: Decimal,
}

/// `GET /clients/{key}/statement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Statement {
    pub client_key: String,
    pub client_name: String,
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The balance at the start of `from` (what the client owed; negative: owed to it).
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub opening_balance: Decimal,
    pub lines: Vec<StatementLine>,
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub total_debits: Decimal,
    #[schema(value_type = String, format = "decimal", example = "500.00")]
    pub total_credits: Decimal,
    /// The balance at the end of `to`.
    #[schema(value_type = String, format = "decimal", example = "830.00")]
    pub closing_balance: Decimal,
    /// The credit balance at the end of `to`.
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub closing_credit_balance: Decimal,
}

/// What a statement is made of: the account, the range, the entry just before it (none:
/// the account opened inside or after it) and the entries in it, in number order.
pub struct StatementInput<'a> {
    pub client_key: &'a str,
    pub client_name: &'a str,
    pub currency: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub before: Option<&'a LedgerEntry>,
    pub entries: &'a [LedgerEntry],
}

/// The statement of `input`, with the currency's places on every amount.
pub fn statement(input: StatementInput<'_>, places: u32) -> Statement {
    let r = |v: Decimal| crate::domain::invoice::money::round_to(v, places);
    let opening = input.before.map_or(Decimal::ZERO, |e| e.balance_after);
    let opening_credit = input
        .before
        .map_or(Decimal::ZERO, |e| e.credit_balance_after);
    let lines: Vec<StatementLine> = input
        .entries
        .iter()
        .map(|e| StatementLine {
            seq: e.seq,
            booked_on: e.booked_at.date_naive(),
            value_date: e.value_date,
            kind: e.kind,
            reference: e.reference.clone(),
            record_id: e.record_id,
            invoices: e.invoices.iter().map(|m| m.number.clone()).collect(),
            debit: r(e.amount.max(Decimal::ZERO)),
            credit: r((-e.amount).max(Decimal::ZERO)),
            balance: r(e.balance_after),
            credit_balance: r(e.credit_balance_after),
        })
        .collect();
    let closing = input.entries.last().map_or(opening, |e| e.balance_after);
    let closing_credit = input
        .entries
        .last()
        .map_or(opening_credit, |e| e.credit_balance_after);
    Statement {
        client_key: input.client_key.to_string(),
        client_name: input.client_name.to_string(),
        currency: input.currency.to_string(),
        from: input.from,
        to: input.to,
        opening_balance: r(opening),
        total_debits: r(lines.iter().map(|l| l.debit).sum()),
        total_credits: r(lines.iter().map(|l| l.credit).sum()),
        lines,
        closing_balance: r(closing),
        closing_credit_balance: r(closing_credit),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{InvoiceMove, LedgerHead, Movement, post};
    use super::*;
    use chrono::Utc;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn opening_plus_debits_minus_credits_is_the_closing_balance() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let mv = |kind, change: &str, credit: &str| Movement {
            kind,
            reference: Some("INV-2026-00001".into()),
            record_id: None,
            value_date: day,
            invoices: vec![InvoiceMove {
                invoice_id: Uuid::nil(),
                number: "INV-2026-00001".into(),
                due_date: day,
                change: d(change),
                due_after: Decimal::ZERO,
            }],
            credit_change: d(credit),
        };
        let p = post(
            &LedgerHead::empty("ACME", "USD"),
            false,
            vec![
                mv(EntryKind::InvoiceIssued, "1000", "0"),
                mv(EntryKind::PaymentReceived, "-400", "0"),
                mv(EntryKind::PaymentReceived, "-600", "50"),
                mv(EntryKind::InvoiceIssued, "300", "0"),
            ],
            Utc::now(),
            "a@x",
        );
        let s = statement(
            StatementInput {
                client_key: "ACME",
                client_name: "Acme",
                currency: "USD",
                from: day,
                to: day,
                before: Some(&p.entries[0]),
                entries: &p.entries[1..],
            },
            2,
        );
        assert_eq!(s.opening_balance, d("1000.00"));
        assert_eq!(s.total_debits, d("300.00"));
        assert_eq!(s.total_credits, d("1050.00"));
        assert_eq!(
            s.opening_balance + s.total_debits - s.total_credits,
            s.closing_balance
        );
        assert_eq!(s.closing_balance, d("250.00"));
        assert_eq!(s.closing_credit_balance, d("50.00"));
        assert_eq!(s.lines[1].balance, d("-50.00"));
    }
}
