//! A local stand-in for the Central Bank of Uzbekistan's rate archive, served on loopback
//! in the Bank's documented format (`/uz/arkhiv-kursov-valyut/json/all/YYYY-MM-DD/`, and
//! `/json/<CCY>/YYYY-MM-DD/`). Its answers start from a recorded one
//! (`infra/fixtures/cbu/all-2026-12-02.json`: USD, EUR, RUB and KRW, whose `Nominal` is 10)
//! and move by a fixed step per day, so every day has its own rates and the same day always
//! the same. Sundays, 8 December (Constitution Day) and 1 January are gap days: the Bank
//! publishes nothing, and the answer is the last publication before, with its own `Date`.
//! Tests inject failures (a 500, a malformed body, a slow answer, a currency left out).
//! The tests and the local stack start it; the real base URL is configuration
//! (`CBU_BASE_URL`).

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The recorded answer the fake's rates start from.
const RECORDED: &str = include_str!("../fixtures/cbu/all-2026-12-02.json");
/// The recorded answer's day.
const RECORDED_DAY: (i32, u32, u32) = (2026, 12, 2);

/// A failure the next request gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 500 Internal Server Error.
    ServerError,
    /// 200 with a body that is not the format.
    Malformed,
    /// The answer comes after this long.
    Slow(Duration),
    /// The answer leaves this currency out.
    Without(String),
}

#[derive(Default)]
struct Shared {
    faults: Mutex<VecDeque<Fault>>,
    requests: AtomicU32,
}

/// A running fake.
pub struct CbuFake {
    /// `http://127.0.0.1:<port>`: the `CBU_BASE_URL` of whoever fetches from it.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl CbuFake {
    /// Serve on a free loopback port until the runtime ends.
    pub async fn start() -> Result<Self> {
        Self::start_on(0).await
    }

    /// Serve on loopback `port` (0: a free one) until the runtime ends.
    pub async fn start_on(port: u16) -> Result<Self> {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/uz/arkhiv-kursov-valyut/json/all/{day}/", get(all))
            .route("/uz/arkhiv-kursov-valyut/json/{ccy}/{day}/", get(one))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .context("bind the Central Bank fake")?;
        let base_url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { base_url, shared })
    }

    /// The next requests get `faults`, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut queue) = self.shared.faults.lock() {
            queue.extend(faults);
        }
    }

    /// Requests served so far.
    pub fn requests(&self) -> u32 {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

/// Whether the Bank publishes on `day`.
pub fn publishes_on(day: NaiveDate) -> bool {
    !(day.weekday() == Weekday::Sun
        || (day.month(), day.day()) == (12, 8)
        || (day.month(), day.day()) == (1, 1))
}

/// The last day on or before `day` the Bank published on.
pub fn publication_day(day: NaiveDate) -> NaiveDate {
    let mut d = day;
    while !publishes_on(d) {
        d = d.checked_sub_days(Days::new(1)).unwrap_or(d);
    }
    d
}

/// The answer for `day`: the recorded list, each rate moved by 0.01 % of itself per day
/// from the recorded day (rounded to the recorded places), dated the publication day.
pub fn published(day: NaiveDate) -> Vec<Value> {
    let (y, m, d) = RECORDED_DAY;
    let recorded_day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    let on = publication_day(day);
    let steps = (on - recorded_day).num_days();
    let recorded: Vec<Value> = serde_json::from_str(RECORDED).unwrap_or_default();
    recorded
        .into_iter()
        .map(|mut entry| {
            let rate: Decimal = entry["Rate"]
                .as_str()
                .and_then(|r| r.parse().ok())
                .unwrap_or_default();
            let moved = rate + rate * Decimal::new(steps, 4);
            entry["Rate"] = Value::String(moved.round_dp(rate.scale()).to_string());
            entry["Date"] = Value::String(on.format("%d.%m.%Y").to_string());
            entry
        })
        .collect()
}

fn answer(shared: &Shared, day: &str, only: Option<&str>) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let Ok(day) = day.parse::<NaiveDate>() else {
        return (StatusCode::NOT_FOUND, "no such day").into_response();
    };
    let fault = shared.faults.lock().ok().and_then(|mut q| q.pop_front());
    let mut list = published(day);
    if let Some(ccy) = only {
        list.retain(|e| e["Ccy"] == ccy);
    }
    match fault {
        Some(Fault::ServerError) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "try later").into_response()
        }
        Some(Fault::Malformed) => (StatusCode::OK, "<html>maintenance</html>").into_response(),
        Some(Fault::Without(ccy)) => {
            list.retain(|e| e["Ccy"] != ccy.as_str());
            axum::Json(list).into_response()
        }
        Some(Fault::Slow(_)) | None => axum::Json(list).into_response(),
    }
}

async fn all(State(shared): State<Arc<Shared>>, Path(day): Path<String>) -> Response {
    slow_if_asked(&shared).await;
    answer(&shared, &day, None)
}

async fn one(
    State(shared): State<Arc<Shared>>,
    Path((ccy, day)): Path<(String, String)>,
) -> Response {
    slow_if_asked(&shared).await;
    answer(&shared, &day, Some(&ccy.to_ascii_uppercase()))
}

/// A `Slow` fault at the head of the queue is taken and delays this answer (a client that
/// gives up first drops the request; the fault is spent either way).
async fn slow_if_asked(shared: &Shared) {
    let delay = shared.faults.lock().ok().and_then(|mut q| match q.front() {
        Some(Fault::Slow(d)) => {
            let d = *d;
            q.pop_front();
            Some(d)
        }
        _ => None,
    });
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_days_answer_the_last_publication_with_its_date() {
        let sunday: NaiveDate = "2026-12-06".parse().unwrap();
        let list = published(sunday);
        assert_eq!(list[0]["Date"], "05.12.2026");
        assert_eq!(
            published("2026-12-08".parse().unwrap())[0]["Date"],
            "07.12.2026"
        );
        assert_eq!(
            published("2026-12-02".parse().unwrap())[0]["Rate"],
            "12735.37"
        );
        assert_ne!(
            published("2026-12-03".parse().unwrap())[0]["Rate"],
            "12735.37"
        );
        assert_eq!(list[3]["Nominal"], "10");
    }
}
