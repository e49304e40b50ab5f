//! Issued documents in the archive bucket (PDFs and e-invoices of invoices and credit
//! notes): stored once under their key, and handed out as presigned URLs of limited life.

use crate::domain::invoice::model::PdfInfo;
use crate::pdf::sha256_hex;
use crate::ports::DocumentStore;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use std::time::Duration as StdDuration;

/// The facts (SHA-256, size) of the document at `key`. When facts were `recorded` and the
/// archive holds the key, those; otherwise the document is rendered (the same bytes every
/// time), stored once (an existing key is left as it is) and the rendered facts returned.
pub(super) async fn stored_once<F>(
    documents: &dyn DocumentStore,
    key: &str,
    content_type: &str,
    recorded: Option<PdfInfo>,
    render: F,
) -> Result<PdfInfo>
where
    F: Future<Output = Result<Vec<u8>>>,
{
    if let Some(info) = &recorded
        && documents.has_document(key).await?
    {
        return Ok(info.clone());
    }
    let bytes = render.await?;
    let rendered = PdfInfo {
        sha256: sha256_hex(&bytes),
        size_bytes: bytes.len() as u64,
    };
    if recorded.is_some_and(|r| r.sha256 != rendered.sha256) {
        tracing::warn!(key, "re-rendered document differs from the recorded one");
    }
    documents.put_document(key, bytes, content_type).await?;
    Ok(rendered)
}

/// The bytes archived at `key`: those stored, else `render`ed, stored once and read back
/// (of two first requests at once, possibly from two releases that word a document
/// differently, the one stored is the one answered).
pub(super) async fn archived<F>(
    documents: &dyn DocumentStore,
    key: &str,
    content_type: &str,
    render: F,
) -> Result<Vec<u8>>
where
    F: Future<Output = Result<Vec<u8>>>,
{
    if let Some(bytes) = documents.get_document(key).await? {
        return Ok(bytes);
    }
    let bytes = render.await?;
    documents
        .put_document(key, bytes.clone(), content_type)
        .await?;
    Ok(documents.get_document(key).await?.unwrap_or(bytes))
}

/// A presigned GET URL of `key`, served as `content_type` and downloading as `filename`,
/// with the instant it expires: `ttl_secs`, at most [`crate::config::MAX_PDF_URL_TTL_SECS`].
pub(super) async fn presigned(
    documents: &dyn DocumentStore,
    key: &str,
    filename: &str,
    content_type: &str,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>)> {
    let ttl = ttl_secs.min(crate::config::MAX_PDF_URL_TTL_SECS);
    let url = documents
        .presigned_document_url(key, filename, content_type, StdDuration::from_secs(ttl))
        .await?;
    Ok((url, now + Duration::seconds(ttl as i64)))
}

/// Render off the async threads (a 1000-line document takes tens of milliseconds).
pub(super) async fn rendered<F>(render: F) -> Result<Vec<u8>>
where
    F: FnOnce() -> Result<Vec<u8>> + Send + 'static,
{
    tokio::task::spawn_blocking(render)
        .await
        .map_err(|e| Error::Internal(format!("render task: {e}")))?
}

/// The MIME type of PDFs.
pub(super) const PDF: &str = "application/pdf";
