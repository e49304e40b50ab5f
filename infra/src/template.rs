//! Reads the DynamoDB table and S3 bucket definitions out of `template.yaml`, so that the
//! local stack is provisioned from exactly what the cloud deploys.

use anyhow::{Context, Result, anyhow, bail};
use yaml_serde::Value;

/// The SAM template, embedded at build time.
pub const TEMPLATE_YAML: &str = include_str!("../../template.yaml");

/// Logical id of the table in the template.
pub const TABLE_RESOURCE: &str = "InvoiceTable";
/// Logical id of the bucket of imports in the template (`BUCKET_NAME`).
pub const BUCKET_RESOURCE: &str = "DocumentBucket";
/// Logical id of the Object Lock bucket of finalized PDFs (`DOCUMENTS_BUCKET_NAME`).
pub const ARCHIVE_BUCKET_RESOURCE: &str = "InvoiceArchiveBucket";
/// Logical id of the month-end queue (one message per client and period).
pub const MONTH_END_QUEUE_RESOURCE: &str = "MonthEndQueue";
/// Logical id of the reminder queue (one message per invoice and day).
pub const REMINDER_QUEUE_RESOURCE: &str = "ReminderQueue";
/// What every bucket name of the template starts with.
const BUCKET_NAME_PREFIX: &str = "${AWS::StackName}-${AWS::AccountId}";

/// One key attribute: name and `HASH` / `RANGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyElement {
    pub attribute: String,
    pub key_type: String,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: String,
}

/// A table as the template defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// `(name, type)` pairs, e.g. `("pk", "S")`.
    pub attributes: Vec<(String, String)>,
    pub key_schema: Vec<KeyElement>,
    pub indexes: Vec<IndexSpec>,
    pub billing_mode: String,
    pub ttl_attribute: Option<String>,
}

fn str_at<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing string {key}"))
}

fn parse_key_schema(v: &Value) -> Result<Vec<KeyElement>> {
    v.as_sequence()
        .ok_or_else(|| anyhow!("KeySchema is not a list"))?
        .iter()
        .map(|e| {
            Ok(KeyElement {
                attribute: str_at(e, "AttributeName")?.to_string(),
                key_type: str_at(e, "KeyType")?.to_string(),
            })
        })
        .collect()
}

fn resource<'a>(doc: &'a Value, logical_id: &str, kind: &str) -> Result<&'a Value> {
    let r = doc
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .ok_or_else(|| anyhow!("template has no resource {logical_id}"))?;
    let t = str_at(r, "Type")?;
    if t != kind {
        bail!("{logical_id} is a {t}, expected {kind}");
    }
    Ok(r)
}

/// Parse the template document.
pub fn document(yaml: &str) -> Result<Value> {
    yaml_serde::from_str(yaml).context("template.yaml is not valid YAML")
}

/// The table definition of `logical_id`.
pub fn table_spec(doc: &Value, logical_id: &str) -> Result<TableSpec> {
    let props = resource(doc, logical_id, "AWS::DynamoDB::Table")?
        .get("Properties")
        .ok_or_else(|| anyhow!("{logical_id} has no Properties"))?;
    let attributes = props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow!("AttributeDefinitions missing"))?
        .iter()
        .map(|a| {
            Ok((
                str_at(a, "AttributeName")?.to_string(),
                str_at(a, "AttributeType")?.to_string(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let key_schema = parse_key_schema(
        props
            .get("KeySchema")
            .ok_or_else(|| anyhow!("KeySchema missing"))?,
    )?;
    let indexes = match props.get("GlobalSecondaryIndexes") {
        None => Vec::new(),
        Some(list) => list
            .as_sequence()
            .ok_or_else(|| anyhow!("GlobalSecondaryIndexes is not a list"))?
            .iter()
            .map(|i| {
                Ok(IndexSpec {
                    name: str_at(i, "IndexName")?.to_string(),
                    key_schema: parse_key_schema(
                        i.get("KeySchema")
                            .ok_or_else(|| anyhow!("index KeySchema missing"))?,
                    )?,
                    projection: i
                        .get("Projection")
                        .map(|p| str_at(p, "ProjectionType"))
                        .transpose()?
                        .unwrap_or("ALL")
                        .to_string(),
                })
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let ttl_attribute = props
        .get("TimeToLiveSpecification")
        .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true))
        .map(|t| str_at(t, "AttributeName").map(str::to_owned))
        .transpose()?;
    Ok(TableSpec {
        attributes,
        key_schema,
        indexes,
        billing_mode: props
            .get("BillingMode")
            .and_then(Value::as_str)
            .unwrap_or("PROVISIONED")
            .to_string(),
        ttl_attribute,
    })
}

/// Check that `logical_id` is a bucket in the template.
pub fn bucket_defined(doc: &Value, logical_id: &str) -> Result<()> {
    resource(doc, logical_id, "AWS::S3::Bucket").map(|_| ())
}

/// What the template's `BucketName` of `logical_id` adds to the stack-and-account prefix,
/// e.g. `-archive`.
pub fn bucket_name_suffix(doc: &Value, logical_id: &str) -> Result<String> {
    let name = resource(doc, logical_id, "AWS::S3::Bucket")?
        .get("Properties")
        .and_then(|p| p.get("BucketName"))
        .ok_or_else(|| anyhow!("{logical_id} has no BucketName"))?;
    let pattern = match name {
        Value::Tagged(t) => t.value.as_str(),
        other => other.as_str(),
    }
    .ok_or_else(|| anyhow!("{logical_id}: BucketName is not a string"))?;
    pattern
        .strip_prefix(BUCKET_NAME_PREFIX)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{logical_id}: BucketName {pattern:?} lacks {BUCKET_NAME_PREFIX}"))
}

/// An SQS queue as the template defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSpec {
    pub visibility_timeout_secs: Option<u64>,
    pub message_retention_secs: Option<u64>,
    /// `RedrivePolicy`: the dead-letter queue's logical id and `maxReceiveCount`.
    pub redrive: Option<(String, u64)>,
}

fn number_at(v: &Value, key: &str) -> Result<Option<u64>> {
    match v.get(key) {
        None => Ok(None),
        Some(n) => n
            .as_u64()
            .or_else(|| n.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| anyhow!("{key} is not a whole number")),
    }
}

/// The queue definition of `logical_id`.
pub fn queue_spec(doc: &Value, logical_id: &str) -> Result<QueueSpec> {
    let empty = Value::Null;
    let props = resource(doc, logical_id, "AWS::SQS::Queue")?
        .get("Properties")
        .unwrap_or(&empty);
    let redrive = match props.get("RedrivePolicy") {
        None => None,
        Some(policy) => {
            // `deadLetterTargetArn: !GetAtt <Queue>.Arn`
            let target = match policy.get("deadLetterTargetArn") {
                Some(Value::Tagged(t)) => t.value.as_str(),
                _ => None,
            }
            .and_then(|s| s.strip_suffix(".Arn"))
            .ok_or_else(|| {
                anyhow!("{logical_id}: deadLetterTargetArn is not !GetAtt <Queue>.Arn")
            })?;
            resource(doc, target, "AWS::SQS::Queue")?;
            let max = number_at(policy, "maxReceiveCount")?
                .ok_or_else(|| anyhow!("{logical_id}: RedrivePolicy has no maxReceiveCount"))?;
            Some((target.to_string(), max))
        }
    };
    Ok(QueueSpec {
        visibility_timeout_secs: number_at(props, "VisibilityTimeout")?,
        message_retention_secs: number_at(props, "MessageRetentionPeriod")?,
        redrive,
    })
}

/// An API Gateway route of a function in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// The function's binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    pub method: String,
    /// With `{param}` placeholders, as API Gateway writes them.
    pub path: String,
}

/// Every `HttpApi` event of every function in the template.
pub fn http_routes(doc: &Value) -> Result<Vec<HttpRoute>> {
    let resources = doc
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| anyhow!("template has no Resources"))?;
    let mut routes = Vec::new();
    for (_, res) in resources {
        if res.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .map(|b| str_at(b, "Binary"))
            .transpose()?
            .unwrap_or_default()
            .to_string();
        let events = res
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping);
        for (_, ev) in events.into_iter().flatten() {
            if ev.get("Type").and_then(Value::as_str) == Some("HttpApi") {
                let p = ev
                    .get("Properties")
                    .ok_or_else(|| anyhow!("HttpApi event without Properties"))?;
                routes.push(HttpRoute {
                    binary: binary.clone(),
                    method: str_at(p, "Method")?.to_string(),
                    path: str_at(p, "Path")?.to_string(),
                });
            }
        }
    }
    Ok(routes)
}

/// The table of the embedded template.
pub fn invoice_table() -> Result<TableSpec> {
    table_spec(&document(TEMPLATE_YAML)?, TABLE_RESOURCE)
}
