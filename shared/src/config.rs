//! Configuration from the environment, read once at cold start.

use crate::auth::token::MIN_SECRET_LEN;
use std::env;

/// Where the process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Developer machine or tests: a dev JWT secret is allowed, logs are human-readable.
    Local,
    /// AWS: a proper secret is required, logs are JSON.
    Cloud,
}

/// Everything a function needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// The single DynamoDB table.
    pub table_name: String,
    /// The bucket for imports and their reports.
    pub bucket_name: String,
    /// The bucket for finalized documents (versioned, Object Lock in the cloud);
    /// `DOCUMENTS_BUCKET_NAME`, required in the cloud (locally `BUCKET_NAME` by default).
    pub documents_bucket_name: String,
    /// Override for every AWS endpoint (the local emulator); `None` in the cloud.
    pub aws_endpoint_url: Option<String>,
    pub jwt_secret: Vec<u8>,
    /// Secrets Manager secret holding the JWT secret when `JWT_SECRET` is not set.
    pub jwt_secret_arn: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwt_ttl_secs: i64,
    /// How long a refresh token works unused (`REFRESH_TOKEN_TTL_SECONDS`, default 14 days;
    /// a family never outlives 30 days from its login).
    pub refresh_token_ttl_secs: u64,
    /// Origins allowed by CORS; empty means no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
    /// Override for the S3 endpoint only (tests of an S3 outage); else `aws_endpoint_url`.
    pub s3_endpoint_url: Option<String>,
    /// The company printed on invoices.
    pub issuer: crate::domain::issuer::Issuer,
    /// Lifetime of presigned PDF URLs (at most 15 minutes).
    pub pdf_url_ttl_secs: u64,
    /// Password checks per window for one e-mail from one source address.
    pub login_max_attempts_per_source: u32,
    /// Password checks per window for one e-mail from all sources together.
    pub login_max_attempts_per_account: u32,
    pub login_window_secs: u64,
    /// Invoice e-mails one user may send per day (`SEND_LIMIT_PER_USER_PER_DAY`, default 200;
    /// 0 stops sending).
    pub send_limit_per_user_per_day: u32,
    /// The most an accountant may leave written off one invoice, per currency (`WRITE_OFF_TOLERANCE`,
    /// default `USD=50.00,EUR=50.00,UZS=500000.00`; other currencies: admins only).
    pub write_off_tolerance: crate::domain::invoice::write_off::Tolerance,
    /// Password hashes one process runs at once (each holds 19 MiB).
    pub login_concurrent_hashes: usize,
    /// How long a user's session (role, token version, disabled) is reused before it is read
    /// again: the delay before disabling or demoting a user takes effect (at most 60 s).
    pub session_cache_secs: u64,
    /// The sender address of invoice e-mails (`MAIL_FROM`), a verified SES identity; `None`:
    /// sending answers 503.
    pub mail_from: Option<String>,
    /// The EventBridge bus domain events go to (`EVENT_BUS_NAME`); `None`: events are not
    /// published (logged).
    pub event_bus_name: Option<String>,
}

/// The sender of invoice e-mails in local mode (verified in the emulator by provisioning).
pub const LOCAL_MAIL_FROM: &str = "invoices@proxima.test";

/// The secret used in local mode when `JWT_SECRET` is not set. Never valid in the cloud.
pub const LOCAL_DEV_JWT_SECRET: &str = "local-development-secret-not-for-production-use";

/// Longest life of a presigned PDF URL: 15 minutes.
pub const MAX_PDF_URL_TTL_SECS: u64 = 900;

/// Longest a cached session may be used (`SESSION_CACHE_SECS` at most): the promise that a
/// change of role or a disabled user takes effect within a minute.
pub const MAX_SESSION_CACHE: std::time::Duration = std::time::Duration::from_secs(60);

/// Every issuer variable; none set means the demo company.
const ISSUER_VARS: [&str; 14] = [
    "ISSUER_NAME",
    "ISSUER_ADDRESS",
    "ISSUER_CITY",
    "ISSUER_POSTAL_CODE",
    "ISSUER_COUNTRY",
    "ISSUER_VAT_ID",
    "ISSUER_COMPANY_ID",
    "ISSUER_TAX_ID",
    "ISSUER_EMAIL",
    "ISSUER_IBAN",
    "ISSUER_BIC",
    "ISSUER_BANK_ACCOUNT",
    "ISSUER_BANK_NAME",
    "ISSUER_ELECTRONIC_ADDRESS",
];

/// The issuer (see docs/deployment.md): `ISSUER_NAME`, `ISSUER_ADDRESS` (street lines
/// separated by `|`), `ISSUER_CITY`, `ISSUER_POSTAL_CODE`, `ISSUER_COUNTRY` (ISO 3166),
/// `ISSUER_VAT_ID`, `ISSUER_COMPANY_ID` (`ISSUER_TAX_ID` is the older name), `ISSUER_EMAIL`,
/// `ISSUER_IBAN`, `ISSUER_BIC`, `ISSUER_BANK_ACCOUNT`, `ISSUER_BANK_NAME`,
/// `ISSUER_ELECTRONIC_ADDRESS` (`SCHEME:ID`). With none of them set, the demo company; with
/// any set, name, city and country are required.
fn issuer_from_env() -> Result<crate::domain::issuer::Issuer, ConfigError> {
    issuer_from(var)
}

/// [`issuer_from_env`] over any source of variables.
fn issuer_from(
    var: impl Fn(&'static str) -> Option<String>,
) -> Result<crate::domain::issuer::Issuer, ConfigError> {
    use crate::domain::ElectronicAddress;
    use crate::domain::issuer::{BankAccount, IssuerDetails};
    if ISSUER_VARS.iter().all(|v| var(v).is_none()) {
        return Ok(IssuerDetails::demo().printed());
    }
    let t = |name: &'static str| {
        var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let bank = BankAccount {
        iban: t("ISSUER_IBAN").map(|i| i.replace(' ', "").to_ascii_uppercase()),
        bic: t("ISSUER_BIC"),
        account: t("ISSUER_BANK_ACCOUNT"),
        bank_name: t("ISSUER_BANK_NAME"),
    };
    let has_bank = bank.iban.is_some() || bank.account.is_some() || bank.bank_name.is_some();
    let electronic_address = match t("ISSUER_ELECTRONIC_ADDRESS") {
        None => None,
        Some(v) => {
            let (scheme, id) = v.split_once(':').ok_or(ConfigError::Invalid {
                name: "ISSUER_ELECTRONIC_ADDRESS",
                reason: "must be SCHEME:ID (0088:4000001123452, EM:billing@example.com)".into(),
            })?;
            Some(ElectronicAddress {
                scheme: scheme.trim().to_ascii_uppercase(),
                id: id.trim().to_string(),
            })
        }
    };
    let details = IssuerDetails {
        legal_name: t("ISSUER_NAME").ok_or(ConfigError::Missing("ISSUER_NAME"))?,
        address_lines: t("ISSUER_ADDRESS")
            .map(|v| {
                v.split('|')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        city: t("ISSUER_CITY").ok_or(ConfigError::Missing("ISSUER_CITY"))?,
        postal_code: t("ISSUER_POSTAL_CODE"),
        country: t("ISSUER_COUNTRY")
            .ok_or(ConfigError::Missing("ISSUER_COUNTRY"))?
            .to_ascii_uppercase(),
        vat_id: t("ISSUER_VAT_ID").map(|v| v.replace(' ', "").to_ascii_uppercase()),
        company_id: t("ISSUER_COMPANY_ID").or_else(|| t("ISSUER_TAX_ID")),
        email: t("ISSUER_EMAIL"),
        bank: has_bank.then_some(bank),
        electronic_address,
    };
    let problems = details.problems();
    if let Some((suffix, reason)) = problems.into_iter().next() {
        return Err(ConfigError::Invalid {
            name: ISSUER_VARS
                .iter()
                .find(|v| v.ends_with(suffix))
                .copied()
                .unwrap_or("ISSUER_NAME"),
            reason,
        });
    }
    Ok(details.printed())
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn var(name: &'static str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
    }
}

impl Config {
    /// Read the configuration; outside local mode a JWT secret shorter than 32 bytes is an
    /// error, so the process refuses to start. In the cloud the secret usually comes later,
    /// from Secrets Manager, and only in the functions that check tokens.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mode = match var("APP_ENV").as_deref() {
            Some("local") => Mode::Local,
            Some("cloud") | None => Mode::Cloud,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "APP_ENV",
                    reason: format!("{other:?} is neither local nor cloud"),
                });
            }
        };
        let jwt_secret = match (var("JWT_SECRET"), mode) {
            (Some(s), _) => s.into_bytes(),
            (None, Mode::Local) => LOCAL_DEV_JWT_SECRET.as_bytes().to_vec(),
            // Loaded from Secrets Manager by the functions that check tokens
            // (`ColdStart::with_jwt_secret`); the others never hold one.
            (None, Mode::Cloud) => Vec::new(),
        };
        let config = Self {
            mode,
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            bucket_name: var("BUCKET_NAME").ok_or(ConfigError::Missing("BUCKET_NAME"))?,
            // In the cloud finalized documents must never land in the ordinary bucket.
            documents_bucket_name: match (var("DOCUMENTS_BUCKET_NAME"), mode) {
                (Some(b), _) => b,
                (None, Mode::Local) => {
                    var("BUCKET_NAME").ok_or(ConfigError::Missing("BUCKET_NAME"))?
                }
                (None, Mode::Cloud) => return Err(ConfigError::Missing("DOCUMENTS_BUCKET_NAME")),
            },
            aws_endpoint_url: var("AWS_ENDPOINT_URL"),
            s3_endpoint_url: var("S3_ENDPOINT_URL"),
            issuer: issuer_from_env()?,
            pdf_url_ttl_secs: parse("PDF_URL_TTL_SECONDS", MAX_PDF_URL_TTL_SECS)?,
            jwt_secret,
            jwt_secret_arn: var("JWT_SECRET_ARN"),
            jwt_issuer: var("JWT_ISSUER").unwrap_or_else(|| "proxima-invoice".into()),
            jwt_audience: var("JWT_AUDIENCE").unwrap_or_else(|| "proxima-invoice-api".into()),
            jwt_ttl_secs: parse("JWT_TTL_SECONDS", 3600)?,
            refresh_token_ttl_secs: parse("REFRESH_TOKEN_TTL_SECONDS", 14 * 24 * 3600)?,
            cors_allowed_origins: var("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            login_max_attempts_per_source: parse("LOGIN_MAX_ATTEMPTS_PER_SOURCE", 5)?,
            login_max_attempts_per_account: parse("LOGIN_MAX_ATTEMPTS_PER_ACCOUNT", 50)?,
            login_window_secs: parse("LOGIN_WINDOW_SECONDS", 900)?,
            send_limit_per_user_per_day: parse("SEND_LIMIT_PER_USER_PER_DAY", 200)?,
            write_off_tolerance: parse(
                "WRITE_OFF_TOLERANCE",
                crate::domain::invoice::write_off::Tolerance::standard(),
            )?,
            login_concurrent_hashes: parse("LOGIN_CONCURRENT_HASHES", 2)?,
            session_cache_secs: parse("SESSION_CACHE_SECONDS", 30)?,
            mail_from: var("MAIL_FROM"),
            event_bus_name: var("EVENT_BUS_NAME"),
        };
        config.check()?;
        Ok(config)
    }

    /// A local configuration for tests and the dev server.
    pub fn local(table_name: &str, bucket_name: &str, endpoint: &str) -> Self {
        Self {
            mode: Mode::Local,
            table_name: table_name.into(),
            bucket_name: bucket_name.into(),
            documents_bucket_name: bucket_name.into(),
            aws_endpoint_url: Some(endpoint.into()),
            s3_endpoint_url: None,
            issuer: crate::domain::issuer::Issuer::default(),
            pdf_url_ttl_secs: MAX_PDF_URL_TTL_SECS,
            jwt_secret: LOCAL_DEV_JWT_SECRET.as_bytes().to_vec(),
            jwt_secret_arn: None,
            jwt_issuer: "proxima-invoice".into(),
            jwt_audience: "proxima-invoice-api".into(),
            jwt_ttl_secs: 3600,
            refresh_token_ttl_secs: 14 * 24 * 3600,
            // A frontend's dev server on any loopback port (see `http::app::origin_allowed`).
            cors_allowed_origins: vec!["http://localhost:*".into(), "http://127.0.0.1:*".into()],
            login_max_attempts_per_source: 5,
            login_max_attempts_per_account: 50,
            login_window_secs: 900,
            send_limit_per_user_per_day: 200,
            write_off_tolerance: crate::domain::invoice::write_off::Tolerance::standard(),
            login_concurrent_hashes: 2,
            session_cache_secs: 30,
            mail_from: Some(LOCAL_MAIL_FROM.into()),
            event_bus_name: None,
        }
    }

    /// The local configuration with the environment's overrides of what a developer may want
    /// to try locally: `JWT_TTL_SECONDS`, the login limits, `SESSION_CACHE_SECONDS`,
    /// `CORS_ALLOWED_ORIGINS`.
    pub fn local_from_env(
        table_name: &str,
        bucket_name: &str,
        endpoint: &str,
    ) -> Result<Self, ConfigError> {
        let mut c = Self::local(table_name, bucket_name, endpoint);
        c.jwt_ttl_secs = parse("JWT_TTL_SECONDS", c.jwt_ttl_secs)?;
        c.refresh_token_ttl_secs = parse("REFRESH_TOKEN_TTL_SECONDS", c.refresh_token_ttl_secs)?;
        c.login_max_attempts_per_source = parse(
            "LOGIN_MAX_ATTEMPTS_PER_SOURCE",
            c.login_max_attempts_per_source,
        )?;
        c.login_max_attempts_per_account = parse(
            "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT",
            c.login_max_attempts_per_account,
        )?;
        c.login_window_secs = parse("LOGIN_WINDOW_SECONDS", c.login_window_secs)?;
        c.send_limit_per_user_per_day =
            parse("SEND_LIMIT_PER_USER_PER_DAY", c.send_limit_per_user_per_day)?;
        c.session_cache_secs = parse("SESSION_CACHE_SECONDS", c.session_cache_secs)?;
        c.write_off_tolerance = parse("WRITE_OFF_TOLERANCE", c.write_off_tolerance.clone())?;
        if let Some(from) = var("MAIL_FROM") {
            c.mail_from = Some(from);
        }
        c.event_bus_name = var("EVENT_BUS_NAME").or(c.event_bus_name);
        if let Some(origins) = var("CORS_ALLOWED_ORIGINS") {
            c.cors_allowed_origins = origins.split(',').map(|s| s.trim().to_string()).collect();
        }
        c.check()?;
        Ok(c)
    }

    /// Refuse configurations that are unsafe outside local mode. No JWT secret at all is
    /// fine here: a function without one accepts no token (see `TokenService`).
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.mode == Mode::Cloud
            && !self.jwt_secret.is_empty()
            && (self.jwt_secret.len() < MIN_SECRET_LEN
                || self.jwt_secret == LOCAL_DEV_JWT_SECRET.as_bytes())
        {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: format!("must be at least {MIN_SECRET_LEN} bytes and not the dev secret"),
            });
        }
        if let Some(p) = self
            .mail_from
            .as_deref()
            .and_then(crate::domain::email::problem)
        {
            return Err(ConfigError::Invalid {
                name: "MAIL_FROM",
                reason: p.into(),
            });
        }
        if self.pdf_url_ttl_secs == 0 || self.pdf_url_ttl_secs > MAX_PDF_URL_TTL_SECS {
            return Err(ConfigError::Invalid {
                name: "PDF_URL_TTL_SECONDS",
                reason: format!("must be 1-{MAX_PDF_URL_TTL_SECS}"),
            });
        }
        if self.jwt_ttl_secs <= 0
            || self.refresh_token_ttl_secs == 0
            || self.login_max_attempts_per_source == 0
            || self.login_max_attempts_per_account < self.login_max_attempts_per_source
            || self.login_window_secs == 0
        {
            return Err(ConfigError::Invalid {
                name: "JWT_TTL_SECONDS/LOGIN_*",
                reason:
                    "must be positive, and the per-account ceiling at least the per-source limit"
                        .into(),
            });
        }
        if self.session_cache_secs > MAX_SESSION_CACHE.as_secs() {
            return Err(ConfigError::Invalid {
                name: "SESSION_CACHE_SECONDS",
                reason: "must be at most 60".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_mode_refuses_short_or_dev_secrets() {
        let mut c = Config::local("t", "b", "http://x");
        c.mode = Mode::Cloud;
        assert!(c.check().is_err(), "dev secret");
        c.jwt_secret = b"short".to_vec();
        assert!(c.check().is_err(), "short secret");
        c.jwt_secret = vec![b'k'; 32];
        assert!(c.check().is_ok());
        c.jwt_secret = Vec::new();
        assert!(c.check().is_ok(), "no secret: the function checks no token");
    }

    fn issuer(vars: &[(&str, &str)]) -> Result<crate::domain::issuer::Issuer, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        issuer_from(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_issuer_is_structured_from_its_variables() {
        assert_eq!(
            issuer(&[]).unwrap(),
            crate::domain::issuer::Issuer::default()
        );
        let i = issuer(&[
            ("ISSUER_NAME", "Muster GmbH"),
            ("ISSUER_ADDRESS", "Hauptstraße 1 | Hinterhaus"),
            ("ISSUER_CITY", "Berlin"),
            ("ISSUER_POSTAL_CODE", "10115"),
            ("ISSUER_COUNTRY", "de"),
            ("ISSUER_VAT_ID", "de 123456789"),
            ("ISSUER_IBAN", "DE02 1203 0000 0000 2020 51"),
            ("ISSUER_BIC", "BYLADEM1001"),
            ("ISSUER_ELECTRONIC_ADDRESS", "EM:rechnung@muster.example"),
        ])
        .unwrap();
        let d = i.details.as_ref().unwrap();
        assert_eq!(d.country, "DE");
        assert_eq!(d.vat_id.as_deref(), Some("DE123456789"));
        assert_eq!(d.address_lines, ["Hauptstraße 1", "Hinterhaus"]);
        assert_eq!(
            d.bank.as_ref().unwrap().iban.as_deref(),
            Some("DE02120300000000202051")
        );
        assert_eq!(i.address[2], "10115 Berlin, DE");
        assert_eq!(i.tax_id.as_deref(), Some("VAT ID: DE123456789"));

        let missing = issuer(&[("ISSUER_NAME", "Muster GmbH")]).unwrap_err();
        assert!(missing.to_string().contains("ISSUER_CITY"), "{missing}");
        let bad = issuer(&[
            ("ISSUER_NAME", "Muster GmbH"),
            ("ISSUER_CITY", "Berlin"),
            ("ISSUER_COUNTRY", "DE"),
            ("ISSUER_VAT_ID", "123456789"),
        ])
        .unwrap_err();
        assert!(bad.to_string().contains("ISSUER_VAT_ID"), "{bad}");
    }
}
