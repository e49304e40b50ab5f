//! Accounts-receivable aging: what is due, per currency and client, in buckets of days past
//! the due date as of a day. Pure: the open items come from the open invoices (today) or
//! from the ledger's entries up to the day (a day past).

use super::LedgerEntry;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the receivables reports keep of an open (finalized) invoice: its amounts and dates,
/// nothing else (a tenth of a header in memory).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OpenInvoice {
    pub id: Uuid,
    pub client_key: String,
    pub currency: String,
    pub status: crate::domain::invoice::model::InvoiceStatus,
    pub due_date: NaiveDate,
    pub total: Decimal,
    #[serde(default)]
    pub amount_paid: Decimal,
    #[serde(default)]
    pub amount_credited: Decimal,
    #[serde(default)]
    pub amount_written_off: Decimal,
    /// The client's time zone recorded on the invoice (UTC when absent).
    #[serde(default)]
    pub timezone: Option<String>,
}

impl OpenInvoice {
    /// What is due on it (the receivables rule), in the currency's places; nothing on an
    /// invoice that is not issued.
    pub fn due(&self) -> Decimal {
        if !crate::domain::invoice::lifecycle::is_receivable(self.status) {
            return Decimal::ZERO;
        }
        let due = crate::domain::invoice::receivables::amount_due(
            self.total,
            self.amount_paid,
            self.amount_credited + self.amount_written_off,
        );
        crate::domain::invoice::money::round_to(
            due,
            crate::domain::invoice::money::minor_unit(&self.currency),
        )
    }

    /// Whether something is due and its due date passed at `now` in the client's time zone
    /// (the invoice's own rule, `receivables::overdue_from`).
    pub fn overdue_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.status == crate::domain::invoice::model::InvoiceStatus::Finalized
            && self.due() > Decimal::ZERO
            && now
                >= crate::domain::invoice::receivables::overdue_from(
                    self.due_date,
                    self.timezone.as_deref(),
                )
    }

    /// The open item it is in the aging.
    pub fn item(&self) -> OpenItem {
        OpenItem {
            client_key: self.client_key.clone(),
            currency: self.currency.clone(),
            invoice_id: self.id,
            due_date: self.due_date,
            due: self.due(),
        }
    }
}

/// One invoice with something due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    pub client_key: String,
    pub currency: String,
    pub invoice_id: Uuid,
    pub due_date: NaiveDate,
    pub due: Decimal,
}

/// Amounts due by days past the due date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Buckets {
    /// Not yet past due.
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub current: Decimal,
    #[serde(rename = "1_30")]
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub days_1_30: Decimal,
    #[serde(rename = "31_60")]
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub days_31_60: Decimal,
    #[serde(rename = "61_90")]
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub days_61_90: Decimal,
    #[serde(rename = "over_90")]
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub over_90: Decimal,
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub total: Decimal,
    /// Invoices counted.
    pub invoices: u32,
}

impl Buckets {
    /// Add `due`, `days` past its due date (0 or less: current).
    pub fn add(&mut self, days: i64, due: Decimal) {
        let bucket = match days {
            i64::MIN..=0 => &mut self.current,
            1..=30 => &mut self.days_1_30,
            31..=60 => &mut self.days_31_60,
            61..=90 => &mut self.days_61_90,
            _ => &mut self.over_90,
        };
        *bucket += due;
        self.total += due;
        self.invoices += 1;
    }
}

/// One client's aging in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClientAging {
    pub client_key: String,
    pub buckets: Buckets,
}

/// One currency's aging: per client (by key) and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CurrencyAging {
    pub currency: String,
    pub clients: Vec<ClientAging>,
    pub totals: Buckets,
}

/// `GET /reports/ar-aging`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgingReport {
    pub as_of: NaiveDate,
    /// Where the figures come from: `open_invoices` (today and later) or `ledger` (a day
    /// past: the entries booked up to its end, UTC).
    pub source: String,
    pub currencies: Vec<CurrencyAging>,
}

/// Age `items` as of `as_of`, only in `currency` when given; currencies and clients in key
/// order, items with nothing due left out.
pub fn age(
    items: &[OpenItem],
    as_of: NaiveDate,
    currency: Option<&str>,
    source: &str,
) -> AgingReport {
    let mut by: BTreeMap<&str, BTreeMap<&str, Buckets>> = BTreeMap::new();
    for item in items
        .iter()
        .filter(|i| i.due > Decimal::ZERO && currency.is_none_or(|c| c == i.currency))
    {
        by.entry(&item.currency)
            .or_default()
            .entry(&item.client_key)
            .or_default()
            .add((as_of - item.due_date).num_days(), item.due);
    }
    let currencies = by
        .into_iter()
        .map(|(currency, clients)| {
            let mut totals = Buckets::default();
            let clients = clients
                .into_iter()
                .map(|(client_key, buckets)| {
                    totals.current += buckets.current;
                    totals.days_1_30 += buckets.days_1_30;
                    totals.days_31_60 += buckets.days_31_60;
                    totals.days_61_90 += buckets.days_61_90;
                    totals.over_90 += buckets.over_90;
                    totals.total += buckets.total;
                    totals.invoices += buckets.invoices;
                    ClientAging {
                        client_key: client_key.to_string(),
                        buckets,
                    }
                })
                .collect();
            CurrencyAging {
                currency: currency.to_string(),
                clients,
                totals,
            }
        })
        .collect();
    AgingReport {
        as_of,
        source: source.to_string(),
        currencies,
    }
}

/// The open items after `entries` (of any accounts, any order): each invoice's amount due
/// after the last entry (by account and number) that moved it.
pub fn open_items_after(entries: &[LedgerEntry]) -> Vec<OpenItem> {
    let mut sorted: Vec<&LedgerEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.client_key, &a.currency, a.seq).cmp(&(&b.client_key, &b.currency, b.seq))
    });
    let mut last: BTreeMap<Uuid, OpenItem> = BTreeMap::new();
    for e in sorted {
        for m in &e.invoices {
            last.insert(
                m.invoice_id,
                OpenItem {
                    client_key: e.client_key.clone(),
                    currency: e.currency.clone(),
                    invoice_id: m.invoice_id,
                    due_date: m.due_date,
                    due: m.due_after,
                },
            );
        }
    }
    last.into_values()
        .filter(|i| i.due > Decimal::ZERO)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn item(client: &str, currency: &str, due_date: &str, due: &str) -> OpenItem {
        OpenItem {
            client_key: client.into(),
            currency: currency.into(),
            invoice_id: Uuid::new_v4(),
            due_date: day(due_date),
            due: d(due),
        }
    }

    #[test]
    fn each_amount_falls_in_the_bucket_of_its_days_past_due() {
        let as_of = day("2026-12-31");
        let items = [
            item("ACME", "USD", "2026-12-31", "1.00"), // 0 days: current
            item("ACME", "USD", "2026-12-30", "2.00"), // 1
            item("ACME", "USD", "2026-12-01", "4.00"), // 30
            item("ACME", "USD", "2026-11-30", "8.00"), // 31
            item("BETA", "USD", "2026-10-31", "16.00"), // 61
            item("BETA", "USD", "2026-10-01", "32.00"), // 91
            item("BETA", "EUR", "2027-01-15", "64.00"),
            item("BETA", "USD", "2026-01-01", "0.00"), // nothing due: left out
        ];
        let report = age(&items, as_of, None, "open_invoices");
        assert_eq!(
            report
                .currencies
                .iter()
                .map(|c| c.currency.as_str())
                .collect::<Vec<_>>(),
            ["EUR", "USD"]
        );
        let usd = &report.currencies[1];
        let t = &usd.totals;
        assert_eq!(
            (
                t.current,
                t.days_1_30,
                t.days_31_60,
                t.days_61_90,
                t.over_90
            ),
            (d("1.00"), d("6.00"), d("8.00"), d("16.00"), d("32.00"))
        );
        assert_eq!(t.total, d("63.00"));
        assert_eq!(t.invoices, 6);
        assert_eq!(usd.clients[0].buckets.total, d("15.00"));
        assert_eq!(usd.clients[1].buckets.total, d("48.00"));
        let only_eur = age(&items, as_of, Some("EUR"), "open_invoices");
        assert_eq!(only_eur.currencies.len(), 1);
        assert_eq!(only_eur.currencies[0].totals.current, d("64.00"));
    }

    #[test]
    fn an_open_invoice_is_due_what_the_receivables_rule_says_and_overdue_in_its_time_zone() {
        let open = OpenInvoice {
            id: Uuid::nil(),
            client_key: "ACME".into(),
            currency: "JPY".into(),
            status: crate::domain::invoice::model::InvoiceStatus::Finalized,
            due_date: day("2026-12-03"),
            total: d("1000"),
            amount_paid: d("300"),
            amount_credited: d("100"),
            amount_written_off: d("50"),
            timezone: Some("Pacific/Kiritimati".into()),
        };
        assert_eq!(open.due(), d("550"));
        // 2026-12-03 10:30 UTC is already 2026-12-04 in UTC+14: past due there, not in UTC.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T10:30:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        assert!(open.overdue_at(now));
        let utc = OpenInvoice {
            timezone: None,
            ..open.clone()
        };
        assert!(!utc.overdue_at(now));
        let void = OpenInvoice {
            status: crate::domain::invoice::model::InvoiceStatus::Void,
            ..open
        };
        assert_eq!(void.due(), Decimal::ZERO);
    }
}
