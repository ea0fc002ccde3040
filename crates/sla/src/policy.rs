//! The agreement as data: its model, and the TOML file format that describes it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, CalendarSpec, WEEKDAYS, Window};
use crate::compensation::MonthWithoutOverrun;
use crate::duration::PolicyDuration;
use crate::holidays::{HolidayRules, HolidaySet, LiberationDay};
use crate::ical;
use crate::ticket::{Priority, Status, TicketKind};

/// The standard agreement of the SLA text, as a policy file.
pub const STANDARD_POLICY: &str = include_str!("standard.toml");

/// A share in basis points: 9000 is 90%, 9950 is 99.5%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    /// A share from basis points (hundredths of a percent), at most 10 000.
    pub fn from_basis_points(bp: u32) -> Option<Percent> {
        (bp <= 10_000).then_some(Percent(bp))
    }

    /// Basis points (hundredths of a percent).
    pub fn basis_points(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(100) {
            write!(f, "{}%", self.0 / 100)
        } else if self.0.is_multiple_of(10) {
            write!(f, "{}.{}%", self.0 / 100, self.0 % 100 / 10)
        } else {
            write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
        }
    }
}

/// One percentile bound: `percent` of the tickets within `within`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The share of tickets that must meet it.
    pub percent: Percent,
    /// The time allowed.
    pub within: PolicyDuration,
}

/// What stops a target's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The resolution (a reopened ticket continues its clock).
    Resolution,
    /// The first substantive response by the service desk (or the resolution, if earlier).
    FirstResponse,
}

/// The bounds of one ticket kind (and priority), and what they measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSet {
    /// What stops the clock.
    pub measured_until: Measure,
    /// The bounds, by ascending percent.
    pub bounds: Vec<Bound>,
}

/// All targets of an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Incident targets per priority, in the order of [`Priority::ALL`].
    pub incident: [TargetSet; 4],
    /// User-support question targets.
    pub question: TargetSet,
    /// Request-for-change targets.
    pub rfc: TargetSet,
}

impl Targets {
    /// The target set for a ticket kind and (for incidents) priority.
    pub fn for_ticket(&self, kind: TicketKind, priority: Priority) -> &TargetSet {
        match kind {
            TicketKind::Incident => &self.incident[priority_index(priority)],
            TicketKind::Question => &self.question,
            TicketKind::Rfc => &self.rfc,
        }
    }
}

/// Position of a priority in [`Priority::ALL`].
pub fn priority_index(p: Priority) -> usize {
    match p {
        Priority::Urgent => 0,
        Priority::High => 1,
        Priority::Normal => 2,
        Priority::Low => 3,
    }
}

pub use crate::availability::ExcludedCause;

/// Availability promises (SLA §8.2, §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    /// Minimum availability per calendar month.
    pub target: Percent,
    /// Daily maintenance window in local time, not counted.
    pub maintenance_window: Window,
    /// How long before planned maintenance it must be announced.
    pub notice: PolicyDuration,
    /// Outage causes that are not counted.
    pub excluded_causes: Vec<ExcludedCause>,
}

/// The compensation ladder (SLA §6.2, SLA-RULES §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compensation {
    /// Time between an incident consultation (or a follow-up) and the next follow-up.
    pub follow_up_after: PolicyDuration,
    /// Follow-ups without progress before a discount may be claimed.
    pub follow_ups_before_entitlement: u32,
    /// Calendar months after the consultation before a discount may be claimed.
    pub months_before_entitlement: u32,
    /// The first discount, and the rise per further overrun month, in percent.
    pub step_percent: u32,
    /// The highest discount, in percent.
    pub cap_percent: u32,
    /// What a complete month without overrun does to a running discount.
    pub month_without_overrun: MonthWithoutOverrun,
    /// The monthly subscription fee in euro cents, when the agreement states it.
    pub monthly_fee_cents: Option<u64>,
}

impl Default for Compensation {
    /// The SLA's ladder: a follow-up a month later, 2 follow-ups and 3 months, 5% a month up to
    /// 50%, ended by the first month without overrun; no fee stated.
    fn default() -> Self {
        Compensation {
            follow_up_after: PolicyDuration::Months(1),
            follow_ups_before_entitlement: 2,
            months_before_entitlement: 3,
            step_percent: 5,
            cap_percent: 50,
            month_without_overrun: MonthWithoutOverrun::Ends,
            monthly_fee_cents: None,
        }
    }
}

/// A whole agreement: calendar, targets, clock rules, availability, people and compensation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// A name for people.
    pub name: String,
    /// The service window the clocks count in.
    pub calendar: CalendarSpec,
    /// The targets.
    pub targets: Targets,
    /// Statuses that pause the clocks (none by default).
    pub pause_statuses: Vec<Status>,
    /// Availability promises.
    pub availability: Availability,
    /// Most customer administrators (MEXTRA-beheerders) per customer.
    pub max_administrators: u32,
    /// The compensation ladder.
    pub compensation: Compensation,
}

/// Where and why a policy file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}: {message}")]
pub struct PolicyError {
    /// The file (or a name for the text).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The dotted key at fault, e.g. `targets.incident.urgent[0].within`.
    pub key: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

/// Reads a file a policy refers to (an iCalendar file of closed dates); pure callers pass a map.
pub type FileReader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

impl Policy {
    /// The standard agreement of the SLA text.
    pub fn standard() -> Result<Policy, PolicyError> {
        let base = Policy::empty();
        base.overlay(STANDARD_POLICY, "standard.toml", &|_| {
            Err("the standard agreement reads no files".into())
        })
    }

    fn empty() -> Policy {
        let empty_set = || TargetSet {
            measured_until: Measure::Resolution,
            bounds: Vec::new(),
        };
        Policy {
            name: String::new(),
            calendar: CalendarSpec::service_window_1(),
            targets: Targets {
                incident: [empty_set(), empty_set(), empty_set(), empty_set()],
                question: empty_set(),
                rfc: empty_set(),
            },
            pause_statuses: Vec::new(),
            availability: Availability {
                target: Percent(10_000),
                maintenance_window: Window::SERVICE_WINDOW_1,
                notice: PolicyDuration::Business(0),
                excluded_causes: Vec::new(),
            },
            max_administrators: 0,
            compensation: Compensation::default(),
        }
    }

    /// This policy with the parts a policy file states replaced by the file's values.
    /// `file` names the text in errors; `read` loads files the text refers to.
    pub fn overlay(
        &self,
        text: &str,
        file: &str,
        read: FileReader<'_>,
    ) -> Result<Policy, PolicyError> {
        let err_at = |span: Option<std::ops::Range<usize>>, key: String, message: String| {
            let (line, column) = span.map_or((0, 0), |s| line_col(text, s.start));
            PolicyError {
                file: file.to_string(),
                line,
                column,
                key,
                message,
            }
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| err_at(e.span(), "(syntax)".into(), first_line(e.message())))?;
        let parsed: PolicyFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            err_at(inner.span(), key, first_line(inner.message()))
        })?;
        let mut p = self.clone();
        parsed
            .apply(&mut p, read)
            .map_err(|(key, span, message)| err_at(span, key, message))?;
        p.validate()
            .map_err(|(key, message)| err_at(find_key(text, &key), key, message))?;
        Ok(p)
    }

    /// Compiles the policy's calendar.
    pub fn compile_calendar(&self) -> Result<Calendar, CalendarError> {
        Calendar::new(self.calendar.clone())
    }

    fn validate(&self) -> Result<(), (String, String)> {
        if self.name.trim().is_empty() {
            return Err(("name".into(), "an agreement needs a name".into()));
        }
        let sets = Priority::ALL
            .iter()
            .map(|p| {
                (
                    format!("targets.incident.{p}"),
                    self.targets.for_ticket(TicketKind::Incident, *p),
                )
            })
            .chain([
                (
                    "targets.question.bounds".to_string(),
                    &self.targets.question,
                ),
                ("targets.rfc.bounds".to_string(), &self.targets.rfc),
            ]);
        for (key, set) in sets {
            if set.bounds.is_empty() {
                return Err((key, "at least one bound is needed, e.g. [{ percent = 100, within = \"5 working_days\" }]".into()));
            }
            for pair in set.bounds.windows(2) {
                if pair[0].percent >= pair[1].percent {
                    return Err((
                        key,
                        "bounds must be listed by strictly ascending percent".into(),
                    ));
                }
            }
        }
        if let Err(e) = self.compile_calendar() {
            let key = match &e {
                CalendarError::UnknownTimeZone(_) => "calendar.time_zone".to_string(),
                CalendarError::OverlappingWindows { day, .. } => format!("calendar.windows.{day}"),
                CalendarError::NeverOpen => "calendar.windows".to_string(),
                _ => "calendar".to_string(),
            };
            let hint = match &e {
                CalendarError::UnknownTimeZone(_) => {
                    "; expected an IANA name such as \"Europe/Amsterdam\""
                }
                _ => "",
            };
            return Err((key, format!("{e}{hint}")));
        }
        if let Some(d) = self
            .calendar
            .closed_dates
            .intersection(&self.calendar.open_dates)
            .next()
        {
            return Err((
                "calendar.open_dates".into(),
                format!("{d} is listed both as closed and as open"),
            ));
        }
        let c = &self.compensation;
        if c.step_percent > c.cap_percent || c.cap_percent > 100 {
            return Err((
                "compensation.cap_percent".into(),
                format!(
                    "the cap ({}) must lie between the step ({}) and 100",
                    c.cap_percent, c.step_percent
                ),
            ));
        }
        Ok(())
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let last_line = before.rfind('\n').map_or(before, |nl| &before[nl + 1..]);
    let column = last_line.chars().count() + 1;
    (line, column)
}

/// Location of a dotted key (`targets.rfc.bounds`, `calendar.windows.monday`) in the text,
/// following table headers; falls back to the nearest enclosing table that is present.
fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let want: Vec<&str> = key
        .split('.')
        .map(|k| k.split('[').next().unwrap_or(k))
        .collect();
    let mut best: Option<(usize, std::ops::Range<usize>)> = None;
    let mut table: Vec<String> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let col = offset + line.len() - t.len();
        let code = t.split('#').next().unwrap_or("").trim_end();
        let path: Option<Vec<String>> = if let Some(h) = code.strip_prefix('[') {
            table = h
                .trim_end_matches(']')
                .split('.')
                .map(|p| p.trim().to_string())
                .collect();
            Some(table.clone())
        } else {
            code.split_once('=').map(|(k, _)| {
                let mut p = table.clone();
                p.extend(k.split('.').map(|p| p.trim().to_string()));
                p
            })
        };
        if let Some(p) = path {
            let depth = p
                .iter()
                .zip(&want)
                .take_while(|(a, b)| a.as_str() == **b)
                .count();
            let full = depth == want.len() && p.len() == want.len();
            if depth == p.len() && best.as_ref().is_none_or(|(d, _)| depth > *d || full) {
                best = Some((depth, col..col + code.len()));
            }
        }
        offset += line.len();
    }
    best.map(|(_, r)| r)
}

type ApplyError = (String, Option<std::ops::Range<usize>>, String);

/// The policy file: every key optional, so a customer file states only what differs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    name: Option<String>,
    calendar: Option<CalendarFile>,
    clock: Option<ClockFile>,
    targets: Option<TargetsFile>,
    availability: Option<AvailabilityFile>,
    people: Option<PeopleFile>,
    compensation: Option<CompensationFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    time_zone: Option<String>,
    holidays: Option<HolidaySet>,
    liberation_day: Option<LiberationDay>,
    good_friday: Option<bool>,
    windows: Option<WindowsFile>,
    closed_dates: Option<Vec<DateText>>,
    open_dates: Option<Vec<DateText>>,
    closed_dates_ics: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowsFile {
    monday: Option<Vec<Window>>,
    tuesday: Option<Vec<Window>>,
    wednesday: Option<Vec<Window>>,
    thursday: Option<Vec<Window>>,
    friday: Option<Vec<Window>>,
    saturday: Option<Vec<Window>>,
    sunday: Option<Vec<Window>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockFile {
    pause_statuses: Option<Vec<Status>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    incident: Option<IncidentTargetsFile>,
    question: Option<TargetSetFile>,
    rfc: Option<TargetSetFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentTargetsFile {
    measured_until: Option<Measure>,
    urgent: Option<Vec<BoundFile>>,
    high: Option<Vec<BoundFile>>,
    normal: Option<Vec<BoundFile>>,
    low: Option<Vec<BoundFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSetFile {
    measured_until: Option<Measure>,
    bounds: Option<Vec<BoundFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundFile {
    percent: Percent,
    within: PolicyDuration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityFile {
    target_percent: Option<Percent>,
    maintenance_window: Option<Window>,
    notice: Option<PolicyDuration>,
    excluded_causes: Option<Vec<ExcludedCause>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeopleFile {
    max_administrators: Option<u32>,
}

/// The `[compensation]` table; the aliases are the names these keys had before the ladder was
/// computed, so agreements stored with them still read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompensationFile {
    follow_up_after: Option<PolicyDuration>,
    #[serde(alias = "follow_ups_before_discount")]
    follow_ups_before_entitlement: Option<u32>,
    months_before_entitlement: Option<u32>,
    #[serde(alias = "discount_step_percent")]
    step_percent: Option<u32>,
    #[serde(alias = "discount_max_percent")]
    cap_percent: Option<u32>,
    month_without_overrun: Option<MonthWithoutOverrun>,
    monthly_fee_cents: Option<u64>,
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn bounds(v: Vec<BoundFile>) -> Vec<Bound> {
    v.into_iter()
        .map(|b| Bound {
            percent: b.percent,
            within: b.within,
        })
        .collect()
}

impl PolicyFile {
    fn apply(self, p: &mut Policy, read: FileReader<'_>) -> Result<(), ApplyError> {
        set(&mut p.name, self.name);
        if let Some(c) = self.calendar {
            let cal = &mut p.calendar;
            set(&mut cal.time_zone, c.time_zone);
            let rules: &mut HolidayRules = &mut cal.holidays;
            set(&mut rules.set, c.holidays);
            set(&mut rules.liberation_day, c.liberation_day);
            set(&mut rules.good_friday, c.good_friday);
            if let Some(w) = c.windows {
                let days = [
                    w.monday,
                    w.tuesday,
                    w.wednesday,
                    w.thursday,
                    w.friday,
                    w.saturday,
                    w.sunday,
                ];
                for (slot, day) in cal.weekly.iter_mut().zip(days) {
                    set(slot, day);
                }
            }
            if let Some(dates) = c.closed_dates {
                cal.closed_dates = dates.into_iter().map(|d| d.0).collect();
            }
            if let Some(dates) = c.open_dates {
                cal.open_dates = dates.into_iter().map(|d| d.0).collect();
            }
            if let Some(path) = c.closed_dates_ics {
                let span = Some(path.span());
                let key = "calendar.closed_dates_ics".to_string();
                let text = read(path.get_ref()).map_err(|e| {
                    (
                        key.clone(),
                        span.clone(),
                        format!("cannot read `{}`: {e}", path.get_ref()),
                    )
                })?;
                let dates: BTreeSet<Date> = ical::closed_dates(&text)
                    .map_err(|e| (key, span, format!("in `{}`: {e}", path.get_ref())))?;
                cal.closed_dates.extend(dates);
            }
        }
        if let Some(c) = self.clock {
            set(&mut p.pause_statuses, c.pause_statuses);
        }
        if let Some(t) = self.targets {
            if let Some(i) = t.incident {
                let per = [i.urgent, i.high, i.normal, i.low];
                for (slot, b) in p.targets.incident.iter_mut().zip(per) {
                    set(&mut slot.measured_until, i.measured_until);
                    set(&mut slot.bounds, b.map(bounds));
                }
            }
            for (slot, file) in [
                (&mut p.targets.question, t.question),
                (&mut p.targets.rfc, t.rfc),
            ] {
                if let Some(f) = file {
                    set(&mut slot.measured_until, f.measured_until);
                    set(&mut slot.bounds, f.bounds.map(bounds));
                }
            }
        }
        if let Some(a) = self.availability {
            let av = &mut p.availability;
            set(&mut av.target, a.target_percent);
            set(&mut av.maintenance_window, a.maintenance_window);
            set(&mut av.notice, a.notice);
            set(&mut av.excluded_causes, a.excluded_causes);
        }
        if let Some(pe) = self.people {
            set(&mut p.max_administrators, pe.max_administrators);
        }
        if let Some(c) = self.compensation {
            let co = &mut p.compensation;
            set(&mut co.follow_up_after, c.follow_up_after);
            set(
                &mut co.follow_ups_before_entitlement,
                c.follow_ups_before_entitlement,
            );
            set(
                &mut co.months_before_entitlement,
                c.months_before_entitlement,
            );
            set(&mut co.step_percent, c.step_percent);
            set(&mut co.cap_percent, c.cap_percent);
            set(&mut co.month_without_overrun, c.month_without_overrun);
            set(&mut co.monthly_fee_cents, c.monthly_fee_cents.map(Some));
        }
        Ok(())
    }
}

/// A TOML basic string with every character that needs it escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Deserializes a type through its `FromStr`, with `expecting` as the description.
macro_rules! deserialize_via_from_str {
    ($ty:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        s.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

deserialize_via_from_str!(
    PolicyDuration,
    "a duration as a string such as \"4 hours\", \"2 working_days\", \"2 weeks\" or \"1 month\""
);
deserialize_via_from_str!(Window, "a window as a string such as \"09:00-17:30\"");

/// A civil date written as a quoted `YYYY-MM-DD` string.
#[derive(Debug)]
struct DateText(Date);

impl FromStr for DateText {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        ok.then(|| Date::from_str(s).ok())
            .flatten()
            .map(DateText)
            .ok_or_else(|| {
                format!("`{s}` is not a date; expected YYYY-MM-DD such as \"2026-12-24\"")
            })
    }
}

deserialize_via_from_str!(DateText, "a date as a quoted string such as \"2026-12-24\"");

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a percentage above 0 and at most 100, such as 90 or 99.5")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Percent, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Percent, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Percent, E> {
                let bp = (v * 100.0).round();
                if !(v > 0.0 && v <= 100.0) || (v * 100.0 - bp).abs() > 1e-6 {
                    return Err(E::custom(format!(
                        "{v} is not allowed; a percentage lies above 0 and at most 100, with at most two decimals"
                    )));
                }
                Ok(Percent(bp as u32))
            }
        }
        d.deserialize_any(V)
    }
}

impl Policy {
    /// The policy as a complete policy file (the inverse of [`Policy::overlay`] on an empty base).
    pub fn to_toml(&self) -> String {
        use std::fmt::Write;
        let q = |s: &str| toml_string(s);
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        let bounds = |b: &[Bound]| {
            list(
                b.iter()
                    .map(|b| {
                        format!(
                            "{{ percent = {}, within = {} }}",
                            b.percent.to_string().trim_end_matches('%'),
                            q(&b.within.to_string())
                        )
                    })
                    .collect(),
            )
        };
        let measure = |m: Measure| match m {
            Measure::Resolution => "\"resolution\"",
            Measure::FirstResponse => "\"first_response\"",
        };
        let mut s = String::new();
        let c = &self.calendar;
        let _ = writeln!(
            s,
            "name = {}\n\n[calendar]\ntime_zone = {}",
            q(&self.name),
            q(&c.time_zone)
        );
        let _ = writeln!(
            s,
            "holidays = \"{}\"\nliberation_day = \"{}\"\ngood_friday = {}",
            match c.holidays.set {
                HolidaySet::Nl => "nl",
                HolidaySet::None => "none",
            },
            match c.holidays.liberation_day {
                LiberationDay::EveryYear => "every_year",
                LiberationDay::Lustrum => "lustrum",
                LiberationDay::Never => "never",
            },
            c.holidays.good_friday
        );
        let dates = |d: &BTreeSet<Date>| list(d.iter().map(|d| q(&d.to_string())).collect());
        let _ = writeln!(
            s,
            "closed_dates = {}\nopen_dates = {}\n\n[calendar.windows]",
            dates(&c.closed_dates),
            dates(&c.open_dates)
        );
        for (day, w) in WEEKDAYS.iter().zip(&c.weekly) {
            let _ = writeln!(
                s,
                "{day} = {}",
                list(w.iter().map(|w| q(&w.to_string())).collect())
            );
        }
        let _ = writeln!(
            s,
            "\n[clock]\npause_statuses = {}\n\n[targets.incident]\nmeasured_until = {}",
            list(self.pause_statuses.iter().map(|p| q(p.as_str())).collect()),
            measure(self.targets.incident[0].measured_until)
        );
        for (p, set) in Priority::ALL.iter().zip(&self.targets.incident) {
            let _ = writeln!(s, "{p} = {}", bounds(&set.bounds));
        }
        for (name, set) in [
            ("question", &self.targets.question),
            ("rfc", &self.targets.rfc),
        ] {
            let _ = writeln!(
                s,
                "\n[targets.{name}]\nmeasured_until = {}\nbounds = {}",
                measure(set.measured_until),
                bounds(&set.bounds)
            );
        }
        let a = &self.availability;
        let causes = a
            .excluded_causes
            .iter()
            .map(|c| match c {
                ExcludedCause::ThirdPartyTelecom => q("third_party_telecom"),
                ExcludedCause::CustomerMisconfiguration => q("customer_misconfiguration"),
                ExcludedCause::CustomerPremises => q("customer_premises"),
                ExcludedCause::ForceMajeure => q("force_majeure"),
            })
            .collect();
        let _ = writeln!(
            s,
            "\n[availability]\ntarget_percent = {}\nmaintenance_window = {}\nnotice = {}\nexcluded_causes = {}",
            a.target.to_string().trim_end_matches('%'),
            q(&a.maintenance_window.to_string()),
            q(&a.notice.to_string()),
            list(causes)
        );
        let co = &self.compensation;
        let _ = writeln!(
            s,
            "\n[people]\nmax_administrators = {}\n\n[compensation]\nfollow_up_after = {}\nfollow_ups_before_entitlement = {}\nmonths_before_entitlement = {}\nstep_percent = {}\ncap_percent = {}\nmonth_without_overrun = {}",
            self.max_administrators,
            q(&co.follow_up_after.to_string()),
            co.follow_ups_before_entitlement,
            co.months_before_entitlement,
            co.step_percent,
            co.cap_percent,
            q(co.month_without_overrun.as_str())
        );
        // A file cannot state "no fee": an agreement without one leaves the key out.
        if let Some(fee) = co.monthly_fee_cents {
            let _ = writeln!(s, "monthly_fee_cents = {fee}");
        }
        s
    }
}
