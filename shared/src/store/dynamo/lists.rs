//! Lists that cost what their page needs. A list is one or more index partitions sorted by
//! one sort key (several when its writes are spread over shards); a page merges them in
//! order, reading about `per_page + 1` items of each for page 1. Totals come from count
//! items (`COUNT#<list>`), kept exact by `ADD` updates in the transactions that change what
//! a list holds. A cursor is the last sort key handed out, tied to the list by name.

use super::{DynamoStore, Item, from_item, keys, s, sdk_error};
use crate::domain::{Cursor, Page, PageRequest};
use crate::{Error, Result};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem, Update};
use serde::de::DeserializeOwned;
use std::collections::{HashMap, VecDeque};

/// Items read per query call at most when a deep page is counted out.
const MAX_BATCH: i32 = 500;

/// The count item of `list`: `COUNT#<list>` / `COUNT`, attribute `n`; for a count kept
/// beside others in one partition to be summed over a range of them (`<partition>@<key>`,
/// e.g. invoices by the day they become overdue): `COUNT#<partition>` / `<key>`.
pub(crate) fn count_key(list: &str) -> (String, String) {
    match list.split_once('@') {
        Some((partition, key)) => (format!("COUNT#{partition}"), key.to_string()),
        None => (format!("COUNT#{list}"), "COUNT".into()),
    }
}

/// The count name of a stored count item (the inverse of [`count_key`]).
pub fn count_name(pk: &str, sk: &str) -> Option<String> {
    let list = pk.strip_prefix("COUNT#")?;
    Some(if sk == "COUNT" {
        list.to_string()
    } else {
        format!("{list}@{sk}")
    })
}

/// The transaction item adding `delta` to the count of `list`.
pub(crate) fn count_add(table: &str, list: &str, delta: i64) -> Result<TransactWriteItem> {
    let (pk, sk) = count_key(list);
    let update = Update::builder()
        .table_name(table)
        .key(keys::PK, s(pk))
        .key(keys::SK, s(sk))
        .update_expression("ADD #n :d")
        .expression_attribute_names("#n", "n")
        .expression_attribute_values(":d", AttributeValue::N(delta.to_string()))
        .build()
        .map_err(|e| Error::Internal(format!("count update: {e}")))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Count deltas of a change of memberships: `+1` for lists only `after` is in, `-1` for lists
/// only `before` is in.
pub(crate) fn count_deltas(before: &[String], after: &[String]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for l in after.iter().filter(|l| !before.contains(l)) {
        out.push((l.clone(), 1));
    }
    for l in before.iter().filter(|l| !after.contains(l)) {
        out.push((l.clone(), -1));
    }
    out
}

/// A list to page through: the partitions of one index (merged in sort-key order), bounds on
/// the sort key, and an optional filter expression (only for partitions that are small by
/// construction).
#[derive(Clone)]
pub(crate) struct ListQuery {
    /// Name of the list and filter, checked against a cursor's.
    pub name: String,
    /// The index, `None` for the table itself.
    pub index: Option<&'static str>,
    pub pk_attr: &'static str,
    pub sk_attr: &'static str,
    pub partitions: Vec<String>,
    /// Newest (largest sort key) first.
    pub descending: bool,
    /// Inclusive sort-key bounds.
    pub lo: Option<String>,
    pub hi: Option<String>,
    /// Filter expression with its names and values.
    pub filter: Option<Filter>,
    /// Whether a cursor's sort key has the shape of this list's keys.
    pub valid_key: fn(&str) -> bool,
    /// Inclusive sort-key bounds of each partition, in the order of `partitions`, when
    /// they differ (empty: `lo` and `hi` for every partition).
    pub bounds: Vec<Bounds>,
}

/// Inclusive lower and upper sort-key bounds.
pub(crate) type Bounds = (Option<String>, Option<String>);

/// A filter expression and its placeholders.
#[derive(Clone, Default)]
pub(crate) struct Filter {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Filter {
    /// `query` with this filter expression and its placeholders.
    pub(crate) fn apply(&self, mut query: QueryFluentBuilder) -> QueryFluentBuilder {
        query = query.filter_expression(&self.expression);
        for (k, v) in &self.names {
            query = query.expression_attribute_names(k, v);
        }
        for (k, v) in &self.values {
            query = query.expression_attribute_values(k, v.clone());
        }
        query
    }
}

/// One partition being read: what is buffered and where the next read starts.
struct Stream {
    query: QueryFluentBuilder,
    buffer: VecDeque<(String, Item)>,
    next: Option<Item>,
    done: bool,
}

impl DynamoStore {
    /// The sum of the counts of `lists` (one consistent `BatchGetItem`; missing counts are 0).
    pub(crate) async fn read_counts(&self, lists: &[String]) -> Result<u64> {
        let mut total: i64 = 0;
        for chunk in lists.chunks(100) {
            let mut keys_and = KeysAndAttributes::builder().consistent_read(true);
            for l in chunk {
                let (pk, sk) = count_key(l);
                keys_and = keys_and
                    .keys([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))].into());
            }
            let mut request: HashMap<String, KeysAndAttributes> = [(
                self.table.clone(),
                keys_and
                    .build()
                    .map_err(|e| Error::Internal(format!("batch get: {e}")))?,
            )]
            .into();
            for _ in 0..8 {
                let out = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(request))
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchGetItem counts", e))?;
                self.metrics.record(1, 0);
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    total += item
                        .get("n")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|v| v.parse::<i64>().ok())
                        .unwrap_or(0);
                }
                request = out.unprocessed_keys.unwrap_or_default();
                if request.is_empty() {
                    break;
                }
            }
            if !request.is_empty() {
                return Err(Error::Unavailable("BatchGetItem counts: keys left".into()));
            }
        }
        Ok(u64::try_from(total.max(0)).unwrap_or(0))
    }

    /// The sum of the counts kept in `partition` (see [`count_key`]) whose keys lie in
    /// `lo..=hi` and pass `keep`: one consistent `Query` of small items, as many as the
    /// range has keys.
    pub(crate) async fn read_count_range(
        &self,
        partition: &str,
        (lo, hi): &Bounds,
        keep: &(dyn Fn(&str) -> bool + Send + Sync),
    ) -> Result<i64> {
        if matches!((lo, hi), (Some(l), Some(h)) if l > h) {
            return Ok(0);
        }
        let (pk, _) = count_key(&format!("{partition}@"));
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true);
        let query = key_range(query, (keys::PK, &pk), keys::SK, &(lo.clone(), hi.clone()));
        let mut total = 0i64;
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error("Query counts", e))?;
            self.metrics.record(1, out.scanned_count.max(0) as u64);
            for item in out.items.unwrap_or_default() {
                let key = item.get(keys::SK).and_then(|v| v.as_s().ok());
                if !key.is_some_and(|k| keep(k)) {
                    continue;
                }
                total += item
                    .get("n")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }

    fn stream(&self, q: &ListQuery, i: usize, after: Option<&str>) -> Stream {
        let partition = q.partitions[i].as_str();
        let (mut lo, mut hi) = q
            .bounds
            .get(i)
            .cloned()
            .unwrap_or_else(|| (q.lo.clone(), q.hi.clone()));
        // Inclusive bound at the cursor's key; the key itself is dropped when merging.
        if let Some(a) = after {
            if q.descending {
                hi = Some(hi.map_or(a.to_string(), |h| h.min(a.to_string())));
            } else {
                lo = Some(lo.map_or(a.to_string(), |l| l.max(a.to_string())));
            }
        }
        // An empty range (a partition whose bounds lie past the cursor) is read as nothing:
        // DynamoDB refuses a `BETWEEN` whose bounds are reversed.
        let empty = matches!((&lo, &hi), (Some(l), Some(h)) if l > h);
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(q.index.map(str::to_string))
            .scan_index_forward(!q.descending);
        let mut query = key_range(query, (q.pk_attr, partition), q.sk_attr, &(lo, hi));
        if q.index.is_none() {
            query = query.consistent_read(true);
        }
        if let Some(f) = &q.filter {
            query = f.apply(query);
        }
        Stream {
            query,
            buffer: VecDeque::new(),
            next: None,
            done: empty,
        }
    }

    /// Read the next batch of `stream` (up to `limit` items; all when `None`).
    async fn fill(&self, stream: &mut Stream, sk_attr: &str, limit: Option<i32>) -> Result<()> {
        while stream.buffer.is_empty() && !stream.done {
            let out = stream
                .query
                .clone()
                .set_limit(limit)
                .set_exclusive_start_key(stream.next.take())
                .send()
                .await
                .map_err(|e| sdk_error("Query list", e))?;
            let read = out.scanned_count.max(0) as u64;
            self.metrics.record(1, read);
            for item in out.items.unwrap_or_default() {
                let key = item
                    .get(sk_attr)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                stream.buffer.push_back((key, item));
            }
            stream.next = out.last_evaluated_key;
            stream.done = stream.next.is_none();
        }
        Ok(())
    }

    /// One page of `q`, whose total is `total` (from counts). Reads `offset + per_page + 1`
    /// items of each partition at most (only `per_page + 1` after a cursor).
    pub(crate) async fn list_page<T: DeserializeOwned + Send>(
        &self,
        q: &ListQuery,
        page: &PageRequest,
        total: u64,
    ) -> Result<Page<T>> {
        let after = check_cursor(q, page)?;
        let skip = if after.is_some() { 0 } else { page.offset() };
        let need = skip + page.per_page as usize + 1;
        let (taken, more) = self.merged(q, after, Some(need), &|_: &T| true).await?;
        Ok(finish(q, page, taken, skip, more, total))
    }

    /// One page of `q` keeping only what `keep` accepts, with the count of what it accepts:
    /// every item of the list's own partitions is read (filters that cannot be counted
    /// ahead, such as time-dependent ones), never more.
    pub(crate) async fn list_page_where<T: DeserializeOwned + Send>(
        &self,
        q: &ListQuery,
        page: &PageRequest,
        keep: &(dyn Fn(&T) -> bool + Send + Sync),
    ) -> Result<Page<T>> {
        let after = check_cursor(q, page)?;
        let (mut all, _) = self.merged(q, None, None, keep).await?;
        // The partitions are read whole: their items come in the order of `sk_attr` even
        // when the index is sorted by another key.
        all.sort_by(|a, b| {
            if q.descending {
                b.0.cmp(&a.0)
            } else {
                a.0.cmp(&b.0)
            }
        });
        let total = all.len() as u64;
        let start = match after {
            None => page.offset().min(all.len()),
            Some(a) => all
                .iter()
                .position(|(k, _)| {
                    if q.descending {
                        k.as_str() < a
                    } else {
                        k.as_str() > a
                    }
                })
                .unwrap_or(all.len()),
        };
        let taken: Vec<(String, T)> = all
            .into_iter()
            .skip(start)
            .take(page.per_page as usize + 1)
            .collect();
        let more = taken.len() > page.per_page as usize;
        Ok(finish(q, page, taken, 0, more, total))
    }

    /// Merge the partitions of `q` in order after `after`, keeping what `keep` accepts, up to
    /// `need` items (all when `None`); whether more were left.
    async fn merged<T: DeserializeOwned + Send>(
        &self,
        q: &ListQuery,
        after: Option<&str>,
        need: Option<usize>,
        keep: &(dyn Fn(&T) -> bool + Send + Sync),
    ) -> Result<(Vec<(String, T)>, bool)> {
        // Each of k partitions holds about need / k of the first `need` items: read half as
        // much again, and more only from a partition that runs out first.
        let k = q.partitions.len().max(1);
        // A cursor's bound is inclusive: its own item is read again, and dropped.
        let again = usize::from(after.is_some());
        let limit = need.map(|n| {
            let batch = if k == 1 {
                n
            } else {
                n.div_ceil(k) + n.div_ceil(2 * k) + 1
            } + again;
            i32::try_from(batch).unwrap_or(MAX_BATCH).min(MAX_BATCH)
        });
        let mut streams: Vec<Stream> = (0..q.partitions.len())
            .map(|i| self.stream(q, i, after))
            .collect();
        futures::future::try_join_all(streams.iter_mut().map(|st| self.fill(st, q.sk_attr, limit)))
            .await?;
        let mut out = Vec::new();
        loop {
            // Enough: `need` includes the one item that proves there are more.
            if need.is_some_and(|n| out.len() >= n) {
                return Ok((out, false));
            }
            for st in streams.iter_mut() {
                self.fill(st, q.sk_attr, limit).await?;
            }
            let pick = streams
                .iter()
                .enumerate()
                .filter_map(|(i, st)| st.buffer.front().map(|(k, _)| (i, k)))
                .reduce(|a, b| {
                    let better = if q.descending { b.1 > a.1 } else { b.1 < a.1 };
                    if better { b } else { a }
                })
                .map(|(i, _)| i);
            let Some(i) = pick else {
                return Ok((out, false));
            };
            let Some((key, item)) = streams[i].buffer.pop_front() else {
                continue;
            };
            if after == Some(key.as_str()) {
                continue;
            }
            let record: T = from_item(item)?;
            if !keep(&record) {
                continue;
            }
            out.push((key, record));
        }
    }
}

/// `query` limited to partition `pk` (attribute, value) and the inclusive range `bounds` of
/// sort key attribute `sk_attr`.
fn key_range(
    query: QueryFluentBuilder,
    (pk_attr, pk): (&str, &str),
    sk_attr: &str,
    bounds: &Bounds,
) -> QueryFluentBuilder {
    let mut condition = "#pk = :pk".to_string();
    let mut query = query
        .expression_attribute_names("#pk", pk_attr)
        .expression_attribute_values(":pk", s(pk));
    if bounds.0.is_some() || bounds.1.is_some() {
        query = query.expression_attribute_names("#sk", sk_attr);
    }
    if let Some(l) = &bounds.0 {
        condition.push_str(if bounds.1.is_some() {
            " AND #sk BETWEEN :lo AND :hi"
        } else {
            " AND #sk >= :lo"
        });
        query = query.expression_attribute_values(":lo", s(l.clone()));
    } else if bounds.1.is_some() {
        condition.push_str(" AND #sk <= :hi");
    }
    if let Some(h) = &bounds.1 {
        query = query.expression_attribute_values(":hi", s(h.clone()));
    }
    query.key_condition_expression(condition)
}

/// The cursor's sort key, if the request has one, after checking that it was made for this
/// list and has the shape of its keys (else 400).
fn check_cursor<'a>(q: &ListQuery, page: &'a PageRequest) -> Result<Option<&'a str>> {
    match &page.cursor {
        None => Ok(None),
        Some(c) if c.list == q.name && (q.valid_key)(&c.after) => Ok(Some(c.after.as_str())),
        Some(_) => Err(Error::field(
            "cursor",
            "belongs to another list or filter; start again without it",
        )),
    }
}

/// The page out of `taken` (after skipping `skip`), with the cursor of its last item when
/// more follow (`more`, or an item beyond the page in `taken`).
fn finish<T>(
    q: &ListQuery,
    page: &PageRequest,
    taken: Vec<(String, T)>,
    skip: usize,
    more: bool,
    total: u64,
) -> Page<T> {
    let per_page = page.per_page as usize;
    let mut rows: Vec<(String, T)> = taken.into_iter().skip(skip).collect();
    let more = more || rows.len() > per_page;
    rows.truncate(per_page);
    let offset = page.offset() as u64;
    let next = match rows.last() {
        Some((after, _)) if more => Some(Cursor {
            offset: offset.saturating_add(rows.len() as u64),
            list: q.name.clone(),
            after: after.clone(),
        }),
        _ => None,
    };
    Page {
        items: rows.into_iter().map(|(_, t)| t).collect(),
        total,
        request: page.clone(),
        next,
    }
}
