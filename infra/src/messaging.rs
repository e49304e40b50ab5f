//! The local stand-ins of what the template deploys for e-mail and events: the sender
//! identity verified in the emulator's SES, and the event bus (`InvoiceEventBus`) with a
//! rule that copies every `proxima.*` event to an SQS queue, so tests and developers can
//! read what was published. Idempotent.

use crate::template::{self, TEMPLATE_YAML};
use anyhow::{Context, Result, anyhow, bail};
use aws_config::SdkConfig;
use yaml_serde::Value;

/// Logical id of the event bus in the template.
pub const EVENT_BUS_RESOURCE: &str = "InvoiceEventBus";
/// What the template's bus `Name` adds to the stack name.
const STACK_NAME_PREFIX: &str = "${AWS::StackName}";

/// What the template's bus name adds to the stack name (`-events`).
pub fn event_bus_name_suffix() -> Result<String> {
    let doc = template::document(TEMPLATE_YAML)?;
    let bus = doc
        .get("Resources")
        .and_then(|r| r.get(EVENT_BUS_RESOURCE))
        .ok_or_else(|| anyhow!("template has no {EVENT_BUS_RESOURCE}"))?;
    if bus.get("Type").and_then(Value::as_str) != Some("AWS::Events::EventBus") {
        bail!("{EVENT_BUS_RESOURCE} is not an AWS::Events::EventBus");
    }
    let name = bus
        .get("Properties")
        .and_then(|p| p.get("Name"))
        .ok_or_else(|| anyhow!("{EVENT_BUS_RESOURCE} has no Name"))?;
    let pattern = match name {
        Value::Tagged(t) => t.value.as_str(),
        other => other.as_str(),
    }
    .ok_or_else(|| anyhow!("{EVENT_BUS_RESOURCE}: Name is not a string"))?;
    pattern
        .strip_prefix(STACK_NAME_PREFIX)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{EVENT_BUS_RESOURCE}: Name {pattern:?} lacks {STACK_NAME_PREFIX}"))
}

/// Verify `address` as an SES identity in the emulator (the cloud verifies it by e-mail or
/// DNS, see `docs/deployment.md`).
pub async fn verify_sender(sdk: &SdkConfig, address: &str) -> Result<()> {
    let ses = aws_sdk_sesv2::Client::new(sdk);
    match ses
        .create_email_identity()
        .email_identity(address)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("CreateEmailIdentity {address}"))),
    }
}

/// A local event bus and the queue its rule copies every `proxima.*` event to.
#[derive(Debug, Clone)]
pub struct LocalEventBus {
    pub bus_name: String,
    pub queue_url: String,
}

/// Create the bus `bus_name`, the queue `queue_name`, and a rule on the bus whose pattern is
/// any source starting with `proxima.`, targeting the queue.
pub async fn provision_event_bus(
    sdk: &SdkConfig,
    bus_name: &str,
    queue_name: &str,
) -> Result<LocalEventBus> {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    if let Err(e) = events.create_event_bus().name(bus_name).send().await
        && !e
            .as_service_error()
            .is_some_and(|s| s.is_resource_already_exists_exception())
    {
        return Err(anyhow::Error::new(e).context(format!("CreateEventBus {bus_name}")));
    }
    let queue_url = sqs
        .create_queue()
        .queue_name(queue_name)
        .send()
        .await
        .context("CreateQueue")?
        .queue_url
        .ok_or_else(|| anyhow!("CreateQueue gave no URL"))?;
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .context("GetQueueAttributes")?
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .ok_or_else(|| anyhow!("queue has no ARN"))?;
    let rule = format!("{bus_name}-to-queue");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(bus_name)
        .event_pattern(r#"{"source": [{"prefix": "proxima."}]}"#)
        .send()
        .await
        .context("PutRule")?;
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus_name)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .context("target")?,
        )
        .send()
        .await
        .context("PutTargets")?;
    Ok(LocalEventBus {
        bus_name: bus_name.to_string(),
        queue_url,
    })
}
