//! Lists: `meta.total` comes from counts kept in the transactions that change the lists, so
//! it stays exact through creates, status changes, deletes, imports and races; a cursor walk
//! returns every item exactly once; a cursor only works for the list it came from.

use futures::future::join_all;
use proxima::domain::Role;
use proxima_tests::{Reply, TestApp, last_month, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

struct Ctx {
    app: TestApp,
    accountant: String,
    viewer: String,
}

async fn setup(clients: usize) -> (Ctx, Vec<String>) {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(clients).await;
    let accountant = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    (
        Ctx {
            app,
            accountant,
            viewer,
        },
        keys,
    )
}

impl Ctx {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.app.request(method, path, Some(&self.accountant));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.app.send(req).await
    }

    async fn list(&self, path: &str) -> Reply {
        let r = self.app.get(path, Some(&self.viewer)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r
    }

    /// Every id of a list, walked with `cursor` at `per_page`, and the totals each page said.
    async fn walk(&self, base: &str, per_page: u32) -> (Vec<String>, BTreeSet<u64>) {
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut path = format!("{base}{sep}per_page={per_page}");
        let mut ids = Vec::new();
        let mut totals = BTreeSet::new();
        let mut page = 1;
        loop {
            let r = self.list(&path).await;
            assert_eq!(r.body["meta"]["page"], page, "{path}");
            totals.insert(r.body["meta"]["total"].as_u64().unwrap());
            for item in r.body["data"].as_array().unwrap() {
                let id = item["id"].as_str().or(item["key"].as_str()).unwrap();
                ids.push(id.to_string());
            }
            match r.body["meta"]["next_cursor"].as_str() {
                Some(c) => path = format!("{base}{sep}per_page={per_page}&cursor={c}"),
                None => return (ids, totals),
            }
            page += 1;
        }
    }
}

/// Every filter combination the invoice list offers, over `clients` and last month.
fn invoice_filters(clients: &[String]) -> Vec<String> {
    let period = last_month().to_string();
    let mut out = Vec::new();
    for st in ["", "draft", "finalized", "paid", "void"] {
        for c in std::iter::once("").chain(clients.iter().map(String::as_str)) {
            for p in ["", period.as_str(), "2001-01"] {
                let mut q = Vec::new();
                if !st.is_empty() {
                    q.push(format!("status={st}"));
                }
                if !c.is_empty() {
                    q.push(format!("client_key={c}"));
                }
                if !p.is_empty() {
                    q.push(format!("period={p}"));
                }
                out.push(format!("/api/v1/invoices?{}", q.join("&")));
            }
        }
    }
    out
}

/// What every filter of the invoice list must hold: (status, client) of each live invoice.
async fn assert_invoice_lists(
    c: &Ctx,
    clients: &[String],
    live: &BTreeMap<String, (String, String)>,
) {
    let period = last_month().to_string();
    for path in invoice_filters(clients) {
        let want: BTreeSet<&String> = live
            .iter()
            .filter(|(_, (st, client))| {
                path.split(['?', '&'])
                    .skip(1)
                    .all(|kv| match kv.split_once('=') {
                        Some(("status", v)) => v == st,
                        Some(("client_key", v)) => v == client,
                        Some(("period", v)) => v == period,
                        _ => true,
                    })
            })
            .map(|(id, _)| id)
            .collect();
        let (ids, totals) = c.walk(&path, 2).await;
        let got: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(ids.len(), got.len(), "{path}: an invoice came twice");
        assert_eq!(got, want, "{path}");
        assert_eq!(
            totals,
            BTreeSet::from([want.len() as u64]),
            "{path}: meta.total on every page"
        );
    }
}

#[tokio::test]
async fn invoice_totals_stay_exact_through_creates_status_changes_and_deletes() {
    let (c, clients) = setup(4).await;
    let mut live: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut ids = Vec::new();
    for k in &clients {
        let d = c.app.draft(&c.accountant, k).await;
        let id = d["id"].as_str().unwrap().to_string();
        live.insert(id.clone(), ("draft".into(), k.clone()));
        ids.push((id, d["total"].as_str().unwrap().to_string()));
    }
    assert_invoice_lists(&c, &clients, &live).await;

    // 0 stays a draft; 1 is finalized; 2 finalized and paid in full; 3 finalized and voided.
    let mut issued_on = String::new();
    for (id, _) in &ids[1..] {
        let r = c.app.finalize(&c.accountant, id).await;
        assert_eq!(r.status, 200, "{}", r.body);
        live.get_mut(id).unwrap().0 = "finalized".into();
        // The issue date is today in the client's time zone (Tashkent: a day ahead of UTC
        // from 19:00 UTC); a payment is dated on or after it.
        issued_on = r.body["data"]["issue_date"].as_str().unwrap().to_string();
    }
    let (paid, total) = &ids[2];
    let r = c
        .send(
            Method::POST,
            &format!("/api/v1/invoices/{paid}/payments"),
            Some(json!({"amount": total, "paid_on": issued_on,
                "method": "bank_transfer", "reference": "TX-1"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    live.get_mut(paid).unwrap().0 = "paid".into();
    let voided = &ids[3].0;
    let r = c
        .send(
            Method::POST,
            &format!("/api/v1/invoices/{voided}/void"),
            Some(json!({"reason": "wrong rate"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    live.get_mut(voided).unwrap().0 = "void".into();
    assert_invoice_lists(&c, &clients, &live).await;

    // The voided period is free again: a new draft beside the void one.
    let again = c.app.draft(&c.accountant, &clients[3]).await;
    live.insert(
        again["id"].as_str().unwrap().to_string(),
        ("draft".into(), clients[3].clone()),
    );
    // Deleting the draft takes it out of every list.
    let draft = &ids[0].0;
    let r = c
        .app
        .send(
            c.app
                .request(
                    Method::DELETE,
                    &format!("/api/v1/invoices/{draft}"),
                    Some(&c.accountant),
                )
                .header("if-match", "1"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    live.remove(draft);
    assert_invoice_lists(&c, &clients, &live).await;
}

#[tokio::test]
async fn cursors_walk_every_item_once_and_only_in_their_own_list() {
    let (c, clients) = setup(5).await;
    for k in &clients {
        c.app.draft(&c.accountant, k).await;
    }
    let (by_cursor, totals) = c.walk("/api/v1/invoices", 2).await;
    assert_eq!(totals, BTreeSet::from([5]));
    let mut by_number = Vec::new();
    for page in 1..=3 {
        let r = c
            .list(&format!("/api/v1/invoices?per_page=2&page={page}"))
            .await;
        for i in r.body["data"].as_array().unwrap() {
            by_number.push(i["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(by_cursor, by_number, "a cursor walk is the page walk");

    // The last page has no next cursor; a page past the end is empty with the true total.
    let last = c.list("/api/v1/invoices?per_page=2&page=3").await;
    assert_eq!(last.body["meta"]["next_cursor"], Value::Null);
    let past = c.list("/api/v1/invoices?per_page=2&page=9").await;
    assert_eq!(past.body["data"], json!([]));
    assert_eq!(past.body["meta"]["total"], 5);
    assert_eq!(past.body["meta"]["next_cursor"], Value::Null);

    let first = c.list("/api/v1/invoices?per_page=2").await;
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    for bad in [
        "garbage".to_string(),
        "00".into(),
        format!("{cursor}0"),
        // The same cursor with another filter, another list, or beside `page`.
        format!("{cursor}&status=draft"),
        format!("{cursor}&page=2"),
        // ... or with a receivables filter (each of them binds the cursor too).
        format!("{cursor}&payment_status=unpaid"),
        format!("{cursor}&overdue=false"),
        format!("{cursor}&due_from=2000-01-01"),
        format!("{cursor}&due_to=2999-01-01"),
    ] {
        let r = c
            .app
            .get(
                &format!("/api/v1/invoices?per_page=2&cursor={bad}"),
                Some(&c.viewer),
            )
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
    }
    // A cursor of a receivables filter works under that filter only.
    let unpaid = c.list("/api/v1/invoices?per_page=1&overdue=false").await;
    if let Some(next) = unpaid.body["meta"]["next_cursor"].as_str() {
        let same = c
            .app
            .get(
                &format!("/api/v1/invoices?per_page=1&overdue=false&cursor={next}"),
                Some(&c.viewer),
            )
            .await;
        assert_eq!(same.status, 200, "{}", same.body);
        c.app
            .get(
                &format!("/api/v1/invoices?per_page=1&overdue=true&cursor={next}"),
                Some(&c.viewer),
            )
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }
    // A tampered position far past any list (up to 2^64 - 1) is refused, never overflows.
    for offset in [u64::MAX, (1u64 << 40) + 1] {
        let forged = proxima::domain::Cursor {
            offset,
            list: "invoices|||||||".into(),
            after: "x".into(),
        }
        .encode();
        for path in [
            "/api/v1/invoices",
            "/api/v1/credit-notes",
            "/api/v1/clients",
        ] {
            c.app
                .get(&format!("{path}?cursor={forged}"), Some(&c.viewer))
                .await
                .assert_error(400, "VALIDATION_ERROR");
        }
    }
    let r = c
        .app
        .get(
            &format!("/api/v1/credit-notes?cursor={cursor}"),
            Some(&c.viewer),
        )
        .await;
    r.assert_error(400, "VALIDATION_ERROR");
    let r = c
        .app
        .get(
            &format!("/api/v1/clients/{}/worklogs?cursor={cursor}", clients[0]),
            Some(&c.viewer),
        )
        .await;
    r.assert_error(400, "VALIDATION_ERROR");

    // Clients: ordered by key, walked the same way.
    let (keys, totals) = c.walk("/api/v1/clients", 2).await;
    assert_eq!(keys, clients);
    assert_eq!(totals, BTreeSet::from([clients.len() as u64]));
}

#[tokio::test]
async fn worklog_totals_follow_imports_that_add_and_move_worklogs() {
    let (c, clients) = setup(1).await;
    let k = &clients[0];
    let month = last_month();
    let before = month.previous();
    // 30 worklogs with tracker ids: 20 last month, 10 the month before.
    let mut csv = String::from("worklog_id,client_key,date,author,issue_key,minutes\n");
    for i in 0..30 {
        let day = if i < 20 {
            month.first_day()
        } else {
            before.first_day()
        };
        csv.push_str(&format!("W{i},{k},{day},Ann,{k}-2,30\n"));
    }
    let import = |csv: String| {
        let app = &c.app;
        async move {
            proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
                .await
                .expect("import")
        }
    };
    import(csv.clone()).await;
    let path = |q: &str| format!("/api/v1/clients/{k}/worklogs?{q}");
    // seed_clients_with_work gave the client one worklog last month.
    let (ids, totals) = c.walk(&path(&format!("period={month}")), 7).await;
    assert_eq!((ids.len(), totals), (21, BTreeSet::from([21])));
    let (ids, totals) = c.walk(&path(&format!("period={before}")), 7).await;
    assert_eq!((ids.len(), totals), (10, BTreeSet::from([10])));
    let (ids, totals) = c.walk(&path(""), 4).await;
    assert_eq!(ids.len(), 31);
    assert_eq!(totals, BTreeSet::from([31]));

    // The same rows again change nothing; moved rows move their counts.
    import(csv.clone()).await;
    let moved = csv.replace(
        &format!("{}", before.first_day()),
        &month.last_day().to_string(),
    );
    import(moved).await;
    let r = c.list(&path(&format!("period={month}"))).await;
    assert_eq!(r.body["meta"]["total"], 31);
    let r = c.list(&path(&format!("period={before}"))).await;
    assert_eq!(r.body["meta"]["total"], 0);
    // A range with partial months at its edges is counted within its own key range.
    let from = month.first_day().succ_opt().unwrap();
    let r = c
        .list(&path(&format!("from={}&to={}", before.first_day(), from)))
        .await;
    assert_eq!(
        r.body["meta"]["total"], 21,
        "the first day's 20 and the setup's one"
    );
    let r = c
        .list(&path(&format!("from={}&to={}", from, month.last_day())))
        .await;
    assert_eq!(r.body["meta"]["total"], 10);
}

#[tokio::test]
async fn counts_stay_exact_under_parallel_writes() {
    let (c, clients) = setup(8).await;
    // Eight clients' drafts at once, each twice (one wins per client).
    let replies = join_all(
        clients
            .iter()
            .chain(clients.iter())
            .map(|k| c.app.generate(&c.accountant, k)),
    )
    .await;
    let ids: Vec<String> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["data"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 8);
    // Half finalized at once, each twice.
    let finals = join_all(
        ids[..4]
            .iter()
            .chain(ids[..4].iter())
            .map(|id| c.app.finalize(&c.accountant, id)),
    )
    .await;
    assert_eq!(finals.iter().filter(|r| r.status == 200).count(), 4);
    let mut live = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let inv = c.list(&format!("/api/v1/invoices/{id}")).await;
        let client = inv.body["data"]["client_key"].as_str().unwrap().to_string();
        let st = if i < 4 { "finalized" } else { "draft" };
        live.insert(id.clone(), (st.to_string(), client));
    }
    for (path, want) in [
        ("/api/v1/invoices".to_string(), 8),
        ("/api/v1/invoices?status=draft".into(), 4),
        ("/api/v1/invoices?status=finalized".into(), 4),
        (format!("/api/v1/invoices?period={}", last_month()), 8),
        (
            format!("/api/v1/invoices?period={}&status=draft", last_month()),
            4,
        ),
    ] {
        let (got, totals) = c.walk(&path, 3).await;
        assert_eq!(
            (got.len(), totals),
            (want, BTreeSet::from([want as u64])),
            "{path}"
        );
    }

    // Parallel imports of overlapping worklogs of one client: every worklog counted once.
    let k = &clients[0];
    let day = last_month().first_day();
    let csvs: Vec<String> = (0..4)
        .map(|part| {
            let mut csv = String::from("worklog_id,client_key,date,author,issue_key,minutes\n");
            for i in (part * 20)..(part * 20 + 40) {
                csv.push_str(&format!("P{i},{k},{day},Ann,{k}-3,15\n"));
            }
            csv
        })
        .collect();
    join_all(
        csvs.iter()
            .map(|csv| proxima::import::import_worklogs(csv.as_bytes(), c.app.state.stores())),
    )
    .await
    .into_iter()
    .for_each(|r| {
        r.expect("import");
    });
    let (got, totals) = c
        .walk(
            &format!("/api/v1/clients/{k}/worklogs?period={}", last_month()),
            50,
        )
        .await;
    // 100 distinct rows, plus the one the setup gave.
    assert_eq!((got.len(), totals), (101, BTreeSet::from([101])));
    assert_invoice_lists(&c, &clients[..2], &live).await;
}

/// `PUT /clients/{key}` creates and flips clients between the active and inactive lists;
/// under dozens of parallel writes of the same few clients the two totals still equal what
/// each list holds, and together the number of clients.
#[tokio::test]
async fn client_totals_stay_exact_under_parallel_activation_flips() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let keys: Vec<String> = (0..4).map(|i| format!("FLIP{i}")).collect();
    let put = |key: String, active: bool| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let body = json!({"key": key, "name": format!("Client {key}"), "email": "a@flip.example",
                "address": {"line1": "Street 1", "city": "Tashkent", "country": "UZ"},
                "currency": "USD", "hourly_rate": "100.00", "tax_rate": "0",
                "vat_category": "O", "payment_terms_days": 10, "timezone": "Asia/Tashkent",
                "active": active});
            app.send(
                app.request(Method::PUT, &format!("/api/v1/clients/{key}"), Some(&admin))
                    .json(&body),
            )
            .await
        }
    };
    // 48 writes at once: creates racing each other and flips racing the creates.
    let replies = join_all((0..48).map(|i| {
        put(
            keys[i % keys.len()].clone(),
            (i / keys.len()).is_multiple_of(2),
        )
    }))
    .await;
    // A write that keeps losing the race to the same client's other writes gives up with a
    // retryable 503 and writes nothing; every other write lands.
    let mut gave_up = 0;
    for r in &replies {
        match r.status {
            200 | 201 => {}
            503 => gave_up += 1,
            other => panic!("{other} {}", r.body),
        }
    }
    println!(
        "concurrency | PUT client, 48 writes of 4 keys | {} landed, {gave_up} x 503 (kept racing)",
        48 - gave_up
    );
    assert!(gave_up < 48, "some writes land");
    let listed = |active: bool| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .get(
                    &format!("/api/v1/clients?active={active}&per_page=100"),
                    Some(&admin),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            let keys: BTreeSet<String> = r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["key"].as_str().unwrap().to_string())
                .collect();
            (r.body["meta"]["total"].as_u64().unwrap(), keys)
        }
    };
    let (active_total, active) = listed(true).await;
    let (inactive_total, inactive) = listed(false).await;
    assert_eq!(
        active_total,
        active.len() as u64,
        "active total = active list"
    );
    assert_eq!(
        inactive_total,
        inactive.len() as u64,
        "inactive total = inactive list"
    );
    assert!(active.is_disjoint(&inactive), "{active:?} / {inactive:?}");
    assert_eq!(
        active.len() + inactive.len(),
        keys.len(),
        "every client in one list"
    );
}

#[tokio::test]
async fn an_invoice_is_found_by_its_number() {
    let app = proxima_tests::spawn_app().await;
    app.seed_demo().await;
    let token = app.token(proxima::domain::Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let fin = app.finalize(&token, id).await;
    assert_eq!(fin.status, 200, "{}", fin.body);
    let number = fin.body["data"]["number"].as_str().unwrap();

    let found = app
        .get(&format!("/api/v1/invoices?number={number}"), Some(&token))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(found.body["data"][0]["id"], id);
    assert_eq!(found.body["meta"]["total"], 1);
    assert_eq!(found.body["meta"]["next_cursor"], Value::Null);
    // With the other filters: it must pass them too.
    for (query, rows) in [
        (
            format!("number={number}&client_key=ACME&status=finalized"),
            1,
        ),
        (format!("number={number}&status=draft"), 0),
        (format!("number={number}&client_key=NORDLICHT"), 0),
        ("number=INV-1999-00001".to_string(), 0),
    ] {
        let r = app
            .get(&format!("/api/v1/invoices?{query}"), Some(&token))
            .await;
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        assert_eq!(r.body["data"].as_array().unwrap().len(), rows, "{query}");
    }
    for bad in ["", "42", "INV-26-00042", "inv-2026-00042", "INV-2026-42"] {
        let r = app
            .get(&format!("/api/v1/invoices?number={bad}"), Some(&token))
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"][0]["field"], "number", "{bad}");
    }
}
