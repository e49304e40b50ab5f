//! AWS SDK configuration: short timeouts and few retries, so a dead dependency turns into a
//! quick 503 rather than a hung Lambda; a static endpoint and credentials for the emulator.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// Region used against the local emulator when none is configured.
pub const LOCAL_REGION: &str = "us-east-1";

/// Load the shared SDK configuration once, at cold start.
pub async fn sdk_config(endpoint_url: Option<&str>) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1500))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
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
