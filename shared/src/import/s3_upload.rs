//! Worklog CSVs uploaded to the bucket under `imports/`: each is imported like the admin
//! CLI does it, read as a stream, and a JSON report is written next to it
//! (`<key>.report.json`; rejected rows counted, the first 1000 detailed).

use super::report::ImportReport;
use super::worklog_stream::import_worklogs_from;
use crate::invoice::drafting::Stores;
use crate::ports::FileStore;
use crate::{Error, Result};
use serde::Serialize;

/// Uploads under this prefix are imported.
pub const IMPORT_PREFIX: &str = "imports/";

/// The report key of an upload.
pub fn report_key(key: &str) -> String {
    format!("{key}.report.json")
}

/// What the report object holds.
#[derive(Debug, Serialize)]
pub struct UploadReport<'a> {
    pub key: &'a str,
    #[serde(flatten)]
    pub report: &'a ImportReport,
    /// Set when the whole file was refused (e.g. a required column is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Import the CSV at `key` and write its report. Keys outside the prefix, and reports, are
/// ignored (`None`). A file with a bad header gets a report saying so; that is not an error
/// of the function (retrying would not help).
pub async fn import_upload(
    key: &str,
    files: &dyn FileStore,
    stores: Stores<'_>,
) -> Result<Option<ImportReport>> {
    if !key.starts_with(IMPORT_PREFIX) || !key.to_ascii_lowercase().ends_with(".csv") {
        return Ok(None);
    }
    // Read as a stream: the function's memory holds a chunk of rows, never the file.
    let file = files.open_file(key).await?;
    let (report, error) = match import_worklogs_from(file, stores).await {
        Ok(report) => (report, None),
        Err(e @ Error::Validation { .. }) => (ImportReport::default(), Some(e.to_string())),
        Err(e) => return Err(e),
    };
    let body = serde_json::to_vec_pretty(&UploadReport {
        key,
        report: &report,
        error,
    })
    .map_err(|e| Error::Internal(format!("report json: {e}")))?;
    files
        .put_file(&report_key(key), body, "application/json")
        .await?;
    Ok(Some(report))
}
