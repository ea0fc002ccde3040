//! The packed probe aggregates: fixed-size little-endian cells in one binary column per row.
//!
//! `probe_minutes.minutes` holds the 60 minutes of one UTC hour, [`MINUTE_CELL_BYTES`] each:
//!
//! | bytes | field                                                              |
//! |-------|--------------------------------------------------------------------|
//! | 0     | probes in the low 4 bits, failures in the high 4 (each saturating at 15) |
//! | 1..4  | latency_sum_ms, u24 (saturating at 16,777,215)                     |
//! | 4..6  | latency_max_ms, u16 (saturating at 65,535)                         |
//!
//! A monitor is probed at most every 10 seconds, six times a minute, with a timeout of
//! seconds, so a minute's counts and sums stay well inside these limits.
//!
//! `probe_hours.hours` holds the local clock hours of one local day, [`HOUR_CELL_BYTES`] each;
//! cell `i` is the hour starting at `day_start + i` hours (UTC), so a day has 23, 24 or 25
//! cells when clocks go forward, stay or go back:
//!
//! | bytes  | field                                          |
//! |--------|------------------------------------------------|
//! | 0..2   | probes, u16 (saturating)                       |
//! | 2..4   | failures, u16 (saturating)                     |
//! | 4..6   | down_seconds, u16 (saturating; an hour has 3,600) |
//! | 6..10  | latency_sum_ms, u32 (saturating)               |
//! | 10..12 | latency_max_ms, u16 (saturating)               |
//! | 12     | UTC offset in the hour, i8, in quarter hours   |
//!
//! A cell with no probes is an hour or minute without data. Minutes and hours hold at most a
//! few hundred probes of at most seconds each, far below every limit; the limits only make
//! nonsense input harmless.

use std::collections::BTreeMap;

use crate::{Millis, Result, StoreError};

/// Bytes of one minute cell of `probe_minutes.minutes`.
pub const MINUTE_CELL_BYTES: usize = 6;
/// Bytes of `probe_minutes.minutes`: 60 minute cells.
pub const MINUTE_ROW_BYTES: usize = 60 * MINUTE_CELL_BYTES;
/// Bytes of one hour cell of `probe_hours.hours` (a day has 23, 24 or 25 of them).
pub const HOUR_CELL_BYTES: usize = 13;

pub(crate) const MINUTE_MS: Millis = 60_000;
pub(crate) const HOUR_MS: Millis = 3_600_000;
/// More local hours than any day can have: a day row never grows past this.
const MAX_DAY_CELLS: usize = 48;

/// The largest count a minute cell holds.
const MINUTE_COUNT_MAX: i64 = 15;
/// The largest latency sum a minute cell holds.
const MINUTE_SUM_MAX: i64 = (1 << 24) - 1;

fn sat_nibble(v: i64) -> u8 {
    v.clamp(0, MINUTE_COUNT_MAX) as u8
}

fn sat_u16(v: i64) -> u16 {
    v.clamp(0, i64::from(u16::MAX)) as u16
}

fn sat_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One minute's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MinuteCell {
    pub probes: u8,
    pub failures: u8,
    pub latency_sum_ms: u32,
    pub latency_max_ms: u16,
}

impl MinuteCell {
    fn read(b: &[u8]) -> MinuteCell {
        MinuteCell {
            probes: b[0] & 0x0f,
            failures: b[0] >> 4,
            latency_sum_ms: u32::from_le_bytes([b[1], b[2], b[3], 0]),
            latency_max_ms: u16_at(b, 4),
        }
    }

    fn write(&self, b: &mut [u8]) {
        b[0] = (self.probes & 0x0f) | (self.failures << 4);
        b[1..4].copy_from_slice(&self.latency_sum_ms.to_le_bytes()[..3]);
        b[4..6].copy_from_slice(&self.latency_max_ms.to_le_bytes());
    }
}

/// Adds one probe to minute `index` (0..60) of a `probe_minutes.minutes` value.
pub(crate) fn add_to_minutes(cells: &mut [u8], index: usize, failed: bool, latency_ms: i64) {
    let b = &mut cells[index * MINUTE_CELL_BYTES..(index + 1) * MINUTE_CELL_BYTES];
    let mut c = MinuteCell::read(b);
    c.probes = sat_nibble(i64::from(c.probes) + 1);
    c.failures = sat_nibble(i64::from(c.failures) + i64::from(failed));
    c.latency_sum_ms = (i64::from(c.latency_sum_ms) + latency_ms.max(0)).min(MINUTE_SUM_MAX) as u32;
    c.latency_max_ms = c.latency_max_ms.max(sat_u16(latency_ms));
    c.write(b);
}

/// The minutes of a `probe_minutes.minutes` value that have probes: (index, cell).
pub(crate) fn read_minutes(cells: &[u8]) -> Result<Vec<(usize, MinuteCell)>> {
    if cells.len() != MINUTE_ROW_BYTES {
        return Err(StoreError::Corrupt(format!(
            "probe_minutes: {} bytes, expected {MINUTE_ROW_BYTES}",
            cells.len()
        )));
    }
    Ok(cells
        .chunks_exact(MINUTE_CELL_BYTES)
        .map(MinuteCell::read)
        .enumerate()
        .filter(|(_, c)| c.probes > 0)
        .collect())
}

/// One local hour's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HourCell {
    pub probes: u16,
    pub failures: u16,
    pub down_seconds: u16,
    pub latency_sum_ms: u32,
    pub latency_max_ms: u16,
    /// UTC offset in quarter hours.
    pub offset_q: i8,
}

impl HourCell {
    fn read(b: &[u8]) -> HourCell {
        HourCell {
            probes: u16_at(b, 0),
            failures: u16_at(b, 2),
            down_seconds: u16_at(b, 4),
            latency_sum_ms: u32_at(b, 6),
            latency_max_ms: u16_at(b, 10),
            offset_q: i8::from_le_bytes([b[12]]),
        }
    }

    fn write(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&self.probes.to_le_bytes());
        b[2..4].copy_from_slice(&self.failures.to_le_bytes());
        b[4..6].copy_from_slice(&self.down_seconds.to_le_bytes());
        b[6..10].copy_from_slice(&self.latency_sum_ms.to_le_bytes());
        b[10..12].copy_from_slice(&self.latency_max_ms.to_le_bytes());
        b[12..13].copy_from_slice(&self.offset_q.to_le_bytes());
    }

    /// The UTC offset in seconds.
    pub fn utc_offset(&self) -> i64 {
        i64::from(self.offset_q) * 900
    }
}

/// A UTC offset in quarter hours, if it is a whole number of them within ±31¾ hours.
pub(crate) fn offset_quarters(offset_s: i32) -> Option<i8> {
    if offset_s % 900 != 0 {
        return None;
    }
    i8::try_from(offset_s / 900).ok()
}

/// One probe's contribution to its hour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HourProbe {
    /// The hour's first instant (UTC).
    pub hour_start: Millis,
    /// Its offset in quarter hours.
    pub offset_q: i8,
    pub failed: bool,
    pub latency_ms: i64,
    pub down_seconds: i64,
}

/// The hours of one local day as stored: the UTC start of cell 0 and the cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayCells {
    pub day_start: Millis,
    pub cells: Vec<HourCell>,
}

impl DayCells {
    /// Reads a stored day row.
    pub fn read(day_start: Millis, bytes: &[u8]) -> Result<DayCells> {
        if bytes.is_empty()
            || !bytes.len().is_multiple_of(HOUR_CELL_BYTES)
            || bytes.len() / HOUR_CELL_BYTES > MAX_DAY_CELLS
        {
            return Err(StoreError::Corrupt(format!(
                "probe_hours: {} bytes, expected up to {MAX_DAY_CELLS} cells of \
                 {HOUR_CELL_BYTES}",
                bytes.len()
            )));
        }
        Ok(DayCells {
            day_start,
            cells: bytes
                .chunks_exact(HOUR_CELL_BYTES)
                .map(HourCell::read)
                .collect(),
        })
    }

    /// The stored form of the cells.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = vec![0; self.cells.len() * HOUR_CELL_BYTES];
        for (c, b) in self.cells.iter().zip(out.chunks_exact_mut(HOUR_CELL_BYTES)) {
            c.write(b);
        }
        out
    }

    /// The hours that have probes: (UTC start, cell), in order.
    pub fn hours(&self) -> impl Iterator<Item = (Millis, &HourCell)> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.probes > 0)
            .map(|(i, c)| (self.day_start + i as Millis * HOUR_MS, c))
    }

    /// Adds one probe to the day it belongs to (`day`: that day as stored, `None` for its
    /// first probe). Cell 0 is the local midnight: the earliest hour with probes is placed at
    /// its local clock hour, so a day whose first probes came before any change of the clocks
    /// has exactly its 23, 24 or 25 hours; cells keep their own offsets either way, and the
    /// hours read back are the hours recorded whatever the layout.
    pub fn add(day: Option<DayCells>, p: &HourProbe) -> Option<DayCells> {
        let mut hours: BTreeMap<Millis, HourCell> = BTreeMap::new();
        if let Some(day) = &day {
            for (start, c) in day.hours() {
                hours.insert(start, *c);
            }
        }
        let c = hours.entry(p.hour_start).or_insert(HourCell {
            offset_q: p.offset_q,
            ..HourCell::default()
        });
        c.probes = sat_u16(i64::from(c.probes) + 1);
        c.failures = sat_u16(i64::from(c.failures) + i64::from(p.failed));
        c.down_seconds = sat_u16(i64::from(c.down_seconds) + p.down_seconds);
        c.latency_sum_ms = sat_u32(i64::from(c.latency_sum_ms) + p.latency_ms);
        c.latency_max_ms = c.latency_max_ms.max(sat_u16(p.latency_ms));
        DayCells::lay_out(&hours)
    }

    /// Lays hours of one day out from their local midnight; `None` when they do not fit one
    /// day (hours not whole hours apart, or more than a day can have).
    fn lay_out(hours: &BTreeMap<Millis, HourCell>) -> Option<DayCells> {
        let (&first, first_cell) = hours.first_key_value()?;
        let (&last, _) = hours.last_key_value()?;
        let local = first.div_euclid(1000) + first_cell.utc_offset();
        let clock_hour = local.rem_euclid(86_400) / 3_600;
        let day_start = first - clock_hour * HOUR_MS;
        let span = last - day_start;
        if span % HOUR_MS != 0 {
            return None;
        }
        let n = usize::try_from(span / HOUR_MS).ok()? + 1;
        if n > MAX_DAY_CELLS {
            return None;
        }
        let mut cells = vec![HourCell::default(); n];
        for (&start, c) in hours {
            if (start - day_start) % HOUR_MS != 0 {
                return None;
            }
            cells[usize::try_from((start - day_start) / HOUR_MS).ok()?] = *c;
        }
        Some(DayCells { day_start, cells })
    }
}

/// A local date as stored in `probe_hours.day`: `YYYYMMDD`, years 1 to 9999 (`None` beyond).
pub(crate) fn ymd(days_since_epoch: i64) -> Option<i32> {
    let (y, m, d) = sla::civil::civil_from_days(days_since_epoch);
    if !(1..=9999).contains(&y) {
        return None;
    }
    i32::try_from(y * 10_000 + m * 100 + d).ok()
}

/// The `probe_hours.day` values whose rows may hold hours starting in `[from, to)`.
pub(crate) fn day_range(from: Millis, to: Millis) -> (i32, i32) {
    // A row's cells start at most two days before its local date and span at most
    // MAX_DAY_CELLS hours.
    let lo_days = from
        .saturating_sub(MAX_DAY_CELLS as Millis * HOUR_MS)
        .div_euclid(86_400_000)
        .saturating_sub(2);
    let hi_days = to.div_euclid(86_400_000).saturating_add(2);
    let first = sla::civil::days_from_civil(1, 1, 1);
    let last = sla::civil::days_from_civil(9999, 12, 31);
    let lo = ymd(lo_days.clamp(first, last)).unwrap_or(10_101);
    let hi = ymd(hi_days.clamp(first, last)).unwrap_or(99_991_231);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn probe(hour_start: Millis, offset_h: i8) -> HourProbe {
        HourProbe {
            hour_start,
            offset_q: offset_h * 4,
            failed: false,
            latency_ms: 10,
            down_seconds: 0,
        }
    }

    #[test]
    fn minute_cells_round_trip_and_saturate() {
        let mut cells = vec![0u8; MINUTE_ROW_BYTES];
        add_to_minutes(&mut cells, 59, true, 70_000);
        add_to_minutes(&mut cells, 59, false, 5);
        let got = read_minutes(&cells).unwrap();
        assert_eq!(
            got,
            vec![(
                59,
                MinuteCell {
                    probes: 2,
                    failures: 1,
                    latency_sum_ms: 70_005,
                    latency_max_ms: u16::MAX
                }
            )]
        );
        assert!(read_minutes(&cells[1..]).is_err());
        for _ in 0..20 {
            add_to_minutes(&mut cells, 0, true, 10_000_000);
        }
        let (_, c) = read_minutes(&cells).unwrap()[0];
        assert_eq!(
            (c.probes, c.failures, c.latency_sum_ms),
            (15, 15, (1 << 24) - 1)
        );
    }

    #[test]
    fn a_day_is_laid_out_from_its_local_midnight() {
        // 2026-10-25 Europe/Amsterdam: midnight is 22:00 UTC the day before (+02:00); the
        // clocks go back at 01:00 UTC, so the day has 25 hours.
        let midnight = 1_792_879_200_000;
        let mut day = None;
        // Recorded late first (03:00 CET = 02:00 UTC), then the earlier hours.
        for (h, off) in [(4, 1), (0, 2), (3, 1), (2, 2), (24, 1)] {
            day = DayCells::add(day, &probe(midnight + h * HOUR_MS, off));
        }
        let day = day.unwrap();
        assert_eq!(day.day_start, midnight);
        assert_eq!(day.cells.len(), 25);
        let hours: Vec<(Millis, i64)> = day.hours().map(|(s, c)| (s, c.utc_offset())).collect();
        assert_eq!(
            hours,
            vec![
                (midnight, 7_200),
                (midnight + 2 * HOUR_MS, 7_200),
                (midnight + 3 * HOUR_MS, 3_600),
                (midnight + 4 * HOUR_MS, 3_600),
                (midnight + 24 * HOUR_MS, 3_600),
            ]
        );
        let again = DayCells::read(day.day_start, &day.bytes()).unwrap();
        assert_eq!(again, day);
    }

    #[test]
    fn hours_that_do_not_fit_a_day_are_refused() {
        let day = DayCells::add(None, &probe(0, 0));
        assert!(DayCells::add(day.clone(), &probe(HOUR_MS / 2, 0)).is_none());
        assert!(DayCells::add(day, &probe(60 * HOUR_MS, 0)).is_none());
    }

    #[test]
    fn day_numbers() {
        assert_eq!(ymd(0), Some(19_700_101));
        assert_eq!(day_range(0, i64::MAX), (19_691_228, 99_991_231));
        assert_eq!(day_range(i64::MIN, 0).0, 10_101);
    }
}
