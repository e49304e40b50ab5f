//! Client import from JSON (an array of client objects as the API shows them, without
//! timestamps) or CSV (flat columns, `address_` prefix for the address, `electronic_address_`
//! for the e-invoice address: `electronic_address_scheme`, `electronic_address_id`; optional
//! `locale` column: `en`, `ru`, `uz`; optional `billing_contacts` column: addresses separated
//! by `;`; optional `reminders_paused` and `attach_act` columns: `true`/`false`; optional
//! `contract_number` and `contract_date` (`YYYY-MM-DD`)). Re-importing a client replaces it
//! and keeps its `created_at`.

use super::report::{ImportReport, RowError};
use crate::domain::client::is_valid_key;
use crate::domain::{Address, Client, ClientInput, ElectronicAddress, VatCategory};
use crate::ports::ClientStore;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The format of a client file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFormat {
    Json,
    Csv,
}

/// Parse the file into `(line, input)` rows, reporting rows that do not parse.
fn parse(
    bytes: &[u8],
    format: ClientFormat,
    report: &mut ImportReport,
) -> Result<Vec<(u64, ClientInput)>> {
    match format {
        ClientFormat::Json => {
            let values: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
                Error::field("body", format!("must be a JSON array of clients: {e}"))
            })?;
            let mut rows = Vec::new();
            for (i, v) in values.into_iter().enumerate() {
                let line = i as u64 + 1;
                report.rows += 1;
                match serde_json::from_value::<ClientInput>(v) {
                    Ok(input) => rows.push((line, input)),
                    Err(e) => report.reject(RowError {
                        line,
                        message: e.to_string(),
                    }),
                }
            }
            Ok(rows)
        }
        ClientFormat::Csv => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(true)
                .from_reader(bytes);
            let headers = reader
                .headers()
                .map_err(|e| Error::field("header", format!("unreadable: {e}")))?
                .clone();
            let mut rows = Vec::new();
            for (index, record) in reader.records().enumerate() {
                report.rows += 1;
                let line = index as u64 + 2;
                match record
                    .map_err(|e| e.to_string())
                    .and_then(|r| csv_row(&headers, &r))
                {
                    Ok(input) => rows.push((line, input)),
                    Err(message) => report.reject(RowError { line, message }),
                }
            }
            Ok(rows)
        }
    }
}

fn csv_row(
    headers: &csv::StringRecord,
    r: &csv::StringRecord,
) -> std::result::Result<ClientInput, String> {
    let get = |name: &str| -> Option<String> {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .and_then(|i| r.get(i))
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    };
    let req = |name: &str| get(name).ok_or_else(|| format!("{name}: is required"));
    let dec = |name: &str| -> std::result::Result<Decimal, String> {
        Decimal::from_str(&req(name)?).map_err(|_| format!("{name}: is not a decimal number"))
    };
    // An optional true/false column (also yes/no, 1/0), `default` when empty or absent.
    let flag = |name: &str, default: bool| -> std::result::Result<bool, String> {
        match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true" | "yes" | "1") => Ok(true),
            Some("false" | "no" | "0") => Ok(false),
            Some(other) => Err(format!("{name}: {other:?} is not true/false")),
        }
    };
    Ok(ClientInput {
        key: req("key")?,
        name: req("name")?,
        email: req("email")?,
        billing_contacts: get("billing_contacts")
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        address: Address {
            line1: req("address_line1")?,
            line2: get("address_line2"),
            city: req("address_city")?,
            postal_code: get("address_postal_code"),
            country: req("address_country")?,
        },
        tax_id: get("tax_id"),
        vat_id: get("vat_id"),
        electronic_address: match (
            get("electronic_address_scheme"),
            get("electronic_address_id"),
        ) {
            (None, None) => None,
            (Some(scheme), Some(id)) => Some(ElectronicAddress { scheme, id }),
            _ => {
                return Err(
                    "electronic_address_scheme and electronic_address_id: give both or neither"
                        .into(),
                );
            }
        },
        buyer_reference: get("buyer_reference"),
        vat_category: match get("vat_category") {
            None => None,
            Some(c) => Some(
                VatCategory::parse(&c)
                    .ok_or_else(|| format!("vat_category: {c:?} is not one of S, Z, E, AE, O"))?,
            ),
        },
        vat_exemption_reason: get("vat_exemption_reason"),
        currency: req("currency")?,
        hourly_rate: dec("hourly_rate")?,
        tax_rate: dec("tax_rate")?,
        payment_terms_days: req("payment_terms_days")?
            .parse()
            .map_err(|_| "payment_terms_days: is not a whole number of days".to_string())?,
        timezone: req("timezone")?,
        locale: get("locale"),
        reminders_paused: flag("reminders_paused", false)?,
        contract_number: get("contract_number"),
        contract_date: match get("contract_date") {
            None => None,
            Some(d) => Some(
                crate::domain::request_values::parse_date(&d)
                    .ok_or_else(|| format!("contract_date: {d:?} is not a date (YYYY-MM-DD)"))?,
            ),
        },
        attach_act: flag("attach_act", false)?,
        active: flag("active", true)?,
    })
}

/// A client written by [`save_client`], and whether it is new.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedClient {
    pub client: Client,
    /// No client had this key before.
    pub created: bool,
}

/// Validate `input` and create or replace its client, keeping the `created_at` of a client
/// it replaces: the one rule behind the import and `PUT /api/v1/clients/{key}`. A malformed
/// key never reaches the store.
pub async fn save_client(
    input: ClientInput,
    store: &dyn ClientStore,
    now: DateTime<Utc>,
) -> Result<SavedClient> {
    let key = input.key.trim();
    let existing = if is_valid_key(key) {
        store.get_client(key).await?
    } else {
        None
    };
    let created = existing.is_none();
    let client = input.validate(now, existing.map(|c| c.created_at))?;
    store.put_client(&client).await?;
    Ok(SavedClient { client, created })
}

/// Validate and upsert every client of the file; bad rows are reported, good ones written.
pub async fn import_clients(
    bytes: &[u8],
    format: ClientFormat,
    store: &dyn ClientStore,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let rows = parse(bytes, format, &mut report)?;
    for (line, input) in rows {
        match save_client(input, store, now).await {
            Ok(_) => report.imported += 1,
            Err(e @ Error::Validation { .. }) => report.reject(RowError {
                line,
                message: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}
