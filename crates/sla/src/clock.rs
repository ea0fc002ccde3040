//! SLA clocks: from a ticket's events to clock start, deadlines and outcome per target.

use jiff::Timestamp;

use crate::calendar::{Calendar, CalendarError};
use crate::duration::PolicyDuration;
use crate::policy::{Bound, Measure, Policy};
use crate::ticket::{EventKind, OutcomeKind, Priority, Status, TicketEvent, TicketKind};

/// Where one target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Neither met nor missed yet.
    Running,
    /// Stopped (resolved or answered) by its deadline, at this instant.
    Met {
        /// When the clock was stopped for the last time.
        at: Timestamp,
    },
    /// The deadline passed while the clock ran.
    Missed {
        /// The deadline that passed.
        at: Timestamp,
    },
}

impl Outcome {
    /// The instant the outcome was decided: met when stopped, missed when the deadline passed.
    pub fn decided_at(&self) -> Option<Timestamp> {
        match *self {
            Outcome::Running => None,
            Outcome::Met { at } | Outcome::Missed { at } => Some(at),
        }
    }

    /// The outcome without its instant.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Running => OutcomeKind::Running,
            Outcome::Met { .. } => OutcomeKind::Met,
            Outcome::Missed { .. } => OutcomeKind::Missed,
        }
    }

    /// A stable machine word: `running`, `met` or `missed`.
    pub fn as_str(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// One target's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetClock {
    /// The bound measured.
    pub bound: Bound,
    /// What stops it.
    pub measured_until: Measure,
    /// The business seconds allowed (for calendar spans: those between clock start and due).
    pub budget: i64,
    /// When the time allowed runs out (for a stopped clock with time to spare: where it would
    /// have run out had it gone on from the stop); `None` while paused before running out.
    pub deadline: Option<Timestamp>,
    /// Where it stands.
    pub outcome: Outcome,
    /// Business seconds the clock has run (until stopped, or until now).
    pub business_used: i64,
}

impl TargetClock {
    /// Business seconds left before the deadline (negative once overrun).
    pub fn business_left(&self) -> i64 {
        self.budget - self.business_used
    }
}

/// All clocks of one ticket, as of an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketClocks {
    /// The ticket's kind.
    pub kind: TicketKind,
    /// The current priority (incidents only).
    pub priority: Option<Priority>,
    /// When the ticket was received.
    pub received_at: Timestamp,
    /// When its clocks started.
    pub clock_start: Timestamp,
    /// Whether a status that pauses the clock holds now.
    pub paused: bool,
    /// One clock per bound of the ticket's target set.
    pub targets: Vec<TargetClock>,
}

/// Why clocks could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The history does not start with a creation event.
    #[error("the first event of a ticket must be its creation")]
    NotCreatedFirst,
    /// An incident without a priority.
    #[error("an incident needs a priority")]
    MissingPriority,
    /// The calendar could not answer.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Stretches in which a clock ran: `[from, to)`, the last open-ended (`None`) when running now.
type Runs = Vec<(i64, Option<i64>)>;

/// The state of a ticket's history at one moment.
#[derive(Clone, Copy)]
struct State {
    status: Status,
    answered: bool,
}

/// Computes every clock of a ticket from its events as of `now` (events after `now` are ignored).
///
/// The targets of the current priority apply, measured from the clock start; time in which
/// the ticket was resolved (before a reopening) or in a pausing status does not count.
pub fn compute(
    events: &[TicketEvent],
    policy: &Policy,
    calendar: &Calendar,
    now: Timestamp,
) -> Result<TicketClocks, ClockError> {
    let mut sorted: Vec<&TicketEvent> = events.iter().filter(|e| e.at <= now).collect();
    sorted.sort_by_key(|e| e.at);
    let (created, rest) = sorted.split_first().ok_or(ClockError::NotCreatedFirst)?;
    let EventKind::Created { kind, priority } = created.kind else {
        return Err(ClockError::NotCreatedFirst);
    };
    let mut priority = match (kind, priority) {
        (TicketKind::Incident, None) => return Err(ClockError::MissingPriority),
        (TicketKind::Incident, p) => p,
        _ => None,
    };
    let received = created.at.as_second();
    let start = calendar.clock_start_second(received)?;
    let now_s = now.as_second();

    // Runs for both measures: resolution runs, and first-response runs that end for good
    // at the first response or resolution.
    let paused = |s: Status| policy.pause_statuses.contains(&s);
    let stopped = |s: Status| !s.is_open();
    let mut state = State {
        status: Status::New,
        answered: false,
    };
    let mut resolution = Runs::new();
    let mut response = Runs::new();
    let mut last_stop = None;
    let mut first_stop = None;
    let runs_res = |s: State| !stopped(s.status) && !paused(s.status);
    let runs_resp = |s: State| runs_res(s) && !s.answered;
    let change = |runs: &mut Runs, was: bool, is: bool, at: i64| {
        let at = at.max(start);
        if !was && is {
            runs.push((at, None));
        } else if was
            && !is
            && let Some(last) = runs.last_mut()
        {
            last.1 = Some(at);
        }
    };
    change(&mut resolution, false, true, start);
    change(&mut response, false, true, start);
    for e in rest {
        let before = state;
        match e.kind {
            EventKind::Created { .. } => {}
            EventKind::PriorityChanged { to } => {
                if kind == TicketKind::Incident {
                    priority = Some(to);
                }
            }
            EventKind::StatusChanged { to } => state.status = to,
            EventKind::Responded => state.answered = true,
            EventKind::Resolved => state.status = Status::Resolved,
            EventKind::Reopened => state.status = Status::Reopened,
        }
        if stopped(state.status) {
            state.answered = true;
        }
        let at = e.at.as_second();
        if !stopped(before.status) && stopped(state.status) {
            last_stop = Some(at);
        }
        if !before.answered && state.answered {
            first_stop = Some(at);
        }
        change(&mut resolution, runs_res(before), runs_res(state), at);
        change(&mut response, runs_resp(before), runs_resp(state), at);
    }

    let priority_for_targets = priority.unwrap_or(Priority::Normal);
    let set = policy.targets.for_ticket(kind, priority_for_targets);
    let (runs, stop) = match set.measured_until {
        Measure::Resolution => (&resolution, last_stop.filter(|_| stopped(state.status))),
        Measure::FirstResponse => (&response, first_stop),
    };
    let used = business_in(calendar, runs, now_s)?;
    let mut targets = Vec::with_capacity(set.bounds.len());
    for bound in &set.bounds {
        let budget = calendar.budget_second(start, &bound.within)?;
        let mut deadline = match (walk(calendar, runs, budget)?, stop) {
            // Stopped with time to spare: where the time would have run out from the stop on.
            (None, Some(r)) if used < budget => Some(calendar.deadline_second(r, budget - used)?),
            (d, _) => d,
        };
        if !matches!(bound.within, PolicyDuration::Business(_)) {
            // Calendar spans that end outside the windows move forward to the next opening.
            deadline = deadline
                .map(|d| calendar.clock_start_second(d))
                .transpose()?;
        }
        let outcome = match (stop, deadline) {
            (Some(r), None) => Outcome::Met { at: ts(r)? },
            (Some(r), Some(d)) if r <= d => Outcome::Met { at: ts(r)? },
            (_, Some(d)) if now_s > d => Outcome::Missed { at: ts(d)? },
            _ => Outcome::Running,
        };
        targets.push(TargetClock {
            bound: *bound,
            measured_until: set.measured_until,
            budget,
            deadline: deadline.map(ts).transpose()?,
            outcome,
            business_used: used,
        });
    }
    Ok(TicketClocks {
        kind,
        priority,
        received_at: created.at,
        clock_start: ts(start)?,
        paused: paused(state.status),
        targets,
    })
}

/// Business seconds inside the runs, up to `now`.
fn business_in(cal: &Calendar, runs: &Runs, now: i64) -> Result<i64, CalendarError> {
    let mut total = 0;
    for &(a, b) in runs {
        let b = b.unwrap_or(now).min(now);
        if b > a {
            total += cal.elapsed_seconds(a, b)?;
        }
    }
    Ok(total)
}

/// The instant at which the runs have used `budget` business seconds, if they do.
fn walk(cal: &Calendar, runs: &Runs, budget: i64) -> Result<Option<i64>, CalendarError> {
    let mut used = 0;
    for &(a, b) in runs {
        let avail = match b {
            Some(b) => cal.elapsed_seconds(a, b)?,
            None => i64::MAX,
        };
        if used + avail.min(i64::MAX - used) >= budget {
            return cal.deadline_second(a, budget - used).map(Some);
        }
        used += avail;
    }
    Ok(None)
}

fn ts(s: i64) -> Result<Timestamp, CalendarError> {
    Timestamp::from_second(s).map_err(|_| CalendarError::OutOfRange(format!("{s} s")))
}
