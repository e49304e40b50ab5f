//! Central Bank of Uzbekistan exchange rates: what a rate is and which one applies to a
//! date ([`rate`]), the Bank's published format ([`cbu`]), and fetching a range of days into
//! the store with retries and a report ([`fetch`]). The books are kept in soums: a rate is
//! soums per `nominal` units of a currency.

pub mod cbu;
pub mod equivalent;
pub mod fetch;
pub mod fx;
pub mod lookup;
pub mod rate;

pub use equivalent::Accounting;
pub use fetch::{FetchReport, correct, fetch_range};
pub use rate::{ExchangeRate, RateAudit, RateCorrection, RateOrigin};
