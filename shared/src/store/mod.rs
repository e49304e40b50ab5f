//! Adapters behind the [`crate::ports`]: DynamoDB for records, S3 for files.

pub mod aws;
pub mod dynamo;
pub mod s3;
pub mod unwired;

pub use dynamo::DynamoStore;
pub use s3::S3Store;
pub use unwired::Unwired;
