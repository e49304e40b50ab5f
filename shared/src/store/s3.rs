//! The S3 adapter: finalized documents in their own bucket (put once, exists, presigned
//! download), imports and reports in the other, and the readiness probe.

use crate::Error;
use crate::Result;
use crate::ports::{DependencyCheck, DocumentStore, FileStore};
use crate::store::dynamo::sdk_error;
use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

/// The files bucket (imports, reports) and the documents bucket (finalized PDFs: versioned,
/// Object Lock in the cloud).
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    documents_bucket: String,
}

impl S3Store {
    /// An adapter for the files `bucket` and the `documents_bucket`.
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        documents_bucket: impl Into<String>,
    ) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            documents_bucket: documents_bucket.into(),
        }
    }
}

#[async_trait]
impl DependencyCheck for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    /// `HeadBucket` on both buckets.
    async fn check(&self) -> Result<()> {
        for bucket in [&self.bucket, &self.documents_bucket] {
            self.client
                .head_bucket()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| sdk_error("HeadBucket", e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl DocumentStore for S3Store {
    /// A conditional write (`If-None-Match: *`): a document already stored under `key` is
    /// never replaced, whatever the bytes (412: it is there). A 409 means another write of
    /// the key is in flight: try once more, and then the document must be there.
    async fn put_pdf(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.put_document(key, bytes, "application/pdf").await
    }

    async fn put_document(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        for attempt in 0..2 {
            let stored = self
                .client
                .put_object()
                .bucket(&self.documents_bucket)
                .key(key)
                .if_none_match("*")
                .content_type(content_type)
                .body(ByteStream::from(bytes.clone()))
                .send()
                .await;
            let status = match &stored {
                Ok(_) => return Ok(()),
                Err(e) => e.raw_response().map(|r| r.status().as_u16()),
            };
            match (status, stored) {
                (Some(412), _) => {
                    tracing::info!(key, "document already stored; left as it is");
                    return Ok(());
                }
                (Some(409), _) if attempt == 0 => {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                (Some(409), _) => {
                    return if self.has_document(key).await? {
                        Ok(())
                    } else {
                        Err(Error::Unavailable(format!(
                            "PutObject {key}: write in flight"
                        )))
                    };
                }
                (_, Err(e)) => return Err(sdk_error("PutObject", e)),
                (_, Ok(_)) => return Ok(()),
            }
        }
        Ok(())
    }

    async fn has_document(&self, key: &str) -> Result<bool> {
        match self
            .client
            .head_object()
            .bucket(&self.documents_bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(sdk_error("HeadObject", e)),
        }
    }

    async fn presigned_pdf_url(
        &self,
        key: &str,
        filename: &str,
        expires_in: std::time::Duration,
    ) -> Result<String> {
        self.presigned_document_url(key, filename, "application/pdf", expires_in)
            .await
    }

    async fn presigned_document_url(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        expires_in: std::time::Duration,
    ) -> Result<String> {
        let config = PresigningConfig::expires_in(expires_in)
            .map_err(|e| Error::Internal(format!("presigning config: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.documents_bucket)
            .key(key)
            .response_content_type(content_type)
            .response_content_disposition(format!("attachment; filename=\"{filename}\""))
            .presigned(config)
            .await
            .map_err(|e| sdk_error("presign GetObject", e))?;
        Ok(request.uri().to_string())
    }
}

#[async_trait]
impl FileStore for S3Store {
    async fn get_file(&self, key: &str) -> Result<Vec<u8>> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| sdk_error("GetObject", e))?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| Error::Unavailable(format!("GetObject body: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }

    /// The body as it arrives over the connection (`ByteStream` as `AsyncRead`).
    async fn open_file(&self, key: &str) -> Result<crate::ports::FileReader> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| sdk_error("GetObject", e))?;
        Ok(Box::new(out.body.into_async_read()))
    }

    async fn put_file(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| sdk_error("PutObject", e))?;
        Ok(())
    }
}
