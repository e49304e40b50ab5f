//! Logging: JSON lines in the cloud (one object per event, with the request id from the
//! request span), compact text locally.

use crate::config::Mode;
use tracing_subscriber::EnvFilter;

/// Install the global subscriber once. `RUST_LOG` overrides the default `info` level.
pub fn init(mode: Mode) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match mode {
        Mode::Cloud => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .try_init(),
        Mode::Local => builder.compact().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
