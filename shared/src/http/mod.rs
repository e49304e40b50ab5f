//! The HTTP layer every function shares: envelope, error mapping, request ids, extractors,
//! CORS, body limit, fallbacks and the Lambda entry point.

pub mod app;
pub mod auth;
pub mod download;
pub mod envelope;
pub mod error;
pub mod function_routes;
pub mod idempotency;
pub mod json;
pub mod known_query;
pub mod lambda;
pub mod openapi;
pub mod pagination;
pub mod request_context;
pub mod request_id;
pub mod source_ip;
pub mod version;

pub use app::{BODY_LIMIT_BYTES, with_layers};
pub use auth::{Admin, AuthUser, InvoiceWriter};
pub use envelope::{Data, Meta, NoStore, Paged};
pub use idempotency::{Idempotent, idempotent};
pub use json::{CheckedJsonBody, JsonBody, LenientJsonBody};
pub use known_query::KnownQuery;
pub use pagination::Pagination;
pub use request_id::{REQUEST_ID_HEADER, current_request_id};
pub use source_ip::SourceIp;
