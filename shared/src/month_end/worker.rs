//! The worker's half of month-end: one client's draft per message, its outcome recorded in
//! the run, and the run's completion noticed by the worker whose outcome completed it.

use super::request::DraftRequest;
use super::run::{ClientOutcome, Recorded, RunCounts};
use crate::Result;
use crate::domain::Period;
use crate::events::{EventDetail, MonthEndCompleted};
use crate::invoice::service::{self, Actor, ClientDraft, Stores};
use crate::ports::MonthEndRunStore;
use chrono::{DateTime, Utc};

/// Which delivery of its message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// 1 for the first delivery (SQS `ApproximateReceiveCount`).
    pub receive_count: u32,
    /// The queue's `maxReceiveCount`: after that many failed deliveries the message goes
    /// to the dead-letter queue.
    pub max_receives: u32,
}

impl Delivery {
    /// No delivery comes after this one when it fails.
    pub fn is_last(&self) -> bool {
        self.receive_count >= self.max_receives
    }
}

/// Draft the client of `request` and record the outcome in the run. `Ok` when the message
/// is done with (created or skipped, a redelivery included); `Err` when it must be
/// delivered again, or, on its last delivery, dead-lettered: the run then says `failed`.
pub async fn draft_requested(
    stores: Stores<'_>,
    runs: &dyn MonthEndRunStore,
    request: &DraftRequest,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<ClientOutcome> {
    let period = request.period;
    let key = request.client_key.as_str();
    let outcome = match draft(stores, request, now).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(client_key = key, %period, attempt = delivery.receive_count, error = ?e, "month-end draft failed");
            let failed = if delivery.is_last() {
                ClientOutcome::Failed {
                    error: e.to_string(),
                }
            } else {
                ClientOutcome::Retrying {
                    error: e.to_string(),
                }
            };
            // The message is retried (or dead-lettered) whether or not this is recorded.
            match runs
                .record_outcome(period, key, &failed, delivery.receive_count, now)
                .await
            {
                Ok(Recorded::Counted(counts) | Recorded::Kept(counts)) if counts.complete() => {
                    complete_if_done(runs, period, counts, now).await?;
                }
                Ok(_) => {}
                Err(record) => {
                    tracing::warn!(client_key = key, error = ?record, "month-end outcome not recorded");
                }
            }
            return Err(e);
        }
    };
    let recorded = runs
        .record_outcome(period, key, &outcome, delivery.receive_count, now)
        .await?;
    // A redelivery completes the run too when the delivery that counted the last outcome
    // failed before marking it (`mark_completed` writes once, whoever calls it).
    if let Recorded::Counted(counts) | Recorded::Kept(counts) = recorded
        && counts.complete()
    {
        complete_if_done(runs, period, counts, now).await?;
    }
    Ok(outcome)
}

async fn draft(
    stores: Stores<'_>,
    request: &DraftRequest,
    now: DateTime<Utc>,
) -> Result<ClientOutcome> {
    let actor = Actor {
        name: super::ACTOR.into(),
        now,
    };
    service::check_period(request.period, now)?;
    let skipped = |reason: &str| ClientOutcome::Skipped {
        reason: reason.into(),
    };
    let Some(client) = stores.clients.get_client(&request.client_key).await? else {
        return Ok(skipped("client_not_found"));
    };
    if !client.active {
        return Ok(skipped("client_inactive"));
    }
    Ok(
        match service::draft_for_client(stores, &client, request.period, &actor).await? {
            ClientDraft::Created(header) => ClientOutcome::Created {
                invoice_id: header.id,
            },
            ClientDraft::Skipped(reason) => skipped(reason),
        },
    )
}

/// Mark the run of `period` completed, once, with its `month_end.completed` event in the
/// same write: every enqueued client has a final outcome (`counts` are final: created +
/// skipped + failed reached enqueued), and only the caller whose conditional write set
/// `completed_at` announces it.
pub(crate) async fn complete_if_done(
    runs: &dyn MonthEndRunStore,
    period: Period,
    counts: RunCounts,
    now: DateTime<Utc>,
) -> Result<()> {
    let event =
        MonthEndCompleted::new(period, counts.created, counts.skipped, counts.failed, now).event();
    if runs.mark_completed(period, now, &event).await? {
        tracing::info!(
            %period,
            enqueued = counts.enqueued,
            created = counts.created,
            skipped = counts.skipped,
            failed = counts.failed,
            "month-end run completed"
        );
    }
    Ok(())
}
