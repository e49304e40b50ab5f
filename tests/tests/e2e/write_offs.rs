//! Write-offs: what is due closed without money (a bank fee, a rounding, a bad debt), an
//! accountant up to the currency's tolerance and an admin any amount, reversed by an admin;
//! the money identities with `amount_written_off`; credit notes and void around them; the
//! event; and races (two reversals, write-offs beyond what is due).

use futures::future::join_all;
use proxima::domain::Role;
use proxima_tests::messaging::spawn_app_with_events;
use proxima_tests::{Reply, TestApp};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::Duration;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .expect("a decimal string")
        .parse()
        .expect("a decimal")
}

/// `amount_due = max(0, total - paid - credited - written_off)`, and `paid` exactly when
/// nothing is due.
fn assert_identities(inv: &Value) {
    let owed = (dec(&inv["total"])
        - dec(&inv["amount_paid"])
        - dec(&inv["amount_credited"])
        - dec(&inv["amount_written_off"]))
    .max(Decimal::ZERO);
    assert_eq!(dec(&inv["amount_due"]), owed, "{inv}");
    assert_eq!(inv["status"] == "paid", owed.is_zero(), "{inv}");
}

struct Desk {
    app: TestApp,
    accountant: String,
    admin: String,
    viewer: String,
}

impl Desk {
    async fn issued(&self, client: &str) -> Value {
        let draft = self.app.draft(&self.accountant, client).await;
        let done = self
            .app
            .finalize(&self.accountant, draft["id"].as_str().unwrap())
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        done.body["data"].clone()
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Value) -> Reply {
        self.app
            .send(self.app.request(method, path, Some(token)).json(&body))
            .await
    }

    async fn write_off(&self, id: &str, token: &str, amount: &str, reason: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/v1/invoices/{id}/write-off"),
            token,
            json!({"amount": amount, "reason": reason, "note": "SWIFT charges OUR/SHA"}),
        )
        .await
    }

    async fn reverse(&self, id: &str, wid: &str, token: &str) -> Reply {
        self.call(
            Method::DELETE,
            &format!("/api/v1/invoices/{id}/write-offs/{wid}"),
            token,
            json!({"reason": "the bank refunded its fee"}),
        )
        .await
    }

    async fn pay(&self, invoice: &Value, amount: &str) {
        let id = invoice["id"].as_str().unwrap();
        let r = self
            .call(
                Method::POST,
                &format!("/api/v1/invoices/{id}/payments"),
                &self.accountant,
                json!({"amount": amount, "paid_on": invoice["issue_date"], "method": "bank_transfer"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    async fn invoice(&self, id: &str) -> Value {
        let r = self
            .app
            .get(&format!("/api/v1/invoices/{id}"), Some(&self.viewer))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["data"].clone()
    }
}

#[tokio::test]
async fn a_transfer_short_by_a_bank_fee_is_closed_by_a_write_off_and_reversed_by_an_admin() {
    let (app, events) = spawn_app_with_events().await;
    app.seed_demo().await;
    let desk = Desk {
        accountant: app.token(Role::Accountant).await,
        admin: app.token(Role::Admin).await,
        viewer: app.token(Role::Viewer).await,
        app,
    };
    // ACME is billed in USD: the transfer arrives 25.00 short.
    let invoice = desk.issued("ACME").await;
    let id = invoice["id"].as_str().unwrap();
    let total = dec(&invoice["total"]);
    let fee = Decimal::new(2500, 2);
    desk.pay(&invoice, &(total - fee).to_string()).await;

    // Refusals first: nothing is written.
    desk.write_off(id, &desk.viewer, "25.00", "bank_fee")
        .await
        .assert_error(403, "FORBIDDEN");
    let over = desk
        .write_off(id, &desk.accountant, "25.01", "bank_fee")
        .await;
    over.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(over.body["error"]["details"][0]["field"], "amount");
    let reason = desk
        .write_off(id, &desk.accountant, "25.00", "rounding")
        .await;
    reason.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reason.body["error"]["details"][0]["field"], "reason");
    assert_eq!(desk.invoice(id).await["amount_written_off"], "0.00");

    // The accountant closes it: paid, nothing due, the write-off listed and in the history.
    let done = desk
        .write_off(id, &desk.accountant, "25.00", "bank_fee")
        .await;
    assert_eq!(done.status, 201, "{}", done.body);
    assert_eq!(
        done.headers["etag"].to_str().unwrap(),
        format!("\"{}\"", done.body["data"]["invoice"]["version"])
    );
    let after = &done.body["data"]["invoice"];
    assert_eq!(after["status"], "paid");
    assert_eq!(after["payment_status"], "paid");
    assert_eq!(after["amount_written_off"], "25.00");
    assert_eq!(after["amount_due"], "0.00");
    assert_identities(after);
    let wid = done.body["data"]["write_off"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(done.body["data"]["write_off"]["reason"], "bank_fee");
    // A USD write-off keeps its value in soums at the rate of the day, as payments do.
    let accounting = &done.body["data"]["write_off"]["accounting"];
    assert_eq!(accounting["currency"], "UZS", "{accounting}");
    assert_eq!(
        dec(&accounting["amount"]),
        (dec(&accounting["rate"]) * fee / Decimal::from(accounting["nominal"].as_u64().unwrap()))
            .round_dp(2),
        "{accounting}"
    );
    assert_eq!(
        done.body["data"]["write_off"]["note"],
        "SWIFT charges OUR/SHA"
    );
    let listed = desk
        .app
        .get(
            &format!("/api/v1/invoices/{id}/write-offs"),
            Some(&desk.viewer),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let history = desk
        .app
        .get(
            &format!("/api/v1/invoices/{id}/edit-history"),
            Some(&desk.viewer),
        )
        .await;
    assert_eq!(
        history.body["data"][0]["action"], "written_off",
        "{}",
        history.body
    );
    // Nothing is due on a paid invoice: a second write-off is refused by its state.
    desk.write_off(id, &desk.admin, "0.01", "other")
        .await
        .assert_error(409, "CONFLICT");

    // One `invoice.written_off` event, with the invoice's state after it.
    let got = events.drain(Duration::from_secs(3)).await;
    let written: Vec<&Value> = got
        .iter()
        .filter(|e| e["detail-type"] == "invoice.written_off")
        .collect();
    assert_eq!(written.len(), 1, "{got:?}");
    assert_eq!(written[0]["detail"]["write_off_id"], wid.as_str());
    assert_eq!(written[0]["detail"]["amount"], "25.00");
    assert_eq!(written[0]["detail"]["reason"], "bank_fee");
    assert_eq!(written[0]["detail"]["invoice_status"], "paid");
    assert_eq!(written[0]["detail"]["accounting"], *accounting);

    // Reversal: admins only, once; the fee is due again.
    desk.reverse(id, &wid, &desk.accountant)
        .await
        .assert_error(403, "FORBIDDEN");
    let reversed = desk.reverse(id, &wid, &desk.admin).await;
    assert_eq!(reversed.status, 200, "{}", reversed.body);
    let after = &reversed.body["data"]["invoice"];
    assert_eq!(after["status"], "finalized");
    assert_eq!(after["amount_due"], "25.00");
    assert_eq!(after["amount_written_off"], "0.00");
    assert_identities(after);
    assert!(!reversed.body["data"]["write_off"]["reversal"].is_null());
    desk.reverse(id, &wid, &desk.admin)
        .await
        .assert_error(409, "CONFLICT");
    desk.reverse(id, &uuid::Uuid::new_v4().to_string(), &desk.admin)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn tolerance_credit_notes_void_and_races_around_write_offs() {
    let (app, _events) = spawn_app_with_events().await;
    app.seed_demo().await;
    let desk = Desk {
        accountant: app.token(Role::Accountant).await,
        admin: app.token(Role::Admin).await,
        viewer: app.token(Role::Viewer).await,
        app,
    };
    // NORDLICHT in EUR: an accountant up to 50.00 at once, an admin any amount.
    let invoice = desk.issued("NORDLICHT").await;
    let id = invoice["id"].as_str().unwrap();
    let total = dec(&invoice["total"]);
    let above = desk
        .write_off(id, &desk.accountant, "50.01", "bad_debt")
        .await;
    above.assert_error(403, "FORBIDDEN");
    assert!(
        above.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("50.00 EUR"),
        "{}",
        above.body
    );
    let by_admin = desk.write_off(id, &desk.admin, "60.00", "bad_debt").await;
    assert_eq!(by_admin.status, 201, "{}", by_admin.body);
    // The tolerance bounds the invoice's write-offs in all: past it, even 0.01 is 403.
    let past = desk.write_off(id, &desk.accountant, "0.01", "other").await;
    past.assert_error(403, "FORBIDDEN");
    assert!(
        past.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("60.00 written off"),
        "{}",
        past.body
    );

    // Written off is not owed: void is refused, and credit notes take off at most
    // total - written off.
    desk.call(
        Method::POST,
        &format!("/api/v1/invoices/{id}/void"),
        &desk.accountant,
        json!({"reason": "wrong client"}),
    )
    .await
    .assert_error(409, "CONFLICT");
    let full = desk
        .call(
            Method::POST,
            &format!("/api/v1/invoices/{id}/credit-notes"),
            &desk.accountant,
            json!({"reason": "cancelled", "full": true}),
        )
        .await;
    full.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(full.body["error"]["details"][0]["field"], "lines");
    assert!(
        full.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("written off"),
        "{}",
        full.body
    );

    // Races: what is left due (total - 60.00), written off in equal parts by more requests
    // at once than fit: never more than due in all, and the accepted ones close it exactly.
    let left = total - Decimal::new(6000, 2);
    let part = (left / Decimal::from(4)).round_dp(2);
    let part_text = part.to_string();
    let replies =
        join_all((0..8).map(|_| desk.write_off(id, &desk.admin, &part_text, "other"))).await;
    let accepted = replies.iter().filter(|r| r.status == 201).count();
    for r in &replies {
        assert!(
            [201, 400, 409, 503].contains(&r.status),
            "{}: {}",
            r.status,
            r.body
        );
    }
    let after = desk.invoice(id).await;
    assert_identities(&after);
    let written = dec(&after["amount_written_off"]);
    assert_eq!(
        written,
        Decimal::new(6000, 2) + part * Decimal::from(accepted as u64)
    );
    assert!(written <= total, "{written} written off of {total}");
    assert!(accepted >= 3, "{accepted} of 8 accepted");

    // Two reversals of one write-off at once: exactly one wins.
    let wid = by_admin.body["data"]["write_off"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let both = join_all((0..2).map(|_| desk.reverse(id, &wid, &desk.admin))).await;
    let won: Vec<u16> = both.iter().map(|r| r.status).collect();
    assert_eq!(won.iter().filter(|s| **s == 200).count(), 1, "{won:?}");
    assert!(won.contains(&409), "{won:?}");
    let after = desk.invoice(id).await;
    assert_identities(&after);
    assert_eq!(
        dec(&after["amount_written_off"]),
        part * Decimal::from(accepted as u64)
    );
    assert_eq!(dec(&after["amount_paid"]), Decimal::ZERO);
}
