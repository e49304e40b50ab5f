//! The infra crate's one test binary: its binaries (`proxima-admin`, `proxima-local`) run
//! against a real emulator, and its pure parts.

mod admin_cli;
mod local_server;
mod units;
