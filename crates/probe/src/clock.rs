//! Where result timestamps come from.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time as UTC epoch milliseconds, injectable for tests.
pub trait Clock: Send + Sync + 'static {
    /// The current time, UTC epoch milliseconds.
    fn now_ms(&self) -> i64;
}

impl<F> Clock for F
where
    F: Fn() -> i64 + Send + Sync + 'static,
{
    fn now_ms(&self) -> i64 {
        self()
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}
