//! The list indexes of invoice headers and credit notes: which index partition (and count)
//! each list and filter of `GET /invoices` and `GET /credit-notes` reads. See
//! `docs/data-model.md` ("Lists and counts").
//!
//! An invoice header is in eight lists: every invoice, by status, by client, by period, and
//! the combinations. The lists that take a month-end's writes all at once (every invoice,
//! by status, by period, by period and status) are spread over [`SHARDS`] index partitions
//! by the invoice id (a page merges them) and their counts over [`COUNT_SHARDS`] count items
//! (one `BatchGetItem` sums them), so that concurrent transactions seldom meet on one count.
//! Every list's partition is sorted by `list_sk` (the creation instant, then the id), newest
//! first.

use super::keys;
use super::lists::{Bounds, Filter, ListQuery};
use crate::domain::invoice::model::InvoiceFilter;
use crate::domain::invoice::standing::{Standing, overdue_from, overdue_window, standing};
use crate::invoice::InvoiceHeader;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Index partitions each month-end-hot list is spread over.
pub const SHARDS: u32 = 4;

/// Count items each month-end-hot list's count is spread over.
pub const COUNT_SHARDS: u32 = 32;

/// The sort key attribute of every list index but `gsi1`.
pub const LIST_SK: &str = "list_sk";

/// A list index: its name and partition key attribute (sort key [`LIST_SK`]).
pub type ListIndex = (&'static str, &'static str);

/// Invoices by status (sharded); month-end run clients by outcome
/// (`keys::run_outcome`); credit notes: not used.
pub const BY_STATUS: ListIndex = ("list2", "list2pk");
/// Invoices by client; credit notes by client.
pub const BY_CLIENT: ListIndex = ("list3", "list3pk");
/// Invoices by period (sharded).
pub const BY_PERIOD: ListIndex = ("list4", "list4pk");
/// Invoices by client and status.
pub const BY_CLIENT_STATUS: ListIndex = ("list5", "list5pk");
/// Invoices by period and status (sharded).
pub const BY_PERIOD_STATUS: ListIndex = ("list6", "list6pk");
/// Invoices by client and period; credit notes by invoice.
pub const BY_PAIR: ListIndex = ("list7", "list7pk");

/// Invoices by standing (`domain::invoice::standing`), sorted by [`DUE_SK`] (sharded).
pub const BY_DUE: ListIndex = ("list8", "list8pk");
/// Invoices by client and standing, sorted by [`DUE_SK`].
pub const BY_CLIENT_DUE: ListIndex = ("list9", "list9pk");

/// The sort key attribute of [`BY_DUE`] and [`BY_CLIENT_DUE`]: the instant the invoice
/// becomes overdue, then its creation instant and id (`<overdue_from>#<created>#<id>`).
pub const DUE_SK: &str = "due_sk";

/// Count items the invoices of one standing that become overdue at one instant are
/// counted in (by the invoice id), so that a month-end's invoices due on one day seldom
/// meet on one count.
pub const DAY_COUNT_SHARDS: u32 = 8;

/// Every list index added to `gsi1`, for provisioning checks and the backfill.
pub const LIST_INDEXES: [ListIndex; 8] = [
    BY_STATUS,
    BY_CLIENT,
    BY_PERIOD,
    BY_CLIENT_STATUS,
    BY_PERIOD_STATUS,
    BY_PAIR,
    BY_DUE,
    BY_CLIENT_DUE,
];

/// The index shard of an invoice: its id modulo [`SHARDS`].
pub fn shard(id: Uuid) -> u32 {
    (id.as_u128() % u128::from(SHARDS)) as u32
}

/// The count shard of an invoice: its id (other bits than [`shard`]'s) modulo
/// [`COUNT_SHARDS`].
pub fn count_shard(id: Uuid) -> u32 {
    ((id.as_u128() >> 64) % u128::from(COUNT_SHARDS)) as u32
}

fn all(shard: u32) -> String {
    format!("{}#{shard}", keys::ALL_INVOICES)
}
fn status(st: &str, shard: u32) -> String {
    format!("INVOICES#STATUS#{st}#{shard}")
}
fn client(c: &str) -> String {
    format!("INVOICES#CLIENT#{c}")
}
fn period(p: &str, shard: u32) -> String {
    format!("INVOICES#PERIOD#{p}#{shard}")
}
fn client_status(c: &str, st: &str) -> String {
    format!("INVOICES#CLIENT#{c}#STATUS#{st}")
}
fn period_status(p: &str, st: &str, shard: u32) -> String {
    format!("INVOICES#PERIOD#{p}#STATUS#{st}#{shard}")
}
fn pair(c: &str, p: &str) -> String {
    format!("INVOICES#CLIENT#{c}#PERIOD#{p}")
}
fn pair_status(c: &str, p: &str, st: &str) -> String {
    format!("INVOICES#CLIENT#{c}#PERIOD#{p}#STATUS#{st}")
}

fn by_due(st: Standing, shard: u32) -> String {
    format!("INVOICES#DUE#{}#{shard}", st.as_str())
}
fn client_due(c: &str, st: Standing) -> String {
    format!("INVOICES#CLIENT#{c}#DUE#{}", st.as_str())
}
/// The count partition of the invoices of one standing by the instant they become overdue.
fn due_days(st: Standing) -> String {
    format!("INVOICES#DUEDAY#{}", st.as_str())
}
fn client_due_days(c: &str, st: Standing) -> String {
    format!("INVOICES#CLIENT#{c}#DUEDAY#{}", st.as_str())
}

/// The count of the partially paid invoices (the one standing whose whole is not a
/// status count or derived from one).
fn partially_paid(shard: u32) -> String {
    format!("INVOICES#STANDING#partially_paid#{shard}")
}
fn client_partially_paid(c: &str) -> String {
    format!("INVOICES#CLIENT#{c}#STANDING#partially_paid")
}

/// An instant as a fixed-width sort key (`2026-12-04T19:00:00Z`).
fn instant_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The first sort key after every key of an instant (`#` < `$`).
fn past(key: &str) -> String {
    format!("{key}$")
}

/// The sort key of an invoice in the lists by standing: `<overdue_from>#<created>#<id>`.
pub fn due_sort(h: &InvoiceHeader) -> String {
    format!(
        "{}#{}",
        instant_key(overdue_from(h.due_date, h.timezone.as_deref())),
        keys::invoice_sort(h.created_at, h.id)
    )
}

/// Whether `key` has the shape of [`due_sort`].
pub fn is_due_sort(key: &str) -> bool {
    key.len() == 85
        && key
            .split_once('#')
            .is_some_and(|(at, rest)| at.len() == 20 && is_invoice_sort(rest))
}

/// The key of an invoice's day count: `<overdue_from>#<due_date>#<shard>`.
fn day_count_key(h: &InvoiceHeader, shard: u32) -> String {
    format!(
        "{}#{}#{shard:02}",
        instant_key(overdue_from(h.due_date, h.timezone.as_deref())),
        h.due_date
    )
}

/// The due date in a day count's key.
fn due_date_of_count(key: &str) -> Option<&str> {
    key.get(21..31)
}

/// The index attributes of an invoice header (`gsi1pk`/`gsi1sk` and the list keys).
pub fn invoice_index_attrs(h: &InvoiceHeader) -> Vec<(&'static str, String)> {
    let sh = shard(h.id);
    // The status of the standing (the settled one), so status lists and counts agree
    // with the lists by standing even for a header stored unsettled.
    let standing = standing(h);
    let (c, p, st) = (
        h.client_key.as_str(),
        h.period.to_string(),
        standing.status().as_str(),
    );
    vec![
        (DUE_SK, due_sort(h)),
        (BY_DUE.1, by_due(standing, sh)),
        (BY_CLIENT_DUE.1, client_due(c, standing)),
        (keys::GSI1PK, all(sh)),
        (keys::GSI1SK, keys::invoice_sort(h.created_at, h.id)),
        (LIST_SK, keys::invoice_sort(h.created_at, h.id)),
        (BY_STATUS.1, status(st, sh)),
        (BY_CLIENT.1, client(c)),
        (BY_PERIOD.1, period(&p, sh)),
        (BY_CLIENT_STATUS.1, client_status(c, st)),
        (BY_PERIOD_STATUS.1, period_status(&p, st, sh)),
        (BY_PAIR.1, pair(c, &p)),
    ]
}

/// The counts an invoice header is in (one per list and filter combination, and its
/// standing's count of the instant it becomes overdue, of every client and of its client).
pub fn invoice_counts(h: &InvoiceHeader) -> Vec<String> {
    let sh = count_shard(h.id);
    let standing = standing(h);
    let (c, p, st) = (
        h.client_key.as_str(),
        h.period.to_string(),
        standing.status().as_str(),
    );
    let mut counts = vec![
        format!(
            "{}@{}",
            due_days(standing),
            day_count_key(h, sh % DAY_COUNT_SHARDS)
        ),
        format!("{}@{}", client_due_days(c, standing), day_count_key(h, 0)),
        all(sh),
        status(st, sh),
        client(c),
        period(&p, sh),
        client_status(c, st),
        period_status(&p, st, sh),
        pair(c, &p),
        pair_status(c, &p, st),
    ];
    if standing == Standing::PartiallyPaid {
        counts.push(partially_paid(sh));
        counts.push(client_partially_paid(c));
    }
    counts
}

/// Whether `key` has the shape of an invoice list sort key (`<instant>#<uuid>`).
pub fn is_invoice_sort(key: &str) -> bool {
    key.len() == 64
        && key
            .split_once('#')
            .is_some_and(|(at, id)| at.len() == 27 && id.parse::<Uuid>().is_ok())
}

/// The list (query and the counts whose sum is its total) for the key filters of `f`.
pub(crate) fn invoice_list(f: &InvoiceFilter) -> (ListQuery, Vec<String>) {
    let shards = |make: &dyn Fn(u32) -> String| (0..SHARDS).map(make).collect::<Vec<_>>();
    let counted = |make: &dyn Fn(u32) -> String| (0..COUNT_SHARDS).map(make).collect::<Vec<_>>();
    let st = f.status.map(|s| s.as_str());
    let p = f.period.map(|p| p.to_string());
    let c = f.client_key.as_deref();
    let mut filter = None;
    let (index, partitions, counts): (ListIndex, Vec<String>, Vec<String>) =
        match (c, p.as_deref(), st) {
            (None, None, None) => ((keys::GSI1, keys::GSI1PK), shards(&all), counted(&all)),
            (None, None, Some(st)) => {
                let make = |sh| status(st, sh);
                (BY_STATUS, shards(&make), counted(&make))
            }
            (Some(c), None, None) => (BY_CLIENT, vec![client(c)], vec![client(c)]),
            (None, Some(p), None) => {
                let make = |sh| period(p, sh);
                (BY_PERIOD, shards(&make), counted(&make))
            }
            (Some(c), None, Some(st)) => (
                BY_CLIENT_STATUS,
                vec![client_status(c, st)],
                vec![client_status(c, st)],
            ),
            (None, Some(p), Some(st)) => {
                let make = |sh| period_status(p, st, sh);
                (BY_PERIOD_STATUS, shards(&make), counted(&make))
            }
            (Some(c), Some(p), None) => (BY_PAIR, vec![pair(c, p)], vec![pair(c, p)]),
            (Some(c), Some(p), Some(st)) => {
                // A client's invoices of one period: one live one and any voided before it;
                // filtered by the client-and-status key (the settled status, as counted).
                filter = Some(Filter {
                    expression: "#by_status = :by_status".into(),
                    names: [("#by_status".to_string(), BY_CLIENT_STATUS.1.to_string())].into(),
                    values: [(":by_status".to_string(), super::s(client_status(c, st)))].into(),
                });
                (BY_PAIR, vec![pair(c, p)], vec![pair_status(c, p, st)])
            }
        };
    // With a receivables filter the partition is read whole and its invoices come by the
    // instant they become overdue, like the lists by standing.
    let receivables = f.has_receivables_filters();
    let sk = if receivables {
        DUE_SK
    } else if index.0 == keys::GSI1 {
        keys::GSI1SK
    } else {
        LIST_SK
    };
    let name = list_name(f);
    (
        ListQuery {
            name,
            index: Some(index.0),
            pk_attr: index.1,
            sk_attr: sk,
            partitions,
            descending: true,
            lo: None,
            hi: None,
            filter,
            valid_key: if receivables {
                is_due_sort
            } else {
                is_invoice_sort
            },
            bounds: Vec::new(),
        },
        counts,
    )
}

/// The name of the invoice list of `f`: every filter is in it, so a cursor of one filter
/// set is refused under another (it would skip or repeat items).
fn list_name(f: &InvoiceFilter) -> String {
    let st = f.status.map(|s| s.as_str());
    let c = f.client_key.as_deref();
    let p = f.period.map(|p| p.to_string());
    format!(
        "invoices|{}|{}|{}|{}|{}|{}|{}",
        st.unwrap_or(""),
        c.unwrap_or(""),
        p.as_deref().unwrap_or(""),
        f.payment_status.map(|s| s.as_str()).unwrap_or(""),
        f.overdue.map(|o| o.to_string()).unwrap_or_default(),
        f.due_from.map(|d| d.to_string()).unwrap_or_default(),
        f.due_to.map(|d| d.to_string()).unwrap_or_default(),
    )
}

/// A part of a list's total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// The sum of these count items.
    Counts(Vec<String>),
    /// The counts kept in `partition` (`lists::count_key`) over a key range, of the due
    /// dates in `due` (inclusive, either side open).
    Range {
        partition: String,
        bounds: Bounds,
        due: (Option<NaiveDate>, Option<NaiveDate>),
    },
}

impl Term {
    /// Whether a day count's key passes the term's due dates.
    pub(crate) fn keeps(&self, key: &str) -> bool {
        let Term::Range { due, .. } = self else {
            return true;
        };
        let Some(day) = due_date_of_count(key) else {
            return false;
        };
        due.0.is_none_or(|d| day >= d.to_string().as_str())
            && due.1.is_none_or(|d| day <= d.to_string().as_str())
    }
}

/// A list's total: the sum of `plus` less the sum of `minus`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Total {
    pub plus: Vec<Term>,
    pub minus: Vec<Term>,
}

fn max_bound(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_bound(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The list and total of the receivables filters (`payment_status`, `overdue`, `due_from`,
/// `due_to`) of every client or of one, without a period (a period's invoices, one per
/// client, are read whole: `invoice_list`): one partition per standing the filters allow
/// (sharded for every client), each read over the key range of its `overdue_from`
/// instants: `overdue` is `overdue_from <= now`; a due date lies between the earliest and
/// the latest instant of it in any time zone (`overdue_window`), the due dates themselves
/// checked by a filter that only those hours can fail. The total sums the standings' day
/// counts over the same ranges; a whole standing comes from kept counts (its status's, the
/// partially paid's), and `overdue=true` is the whole less what is not yet overdue (day
/// counts of the future only): no total reads more than the days its range spans.
pub(crate) fn receivables_list(f: &InvoiceFilter, now: DateTime<Utc>) -> (ListQuery, Total) {
    let c = f.client_key.as_deref();
    let not_yet = past(&instant_key(now));
    let due_lo = f.due_from.map(|d| instant_key(overdue_window(d).0));
    let due_hi = f.due_to.map(|d| past(&instant_key(overdue_window(d).1)));
    let due = (f.due_from, f.due_to);
    let due_range = due.0.is_some() || due.1.is_some();
    let day_counts = |st: Standing| match c {
        None => due_days(st),
        Some(c) => client_due_days(c, st),
    };
    let status_counts = |st: &str| match c {
        None => (0..COUNT_SHARDS).map(|sh| status(st, sh)).collect(),
        Some(c) => vec![client_status(c, st)],
    };
    let (mut partitions, mut bounds) = (Vec::new(), Vec::new());
    let mut total = Total::default();
    let mut whole: Vec<Standing> = Vec::new();
    for st in f.standings() {
        let (overdue_lo, overdue_hi) = match f.overdue {
            Some(true) => (None, Some(not_yet.clone())),
            Some(false) if st.can_be_overdue() => (Some(not_yet.clone()), None),
            _ => (None, None),
        };
        let lo = max_bound(overdue_lo, due_lo.clone());
        let hi = min_bound(overdue_hi, due_hi.clone());
        if matches!((&lo, &hi), (Some(l), Some(h)) if l > h) {
            continue;
        }
        match c {
            None => {
                for sh in 0..SHARDS {
                    partitions.push(by_due(st, sh));
                    bounds.push((lo.clone(), hi.clone()));
                }
            }
            Some(c) => {
                partitions.push(client_due(c, st));
                bounds.push((lo.clone(), hi.clone()));
            }
        }
        if due_range || lo.is_some() {
            total.plus.push(Term::Range {
                partition: day_counts(st),
                bounds: (lo, hi),
                due,
            });
        } else {
            whole.push(st);
            if hi.is_some() {
                // Overdue: the whole standing less what becomes overdue after now.
                total.minus.push(Term::Range {
                    partition: day_counts(st),
                    bounds: (Some(not_yet.clone()), None),
                    due,
                });
            }
        }
    }
    // Whole standings from kept counts: drafts, void and paid by status; partially paid
    // by its own count; unpaid as the finalized invoices but the partially paid and those
    // owing nothing (zero totals, none since finalize refuses them: their day counts).
    let pp_counts = match c {
        None => (0..COUNT_SHARDS).map(partially_paid).collect(),
        Some(c) => vec![client_partially_paid(c)],
    };
    let nothing_due = Term::Range {
        partition: day_counts(Standing::NothingDue),
        bounds: (None, None),
        due,
    };
    if whole.contains(&Standing::Unpaid) {
        total.plus.push(Term::Counts(status_counts("finalized")));
        if !whole.contains(&Standing::PartiallyPaid) {
            total.minus.push(Term::Counts(pp_counts.clone()));
        }
        if !whole.contains(&Standing::NothingDue) {
            total.minus.push(nothing_due.clone());
        }
    } else {
        if whole.contains(&Standing::PartiallyPaid) {
            total.plus.push(Term::Counts(pp_counts.clone()));
        }
        if whole.contains(&Standing::NothingDue) {
            total.plus.push(nothing_due.clone());
        }
    }
    for st in whole {
        if matches!(st, Standing::Draft | Standing::Void | Standing::Paid) {
            total
                .plus
                .push(Term::Counts(status_counts(st.status().as_str())));
        }
    }
    let filter = due_range.then(|| {
        let mut expression = Vec::new();
        let mut values = std::collections::HashMap::new();
        if let Some(d) = due.0 {
            expression.push("#due >= :due_from");
            values.insert(":due_from".to_string(), super::s(d.to_string()));
        }
        if let Some(d) = due.1 {
            expression.push("#due <= :due_to");
            values.insert(":due_to".to_string(), super::s(d.to_string()));
        }
        Filter {
            expression: expression.join(" AND "),
            names: [("#due".to_string(), "due_date".to_string())].into(),
            values,
        }
    });
    let index = if c.is_some() { BY_CLIENT_DUE } else { BY_DUE };
    (
        ListQuery {
            name: list_name(f),
            index: Some(index.0),
            pk_attr: index.1,
            sk_attr: DUE_SK,
            partitions,
            descending: true,
            lo: None,
            hi: None,
            filter,
            valid_key: is_due_sort,
            bounds,
        },
        total,
    )
}

fn notes_of_client(c: &str) -> String {
    format!("CREDIT_NOTES#CLIENT#{c}")
}
fn notes_of_invoice(id: Uuid) -> String {
    format!("CREDIT_NOTES#INVOICE#{id}")
}

/// The index attributes of a credit note.
pub fn credit_note_index_attrs(
    client_key: &str,
    invoice_id: Uuid,
    sort: String,
) -> Vec<(&'static str, String)> {
    vec![
        (keys::GSI1PK, keys::ALL_CREDIT_NOTES.to_string()),
        (keys::GSI1SK, sort.clone()),
        (LIST_SK, sort),
        (BY_CLIENT.1, notes_of_client(client_key)),
        (BY_PAIR.1, notes_of_invoice(invoice_id)),
    ]
}

/// The counts a credit note is in.
pub fn credit_note_counts(client_key: &str, invoice_id: Uuid) -> Vec<String> {
    vec![
        keys::ALL_CREDIT_NOTES.to_string(),
        notes_of_client(client_key),
        notes_of_invoice(invoice_id),
    ]
}

/// The credit-note list for the filters; the counts of its total, or `None` when it is
/// counted by reading its (one invoice's) partition.
pub(crate) fn credit_note_list(
    client_key: Option<&str>,
    invoice_id: Option<Uuid>,
) -> (ListQuery, Option<Vec<String>>) {
    let name = format!(
        "credit-notes|{}|{}",
        client_key.unwrap_or(""),
        invoice_id.map(|i| i.to_string()).unwrap_or_default()
    );
    let mut filter = None;
    let (index, partition, counts) = match (client_key, invoice_id) {
        (None, None) => (
            (keys::GSI1, keys::GSI1PK),
            keys::ALL_CREDIT_NOTES.to_string(),
            Some(vec![keys::ALL_CREDIT_NOTES.to_string()]),
        ),
        (Some(c), None) => (
            BY_CLIENT,
            notes_of_client(c),
            Some(vec![notes_of_client(c)]),
        ),
        (None, Some(i)) => (
            BY_PAIR,
            notes_of_invoice(i),
            Some(vec![notes_of_invoice(i)]),
        ),
        (Some(c), Some(i)) => {
            filter = Some(Filter {
                expression: "client_key = :client".into(),
                names: Default::default(),
                values: [(":client".to_string(), super::s(c))].into(),
            });
            (BY_PAIR, notes_of_invoice(i), None)
        }
    };
    let sk = if index.0 == keys::GSI1 {
        keys::GSI1SK
    } else {
        LIST_SK
    };
    (
        ListQuery {
            name,
            index: Some(index.0),
            pk_attr: index.1,
            sk_attr: sk,
            partitions: vec![partition],
            descending: true,
            lo: None,
            hi: None,
            filter,
            valid_key: is_invoice_sort,
            bounds: Vec::new(),
        },
        counts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::model::InvoiceStatus;

    #[test]
    fn shards_spread_and_sort_keys_are_checked() {
        let mut seen = [0u32; SHARDS as usize];
        let mut counted = [0u32; COUNT_SHARDS as usize];
        for _ in 0..3200 {
            let id = Uuid::new_v4();
            seen[shard(id) as usize] += 1;
            counted[count_shard(id) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 600), "{seen:?}");
        assert!(counted.iter().all(|&n| n > 40), "{counted:?}");
        let key = keys::invoice_sort(chrono::Utc::now(), Uuid::new_v4());
        assert!(is_invoice_sort(&key), "{key}");
        assert!(!is_invoice_sort("CLIENT#X"));
        assert!(!is_invoice_sort(&key.replace('#', "|")));
    }

    #[test]
    fn a_header_stored_unsettled_is_listed_and_counted_by_its_settled_status() {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.status = InvoiceStatus::Finalized;
        h.amount_paid = h.total;
        let attrs = invoice_index_attrs(&h);
        let listed = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(listed(BY_STATUS.1), Some(status("paid", shard(h.id))));
        assert_eq!(
            listed(BY_CLIENT_STATUS.1),
            Some(client_status(&h.client_key, "paid"))
        );
        let counts = invoice_counts(&h);
        assert!(
            counts.contains(&status("paid", count_shard(h.id))),
            "{counts:?}"
        );
        assert!(
            !counts.iter().any(|c| c.contains("finalized")),
            "{counts:?}"
        );
    }
}

#[cfg(test)]
mod receivables_tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 17, 30, 0).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn overdue_reads_the_past_of_the_standings_that_owe() {
        let f = InvoiceFilter {
            overdue: Some(true),
            ..InvoiceFilter::default()
        };
        let (q, total) = receivables_list(&f, now());
        assert_eq!(q.index, Some("list8"));
        assert_eq!(q.partitions.len(), 2 * SHARDS as usize);
        assert!(q.partitions[0].starts_with("INVOICES#DUE#unpaid#"));
        let upto = Some("2026-12-04T17:30:00Z$".to_string());
        assert!(q.bounds.iter().all(|b| *b == (None, upto.clone())));
        // The finalized count less what owes nothing and what is not yet overdue: only
        // the days to come are read.
        assert_eq!(total.plus.len(), 1);
        assert!(matches!(&total.plus[0], Term::Counts(c) if c.len() == COUNT_SHARDS as usize));
        let future = Some("2026-12-04T17:30:00Z$".to_string());
        assert!(total.minus.contains(&Term::Range {
            partition: "INVOICES#DUEDAY#unpaid".into(),
            bounds: (future.clone(), None),
            due: (None, None),
        }));
        assert!(total.minus.contains(&Term::Range {
            partition: "INVOICES#DUEDAY#nothing_due".into(),
            bounds: (None, None),
            due: (None, None),
        }));
        assert_eq!(total.minus.len(), 3);
    }

    #[test]
    fn not_overdue_keeps_the_other_standings_whole() {
        let f = InvoiceFilter {
            overdue: Some(false),
            client_key: Some("ACME".into()),
            ..InvoiceFilter::default()
        };
        let (q, total) = receivables_list(&f, now());
        assert_eq!(q.index, Some("list9"));
        assert_eq!(q.partitions.len(), 6);
        let draft = q
            .partitions
            .iter()
            .position(|p| p == "INVOICES#CLIENT#ACME#DUE#draft")
            .unwrap();
        assert_eq!(q.bounds[draft], (None, None));
        assert!(total.plus.contains(&Term::Counts(vec![
            "INVOICES#CLIENT#ACME#STATUS#draft".into()
        ])));
        assert!(total.plus.contains(&Term::Range {
            partition: "INVOICES#CLIENT#ACME#DUEDAY#partially_paid".into(),
            bounds: (Some("2026-12-04T17:30:00Z$".into()), None),
            due: (None, None),
        }));
        assert!(total.minus.is_empty());
    }

    #[test]
    fn due_dates_read_their_window_and_check_the_day() {
        let f = InvoiceFilter {
            payment_status: Some(crate::domain::invoice::model::PaymentStatus::Paid),
            due_from: Some(day("2026-11-01")),
            due_to: Some(day("2026-11-30")),
            ..InvoiceFilter::default()
        };
        let (q, total) = receivables_list(&f, now());
        assert_eq!(q.partitions.len(), SHARDS as usize);
        assert_eq!(
            q.bounds[0],
            (
                Some("2026-11-01T09:00:00Z".into()),
                Some("2026-12-01T13:00:00Z$".into())
            )
        );
        assert!(q.filter.is_some());
        let [term] = total.plus.as_slice() else {
            panic!("{total:?}")
        };
        assert!(term.keeps("2026-11-01T19:00:00Z#2026-11-01#03"));
        assert!(!term.keeps("2026-11-01T10:00:00Z#2026-10-31#03"));
        assert!(!term.keeps("2026-12-01T05:00:00Z#2026-12-01#00"));
    }

    #[test]
    fn unpaid_is_the_finalized_but_the_partially_paid() {
        let f = InvoiceFilter {
            payment_status: Some(crate::domain::invoice::model::PaymentStatus::Unpaid),
            client_key: Some("ACME".into()),
            ..InvoiceFilter::default()
        };
        let (q, total) = receivables_list(&f, now());
        assert_eq!(
            q.partitions,
            [
                "INVOICES#CLIENT#ACME#DUE#unpaid",
                "INVOICES#CLIENT#ACME#DUE#nothing_due"
            ]
        );
        assert_eq!(
            total.plus,
            [Term::Counts(vec![
                "INVOICES#CLIENT#ACME#STATUS#finalized".into()
            ])]
        );
        assert_eq!(
            total.minus,
            [Term::Counts(vec![
                "INVOICES#CLIENT#ACME#STANDING#partially_paid".into()
            ])]
        );
    }

    #[test]
    fn nothing_is_overdue_among_drafts() {
        let f = InvoiceFilter {
            overdue: Some(true),
            status: Some(crate::invoice::InvoiceStatus::Draft),
            ..InvoiceFilter::default()
        };
        let (q, total) = receivables_list(&f, now());
        assert!(q.partitions.is_empty());
        assert_eq!(total, Total::default());
    }

    #[test]
    fn day_counts_and_sort_keys_have_their_shapes() {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.due_date = day("2026-12-04");
        h.timezone = Some("Asia/Tashkent".into());
        let key = due_sort(&h);
        assert!(is_due_sort(&key), "{key}");
        assert!(key.starts_with("2026-12-04T19:00:00Z#"));
        let counts = invoice_counts(&h);
        let day_count = counts
            .iter()
            .find(|c| c.starts_with("INVOICES#DUEDAY#"))
            .unwrap();
        let (_, sk) = super::super::lists::count_key(day_count);
        assert_eq!(due_date_of_count(&sk), Some("2026-12-04"));
        assert_eq!(
            super::super::lists::count_name(
                &format!("COUNT#{}", day_count.split('@').next().unwrap()),
                &sk
            )
            .as_deref(),
            Some(day_count.as_str())
        );
    }
}
