//! Counters of the DynamoDB calls and items read by list requests, so that a benchmark can
//! print what a page costs.

use std::sync::atomic::{AtomicU64, Ordering};

/// Calls and items read by list reads (queries and count reads) since the last reset.
#[derive(Debug, Default)]
pub struct ListMetrics {
    calls: AtomicU64,
    items: AtomicU64,
}

impl ListMetrics {
    /// Count one call that read `items` items.
    pub fn record(&self, calls: u64, items: u64) {
        self.calls.fetch_add(calls, Ordering::Relaxed);
        self.items.fetch_add(items, Ordering::Relaxed);
    }

    /// (calls, items) so far, and start again from zero.
    pub fn take(&self) -> (u64, u64) {
        (
            self.calls.swap(0, Ordering::Relaxed),
            self.items.swap(0, Ordering::Relaxed),
        )
    }
}
