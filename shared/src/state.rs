//! What handlers share: configuration, token service and the store ports, built once.

use crate::auth::login::{HashPermits, ThrottlePolicy};
use crate::auth::{Authenticator, TokenService};
use crate::config::{Config, ConfigError};
use crate::ports::{
    ClientStore, CreditNoteStore, DependencyCheck, DocumentStore, EventPublisher, FileStore,
    IdempotencyStore, InvoiceNumbering, InvoiceStore, LoginThrottle, Mailer, Outbox,
    RefreshTokenStore, RunStore, SentMessageStore, SessionStore, UserStore, WorklogStore,
};
use crate::store::{DynamoStore, EventBridgePublisher, S3Store, SesMailer, Unwired, aws};
use aws_config::SdkConfig;
use axum::extract::FromRef;
use std::sync::Arc;

/// Shared state of every function's router. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    /// Checks bearer tokens against the key and the user's current session.
    pub authenticator: Arc<Authenticator>,
    /// Bounds the password hashes this process runs at once.
    pub hash_permits: Arc<HashPermits>,
    pub users: Arc<dyn UserStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    /// Refresh-token families (the auth function).
    pub refresh_tokens: Arc<dyn RefreshTokenStore>,
    pub clients: Arc<dyn ClientStore>,
    pub worklogs: Arc<dyn WorklogStore>,
    pub invoices: Arc<dyn InvoiceStore>,
    pub numbering: Arc<dyn InvoiceNumbering>,
    /// Clients' accounts (the ledger).
    pub ledger: Arc<dyn crate::ports::LedgerStore>,
    /// Credit notes and their numbering.
    pub credit_notes: Arc<dyn CreditNoteStore>,
    pub documents: Arc<dyn DocumentStore>,
    pub files: Arc<dyn FileStore>,
    /// Remembered `Idempotency-Key`s of the writes that honour them.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// E-mail out (SES); [`Unwired`] in functions that send none.
    pub mailer: Arc<dyn Mailer>,
    /// The record of sent e-mails.
    pub messages: Arc<dyn SentMessageStore>,
    /// Domain events out (EventBridge): only the relay publishes; [`Unwired`] elsewhere.
    pub events: Arc<dyn EventPublisher>,
    /// Domain events written with their changes, until the relay has published them.
    pub outbox: Arc<dyn Outbox>,
    /// The runs of the fan-out jobs (month-end's run reports).
    pub runs: Arc<dyn RunStore>,
    /// The company's settings (reminders).
    pub settings: Arc<dyn crate::ports::SettingsStore>,
    /// The Central Bank's exchange rates as stored.
    pub rates: Arc<dyn crate::ports::RateStore>,
    /// What `/readyz` checks.
    pub readiness: Arc<[Arc<dyn DependencyCheck>]>,
}

impl AppState {
    /// Every adapter (DynamoDB and S3) for `config`: the dev server, tests and tools. Lambda
    /// functions use [`ColdStart`] and build only what they serve.
    pub async fn from_config(config: Config) -> Self {
        ColdStart::with_config(config)
            .await
            .with_mailer()
            .with_events()
            .dynamodb_and_s3()
            .await
    }
}

/// What a function builds once at cold start, one step at a time, so that each function
/// links and initializes only what its routes use: no Secrets Manager client where no token
/// is checked, no S3 client where no file is touched.
pub struct ColdStart {
    config: Config,
    sdk: SdkConfig,
    mailer: Option<Arc<dyn Mailer>>,
    events: Option<Arc<dyn EventPublisher>>,
}

impl ColdStart {
    /// The configuration from the environment, logging, and the SDK configuration (read from
    /// the environment; no network call).
    pub async fn begin() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        crate::telemetry::init(config.mode);
        Ok(Self::with_config(config).await)
    }

    /// Start from a configuration built elsewhere (tests, the dev server).
    pub async fn with_config(config: Config) -> Self {
        let sdk = aws::sdk_config(config.aws_endpoint_url.as_deref()).await;
        Self {
            config,
            sdk,
            mailer: None,
            events: None,
        }
    }

    /// Send e-mail through SES (the functions that send invoices). Without `MAIL_FROM` the
    /// client is still built and sending answers 503.
    pub fn with_mailer(mut self) -> Self {
        self.mailer = Some(Arc::new(SesMailer::new(aws::ses_client(&self.sdk))));
        self
    }

    /// Publish domain events to the bus in `EVENT_BUS_NAME` (the relay). Without a bus,
    /// publishing answers 503 and events stay in the outbox.
    pub fn with_events(mut self) -> Self {
        self.events = match &self.config.event_bus_name {
            Some(bus) => Some(Arc::new(EventBridgePublisher::new(
                aws::eventbridge_client(&self.sdk),
                bus,
            ))),
            None => None,
        };
        self
    }

    /// Make sure there is a JWT secret: `JWT_SECRET`, or else the Secrets Manager secret named
    /// by `JWT_SECRET_ARN` (one call, with the SDK configuration already loaded). Only the
    /// functions that issue or check tokens call this.
    pub async fn with_jwt_secret(mut self) -> Result<Self, ConfigError> {
        if self.config.jwt_secret.is_empty() {
            let arn = self
                .config
                .jwt_secret_arn
                .as_deref()
                .ok_or(ConfigError::Missing("JWT_SECRET or JWT_SECRET_ARN"))?;
            self.config.jwt_secret = aws::secret_string(&self.sdk, arn)
                .await
                .map_err(|reason| ConfigError::Invalid {
                    name: "JWT_SECRET_ARN",
                    reason,
                })?
                .into_bytes();
        }
        self.config.check()?;
        Ok(self)
    }

    /// A fan-out job's queue at `queue_url` (its schedule's function only).
    pub fn job_queue(&self, queue_url: &str) -> crate::store::SqsJobQueue {
        crate::store::SqsJobQueue::new(aws::sqs_client(&self.sdk), queue_url)
    }

    /// A state with the DynamoDB adapter only; documents and files answer 503.
    pub fn dynamodb(self) -> AppState {
        let outbound = self.outbound();
        let (dynamo, config) = self.dynamo_store();
        let unwired = Arc::new(Unwired("S3"));
        assemble(
            config,
            &dynamo,
            unwired.clone(),
            unwired,
            vec![dynamo.clone() as Arc<dyn DependencyCheck>],
        )
        .with_outbound(outbound)
    }

    /// A state with the DynamoDB and S3 adapters.
    pub async fn dynamodb_and_s3(self) -> AppState {
        let s3_sdk = match &self.config.s3_endpoint_url {
            Some(url) => aws::sdk_config(Some(url)).await,
            None => self.sdk.clone(),
        };
        let s3 = Arc::new(S3Store::new(
            aws::s3_client(&s3_sdk),
            &self.config.bucket_name,
            &self.config.documents_bucket_name,
        ));
        let outbound = self.outbound();
        let (dynamo, config) = self.dynamo_store();
        assemble(
            config,
            &dynamo,
            s3.clone(),
            s3.clone(),
            vec![
                dynamo.clone() as Arc<dyn DependencyCheck>,
                s3 as Arc<dyn DependencyCheck>,
            ],
        )
        .with_outbound(outbound)
    }

    /// The mailer and publisher chosen so far (taken out before the store consumes `self`).
    fn outbound(&self) -> Outbound {
        (self.mailer.clone(), self.events.clone())
    }

    fn dynamo_store(self) -> (Arc<DynamoStore>, Config) {
        let dynamo = Arc::new(DynamoStore::new(
            aws::dynamodb_client(&self.sdk),
            &self.config.table_name,
        ));
        (dynamo, self.config)
    }
}

/// The mailer and event publisher a function was built with (none: [`Unwired`]).
type Outbound = (Option<Arc<dyn Mailer>>, Option<Arc<dyn EventPublisher>>);

/// Longest a login waits for its turn to hash before a 429.
const LOGIN_HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn assemble(
    config: Config,
    dynamo: &Arc<DynamoStore>,
    documents: Arc<dyn DocumentStore>,
    files: Arc<dyn FileStore>,
    readiness: Vec<Arc<dyn DependencyCheck>>,
) -> AppState {
    let tokens = Arc::new(TokenService::new(
        &config.jwt_secret,
        &config.jwt_issuer,
        &config.jwt_audience,
        chrono::Duration::seconds(config.jwt_ttl_secs),
    ));
    let authenticator = Arc::new(Authenticator::new(
        tokens.clone(),
        dynamo.clone(),
        std::time::Duration::from_secs(config.session_cache_secs),
    ));
    let hash_permits = Arc::new(HashPermits::new(
        config.login_concurrent_hashes,
        LOGIN_HASH_WAIT,
    ));
    AppState {
        config: Arc::new(config),
        tokens,
        authenticator,
        hash_permits,
        users: dynamo.clone(),
        sessions: dynamo.clone(),
        throttle: dynamo.clone(),
        refresh_tokens: dynamo.clone(),
        clients: dynamo.clone(),
        worklogs: dynamo.clone(),
        invoices: dynamo.clone(),
        numbering: dynamo.clone(),
        ledger: dynamo.clone(),
        credit_notes: dynamo.clone(),
        documents,
        files,
        idempotency: dynamo.clone(),
        mailer: Arc::new(Unwired("SES")),
        messages: dynamo.clone(),
        events: Arc::new(Unwired("EventBridge")),
        outbox: dynamo.clone(),
        runs: dynamo.clone(),
        settings: dynamo.clone(),
        rates: dynamo.clone(),
        readiness: Arc::from(readiness),
    }
}

impl AppState {
    /// Put in the mailer and publisher a function was built with.
    fn with_outbound(mut self, (mailer, events): Outbound) -> Self {
        if let Some(m) = mailer {
            self.mailer = m;
        }
        if let Some(e) = events {
            self.events = e;
        }
        self
    }
}

impl AppState {
    /// The stores the drafting use cases need (month-end's job).
    pub fn stores(&self) -> crate::invoice::drafting::Stores<'_> {
        crate::invoice::drafting::Stores {
            clients: self.clients.as_ref(),
            worklogs: self.worklogs.as_ref(),
            invoices: self.invoices.as_ref(),
            ledger: self.ledger.as_ref(),
        }
    }

    /// What statements of account as documents need (PDF, e-mail).
    pub fn statement_documents(
        &self,
    ) -> crate::ledger::statement_documents::StatementDocuments<'_> {
        crate::ledger::statement_documents::StatementDocuments {
            stores: self.stores(),
            documents: self.documents.as_ref(),
            issuer: &self.config.issuer,
            mailer: self.mailer.as_ref(),
            mail_from: self.config.mail_from.as_deref(),
            quota: crate::invoice::sending::SendQuota {
                counter: self.throttle.as_ref(),
                per_user_per_day: self.config.send_limit_per_user_per_day,
            },
            url_ttl_secs: self.config.pdf_url_ttl_secs,
        }
    }

    /// The front door of every invoice use case.
    pub fn invoice_service(&self) -> crate::invoice::InvoiceService<'_> {
        crate::invoice::InvoiceService {
            clients: self.clients.as_ref(),
            worklogs: self.worklogs.as_ref(),
            invoices: self.invoices.as_ref(),
            numbering: self.numbering.as_ref(),
            ledger: self.ledger.as_ref(),
            credit_notes: self.credit_notes.as_ref(),
            documents: self.documents.as_ref(),
            mailer: self.mailer.as_ref(),
            messages: self.messages.as_ref(),
            mail_from: self.config.mail_from.as_deref(),
            send_quota: crate::invoice::sending::SendQuota {
                counter: self.throttle.as_ref(),
                per_user_per_day: self.config.send_limit_per_user_per_day,
            },
            issuer: &self.config.issuer,
            rates: self.rates.as_ref(),
            url_ttl_secs: self.config.pdf_url_ttl_secs,
            write_off_tolerance: &self.config.write_off_tolerance,
        }
    }
}

impl AppState {
    /// The login limits from the configuration.
    pub fn throttle_policy(&self) -> ThrottlePolicy {
        ThrottlePolicy {
            max_attempts_per_source: self.config.login_max_attempts_per_source,
            max_attempts_per_account: self.config.login_max_attempts_per_account,
            window_secs: self.config.login_window_secs,
        }
    }
}

impl FromRef<AppState> for Arc<Authenticator> {
    fn from_ref(state: &AppState) -> Self {
        state.authenticator.clone()
    }
}
