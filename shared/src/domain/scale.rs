//! The fixed decimal scales of every number the API shows, in one place.
//!
//! - Money (amounts, totals, unit prices, hourly rates, payments): exactly the currency's
//!   ISO 4217 minor-unit places (USD `"149.90"`, JPY `"150"`, KWD `"1.250"`).
//! - Quantities (hours) and percentages (tax rates): exactly 2 places (`"1.00"`, `"12.00"`).
//!
//! Inputs with more places than their scale are refused with a plain message (money is never
//! rounded silently); values are shown padded to their scale, never rounded, so a value
//! stored before these rules with more places keeps them.

use rust_decimal::Decimal;

/// Places of a quantity (hours or units).
pub const QUANTITY_PLACES: u32 = 2;
/// Places of a percentage (tax rate).
pub const PERCENT_PLACES: u32 = 2;

/// The most minor-unit places any ISO 4217 currency has (CLF, UYW).
pub const MAX_MINOR_UNIT: u32 = 4;

/// OpenAPI pattern of a quantity or percentage: exactly 2 places.
pub const TWO_PLACES_PATTERN: &str = r"^[0-9]+\.[0-9]{2}$";
/// OpenAPI pattern of money: the currency's minor-unit places (0-4, ISO 4217).
pub const MONEY_PATTERN: &str = r"^[0-9]+(\.[0-9]{1,4})?$";

/// Decimal places of `currency` (USD 2, JPY 0, KWD 3); 2 when the table has none.
pub fn minor_unit(currency: &str) -> u32 {
    iso_currency::Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .map(u32::from)
        .unwrap_or(2)
}

/// Whether `currency` (upper case) can be invoiced: an active ISO 4217 currency of the
/// `iso_currency` table without flags, so not a fund (BOV, CLF, USN...), a special code
/// (metals XAU/XAG/XPT/XPD, XDR, bond units XBA-XBD, XSU, XUA, XAD, the test code XTS, "no
/// currency" XXX) nor one superseded (HRK, ...). Every such currency has a minor unit.
pub fn invoiceable(currency: &str) -> bool {
    iso_currency::Currency::from_code(currency)
        .is_some_and(|c| c.flags().is_empty() && c.exponent().is_some())
}

/// A currency clients may be invoiced in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct InvoiceableCurrency {
    /// ISO 4217 code.
    #[schema(example = "UZS")]
    pub code: &'static str,
    /// The ISO 4217 name.
    #[schema(example = "Uzbekistan sum")]
    pub name: String,
    /// Decimal places of its amounts (USD 2, JPY 0, KWD 3).
    #[schema(example = 2)]
    pub minor_units: u32,
    /// The pattern its amounts are written in.
    #[schema(example = "^-?[0-9]+\\.[0-9]{2}$")]
    pub amount_pattern: String,
}

/// Every currency [`invoiceable`] says yes to, by code: the whole table searched once.
pub fn invoiceable_currencies() -> &'static [InvoiceableCurrency] {
    static ALL: std::sync::LazyLock<Vec<InvoiceableCurrency>> = std::sync::LazyLock::new(|| {
        let letters = b'A'..=b'Z';
        letters
            .clone()
            .flat_map(|a| letters.clone().map(move |b| (a, b)))
            .flat_map(|(a, b)| (b'A'..=b'Z').map(move |c| [a, b, c]))
            .filter_map(|code| {
                let code = std::str::from_utf8(&code).ok()?.to_string();
                let currency = iso_currency::Currency::from_code(&code)?;
                invoiceable(&code).then(|| {
                    let places = minor_unit(&code);
                    InvoiceableCurrency {
                        code: currency.code(),
                        name: currency.name().to_string(),
                        minor_units: places,
                        amount_pattern: if places == 0 {
                            "^-?[0-9]+$".to_string()
                        } else {
                            format!("^-?[0-9]+\\.[0-9]{{{places}}}$")
                        },
                    }
                })
            })
            .collect()
    });
    &ALL
}

/// Whether `value` needs no more than `places` decimal places (trailing zeros do not count).
pub fn fits(value: Decimal, places: u32) -> bool {
    value.normalize().scale() <= places
}

/// `value` written with exactly `places` decimal places: trailing zeros are added or dropped,
/// never a significant digit (a value that needs more places keeps them).
pub fn fixed(value: Decimal, places: u32) -> Decimal {
    let mut v = value.normalize();
    if v.scale() < places {
        v.rescale(places);
    }
    v
}

/// `value` with its currency's minor-unit places.
pub fn money(value: Decimal, currency: &str) -> Decimal {
    fixed(value, minor_unit(currency))
}

/// The rule of a percentage (a tax rate): from 0 to 100 with at most 2 decimal places;
/// the problem, if any, under `field`.
pub fn check_percent(field: &str, rate: Decimal) -> Option<crate::error::FieldError> {
    use crate::error::FieldError;
    if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
        Some(FieldError::out_of_range(
            field,
            "must be a percent from 0 to 100",
        ))
    } else if !fits(rate, PERCENT_PLACES) {
        Some(FieldError::too_many_decimals(field, PERCENT_PLACES))
    } else {
        None
    }
}

/// Serde helper for quantities and percentages: a string with exactly 2 places.
pub mod two_places {
    use super::{PERCENT_PLACES, fixed};
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    /// Write `value` as a string with exactly 2 places.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fixed(*value, PERCENT_PLACES).to_string())
    }

    /// Read a decimal string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        rust_decimal::serde::str::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn values_are_padded_to_their_scale_never_rounded() {
        assert_eq!(fixed(d("149.9"), 2).to_string(), "149.90");
        assert_eq!(fixed(d("150"), 2).to_string(), "150.00");
        assert_eq!(fixed(d("82.500"), 2).to_string(), "82.50");
        assert_eq!(fixed(d("150.00"), 0).to_string(), "150");
        assert_eq!(fixed(d("1.2345"), 2).to_string(), "1.2345");
        assert_eq!(money(d("1.25"), "KWD").to_string(), "1.250");
        assert_eq!(money(d("150.0"), "JPY").to_string(), "150");
        assert!(fits(d("1.50"), 1) && !fits(d("1.55"), 1));
    }

    #[test]
    fn only_active_currencies_can_be_invoiced() {
        for ok in [
            "USD", "EUR", "UZS", "JPY", "KWD", "XOF", "XAF", "XCD", "CHF",
        ] {
            assert!(invoiceable(ok), "{ok}");
        }
        for no in [
            "XXX", "XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XBA", "XSU", "XUA", "BOV", "CLF",
            "USN", "UYI", "HRK", "XXY", "usd",
        ] {
            assert!(!invoiceable(no), "{no}");
        }
    }

    #[test]
    fn minor_units_come_from_the_iso_table() {
        assert_eq!(minor_unit("USD"), 2);
        assert_eq!(minor_unit("UZS"), 2);
        assert_eq!(minor_unit("JPY"), 0);
        assert_eq!(minor_unit("KWD"), 3);
    }
}

#[cfg(test)]
mod currency_list_tests {
    use super::*;

    #[test]
    fn the_list_is_exactly_the_invoiceable_currencies_in_code_order() {
        let all = invoiceable_currencies();
        assert!(all.len() > 140, "{}", all.len());
        assert!(all.windows(2).all(|w| w[0].code < w[1].code));
        assert!(all.iter().all(|c| invoiceable(c.code)));
        for refused in ["XXX", "XAU", "XDR", "XTS", "BOV", "HRK"] {
            assert!(all.iter().all(|c| c.code != refused), "{refused}");
        }
        let find = |code| all.iter().find(|c| c.code == code).unwrap();
        assert_eq!(find("UZS").minor_units, 2);
        assert_eq!(find("JPY").minor_units, 0);
        assert_eq!(find("JPY").amount_pattern, "^-?[0-9]+$");
        assert_eq!(find("KWD").amount_pattern, "^-?[0-9]+\\.[0-9]{3}$");
    }
}
