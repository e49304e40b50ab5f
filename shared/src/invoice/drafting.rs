//! The draft use cases, written against the store ports: prefill, generate (one client or
//! every one), read and list, the edit history, patch the header or the lines, regenerate.
//! Handlers reach them through [`super::InvoiceService`].

use super::draft::build_draft;
use crate::domain::invoice::edit::{InvoicePatch, LineItemsPatch, apply_line_items, apply_patch};
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry, total_changes};
use crate::domain::invoice::lifecycle::{self, Action};
use crate::domain::invoice::lines::{DroppedEdit, dropped_edits, worklog_lines};
use crate::domain::invoice::model::{GroupBy, Invoice, InvoiceFilter, InvoiceHeader, LineSource};
use crate::domain::invoice::money::minor_unit;
use crate::domain::{Client, Page, PageRequest, Period};
use crate::ports::{ClientStore, InvoiceStore, WorklogStore, WriteOutcome, WriteRefused};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The stores the use cases need.
#[derive(Clone, Copy)]
pub struct Stores<'a> {
    pub clients: &'a dyn ClientStore,
    pub worklogs: &'a dyn WorklogStore,
    pub invoices: &'a dyn InvoiceStore,
    /// Clients' accounts, posted to by every write that moves money.
    pub ledger: &'a dyn crate::ports::LedgerStore,
}

/// Who is acting and when.
#[derive(Debug, Clone)]
pub struct Actor {
    /// E-mail of the user, or `system:<job>`.
    pub name: String,
    pub now: DateTime<Utc>,
}

/// `POST /invoices/prefill` and `/invoices/generate`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// 1-64 characters of A-Z, 0-9, `_` or `-`.
    #[schema(schema_with = crate::domain::client::key_schema)]
    pub client_key: String,
    /// `YYYY-MM`, not after the current month.
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
    /// `issue` (default), `author`, `day` or `none`.
    #[serde(default)]
    pub group_by: Option<GroupBy>,
}

pub(crate) fn check_period(period: Period, now: DateTime<Utc>) -> Result<()> {
    if period > Period::containing(now.date_naive()) {
        return Err(Error::field("period", "must not be in the future"));
    }
    Ok(())
}

async fn client(stores: Stores<'_>, key: &str) -> Result<Client> {
    crate::domain::client::check_key("client_key", key)?;
    stores
        .clients
        .get_client(key)
        .await?
        .ok_or_else(|| Error::not_found("client"))
}

async fn draft_for(
    stores: Stores<'_>,
    id: Uuid,
    client: &Client,
    period: Period,
    group_by: GroupBy,
    actor: &Actor,
) -> Result<Invoice> {
    let worklogs = stores
        .worklogs
        .worklogs_in_range(&client.key, period.range())
        .await?;
    Ok(build_draft(
        id,
        client,
        period,
        group_by,
        &worklogs,
        actor.now,
        &actor.name,
    ))
}

/// The invoice as it would be generated now; saved nowhere. Its `id` is the nil UUID.
pub async fn prefill(stores: Stores<'_>, req: &GenerateRequest, actor: &Actor) -> Result<Invoice> {
    check_period(req.period, actor.now)?;
    let client = client(stores, &req.client_key).await?;
    draft_for(
        stores,
        Uuid::nil(),
        &client,
        req.period,
        req.group_by.unwrap_or_default(),
        actor,
    )
    .await
}

fn created_entry(invoice: &Invoice, actor: &Actor) -> HistoryEntry {
    HistoryEntry {
        at: actor.now,
        actor: actor.name.clone(),
        action: EditAction::Created,
        version: invoice.header.version,
        changes: vec![Change::of("status", &None::<&str>, &Some("draft"))],
    }
}

/// Create the draft of a client and period (`Conflict` if one exists). A client without
/// billable worklogs gets an empty draft, to which manual lines can be added.
pub async fn generate(stores: Stores<'_>, req: &GenerateRequest, actor: &Actor) -> Result<Invoice> {
    check_period(req.period, actor.now)?;
    let client = client(stores, &req.client_key).await?;
    let invoice = draft_for(
        stores,
        Uuid::new_v4(),
        &client,
        req.period,
        req.group_by.unwrap_or_default(),
        actor,
    )
    .await?;
    match stores
        .invoices
        .create_invoice(&invoice, &created_entry(&invoice, actor))
        .await?
    {
        WriteOutcome::Written => Ok(invoice),
        WriteOutcome::Refused(r) => Err(lifecycle::refused(r, Action::Edit, &invoice.header)),
    }
}

/// Skip reason: the client already has an invoice for the period.
pub const INVOICE_EXISTS: &str = "invoice_exists";
/// Skip reason: the client has no billable worklogs in the period.
pub const NO_BILLABLE_WORKLOGS: &str = "no_billable_worklogs";

fn skip_reason_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([INVOICE_EXISTS, NO_BILLABLE_WORKLOGS]))
        .build()
}

/// A client bulk generation did not create an invoice for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Skipped {
    pub client_key: String,
    /// `invoice_exists` or `no_billable_worklogs`.
    #[schema(schema_with = skip_reason_schema)]
    pub reason: String,
}

/// A client bulk generation failed for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Failed {
    pub client_key: String,
    pub error: String,
}

/// The outcome of bulk generation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkOutcome {
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
    pub created: Vec<InvoiceHeader>,
    pub skipped: Vec<Skipped>,
    pub failed: Vec<Failed>,
}

/// Invoices generated at once by bulk generation.
pub const BULK_CONCURRENCY: usize = 16;

/// What generating one client's draft for a period did (bulk generation, month-end).
#[derive(Debug, Clone)]
pub enum ClientDraft {
    /// A new draft.
    Created(Box<InvoiceHeader>),
    /// No draft: `invoice_exists` or `no_billable_worklogs`.
    Skipped(&'static str),
}

/// The draft of one client for `period`, unless it has one already or no billable work.
/// Safe to run twice, and at once: the (client, period) guard lets one draft through.
pub async fn draft_for_client(
    stores: Stores<'_>,
    client: &Client,
    period: Period,
    actor: &Actor,
) -> Result<ClientDraft> {
    let invoice = draft_for(
        stores,
        Uuid::new_v4(),
        client,
        period,
        GroupBy::default(),
        actor,
    )
    .await?;
    if invoice.line_items.is_empty() {
        return Ok(ClientDraft::Skipped(NO_BILLABLE_WORKLOGS));
    }
    match stores
        .invoices
        .create_invoice(&invoice, &created_entry(&invoice, actor))
        .await?
    {
        WriteOutcome::Written => Ok(ClientDraft::Created(Box::new(invoice.header))),
        WriteOutcome::Refused(WriteRefused::Duplicate { .. }) => {
            Ok(ClientDraft::Skipped(INVOICE_EXISTS))
        }
        WriteOutcome::Refused(r) => Err(lifecycle::refused(r, Action::Edit, &invoice.header)),
    }
}

/// One draft per active client with billable worklogs in `period`. Clients that already have
/// one, or have no billable worklogs, are skipped; a failure for one client does not stop
/// the others. Running it twice creates nothing the second time.
pub async fn generate_bulk(
    stores: Stores<'_>,
    period: Period,
    actor: &Actor,
) -> Result<BulkOutcome> {
    check_period(period, actor.now)?;
    let clients = stores.clients.list_active_clients().await?;
    let results: Vec<(String, Result<ClientDraft>)> = futures::stream::iter(clients)
        .map(|client| async move {
            let outcome = draft_for_client(stores, &client, period, actor).await;
            (client.key, outcome)
        })
        .buffer_unordered(BULK_CONCURRENCY)
        .collect()
        .await;
    let mut out = BulkOutcome {
        period,
        created: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
    };
    for (client_key, result) in results {
        match result {
            Ok(ClientDraft::Created(h)) => out.created.push(*h),
            Ok(ClientDraft::Skipped(reason)) => out.skipped.push(Skipped {
                client_key,
                reason: reason.into(),
            }),
            Err(e) => {
                tracing::warn!(client_key, error = ?e, "bulk generation failed for a client");
                out.failed.push(Failed {
                    client_key,
                    error: e.to_string(),
                });
            }
        }
    }
    out.created.sort_by(|a, b| a.client_key.cmp(&b.client_key));
    out.skipped.sort_by(|a, b| a.client_key.cmp(&b.client_key));
    out.failed.sort_by(|a, b| a.client_key.cmp(&b.client_key));
    Ok(out)
}

/// One invoice.
pub async fn get(stores: Stores<'_>, id: Uuid) -> Result<Invoice> {
    stores
        .invoices
        .get_invoice(id)
        .await?
        .map(|mut invoice| {
            invoice.fix_scales();
            invoice
        })
        .ok_or_else(|| Error::not_found("invoice"))
}

/// Invoices newest first.
pub async fn list(
    stores: Stores<'_>,
    filter: &InvoiceFilter,
    page: PageRequest,
) -> Result<Page<InvoiceHeader>> {
    stores.invoices.list_invoices(filter, page).await
}

/// The edit history, newest first.
pub async fn history(
    stores: Stores<'_>,
    id: Uuid,
    page: PageRequest,
) -> Result<Page<HistoryEntry>> {
    let history = stores.invoices.invoice_history(id, page).await?;
    if history.total == 0 {
        return Err(Error::not_found("invoice"));
    }
    Ok(history)
}

/// Read, check state and version, change, and write back conditionally.
async fn write_draft(
    stores: Stores<'_>,
    id: Uuid,
    expected_version: u64,
    actor: &Actor,
    action: EditAction,
    change: impl FnOnce(&mut Invoice) -> Result<Vec<Change>>,
) -> Result<Invoice> {
    let before = get(stores, id).await?;
    lifecycle::check(&before.header, Action::Edit, Some(expected_version))?;
    let mut after = before.clone();
    let changes = change(&mut after)?;
    after.header.version += 1;
    after.header.updated_at = actor.now;
    let entry = HistoryEntry {
        at: actor.now,
        actor: actor.name.clone(),
        action,
        version: after.header.version,
        changes,
    };
    match stores
        .invoices
        .update_invoice(&before, &after, &entry, &[])
        .await?
    {
        WriteOutcome::Written => Ok(after),
        WriteOutcome::Refused(r) => Err(lifecycle::refused(r, Action::Edit, &before.header)),
    }
}

/// What `patch` would be refused for on invoice `id` today (its rules, the dates against
/// the invoice included), without writing: the rule half of an answer whose body also had
/// fields that failed to read. A missing invoice is `NotFound`.
pub async fn patch_errors(
    stores: Stores<'_>,
    id: Uuid,
    patch: &InvoicePatch,
    today: chrono::NaiveDate,
) -> Result<Vec<crate::FieldError>> {
    let mut invoice = get(stores, id).await?;
    Ok(match apply_patch(&mut invoice, patch, today) {
        Err(Error::Validation { details, .. }) => details,
        _ => Vec::new(),
    })
}

/// `PATCH /invoices/{id}`.
pub async fn update(
    stores: Stores<'_>,
    id: Uuid,
    version: u64,
    patch: &InvoicePatch,
    actor: &Actor,
) -> Result<Invoice> {
    write_draft(stores, id, version, actor, EditAction::Updated, |inv| {
        apply_patch(inv, patch, actor.now.date_naive())
    })
    .await
}

/// `PATCH /invoices/{id}/line-items`.
pub async fn update_lines(
    stores: Stores<'_>,
    id: Uuid,
    version: u64,
    patch: &LineItemsPatch,
    actor: &Actor,
) -> Result<Invoice> {
    write_draft(
        stores,
        id,
        version,
        actor,
        EditAction::LineItemsChanged,
        |inv| apply_line_items(inv, patch),
    )
    .await
}

/// A regenerated draft and the hand edits regenerate replaced.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegeneratedInvoice {
    #[serde(flatten)]
    pub invoice: Invoice,
    /// Every worklog line whose description or unit price said something else than its
    /// worklogs and the client's current rate give now (a hand edit, or a rate changed
    /// since): what it said and what it says now. Empty when nothing was replaced. The
    /// history entry records the same change.
    pub dropped_edits: Vec<DroppedEdit>,
}

/// `PUT /invoices/{id}/regenerate`: worklog lines rebuilt from the current worklogs at the
/// client's current rate (regrouped by `group_by` when given), the client snapshot
/// refreshed; manual lines, notes, PO number, dates and tax rate kept.
pub async fn regenerate(
    stores: Stores<'_>,
    id: Uuid,
    version: u64,
    group_by: Option<GroupBy>,
    actor: &Actor,
) -> Result<RegeneratedInvoice> {
    let mut dropped = Vec::new();
    let current = get(stores, id).await?;
    let client = client(stores, &current.header.client_key).await?;
    super::draft::check_client_fits(&current.header, &client)?;
    let worklogs = stores
        .worklogs
        .worklogs_in_range(&client.key, current.header.period.range())
        .await?;
    let invoice = write_draft(stores, id, version, actor, EditAction::Regenerated, |inv| {
        let before = inv.header.clone();
        let before_lines = inv.line_items.clone();
        let places = minor_unit(&inv.header.currency);
        let mut changes = Vec::new();
        if let Some(g) = group_by
            && g != inv.header.group_by
        {
            changes.push(Change::of("group_by", &inv.header.group_by, &g));
            inv.header.group_by = g;
        }
        let fresh = worklog_lines(
            inv.header.id,
            &worklogs,
            inv.header.group_by,
            inv.header.period,
            client.hourly_rate,
            places,
        );
        let manual: Vec<_> = inv
            .line_items
            .drain(..)
            .filter(|l| l.source == LineSource::Manual)
            .collect();
        dropped = dropped_edits(&before_lines, &fresh);
        inv.line_items = fresh.into_iter().chain(manual).collect();
        let snapshot = crate::domain::invoice::model::ClientSnapshot::from(&client);
        if snapshot != inv.header.client {
            changes.push(Change::of("client", &inv.header.client, &snapshot));
            inv.header.client = snapshot;
        }
        inv.recompute_totals();
        changes.extend(crate::domain::invoice::history::line_changes(
            &before_lines,
            &inv.line_items,
        ));
        changes.extend(total_changes(&before, &inv.header));
        Ok(changes)
    })
    .await?;
    Ok(RegeneratedInvoice {
        invoice,
        dropped_edits: dropped,
    })
}
