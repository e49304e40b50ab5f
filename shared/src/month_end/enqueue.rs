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

/// Start the run of `period` and enqueue a draft request per active client. Safe to run
/// again (a repeated delivery, a manual re-run, a retry after a partial send): the run keeps
/// its first count, and a client drafted already is skipped by its worker and not counted
/// twice. The run is started before any message is sent, so no worker finds it missing.
pub async fn enqueue_month_end(
    clients: &dyn ClientStore,
    queue: &dyn DraftQueue,
    runs: &dyn MonthEndRunStore,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    crate::invoice::service::check_period(period, now)?;
    let requests: Vec<DraftRequest> = clients
        .list_active_clients()
        .await?
        .into_iter()
        .map(|c| DraftRequest {
            period,
            client_key: c.key,
        })
        .collect();
    let enqueued = requests.len() as u64;
    runs.start_run(period, enqueued, now).await?;
    queue.enqueue(&requests).await?;
    if enqueued == 0 {
        // No client to wait for: the run is complete now.
        complete_if_done(runs, period, now).await?;
    }
    tracing::info!(%period, enqueued, "month-end enqueued");
    Ok(EnqueueSummary { period, enqueued })
}
