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

/// Stored milliseconds as RFC 3339 (UTC, `Z`); the one formatter of instants for people and
/// documents.
pub fn rfc3339(ms: Millis) -> String {
    Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}
