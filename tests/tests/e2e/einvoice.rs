//! EN 16931 e-invoices (UBL 2.1, CII D16B, Factur-X) of finalized invoices and credit notes,
//! checked by the official CEN/TC 434 rules (`tests/einvoice/validate.py`, run once over
//! every document): the demo clients, zero-rated, exempt, reverse-charge and outside-scope
//! clients, a 1000-line invoice, UZS and a 0-decimal currency, credit notes, the UZS
//! equivalent as VAT accounting currency (BT-6, BT-111); and the refusals
//! (a draft, missing data named by its business term).

use proxima::domain::Role;
use proxima::domain::issuer::IssuerDetails;
use proxima_tests::{Reply, TestApp, last_month, spawn_app};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const FORMATS: [&str; 3] = ["ubl", "cii", "facturx"];

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Clients beyond the demo's, imported as the admin CLI does (CSV, with the new columns).
const TRICKY_CLIENTS: &str = "\
key,name,email,address_line1,address_city,address_postal_code,address_country,tax_id,vat_id,vat_category,vat_exemption_reason,electronic_address_scheme,electronic_address_id,buyer_reference,currency,hourly_rate,tax_rate,payment_terms_days,timezone
ZERO,Nulltarif GmbH,z@zero.example,Hafenstraße 1,Hamburg,20457,DE,,DE811111111,Z,,,,,EUR,80.00,0,14,Europe/Berlin
EXEMPT,Clinique Exonérée SARL,e@exempt.example,1 rue de la Paix,Paris,75002,FR,,FR12345678901,E,Exonération de TVA article 261-4-4° du CGI,EM,factures@exempt.example,,EUR,70.00,0,30,Europe/Paris
REVERSE,Omgekeerd BV,r@reverse.example,Damrak 1,Amsterdam,1012 LG,NL,,NL123456789B01,AE,,0106,12345678,PO-REV-9,EUR,90.00,0,30,Europe/Amsterdam
YEN,Kabushiki Kaisha Nihon,y@yen.example,1-1 Marunouchi,Tokyo,100-0005,JP,,JP1234567890123,S,,,,,JPY,8000,10,30,Asia/Tokyo
NOCAT,Nol Stavka MChJ,n@nocat.example,Amir Temur 1,Toshkent,100000,UZ,301111111,,,,,,,USD,50.00,0,10,Asia/Tashkent
";

/// Import the tricky clients and one billable worklog each last month.
async fn seed_tricky(app: &TestApp) {
    let report = proxima::import::import_clients(
        TRICKY_CLIENTS.as_bytes(),
        proxima::import::ClientFormat::Csv,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .expect("import clients");
    assert_eq!(report.imported, 5, "{report:?}");
    let day = last_month().first_day();
    let mut csv = String::from("client_key,date,author,issue_key,minutes\n");
    for k in ["ZERO", "EXEMPT", "REVERSE", "YEN", "NOCAT"] {
        csv.push_str(&format!("{k},{day},Ann,{k}-1,135\n"));
    }
    proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .expect("import worklogs");
}

async fn finalized(app: &TestApp, token: &str, client: &str) -> Value {
    let draft = app.draft(token, client).await;
    let done = app.finalize(token, draft["id"].as_str().unwrap()).await;
    assert_eq!(done.status, 200, "{client}: {}", done.body);
    done.body["data"].clone()
}

async fn einvoice(app: &TestApp, token: &str, path: &str, format: &str) -> Reply {
    app.get(&format!("{path}/einvoice?format={format}"), Some(token))
        .await
}

/// Download one document in one format; checks the answer against the bytes, and writes
/// them under `dir` for the validator. Returns the SHA-256.
async fn download(app: &TestApp, token: &str, path: &str, format: &str, dir: &Path) -> String {
    let reply = einvoice(app, token, path, format).await;
    assert_eq!(reply.status, 200, "{path} {format}: {}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let d = &reply.body["data"];
    let filename = d["filename"].as_str().unwrap().to_string();
    let bytes = reqwest::get(d["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(d["sha256"], hex_sha256(&bytes), "{filename}");
    assert_eq!(d["size_bytes"], bytes.len(), "{filename}");
    assert_eq!(d["format"], format);
    match format {
        "facturx" => {
            assert!(bytes.starts_with(b"%PDF"), "{filename}");
            assert_eq!(d["content_type"], "application/pdf");
            assert!(filename.ends_with(".facturx.pdf"));
        }
        _ => {
            assert!(bytes.starts_with(b"<?xml"), "{filename}");
            assert_eq!(d["content_type"], "application/xml");
        }
    }
    std::fs::write(dir.join(&filename), &bytes).unwrap();
    hex_sha256(&bytes)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Run the EN 16931 validator once over every file of `dir`: (all passed, its output).
fn validate(dir: &Path) -> (bool, String) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let python = root().join("../.venv/bin/python");
    let out = std::process::Command::new(python)
        .arg(root().join("einvoice/validate.py"))
        .args(&files)
        .output()
        .expect("run tests/einvoice/validate.py (scripts/setup.sh installs its packages)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn every_document_validates_in_every_format() {
    let app = spawn_app().await;
    app.seed_demo().await;
    seed_tricky(&app).await;
    let token = app.token(Role::Accountant).await;

    // Demo clients: USD outside scope (ACME, 0 % O), EUR standard rated with buyer
    // reference and e-address (NORDLICHT), UZS (GULZOR), USD 12 % without a category
    // (VOSTOK: implied S); then zero rated, exempt, reverse charge and JPY (0 decimals).
    let mut invoices = Vec::new();
    for client in [
        "ACME",
        "NORDLICHT",
        "GULZOR",
        "VOSTOK",
        "ZERO",
        "EXEMPT",
        "REVERSE",
    ] {
        invoices.push(finalized(&app, &token, client).await);
    }
    // The JPY invoice with 1000 lines (999 added by hand to its worklog line).
    let draft = app.draft(&token, "YEN").await;
    let id = draft["id"].as_str().unwrap();
    let add: Vec<Value> = (1..1000)
        .map(|i| json!({"description": format!("Support ticket YEN-{i}: analysis and fix"), "quantity": "0.25", "unit_price": "8000"}))
        .collect();
    let patched = app
        .send(
            app.request(
                reqwest::Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("if-match", draft["version"].to_string())
            .json(&json!({ "add": add })),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        done.body["data"]["line_items"].as_array().unwrap().len(),
        1000
    );
    assert_eq!(done.body["data"]["currency"], "JPY");
    invoices.push(done.body["data"].clone());

    // Credit notes: part of NORDLICHT's, all of ACME's (outside scope).
    let mut notes = Vec::new();
    for (invoice, body) in [
        (
            &invoices[1],
            json!({"reason": "Hours billed twice", "lines": [{"description": "Duplicate hours", "quantity": "1.00", "unit_price": "82.50"}]}),
        ),
        (
            &invoices[0],
            json!({"reason": "Invoice sent to the wrong client", "full": true}),
        ),
    ] {
        let reply = app
            .post_json(
                &format!(
                    "/api/v1/invoices/{}/credit-notes",
                    invoice["id"].as_str().unwrap()
                ),
                &body,
                Some(&token),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        notes.push(reply.body["data"]["credit_note"].clone());
    }

    let dir = std::env::temp_dir().join(format!("proxima-einvoice-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut shas = Vec::new();
    let paths: Vec<String> = invoices
        .iter()
        .map(|i| format!("/api/v1/invoices/{}", i["id"].as_str().unwrap()))
        .chain(
            notes
                .iter()
                .map(|n| format!("/api/v1/credit-notes/{}", n["id"].as_str().unwrap())),
        )
        .collect();
    for path in &paths {
        for format in FORMATS {
            shas.push(download(&app, &token, path, format, &dir).await);
        }
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        paths.len() * FORMATS.len()
    );

    // The documents say what they should.
    let nordlicht = invoices[1]["number"].as_str().unwrap();
    let ubl = std::fs::read_to_string(dir.join(format!("{nordlicht}.ubl.xml"))).unwrap();
    assert!(ubl.contains("<cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>"));
    assert!(ubl.contains("UZ300000000"), "the issuer's VAT id");
    assert!(ubl.contains("DE123456789"), "the buyer's VAT id");
    // The UZS equivalent frozen at finalize is the VAT accounting currency (BT-6, BT-111).
    let eur_tax_uzs = invoices[1]["accounting"]["tax"].as_str().unwrap();
    assert!(ubl.contains("<cbc:TaxCurrencyCode>UZS</cbc:TaxCurrencyCode>"));
    assert!(
        ubl.contains(&format!(
            r#"<cbc:TaxAmount currencyID="UZS">{eur_tax_uzs}</cbc:TaxAmount>"#
        )),
        "BT-111 = accounting.tax {eur_tax_uzs}"
    );
    let nordlicht_cii = std::fs::read_to_string(dir.join(format!("{nordlicht}.cii.xml"))).unwrap();
    assert!(nordlicht_cii.contains("<ram:TaxCurrencyCode>UZS</ram:TaxCurrencyCode>"));
    assert!(nordlicht_cii.contains(&format!(
        r#"<ram:TaxTotalAmount currencyID="UZS">{eur_tax_uzs}</ram:TaxTotalAmount>"#
    )));
    // A yen invoice (no minor units) keeps its BT-111 in soums with two places, and so does
    // a credit note in its CII.
    let yen = &invoices[7];
    let yen_tax_uzs = yen["accounting"]["tax"].as_str().unwrap();
    assert!(
        yen_tax_uzs.contains('.'),
        "soums with places: {yen_tax_uzs}"
    );
    let yen_ubl =
        std::fs::read_to_string(dir.join(format!("{}.ubl.xml", yen["number"].as_str().unwrap())))
            .unwrap();
    assert!(yen_ubl.contains("<cbc:TaxCurrencyCode>UZS</cbc:TaxCurrencyCode>"));
    assert!(
        yen_ubl.contains(&format!(
            r#"<cbc:TaxAmount currencyID="UZS">{yen_tax_uzs}</cbc:TaxAmount>"#
        )),
        "BT-111 of the JPY invoice = accounting.tax {yen_tax_uzs}"
    );
    let note = &notes[0];
    let note_tax_uzs = note["accounting"]["tax"].as_str().unwrap();
    let note_cii =
        std::fs::read_to_string(dir.join(format!("{}.cii.xml", note["number"].as_str().unwrap())))
            .unwrap();
    assert!(note_cii.contains("<ram:TaxCurrencyCode>UZS</ram:TaxCurrencyCode>"));
    assert!(
        note_cii.contains(&format!(
            r#"<ram:TaxTotalAmount currencyID="UZS">{note_tax_uzs}</ram:TaxTotalAmount>"#
        )),
        "BT-111 of the credit note = its accounting.tax {note_tax_uzs}"
    );
    let gulzor = invoices[2]["number"].as_str().unwrap();
    assert!(
        invoices[2]["accounting"].is_null(),
        "a UZS invoice has no equivalent"
    );
    let uzs_ubl = std::fs::read_to_string(dir.join(format!("{gulzor}.ubl.xml"))).unwrap();
    assert!(
        !uzs_ubl.contains("TaxCurrencyCode"),
        "no BT-6 on a UZS invoice"
    );
    let acme = invoices[0]["number"].as_str().unwrap();
    let acme_cii = std::fs::read_to_string(dir.join(format!("{acme}.cii.xml"))).unwrap();
    assert!(acme_cii.contains("<ram:CategoryCode>O</ram:CategoryCode>"));
    assert!(
        !acme_cii.contains("UZ300000000"),
        "no VAT ids outside the scope of VAT (BR-O-02)"
    );
    let reverse = invoices[6]["number"].as_str().unwrap();
    let rev = std::fs::read_to_string(dir.join(format!("{reverse}.cii.xml"))).unwrap();
    assert!(rev.contains("<ram:CategoryCode>AE</ram:CategoryCode>"));
    assert!(rev.contains("VATEX-EU-AE"));
    let note = notes[0]["number"].as_str().unwrap();
    let cn_ubl = std::fs::read_to_string(dir.join(format!("{note}.ubl.xml"))).unwrap();
    assert!(cn_ubl.contains("<CreditNote"), "a UBL CreditNote");
    assert!(
        cn_ubl.contains(&format!("<cbc:ID>{nordlicht}</cbc:ID>")),
        "BT-25 cites the invoice"
    );
    let cn_cii = std::fs::read_to_string(dir.join(format!("{note}.cii.xml"))).unwrap();
    assert!(cn_cii.contains("<ram:TypeCode>381</ram:TypeCode>"));
    let note_tax_uzs = notes[0]["accounting"]["tax"].as_str().unwrap();
    assert!(cn_ubl.contains(&format!(
        r#"<cbc:TaxAmount currencyID="UZS">{note_tax_uzs}</cbc:TaxAmount>"#
    )));

    // The official rules, once over every file: no fatal failure.
    let (ok, report) = validate(&dir);
    assert!(ok, "EN 16931 validation failed:\n{report}");
    assert_eq!(
        report.matches(": ok").count(),
        paths.len() * FORMATS.len(),
        "{report}"
    );
    assert_eq!(
        report.matches("embedded factur-x.xml").count(),
        paths.len(),
        "{report}"
    );

    // A later client edit changes nothing: the same bytes again (buyer data snapshotted).
    let mut changed = TRICKY_CLIENTS.replace("PO-REV-9", "PO-CHANGED");
    changed = changed.replace("NL123456789B01", "NL999999999B01");
    proxima::import::import_clients(
        changed.as_bytes(),
        proxima::import::ClientFormat::Csv,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let again = download(&app, &token, &paths[6], "ubl", &dir).await;
    assert_eq!(again, shas[6 * 3], "the reverse-charge UBL is unchanged");
    let redirect = einvoice(&app, &token, &paths[6], "facturx&redirect=true").await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect.headers["location"]
            .to_str()
            .unwrap()
            .contains("X-Amz-")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn drafts_bad_formats_and_missing_data_are_refused() {
    let app = spawn_app().await;
    app.seed_demo().await;
    seed_tricky(&app).await;
    let token = app.token(Role::Accountant).await;

    // A draft has no e-invoice.
    let draft = app.draft(&token, "GULZOR").await;
    let path = format!("/api/v1/invoices/{}", draft["id"].as_str().unwrap());
    einvoice(&app, &token, &path, "ubl")
        .await
        .assert_error(409, "CONFLICT");
    // Format: required, one of three.
    einvoice(&app, &token, &path, "pdf")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get(&format!("{path}/einvoice"), Some(&token))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get(
        "/api/v1/invoices/00000000-0000-0000-0000-000000000001/einvoice?format=ubl",
        Some(&token),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.get(&format!("{path}/einvoice?format=ubl"), None)
        .await
        .assert_error(401, "UNAUTHORIZED");

    // A 0 % client with no VAT category: BT-151 is not known.
    let nocat = finalized(&app, &token, "NOCAT").await;
    let reply = einvoice(
        &app,
        &token,
        &format!("/api/v1/invoices/{}", nocat["id"].as_str().unwrap()),
        "cii",
    )
    .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "BT-151");

    // An issuer configured without a VAT id: BT-31, for the invoice and its credit note.
    let no_vat = app
        .redeployed(|c| {
            let mut details = IssuerDetails::demo();
            details.vat_id = None;
            c.issuer = details.printed();
        })
        .await;
    let done = no_vat.finalize(&token, draft["id"].as_str().unwrap()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let reply = einvoice(&no_vat, &token, &path, "ubl").await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "BT-31");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("BT-31"),
        "{}",
        reply.body
    );
    // Fixing the configuration later does not change what was recorded at finalize.
    let reply = einvoice(&app, &token, &path, "facturx").await;
    assert_eq!(reply.body["error"]["details"][0]["field"], "BT-31");

    // A document finalized before structured issuer details existed (legacy).
    let legacy = app.redeployed(|c| c.issuer.details = None).await;
    let vostok = legacy.draft(&token, "VOSTOK").await;
    let done = legacy
        .finalize(&token, vostok["id"].as_str().unwrap())
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let reply = einvoice(
        &app,
        &token,
        &format!("/api/v1/invoices/{}", vostok["id"].as_str().unwrap()),
        "ubl",
    )
    .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "BG-4");
}
