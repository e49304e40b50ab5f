//! Domain records and rules: plain data, no HTTP, no AWS.

pub mod client;
pub mod email;
pub mod idempotency;
pub mod instant;
pub mod invoice;
pub mod issuer;
pub mod ledger;
pub mod locale;
pub mod pagination;
pub mod period;
pub mod reminder_step;
pub mod request_values;
pub mod scale;
pub mod text;
pub mod time_zone;
pub mod user;
pub mod vat;
pub mod worklog;

pub use client::{Address, Client, ClientInput};
pub use locale::Locale;
pub use pagination::{Cursor, Page, PageRequest};
pub use period::{DateRange, Period};
pub use time_zone::TimeZone;
pub use user::{Role, Session, User};
pub use vat::{ElectronicAddress, VatCategory};
pub use worklog::{Worklog, WorklogInput};
