//! Logging: JSON lines in the cloud (one object per event, with the request id from the
//! request span), compact text locally.

use crate::config::Mode;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The log filter: `RUST_LOG` as `level` or `target=level,...` directives, `info` when unset
/// or unreadable. (`Targets` rather than `EnvFilter`: the same directives without span or
/// field matching, and without a regex engine in every binary.)
pub fn filter_from_env() -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

/// Install the global subscriber once.
pub fn init(mode: Mode) {
    let registry = tracing_subscriber::registry().with(filter_from_env());
    let result = match mode {
        Mode::Cloud => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .flatten_event(true),
            )
            .try_init(),
        Mode::Local => registry
            .with(tracing_subscriber::fmt::layer().compact())
            .try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives_parse_as_targets() {
        let t: Targets = "warn,proxima=debug".parse().unwrap();
        assert!(t.would_enable("proxima::http", &tracing::Level::DEBUG));
        assert!(!t.would_enable("hyper", &tracing::Level::INFO));
    }
}
