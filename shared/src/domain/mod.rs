//! Domain records and rules: plain data, no HTTP, no AWS.

pub mod client;
pub mod pagination;
pub mod period;
pub mod user;
pub mod worklog;

pub use client::{Address, Client, ClientInput};
pub use pagination::{Page, PageRequest};
pub use period::{DateRange, Period};
pub use user::{Role, User};
pub use worklog::{Worklog, WorklogInput};
