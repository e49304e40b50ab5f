//! Clients: who gets invoiced, in which currency, at which rate.

use super::locale::{LOCALE_RULE, Locale};
use super::scale;
use super::text::{Lines, check_field};
use super::vat::{ElectronicAddress, VatCategory, looks_like_vat_id};
use crate::{Error, FieldError, FieldRules, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Postal address, printed on invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`UZ`, `DE`).
    pub country: String,
}

/// A client as stored and as served by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Client {
    /// The id in URLs: upper-case letters, digits, `_` and `-` (e.g. `ACME`).
    pub key: String,
    pub name: String,
    pub email: String,
    /// More addresses that may receive the client's invoices (at most 9; with `email`, the
    /// default recipients of `POST /invoices/{id}/send`).
    #[serde(default)]
    pub billing_contacts: Vec<String>,
    pub address: Address,
    /// The client's tax or company registration number as printed on the PDF (free text;
    /// the buyer's legal registration identifier, BT-47, in e-invoices).
    pub tax_id: Option<String>,
    /// The client's VAT identifier with its country prefix (`DE123456789`; BT-48 in
    /// e-invoices).
    #[serde(default)]
    pub vat_id: Option<String>,
    /// Where the client receives e-invoices (BT-49).
    #[serde(default)]
    pub electronic_address: Option<ElectronicAddress>,
    /// The reference the client asks to be quoted on its invoices (BT-10, e.g. a
    /// Leitweg-ID).
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// How VAT applies to this client's invoices; unset means `S` for a rate above 0 and
    /// "not said" for 0 % (e-invoices then ask for it).
    #[serde(default)]
    pub vat_category: Option<VatCategory>,
    /// Why the supply is exempt (`E`, required), or a text for `AE` / `O` (BT-120).
    #[serde(default)]
    pub vat_exemption_reason: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// Price of one hour, in `currency`, with its minor-unit places.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "95.00")]
    pub hourly_rate: Decimal,
    /// Percent with 2 places, e.g. `"12.00"` for 12 %.
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "12.00")]
    pub tax_rate: Decimal,
    pub payment_terms_days: u32,
    /// IANA time zone of the client (`Asia/Tashkent`).
    pub timezone: String,
    /// The language of the client's PDFs (`en` when never set).
    #[serde(default)]
    pub locale: Locale,
    /// No scheduled payment reminders for this client (`false` when never set; a reminder
    /// by hand still goes).
    #[serde(default)]
    pub reminders_paused: bool,
    /// The number of the contract the services are rendered under, printed on acts of
    /// completed work.
    #[serde(default)]
    pub contract_number: Option<String>,
    /// The date of that contract.
    #[serde(default)]
    pub contract_date: Option<NaiveDate>,
    /// Attach the act of completed work to every `POST /invoices/{id}/send` that does not
    /// say `attach_act` itself (`false` when never set).
    #[serde(default)]
    pub attach_act: bool,
    pub active: bool,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The hourly rate with the currency's minor-unit places (clients stored before the
    /// fixed scales may have fewer).
    pub fn fix_scales(mut self) -> Self {
        self.hourly_rate = scale::money(self.hourly_rate, &self.currency);
        self
    }
}

/// What an import or `PUT /api/v1/clients/{key}` supplies for a client; validated into a
/// [`Client`].
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub key: String,
    pub name: String,
    pub email: String,
    /// At most 9 more addresses for the client's invoices (default: none).
    #[serde(default)]
    pub billing_contacts: Vec<String>,
    pub address: Address,
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub vat_id: Option<String>,
    #[serde(default)]
    pub electronic_address: Option<ElectronicAddress>,
    #[serde(default)]
    pub buyer_reference: Option<String>,
    #[serde(default)]
    pub vat_category: Option<VatCategory>,
    #[serde(default)]
    pub vat_exemption_reason: Option<String>,
    pub currency: String,
    /// A decimal string (never a JSON number: floats are not money) with at most the
    /// currency's minor-unit places.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "95.00")]
    pub hourly_rate: Decimal,
    /// Percent, 0 to 100, at most 2 decimals.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "12.00")]
    pub tax_rate: Decimal,
    pub payment_terms_days: u32,
    pub timezone: String,
    /// `en` (default), `ru` or `uz`; anything else is refused.
    #[serde(default)]
    #[schema(schema_with = super::locale::optional_locale_schema)]
    pub locale: Option<String>,
    /// `true`: no scheduled payment reminders for this client (default `false`).
    #[serde(default)]
    pub reminders_paused: bool,
    /// The contract the services are rendered under (printed on acts of completed work).
    #[serde(default)]
    pub contract_number: Option<String>,
    /// `YYYY-MM-DD`, from 1991-01-01 to a year after today; needs a `contract_number`.
    #[serde(default, with = "crate::domain::request_values::date_option")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-01-15")]
    pub contract_date: Option<NaiveDate>,
    /// `true`: invoices sent to this client carry their act of completed work unless the
    /// send says otherwise (default `false`).
    #[serde(default)]
    pub attach_act: bool,
    #[serde(default = "default_active")]
    pub active: bool,
}

fn default_active() -> bool {
    true
}

/// Most addresses in a client's `billing_contacts`: with its `email`, the most recipients
/// (10) of one e-mail.
pub const MAX_BILLING_CONTACTS: usize = 9;

/// Longest payment term accepted (days).
pub const MAX_PAYMENT_TERMS_DAYS: u32 = 365;

/// Longest client key. DynamoDB keys are far larger; this keeps keys readable in URLs and
/// invoice numbers and every key well below the store's limits.
pub const MAX_KEY_LEN: usize = 64;

/// A client key as the API documents it (OpenAPI `pattern`; the clients function's path
/// parameters spell it out, and a test checks that every occurrence in the document agrees).
pub const KEY_PATTERN: &str = "^[A-Z0-9_-]{1,64}$";

/// Why a client key is refused.
pub const KEY_RULE: &str = "must be 1-64 characters of A-Z, 0-9, '_' or '-'";

/// Longest client name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest address line (`line1`, `line2`).
pub const MAX_ADDRESS_LINE_CHARS: usize = 200;
/// Longest city.
pub const MAX_CITY_CHARS: usize = 100;
/// Longest postal code.
pub const MAX_POSTAL_CODE_CHARS: usize = 20;
/// Longest tax id.
pub const MAX_TAX_ID_CHARS: usize = 50;
/// Longest e-mail address.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest buyer reference.
pub const MAX_BUYER_REFERENCE_CHARS: usize = 200;
/// Longest VAT exemption reason.
pub const MAX_EXEMPTION_REASON_CHARS: usize = 300;
/// Longest contract number.
pub const MAX_CONTRACT_NUMBER_CHARS: usize = 100;

/// Whether `key` is a well-formed client key.
pub fn is_valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// A client key from a request (path, body or query), checked before any store call: a
/// malformed one names `field` and never reaches the store.
pub fn check_key(field: &str, key: &str) -> Result<()> {
    if is_valid_key(key) {
        Ok(())
    } else {
        Err(Error::field(field, KEY_RULE))
    }
}

impl FieldRules for ClientInput {
    /// Every rule [`ClientInput::validate`] checks (they need nothing but the input).
    fn field_errors(&self) -> Vec<FieldError> {
        match self.clone().validate(DateTime::<Utc>::MIN_UTC, None) {
            Ok(_) => Vec::new(),
            Err(Error::Validation { details, .. }) => details,
            Err(_) => Vec::new(),
        }
    }
}

/// The earliest contract date an act may print.
const EARLIEST_CONTRACT: NaiveDate = match NaiveDate::from_ymd_opt(1991, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// How far ahead of today a contract may be dated (signed before the work starts).
const CONTRACT_DAYS_AHEAD: u64 = 366;

impl ClientInput {
    /// Check every field; on success build the client. `existing_created_at` keeps the
    /// original creation time when the client is re-imported.
    pub fn validate(
        self,
        now: DateTime<Utc>,
        existing_created_at: Option<DateTime<Utc>>,
    ) -> Result<Client> {
        let mut errors = Vec::new();
        let key = self.key.trim().to_string();
        if !is_valid_key(&key) {
            errors.push(FieldError::new("key", KEY_RULE));
        }
        let name = check_field("name", &self.name, MAX_NAME_CHARS, Lines::One, &mut errors);
        if name.is_empty() {
            errors.push(FieldError::required("name"));
        }
        let email = check_field(
            "email",
            &self.email,
            MAX_EMAIL_CHARS,
            Lines::One,
            &mut errors,
        );
        if let Some(problem) = super::email::problem(email) {
            errors.push(FieldError::new("email", problem));
        }
        let billing_contacts: Vec<String> = self
            .billing_contacts
            .iter()
            .map(|a| a.trim().to_string())
            .collect();
        super::email::check_list(
            "billing_contacts",
            &billing_contacts,
            MAX_BILLING_CONTACTS,
            &mut errors,
        );
        let line1 = check_field(
            "address.line1",
            &self.address.line1,
            MAX_ADDRESS_LINE_CHARS,
            Lines::One,
            &mut errors,
        );
        if line1.is_empty() {
            errors.push(FieldError::required("address.line1"));
        }
        let city = check_field(
            "address.city",
            &self.address.city,
            MAX_CITY_CHARS,
            Lines::One,
            &mut errors,
        );
        if city.is_empty() {
            errors.push(FieldError::required("address.city"));
        }
        let optional = [
            ("address.line2", &self.address.line2, MAX_ADDRESS_LINE_CHARS),
            (
                "address.postal_code",
                &self.address.postal_code,
                MAX_POSTAL_CODE_CHARS,
            ),
            ("tax_id", &self.tax_id, MAX_TAX_ID_CHARS),
            (
                "buyer_reference",
                &self.buyer_reference,
                MAX_BUYER_REFERENCE_CHARS,
            ),
            (
                "vat_exemption_reason",
                &self.vat_exemption_reason,
                MAX_EXEMPTION_REASON_CHARS,
            ),
            (
                "contract_number",
                &self.contract_number,
                MAX_CONTRACT_NUMBER_CHARS,
            ),
        ];
        for (field, value, max) in optional {
            if let Some(v) = value {
                check_field(field, v, max, Lines::One, &mut errors);
            }
        }
        let country = self.address.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "address.country",
                "must be an ISO 3166-1 alpha-2 code",
            ));
        }
        let currency = self.currency.trim().to_ascii_uppercase();
        if iso_currency::Currency::from_code(&currency).is_none() {
            errors.push(FieldError::new("currency", "must be an ISO 4217 code"));
        } else if !scale::invoiceable(&currency) {
            errors.push(FieldError::new(
                "currency",
                format!(
                    "{currency} cannot be invoiced: use an active ISO 4217 currency (not a \
                     fund, precious metal, SDR, test or no-currency code, nor a superseded one)"
                ),
            ));
        }
        let places = scale::minor_unit(&currency);
        if self.hourly_rate < Decimal::ZERO {
            errors.push(FieldError::out_of_range(
                "hourly_rate",
                "must not be negative",
            ));
        } else if !scale::fits(self.hourly_rate, places) {
            let mut problem = FieldError::too_many_decimals("hourly_rate", places);
            problem.message = format!("{} ({currency})", problem.message);
            errors.push(problem);
        }
        errors.extend(scale::check_percent("tax_rate", self.tax_rate));
        let tidy = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let vat_id = tidy(self.vat_id).map(|v| v.replace(' ', "").to_ascii_uppercase());
        if vat_id.as_deref().is_some_and(|v| !looks_like_vat_id(v)) {
            errors.push(FieldError::new(
                "vat_id",
                "must be a VAT identifier with its 2-letter country prefix (DE123456789)",
            ));
        }
        let exemption_reason = tidy(self.vat_exemption_reason);
        match self.vat_category {
            Some(category) => category.check(
                self.tax_rate,
                exemption_reason.as_deref(),
                vat_id.is_some(),
                &mut errors,
            ),
            None if exemption_reason.is_some() => errors.push(FieldError::new(
                "vat_exemption_reason",
                "needs a vat_category (E, AE or O)",
            )),
            None => {}
        }
        let electronic_address = self
            .electronic_address
            .as_ref()
            .map(|e| e.checked("electronic_address", &mut errors));
        if self.payment_terms_days > MAX_PAYMENT_TERMS_DAYS {
            errors.push(FieldError::new("payment_terms_days", "must be 0-365"));
        }
        if self.timezone.parse::<crate::domain::TimeZone>().is_err() {
            errors.push(FieldError::new("timezone", "must be an IANA time zone"));
        }
        let locale = match self.locale.as_deref().map(str::parse::<Locale>) {
            None => Locale::default(),
            Some(Ok(locale)) => locale,
            Some(Err(_)) => {
                errors.push(FieldError::new("locale", LOCALE_RULE));
                Locale::default()
            }
        };
        let contract_number = tidy(self.contract_number);
        if self.contract_date.is_some() && contract_number.is_none() {
            errors.push(FieldError::new(
                "contract_date",
                "needs a contract_number: the date belongs to a contract",
            ));
        }
        if let Some(d) = self.contract_date {
            let latest = now.date_naive() + chrono::Days::new(CONTRACT_DAYS_AHEAD);
            if d < EARLIEST_CONTRACT || d > latest {
                errors.push(FieldError::out_of_range(
                    "contract_date",
                    format!("must be from {EARLIEST_CONTRACT} to a year after today ({latest})"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        Ok(Client {
            key,
            name: name.to_string(),
            email: email.to_string(),
            billing_contacts,
            address: Address {
                line1: line1.to_string(),
                line2: tidy(self.address.line2),
                city: city.to_string(),
                postal_code: tidy(self.address.postal_code),
                country,
            },
            tax_id: tidy(self.tax_id),
            vat_id,
            electronic_address,
            buyer_reference: tidy(self.buyer_reference),
            vat_category: self.vat_category,
            vat_exemption_reason: exemption_reason,
            currency,
            hourly_rate: scale::fixed(self.hourly_rate, places),
            tax_rate: scale::fixed(self.tax_rate, scale::PERCENT_PLACES),
            payment_terms_days: self.payment_terms_days,
            timezone: self.timezone,
            locale,
            reminders_paused: self.reminders_paused,
            contract_number,
            contract_date: self.contract_date,
            attach_act: self.attach_act,
            active: self.active,
            created_at: existing_created_at.unwrap_or(now),
            updated_at: now,
        })
    }
}

/// The OpenAPI schema of a client key, `ACME`: [`KEY_PATTERN`].
pub fn key_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(KEY_PATTERN))
        .examples(["ACME"])
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ClientInput {
        serde_json::from_value(serde_json::json!({
            "key": "ACME",
            "name": "Acme",
            "email": "billing@acme.test",
            "address": {"line1": "1 Main", "city": "Tashkent", "country": "uz"},
            "currency": "usd",
            "hourly_rate": "95",
            "tax_rate": "12.0",
            "payment_terms_days": 14,
            "timezone": "Asia/Tashkent"
        }))
        .unwrap()
    }

    #[test]
    fn a_contract_date_lies_between_1991_and_a_year_ahead() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 4, 12, 0, 0).unwrap();
        let with = |d: &str| ClientInput {
            contract_number: Some("A-1".into()),
            contract_date: Some(d.parse().unwrap()),
            ..input()
        };
        for ok in ["1991-01-01", "2026-12-04", "2027-12-05"] {
            assert!(with(ok).validate(now, None).is_ok(), "{ok}");
        }
        for bad in ["0001-01-01", "1990-12-31", "2027-12-06", "9999-12-31"] {
            let e = with(bad).validate(now, None).unwrap_err();
            assert!(format!("{e:?}").contains("contract_date"), "{bad}: {e:?}");
        }
    }

    #[test]
    fn validates_and_normalizes() {
        let c = input().validate(Utc::now(), None).unwrap();
        assert_eq!(c.currency, "USD");
        assert_eq!(c.address.country, "UZ");
        assert_eq!(c.hourly_rate.to_string(), "95.00");
        assert_eq!(c.tax_rate.to_string(), "12.00");
        assert!(c.active);
        assert_eq!(c.locale, Locale::En, "en when not given");
    }

    #[test]
    fn takes_a_known_locale_and_refuses_others() {
        let mut i = input();
        i.locale = Some("RU".into());
        assert_eq!(i.validate(Utc::now(), None).unwrap().locale, Locale::Ru);
        let mut i = input();
        i.locale = Some("de".into());
        let Err(Error::Validation { details, .. }) = i.validate(Utc::now(), None) else {
            panic!("expected a validation error");
        };
        assert_eq!(details[0].field, "locale");
        assert_eq!(details[0].message, LOCALE_RULE);
    }

    #[test]
    fn names_every_bad_field() {
        let mut i = input();
        i.key = "acme corp".into();
        i.currency = "XXY".into();
        i.timezone = "Mars/Base".into();
        i.tax_rate = Decimal::from(101);
        let Err(Error::Validation { details, .. }) = i.validate(Utc::now(), None) else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["key", "currency", "tax_rate", "timezone"]);
    }

    #[test]
    fn vat_fields_are_checked_together() {
        let mut i = input();
        i.vat_id = Some("de 123 456 789".into());
        i.vat_category = Some(VatCategory::S);
        i.electronic_address = Some(ElectronicAddress {
            scheme: "em".into(),
            id: " a@b.example ".into(),
        });
        let c = i.validate(Utc::now(), None).unwrap();
        assert_eq!(c.vat_id.as_deref(), Some("DE123456789"));
        assert_eq!(c.electronic_address.unwrap().scheme, "EM");

        let mut i = input();
        i.vat_id = Some("123".into());
        i.vat_category = Some(VatCategory::E);
        let Err(Error::Validation { details, .. }) = i.validate(Utc::now(), None) else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["vat_id", "tax_rate", "vat_exemption_reason"]);
    }
}
