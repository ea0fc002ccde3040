//! Push (heartbeat) monitors: the monitored system calls us; silence past interval + grace is down.

use std::time::Duration;

use crate::{ProbeResult, human};

/// The rule of one push monitor: a push is expected every `interval`, late by at most `grace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// How often the monitored system pushes.
    pub interval: Duration,
    /// How late a push may be before the monitor counts as down.
    pub grace: Duration,
}

impl Heartbeat {
    /// The rule for a push monitor checked every `interval` with `grace_s` seconds of grace.
    pub fn new(interval: Duration, grace_s: u64) -> Self {
        Self {
            interval,
            grace: Duration::from_secs(grace_s),
        }
    }

    /// The epoch-ms instant after which silence is a failure: the last push (or, before any,
    /// the start of watching) plus interval and grace.
    pub fn deadline(&self, last_push: Option<i64>, watched_since: i64) -> i64 {
        let base = last_push.map_or(watched_since, |p| p.max(watched_since));
        let allowed = i64::try_from((self.interval + self.grace).as_millis()).unwrap_or(i64::MAX);
        base.saturating_add(allowed)
    }

    /// Whether a synthetic failure is due at `now`: strictly past the deadline.
    pub fn is_overdue(&self, last_push: Option<i64>, watched_since: i64, now: i64) -> bool {
        now > self.deadline(last_push, watched_since)
    }

    /// The result of checking at `now`: up while pushes are on time, else down with how long it has been silent.
    pub fn check(&self, last_push: Option<i64>, watched_since: i64, now: i64) -> ProbeResult {
        if !self.is_overdue(last_push, watched_since, now) {
            return ProbeResult::up(now, 0);
        }
        let rule = format!(
            "interval {} + grace {}",
            human(self.interval),
            human(self.grace)
        );
        let silent = |since: i64| {
            let ms = u64::try_from(now.saturating_sub(since)).unwrap_or(0);
            human(Duration::from_millis(ms / 1000 * 1000))
        };
        let detail = match last_push {
            Some(at) => format!("no push for {} ({rule})", silent(at)),
            None => format!(
                "no push since watching began {} ago ({rule})",
                silent(watched_since)
            ),
        };
        ProbeResult::down(now, 0, detail)
    }
}
