//! The S3 adapter (PDFs and import files). For now it answers the readiness probe.

use crate::Result;
use crate::ports::DependencyCheck;
use crate::store::dynamo::sdk_error;
use async_trait::async_trait;

/// The bucket holding PDFs and imports.
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    /// An adapter for `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl DependencyCheck for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    /// `HeadBucket` on the configured bucket.
    async fn check(&self) -> Result<()> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| sdk_error("HeadBucket", e))?;
        Ok(())
    }
}
