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
use super::lists::{Filter, ListQuery};
use crate::domain::invoice::model::InvoiceFilter;
use crate::invoice::InvoiceHeader;
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

/// Every list index added to `gsi1`, for provisioning checks and the backfill.
pub const LIST_INDEXES: [ListIndex; 6] = [
    BY_STATUS,
    BY_CLIENT,
    BY_PERIOD,
    BY_CLIENT_STATUS,
    BY_PERIOD_STATUS,
    BY_PAIR,
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

/// The index attributes of an invoice header (`gsi1pk`/`gsi1sk` and the list keys).
pub fn invoice_index_attrs(h: &InvoiceHeader) -> Vec<(&'static str, String)> {
    let sh = shard(h.id);
    let (c, p, st) = (
        h.client_key.as_str(),
        h.period.to_string(),
        h.status.as_str(),
    );
    vec![
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

/// The counts an invoice header is in (one per list and filter combination).
pub fn invoice_counts(h: &InvoiceHeader) -> Vec<String> {
    let sh = count_shard(h.id);
    let (c, p, st) = (
        h.client_key.as_str(),
        h.period.to_string(),
        h.status.as_str(),
    );
    vec![
        all(sh),
        status(st, sh),
        client(c),
        period(&p, sh),
        client_status(c, st),
        period_status(&p, st, sh),
        pair(c, &p),
        pair_status(c, &p, st),
    ]
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
                // A client's invoices of one period: one live one and any voided before it.
                filter = Some(Filter {
                    expression: "#status = :status".into(),
                    names: [("#status".to_string(), "status".to_string())].into(),
                    values: [(":status".to_string(), super::s(st))].into(),
                });
                (BY_PAIR, vec![pair(c, p)], vec![pair_status(c, p, st)])
            }
        };
    let sk = if index.0 == keys::GSI1 {
        keys::GSI1SK
    } else {
        LIST_SK
    };
    // Every filter is in the name, so a cursor of one filter set is refused under another
    // (it would skip or repeat items).
    let name = format!(
        "invoices|{}|{}|{}|{}|{}|{}|{}",
        st.unwrap_or(""),
        c.unwrap_or(""),
        p.as_deref().unwrap_or(""),
        f.payment_status.map(|s| s.as_str()).unwrap_or(""),
        f.overdue.map(|o| o.to_string()).unwrap_or_default(),
        f.due_from.map(|d| d.to_string()).unwrap_or_default(),
        f.due_to.map(|d| d.to_string()).unwrap_or_default(),
    );
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
            valid_key: is_invoice_sort,
        },
        counts,
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
        },
        counts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
