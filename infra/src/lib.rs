//! Proxima infrastructure tooling: provisioning from `template.yaml` (the one definition of
//! the table and bucket), the local AWS emulator, demo data, the local API server that
//! serves every function's routes as API Gateway does, and the admin CLI.

pub mod api;
pub mod bench_setup;
pub mod bucket_cors;
pub mod call_counter;
pub mod cbu_fake;
pub mod demo;
pub mod emulator;
pub mod messaging;
pub mod openapi_contract;
pub mod outbox_source;
pub mod provision;
pub mod sam_events;
pub mod sqs_event_source;
pub mod template;
