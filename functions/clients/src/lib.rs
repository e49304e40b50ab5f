//! Clients function: `GET /api/v1/clients`, `/clients/{key}`, `/clients/{key}/worklogs`,
//! `PUT /api/v1/clients/{key}` (admin: create or replace a client), `DELETE
//! /clients/{key}/worklogs/{id}` (a worklog no issued invoice bills), and the currencies a
//! client may be invoiced in (`GET /api/v1/currencies`) with the Central Bank rate of a day
//! (`GET /api/v1/exchange-rates`).

use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use proxima::clients;
use proxima::domain::client::check_key;
use proxima::domain::{Client, ClientInput, DateRange, Period, Worklog};
use proxima::http::pagination::PaginationParams;
use proxima::http::{Admin, AuthUser, CheckedJsonBody, Data, KnownQuery, Paged, Pagination};
use proxima::invoice::uninvoiced::BilledBy;
use proxima::state::AppState;
use proxima::{Error, FieldError, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

type ErrorEnvelope = proxima::http::error::ErrorEnvelope;

/// Which clients `GET /clients` lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientListFilter {
    /// `true` (default): active clients; `false`: inactive ones.
    #[param(schema_with = proxima::http::openapi::boolean)]
    pub active: Option<String>,
}

impl ClientListFilter {
    /// Whether active (default) or inactive clients are asked for.
    pub fn active(&self) -> Result<bool> {
        match self.active.as_deref() {
            None | Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(Error::field("active", "must be true or false")),
        }
    }
}

/// Active clients (or, with `active=false`, inactive ones), ordered by key.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients",
    params(ClientListFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of clients", body = Paged<Client>),
        (status = 400, description = "Bad filter or pagination, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
async fn list_clients(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<ClientListFilter, PaginationParams>,
    Query(filter): Query<ClientListFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<Client>> {
    Ok(
        clients::list(state.clients.as_ref(), filter.active()?, page)
            .await?
            .into(),
    )
}

/// One client, active or not.
#[utoipa::path(get, path = "/api/v1/clients/{key}", tag = "clients",
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The client", body = Data<Client>),
        (status = 400, description = "Malformed key or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
async fn get_client(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Client>> {
    Ok(Data::ok(clients::get(state.clients.as_ref(), &key).await?))
}

/// Create or replace a client (admin): the body is the client as the import takes it (its
/// `key` must be the path's), validated as a whole (400 naming every bad field, e.g. a
/// `locale` other than `en`, `ru`, `uz`). A replaced client keeps its `created_at`.
/// Invoices already generated keep their snapshot of the client.
#[utoipa::path(put, path = "/api/v1/clients/{key}", tag = "clients", request_body = ClientInput,
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Data<Client>),
        (status = 201, description = "Created", body = Data<Client>),
        (status = 400, description = "Malformed key or bad body", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope)))]
async fn put_client(
    Admin(_user): Admin,
    State(state): State<AppState>,
    Path(key): Path<String>,
    CheckedJsonBody(input): CheckedJsonBody<ClientInput>,
) -> Result<Data<Client>> {
    check_key("key", &key)?;
    if input.key.trim() != key {
        return Err(Error::field("key", "must be the key in the path"));
    }
    let saved = clients::save(input, state.clients.as_ref(), chrono::Utc::now()).await?;
    Ok(if saved.created {
        Data::created(saved.client)
    } else {
        Data::ok(saved.client)
    })
}

/// A worklog as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklogView {
    pub id: Uuid,
    pub client_key: String,
    /// The local work date.
    pub date: NaiveDate,
    pub author: String,
    pub issue_key: String,
    pub issue_summary: String,
    pub description: String,
    pub minutes: u32,
    /// minutes / 60, rounded half away from zero to 2 places.
    #[serde(with = "proxima::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "1.50")]
    pub hours: Decimal,
    pub billable: bool,
    /// The live invoice whose lines bill this worklog (a draft, finalized or paid one);
    /// `null` while none does (see `GET /api/v1/reports/uninvoiced`).
    pub invoice_id: Option<Uuid>,
    /// That invoice's number once it is issued; `null` for a draft. An issued invoice's
    /// worklogs are locked: an import that would change them is refused.
    pub invoice_number: Option<String>,
}

impl WorklogView {
    fn of(w: Worklog, billed: &HashMap<Uuid, BilledBy>) -> Self {
        let by = billed.get(&w.id);
        Self {
            invoice_id: by.map(|b| b.invoice_id),
            invoice_number: by.and_then(|b| b.invoice_number.clone()),
            hours: w.hours(),
            id: w.id,
            client_key: w.client_key,
            date: w.date,
            author: w.author,
            issue_key: w.issue_key,
            issue_summary: w.issue_summary,
            description: w.description,
            minutes: w.minutes,
            billable: w.billable,
        }
    }
}

/// Which worklogs: a month, or a date range (both ends inclusive), or all.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklogFilter {
    /// `YYYY-MM`; not together with `from`/`to`.
    #[param(schema_with = proxima::http::openapi::period)]
    pub period: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = proxima::http::openapi::date)]
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = proxima::http::openapi::date)]
    pub to: Option<String>,
}

impl WorklogFilter {
    /// The date range asked for.
    pub fn range(&self) -> Result<DateRange> {
        let date = |name: &str,
                    v: &Option<String>|
         -> std::result::Result<Option<NaiveDate>, FieldError> {
            v.as_deref()
                .map(|s| {
                    // Exactly YYYY-MM-DD (chrono alone would take `2026-1-5`).
                    Some(s)
                        .filter(|s| s.len() == 10)
                        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                        .ok_or_else(|| FieldError::new(name, "must be a date written YYYY-MM-DD"))
                })
                .transpose()
        };
        if let Some(p) = &self.period {
            if self.from.is_some() || self.to.is_some() {
                return Err(Error::field(
                    "period",
                    "use either period or from/to, not both",
                ));
            }
            let period: Period = p
                .parse()
                .map_err(|_| Error::field("period", "must be a month written YYYY-MM"))?;
            return Ok(period.range());
        }
        let mut errors = Vec::new();
        let from = date("from", &self.from).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        let to = date("to", &self.to).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        let range = DateRange {
            from: from.unwrap_or(DateRange::ALL.from),
            to: to.unwrap_or(DateRange::ALL.to),
        };
        if range.from > range.to {
            return Err(Error::field("from", "must not be after to"));
        }
        Ok(range)
    }
}

/// A client's worklogs, ordered by date then id.
#[utoipa::path(get, path = "/api/v1/clients/{key}/worklogs", tag = "clients",
    params(("key" = String, Path, description = "Client key", pattern = "^[A-Z0-9_-]{1,64}$"),
        WorklogFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of worklogs", body = Paged<WorklogView>),
        (status = 400, description = "Malformed key, bad filter or pagination, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
async fn client_worklogs(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery<WorklogFilter, PaginationParams>,
    Query(filter): Query<WorklogFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<WorklogView>> {
    check_key("key", &key)?;
    let range = filter.range()?;
    let (page, billed) = clients::worklogs(state.stores(), &key, range, page).await?;
    Ok(page.map(|w| WorklogView::of(w, &billed)).into())
}

/// Delete a worklog of the client (imported by mistake). Refused (409 naming the invoice)
/// when an issued invoice bills it: its worklogs cannot change; credit the invoice and bill
/// the change anew. A draft that bills it keeps its line until it is regenerated. Nothing
/// is answered (204); an unknown worklog, or one of another client, is 404. Accountants and
/// admins.
#[utoipa::path(delete, path = "/api/v1/clients/{key}/worklogs/{id}", tag = "clients",
    params(("key" = String, Path, description = "Client key", pattern = "^[A-Z0-9_-]{1,64}$"),
        ("id" = Uuid, Path, description = "Worklog id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed key", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such worklog of this client (a malformed id too)", body = ErrorEnvelope),
        (status = 409, description = "An issued invoice bills it (named), or an import changed it meanwhile", body = ErrorEnvelope)))]
async fn delete_worklog(
    _user: proxima::http::InvoiceWriter,
    State(state): State<AppState>,
    Path((key, id)): Path<(String, String)>,
) -> Result<axum::http::StatusCode> {
    check_key("key", &key)?;
    let id = proxima::http::download::path_id(&id, "worklog")?;
    clients::delete_worklog(state.stores(), &key, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Which rate.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateQuery {
    /// ISO 4217 code of a foreign currency (`USD`).
    pub currency: Option<String>,
    /// The day, `YYYY-MM-DD` (default: today in Tashkent, the books' calendar).
    pub date: Option<String>,
}

/// The Central Bank rate that applies on a day: the last one published on or before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    pub currency: String,
    /// The day asked for.
    pub date: NaiveDate,
    /// The day the rate was published for (`date` or the last publication before it).
    pub published_on: NaiveDate,
    /// Soums per `nominal` units of the currency.
    #[schema(value_type = String, format = "decimal", example = "12735.37")]
    pub rate: Decimal,
    pub nominal: u32,
    /// `cbu` (fetched) or `correction` (set by hand, with its `reason`).
    pub origin: proxima::rates::RateOrigin,
    pub reason: Option<String>,
}

/// The Central Bank of Uzbekistan rate of a currency on a day, in soums per `nominal`
/// units: the last rate published on or before the day (the Bank publishes none on some
/// days). 404 when none is stored on or before it (fetch it: docs/api-guide.md). Any role.
#[utoipa::path(get, path = "/api/v1/exchange-rates", tag = "clients",
    params(RateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rate that applies", body = Data<RateView>),
        (status = 400, description = "No or a bad currency or date, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No rate stored on or before the day", body = ErrorEnvelope)))]
async fn exchange_rate(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<RateQuery>,
    Query(query): Query<RateQuery>,
) -> Result<Data<RateView>> {
    let (currency, date, rate) = proxima::rates::lookup::rate_that_applies(
        state.rates.as_ref(),
        query.currency.as_deref(),
        query.date.as_deref(),
        chrono::Utc::now(),
    )
    .await?;
    Ok(Data::ok(RateView {
        currency,
        date,
        published_on: rate.date,
        rate: rate.rate,
        nominal: rate.nominal,
        origin: rate.origin,
        reason: rate.reason,
    }))
}

/// The currencies a client may be invoiced in (active ISO 4217 currencies: no funds, metals,
/// SDR, test or superseded codes), by code, with the decimal places of their amounts and the
/// pattern amounts are written in: what a client form offers and checks.
#[utoipa::path(get, path = "/api/v1/currencies", tag = "clients",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every invoiceable currency", body = Data<Vec<proxima::domain::scale::InvoiceableCurrency>>),
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
async fn list_currencies(
    _user: AuthUser,
    _known: KnownQuery,
) -> Data<Vec<proxima::domain::scale::InvoiceableCurrency>> {
    Data::ok(proxima::domain::scale::invoiceable_currencies().to_vec())
}

proxima::function_routes! {
    "/api/v1/currencies" => get(list_currencies);
    "/api/v1/exchange-rates" => get(exchange_rate);
    "/api/v1/clients" => get(list_clients);
    "/api/v1/clients/{key}" => get(get_client), put(put_client);
    "/api/v1/clients/{key}/worklogs" => get(client_worklogs);
    "/api/v1/clients/{key}/worklogs/{id}" => delete(delete_worklog);
}
