//! Instants as the API writes them: RFC 3339 UTC with exactly three fraction digits,
//! `2026-11-27T15:08:39.123Z`, which JavaScript's `Date` reads without loss. Reading accepts
//! any RFC 3339 instant (stored values may have more digits).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// OpenAPI pattern of an instant.
pub const PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$";

/// `at` cut to whole milliseconds: what is stored and read back, so keys derived from an
/// instant (a payment's sort key, the invoice list order) are the same before and after.
pub fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(3)
}

/// `at` in the API's form.
pub fn format(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serde helper for `DateTime<Utc>` fields.
pub mod millis {
    use super::*;

    /// Write with milliseconds.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(at))
    }

    /// Read any RFC 3339 instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }
}

/// Serde helper for `Option<DateTime<Utc>>` fields (`null` when absent).
pub mod millis_option {
    use super::*;

    /// Write with milliseconds, or `null`.
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&format(at)),
            None => s.serialize_none(),
        }
    }

    /// Read any RFC 3339 instant or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_three_fraction_digits() {
        let at: DateTime<Utc> = "2026-11-27T15:08:39.123456789Z".parse().unwrap();
        assert_eq!(format(&at), "2026-11-27T15:08:39.123Z");
        let whole: DateTime<Utc> = "2026-11-27T15:08:39Z".parse().unwrap();
        assert_eq!(format(&whole), "2026-11-27T15:08:39.000Z");
        assert!(regex_like(&format(&whole)));
    }

    fn regex_like(s: &str) -> bool {
        s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.'
    }
}
