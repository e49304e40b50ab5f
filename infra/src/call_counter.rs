//! Counts the DynamoDB operations a client sends (retries not counted), for benchmarks.

use aws_sdk_dynamodb::config::ConfigBag;
use aws_sdk_dynamodb::config::Intercept;
use aws_sdk_dynamodb::config::RuntimeComponents;
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::error::BoxError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A shared operation counter, installed as an SDK interceptor.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    /// Operations counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// A DynamoDB client for `sdk` that counts through this counter.
    pub fn client(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        let conf = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(self.clone())
            .build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Ok(())
    }
}
