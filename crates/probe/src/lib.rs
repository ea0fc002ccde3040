//! Availability probes of loket and the scheduler that runs them.
//!
//! A [`Probe`] says what to check: an HTTP(S) GET, a TCP connect, or a push heartbeat. A
//! [`Prober`] executes HTTP and TCP probes and returns a [`ProbeResult`]; [`Heartbeat`] judges push
//! monitors without any network. A [`Scheduler`] runs many [`Monitor`]s from one timer task and
//! hands every result to a channel the caller provides. Nothing here stores results.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod clock;
pub mod heartbeat;
mod http;
mod internal;
mod probe;
mod prober;
pub mod scheduler;
mod tcp;

pub use clock::{Clock, SystemClock};
pub use heartbeat::Heartbeat;
pub use internal::{is_internal, is_internal_host};
pub use probe::{ExpectedStatus, HttpProbe, Probe, ProbeConfigError, TcpProbe};
pub use prober::{BODY_LIMIT, Prober, USER_AGENT};
pub use scheduler::{
    MIN_INTERVAL, Monitor, MonitorError, ResultSink, Scheduler, SchedulerStopped, first_run_offset,
};

/// The outcome of one check of one monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// When the check started, UTC epoch milliseconds (from the injected [`Clock`]).
    pub at: i64,
    /// Whether the target counted as available.
    pub ok: bool,
    /// How long the check took in milliseconds (0 for push checks).
    pub latency_ms: u64,
    /// Short reason for a failure, such as `connect refused`; empty when `ok`.
    pub detail: String,
}

impl ProbeResult {
    /// A successful result.
    pub fn up(at: i64, latency_ms: u64) -> Self {
        Self {
            at,
            ok: true,
            latency_ms,
            detail: String::new(),
        }
    }

    /// A failed result with its reason.
    pub fn down(at: i64, latency_ms: u64, detail: impl Into<String>) -> Self {
        Self {
            at,
            ok: false,
            latency_ms,
            detail: detail.into(),
        }
    }
}

/// A duration as people read it in a detail: `10 s` when whole seconds, else `1500 ms`.
pub(crate) fn human(d: std::time::Duration) -> String {
    if d.subsec_nanos() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", millis(d))
    }
}

/// Whole milliseconds of a duration, saturating.
pub(crate) fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
