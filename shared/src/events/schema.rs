//! The JSON Schema (draft 2020-12) of each event's detail, generated from the detail types.
//! The committed copies under `docs/events/` are checked against these by a test
//! (`UPDATE_EVENT_SCHEMAS=1` rewrites them).

use super::EventDetail;
use super::details::*;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The folder of the committed schemas, from the repository root.
pub const SCHEMA_DIR: &str = "docs/events";

/// One event's schema and the file it is committed as.
#[derive(Debug, Clone)]
pub struct EventSchema {
    /// The detail-type, e.g. `invoice.finalized`.
    pub name: &'static str,
    pub version: u32,
    /// The JSON Schema of the detail.
    pub schema: Value,
}

impl EventSchema {
    /// `invoice.finalized.v1.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.schema.json", self.name, self.version)
    }
}

fn schema_of<T: EventDetail + ToSchema>(description: &str) -> EventSchema {
    let mut schema = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    if let Some(obj) = schema.as_object_mut() {
        let mut head = serde_json::Map::new();
        head.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert(
            "$id".into(),
            json!(format!(
                "https://api-invoice.prxm.uz/events/{}.v{}.schema.json",
                T::NAME,
                T::VERSION
            )),
        );
        head.insert(
            "title".into(),
            json!(format!("{} v{}", T::NAME, T::VERSION)),
        );
        head.insert("description".into(), json!(description));
        for (k, v) in std::mem::take(obj) {
            head.entry(k).or_insert(v);
        }
        *obj = head;
        if let Some(version) = obj.get_mut("properties").and_then(|p| p.get_mut("version")) {
            *version = json!({
                "description": "Schema version of this detail.",
                "const": T::VERSION,
            });
        }
        // Set by the relay on every event (`DomainEvent::published_detail`).
        if let Some(props) = obj.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert(
                "event_id".into(),
                json!({
                    "description": "Stable id of this event (UUID v7): a redelivery carries the same id, so consumers dedupe by it.",
                    "type": "string",
                    "format": "uuid",
                }),
            );
        }
        if let Some(required) = obj.get_mut("required").and_then(|r| r.as_array_mut()) {
            required.insert(1, json!("event_id"));
        }
    }
    EventSchema {
        name: T::NAME,
        version: T::VERSION,
        schema,
    }
}

/// Every event's schema, in the order of `docs/events.md`.
pub fn all() -> Vec<EventSchema> {
    vec![
        schema_of::<InvoiceFinalized>("A draft invoice got its number and its PDF."),
        schema_of::<InvoiceSent>("An issued invoice was e-mailed with its PDF."),
        schema_of::<InvoiceVoided>("A finalized invoice was voided; its number stays used."),
        schema_of::<PaymentRecorded>("A payment was recorded against an invoice."),
        schema_of::<CreditNoteIssued>("A credit note was issued against an invoice."),
        schema_of::<MonthEndCompleted>("The month-end run generated the drafts of a period."),
        schema_of::<InvoiceOverdue>(
            "An issued invoice with something due passed its due date (once, its first overdue day).",
        ),
        schema_of::<ReminderSent>("A payment reminder of an invoice was e-mailed."),
        schema_of::<RemindersCompleted>(
            "The day's reminder run handled every invoice it enqueued.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_pins_its_version_and_requires_it() {
        for s in all() {
            assert_eq!(s.schema["properties"]["version"]["const"], json!(s.version));
            let required = s.schema["required"].as_array().expect("required list");
            assert!(required.contains(&json!("version")), "{}", s.name);
            assert!(required.contains(&json!("event_id")), "{}", s.name);
            assert_eq!(s.schema["type"], json!("object"), "{}", s.name);
        }
    }
}
