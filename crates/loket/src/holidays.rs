//! `loket calendar holidays`: the agreement's public holidays and closing days as CSV.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::anyhow;
use jiff::civil::Date;
use sla::calendar::{FIRST_YEAR, LAST_YEAR};

use crate::{Failure, policy, write_stdout};

/// The name given to the agreement's extra closed dates.
pub const CLOSING_DAY: &str = "Sluitingsdag";

/// Runs the command for the years `from..=to`.
pub fn command(from: i64, to: i64, policy_file: Option<&Path>) -> Result<(), Failure> {
    let range = i64::from(FIRST_YEAR)..=i64::from(LAST_YEAR);
    for (flag, year) in [("--from", from), ("--to", to)] {
        if !range.contains(&year) {
            return Err(anyhow!(
                "{flag} {year} lies outside the years {FIRST_YEAR}–{LAST_YEAR} the calendar covers"
            )
            .into());
        }
    }
    if from > to {
        return Err(anyhow!("--from {from} lies after --to {to}").into());
    }
    let (policy, _) = policy::load(policy_file)?;
    let spec = &policy.calendar;
    let mut rows: Vec<(Date, &str)> = Vec::new();
    // Both bounds were checked to lie in FIRST_YEAR..=LAST_YEAR, so they fit an i16.
    let (first, last) = (
        i16::try_from(from).unwrap_or(FIRST_YEAR),
        i16::try_from(to).unwrap_or(LAST_YEAR),
    );
    for year in first..=last {
        rows.extend(
            spec.holidays
                .holidays(year)
                .iter()
                .map(|h| (h.date, h.name)),
        );
    }
    rows.extend(
        spec.closed_dates
            .iter()
            .filter(|d| (first..=last).contains(&d.year()))
            .map(|d| (*d, CLOSING_DAY)),
    );
    // Stable: holidays (already in name order per date) before a closing day on the same date.
    rows.sort_by_key(|r| r.0);
    let mut out = String::with_capacity(32 * (rows.len() + 1));
    out.push_str("date,name\n");
    for (date, name) in rows {
        let _ = writeln!(out, "{date},{name}");
    }
    write_stdout(&out)
}
