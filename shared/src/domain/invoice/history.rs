//! Edit history: one entry per write, with the actor and the field changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{LineItem, LineSource};
use crate::domain::scale;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditAction {
    Created,
    Updated,
    LineItemsChanged,
    Regenerated,
    Finalized,
    PaymentRecorded,
    PaymentReversed,
    /// Part of what was due was written off (`GET /invoices/{id}/write-offs`).
    WrittenOff,
    WriteOffReversed,
    Voided,
    CreditNoteIssued,
    /// Paid from the client's credit balance (`POST /invoices/{id}/apply-credit`).
    CreditApplied,
    /// E-mailed with its PDF (`GET /invoices/{id}/messages`).
    Sent,
    /// A draft was deleted; its history stays readable under its id.
    Deleted,
}

/// A line as a history entry shows it when it was added or removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineSnapshot {
    pub id: Uuid,
    pub description: String,
    /// Hours, 2 places. `null` only in entries recorded before line changes were structured.
    #[schema(value_type = Option<String>, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$")]
    pub quantity: Option<String>,
    /// The currency's minor-unit places; `null` only in old entries (as `quantity`).
    #[schema(value_type = Option<String>, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$")]
    pub unit_price: Option<String>,
    /// The currency's minor-unit places; `null` only in old entries (as `quantity`).
    #[schema(value_type = Option<String>, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$")]
    pub amount: Option<String>,
    /// `null` only in old entries (as `quantity`).
    pub source: Option<LineSource>,
}

impl From<&LineItem> for LineSnapshot {
    fn from(l: &LineItem) -> Self {
        let text = |v: rust_decimal::Decimal| Some(v.to_string());
        Self {
            id: l.id,
            description: l.description.clone(),
            quantity: text(scale::fixed(l.quantity, scale::QUANTITY_PLACES)),
            unit_price: text(l.unit_price),
            amount: text(l.amount),
            source: Some(l.source),
        }
    }
}

/// A field of a line that an edit or a regenerate changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineField {
    Description,
    Quantity,
    UnitPrice,
    Amount,
}

impl LineField {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "description" => Self::Description,
            "quantity" => Self::Quantity,
            "unit_price" => Self::UnitPrice,
            "amount" => Self::Amount,
            _ => return None,
        })
    }
}

/// Any JSON value; an object one with any members (a credit note's `{id, number, total}`),
/// so that a typed client can read it (`{ [key: string]: unknown }`, not an empty record).
fn any_json() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Object,
            Type::Array,
            Type::Null,
        ]))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .build()
}

/// One change of a history entry, told apart by `kind`: an invoice field (`field`), or a
/// line added, removed or changed. Values are as the API shows them (strings for money and
/// dates; `null` where unset).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An invoice field (`notes`, `tax_rate`, `total`, `status`, ...).
    Field {
        field: String,
        /// Any JSON value (`null` where the field was unset).
        #[schema(schema_with = any_json)]
        from: Value,
        /// Any JSON value (`null` where the field was cleared).
        #[schema(schema_with = any_json)]
        to: Value,
    },
    /// A line was added (by hand, or by a regenerate).
    LineAdded { line: LineSnapshot },
    /// A line was removed (by hand, or by a regenerate).
    LineRemoved { line: LineSnapshot },
    /// One field of a line changed.
    LineUpdated {
        line_id: Uuid,
        /// The line's description after the change.
        description: String,
        field: LineField,
        #[schema(value_type = String)]
        from: Value,
        #[schema(value_type = String)]
        to: Value,
    },
}

impl Change {
    /// A change of the invoice field `field` between two serializable values.
    pub fn of<T: Serialize>(field: impl Into<String>, from: &T, to: &T) -> Self {
        Self::Field {
            field: field.into(),
            from: serde_json::to_value(from).unwrap_or(Value::Null),
            to: serde_json::to_value(to).unwrap_or(Value::Null),
        }
    }

    /// A change of one field of `line` (described as it is after the change).
    pub fn line<T: Serialize>(line: &LineItem, field: LineField, from: &T, to: &T) -> Self {
        Self::LineUpdated {
            line_id: line.id,
            description: line.description.clone(),
            field,
            from: serde_json::to_value(from).unwrap_or(Value::Null),
            to: serde_json::to_value(to).unwrap_or(Value::Null),
        }
    }

    /// The invoice field changed, for `Field` changes.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Read an entry stored before changes had a `kind`: `line_items[<id>].<field>` is a
    /// `line_updated` (its description unknown: empty), `line_items[<id>]` from `null` to a
    /// description a `line_added` and the reverse a `line_removed` (only id and description
    /// known); anything else a `field` change.
    fn legacy(field: String, from: Value, to: Value) -> Self {
        let line = field
            .strip_prefix("line_items[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(id, rest)| Some((id.parse::<Uuid>().ok()?, rest)));
        let bare = |id: Uuid, d: &Value| LineSnapshot {
            id,
            description: d.as_str().unwrap_or_default().to_string(),
            quantity: None,
            unit_price: None,
            amount: None,
            source: None,
        };
        match line {
            Some((id, "")) if from.is_null() => Self::LineAdded {
                line: bare(id, &to),
            },
            Some((id, "")) => Self::LineRemoved {
                line: bare(id, &from),
            },
            Some((id, rest)) => match rest.strip_prefix('.').and_then(LineField::parse) {
                Some(f) => Self::LineUpdated {
                    line_id: id,
                    description: String::new(),
                    field: f,
                    from,
                    to,
                },
                None => Self::Field { field, from, to },
            },
            None => Self::Field { field, from, to },
        }
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Both shapes: with `kind` (current) and without (stored before).
        #[derive(Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            Field {
                field: String,
                from: Value,
                to: Value,
            },
            LineAdded {
                line: LineSnapshot,
            },
            LineRemoved {
                line: LineSnapshot,
            },
            LineUpdated {
                line_id: Uuid,
                description: String,
                field: LineField,
                from: Value,
                to: Value,
            },
        }
        #[derive(Deserialize)]
        struct Legacy {
            field: String,
            #[serde(default)]
            from: Value,
            #[serde(default)]
            to: Value,
        }
        let value = Value::deserialize(d)?;
        if value.get("kind").is_some() {
            let t: Tagged = serde_json::from_value(value).map_err(serde::de::Error::custom)?;
            Ok(match t {
                Tagged::Field { field, from, to } => Self::Field { field, from, to },
                Tagged::LineAdded { line } => Self::LineAdded { line },
                Tagged::LineRemoved { line } => Self::LineRemoved { line },
                Tagged::LineUpdated {
                    line_id,
                    description,
                    field,
                    from,
                    to,
                } => Self::LineUpdated {
                    line_id,
                    description,
                    field,
                    from,
                    to,
                },
            })
        } else {
            let l: Legacy = serde_json::from_value(value).map_err(serde::de::Error::custom)?;
            Ok(Self::legacy(l.field, l.from, l.to))
        }
    }
}

/// What became of the lines between `before` and `after` (matched by id): removed, added,
/// then changed fields, in line order.
pub fn line_changes(before: &[LineItem], after: &[LineItem]) -> Vec<Change> {
    let mut out = Vec::new();
    for b in before {
        if !after.iter().any(|a| a.id == b.id) {
            out.push(Change::LineRemoved { line: b.into() });
        }
    }
    for a in after {
        match before.iter().find(|b| b.id == a.id) {
            None => out.push(Change::LineAdded { line: a.into() }),
            Some(b) => {
                if b.description != a.description {
                    out.push(Change::line(
                        a,
                        LineField::Description,
                        &b.description,
                        &a.description,
                    ));
                }
                if b.quantity != a.quantity {
                    out.push(Change::line(
                        a,
                        LineField::Quantity,
                        &b.quantity,
                        &a.quantity,
                    ));
                }
                if b.unit_price != a.unit_price {
                    out.push(Change::line(
                        a,
                        LineField::UnitPrice,
                        &b.unit_price,
                        &a.unit_price,
                    ));
                }
                if b.amount != a.amount {
                    out.push(Change::line(a, LineField::Amount, &b.amount, &a.amount));
                }
            }
        }
    }
    out
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub at: DateTime<Utc>,
    /// E-mail of the user (or `system:month-end`).
    pub actor: String,
    pub action: EditAction,
    /// The invoice version this write produced.
    pub version: u64,
    pub changes: Vec<Change>,
}

/// Changes of the totals between two states, for history entries.
pub fn total_changes(before: &super::InvoiceHeader, after: &super::InvoiceHeader) -> Vec<Change> {
    let mut out = Vec::new();
    if before.subtotal != after.subtotal {
        out.push(Change::of("subtotal", &before.subtotal, &after.subtotal));
    }
    if before.tax_amount != after.tax_amount {
        out.push(Change::of(
            "tax_amount",
            &before.tax_amount,
            &after.tax_amount,
        ));
    }
    if before.total != after.total {
        out.push(Change::of("total", &before.total, &after.total));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_stored_before_kinds_read_as_structured_changes() {
        let id = Uuid::new_v4();
        let stored = json!([
            {"field": format!("line_items[{id}].unit_price"), "from": "149.9", "to": "150"},
            {"field": format!("line_items[{id}]"), "from": null, "to": "Hosting"},
            {"field": format!("line_items[{id}]"), "from": "Hosting", "to": null},
            {"field": "notes", "from": null, "to": "Thanks"}
        ]);
        let changes: Vec<Change> = serde_json::from_value(stored).unwrap();
        let kinds: Vec<Value> = changes
            .iter()
            .map(|c| serde_json::to_value(c).unwrap()["kind"].clone())
            .collect();
        assert_eq!(
            kinds,
            ["line_updated", "line_added", "line_removed", "field"].map(|k| json!(k))
        );
        let updated = serde_json::to_value(&changes[0]).unwrap();
        assert_eq!(updated["line_id"], json!(id));
        assert_eq!(updated["field"], "unit_price");
        assert_eq!(changes[1], {
            let c: Change =
                serde_json::from_value(serde_json::to_value(&changes[1]).unwrap()).unwrap();
            c
        });
    }

    #[test]
    fn line_changes_are_told_apart() {
        let line = |d: &str, q: i64| LineItem {
            id: Uuid::new_v5(&Uuid::nil(), d.as_bytes()),
            description: d.into(),
            quantity: rust_decimal::Decimal::new(q, 2),
            unit_price: rust_decimal::Decimal::new(1000, 2),
            amount: rust_decimal::Decimal::new(q * 10, 2),
            source: LineSource::Manual,
            worklog_ids: vec![],
        };
        let before = [line("A", 100), line("B", 100)];
        let after = [line("B", 200), line("C", 100)];
        let out: Vec<Value> = line_changes(&before, &after)
            .iter()
            .map(|c| serde_json::to_value(c).unwrap())
            .collect();
        assert_eq!(out[0]["kind"], "line_removed");
        assert_eq!(out[0]["line"]["description"], "A");
        assert_eq!(out[1]["kind"], "line_updated");
        assert_eq!(out[1]["field"], "quantity");
        assert_eq!(
            (out[1]["from"].clone(), out[1]["to"].clone()),
            (json!("1.00"), json!("2.00"))
        );
        assert_eq!(out[2]["field"], "amount");
        assert_eq!(out[3]["kind"], "line_added");
        assert_eq!(out[3]["line"]["quantity"], "1.00");
    }
}
