//! The worklog import as a stream: rows are read from the file as it arrives, parsed and
//! written in chunks, so memory holds one chunk, the ids seen (16 bytes a row, to count
//! repeated rows) and the report, whose detail is capped ([`super::report::MAX_REJECTED_DETAILS`]),
//! never the file. A 100,000-row upload fits a 128 MB function (`bench-import`).

use super::report::{ImportReport, RowError};
use super::worklog_csv::{Layout, parse_row};
use super::worklog_lock::{IssuedInvoiceLocks, WorklogLocks, locked_reason};
use crate::domain::Worklog;
use crate::invoice::drafting::Stores;
use crate::ports::{ClientStore, WorklogStore};
use crate::{Error, Result};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use tokio::io::AsyncRead;
use uuid::Uuid;

/// Rows parsed before they are written.
const CHUNK: usize = 1000;

/// The rows of one chunk and what was refused in it, in file order.
#[derive(Default)]
struct Chunk {
    /// `(line, worklog)`, one per id (a repeated id keeps the last row).
    rows: Vec<(u64, Worklog)>,
    positions: HashMap<Uuid, usize>,
    rejected: Vec<RowError>,
}

/// What the whole import knows across chunks.
struct Import<'a> {
    clients: &'a dyn ClientStore,
    store: &'a dyn WorklogStore,
    locks: &'a dyn WorklogLocks,
    /// Client key -> whether it exists.
    known: HashMap<String, bool>,
    /// Every id parsed so far (repeated rows).
    seen: HashSet<Uuid>,
    /// Every id written so far (imported counts distinct ids).
    written: HashSet<Uuid>,
    report: ImportReport,
}

impl Import<'_> {
    /// Refuse the chunk's rows of unknown clients and write the rest (the one batch-write
    /// path: `WorklogStore::put_worklogs`).
    async fn flush(&mut self, chunk: Chunk) -> Result<()> {
        let Chunk {
            rows, mut rejected, ..
        } = chunk;
        let mut known_client = Vec::with_capacity(rows.len());
        for (line, w) in rows {
            let exists = match self.known.get(&w.client_key) {
                Some(&e) => e,
                None => {
                    let e = self.clients.get_client(&w.client_key).await?.is_some();
                    self.known.insert(w.client_key.clone(), e);
                    e
                }
            };
            if exists {
                known_client.push((line, w));
            } else {
                rejected.push(RowError {
                    line,
                    message: format!("client_key: unknown client {:?}", w.client_key),
                });
            }
        }
        // A row that would change (or move) a worklog an issued invoice bills is refused.
        let ids: Vec<Uuid> = known_client.iter().map(|(_, w)| w.id).collect();
        let stored: HashMap<Uuid, Worklog> = self
            .store
            .get_worklogs(&ids)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect();
        let mut accepted = Vec::with_capacity(known_client.len());
        for (line, w) in known_client {
            if let Some(old) = stored.get(&w.id).filter(|old| **old != w)
                && let Some(number) = self.locks.locked_by(old).await?
            {
                rejected.push(RowError {
                    line,
                    message: locked_reason(&number),
                });
                continue;
            }
            accepted.push(w);
        }
        self.store.put_worklogs(&accepted).await?;
        for w in &accepted {
            if self.written.insert(w.id) {
                self.report.imported += 1;
            }
        }
        rejected.sort_by_key(|r| r.line);
        for r in rejected {
            self.report.reject(r);
        }
        Ok(())
    }
}

/// Import a worklog CSV read from `reader`: parse, refuse rows of unknown clients, upsert
/// the rest by id, chunk by chunk. Only a missing required column fails the whole file
/// (`Validation`); a read error fails the import (`Unavailable`: it is safe to run again,
/// rows are written by id).
pub async fn import_worklogs_from<R>(reader: R, stores: Stores<'_>) -> Result<ImportReport>
where
    R: AsyncRead + Unpin + Send,
{
    let locks = IssuedInvoiceLocks::new(stores);
    import_with(reader, stores.clients, stores.worklogs, &locks).await
}

/// [`import_worklogs_from`] with the given locks.
async fn import_with<R>(
    reader: R,
    clients: &dyn ClientStore,
    store: &dyn WorklogStore,
    locks: &dyn WorklogLocks,
) -> Result<ImportReport>
where
    R: AsyncRead + Unpin + Send,
{
    let mut csv = csv_async::AsyncReaderBuilder::new()
        .flexible(true)
        .trim(csv_async::Trim::All)
        .create_reader(reader);
    let headers = csv.headers().await.map_err(|e| read_error(e, "header"))?;
    // A UTF-8 byte-order mark is not ASCII: header matching ignores it.
    let headers = csv::StringRecord::from(headers.iter().collect::<Vec<_>>());
    let layout = Layout::from_headers(&headers)?;
    let mut import = Import {
        clients,
        store,
        locks,
        known: HashMap::new(),
        seen: HashSet::new(),
        written: HashSet::new(),
        report: ImportReport::default(),
    };
    let mut chunk = Chunk::default();
    let mut records = csv.into_records();
    let mut index = 0u64;
    while let Some(record) = records.next().await {
        index += 1;
        let record = match record {
            Err(e) if matches!(e.kind(), csv_async::ErrorKind::Io(_)) => {
                return Err(read_error(e, "row"));
            }
            other => other,
        };
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(index + 1);
        import.report.rows += 1;
        let outcome = record
            .map_err(|e| format!("unreadable row: {e}"))
            .and_then(|r| {
                if r.len() != headers.len() {
                    return Err(format!(
                        "has {} fields, the header has {}",
                        r.len(),
                        headers.len()
                    ));
                }
                parse_row(
                    &layout,
                    &csv::StringRecord::from(r.iter().collect::<Vec<_>>()),
                )
            });
        match outcome {
            Ok(w) => {
                if !import.seen.insert(w.id) {
                    import.report.duplicates += 1;
                }
                match chunk.positions.get(&w.id) {
                    Some(&slot) => chunk.rows[slot] = (line, w),
                    None => {
                        chunk.positions.insert(w.id, chunk.rows.len());
                        chunk.rows.push((line, w));
                    }
                }
            }
            Err(message) => chunk.rejected.push(RowError { line, message }),
        }
        if chunk.rows.len() + chunk.rejected.len() >= CHUNK {
            import.flush(std::mem::take(&mut chunk)).await?;
        }
    }
    import.flush(chunk).await?;
    Ok(import.report)
}

fn read_error(e: csv_async::Error, what: &str) -> Error {
    match e.kind() {
        csv_async::ErrorKind::Io(_) => Error::Unavailable(format!("reading the file: {e}")),
        _ => Error::field("header", format!("{what} unreadable: {e}")),
    }
}

/// Parse a worklog CSV, refuse rows of unknown clients, and upsert the rest by id: the file
/// read as a stream ([`import_worklogs_from`]).
pub async fn import_worklogs(bytes: &[u8], stores: Stores<'_>) -> Result<ImportReport> {
    import_worklogs_from(bytes, stores).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Client, DateRange, Page, PageRequest};
    use async_trait::async_trait;
    use std::sync::Mutex;

    /// Clients `ACME` only; worklogs kept in memory with the size of every write.
    #[derive(Default)]
    struct Memory {
        worklogs: Mutex<HashMap<Uuid, Worklog>>,
        writes: Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl ClientStore for Memory {
        async fn list_active_clients(&self) -> Result<Vec<Client>> {
            Ok(Vec::new())
        }
        async fn active_client_keys(
            &self,
            _after: Option<&str>,
            _limit: u32,
        ) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        async fn client_page(
            &self,
            _active: bool,
            page: crate::domain::PageRequest,
        ) -> Result<crate::domain::Page<Client>> {
            Ok(page.slice(Vec::new()))
        }
        async fn get_client(&self, key: &str) -> Result<Option<Client>> {
            Ok((key == "ACME").then(|| {
                serde_json::from_value(serde_json::json!({
                    "key": "ACME", "name": "Acme", "email": "a@b.example",
                    "address": {"line1": "1", "city": "X", "country": "UZ"},
                    "currency": "USD", "hourly_rate": "10", "tax_rate": "0",
                    "payment_terms_days": 10, "timezone": "UTC", "active": true,
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
                }))
                .unwrap()
            }))
        }
        async fn put_client(&self, _client: &Client) -> Result<()> {
            Ok(())
        }
    }

    #[async_trait]
    impl WorklogStore for Memory {
        async fn worklog_page(
            &self,
            _: &str,
            _: DateRange,
            _: PageRequest,
        ) -> Result<Page<Worklog>> {
            unreachable!()
        }
        async fn worklogs_in_range(&self, _: &str, _: DateRange) -> Result<Vec<Worklog>> {
            unreachable!()
        }
        async fn get_worklogs(&self, _: &[Uuid]) -> Result<Vec<Worklog>> {
            // Memory use of the stream is what this fake measures: nothing is stored before.
            Ok(Vec::new())
        }
        async fn delete_worklog(&self, _: &Worklog) -> Result<bool> {
            unreachable!()
        }
        async fn put_worklogs(&self, worklogs: &[Worklog]) -> Result<()> {
            self.writes.lock().unwrap().push(worklogs.len());
            let mut all = self.worklogs.lock().unwrap();
            for w in worklogs {
                all.insert(w.id, w.clone());
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn writes_in_chunks_and_counts_what_it_does_not_detail() {
        let mut csv = String::from("worklog_id,client_key,date,author,issue_key,minutes\n");
        let rows = 2 * CHUNK + 500;
        for i in 0..rows {
            let (client, minutes) = match i % 4 {
                0 => ("NOPE", "30"), // unknown client
                1 => ("ACME", "-5"), // bad duration
                _ => ("ACME", "30"),
            };
            csv.push_str(&format!("w{i},{client},2026-10-01,Ann,ACME-1,{minutes}\n"));
        }
        // A repeated row in a later chunk: written again, counted once.
        csv.push_str("w2,ACME,2026-10-02,Ann,ACME-1,45\n");
        let memory = Memory::default();
        let report = import_with(
            csv.as_bytes(),
            &memory,
            &memory,
            &super::super::worklog_lock::NoLocks,
        )
        .await
        .unwrap();
        assert_eq!(report.rows, rows as u64 + 1);
        assert_eq!(report.duplicates, 1);
        assert_eq!(report.rejected_total, (rows / 2) as u64);
        assert_eq!(report.imported, (rows - rows / 2) as u64);
        assert_eq!(
            report.rejected.len(),
            super::super::report::MAX_REJECTED_DETAILS
        );
        assert_eq!(report.rejected[0].line, 2, "file order");
        assert!(report.rejected[0].message.contains("unknown client"));
        assert!(report.rejected[1].message.contains("positive duration"));
        let writes = memory.writes.lock().unwrap().clone();
        assert!(
            writes.len() >= 3 && writes.iter().all(|&n| n <= CHUNK),
            "{writes:?}"
        );
        let all = memory.worklogs.lock().unwrap();
        assert_eq!(all.len() as u64, report.imported);
        assert!(
            all.values().any(|w| w.minutes == 45),
            "the last row of an id wins"
        );
    }
}
