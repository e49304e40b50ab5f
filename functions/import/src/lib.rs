//! Import function: S3 `ObjectCreated` under `imports/` -> import the worklog CSV (same
//! format as the admin CLI), idempotently, and write `<key>.report.json` next to it.

use aws_lambda_events::event::s3::S3Event;
use proxima::Result;
use proxima::import::ImportReport;
use proxima::import::s3_upload::import_upload;
use proxima::state::AppState;

/// The object key of an event record, URL-decoded as S3 events encode it.
fn key_of(record: &aws_lambda_events::event::s3::S3EventRecord) -> Option<String> {
    record
        .s3
        .object
        .url_decoded_key
        .clone()
        .or_else(|| record.s3.object.key.as_ref().map(|k| decode(k)))
}

/// `+` is a space and `%XX` a byte in S3 event keys.
pub fn decode(key: &str) -> String {
    percent_encoding::percent_decode_str(&key.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Import every uploaded CSV named by the event; returns (key, report) of each import.
pub async fn handle(state: &AppState, event: &S3Event) -> Result<Vec<(String, ImportReport)>> {
    let mut done = Vec::new();
    for record in &event.records {
        let Some(key) = key_of(record) else { continue };
        if let Some(report) = import_upload(&key, state.files.as_ref(), state.stores()).await? {
            tracing::info!(
                key,
                rows = report.rows,
                imported = report.imported,
                rejected = report.rejected_total,
                "import done"
            );
            done.push((key, report));
        }
    }
    Ok(done)
}
