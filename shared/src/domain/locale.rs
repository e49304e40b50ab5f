//! The language a client's documents are written in, and how numbers, dates and periods
//! are written in it. Pure functions, no I/O.
//!
//! Conventions (CLDR, as LibreOffice and the operating systems print them):
//! - `en`: group separator `,`, decimal point `.`, dates ISO `2026-11-27`, periods `2026-10`.
//! - `ru`, `uz` (Uzbek in Latin script): group separator U+00A0 NO-BREAK SPACE (so a number
//!   never breaks across lines), decimal comma, dates `27.11.2026`, periods with the month's
//!   name (`октябрь 2026 г.`, `oktabr, 2026`).
//!
//! A negative number carries a leading hyphen-minus in every locale.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

use super::Period;

/// A document language: `en` (default), `ru`, `uz` (Uzbek, Latin script).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// Russian.
    Ru,
    /// Uzbek, Latin script.
    Uz,
}

/// Why a locale is refused (also the list of accepted values).
pub const LOCALE_RULE: &str = "must be one of en, ru, uz";

/// U+00A0 NO-BREAK SPACE: the group separator of `ru` and `uz`.
pub const NBSP: char = '\u{a0}';

impl Locale {
    /// Every locale, in a fixed order.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ru, Locale::Uz];

    /// The code: `en`, `ru`, `uz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
            Locale::Uz => "uz",
        }
    }

    fn group_separator(self) -> char {
        match self {
            Locale::En => ',',
            Locale::Ru | Locale::Uz => NBSP,
        }
    }

    fn decimal_separator(self) -> char {
        match self {
            Locale::En => '.',
            Locale::Ru | Locale::Uz => ',',
        }
    }

    /// `value` at exactly `places` decimals (rounded half away from zero), digits grouped by
    /// three: `1,234,567.50` (en), `1 234 567,50` (ru, uz; the space is U+00A0).
    pub fn number(self, value: Decimal, places: u32) -> String {
        let v = value
            .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let mut v = v;
        v.rescale(places);
        let digits = v.abs().to_string();
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits.as_str(), None),
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
        if v.is_sign_negative() && !v.is_zero() {
            out.push('-');
        }
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(self.group_separator());
            }
            out.push(c);
        }
        if let Some(f) = frac {
            out.push(self.decimal_separator());
            out.push_str(f);
        }
        out
    }

    /// An amount with its currency code after it: `21,505,680.00 UZS` (en),
    /// `21 505 680,00 UZS` (ru, uz). The space before the code is U+00A0 in ru and uz.
    pub fn money(self, value: Decimal, places: u32, currency: &str) -> String {
        let space = match self {
            Locale::En => ' ',
            Locale::Ru | Locale::Uz => NBSP,
        };
        format!("{}{space}{currency}", self.number(value, places))
    }

    /// A percentage as given (no rounding, trailing zeros dropped): `12.5%` (en),
    /// `12,5 %` (ru, with U+00A0), `12,5%` (uz).
    pub fn percent(self, rate: Decimal) -> String {
        let rate = rate.normalize();
        let number = self.number(rate, rate.scale());
        match self {
            Locale::Ru => format!("{number}{NBSP}%"),
            Locale::En | Locale::Uz => format!("{number}%"),
        }
    }

    /// A date: `2026-11-27` (en), `27.11.2026` (ru, uz).
    pub fn date(self, date: NaiveDate) -> String {
        match self {
            Locale::En => date.format("%Y-%m-%d").to_string(),
            Locale::Ru | Locale::Uz => date.format("%d.%m.%Y").to_string(),
        }
    }

    /// A billing month: `2026-10` (en), `октябрь 2026 г.` (ru), `oktabr, 2026` (uz).
    pub fn period(self, period: Period) -> String {
        let first = period.first_day();
        let month = first.month0() as usize;
        match self {
            Locale::En => period.to_string(),
            Locale::Ru => format!("{} {} г.", RU_MONTHS[month], first.year()),
            Locale::Uz => format!("{}, {}", UZ_MONTHS[month], first.year()),
        }
    }
}

/// Month names, nominative (as a period heading).
const RU_MONTHS: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// Month names, Uzbek Latin.
const UZ_MONTHS: [&str; 12] = [
    "yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avgust", "sentabr", "oktabr",
    "noyabr", "dekabr",
];

/// The OpenAPI schema of an optional locale in a request body: `"en"`, `"ru"`, `"uz"` or
/// `null` (a plain enum, so generated clients and fuzzers see the three values).
pub fn optional_locale_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut values: Vec<serde_json::Value> = Locale::ALL
        .iter()
        .map(|l| serde_json::Value::from(l.as_str()))
        .collect();
    values.push(serde_json::Value::Null);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some(
            "The language of the client's PDFs: `en` (default), `ru`, `uz` (Uzbek, Latin script).",
        ))
        .build()
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown locale code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLocale;

impl fmt::Display for UnknownLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(LOCALE_RULE)
    }
}

impl FromStr for Locale {
    type Err = UnknownLocale;

    /// `en`, `ru` or `uz`, case and surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Locale::En),
            "ru" => Ok(Locale::Ru),
            "uz" => Ok(Locale::Uz),
            _ => Err(UnknownLocale),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// `ru`/`uz` output with the no-break spaces written as plain spaces, for readable
    /// expectations (the separator itself is checked in its own test).
    fn plain(s: String) -> String {
        s.replace(NBSP, " ")
    }

    #[test]
    fn large_uzs_amounts_per_locale() {
        let total = d("21505680");
        assert_eq!(Locale::En.money(total, 2, "UZS"), "21,505,680.00 UZS");
        assert_eq!(
            Locale::Ru.money(total, 2, "UZS"),
            "21\u{a0}505\u{a0}680,00\u{a0}UZS"
        );
        assert_eq!(
            plain(Locale::Uz.money(total, 2, "UZS")),
            "21 505 680,00 UZS"
        );
        assert_eq!(
            plain(Locale::Ru.number(d("1234567890123.45"), 2)),
            "1 234 567 890 123,45"
        );
        assert_eq!(
            Locale::En.number(d("1234567890123.45"), 2),
            "1,234,567,890,123.45"
        );
    }

    #[test]
    fn zero_decimal_currencies_have_no_separator() {
        assert_eq!(Locale::En.number(d("1500000"), 0), "1,500,000");
        assert_eq!(plain(Locale::Ru.number(d("1500000"), 0)), "1 500 000");
        assert_eq!(plain(Locale::Uz.money(d("999"), 0, "JPY")), "999 JPY");
        // Three-decimal currencies (KWD) keep all three places.
        assert_eq!(plain(Locale::Ru.number(d("1234.5"), 3)), "1 234,500");
    }

    #[test]
    fn negatives_and_zero() {
        assert_eq!(Locale::En.number(d("-1234.5"), 2), "-1,234.50");
        assert_eq!(plain(Locale::Ru.number(d("-756000"), 2)), "-756 000,00");
        assert_eq!(plain(Locale::Uz.number(d("-0.5"), 2)), "-0,50");
        assert_eq!(
            Locale::Uz.number(d("-0.001"), 2),
            "0,00",
            "no negative zero"
        );
        assert_eq!(Locale::En.number(Decimal::ZERO, 2), "0.00");
        assert_eq!(Locale::En.number(d("-999"), 0), "-999");
    }

    #[test]
    fn small_numbers_are_not_grouped_and_rounding_is_half_away_from_zero() {
        assert_eq!(Locale::En.number(d("999.994"), 2), "999.99");
        assert_eq!(Locale::En.number(d("999.995"), 2), "1,000.00");
        assert_eq!(Locale::Ru.number(d("-2.345"), 2), "-2,35");
        assert_eq!(Locale::Ru.number(d("100"), 2), "100,00");
    }

    #[test]
    fn ru_and_uz_group_with_no_break_spaces() {
        for l in [Locale::Ru, Locale::Uz] {
            let s = l.number(d("1234567"), 0);
            assert_eq!(s.chars().filter(|&c| c == NBSP).count(), 2, "{s}");
            assert!(!s.contains(' '), "no breakable space: {s:?}");
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(Locale::En.percent(d("12")), "12%");
        assert_eq!(Locale::En.percent(d("12.50")), "12.5%");
        assert_eq!(Locale::Ru.percent(d("12.5")), "12,5\u{a0}%");
        assert_eq!(Locale::Uz.percent(d("0")), "0%");
        assert_eq!(Locale::Ru.percent(d("1000")), "1\u{a0}000\u{a0}%");
    }

    #[test]
    fn dates_and_periods() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(Locale::En.date(day), "2026-11-27");
        assert_eq!(Locale::Ru.date(day), "27.11.2026");
        assert_eq!(Locale::Uz.date(day), "27.11.2026");
        let first = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        assert_eq!(Locale::Ru.date(first), "05.01.2027");
        let oct = Period::new(2026, 10).unwrap();
        assert_eq!(Locale::En.period(oct), "2026-10");
        assert_eq!(Locale::Ru.period(oct), "октябрь 2026 г.");
        assert_eq!(Locale::Uz.period(oct), "oktabr, 2026");
        assert_eq!(
            Locale::Ru.period(Period::new(2027, 1).unwrap()),
            "январь 2027 г."
        );
        assert_eq!(
            Locale::Uz.period(Period::new(2027, 12).unwrap()),
            "dekabr, 2027"
        );
    }

    #[test]
    fn parses_codes_and_refuses_others() {
        assert_eq!("ru".parse(), Ok(Locale::Ru));
        assert_eq!(" UZ ".parse(), Ok(Locale::Uz));
        assert_eq!("en".parse(), Ok(Locale::En));
        for bad in ["", "de", "uz-Cyrl", "english"] {
            assert_eq!(bad.parse::<Locale>(), Err(UnknownLocale), "{bad}");
        }
        assert_eq!(Locale::default(), Locale::En);
        for l in Locale::ALL {
            assert_eq!(l.as_str().parse(), Ok(l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
    }
}
