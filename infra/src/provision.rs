//! Creates the table and buckets defined in `template.yaml` under local names. Idempotent:
//! what exists already is left as it is.

use crate::template::{self, TableSpec};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

fn key_schema(spec: &[template::KeyElement]) -> Result<Vec<KeySchemaElement>> {
    spec.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .context("key schema element")
        })
        .collect()
}

/// Create `table_name` as `spec` says, unless it exists. Then enable TTL when the spec has it.
pub async fn ensure_table(
    client: &aws_sdk_dynamodb::Client,
    table_name: &str,
    spec: &TableSpec,
) -> Result<()> {
    let mut req = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::from(spec.billing_mode.as_str()))
        .set_key_schema(Some(key_schema(&spec.key_schema)?));
    for (name, kind) in &spec.attributes {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()
                .context("attribute definition")?,
        );
    }
    for index in &spec.indexes {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .build(),
                )
                .build()
                .context("index")?,
        );
    }
    match req.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("CreateTable {table_name}")));
        }
    }
    if let Some(attr) = &spec.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attr)
                    .enabled(true)
                    .build()
                    .context("ttl spec")?,
            )
            .send()
            .await
            .map(|_| ())
            .or_else(|e| {
                // Enabling TTL twice is refused; that is fine.
                let msg = format!("{e:?}");
                if msg.contains("already enabled") || msg.contains("ValidationException") {
                    Ok(())
                } else {
                    Err(anyhow::Error::new(e).context("UpdateTimeToLive"))
                }
            })?;
    }
    Ok(())
}

/// Create `bucket` unless it exists.
pub async fn ensure_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<()> {
    match client.create_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()
            }) =>
        {
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("CreateBucket {bucket}"))),
    }
}

/// The local name of the archive bucket (finalized PDFs) beside the bucket `bucket_name`:
/// the template's name suffix appended, e.g. `test-1f2e-archive`. Local buckets have no
/// Object Lock; the deployed one has.
pub fn archive_bucket_name(bucket_name: &str) -> Result<String> {
    let doc = template::document(template::TEMPLATE_YAML)?;
    let suffix = template::bucket_name_suffix(&doc, template::ARCHIVE_BUCKET_RESOURCE)?;
    Ok(format!("{bucket_name}{suffix}"))
}

/// Provision everything the template defines for the local names given: the table, the
/// bucket `bucket_name` and the archive bucket beside it ([`archive_bucket_name`]).
pub async fn provision(
    dynamodb: &aws_sdk_dynamodb::Client,
    s3: &aws_sdk_s3::Client,
    table_name: &str,
    bucket_name: &str,
) -> Result<()> {
    let doc = template::document(template::TEMPLATE_YAML)?;
    let spec = template::table_spec(&doc, template::TABLE_RESOURCE)?;
    template::bucket_defined(&doc, template::BUCKET_RESOURCE)?;
    ensure_table(dynamodb, table_name, &spec).await?;
    ensure_bucket(s3, bucket_name).await?;
    let archive = archive_bucket_name(bucket_name)?;
    ensure_bucket(s3, &archive).await?;
    let cors = crate::bucket_cors::bucket_cors_rules(&doc, template::ARCHIVE_BUCKET_RESOURCE)?;
    crate::bucket_cors::apply(s3, &archive, &cors).await?;
    Ok(())
}

/// A fan-out job's local queue and its dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQueues {
    pub queue_url: String,
    pub queue_arn: String,
    pub dead_letter_url: String,
    /// The queue's `maxReceiveCount`, as the template says.
    pub max_receives: u32,
}

async fn create_queue(
    client: &aws_sdk_sqs::Client,
    name: &str,
    attributes: Vec<(aws_sdk_sqs::types::QueueAttributeName, String)>,
) -> Result<(String, String)> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let url = client
        .create_queue()
        .queue_name(name)
        .set_attributes(Some(attributes.into_iter().collect()))
        .send()
        .await
        .with_context(|| format!("CreateQueue {name}"))?
        .queue_url
        .context("CreateQueue answered no URL")?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .context("GetQueueAttributes QueueArn")?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .context("no QueueArn")?;
    Ok((url, arn))
}

/// The month-end queues (the name the tests and tools knew them by).
pub type MonthEndQueues = JobQueues;

/// Create the month-end queue (`<prefix>-month-end`) and its dead-letter queue
/// (`<prefix>-month-end-dlq`) as `template.yaml` defines them: see [`ensure_job_queues`].
pub async fn ensure_month_end_queues(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    visibility_timeout_secs: Option<u64>,
) -> Result<JobQueues> {
    ensure_job_queues(
        client,
        template::MONTH_END_QUEUE_RESOURCE,
        &format!("{prefix}-month-end"),
        visibility_timeout_secs,
    )
    .await
}

/// Create the reminder queue (`<prefix>-reminders`) and its dead-letter queue
/// (`<prefix>-reminders-dlq`) as `template.yaml` defines them: see [`ensure_job_queues`].
pub async fn ensure_reminder_queues(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    visibility_timeout_secs: Option<u64>,
) -> Result<JobQueues> {
    ensure_job_queues(
        client,
        template::REMINDER_QUEUE_RESOURCE,
        &format!("{prefix}-reminders"),
        visibility_timeout_secs,
    )
    .await
}

/// Create the queue `name` and its dead-letter queue (`<name>-dlq`) as `template.yaml`
/// defines the queue `resource`: visibility timeout, retention and the redrive policy with
/// its `maxReceiveCount`. `visibility_timeout_secs` overrides the template's (tests use a
/// short one so that a failed message comes back quickly). Idempotent for the same
/// arguments.
pub async fn ensure_job_queues(
    client: &aws_sdk_sqs::Client,
    resource: &str,
    name: &str,
    visibility_timeout_secs: Option<u64>,
) -> Result<JobQueues> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let doc = template::document(template::TEMPLATE_YAML)?;
    let spec = template::queue_spec(&doc, resource)?;
    let (dlq_id, max_receives) = spec
        .redrive
        .clone()
        .with_context(|| format!("{resource} has no RedrivePolicy in template.yaml"))?;
    let dlq_spec = template::queue_spec(&doc, &dlq_id)?;
    let mut dlq_attributes = Vec::new();
    if let Some(r) = dlq_spec.message_retention_secs {
        dlq_attributes.push((A::MessageRetentionPeriod, r.to_string()));
    }
    let (dead_letter_url, dlq_arn) =
        create_queue(client, &format!("{name}-dlq"), dlq_attributes).await?;
    let mut attributes = vec![(
        A::RedrivePolicy,
        serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})
            .to_string(),
    )];
    if let Some(v) = visibility_timeout_secs.or(spec.visibility_timeout_secs) {
        attributes.push((A::VisibilityTimeout, v.to_string()));
    }
    if let Some(r) = spec.message_retention_secs {
        attributes.push((A::MessageRetentionPeriod, r.to_string()));
    }
    let (queue_url, queue_arn) = create_queue(client, name, attributes).await?;
    Ok(JobQueues {
        queue_url,
        queue_arn,
        dead_letter_url,
        max_receives: u32::try_from(max_receives).context("maxReceiveCount")?,
    })
}
