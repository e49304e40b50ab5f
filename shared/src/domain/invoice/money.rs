//! Exact money arithmetic: every rounding is half away from zero, to the currency's ISO 4217
//! minor unit (from the `iso_currency` table).

use rust_decimal::{Decimal, RoundingStrategy};

/// An ISO 4217 code as a request or a feed gives it: trimmed and in capitals.
pub fn currency_code(given: &str) -> String {
    given.trim().to_ascii_uppercase()
}

/// Decimal places of `currency` (USD 2, JPY 0, KWD 3); 2 when the table has none.
pub fn minor_unit(currency: &str) -> u32 {
    crate::domain::scale::minor_unit(currency)
}

/// Round half away from zero to `places` and show exactly that many places.
pub fn round_to(value: Decimal, places: u32) -> Decimal {
    let mut v = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    v.rescale(places);
    v
}

/// A line's amount: quantity x unit price, rounded to the minor unit.
pub fn line_amount(quantity: Decimal, unit_price: Decimal, places: u32) -> Decimal {
    round_to(quantity * unit_price, places)
}

/// Tax on `subtotal` at `rate_percent`, rounded to the minor unit.
pub fn tax(subtotal: Decimal, rate_percent: Decimal, places: u32) -> Decimal {
    round_to(subtotal * rate_percent / Decimal::ONE_HUNDRED, places)
}

/// Subtotal, tax and total of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Decimal,
    pub tax_amount: Decimal,
    pub total: Decimal,
}

/// Subtotal = sum of the (already rounded) amounts; tax rounded; total = subtotal + tax.
pub fn totals(
    amounts: impl IntoIterator<Item = Decimal>,
    rate_percent: Decimal,
    places: u32,
) -> Totals {
    let subtotal = round_to(amounts.into_iter().sum(), places);
    let tax_amount = tax(subtotal, rate_percent, places);
    Totals {
        subtotal,
        tax_amount,
        total: round_to(subtotal + tax_amount, places),
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
    fn minor_units_come_from_the_iso_table() {
        assert_eq!(minor_unit("USD"), 2);
        assert_eq!(minor_unit("EUR"), 2);
        assert_eq!(minor_unit("JPY"), 0);
        assert_eq!(minor_unit("KWD"), 3);
        assert_eq!(minor_unit("UZS"), 2);
    }

    #[test]
    fn half_cents_round_away_from_zero() {
        assert_eq!(round_to(d("0.005"), 2), d("0.01"));
        assert_eq!(round_to(d("0.015"), 2), d("0.02"));
        assert_eq!(round_to(d("-0.005"), 2), d("-0.01"));
        assert_eq!(round_to(d("2.5"), 0), d("3"));
        assert_eq!(round_to(d("7"), 2).to_string(), "7.00");
        assert_eq!(line_amount(d("1.50"), d("95.00"), 2).to_string(), "142.50");
        assert_eq!(line_amount(d("0.33"), d("10.05"), 2), d("3.32")); // 3.3165
        assert_eq!(line_amount(d("0.33"), d("10.15"), 0), d("3")); // 3.3495, JPY
    }

    #[test]
    fn totals_add_up() {
        let t = totals([d("142.50"), d("3.32")], d("12"), 2);
        assert_eq!(t.subtotal, d("145.82"));
        assert_eq!(t.tax_amount, d("17.50")); // 17.4984
        assert_eq!(t.total, d("163.32"));
    }
}
