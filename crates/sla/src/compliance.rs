//! Percentile compliance per month, with the month-assignment rule and the miss budget.

use jiff::Timestamp;

use crate::calendar::{Calendar, CalendarError};
use crate::civil::{self, DAY};
use crate::clock::{Outcome, TicketClocks};
use crate::policy::{Bound, Policy};
use crate::ticket::{Priority, TicketKind};

/// A calendar month in the calendar's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i16,
    /// The month, 1–12.
    pub month: i8,
}

impl Month {
    /// The first year whose months are read from text (the calendars start in 1970).
    pub const FIRST_YEAR: i16 = crate::calendar::FIRST_YEAR;
    /// The last year whose months are read from text (a month's figures look past its end,
    /// and the calendars end with 2200).
    pub const LAST_YEAR: i16 = crate::calendar::LAST_YEAR - 1;

    /// A month, if `month` is 1–12.
    pub fn new(year: i16, month: i8) -> Option<Month> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month containing a UTC instant (epoch seconds) in the calendar's local time.
    pub fn containing(cal: &Calendar, utc: i64) -> Month {
        let (y, m, _) = civil::civil_from_days(cal.utc_to_local(utc).div_euclid(DAY));
        Month {
            year: y as i16,
            month: m as i8,
        }
    }

    /// The month before this one.
    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month as one number, `YYYYMM` (202610): how stored figures are keyed.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    /// The instants `[start, end)` of the month in the calendar's local time.
    pub fn span(self, cal: &Calendar) -> Result<(Timestamp, Timestamp), CalendarError> {
        let local = |m: Month| civil::days_from_civil(m.year.into(), m.month.into(), 1) * DAY;
        let start = cal.local_to_utc(local(self));
        let end = cal.local_to_utc(local(self.next()));
        let ts = |s: i64| {
            Timestamp::from_second(s).map_err(|_| CalendarError::OutOfRange(format!("{s} s")))
        };
        Ok((ts(start)?, ts(end)?))
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a month; expected YYYY-MM such as 2026-10");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        if !(y.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad());
        }
        let y: i16 = y.parse().map_err(|_| bad())?;
        let m = m.parse().map_err(|_| bad())?;
        if !(Month::FIRST_YEAR..=Month::LAST_YEAR).contains(&y) {
            return Err(format!(
                "`{s}` lies outside the months loket counts, {}-01 to {}-12",
                Month::FIRST_YEAR,
                Month::LAST_YEAR
            ));
        }
        Month::new(y, m).ok_or_else(bad)
    }
}

/// How one bound fared over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compliance {
    /// The bound.
    pub bound: Bound,
    /// Tickets whose outcome for this bound was decided in the period.
    pub counted: u32,
    /// Of those, the ones that met it.
    pub met: u32,
    /// Of those, the ones that missed it.
    pub missed: u32,
    /// Whether at least the bound's percent met it (vacuously true with nothing counted).
    pub holds: bool,
    /// How many more tickets may miss this period, with no more meeting it, before it fails.
    pub budget: u32,
}

impl Compliance {
    /// Tallies outcomes whose decision falls in `[start, end)`.
    pub fn tally<'a>(
        bound: Bound,
        outcomes: impl IntoIterator<Item = &'a Outcome>,
        (start, end): (Timestamp, Timestamp),
    ) -> Compliance {
        let (mut met, mut missed) = (0u32, 0u32);
        for o in outcomes {
            match *o {
                Outcome::Met { at } if at >= start && at < end => met += 1,
                Outcome::Missed { at } if at >= start && at < end => missed += 1,
                _ => {}
            }
        }
        Compliance::from_counts(bound, met, missed)
    }

    /// Compliance from counts of met and missed tickets.
    pub fn from_counts(bound: Bound, met: u32, missed: u32) -> Compliance {
        let p = u64::from(bound.percent.basis_points());
        let counted = met + missed;
        let holds = u64::from(met) * 10_000 >= p * u64::from(counted);
        // k more misses keep it: met / (counted + k) >= p  <=>  k <= met * 10000 / p - counted.
        let budget = (u64::from(met) * 10_000)
            .checked_div(p)
            .map_or(u32::MAX, |allowed| {
                allowed.saturating_sub(u64::from(counted)) as u32
            });
        Compliance {
            bound,
            counted,
            met,
            missed,
            holds,
            budget: if holds { budget } else { 0 },
        }
    }

    /// The share that met the bound, in basis points; `None` with nothing counted.
    pub fn share_basis_points(&self) -> Option<u32> {
        (self.counted > 0).then(|| (u64::from(self.met) * 10_000 / u64::from(self.counted)) as u32)
    }
}

/// Which tickets a line of the monthly compliance is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey {
    /// The ticket kind.
    pub kind: TicketKind,
    /// The incident priority (`None` for other kinds).
    pub priority: Option<Priority>,
    /// Index of the bound in the target set.
    pub bound: usize,
}

/// Compliance of every target of a policy over one period, from tickets' clocks.
///
/// Each ticket counts, per bound, in the period its outcome was decided; running tickets
/// do not count yet, and a missed ticket counts once, in the month its deadline passed.
pub fn monthly<'a>(
    policy: &Policy,
    tickets: impl IntoIterator<Item = &'a TicketClocks>,
    period: (Timestamp, Timestamp),
) -> Vec<(TargetKey, Compliance)> {
    let mut keys: Vec<(TargetKey, Bound)> = Vec::new();
    for &p in Priority::ALL {
        for (i, b) in policy
            .targets
            .for_ticket(TicketKind::Incident, p)
            .bounds
            .iter()
            .enumerate()
        {
            keys.push((
                TargetKey {
                    kind: TicketKind::Incident,
                    priority: Some(p),
                    bound: i,
                },
                *b,
            ));
        }
    }
    for kind in [TicketKind::Question, TicketKind::Rfc] {
        for (i, b) in policy
            .targets
            .for_ticket(kind, Priority::Normal)
            .bounds
            .iter()
            .enumerate()
        {
            keys.push((
                TargetKey {
                    kind,
                    priority: None,
                    bound: i,
                },
                *b,
            ));
        }
    }
    let mut counts = vec![(0u32, 0u32); keys.len()];
    for t in tickets {
        for (i, clock) in t.targets.iter().enumerate() {
            let key = TargetKey {
                kind: t.kind,
                priority: t.priority.filter(|_| t.kind == TicketKind::Incident),
                bound: i,
            };
            let Some(slot) = keys.iter().position(|(k, _)| *k == key) else {
                continue;
            };
            match clock.outcome {
                Outcome::Met { at } if at >= period.0 && at < period.1 => counts[slot].0 += 1,
                Outcome::Missed { at } if at >= period.0 && at < period.1 => counts[slot].1 += 1,
                _ => {}
            }
        }
    }
    keys.into_iter()
        .zip(counts)
        .map(|((key, bound), (met, missed))| (key, Compliance::from_counts(bound, met, missed)))
        .collect()
}
