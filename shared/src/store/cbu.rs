//! The Central Bank of Uzbekistan's rate archive over HTTPS (`CBU_BASE_URL`, default
//! `https://cbu.uz`; locally and in tests a fake serving the same format). One GET per day,
//! with a time-out; a failure (no answer, a status other than 200, a malformed body) is an
//! error, which the fetch retries or reports, never a rate.

use crate::ports::PublishedRates;
use crate::rates::{ExchangeRate, cbu};
use crate::{Error, Result};
use async_trait::async_trait;
use chrono::NaiveDate;
use std::time::Duration;

/// The Bank's base URL when none is configured.
pub const DEFAULT_BASE_URL: &str = "https://cbu.uz";

/// The rate archive at a base URL.
#[derive(Clone)]
pub struct CbuRates {
    client: reqwest::Client,
    base_url: String,
}

impl CbuRates {
    /// The archive at `base_url`, each request given `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }
}

#[async_trait]
impl PublishedRates for CbuRates {
    async fn published_on(&self, day: NaiveDate) -> Result<Vec<ExchangeRate>> {
        let url = format!("{}{}", self.base_url, cbu::all_rates_path(day));
        let answer = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| Error::Unavailable(format!("Central Bank: {e}")))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(Error::Unavailable(format!(
                "Central Bank answered {status}"
            )));
        }
        let body = answer
            .bytes()
            .await
            .map_err(|e| Error::Unavailable(format!("Central Bank: {e}")))?;
        cbu::parse(&body, chrono::Utc::now())
    }
}
