//! A fixed finalized invoice with any number of lines, for the renderer's tests and
//! benchmark. Deterministic: no clock, no random ids.

use crate::domain::Address;
use crate::domain::invoice::model::InvoiceHeader;
use crate::invoice::{
    ClientSnapshot, GroupBy, Invoice, InvoiceStatus, LineItem, LineSource, PdfInfo,
};
use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A finalized UZS invoice to a client with a Cyrillic name, `lines` lines long; every
/// seventh description is long enough to wrap.
pub fn sample_invoice(lines: usize) -> Invoice {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 1, 4, 0, 0)
        .single()
        .unwrap_or_default();
    let line_items: Vec<LineItem> = (0..lines)
        .map(|i| {
            let quantity = Decimal::new(25 + (i as i64 * 37) % 800, 2);
            let unit_price = Decimal::new(45_000_000, 2);
            let description = if i % 7 == 3 {
                format!(
                    "GULZOR-{i}: Hisobotlar sahifasi (oʻzbekcha) — исправление отчётов и \
                     выгрузки в Excel, koʻp sahifali jadval, qoʻshimcha filtrlar va eksport"
                )
            } else {
                format!("GULZOR-{i}: Integratsiya ishlari / интеграция")
            };
            LineItem {
                id: Uuid::from_u128(i as u128 + 1),
                description,
                quantity,
                unit_price,
                amount: crate::domain::invoice::money::line_amount(quantity, unit_price, 2),
                source: LineSource::Worklogs,
                worklog_ids: Vec::new(),
            }
        })
        .collect();
    let mut invoice = Invoice {
        header: InvoiceHeader {
            id: Uuid::from_u128(0x42),
            number: Some("INV-2026-00042".into()),
            client_key: "VOSTOK".into(),
            client: ClientSnapshot {
                name: "ООО «Восток Логистик»".into(),
                email: "schet@vostok.example".into(),
                address: Address {
                    line1: "ул. Амира Темура, 107Б".into(),
                    line2: None,
                    city: "Ташкент".into(),
                    postal_code: Some("100084".into()),
                    country: "UZ".into(),
                },
                tax_id: Some("307654321".into()),
                vat_id: None,
                electronic_address: None,
                buyer_reference: None,
                vat_category: None,
                vat_exemption_reason: None,
                contract_number: Some("12/2026-IT".into()),
                contract_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 15),
            },
            period: "2026-10"
                .parse()
                .unwrap_or_else(|_| crate::domain::Period::containing(NaiveDate::MIN)),
            status: InvoiceStatus::Finalized,
            currency: "UZS".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            due_date: NaiveDate::from_ymd_opt(2026, 11, 11).unwrap_or_default(),
            group_by: GroupBy::Issue,
            subtotal: Decimal::ZERO,
            tax_rate: Decimal::from(12),
            tax_amount: Decimal::ZERO,
            total: Decimal::ZERO,
            notes: Some("Rahmat! Спасибо за сотрудничество. Thank you for your business.".into()),
            po_number: Some("PO-77".into()),
            version: 3,
            created_at: at,
            created_by: "accountant@proxima.local".into(),
            updated_at: at,
            finalized_at: Some(at),
            sent_at: None,
            pdf: None::<PdfInfo>,
            issuer: None,
            locale: None,
            accounting: None,
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            amount_due: Decimal::ZERO,
            amount_overpaid: Decimal::ZERO,
            amount_credited_net: Decimal::ZERO,
            amount_credited_tax: Decimal::ZERO,
            amount_written_off: Decimal::ZERO,
            payment_status: Default::default(),
            overdue: false,
            timezone: None,
        },
        line_items,
    };
    invoice.recompute_totals();
    invoice
}
