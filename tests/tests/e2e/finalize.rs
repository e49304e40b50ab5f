//! Finalize with gapless numbering, the PDF in S3, presigned downloads, and what happens
//! under races and S3 outages.

use chrono::Utc;
use proxima::domain::Role;
use proxima_infra::emulator::Emulator;
use proxima_tests::{spawn_app, spawn_app_on};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    (pages.len(), doc.extract_text(&pages).unwrap_or_default())
}

#[tokio::test]
async fn finalize_numbers_renders_stores_and_freezes_the_invoice() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = app.draft(&token, "VOSTOK").await;
    let id = inv["id"].as_str().unwrap();

    // A draft has no PDF yet.
    app.get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await
        .assert_error(409, "CONFLICT");

    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let data = &done.body["data"];
    let year = inv["issue_date"].as_str().unwrap()[..4].to_string();
    assert_eq!(data["number"], format!("INV-{year}-00001"));
    assert_eq!(data["status"], "finalized");
    assert_eq!(data["version"], 2);
    assert!(data["finalized_at"].is_string());
    assert_eq!(data["line_items"], inv["line_items"], "lines unchanged");
    assert_eq!(data["total"], inv["total"]);
    let sha = data["pdf"]["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);

    // Frozen: a second finalize and every write are 409.
    app.finalize(&token, id).await.assert_error(409, "CONFLICT");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}"),
            json!({"notes": "late"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}/line-items"),
            json!({"remove": [data["line_items"][0]["id"]]}),
        ),
        (
            Method::PUT,
            format!("/api/v1/invoices/{id}/regenerate"),
            json!({}),
        ),
    ] {
        let reply = app
            .send(
                app.request(method, &path, Some(&token))
                    .header("if-match", "2")
                    .json(&body),
            )
            .await;
        reply.assert_error(409, "CONFLICT");
    }
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    assert_eq!(history.body["data"][0]["action"], "finalized");
    assert_eq!(
        history.body["data"][0]["changes"][1]["to"],
        format!("INV-{year}-00001")
    );

    // The download: presigned, at most 15 minutes, the recorded bytes, readable text.
    let viewer = app.token(Role::Viewer).await;
    let link = app
        .get(&format!("/api/v1/invoices/{id}/pdf"), Some(&viewer))
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let dl = &link.body["data"];
    assert_eq!(dl["filename"], format!("INV-{year}-00001.pdf"));
    assert_eq!(dl["sha256"], sha.as_str());
    let expires: chrono::DateTime<Utc> = dl["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires <= Utc::now() + chrono::Duration::minutes(15));
    let url = dl["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    let file = reqwest::get(url).await.unwrap();
    assert_eq!(file.status(), 200);
    let bytes = file.bytes().await.unwrap();
    assert_eq!(hex_sha256(&bytes), sha);
    assert_eq!(dl["size_bytes"], bytes.len());
    let (pages, text) = pdf_text(&bytes);
    assert_eq!(pages, 1);
    assert!(text.contains(&format!("INV-{year}-00001")), "{text}");
    assert!(text.contains("Восток Логистик"), "{text}");
    // VOSTOK's locale is `ru` (demo data): its PDF is in Russian.
    assert!(text.contains("Страница 1 из 1"), "{text}");

    let redirect = app
        .send(app.request(
            Method::GET,
            &format!("/api/v1/invoices/{id}/pdf?redirect=true"),
            Some(&viewer),
        ))
        .await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("X-Amz-Signature")
    );
}

#[tokio::test]
async fn empty_invoices_cannot_be_finalized() {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(1).await;
    let token = app.token(Role::Accountant).await;
    let inv = app.draft(&token, &keys[0]).await;
    let id = inv["id"].as_str().unwrap();
    let line = inv["line_items"][0]["id"].clone();
    let emptied = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("if-match", "1")
            .json(&json!({"remove": [line]})),
        )
        .await;
    assert_eq!(emptied.status, 200);
    let reply = app.finalize(&token, id).await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "line_items");
    let viewer = app.token(Role::Viewer).await;
    app.finalize(&viewer, id)
        .await
        .assert_error(403, "FORBIDDEN");
    let stale = app
        .send(
            app.request(
                Method::POST,
                &format!("/api/v1/invoices/{id}/finalize"),
                Some(&token),
            )
            .header("if-match", "1"),
        )
        .await;
    stale.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn an_s3_outage_never_half_finalizes_and_the_pdf_comes_later() {
    let mut s3 = Emulator::start(None).expect("S3 emulator");
    let s3_endpoint = s3.endpoint();
    let app = spawn_app_on(&proxima_tests::shared_emulator().endpoint(), |c| {
        c.s3_endpoint_url = Some(s3_endpoint.clone());
    })
    .await;
    let s3_client =
        proxima::store::aws::s3_client(&proxima::store::aws::sdk_config(Some(&s3_endpoint)).await);
    proxima_infra::provision::ensure_bucket(&s3_client, &app.state.config.documents_bucket_name)
        .await
        .unwrap();
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = app.draft(&token, "NORDLICHT").await;
    let id = inv["id"].as_str().unwrap();

    s3.stop();
    let done = app.finalize(&token, id).await;

    assert_eq!(
        done.status, 200,
        "finalize does not depend on S3: {}",
        done.body
    );
    let stored = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(stored.body["data"]["status"], "finalized");
    assert!(stored.body["data"]["number"].is_string());
    let sha = stored.body["data"]["pdf"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");

    // S3 back (empty): the PDF is rendered again, stored, and is the same document.
    let _s3_back = Emulator::start(Some(s3.port())).expect("S3 back");
    proxima_infra::provision::ensure_bucket(&s3_client, &app.state.config.documents_bucket_name)
        .await
        .unwrap();
    let link = app
        .get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let bytes = reqwest::get(link.body["data"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex_sha256(&bytes),
        sha,
        "re-rendered bytes equal the recorded ones"
    );
}

#[tokio::test]
async fn a_lost_pdf_is_rendered_again_byte_identical_after_the_issuer_changes() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = app.draft(&token, "GULZOR").await;
    let id = inv["id"].as_str().unwrap();
    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let recorded = done.body["data"]["pdf"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        done.body["data"]["issuer"]["name"],
        app.state.config.issuer.name.as_str(),
        "the issuer is recorded at finalize"
    );
    let docs = app.state.config.documents_bucket_name.clone();
    let key = format!(
        "invoices/{}/{}.pdf",
        &done.body["data"]["issue_date"].as_str().unwrap()[..4],
        done.body["data"]["number"].as_str().unwrap()
    );
    app.s3
        .head_object()
        .bucket(&docs)
        .key(&key)
        .send()
        .await
        .expect("PDF stored at its key");

    // The company moves and changes bank; the stored PDF is lost.
    let moved = app
        .redeployed(|c| {
            c.issuer.name = "Proxima Renamed LLC".into();
            c.issuer.address = vec!["Somewhere else 1".into()];
            c.issuer.bank = vec!["IBAN: XX00 NEWBANK".into()];
        })
        .await;
    app.s3
        .delete_object()
        .bucket(&docs)
        .key(&key)
        .send()
        .await
        .unwrap();

    let link = moved
        .get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    assert_eq!(link.headers["cache-control"], "no-store");
    let bytes = reqwest::get(link.body["data"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex_sha256(&bytes),
        recorded,
        "the re-render is the document as issued"
    );
    let (_, text) = pdf_text(&bytes);
    assert!(
        !text.contains("NEWBANK") && !text.contains("Renamed"),
        "{text}"
    );

    // Nothing replaces a stored document, whatever the bytes.
    moved
        .state
        .documents
        .put_pdf(&key, b"%PDF-1.7 forged".to_vec())
        .await
        .expect("a second put is not an error");
    let kept = app
        .s3
        .get_object()
        .bucket(&docs)
        .key(&key)
        .send()
        .await
        .unwrap();
    let kept = kept.body.collect().await.unwrap().into_bytes();
    assert_eq!(
        hex_sha256(&kept),
        recorded,
        "the stored document is unchanged"
    );
}

/// A draft whose lines add up to 0.00 is refused like an empty one; one finalized by older
/// code (stored `finalized` with a zero total) shows `finalized` and `unpaid` with nothing
/// due, agrees with the status filters, and can be voided, which frees its period.
#[tokio::test]
async fn zero_total_invoices_are_refused_and_old_ones_can_be_voided() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(2).await;
    let token = app.token(Role::Accountant).await;
    let inv = app.draft(&token, &keys[0]).await;
    let id = inv["id"].as_str().unwrap();
    let lines: Vec<_> = inv["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    let zeroed = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("if-match", "1")
            .json(&json!({
                "remove": lines,
                "add": [{"description": "Goodwill", "quantity": "1", "unit_price": "0"}]
            })),
        )
        .await;
    assert_eq!(zeroed.status, 200, "{:?}", zeroed.body);
    assert_eq!(zeroed.body["data"]["total"], "0.00");
    let reply = app.finalize(&token, id).await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "line_items");
    let still = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(still.body["data"]["status"], "draft");
    assert_eq!(still.body["data"]["amount_due"], "0.00");

    // As older code stored one: finalized with a zero total.
    let old = app.draft(&token, &keys[1]).await;
    let old_id = old["id"].as_str().unwrap();
    assert_eq!(app.finalize(&token, old_id).await.status, 200);
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key("pk", S(format!("INVOICE#{old_id}")))
        .key("sk", S("INVOICE".into()))
        .update_expression("SET subtotal = :z, tax_amount = :z, #t = :z, amount_due = :z")
        .expression_attribute_names("#t", "total")
        .expression_attribute_values(":z", S("0.00".into()))
        .send()
        .await
        .unwrap();
    let shown = app
        .get(&format!("/api/v1/invoices/{old_id}"), Some(&token))
        .await;
    assert_eq!(shown.body["data"]["status"], "finalized");
    assert_eq!(shown.body["data"]["payment_status"], "unpaid");
    assert_eq!(shown.body["data"]["amount_due"], "0.00");
    assert_eq!(shown.body["data"]["overdue"], false);
    let listed = |status: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app
                .get(
                    &format!("/api/v1/invoices?status={status}&per_page=100"),
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["status"].to_string(),
                        i["id"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let finalized = listed("finalized").await;
    assert!(finalized.iter().any(|(_, i)| i == old_id));
    assert!(finalized.iter().all(|(s, _)| s == "\"finalized\""));
    assert!(!listed("paid").await.iter().any(|(_, i)| i == old_id));
    let voided = app
        .post_json(
            &format!("/api/v1/invoices/{old_id}/void"),
            &json!({"reason": "zero total"}),
            Some(&token),
        )
        .await;
    assert_eq!(voided.status, 200, "{:?}", voided.body);
    assert_eq!(voided.body["data"]["status"], "void");
    assert_eq!(app.generate(&token, &keys[1]).await.status, 201);
}

/// A client whose currency and VAT category changed since its draft: regenerate refuses it,
/// and finalize refuses it the same way (409 naming the change) before taking a number, so
/// no invoice is frozen in the old currency with a rate its VAT category forbids.
#[tokio::test]
async fn finalize_refuses_a_client_change_that_regenerate_refuses() {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(1).await;
    let key = &keys[0];
    let token = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;
    let draft = app.draft(&token, key).await;
    let id = draft["id"].as_str().unwrap();
    let put = |currency: &'static str, category: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let body = json!({"key": key, "name": format!("Client {key}"), "email": "a@b.example",
                "address": {"line1": "1", "city": "Toshkent", "country": "UZ"},
                "currency": currency, "hourly_rate": "50",
                "tax_rate": if category == "S" { "12" } else { "0" },
                "vat_category": category, "payment_terms_days": 10, "timezone": "Asia/Tashkent"});
            let r = app
                .send(
                    app.request(Method::PUT, &format!("/api/v1/clients/{key}"), Some(&admin))
                        .json(&body),
                )
                .await;
            assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
        }
    };
    put("EUR", "Z").await;
    let regen = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/invoices/{id}/regenerate"),
                Some(&token),
            )
            .header("if-match", "1")
            .json(&json!({})),
        )
        .await;
    regen.assert_error(409, "CONFLICT");
    let refused = app.finalize(&token, id).await;
    refused.assert_error(409, "CONFLICT");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("currency"), "{message}");
    // Back in USD but zero rated: the draft's 12 % no longer fits.
    put("USD", "Z").await;
    let refused = app.finalize(&token, id).await;
    refused.assert_error(409, "CONFLICT");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("vat_category"), "{message}");
    let shown = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(shown.body["data"]["status"], "draft");
    assert!(shown.body["data"]["number"].is_null(), "no number taken");
    // Standard rated again: it finalizes and takes the first number.
    put("USD", "S").await;
    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body["data"]["number"]
            .as_str()
            .unwrap()
            .ends_with("-00001")
    );
}
