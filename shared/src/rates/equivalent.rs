//! The UZS equivalent of an invoice in another currency, frozen at finalize at the Central
//! Bank rate of its issue date: the books are kept in soums. Pure, no I/O.

use super::rate::ExchangeRate;
use crate::domain::invoice::money::{minor_unit, round_to};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The books' currency.
pub const BOOKS_CURRENCY: &str = "UZS";

/// An issued document's amounts in the books' currency, at the rate it was issued at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Accounting {
    /// `UZS`.
    pub currency: String,
    /// Soums per `nominal` units of the document's currency (Central Bank of Uzbekistan).
    #[schema(value_type = String, format = "decimal", example = "12735.37")]
    pub rate: Decimal,
    pub nominal: u32,
    /// The day the rate was published for (the issue date, or the last publication before).
    pub rate_date: NaiveDate,
    #[schema(value_type = String, format = "decimal", example = "15122750.88")]
    pub subtotal: Decimal,
    #[schema(value_type = String, format = "decimal", example = "1814730.11")]
    pub tax: Decimal,
    /// `subtotal + tax` (each converted and rounded on its own, so the three agree).
    #[schema(value_type = String, format = "decimal", example = "16937480.99")]
    pub total: Decimal,
}

impl Accounting {
    /// The equivalent of `subtotal` and `tax` at `rate`, each rounded to the soum's minor
    /// unit (half away from zero), the total their sum.
    pub fn at(rate: &ExchangeRate, subtotal: Decimal, tax: Decimal) -> Self {
        let places = minor_unit(BOOKS_CURRENCY);
        let subtotal = round_to(rate.soums(subtotal), places);
        let tax = round_to(rate.soums(tax), places);
        Accounting {
            currency: BOOKS_CURRENCY.into(),
            rate: rate.rate,
            nominal: rate.nominal,
            rate_date: rate.date,
            subtotal,
            tax,
            total: subtotal + tax,
        }
    }
}

/// A payment's value in the books' currency at the rate of the day it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentAccounting {
    /// `UZS`.
    pub currency: String,
    #[schema(value_type = String, format = "decimal", example = "12740.00")]
    pub rate: Decimal,
    pub nominal: u32,
    pub rate_date: NaiveDate,
    /// The payment's amount in soums, rounded to the tiyin.
    #[schema(value_type = String, format = "decimal", example = "3185000.00")]
    pub amount: Decimal,
}

impl PaymentAccounting {
    /// `amount` at `rate`.
    pub fn at(rate: &ExchangeRate, amount: Decimal) -> Self {
        PaymentAccounting {
            currency: BOOKS_CURRENCY.into(),
            rate: rate.rate,
            nominal: rate.nominal,
            rate_date: rate.date,
            amount: round_to(rate.soums(amount), minor_unit(BOOKS_CURRENCY)),
        }
    }
}

/// The soums `amount` of a document was worth at the rate its `accounting` froze.
pub fn at_document_rate(accounting: &Accounting, amount: Decimal) -> Decimal {
    round_to(
        amount * accounting.rate / Decimal::from(accounting.nominal),
        minor_unit(BOOKS_CURRENCY),
    )
}

/// Whether a document in `currency` needs an equivalent (every currency but the books').
pub fn needs_equivalent(currency: &str) -> bool {
    currency != BOOKS_CURRENCY
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::RateOrigin;

    #[test]
    fn each_amount_is_converted_and_rounded_and_the_total_is_their_sum() {
        let rate = ExchangeRate {
            currency: "USD".into(),
            date: "2026-12-02".parse().unwrap(),
            rate: "12735.37".parse().unwrap(),
            nominal: 1,
            origin: RateOrigin::Cbu,
            reason: None,
            set_by: None,
            recorded_at: chrono::Utc::now(),
        };
        let a = Accounting::at(&rate, "1187.50".parse().unwrap(), "142.50".parse().unwrap());
        assert_eq!(a.subtotal.to_string(), "15123251.88");
        assert_eq!(a.tax.to_string(), "1814790.23");
        assert_eq!(a.total.to_string(), "16938042.11");
        let per_ten = ExchangeRate {
            nominal: 10,
            rate: "89.17".parse().unwrap(),
            ..rate
        };
        assert_eq!(
            Accounting::at(&per_ten, "1000".parse().unwrap(), Decimal::ZERO)
                .total
                .to_string(),
            "8917.00"
        );
        assert!(needs_equivalent("USD") && !needs_equivalent("UZS"));
    }
}
