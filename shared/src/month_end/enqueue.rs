//! The schedule's half of month-end: one message per active client, and the run started
//! with their number, so that the workers can tell when it is complete.

use super::request::DraftRequest;
use super::worker::complete_if_done;
use crate::Result;
use crate::domain::Period;
use crate::ports::{ClientStore, DraftQueue, MonthEndRunStore};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the schedule's invocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnqueueSummary {
    pub period: Period,
    /// Messages sent: one per active client.
    pub enqueued: u64,
}

/// Active clients read, enqueued and counted at a time: memory stays flat however many
/// clients there are (the queue sends each page in batches of 10, a few at once).
pub const PAGE: u32 = 200;

/// Start the run of `period` and enqueue a draft request per active client, page by page
/// in key order. Each page is sent, then counted in the run (only keys past those counted
/// before, so a repeated or concurrent run counts each client once); the run cannot
/// complete until enqueuing is finished. Safe to run again (a repeated delivery, a manual
/// re-run, a retry after a partial send): every active client is sent again, a client
/// drafted already is skipped by its worker and counted nowhere twice.
pub async fn enqueue_month_end(
    clients: &dyn ClientStore,
    queue: &dyn DraftQueue,
    runs: &dyn MonthEndRunStore,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    crate::invoice::service::check_period(period, now)?;
    // Started before any message is sent, so no worker finds it missing.
    runs.start_run(period, now).await?;
    let mut enqueued = 0u64;
    let mut after: Option<String> = None;
    loop {
        let keys = clients.active_client_keys(after.as_deref(), PAGE).await?;
        let Some(last) = keys.last().cloned() else {
            break;
        };
        let requests: Vec<DraftRequest> = keys
            .iter()
            .map(|k| DraftRequest {
                period,
                client_key: k.clone(),
            })
            .collect();
        queue.enqueue(&requests).await?;
        runs.count_enqueued(period, &keys).await?;
        enqueued += keys.len() as u64;
        after = Some(last);
    }
    let counts = runs.finish_enqueuing(period).await?;
    if counts.complete() {
        // Every worker finished before enqueuing did (or there was no client).
        complete_if_done(runs, period, counts, now).await?;
    }
    tracing::info!(%period, enqueued, "month-end enqueued");
    Ok(EnqueueSummary { period, enqueued })
}
