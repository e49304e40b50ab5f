//! A worklog billed by an issued invoice (finalized or paid) is locked: an import row that
//! would change or move it is refused, naming the invoice. Its period was billed with it;
//! changing it would make the invoice disagree with its worklogs. (A worklog on a draft is
//! not locked: regenerate the draft.)

use crate::Result;
use crate::domain::{Period, Worklog};
use crate::invoice::drafting::Stores;
use crate::invoice::uninvoiced::{issued_number, live_invoice};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Which stored worklogs are locked.
#[async_trait]
pub trait WorklogLocks: Send + Sync {
    /// The number of the issued invoice that bills `stored`, if one does.
    async fn locked_by(&self, stored: &Worklog) -> Result<Option<String>>;
}

/// The reason an import row that would change a locked worklog is refused.
pub fn locked_reason(number: &str) -> String {
    format!(
        "worklog_id: billed by invoice {number}, which is issued: its worklogs cannot change \
         (credit the invoice and bill the change anew)"
    )
}

/// Delete worklog `id` of client `client_key`, unless an issued invoice bills it (409
/// naming the invoice: its worklogs cannot change). A draft that bills it keeps its line
/// until it is regenerated. `NotFound` when the client has no such worklog.
pub async fn delete_worklog(stores: Stores<'_>, client_key: &str, id: Uuid) -> Result<Worklog> {
    let worklog = stores
        .worklogs
        .get_worklogs(&[id])
        .await?
        .into_iter()
        .find(|w| w.client_key == client_key)
        .ok_or_else(|| crate::Error::not_found("worklog"))?;
    if let Some(number) = IssuedInvoiceLocks::new(stores).locked_by(&worklog).await? {
        return Err(crate::Error::Conflict(format!(
            "billed by invoice {number}, which is issued: its worklogs cannot be deleted \
             (credit the invoice and bill the change anew)"
        )));
    }
    if !stores.worklogs.delete_worklog(&worklog).await? {
        return Err(crate::Error::Conflict(
            "the worklog changed meanwhile (an import): read it again".into(),
        ));
    }
    Ok(worklog)
}

/// An issued invoice's number and the worklogs its lines bill.
type Issued = (String, HashSet<Uuid>);

/// Locks read from the invoices: per client and period, the issued invoice's number and
/// the worklogs its lines bill (read once per import).
pub struct IssuedInvoiceLocks<'a> {
    stores: Stores<'a>,
    periods: Mutex<HashMap<(String, Period), Option<Issued>>>,
}

impl<'a> IssuedInvoiceLocks<'a> {
    pub fn new(stores: Stores<'a>) -> Self {
        Self {
            stores,
            periods: Mutex::new(HashMap::new()),
        }
    }
}

#[async_trait]
impl WorklogLocks for IssuedInvoiceLocks<'_> {
    async fn locked_by(&self, stored: &Worklog) -> Result<Option<String>> {
        let key = (stored.client_key.clone(), Period::containing(stored.date));
        let mut periods = self.periods.lock().await;
        if !periods.contains_key(&key) {
            let issued = live_invoice(self.stores, &key.0, key.1)
                .await?
                .and_then(|inv| {
                    let number = issued_number(&inv)?.to_string();
                    let billed = inv
                        .line_items
                        .iter()
                        .flat_map(|l| l.worklog_ids.iter().copied())
                        .collect();
                    Some((number, billed))
                });
            periods.insert(key.clone(), issued);
        }
        Ok(periods
            .get(&key)
            .and_then(|issued| issued.as_ref())
            .filter(|(_, billed)| billed.contains(&stored.id))
            .map(|(number, _)| number.clone()))
    }
}

/// No worklog is locked (unit tests of the import's streaming, which has no invoices).
pub struct NoLocks;

#[async_trait]
impl WorklogLocks for NoLocks {
    async fn locked_by(&self, _stored: &Worklog) -> Result<Option<String>> {
        Ok(None)
    }
}
