//! How request bodies write decimals and dates, one rule for every field: a decimal is a
//! JSON string `-?[0-9]+(\.[0-9]+)?` (no `+`, exponent, `_`, or bare `.5` / `5.`), a date is
//! exactly `YYYY-MM-DD`. Serde helpers for the request types (`#[serde(with = ...)]`);
//! answers write the same forms.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer, Serializer};
use std::str::FromStr;

/// Whether `s` is a decimal as requests write it.
pub fn is_plain_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(int) && frac.is_none_or(all_digits)
}

/// An optional day of a query (`?from=`, `?as_of=`): 400 naming `field` when it is not a
/// date written `YYYY-MM-DD`.
pub fn query_date(field: &str, value: Option<&str>) -> crate::Result<Option<NaiveDate>> {
    value
        .map(|v| {
            parse_date(v)
                .ok_or_else(|| crate::Error::field(field, "must be a date written YYYY-MM-DD"))
        })
        .transpose()
}

/// Whether `s` is a date as requests write it (`YYYY-MM-DD`, a real day).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

fn decimal_from<E: serde::de::Error>(s: &str) -> Result<Decimal, E> {
    if !is_plain_decimal(s) {
        return Err(E::invalid_value(
            Unexpected::Str(s),
            &"a Decimal written as digits with an optional `-` and `.` (\"12.50\")",
        ));
    }
    Decimal::from_str(s)
        .map_err(|_| E::invalid_value(Unexpected::Str(s), &"a Decimal type within range"))
}

fn date_from<E: serde::de::Error>(s: &str) -> Result<NaiveDate, E> {
    parse_date(s).ok_or_else(|| E::invalid_value(Unexpected::Str(s), &"a date YYYY-MM-DD"))
}

/// A required decimal field.
pub mod decimal {
    use super::*;

    /// Write as a string.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Read a string `-?digits[.digits]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(d).map_err(|_| {
            D::Error::custom("invalid type: expected a Decimal type written as a string")
        })?;
        decimal_from(&s)
    }
}

/// An optional decimal field (`null` or absent: `None`).
pub mod decimal_option {
    use super::*;

    /// Write as a string or `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Read `null` or a string `-?digits[.digits]`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let s = Option::<String>::deserialize(d).map_err(|_| {
            D::Error::custom("invalid type: expected a Decimal type written as a string")
        })?;
        s.as_deref().map(decimal_from).transpose()
    }
}

/// A required date field.
pub mod date {
    use super::*;

    /// Write `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(v: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.format("%Y-%m-%d").to_string())
    }

    /// Read exactly `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)
            .map_err(|_| D::Error::custom("invalid type: expected a date YYYY-MM-DD"))?;
        date_from(&s)
    }
}

/// An optional date field (`null` or absent: `None`).
pub mod date_option {
    use super::*;

    /// Write `YYYY-MM-DD` or `null`.
    pub fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.format("%Y-%m-%d").to_string()),
            None => s.serialize_none(),
        }
    }

    /// Read `null` or exactly `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let s = Option::<String>::deserialize(d)
            .map_err(|_| D::Error::custom("invalid type: expected a date YYYY-MM-DD"))?;
        s.as_deref().map(date_from).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_decimals() {
        for ok in ["0", "12", "12.50", "-1.5", "0.0001"] {
            assert!(is_plain_decimal(ok), "{ok}");
        }
        for bad in [
            "", "1_000", "1E2", "1e2", "+1.00", ".5", "5.", "-", "1.2.3", " 1", "1,5", "--1",
        ] {
            assert!(!is_plain_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn only_full_dates() {
        assert_eq!(
            parse_date("2026-12-03"),
            NaiveDate::from_ymd_opt(2026, 12, 3)
        );
        for bad in [
            "2026-12-3",
            "2026-2-03",
            "26-12-03",
            "2026-13-01",
            "2026-02-30",
            "2026/12/03",
            "2026-12-03T00:00:00Z",
            "+2026-12-03",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
