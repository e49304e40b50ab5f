//! Property tests of invoice arithmetic over random worklogs, rates, tax rates and
//! currencies, checked against an independent integer-arithmetic oracle.

use crate::domain::{Address, Client, Period, Worklog};
use crate::invoice::GroupBy;
use crate::invoice::draft::build_draft;
use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

/// Round `numerator / denominator` (both integers, denominator > 0) half away from zero.
fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator {
        q + numerator.signum()
    } else {
        q
    }
}

fn dec(units: i128, scale: u32) -> Decimal {
    Decimal::from_i128_with_scale(units, scale)
}

fn client(currency: &str, rate_ten_thousandths: i64, tax_hundredths: i64) -> Client {
    let now = Utc::now();
    Client {
        key: "PROP".into(),
        name: "Property Client".into(),
        email: "p@example.com".into(),
        billing_contacts: Vec::new(),
        address: Address {
            line1: "1".into(),
            line2: None,
            city: "Tashkent".into(),
            postal_code: None,
            country: "UZ".into(),
        },
        tax_id: None,
        vat_id: None,
        electronic_address: None,
        buyer_reference: None,
        vat_category: None,
        vat_exemption_reason: None,
        currency: currency.into(),
        hourly_rate: Decimal::new(rate_ten_thousandths, 4),
        tax_rate: Decimal::new(tax_hundredths, 2),
        payment_terms_days: 10,
        timezone: "Asia/Tashkent".into(),
        locale: Default::default(),
        reminders_paused: false,
        contract_number: None,
        contract_date: None,
        attach_act: false,
        active: true,
        created_at: now,
        updated_at: now,
    }
}

fn worklogs() -> impl Strategy<Value = Vec<Worklog>> {
    prop::collection::vec(
        (
            0u8..6,
            0u8..4,
            1u32..=28,
            1u32..=600,
            prop::bool::weighted(0.8),
        ),
        0..60,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(issue, author, day, minutes, billable)| Worklog {
                id: Uuid::new_v4(),
                client_key: "PROP".into(),
                date: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
                author: format!("Author {author}"),
                issue_key: format!("P-{issue}"),
                issue_summary: String::new(),
                description: String::new(),
                minutes,
                billable,
                source_id: None,
            })
            .collect()
    })
}

fn group_by() -> impl Strategy<Value = GroupBy> {
    prop_oneof![
        Just(GroupBy::Issue),
        Just(GroupBy::Author),
        Just(GroupBy::Day),
        Just(GroupBy::None)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn invoice_arithmetic_is_exact(
        logs in worklogs(),
        group in group_by(),
        currency in prop_oneof![Just("USD"), Just("EUR"), Just("UZS"), Just("JPY"), Just("KWD")],
        rate in 0i64..5_000_000_000,      // up to 500000.0000 per hour
        tax in 0i64..=10_000,             // 0.00 .. 100.00 %
    ) {
        let places: u32 = match currency { "JPY" => 0, "KWD" => 3, _ => 2 };
        let c = client(currency, rate, tax);
        let period: Period = "2026-10".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
        let inv = build_draft(Uuid::new_v4(), &c, period, group, &logs, now, "prop");

        // Every billable worklog on exactly one line, no non-billable one anywhere.
        let mut on_lines: Vec<Uuid> = inv.line_items.iter().flat_map(|l| l.worklog_ids.clone()).collect();
        on_lines.sort();
        let mut billable: Vec<Uuid> = logs.iter().filter(|w| w.billable).map(|w| w.id).collect();
        billable.sort();
        prop_assert_eq!(on_lines, billable);

        let mut subtotal_units: i128 = 0;
        for line in &inv.line_items {
            let minutes: i128 = logs.iter()
                .filter(|w| line.worklog_ids.contains(&w.id))
                .map(|w| i128::from(w.minutes))
                .sum();
            // quantity (hundredths of an hour) = minutes * 100 / 60, half away from zero
            let q_hundredths = div_round_half_away(minutes * 100, 60);
            prop_assert_eq!(line.quantity, dec(q_hundredths, 2));
            prop_assert_eq!(line.quantity.scale(), 2);
            // amount = q x rate: units of 10^-6, rounded to `places`
            let raw = q_hundredths * i128::from(rate);
            let amount_units = div_round_half_away(raw, 10i128.pow(6 - places));
            prop_assert_eq!(line.amount, dec(amount_units, places));
            prop_assert_eq!(line.amount.scale(), places);
            subtotal_units += amount_units;
        }
        prop_assert_eq!(inv.header.subtotal, dec(subtotal_units, places));
        // tax = subtotal x tax% : subtotal(10^-places) x tax(10^-2) / 100 -> 10^-(places+4)
        let tax_units = div_round_half_away(subtotal_units * i128::from(tax), 10_000);
        prop_assert_eq!(inv.header.tax_amount, dec(tax_units, places));
        prop_assert_eq!(inv.header.total, dec(subtotal_units + tax_units, places));
        prop_assert_eq!(inv.header.total.scale(), places);
    }
}

#[test]
fn half_cent_ties_and_zero_decimal_currencies() {
    let period: Period = "2026-10".parse().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
    let log = |minutes| Worklog {
        id: Uuid::new_v4(),
        client_key: "PROP".into(),
        date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        author: "A".into(),
        issue_key: "P-1".into(),
        issue_summary: String::new(),
        description: String::new(),
        minutes,
        billable: true,
        source_id: None,
    };
    // 30 min = 0.50 h at 0.0100/h = 0.005 -> 0.01 (half away from zero)
    let inv = build_draft(
        Uuid::new_v4(),
        &client("USD", 100, 0),
        period,
        GroupBy::Issue,
        &[log(30)],
        now,
        "t",
    );
    assert_eq!(inv.line_items[0].amount.to_string(), "0.01");
    // JPY: 90 min = 1.50 h at 333/h = 499.5 -> 500, no decimals
    let inv = build_draft(
        Uuid::new_v4(),
        &client("JPY", 3_330_000, 1000),
        period,
        GroupBy::Issue,
        &[log(90)],
        now,
        "t",
    );
    assert_eq!(inv.line_items[0].amount.to_string(), "500");
    assert_eq!(inv.header.tax_amount.to_string(), "50");
    assert_eq!(inv.header.total.to_string(), "550");
    // Tax tie: subtotal 0.50 at 1 % = 0.005 -> 0.01
    let inv = build_draft(
        Uuid::new_v4(),
        &client("EUR", 10_000, 100),
        period,
        GroupBy::Issue,
        &[log(30)],
        now,
        "t",
    );
    assert_eq!(inv.header.subtotal.to_string(), "0.50");
    assert_eq!(inv.header.tax_amount.to_string(), "0.01");
}
