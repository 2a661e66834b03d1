//! Logging through tracing: human-readable lines by default, one JSON object a line with
//! `LOG_FORMAT=json`. Request logs carry the request id of their span.

use tracing_subscriber::EnvFilter;

use crate::config::LogSettings;

/// Installs the global subscriber, writing to standard output.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.level).unwrap_or_else(|error| {
        eprintln!(
            "LOG_LEVEL `{}` is not a valid filter ({error}); using `info`",
            settings.level
        );
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if settings.json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    // A subscriber installed earlier (in a test process, say) keeps working.
    drop(result);
}
