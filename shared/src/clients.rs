//! The client use cases the API offers: list, read and save (create or replace) clients, a
//! client's worklogs page with the invoice that bills each, and deleting a worklog imported
//! by mistake. Handlers only translate HTTP to these calls and back.

use crate::domain::client::check_key;
use crate::domain::{Client, DateRange, Page, PageRequest, Period, Worklog};
use crate::invoice::drafting::Stores;
use crate::invoice::uninvoiced::{BilledBy, billed_worklogs};
use crate::ports::ClientStore;
use crate::{Error, Result};
use std::collections::HashMap;
use uuid::Uuid;

pub use crate::import::clients::{SavedClient, save_client as save};
pub use crate::import::worklog_lock::delete_worklog;

/// A page of the active (or inactive) clients by key, each with its fixed scales.
pub async fn list(
    store: &dyn ClientStore,
    active: bool,
    page: PageRequest,
) -> Result<Page<Client>> {
    Ok(store
        .client_page(active, page)
        .await?
        .map(Client::fix_scales))
}

/// One client, active or not: 400 for a malformed key, 404 for an unknown one.
pub async fn get(store: &dyn ClientStore, key: &str) -> Result<Client> {
    check_key("key", key)?;
    store
        .get_client(key)
        .await?
        .map(Client::fix_scales)
        .ok_or_else(|| Error::not_found("client"))
}

/// A page of a client's worklogs in `range`, with the invoice that bills each (by id);
/// 404 for an unknown client.
pub async fn worklogs(
    stores: Stores<'_>,
    key: &str,
    range: DateRange,
    page: PageRequest,
) -> Result<(Page<Worklog>, HashMap<Uuid, BilledBy>)> {
    get(stores.clients, key).await?;
    let page = stores.worklogs.worklog_page(key, range, page).await?;
    let periods = page.items.iter().map(|w| Period::containing(w.date));
    let billed = billed_worklogs(stores, key, periods).await?;
    Ok((page, billed))
}
