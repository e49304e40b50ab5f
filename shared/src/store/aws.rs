//! AWS SDK configuration: short timeouts and few retries, so a dead dependency turns into a
//! quick 503 rather than a hung Lambda; a static endpoint and credentials for the emulator.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// The roots every AWS service endpoint chains to (Amazon Trust Services); see
/// `shared/assets/certs/README.md`.
const AWS_ROOTS_PEM: &[u8] = include_bytes!("../../assets/certs/amazon-trust-services-roots.pem");

/// The SDK's HTTPS client (hyper 1, rustls on aws-lc). It trusts the Amazon Trust Services
/// roots only, unless `AWS_TRUST_SYSTEM_ROOTS=1`: the SDK's default reads and parses the
/// whole system store (~150 certificates) during client construction, the largest single
/// cost of a cold start.
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    let system_roots = std::env::var("AWS_TRUST_SYSTEM_ROOTS").is_ok_and(|v| v == "1");
    let trust = if system_roots {
        TrustStore::default()
    } else {
        TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM)
    };
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::AwsLc,
    ));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Not reachable with the trust stores above; the SDK's default is still safe.
        Err(_) => builder.build_https(),
    }
}

/// Region used against the local emulator when none is configured.
pub const LOCAL_REGION: &str = "us-east-1";

/// Load the shared SDK configuration once, at cold start.
pub async fn sdk_config(endpoint_url: Option<&str>) -> SdkConfig {
    // In the cloud an attempt gets 3 s and a call 8 s. The local emulator serves one request
    // at a time for every test of a run, so there a slow answer is a queue, not a fault: an
    // attempt gets 20 s and a call 60 s. `AWS_OPERATION_TIMEOUT_SECONDS` sets both (for
    // benchmarks on a busy machine).
    let (attempt, operation) = match endpoint_url {
        None => (Duration::from_secs(3), Duration::from_secs(8)),
        Some(_) => (Duration::from_secs(20), Duration::from_secs(60)),
    };
    let stretched = std::env::var("AWS_OPERATION_TIMEOUT_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1500))
        .operation_attempt_timeout(stretched.unwrap_or(attempt))
        .operation_timeout(stretched.unwrap_or(operation))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(url) = endpoint_url {
        // The emulator accepts any credentials; never go looking for real ones locally.
        loader = loader
            .endpoint_url(url)
            .region(Region::new(LOCAL_REGION))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "local",
            ));
    }
    loader.load().await
}

/// A DynamoDB client for `sdk`.
pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk)
}

/// An S3 client for `sdk`; path-style addressing when an endpoint override is in use.
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let path_style = sdk.endpoint_url().is_some();
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// An SES (v2) client for `sdk` that never retries by itself: a retry after a timeout whose
/// first attempt SES had accepted would send the e-mail twice. A failure is a 503, and the
/// caller may retry (the `Idempotency-Key` stops repeats of an accepted send).
pub fn ses_client(sdk: &SdkConfig) -> aws_sdk_sesv2::Client {
    let conf = aws_sdk_sesv2::config::Builder::from(sdk)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_sesv2::Client::from_conf(conf)
}

/// An EventBridge client for `sdk`.
pub fn eventbridge_client(sdk: &SdkConfig) -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::new(sdk)
}

/// An SQS client for `sdk` (the month-end queue).
pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(sdk)
}

/// The string value of a Secrets Manager secret (the JWT signing key), read at cold start.
pub async fn secret_string(sdk: &SdkConfig, secret_id: &str) -> Result<String, String> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            format!(
                "GetSecretValue: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            )
        })?;
    out.secret_string
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "the secret has no string value".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_roots_are_the_five_amazon_trust_services_certificates() {
        let text = std::str::from_utf8(AWS_ROOTS_PEM).unwrap();
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(text.matches("-----END CERTIFICATE-----").count(), 5);
        // Building the client parses them (the SDK would panic on a bad PEM).
        let _ = https_client();
    }
}
