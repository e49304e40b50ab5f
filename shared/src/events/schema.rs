//! The JSON Schema (draft 2020-12) of each event's detail, generated from the detail types.
//! The committed copies under `docs/events/` are checked against these by a test
//! (`UPDATE_EVENT_SCHEMAS=1` rewrites them).

use super::EventDetail;
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

/// The committed schema of detail `T`: its generated JSON Schema with the header, the pinned
/// version and the relay's `event_id`.
pub(super) fn schema_of<T: EventDetail + ToSchema>() -> EventSchema {
    let description = T::DESCRIPTION;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_pins_its_version_and_requires_it() {
        for s in crate::events::all_schemas() {
            assert_eq!(s.schema["properties"]["version"]["const"], json!(s.version));
            let required = s.schema["required"].as_array().expect("required list");
            assert!(required.contains(&json!("version")), "{}", s.name);
            assert!(required.contains(&json!("event_id")), "{}", s.name);
            assert_eq!(s.schema["type"], json!("object"), "{}", s.name);
        }
    }
}
