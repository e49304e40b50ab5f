//! Sending invoices by e-mail (`POST /invoices/{id}/send`, `GET /invoices/{id}/messages`)
//! through the emulator's SES: what the client receives (recipients, subject, the PDF as
//! issued), what is recorded, and that one `Idempotency-Key` sends one e-mail, even twice at
//! once.

use proxima::domain::Role;
use proxima::invoice::sending::{MessageStatus, SentMessage, message_id};
use proxima::pdf::sha256_hex;
use proxima_tests::messaging::{SentEmail, sent_emails, spawn_app_with_events};
use proxima_tests::{TestApp, last_month};
use serde_json::{Value, json};
use uuid::Uuid;

/// A client `key` whose e-mail is unique to this test, with billable work last month.
async fn client_with_work(app: &TestApp, key: &str) -> String {
    let email = format!("billing-{}@acme.example", Uuid::new_v4().simple());
    let clients = json!([{"key": key, "name": "Acme Oʻzbekiston", "email": email,
        "address": {"line1": "1 Amir Temur", "city": "Toshkent", "country": "UZ"},
        "currency": "USD", "hourly_rate": "50", "tax_rate": "12",
        "payment_terms_days": 10, "timezone": "Asia/Tashkent"}]);
    proxima::import::import_clients(
        serde_json::to_vec(&clients).unwrap().as_slice(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .expect("import client");
    let csv = format!(
        "client_key,date,author,issue_key,minutes\n{key},{},Ann,{key}-1,90\n",
        last_month().first_day()
    );
    proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .expect("import worklogs");
    email
}

/// A finalized invoice of a fresh client: (invoice, client e-mail).
async fn finalized(app: &TestApp, token: &str, key: &str) -> (Value, String) {
    let email = client_with_work(app, key).await;
    let draft = app.draft(token, key).await;
    let reply = app.finalize(token, draft["id"].as_str().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.body["data"].clone(), email)
}

async fn send(
    app: &TestApp,
    token: &str,
    id: &str,
    body: Value,
    key: Option<&str>,
) -> proxima_tests::Reply {
    let mut req = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/invoices/{id}/send"),
            Some(token),
        )
        .json(&body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    app.send(req).await
}

fn only(mut emails: Vec<SentEmail>) -> SentEmail {
    assert_eq!(emails.len(), 1, "exactly one e-mail: {emails:?}");
    emails.remove(0)
}

#[tokio::test]
async fn the_client_receives_the_invoice_with_the_pdf_as_issued_and_the_send_is_recorded() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL01").await;
    let id = invoice["id"].as_str().unwrap();
    let number = invoice["number"].as_str().unwrap();
    let pdf_sha = invoice["pdf"]["sha256"].as_str().unwrap();

    let reply = send(
        &app,
        &token,
        id,
        json!({"message": "Thank you for your business!"}),
        Some("send-1"),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let message = &reply.body["data"]["message"];
    assert_eq!(
        message["to"],
        json!([email]),
        "the client's e-mail by default"
    );
    assert_eq!(message["cc"], json!([]));
    assert_eq!(message["pdf_sha256"], pdf_sha);
    assert_eq!(message["pdf_filename"], format!("{number}.pdf"));
    assert!(!message["provider_message_id"].as_str().unwrap().is_empty());
    assert_eq!(message["status"], "sent");
    let sent_at = reply.body["data"]["invoice"]["sent_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(message["sent_at"], sent_at);

    // What the mail service accepted: recipients, subject, sender, and the PDF as issued.
    let mail = only(sent_emails(&app.endpoint, &email).await);
    assert!(mail.source.contains(proxima::config::LOCAL_MAIL_FROM));
    assert_eq!(mail.header("To").as_deref(), Some(email.as_str()));
    let subject = format!("Invoice {number} from Proxima");
    assert!(
        mail.header("Subject")
            .is_some_and(|s| s.starts_with(&subject)),
        "{:?}",
        mail.header("Subject")
    );
    assert_eq!(
        message["subject"].as_str().unwrap().get(..subject.len()),
        Some(subject.as_str())
    );
    let pdf = mail
        .attachment(&format!("{number}.pdf"))
        .expect("PDF attached");
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        sha256_hex(&pdf),
        pdf_sha,
        "the attachment is the PDF as issued"
    );
    let text = mail.text().expect("text part");
    assert!(text.starts_with("Thank you for your business!"), "{text}");
    assert!(text.contains(number), "{text}");

    // Recorded: the message list, `sent_at` on the invoice, and a history entry.
    let list = app
        .get(&format!("/api/v1/invoices/{id}/messages"), Some(&token))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["data"], json!([message]));
    let got = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(got.body["data"]["sent_at"], sent_at);
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    let latest = &history.body["data"][0];
    assert_eq!(latest["action"], "sent");
    assert!(
        latest["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "recipients" && c["to"] == json!([email]))
    );

    // A viewer may read the list.
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(
        app.get(&format!("/api/v1/invoices/{id}/messages"), Some(&viewer))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn one_idempotency_key_sends_one_email_even_when_sent_twice_at_once() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL02").await;
    let id = invoice["id"].as_str().unwrap();

    let (a, b) = tokio::join!(
        send(&app, &token, id, json!({}), Some("same-key")),
        send(&app, &token, id, json!({}), Some("same-key")),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    // Either the second waited for the first's answer (replayed), or it arrived while the
    // first was in flight (409, retry later); never a second e-mail.
    assert!(
        statuses == [201, 201] || statuses == [201, 409],
        "{statuses:?}: {} / {}",
        a.body,
        b.body
    );
    // The retry after both answers the first answer again.
    let again = send(&app, &token, id, json!({}), Some("same-key")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let first = if a.status == 201 { &a } else { &b };
    assert_eq!(
        again.body["data"]["message"]["id"],
        first.body["data"]["message"]["id"]
    );

    assert_eq!(
        sent_emails(&app.endpoint, &email).await.len(),
        1,
        "one e-mail for one key"
    );
    let list = app
        .get(&format!("/api/v1/invoices/{id}/messages"), Some(&token))
        .await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);

    // Another key is another e-mail.
    let other = send(&app, &token, id, json!({}), Some("other-key")).await;
    assert_eq!(other.status, 201, "{}", other.body);
    assert_eq!(sent_emails(&app.endpoint, &email).await.len(), 2);
}

#[tokio::test]
async fn recipients_drafts_void_invoices_and_roles_are_checked() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL03").await;
    let id = invoice["id"].as_str().unwrap();

    // Named recipients and copies, instead of the client: an accountant only to the client's
    // billing addresses (403, nothing sent), an admin anywhere.
    let to = format!("ap-{}@acme.example", Uuid::new_v4().simple());
    let cc = format!("boss-{}@acme.example", Uuid::new_v4().simple());
    let refused = send(&app, &token, id, json!({"to": [to], "cc": [cc]}), None).await;
    refused.assert_error(403, "FORBIDDEN");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("to[0]"),
        "{}",
        refused.body
    );
    let refused = send(&app, &token, id, json!({"to": [email], "cc": [cc]}), None).await;
    refused.assert_error(403, "FORBIDDEN");
    assert!(sent_emails(&app.endpoint, &to).await.is_empty());
    assert!(sent_emails(&app.endpoint, &cc).await.is_empty());
    let admin = app.token(Role::Admin).await;
    let reply = send(&app, &admin, id, json!({"to": [to], "cc": [cc]}), None).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let mail = only(sent_emails(&app.endpoint, &to).await);
    assert_eq!(mail.header("To").as_deref(), Some(to.as_str()));
    assert_eq!(mail.header("Cc").as_deref(), Some(cc.as_str()));
    assert!(mail.destinations.iter().any(|d| d.contains(&cc)));
    assert!(
        sent_emails(&app.endpoint, &email).await.is_empty(),
        "not the client this time"
    );

    // Bad input: every field named, nothing sent.
    let bad = send(
        &app,
        &token,
        id,
        json!({"to": ["not-an-address"], "cc": ["x@acme.example\r\nBcc: evil@x.example"], "message": "m".repeat(5001)}),
        None,
    )
    .await;
    bad.assert_error(400, "VALIDATION_ERROR");
    let fields: Vec<&str> = bad.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["to[0]", "cc[0]", "message"]);
    send(&app, &token, id, json!({"to": []}), None)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    send(&app, &token, id, json!({"bcc": ["a@b.example"]}), None)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert_eq!(sent_emails(&app.endpoint, "evil@x.example").await.len(), 0);

    // A viewer may not send; unknown invoices are 404.
    let viewer = app.token(Role::Viewer).await;
    send(&app, &viewer, id, json!({}), None)
        .await
        .assert_error(403, "FORBIDDEN");
    send(&app, &token, &Uuid::new_v4().to_string(), json!({}), None)
        .await
        .assert_error(404, "NOT_FOUND");
    app.get(
        &format!("/api/v1/invoices/{}/messages", Uuid::new_v4()),
        Some(&token),
    )
    .await
    .assert_error(404, "NOT_FOUND");

    // A draft has nothing to send; a void invoice is not sent any more.
    client_with_work(&app, "MAIL04").await;
    let draft = app.draft(&token, "MAIL04").await;
    send(&app, &token, draft["id"].as_str().unwrap(), json!({}), None)
        .await
        .assert_error(409, "CONFLICT");
    let void = app
        .post_json(
            &format!("/api/v1/invoices/{id}/void"),
            &json!({"reason": "wrong client"}),
            Some(&token),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.body);
    send(&app, &token, id, json!({}), None)
        .await
        .assert_error(409, "CONFLICT");
    assert_eq!(sent_emails(&app.endpoint, &email).await.len(), 0);
    let list = app
        .get(&format!("/api/v1/invoices/{id}/messages"), Some(&token))
        .await;
    assert_eq!(
        list.body["data"].as_array().unwrap().len(),
        1,
        "only the one that went out"
    );
}

/// Bad input to `send`: 400 naming each field, and nothing e-mailed.
async fn refused_fields(app: &TestApp, token: &str, id: &str, body: Value) -> Vec<String> {
    let reply = send(app, token, id, body, None).await;
    reply.assert_error(400, "VALIDATION_ERROR");
    reply.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_message_follows_the_document_text_rule() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL05").await;
    let id = invoice["id"].as_str().unwrap();

    for bad in [
        "Pay to\0 IBAN XX00",
        "Pay to \u{202E}00XX NABI",
        "Hello\r\nBcc: evil@x.example",
        "a\u{2028}b",
        "\u{1b}[2J",
    ] {
        assert_eq!(
            refused_fields(&app, &token, id, json!({ "message": bad })).await,
            ["message"],
            "{bad:?}"
        );
    }
    assert!(sent_emails(&app.endpoint, &email).await.is_empty());
    let list = app
        .get(&format!("/api/v1/invoices/{id}/messages"), Some(&token))
        .await;
    assert_eq!(list.body["data"], json!([]));

    // Line feeds and any script are fine.
    let ok = send(
        &app,
        &token,
        id,
        json!({"message": "Hurmatli mijoz,\nrahmat! Спасибо."}),
        None,
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let text = only(sent_emails(&app.endpoint, &email).await)
        .text()
        .unwrap();
    assert!(text.contains("rahmat! Спасибо."), "{text}");
}

/// `PUT /api/v1/clients/{key}` as `token` with `extra` merged into a valid client body.
async fn put_client(app: &TestApp, token: &str, key: &str, extra: Value) -> proxima_tests::Reply {
    let mut body = json!({"key": key, "name": "Acme", "email": format!("billing@{}.example", key.to_lowercase()),
        "address": {"line1": "1 Amir Temur", "city": "Toshkent", "country": "UZ"},
        "currency": "USD", "hourly_rate": "50", "tax_rate": "12",
        "payment_terms_days": 10, "timezone": "Asia/Tashkent"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.send(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/clients/{key}"),
            Some(token),
        )
        .json(&body),
    )
    .await
}

#[tokio::test]
async fn only_plain_addresses_are_accepted_anywhere_an_address_is_stored_or_mailed() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL06").await;
    let id = invoice["id"].as_str().unwrap();

    // RFC 2047 encoded words decode to another address in a mail client; `%` and `!` route,
    // literals name hosts: none is a plain addr-spec.
    let encoded = "=?UTF-8?B?YWRtaW5AcHJveGltYS5sb2NhbA==?=@mail06.example";
    assert_eq!(
        refused_fields(
            &app,
            &token,
            id,
            json!({"to": [encoded], "cc": ["a@mail06.example", "=?utf-8?q?boss?=@mail06.example", "a%b@mail06.example", "a@[10.0.0.1]"]})
        )
        .await,
        ["to[0]", "cc[1]", "cc[2]", "cc[3]"]
    );
    assert!(
        sent_emails(&app.endpoint, "mail06.example")
            .await
            .is_empty()
    );
    assert!(sent_emails(&app.endpoint, &email).await.is_empty());

    // The same rule for the address a client is stored with (the default recipient).
    let admin = app.token(Role::Admin).await;
    let bad = put_client(&app, &admin, "MAIL06B", json!({"email": encoded})).await;
    bad.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(bad.body["error"]["details"][0]["field"], "email");
    app.get("/api/v1/clients/MAIL06B", Some(&admin))
        .await
        .assert_error(404, "NOT_FOUND");
}

/// A client with `billing_contacts`, imported as the clients import and `PUT` take it.
async fn client_with_contacts(app: &TestApp, key: &str, contacts: &[String]) -> String {
    let email = client_with_work(app, key).await;
    let clients = json!([{"key": key, "name": "Acme Oʻzbekiston", "email": email,
        "billing_contacts": contacts,
        "address": {"line1": "1 Amir Temur", "city": "Toshkent", "country": "UZ"},
        "currency": "USD", "hourly_rate": "50", "tax_rate": "12",
        "payment_terms_days": 10, "timezone": "Asia/Tashkent"}]);
    let report = proxima::import::import_clients(
        serde_json::to_vec(&clients).unwrap().as_slice(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .expect("import client");
    assert_eq!(report.rejected.len(), 0, "{report:?}");
    email
}

#[tokio::test]
async fn billing_contacts_are_the_default_recipients_and_the_only_others_an_accountant_may_name() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let contact = format!("ap-{}@acme.example", Uuid::new_v4().simple());
    let email = client_with_contacts(&app, "MAIL07", std::slice::from_ref(&contact)).await;
    let got = app.get("/api/v1/clients/MAIL07", Some(&token)).await;
    assert_eq!(got.body["data"]["billing_contacts"], json!([contact]));
    let draft = app.draft(&token, "MAIL07").await;
    let id = draft["id"].as_str().unwrap().to_string();
    let reply = app.finalize(&token, &id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // By default: the client's e-mail and its billing contacts.
    let reply = send(&app, &token, &id, json!({}), None).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["data"]["message"]["to"], json!([email, contact]));
    let mail = only(sent_emails(&app.endpoint, &contact).await);
    assert!(mail.destinations.iter().any(|d| d.contains(&email)));

    // A contact alone, in any case of letters, is a billing address; a stranger is not.
    let reply = send(
        &app,
        &token,
        &id,
        json!({"to": [contact.to_uppercase()]}),
        None,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stranger = format!("x-{}@elsewhere.example", Uuid::new_v4().simple());
    send(&app, &token, &id, json!({"cc": [stranger]}), None)
        .await
        .assert_error(403, "FORBIDDEN");
    assert!(sent_emails(&app.endpoint, &stranger).await.is_empty());

    // The contacts follow the address rule, at most 9, on PUT and on import.
    let admin = app.token(Role::Admin).await;
    let mut body = got.body["data"].clone();
    for k in ["created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["billing_contacts"] = json!(["=?UTF-8?B?QQ==?=@x.example", contact, contact]);
    let put = app
        .send(
            app.request(reqwest::Method::PUT, "/api/v1/clients/MAIL07", Some(&admin))
                .json(&body),
        )
        .await;
    put.assert_error(400, "VALIDATION_ERROR");
    let fields: Vec<&str> = put.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["billing_contacts[0]", "billing_contacts[2]"]);
    body["billing_contacts"] = json!(
        (0..10)
            .map(|i| format!("c{i}@acme.example"))
            .collect::<Vec<_>>()
    );
    app.send(
        app.request(reqwest::Method::PUT, "/api/v1/clients/MAIL07", Some(&admin))
            .json(&body),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let unchanged = app.get("/api/v1/clients/MAIL07", Some(&token)).await;
    assert_eq!(unchanged.body["data"]["billing_contacts"], json!([contact]));
}

#[tokio::test]
async fn each_user_sends_at_most_the_daily_limit() {
    let (app, _events) = spawn_app_with_events().await;
    let app = app.redeployed(|c| c.send_limit_per_user_per_day = 2).await;
    let token = app.token(Role::Accountant).await;
    let (invoice, email) = finalized(&app, &token, "MAIL08").await;
    let id = invoice["id"].as_str().unwrap();
    // Twenty sends at once: exactly two e-mails go out, the others are 429.
    let replies =
        futures::future::join_all((0..20).map(|_| send(&app, &token, id, json!({}), None))).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!((created, limited.len()), (2, 18), "{replies:?}");
    for r in limited {
        r.assert_error(429, "RATE_LIMITED");
    }
    assert_eq!(sent_emails(&app.endpoint, &email).await.len(), 2);
    // Another user has a limit of their own.
    let other = app.token(Role::Admin).await;
    let reply = send(&app, &other, id, json!({}), None).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

/// A message record as the send use case writes it before calling the mail service.
fn attempt(invoice_id: Uuid, user: &str, key: &str, to: &str) -> SentMessage {
    SentMessage {
        id: message_id(invoice_id, user, Some(key)),
        invoice_id,
        to: vec![to.to_string()],
        cc: vec![],
        subject: "Invoice".into(),
        sent_at: proxima::domain::instant::to_millis(chrono::Utc::now()),
        sent_by: user.to_string(),
        status: MessageStatus::Pending,
        provider_message_id: None,
        pdf_filename: "x.pdf".into(),
        pdf_sha256: String::new(),
        pdf_size_bytes: 0,
        timesheet_filename: None,
        act_filename: None,
        kind: proxima::invoice::sending::MessageKind::Invoice,
        step: None,
        amount_due: None,
    }
}

#[tokio::test]
async fn a_send_is_recorded_pending_first_and_a_retry_with_its_key_never_sends_twice() {
    let (app, _events) = spawn_app_with_events().await;
    let (user, password) = app.add_user(Role::Accountant).await;
    let token = app.login(&user, &password).await.body["data"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (invoice, email) = finalized(&app, &token, "MAIL09").await;
    let id = invoice["id"].as_str().unwrap();
    let invoice_id: Uuid = id.parse().unwrap();
    let messages = || async {
        app.get(&format!("/api/v1/invoices/{id}/messages"), Some(&token))
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .clone()
    };

    // A crash while the mail service had the message: the record stays pending, visible,
    // and a retry with the key is 409 (it may have been delivered), not a second e-mail.
    let crashed = attempt(invoice_id, &user, "k-crash", &email);
    assert!(app.state.messages.put_pending(&crashed).await.unwrap());
    let retry = send(&app, &token, id, json!({}), Some("k-crash")).await;
    retry.assert_error(409, "CONFLICT");
    assert!(sent_emails(&app.endpoint, &email).await.is_empty());
    let listed = messages().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "pending");
    assert_eq!(listed[0]["provider_message_id"], Value::Null);

    // A crash after the mail service accepted it: a retry with the key records it, once.
    let mut accepted = attempt(invoice_id, &user, "k-accepted", &email);
    assert!(app.state.messages.put_pending(&accepted).await.unwrap());
    accepted.provider_message_id = Some("ses-accepted-1".into());
    app.state.messages.mark_accepted(&accepted).await.unwrap();
    let retry = send(&app, &token, id, json!({}), Some("k-accepted")).await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body["data"]["message"]["status"], "sent");
    assert_eq!(
        retry.body["data"]["message"]["provider_message_id"],
        "ses-accepted-1"
    );
    assert!(retry.body["data"]["invoice"]["sent_at"].is_string());
    assert!(
        sent_emails(&app.endpoint, &email).await.is_empty(),
        "recorded, not sent again"
    );

    // An ordinary send: recorded sent, with the mail service's id.
    let reply = send(&app, &token, id, json!({}), Some("k-fresh")).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["data"]["message"]["status"], "sent");
    assert_eq!(sent_emails(&app.endpoint, &email).await.len(), 1);
    let statuses: Vec<Value> = messages()
        .await
        .iter()
        .map(|m| m["status"].clone())
        .collect();
    assert_eq!(statuses.len(), 3);
    assert_eq!(
        statuses.iter().filter(|s| *s == "sent").count(),
        2,
        "{statuses:?}"
    );
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    let sends = history.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sent")
        .count();
    assert_eq!(sends, 2, "one history entry per recorded e-mail");

    // The mail service refuses (an unverified sender): 503, no record left behind.
    let refusing = app
        .redeployed(|c| c.mail_from = Some("nobody@unverified.example".into()))
        .await;
    let refused = send(&refusing, &token, id, json!({}), Some("k-refused")).await;
    refused.assert_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(messages().await.len(), 3, "the refused attempt is not kept");
}
