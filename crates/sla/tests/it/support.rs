//! Shared helpers: instants in Amsterdam local time, the standard policy and its calendar.

use std::sync::OnceLock;

use jiff::Timestamp;
use sla::{Calendar, Policy};

/// The standard policy, parsed once.
pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::standard().expect("the standard policy parses"))
}

/// The standard calendar (Service Window 1, NL holidays), compiled once.
pub fn sw1() -> &'static Calendar {
    static C: OnceLock<Calendar> = OnceLock::new();
    C.get_or_init(|| {
        policy()
            .compile_calendar()
            .expect("the standard calendar compiles")
    })
}

/// An instant from Amsterdam local civil time `YYYY-MM-DD HH:MM[:SS]`.
pub fn ams(s: &str) -> Timestamp {
    let s = if s.len() == 16 {
        format!("{s}:00")
    } else {
        s.to_string()
    };
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().expect("civil date-time");
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").expect("tz");
    tz.to_ambiguous_timestamp(dt).compatible().expect("instant")
}

/// An instant from RFC 3339 text.
pub fn at(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339 instant")
}

/// An instant shown in Amsterdam local time as `YYYY-MM-DD HH:MM:SS`, for readable assertions.
pub fn local(t: Timestamp) -> String {
    t.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Amsterdam").expect("tz"))
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Hours to seconds.
pub const H: i64 = 3600;
