//! Credit notes: documents of their own (`CN-YYYY-NNNNN`) that reduce what a finalized
//! invoice asks for. This module is pure: the request, its validation, the lines (the whole
//! invoice or given lines), the totals with the invoice's own arithmetic, and the limit rule
//! (the credit notes of an invoice never add up to more than its total). Numbering in one
//! transaction, storage and the PDF upload belong to the service layer.

use super::edit::{check_description, check_price, check_quantity};
use super::model::{ClientSnapshot, Invoice, InvoiceHeader, PdfInfo};
use super::money::{Totals, line_amount, totals};
use crate::domain::issuer::Issuer;
use crate::domain::text::{Lines, check_field};
use crate::domain::{Period, scale};
use crate::{Error, FieldError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most lines a credit note may have.
pub const MAX_CREDIT_LINES: usize = 1000;
/// Longest reason.
pub const MAX_REASON_CHARS: usize = 500;

/// One line of a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditLine {
    pub description: String,
    /// 2 decimal places.
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "2.00")]
    pub quantity: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "95.00")]
    pub unit_price: Decimal,
    /// quantity x unit_price, rounded to the currency's minor unit.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "190.00")]
    pub amount: Decimal,
}

/// A credit note against a finalized invoice. Amounts are positive: they are what is
/// credited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditNote {
    pub id: Uuid,
    /// `CN-YYYY-NNNNN`, gapless per year of the issue date.
    pub number: String,
    pub invoice_id: Uuid,
    /// The credited invoice's `INV-YYYY-NNNNN`.
    pub invoice_number: String,
    /// The credited invoice's issue date and period, cited on the PDF.
    pub invoice_issue_date: NaiveDate,
    #[schema(value_type = String, example = "2026-10")]
    pub invoice_period: Period,
    pub client_key: String,
    /// The client as on the invoice.
    pub client: ClientSnapshot,
    pub currency: String,
    pub issue_date: NaiveDate,
    pub reason: String,
    pub lines: Vec<CreditLine>,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "190.00")]
    pub subtotal: Decimal,
    /// Percent, the invoice's.
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "12.00")]
    pub tax_rate: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "22.80")]
    pub tax_amount: Decimal,
    /// The amount credited: subtotal + tax.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "212.80")]
    pub total: Decimal,
    /// The issuer as recorded on the invoice at finalize.
    pub issuer: Issuer,
    /// The language the PDF is printed in: the client's `locale` when the note was issued
    /// (null for notes issued before locales were recorded: English).
    #[serde(default)]
    pub locale: Option<crate::domain::Locale>,
    /// The amounts in soums at the Central Bank rate of the note's issue date (a note in
    /// another currency than UZS; `null` otherwise and for notes issued before it was kept).
    #[serde(default)]
    pub accounting: Option<crate::rates::Accounting>,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub pdf: Option<PdfInfo>,
}

impl CreditNote {
    /// Decimal places of the note's currency.
    pub fn places(&self) -> u32 {
        super::money::minor_unit(&self.currency)
    }
}

/// A line to credit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLineInput {
    /// 1..500 characters, one line, no control or bidirectional format characters.
    pub description: String,
    /// > 0, at most 2 decimals.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "2.00")]
    pub quantity: Decimal,
    /// >= 0, at most the currency's minor-unit places (USD 2, JPY 0).
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "95.00")]
    pub unit_price: Decimal,
}

/// `POST /invoices/{id}/credit-notes`: exactly one of `lines` and `full: true`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteRequest {
    /// 1..500 characters, one line, printed on the credit note.
    pub reason: String,
    /// The lines to credit (1..1000).
    #[serde(default)]
    pub lines: Option<Vec<CreditLineInput>>,
    /// `true`: credit the whole invoice, line by line (only while nothing is credited yet).
    #[serde(default)]
    pub full: Option<bool>,
}

/// `CN-2026-00001`.
pub fn credit_note_number(year: i32, sequence: u64) -> String {
    format!("CN-{year}-{sequence:05}")
}

/// The PDF's file name: `CN-2026-00001.pdf`.
pub fn file_name(note: &CreditNote) -> String {
    format!("{}.pdf", note.number)
}

/// Check the request alone (every problem at once, each naming its field), unit prices with
/// at most `places` decimal places (the invoice currency's minor unit); returns the trimmed
/// reason.
pub fn validate_request(req: &CreditNoteRequest, places: u32) -> Result<String> {
    let mut errors = Vec::new();
    let reason = check_field(
        "reason",
        &req.reason,
        MAX_REASON_CHARS,
        Lines::One,
        &mut errors,
    );
    if reason.is_empty() {
        errors.push(FieldError::required("reason"));
    }
    let full = req.full == Some(true);
    match (&req.lines, full) {
        (Some(_), true) => errors.push(FieldError::new(
            "full",
            "give either lines or full: true, not both",
        )),
        (None, false) => errors.push(FieldError::new(
            "lines",
            "give the lines to credit, or full: true to credit the whole invoice",
        )),
        (None, true) => {}
        (Some(lines), false) => {
            if lines.is_empty() {
                errors.push(FieldError::required("lines"));
            }
            if lines.len() > MAX_CREDIT_LINES {
                errors.push(FieldError::new(
                    "lines",
                    format!(
                        "a credit note has at most {MAX_CREDIT_LINES} lines ({} given)",
                        lines.len()
                    ),
                ));
            }
            for (i, l) in lines.iter().enumerate() {
                check_description(
                    format!("lines[{i}].description"),
                    &l.description,
                    &mut errors,
                );
                check_quantity(format!("lines[{i}].quantity"), l.quantity, &mut errors);
                check_price(
                    format!("lines[{i}].unit_price"),
                    l.unit_price,
                    places,
                    &mut errors,
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(reason.to_string())
    } else {
        Err(Error::fields(errors))
    }
}

/// The lines of the note asked for: with `full`, one line per invoice line with the same
/// description, quantity, unit price and amount (so the note's total is the invoice's);
/// otherwise the given lines, validated, with amounts rounded to the invoice's currency.
pub fn credit_lines(invoice: &Invoice, req: &CreditNoteRequest) -> Result<Vec<CreditLine>> {
    let places = invoice.places();
    validate_request(req, places)?;
    Ok(match &req.lines {
        None => invoice
            .line_items
            .iter()
            .map(|l| CreditLine {
                description: l.description.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.amount,
            })
            .collect(),
        Some(lines) => lines
            .iter()
            .map(|l| {
                let quantity = scale::fixed(l.quantity, scale::QUANTITY_PLACES);
                CreditLine {
                    description: l.description.trim().to_string(),
                    quantity,
                    unit_price: scale::fixed(l.unit_price, places),
                    amount: line_amount(quantity, l.unit_price, places),
                }
            })
            .collect(),
    })
}

/// Subtotal, tax and total of credit lines: the invoice's arithmetic (sum of the rounded
/// amounts; tax = subtotal x rate / 100 rounded half away from zero; total = subtotal + tax).
pub fn credit_totals(lines: &[CreditLine], tax_rate: Decimal, places: u32) -> Totals {
    totals(lines.iter().map(|l| l.amount), tax_rate, places)
}

/// What was written off is no longer owed, so it cannot be credited too: with write-offs,
/// the credit notes of an invoice add up to at most `total - amount_written_off` (400 on
/// `lines`; an admin may reverse the write-off first).
fn check_written_off(h: &InvoiceHeader, already: Decimal, note_total: Decimal) -> Result<()> {
    let cap = h.total - h.amount_written_off;
    if h.amount_written_off > Decimal::ZERO && already + note_total > cap {
        return Err(Error::field(
            "lines",
            format!(
                "{} {} of the invoice is written off: its credit notes may take off at most \
                 {cap} in all ({already} credited already); an admin may reverse the write-off \
                 first",
                h.amount_written_off, h.currency
            ),
        ));
    }
    Ok(())
}

/// The limit rule: the credit notes of an invoice never add up to more than its total. A
/// note crediting nothing is refused too. Refusals are 400 `VALIDATION_ERROR` on `lines`.
pub fn check_credit_limit(
    invoice_total: Decimal,
    already_credited: Decimal,
    note_total: Decimal,
) -> Result<()> {
    let remaining = invoice_total - already_credited;
    if remaining <= Decimal::ZERO {
        return Err(Error::field(
            "lines",
            format!(
                "the invoice is fully credited already ({already_credited} of {invoice_total})"
            ),
        ));
    }
    if note_total <= Decimal::ZERO {
        return Err(Error::field(
            "lines",
            "a credit note must credit more than 0",
        ));
    }
    if note_total > remaining {
        return Err(Error::field(
            "lines",
            format!(
                "would credit {note_total} of the invoice total {invoice_total}; at most \
                 {remaining} remains ({already_credited} credited already)"
            ),
        ));
    }
    Ok(())
}

/// What an invoice's credit notes have credited so far: the sums of their subtotals and of
/// their tax amounts (kept on the invoice as `amount_credited_net` and
/// `amount_credited_tax`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Credited {
    pub net: Decimal,
    pub tax: Decimal,
}

impl Credited {
    /// `net + tax`: the invoice's `amount_credited`.
    pub fn total(self) -> Decimal {
        self.net + self.tax
    }
}

/// The cumulative caps: a note's net is refused when the invoice's credited net would pass
/// its subtotal; its tax is the tax of everything credited so far, rounded once, less the
/// tax credited before (`round((net_before + net) x rate) - tax_before`), held within what
/// tax remains. So the notes' taxes add up to the invoice's tax rounded as one amount
/// (never the sum of per-note roundings), credited tax never passes the invoice's tax, and
/// the note that reaches the subtotal takes exactly the tax that remains.
pub fn capped_totals(
    invoice_subtotal: Decimal,
    invoice_tax: Decimal,
    tax_rate: Decimal,
    places: u32,
    before: Credited,
    note_net: Decimal,
) -> Result<Totals> {
    let remaining_net = invoice_subtotal - before.net;
    let remaining_tax = (invoice_tax - before.tax).max(Decimal::ZERO);
    if note_net > remaining_net {
        return Err(Error::field(
            "lines",
            format!(
                "would credit {note_net} net of the invoice subtotal {invoice_subtotal}; at \
                 most {} net ({} with tax) remains ({} net credited already)",
                remaining_net.max(Decimal::ZERO),
                (remaining_net + remaining_tax).max(Decimal::ZERO),
                before.net
            ),
        ));
    }
    let tax_amount = if note_net == remaining_net {
        remaining_tax
    } else {
        (super::money::tax(before.net + note_net, tax_rate, places) - before.tax)
            .clamp(Decimal::ZERO, remaining_tax)
    };
    Ok(Totals {
        subtotal: note_net,
        tax_amount,
        total: note_net + tax_amount,
    })
}

/// What the service supplies for a new credit note besides the invoice and the request.
#[derive(Debug, Clone)]
pub struct NewCreditNote<'a> {
    pub id: Uuid,
    /// From [`credit_note_number`], assigned with the counter in the same transaction as the
    /// note is stored.
    pub number: String,
    /// Today in the company's time zone.
    pub issue_date: NaiveDate,
    pub created_by: &'a str,
    pub created_at: DateTime<Utc>,
    /// Printed when the invoice recorded no issuer at finalize (invoices finalized before
    /// issuers were recorded): the configured one.
    pub fallback_issuer: &'a Issuer,
    /// The language to print the note in (the client's at issue).
    pub locale: crate::domain::Locale,
}

/// Build a credit note for `invoice`, given what its credit notes already credit: the
/// invoice must be finalized or paid (`lifecycle`; 409 otherwise), the request valid (400 naming every field),
/// and the note within what remains (400 on `lines`).
pub fn build_credit_note(
    invoice: &Invoice,
    req: &CreditNoteRequest,
    already_credited: Credited,
    new: NewCreditNote<'_>,
) -> Result<CreditNote> {
    let h = &invoice.header;
    // The lifecycle rule decides (finalized or paid); a draft has no number either.
    super::lifecycle::check(h, super::lifecycle::Action::IssueCreditNote, None)?;
    let invoice_number = h
        .number
        .clone()
        .ok_or_else(|| Error::Conflict("only a finalized invoice can be credited".into()))?;
    let reason = validate_request(req, invoice.places())?;
    let lines = credit_lines(invoice, req)?;
    let places = invoice.places();
    let net = credit_totals(&lines, h.tax_rate, places).subtotal;
    if net <= Decimal::ZERO {
        check_credit_limit(h.total, already_credited.total(), net)?;
    }
    let t = capped_totals(
        h.subtotal,
        h.tax_amount,
        h.tax_rate,
        places,
        already_credited,
        net,
    )?;
    check_credit_limit(h.total, already_credited.total(), t.total)?;
    check_written_off(h, already_credited.total(), t.total)?;
    Ok(CreditNote {
        id: new.id,
        number: new.number,
        invoice_id: h.id,
        invoice_number,
        invoice_issue_date: h.issue_date,
        invoice_period: h.period,
        client_key: h.client_key.clone(),
        client: h.client.clone(),
        currency: h.currency.clone(),
        issue_date: new.issue_date,
        reason,
        lines,
        subtotal: t.subtotal,
        tax_rate: h.tax_rate,
        tax_amount: t.tax_amount,
        total: t.total,
        issuer: h
            .issuer
            .clone()
            .unwrap_or_else(|| new.fallback_issuer.clone()),
        locale: Some(new.locale),
        accounting: None,
        created_at: new.created_at,
        created_by: new.created_by.to_string(),
        pdf: None,
    })
}

/// What the invoice still asks for after its credit notes: total - sum of their totals.
pub fn amount_due_after_credits<'a>(
    invoice_total: Decimal,
    notes: impl IntoIterator<Item = &'a CreditNote>,
) -> Decimal {
    invoice_total - notes.into_iter().map(|n| n.total).sum::<Decimal>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::model::InvoiceStatus;
    use crate::domain::invoice::money::round_to;
    use crate::pdf::sample::sample_invoice;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn input(description: &str, quantity: &str, unit_price: &str) -> CreditLineInput {
        CreditLineInput {
            description: description.into(),
            quantity: d(quantity),
            unit_price: d(unit_price),
        }
    }

    fn partial(lines: Vec<CreditLineInput>) -> CreditNoteRequest {
        CreditNoteRequest {
            reason: "Hours billed twice".into(),
            lines: Some(lines),
            full: None,
        }
    }

    fn full() -> CreditNoteRequest {
        CreditNoteRequest {
            reason: "Invoice sent to the wrong client".into(),
            lines: None,
            full: Some(true),
        }
    }

    fn new_note(issuer: &Issuer, seq: u64) -> NewCreditNote<'_> {
        NewCreditNote {
            id: Uuid::from_u128(0xC0 + u128::from(seq)),
            number: credit_note_number(2026, seq),
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            created_by: "accountant@proxima.local",
            created_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            fallback_issuer: issuer,
            locale: Default::default(),
        }
    }

    fn usd_invoice() -> Invoice {
        let mut inv = sample_invoice(3);
        inv.header.currency = "USD".into();
        inv.header.tax_rate = d("12");
        for l in &mut inv.line_items {
            l.unit_price = d("95.00");
            l.amount = line_amount(l.quantity, l.unit_price, 2);
        }
        inv.recompute_totals();
        inv
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation { details, .. } => details.into_iter().map(|d| d.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn numbers_are_cn_year_and_five_digits() {
        assert_eq!(credit_note_number(2026, 1), "CN-2026-00001");
        assert_eq!(credit_note_number(2027, 12345), "CN-2027-12345");
        assert_eq!(credit_note_number(2026, 123456), "CN-2026-123456");
    }

    #[test]
    fn full_credit_equals_the_invoice_total_exactly() {
        let issuer = Issuer::default();
        for n in [1, 12, 300] {
            let inv = sample_invoice(n);
            let note = build_credit_note(&inv, &full(), Credited::default(), new_note(&issuer, 1))
                .unwrap();
            assert_eq!(note.lines.len(), inv.line_items.len());
            assert_eq!(note.subtotal, inv.header.subtotal);
            assert_eq!(note.tax_amount, inv.header.tax_amount);
            assert_eq!(note.total, inv.header.total);
            assert_eq!(note.total.to_string(), inv.header.total.to_string());
            assert_eq!(note.invoice_number, "INV-2026-00042");
            assert_eq!(note.number, "CN-2026-00001");
            assert_eq!(note.currency, "UZS");
            assert_eq!(amount_due_after_credits(inv.header.total, [&note]), d("0"));
            // Nothing remains: a second full credit (or any credit) is refused.
            let again = build_credit_note(
                &inv,
                &full(),
                Credited {
                    net: note.subtotal,
                    tax: note.tax_amount,
                },
                new_note(&issuer, 2),
            );
            assert_eq!(fields(again.unwrap_err()), ["lines"]);
        }
    }

    #[test]
    fn small_notes_never_credit_more_tax_than_was_charged() {
        // 1.00 + 12 %: nineteen notes of 0.05 rounded one by one would credit 0.19 tax.
        let mut so_far = Credited::default();
        for i in 1..=20 {
            let t = capped_totals(d("1.00"), d("0.12"), d("12"), 2, so_far, d("0.05")).unwrap();
            so_far.net += t.subtotal;
            so_far.tax += t.tax_amount;
            assert!(so_far.tax <= d("0.12"), "note {i}: {so_far:?}");
            assert_eq!(t.total, t.subtotal + t.tax_amount);
        }
        assert_eq!(
            so_far,
            Credited {
                net: d("1.00"),
                tax: d("0.12")
            }
        );
        let over = capped_totals(d("1.00"), d("0.12"), d("12"), 2, so_far, d("0.01"));
        assert_eq!(fields(over.unwrap_err()), ["lines"]);
        // The note reaching the subtotal takes exactly the tax that remains.
        let before = Credited {
            net: d("0.50"),
            tax: d("0.05"),
        };
        let last = capped_totals(d("1.00"), d("0.12"), d("12"), 2, before, d("0.50")).unwrap();
        assert_eq!(last.tax_amount, d("0.07"));
    }

    #[test]
    fn full_credit_after_a_partial_one_is_refused() {
        let inv = usd_invoice();
        let issuer = Issuer::default();
        let err = build_credit_note(
            &inv,
            &full(),
            Credited {
                net: d("0.01"),
                tax: Decimal::ZERO,
            },
            new_note(&issuer, 2),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at most"), "{err}");
    }

    #[test]
    fn partial_lines_round_half_away_from_zero_in_usd() {
        let inv = usd_invoice();
        let issuer = Issuer::default();
        let req = partial(vec![
            input("  Duplicate hours  ", "0.33", "10.05"), // 3.3165 -> 3.32
            input("Discount", "1.5", "0.03"),              // 0.045 -> 0.05
            input("Fix", "2", "10.13"),                    // 20.26
        ]);
        let note =
            build_credit_note(&inv, &req, Credited::default(), new_note(&issuer, 1)).unwrap();
        let amounts: Vec<String> = note.lines.iter().map(|l| l.amount.to_string()).collect();
        assert_eq!(amounts, ["3.32", "0.05", "20.26"]);
        assert_eq!(note.lines[0].description, "Duplicate hours");
        assert_eq!(note.lines[1].quantity.to_string(), "1.50");
        assert_eq!(note.subtotal.to_string(), "23.63");
        // 23.63 x 12% = 2.8356 -> 2.84
        assert_eq!(note.tax_amount.to_string(), "2.84");
        assert_eq!(note.total.to_string(), "26.47");
        assert_eq!(note.total, note.subtotal + note.tax_amount);
    }

    #[test]
    fn partial_lines_in_uzs_use_its_minor_unit() {
        assert_eq!(super::super::money::minor_unit("UZS"), 2);
        let inv = sample_invoice(2); // UZS, 12%
        let issuer = Issuer::default();
        let req = partial(vec![input("Qaytarish / возврат", "0.25", "450000.01")]);
        let note =
            build_credit_note(&inv, &req, Credited::default(), new_note(&issuer, 1)).unwrap();
        // 112500.0025 -> 112500.00; tax 13500.00
        assert_eq!(note.lines[0].amount.to_string(), "112500.00");
        assert_eq!(note.tax_amount.to_string(), "13500.00");
        assert_eq!(note.total.to_string(), "126000.00");
        // A half minor unit rounds up: 0.01 x 0.5 = 0.005 -> 0.01, tax 0.0012 -> 0.00.
        let req = partial(vec![input("Rounding", "0.01", "0.5")]);
        let note =
            build_credit_note(&inv, &req, Credited::default(), new_note(&issuer, 2)).unwrap();
        assert_eq!(note.total.to_string(), "0.01");
        // JPY has no minor unit: 3.3495 -> 3.
        let t = credit_totals(
            &[CreditLine {
                description: "x".into(),
                quantity: d("0.33"),
                unit_price: d("10.15"),
                amount: line_amount(d("0.33"), d("10.15"), 0),
            }],
            d("10"),
            0,
        );
        assert_eq!(
            (t.subtotal, t.tax_amount, t.total),
            (d("3"), d("0"), d("3"))
        );
    }

    #[test]
    fn the_limit_rule_at_its_edges() {
        let total = d("1330.00");
        // Exactly the remainder is fine.
        assert!(check_credit_limit(total, d("330.00"), d("1000.00")).is_ok());
        assert!(check_credit_limit(total, d("0"), total).is_ok());
        // One minor unit more is refused, naming the remainder.
        let err = check_credit_limit(total, d("330.00"), d("1000.01")).unwrap_err();
        assert!(
            err.to_string()
                .contains("would credit 1000.01 of the invoice total 1330.00; at most 1000.00"),
            "{err}"
        );
        assert_eq!(fields(err), ["lines"]);
        // Nothing left: refused whatever the amount.
        assert!(check_credit_limit(total, total, d("0.01")).is_err());
        assert!(
            check_credit_limit(total, total, d("0.01"))
                .unwrap_err()
                .to_string()
                .contains("fully credited")
        );
        // A note crediting nothing is refused.
        assert!(check_credit_limit(total, d("0"), d("0.00")).is_err());
    }

    #[test]
    fn a_draft_cannot_be_credited() {
        let mut inv = usd_invoice();
        inv.header.status = InvoiceStatus::Draft;
        inv.header.number = None;
        let issuer = Issuer::default();
        let err = build_credit_note(&inv, &full(), Credited::default(), new_note(&issuer, 1));
        assert!(matches!(err, Err(Error::Conflict(_))));
    }

    #[test]
    fn every_validation_error_at_once() {
        let req = CreditNoteRequest {
            reason: "a\u{202E}b\nc".into(),
            lines: Some(vec![
                input("ok", "1", "1"),
                input("   ", "0", "-1"),
                input(&"x".repeat(501), "1.001", "1.00001"),
            ]),
            full: None,
        };
        let err = validate_request(&req, 2).unwrap_err();
        assert_eq!(
            fields(err),
            [
                "reason",
                "lines[1].description",
                "lines[1].quantity",
                "lines[1].unit_price",
                "lines[2].description",
                "lines[2].quantity",
                "lines[2].unit_price",
            ]
        );
        let neither = CreditNoteRequest {
            reason: " ".into(),
            lines: None,
            full: Some(false),
        };
        assert_eq!(
            fields(validate_request(&neither, 2).unwrap_err()),
            ["reason", "lines"]
        );
        let both = CreditNoteRequest {
            reason: "r".into(),
            lines: Some(vec![input("a", "1", "1")]),
            full: Some(true),
        };
        assert_eq!(fields(validate_request(&both, 2).unwrap_err()), ["full"]);
        assert_eq!(
            fields(validate_request(&partial(vec![]), 2).unwrap_err()),
            ["lines"]
        );
        let too_many = partial((0..1001).map(|_| input("a", "1", "1")).collect());
        assert_eq!(
            fields(validate_request(&too_many, 2).unwrap_err()),
            ["lines"]
        );
        let long_reason = CreditNoteRequest {
            reason: "r".repeat(501),
            ..full()
        };
        assert_eq!(
            fields(validate_request(&long_reason, 2).unwrap_err()),
            ["reason"]
        );
        assert_eq!(
            validate_request(&full(), 2).unwrap(),
            "Invoice sent to the wrong client"
        );
    }

    #[test]
    fn the_request_reads_decimal_strings_and_refuses_unknown_fields() {
        let req: CreditNoteRequest = serde_json::from_str(
            r#"{"reason":"r","lines":[{"description":"a","quantity":"1.50","unit_price":"95"}]}"#,
        )
        .unwrap();
        assert_eq!(req.lines.unwrap()[0].quantity, d("1.50"));
        assert!(
            serde_json::from_str::<CreditNoteRequest>(r#"{"reason":"r","full":true,"x":1}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<CreditNoteRequest>(
                r#"{"reason":"r","lines":[{"description":"a","quantity":1.5,"unit_price":"95"}]}"#
            )
            .is_err()
        );
        assert!(serde_json::from_str::<CreditNoteRequest>(
            r#"{"reason":"r","lines":[{"description":"a","quantity":"1","unit_price":"1","id":1}]}"#
        )
        .is_err());
    }

    #[test]
    fn a_note_round_trips_through_json() {
        let inv = usd_invoice();
        let issuer = Issuer::default();
        let note =
            build_credit_note(&inv, &full(), Credited::default(), new_note(&issuer, 7)).unwrap();
        let json = serde_json::to_value(&note).unwrap();
        assert_eq!(json["number"], "CN-2026-00007");
        assert_eq!(json["invoice_period"], "2026-10");
        assert_eq!(json["total"], note.total.to_string());
        let back: CreditNote = serde_json::from_value(json).unwrap();
        assert_eq!(back, note);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Random partial credits applied in sequence, each admitted only by the limit rule:
        /// the running total never exceeds the invoice total, and each accepted note's total
        /// is exact (subtotal of the rounded amounts + rounded tax, at the minor unit).
        #[test]
        fn sequential_partial_credits_never_exceed_the_invoice(
            usd in any::<bool>(),
            rate in 0u32..=2000,
            credits in prop::collection::vec(
                prop::collection::vec((1i64..=500, 0i64..=500_000), 1..4),
                1..12,
            ),
        ) {
            // Credits sized to the invoice: USD unit prices 0..50, UZS 0..500000.
            let (mut inv, factor) = if usd {
                (usd_invoice(), Decimal::ONE)
            } else {
                (sample_invoice(5), Decimal::from(10_000))
            };
            inv.header.tax_rate = Decimal::new(i64::from(rate), 2); // 0.00 .. 20.00 %
            inv.recompute_totals();
            let places = inv.places();
            let issuer = Issuer::default();
            let mut credited = Decimal::ZERO;
            let mut so_far = Credited::default();
            let mut accepted = Vec::new();
            for (seq, lines) in credits.iter().enumerate() {
                let req = partial(
                    lines
                        .iter()
                        .map(|&(q, p)| CreditLineInput {
                            description: "Credit".into(),
                            quantity: Decimal::new(q, 2),
                            unit_price: (Decimal::new(p, 4) * factor).round_dp(2),
                        })
                        .collect(),
                );
                match build_credit_note(&inv, &req, so_far, new_note(&issuer, seq as u64 + 1)) {
                    Ok(note) => {
                        let subtotal: Decimal = note.lines.iter().map(|l| l.amount).sum();
                        for l in &note.lines {
                            prop_assert_eq!(l.amount, round_to(l.quantity * l.unit_price, places));
                            prop_assert_eq!(l.amount.scale(), places);
                        }
                        prop_assert_eq!(note.subtotal, subtotal);
                        so_far.net += note.subtotal;
                        so_far.tax += note.tax_amount;
                        // The taxes add up to the tax of the credited net rounded once,
                        // and the note reaching the subtotal takes what remains.
                        let expected = if so_far.net == inv.header.subtotal {
                            inv.header.tax_amount
                        } else {
                            round_to(so_far.net * note.tax_rate / Decimal::ONE_HUNDRED, places)
                                .min(inv.header.tax_amount)
                        };
                        prop_assert_eq!(so_far.tax, expected);
                        prop_assert!(so_far.net <= inv.header.subtotal);
                        prop_assert!(so_far.tax <= inv.header.tax_amount);
                        prop_assert_eq!(note.total, note.subtotal + note.tax_amount);
                        prop_assert_eq!(note.total.scale(), places);
                        prop_assert!(note.total > Decimal::ZERO);
                        credited += note.total;
                        accepted.push(note);
                    }
                    Err(Error::Validation { details, .. }) => {
                        prop_assert_eq!(details.len(), 1);
                        prop_assert_eq!(details[0].field.as_str(), "lines");
                    }
                    Err(other) => prop_assert!(false, "unexpected error {other:?}"),
                }
                prop_assert!(credited <= inv.header.total);
                prop_assert_eq!(
                    amount_due_after_credits(inv.header.total, &accepted),
                    inv.header.total - credited
                );
            }
        }
    }
}
