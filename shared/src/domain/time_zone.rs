//! IANA time zones, from the tz database compiled into the binary (no system files needed).
//!
//! Backed by `jiff`, whose bundled database is one byte blob: unlike `chrono-tz`'s tables
//! of pointers, it needs no relocations at process start (chrono-tz's added ~27 000 of
//! them and 1 MB of copied pages to every cold start of a function that knew time zones).

use chrono::{DateTime, NaiveDate, Utc};
use std::str::FromStr;

/// A time zone such as `Asia/Tashkent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone(jiff::tz::TimeZone);

/// The name is not an IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an IANA time zone")]
pub struct UnknownTimeZone;

impl TimeZone {
    /// UTC.
    pub fn utc() -> Self {
        Self(jiff::tz::TimeZone::UTC)
    }

    /// The zone named `name`, UTC when there is none or it is unknown (a client's zone as
    /// recorded on an invoice, which may predate time zones).
    pub fn named_or_utc(name: Option<&str>) -> Self {
        name.and_then(|n| n.parse().ok()).unwrap_or_else(Self::utc)
    }

    /// The calendar date in this zone at `now`.
    pub fn date_at(&self, now: DateTime<Utc>) -> NaiveDate {
        let local = jiff::Timestamp::new(now.timestamp(), now.timestamp_subsec_nanos() as i32)
            .map(|ts| self.0.to_datetime(ts).date())
            .ok()
            .and_then(|d| {
                NaiveDate::from_ymd_opt(
                    i32::from(d.year()),
                    u32::try_from(d.month()).ok()?,
                    u32::try_from(d.day()).ok()?,
                )
            });
        // Every chrono timestamp of this service is within jiff's range (years -9999..9999).
        local.unwrap_or_else(|| now.date_naive())
    }

    /// The first instant of `date` in this zone (midnight, or the end of a gap that skips
    /// it), e.g. the instant an invoice due the day before becomes overdue.
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        use chrono::Datelike;
        let utc_midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
        let start = i16::try_from(date.year())
            .ok()
            .zip(i8::try_from(date.month()).ok())
            .zip(i8::try_from(date.day()).ok())
            .and_then(|((y, m), d)| jiff::civil::Date::new(y, m, d).ok())
            .and_then(|d| d.to_zoned_datetime(self.0.clone()).ok())
            .and_then(|z| DateTime::from_timestamp(z.timestamp().as_second(), 0));
        // Every date of this service is within jiff's range (years -9999..9999).
        start.unwrap_or(utc_midnight)
    }
}

impl FromStr for TimeZone {
    type Err = UnknownTimeZone;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        jiff::tz::TimeZone::get(name.trim())
            .map(Self)
            .map_err(|_| UnknownTimeZone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn a_day_starts_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let tashkent: TimeZone = "Asia/Tashkent".parse().unwrap();
        let new_york: TimeZone = "America/New_York".parse().unwrap();
        assert_eq!(
            tashkent.start_of(day),
            Utc.with_ymd_and_hms(2026, 10, 31, 19, 0, 0).unwrap()
        );
        // 1 November 2026 is the day New York leaves summer time: midnight is still EDT.
        assert_eq!(
            new_york.start_of(day),
            Utc.with_ymd_and_hms(2026, 11, 1, 4, 0, 0).unwrap()
        );
        assert_eq!(
            TimeZone::utc().start_of(day),
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );
        // The day starts exactly when the local date turns.
        let start = tashkent.start_of(day);
        assert_eq!(tashkent.date_at(start), day);
        assert_eq!(
            tashkent.date_at(start - chrono::Duration::seconds(1)),
            day.pred_opt().unwrap()
        );
    }

    #[test]
    fn the_local_date_follows_the_zone() {
        // 2026-10-31 20:30 UTC is already 1 November in Tashkent (UTC+5), not in New York.
        let now = Utc.with_ymd_and_hms(2026, 10, 31, 20, 30, 0).unwrap();
        let tashkent: TimeZone = "Asia/Tashkent".parse().unwrap();
        let new_york: TimeZone = "America/New_York".parse().unwrap();
        assert_eq!(
            tashkent.date_at(now),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!(
            new_york.date_at(now),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
        assert_eq!(
            TimeZone::utc().date_at(now),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        for name in ["Nope/Zone", "", "Asia/", "../../etc/passwd"] {
            assert_eq!(name.parse::<TimeZone>(), Err(UnknownTimeZone), "{name}");
        }
    }
}
