//! Where an invoice stands for the receivables filters of `GET /invoices`: its standing
//! (draft, void, paid, or finalized and unpaid / partially paid / owing nothing) and the
//! instant it becomes overdue. The store keeps one list per standing sorted by that instant,
//! so `overdue` is a key range (`overdue_from <= now`) and never a scan; the filters map to
//! standings here, once.

use super::lifecycle::is_receivable;
use super::model::{InvoiceFilter, InvoiceHeader, InvoiceStatus, PaymentStatus};
use super::receivables::settle;
pub use super::receivables::{overdue_from, overdue_window};
#[cfg(test)]
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

/// An invoice's standing: its status, with a finalized invoice split by what it owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    Draft,
    Void,
    /// Finalized, nothing paid, something due: overdue once its due date has passed.
    Unpaid,
    /// Finalized, something paid, something due: overdue once its due date has passed.
    PartiallyPaid,
    /// Finalized with nothing due (a zero total, which finalize now refuses): never overdue.
    NothingDue,
    Paid,
}

impl Standing {
    /// Every standing.
    pub const ALL: [Standing; 6] = [
        Standing::Draft,
        Standing::Void,
        Standing::Unpaid,
        Standing::PartiallyPaid,
        Standing::NothingDue,
        Standing::Paid,
    ];

    /// The snake_case name (used in store keys).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Draft => "draft",
            Standing::Void => "void",
            Standing::Unpaid => "unpaid",
            Standing::PartiallyPaid => "partially_paid",
            Standing::NothingDue => "nothing_due",
            Standing::Paid => "paid",
        }
    }

    /// Whether an invoice of this standing is overdue once its due date has passed.
    pub fn can_be_overdue(self) -> bool {
        matches!(self, Standing::Unpaid | Standing::PartiallyPaid)
    }

    /// Its invoice status.
    pub fn status(self) -> InvoiceStatus {
        match self {
            Standing::Draft => InvoiceStatus::Draft,
            Standing::Void => InvoiceStatus::Void,
            Standing::Paid => InvoiceStatus::Paid,
            Standing::Unpaid | Standing::PartiallyPaid | Standing::NothingDue => {
                InvoiceStatus::Finalized
            }
        }
    }

    /// Its payment status, for the `payment_status` filter (`None`: never matched by it).
    pub fn payment_status(self) -> Option<PaymentStatus> {
        match self {
            Standing::Draft | Standing::Void => None,
            Standing::Unpaid | Standing::NothingDue => Some(PaymentStatus::Unpaid),
            Standing::PartiallyPaid => Some(PaymentStatus::PartiallyPaid),
            Standing::Paid => Some(PaymentStatus::Paid),
        }
    }
}

/// The standing of `header` once its receivables are settled.
pub fn standing(header: &InvoiceHeader) -> Standing {
    let mut h = header.clone();
    settle(&mut h);
    match h.status {
        InvoiceStatus::Draft => Standing::Draft,
        InvoiceStatus::Void => Standing::Void,
        InvoiceStatus::Paid => Standing::Paid,
        InvoiceStatus::Finalized if h.amount_due <= Decimal::ZERO => Standing::NothingDue,
        InvoiceStatus::Finalized => match h.payment_status {
            PaymentStatus::PartiallyPaid => Standing::PartiallyPaid,
            PaymentStatus::Unpaid | PaymentStatus::Paid => Standing::Unpaid,
        },
    }
}

impl InvoiceFilter {
    /// The standings whose invoices can pass the `status` and `payment_status` filters
    /// (an invoice passes both exactly when its standing is among them).
    pub fn standings(&self) -> Vec<Standing> {
        Standing::ALL
            .into_iter()
            .filter(|s| self.status.is_none_or(|st| st == s.status()))
            .filter(|s| {
                self.payment_status
                    .is_none_or(|p| s.payment_status() == Some(p) && is_receivable(s.status()))
            })
            .filter(|s| self.overdue != Some(true) || s.can_be_overdue())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::receivables::present;
    use proptest::prelude::*;

    fn header(status: InvoiceStatus, total: i64, paid: i64, credited: i64) -> InvoiceHeader {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.status = status;
        h.currency = "USD".into();
        h.total = Decimal::from(total);
        h.amount_paid = Decimal::from(paid);
        h.amount_credited = Decimal::from(credited);
        h.amount_written_off = Decimal::ZERO;
        h
    }

    #[test]
    fn the_overdue_instant_is_the_next_local_midnight() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(
            overdue_from(due, Some("Asia/Tashkent")).to_rfc3339(),
            "2026-12-04T19:00:00+00:00"
        );
        assert_eq!(
            overdue_from(due, None).to_rfc3339(),
            "2026-12-05T00:00:00+00:00"
        );
        for tz in [
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "Asia/Tashkent",
            "UTC",
        ] {
            let at = overdue_from(due, Some(tz));
            let (lo, hi) = overdue_window(due);
            assert!(lo <= at && at <= hi, "{tz}: {at}");
        }
    }

    proptest! {
        /// The standings of a filter are exactly where its status and payment-status
        /// matches are, and `overdue` is `overdue_from <= now` on the standings that can
        /// be overdue: what the store's key ranges rely on.
        #[test]
        fn standings_agree_with_the_filters(
            status in 0usize..4, total in 0i64..5, paid in 0i64..6, credited in 0i64..3,
            due_day in 0i64..6, minutes in 0i64..(6 * 24 * 60), zone in 0usize..4,
        ) {
            let statuses = [InvoiceStatus::Draft, InvoiceStatus::Finalized, InvoiceStatus::Paid, InvoiceStatus::Void];
            let zones = [None, Some("Asia/Tashkent"), Some("America/New_York"), Some("Pacific/Kiritimati")];
            // Nothing is ever paid or credited on a zero total (nothing is due on it).
            let (paid, credited) = if total == 0 { (0, 0) } else { (paid, credited) };
            let mut h = header(statuses[status], total, paid, credited);
            h.due_date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + Duration::days(due_day);
            h.timezone = zones[zone].map(str::to_string);
            let now = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_time(chrono::NaiveTime::MIN).and_utc()
                + Duration::minutes(minutes);
            let s = standing(&h);
            let mut shown = h.clone();
            present(&mut shown, now);
            prop_assert_eq!(s.status(), shown.status);
            let by_standing = s.can_be_overdue() && overdue_from(h.due_date, h.timezone.as_deref()) <= now;
            prop_assert_eq!(by_standing, shown.overdue);
            for st in [None, Some(InvoiceStatus::Draft), Some(InvoiceStatus::Finalized), Some(InvoiceStatus::Paid), Some(InvoiceStatus::Void)] {
                for ps in [None, Some(PaymentStatus::Unpaid), Some(PaymentStatus::PartiallyPaid), Some(PaymentStatus::Paid)] {
                    let f = InvoiceFilter { status: st, payment_status: ps, now: Some(now), ..Default::default() };
                    let keyed = st.is_none_or(|st| st == shown.status) && f.matches(&h);
                    prop_assert_eq!(f.standings().contains(&s), keyed, "{:?} {:?}", st, ps);
                }
            }
        }
    }
}
