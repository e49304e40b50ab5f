//! PDFs in the client's language, end to end on the local stack: the client's `locale`
//! (demo data has a `ru` and a `uz` client; the admin import sets it from JSON or CSV and
//! refuses unknown codes), recorded on the invoice at finalize and on the credit note at
//! issue; the downloaded PDFs carry the translated labels and locale-formatted amounts,
//! tagged font subsets, and re-render byte-identical after the client's locale changes.

use proxima::domain::{Locale, Role};
use proxima::import::{ClientFormat, import_clients};
use proxima_tests::{TestApp, pdf_text, spawn_app};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().expect("a decimal string")).expect("a decimal")
}

/// The download link's facts and the PDF's bytes, from `path` (`.../pdf`).
async fn download(app: &TestApp, token: &str, path: &str) -> (Value, Vec<u8>) {
    let link = app.get(path, Some(token)).await;
    assert_eq!(link.status, 200, "{}", link.body);
    let data = link.body["data"].clone();
    let bytes = reqwest::get(data["url"].as_str().expect("url"))
        .await
        .expect("presigned GET")
        .bytes()
        .await
        .expect("body")
        .to_vec();
    (data, bytes)
}

/// Re-import `key` through the admin import, as it is now but in `locale`.
async fn set_locale(app: &TestApp, token: &str, key: &str, locale: &str) {
    let mut client = app
        .get(&format!("/api/v1/clients/{key}"), Some(token))
        .await
        .body["data"]
        .clone();
    let obj = client.as_object_mut().expect("a client object");
    obj.remove("created_at");
    obj.remove("updated_at");
    obj.insert("locale".into(), json!(locale));
    let report = import_clients(
        json!([client]).to_string().as_bytes(),
        ClientFormat::Json,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .expect("import");
    assert_eq!(report.imported, 1, "{report:?}");
    let now = app
        .get(&format!("/api/v1/clients/{key}"), Some(token))
        .await;
    assert_eq!(now.body["data"]["locale"], locale);
}

async fn delete_document(app: &TestApp, key: &str) {
    app.s3
        .delete_object()
        .bucket(&app.state.config.documents_bucket_name)
        .key(key)
        .send()
        .await
        .expect("delete the stored PDF");
}

/// Every font is an embedded subset named `ABCDEF+DejaVuSans...` (ISO 32000-1 §9.6.4).
fn assert_tagged_subsets(pdf: &[u8]) {
    let names = proxima::pdf::base_font_names(pdf).expect("font names");
    assert!(!names.is_empty());
    for name in names {
        let (tag, base) = name.split_once('+').unwrap_or(("", &name));
        assert!(
            tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()),
            "{name}: no subset tag"
        );
        assert!(base.starts_with("DejaVuSans"), "{name}");
    }
}

#[tokio::test]
async fn a_russian_clients_invoice_is_printed_in_russian_and_stays_so_after_the_locale_changes() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let vostok = app.get("/api/v1/clients/VOSTOK", Some(&token)).await;
    assert_eq!(
        vostok.body["data"]["locale"], "ru",
        "demo data: a ru client"
    );
    let gulzor = app.get("/api/v1/clients/GULZOR", Some(&token)).await;
    assert_eq!(
        gulzor.body["data"]["locale"], "uz",
        "demo data: a uz client"
    );
    let acme = app.get("/api/v1/clients/ACME", Some(&token)).await;
    assert_eq!(acme.body["data"]["locale"], "en", "en by default");

    let draft = app.draft(&token, "VOSTOK").await;
    assert_eq!(
        draft["locale"],
        Value::Null,
        "a draft records no locale yet"
    );
    let id = draft["id"].as_str().unwrap().to_string();
    let done = app.finalize(&token, &id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let invoice = &done.body["data"];
    assert_eq!(invoice["locale"], "ru", "recorded at finalize");

    let path = format!("/api/v1/invoices/{id}/pdf");
    let (link, bytes) = download(&app, &token, &path).await;
    assert_eq!(link["sha256"], invoice["pdf"]["sha256"]);
    let text = pdf_text(&bytes);
    let total = Locale::Ru.money(dec(&invoice["total"]), 2, "USD");
    let due = chrono::NaiveDate::from_str(invoice["due_date"].as_str().unwrap()).unwrap();
    for expected in [
        "СЧЁТ НА ОПЛАТУ",
        "Плательщик",
        "Описание",
        "Часы",
        "Сумма без налога",
        "Итого к оплате",
        "Условия оплаты",
        "Страница 1 из 1",
        total.as_str(),
        Locale::Ru.date(due).as_str(),
        invoice["number"].as_str().unwrap(),
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    for english in ["INVOICE", "Bill to", "Subtotal", "Page 1 of"] {
        assert!(!text.contains(english), "{english} left in: {text}");
    }
    assert_tagged_subsets(&bytes);

    // The client now wants English; the stored PDF is lost. The re-render is the document
    // as issued: Russian, byte for byte.
    set_locale(&app, &token, "VOSTOK", "en").await;
    let issue_year = &invoice["issue_date"].as_str().unwrap()[..4];
    let number = invoice["number"].as_str().unwrap();
    delete_document(&app, &format!("invoices/{issue_year}/{number}.pdf")).await;
    let (again, rebytes) = download(&app, &token, &path).await;
    assert_eq!(again["sha256"], invoice["pdf"]["sha256"]);
    assert_eq!(rebytes, bytes, "byte-identical re-render");
    let stored = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(stored.body["data"]["locale"], "ru");

    // A credit note issued now follows the client's new locale.
    let note = app
        .post_json(
            &format!("/api/v1/invoices/{id}/credit-notes"),
            &json!({"reason": "Wrong client", "full": true}),
            Some(&token),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    assert_eq!(note.body["data"]["credit_note"]["locale"], "en");
    let note_id = note.body["data"]["credit_note"]["id"].as_str().unwrap();
    let (_, en) = download(&app, &token, &format!("/api/v1/credit-notes/{note_id}/pdf")).await;
    let text = pdf_text(&en);
    let credited = Locale::En.money(dec(&invoice["total"]), 2, "USD");
    assert!(
        text.contains("CREDIT NOTE") && text.contains(&credited),
        "{credited}: {text}"
    );
}

#[tokio::test]
async fn an_uzbek_clients_credit_note_is_printed_in_uzbek_and_stays_so_after_the_locale_changes() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "GULZOR").await;
    let id = draft["id"].as_str().unwrap().to_string();
    let done = app.finalize(&token, &id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["data"]["locale"], "uz");

    let issued = app
        .post_json(
            &format!("/api/v1/invoices/{id}/credit-notes"),
            &json!({"reason": "Soatlar ikki marta yozilgan",
                    "lines": [{"description": "GULZOR-1: takroriy soatlar", "quantity": "1.50",
                               "unit_price": "450000"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let note = issued.body["data"]["credit_note"].clone();
    assert_eq!(note["locale"], "uz", "recorded at issue");
    // 1.50 h x 450 000 = 675 000, + 12 % = 756 000 UZS.
    assert_eq!(dec(&note["total"]), Decimal::from(756_000));

    let note_id = note["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/credit-notes/{note_id}/pdf");
    let (link, bytes) = download(&app, &token, &path).await;
    assert_eq!(link["sha256"], note["pdf"]["sha256"]);
    let text = pdf_text(&bytes);
    for expected in [
        "KREDIT-NOTA",
        "Oluvchi",
        "Asos",
        "Soatlar ikki marta yozilgan",
        "Miqdori",
        "Narxi",
        "Soliqsiz summa",
        "Soliq 12%",
        "Jami kreditlangan",
        "hisob-fakturasiga tuzatish",
        "Sahifa 1 / 1",
        "1,50",
        "675\u{a0}000,00",
        "756\u{a0}000,00\u{a0}UZS",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    assert!(!text.contains("CREDIT NOTE") && !text.contains("Amount credited"));
    assert_tagged_subsets(&bytes);

    set_locale(&app, &token, "GULZOR", "ru").await;
    let number = note["number"].as_str().unwrap();
    delete_document(
        &app,
        &format!("credit-notes/{}/{number}.pdf", &number[3..7]),
    )
    .await;
    let (again, rebytes) = download(&app, &token, &path).await;
    assert_eq!(again["sha256"], note["pdf"]["sha256"]);
    assert_eq!(rebytes, bytes, "byte-identical re-render");
}

#[tokio::test]
async fn the_admin_import_sets_a_locale_from_json_or_csv_and_refuses_unknown_ones() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let client = |key: &str, locale: Value| {
        json!({"key": key, "name": format!("Client {key}"), "email": "a@b.example",
               "address": {"line1": "1", "city": "Toshkent", "country": "UZ"}, "currency": "UZS",
               "hourly_rate": "300000", "tax_rate": "12", "payment_terms_days": 10,
               "timezone": "Asia/Tashkent", "locale": locale})
    };
    let json = json!([
        client("RUS", json!("ru")),
        client("GERMAN", json!("de")),
        client("NUMBER", json!(7)),
        client("PLAIN", Value::Null)
    ]);
    let report = import_clients(
        json.to_string().as_bytes(),
        ClientFormat::Json,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.imported), (4, 2), "{report:?}");
    assert_eq!(report.rejected[0].line, 2);
    assert!(
        report.rejected[0]
            .message
            .contains("locale: must be one of en, ru, uz"),
        "{}",
        report.rejected[0].message
    );
    assert_eq!(report.rejected[1].line, 3);
    let ru = app.get("/api/v1/clients/RUS", Some(&token)).await;
    assert_eq!(ru.body["data"]["locale"], "ru");
    let plain = app.get("/api/v1/clients/PLAIN", Some(&token)).await;
    assert_eq!(plain.body["data"]["locale"], "en");
    assert_eq!(
        app.get("/api/v1/clients/GERMAN", Some(&token)).await.status,
        404
    );

    let csv = "key,name,email,address_line1,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone,locale\n\
               UZB,Uzb MChJ,a@b.example,Amir Temur 1,Toshkent,UZ,UZS,300000,12,10,Asia/Tashkent,uz\n\
               KLINGON,Klingon,k@b.example,1 Road,London,GB,GBP,70,20,30,Europe/London,tlh\n\
               NONE,None Ltd,n@b.example,1 Road,London,GB,GBP,70,20,30,Europe/London,\n";
    let report = import_clients(
        csv.as_bytes(),
        ClientFormat::Csv,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.imported), (3, 2), "{report:?}");
    assert_eq!(report.rejected[0].line, 3);
    assert!(report.rejected[0].message.contains("locale"));
    let uz = app.get("/api/v1/clients/UZB", Some(&token)).await;
    assert_eq!(uz.body["data"]["locale"], "uz");
    let none = app.get("/api/v1/clients/NONE", Some(&token)).await;
    assert_eq!(none.body["data"]["locale"], "en");
}

#[tokio::test]
async fn an_admin_sets_a_clients_locale_through_the_api_and_an_unknown_one_is_a_400() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let accountant = app.token(Role::Accountant).await;
    let body = |locale: Value| {
        json!({"key": "SAMARQAND", "name": "Samarqand Savdo MChJ", "email": "info@samarqand.example",
               "address": {"line1": "Registon 1", "city": "Samarqand", "country": "UZ"},
               "currency": "UZS", "hourly_rate": "300000", "tax_rate": "12",
               "payment_terms_days": 10, "timezone": "Asia/Samarkand", "locale": locale})
    };
    let put = |token: String, body: Value| {
        let app = &app;
        async move {
            app.send(
                app.request(
                    reqwest::Method::PUT,
                    "/api/v1/clients/SAMARQAND",
                    Some(&token),
                )
                .json(&body),
            )
            .await
        }
    };

    let created = put(admin.clone(), body(json!("uz"))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["data"]["locale"], "uz");
    let replaced = put(admin.clone(), body(json!("ru"))).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["data"]["locale"], "ru");
    assert_eq!(
        replaced.body["data"]["created_at"],
        created.body["data"]["created_at"]
    );

    let unknown = put(admin.clone(), body(json!("de"))).await;
    unknown.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(unknown.body["error"]["details"][0]["field"], "locale");
    assert_eq!(
        unknown.body["error"]["details"][0]["message"],
        "must be one of en, ru, uz"
    );
    let not_a_string = put(admin.clone(), body(json!(["ru"]))).await;
    not_a_string.assert_error(400, "VALIDATION_ERROR");
    let mut other_key = body(json!("en"));
    other_key["key"] = json!("OTHER");
    put(admin.clone(), other_key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    put(accountant.clone(), body(json!("en")))
        .await
        .assert_error(403, "FORBIDDEN");

    let now = app
        .get("/api/v1/clients/SAMARQAND", Some(&accountant))
        .await;
    assert_eq!(
        now.body["data"]["locale"], "ru",
        "refused writes changed nothing"
    );
}
