//! The one place the shell reads the wall clock. Every stage below the shell
//! takes "now" (Unix seconds) or "today" as an argument.

/// The current time, Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
