//! Public holiday rules (feestdagen): the Dutch `NL` set and its options.

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

/// How Bevrijdingsdag (5 May) is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiberationDay {
    /// A holiday every year (the Algemene termijnenwet reading).
    EveryYear,
    /// A holiday only in lustrum years, when the year is divisible by 5 (the default).
    Lustrum,
    /// Never a holiday.
    Never,
}

/// Which holiday set a calendar observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidaySet {
    /// The Dutch official holidays as most employers observe them.
    Nl,
    /// No holidays at all (only the calendar's own closed dates).
    None,
}

/// Holiday rules with their options, as an agreement chooses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolidayRules {
    /// The base set.
    pub set: HolidaySet,
    /// How Bevrijdingsdag is observed.
    pub liberation_day: LiberationDay,
    /// Whether Goede Vrijdag (Good Friday) is a holiday.
    pub good_friday: bool,
}

impl Default for HolidayRules {
    fn default() -> Self {
        HolidayRules {
            set: HolidaySet::Nl,
            liberation_day: LiberationDay::Lustrum,
            good_friday: true,
        }
    }
}

/// One holiday: its date and its Dutch name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holiday {
    /// The civil date.
    pub date: Date,
    /// The Dutch name, e.g. `Tweede Paasdag`.
    pub name: &'static str,
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian computus, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction of the computus.
    date(year, month as i8, day as i8)
}

/// A date from parts that are valid by construction; falls back to 1 January.
fn date(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day).unwrap_or(Date::constant(2000, 1, 1))
}

fn offset(d: Date, days: i32) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap_or(d)
}

impl HolidayRules {
    /// The holidays of one year, sorted by date (two holidays may share a date).
    pub fn holidays(&self, year: i16) -> Vec<Holiday> {
        let mut out = Vec::with_capacity(12);
        if self.set == HolidaySet::None {
            return out;
        }
        let easter = easter_sunday(year);
        let mut push = |date: Date, name: &'static str| out.push(Holiday { date, name });
        push(date(year, 1, 1), "Nieuwjaarsdag");
        if self.good_friday {
            push(offset(easter, -2), "Goede Vrijdag");
        }
        push(easter, "Eerste Paasdag");
        push(offset(easter, 1), "Tweede Paasdag");
        if year >= 2014 {
            let d = date(year, 4, 27);
            let d = if d.weekday() == Weekday::Sunday {
                date(year, 4, 26)
            } else {
                d
            };
            push(d, "Koningsdag");
        } else {
            let d = date(year, 4, 30);
            let d = if d.weekday() == Weekday::Sunday {
                date(year, 4, 29)
            } else {
                d
            };
            push(d, "Koninginnedag");
        }
        let liberation = match self.liberation_day {
            LiberationDay::EveryYear => true,
            LiberationDay::Lustrum => year % 5 == 0,
            LiberationDay::Never => false,
        };
        if liberation {
            push(date(year, 5, 5), "Bevrijdingsdag");
        }
        push(offset(easter, 39), "Hemelvaartsdag");
        push(offset(easter, 49), "Eerste Pinksterdag");
        push(offset(easter, 50), "Tweede Pinksterdag");
        push(date(year, 12, 25), "Eerste Kerstdag");
        push(date(year, 12, 26), "Tweede Kerstdag");
        out.sort();
        out
    }
}
