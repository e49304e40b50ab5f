//! Test harness: each test gets the real application (every function's routes, the shared
//! layers) on a free port, backed by its own table and bucket in a real DynamoDB/S3
//! emulator (moto server) speaking the AWS wire protocol.

pub mod cfn;
pub mod messaging;
pub mod model_check;

use anyhow::Result;
use proxima::auth::password::hash_password;
use proxima::config::Config;
use proxima::domain::{Role, User};
use proxima::state::AppState;
use proxima::store::aws;
use proxima_infra::emulator::Emulator;
use proxima_infra::{api, provision};
use serde_json::{Value, json};
use std::sync::OnceLock;
use uuid::Uuid;

static SHARED: OnceLock<Emulator> = OnceLock::new();

/// One emulator per test binary, started on first use; tests isolate their data by using
/// their own table and bucket.
pub fn shared_emulator() -> &'static Emulator {
    SHARED.get_or_init(|| Emulator::start(None).expect("start the emulator (run scripts/setup.sh)"))
}

/// A running application.
pub struct TestApp {
    pub base_url: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub endpoint: String,
    pub table: String,
    pub bucket: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
}

/// The app on the shared emulator.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(&shared_emulator().endpoint(), |_| {}).await
}

/// The app on `endpoint`, with a configuration tweak.
pub async fn spawn_app_on(endpoint: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    try_spawn_app_on(endpoint, tweak).await.expect("spawn app")
}

async fn try_spawn_app_on(endpoint: &str, tweak: impl FnOnce(&mut Config)) -> Result<TestApp> {
    let id = Uuid::new_v4().simple().to_string();
    let table = format!("test-{id}");
    let bucket = format!("test-{id}");
    let sdk = aws::sdk_config(Some(endpoint)).await;
    let dynamodb = aws::dynamodb_client(&sdk);
    let s3 = aws::s3_client(&sdk);
    provision::provision(&dynamodb, &s3, &table, &bucket).await?;
    let mut config = Config::local(&table, &bucket, endpoint);
    config.documents_bucket_name = provision::archive_bucket_name(&bucket)?;
    tweak(&mut config);
    // The sender of invoice e-mails, verified in the emulator's SES (as in the cloud).
    if let Some(from) = &config.mail_from {
        proxima_infra::messaging::verify_sender(&sdk, from).await?;
    }
    let (base_url, state) = serve(config).await?;
    seed_base_rates(state.rates.as_ref()).await?;
    Ok(TestApp {
        base_url,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        state,
        endpoint: endpoint.to_string(),
        table,
        bucket,
        dynamodb,
        s3,
    })
}

/// Central Bank rates the tests' invoices are finalized at (the UZS equivalent needs one on
/// or before the issue date): one per currency the tests invoice in, published long ago,
/// so any later publication a test stores applies instead.
pub const BASE_RATES: [(&str, &str, u32); 7] = [
    ("USD", "12000.00", 1),
    ("EUR", "13000.00", 1),
    ("RUB", "150.00", 1),
    ("GBP", "15000.00", 1),
    ("JPY", "80.00", 1),
    ("CHF", "14000.00", 1),
    ("KZT", "250.00", 10),
];

/// The day [`BASE_RATES`] were published for.
pub const BASE_RATES_DAY: &str = "2000-01-03";

async fn seed_base_rates(rates: &dyn proxima::ports::RateStore) -> Result<()> {
    let day = BASE_RATES_DAY.parse()?;
    let published: Vec<proxima::rates::ExchangeRate> = BASE_RATES
        .iter()
        .map(|(ccy, rate, nominal)| {
            Ok(proxima::rates::ExchangeRate {
                currency: (*ccy).to_string(),
                date: day,
                rate: rate.parse()?,
                nominal: *nominal,
                origin: proxima::rates::RateOrigin::Cbu,
                reason: None,
                set_by: None,
                recorded_at: chrono::Utc::now(),
            })
        })
        .collect::<Result<_>>()?;
    rates.put_published(&published).await?;
    Ok(())
}

/// Serve every function's routes for `config` on a free port: (base URL, state).
async fn serve(config: Config) -> Result<(String, AppState)> {
    let state = AppState::from_config(config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = api::local_router(state.clone());
    tokio::spawn(async move {
        let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), state))
}

impl TestApp {
    /// The same stores served again with a changed configuration (a redeploy): another
    /// base URL and state over this app's table and buckets.
    pub async fn redeployed(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = (*self.state.config).clone();
        tweak(&mut config);
        let (base_url, state) = serve(config).await.expect("serve again");
        TestApp {
            base_url,
            http: self.http.clone(),
            state,
            endpoint: self.endpoint.clone(),
            table: self.table.clone(),
            bucket: self.bucket.clone(),
            dynamodb: self.dynamodb.clone(),
            s3: self.s3.clone(),
        }
    }
}

/// A decoded response: status, headers and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `(field, code)` of every `error.details` entry, sorted.
    pub fn field_codes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.body["error"]["details"]
            .as_array()
            .map(|details| {
                details
                    .iter()
                    .map(|d| {
                        let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
                        (text("field"), text("code"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// `error.code` of an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The `X-Request-ID` header.
    pub fn request_id(&self) -> &str {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Assert the seed's error envelope with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status; body {}", self.body);
        assert!(
            self.body["data"].is_null(),
            "data must be null: {}",
            self.body
        );
        assert_eq!(self.code(), code, "code; body {}", self.body);
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert_eq!(
            self.body["error"]["request_id"].as_str(),
            Some(self.request_id()),
            "error.request_id equals the X-Request-ID header"
        );
    }
}

impl TestApp {
    /// Send a request and decode the reply.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes))
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A request builder for `path` with an optional bearer token.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req
    }

    /// GET `path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(reqwest::Method::GET, path, token))
            .await
    }

    /// POST JSON to `path`.
    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Reply {
        self.send(self.request(reqwest::Method::POST, path, token).json(body))
            .await
    }

    /// Create a user with `role`; returns (email, password).
    pub async fn add_user(&self, role: Role) -> (String, String) {
        let email = format!("{}-{}@proxima.test", role.as_str(), Uuid::new_v4().simple());
        let password = format!("pw-{}", Uuid::new_v4().simple());
        let now = chrono::Utc::now();
        self.state
            .users
            .put_user(&User {
                email: email.clone(),
                name: format!("Test {}", role.as_str()),
                role,
                password_hash: hash_password(&password).expect("hash"),
                disabled: false,
                token_version: 0,
                created_at: now,
                updated_at: now,
            })
            .await
            .expect("put user");
        (email, password)
    }

    /// Log in through the API and return the token.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Log in from another loopback address (`127.0.0.x`): the server sees it as the
    /// caller's source IP, as API Gateway's `sourceIp`.
    pub async fn login_from(&self, source: [u8; 4], email: &str, password: &str) -> Reply {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(source))
            .build()
            .expect("client bound to a loopback address");
        self.send(
            client
                .post(format!("{}/api/v1/auth/login", self.base_url))
                .json(&serde_json::json!({"email": email, "password": password})),
        )
        .await
    }

    /// A valid token for a fresh user with `role`, obtained through the login endpoint.
    pub async fn token(&self, role: Role) -> String {
        let (email, password) = self.add_user(role).await;
        let reply = self.login(&email, &password).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"]["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Seed the demo users, clients and worklogs.
    pub async fn seed_demo(&self) -> proxima_infra::demo::SeedSummary {
        proxima_infra::demo::seed(
            self.state.users.as_ref(),
            self.state.clients.as_ref(),
            self.state.worklogs.as_ref(),
        )
        .await
        .expect("seed demo data")
    }

    /// `POST /invoices/generate` for `client` and last month.
    pub async fn generate(&self, token: &str, client: &str) -> Reply {
        self.post_json(
            "/api/v1/invoices/generate",
            &json!({"client_key": client, "period": last_month().to_string()}),
            Some(token),
        )
        .await
    }

    /// A new draft for `client` and last month (asserts it was created).
    pub async fn draft(&self, token: &str, client: &str) -> Value {
        let reply = self.generate(token, client).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["data"].clone()
    }

    /// `POST /invoices/{id}/finalize`.
    pub async fn finalize(&self, token: &str, id: &str) -> Reply {
        self.send(self.request(
            reqwest::Method::POST,
            &format!("/api/v1/invoices/{id}/finalize"),
            Some(token),
        ))
        .await
    }

    /// `n` new clients (`RACE00`...), each with one billable worklog last month.
    pub async fn seed_clients_with_work(&self, n: usize) -> Vec<String> {
        let keys: Vec<String> = (0..n).map(|i| format!("RACE{i:02}")).collect();
        let clients: Vec<Value> = keys
            .iter()
            .map(|k| json!({"key": k, "name": format!("Client {k}"), "email": "a@b.example",
                "address": {"line1": "1", "city": "Toshkent", "country": "UZ"}, "currency": "USD",
                "hourly_rate": "50", "tax_rate": "12", "payment_terms_days": 10, "timezone": "Asia/Tashkent"}))
            .collect();
        proxima::import::import_clients(
            serde_json::to_vec(&clients).expect("json").as_slice(),
            proxima::import::ClientFormat::Json,
            self.state.clients.as_ref(),
            chrono::Utc::now(),
        )
        .await
        .expect("import clients");
        let day = last_month().first_day();
        let mut csv = String::from("client_key,date,author,issue_key,minutes\n");
        for k in &keys {
            csv.push_str(&format!("{k},{day},Ann,{k}-1,90\n"));
        }
        proxima::import::import_worklogs(csv.as_bytes(), self.state.stores())
            .await
            .expect("import worklogs");
        keys
    }
}

/// The text of every page of a PDF (lopdf's extraction: lines run together).
pub fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).unwrap_or_default()
}

/// The year of an invoice's `issue_date` (the year its number is counted in: around New
/// Year, clients in different time zones issue in different years).
pub fn issue_year(invoice: &serde_json::Value) -> i32 {
    invoice["issue_date"]
        .as_str()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse().ok())
        .unwrap_or_else(|| panic!("an issue_date in {invoice}"))
}

/// The number `invoice` should have if `taken` numbers of `year` were issued before it:
/// the next of that year, or the first of its own year when it was issued in another.
pub fn next_number(invoice: &serde_json::Value, year: i32, taken: u32) -> String {
    let own = issue_year(invoice);
    let seq = if own == year { taken + 1 } else { 1 };
    format!("INV-{own}-{seq:05}")
}

/// Document numbers (`INV-2026-00001`, `CN-2026-00001`) by year, each year's sequence
/// numbers sorted: a run across New Year in a client's time zone numbers in two years.
pub fn numbers_by_year<'a>(
    numbers: impl IntoIterator<Item = &'a str>,
) -> std::collections::BTreeMap<String, Vec<u64>> {
    let mut by_year = std::collections::BTreeMap::<String, Vec<u64>>::new();
    for number in numbers {
        let mut parts = number.rsplitn(3, '-');
        let seq = parts.next().and_then(|n| n.parse().ok());
        let year = parts.next();
        let (Some(seq), Some(year)) = (seq, year) else {
            panic!("not a document number: {number}");
        };
        by_year.entry(year.to_string()).or_default().push(seq);
    }
    for seqs in by_year.values_mut() {
        seqs.sort();
    }
    by_year
}

/// Whether every year's sequence numbers run 1, 2, 3, ... without a gap or a repeat.
pub fn gapless_per_year(by_year: &std::collections::BTreeMap<String, Vec<u64>>) -> bool {
    by_year
        .values()
        .all(|seqs| seqs.iter().copied().eq(1..=seqs.len() as u64))
}

/// The month before the current one (UTC), the period most tests bill.
pub fn last_month() -> proxima::domain::Period {
    proxima::domain::Period::containing(chrono::Utc::now().date_naive()).previous()
}
