//! The app with events wired to the emulator (the sender of e-mails is verified in its SES
//! for every app, see `spawn_app_on`): a bus of its own whose rule copies every `proxima.*`
//! event to a queue of its own, which [`EventQueue`] reads after relaying the app's outbox
//! (what the table's stream and the relay function do in the cloud). Sent e-mails are read back from the emulator's record of them
//! ([`sent_emails`]).

use crate::{TestApp, shared_emulator, spawn_app_on};
use proxima::store::aws;
use proxima_infra::messaging::{self, LocalEventBus};
use proxima_infra::outbox_source::OutboxSource;
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

/// The queue every event of one app's bus is copied to.
pub struct EventQueue {
    pub sqs: aws_sdk_sqs::Client,
    pub bus: LocalEventBus,
    /// The app's outbox and its bus: the relay.
    pub relay: OutboxSource,
}

/// An app whose events go to a bus of its own, and the queue that receives them.
pub async fn spawn_app_with_events() -> (TestApp, EventQueue) {
    let endpoint = shared_emulator().endpoint();
    let sdk = aws::sdk_config(Some(&endpoint)).await;
    let id = Uuid::new_v4().simple().to_string();
    let suffix = messaging::event_bus_name_suffix().expect("bus in template");
    let bus = messaging::provision_event_bus(
        &sdk,
        &format!("test-{id}{suffix}"),
        &format!("test-{id}-events"),
    )
    .await
    .expect("provision the bus");
    let bus_name = bus.bus_name.clone();
    let app = spawn_app_on(&endpoint, move |c| c.event_bus_name = Some(bus_name)).await;
    let queue = EventQueue {
        sqs: aws_sdk_sqs::Client::new(&sdk),
        bus,
        relay: OutboxSource {
            outbox: app.state.outbox.clone(),
            publisher: app.state.events.clone(),
        },
    };
    (app, queue)
}

impl EventQueue {
    /// Relay the outbox, then every event that arrives within `wait` (as EventBridge
    /// delivers them: `detail-type`, `source`, `detail`, ...), deleting them from the queue.
    pub async fn drain(&self, wait: Duration) -> Vec<Value> {
        let relayed = self.relay.drain().await.expect("relay the outbox");
        assert_eq!(relayed.failed, 0, "the bus took every event");
        self.received(wait).await
    }

    /// Every event that arrives within `wait`, deleting them from the queue (no relay).
    pub async fn received(&self, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(&self.bus.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .expect("ReceiveMessage");
            let messages = got.messages.unwrap_or_default();
            for m in &messages {
                let body = m.body.as_deref().unwrap_or("null");
                out.push(serde_json::from_str(body).expect("event JSON"));
                if let Some(handle) = &m.receipt_handle {
                    let _ = self
                        .sqs
                        .delete_message()
                        .queue_url(&self.bus.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await;
                }
            }
            if messages.is_empty() {
                if tokio::time::Instant::now() >= deadline {
                    return out;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One e-mail the emulator's SES accepted.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub source: String,
    pub destinations: Vec<String>,
    pub raw: String,
}

/// Every e-mail the emulator's SES accepted that went to `address` (any account, region), read
/// from the launcher's `GET /_proxima/ses/sent?to=` (`infra/moto_serial.py`).
pub async fn sent_emails(endpoint: &str, address: &str) -> Vec<SentEmail> {
    let mut url = reqwest::Url::parse(&format!("{endpoint}/_proxima/ses/sent")).expect("url");
    url.query_pairs_mut().append_pair("to", address);
    let data: Value = reqwest::get(url)
        .await
        .expect("sent mail")
        .error_for_status()
        .expect("sent mail status")
        .json()
        .await
        .expect("sent mail JSON");
    data.as_array()
        .into_iter()
        .flatten()
        .map(|m| SentEmail {
            source: m["source"].as_str().unwrap_or_default().to_string(),
            destinations: m["destinations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect(),
            raw: m["raw_data"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

impl SentEmail {
    /// A header's value, continuation lines unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ");
        unfolded.split("\r\n").find_map(|l| {
            let (k, v) = l.split_once(": ")?;
            k.eq_ignore_ascii_case(name).then(|| v.to_string())
        })
    }

    /// The decoded bytes of the attachment named `filename`.
    pub fn attachment(&self, filename: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        let marker = format!("filename=\"{filename}\"");
        let (_, part) = self.raw.split_once(&marker)?;
        let (_, body) = part.split_once("\r\n\r\n")?;
        let body = body.split("\r\n--").next()?;
        let b64: String = body.split("\r\n").collect();
        base64::engine::general_purpose::STANDARD.decode(b64).ok()
    }

    /// The decoded text part.
    pub fn text(&self) -> Option<String> {
        use base64::Engine;
        let (_, part) = self.raw.split_once("Content-Type: text/plain")?;
        let (_, body) = part.split_once("\r\n\r\n")?;
        let body = body.split("\r\n--").next()?;
        let b64: String = body.split("\r\n").collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        String::from_utf8(bytes).ok()
    }
}
