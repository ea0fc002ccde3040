//! The test clock: instants written as RFC 3339 text and, with the `desk` feature, the fixed
//! clock (`desk::clock::FixedClock`) a suite injects into the application and moves by hand.

use jiff::Timestamp;
use store::Millis;

/// An RFC 3339 instant; panics on text that is not one.
#[track_caller]
pub fn at(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("test instant {s}: {e}"))
}

/// An RFC 3339 instant in the store's milliseconds.
#[track_caller]
pub fn ms(s: &str) -> Millis {
    at(s).as_millisecond()
}

/// A clock standing at `s` (RFC 3339) until moved, to inject into the application.
#[cfg(feature = "desk")]
#[track_caller]
pub fn fixed(s: &str) -> std::sync::Arc<desk::clock::FixedClock> {
    std::sync::Arc::new(desk::clock::FixedClock::new(at(s)))
}

/// Moves `clock` forward by `seconds` (back for a negative number).
#[cfg(feature = "desk")]
#[track_caller]
pub fn advance(clock: &desk::clock::FixedClock, seconds: i64) {
    let now = desk::clock::Clock::now(clock);
    clock.set(
        now.checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or_else(|e| panic!("moving the clock {seconds} s from {now}: {e}")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_milliseconds() {
        assert_eq!(ms("1970-01-01T00:00:01Z"), 1_000);
        assert_eq!(ms("2026-01-05T08:00:00Z"), 1_767_600_000_000);
    }

    #[cfg(feature = "desk")]
    #[test]
    fn the_fixed_clock_moves_only_when_told() {
        use desk::clock::Clock;
        let clock = fixed("2026-11-23T09:00:00Z");
        assert_eq!(clock.now(), at("2026-11-23T09:00:00Z"));
        advance(&clock, 90);
        assert_eq!(clock.now(), at("2026-11-23T09:01:30Z"));
    }
}
