//! The message of one client's month-end draft, as it travels through the queue.

use crate::domain::Period;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// "Draft `client_key` for `period`": the body of one queue message (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    pub period: Period,
    pub client_key: String,
}

impl DraftRequest {
    /// The message body.
    pub fn to_body(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Internal(format!("draft request: {e}")))
    }

    /// Read a message body; a body that is not a draft request is a validation error (it
    /// will never succeed, whoever retries it).
    pub fn from_body(body: &str) -> Result<Self> {
        serde_json::from_str(body)
            .map_err(|e| Error::field("body", format!("not a month-end draft request: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_body() {
        let r = DraftRequest {
            period: "2026-10".parse().unwrap(),
            client_key: "ACME".into(),
        };
        let body = r.to_body().unwrap();
        assert_eq!(body, r#"{"period":"2026-10","client_key":"ACME"}"#);
        assert_eq!(DraftRequest::from_body(&body).unwrap(), r);
        assert!(DraftRequest::from_body(r#"{"period":"2026-13","client_key":"A"}"#).is_err());
        assert!(DraftRequest::from_body("nonsense").is_err());
    }
}
