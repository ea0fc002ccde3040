//! Durations as an agreement states them: business time or calendar spans.

use std::fmt;
use std::str::FromStr;

/// Business seconds in one working day (werkdag): one Service Window 1, 8.5 hours.
pub const WORKING_DAY: i64 = 8 * 3600 + 1800;

/// A duration in a policy, in explicit units (SLA-RULES §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyDuration {
    /// Business seconds (from `minutes`, `hours` or `working_days`).
    Business(i64),
    /// Calendar weeks from the clock start.
    Weeks(u32),
    /// Calendar months from the clock start (same day, clamped to the month's end).
    Months(u32),
}

/// Why a duration text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a duration: {why}; expected a whole number and a unit: seconds, minutes, hours, working_days, weeks or months (e.g. `4 hours`, `2 working_days`, `1 month`)"
)]
pub struct DurationError {
    text: String,
    why: &'static str,
}

impl FromStr for PolicyDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| DurationError {
            text: s.to_string(),
            why,
        };
        let mut parts = s.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err("it needs exactly a number and a unit"));
        };
        if !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the number must be a whole, non-negative number"));
        }
        let n: u32 = n.parse().map_err(|_| err("the number is too large"))?;
        let business = |per: i64| Ok(PolicyDuration::Business(i64::from(n) * per));
        match unit.to_ascii_lowercase().as_str() {
            "second" | "seconds" | "seconde" | "seconden" => business(1),
            "minute" | "minutes" | "minuut" | "minuten" => business(60),
            "hour" | "hours" | "uur" | "uren" => business(3600),
            "working_day" | "working_days" | "werkdag" | "werkdagen" => business(WORKING_DAY),
            "week" | "weeks" | "weken" => Ok(PolicyDuration::Weeks(n)),
            "month" | "months" | "maand" | "maanden" => Ok(PolicyDuration::Months(n)),
            _ => Err(err("unknown unit")),
        }
    }
}

/// A language for texts meant for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Dutch, the default.
    #[default]
    Nl,
    /// English.
    En,
}

impl PolicyDuration {
    /// The duration in words, in Dutch or English (`4 uur`, `2 werkdagen`, `1 month`).
    pub fn describe(&self, lang: Lang) -> String {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (*self, lang) {
            (PolicyDuration::Business(s), _) if s % WORKING_DAY == 0 && s != 0 => match lang {
                Lang::Nl => plural(s / WORKING_DAY, "werkdag", "werkdagen"),
                Lang::En => plural(s / WORKING_DAY, "working day", "working days"),
            },
            (PolicyDuration::Business(s), _) if s % 3600 == 0 => match lang {
                Lang::Nl => format!("{} uur", s / 3600),
                Lang::En => plural(s / 3600, "hour", "hours"),
            },
            (PolicyDuration::Business(s), Lang::Nl) if s % 60 == 0 => {
                plural(s / 60, "minuut", "minuten")
            }
            (PolicyDuration::Business(s), Lang::En) if s % 60 == 0 => {
                plural(s / 60, "minute", "minutes")
            }
            (PolicyDuration::Business(s), Lang::Nl) => plural(s, "seconde", "seconden"),
            (PolicyDuration::Business(s), Lang::En) => plural(s, "second", "seconds"),
            (PolicyDuration::Weeks(w), Lang::Nl) => plural(w.into(), "week", "weken"),
            (PolicyDuration::Weeks(w), Lang::En) => plural(w.into(), "week", "weeks"),
            (PolicyDuration::Months(m), Lang::Nl) => plural(m.into(), "maand", "maanden"),
            (PolicyDuration::Months(m), Lang::En) => plural(m.into(), "month", "months"),
        }
    }
}

impl fmt::Display for PolicyDuration {
    /// The canonical policy-file form, e.g. `4 hours`, `2 working_days`, `1 months`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PolicyDuration::Business(s) if s % WORKING_DAY == 0 && s != 0 => {
                write!(f, "{} working_days", s / WORKING_DAY)
            }
            PolicyDuration::Business(s) if s % 3600 == 0 => write!(f, "{} hours", s / 3600),
            PolicyDuration::Business(s) if s % 60 == 0 => write!(f, "{} minutes", s / 60),
            PolicyDuration::Business(s) => write!(f, "{s} seconds"),
            PolicyDuration::Weeks(w) => write!(f, "{w} weeks"),
            PolicyDuration::Months(m) => write!(f, "{m} months"),
        }
    }
}
