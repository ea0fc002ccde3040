//! The escalation per customer: request, consultation, follow-ups, entitlement, claim and the
//! discount ladder, as a value whose transitions check the rules of SLA-RULES §7.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::calendar::{Calendar, CalendarError, date_days};
use crate::civil::{self, DAY};
use crate::compliance::Month;
use crate::duration::PolicyDuration;
use crate::policy::Compensation;

use super::overrun::{MonthVerdict, MonthWithoutOverrun};

/// Who made a request or a claim for the customer, and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Act {
    /// When it was made.
    pub at: Timestamp,
    /// The customer administrator who made it.
    pub by: String,
    /// The service-desk person who recorded it on the administrator's behalf (e.g. a request
    /// made by phone), if it was not filed by the administrator directly.
    pub recorded_by: Option<String>,
}

/// A request for an interim incident consultation (tussentijds incidentoverleg).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    /// Who requested it, and when.
    pub made: Act,
    /// The overrun months it is about, in order, each once.
    pub months: Vec<Month>,
}

/// A follow-up meeting's decision as the people in it took it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowUpRecord {
    /// The date the follow-up was held.
    pub held_on: Date,
    /// Whether the meeting found progress.
    pub progress: bool,
    /// Who recorded the decision.
    pub recorded_by: String,
    /// Why the meeting decided so.
    pub why: String,
}

/// A follow-up as recorded in the escalation, with the value the system proposed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowUp {
    /// The date the follow-up was held.
    pub held_on: Date,
    /// Whether the meeting found progress.
    pub progress: bool,
    /// The value the system proposed (progress when the month before was not an overrun month).
    pub proposed: bool,
    /// Who recorded the decision.
    pub recorded_by: String,
    /// Why the meeting decided so.
    pub why: String,
}

/// An escalation between its consultation and a claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Consulting {
    /// The request that started it.
    pub request: Request,
    /// The date of the consultation.
    pub consultation: Date,
    /// The follow-ups held so far, in order; all recorded no progress.
    pub follow_ups: Vec<FollowUp>,
    /// The date the next follow-up is planned for.
    pub next_follow_up: Date,
    /// The latest overrun month the escalation knows of.
    pub last_overrun: Month,
}

impl Consulting {
    fn last_meeting(&self) -> Date {
        self.follow_ups
            .last()
            .map_or(self.consultation, |f| f.held_on)
    }
}

/// The customer's claim of a discount.
pub type Claim = Act;

/// An escalation whose discount has been claimed: the ladder runs by complete months.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Discounting {
    /// The request that started it.
    pub request: Request,
    /// The date of the consultation.
    pub consultation: Date,
    /// The follow-ups held before the claim.
    pub follow_ups: Vec<FollowUp>,
    /// The claim.
    pub claim: Claim,
    /// The percentage of the latest discount given.
    pub percent: u32,
    /// The next complete month that decides a discount.
    pub next_month: Month,
    /// The latest overrun month the escalation knows of.
    pub last_overrun: Month,
}

/// Where a customer's escalation stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Stage {
    /// No escalation is running.
    #[default]
    Idle,
    /// A consultation has been requested and not yet held.
    Requested(Request),
    /// The consultation has been held; follow-ups run until progress or a claim.
    Consulting(Consulting),
    /// A discount has been claimed; each complete month decides the next invoice's discount.
    Discounting(Discounting),
}

impl Stage {
    /// A description for people, used in refusals.
    pub fn describe(&self) -> &'static str {
        match self {
            Stage::Idle => "no escalation is running",
            Stage::Requested(_) => "a consultation has been requested and not yet held",
            Stage::Consulting(_) => "the consultation has been held and no discount claimed",
            Stage::Discounting(_) => "a discount has been claimed",
        }
    }
}

/// How an escalation ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// A follow-up recorded progress.
    Progress {
        /// The date of that follow-up.
        held_on: Date,
    },
    /// A complete month after the claim was not an overrun month (policy `ends`).
    MonthWithoutOverrun {
        /// That month.
        month: Month,
    },
    /// It was closed by hand (e.g. a withdrawn request, or an agreement between the parties).
    Closed {
        /// When.
        at: Timestamp,
        /// Who closed it.
        by: String,
        /// Why.
        reason: String,
    },
}

/// The end of the latest escalation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ended {
    /// How it ended.
    pub how: EndReason,
    /// The last month it dealt with: a new request must be about later overrun months.
    pub settled_through: Month,
}

/// A discount the escalation gives on one monthly subscription invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Discount {
    /// The month of the subscription invoice it is on.
    pub invoice_month: Month,
    /// The percentage, in whole percent.
    pub percent: u32,
    /// The overrun month it rests on.
    pub rests_on: Month,
}

/// Why an escalation refused a transition: the rule, and what it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompensationError {
    /// The step does not fit where the escalation stands.
    #[error("cannot {action}: {stage}; this needs {needs} (SLA-RULES §7)")]
    OutOfOrder {
        /// What was attempted.
        action: &'static str,
        /// Where the escalation stands.
        stage: &'static str,
        /// What the step needs.
        needs: &'static str,
    },
    /// A request while an escalation is running.
    #[error(
        "a consultation cannot be requested while an escalation is running ({stage}); a new request starts only after it has ended"
    )]
    AlreadyRunning {
        /// Where the running escalation stands.
        stage: &'static str,
    },
    /// A request that names no month.
    #[error("a request names the overrun month(s) it is about, and this one names none")]
    NoMonthNamed,
    /// A request names a month that was not an overrun month.
    #[error(
        "{month} is not an overrun month: every incident resolution target held; a consultation can be requested only after an overrun month"
    )]
    NotAnOverrunMonth {
        /// The month.
        month: Month,
    },
    /// A month is used before it has ended.
    #[error(
        "{month} has not ended yet (it ends at {ends_at}); a month is judged only after it has ended"
    )]
    MonthNotEnded {
        /// The month.
        month: Month,
        /// When it ends.
        ends_at: Timestamp,
    },
    /// A request names a month an earlier escalation already dealt with.
    #[error(
        "{month} was dealt with by the escalation that ended ({settled_through} and before); a new request is about a later overrun"
    )]
    AlreadySettled {
        /// The month named.
        month: Month,
        /// The last month the ended escalation dealt with.
        settled_through: Month,
    },
    /// A step dated before the step it follows.
    #[error("the {what} on {on} cannot lie before {previous}, the date of the step it follows")]
    BeforePrevious {
        /// The step.
        what: &'static str,
        /// Its date.
        on: Date,
        /// The date of the step before it.
        previous: Date,
    },
    /// A follow-up held on the same day as (or before) the meeting it follows.
    #[error("the follow-up on {on} must lie after {previous}, the date of the meeting it follows")]
    FollowUpTooSoon {
        /// Its date.
        on: Date,
        /// The date of the meeting before it.
        previous: Date,
    },
    /// A month verdict for another month than the rule asks for.
    #[error("{got} was given, but this step is decided by {expected}")]
    WrongMonth {
        /// The month the rule asks for.
        expected: Month,
        /// The month given.
        got: Month,
    },
    /// A claim before enough follow-ups recorded no progress.
    #[error(
        "no discount can be claimed yet: {held} follow-up(s) recorded no progress, and the agreement asks for {needed}"
    )]
    TooFewFollowUps {
        /// Follow-ups held without progress.
        held: usize,
        /// Follow-ups the agreement asks for.
        needed: u32,
    },
    /// A claim before enough calendar months have passed since the consultation.
    #[error(
        "no discount can be claimed yet: {months} calendar month(s) must pass since the consultation of {consultation}, so from {from}"
    )]
    TooEarly {
        /// The consultation date.
        consultation: Date,
        /// Months the agreement asks for.
        months: u32,
        /// The first date a claim is possible.
        from: Date,
    },
    /// A second claim in one escalation.
    #[error(
        "a discount was already claimed in this escalation; it now rises or ends by complete months"
    )]
    AlreadyClaimed,
    /// A person or a reason is missing.
    #[error("{0} must be named")]
    Unnamed(&'static str),
    /// A date lies outside what the calendar covers.
    #[error("a date {0} days from 1970-01-01 lies outside the supported range")]
    DateOutOfRange(i64),
    /// The calendar could not answer.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// A customer's escalation (SLA §6.2): the stage it is in, and how the latest one ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Escalation {
    stage: Stage,
    ended: Option<Ended>,
}

/// The date of a day number since 1970-01-01.
fn to_date(day: i64) -> Result<Date, CompensationError> {
    let (y, m, d) = civil::civil_from_days(day);
    let y = i16::try_from(y).map_err(|_| CompensationError::DateOutOfRange(day))?;
    Date::new(y, m as i8, d as i8).map_err(|_| CompensationError::DateOutOfRange(day))
}

/// The local day number of an instant.
fn local_day(cal: &Calendar, t: Timestamp) -> i64 {
    cal.utc_to_local(t.as_second()).div_euclid(DAY)
}

fn month_of(date: Date) -> Month {
    Month {
        year: date.year(),
        month: date.month(),
    }
}

fn named(s: &str, what: &'static str) -> Result<(), CompensationError> {
    if s.trim().is_empty() {
        Err(CompensationError::Unnamed(what))
    } else {
        Ok(())
    }
}

fn check_act(act: &Act) -> Result<(), CompensationError> {
    named(&act.by, "the customer administrator who made it")?;
    if let Some(r) = &act.recorded_by {
        named(r, "the service-desk person who recorded it")?;
    }
    Ok(())
}

/// The first working day of the calendar on or after a date.
pub fn next_working_day(cal: &Calendar, date: Date) -> Result<Date, CompensationError> {
    let midnight = cal.local_to_utc(date_days(date) * DAY);
    let open = cal.clock_start_second(midnight)?;
    to_date(cal.utc_to_local(open).div_euclid(DAY))
}

/// The working day `n` working days before `date` in the calendar (counting back from the day
/// before it, weekends, holidays and closed dates skipped): from then on a reminder of
/// something due on `date` is due. With `n` 0 it is `date` itself.
pub fn working_days_before(cal: &Calendar, date: Date, n: u32) -> Result<Date, CompensationError> {
    let mut day = date_days(date);
    let mut left = n;
    while left > 0 {
        day -= 1;
        let d = to_date(day)?;
        if next_working_day(cal, d)? == d {
            left -= 1;
        }
    }
    to_date(day)
}

/// The date of the follow-up to a meeting held on `held_on`: one month later by default
/// (same day next month, clamped to its end), moved to the next working day.
pub fn plan_follow_up(
    cal: &Calendar,
    policy: &Compensation,
    held_on: Date,
) -> Result<Date, CompensationError> {
    let day = date_days(held_on);
    let target = match policy.follow_up_after {
        PolicyDuration::Months(m) => civil::add_months(day, i64::from(m)),
        PolicyDuration::Weeks(w) => day + 7 * i64::from(w),
        PolicyDuration::Business(s) => {
            // Business time counts from the first opening after the meeting's day.
            let start = cal.clock_start_second(cal.local_to_utc((day + 1) * DAY))?;
            let due = cal.deadline_second(start, s)?;
            cal.utc_to_local(due).div_euclid(DAY)
        }
    };
    next_working_day(cal, to_date(target)?)
}

/// The month whose verdict a follow-up's proposal rests on: the latest complete month before it.
pub fn proposal_month(held_on: Date) -> Month {
    month_of(held_on).prev()
}

/// The progress value the system proposes to a follow-up: yes when that month had no overrun.
pub fn proposed_progress(previous_month: MonthVerdict) -> bool {
    !previous_month.overrun
}

impl Escalation {
    /// A customer with no escalation.
    pub fn new() -> Escalation {
        Escalation::default()
    }

    /// Where the escalation stands.
    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// How the latest escalation ended, if one did.
    pub fn last_ended(&self) -> Option<&Ended> {
        self.ended.as_ref()
    }

    /// The date the next follow-up is planned for, between consultation and claim.
    pub fn next_follow_up(&self) -> Option<Date> {
        match &self.stage {
            Stage::Consulting(c) => Some(c.next_follow_up),
            _ => None,
        }
    }

    /// The percentage of the latest discount given, once a discount has been claimed.
    pub fn percent(&self) -> Option<u32> {
        match &self.stage {
            Stage::Discounting(d) => Some(d.percent),
            _ => None,
        }
    }

    /// The first date a discount may be claimed, once enough follow-ups recorded no progress
    /// (before that, and outside the consultation stage, `None`).
    pub fn entitled_from(&self, policy: &Compensation) -> Result<Option<Date>, CompensationError> {
        let Stage::Consulting(c) = &self.stage else {
            return Ok(None);
        };
        if !enough_follow_ups(c, policy) {
            return Ok(None);
        }
        let months = entitlement_day(c, policy);
        let last = date_days(c.last_meeting());
        to_date(months.max(last)).map(Some)
    }

    fn refuse(&self, action: &'static str, needs: &'static str) -> CompensationError {
        CompensationError::OutOfOrder {
            action,
            stage: self.stage.describe(),
            needs,
        }
    }

    fn with(&self, stage: Stage) -> Escalation {
        Escalation {
            stage,
            ended: self.ended.clone(),
        }
    }

    fn end(&self, how: EndReason, settled_through: Month) -> Escalation {
        Escalation {
            stage: Stage::Idle,
            ended: Some(Ended {
                how,
                settled_through,
            }),
        }
    }

    /// Records a request for an interim incident consultation about the named overrun months,
    /// each of which must have ended by the time of the request.
    pub fn request(
        &self,
        made: Act,
        months: &[MonthVerdict],
        cal: &Calendar,
    ) -> Result<Escalation, CompensationError> {
        if !matches!(self.stage, Stage::Idle) {
            return Err(CompensationError::AlreadyRunning {
                stage: self.stage.describe(),
            });
        }
        check_act(&made)?;
        if months.is_empty() {
            return Err(CompensationError::NoMonthNamed);
        }
        for v in months {
            if !v.overrun {
                return Err(CompensationError::NotAnOverrunMonth { month: v.month });
            }
            let (_, ends_at) = v.month.span(cal)?;
            if made.at < ends_at {
                return Err(CompensationError::MonthNotEnded {
                    month: v.month,
                    ends_at,
                });
            }
            if let Some(e) = &self.ended
                && v.month <= e.settled_through
            {
                return Err(CompensationError::AlreadySettled {
                    month: v.month,
                    settled_through: e.settled_through,
                });
            }
        }
        let mut named: Vec<Month> = months.iter().map(|v| v.month).collect();
        named.sort();
        named.dedup();
        Ok(self.with(Stage::Requested(Request {
            made,
            months: named,
        })))
    }

    /// Records the consultation held on a date, and plans its follow-up.
    pub fn consultation_held(
        &self,
        on: Date,
        policy: &Compensation,
        cal: &Calendar,
    ) -> Result<Escalation, CompensationError> {
        let Stage::Requested(request) = &self.stage else {
            return Err(self.refuse(
                "record a consultation",
                "a requested consultation that has not been held yet",
            ));
        };
        let requested = local_day(cal, request.made.at);
        if date_days(on) < requested {
            return Err(CompensationError::BeforePrevious {
                what: "consultation",
                on,
                previous: to_date(requested)?,
            });
        }
        let Some(&last_overrun) = request.months.last() else {
            return Err(CompensationError::NoMonthNamed);
        };
        Ok(self.with(Stage::Consulting(Consulting {
            request: request.clone(),
            consultation: on,
            follow_ups: Vec::new(),
            next_follow_up: plan_follow_up(cal, policy, on)?,
            last_overrun,
        })))
    }

    /// Records a follow-up and its progress decision; `previous_month` is the verdict on the
    /// latest complete month before it, which the system's proposal rests on. Progress ends the
    /// escalation; no progress plans the next follow-up.
    pub fn follow_up_held(
        &self,
        record: FollowUpRecord,
        previous_month: MonthVerdict,
        policy: &Compensation,
        cal: &Calendar,
    ) -> Result<Escalation, CompensationError> {
        let Stage::Consulting(c) = &self.stage else {
            return Err(self.refuse(
                "record a follow-up",
                "a consultation held and no discount claimed yet",
            ));
        };
        named(&record.recorded_by, "who recorded the progress decision")?;
        named(&record.why, "why the meeting decided on progress")?;
        let previous = c.last_meeting();
        if record.held_on <= previous {
            return Err(CompensationError::FollowUpTooSoon {
                on: record.held_on,
                previous,
            });
        }
        let expected = proposal_month(record.held_on);
        if previous_month.month != expected {
            return Err(CompensationError::WrongMonth {
                expected,
                got: previous_month.month,
            });
        }
        let follow_up = FollowUp {
            held_on: record.held_on,
            progress: record.progress,
            proposed: proposed_progress(previous_month),
            recorded_by: record.recorded_by,
            why: record.why,
        };
        if follow_up.progress {
            return Ok(self.end(
                EndReason::Progress {
                    held_on: follow_up.held_on,
                },
                expected.max(c.last_overrun),
            ));
        }
        let mut next = c.clone();
        if previous_month.overrun {
            next.last_overrun = next.last_overrun.max(previous_month.month);
        }
        next.next_follow_up = plan_follow_up(cal, policy, follow_up.held_on)?;
        next.follow_ups.push(follow_up);
        Ok(self.with(Stage::Consulting(next)))
    }

    /// Records the customer's claim of a discount, when entitled, and gives the first discount:
    /// the step percentage on the invoice of the month after the claim.
    pub fn claim(
        &self,
        made: Claim,
        policy: &Compensation,
        cal: &Calendar,
    ) -> Result<(Escalation, Discount), CompensationError> {
        let c = match &self.stage {
            Stage::Consulting(c) => c,
            Stage::Discounting(_) => return Err(CompensationError::AlreadyClaimed),
            _ => {
                return Err(self.refuse(
                    "claim a discount",
                    "a consultation and follow-ups without progress",
                ));
            }
        };
        check_act(&made)?;
        let day = local_day(cal, made.at);
        let last = c.last_meeting();
        if day < date_days(last) {
            return Err(CompensationError::BeforePrevious {
                what: "claim",
                on: to_date(day)?,
                previous: last,
            });
        }
        if !enough_follow_ups(c, policy) {
            return Err(CompensationError::TooFewFollowUps {
                held: c.follow_ups.len(),
                needed: policy.follow_ups_before_entitlement,
            });
        }
        let from = entitlement_day(c, policy);
        if day < from {
            return Err(CompensationError::TooEarly {
                consultation: c.consultation,
                months: policy.months_before_entitlement,
                from: to_date(from)?,
            });
        }
        let claim_month = Month::containing(cal, made.at.as_second());
        let discount = Discount {
            invoice_month: claim_month.next(),
            percent: policy.step_percent.min(cap(policy)),
            rests_on: c.last_overrun,
        };
        let next = Discounting {
            request: c.request.clone(),
            consultation: c.consultation,
            follow_ups: c.follow_ups.clone(),
            claim: made,
            percent: discount.percent,
            next_month: claim_month.next(),
            last_overrun: c.last_overrun,
        };
        Ok((self.with(Stage::Discounting(next)), discount))
    }

    /// Feeds the verdict on the next complete month after the claim: an overrun month raises
    /// the discount by the step (up to the cap) for the invoice after it; a month without
    /// overrun ends the escalation or holds the percentage, as the policy says.
    pub fn month_ended(
        &self,
        verdict: MonthVerdict,
        policy: &Compensation,
    ) -> Result<(Escalation, Option<Discount>), CompensationError> {
        let Stage::Discounting(d) = &self.stage else {
            return Err(self.refuse("let a month raise the discount", "a claimed discount"));
        };
        if verdict.month != d.next_month {
            return Err(CompensationError::WrongMonth {
                expected: d.next_month,
                got: verdict.month,
            });
        }
        let cap = cap(policy);
        let (percent, rests_on) = if verdict.overrun {
            (
                d.percent.saturating_add(policy.step_percent).min(cap),
                verdict.month,
            )
        } else {
            match policy.month_without_overrun {
                MonthWithoutOverrun::Ends => {
                    let how = EndReason::MonthWithoutOverrun {
                        month: verdict.month,
                    };
                    return Ok((self.end(how, verdict.month), None));
                }
                MonthWithoutOverrun::Holds => (d.percent.min(cap), d.last_overrun),
            }
        };
        let discount = Discount {
            invoice_month: verdict.month.next(),
            percent,
            rests_on,
        };
        let next = Discounting {
            percent,
            next_month: verdict.month.next(),
            last_overrun: rests_on,
            ..d.clone()
        };
        Ok((self.with(Stage::Discounting(next)), Some(discount)))
    }

    /// Closes a running escalation by hand, with who and why; the months before the closing
    /// month count as dealt with.
    pub fn close(
        &self,
        at: Timestamp,
        by: &str,
        reason: &str,
        cal: &Calendar,
    ) -> Result<Escalation, CompensationError> {
        let covered = match &self.stage {
            Stage::Idle => return Err(self.refuse("close the escalation", "a running escalation")),
            Stage::Requested(r) => r.months.last().copied(),
            Stage::Consulting(c) => Some(c.last_overrun),
            Stage::Discounting(d) => Some(d.next_month.prev().max(d.last_overrun)),
        };
        named(by, "who closed the escalation")?;
        named(reason, "why the escalation was closed")?;
        let before = Month::containing(cal, at.as_second()).prev();
        let settled_through = covered.map_or(before, |m| m.max(before));
        Ok(self.end(
            EndReason::Closed {
                at,
                by: by.to_string(),
                reason: reason.to_string(),
            },
            settled_through,
        ))
    }
}

fn cap(policy: &Compensation) -> u32 {
    policy.cap_percent.min(100)
}

fn enough_follow_ups(c: &Consulting, policy: &Compensation) -> bool {
    u64::try_from(c.follow_ups.len()).unwrap_or(u64::MAX)
        >= u64::from(policy.follow_ups_before_entitlement)
}

/// The local day number from which the months since the consultation are enough.
fn entitlement_day(c: &Consulting, policy: &Compensation) -> i64 {
    civil::add_months(
        date_days(c.consultation),
        i64::from(policy.months_before_entitlement),
    )
}
