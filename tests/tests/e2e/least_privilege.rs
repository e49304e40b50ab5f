//! The functions' IAM policies in `template.yaml` give each only what its code path needs:
//! only auth can read users (password hashes) and write login items, nobody writes
//! sessions, the PDF download can tell a missing PDF from a forbidden one, and nothing can
//! delete or unlock a finalized PDF, which is kept in an Object Lock bucket of its own; only
//! the invoices function sends e-mail (from the configured sender); only the events relay
//! publishes events (on the service's bus) and removes outbox items, which the writers may
//! only put; the e-invoice function only reads invoices and credit notes and stores
//! e-invoices beside their PDFs.

use proxima_tests::cfn::{
    actions, functions, grants, number_or_default, parameter_default, referred, refers_to,
    resource, resources, statements, string_like, strings,
};
use serde_json::Value;

const AUTH: &str = "AuthFunction";
const INVOICES: &str = "InvoicesFunction";
const EINVOICE: &str = "EInvoiceFunction";
const RELAY: &str = "EventsRelayFunction";

/// The outbox partition.
const OUTBOX_KEY: &str = "OUTBOX";

/// A user item's partition key.
const USER_KEY: &str = "USER#someone@example.com";
/// A session item's partition key.
const SESSION_KEY: &str = "SESSION#someone@example.com";

/// Item-level actions that always carry `dynamodb:LeadingKeys`. Anything else (`Scan`,
/// `BatchGetItem` of other keys, PartiQL, wildcards) could escape a `ForAllValues` condition,
/// which holds vacuously when the key is absent.
const ITEM_ACTIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
    // Checked key by key against LeadingKeys, like BatchWriteItem.
    "dynamodb:BatchGetItem",
];
const READS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
];

/// A DynamoDB statement: its actions and its `LeadingKeys` patterns.
struct TableGrant {
    actions: Vec<String>,
    leading_keys: Vec<String>,
}

impl TableGrant {
    fn writes(&self) -> bool {
        self.actions.iter().any(|a| !READS.contains(&a.as_str()))
    }
    fn reaches(&self, key: &str) -> bool {
        self.leading_keys.iter().any(|p| string_like(p, key))
    }
    fn allows(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }
}

/// Every DynamoDB statement of a function but `DescribeTable` (no items), checked to be an
/// Allow of item actions limited by a `ForAllValues` `LeadingKeys` condition.
fn table_grants(id: &str, function: &Value) -> Vec<TableGrant> {
    let mut out = Vec::new();
    for s in statements(id, function) {
        let acts = actions(&s);
        if !acts
            .iter()
            .any(|a| grants(a, "dynamodb:GetItem") || a.starts_with("dynamodb:"))
        {
            continue;
        }
        if acts == ["dynamodb:DescribeTable"] {
            continue;
        }
        assert_eq!(s["Effect"], "Allow", "{id}: {s}");
        for a in &acts {
            assert!(
                ITEM_ACTIONS.contains(&a.as_str()),
                "{id}: {a} is not an item action LeadingKeys can limit: {s}"
            );
        }
        let condition = s["Condition"].as_object().cloned().unwrap_or_default();
        let keys: Vec<String> = condition
            .iter()
            .filter(|(op, _)| op.starts_with("ForAllValues:String"))
            .flat_map(|(_, c)| strings(&c["dynamodb:LeadingKeys"]))
            .collect();
        assert!(
            !keys.is_empty(),
            "{id}: DynamoDB statement without a ForAllValues dynamodb:LeadingKeys condition: {s}"
        );
        assert_eq!(
            condition.len(),
            1,
            "{id}: one condition operator, nothing that could widen it: {s}"
        );
        out.push(TableGrant {
            actions: acts,
            leading_keys: keys,
        });
    }
    out
}

#[test]
fn no_function_but_auth_can_reach_user_items() {
    let doc = proxima_tests::cfn::template();
    let fns = functions(&doc);
    assert!(
        fns.len() >= 8,
        "{:?}",
        fns.iter().map(|f| f.0).collect::<Vec<_>>()
    );
    for (id, f) in fns {
        let grants = table_grants(id, f);
        if id == AUTH {
            continue;
        }
        for g in &grants {
            assert!(
                !g.reaches(USER_KEY),
                "{id} can reach USER# items (password hashes) through {:?}",
                g.leading_keys
            );
        }
    }
    // The functions that read the table do have (limited) grants.
    for id in [
        "ClientsFunction",
        INVOICES,
        EINVOICE,
        "MonthEndFunction",
        "MonthEndWorkerFunction",
        "RemindersFunction",
        "RatesFunction",
        "ImportFunction",
    ] {
        assert!(!table_grants(id, resource(&doc, id)).is_empty(), "{id}");
    }
}

#[test]
fn only_auth_writes_login_items_and_refresh_families_and_no_function_writes_sessions() {
    let doc = proxima_tests::cfn::template();
    for (id, f) in functions(&doc) {
        for g in table_grants(id, f).iter().filter(|g| g.writes()) {
            for key in [USER_KEY, SESSION_KEY] {
                assert!(
                    !g.reaches(key),
                    "{id} may write {key}: {:?}",
                    g.leading_keys
                );
            }
            if id == AUTH {
                assert!(
                    g.leading_keys
                        .iter()
                        .all(|p| p.starts_with("LOGIN#") || p.starts_with("REFRESH#")),
                    "auth writes only the login throttle and refresh families: {:?}",
                    g.leading_keys
                );
            } else {
                for key in ["LOGIN#someone@example.com", "REFRESH#0123"] {
                    assert!(!g.reaches(key), "{id} may write {key}");
                }
            }
        }
    }
    // Auth reads the user (the login counters are only updated, never read or deleted).
    let auth = table_grants(AUTH, resource(&doc, AUTH));
    assert!(
        auth.iter()
            .any(|g| g.allows("dynamodb:GetItem") && g.reaches(USER_KEY)),
        "auth cannot GetItem {USER_KEY}"
    );
    for key in [SESSION_KEY, "LOGIN#someone@example.com"] {
        assert!(
            !auth.iter().any(
                |g| (g.allows("dynamodb:GetItem") || g.allows("dynamodb:DeleteItem"))
                    && g.reaches(key)
            ),
            "auth needs no GetItem or DeleteItem on {key}"
        );
    }
    // Every function that checks tokens reads the caller's session record.
    for (id, f) in functions(&doc) {
        if id == AUTH || f["Properties"]["Environment"]["Variables"]["JWT_SECRET_ARN"].is_null() {
            continue;
        }
        assert!(
            table_grants(id, f)
                .iter()
                .any(|g| g.allows("dynamodb:GetItem") && g.reaches(SESSION_KEY)),
            "{id} checks tokens but cannot GetItem SESSION#"
        );
    }
}

/// The bucket the invoices function keeps PDFs in (`DOCUMENTS_BUCKET_NAME`).
fn documents_bucket(doc: &Value) -> (&str, &Value) {
    let var =
        &resource(doc, INVOICES)["Properties"]["Environment"]["Variables"]["DOCUMENTS_BUCKET_NAME"];
    referred(doc, var, "AWS::S3::Bucket").unwrap_or_else(|| {
        panic!("the invoices function's DOCUMENTS_BUCKET_NAME is a bucket: {var}")
    })
}

#[test]
fn the_pdf_download_can_tell_a_missing_pdf_from_a_forbidden_one() {
    let doc = proxima_tests::cfn::template();
    let all = statements(INVOICES, resource(&doc, INVOICES));
    let list: Vec<&Value> = all
        .iter()
        .filter(|s| actions(s).iter().any(|a| grants(a, "s3:ListBucket")))
        .collect();
    // s3:prefix exists only in ListObjects requests: conditioned on it, the grant never
    // applies to HeadObject, which then answers 403 for a missing key instead of 404.
    for s in &list {
        assert!(
            !s["Condition"].to_string().contains("s3:prefix"),
            "HeadObject gets no ListBucket from a grant conditioned on s3:prefix: {s}"
        );
    }
    let (bucket, _) = documents_bucket(&doc);
    assert!(
        list.iter().any(|s| s["Effect"] == "Allow"
            && s["Condition"].is_null()
            && refers_to(&s["Resource"], bucket)),
        "the invoices function needs an unconditional s3:ListBucket on {bucket}"
    );
    for action in ["s3:GetObject", "s3:PutObject"] {
        assert!(
            all.iter()
                .any(|s| actions(s).iter().any(|a| grants(a, action))
                    && refers_to(&s["Resource"], bucket)),
            "the invoices function needs {action} in {bucket}"
        );
    }
}

/// Actions that would delete a PDF, or loosen what keeps it.
const FORBIDDEN_S3: &[&str] = &[
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
    "s3:PutObjectLegalHold",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

#[test]
fn nothing_can_delete_or_unlock_a_finalized_pdf() {
    let doc = proxima_tests::cfn::template();
    for (id, f) in functions(&doc) {
        for s in statements(id, f) {
            for a in actions(&s) {
                for forbidden in FORBIDDEN_S3 {
                    assert!(!grants(&a, forbidden), "{id} is allowed {forbidden} by {s}");
                }
            }
        }
    }

    let (bucket, b) = documents_bucket(&doc);
    let props = &b["Properties"];
    assert_eq!(props["ObjectLockEnabled"], true, "{bucket}");
    assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
    let lock = &props["ObjectLockConfiguration"];
    assert_eq!(lock["ObjectLockEnabled"], "Enabled");
    let retention = &lock["Rule"]["DefaultRetention"];
    assert_eq!(
        retention["Mode"], "COMPLIANCE",
        "governance mode can be bypassed"
    );
    assert!(refers_to(&retention["Years"], "DocumentRetentionYears"));
    assert_eq!(
        number_or_default(&doc, &retention["Years"]),
        Some(10.0),
        "{}",
        parameter_default(&doc, "DocumentRetentionYears")
    );

    // Imports are not in it: they expire, which default retention would forbid.
    let imports = &resource(&doc, "ImportFunction")["Properties"]["Events"];
    let (import_bucket, ib) = resources(&doc, "AWS::S3::Bucket")
        .into_iter()
        .find(|(id, _)| refers_to(imports, id))
        .expect("the import function's bucket");
    assert_ne!(import_bucket, bucket);
    assert!(ib["Properties"]["ObjectLockConfiguration"].is_null());
    let rules = ib["Properties"]["LifecycleConfiguration"]["Rules"].to_string();
    assert!(
        rules.contains("imports/") && rules.contains("ExpirationInDays"),
        "{rules}"
    );
}

#[test]
fn only_the_invoices_function_reaches_idempotency_records_and_only_those_it_needs() {
    const IDEMPOTENCY_KEY: &str = "IDEMPOTENCY#someone@example.com#0123abcd";
    let doc = proxima_tests::cfn::template();
    for (id, f) in functions(&doc) {
        let reaching: Vec<TableGrant> = table_grants(id, f)
            .into_iter()
            .filter(|g| g.reaches(IDEMPOTENCY_KEY))
            .collect();
        if id != INVOICES {
            assert!(reaching.is_empty(), "{id} can reach IDEMPOTENCY# items");
            continue;
        }
        for action in [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ] {
            assert!(
                reaching.iter().any(|g| g.allows(action)),
                "{id} needs {action} on IDEMPOTENCY#"
            );
        }
        for g in &reaching {
            assert!(
                !g.allows("dynamodb:Query") && g.writes(),
                "{id}: IDEMPOTENCY# items are read by key only"
            );
        }
    }
}

/// The invoices function's transactions put invoices and update their headers alone (a
/// payment, void, send, credit note or transfer leaves the lines as they are): DynamoDB
/// authorizes each action of a transaction on its own.
#[test]
fn the_invoices_function_may_put_and_update_invoice_items() {
    let doc = proxima_tests::cfn::template();
    let grants = table_grants(INVOICES, resource(&doc, INVOICES));
    for action in [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ] {
        assert!(
            grants
                .iter()
                .any(|g| g.allows(action)
                    && g.reaches("INVOICE#0190c0de-0000-7000-8000-000000000001")),
            "the invoices function needs {action} on INVOICE#"
        );
    }
}

#[test]
fn only_the_invoices_function_counts_sent_e_mails_and_it_may_not_reset_them() {
    const SENDS_KEY: &str = "SENDS#someone@example.com";
    let doc = proxima_tests::cfn::template();
    for (id, f) in functions(&doc) {
        let reaching: Vec<TableGrant> = table_grants(id, f)
            .into_iter()
            .filter(|g| g.reaches(SENDS_KEY))
            .collect();
        if id != INVOICES {
            assert!(reaching.is_empty(), "{id} can reach SENDS# items");
            continue;
        }
        for action in ["dynamodb:PutItem", "dynamodb:UpdateItem"] {
            assert!(
                reaching.iter().any(|g| g.allows(action)),
                "{id} needs {action} on SENDS#"
            );
        }
        assert!(
            !reaching.iter().any(|g| g.allows("dynamodb:DeleteItem")),
            "{id} must not delete its users' send counters"
        );
    }
}

#[test]
fn e_mail_goes_only_from_the_configured_sender_and_events_only_to_our_bus() {
    let doc = proxima_tests::cfn::template();
    let (mut sending, mut publishing) = (0, 0);
    for (id, f) in functions(&doc) {
        for s in statements(id, f) {
            let acts = actions(&s);
            if acts.iter().any(|a| a.starts_with("ses:")) {
                sending += 1;
                assert!(
                    id == INVOICES || id == "RemindersFunction",
                    "only the invoices function (sends, reminders by hand) and the reminders \
                     function send e-mail: {id}"
                );
                for a in &acts {
                    assert!(
                        a == "ses:SendEmail" || a == "ses:SendRawEmail",
                        "{id}: {a} is more than sending"
                    );
                }
                assert!(
                    refers_to(
                        &s["Condition"]["StringEquals"]["ses:FromAddress"],
                        "MailFrom"
                    ),
                    "{id}: sending is pinned to the MailFrom address: {s}"
                );
                let text = s["Resource"].to_string();
                assert!(
                    text.contains(":identity/") && !text.contains('*'),
                    "{id}: only the sender's identity: {text}"
                );
            }
            if acts.iter().any(|a| a.starts_with("events:")) {
                publishing += 1;
                assert_eq!(id, RELAY, "only the relay publishes");
                assert_eq!(acts, ["events:PutEvents"], "{id}: publishing only");
                assert!(
                    refers_to(&s["Resource"], "InvoiceEventBus"),
                    "{id}: only on the service's bus: {s}"
                );
            }
        }
    }
    assert_eq!(
        (sending, publishing),
        (2, 1),
        "the invoices and reminders functions send; the relay publishes what the others put \
         in the outbox"
    );
}

#[test]
fn writers_only_put_outbox_items_and_only_the_relay_removes_them() {
    let doc = proxima_tests::cfn::template();
    let mut writers = Vec::new();
    for (id, f) in functions(&doc) {
        for g in table_grants(id, f) {
            if !g.reaches(OUTBOX_KEY) {
                continue;
            }
            if id == RELAY {
                assert_eq!(
                    g.actions,
                    ["dynamodb:BatchWriteItem"],
                    "{id}: removing only"
                );
                assert_eq!(g.leading_keys, ["OUTBOX"], "{id}: the outbox only");
                continue;
            }
            assert_eq!(g.actions, ["dynamodb:PutItem"], "{id}: putting events only");
            assert_eq!(g.leading_keys, ["OUTBOX"], "{id}: a statement of its own");
            writers.push(id);
        }
    }
    writers.sort();
    assert_eq!(
        writers,
        [
            "InvoicesFunction",
            "MonthEndFunction",
            "MonthEndWorkerFunction",
            "RemindersFunction"
        ],
        "the functions whose changes have events"
    );
    let relay = resource(&doc, RELAY);
    assert!(
        table_grants(RELAY, relay)
            .iter()
            .all(|g| g.leading_keys == ["OUTBOX"]),
        "the relay reaches nothing but the outbox"
    );
}

#[test]
fn the_e_invoice_function_reads_issued_documents_and_stores_only_in_the_archive() {
    let doc = proxima_tests::cfn::template();
    let f = resource(&doc, EINVOICE);
    let table = table_grants(EINVOICE, f);
    assert!(
        table.iter().all(|g| !g.writes()),
        "the e-invoice function writes nothing in the table"
    );
    for key in [
        "INVOICE#5b0d7c3e-1f2a-4c6b-9d8e-7a6b5c4d3e2f",
        "CREDIT_NOTE#5b0d7c3e-1f2a-4c6b-9d8e-7a6b5c4d3e2f",
        SESSION_KEY,
    ] {
        assert!(
            table
                .iter()
                .any(|g| g.reaches(key)
                    && (g.allows("dynamodb:Query") || g.allows("dynamodb:GetItem"))),
            "{EINVOICE} cannot read {key}"
        );
    }
    for key in ["CLIENT#ACME", "INVOICES#0", "MONTH_END_RUN#2026-10"] {
        assert!(
            !table.iter().any(|g| g.reaches(key)),
            "{EINVOICE} needs nothing of {key}"
        );
    }
    // S3: get and put under the archive's document prefixes, nothing else (no listing: the
    // download never asks whether a key exists).
    let (bucket, _) = documents_bucket(&doc);
    let var = &f["Properties"]["Environment"]["Variables"]["DOCUMENTS_BUCKET_NAME"];
    assert!(
        refers_to(var, bucket),
        "{EINVOICE} stores in {bucket}: {var}"
    );
    for s in statements(EINVOICE, f) {
        let acts = actions(&s);
        if !acts.iter().any(|a| a.starts_with("s3:")) {
            continue;
        }
        let mut acts = acts.clone();
        acts.sort();
        assert_eq!(acts, ["s3:GetObject", "s3:PutObject"], "{s}");
        let resources = s["Resource"].as_array().cloned().unwrap_or_default();
        assert!(!resources.is_empty(), "{s}");
        for r in &resources {
            let text = r.to_string();
            assert!(
                refers_to(r, bucket)
                    && (text.ends_with("/invoices/*\"}") || text.ends_with("/credit-notes/*\"}")),
                "{EINVOICE}: {text} is more than the documents' prefixes"
            );
        }
    }
    for s in statements(EINVOICE, f) {
        for a in actions(&s) {
            assert!(
                ["dynamodb:", "s3:", "secretsmanager:GetSecretValue"]
                    .iter()
                    .any(|p| a.starts_with(p)),
                "{EINVOICE} needs no {a}"
            );
        }
    }
}
