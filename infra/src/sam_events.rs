//! The sample events in `events/` for `sam local invoke -e` and `cargo lambda invoke
//! --data-file`, made from `template.yaml`: one API Gateway HTTP API (payload v2) request
//! per `HttpApi` route, what the month-end schedule delivers, an S3 upload under
//! `imports/` and an SQS message for the month-end worker. `tests/tests/e2e/sam_events.rs`
//! checks the files are these and feeds each through its function's entry point;
//! `UPDATE_EVENTS=1 cargo test -p proxima-tests --test e2e sam_events::` rewrites them.

use crate::demo::DEMO_USERS;
use crate::template::{TEMPLATE_YAML, document};
use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use yaml_serde::Value as Yaml;

/// What a protected route's sample sends as its token: replace it with a real one
/// (`POST /api/v1/auth/login`) before invoking.
pub const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_TOKEN";
/// The billing period the samples use.
pub const SAMPLE_PERIOD: &str = "2026-10";
/// The day the reminder samples use.
pub const SAMPLE_DAY: &str = "2026-11-10";
/// The client the samples use (a demo client).
pub const SAMPLE_CLIENT: &str = "ACME";
/// The invoice id in `{id}` paths: no such invoice until you put a real id there.
pub const SAMPLE_INVOICE_ID: &str = "5b0d7c3e-1f2a-4c6b-9d8e-7a6b5c4d3e2f";
/// The payment id in `{pid}` paths.
pub const SAMPLE_PAYMENT_ID: &str = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
/// The bucket of imports of the local stack (`proxima-local`, `scripts/dev.sh`).
pub const LOCAL_BUCKET: &str = "proxima-local-documents";
/// The object key of the S3 sample (an uploaded CSV under `imports/`).
pub const SAMPLE_IMPORT_KEY: &str = "imports/tempo-export-2026-10.csv";

/// One sample: where it goes under `events/`, the function it is for, and the event.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Path relative to `events/`, e.g. `api/invoices/Finalize.json`.
    pub file: String,
    /// The function's logical id in the template, e.g. `InvoicesFunction`.
    pub function: String,
    /// The function's binary, e.g. `invoices`.
    pub binary: String,
    pub event: Value,
}

/// An API route of the template: its function and event names, method and path.
#[derive(Debug, Clone)]
pub struct ApiRoute {
    pub function: String,
    pub binary: String,
    pub event_name: String,
    pub method: String,
    pub path: String,
}

fn functions(doc: &Yaml) -> Result<Vec<(String, String, &Yaml)>> {
    let resources = doc
        .get("Resources")
        .and_then(Yaml::as_mapping)
        .ok_or_else(|| anyhow!("template has no Resources"))?;
    let mut out = Vec::new();
    for (id, res) in resources {
        if res.get("Type").and_then(Yaml::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let id = id
            .as_str()
            .ok_or_else(|| anyhow!("a logical id is not a string"))?;
        let binary = res
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Yaml::as_str)
            .ok_or_else(|| anyhow!("{id} has no Metadata.BuildProperties.Binary"))?;
        out.push((id.to_string(), binary.to_string(), res));
    }
    Ok(out)
}

/// The events of `kind` (`HttpApi`, `ScheduleV2`, `S3`, ...) of every function:
/// (function, binary, event name, event properties).
fn events_of<'a>(doc: &'a Yaml, kind: &str) -> Result<Vec<(String, String, String, &'a Yaml)>> {
    let mut out = Vec::new();
    for (function, binary, res) in functions(doc)? {
        let events = res
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Yaml::as_mapping);
        for (name, ev) in events.into_iter().flatten() {
            if ev.get("Type").and_then(Yaml::as_str) == Some(kind) {
                let name = name.as_str().unwrap_or_default().to_string();
                let props = ev
                    .get("Properties")
                    .ok_or_else(|| anyhow!("{function}.{name} has no Properties"))?;
                out.push((function.clone(), binary.clone(), name, props));
            }
        }
    }
    Ok(out)
}

/// Every `HttpApi` route of the template.
pub fn api_routes(doc: &Yaml) -> Result<Vec<ApiRoute>> {
    events_of(doc, "HttpApi")?
        .into_iter()
        .map(|(function, binary, event_name, p)| {
            let text = |k: &str| {
                p.get(k)
                    .and_then(Yaml::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{function}.{event_name} has no {k}"))
            };
            Ok(ApiRoute {
                method: text("Method")?,
                path: text("Path")?,
                function,
                binary,
                event_name,
            })
        })
        .collect()
}

/// The sample path: `{key}`, `{id}`, `{pid}` and `{period}` filled in.
pub fn concrete_path(template: &str) -> String {
    template
        .replace("{period}", SAMPLE_PERIOD)
        .replace("{key}", SAMPLE_CLIENT)
        .replace("{id}", SAMPLE_INVOICE_ID)
        .replace("{pid}", SAMPLE_PAYMENT_ID)
}

fn path_parameters(template: &str) -> Value {
    let params: serde_json::Map<String, Value> = template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            (
                name.to_string(),
                json!(concrete_path(&format!("{{{name}}}"))),
            )
        })
        .collect();
    if params.is_empty() {
        Value::Null
    } else {
        Value::Object(params)
    }
}

/// A realistic body for the routes that take one.
fn sample_body(method: &str, path: &str) -> Option<Value> {
    let (email, password, _, _) = DEMO_USERS
        .iter()
        .find(|u| u.0.starts_with("accountant"))
        .unwrap_or(&DEMO_USERS[0]);
    let body = match (method, path) {
        ("POST", "/api/v1/auth/login") => json!({"email": email, "password": password}),
        // A well-formed refresh token that names no login (a real one comes from a login).
        ("POST", "/api/v1/auth/refresh" | "/api/v1/auth/logout") => json!({
            "refresh_token": format!("rt1.{}.{}", uuid::Uuid::nil().simple(), "0".repeat(64))
        }),
        ("POST", "/api/v1/invoices/prefill" | "/api/v1/invoices/generate") => {
            json!({"client_key": SAMPLE_CLIENT, "period": SAMPLE_PERIOD, "group_by": "issue"})
        }
        ("POST", "/api/v1/invoices/generate-bulk") => json!({"period": SAMPLE_PERIOD}),
        ("PUT", "/api/v1/clients/{key}") => json!({
            "key": SAMPLE_CLIENT, "name": "Acme Corporation", "email": "billing@acme.example",
            "address": {"line1": "350 Fifth Avenue", "city": "New York", "postal_code": "10118",
                        "country": "US"},
            "tax_id": "US-12-3456789", "currency": "USD", "hourly_rate": "95.00", "tax_rate": "0",
            "payment_terms_days": 30, "timezone": "America/New_York", "locale": "en"
        }),
        ("PATCH", "/api/v1/invoices/{id}") => {
            json!({"notes": "Thank you for your business.", "po_number": "PO-2026-117"})
        }
        ("PATCH", "/api/v1/invoices/{id}/line-items") => json!({
            "add": [{"description": "On-call weekend", "quantity": "4.00", "unit_price": "95.00"}]
        }),
        ("PUT", "/api/v1/invoices/{id}/regenerate") => json!({"group_by": "author"}),
        ("POST", "/api/v1/invoices/{id}/payments") => json!({
            "amount": "250.00", "method": "bank_transfer", "paid_on": "2026-11-20",
            "reference": "TRX-0042"
        }),
        ("DELETE", "/api/v1/invoices/{id}/payments/{pid}") => {
            json!({"reason": "Bounced by the bank"})
        }
        ("POST", "/api/v1/invoices/{id}/write-off") => json!({
            "amount": "25.00", "reason": "bank_fee", "note": "SWIFT charges (OUR)"
        }),
        ("POST", "/api/v1/invoices/{id}/apply-credit") => json!({"amount": "150.00"}),
        ("POST", "/api/v1/clients/{key}/payments") => json!({
            "amount": "2000.00", "currency": "USD", "received_on": "2026-11-20",
            "method": "bank_transfer", "reference": "SWIFT-7731",
            // An advance: no invoice is named, so all of it is credit balance (a sample that
            // works on the demo data; allocations name invoices by id).
            "allocations": []
        }),
        ("POST", "/api/v1/clients/{key}/statement/send") => json!({
            "from": "2026-01-01", "to": "2026-11-30", "currency": "USD"
        }),
        ("POST", "/api/v1/clients/{key}/refunds") => json!({
            "amount": "150.00", "currency": "USD", "paid_on": "2026-11-25",
            "method": "bank_transfer", "reference": "REFUND-0007"
        }),
        ("DELETE", "/api/v1/invoices/{id}/write-offs/{wid}") => {
            json!({"reason": "The bank refunded its fee"})
        }
        ("POST", "/api/v1/invoices/{id}/void") => json!({"reason": "Issued to the wrong client"}),
        ("POST", "/api/v1/invoices/{id}/remind") => {
            json!({"message": "Dear Acme team, a friendly reminder:"})
        }
        ("PUT", "/api/v1/settings/reminders") => json!({
            "enabled": true,
            "steps": [{"days_after_due": -3, "kind": "before_due"}, {"days_after_due": 0, "kind": "due"},
                      {"days_after_due": 7, "kind": "overdue"}],
            "min_amount": {"USD": "1.00", "UZS": "10000.00"}
        }),
        ("POST", "/api/v1/invoices/{id}/credit-notes") => json!({
            "reason": "Discount agreed after delivery",
            "lines": [{"description": "Goodwill discount", "quantity": "1.00", "unit_price": "50.00"}]
        }),
        _ => return None,
    };
    Some(body)
}

/// Routes that need no token (as the OpenAPI document says), worked out once.
fn is_public(path: &str) -> bool {
    static PUBLIC: std::sync::LazyLock<std::collections::BTreeSet<String>> =
        std::sync::LazyLock::new(crate::api::public_paths);
    PUBLIC.contains(path)
}

/// The sample query string of a route, if it has one.
fn sample_query(method: &str, path: &str) -> &'static str {
    match (method, path) {
        ("GET", "/api/v1/clients/{key}/worklogs") => "period=2026-10&page=1&per_page=20",
        ("GET", "/api/v1/invoices") => "status=draft&period=2026-10",
        ("GET", "/api/v1/exchange-rates") => "currency=USD&date=2026-11-10",
        ("GET", "/api/v1/reports/fx-differences") => "from=2026-11-01&to=2026-11-30",
        ("GET", "/api/v1/invoices/{id}/einvoice" | "/api/v1/credit-notes/{id}/einvoice") => {
            "format=ubl"
        }
        _ => "",
    }
}

/// An API Gateway HTTP API payload v2 request for `route`, as API Gateway sends it.
pub fn api_event(route: &ApiRoute) -> Value {
    let (method, template) = (route.method.as_str(), route.path.as_str());
    let path = concrete_path(template);
    let route_key = format!("{method} {template}");
    let query = sample_query(method, template);
    let body = sample_body(method, template);
    let mut headers = json!({
        "accept": "application/json",
        "host": "abc123.execute-api.eu-central-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-6724a1b0-3f5e2d1c0b9a8f7e6d5c4b3a",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        "x-request-id": format!("sample-{}", route.event_name.to_lowercase())
    });
    if !is_public(template) {
        headers["authorization"] = json!(format!("Bearer {TOKEN_PLACEHOLDER}"));
    }
    if body.is_some() {
        headers["content-type"] = json!("application/json");
    }
    if matches!(method, "PATCH" | "PUT" | "DELETE") || template.ends_with("/finalize") {
        headers["if-match"] = json!("\"1\"");
    }
    let query_params: serde_json::Map<String, Value> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-central-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Nov/2026:04:00:00 +0000",
            "timeEpoch": 1_793_592_000_000u64
        },
        "isBase64Encoded": false
    });
    if !query_params.is_empty() {
        event["queryStringParameters"] = Value::Object(query_params);
    }
    let params = path_parameters(template);
    if !params.is_null() {
        event["pathParameters"] = params;
    }
    if let Some(body) = body {
        event["body"] = json!(body.to_string());
    }
    event
}

/// What the month-end schedule delivers: EventBridge Scheduler passes the template's
/// `Input` as the event, unchanged.
fn schedule_samples(doc: &Yaml) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    for (function, binary, name, props) in events_of(doc, "ScheduleV2")? {
        let input = props
            .get("Input")
            .and_then(Yaml::as_str)
            .ok_or_else(|| anyhow!("{function}.{name} has no Input"))?;
        let event: Value =
            serde_json::from_str(input).with_context(|| format!("{function}.{name} Input"))?;
        out.push(Sample {
            file: format!("schedule/{binary}.json"),
            function: function.clone(),
            binary: binary.clone(),
            event,
        });
        // The same function run by hand: month-end for a given month, reminders for a day,
        // rates for a range of days.
        let (file, event) = match binary.as_str() {
            "reminders" => (
                format!("schedule/{binary}-date.json"),
                json!({"date": SAMPLE_DAY}),
            ),
            "rates" => (
                format!("schedule/{binary}-range.json"),
                json!({"from": "2026-11-02", "to": SAMPLE_DAY}),
            ),
            _ => (
                format!("schedule/{binary}-period.json"),
                json!({"period": SAMPLE_PERIOD}),
            ),
        };
        out.push(Sample {
            file,
            function,
            binary,
            event,
        });
    }
    Ok(out)
}

/// An S3 `ObjectCreated:Put` of a CSV under `imports/`, for every S3-triggered function.
fn s3_samples(doc: &Yaml) -> Result<Vec<Sample>> {
    let key = SAMPLE_IMPORT_KEY;
    Ok(events_of(doc, "S3")?
        .into_iter()
        .map(|(function, binary, _, _)| Sample {
            file: format!("s3/{binary}.json"),
            function,
            binary,
            event: json!({"Records": [{
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "eu-central-1",
                "eventTime": "2026-11-01T04:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLEUSERID"},
                "requestParameters": {"sourceIPAddress": "203.0.113.7"},
                "responseElements": {
                    "x-amz-request-id": "C3D13FE58DE4C810",
                    "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "imports",
                    "bucket": {
                        "name": LOCAL_BUCKET,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": format!("arn:aws:s3:::{LOCAL_BUCKET}")
                    },
                    "object": {
                        "key": key,
                        "size": 1024,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901"
                    }
                }
            }]}),
        })
        .collect())
}

/// SQS messages for the queue workers, in the shape `sam local generate-event sqs
/// receive-message` produces: one client of one month for the month-end worker, one
/// invoice of one day for the reminders.
fn sqs_samples() -> Vec<Sample> {
    vec![
        sqs_sample(
            "MonthEndWorkerFunction",
            "month-end-worker",
            json!({"period": SAMPLE_PERIOD, "client_key": SAMPLE_CLIENT}),
            "proxima-month-end",
        ),
        sqs_sample(
            "RemindersFunction",
            "reminders",
            json!({"date": SAMPLE_DAY, "invoice_id": SAMPLE_INVOICE_ID}),
            "proxima-reminders",
        ),
    ]
}

fn sqs_sample(function: &str, binary: &str, body: Value, queue: &str) -> Sample {
    let body = body.to_string();
    Sample {
        file: format!("sqs/{binary}.json"),
        function: function.into(),
        binary: binary.into(),
        event: json!({"Records": [{
            "messageId": "19dd0b57-b21e-4ac1-bd88-01bbb068cb78",
            "receiptHandle": "MessageReceiptHandle",
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1793592000000",
                "SenderId": "123456789012",
                "ApproximateFirstReceiveTimestamp": "1793592000001"
            },
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": format!("arn:aws:sqs:eu-central-1:123456789012:{queue}"),
            "awsRegion": "eu-central-1"
        }]}),
    }
}

/// The event id of the stream sample (a UUID v7 of 2026-11-01).
pub const SAMPLE_EVENT_ID: &str = "019a3d7e-8c00-7000-8000-000000000001";

/// A batch of the table's stream for the events relay: one new outbox item, the
/// `invoice.voided` of the sample invoice, as the filtered stream delivers it.
fn stream_samples() -> Result<Vec<Sample>> {
    use proxima::events::{EventDetail, InvoiceVoided};
    let detail = InvoiceVoided {
        version: InvoiceVoided::VERSION,
        invoice_id: SAMPLE_INVOICE_ID.parse()?,
        number: "INV-2026-00042".into(),
        client_key: SAMPLE_CLIENT.into(),
        period: SAMPLE_PERIOD
            .parse()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        currency: "EUR".into(),
        total: "1330.00".parse()?,
        voided_at: "2026-11-01T09:30:00Z".parse()?,
    };
    let event = proxima::events::DomainEvent {
        id: SAMPLE_EVENT_ID.parse()?,
        ..detail.event()
    };
    Ok(vec![Sample {
        file: "dynamodb/events-relay.json".into(),
        function: "EventsRelayFunction".into(),
        binary: "events-relay".into(),
        event: json!({ "Records": [crate::outbox_source::stream_record(&event)?] }),
    }])
}

/// Every sample, from the embedded template.
pub fn samples() -> Result<Vec<Sample>> {
    let doc = document(TEMPLATE_YAML)?;
    let mut out: Vec<Sample> = api_routes(&doc)?
        .into_iter()
        .map(|r| Sample {
            file: format!("api/{}/{}.json", r.binary, r.event_name),
            event: api_event(&r),
            function: r.function,
            binary: r.binary,
        })
        .collect();
    out.extend(schedule_samples(&doc)?);
    out.extend(s3_samples(&doc)?);
    out.extend(sqs_samples());
    out.extend(stream_samples()?);
    Ok(out)
}

/// A sample file's text: pretty JSON and a final newline.
pub fn file_text(event: &Value) -> Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(event)?))
}
