//! Adapters behind the [`crate::ports`]: DynamoDB for records, S3 for files, SQS for the
//! month-end queue.

pub mod aws;
pub mod dynamo;
pub mod s3;
pub mod sqs;
pub mod unwired;

pub use dynamo::DynamoStore;
pub use s3::S3Store;
pub use sqs::SqsDraftQueue;
pub use unwired::Unwired;
