//! Month-end as a fan-out job: the schedule enqueues one [`DraftRequest`] per active client
//! for the previous month; the worker drafts each client on its own.

use super::request::DraftRequest;
use super::run::{ClientOutcome, JOB};
use crate::Result;
use crate::domain::Period;
use crate::events::{DomainEvent, EventDetail, MonthEndCompleted};
use crate::fan_out::{Counts, FanOutJob, ItemOutcome, JobKind};
use crate::invoice::drafting::{self, Actor, ClientDraft, Stores};
use crate::{Error, fan_out};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Who month-end drafts are created by, in their history.
pub const ACTOR: &str = "system:month-end";

/// Month-end over the stores it drafts with.
pub struct MonthEndJob<'a> {
    pub stores: Stores<'a>,
}

fn period(run: &str) -> Result<Period> {
    run.parse()
        .map_err(|_| Error::field("period", "must be a month written YYYY-MM"))
}

#[async_trait]
impl FanOutJob for MonthEndJob<'_> {
    fn kind(&self) -> &'static JobKind {
        &JOB
    }

    /// The active clients, whatever the period.
    async fn item_keys(&self, _run: &str, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        self.stores.clients.active_client_keys(after, limit).await
    }

    fn message(&self, run: &str, item: &str) -> Result<String> {
        DraftRequest {
            period: period(run)?,
            client_key: item.to_string(),
        }
        .to_body()
    }

    fn read_message(&self, body: &str) -> Result<(String, String)> {
        let request = DraftRequest::from_body(body)?;
        Ok((request.period.to_string(), request.client_key))
    }

    /// Draft the client (`created`), or say why not (`skipped`: `invoice_exists` on a
    /// redelivery, `no_billable_worklogs`, `client_inactive`, `client_not_found`).
    async fn handle(&self, run: &str, item: &str, now: DateTime<Utc>) -> Result<ItemOutcome> {
        let period = period(run)?;
        let actor = Actor {
            name: ACTOR.into(),
            now,
        };
        drafting::check_period(period, now)?;
        let skipped = |reason: &str| ClientOutcome::Skipped {
            reason: reason.into(),
        };
        let outcome = match self.stores.clients.get_client(item).await? {
            None => skipped("client_not_found"),
            Some(client) if !client.active => skipped("client_inactive"),
            Some(client) => {
                match drafting::draft_for_client(self.stores, &client, period, &actor).await? {
                    ClientDraft::Created(header) => ClientOutcome::Created {
                        invoice_id: header.id,
                    },
                    ClientDraft::Skipped(reason) => skipped(reason),
                }
            }
        };
        ItemOutcome::of(&outcome)
    }

    fn completed_event(
        &self,
        run: &str,
        counts: &Counts,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent> {
        let c = |o: &str| counts.with_outcome(o);
        Ok(
            MonthEndCompleted::new(period(run)?, c("created"), c("skipped"), c("failed"), now)
                .event(),
        )
    }
}

/// What the schedule's invocation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnqueueSummary {
    pub period: Period,
    /// Messages sent: one per active client.
    pub enqueued: u64,
}

/// Start the run of `period` and enqueue a draft request per active client
/// ([`fan_out::enqueue_run`]). Safe to run again.
pub async fn enqueue_month_end(
    stores: Stores<'_>,
    queue: &dyn crate::ports::JobQueue,
    runs: &dyn crate::ports::RunStore,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    drafting::check_period(period, now)?;
    let job = MonthEndJob { stores };
    let summary = fan_out::enqueue_run(&job, queue, runs, &period.to_string(), now).await?;
    Ok(EnqueueSummary {
        period,
        enqueued: summary.enqueued,
    })
}
