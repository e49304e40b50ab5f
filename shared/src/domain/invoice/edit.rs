//! Draft edits: header fields and line-item batches, validated in full before anything is
//! applied, each returning the field changes for the history.

use super::dates::date_errors;
use super::history::{Change, line_changes, total_changes};
use super::lines::MAX_DESCRIPTION_CHARS;
use super::model::{Invoice, LineItem, LineSource};
use super::money::line_amount;
use super::patch::Patch;
use crate::domain::scale;
use crate::domain::text::{Lines, check_field};
use crate::{Error, FieldError, FieldRules, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most lines an invoice may have.
pub const MAX_LINES: usize = 1000;
/// Longest notes (they may span lines: `\n` only).
pub const MAX_NOTES_CHARS: usize = 2000;
/// Longest purchase-order number.
pub const MAX_PO_CHARS: usize = 100;
/// Largest quantity (hours) or unit price accepted on a line.
const MAX_QUANTITY: i64 = 1_000_000;
const MAX_UNIT_PRICE: i64 = 1_000_000_000_000;

/// `PATCH /invoices/{id}`: only these fields may be set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicePatch {
    /// Free text printed on the invoice, at most 2000 characters; lines are separated by
    /// `\n`, and no other control, bidirectional format or separator character is accepted.
    /// `null` clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    /// The client's purchase-order number: one line of at most 100 characters, without
    /// control or bidirectional format characters. `null` clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub po_number: Patch<String>,
    /// Moving the issue date moves the due date by the same amount unless `due_date` is given.
    /// From the first day of the invoice's period to 31 days after today
    /// (`MAX_ISSUE_DAYS_AHEAD`); checked again at finalize.
    #[serde(default, with = "crate::domain::request_values::date_option")]
    pub issue_date: Option<NaiveDate>,
    /// From `issue_date` to 366 days after it (`MAX_DUE_DAYS_AFTER_ISSUE`).
    #[serde(default, with = "crate::domain::request_values::date_option")]
    pub due_date: Option<NaiveDate>,
    /// Percent, 0-100, as a decimal string.
    #[serde(default, with = "crate::domain::request_values::decimal_option")]
    #[schema(value_type = Option<String>, format = "decimal")]
    pub tax_rate: Option<Decimal>,
    /// The version being edited (instead of `If-Match`).
    pub version: Option<u64>,
}

fn text_patch(
    field: &str,
    patch: &Patch<String>,
    max: usize,
    lines: Lines,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    match patch {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(v) => {
            let before = errors.len();
            let v = check_field(field, v, max, lines, errors);
            (errors.len() == before).then(|| (!v.is_empty()).then(|| v.to_string()))
        }
    }
}

impl FieldRules for InvoicePatch {
    /// `notes` and `po_number` (length, characters) and `tax_rate` (a percentage); the
    /// dates are checked against the invoice ([`date_errors`]).
    fn field_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        text_patch(
            "notes",
            &self.notes,
            MAX_NOTES_CHARS,
            Lines::Many,
            &mut errors,
        );
        text_patch(
            "po_number",
            &self.po_number,
            MAX_PO_CHARS,
            Lines::One,
            &mut errors,
        );
        errors.extend(
            self.tax_rate
                .and_then(|rate| scale::check_percent("tax_rate", rate)),
        );
        errors
    }
}

/// Apply a header patch on `today`; returns the changes (an empty patch is a 400). New
/// dates must pass [`date_errors`].
pub fn apply_patch(
    invoice: &mut Invoice,
    patch: &InvoicePatch,
    today: NaiveDate,
) -> Result<Vec<Change>> {
    let mut errors = patch.field_errors();
    // Checked above; here only their values.
    let mut checked = Vec::new();
    let notes = text_patch(
        "notes",
        &patch.notes,
        MAX_NOTES_CHARS,
        Lines::Many,
        &mut checked,
    );
    let po = text_patch(
        "po_number",
        &patch.po_number,
        MAX_PO_CHARS,
        Lines::One,
        &mut checked,
    );
    let h = &invoice.header;
    let issue = patch.issue_date.unwrap_or(h.issue_date);
    let due = match (patch.issue_date, patch.due_date) {
        (_, Some(d)) => d,
        (Some(new_issue), None) => new_issue
            .checked_add_signed(h.due_date - h.issue_date)
            .unwrap_or(NaiveDate::MAX),
        (None, None) => h.due_date,
    };
    if patch.issue_date.is_some() || patch.due_date.is_some() {
        errors.extend(date_errors(h.period, issue, due, today));
    }
    if !errors.is_empty() {
        return Err(Error::fields(errors));
    }
    let nothing = notes.is_none()
        && po.is_none()
        && patch.issue_date.is_none()
        && patch.due_date.is_none()
        && patch.tax_rate.is_none();
    if nothing {
        return Err(Error::field(
            "body",
            "nothing to change: set notes, po_number, issue_date, due_date or tax_rate",
        ));
    }
    let before = invoice.header.clone();
    let h = &mut invoice.header;
    let mut changes = Vec::new();
    if let Some(n) = notes
        && n != h.notes
    {
        changes.push(Change::of("notes", &h.notes, &n));
        h.notes = n;
    }
    if let Some(p) = po
        && p != h.po_number
    {
        changes.push(Change::of("po_number", &h.po_number, &p));
        h.po_number = p;
    }
    if issue != h.issue_date {
        changes.push(Change::of("issue_date", &h.issue_date, &issue));
        h.issue_date = issue;
    }
    if due != h.due_date {
        changes.push(Change::of("due_date", &h.due_date, &due));
        h.due_date = due;
    }
    if let Some(rate) = patch
        .tax_rate
        .map(|r| scale::fixed(r, scale::PERCENT_PLACES))
        && rate != h.tax_rate
    {
        changes.push(Change::of("tax_rate", &h.tax_rate, &rate));
        h.tax_rate = rate;
        invoice.recompute_totals();
        changes.extend(total_changes(&before, &invoice.header));
    }
    Ok(changes)
}

/// A new manual line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    pub description: String,
    /// Hours (or units), > 0, at most 2 decimal places.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "2.50")]
    pub quantity: Decimal,
    /// >= 0, at most the currency's minor-unit places (USD 2, JPY 0).
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "95.00")]
    pub unit_price: Decimal,
}

/// Changes to an existing line; absent fields stay.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineUpdate {
    pub id: Uuid,
    pub description: Option<String>,
    /// Manual lines only: a worklog line's quantity comes from its worklogs.
    #[serde(default, with = "crate::domain::request_values::decimal_option")]
    #[schema(value_type = Option<String>, format = "decimal")]
    pub quantity: Option<Decimal>,
    #[serde(default, with = "crate::domain::request_values::decimal_option")]
    #[schema(value_type = Option<String>, format = "decimal")]
    pub unit_price: Option<Decimal>,
}

/// `PATCH /invoices/{id}/line-items`: applied all or nothing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItemsPatch {
    #[serde(default)]
    pub add: Vec<NewLine>,
    #[serde(default)]
    pub update: Vec<LineUpdate>,
    #[serde(default)]
    pub remove: Vec<Uuid>,
    /// The version being edited (instead of `If-Match`).
    pub version: Option<u64>,
}

/// A line rule shared by draft lines and credit-note lines.
pub(crate) fn check_description(field: String, d: &str, errors: &mut Vec<FieldError>) {
    if check_field(field.clone(), d, MAX_DESCRIPTION_CHARS, Lines::One, errors).is_empty() {
        errors.push(FieldError::required(field));
    }
}

/// A line rule shared by draft lines and credit-note lines.
pub(crate) fn check_quantity(field: String, q: Decimal, errors: &mut Vec<FieldError>) {
    if q <= Decimal::ZERO || q > Decimal::from(MAX_QUANTITY) {
        errors.push(FieldError::out_of_range(
            field,
            "must be more than 0 and at most 1000000",
        ));
    } else if !scale::fits(q, scale::QUANTITY_PLACES) {
        errors.push(FieldError::too_many_decimals(field, scale::QUANTITY_PLACES));
    }
}

/// A line rule shared by draft lines and credit-note lines.
/// A price has at most the currency's minor-unit `places`.
pub(crate) fn check_price(field: String, p: Decimal, places: u32, errors: &mut Vec<FieldError>) {
    if p < Decimal::ZERO || p > Decimal::from(MAX_UNIT_PRICE) {
        errors.push(FieldError::out_of_range(
            field,
            "must be 0 or more and at most 10^12",
        ));
    } else if !scale::fits(p, places) {
        errors.push(FieldError::too_many_decimals(field, places));
    }
}

/// Apply a line-item batch: every item is checked first; one bad item rejects the batch.
pub fn apply_line_items(invoice: &mut Invoice, patch: &LineItemsPatch) -> Result<Vec<Change>> {
    let mut errors = Vec::new();
    if patch.add.is_empty() && patch.update.is_empty() && patch.remove.is_empty() {
        return Err(Error::field(
            "body",
            "nothing to change: give add, update or remove",
        ));
    }
    let places = invoice.places();
    let existing: HashSet<Uuid> = invoice.line_items.iter().map(|l| l.id).collect();
    let mut removed = HashSet::new();
    for (i, id) in patch.remove.iter().enumerate() {
        if !existing.contains(id) {
            errors.push(FieldError::new(format!("remove[{i}]"), "no such line"));
        } else if !removed.insert(*id) {
            errors.push(FieldError::new(format!("remove[{i}]"), "listed twice"));
        }
    }
    let mut updated = HashSet::new();
    for (i, u) in patch.update.iter().enumerate() {
        let line = invoice.line_items.iter().find(|l| l.id == u.id);
        match line {
            None => errors.push(FieldError::new(format!("update[{i}].id"), "no such line")),
            Some(_) if removed.contains(&u.id) => errors.push(FieldError::new(
                format!("update[{i}].id"),
                "is also removed",
            )),
            Some(_) if !updated.insert(u.id) => {
                errors.push(FieldError::new(format!("update[{i}].id"), "listed twice"))
            }
            Some(line) => {
                if let Some(d) = &u.description {
                    check_description(format!("update[{i}].description"), d, &mut errors);
                }
                if let Some(q) = u.quantity {
                    if line.source == LineSource::Worklogs {
                        errors.push(FieldError::new(
                            format!("update[{i}].quantity"),
                            "a worklog line's quantity comes from its worklogs; remove it and add a manual line",
                        ));
                    } else {
                        check_quantity(format!("update[{i}].quantity"), q, &mut errors);
                    }
                }
                if let Some(p) = u.unit_price {
                    check_price(format!("update[{i}].unit_price"), p, places, &mut errors);
                }
                if u.description.is_none() && u.quantity.is_none() && u.unit_price.is_none() {
                    errors.push(FieldError::new(format!("update[{i}]"), "changes nothing"));
                }
            }
        }
    }
    for (i, a) in patch.add.iter().enumerate() {
        check_description(format!("add[{i}].description"), &a.description, &mut errors);
        check_quantity(format!("add[{i}].quantity"), a.quantity, &mut errors);
        check_price(
            format!("add[{i}].unit_price"),
            a.unit_price,
            places,
            &mut errors,
        );
    }
    let count = invoice.line_items.len() - removed.len() + patch.add.len();
    if count > MAX_LINES {
        errors.push(FieldError::new(
            "add",
            format!("an invoice has at most {MAX_LINES} lines ({count} asked)"),
        ));
    }
    if !errors.is_empty() {
        return Err(Error::fields(errors));
    }

    let before = invoice.header.clone();
    let before_lines = invoice.line_items.clone();
    invoice.line_items.retain(|l| !removed.contains(&l.id));
    for u in &patch.update {
        if let Some(line) = invoice.line_items.iter_mut().find(|l| l.id == u.id) {
            if let Some(d) = &u.description {
                line.description = d.trim().to_string();
            }
            if let Some(q) = u.quantity {
                line.quantity = scale::fixed(q, scale::QUANTITY_PLACES);
            }
            if let Some(p) = u.unit_price {
                line.unit_price = scale::fixed(p, places);
            }
            line.amount = line_amount(line.quantity, line.unit_price, places);
        }
    }
    for a in &patch.add {
        let quantity = scale::fixed(a.quantity, scale::QUANTITY_PLACES);
        invoice.line_items.push(LineItem {
            id: Uuid::new_v4(),
            description: a.description.trim().to_string(),
            quantity,
            unit_price: scale::fixed(a.unit_price, places),
            amount: line_amount(quantity, a.unit_price, places),
            source: LineSource::Manual,
            worklog_ids: Vec::new(),
        });
    }
    invoice.recompute_totals();
    let mut changes = line_changes(&before_lines, &invoice.line_items);
    changes.extend(total_changes(&before, &invoice.header));
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::sample::sample_invoice;

    fn draft() -> Invoice {
        let mut inv = sample_invoice(3);
        inv.header.status = super::super::InvoiceStatus::Draft;
        inv.header.number = None;
        inv
    }

    fn fields(r: Result<Vec<Change>>) -> Vec<String> {
        match r {
            Err(Error::Validation { details, .. }) => {
                details.into_iter().map(|d| d.field).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_header_patch_sets_the_fields_and_records_what_changed() {
        let mut inv = draft();
        let today = inv.header.issue_date;
        let patch: InvoicePatch = serde_json::from_str(
            r#"{"notes": "Thanks\nfor the work", "po_number": "PO-7", "tax_rate": "20"}"#,
        )
        .unwrap();
        let changes = apply_patch(&mut inv, &patch, today).unwrap();
        assert_eq!(inv.header.notes.as_deref(), Some("Thanks\nfor the work"));
        assert_eq!(inv.header.po_number.as_deref(), Some("PO-7"));
        let changed: Vec<&str> = changes.iter().filter_map(|c| c.field()).collect();
        assert!(
            changed.contains(&"notes") && changed.contains(&"tax_rate"),
            "{changed:?}"
        );
        // The totals follow the new rate exactly.
        let t = super::super::money::totals(
            inv.line_items.iter().map(|l| l.amount),
            Decimal::from(20),
            inv.places(),
        );
        assert_eq!(inv.header.total, t.total);
    }

    #[test]
    fn a_bad_header_patch_names_every_field_and_changes_nothing() {
        let mut inv = draft();
        let before = inv.clone();
        let patch: InvoicePatch = serde_json::from_str(
            "{\"notes\": \"a\\u202eb\", \"po_number\": \"x\\ny\", \"tax_rate\": \"101\"}",
        )
        .unwrap();
        let today = inv.header.issue_date;
        assert_eq!(
            fields(apply_patch(&mut inv, &patch, today)),
            ["notes", "po_number", "tax_rate"]
        );
        assert_eq!(inv, before);
    }

    #[test]
    fn line_batches_are_all_or_nothing() {
        let mut inv = draft();
        let before = inv.clone();
        let first = inv.line_items[0].id;
        let patch: LineItemsPatch = serde_json::from_value(serde_json::json!({
            "add": [{"description": "Hosting", "quantity": "1", "unit_price": "49.99"},
                    {"description": "", "quantity": "0", "unit_price": "1"}],
            "remove": [first, first]
        }))
        .unwrap();
        let bad = fields(apply_line_items(&mut inv, &patch));
        assert!(bad.contains(&"add[1].description".to_string()), "{bad:?}");
        assert!(bad.contains(&"remove[1]".to_string()), "{bad:?}");
        assert_eq!(inv, before, "nothing applied");

        let good: LineItemsPatch = serde_json::from_value(serde_json::json!({
            "add": [{"description": "Hosting", "quantity": "1", "unit_price": "49.99"}],
            "remove": [first]
        }))
        .unwrap();
        apply_line_items(&mut inv, &good).unwrap();
        assert_eq!(inv.line_items.len(), before.line_items.len());
        assert!(inv.line_items.iter().all(|l| l.id != first));
        let sum: Decimal = inv.line_items.iter().map(|l| l.amount).sum();
        assert_eq!(inv.header.subtotal, sum);
    }
}
