//! What handlers share: configuration, token service and the store ports, built once.

use crate::auth::TokenService;
use crate::config::Config;
use crate::invoice::service::Stores;
use crate::ports::{
    ClientStore, DependencyCheck, DocumentStore, FileStore, InvoiceNumbering, InvoiceStore,
    LoginThrottle, UserStore, WorklogStore,
};
use crate::store::{DynamoStore, S3Store, aws};
use axum::extract::FromRef;
use std::sync::Arc;

/// Shared state of every function's router. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub tokens: Arc<TokenService>,
    pub users: Arc<dyn UserStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub clients: Arc<dyn ClientStore>,
    pub worklogs: Arc<dyn WorklogStore>,
    pub invoices: Arc<dyn InvoiceStore>,
    pub numbering: Arc<dyn InvoiceNumbering>,
    pub documents: Arc<dyn DocumentStore>,
    pub files: Arc<dyn FileStore>,
    /// What `/readyz` checks.
    pub readiness: Arc<[Arc<dyn DependencyCheck>]>,
}

impl AppState {
    /// Build the AWS clients and adapters for `config`.
    pub async fn from_config(config: Config) -> Self {
        let sdk = aws::sdk_config(config.aws_endpoint_url.as_deref()).await;
        let dynamo = Arc::new(
            DynamoStore::new(aws::dynamodb_client(&sdk), &config.table_name)
                .with_login_window(config.login_window_secs),
        );
        let s3_sdk = match &config.s3_endpoint_url {
            Some(url) => aws::sdk_config(Some(url)).await,
            None => sdk.clone(),
        };
        let s3 = Arc::new(S3Store::new(aws::s3_client(&s3_sdk), &config.bucket_name));
        let tokens = Arc::new(TokenService::new(
            &config.jwt_secret,
            &config.jwt_issuer,
            &config.jwt_audience,
            chrono::Duration::seconds(config.jwt_ttl_secs),
        ));
        Self {
            config: Arc::new(config),
            tokens,
            users: dynamo.clone(),
            throttle: dynamo.clone(),
            clients: dynamo.clone(),
            worklogs: dynamo.clone(),
            invoices: dynamo.clone(),
            numbering: dynamo.clone(),
            documents: s3.clone(),
            files: s3.clone(),
            readiness: Arc::from(vec![
                dynamo as Arc<dyn DependencyCheck>,
                s3 as Arc<dyn DependencyCheck>,
            ]),
        }
    }
}

impl AppState {
    /// The stores the invoice use cases need.
    pub fn stores(&self) -> Stores<'_> {
        Stores {
            clients: self.clients.as_ref(),
            worklogs: self.worklogs.as_ref(),
            invoices: self.invoices.as_ref(),
        }
    }
}

impl AppState {
    /// What finalizing and PDF downloads need.
    pub fn lifecycle(&self) -> crate::invoice::finalize::Lifecycle<'_> {
        crate::invoice::finalize::Lifecycle {
            invoices: self.invoices.as_ref(),
            numbering: self.numbering.as_ref(),
            documents: self.documents.as_ref(),
            issuer: &self.config.issuer,
        }
    }
}

impl FromRef<AppState> for Arc<TokenService> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}
