//! Client accounts: one transfer for several invoices with the rest held as credit
//! balance, credit applied and refunded, the balance, the statement of account read from
//! the ledger, the aging; bad allocations store nothing; races never overpay an invoice;
//! the events.

use futures::future::join_all;
use proxima::domain::Role;
use proxima_tests::messaging::spawn_app_with_events;
use proxima_tests::{Reply, TestApp, last_month};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::Duration;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string: {v}"))
        .parse()
        .expect("a decimal")
}

struct Desk {
    app: TestApp,
    accountant: String,
    admin: String,
}

impl Desk {
    async fn new(app: TestApp) -> Self {
        Self {
            accountant: app.token(Role::Accountant).await,
            admin: app.token(Role::Admin).await,
            app,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Reply {
        self.app
            .send(
                self.app
                    .request(method, path, Some(&self.accountant))
                    .json(&body),
            )
            .await
    }

    /// A client billed in `currency` with one worklog in each of `periods`.
    async fn client(&self, key: &str, currency: &str, periods: &[proxima::domain::Period]) {
        self.client_in(key, currency, periods, "en", "a@b.example")
            .await;
    }

    /// A client as `client`, speaking `locale`, billed at `email`.
    async fn client_in(
        &self,
        key: &str,
        currency: &str,
        periods: &[proxima::domain::Period],
        locale: &str,
        email: &str,
    ) {
        let client = json!([{"key": key, "name": format!("Client {key}"), "email": email,
            "address": {"line1": "1", "city": "Toshkent", "country": "UZ"}, "currency": currency,
            "hourly_rate": "100", "tax_rate": "0", "payment_terms_days": 10,
            "timezone": "Asia/Tashkent", "locale": locale}]);
        proxima::import::import_clients(
            serde_json::to_vec(&client).expect("json").as_slice(),
            proxima::import::ClientFormat::Json,
            self.app.state.clients.as_ref(),
            chrono::Utc::now(),
        )
        .await
        .expect("import client");
        let mut csv = String::from("client_key,date,author,issue_key,minutes\n");
        for (i, p) in periods.iter().enumerate() {
            csv.push_str(&format!(
                "{key},{},Ann,{key}-{i},{}\n",
                p.first_day(),
                60 * (i + 1)
            ));
        }
        proxima::import::import_worklogs(csv.as_bytes(), self.app.state.stores())
            .await
            .expect("import worklogs");
    }

    /// A finalized invoice of `client` for `period`.
    async fn issued(&self, client: &str, period: proxima::domain::Period) -> Value {
        let draft = self
            .call(
                Method::POST,
                "/api/v1/invoices/generate",
                json!({"client_key": client, "period": period.to_string()}),
            )
            .await;
        assert_eq!(draft.status, 201, "{}", draft.body);
        let id = draft.body["data"]["id"].as_str().unwrap().to_string();
        let done = self.app.finalize(&self.accountant, &id).await;
        assert_eq!(done.status, 200, "{}", done.body);
        done.body["data"].clone()
    }

    async fn invoice(&self, id: &Value) -> Value {
        let r = self
            .app
            .get(
                &format!("/api/v1/invoices/{}", id.as_str().unwrap()),
                Some(&self.accountant),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["data"].clone()
    }

    async fn balance(&self, client: &str, currency: &str) -> Value {
        let r = self
            .app
            .get(
                &format!("/api/v1/clients/{client}/balance"),
                Some(&self.accountant),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["currency"] == currency)
            .cloned()
            .unwrap_or_else(|| panic!("no {currency} balance: {}", r.body))
    }

    async fn transfer(&self, client: &str, body: Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/v1/clients/{client}/payments"),
            body,
        )
        .await
    }
}

/// Today in the clients' time zone (Asia/Tashkent, UTC+5): the day invoices are issued on
/// and money may be received on (from 19:00 UTC it is already tomorrow there).
fn today() -> String {
    "Asia/Tashkent"
        .parse::<proxima::domain::TimeZone>()
        .expect("a time zone")
        .date_at(chrono::Utc::now())
        .to_string()
}

#[tokio::test]
async fn one_transfer_pays_two_invoices_the_rest_is_credit_applied_and_refunded() {
    let (app, events) = spawn_app_with_events().await;
    let desk = Desk::new(app).await;
    let (older, last) = (last_month().previous(), last_month());
    desk.client("ACCT", "USD", &[older, last]).await;
    desk.client("OTHER", "USD", &[last]).await;
    let a = desk.issued("ACCT", older).await;
    let b = desk.issued("ACCT", last).await;
    let other = desk.issued("OTHER", last).await;
    let (ta, tb) = (dec(&a["total"]), dec(&b["total"]));
    assert_eq!((ta, tb), (Decimal::new(10000, 2), Decimal::new(20000, 2)));

    // Issued invoices are in the account: 300.00 outstanding, nothing in credit.
    let before = desk.balance("ACCT", "USD").await;
    assert_eq!(dec(&before["outstanding"]), ta + tb);
    assert_eq!(dec(&before["credit_balance"]), Decimal::ZERO);
    assert_eq!(dec(&before["balance"]), ta + tb);

    // Bad allocations: 400 naming allocations[i], and nothing is stored.
    let body = |allocations: Value, amount: &str, currency: &str| {
        json!({"amount": amount, "currency": currency, "received_on": today(),
               "method": "bank_transfer", "reference": "SWIFT-1", "allocations": allocations})
    };
    let cases = [
        (
            body(
                json!([{"invoice_id": a["id"], "amount": "100.00"}, {"invoice_id": other["id"], "amount": "10.00"}]),
                "500.00",
                "USD",
            ),
            "allocations[1].invoice_id",
        ),
        (
            body(
                json!([{"invoice_id": a["id"], "amount": "100.01"}]),
                "500.00",
                "USD",
            ),
            "allocations[0].amount",
        ),
        (
            body(
                json!([{"invoice_id": a["id"], "amount": "100.00"}]),
                "500.00",
                "EUR",
            ),
            "allocations[0].invoice_id",
        ),
        (
            body(
                json!([{"invoice_id": a["id"], "amount": "50.00"}, {"invoice_id": a["id"], "amount": "50.00"}]),
                "500.00",
                "USD",
            ),
            "allocations[1].invoice_id",
        ),
        (
            body(
                json!([{"invoice_id": a["id"], "amount": "100.00"}, {"invoice_id": b["id"], "amount": "200.00"}]),
                "250.00",
                "USD",
            ),
            "allocations",
        ),
        (
            body(
                json!([{"invoice_id": uuid::Uuid::new_v4(), "amount": "1.00"}]),
                "5.00",
                "USD",
            ),
            "allocations[0].invoice_id",
        ),
    ];
    for (bad, field) in cases {
        let r = desk.transfer("ACCT", bad.clone()).await;
        r.assert_error(400, "VALIDATION_ERROR");
        let fields: Vec<&str> = r.body["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} in {}: {bad}", r.body);
    }
    desk.transfer("NOBODY", body(json!([]), "1.00", "USD"))
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(desk.balance("ACCT", "USD").await, before);
    assert_eq!(desk.invoice(&a["id"]).await["amount_paid"], "0.00");

    // One transfer: A in full, B short by 30.00, and 70.00 more than both: credit.
    let good = body(
        json!([{"invoice_id": a["id"], "amount": "100.00"}, {"invoice_id": b["id"], "amount": "170.00"}]),
        "340.00",
        "USD",
    );
    let key = format!("transfer-{}", uuid::Uuid::new_v4());
    let post = || {
        desk.app.send(
            desk.app
                .request(
                    Method::POST,
                    "/api/v1/clients/ACCT/payments",
                    Some(&desk.accountant),
                )
                .header("idempotency-key", key.as_str())
                .json(&good),
        )
    };
    let paid = post().await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let replay = post().await;
    assert_eq!(replay.status, 201, "{}", replay.body);
    assert_eq!(replay.body["data"]["payment"], paid.body["data"]["payment"]);
    let transfer = &paid.body["data"];
    assert_eq!(transfer["payment"]["unallocated"], "70.00");
    // In USD: the whole transfer valued in soums at the rate of its day, each allocation too.
    assert_eq!(
        transfer["payment"]["accounting"]["currency"], "UZS",
        "{transfer}"
    );
    let rate = dec(&transfer["payment"]["accounting"]["rate"]);
    assert_eq!(
        dec(&transfer["payment"]["accounting"]["amount"]),
        (Decimal::new(34000, 2) * rate
            / Decimal::from(
                transfer["payment"]["accounting"]["nominal"]
                    .as_u64()
                    .unwrap()
            ))
        .round_dp(2)
    );
    assert_eq!(
        transfer["payment"]["allocations"].as_array().unwrap().len(),
        2
    );
    assert_eq!(transfer["invoices"][0]["status"], "paid");
    assert_eq!(transfer["invoices"][1]["amount_due"], "30.00");
    assert_eq!(transfer["balance"]["outstanding"], "30.00");
    assert_eq!(transfer["balance"]["credit_balance"], "70.00");
    assert_eq!(transfer["balance"]["balance"], "-40.00");
    assert_eq!(desk.balance("ACCT", "USD").await, transfer["balance"]);
    // Each allocation is a payment of its invoice, pointing back at the transfer.
    let payments = desk
        .app
        .get(
            &format!("/api/v1/invoices/{}/payments", b["id"].as_str().unwrap()),
            Some(&desk.accountant),
        )
        .await;
    assert_eq!(
        payments.body["data"].as_array().unwrap().len(),
        1,
        "{}",
        payments.body
    );
    assert_eq!(
        payments.body["data"][0]["client_payment_id"],
        transfer["payment"]["id"]
    );
    assert_eq!(payments.body["data"][0]["amount"], "170.00");

    // The transfer is listed with the client's payments (once, for all the replays).
    let listed = desk
        .app
        .get("/api/v1/clients/ACCT/payments", Some(&desk.accountant))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["data"], json!([transfer["payment"]]));

    // Credit applied: never above the credit balance or what is due.
    let apply_path = format!(
        "/api/v1/invoices/{}/apply-credit",
        b["id"].as_str().unwrap()
    );
    let apply = |amount: &str| desk.call(Method::POST, &apply_path, json!({"amount": amount}));
    apply("30.01").await.assert_error(400, "VALIDATION_ERROR");
    let applied = apply("30.00").await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    assert_eq!(applied.body["data"]["invoice"]["status"], "paid");
    assert_eq!(applied.body["data"]["payment"]["method"], "credit_balance");
    assert_eq!(applied.body["data"]["credit_balance"], "40.00");
    // A paid invoice takes no more credit.
    apply("1.00").await.assert_error(409, "CONFLICT");

    // Refunds: never above the credit balance; the rest paid back.
    let refund = |amount: &str| {
        desk.call(
            Method::POST,
            "/api/v1/clients/ACCT/refunds",
            json!({"amount": amount, "currency": "USD", "paid_on": today(),
                   "method": "bank_transfer", "reference": "REFUND-1"}),
        )
    };
    let over = refund("40.01").await;
    over.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(over.body["error"]["details"][0]["field"], "amount");
    let refunded = refund("40.00").await;
    assert_eq!(refunded.status, 201, "{}", refunded.body);
    assert_eq!(
        refunded.body["data"]["refund"]["accounting"]["currency"],
        "UZS"
    );
    assert_eq!(refunded.body["data"]["balance"]["credit_balance"], "0.00");
    assert_eq!(refunded.body["data"]["balance"]["balance"], "0.00");
    let refunds = desk
        .app
        .get("/api/v1/clients/ACCT/refunds", Some(&desk.accountant))
        .await;
    assert_eq!(
        refunds.body["data"],
        json!([refunded.body["data"]["refund"]])
    );
    desk.app
        .get("/api/v1/clients/NOBODY/refunds", Some(&desk.accountant))
        .await
        .assert_error(404, "NOT_FOUND");

    // The statement: every entry with its running balance, opening + debits - credits =
    // closing, which is the balance.
    let from = older.first_day().to_string();
    let statement = desk
        .app
        .get(
            &format!("/api/v1/clients/ACCT/statement?from={from}&to={}", today()),
            Some(&desk.accountant),
        )
        .await;
    assert_eq!(statement.status, 200, "{}", statement.body);
    let s = &statement.body["data"];
    let kinds: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "invoice_issued",
            "invoice_issued",
            "payment_received",
            "credit_applied",
            "refund_paid"
        ],
        "{s}"
    );
    assert_eq!(s["opening_balance"], "0.00");
    assert_eq!(
        dec(&s["opening_balance"]) + dec(&s["total_debits"]) - dec(&s["total_credits"]),
        dec(&s["closing_balance"])
    );
    assert_eq!(s["closing_balance"], "0.00");
    assert_eq!(s["lines"][2]["credit"], "340.00");
    assert_eq!(s["lines"][2]["balance"], "-40.00");
    assert_eq!(s["lines"][4]["debit"], "40.00");
    // A range after everything opens at the closing balance and has no lines.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let later = desk
        .app
        .get(
            &format!("/api/v1/clients/ACCT/statement?from={tomorrow}&to={tomorrow}"),
            Some(&desk.accountant),
        )
        .await;
    assert_eq!(later.body["data"]["lines"], json!([]), "{}", later.body);
    assert_eq!(later.body["data"]["opening_balance"], "0.00");
    desk.app
        .get(
            "/api/v1/clients/ACCT/statement?from=2026-13-01",
            Some(&desk.accountant),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");

    // The events, once each.
    let got = events.drain(Duration::from_secs(3)).await;
    let of =
        |name: &str| -> Vec<&Value> { got.iter().filter(|e| e["detail-type"] == name).collect() };
    assert_eq!(of("payment.received").len(), 1, "{got:?}");
    assert_eq!(of("payment.received")[0]["detail"]["unallocated"], "70.00");
    assert_eq!(
        of("payment.received")[0]["detail"]["credit_balance"],
        "70.00"
    );
    assert_eq!(
        of("payment.recorded").len(),
        2,
        "one per allocation: {got:?}"
    );
    assert_eq!(of("credit.applied").len(), 1);
    assert_eq!(of("credit.applied")[0]["detail"]["credit_balance"], "40.00");
    assert_eq!(of("refund.paid").len(), 1);
    assert_eq!(of("refund.paid")[0]["detail"]["amount"], "40.00");

    // An admin reverses the credit applied: B is due again and the credit comes back.
    let pid = applied.body["data"]["payment"]["id"].as_str().unwrap();
    let reversed = desk
        .app
        .send(
            desk.app
                .request(
                    Method::DELETE,
                    &format!(
                        "/api/v1/invoices/{}/payments/{pid}",
                        b["id"].as_str().unwrap()
                    ),
                    Some(&desk.admin),
                )
                .json(&json!({"reason": "applied to the wrong invoice"})),
        )
        .await;
    assert_eq!(reversed.status, 200, "{}", reversed.body);
    let after = desk.balance("ACCT", "USD").await;
    assert_eq!(after["outstanding"], "30.00");
    assert_eq!(after["credit_balance"], "30.00");
    assert_eq!(after["balance"], "0.00");
}

#[tokio::test]
async fn racing_transfers_never_overpay_an_invoice_and_the_aging_reads_only_open_items() {
    let (app, _events) = spawn_app_with_events().await;
    let desk = Desk::new(app).await;
    let last = last_month();
    desk.client("RACEAR", "USD", &[last]).await;
    let inv = desk.issued("RACEAR", last).await;
    let total = inv["total"].as_str().unwrap().to_string();

    // Aging today: the open invoice is current (due in 10 days), in USD, for this client.
    let aging = desk
        .app
        .get(
            "/api/v1/reports/ar-aging?currency=USD",
            Some(&desk.accountant),
        )
        .await;
    assert_eq!(aging.status, 200, "{}", aging.body);
    let usd = &aging.body["data"]["currencies"][0];
    let mine = usd["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_key"] == "RACEAR")
        .cloned()
        .expect("the client in the aging");
    assert_eq!(mine["buckets"]["current"], total.as_str());
    assert_eq!(mine["buckets"]["total"], total.as_str());
    // As of yesterday (from the ledger) nothing of it was issued yet.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    let past = desk
        .app
        .get(
            &format!("/api/v1/reports/ar-aging?as_of={yesterday}"),
            Some(&desk.accountant),
        )
        .await;
    assert_eq!(past.body["data"]["source"], "ledger");
    assert!(!past.body.to_string().contains("RACEAR"), "{}", past.body);

    // Six transfers each allocate the whole amount due to the one invoice, at once: one
    // is recorded, the others are refused as above what is due.
    let body = json!({"amount": total, "currency": "USD", "received_on": today(),
        "method": "bank_transfer", "allocations": [{"invoice_id": inv["id"], "amount": total}]});
    let replies = join_all((0..6).map(|_| desk.transfer("RACEAR", body.clone()))).await;
    let ok = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for r in replies.iter().filter(|r| r.status != 201) {
        r.assert_error(400, "VALIDATION_ERROR");
    }
    let now = desk.invoice(&inv["id"]).await;
    assert_eq!(now["amount_paid"], total.as_str());
    assert_eq!(now["amount_overpaid"], "0.00");
    let balance = desk.balance("RACEAR", "USD").await;
    assert_eq!(balance["outstanding"], "0.00");
    assert_eq!(balance["credit_balance"], "0.00");

    // Once paid, it is in no bucket.
    let aging = desk
        .app
        .get("/api/v1/reports/ar-aging", Some(&desk.accountant))
        .await;
    assert!(!aging.body.to_string().contains("RACEAR"), "{}", aging.body);
}

/// Remove every item of the clients' accounts: the table as a version before the ledger
/// left it.
async fn forget_ledgers(app: &TestApp) {
    let mut start = None;
    loop {
        let page = app
            .dynamodb
            .scan()
            .table_name(&app.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            if item["pk"].as_s().is_ok_and(|pk| pk.starts_with("LEDGER#")) {
                app.dynamodb
                    .delete_item()
                    .table_name(&app.table)
                    .key("pk", item["pk"].clone())
                    .key("sk", item["sk"].clone())
                    .send()
                    .await
                    .expect("delete");
            }
        }
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => start = Some(k.clone()),
            _ => break,
        }
    }
}

#[tokio::test]
async fn accounts_of_invoices_issued_before_the_ledger_are_opened_by_the_upgrade_or_the_first_write()
 {
    let (app, _events) = spawn_app_with_events().await;
    let desk = Desk::new(app).await;
    let (older, last) = (last_month().previous(), last_month());
    desk.client("OLDER", "USD", &[older, last]).await;
    desk.client("LAZY", "EUR", &[last]).await;
    let a = desk.issued("OLDER", older).await;
    let b = desk.issued("OLDER", last).await;
    let lazy = desk.issued("LAZY", last).await;
    // A paid in full and then credited in full: 100.00 paid above it, held as credit.
    let pay = desk
        .call(
            Method::POST,
            &format!("/api/v1/invoices/{}/payments", a["id"].as_str().unwrap()),
            json!({"amount": "100.00", "paid_on": today(), "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(pay.status, 201, "{}", pay.body);
    let credit = desk
        .call(
            Method::POST,
            &format!(
                "/api/v1/invoices/{}/credit-notes",
                a["id"].as_str().unwrap()
            ),
            json!({"reason": "not delivered", "full": true}),
        )
        .await;
    assert_eq!(credit.status, 201, "{}", credit.body);
    let expected = desk.balance("OLDER", "USD").await;
    assert_eq!(expected["outstanding"], b["total"]);
    assert_eq!(expected["credit_balance"], "100.00");

    // The data as the version before the ledger left it; the upgrade opens the accounts.
    forget_ledgers(&desk.app).await;
    let report = proxima::ledger::open_accounts(desk.app.state.stores(), chrono::Utc::now())
        .await
        .expect("open accounts");
    let mut heads = Vec::new();
    for c in ["OLDER", "LAZY"] {
        heads.push(
            proxima::ports::LedgerStore::ledger_heads(desk.app.state.ledger.as_ref(), c)
                .await
                .expect("heads"),
        );
    }
    assert_eq!(report.opened, 2, "{report:?} {heads:?}");
    let again = proxima::ledger::open_accounts(desk.app.state.stores(), chrono::Utc::now())
        .await
        .expect("open accounts again");
    assert_eq!(again.opened, 0, "{again:?}");
    assert_eq!(desk.balance("OLDER", "USD").await, expected);
    let statement = desk
        .app
        .get("/api/v1/clients/OLDER/statement", Some(&desk.accountant))
        .await;
    let lines = statement.body["data"]["lines"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 1, "{}", statement.body);
    assert_eq!(lines[0]["kind"], "opening");
    assert_eq!(lines[0]["balance"], expected["balance"]);

    // Without the upgrade, the first write to an account opens it first.
    forget_ledgers(&desk.app).await;
    let paid = desk
        .call(
            Method::POST,
            &format!("/api/v1/invoices/{}/payments", lazy["id"].as_str().unwrap()),
            json!({"amount": "10.00", "paid_on": today(), "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let statement = desk
        .app
        .get(
            "/api/v1/clients/LAZY/statement?currency=EUR",
            Some(&desk.accountant),
        )
        .await;
    let s = &statement.body["data"];
    let kinds: Vec<&str> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opening", "payment_received"], "{s}");
    assert_eq!(s["lines"][0]["debit"], lazy["total"]);
    assert_eq!(
        dec(&s["closing_balance"]),
        dec(&lazy["total"]) - Decimal::from(10)
    );
}

#[tokio::test]
async fn the_statement_is_a_pdf_in_the_clients_language_and_is_e_mailed_to_it() {
    let (app, _events) = spawn_app_with_events().await;
    let desk = Desk::new(app).await;
    let last = last_month();
    let email = format!("sverka-{}@client.example", uuid::Uuid::new_v4().simple());
    desk.client_in("SVERKA", "USD", &[last], "ru", &email).await;
    let inv = desk.issued("SVERKA", last).await;
    let paid = desk
        .transfer(
            "SVERKA",
            json!({"amount": "40.00", "currency": "USD", "received_on": today(),
                   "method": "bank_transfer", "reference": "PP-17",
                   "allocations": [{"invoice_id": inv["id"], "amount": "40.00"}]}),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);

    // The PDF: in Russian, with the entries and the closing balance; the same bytes again.
    let path = format!(
        "/api/v1/clients/SVERKA/statement?format=pdf&from={}",
        last.first_day()
    );
    let first = desk.app.get(&path, Some(&desk.accountant)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let d = &first.body["data"];
    assert!(
        d["filename"]
            .as_str()
            .unwrap()
            .starts_with("statement-SVERKA-USD-"),
        "{d}"
    );
    let bytes = reqwest::get(d["url"].as_str().unwrap())
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(
        proxima::pdf::sha256_hex(&bytes),
        d["sha256"].as_str().unwrap()
    );
    let text = proxima_tests::pdf_text(&bytes);
    for expected in [
        "АКТ СВЕРКИ ВЗАИМНЫХ РАСЧЁТОВ",
        "Сальдо начальное",
        "Client SVERKA",
        "PP-17",
        "60,00",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    let again = desk.app.get(&path, Some(&desk.accountant)).await;
    assert_eq!(again.body["data"]["sha256"], d["sha256"]);
    desk.app
        .get(
            "/api/v1/clients/SVERKA/statement?format=xml",
            Some(&desk.accountant),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");

    // Sent: to the client's address, the same PDF attached, the subject in Russian.
    let sent = desk
        .call(
            Method::POST,
            "/api/v1/clients/SVERKA/statement/send",
            json!({"from": last.first_day().to_string()}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["data"]["sha256"], d["sha256"]);
    assert_eq!(sent.body["data"]["statement"]["closing_balance"], "60.00");
    let emails = proxima_tests::messaging::sent_emails(&desk.app.endpoint, &email).await;
    assert_eq!(emails.len(), 1);
    let attached = emails[0]
        .attachment(sent.body["data"]["filename"].as_str().unwrap())
        .expect("the PDF attached");
    assert_eq!(attached, bytes.to_vec());
    assert!(
        emails[0].text().unwrap_or_default().contains("акт сверки"),
        "{:?}",
        emails[0].text()
    );
    desk.call(
        Method::POST,
        "/api/v1/clients/SVERKA/statement/send",
        json!({"currency": "usd", "extra": 1}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

/// The largest transfer (five allocations) closing five partially paid invoices of one
/// client fits one transaction with every list count it moves, and the receivables filters
/// follow it.
#[tokio::test]
async fn the_largest_transfer_closes_five_partially_paid_invoices_at_once() {
    let (app, _events) = spawn_app_with_events().await;
    let desk = Desk::new(app).await;
    let mut periods = vec![last_month()];
    for _ in 0..4 {
        let before = periods[periods.len() - 1].previous();
        periods.push(before);
    }
    desk.client("FIVEPP", "USD", &periods).await;
    let mut allocations = Vec::new();
    let mut sum = rust_decimal::Decimal::ZERO;
    for p in &periods {
        let inv = desk.issued("FIVEPP", *p).await;
        let paid = desk
            .call(
                Method::POST,
                &format!("/api/v1/invoices/{}/payments", inv["id"].as_str().unwrap()),
                json!({"amount": "1.00", "paid_on": today(), "method": "card"}),
            )
            .await;
        assert_eq!(paid.status, 201, "{}", paid.body);
        let rest = paid.body["data"]["invoice"]["amount_due"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{}", paid.body));
        sum += rust_decimal::Decimal::from_str_exact(&rest).unwrap();
        allocations.push(json!({"invoice_id": inv["id"], "amount": rest}));
    }
    let list = |q: &'static str| {
        let desk = &desk;
        async move {
            let r = desk
                .app
                .get(
                    &format!("/api/v1/invoices?client_key=FIVEPP&{q}"),
                    Some(&desk.accountant),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["meta"]["total"].as_u64().unwrap()
        }
    };
    assert_eq!(list("payment_status=partially_paid").await, 5);
    let transfer = desk
        .transfer(
            "FIVEPP",
            json!({"amount": sum.to_string(), "currency": "USD", "received_on": today(),
                   "method": "bank_transfer", "allocations": allocations}),
        )
        .await;
    assert_eq!(transfer.status, 201, "{}", transfer.body);
    assert_eq!(list("payment_status=partially_paid").await, 0);
    assert_eq!(list("payment_status=paid").await, 5);
    assert_eq!(list("overdue=false").await, 5);
    assert_eq!(desk.balance("FIVEPP", "USD").await["outstanding"], "0.00");
}
