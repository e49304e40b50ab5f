//! Adapters behind the [`crate::ports`]: DynamoDB for records, S3 for files, SQS for the
//! month-end queue, SES for e-mail, EventBridge for domain events.

pub mod aws;
pub mod cbu;
pub mod dynamo;
pub mod eventbridge;
pub mod s3;
pub mod ses;
pub mod sqs;
pub mod unwired;

pub use dynamo::DynamoStore;
pub use eventbridge::EventBridgePublisher;
pub use s3::S3Store;
pub use ses::SesMailer;
pub use sqs::SqsJobQueue;
pub use unwired::Unwired;
