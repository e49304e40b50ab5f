//! The end-to-end suite, one test binary (compiled and linked once): each module is one
//! area of the API, tested through the real routers against the emulator. Kept apart in
//! binaries of their own: `login_load` (its hashing would slow the races here) and
//! `contract_fuzz` (Schemathesis, minutes of its own).

mod acts;
mod architecture;
mod auth;
mod backfill;
mod client_accounts;
mod clients;
mod concurrency;
mod credit_notes;
mod domain_events;
mod einvoice;
mod events;
mod finalize;
mod frontend_contract;
mod http_layer;
mod idempotency;
mod import;
mod input_hardening;
mod invoices;
mod least_privilege;
mod lists;
mod localized_pdfs;
mod month_end_queue;
mod openapi;
mod operations;
mod pure_rules;
mod rates;
mod readiness;
mod receivables;
mod reminders;
mod routes;
mod sam_events;
mod security;
mod sending;
mod template;
mod typescript_client;
mod uninvoiced;
mod write_offs;
