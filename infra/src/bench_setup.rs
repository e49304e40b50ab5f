//! What every benchmark command starts with: the emulator (or the one `AWS_ENDPOINT_URL`
//! names, e.g. to profile it) and bench clients that pass the domain's checks.

use crate::emulator::Emulator;
use anyhow::Result;
use chrono::{DateTime, Utc};
use proxima::domain::{Address, Client, ClientInput};
use rust_decimal::Decimal;

/// The endpoint to run against: `AWS_ENDPOINT_URL` when set, else a new emulator (kept
/// running while the returned handle lives).
pub fn emulator_or_env() -> Result<(Option<Emulator>, String)> {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => Ok((None, url)),
        _ => {
            let e = Emulator::start(None)?;
            let url = e.endpoint();
            Ok((Some(e), url))
        }
    }
}

/// The SDK configuration of a benchmark against `endpoint`: the service's 3 s attempt
/// time-out is for production, and the emulator on a loaded machine can take longer (a list
/// counted by reading, thousands of open invoices).
pub async fn patient_sdk(endpoint: &str) -> aws_config::SdkConfig {
    proxima::store::aws::sdk_config(Some(endpoint))
        .await
        .into_builder()
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(std::time::Duration::from_secs(60))
                .operation_timeout(std::time::Duration::from_secs(120))
                .build(),
        )
        .build()
}

/// An active bench client `key` in Tashkent billing in `currency` (95.50 an hour, 12 % tax,
/// 14 days to pay), validated as the import would.
pub fn bench_client(key: &str, currency: &str, now: DateTime<Utc>) -> Result<Client> {
    Ok(ClientInput {
        key: key.to_string(),
        name: format!("Bench Client {key} MChJ"),
        email: format!("{}@bench.example", key.to_lowercase()),
        billing_contacts: Vec::new(),
        address: Address {
            line1: "Amir Temur 1".into(),
            line2: None,
            city: "Toshkent".into(),
            postal_code: None,
            country: "UZ".into(),
        },
        tax_id: None,
        vat_id: None,
        electronic_address: None,
        buyer_reference: None,
        vat_category: None,
        vat_exemption_reason: None,
        currency: currency.into(),
        hourly_rate: Decimal::new(9550, 2),
        tax_rate: Decimal::from(12),
        payment_terms_days: 14,
        timezone: "Asia/Tashkent".into(),
        locale: None,
        reminders_paused: false,
        contract_number: None,
        contract_date: None,
        attach_act: false,
        active: true,
    }
    .validate(now, None)?)
}
