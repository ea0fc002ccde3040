//! Availability per calendar month (SLA-RULES §6): maintenance windows, planned maintenance,
//! excluded outage causes, counted downtime, an outage detector over probes, and storage buckets.
//!
//! Everything works on UTC epoch seconds and half-open intervals `[start, end)`.
//! The arithmetic is integer only; every interval set is merged before it is measured, so
//! overlapping outages, windows and maintenance are never counted twice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Window, WindowError};
use crate::civil::{self, DAY};
use crate::duration::{Lang, PolicyDuration, WORKING_DAY};
use crate::policy;
use crate::ticket::{UnknownWord, word_enum};

/// Parts per million in a whole: 100%.
pub const PPM: u32 = 1_000_000;

/// The SLA's availability target: 99.5% per calendar month, in parts per million.
pub const DEFAULT_TARGET_PPM: u32 = 995_000;

/// The SLA's notice for planned maintenance: 3 working days of Service Window 1.
pub const DEFAULT_NOTICE: PolicyDuration = PolicyDuration::Business(3 * WORKING_DAY);

word_enum! {
    /// An outside cause under which an outage does not count (SLA §8.2).
    ExcludedCause {
        /// A failure in third parties' telecommunication infrastructure.
        ThirdPartyTelecom = "third_party_telecom"
            / "storing in telecommunicatie van derden"
            / "third-party telecommunication failure",
        /// Incorrect configuration of the system environment by the customer.
        CustomerMisconfiguration = "customer_misconfiguration"
            / "onjuiste configuratie door de klant"
            / "misconfiguration by the customer",
        /// Circumstances at the customer's premises (power, climate, housing, switch-off).
        CustomerPremises = "customer_premises"
            / "omstandigheden op de locatie van de klant"
            / "circumstances at the customer's premises",
        /// Force majeure (overmacht).
        ForceMajeure = "force_majeure" / "overmacht" / "force majeure",
    }
}

impl ExcludedCause {
    /// Position in [`ExcludedCause::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

/// The daily maintenance window: a local-time window, every day, that is never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MaintenanceWindow(Window);

impl MaintenanceWindow {
    /// The SLA's window: 01:00–04:00 local time.
    pub const DEFAULT: MaintenanceWindow = MaintenanceWindow(Window::MAINTENANCE_DEFAULT);

    /// A window from seconds after local midnight; requires `start < end <= 86 400`.
    pub fn new(start: u32, end: u32) -> Result<MaintenanceWindow, WindowError> {
        Window::new(start, end).map(MaintenanceWindow)
    }

    /// Start, in seconds after local midnight.
    pub fn start(&self) -> u32 {
        self.0.start()
    }

    /// End, in seconds after local midnight (86 400 means 24:00).
    pub fn end(&self) -> u32 {
        self.0.end()
    }

    /// The window as a calendar [`Window`].
    pub fn window(&self) -> Window {
        self.0
    }

    /// The window's UTC intervals on each local day, clipped to `[from, to)`, in order.
    ///
    /// Each day's bounds go through [`Calendar::local_to_utc`], so on the day clocks go forward
    /// 01:00–04:00 lasts 2 hours of real time and on the day they go back 4 hours. A bound in a
    /// gap moves forward by the gap; a bound in a fold takes the earlier instant.
    pub fn intervals(&self, cal: &Calendar, from: i64, to: i64) -> Vec<(i64, i64)> {
        if from >= to {
            return Vec::new();
        }
        let first = cal.utc_to_local(from).div_euclid(DAY) - 1;
        let last = cal.utc_to_local(to).div_euclid(DAY) + 1;
        (first..=last)
            .filter_map(|day| {
                let s = cal.local_to_utc(day * DAY + i64::from(self.start()));
                let e = cal.local_to_utc(day * DAY + i64::from(self.end()));
                let (s, e) = (s.max(from), e.min(to));
                (s < e).then_some((s, e))
            })
            .collect()
    }
}

impl Default for MaintenanceWindow {
    fn default() -> Self {
        MaintenanceWindow::DEFAULT
    }
}

impl From<Window> for MaintenanceWindow {
    fn from(w: Window) -> Self {
        MaintenanceWindow(w)
    }
}

impl fmt::Display for MaintenanceWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for MaintenanceWindow {
    type Err = WindowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(MaintenanceWindow)
    }
}

/// Whether planned maintenance starting at `starts_at` was announced in time.
///
/// The notice is counted like a ticket deadline: from the clock start of `announced_at` (the
/// next opening of the calendar when announced outside it), in business time for
/// working-day notices. In time means `cal.due_second(announced_at, notice) <= starts_at`:
/// announced Monday 10:00 with 3 working days, maintenance may start from Thursday 10:00;
/// announced Friday evening, from Wednesday 17:30 (the end of the third full working day).
/// An announcement after the start, or one the calendar cannot place (outside 1970–2200),
/// never gave notice.
pub fn notice_given(
    cal: &Calendar,
    announced_at: i64,
    starts_at: i64,
    notice: &PolicyDuration,
) -> bool {
    announced_at <= starts_at
        && cal
            .due_second(announced_at, notice)
            .is_ok_and(|due| due <= starts_at)
}

/// Planned maintenance for a major update, `[start, end)`, and when it was announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlannedMaintenance {
    /// When it starts (UTC seconds).
    pub start: i64,
    /// When it ends (UTC seconds, exclusive).
    pub end: i64,
    /// When it was announced to the customer's administrators and on the login page.
    pub announced_at: i64,
}

impl PlannedMaintenance {
    /// Whether it was announced with enough notice to be excluded; otherwise it counts as
    /// downtime (see [`notice_given`]).
    pub fn counts_as_excluded(&self, cal: &Calendar, notice: &PolicyDuration) -> bool {
        notice_given(cal, self.announced_at, self.start, notice)
    }
}

/// An outage of a customer environment, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Outage {
    /// When it started (UTC seconds).
    pub start: i64,
    /// When it ended (UTC seconds, exclusive); `None` while it is still going on.
    pub end: Option<i64>,
    /// The excluded cause it was classified under, if any; without one it counts.
    pub cause: Option<ExcludedCause>,
}

/// The rules availability is measured by: target, maintenance window, notice, excluded causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRules {
    /// The lowest availability that still holds, in parts per million (values above 1 000 000
    /// are taken as 1 000 000).
    pub target_ppm: u32,
    /// The daily maintenance window.
    pub window: MaintenanceWindow,
    /// How long before its start planned maintenance must be announced.
    pub notice: PolicyDuration,
    /// Causes under which an outage is excluded; an outage classified under another cause counts.
    pub excluded_causes: Vec<ExcludedCause>,
}

impl Default for AvailabilityRules {
    /// The SLA's rules: 99.5%, 01:00–04:00, 3 working days, all four causes.
    fn default() -> Self {
        AvailabilityRules {
            target_ppm: DEFAULT_TARGET_PPM,
            window: MaintenanceWindow::DEFAULT,
            notice: DEFAULT_NOTICE,
            excluded_causes: ExcludedCause::ALL.to_vec(),
        }
    }
}

impl From<&policy::Availability> for AvailabilityRules {
    fn from(a: &policy::Availability) -> Self {
        AvailabilityRules {
            target_ppm: a.target.basis_points() * 100,
            window: MaintenanceWindow(a.maintenance_window),
            notice: a.notice,
            excluded_causes: a.excluded_causes.clone(),
        }
    }
}

/// Availability over one period, with how the excluded time breaks down.
///
/// `period_seconds = measured_seconds + excluded_seconds`, and the excluded time is the sum of
/// the window, the planned maintenance and the causes: overlapping time is attributed once,
/// first to the window, then to planned maintenance, then to the causes in
/// [`ExcludedCause::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    /// Length of the measured span `[start, min(end, now))`.
    pub period_seconds: i64,
    /// The period without the excluded time: the denominator.
    pub measured_seconds: i64,
    /// All excluded time (the union of window, announced maintenance and excluded causes).
    pub excluded_seconds: i64,
    /// Excluded as the daily maintenance window.
    pub excluded_window_seconds: i64,
    /// Excluded as planned maintenance announced in time (outside the window).
    pub excluded_planned_seconds: i64,
    /// Excluded per cause (outside the window and announced maintenance), in `ALL` order.
    pub excluded_by_cause: [(ExcludedCause, i64); 4],
    /// Counted downtime: outages without an excluded cause and maintenance announced too late,
    /// merged, minus all excluded time.
    pub counted_downtime_seconds: i64,
    /// The most counted downtime the target permits over the measured time:
    /// `floor(measured × (1 − target))`.
    pub allowed_downtime_seconds: i64,
    /// `allowed − counted`, signed: negative is by how much the target is missed.
    pub remaining_downtime_seconds: i64,
    /// `floor((measured − counted) / measured × 10⁶)`; 1 000 000 when nothing was measured.
    pub availability_ppm: u32,
    /// The target it was measured against, in parts per million.
    pub target_ppm: u32,
    /// Whether the availability reaches the target (`counted ≤ allowed`).
    pub holds: bool,
}

/// Availability over `[span_start, min(span_end, now))` by SLA-RULES §6.
///
/// A month in progress is measured until `now`, and an open outage lasts until `now`.
/// Excluded (from downtime and from the measured time): the daily window, planned maintenance
/// announced in time, and outages classified under a cause in `rules.excluded_causes`.
/// Counted downtime: the union of the other outages and of planned maintenance announced too
/// late (it counts as downtime in itself, with or without an outage record), minus the
/// excluded time, so an outage that overruns the window counts from the window's end.
/// Intervals reaching outside the span are clipped to it; an outage across a month's end
/// counts in each month for its part there. Inverted intervals are empty.
pub fn monthly_availability(
    cal: &Calendar,
    span_start: i64,
    span_end: i64,
    now: i64,
    rules: &AvailabilityRules,
    planned: &[PlannedMaintenance],
    outages: &[Outage],
) -> Availability {
    let from = span_start;
    let to = span_end.min(now).max(from);
    let clip = |s: i64, e: i64| (s.max(from), e.min(to));

    let mut announced = Vec::new();
    let mut down = Vec::new();
    for p in planned {
        if p.counts_as_excluded(cal, &rules.notice) {
            announced.push(clip(p.start, p.end));
        } else {
            down.push(clip(p.start, p.end));
        }
    }
    let mut by_cause: [Vec<(i64, i64)>; 4] = Default::default();
    for o in outages {
        let iv = clip(o.start, o.end.unwrap_or(now));
        match o.cause {
            Some(c) if rules.excluded_causes.contains(&c) => by_cause[c.index()].push(iv),
            _ => down.push(iv),
        }
    }

    let mut excluded = normalize(rules.window.intervals(cal, from, to));
    let excluded_window_seconds = measure(&excluded);
    let announced = normalize(announced);
    let excluded_planned_seconds = measure(&subtract(&announced, &excluded));
    excluded = union(&excluded, &announced);
    let mut excluded_by_cause = [
        (ExcludedCause::ThirdPartyTelecom, 0),
        (ExcludedCause::CustomerMisconfiguration, 0),
        (ExcludedCause::CustomerPremises, 0),
        (ExcludedCause::ForceMajeure, 0),
    ];
    for (slot, ivs) in excluded_by_cause.iter_mut().zip(by_cause) {
        let ivs = normalize(ivs);
        slot.1 = measure(&subtract(&ivs, &excluded));
        excluded = union(&excluded, &ivs);
    }
    let excluded_seconds = measure(&excluded);
    let counted = measure(&subtract(&normalize(down), &excluded));

    let period_seconds = to - from;
    let measured = period_seconds - excluded_seconds;
    let target_ppm = rules.target_ppm.min(PPM);
    let slack = i128::from(PPM - target_ppm);
    let million = i128::from(PPM);
    let allowed = (i128::from(measured) * slack / million) as i64;
    let availability_ppm = if measured > 0 {
        (i128::from(measured - counted) * million / i128::from(measured)) as u32
    } else {
        PPM
    };
    Availability {
        period_seconds,
        measured_seconds: measured,
        excluded_seconds,
        excluded_window_seconds,
        excluded_planned_seconds,
        excluded_by_cause,
        counted_downtime_seconds: counted,
        allowed_downtime_seconds: allowed,
        remaining_downtime_seconds: allowed - counted,
        availability_ppm,
        target_ppm,
        holds: i128::from(counted) * million <= i128::from(measured) * slack,
    }
}

/// Sorted, merged, non-empty intervals.
fn normalize(mut v: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    v.retain(|&(a, b)| a < b);
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The union of two normalized interval sets.
fn union(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    normalize(a.iter().chain(b).copied().collect())
}

/// `a` without `b`, both normalized.
fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &(start, end) in a {
        while j < b.len() && b[j].1 <= start {
            j += 1;
        }
        let mut s = start;
        for &(bs, be) in &b[j..] {
            if bs >= end || s >= end {
                break;
            }
            if bs > s {
                out.push((s, bs));
            }
            s = s.max(be);
        }
        if s < end {
            out.push((s, end));
        }
    }
    out
}

/// Total length of normalized intervals.
fn measure(v: &[(i64, i64)]) -> i64 {
    v.iter().map(|(a, b)| b - a).sum()
}

/// What the outage detector concluded from a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetectorEvent {
    /// An outage began at the first failed probe of the run that opened it.
    Opened {
        /// The first failed probe's time.
        at: i64,
    },
    /// The outage ended at the first good probe of the run that closed it.
    Closed {
        /// The first good probe's time.
        at: i64,
    },
}

/// A detector's persistable state (everything but its thresholds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct DetectorState {
    /// Failed probes in a row while no outage is open.
    pub consecutive_failures: u32,
    /// The first of those failed probes.
    pub first_failure_at: Option<i64>,
    /// Good probes in a row while an outage is open.
    pub consecutive_good: u32,
    /// The first of those good probes.
    pub first_good_at: Option<i64>,
    /// Start of the open outage, if one is open.
    pub open_since: Option<i64>,
}

/// Turns probe results into outages: `fail_after` failures in a row open one (from the first
/// of them), `recover_after` good probes in a row close it (at the first of them).
///
/// Feed probes in time order. A good probe before `fail_after` failures forgets them; a failure
/// during an outage forgets the good run so far. Thresholds of 0 act as 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutageDetector {
    fail_after: u32,
    recover_after: u32,
    state: DetectorState,
}

impl OutageDetector {
    /// A detector with no history.
    pub fn new(fail_after: u32, recover_after: u32) -> OutageDetector {
        OutageDetector::restore(fail_after, recover_after, DetectorState::default())
    }

    /// A detector continuing from a persisted state.
    pub fn restore(fail_after: u32, recover_after: u32, state: DetectorState) -> OutageDetector {
        OutageDetector {
            fail_after: fail_after.max(1),
            recover_after: recover_after.max(1),
            state,
        }
    }

    /// Feeds one probe result; returns the event it causes, if any.
    pub fn feed(&mut self, at: i64, ok: bool) -> Option<DetectorEvent> {
        let st = &mut self.state;
        match (st.open_since, ok) {
            (None, true) => {
                st.consecutive_failures = 0;
                st.first_failure_at = None;
                None
            }
            (None, false) => {
                let first = *st.first_failure_at.get_or_insert(at);
                st.consecutive_failures = st.consecutive_failures.saturating_add(1);
                if st.consecutive_failures < self.fail_after {
                    return None;
                }
                *st = DetectorState {
                    open_since: Some(first),
                    ..DetectorState::default()
                };
                Some(DetectorEvent::Opened { at: first })
            }
            (Some(_), false) => {
                st.consecutive_good = 0;
                st.first_good_at = None;
                None
            }
            (Some(_), true) => {
                let first = *st.first_good_at.get_or_insert(at);
                st.consecutive_good = st.consecutive_good.saturating_add(1);
                if st.consecutive_good < self.recover_after {
                    return None;
                }
                *st = DetectorState::default();
                Some(DetectorEvent::Closed { at: first })
            }
        }
    }

    /// The whole state, to persist and later [`OutageDetector::restore`].
    pub fn state(&self) -> DetectorState {
        self.state
    }

    /// Failures in a row needed to open an outage.
    pub fn fail_after(&self) -> u32 {
        self.fail_after
    }

    /// Good probes in a row needed to close one.
    pub fn recover_after(&self) -> u32 {
        self.recover_after
    }

    /// Failed probes in a row while no outage is open.
    pub fn consecutive_failures(&self) -> u32 {
        self.state.consecutive_failures
    }

    /// The first of the current run of failures, while no outage is open.
    pub fn first_failure_at(&self) -> Option<i64> {
        self.state.first_failure_at
    }

    /// Good probes in a row while an outage is open.
    pub fn consecutive_good(&self) -> u32 {
        self.state.consecutive_good
    }

    /// The first of the current run of good probes, while an outage is open.
    pub fn first_good_at(&self) -> Option<i64> {
        self.state.first_good_at
    }

    /// Start of the open outage, if one is open.
    pub fn open_since(&self) -> Option<i64> {
        self.state.open_since
    }
}

/// A UTC minute, keyed by its first second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinuteBucket(pub i64);

impl MinuteBucket {
    /// The minute an instant lies in.
    pub fn of(at: i64) -> MinuteBucket {
        MinuteBucket(at - at.rem_euclid(60))
    }

    /// Its first second (UTC).
    pub fn start(self) -> i64 {
        self.0
    }
}

/// A local clock hour, keyed by the UTC instant it starts; the hour that repeats when clocks go
/// back is two buckets, told apart by their offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HourBucket {
    /// The hour's first second (UTC): the key.
    pub start: i64,
    /// The UTC offset during the hour, in seconds east of UTC.
    pub offset: i32,
}

impl HourBucket {
    /// The local hour an instant lies in (for time zones whose offsets are whole hours, such as
    /// Europe/Amsterdam, a local hour never straddles an offset change).
    pub fn of(cal: &Calendar, at: i64) -> HourBucket {
        let offset = cal.offset_at_second(at);
        let local = at + i64::from(offset);
        HourBucket {
            start: at - local.rem_euclid(3600),
            offset,
        }
    }

    /// The local civil label with its offset: `2026-10-25 02+02:00`, then `2026-10-25 02+01:00`.
    pub fn label(&self) -> String {
        let local = self.start + i64::from(self.offset);
        let (y, m, d) = civil::civil_from_days(local.div_euclid(DAY));
        let h = local.rem_euclid(DAY) / 3600;
        let sign = if self.offset < 0 { '-' } else { '+' };
        let off = self.offset.unsigned_abs();
        format!(
            "{y:04}-{m:02}-{d:02} {h:02}{sign}{:02}:{:02}",
            off / 3600,
            off % 3600 / 60
        )
    }
}

impl fmt::Display for HourBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}
