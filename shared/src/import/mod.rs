//! Imports: worklog CSVs from time trackers and client lists (JSON or CSV). Bad rows are
//! reported one by one; good rows are still imported. Importing the same file twice changes
//! nothing the second time.

pub mod clients;
pub mod report;
pub mod s3_upload;
pub mod worklog_csv;
pub mod worklog_lock;
pub mod worklog_stream;

pub use clients::{ClientFormat, import_clients};
pub use report::{ImportReport, RowError};
pub use worklog_csv::parse_worklog_csv;
pub use worklog_stream::{import_worklogs, import_worklogs_from};
