//! Business calendars: a time zone, weekly opening windows, holidays, and business time over them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::civil::{self, DAY};
use crate::duration::PolicyDuration;
use crate::holidays::HolidayRules;

/// First civil year a compiled calendar covers.
pub const FIRST_YEAR: i16 = 1970;
/// Last civil year a compiled calendar covers.
pub const LAST_YEAR: i16 = 2200;

/// A daily opening window in local civil time, `[start, end)` in seconds after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    start: u32,
    end: u32,
}

impl Window {
    /// A window from seconds after midnight; `end` may be 86 400 (24:00).
    pub fn new(start: u32, end: u32) -> Result<Window, WindowError> {
        if end > DAY as u32 {
            return Err(WindowError::Invalid("the end lies after 24:00".into()));
        }
        if start >= end {
            return Err(WindowError::Invalid(
                "the start must lie before the end".into(),
            ));
        }
        Ok(Window { start, end })
    }

    /// Service Window 1 of the SLA: 09:00–17:30.
    pub const SERVICE_WINDOW_1: Window = Window {
        start: 9 * 3600,
        end: 17 * 3600 + 1800,
    };

    /// The SLA's daily maintenance window: 01:00–04:00.
    pub const MAINTENANCE_DEFAULT: Window = Window {
        start: 3600,
        end: 4 * 3600,
    };

    /// Start, in seconds after local midnight.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// End, in seconds after local midnight (86 400 means 24:00).
    pub fn end(&self) -> u32 {
        self.end
    }

    /// Length in seconds.
    pub fn len_seconds(&self) -> u32 {
        self.end - self.start
    }
}

/// Why a window text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// The text is not `HH:MM-HH:MM` or the times are out of order.
    #[error("{0}; expected HH:MM-HH:MM such as 09:00-17:30")]
    Invalid(String),
}

fn parse_clock(s: &str, allow_24: bool) -> Result<u32, WindowError> {
    let bad = || WindowError::Invalid(format!("`{s}` is not a time of day"));
    let parts: Vec<&str> = s.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let num = |p: &str| -> Result<u32, WindowError> {
        if p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let h = num(parts[0])?;
    let m = num(parts[1])?;
    let sec = if parts.len() == 3 { num(parts[2])? } else { 0 };
    if h == 24 && m == 0 && sec == 0 && allow_24 {
        return Ok(DAY as u32);
    }
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60 + sec)
}

impl FromStr for Window {
    type Err = WindowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once('-').ok_or_else(|| {
            WindowError::Invalid(format!("`{s}` has no `-` between start and end"))
        })?;
        Window::new(parse_clock(a, false)?, parse_clock(b, true)?)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |s: u32| (s / 3600, s % 3600 / 60, s % 60);
        for (i, t) in [self.start, self.end].into_iter().enumerate() {
            if i == 1 {
                f.write_str("-")?;
            }
            let (h, m, s) = hm(t);
            if s == 0 {
                write!(f, "{h:02}:{m:02}")?;
            } else {
                write!(f, "{h:02}:{m:02}:{s:02}")?;
            }
        }
        Ok(())
    }
}

/// Everything that defines a calendar, before it is compiled for fast queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. `Europe/Amsterdam`.
    pub time_zone: String,
    /// Opening windows per weekday, Monday first; several per day allowed, not overlapping.
    pub weekly: [Vec<Window>; 7],
    /// Which public holidays close the calendar.
    pub holidays: HolidayRules,
    /// Extra closed dates (company closures).
    pub closed_dates: BTreeSet<Date>,
    /// Extra open dates: open even on a holiday or weekend, with that weekday's windows or,
    /// when the weekday has none, those of the first weekday that has any.
    pub open_dates: BTreeSet<Date>,
}

impl CalendarSpec {
    /// Service Window 1 of the SLA: Mon–Fri 09:00–17:30 Europe/Amsterdam, NL holidays.
    pub fn service_window_1() -> CalendarSpec {
        let sw1 = vec![Window::SERVICE_WINDOW_1];
        CalendarSpec {
            time_zone: "Europe/Amsterdam".into(),
            weekly: [
                sw1.clone(),
                sw1.clone(),
                sw1.clone(),
                sw1.clone(),
                sw1,
                Vec::new(),
                Vec::new(),
            ],
            holidays: HolidayRules::default(),
            closed_dates: BTreeSet::new(),
            open_dates: BTreeSet::new(),
        }
    }
}

/// Why a calendar could not be built or queried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The time zone name is not in the embedded tz database.
    #[error("unknown time zone `{0}`")]
    UnknownTimeZone(String),
    /// Two windows of one weekday overlap.
    #[error("the windows of {day} overlap: {a} and {b}")]
    OverlappingWindows {
        /// The weekday in English.
        day: &'static str,
        /// The first window.
        a: Window,
        /// The second window.
        b: Window,
    },
    /// The calendar has no opening at all, so no deadline exists.
    #[error("the calendar is never open")]
    NeverOpen,
    /// An instant or a result lies outside the years the calendar covers.
    #[error(
        "{0} lies beyond what the calendar covers (openings in the years {FIRST_YEAR}–{LAST_YEAR})"
    )]
    OutOfRange(String),
    /// A negative duration was given where only forward time makes sense.
    #[error("a business duration cannot be negative ({0} s)")]
    NegativeDuration(i64),
}

/// Names of the weekdays, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One opening interval in UTC seconds, with the business seconds of all earlier ones.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: i64,
    end: i64,
    cum: i64,
    /// UTC offset throughout the segment (seconds east of UTC).
    offset: i32,
    /// An offset transition lies within a day of the segment: local-time shortcuts are off.
    near_transition: bool,
}

impl Segment {
    #[inline]
    fn cum_end(&self) -> i64 {
        self.cum + (self.end - self.start)
    }

    #[inline]
    fn local_start(&self) -> i64 {
        self.start + i64::from(self.offset)
    }

    #[inline]
    fn local_end(&self) -> i64 {
        self.end + i64::from(self.offset)
    }
}

/// Seconds per bucket of the offset-transition index (about 24 days).
const TRANSITION_BUCKET_SHIFT: u32 = 21;

/// A compiled calendar: every opening of the years 1970–2200 as UTC intervals with running sums.
///
/// Three indexes make every query O(1) for calendars whose openings are of similar length
/// (such as Service Window 1): by UTC day (to find an instant), by local day (to find a
/// calendar span's end without time-zone arithmetic), and by business-time bucket (to find
/// where a business duration runs out). A deadline a month away therefore costs the same
/// few lookups as one four hours away; calendars with very uneven openings degrade to
/// O(log k) over the k openings a bucket holds, never to a walk.
#[derive(Debug, Clone)]
pub struct Calendar {
    spec: CalendarSpec,
    tz: TimeZone,
    /// Offset transitions in the covered range: (UTC second it takes effect, offset seconds).
    transitions: Vec<(i64, i32)>,
    initial_offset: i32,
    /// For each bucket of `1 << TRANSITION_BUCKET_SHIFT` UTC seconds, the index of the first
    /// transition at or after the bucket's start.
    transition_index: Vec<u32>,
    first_transition_bucket: i64,
    segments: Vec<Segment>,
    /// For each UTC day since `first_utc_day`, the first segment ending after that day starts.
    day_index: Vec<u32>,
    first_utc_day: i64,
    /// For each local day since `first_local_day`, the first segment whose local end lies after
    /// that day's local midnight.
    local_day_index: Vec<u32>,
    first_local_day: i64,
    /// For each bucket of `cum_bucket` business seconds, the first segment whose running sum
    /// at its end reaches the bucket's start.
    cum_index: Vec<u32>,
    cum_bucket: i64,
    /// Day number of the first day of every month from January of `FIRST_YEAR` on.
    month_starts: Vec<i64>,
    /// For each local day since `first_local_day`, its index in `month_starts`.
    month_of_day: Vec<u16>,
    range_start: i64,
    range_end: i64,
}

impl Calendar {
    /// Compiles a calendar specification.
    pub fn new(spec: CalendarSpec) -> Result<Calendar, CalendarError> {
        let tz = TimeZone::get(&spec.time_zone)
            .map_err(|_| CalendarError::UnknownTimeZone(spec.time_zone.clone()))?;
        for (d, windows) in spec.weekly.iter().enumerate() {
            let mut sorted = windows.clone();
            sorted.sort();
            for pair in sorted.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(CalendarError::OverlappingWindows {
                        day: WEEKDAYS[d],
                        a: pair[0],
                        b: pair[1],
                    });
                }
            }
        }
        let first_day = civil::days_from_civil(i64::from(FIRST_YEAR), 1, 1);
        let end_day = civil::days_from_civil(i64::from(LAST_YEAR) + 1, 1, 1);
        let out_of_range = |what: &str| CalendarError::OutOfRange(what.to_string());

        // Offset transitions, from a day before the range to a day after it.
        let probe = |s: i64| Timestamp::from_second(s).map_err(|_| out_of_range("range"));
        let scan_from = probe((first_day - 2) * DAY)?;
        let scan_to = (end_day + 2) * DAY;
        let initial_offset = tz.to_offset(scan_from).seconds();
        let mut transitions = Vec::new();
        let mut last = initial_offset;
        for t in tz.following(scan_from) {
            let at = t.timestamp().as_second();
            if at > scan_to {
                break;
            }
            let off = t.offset().seconds();
            if off != last {
                transitions.push((at, off));
                last = off;
            }
        }

        let mut cal = Calendar {
            spec,
            tz,
            transitions,
            initial_offset,
            transition_index: Vec::new(),
            first_transition_bucket: 0,
            segments: Vec::new(),
            day_index: Vec::new(),
            first_utc_day: 0,
            local_day_index: Vec::new(),
            first_local_day: first_day,
            cum_index: Vec::new(),
            cum_bucket: 1,
            month_starts: (0..=(i64::from(LAST_YEAR - FIRST_YEAR) + 1) * 12)
                .map(|m| {
                    let y = i64::from(FIRST_YEAR) + m / 12;
                    civil::days_from_civil(y, m % 12 + 1, 1)
                })
                .collect(),
            month_of_day: Vec::new(),
            range_start: 0,
            range_end: 0,
        };
        cal.compile_transition_index(scan_from.as_second(), scan_to);
        cal.range_start = cal.local_to_utc(first_day * DAY);
        cal.range_end = cal.local_to_utc(end_day * DAY);
        cal.compile_segments(first_day, end_day);
        if cal.segments.is_empty() {
            return Err(CalendarError::NeverOpen);
        }
        cal.compile_day_index();
        cal.compile_local_day_index(end_day);
        cal.compile_cum_index();
        cal.month_of_day = (first_day..end_day)
            .map(|d| (cal.month_starts.partition_point(|&s| s <= d) - 1) as u16)
            .collect();
        Ok(cal)
    }

    fn compile_segments(&mut self, first_day: i64, end_day: i64) {
        let rules = self.spec.holidays;
        let mut closed: BTreeSet<i64> = BTreeSet::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for h in rules.holidays(year) {
                closed.insert(date_days(h.date));
            }
        }
        let open: BTreeSet<i64> = self.spec.open_dates.iter().map(|d| date_days(*d)).collect();
        let explicit_closed: BTreeSet<i64> = self
            .spec
            .closed_dates
            .iter()
            .map(|d| date_days(*d))
            .collect();
        let fallback: Vec<Window> = self
            .spec
            .weekly
            .iter()
            .find(|w| !w.is_empty())
            .cloned()
            .unwrap_or_default();
        let mut weekly = self.spec.weekly.clone();
        for w in &mut weekly {
            w.sort();
        }
        let mut segments: Vec<Segment> =
            Vec::with_capacity(((end_day - first_day) * 5 / 7) as usize);
        let mut cum = 0i64;
        for day in first_day..end_day {
            let windows: &[Window] = if explicit_closed.contains(&day) {
                &[]
            } else if open.contains(&day) {
                let w = &weekly[civil::weekday(day)];
                if w.is_empty() { &fallback } else { w }
            } else if closed.contains(&day) {
                &[]
            } else {
                &weekly[civil::weekday(day)]
            };
            for w in windows {
                let mut start = self.local_to_utc(day * DAY + i64::from(w.start));
                let end = self.local_to_utc(day * DAY + i64::from(w.end));
                if let Some(prev) = segments.last_mut() {
                    start = start.max(prev.end);
                    if start == prev.end {
                        // Contiguous with the previous opening (e.g. 24:00 then 00:00): merge.
                        if end > prev.end {
                            cum += end - prev.end;
                            prev.end = end;
                        }
                        continue;
                    }
                }
                if end > start {
                    segments.push(Segment {
                        start,
                        end,
                        cum,
                        offset: 0,
                        near_transition: false,
                    });
                    cum += end - start;
                }
            }
        }
        for seg in &mut segments {
            seg.offset = self.offset_at_second(seg.start);
            let i = self
                .transitions
                .partition_point(|&(at, _)| at < seg.start - DAY);
            seg.near_transition = self
                .transitions
                .get(i)
                .is_some_and(|&(at, _)| at <= seg.end + DAY);
        }
        self.segments = segments;
    }

    fn compile_transition_index(&mut self, from: i64, to: i64) {
        self.first_transition_bucket = from >> TRANSITION_BUCKET_SHIFT;
        let last = to >> TRANSITION_BUCKET_SHIFT;
        self.transition_index = (self.first_transition_bucket..=last)
            .map(|b| {
                let at = b << TRANSITION_BUCKET_SHIFT;
                self.transitions.partition_point(|&(t, _)| t < at) as u32
            })
            .collect();
    }

    fn compile_local_day_index(&mut self, end_day: i64) {
        let n = self.segments.len();
        let mut idx = 0usize;
        self.local_day_index = (self.first_local_day..=end_day)
            .map(|k| {
                while idx < n && self.segments[idx].local_end() <= k * DAY {
                    idx += 1;
                }
                idx as u32
            })
            .collect();
    }

    fn compile_cum_index(&mut self) {
        let n = self.segments.len();
        let total = self.segments.last().map_or(0, Segment::cum_end);
        self.cum_bucket = (total / n as i64).max(1);
        let buckets = total / self.cum_bucket + 1;
        let mut idx = 0usize;
        self.cum_index = (0..=buckets)
            .map(|b| {
                while idx < n && self.segments[idx].cum_end() < b * self.cum_bucket {
                    idx += 1;
                }
                idx.min(n - 1) as u32
            })
            .collect();
    }

    fn compile_day_index(&mut self) {
        self.first_utc_day = self.range_start.div_euclid(DAY);
        let last_utc_day = self.range_end.div_euclid(DAY);
        let mut idx = 0usize;
        let n = self.segments.len();
        self.day_index = (self.first_utc_day..=last_utc_day)
            .map(|u| {
                while idx < n && self.segments[idx].end <= u * DAY {
                    idx += 1;
                }
                idx as u32
            })
            .collect();
    }

    /// The specification this calendar was compiled from.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// UTC offset in seconds at an instant (UTC seconds).
    #[inline]
    pub fn offset_at_second(&self, utc: i64) -> i32 {
        let bucket = (utc >> TRANSITION_BUCKET_SHIFT) - self.first_transition_bucket;
        let mut i = match usize::try_from(bucket)
            .ok()
            .and_then(|b| self.transition_index.get(b))
        {
            Some(&i) => i as usize,
            None => self.transitions.partition_point(|&(at, _)| at <= utc),
        };
        while i < self.transitions.len() && self.transitions[i].0 <= utc {
            i += 1;
        }
        if i == 0 {
            self.initial_offset
        } else {
            self.transitions[i - 1].1
        }
    }

    /// The UTC second of a local civil second; a time in a DST gap moves forward by the gap,
    /// a time in a fold takes the earlier instant (jiff's and RFC 5545's "compatible" rule).
    pub fn local_to_utc(&self, local: i64) -> i64 {
        let before = self.offset_at_second(local - DAY);
        let after = self.offset_at_second(local + DAY);
        let fits = |o: i32| self.offset_at_second(local - i64::from(o)) == o;
        match (fits(before), fits(after)) {
            (true, true) => (local - i64::from(before)).min(local - i64::from(after)),
            (true, false) => local - i64::from(before),
            (false, true) => local - i64::from(after),
            (false, false) => local - i64::from(before),
        }
    }

    /// The local civil second of an instant given in UTC seconds.
    #[inline]
    pub fn utc_to_local(&self, utc: i64) -> i64 {
        utc + i64::from(self.offset_at_second(utc))
    }

    fn check(&self, t: i64) -> Result<(), CalendarError> {
        if t < self.range_start || t >= self.range_end {
            return Err(CalendarError::OutOfRange(fmt_ts(t)));
        }
        Ok(())
    }

    /// Index of the first segment that ends after `t` (the one containing it, or the next).
    #[inline]
    fn locate(&self, t: i64) -> Result<usize, CalendarError> {
        self.check(t)?;
        let day = (t.div_euclid(DAY) - self.first_utc_day) as usize;
        let mut i = self
            .day_index
            .get(day)
            .map_or(self.segments.len(), |&i| i as usize);
        while i < self.segments.len() && self.segments[i].end <= t {
            i += 1;
        }
        if i == self.segments.len() {
            return Err(CalendarError::OutOfRange(fmt_ts(t)));
        }
        Ok(i)
    }

    /// Business seconds of the calendar before `t`, with the segment index located for `t`.
    #[inline]
    fn business_before(&self, t: i64) -> Result<(usize, i64), CalendarError> {
        let i = self.locate(t)?;
        let s = &self.segments[i];
        Ok((i, s.cum + (t - s.start).clamp(0, s.end - s.start)))
    }

    /// Whether the calendar is open at an instant (windows are half-open: 17:30 is closed).
    pub fn is_open(&self, t: Timestamp) -> Result<bool, CalendarError> {
        let t = t.as_second();
        let i = self.locate(t)?;
        Ok(self.segments[i].start <= t)
    }

    /// Clock start: the instant itself when the calendar is open, else the next opening.
    pub fn clock_start(&self, t: Timestamp) -> Result<Timestamp, CalendarError> {
        to_ts(self.clock_start_second(t.as_second())?)
    }

    /// [`Calendar::clock_start`] on UTC seconds.
    #[inline]
    pub fn clock_start_second(&self, t: i64) -> Result<i64, CalendarError> {
        let i = self.locate(t)?;
        Ok(t.max(self.segments[i].start))
    }

    /// The first opening (start of a window) at or after an instant.
    pub fn next_opening(&self, t: Timestamp) -> Result<Timestamp, CalendarError> {
        let t = t.as_second();
        let i = self.locate(t)?;
        let i = if self.segments[i].start >= t {
            i
        } else {
            i + 1
        };
        match self.segments.get(i) {
            Some(s) => to_ts(s.start),
            None => Err(CalendarError::OutOfRange(fmt_ts(t))),
        }
    }

    /// Business seconds between two instants; negative when `to` lies before `from`.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> Result<i64, CalendarError> {
        self.elapsed_seconds(from.as_second(), to.as_second())
    }

    /// [`Calendar::elapsed`] on UTC seconds. O(1).
    #[inline]
    pub fn elapsed_seconds(&self, from: i64, to: i64) -> Result<i64, CalendarError> {
        Ok(self.business_before(to)?.1 - self.business_before(from)?.1)
    }

    /// The deadline `business` seconds after the clock start of `start`: the earliest instant
    /// by which that much business time has passed. A deadline that uses up a window exactly
    /// is that window's end, never the next opening. `business == 0` gives the clock start.
    pub fn deadline(&self, start: Timestamp, business: i64) -> Result<Timestamp, CalendarError> {
        to_ts(self.deadline_second(start.as_second(), business)?)
    }

    /// [`Calendar::deadline`] on UTC seconds: O(1) to locate `start`, O(log k) over the k openings
    /// the duration spans.
    #[inline]
    pub fn deadline_second(&self, start: i64, business: i64) -> Result<i64, CalendarError> {
        if business < 0 {
            return Err(CalendarError::NegativeDuration(business));
        }
        let (i, before) = self.business_before(start)?;
        let seg = &self.segments[i];
        if business == 0 {
            return Ok(start.max(seg.start));
        }
        let target = before
            .checked_add(business)
            .ok_or_else(|| CalendarError::OutOfRange("the deadline".into()))?;
        let j = self.first_reaching(i, target)?;
        let s = &self.segments[j];
        Ok(s.start + (target - s.cum))
    }

    /// Smallest `j >= i` whose running sum at its end reaches `target` (galloping search).
    #[inline]
    fn first_reaching(&self, i: usize, target: i64) -> Result<usize, CalendarError> {
        let segs = &self.segments;
        let n = segs.len();
        let bucket = (target / self.cum_bucket) as usize;
        let i = match self.cum_index.get(bucket) {
            Some(&j) => i.max(j as usize),
            None => return Err(CalendarError::OutOfRange("the deadline".into())),
        };
        if segs[i].cum_end() >= target {
            return Ok(i);
        }
        // Invariant: segs[lo].cum_end() < target.
        let mut lo = i;
        let mut step = 1usize;
        let hi = loop {
            let probe = lo + step;
            if probe >= n {
                if segs[n - 1].cum_end() < target {
                    return Err(CalendarError::OutOfRange("the deadline".into()));
                }
                break n - 1;
            }
            if segs[probe].cum_end() >= target {
                break probe;
            }
            lo = probe;
            step *= 2;
        };
        // Answer lies in (lo, hi].
        let offset = segs[lo + 1..=hi].partition_point(|s| s.cum_end() < target);
        Ok(lo + 1 + offset)
    }

    /// When a policy duration is up, counted from the clock start of `start`: business units
    /// by [`Calendar::deadline`]; weeks and months as calendar spans in local time whose
    /// result, when outside the windows, moves forward to the next opening.
    pub fn due(&self, start: Timestamp, d: &PolicyDuration) -> Result<Timestamp, CalendarError> {
        to_ts(self.due_second(start.as_second(), d)?)
    }

    /// [`Calendar::due`] on UTC seconds.
    #[inline]
    pub fn due_second(&self, start: i64, d: &PolicyDuration) -> Result<i64, CalendarError> {
        match *d {
            PolicyDuration::Business(s) => self.deadline_second(start, s),
            PolicyDuration::Weeks(w) => {
                let local = self.local_clock_start(start)?;
                self.clock_start_local(local + i64::from(w) * 7 * DAY)
            }
            PolicyDuration::Months(m) => {
                let local = self.local_clock_start(start)?;
                let day = local.div_euclid(DAY);
                let tod = local.rem_euclid(DAY);
                self.clock_start_local(self.add_months(day, i64::from(m)) * DAY + tod)
            }
        }
    }

    /// The same day `months` later, clamped to the month's end, through the month table
    /// (the integer civil conversion outside it).
    #[inline]
    fn add_months(&self, day: i64, months: i64) -> i64 {
        let starts = &self.month_starts;
        let Some(&m) = usize::try_from(day - self.first_local_day)
            .ok()
            .and_then(|k| self.month_of_day.get(k))
        else {
            return civil::add_months(day, months);
        };
        let m = usize::from(m);
        let target = m + months as usize;
        match (starts.get(target), starts.get(target + 1)) {
            (Some(&start), Some(&next)) => start + (day - starts[m]).min(next - start - 1),
            _ => civil::add_months(day, months),
        }
    }

    /// Local civil second of the clock start of `start`.
    #[inline]
    fn local_clock_start(&self, start: i64) -> Result<i64, CalendarError> {
        let i = self.locate(start)?;
        let seg = &self.segments[i];
        let cs = start.max(seg.start);
        Ok(if seg.near_transition {
            self.utc_to_local(cs)
        } else {
            cs + i64::from(seg.offset)
        })
    }

    /// Clock start (UTC) of the instant a local civil second stands for: O(1) through the
    /// local-day index, exact through the time zone near offset transitions.
    #[inline]
    fn clock_start_local(&self, local: i64) -> Result<i64, CalendarError> {
        let slow = || self.clock_start_second(self.local_to_utc(local));
        let k = local.div_euclid(DAY) - self.first_local_day;
        let Some(&first) = usize::try_from(k)
            .ok()
            .and_then(|k| self.local_day_index.get(k))
        else {
            return slow();
        };
        let mut i = first as usize;
        while let Some(seg) = self.segments.get(i) {
            if seg.near_transition {
                return slow();
            }
            if seg.local_end() > local {
                return Ok(if seg.local_start() <= local {
                    local - i64::from(seg.offset)
                } else {
                    seg.start
                });
            }
            i += 1;
        }
        slow()
    }

    /// Business seconds a policy duration stands for when counted from `start`
    /// (for calendar spans: the business time between the clock start and the due instant).
    pub fn budget_second(&self, start: i64, d: &PolicyDuration) -> Result<i64, CalendarError> {
        match *d {
            PolicyDuration::Business(s) => Ok(s),
            _ => {
                let cs = self.clock_start_second(start)?;
                self.elapsed_seconds(cs, self.due_second(start, d)?)
            }
        }
    }

    /// The openings (UTC seconds, half-open) that overlap `[from, to)`, in order.
    pub fn openings_between(&self, from: i64, to: i64) -> Result<Vec<(i64, i64)>, CalendarError> {
        let mut i = self.locate(from)?;
        let mut out = Vec::new();
        while i < self.segments.len() && self.segments[i].start < to {
            let s = self.segments[i];
            out.push((s.start.max(from), s.end.min(to)));
            i += 1;
        }
        Ok(out)
    }
}

/// Day number (since 1970-01-01) of a civil date.
pub(crate) fn date_days(d: Date) -> i64 {
    civil::days_from_civil(
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    )
}

fn to_ts(s: i64) -> Result<Timestamp, CalendarError> {
    Timestamp::from_second(s).map_err(|_| CalendarError::OutOfRange(format!("{s} s")))
}

fn fmt_ts(s: i64) -> String {
    Timestamp::from_second(s).map_or_else(|_| format!("{s} s since 1970"), |t| t.to_string())
}
