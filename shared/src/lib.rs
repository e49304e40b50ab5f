//! Proxima Invoice shared crate.
//!
//! - [`domain`]: clients, worklogs, users, periods and pagination as plain data and rules
//!   (no HTTP, no AWS).
//! - [`auth`]: password hashing, tokens and the login use case.
//! - [`import`]: parsing worklog and client files (CSV / JSON) into domain records.
//! - [`ports`]: the small traits the use cases need from storage.
//! - [`store`]: the DynamoDB and S3 adapters behind those ports.
//! - [`http`]: the axum layer every Lambda function shares (envelope, errors, request ids,
//!   extractors, CORS, body limit, Lambda entry point).

pub mod auth;
pub mod clients;
pub mod config;
pub mod domain;
#[cfg(feature = "einvoice")]
pub mod einvoice;
pub mod error;
pub mod events;
pub mod fan_out;
pub mod http;
pub mod import;
pub mod invoice;
pub mod ledger;
pub mod mail;
pub mod month_end;
pub mod pdf;
pub mod ports;
pub mod rates;
pub mod reminders;
pub mod state;
pub mod store;
pub mod telemetry;

pub use error::{Error, FieldCode, FieldError, FieldRules, Result};
