//! Compensation (SLA §6.2, SLA-RULES §7): overrun months from the reports, a customer's
//! escalation from the request for an interim incident consultation to its end, the discount
//! ledger and its export. The rules are the `sla` engine's: this module feeds it the stored
//! steps and the month verdicts, and stores what it decides.
//!
//! An escalation is kept as its steps (`store::EscalationStep`, the records below as JSON) and
//! replayed through [`sla::Escalation`] whenever it is needed, so the stored history is the
//! only state. It runs under the agreement version in force when it was requested (as a ticket
//! is measured under the one in force when it was received); a discount uses the monthly fee of
//! the version in force for its invoice month.

mod export;
mod mail;
mod meeting;
mod monthly;
mod overrun;
mod section;
mod steps;
mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sla::compensation::{Act, CompensationError, Escalation, FollowUpRecord, MonthVerdict};
use sla::{Calendar, Month};
use store::{
    AgreementId, EscalationId, EscalationRecord, EscalationStep, OrgId, PersonId, Role,
    RunningHead, Scope, StepKind,
};

use crate::{Compiled, Desk, DeskError};

pub use export::{CsvDialect, CustomerTotal, LEDGER_COLUMNS, LedgerExport, LedgerLine, euros};
pub use meeting::{ActionItem, Attendee, IncidentDiscussed, IncidentInput, MeetingInput, Side};
pub use monthly::MonthlyRun;
pub use overrun::{FailedTarget, OverrunMonth};
pub use section::{
    CompensationSection, CompensationState, EscalationMeeting, EscalationState, MeetingHeld,
};
pub use steps::{ClaimInput, FollowUpOutcome, RequestInput};
pub use view::{EscalationView, OverviewLine, Proposal, TimelineEntry};

/// How many months one overrun query may span.
pub const MAX_MONTHS: usize = 36;
/// How far ahead the service manager's overview looks for follow-ups: five weeks.
pub const OVERVIEW_DAYS: i64 = 35;
/// The longest free text of a step (reasons, minutes, descriptions), in characters.
pub const MAX_TEXT: usize = crate::limits::ESCALATION_TEXT;

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestRecord {
    /// The overrun months it is about, `YYYY-MM`.
    pub months: Vec<String>,
    /// The customer administrator who made it.
    pub by: i64,
    /// Their name.
    pub by_name: String,
    /// The service-desk person who recorded it (a request by phone).
    pub recorded_by: Option<i64>,
    /// How it was made: `portal` or `phone`.
    pub channel: String,
}

/// A meeting (the consultation, or a follow-up) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingRecord {
    /// The date it was held (Amsterdam), `YYYY-MM-DD`.
    pub held_on: String,
    /// Who attended, from both sides.
    pub attendees: Vec<Attendee>,
    /// The incidents discussed.
    pub incidents: Vec<IncidentDiscussed>,
    /// The agreements made (action items).
    pub agreements: Vec<ActionItem>,
    /// The minutes, free text.
    pub minutes: Option<String>,
    /// The date the next follow-up is planned for, when the escalation goes on.
    pub next_follow_up: Option<String>,
}

/// A follow-up as stored: the meeting and its progress decision beside the system's proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpRecordData {
    /// The meeting.
    pub meeting: MeetingRecord,
    /// Whether the meeting found progress.
    pub progress: bool,
    /// Why it decided so.
    pub why: String,
    /// Who recorded the decision (a person id).
    pub recorded_by: i64,
    /// What the system proposed.
    pub proposed: bool,
    /// The month the proposal rests on, `YYYY-MM`.
    pub proposal_month: String,
    /// Whether that month was an overrun month.
    pub proposal_month_overrun: bool,
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimRecord {
    /// The customer administrator who claimed.
    pub by: i64,
    /// Their name.
    pub by_name: String,
    /// The service-desk person who recorded it on their behalf.
    pub recorded_by: Option<i64>,
    /// The first discount: its invoice month and percentage.
    pub invoice_month: String,
    /// The percentage.
    pub percent: u32,
}

/// A complete month after the claim, as judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthRecord {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Whether it was an overrun month.
    pub overrun: bool,
    /// The SHA-256 of its published report, when it was judged on one.
    pub report_sha256: Option<String>,
    /// The discount it gives on the next invoice, if any.
    pub percent: Option<u32>,
}

/// The end of an escalation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndedRecord {
    /// `progress` or `month_without_overrun`.
    pub how: String,
    /// The follow-up date or the month that ended it.
    pub on: String,
}

/// Running escalations replayed on their own, by escalation id, for the overview. Their stage,
/// follow-ups, entitlement and percentage do not depend on the escalations before them (those
/// only bound the months a new request may name). Steps are only ever appended, so an entry
/// holds while the escalation's step count and agreement version are the ones it was made
/// from; any other count or version replays it again.
#[derive(Debug, Default)]
pub struct Replays(Mutex<HashMap<EscalationId, Arc<Replay>>>);

/// One running escalation replayed.
#[derive(Debug)]
pub(crate) struct Replay {
    /// The number of steps replayed.
    pub steps: i64,
    /// The agreement version it runs under (`None`: the standard agreement).
    pub agreement: Option<AgreementId>,
    /// The engine's value after them.
    pub esc: Escalation,
    /// When its claim was recorded (RFC 3339).
    pub claimed_at: Option<String>,
}

impl Replays {
    /// The replay of `head` under `agreement`, if one is kept for exactly these steps.
    pub(crate) fn get(
        &self,
        head: &RunningHead,
        agreement: Option<AgreementId>,
    ) -> Option<Arc<Replay>> {
        let kept = self.0.lock().ok()?.get(&head.id).cloned()?;
        (kept.steps == head.steps && kept.agreement == agreement).then_some(kept)
    }

    /// Replays a running escalation's steps, keeps the result and returns it.
    pub(crate) fn replay(
        &self,
        id: EscalationId,
        steps: &[EscalationStep],
        agreement: Option<AgreementId>,
        compiled: &Compiled,
    ) -> Result<Arc<Replay>, DeskError> {
        let mut esc = Escalation::new();
        for step in steps {
            esc = apply(&esc, step, compiled)?;
        }
        let replay = Arc::new(Replay {
            steps: steps.len() as i64,
            agreement,
            esc,
            claimed_at: steps
                .iter()
                .find(|s| s.kind == StepKind::Claim)
                .map(|s| crate::time::rfc3339(s.at)),
        });
        if let Ok(mut m) = self.0.lock() {
            m.insert(id, replay.clone());
        }
        Ok(replay)
    }
}

/// The escalation of a customer as the engine sees it, with what it was replayed from.
pub(crate) struct Replayed {
    /// The engine's value after every stored step.
    pub esc: Escalation,
    /// The stored escalations, oldest first.
    pub records: Vec<EscalationRecord>,
    /// The running escalation (the last record, when it has not ended).
    pub running: Option<EscalationRecord>,
    /// The agreement the running escalation (or a new one, now) runs under.
    pub agreement: Arc<Compiled>,
}

impl Replayed {
    /// The number of steps of the running escalation.
    pub fn seq(&self) -> i64 {
        self.running.as_ref().map_or(0, |r| r.steps.len() as i64)
    }
}

/// A refusal of the engine as a desk error on `field`.
pub(crate) fn refused(field: &str, e: CompensationError) -> DeskError {
    match e {
        CompensationError::AlreadyRunning { .. }
        | CompensationError::OutOfOrder { .. }
        | CompensationError::AlreadyClaimed => DeskError::Conflict {
            field: "escalation",
            message: e.to_string(),
        },
        CompensationError::Calendar(_) | CompensationError::DateOutOfRange(_) => {
            DeskError::invalid(field, e.to_string())
        }
        other => DeskError::invalid(field, other.to_string()),
    }
}

fn corrupt(what: impl std::fmt::Display) -> DeskError {
    DeskError::internal(format!("stored escalation: {what}"))
}

pub(crate) fn detail<T: serde::de::DeserializeOwned>(s: &EscalationStep) -> Result<T, DeskError> {
    T::deserialize(&s.detail).map_err(|e| corrupt(format!("step {}: {e}", s.seq)))
}

pub(crate) fn parse_month(s: &str) -> Result<Month, DeskError> {
    s.parse().map_err(corrupt)
}

pub(crate) fn parse_date(s: &str) -> Result<Date, DeskError> {
    s.parse().map_err(corrupt)
}

/// The local date of an instant in a calendar.
pub(crate) fn local_date(cal: &Calendar, t: Timestamp) -> Result<Date, DeskError> {
    let days = cal.utc_to_local(t.as_second()).div_euclid(sla::civil::DAY);
    let (y, m, d) = sla::civil::civil_from_days(days);
    Date::new(
        i16::try_from(y).map_err(|_| corrupt("year"))?,
        m as i8,
        d as i8,
    )
    .map_err(corrupt)
}

fn person(id: i64) -> String {
    format!("person {id}")
}

/// Feeds one stored step to the engine.
fn apply(
    esc: &Escalation,
    step: &EscalationStep,
    agreement: &Compiled,
) -> Result<Escalation, DeskError> {
    let policy = &agreement.policy.compensation;
    let cal = &agreement.calendar;
    let at = crate::time::ts(step.at)?;
    let engine = |e: CompensationError| corrupt(format!("step {}: {e}", step.seq));
    Ok(match step.kind {
        StepKind::Request => {
            let r: RequestRecord = detail(step)?;
            let months = r
                .months
                .iter()
                .map(|m| {
                    Ok(MonthVerdict {
                        month: parse_month(m)?,
                        overrun: true,
                    })
                })
                .collect::<Result<Vec<_>, DeskError>>()?;
            let act = Act {
                at,
                by: person(r.by),
                recorded_by: r.recorded_by.map(person),
            };
            esc.request(act, &months, cal).map_err(engine)?
        }
        StepKind::Consultation => {
            let m: MeetingRecord = detail(step)?;
            esc.consultation_held(parse_date(&m.held_on)?, policy, cal)
                .map_err(engine)?
        }
        StepKind::FollowUp => {
            let f: FollowUpRecordData = detail(step)?;
            let record = FollowUpRecord {
                held_on: parse_date(&f.meeting.held_on)?,
                progress: f.progress,
                recorded_by: person(f.recorded_by),
                why: f.why.clone(),
            };
            let verdict = MonthVerdict {
                month: parse_month(&f.proposal_month)?,
                overrun: f.proposal_month_overrun,
            };
            esc.follow_up_held(record, verdict, policy, cal)
                .map_err(engine)?
        }
        StepKind::Claim => {
            let c: ClaimRecord = detail(step)?;
            let act = Act {
                at,
                by: person(c.by),
                recorded_by: c.recorded_by.map(person),
            };
            esc.claim(act, policy, cal).map_err(engine)?.0
        }
        StepKind::Month => {
            let m: MonthRecord = detail(step)?;
            let verdict = MonthVerdict {
                month: parse_month(&m.month)?,
                overrun: m.overrun,
            };
            esc.month_ended(verdict, policy).map_err(engine)?.0
        }
        // The step before it ended the escalation in the engine already.
        StepKind::Ended => esc.clone(),
    })
}

impl Desk {
    /// The agreement in force for a customer at an instant, compiled.
    pub(crate) async fn agreement_for(
        &self,
        org: OrgId,
        at: Timestamp,
    ) -> Result<Arc<Compiled>, DeskError> {
        match self
            .store
            .agreement_in_force(&Scope::System, org, crate::time::ms(at))
            .await?
        {
            Some(a) => self.policies.get(&a),
            None => self.policies.standard(),
        }
    }

    /// A customer's escalations replayed through the engine (the caller's visibility of
    /// the customer checked first: another customer's is "not found").
    pub(crate) async fn replay(&self, scope: &Scope, org: OrgId) -> Result<Replayed, DeskError> {
        let records = self.store.escalations(scope, org).await?;
        let mut esc = Escalation::new();
        let mut agreement = None;
        for r in &records {
            let a = self
                .agreement_for(org, crate::time::ts(r.opened_at)?)
                .await?;
            for step in &r.steps {
                esc = apply(&esc, step, &a)?;
            }
            agreement = Some(a);
        }
        let running = records.last().filter(|r| r.ended_at.is_none()).cloned();
        let agreement = match (&running, agreement) {
            (Some(_), Some(a)) => a,
            _ => self.agreement_for(org, self.clock.now()).await?,
        };
        Ok(Replayed {
            esc,
            records,
            running,
            agreement,
        })
    }

    /// The person behind `id` if they are an active customer administrator of `org`.
    pub(crate) async fn customer_admin_of(
        &self,
        field: &str,
        org: OrgId,
        id: PersonId,
    ) -> Result<store::Person, DeskError> {
        let p = self
            .store
            .get_person(&Scope::System, id)
            .await
            .map_err(|_| DeskError::invalid(field, format!("there is no person {id}")))?;
        if p.org_id != Some(org) || p.role != Role::CustomerAdmin || !p.active {
            return Err(DeskError::invalid(
                field,
                format!("person {id} is not an active customer administrator of this customer"),
            ));
        }
        Ok(p)
    }
}
