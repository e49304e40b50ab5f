//! The daily reminder run as a fan-out job: the schedule (09:00 in the company's time zone)
//! enqueues every finalized invoice with a step of the schedule that day or its first
//! overdue day; the worker announces `invoice.overdue` once and e-mails the step's reminder
//! once ([`crate::invoice::reminding`]), or says why not.

use super::run::{JOB, ReminderOutcome};
use super::settings::{self, ReminderSettings};
use crate::domain::PageRequest;
use crate::domain::invoice::model::InvoiceFilter;
use crate::events::{DomainEvent, EventDetail, InvoiceOverdue, RemindersCompleted};
use crate::fan_out::{self, Counts, FanOutJob, ItemOutcome, JobKind};
use crate::invoice::drafting::Actor;
use crate::invoice::reminding::StepReminder;
use crate::invoice::{InvoiceService, InvoiceStatus};
use crate::ports::{JobQueue, RunStore};
use crate::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Who scheduled reminders are sent by, in their message records.
pub const ACTOR: &str = "system:reminders";

/// Invoices read per list page while finding the day's invoices.
const LIST_PAGE: u32 = 100;

/// The daily run over the invoice use cases, with the settings it was started with.
pub struct ReminderJob<'a> {
    pub service: InvoiceService<'a>,
    pub settings: ReminderSettings,
    /// The day's invoice ids, found once per run (the schedule pages through them).
    found: tokio::sync::OnceCell<Vec<String>>,
}

impl<'a> ReminderJob<'a> {
    /// The job with `settings` (read once per invocation).
    pub fn new(service: InvoiceService<'a>, settings: ReminderSettings) -> Self {
        Self {
            service,
            settings,
            found: tokio::sync::OnceCell::new(),
        }
    }

    /// The finalized invoices due on a date whose step falls on `day`, or whose first
    /// overdue day `day` is, ids in order: the finalized invoices due between the earliest
    /// and the latest of those dates (the lists by due date), page by page by cursor (each
    /// page reads what it shows), their due dates checked here.
    async fn find(&self, day: NaiveDate) -> Result<Vec<String>> {
        let mut due: BTreeSet<NaiveDate> = self.settings.due_dates_on(day).into_iter().collect();
        if let Some(yesterday) = settings::shift(day, -1) {
            due.insert(yesterday);
        }
        let (Some(first), Some(last)) = (due.first().copied(), due.last().copied()) else {
            return Ok(Vec::new());
        };
        let filter = InvoiceFilter {
            status: Some(InvoiceStatus::Finalized),
            due_from: Some(first),
            due_to: Some(last),
            ..InvoiceFilter::default()
        };
        let mut ids = BTreeSet::new();
        let mut request = PageRequest {
            page: 1,
            per_page: LIST_PAGE,
            cursor: None,
        };
        loop {
            let page = self
                .service
                .invoices
                .list_invoices(&filter, request.clone())
                .await?;
            ids.extend(
                page.items
                    .iter()
                    .filter(|h| due.contains(&h.due_date))
                    .map(|h| h.id.to_string()),
            );
            match page.next {
                Some(next) => request.cursor = Some(next),
                None => break,
            }
        }
        Ok(ids.into_iter().collect())
    }
}

/// One invoice of one day's run: the body of a queue message (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderRequest {
    pub date: NaiveDate,
    pub invoice_id: Uuid,
}

fn day(run: &str) -> Result<NaiveDate> {
    run.parse()
        .map_err(|_| Error::field("date", "must be a day written YYYY-MM-DD"))
}

#[async_trait]
impl FanOutJob for ReminderJob<'_> {
    fn kind(&self) -> &'static JobKind {
        &JOB
    }

    async fn item_keys(&self, run: &str, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        let day = day(run)?;
        let found = self.found.get_or_try_init(|| self.find(day)).await?;
        Ok(found
            .iter()
            .filter(|k| after.is_none_or(|a| k.as_str() > a))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    fn message(&self, run: &str, item: &str) -> Result<String> {
        let request = ReminderRequest {
            date: day(run)?,
            invoice_id: item
                .parse()
                .map_err(|_| Error::Internal(format!("reminder item {item:?}")))?,
        };
        serde_json::to_string(&request)
            .map_err(|e| Error::Internal(format!("reminder request: {e}")))
    }

    fn read_message(&self, body: &str) -> Result<(String, String)> {
        let request: ReminderRequest = serde_json::from_str(body)
            .map_err(|e| Error::field("body", format!("not a reminder request: {e}")))?;
        Ok((request.date.to_string(), request.invoice_id.to_string()))
    }

    /// Announce the invoice's first overdue day (once), then e-mail the day's step (once),
    /// or say why not.
    async fn handle(&self, run: &str, item: &str, now: DateTime<Utc>) -> Result<ItemOutcome> {
        let day = day(run)?;
        let id: Uuid = item
            .parse()
            .map_err(|_| Error::field("invoice_id", "must be a UUID"))?;
        let skipped = |reason: &str, step, overdue_announced| ReminderOutcome::Skipped {
            reason: reason.into(),
            step,
            overdue_announced,
        };
        let Some(mut invoice) = self.service.invoices.get_invoice(id).await? else {
            return ItemOutcome::of(&skipped("invoice_not_found", None, false));
        };
        crate::domain::invoice::receivables::present(&mut invoice.header, now);
        let h = &invoice.header;
        let owes =
            h.status == InvoiceStatus::Finalized && h.amount_due > rust_decimal::Decimal::ZERO;
        let announced = if owes && settings::becomes_overdue_on(h.due_date, day) {
            let event = InvoiceOverdue::of(h, day).event();
            // Announced once, by whichever delivery of the day's run gets here first; the
            // run's line says it was announced whichever delivery's outcome it records (a
            // concurrent or repeated delivery finds it done).
            self.service
                .messages
                .announce_once(id, "overdue", &event)
                .await?;
            true
        } else {
            false
        };
        let step = self.settings.step_on(h.due_date, day);
        let skip = |reason: &str| ItemOutcome::of(&skipped(reason, step, announced));
        match h.status {
            InvoiceStatus::Draft => return skip("not_issued"),
            InvoiceStatus::Paid => return skip("paid"),
            InvoiceStatus::Void => return skip("void"),
            InvoiceStatus::Finalized if !owes => return skip("paid"),
            InvoiceStatus::Finalized => {}
        }
        let Some(step) = step else {
            return skip("no_step");
        };
        let client = self.service.clients.get_client(&h.client_key).await?;
        if client.as_ref().is_some_and(|c| c.reminders_paused) {
            return skip("reminders_paused");
        }
        if !self.settings.worth_reminding(h.amount_due, &h.currency) {
            return skip("below_minimum");
        }
        let actor = Actor {
            name: ACTOR.into(),
            now,
        };
        let outcome = match self
            .service
            .remind_step(&invoice, client.as_ref(), step, &actor)
            .await?
        {
            StepReminder::Sent(message) => ReminderOutcome::Sent {
                step,
                message_id: message.id,
                overdue_announced: announced,
            },
            StepReminder::AlreadySent => skipped("already_sent", Some(step), announced),
            StepReminder::Unconfirmed => skipped("unconfirmed", Some(step), announced),
            StepReminder::NoAddress => skipped("no_address", Some(step), announced),
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
        Ok(RemindersCompleted::new(day(run)?, c("sent"), c("skipped"), c("failed"), now).event())
    }
}

/// What the schedule's invocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnqueueSummary {
    pub date: NaiveDate,
    /// Whether the schedule's steps were on (off: only first overdue days are enqueued).
    pub enabled: bool,
    /// Messages sent: one per invoice.
    pub enqueued: u64,
}

/// Start the run of `date` and enqueue each of its invoices ([`fan_out::enqueue_run`]), with
/// the settings read now. Safe to run again, and at the same time: each reminder goes out
/// once.
pub async fn enqueue_reminders(
    service: InvoiceService<'_>,
    settings: ReminderSettings,
    queue: &dyn JobQueue,
    runs: &dyn RunStore,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    if !settings::has_begun(date, now) {
        return Err(Error::field(
            "date",
            format!("{date} has not begun anywhere yet: a run sends the letters of its day"),
        ));
    }
    let enabled = settings.enabled;
    let job = ReminderJob::new(service, settings);
    let summary = fan_out::enqueue_run(&job, queue, runs, &date.to_string(), now).await?;
    Ok(EnqueueSummary {
        date,
        enabled,
        enqueued: summary.enqueued,
    })
}
