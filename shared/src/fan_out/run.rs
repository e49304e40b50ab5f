//! The report of one run of a fan-out job: how many items were enqueued and what happened
//! to each. Every final outcome is counted once per item, however often its message is
//! delivered; the run is complete when the counted outcomes reach the enqueued items.

use super::JobKind;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The outcome of an item whose attempt failed and whose message comes again.
pub const RETRYING: &str = "retrying";
/// The failure outcome when a job names none.
pub const FAILED: &str = "failed";

/// What handling one item did: the outcome's name (one of the job's final outcomes, or
/// [`RETRYING`]) and what the report shows beside it (`invoice_id`, `reason`, `error`).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemOutcome {
    pub name: String,
    pub fields: Map<String, Value>,
}

impl ItemOutcome {
    /// An outcome from a job's own outcome type, an enum tagged `outcome`
    /// (`#[serde(tag = "outcome")]`).
    pub fn of<T: Serialize>(tagged: &T) -> Result<Self> {
        let Value::Object(mut fields) = serde_json::to_value(tagged)
            .map_err(|e| Error::Internal(format!("item outcome: {e}")))?
        else {
            return Err(Error::Internal("item outcome: not an object".into()));
        };
        match fields.remove("outcome") {
            Some(Value::String(name)) => Ok(Self { name, fields }),
            _ => Err(Error::Internal("item outcome: no `outcome` tag".into())),
        }
    }

    fn with_error(name: &str, error: String) -> Self {
        Self {
            name: name.into(),
            fields: [("error".to_string(), Value::String(error))]
                .into_iter()
                .collect(),
        }
    }

    /// An attempt failed; the message comes again.
    pub fn retrying(error: String) -> Self {
        Self::with_error(RETRYING, error)
    }

    /// The last attempt failed: the message waits in the dead-letter queue.
    pub fn failed(kind: &JobKind, error: String) -> Self {
        Self::with_error(kind.failed(), error)
    }

    /// Counted in the run (every outcome but `retrying`).
    pub fn is_final(&self) -> bool {
        self.name != RETRYING
    }
}

/// May an item with the final outcome `from` take the later delivery's final outcome
/// `to`? Only one coming first in the job's order of precedence (month-end: a `failed`
/// client redriven becomes `created` or `skipped`; `created` replaces the `skipped` of a
/// duplicate delivery that recorded first; nothing replaces `created`).
pub fn replaces(kind: &JobKind, from: &str, to: &str) -> bool {
    let rank = |o: &str| kind.final_outcomes.iter().position(|f| *f == o);
    matches!((rank(from), rank(to)), (Some(f), Some(t)) if t < f)
}

/// One item's line in the run report, as stored: the item key under the job's item
/// attribute, `outcome`, the outcome's fields, `attempts` and `at`.
pub type RunEntry = Map<String, Value>;

/// The line of `item` with `outcome` after `attempts` deliveries, at `at`.
pub fn entry(
    kind: &JobKind,
    item: &str,
    outcome: &ItemOutcome,
    attempts: u32,
    at: DateTime<Utc>,
) -> RunEntry {
    let mut line = outcome.fields.clone();
    line.insert(kind.item_attr.into(), Value::String(item.into()));
    line.insert("outcome".into(), Value::String(outcome.name.clone()));
    line.insert("attempts".into(), Value::from(attempts));
    line.insert(
        "at".into(),
        Value::String(crate::domain::instant::format(&at)),
    );
    line
}

/// The counters of a run, each kept exact by the write that changes what it counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Items enqueued (grows page by page while the schedule is enqueuing).
    pub enqueued: u64,
    /// Items per final outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Items whose last attempt failed and whose message will be delivered again.
    pub retrying: u64,
    /// The schedule is still enqueuing: the run cannot be complete yet.
    pub enqueuing: bool,
}

impl Counts {
    /// Items with `outcome` (a final one or `retrying`; anything else: none).
    pub fn with_outcome(&self, outcome: &str) -> u64 {
        if outcome == RETRYING {
            return self.retrying;
        }
        self.outcomes.get(outcome).copied().unwrap_or(0)
    }

    /// Items with a final outcome.
    pub fn done(&self) -> u64 {
        self.outcomes.values().sum()
    }

    /// Items the report lists: those with any outcome, final or `retrying`.
    pub fn listed(&self) -> u64 {
        self.done() + self.retrying
    }

    /// Enqueuing is over and every enqueued item has a final outcome.
    pub fn complete(&self) -> bool {
        !self.enqueuing && self.done() >= self.enqueued
    }
}

/// A run: its key, counters, and when it started and completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The run key (`2026-10`).
    pub key: String,
    pub counts: Counts,
    /// `None` for a run known only from outcomes counted before it started (a message
    /// redriven from the dead-letter queue).
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// What recording an outcome did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A final outcome counted; the counters after it.
    Counted(Counts),
    /// Ignored: the item already had a final outcome (a redelivery), which stays as it
    /// was; the counters now, while the run is not marked completed (the delivery that
    /// counted it may have failed before it could mark the run completed).
    Kept(Counts),
    /// Kept: a `retrying` attempt after another, or a redelivery after the run completed.
    Unchanged,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: JobKind = JobKind {
        name: "test",
        run_prefix: "TEST_RUN",
        runs_index: "TEST_RUNS",
        run_key_attr: "day",
        item_attr: "item",
        item_prefix: "ITEM#",
        final_outcomes: &["created", "skipped", "failed"],
    };

    #[test]
    fn a_later_outcome_replaces_an_earlier_one_only_when_it_takes_precedence() {
        assert!(replaces(&JOB, "failed", "created"));
        assert!(replaces(&JOB, "failed", "skipped"));
        assert!(replaces(&JOB, "skipped", "created"));
        assert!(!replaces(&JOB, "created", "skipped"));
        assert!(!replaces(&JOB, "created", "failed"));
        assert!(!replaces(&JOB, "skipped", "failed"));
        assert!(!replaces(&JOB, "failed", "failed"));
        assert!(!replaces(&JOB, "failed", RETRYING));
    }

    #[test]
    fn a_run_is_complete_when_every_enqueued_item_is_counted() {
        let mut c = Counts {
            enqueued: 3,
            outcomes: [("created".to_string(), 1), ("skipped".to_string(), 1)].into(),
            retrying: 1,
            enqueuing: false,
        };
        assert!(!c.complete());
        assert_eq!((c.listed(), c.with_outcome(RETRYING)), (3, 1));
        c.retrying = 0;
        c.outcomes.insert("failed".into(), 1);
        assert!(c.complete());
        c.enqueuing = true;
        assert!(!c.complete(), "more items may still be enqueued");
        assert!(
            Counts::default().complete(),
            "no items: nothing to wait for"
        );
    }

    #[test]
    fn an_entry_is_the_outcome_tagged_with_its_item() {
        #[derive(Serialize)]
        #[serde(tag = "outcome", rename_all = "snake_case")]
        enum Made {
            Skipped { reason: String },
        }
        let outcome = ItemOutcome::of(&Made::Skipped {
            reason: "invoice_exists".into(),
        })
        .unwrap();
        assert!(outcome.is_final());
        let line = entry(
            &JOB,
            "ACME",
            &outcome,
            2,
            "2026-11-01T03:00:00Z".parse().unwrap(),
        );
        assert_eq!(
            Value::Object(line),
            serde_json::json!({"item": "ACME", "outcome": "skipped", "reason": "invoice_exists",
                "attempts": 2, "at": "2026-11-01T03:00:00.000Z"})
        );
        assert!(!ItemOutcome::retrying("x".into()).is_final());
        assert_eq!(ItemOutcome::failed(&JOB, "x".into()).name, "failed");
    }
}
