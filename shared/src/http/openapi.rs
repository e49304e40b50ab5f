//! Parameter schemas the derive macros cannot express, shared by every function's OpenAPI
//! description. Each says exactly what the server accepts, so that what the document calls
//! invalid is what the server answers with 400 (the contract tests fuzz both sides).

use utoipa::IntoParams;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

/// A month, `YYYY-MM`.
pub const PERIOD_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";

/// An `If-Match` value: the version, optionally quoted and weak (`3`, `"3"`, `W/"3"`).
pub const IF_MATCH_PATTERN: &str = r#"^(W/)?"?[0-9]+"?$"#;

/// `1`, `2`, ...; larger than any page is fine (`per_page` is clamped to 100).
pub fn positive_integer() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .build()
}

/// An opaque page cursor (`meta.next_cursor` of a previous page).
pub fn cursor() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9a-f]{2,2048}$"))
        .build()
}

/// A month, `YYYY-MM`.
pub fn period() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(PERIOD_PATTERN))
        .examples(["2026-10"])
        .build()
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

/// A client key, `ACME`: 1-64 characters of A-Z, 0-9, `_` or `-`.
pub fn client_key() -> Object {
    crate::domain::client::key_schema()
}

/// A client key as a list filter: empty means no filter.
pub fn client_key_filter() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(CLIENT_KEY_FILTER_PATTERN))
        .examples(["ACME"])
        .build()
}

/// [`client_key`], or empty.
pub const CLIENT_KEY_FILTER_PATTERN: &str = "^[A-Z0-9_-]{0,64}$";

/// `true` or `false`.
pub fn boolean() -> Object {
    ObjectBuilder::new().schema_type(Type::Boolean).build()
}

/// An invoice status: `draft`, `finalized`, `paid` or `void`.
pub fn invoice_status() -> Object {
    use crate::invoice::InvoiceStatus::*;
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([Draft, Finalized, Paid, Void].map(|s| s.as_str())))
        .build()
}

/// A payment status: `unpaid`, `partially_paid` or `paid`.
pub fn payment_status() -> Object {
    use crate::domain::invoice::receivables::PaymentStatus::*;
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([Unpaid, PartiallyPaid, Paid].map(|s| s.as_str())))
        .build()
}

/// The `If-Match` header of a draft write.
pub fn if_match() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(IF_MATCH_PATTERN))
        .examples(["3"])
        .build()
}

/// `If-Match` where a write may carry its version in the body instead.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct OptionalIfMatch {
    /// The version being written (or `version` in the body).
    #[param(rename = "If-Match", schema_with = if_match)]
    if_match: Option<String>,
}

/// `If-Match` where the version can only come from the header (written by hand: the
/// derive does not mark a `schema_with` parameter required).
#[derive(Debug)]
pub struct RequiredIfMatch;

impl IntoParams for RequiredIfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::Required;
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some("The version being written."))
                .schema(Some(if_match()))
                .build(),
        ]
    }
}
