//! Receivables: what is paid, credited and due on an issued invoice, payments and their
//! reversal, and when an invoice is overdue. Pure rules; the services apply them before they
//! write, so every stored invoice satisfies the money identities:
//! `amount_due = max(0, total - amount_paid - amount_credited)`.

use super::model::{InvoiceFilter, InvoiceHeader, InvoiceStatus};
use super::money::{minor_unit, round_to};
use crate::domain::TimeZone;
use crate::domain::text::{self, Lines};
use crate::{Error, FieldError, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use super::model::PaymentStatus;

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    Cash,
    Other,
    /// The client's credit balance, applied (`POST /invoices/{id}/apply-credit`); never
    /// accepted as a method of money received.
    CreditBalance,
}

/// A payment's reversal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reversal {
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// A payment recorded against an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub invoice_id: Uuid,
    /// In the invoice's currency, with its minor-unit places.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "250.00")]
    pub amount: Decimal,
    pub currency: String,
    /// The day the money arrived.
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// Set when an admin reversed it; a reversed payment no longer counts.
    pub reversal: Option<Reversal>,
    /// Its value in soums at the Central Bank rate of `paid_on`, frozen when recorded
    /// (`null` for a UZS invoice's payment and for payments recorded before it was kept).
    #[serde(default)]
    pub accounting: Option<crate::rates::equivalent::PaymentAccounting>,
    /// The client payment (a transfer over several invoices) it is part of, if any.
    #[serde(default)]
    pub client_payment_id: Option<Uuid>,
}

/// `total - paid - credited`, never below zero.
pub fn amount_due(total: Decimal, paid: Decimal, credited: Decimal) -> Decimal {
    (total - paid - credited).max(Decimal::ZERO)
}

/// Paid once nothing is due on an issued amount; partially paid once something was paid.
pub fn payment_status(total: Decimal, paid: Decimal, credited: Decimal) -> PaymentStatus {
    if amount_due(total, paid, credited).is_zero() && !total.is_zero() {
        PaymentStatus::Paid
    } else if paid > Decimal::ZERO {
        PaymentStatus::PartiallyPaid
    } else {
        PaymentStatus::Unpaid
    }
}

/// Bring an invoice's receivables in line with its paid and credited amounts: the amount
/// due (0.00 on a draft or a void invoice: nothing is owed on them), the amount overpaid,
/// the payment status, and `finalized` <-> `paid` (nothing due on a non-zero total).
/// Drafts and void invoices keep their status. A zero-total invoice (finalizing one is
/// refused; older ones may exist) stays `finalized` and `unpaid`, so that it can be voided
/// and `status` and `payment_status` agree with the list filters (its stored status).
pub fn settle(header: &mut InvoiceHeader) {
    let places = minor_unit(&header.currency);
    header.amount_paid = round_to(header.amount_paid, places);
    header.amount_credited = round_to(header.amount_credited, places);
    header.amount_written_off = round_to(header.amount_written_off, places);
    // Credits and write-offs both take off what is owed; only payments are money.
    let taken_off = header.amount_credited + header.amount_written_off;
    let receivable = super::lifecycle::is_receivable(header.status);
    header.amount_due = if receivable {
        round_to(
            amount_due(header.total, header.amount_paid, taken_off),
            places,
        )
    } else {
        round_to(Decimal::ZERO, places)
    };
    header.amount_overpaid = round_to(
        amount_overpaid(header.total, header.amount_paid, taken_off),
        places,
    );
    header.payment_status = payment_status(header.total, header.amount_paid, taken_off);
    header.status = match header.status {
        InvoiceStatus::Finalized | InvoiceStatus::Paid
            if header.amount_due.is_zero() && !header.total.is_zero() =>
        {
            InvoiceStatus::Paid
        }
        InvoiceStatus::Finalized | InvoiceStatus::Paid => InvoiceStatus::Finalized,
        other => other,
    };
}

/// What payments and credits together exceed `total` by (a refund owed), never below zero.
pub fn amount_overpaid(total: Decimal, paid: Decimal, credited: Decimal) -> Decimal {
    (paid + credited - total).max(Decimal::ZERO)
}

/// The instant an invoice due on `due_date` becomes overdue if still owing: the start of
/// the next day in the client's time zone (UTC when none was recorded).
pub fn overdue_from(due_date: NaiveDate, timezone: Option<&str>) -> DateTime<Utc> {
    TimeZone::named_or_utc(timezone).start_of(due_date.succ_opt().unwrap_or(due_date))
}

/// The earliest and the latest instant an invoice due on `due_date` can become overdue in
/// any time zone (UTC-12 .. UTC+14, an hour to spare each side): the key range of a due
/// date in lists sorted by [`overdue_from`].
pub fn overdue_window(due_date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = due_date
        .succ_opt()
        .unwrap_or(due_date)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    (next - Duration::hours(15), next + Duration::hours(13))
}

/// The invoice as shown at `now`: receivables settled and `overdue` (something due and the
/// due date passed in the client's time zone, for an issued, not void invoice).
pub fn present(header: &mut InvoiceHeader, now: DateTime<Utc>) {
    settle(header);
    header.fix_scales();
    header.overdue = matches!(header.status, InvoiceStatus::Finalized)
        && header.amount_due > Decimal::ZERO
        && now >= overdue_from(header.due_date, header.timezone.as_deref());
}

/// A payment as asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// A decimal string in the invoice currency, > 0, at most the amount due.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "250.00")]
    pub amount: Decimal,
    /// `YYYY-MM-DD`: not in the future (client's time zone), not before the issue date.
    #[serde(with = "crate::domain::request_values::date")]
    pub paid_on: NaiveDate,
    pub method: PaymentMethod,
    /// Up to 200 characters, e.g. the bank's transaction id.
    pub reference: Option<String>,
}

/// What is due on `header` now: `total - paid - credited - written off`, never below zero.
pub fn due_now(header: &InvoiceHeader) -> Decimal {
    amount_due(
        header.total,
        header.amount_paid,
        header.amount_credited + header.amount_written_off,
    )
}

/// The rule of an amount that settles part of what is due (a payment, a write-off): above
/// 0, with at most the currency's minor-unit places, at most what is due; a problem is
/// pushed on `amount`.
pub fn check_settling_amount(
    header: &InvoiceHeader,
    amount: Decimal,
    errors: &mut Vec<FieldError>,
) {
    let places = minor_unit(&header.currency);
    let due = due_now(header);
    if amount <= Decimal::ZERO {
        errors.push(FieldError::out_of_range("amount", "must be greater than 0"));
    } else if amount.normalize().scale() > places {
        let mut problem = FieldError::too_many_decimals("amount", places);
        problem.message = format!("{} ({})", problem.message, header.currency);
        errors.push(problem);
    } else if amount > due {
        errors.push(FieldError::out_of_range(
            "amount",
            format!(
                "{amount} is more than the amount due, {} {}",
                round_to(due, places),
                header.currency
            ),
        ));
    }
}

/// Check a payment against the invoice (what is due, its dates): every problem at once.
pub fn check_payment(header: &InvoiceHeader, req: &PaymentRequest, today: NaiveDate) -> Result<()> {
    let mut errors = Vec::new();
    check_settling_amount(header, req.amount, &mut errors);
    if req.paid_on > today {
        errors.push(FieldError::out_of_range(
            "paid_on",
            "must not be in the future",
        ));
    }
    if req.paid_on < header.issue_date {
        errors.push(FieldError::out_of_range(
            "paid_on",
            format!("must not be before the issue date {}", header.issue_date),
        ));
    }
    if let Some(r) = &req.reference {
        text::check_field("reference", r, 200, Lines::One, &mut errors);
    }
    if req.method == PaymentMethod::CreditBalance {
        errors.push(FieldError::new(
            "method",
            "credit_balance is what POST /invoices/{id}/apply-credit records",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::fields(errors))
    }
}

/// A reason (void, reversal): 1-500 characters of single-line document text.
pub fn check_reason(reason: &str) -> Result<String> {
    let mut errors = Vec::new();
    let reason = text::check_field("reason", reason, 500, Lines::One, &mut errors);
    if reason.is_empty() {
        return Err(Error::field("reason", "must not be empty"));
    }
    if errors.is_empty() {
        Ok(reason.to_string())
    } else {
        Err(Error::fields(errors))
    }
}

impl InvoiceFilter {
    /// Whether `header` passes the filters that depend on receivables and dates (the
    /// store's key filters aside), with its receivables as of `now`.
    pub fn matches(&self, header: &InvoiceHeader) -> bool {
        let mut h = header.clone();
        present(&mut h, self.now.unwrap_or_else(Utc::now));
        self.payment_status
            .is_none_or(|p| super::lifecycle::is_receivable(h.status) && p == h.payment_status)
            && self.overdue.is_none_or(|o| o == h.overdue)
            && self.due_from.is_none_or(|d| h.due_date >= d)
            && self.due_to.is_none_or(|d| h.due_date <= d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn issued(total: &str) -> InvoiceHeader {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.status = InvoiceStatus::Finalized;
        h.currency = "USD".into();
        h.total = d(total);
        h.amount_paid = Decimal::ZERO;
        h.amount_credited = Decimal::ZERO;
        h
    }

    #[test]
    fn amounts_and_statuses() {
        assert_eq!(amount_due(d("100"), d("30"), d("20")), d("50"));
        assert_eq!(
            amount_due(d("100"), d("80"), d("30")),
            Decimal::ZERO,
            "never below zero"
        );
        assert_eq!(
            payment_status(d("100"), d("0"), d("0")),
            PaymentStatus::Unpaid
        );
        assert_eq!(
            payment_status(d("100"), d("1"), d("0")),
            PaymentStatus::PartiallyPaid
        );
        assert_eq!(
            payment_status(d("100"), d("60"), d("40")),
            PaymentStatus::Paid
        );
        let mut h = issued("100.00");
        h.amount_paid = d("100");
        settle(&mut h);
        assert_eq!(h.status, InvoiceStatus::Paid);
        assert_eq!(h.amount_due.to_string(), "0.00");
        h.amount_paid = d("40");
        settle(&mut h);
        assert_eq!(h.status, InvoiceStatus::Finalized, "a reversal reopens it");
        assert_eq!(h.payment_status, PaymentStatus::PartiallyPaid);
    }

    #[test]
    fn drafts_void_and_zero_totals_owe_nothing_and_overpayments_show() {
        for status in [InvoiceStatus::Draft, InvoiceStatus::Void] {
            let mut h = issued("100.00");
            h.status = status;
            settle(&mut h);
            assert_eq!(h.amount_due.to_string(), "0.00");
            assert_eq!(h.status, status);
        }
        let mut h = issued("0.00");
        settle(&mut h);
        assert_eq!(h.status, InvoiceStatus::Finalized, "voidable, as stored");
        assert_eq!(h.payment_status, PaymentStatus::Unpaid);
        let mut h = issued("100.00");
        h.amount_paid = d("100");
        h.amount_credited = d("40");
        settle(&mut h);
        assert_eq!(h.amount_overpaid.to_string(), "40.00");
        assert_eq!(h.status, InvoiceStatus::Paid);
    }

    #[test]
    fn overdue_is_judged_in_the_clients_time_zone() {
        let mut h = issued("10.00");
        h.due_date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        h.timezone = Some("Asia/Tashkent".into());
        // 2026-10-31 20:00 UTC is already 1 November in Tashkent.
        let now = "2026-10-31T20:00:00Z".parse().unwrap();
        present(&mut h, now);
        assert!(h.overdue);
        h.timezone = Some("America/New_York".into());
        present(&mut h, now);
        assert!(!h.overdue, "still 31 October in New York");
        h.amount_paid = d("10");
        h.timezone = Some("Asia/Tashkent".into());
        present(&mut h, now);
        assert!(!h.overdue, "nothing due");
    }

    #[test]
    fn payments_are_checked_against_what_is_due_and_the_dates() {
        let mut h = issued("100.00");
        h.amount_paid = d("60");
        let today = h.issue_date + chrono::Duration::days(3);
        let req = |amount: &str, paid_on: NaiveDate| PaymentRequest {
            amount: d(amount),
            paid_on,
            method: PaymentMethod::BankTransfer,
            reference: None,
        };
        assert!(check_payment(&h, &req("40.00", today), today).is_ok());
        let fields = |r: Result<()>| match r {
            Err(Error::Validation { details, .. }) => {
                details.into_iter().map(|d| d.field).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(check_payment(&h, &req("40.01", today), today)),
            ["amount"]
        );
        assert_eq!(
            fields(check_payment(&h, &req("0", today), today)),
            ["amount"]
        );
        assert_eq!(
            fields(check_payment(&h, &req("1.001", today), today)),
            ["amount"]
        );
        let tomorrow = today + chrono::Duration::days(1);
        let before = h.issue_date - chrono::Duration::days(1);
        assert_eq!(
            fields(check_payment(&h, &req("-1", tomorrow), today)),
            ["amount", "paid_on"]
        );
        assert_eq!(
            fields(check_payment(&h, &req("1", before), today)),
            ["paid_on"]
        );
    }

    /// One step of a random receivables history.
    #[derive(Debug, Clone)]
    enum Step {
        Pay(u32),
        Reverse(usize),
        Credit(u32),
        WriteOff(u32),
        ReverseWriteOff(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1u32..50_000).prop_map(Step::Pay),
            (0usize..10).prop_map(Step::Reverse),
            (1u32..50_000).prop_map(Step::Credit),
            (1u32..50_000).prop_map(Step::WriteOff),
            (0usize..10).prop_map(Step::ReverseWriteOff),
        ]
    }

    proptest! {
        /// Over any sequence of payments, credits, write-offs and their reversals, applied
        /// only when the rules allow them, the identities hold after every step: sums exact,
        /// never below zero, credits and write-offs together never above the total.
        #[test]
        fn money_identities_hold_after_every_step(
            total_cents in 1u32..1_000_000,
            steps in proptest::collection::vec(step(), 1..40),
        ) {
            let mut h = issued(&format!("{}.{:02}", total_cents / 100, total_cents % 100));
            let today = h.issue_date;
            let mut payments: Vec<Decimal> = Vec::new();
            let mut credited = Decimal::ZERO;
            let mut written_off: Vec<Decimal> = Vec::new();
            for s in steps {
                match s {
                    Step::Pay(c) => {
                        let amount = Decimal::new(i64::from(c), 2);
                        let req = PaymentRequest { amount, paid_on: today,
                            method: PaymentMethod::Cash, reference: None };
                        let allowed = check_payment(&h, &req, today).is_ok();
                        prop_assert_eq!(allowed, amount <= h.amount_due_now());
                        if allowed {
                            payments.push(amount);
                            h.amount_paid += amount;
                        }
                    }
                    Step::Reverse(i) => {
                        if i < payments.len() {
                            h.amount_paid -= payments.remove(i);
                        }
                    }
                    Step::Credit(c) => {
                        // Credit notes take off at most the total less what is written off.
                        let amount = Decimal::new(i64::from(c), 2);
                        if h.amount_credited + h.amount_written_off + amount <= h.total {
                            credited += amount;
                            h.amount_credited += amount;
                        }
                    }
                    Step::WriteOff(c) => {
                        let amount = Decimal::new(i64::from(c), 2);
                        let req = super::super::write_off::WriteOffRequest {
                            amount,
                            reason: super::super::write_off::WriteOffReason::BankFee,
                            note: None,
                        };
                        let allowed = super::super::write_off::check_write_off(
                            &h,
                            &req,
                            super::super::write_off::WriteOffLimit::Any,
                        )
                        .is_ok();
                        prop_assert_eq!(
                            allowed,
                            h.status == InvoiceStatus::Finalized && amount <= h.amount_due_now()
                        );
                        if allowed {
                            written_off.push(amount);
                            h.amount_written_off += amount;
                        }
                    }
                    Step::ReverseWriteOff(i) => {
                        if i < written_off.len() {
                            h.amount_written_off -= written_off.remove(i);
                        }
                    }
                }
                settle(&mut h);
                let paid: Decimal = payments.iter().copied().sum();
                prop_assert_eq!(h.amount_paid, paid);
                prop_assert_eq!(h.amount_credited, credited);
                let off: Decimal = written_off.iter().copied().sum();
                prop_assert_eq!(h.amount_written_off, off);
                prop_assert!(h.amount_due >= Decimal::ZERO);
                prop_assert!(h.amount_credited + h.amount_written_off <= h.total);
                prop_assert_eq!(
                    h.amount_due,
                    (h.total - paid - credited - off).max(Decimal::ZERO)
                );
                prop_assert_eq!(
                    h.amount_overpaid,
                    (paid + credited + off - h.total).max(Decimal::ZERO)
                );
                prop_assert_eq!(h.status == InvoiceStatus::Paid, h.amount_due.is_zero());
            }
        }
    }

    impl InvoiceHeader {
        fn amount_due_now(&self) -> Decimal {
            due_now(self)
        }
    }
}
