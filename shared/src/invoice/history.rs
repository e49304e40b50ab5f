//! Edit history: one entry per write, with the actor and the field changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

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
    Voided,
    CreditNoteIssued,
    /// E-mailed with its PDF (`GET /invoices/{id}/messages`).
    Sent,
    /// A draft was deleted; its history stays readable under its id.
    Deleted,
}

/// One changed field; values as the API shows them (strings for money and dates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub field: String,
    /// Any JSON value (`null` where the field was unset).
    pub from: Value,
    /// Any JSON value (`null` where the field was cleared).
    pub to: Value,
}

impl Change {
    /// A change of `field` between two serializable values.
    pub fn of<T: Serialize>(field: impl Into<String>, from: &T, to: &T) -> Self {
        Self {
            field: field.into(),
            from: serde_json::to_value(from).unwrap_or(Value::Null),
            to: serde_json::to_value(to).unwrap_or(Value::Null),
        }
    }
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
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
