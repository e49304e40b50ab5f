//! The CORS rules of a bucket as `template.yaml` defines them (`CorsConfiguration`), with
//! `!Ref CorsAllowedOrigins` resolved to the parameter's default, and applied to a local
//! bucket, so the emulator's bucket answers a browser as the deployed one does.

use anyhow::{Context, Result, anyhow};
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use yaml_serde::Value;

/// One CORS rule of a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketCorsRule {
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub exposed_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

/// The default of the template parameter `name`, split at commas (a `CommaDelimitedList`).
fn parameter_default(doc: &Value, name: &str) -> Result<Vec<String>> {
    let default = doc
        .get("Parameters")
        .and_then(|p| p.get(name))
        .and_then(|p| p.get("Default"))
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("parameter {name} has no string Default"))?;
    Ok(default.split(',').map(|s| s.trim().to_string()).collect())
}

fn strings(doc: &Value, v: Option<&Value>) -> Result<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Tagged(t)) if t.tag == "!Ref" => {
            let name = t.value.as_str().ok_or_else(|| anyhow!("bad !Ref"))?;
            parameter_default(doc, name)
        }
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("not a string: {i:?}"))
            })
            .collect(),
        Some(other) => Err(anyhow!("not a list: {other:?}")),
    }
}

/// The CORS rules of the bucket `logical_id` (empty when it has none).
pub fn bucket_cors_rules(doc: &Value, logical_id: &str) -> Result<Vec<BucketCorsRule>> {
    let rules = doc
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .ok_or_else(|| anyhow!("template has no resource {logical_id}"))?
        .get("Properties")
        .and_then(|p| p.get("CorsConfiguration"))
        .and_then(|c| c.get("CorsRules"))
        .and_then(Value::as_sequence);
    let Some(rules) = rules else {
        return Ok(Vec::new());
    };
    rules
        .iter()
        .map(|r| {
            Ok(BucketCorsRule {
                allowed_methods: strings(doc, r.get("AllowedMethods"))?,
                allowed_origins: strings(doc, r.get("AllowedOrigins"))?,
                allowed_headers: strings(doc, r.get("AllowedHeaders"))?,
                exposed_headers: strings(doc, r.get("ExposedHeaders"))?,
                max_age_seconds: r
                    .get("MaxAge")
                    .and_then(Value::as_i64)
                    .and_then(|m| i32::try_from(m).ok()),
            })
        })
        .collect()
}

/// Put `rules` on `bucket` (nothing when there are none).
pub async fn apply(s3: &aws_sdk_s3::Client, bucket: &str, rules: &[BucketCorsRule]) -> Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let mut config = CorsConfiguration::builder();
    for r in rules {
        config = config.cors_rules(
            CorsRule::builder()
                .set_allowed_methods(Some(r.allowed_methods.clone()))
                .set_allowed_origins(Some(r.allowed_origins.clone()))
                .set_allowed_headers(Some(r.allowed_headers.clone()))
                .set_expose_headers(Some(r.exposed_headers.clone()))
                .set_max_age_seconds(r.max_age_seconds)
                .build()
                .context("CORS rule")?,
        );
    }
    s3.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(config.build().context("CORS configuration")?)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("PutBucketCors {bucket}")))?;
    Ok(())
}
