//! How VAT applies to a client's invoices (the EN 16931 VAT category, UNTDID 5305), and
//! electronic addresses (EN 16931 BT-34 / BT-49): what an e-invoice needs beyond the
//! printed tax rate.

use crate::FieldError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The VAT category of a client's invoices (one category per invoice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum VatCategory {
    /// Standard rated: the tax rate is above 0.
    S,
    /// Zero rated goods or services: rate 0.
    Z,
    /// Exempt from VAT: rate 0, and an exemption reason is required.
    E,
    /// Reverse charge (the buyer accounts for the VAT): rate 0, the buyer's VAT id required.
    AE,
    /// Outside the scope of VAT (services abroad, non-VAT supplies): rate 0; the document
    /// then carries neither the seller's nor the buyer's VAT id (EN 16931 BR-O-02).
    O,
}

impl VatCategory {
    /// The UNTDID 5305 code (`S`, `Z`, `E`, `AE`, `O`).
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::S => "S",
            VatCategory::Z => "Z",
            VatCategory::E => "E",
            VatCategory::AE => "AE",
            VatCategory::O => "O",
        }
    }

    /// Parse a code, case-insensitively.
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "S" => Some(Self::S),
            "Z" => Some(Self::Z),
            "E" => Some(Self::E),
            "AE" => Some(Self::AE),
            "O" => Some(Self::O),
            _ => None,
        }
    }

    /// The category a client without one is taken to have: standard rated when its rate is
    /// above 0; none for a 0 % rate (zero rated, exempt, reverse charge and outside scope
    /// are different things, so it must be said which).
    pub fn implied_by(rate_percent: Decimal) -> Option<Self> {
        (rate_percent > Decimal::ZERO).then_some(Self::S)
    }

    /// Check the category against a tax rate and an exemption reason; each problem is added
    /// to `errors` (`field_prefix` names the fields, e.g. `""` for a client).
    pub fn check(
        self,
        rate_percent: Decimal,
        exemption_reason: Option<&str>,
        has_buyer_vat_id: bool,
        errors: &mut Vec<FieldError>,
    ) {
        let zero = rate_percent == Decimal::ZERO;
        match self {
            VatCategory::S if zero => errors.push(FieldError::new(
                "tax_rate",
                "must be above 0 for vat_category S (standard rated); use Z, E, AE or O for 0 %",
            )),
            VatCategory::Z | VatCategory::E | VatCategory::AE | VatCategory::O if !zero => errors
                .push(FieldError::new(
                    "tax_rate",
                    format!("must be 0 for vat_category {}", self.code()),
                )),
            _ => {}
        }
        match (self, exemption_reason) {
            (VatCategory::E, None) => errors.push(FieldError::new(
                "vat_exemption_reason",
                "is required for vat_category E (exempt): say why the supply is exempt",
            )),
            (VatCategory::S | VatCategory::Z, Some(_)) => errors.push(FieldError::new(
                "vat_exemption_reason",
                format!("is only for vat_category E, AE or O, not {}", self.code()),
            )),
            _ => {}
        }
        if self == VatCategory::AE && !has_buyer_vat_id {
            errors.push(FieldError::new(
                "vat_id",
                "is required for vat_category AE (reverse charge): the buyer's VAT id",
            ));
        }
    }
}

/// An electronic address: where e-invoices are delivered (EN 16931 BT-34 / BT-49), an
/// identifier with its scheme from the CEF EAS code list (`0088` GLN, `0204` Leitweg-ID,
/// `9930` German VAT, `EM` e-mail...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElectronicAddress {
    /// The EAS scheme code: 2-4 characters of A-Z and 0-9.
    #[schema(example = "0088")]
    pub scheme: String,
    #[schema(example = "4000001123452")]
    pub id: String,
}

/// Longest electronic address identifier.
pub const MAX_ELECTRONIC_ID_CHARS: usize = 100;

impl ElectronicAddress {
    /// Check and tidy (scheme upper-cased, both trimmed); problems go to `errors` under
    /// `field.scheme` / `field.id`.
    pub fn checked(&self, field: &str, errors: &mut Vec<FieldError>) -> Self {
        let scheme = self.scheme.trim().to_ascii_uppercase();
        if !(2..=4).contains(&scheme.len())
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            errors.push(FieldError::new(
                format!("{field}.scheme"),
                "must be an EAS code (2-4 characters of A-Z, 0-9, e.g. 0088, EM)",
            ));
        }
        let id = super::text::check_field(
            format!("{field}.id"),
            &self.id,
            MAX_ELECTRONIC_ID_CHARS,
            super::text::Lines::One,
            errors,
        );
        if id.is_empty() {
            errors.push(FieldError::required(format!("{field}.id")));
        }
        Self {
            scheme,
            id: id.to_string(),
        }
    }
}

/// Whether `vat_id` looks like a VAT identifier: a 2-letter ISO 3166 country prefix (or
/// `EL` for Greece) and 2-30 letters or digits (EN 16931 BR-CO-09).
pub fn looks_like_vat_id(vat_id: &str) -> bool {
    let b = vat_id.as_bytes();
    b.len() >= 4
        && b.len() <= 32
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(cat: VatCategory, rate: i64, reason: Option<&str>, vat: bool) -> Vec<String> {
        let mut e = Vec::new();
        cat.check(Decimal::from(rate), reason, vat, &mut e);
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn category_and_rate_must_agree() {
        assert!(problems(VatCategory::S, 12, None, false).is_empty());
        assert_eq!(problems(VatCategory::S, 0, None, false), ["tax_rate"]);
        assert_eq!(problems(VatCategory::Z, 5, None, false), ["tax_rate"]);
        assert_eq!(
            problems(VatCategory::E, 0, None, false),
            ["vat_exemption_reason"]
        );
        assert!(problems(VatCategory::E, 0, Some("Art. 135"), false).is_empty());
        assert_eq!(problems(VatCategory::AE, 0, None, false), ["vat_id"]);
        assert!(problems(VatCategory::O, 0, None, false).is_empty());
        assert_eq!(
            problems(VatCategory::S, 12, Some("x"), false),
            ["vat_exemption_reason"]
        );
    }

    #[test]
    fn vat_ids_carry_a_country_prefix() {
        assert!(looks_like_vat_id("DE123456789"));
        assert!(!looks_like_vat_id("123456789"));
        assert!(!looks_like_vat_id("de12"));
    }
}
