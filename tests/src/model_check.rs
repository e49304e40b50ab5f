//! The model-based concurrency checker: workers fire random interleavings of every write
//! that changes an invoice (generate, edit, regenerate, finalize, payments and their
//! reversal, credit notes, void, send, delete), with replays of the same
//! `Idempotency-Key`, reused keys and stale `If-Match` versions, at a few invoices at once;
//! then the invariants are read from the table itself (a consistent scan, not the API).
//!
//! The run is decided by a seed (`MODEL_SEED=<n>` replays one; the schedule of the
//! requests still depends on timing, so a replay tries the same operations in the same
//! order per worker, not necessarily the same interleaving).

use crate::{Reply, TestApp, last_month};
use proxima::domain::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// How big a run is.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub workers: usize,
    pub operations_per_worker: usize,
    /// The clients whose last month is invoiced (one live invoice each at a time).
    pub clients: Vec<String>,
}

/// What a run did, printed by the test.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub operations: usize,
    pub accepted: usize,
    pub refused: usize,
    pub conflicts: usize,
    pub replays: usize,
    pub unavailable: usize,
    pub invariant_checks: usize,
    /// Per operation: (accepted, refused).
    pub by_operation: BTreeMap<&'static str, (usize, usize)>,
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} operations, {} accepted, {} refused ({} conflicts), {} replays, {} unavailable, {} invariant checks; ",
            self.operations,
            self.accepted,
            self.refused,
            self.conflicts,
            self.replays,
            self.unavailable,
            self.invariant_checks
        )?;
        let per: Vec<String> = self
            .by_operation
            .iter()
            .map(|(op, (a, r))| format!("{op} {a}/{r}"))
            .collect();
        write!(f, "accepted/refused per operation: {}", per.join(", "))
    }
}

/// A request with an `Idempotency-Key` as first sent, to be sent again.
#[derive(Debug, Clone)]
struct Keyed {
    role: Role,
    method: Method,
    path: String,
    key: String,
    body: Value,
    status: u16,
    /// The invoices the request writes to.
    invoices: Vec<Uuid>,
}

/// What the workers know and count together.
#[derive(Default)]
struct World {
    invoices: Vec<Uuid>,
    payments: HashMap<Uuid, Vec<Uuid>>,
    /// Write-offs recorded per invoice (for reversals).
    write_offs: HashMap<Uuid, Vec<Uuid>>,
    /// Each invoice's client and currency, as seen.
    accounts: HashMap<Uuid, (String, String)>,
    keyed: Vec<Keyed>,
    /// Accepted writes per invoice (creation included), each of which must have left one
    /// history entry.
    writes: HashMap<Uuid, u64>,
    /// Writes whose outcome is unknown (503 or a dropped answer): 0 or 1 entry each.
    unknown: HashMap<Uuid, u64>,
    figures: Figures,
    problems: Vec<String>,
}

/// The operations, with their weights.
const OPERATIONS: &[(&str, u32)] = &[
    ("generate", 2),
    ("patch", 3),
    ("stale_patch", 2),
    ("regenerate", 1),
    ("edit_lines", 2),
    ("finalize", 4),
    ("pay", 8),
    ("overpay", 1),
    ("reverse", 6),
    ("write_off", 3),
    ("reverse_write_off", 2),
    ("credit", 5),
    ("credit_full", 1),
    ("void", 2),
    ("send", 1),
    ("delete", 1),
    ("replay", 4),
    ("reuse_key", 1),
    ("transfer", 5),
    ("apply_credit", 3),
    ("refund", 2),
];

fn pick_operation(rng: &mut StdRng) -> &'static str {
    let total: u32 = OPERATIONS.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (op, w) in OPERATIONS {
        if n < *w {
            return op;
        }
        n -= w;
    }
    OPERATIONS[0].0
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap_or_else(|_| panic!("decimal {s}")),
        Value::Number(n) => Decimal::from_str(&n.to_string()).expect("decimal"),
        Value::Null => Decimal::ZERO,
        other => panic!("not a decimal: {other}"),
    }
}

struct Tokens {
    accountant: String,
    admin: String,
}

impl Tokens {
    fn of(&self, role: Role) -> &str {
        match role {
            Role::Admin => &self.admin,
            _ => &self.accountant,
        }
    }
}

/// Run the plan on `app` (seeded with the demo data) and check every invariant.
pub async fn run(app: &TestApp, plan: &Plan) -> Result<Figures, String> {
    let tokens = Arc::new(Tokens {
        accountant: app.token(Role::Accountant).await,
        admin: app.token(Role::Admin).await,
    });
    let world = Arc::new(Mutex::new(World::default()));
    let workers = (0..plan.workers).map(|w| {
        let tokens = tokens.clone();
        let world = world.clone();
        let seed = plan
            .seed
            .wrapping_add((w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        async move {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..plan.operations_per_worker {
                step(app, &tokens, &world, &plan.clients, &mut rng).await;
            }
        }
    });
    futures::future::join_all(workers).await;
    let (mut figures, mut problems, writes, unknown) = {
        let w = world.lock().expect("world");
        (
            w.figures.clone(),
            w.problems.clone(),
            w.writes.clone(),
            w.unknown.clone(),
        )
    };
    let checks = check_table(app, &writes, &unknown, &mut problems).await;
    let shown = check_api(app, &tokens.accountant, &mut problems).await;
    figures.invariant_checks = checks + shown;
    if problems.is_empty() {
        Ok(figures)
    } else {
        Err(format!(
            "seed {}: {} problem(s):\n{}\nfigures: {figures}",
            plan.seed,
            problems.len(),
            problems.join("\n")
        ))
    }
}

/// What one request did, as counted.
enum Counted {
    /// A write that took effect (first time): one more history entry on each invoice.
    Wrote(Vec<Uuid>),
    /// A new invoice.
    Created(Uuid),
    Refused,
    Unknown(Vec<Uuid>),
    /// A replay, or a refusal that changed nothing.
    Nothing,
    /// Nothing was sent (no payment known to reverse).
    Skipped,
}

async fn step(
    app: &TestApp,
    tokens: &Tokens,
    world: &Mutex<World>,
    clients: &[String],
    rng: &mut StdRng,
) {
    let op = pick_operation(rng);
    let target = {
        let w = world.lock().expect("world");
        if w.invoices.is_empty() {
            None
        } else if rng.random_bool(0.8) {
            // Mostly the newest invoices (each client's live one), sometimes any.
            let recent = w.invoices.len().saturating_sub(clients.len());
            Some(w.invoices[rng.random_range(recent..w.invoices.len())])
        } else {
            Some(w.invoices[rng.random_range(0..w.invoices.len())])
        }
    };
    let op = match (op, target) {
        (_, None) => "generate",
        (op, _) => op,
    };
    let (reply, counted) = match op {
        "generate" => {
            let client = &clients[rng.random_range(0..clients.len())];
            let key = Uuid::new_v4().to_string();
            let body = json!({"client_key": client, "period": last_month().to_string()});
            let r = keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                "/api/v1/invoices/generate".into(),
                key,
                body,
                Vec::new(),
            )
            .await;
            let counted = match r.status {
                201 => match r.body["data"]["id"].as_str().and_then(|s| s.parse().ok()) {
                    Some(id) => Counted::Created(id),
                    None => Counted::Refused,
                },
                _ => Counted::Refused,
            };
            (r, counted)
        }
        "replay" | "reuse_key" => {
            let Some(k) = ({
                let w = world.lock().expect("world");
                (!w.keyed.is_empty()).then(|| w.keyed[rng.random_range(0..w.keyed.len())].clone())
            }) else {
                return;
            };
            let mut body = k.body.clone();
            if op == "reuse_key" {
                body["reason"] = json!(format!("another request {}", Uuid::new_v4()));
            }
            let r = app
                .send(
                    app.request(k.method.clone(), &k.path, Some(tokens.of(k.role)))
                        .header("idempotency-key", &k.key)
                        .json(&body),
                )
                .await;
            let mut w = world.lock().expect("world");
            w.figures.replays += 1;
            if op == "replay" {
                let replayed = r.headers.get("idempotent-replayed").is_some();
                let in_progress = r.status == 409 && r.headers.get("retry-after").is_some();
                let retried_server_error = k.status >= 500;
                if !(replayed && r.status == k.status || in_progress || retried_server_error) {
                    w.problems.push(format!(
                        "replay of {} {} answered {} (first {}), replayed header {replayed}: {}",
                        k.method, k.path, r.status, k.status, r.body
                    ));
                }
            } else if r.status != 422 && r.status != 409 {
                w.problems.push(format!(
                    "a reused key with another body on {} answered {}: {}",
                    k.path, r.status, r.body
                ));
            }
            let counted = if op == "replay" && k.status >= 500 && k.path.ends_with("/generate") {
                match (
                    r.status,
                    r.body["data"]["id"].as_str().and_then(|s| s.parse().ok()),
                ) {
                    (201, Some(id)) => Counted::Created(id),
                    _ => Counted::Nothing,
                }
            } else if op == "replay" && k.status >= 500 {
                // A retry of a request that failed runs again: count it as new.
                match r.status {
                    200..=299 => Counted::Wrote(k.invoices.clone()),
                    500.. => Counted::Unknown(k.invoices.clone()),
                    _ => Counted::Nothing,
                }
            } else {
                Counted::Nothing
            };
            drop(w);
            (r, counted)
        }
        _ => {
            let id = target.expect("an invoice");
            // A third of the time the same request goes out two or three times at once, as
            // a double click or a client's retry does (same amounts, same payment).
            let burst = if rng.random_bool(0.3) {
                rng.random_range(2..=3)
            } else {
                1
            };
            let same = rng.random::<u64>();
            let all = futures::future::join_all((0..burst).map(|_| async move {
                let mut rng = StdRng::seed_from_u64(same);
                invoice_operation(app, tokens, world, op, id, &mut rng).await
            }))
            .await;
            for (reply, counted) in all {
                tally(world, op, &reply, counted);
            }
            return;
        }
    };
    tally(world, op, &reply, counted);
}

/// Count what one request did, and note what no request may do.
fn tally(world: &Mutex<World>, op: &'static str, reply: &Reply, counted: Counted) {
    if matches!(counted, Counted::Skipped) {
        return;
    }
    let mut w = world.lock().expect("world");
    w.figures.operations += 1;
    let entry = w.figures.by_operation.entry(op).or_default();
    match reply.status {
        200..=299 => entry.0 += 1,
        _ => entry.1 += 1,
    }
    match reply.status {
        200..=299 => w.figures.accepted += 1,
        503 => w.figures.unavailable += 1,
        400..=499 => {
            w.figures.refused += 1;
            if reply.status == 409 {
                w.figures.conflicts += 1;
            }
        }
        _ => {}
    }
    if reply.status >= 500 && reply.status != 503 {
        w.problems
            .push(format!("{op} answered {}: {}", reply.status, reply.body));
    }
    if reply.status == 400
        && matches!(
            op,
            "generate"
                | "patch"
                | "stale_patch"
                | "regenerate"
                | "reverse"
                | "reverse_write_off"
                | "void"
                | "send"
                | "delete"
        )
    {
        // Every request the checker builds is well formed; only amounts (a payment or a
        // credit beyond what remains, a zero total) may be refused as 400.
        w.problems
            .push(format!("{op} answered 400: {}", reply.body));
    }
    match counted {
        Counted::Created(id) => {
            w.invoices.push(id);
            *w.writes.entry(id).or_default() += 1;
        }
        Counted::Wrote(ids) => {
            for id in ids {
                *w.writes.entry(id).or_default() += 1;
            }
        }
        Counted::Unknown(ids) => {
            for id in ids {
                *w.unknown.entry(id).or_default() += 1;
            }
        }
        Counted::Refused | Counted::Nothing | Counted::Skipped => {}
    }
}

/// Send a request with a fresh `Idempotency-Key` and remember it for replays.
#[allow(clippy::too_many_arguments)]
async fn keyed(
    app: &TestApp,
    tokens: &Tokens,
    world: &Mutex<World>,
    role: Role,
    method: Method,
    path: String,
    key: String,
    body: Value,
    invoices: Vec<Uuid>,
) -> Reply {
    let r = app
        .send(
            app.request(method.clone(), &path, Some(tokens.of(role)))
                .header("idempotency-key", &key)
                .json(&body),
        )
        .await;
    // A 409 "in progress" cannot happen for a fresh key. A refusal the key does not
    // remember (a 403 past the write-off tolerance, a 429) released it: a repeat runs
    // afresh, so it is no replay to check. A 5xx is kept: its retry runs again (checked).
    let status = axum::http::StatusCode::from_u16(r.status).expect("a status");
    if !(proxima::http::idempotency::remembered(status, true) || status.is_server_error()) {
        return r;
    }
    world.lock().expect("world").keyed.push(Keyed {
        role,
        method,
        path,
        key,
        body,
        status: r.status,
        invoices,
    });
    r
}

async fn invoice_operation(
    app: &TestApp,
    tokens: &Tokens,
    world: &Mutex<World>,
    op: &'static str,
    id: Uuid,
    rng: &mut StdRng,
) -> (Reply, Counted) {
    let path = format!("/api/v1/invoices/{id}");
    let current = app.get(&path, Some(&tokens.accountant)).await;
    let inv = &current.body["data"];
    let version = inv["version"].as_u64().unwrap_or(1);
    let due = dec(&inv["amount_due"]);
    let total = dec(&inv["total"]);
    let issued_on = inv["issue_date"].clone();
    let key = Uuid::new_v4().to_string();
    let client = inv["client_key"].as_str().unwrap_or_default().to_string();
    let currency = inv["currency"].as_str().unwrap_or_default().to_string();
    if !client.is_empty() {
        world
            .lock()
            .expect("world")
            .accounts
            .insert(id, (client.clone(), currency.clone()));
    }
    let places = if due.scale() == 0 { 0 } else { 2 };
    // The invoices the request writes to, when not just `id`.
    let mut touched: Option<Vec<Uuid>> = None;
    let reply = match op {
        "transfer" => {
            // One transfer: all of what is due, half of it, or a cent more (refused), on the
            // invoice; sometimes also all of what is due on another invoice the checker knows
            // (of another client, void or paid: refused as a whole; of the same client: two
            // invoices paid at once); sometimes more than allocated (credit balance).
            let first = match rng.random_range(0..3) {
                0 => due,
                1 => (due / Decimal::TWO).round_dp(places),
                _ => due + Decimal::new(1, places),
            };
            let mut allocations = Vec::new();
            let mut ids = Vec::new();
            let mut sum = Decimal::ZERO;
            if first > Decimal::ZERO {
                allocations.push(json!({"invoice_id": id, "amount": first.to_string()}));
                ids.push(id);
                sum += first;
            }
            let other = {
                let w = world.lock().expect("world");
                (rng.random_bool(0.3) && w.invoices.len() > 1)
                    .then(|| w.invoices[rng.random_range(0..w.invoices.len())])
                    .filter(|o| *o != id)
            };
            if let Some(o) = other {
                let r = app
                    .get(&format!("/api/v1/invoices/{o}"), Some(&tokens.accountant))
                    .await;
                let their_due = dec(&r.body["data"]["amount_due"]);
                if their_due > Decimal::ZERO {
                    allocations.push(json!({"invoice_id": o, "amount": their_due.to_string()}));
                    ids.push(o);
                    sum += their_due;
                }
            }
            let extra =
                [Decimal::ZERO, Decimal::new(1, places), Decimal::from(25)][rng.random_range(0..3)];
            let amount = (sum + extra).max(Decimal::new(1, places));
            let r = keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("/api/v1/clients/{client}/payments"),
                key,
                json!({"amount": amount.to_string(), "currency": currency, "received_on": issued_on,
                       "method": "bank_transfer", "reference": "model check", "allocations": allocations}),
                ids.clone(),
            )
            .await;
            if r.status == 201 {
                let mut w = world.lock().expect("world");
                for a in r.body["data"]["payment"]["allocations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let (Some(inv), Some(pid)) = (
                        a["invoice_id"].as_str().and_then(|s| s.parse().ok()),
                        a["payment_id"].as_str().and_then(|s| s.parse().ok()),
                    ) {
                        w.payments.entry(inv).or_default().push(pid);
                    }
                }
            }
            touched = Some(ids);
            r
        }
        "apply_credit" => {
            let amount = match rng.random_range(0..3) {
                0 => due,
                1 => (due / Decimal::TWO).round_dp(places),
                _ => Decimal::new(1, places),
            }
            .max(Decimal::new(1, places));
            let r = keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/apply-credit"),
                key,
                json!({"amount": amount.to_string()}),
                vec![id],
            )
            .await;
            if r.status == 201
                && let Some(pid) = r.body["data"]["payment"]["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            {
                world
                    .lock()
                    .expect("world")
                    .payments
                    .entry(id)
                    .or_default()
                    .push(pid);
            }
            r
        }
        "refund" => {
            let amount = [
                Decimal::new(1, places),
                Decimal::from(10),
                Decimal::from(1000),
            ][rng.random_range(0..3)];
            touched = Some(Vec::new());
            keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("/api/v1/clients/{client}/refunds"),
                key,
                json!({"amount": amount.to_string(), "currency": currency, "paid_on": issued_on,
                       "method": "bank_transfer"}),
                Vec::new(),
            )
            .await
        }
        "patch" | "stale_patch" => {
            let v = if op == "stale_patch" {
                version.saturating_sub(rng.random_range(1..3)).max(1)
            } else {
                version
            };
            app.send(
                app.request(Method::PATCH, &path, Some(&tokens.accountant))
                    .header("if-match", v.to_string())
                    .json(&json!({"notes": format!("note {}", rng.random::<u32>())})),
            )
            .await
        }
        "edit_lines" => {
            let price = Decimal::new(rng.random_range(1_000..50_000), 2);
            app.send(
                app.request(
                    Method::PATCH,
                    &format!("{path}/line-items"),
                    Some(&tokens.accountant),
                )
                .header("if-match", version.to_string())
                .json(&json!({"add": [{"description": "extra work", "quantity": "1.50", "unit_price": price.to_string()}]})),
            )
            .await
        }
        "regenerate" => {
            app.send(
                app.request(
                    Method::PUT,
                    &format!("{path}/regenerate"),
                    Some(&tokens.accountant),
                )
                .header("if-match", version.to_string()),
            )
            .await
        }
        "finalize" => {
            keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/finalize"),
                key,
                json!({}),
                vec![id],
            )
            .await
        }
        "pay" | "overpay" => {
            let places = if due.scale() == 0 { 0 } else { 2 };
            let amount = if op == "overpay" {
                due + Decimal::new(1, places)
            } else {
                match rng.random_range(0..3) {
                    0 => due,
                    1 => (due / Decimal::TWO).round_dp(places),
                    _ => (due / Decimal::from(5)).round_dp(places),
                }
            };
            let amount = if amount <= Decimal::ZERO {
                Decimal::new(1, places)
            } else {
                amount
            };
            let r = keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/payments"),
                key,
                json!({"amount": amount.to_string(), "paid_on": issued_on, "method": "bank_transfer"}),
                vec![id],
            )
            .await;
            if r.status == 201
                && let Some(pid) = r.body["data"]["payment"]["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            {
                world
                    .lock()
                    .expect("world")
                    .payments
                    .entry(id)
                    .or_default()
                    .push(pid);
            }
            r
        }
        "reverse" => {
            let known = world
                .lock()
                .expect("world")
                .payments
                .get(&id)
                .cloned()
                .unwrap_or_default();
            if known.is_empty() {
                return (current, Counted::Skipped);
            }
            let pid = known[rng.random_range(0..known.len())];
            app.send(
                app.request(
                    Method::DELETE,
                    &format!("{path}/payments/{pid}"),
                    Some(&tokens.admin),
                )
                .json(&json!({"reason": "bounced"})),
            )
            .await
        }
        "write_off" => {
            // Half the time an admin, any amount: all of what is due, half of it, or a bit
            // more than due (refused); else an accountant, small amounts that add up past the
            // tolerance (50.00 USD/EUR, 500000.00 UZS in all per invoice; 403 past it).
            let places = if due.scale() == 0 { 0 } else { 2 };
            let role = if rng.random_bool(0.5) {
                Role::Admin
            } else {
                Role::Accountant
            };
            let amount = match (role, rng.random_range(0..4)) {
                (Role::Admin, 0) => due,
                (Role::Admin, 1) => (due / Decimal::TWO).round_dp(places),
                (Role::Admin, 2) => due + Decimal::new(1, places),
                (Role::Admin, _) => (due / Decimal::from(10)).round_dp(places),
                (_, 0) => Decimal::new(1, places),
                (_, 1) => Decimal::from(20),
                (_, 2) => Decimal::from(30),
                (_, _) => Decimal::from(200_000),
            };
            let amount = if amount <= Decimal::ZERO {
                Decimal::new(1, places)
            } else {
                amount
            };
            let r = keyed(
                app,
                tokens,
                world,
                role,
                Method::POST,
                format!("{path}/write-off"),
                key,
                json!({"amount": amount.to_string(), "reason": "bank_fee"}),
                vec![id],
            )
            .await;
            if r.status == 201
                && let Some(wid) = r.body["data"]["write_off"]["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            {
                world
                    .lock()
                    .expect("world")
                    .write_offs
                    .entry(id)
                    .or_default()
                    .push(wid);
            }
            r
        }
        "reverse_write_off" => {
            let known = world
                .lock()
                .expect("world")
                .write_offs
                .get(&id)
                .cloned()
                .unwrap_or_default();
            if known.is_empty() {
                return (current, Counted::Skipped);
            }
            let wid = known[rng.random_range(0..known.len())];
            app.send(
                app.request(
                    Method::DELETE,
                    &format!("{path}/write-offs/{wid}"),
                    Some(&tokens.admin),
                )
                .json(&json!({"reason": "the bank refunded its fee"})),
            )
            .await
        }
        "credit" | "credit_full" => {
            let body = if op == "credit_full" {
                json!({"reason": "whole invoice", "full": true})
            } else {
                let share = [1, 3, 10, 50][rng.random_range(0..4)];
                let price = (total / Decimal::from(share))
                    .round_dp(2)
                    .max(Decimal::new(1, 2));
                json!({"reason": "part", "lines": [{"description": "credited work", "quantity": "1", "unit_price": price.to_string()}]})
            };
            keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/credit-notes"),
                key,
                body,
                vec![id],
            )
            .await
        }
        "void" => {
            keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/void"),
                key,
                json!({"reason": "issued in error"}),
                vec![id],
            )
            .await
        }
        "send" => {
            keyed(
                app,
                tokens,
                world,
                Role::Accountant,
                Method::POST,
                format!("{path}/send"),
                key,
                json!({}),
                vec![id],
            )
            .await
        }
        "delete" => {
            app.send(
                app.request(Method::DELETE, &path, Some(&tokens.accountant))
                    .header("if-match", version.to_string()),
            )
            .await
        }
        other => panic!("unknown operation {other}"),
    };
    let touched = touched.unwrap_or_else(|| vec![id]);
    let counted = match reply.status {
        200..=299 => Counted::Wrote(touched),
        503 | 500.. => Counted::Unknown(touched),
        _ => Counted::Refused,
    };
    (reply, counted)
}

/// Every item of the test's table, grouped by partition key.
async fn scan(app: &TestApp) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut start = None;
    loop {
        let page = app
            .dynamodb
            .scan()
            .table_name(&app.table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan the table");
        for item in page.items() {
            // Binary attributes (stored response bodies) say nothing about money.
            let mut item = item.clone();
            item.retain(|_, a| !a.is_b() && !a.is_bs());
            let v: Value = serde_dynamo::from_item(item).expect("item as JSON");
            let pk = v["pk"].as_str().unwrap_or_default().to_string();
            out.entry(pk).or_default().push(v);
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
    out
}

/// Check what the API shows of every invoice against its own amounts: nothing due on drafts
/// and void invoices, `amount_due` = max(0, total - paid - credited) otherwise, and
/// `amount_overpaid` = max(0, paid + credited - total); returns the number of checks made.
async fn check_api(app: &TestApp, token: &str, problems: &mut Vec<String>) -> usize {
    let items = scan(app).await;
    let mut checks = 0;
    for pk in items.keys() {
        let Some(id) = pk.strip_prefix("INVOICE#") else {
            continue;
        };
        if !items[pk].iter().any(|i| i["sk"] == "INVOICE") {
            continue;
        }
        let reply = app
            .get(&format!("/api/v1/invoices/{id}"), Some(token))
            .await;
        let h = &reply.body["data"];
        let (total, paid, credited, written_off) = (
            dec(&h["total"]),
            dec(&h["amount_paid"]),
            dec(&h["amount_credited"]),
            dec(&h["amount_written_off"]),
        );
        let (due, overpaid) = (dec(&h["amount_due"]), dec(&h["amount_overpaid"]));
        let owed = match h["status"].as_str() {
            Some("draft" | "void") => Decimal::ZERO,
            _ => (total - paid - credited - written_off).max(Decimal::ZERO),
        };
        let over = (paid + credited + written_off - total).max(Decimal::ZERO);
        for (ok, what) in [
            (
                reply.status == 200,
                format!("invoice {id}: GET answered {}", reply.status),
            ),
            (
                due == owed,
                format!(
                    "invoice {id} ({}): amount_due {due} shown, {owed} owed",
                    h["status"]
                ),
            ),
            (
                overpaid == over,
                format!("invoice {id}: amount_overpaid {overpaid} shown, {over} expected"),
            ),
        ] {
            checks += 1;
            if !ok {
                problems.push(what);
            }
        }
    }
    checks
}

/// Check every invariant against the table; returns the number of checks made.
async fn check_table(
    app: &TestApp,
    writes: &HashMap<Uuid, u64>,
    unknown: &HashMap<Uuid, u64>,
    problems: &mut Vec<String>,
) -> usize {
    let items = scan(app).await;
    let mut checks = 0;
    let mut check = |ok: bool, what: String| {
        checks += 1;
        if !ok {
            problems.push(what);
        }
    };
    // Credit notes by invoice.
    let mut notes: HashMap<String, Vec<&Value>> = HashMap::new();
    let mut note_numbers: Vec<&str> = Vec::new();
    let mut invoice_numbers: Vec<&str> = Vec::new();
    for (pk, group) in &items {
        if pk.starts_with("CREDIT_NOTE#") {
            for note in group.iter().filter(|i| i["sk"] == "CREDIT_NOTE") {
                notes
                    .entry(note["invoice_id"].as_str().unwrap_or_default().to_string())
                    .or_default()
                    .push(note);
                note_numbers.extend(note["number"].as_str());
            }
        }
    }
    // The outbox (no relay runs here): each event's detail, by the invoice it is about.
    let mut outbox: HashMap<String, Vec<(String, Value)>> = HashMap::new();
    for item in items.get("OUTBOX").into_iter().flatten() {
        let detail: Value =
            serde_json::from_str(item["detail"].as_str().unwrap_or("null")).unwrap_or_default();
        let kind = item["detail_type"].as_str().unwrap_or_default().to_string();
        let invoice = detail["invoice_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        outbox.entry(invoice).or_default().push((kind, detail));
    }
    let mut live: HashMap<(String, String), Vec<String>> = HashMap::new();
    // Per client and currency, what its invoices say the account holds.
    let mut accounts: BTreeMap<(String, String), AccountFigures> = BTreeMap::new();
    let mut invoice_dues: HashMap<String, ((String, String), Decimal)> = HashMap::new();
    for (pk, group) in &items {
        let Some(id) = pk.strip_prefix("INVOICE#") else {
            continue;
        };
        let header = group.iter().find(|i| i["sk"] == "INVOICE");
        let history: Vec<u64> = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("HISTORY#")))
            .filter_map(|i| i["version"].as_u64())
            .collect();
        // One history entry per accepted write, numbered 1..n; the header at version n.
        let uuid: Uuid = id.parse().expect("invoice id");
        let accepted = writes.get(&uuid).copied().unwrap_or(0);
        let maybe = unknown.get(&uuid).copied().unwrap_or(0);
        let n = history.len() as u64;
        let mut sorted = history.clone();
        sorted.sort_unstable();
        check(
            sorted == (1..=n).collect::<Vec<_>>(),
            format!("invoice {id}: history versions {sorted:?} are not 1..{n}"),
        );
        check(
            n >= accepted && n <= accepted + maybe,
            format!(
                "invoice {id}: {n} history entries for {accepted} accepted writes (+{maybe} unknown)"
            ),
        );
        let payments: Vec<&Value> = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("PAYMENT#")))
            .collect();
        // One reversal per payment: each reversed payment has exactly one reversal entry.
        let mut reversal_entries: HashMap<String, usize> = HashMap::new();
        for entry in group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("HISTORY#")))
            .filter(|i| i["action"] == "payment_reversed")
        {
            for c in entry["changes"].as_array().into_iter().flatten() {
                if c["field"] == "payment"
                    && let Some(p) = c["from"].as_str()
                {
                    *reversal_entries.entry(p.to_string()).or_default() += 1;
                }
            }
        }
        let write_offs: Vec<&Value> = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("WRITEOFF#")))
            .collect();
        // One reversal entry per reversed write-off, as for payments.
        let mut write_off_reversals: HashMap<String, usize> = HashMap::new();
        for entry in group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("HISTORY#")))
            .filter(|i| i["action"] == "write_off_reversed")
        {
            for c in entry["changes"].as_array().into_iter().flatten() {
                if c["field"] == "write_off"
                    && let Some(w) = c["from"].as_str()
                {
                    *write_off_reversals.entry(w.to_string()).or_default() += 1;
                }
            }
        }
        for w in &write_offs {
            let wid = w["id"].as_str().unwrap_or_default();
            let reversed = !w["reversal"].is_null();
            let entries = write_off_reversals.get(wid).copied().unwrap_or(0);
            check(
                entries == usize::from(reversed),
                format!(
                    "invoice {id}: write-off {wid} reversed={reversed} with {entries} reversal entries"
                ),
            );
            check(
                dec(&w["amount"]) > Decimal::ZERO,
                format!("invoice {id}: write-off {wid} amount {}", w["amount"]),
            );
        }
        for p in &payments {
            let pid = p["id"].as_str().unwrap_or_default();
            let reversed = !p["reversal"].is_null();
            let entries = reversal_entries.get(pid).copied().unwrap_or(0);
            check(
                entries == usize::from(reversed),
                format!(
                    "invoice {id}: payment {pid} reversed={reversed} with {entries} reversal entries"
                ),
            );
            check(
                dec(&p["amount"]) > Decimal::ZERO,
                format!("invoice {id}: payment {pid} amount {}", p["amount"]),
            );
        }
        let Some(h) = header else {
            // Deleted: only a draft may go, and its last entry says so.
            check(
                payments.is_empty() && !notes.contains_key(id),
                format!("invoice {id}: deleted with payments or credit notes"),
            );
            continue;
        };
        check(
            h["version"].as_u64() == Some(n),
            format!(
                "invoice {id}: header version {} with {n} history entries",
                h["version"]
            ),
        );
        let status = h["status"].as_str().unwrap_or_default();
        let total = dec(&h["total"]);
        // The arithmetic: the lines add up to the subtotal, subtotal and tax to the total.
        let lines: Decimal = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("LINES#")))
            .flat_map(|i| i["lines"].as_array().cloned().unwrap_or_default())
            .map(|l| dec(&l["amount"]))
            .sum();
        let subtotal = dec(&h["subtotal"]);
        check(
            lines == subtotal,
            format!("invoice {id}: lines add up to {lines}, subtotal {subtotal}"),
        );
        check(
            subtotal + dec(&h["tax_amount"]) == total,
            format!(
                "invoice {id}: {subtotal} + tax {} is not the total {total}",
                h["tax_amount"]
            ),
        );
        let paid = dec(&h["amount_paid"]);
        let credited = dec(&h["amount_credited"]);
        let live_paid: Decimal = payments
            .iter()
            .filter(|p| p["reversal"].is_null())
            .map(|p| dec(&p["amount"]))
            .sum();
        check(
            paid == live_paid,
            format!("invoice {id}: amount_paid {paid} but live payments sum to {live_paid}"),
        );
        let written_off = dec(&h["amount_written_off"]);
        let live_written_off: Decimal = write_offs
            .iter()
            .filter(|w| w["reversal"].is_null())
            .map(|w| dec(&w["amount"]))
            .sum();
        check(
            written_off == live_written_off,
            format!(
                "invoice {id}: amount_written_off {written_off} but live write-offs sum to {live_written_off}"
            ),
        );
        let its_notes = notes.get(id).cloned().unwrap_or_default();
        let note_total: Decimal = its_notes.iter().map(|n| dec(&n["total"])).sum();
        let note_net: Decimal = its_notes.iter().map(|n| dec(&n["subtotal"])).sum();
        let note_tax: Decimal = its_notes.iter().map(|n| dec(&n["tax_amount"])).sum();
        check(
            credited == note_total,
            format!(
                "invoice {id}: amount_credited {credited} but credit notes sum to {note_total}"
            ),
        );
        check(
            note_total <= total,
            format!("invoice {id}: credit notes {note_total} above the total {total}"),
        );
        check(
            note_net <= dec(&h["subtotal"]),
            format!(
                "invoice {id}: credited net {note_net} above the subtotal {}",
                h["subtotal"]
            ),
        );
        check(
            note_tax <= dec(&h["tax_amount"]),
            format!(
                "invoice {id}: credited tax {note_tax} above the tax {}",
                h["tax_amount"]
            ),
        );
        // The kept net and tax parts of what is credited are the notes' own.
        for (name, kept, sum) in [
            ("amount_credited_net", &h["amount_credited_net"], note_net),
            ("amount_credited_tax", &h["amount_credited_tax"], note_tax),
        ] {
            check(
                dec(kept) == sum,
                format!("invoice {id}: {name} {kept} but its credit notes sum to {sum}"),
            );
        }
        // One `sent` history entry per e-mail recorded sent, and `sent_at` the last one's.
        let sent: Vec<&Value> = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("MESSAGE#")))
            .filter(|m| m["status"].is_null() || m["status"] == "sent")
            .collect();
        let sent_entries = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("HISTORY#")))
            .filter(|i| i["action"] == "sent")
            .count();
        check(
            sent.len() == sent_entries,
            format!(
                "invoice {id}: {} e-mails recorded sent, {sent_entries} `sent` history entries",
                sent.len()
            ),
        );
        let last_sent = sent
            .iter()
            .filter_map(|m| m["sent_at"].as_str())
            .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .max();
        let header_sent = h["sent_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        check(
            header_sent == last_sent,
            format!("invoice {id}: sent_at {header_sent:?}, last e-mail sent {last_sent:?}"),
        );
        for (name, v) in [("amount_paid", paid), ("amount_credited", credited)] {
            check(
                v >= Decimal::ZERO,
                format!("invoice {id}: {name} {v} is negative"),
            );
        }
        let due = dec(&h["amount_due"]);
        check(
            due >= Decimal::ZERO,
            format!("invoice {id}: amount_due {due} is negative"),
        );
        let owed = (total - paid - credited - written_off).max(Decimal::ZERO);
        check(
            written_off >= Decimal::ZERO && note_total + written_off <= total,
            format!("invoice {id}: {written_off} written off and {note_total} credited of {total}"),
        );
        // The tolerance: when none of the invoice's write-offs was reversed (each was live
        // from its recording on), an accountant's was accepted only while all of them up
        // to it stayed within the tolerance of the currency.
        if write_offs.iter().all(|w| w["reversal"].is_null()) {
            let tolerance = match h["currency"].as_str() {
                Some("USD" | "EUR") => Decimal::from(50),
                Some("UZS") => Decimal::from(500_000),
                _ => Decimal::ZERO,
            };
            let mut in_order: Vec<&&Value> = write_offs.iter().collect();
            in_order.sort_by(|a, b| a["recorded_at"].as_str().cmp(&b["recorded_at"].as_str()));
            let mut so_far = Decimal::ZERO;
            for w in in_order {
                so_far += dec(&w["amount"]);
                let by_accountant = w["recorded_by"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("accountant"));
                check(
                    !by_accountant || so_far <= tolerance,
                    format!(
                        "invoice {id}: an accountant's write-off {} took the written-off sum to {so_far}, above the tolerance {tolerance}",
                        w["id"]
                    ),
                );
            }
        }
        match status {
            "finalized" | "paid" => {
                // `payment_status` follows what is paid.
                let expected = if owed.is_zero() && !total.is_zero() {
                    "paid"
                } else if paid > Decimal::ZERO {
                    "partially_paid"
                } else {
                    "unpaid"
                };
                check(
                    h["payment_status"] == expected,
                    format!(
                        "invoice {id}: payment_status {} with {paid} paid and {owed} due",
                        h["payment_status"]
                    ),
                );
                check(
                    due == owed,
                    format!(
                        "invoice {id}: amount_due {due}, expected max(0, {total} - {paid} - {credited} - {written_off}) = {owed}"
                    ),
                );
                check(
                    (status == "paid") == owed.is_zero(),
                    format!("invoice {id}: status {status} with {owed} due"),
                );
            }
            "void" => check(
                paid.is_zero() && credited.is_zero() && written_off.is_zero(),
                format!(
                    "invoice {id}: void with {paid} paid, {credited} credited, {written_off} written off"
                ),
            ),
            "draft" => check(
                paid.is_zero()
                    && credited.is_zero()
                    && payments.is_empty()
                    && write_offs.is_empty(),
                format!("invoice {id}: draft with payments, credit or write-offs"),
            ),
            other => check(false, format!("invoice {id}: unknown status {other}")),
        }
        // Exactly one event per change that has one, written with it: a finalize, each
        // payment, each credit note, each e-mail sent, a void.
        let events = outbox.get(id).cloned().unwrap_or_default();
        let ids_of = |kind: &str, field: &str| -> Vec<String> {
            let mut v: Vec<String> = events
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, d)| d[field].as_str().unwrap_or_default().to_string())
                .collect();
            v.sort();
            v
        };
        let sorted_ids = |list: Vec<&Value>, field: &str| -> Vec<String> {
            let mut v: Vec<String> = list
                .iter()
                .map(|i| i[field].as_str().unwrap_or_default().to_string())
                .collect();
            v.sort();
            v
        };
        for (kind, want) in [
            ("invoice.finalized", usize::from(status != "draft")),
            ("invoice.voided", usize::from(status == "void")),
        ] {
            let got = events.iter().filter(|(k, _)| k == kind).count();
            check(
                got == want,
                format!(
                    "invoice {id} ({status}): {got} {kind} events in the outbox, {want} expected"
                ),
            );
        }
        for (kind, field, want) in [
            (
                "payment.recorded",
                "payment_id",
                sorted_ids(
                    payments
                        .iter()
                        .filter(|p| p["method"] != "credit_balance")
                        .copied()
                        .collect(),
                    "id",
                ),
            ),
            (
                "credit.applied",
                "payment_id",
                sorted_ids(
                    payments
                        .iter()
                        .filter(|p| p["method"] == "credit_balance")
                        .copied()
                        .collect(),
                    "id",
                ),
            ),
            (
                "credit_note.issued",
                "credit_note_id",
                sorted_ids(its_notes.clone(), "id"),
            ),
            ("invoice.sent", "message_id", sorted_ids(sent.clone(), "id")),
            (
                "invoice.written_off",
                "write_off_id",
                sorted_ids(write_offs.clone(), "id"),
            ),
        ] {
            let got = ids_of(kind, field);
            check(
                got == want,
                format!("invoice {id}: {kind} events for {got:?}, stored {want:?}"),
            );
        }
        if status != "draft" {
            invoice_numbers.extend(h["number"].as_str());
        }
        // What the invoice counts for in its client's account.
        let account = (
            h["client_key"].as_str().unwrap_or_default().to_string(),
            h["currency"].as_str().unwrap_or_default().to_string(),
        );
        let figures = accounts.entry(account.clone()).or_default();
        if matches!(status, "finalized" | "paid") {
            figures.outstanding += due;
            figures.overpaid += (paid + credited + written_off - total).max(Decimal::ZERO);
            invoice_dues.insert(id.to_string(), (account, due));
        }
        figures.applied += payments
            .iter()
            .filter(|p| p["method"] == "credit_balance" && p["reversal"].is_null())
            .map(|p| dec(&p["amount"]))
            .sum::<Decimal>();
        figures.released += payments
            .iter()
            .filter(|p| !p["client_payment_id"].is_null() && !p["reversal"].is_null())
            .map(|p| dec(&p["amount"]))
            .sum::<Decimal>();
        if status != "void" {
            live.entry((
                h["client_key"].as_str().unwrap_or_default().to_string(),
                h["period"].as_str().unwrap_or_default().to_string(),
            ))
            .or_default()
            .push(id.to_string());
        }
    }
    check_ledgers(&items, &accounts, &invoice_dues, &outbox, &mut check);
    check_invoice_counts(&items, &mut check);
    check_stored_invoices(&items, &mut check);
    // One live invoice per client and period.
    for ((client, period), ids) in &live {
        check(
            ids.len() == 1,
            format!("{client} {period}: {} live invoices {ids:?}", ids.len()),
        );
    }
    // Gapless numbers per series and year, each matching its counter.
    for (series, numbers, counter) in [
        (
            "INV",
            crate::numbers_by_year(invoice_numbers),
            "COUNTER#INVOICE_NUMBER#",
        ),
        (
            "CN",
            crate::numbers_by_year(note_numbers),
            "COUNTER#CREDIT_NOTE_NUMBER#",
        ),
    ] {
        for (year, sorted) in &numbers {
            let n = sorted.len() as u64;
            check(
                sorted.iter().copied().eq(1..=n),
                format!("{series}-{year}: numbers {sorted:?} are not 1..{n}"),
            );
            let last = items
                .get(&format!("{counter}{year}"))
                .and_then(|g| g.first())
                .and_then(|c| c["last"].as_u64());
            check(
                last == Some(n),
                format!("{series}-{year}: counter at {last:?} with {n} numbers"),
            );
        }
    }
    checks
}

/// Every stored invoice is whole and settled: its header names as many line chunks as are
/// stored, each at the header's `lines_version` (the header-only writes of payments,
/// write-offs, void, credit notes and transfers leave them), and its stored status is the
/// settled one (every writer stores what readers, lists and counts derive).
fn check_stored_invoices(
    items: &BTreeMap<String, Vec<Value>>,
    check: &mut impl FnMut(bool, String),
) {
    use proxima::domain::invoice::standing::standing;
    for (pk, group) in items {
        if !pk.starts_with("INVOICE#") {
            continue;
        }
        let Some(h) = group.iter().find(|i| i["sk"] == "INVOICE") else {
            continue;
        };
        let chunks: Vec<&Value> = group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("LINES#")))
            .collect();
        let named = h["line_chunks"].as_u64();
        check(
            named == Some(chunks.len() as u64),
            format!(
                "{pk}: header names {named:?} line chunks, {} stored",
                chunks.len()
            ),
        );
        let lines_version = h["lines_version"].as_u64().or(h["version"].as_u64());
        for chunk in &chunks {
            check(
                chunk["version"].as_u64() == lines_version,
                format!(
                    "{pk} {}: chunk at version {}, header's lines at {lines_version:?}",
                    chunk["sk"], chunk["version"]
                ),
            );
        }
        if let Ok(header) = serde_json::from_value::<proxima::invoice::InvoiceHeader>(h.clone()) {
            let settled = standing(&header).status();
            check(
                settled == header.status,
                format!("{pk}: stored {:?}, settled {settled:?}", header.status),
            );
        }
    }
}

/// What a client's invoices (in one currency) say its account must hold.
#[derive(Debug, Default)]
struct AccountFigures {
    /// The sum of their amounts due.
    outstanding: Decimal,
    /// What was paid (or credited, written off) above them.
    overpaid: Decimal,
    /// Live payments of method `credit_balance` (credit applied).
    applied: Decimal,
    /// Reversed allocations of transfers (the money back in the credit balance).
    released: Decimal,
}

/// Every kept count of the invoice lists (`COUNT#INVOICES#...`, the day counts of the
/// receivables filters among them) equals the number of stored headers it counts: the
/// lists' totals stay exact under any interleaving of writes.
fn check_invoice_counts(
    items: &BTreeMap<String, Vec<Value>>,
    check: &mut impl FnMut(bool, String),
) {
    use proxima::store::dynamo::{count_name, list_keys};
    let mut want: BTreeMap<String, i64> = BTreeMap::new();
    for (pk, group) in items {
        if !pk.starts_with("INVOICE#") {
            continue;
        }
        for h in group.iter().filter(|i| i["sk"] == "INVOICE") {
            match serde_json::from_value::<proxima::invoice::InvoiceHeader>(h.clone()) {
                Ok(h) => {
                    for list in list_keys::invoice_counts(&h) {
                        *want.entry(list).or_default() += 1;
                    }
                }
                Err(e) => check(false, format!("{pk}: header unreadable: {e}")),
            }
        }
    }
    let mut kept: BTreeMap<String, i64> = BTreeMap::new();
    for (pk, group) in items {
        if !pk.starts_with("COUNT#INVOICES#") {
            continue;
        }
        for item in group {
            let name = count_name(pk, item["sk"].as_str().unwrap_or_default());
            let n = item["n"].as_i64().unwrap_or_default();
            if let Some(name) = name {
                *kept.entry(name).or_default() += n;
            }
        }
    }
    for name in want.keys().chain(kept.keys()) {
        let (w, k) = (
            want.get(name).copied().unwrap_or(0),
            kept.get(name).copied().unwrap_or(0),
        );
        check(w == k, format!("count {name}: {k} kept, {w} headers"));
    }
}

/// The ledger's invariants, for every client and currency: entries numbered 1..n in time
/// order with running figures that add up; the head at the last entry; the head's
/// outstanding the sum of the invoices' amounts due and each invoice's last booked amount
/// due its own; the credit balance what was overpaid plus transfers' unallocated rest, less
/// credit applied and refunds; every transfer's allocations add up and each is a payment
/// of its invoice; one event per transfer and refund.
fn check_ledgers(
    items: &BTreeMap<String, Vec<Value>>,
    accounts: &BTreeMap<(String, String), AccountFigures>,
    invoice_dues: &HashMap<String, ((String, String), Decimal)>,
    outbox: &HashMap<String, Vec<(String, Value)>>,
    check: &mut impl FnMut(bool, String),
) {
    let no_invoice: Vec<(String, Value)> = Vec::new();
    let client_events = outbox.get("").unwrap_or(&no_invoice);
    let events_of = |kind: &str, field: &str| -> Vec<String> {
        let mut v: Vec<String> = client_events
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, d)| d[field].as_str().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    let mut transfers_seen = Vec::new();
    let mut refunds_seen = Vec::new();
    let mut booked_due: HashMap<String, Decimal> = HashMap::new();
    let all_payments: HashMap<String, &Value> = items
        .iter()
        .filter(|(pk, _)| pk.starts_with("INVOICE#"))
        .flat_map(|(_, g)| g.iter())
        .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("PAYMENT#")))
        .map(|p| (p["id"].as_str().unwrap_or_default().to_string(), p))
        .collect();
    let mut heads_seen = std::collections::BTreeSet::new();
    for (pk, group) in items {
        let Some(client) = pk.strip_prefix("LEDGER#") else {
            continue;
        };
        for head in group
            .iter()
            .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("HEAD#")))
        {
            let currency = head["currency"].as_str().unwrap_or_default().to_string();
            let account = (client.to_string(), currency.clone());
            heads_seen.insert(account.clone());
            let prefix = format!("ENTRY#{currency}#");
            let mut entries: Vec<&Value> = group
                .iter()
                .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with(&prefix)))
                .collect();
            entries.sort_by(|a, b| a["sk"].as_str().cmp(&b["sk"].as_str()));
            let seqs: Vec<u64> = entries.iter().filter_map(|e| e["seq"].as_u64()).collect();
            let n = seqs.len() as u64;
            check(
                seqs == (1..=n).collect::<Vec<_>>() && head["seq"].as_u64() == Some(n),
                format!(
                    "ledger {client} {currency}: entries {seqs:?} in time order, head at {}",
                    head["seq"]
                ),
            );
            let (mut balance, mut outstanding, mut credit) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for e in &entries {
                let moved: Decimal = e["invoices"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| dec(&m["change"]))
                    .sum();
                balance += dec(&e["amount"]);
                outstanding += moved;
                credit += dec(&e["credit_change"]);
                check(
                    dec(&e["amount"]) == moved - dec(&e["credit_change"])
                        && dec(&e["balance_after"]) == balance
                        && dec(&e["outstanding_after"]) == outstanding
                        && dec(&e["credit_balance_after"]) == credit
                        && balance == outstanding - credit,
                    format!(
                        "ledger {client} {currency}: entry {} does not add up: {e}",
                        e["seq"]
                    ),
                );
                for m in e["invoices"].as_array().into_iter().flatten() {
                    booked_due.insert(
                        m["invoice_id"].as_str().unwrap_or_default().to_string(),
                        dec(&m["due_after"]),
                    );
                }
            }
            check(
                dec(&head["outstanding"]) == outstanding && dec(&head["credit_balance"]) == credit,
                format!(
                    "ledger {client} {currency}: head {head} after entries at {outstanding} / {credit}"
                ),
            );
            let want = accounts.get(&account);
            let want_outstanding = want.map_or(Decimal::ZERO, |f| f.outstanding);
            check(
                outstanding == want_outstanding,
                format!(
                    "ledger {client} {currency}: outstanding {outstanding}, the invoices have {want_outstanding} due"
                ),
            );
            let transfers: Vec<&Value> = group
                .iter()
                .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("PAYMENT#")))
                .filter(|t| t["currency"] == currency.as_str())
                .collect();
            let refunds: Vec<&Value> = group
                .iter()
                .filter(|i| i["sk"].as_str().is_some_and(|s| s.starts_with("REFUND#")))
                .filter(|r| r["currency"] == currency.as_str())
                .collect();
            let unallocated: Decimal = transfers.iter().map(|t| dec(&t["unallocated"])).sum();
            let refunded: Decimal = refunds.iter().map(|r| dec(&r["amount"])).sum();
            let (overpaid, applied, released) = want
                .map_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO), |f| {
                    (f.overpaid, f.applied, f.released)
                });
            let want_credit = overpaid + unallocated + released - applied - refunded;
            check(
                credit == want_credit,
                format!(
                    "ledger {client} {currency}: credit balance {credit}, expected {overpaid} overpaid + {unallocated} unallocated + {released} allocations reversed - {applied} applied - {refunded} refunded"
                ),
            );
            for t in &transfers {
                let allocations = t["allocations"].as_array().cloned().unwrap_or_default();
                let allocated: Decimal = allocations.iter().map(|a| dec(&a["amount"])).sum();
                check(
                    allocated + dec(&t["unallocated"]) == dec(&t["amount"])
                        && dec(&t["unallocated"]) >= Decimal::ZERO,
                    format!(
                        "transfer {}: allocations {allocated} + unallocated {} is not {}",
                        t["id"], t["unallocated"], t["amount"]
                    ),
                );
                for a in &allocations {
                    let pid = a["payment_id"].as_str().unwrap_or_default();
                    let p = all_payments.get(pid);
                    check(
                        p.is_some_and(|p| {
                            p["client_payment_id"] == t["id"]
                                && dec(&p["amount"]) == dec(&a["amount"])
                                && p["invoice_id"] == a["invoice_id"]
                        }),
                        format!(
                            "transfer {}: allocation {a} is not its invoice's payment {p:?}",
                            t["id"]
                        ),
                    );
                }
                let booked = entries.iter().filter(|e| e["record_id"] == t["id"]).count();
                check(
                    booked == 1,
                    format!("transfer {}: booked {booked} times", t["id"]),
                );
                transfers_seen.push(t["id"].as_str().unwrap_or_default().to_string());
            }
            for r in &refunds {
                let booked = entries.iter().filter(|e| e["record_id"] == r["id"]).count();
                check(
                    booked == 1,
                    format!("refund {}: booked {booked} times", r["id"]),
                );
                refunds_seen.push(r["id"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    // Every account with issued invoices has a head; each invoice's last booked amount due
    // is its amount due.
    for (account, f) in accounts {
        if !f.outstanding.is_zero() || !f.overpaid.is_zero() {
            check(
                heads_seen.contains(account),
                format!(
                    "{account:?}: {} due, {} overpaid and no ledger",
                    f.outstanding, f.overpaid
                ),
            );
        }
    }
    for (id, (account, due)) in invoice_dues {
        let booked = booked_due.get(id).copied().unwrap_or(Decimal::ZERO);
        check(
            booked == *due,
            format!("invoice {id} of {account:?}: {due} due, the ledger last booked {booked}"),
        );
    }
    transfers_seen.sort();
    refunds_seen.sort();
    check(
        events_of("payment.received", "client_payment_id") == transfers_seen,
        format!(
            "payment.received events for {:?}, transfers {transfers_seen:?}",
            events_of("payment.received", "client_payment_id")
        ),
    );
    check(
        events_of("refund.paid", "refund_id") == refunds_seen,
        format!(
            "refund.paid events for {:?}, refunds {refunds_seen:?}",
            events_of("refund.paid", "refund_id")
        ),
    );
}
