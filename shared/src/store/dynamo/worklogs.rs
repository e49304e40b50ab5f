//! Worklogs: one item per worklog id; a client's worklogs by date through `gsi1`
//! (`CLIENT#<key>#WORKLOGS`, `<date>#<id>`). Writes are transactions of up to 100 items: the
//! worklogs, each conditioned on being as read (new, or at the client and date read), and
//! the count deltas of the months and clients they enter and leave (`COUNT#WORKLOGS#...`).

use super::lists::{ListQuery, count_add};
use super::transact::{Cancelled, put};
use super::{DynamoStore, Item, keys, query_all, s, sdk_error, to_item};
use crate::domain::{DateRange, Page, PageRequest, Period, Worklog};
use crate::ports::WorklogStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, KeysAndAttributes, TransactWriteItem};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// DynamoDB's limit of items in one `TransactWriteItems`.
const TRANSACTION_LIMIT: usize = 100;
/// Worklogs in one transaction at most (the rest of the 100 is for count deltas).
const WORKLOGS_PER_TRANSACTION: usize = 50;
/// Attempts of a batch whose worklogs another import changed meanwhile.
const ATTEMPTS: u32 = 5;
/// Ranges of up to this many whole months are totalled from month counts.
const COUNTED_MONTHS: i32 = 36;

/// The count of a client's worklogs dated in `month`.
fn month_count(client_key: &str, month: Period) -> String {
    format!("WORKLOGS#{client_key}#{month}")
}

/// The count of every worklog of a client.
fn client_count(client_key: &str) -> String {
    format!("WORKLOGS#{client_key}")
}

/// The count partition of a client's worklogs by day (`lists::count_key`: one item per
/// day, summed over the days of a range).
fn days_counts(client_key: &str) -> String {
    format!("WORKLOGS#{client_key}#DAYS")
}

/// The counts a worklog of `client_key` dated `date` is in: its month's, its client's and
/// its day's.
pub(super) fn counts_of(client_key: &str, date: NaiveDate) -> Vec<String> {
    vec![
        month_count(client_key, Period::containing(date)),
        client_count(client_key),
        format!("{}@{date}", days_counts(client_key)),
    ]
}

/// Where a stored worklog is counted: its client and date.
type Place = (String, NaiveDate);

/// Whether `key` has the shape of a worklog index sort key (`<date>#<uuid>`).
fn is_worklog_sort(key: &str) -> bool {
    key.split_once('#').is_some_and(|(d, id)| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() && id.parse::<Uuid>().is_ok()
    })
}

impl DynamoStore {
    /// The index query of a client's worklogs in `range`, in date-then-id order.
    fn worklog_range_query(
        &self,
        client_key: &str,
        range: DateRange,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let (lo, hi) = keys::worklog_sort_bounds(range.from, range.to);
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":pk", s(keys::client_worklogs(client_key)))
            .expression_attribute_values(":lo", s(lo))
            .expression_attribute_values(":hi", s(hi))
    }

    /// How many of a client's worklogs are dated in `range`, from its day counts (one
    /// `Query` of as many small items as the range has days with work).
    async fn count_days(&self, client_key: &str, range: DateRange) -> Result<u64> {
        let bounds = (Some(range.from.to_string()), Some(range.to.to_string()));
        let n = self
            .read_count_range(&days_counts(client_key), &bounds, &|_| true)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The number of a client's worklogs in `range`: from the kept counts for whole months
    /// (every worklog: the client's count), from the day counts for partial months at the
    /// edges, and for long ranges that are not everything.
    async fn worklog_total(&self, client_key: &str, range: DateRange) -> Result<u64> {
        if range == DateRange::ALL {
            return self.read_counts(&[client_count(client_key)]).await;
        }
        let first = Period::containing(range.from);
        let last = Period::containing(range.to);
        let months = (range.to.year() - range.from.year()) * 12 + range.to.month() as i32
            - range.from.month() as i32;
        if months > COUNTED_MONTHS {
            return self.count_days(client_key, range).await;
        }
        let mut whole = Vec::new();
        let mut edges = Vec::new();
        let mut month = first;
        loop {
            let part = DateRange {
                from: month.first_day().max(range.from),
                to: month.last_day().min(range.to),
            };
            if part == month.range() {
                whole.push(month_count(client_key, month));
            } else {
                edges.push(part);
            }
            if month == last {
                break;
            }
            month = Period::containing(month.last_day().succ_opt().unwrap_or(NaiveDate::MAX));
        }
        let mut total = if whole.is_empty() {
            0
        } else {
            self.read_counts(&whole).await?
        };
        for part in edges {
            total += self.count_days(client_key, part).await?;
        }
        Ok(total)
    }

    /// Where each of `ids` is stored now (client and date), by one consistent read.
    async fn places(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Place>> {
        Ok(self
            .worklog_items(ids, Some("id, client_key, #date"))
            .await?
            .iter()
            .filter_map(place_of)
            .collect())
    }

    /// The stored worklog items among `ids` (consistent reads, 100 keys per
    /// `BatchGetItem`, unprocessed keys asked again), with only `projection` when given.
    async fn worklog_items(&self, ids: &[Uuid], projection: Option<&str>) -> Result<Vec<Item>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(100) {
            let mut ka = KeysAndAttributes::builder().consistent_read(true);
            if let Some(p) = projection {
                ka = ka
                    .projection_expression(p)
                    .expression_attribute_names("#date", "date");
            }
            for id in chunk {
                ka = ka.keys(
                    [
                        (keys::PK.to_string(), s(format!("WORKLOG#{id}"))),
                        (keys::SK.to_string(), s("WORKLOG")),
                    ]
                    .into(),
                );
            }
            let mut request: HashMap<String, KeysAndAttributes> = [(
                self.table.clone(),
                ka.build()
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
                    .map_err(|e| sdk_error("BatchGetItem worklogs", e))?;
                found.extend(
                    out.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                request = out.unprocessed_keys.unwrap_or_default();
                if request.is_empty() {
                    break;
                }
            }
            if !request.is_empty() {
                return Err(Error::Unavailable(
                    "BatchGetItem worklogs: keys left".into(),
                ));
            }
        }
        Ok(found)
    }

    /// The transaction storing `batch`, each worklog only if still where `places` says, with
    /// the count deltas.
    fn worklog_transaction(
        &self,
        batch: &[&Worklog],
        places: &HashMap<Uuid, Place>,
    ) -> Result<Vec<TransactWriteItem>> {
        let mut items = Vec::with_capacity(TRANSACTION_LIMIT);
        for w in batch {
            let (pk, sk) = keys::worklog(w);
            let item = to_item(
                *w,
                &[
                    (keys::PK, pk),
                    (keys::SK, sk),
                    (keys::GSI1PK, keys::client_worklogs(&w.client_key)),
                    (keys::GSI1SK, keys::worklog_sort(w)),
                ],
            )?;
            let mut p = put(item)?;
            p.table_name = self.table.clone();
            match places.get(&w.id) {
                None => p.condition_expression = Some("attribute_not_exists(pk)".into()),
                Some((client, date)) => {
                    p.condition_expression =
                        Some("client_key = :was_client AND #date = :was_date".into());
                    p.expression_attribute_names =
                        Some([("#date".to_string(), "date".to_string())].into());
                    p.expression_attribute_values = Some(
                        [
                            (":was_client".to_string(), s(client.clone())),
                            (":was_date".to_string(), s(date.to_string())),
                        ]
                        .into(),
                    );
                }
            }
            items.push(TransactWriteItem::builder().put(p).build());
        }
        for (list, delta) in deltas(batch, places) {
            items.push(count_add(&self.table, &list, delta)?);
        }
        Ok(items)
    }

    /// Store `chunk` (ids distinct): read where its worklogs are, write them in
    /// transactions with their count deltas, and do again the batches another writer raced.
    async fn put_worklog_chunk(&self, chunk: &[&Worklog]) -> Result<()> {
        let mut todo: Vec<&Worklog> = chunk.to_vec();
        for _ in 0..ATTEMPTS {
            let ids: Vec<Uuid> = todo.iter().map(|w| w.id).collect();
            let places = self.places(&ids).await?;
            let mut raced = Vec::new();
            for batch in batches(&todo, &places) {
                let items = self.worklog_transaction(&batch, &places)?;
                match self.transact(items).await {
                    Ok(()) => {}
                    Err(Some(Cancelled::Condition(_))) => raced.extend(batch),
                    Err(_) => return Err(super::transact::transact_failure("put worklogs")),
                }
            }
            if raced.is_empty() {
                return Ok(());
            }
            todo = raced;
        }
        Err(Error::Unavailable(
            "put worklogs: kept racing other imports".into(),
        ))
    }
}

/// The id, client and date of a stored worklog item.
fn place_of(item: &Item) -> Option<(Uuid, Place)> {
    let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok());
    let id = get("id")?.parse().ok()?;
    let client = get("client_key")?.clone();
    let date = NaiveDate::parse_from_str(get("date")?, "%Y-%m-%d").ok()?;
    Some((id, (client, date)))
}

/// The count deltas of storing `batch` over `places`: each worklog leaves its old month and
/// client (if stored) and enters its new ones; zeros dropped.
fn deltas(batch: &[&Worklog], places: &HashMap<Uuid, Place>) -> Vec<(String, i64)> {
    let mut map: BTreeMap<String, i64> = BTreeMap::new();
    for w in batch {
        if let Some((client, date)) = places.get(&w.id) {
            for list in counts_of(client, *date) {
                *map.entry(list).or_default() -= 1;
            }
        }
        for list in counts_of(&w.client_key, w.date) {
            *map.entry(list).or_default() += 1;
        }
    }
    map.into_iter().filter(|(_, d)| *d != 0).collect()
}

/// Split `worklogs` into batches whose worklogs and count keys (old and new) fit one
/// transaction.
fn batches<'a>(worklogs: &[&'a Worklog], places: &HashMap<Uuid, Place>) -> Vec<Vec<&'a Worklog>> {
    let mut out: Vec<Vec<&Worklog>> = Vec::new();
    let mut current: Vec<&Worklog> = Vec::new();
    let mut lists: std::collections::BTreeSet<String> = Default::default();
    for w in worklogs {
        let mut mine = counts_of(&w.client_key, w.date);
        if let Some((client, date)) = places.get(&w.id) {
            mine.extend(counts_of(client, *date));
        }
        let added = mine.iter().filter(|l| !lists.contains(*l)).count();
        if !current.is_empty()
            && (current.len() >= WORKLOGS_PER_TRANSACTION
                || current.len() + 1 + lists.len() + added > TRANSACTION_LIMIT)
        {
            out.push(std::mem::take(&mut current));
            lists.clear();
        }
        lists.extend(mine);
        current.push(w);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[async_trait]
impl WorklogStore for DynamoStore {
    async fn worklog_page(
        &self,
        client_key: &str,
        range: DateRange,
        page: PageRequest,
    ) -> Result<Page<Worklog>> {
        let (lo, hi) = keys::worklog_sort_bounds(range.from, range.to);
        let list = ListQuery {
            name: format!("worklogs|{client_key}|{}|{}", range.from, range.to),
            index: Some(keys::GSI1),
            pk_attr: keys::GSI1PK,
            sk_attr: keys::GSI1SK,
            partitions: vec![keys::client_worklogs(client_key)],
            descending: false,
            lo: Some(lo),
            hi: Some(hi),
            filter: None,
            valid_key: is_worklog_sort,
            bounds: Vec::new(),
        };
        let (total, page) = futures::future::try_join(
            self.worklog_total(client_key, range),
            self.list_page(&list, &page, u64::MAX),
        )
        .await?;
        Ok(Page { total, ..page })
    }

    async fn worklogs_in_range(&self, client_key: &str, range: DateRange) -> Result<Vec<Worklog>> {
        query_all(
            self.worklog_range_query(client_key, range),
            "Query worklogs",
        )
        .await
    }

    async fn get_worklogs(&self, ids: &[Uuid]) -> Result<Vec<Worklog>> {
        self.worklog_items(ids, None)
            .await?
            .into_iter()
            .map(super::from_item)
            .collect()
    }

    async fn delete_worklog(&self, worklog: &Worklog) -> Result<bool> {
        let (pk, sk) = keys::worklog(worklog);
        let delete = Delete::builder()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .condition_expression("client_key = :was_client AND #date = :was_date")
            .expression_attribute_names("#date", "date")
            .expression_attribute_values(":was_client", s(worklog.client_key.clone()))
            .expression_attribute_values(":was_date", s(worklog.date.to_string()))
            .build()
            .map_err(|e| Error::Internal(format!("delete worklog: {e}")))?;
        let mut items = vec![TransactWriteItem::builder().delete(delete).build()];
        for list in counts_of(&worklog.client_key, worklog.date) {
            items.push(count_add(&self.table, &list, -1)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(_) => Err(super::transact::transact_failure("delete worklog")),
        }
    }

    async fn put_worklogs(&self, worklogs: &[Worklog]) -> Result<()> {
        // One transaction at a time: the batches of one import share month counts, and
        // transactions on one item at once would cancel each other.
        let all: Vec<&Worklog> = worklogs.iter().collect();
        for chunk in all.chunks(100) {
            self.put_worklog_chunk(chunk).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worklog(client: &str, date: &str) -> Worklog {
        Worklog {
            id: Uuid::new_v4(),
            client_key: client.into(),
            date: date.parse().unwrap(),
            author: "a".into(),
            issue_key: "X-1".into(),
            issue_summary: String::new(),
            description: String::new(),
            minutes: 60,
            billable: true,
            source_id: None,
        }
    }

    #[test]
    fn batches_fit_a_transaction_with_their_counts() {
        let mut many: Vec<Worklog> = (0..120).map(|_| worklog("A", "2026-01-05")).collect();
        many.extend((0..200).map(|i| worklog(&format!("C{i}"), "2026-02-01")));
        let all: Vec<&Worklog> = many.iter().collect();
        let moved: HashMap<Uuid, Place> = many
            .iter()
            .map(|w| (w.id, (format!("OLD{}", w.id), w.date)))
            .collect();
        let split = batches(&all, &moved);
        assert_eq!(split.iter().map(Vec::len).sum::<usize>(), many.len());
        for b in split {
            assert!(b.len() + deltas(&b, &moved).len() <= TRANSACTION_LIMIT);
        }
    }

    #[test]
    fn deltas_move_counts_between_months_and_days() {
        let w = worklog("A", "2026-02-01");
        let places: HashMap<Uuid, Place> =
            [(w.id, ("A".to_string(), "2026-01-31".parse().unwrap()))].into();
        assert_eq!(
            deltas(&[&w], &places),
            vec![
                ("WORKLOGS#A#2026-01".to_string(), -1),
                ("WORKLOGS#A#2026-02".to_string(), 1),
                ("WORKLOGS#A#DAYS@2026-01-31".to_string(), -1),
                ("WORKLOGS#A#DAYS@2026-02-01".to_string(), 1)
            ]
        );
        // A new worklog: its month, its client and its day.
        assert_eq!(deltas(&[&w], &HashMap::new()).len(), 3);
    }
}
