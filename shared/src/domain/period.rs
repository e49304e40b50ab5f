//! Billing periods (`YYYY-MM`) and inclusive date ranges.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// The month `year`-`month`; `None` when out of range.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    /// The month containing `date`.
    pub fn containing(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month before this one.
    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// First day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Last day of the month.
    pub fn last_day(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// The month as an inclusive date range.
    pub fn range(self) -> DateRange {
        DateRange {
            from: self.first_day(),
            to: self.last_day(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why a period string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a month written YYYY-MM")]
pub struct BadPeriod;

impl FromStr for Period {
    type Err = BadPeriod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, m) = s.split_once('-').ok_or(BadPeriod)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(BadPeriod);
        }
        let year = y.parse().map_err(|_| BadPeriod)?;
        let month = m.parse().map_err(|_| BadPeriod)?;
        Period::new(year, month).ok_or(BadPeriod)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Every date there is.
    pub const ALL: DateRange = DateRange {
        from: NaiveDate::MIN,
        to: NaiveDate::MAX,
    };

    /// Whether `date` lies in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_months() {
        let p: Period = "2026-02".parse().unwrap();
        assert_eq!(p.to_string(), "2026-02");
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(
            "2024-02".parse::<Period>().unwrap().last_day().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            "2026-01".parse::<Period>().unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(
            "2026-12".parse::<Period>().unwrap().range().to.to_string(),
            "2026-12-31"
        );
    }

    #[test]
    fn rejects_malformed_months() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "",
            "2026-01-01",
            "abcd-ef",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }
}
