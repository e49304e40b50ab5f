//! Reports across clients: the work no live invoice bills. Handlers translate HTTP to
//! `proxima::invoice::uninvoiced` and back.

use axum::extract::{Query, State};
use proxima::domain::Period;
use proxima::http::error::ErrorEnvelope;
use proxima::http::{AuthUser, Data, KnownQuery};
use proxima::invoice::uninvoiced::{UninvoicedWork, uninvoiced_report};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which periods the report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UninvoicedQuery {
    /// One month, `YYYY-MM`; absent: every period with worklogs.
    pub period: Option<String>,
}

/// Per client and period, the billable work no live invoice bills (a worklog imported after
/// its period was finalized, or after its draft was made and not regenerated): minutes,
/// hours, the amount at the client's current rate, the worklog ids, and the live invoice of
/// the period that does not bill them. Ordered by client key, then period.
#[utoipa::path(get, path = "/api/v1/reports/uninvoiced", tag = "invoices",
    params(UninvoicedQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The work no live invoice bills", body = Data<Vec<UninvoicedWork>>),
        (status = 400, description = "A period that is not a month, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn uninvoiced_work(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<UninvoicedQuery>,
    Query(query): Query<UninvoicedQuery>,
) -> Result<Data<Vec<UninvoicedWork>>> {
    let period = query
        .period
        .as_deref()
        .map(|p| {
            p.parse::<Period>()
                .map_err(|_| Error::field("period", "must be a month written YYYY-MM"))
        })
        .transpose()?;
    Ok(Data::ok(uninvoiced_report(state.stores(), period).await?))
}

/// The payment days the report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FxQuery {
    /// First payment day, `YYYY-MM-DD` (required).
    pub from: Option<String>,
    /// Last payment day, `YYYY-MM-DD` (required; less than 366 days after `from`).
    pub to: Option<String>,
}

/// Realised exchange differences of the payments made in a range: for each live payment
/// of an invoice in another currency than UZS, the paid amount in soums at the invoice's
/// frozen rate (its issue date's) and at the payment's (its day's), and the difference
/// (positive: a gain); the sums. Payments without frozen values (recorded before they were
/// kept) are counted in `not_valued` and left out. Any role.
#[utoipa::path(get, path = "/api/v1/reports/fx-differences", tag = "invoices",
    params(FxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The payments' exchange differences", body = Data<proxima::rates::fx::FxReport>),
        (status = 400, description = "A missing or bad day, a range too long, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn fx_differences(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<FxQuery>,
    Query(query): Query<FxQuery>,
) -> Result<Data<proxima::rates::fx::FxReport>> {
    let range = proxima::rates::fx::range(query.from.as_deref(), query.to.as_deref())?;
    Ok(Data::ok(
        proxima::rates::fx::fx_differences(state.invoices.as_ref(), range).await?,
    ))
}

/// Which aging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// `YYYY-MM-DD` (default: today, UTC). Today or later: from the open invoices; a day
    /// past: from the ledger's entries booked up to its end (UTC).
    pub as_of: Option<String>,
    /// Only this currency (ISO 4217).
    pub currency: Option<String>,
}

/// Accounts-receivable aging: per currency and per client what is due in buckets of days
/// past the due date as of `as_of` (`current`, `1_30`, `31_60`, `61_90`, `over_90`), and
/// the totals. As of a day past it is the state at that day: a payment recorded later
/// does not change it. Any role.
#[utoipa::path(get, path = "/api/v1/reports/ar-aging", tag = "invoices",
    params(AgingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The aging", body = Data<proxima::domain::ledger::aging::AgingReport>),
        (status = 400, description = "A bad day or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn ar_aging(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<AgingQuery>,
    Query(query): Query<AgingQuery>,
) -> Result<Data<proxima::domain::ledger::aging::AgingReport>> {
    let as_of = proxima::domain::request_values::query_date("as_of", query.as_of.as_deref())?;
    Ok(Data::ok(
        proxima::ledger::reports::ar_aging(
            state.stores(),
            as_of,
            query.currency.as_deref(),
            chrono::Utc::now(),
        )
        .await?,
    ))
}
