//! Instants: stored as UTC milliseconds, handled as `jiff::Timestamp`, written as RFC 3339.

use jiff::Timestamp;
use store::Millis;

use crate::DeskError;

/// Milliseconds of an instant.
pub fn ms(t: Timestamp) -> Millis {
    t.as_millisecond()
}

/// The instant of stored milliseconds.
pub fn ts(ms: Millis) -> Result<Timestamp, DeskError> {
    Timestamp::from_millisecond(ms)
        .map_err(|e| DeskError::internal(format!("instant {ms} ms out of range: {e}")))
}

/// An instant cut to the milliseconds the store keeps, so that a row returned by a write
/// equals the row read back later (the clock may tell nanoseconds).
pub fn stored(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

/// What [`rfc3339`] writes: a `Timestamp` (tickets, their events, targets and attachments),
/// or the stored milliseconds the other store rows still carry.
pub trait Instant: Copy {
    /// The instant, or the milliseconds when they lie outside what `Timestamp` holds.
    fn timestamp(self) -> Result<Timestamp, Millis>;
}

impl Instant for Timestamp {
    fn timestamp(self) -> Result<Timestamp, Millis> {
        Ok(self)
    }
}

impl Instant for Millis {
    fn timestamp(self) -> Result<Timestamp, Millis> {
        Timestamp::from_millisecond(self).map_err(|_| self)
    }
}

/// An instant as RFC 3339 (UTC, `Z`); the one formatter of instants for people and
/// documents.
pub fn rfc3339(at: impl Instant) -> String {
    at.timestamp()
        .map_or_else(|ms| ms.to_string(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_formatter_for_timestamps_and_milliseconds() {
        let t: Timestamp = "2026-11-27T17:15:00.123456789Z".parse().unwrap();
        assert_eq!(rfc3339(stored(t)), "2026-11-27T17:15:00.123Z");
        assert_eq!(rfc3339(stored(t)), rfc3339(ms(t)));
        assert_eq!(rfc3339(1_795_799_700_000), "2026-11-27T17:15:00Z");
        assert_eq!(rfc3339(i64::MAX), i64::MAX.to_string());
    }
}
