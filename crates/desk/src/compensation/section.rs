//! The compensation section of a customer's monthly report (SLA-RULES §7): where the
//! escalation stood at the end of the month, the meetings held in it, and the discount on the
//! month's invoice. It is read from the escalation's steps and the ledger whenever the report
//! is served, also beside a published report, and is never part of the frozen body or its hash
//! (the ledger rests on those hashes, and its reversals come later).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sla::Month;
use sla::compensation::{Escalation, Stage};
use store::{EscalationRecord, EscalationStep, MeetingStatus, OrgId, Scope, StepKind};

use super::export::{LedgerLine, booked_lines, standing_cents};
use super::{
    EndedRecord, FollowUpRecordData, MeetingRecord, MonthRecord, apply, detail, local_date,
    parse_date, parse_month,
};
use crate::time::ts;
use crate::{Desk, DeskError};

/// Where a customer's escalation stood at the end of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    /// No escalation was running, and none ended in the month.
    None,
    /// An interim incident consultation was requested and not yet held.
    Requested,
    /// The consultation was held; no follow-up yet.
    ConsultationHeld,
    /// One or more follow-ups found no progress; not yet entitled to a discount.
    FollowUp,
    /// Enough follow-ups found no progress and enough months passed: a discount may be claimed.
    Entitled,
    /// A discount was claimed; the ladder runs by complete months.
    Claimed,
    /// The escalation ended in the month.
    Ended,
}

impl EscalationState {
    /// The word sent and written in the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::None => "none",
            EscalationState::Requested => "requested",
            EscalationState::ConsultationHeld => "consultation_held",
            EscalationState::FollowUp => "follow_up",
            EscalationState::Entitled => "entitled",
            EscalationState::Claimed => "claimed",
            EscalationState::Ended => "ended",
        }
    }
}

/// Which meeting of an escalation a meeting was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EscalationMeeting {
    /// The interim incident consultation (the first meeting).
    Consultation,
    /// A follow-up, with its progress decision.
    FollowUp,
}

impl EscalationMeeting {
    /// The word sent and written in the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationMeeting::Consultation => "consultation",
            EscalationMeeting::FollowUp => "follow_up",
        }
    }
}

/// The escalation at the end of the month, with the dates of its steps so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompensationState {
    /// Where it stood.
    pub state: EscalationState,
    /// The escalation (running, or ended in the month); absent with `none`.
    pub escalation_id: Option<i64>,
    /// The overrun months it is about, `YYYY-MM`.
    pub months: Vec<String>,
    /// The date of the request (Amsterdam), `YYYY-MM-DD`.
    pub requested_on: Option<String>,
    /// The date of the consultation.
    pub consultation_on: Option<String>,
    /// Follow-ups held without progress by then.
    pub follow_ups_without_progress: u32,
    /// The date the next follow-up was planned for (between consultation and claim).
    pub next_follow_up: Option<String>,
    /// From when a discount may be claimed, once enough follow-ups found no progress.
    pub entitled_from: Option<String>,
    /// The date of the claim.
    pub claimed_on: Option<String>,
    /// The latest discount percentage given, once claimed.
    pub percent: Option<u32>,
    /// The invoice that percentage is on, `YYYY-MM`.
    pub percent_invoice_month: Option<String>,
    /// How an escalation that ended in the month ended: `progress`, `month_without_overrun`
    /// or `closed`.
    pub ended_how: Option<String>,
    /// The follow-up date or the month that ended it.
    pub ended_on: Option<String>,
}

/// A meeting with the customer held in the month: from the meeting records (SLA §5.1) or the
/// escalation's consultation and follow-ups (SLA §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingHeld {
    /// The date it was held (Amsterdam), `YYYY-MM-DD`.
    pub held_on: String,
    /// `strategic`, `tactical` or `interim` (an escalation's meetings are interim incident
    /// consultations).
    pub kind: String,
    /// Its title (empty: the kind names it).
    pub title: String,
    /// The meeting record (for an escalation's meeting, the interim meeting it was recorded against).
    pub meeting_id: Option<i64>,
    /// The escalation, for its consultation or a follow-up.
    pub escalation_id: Option<i64>,
    /// Which meeting of the escalation it was.
    pub escalation_meeting: Option<EscalationMeeting>,
    /// The progress decision a follow-up recorded.
    pub progress: Option<bool>,
    /// What loket proposed beside it.
    pub proposed: Option<bool>,
}

/// A customer's compensation in a month (SLA §6.2): live data beside the report's figures,
/// read from the escalation records and the ledger as they stand whenever the report is
/// served (so it changes only when they do), and never covered by a publication's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompensationSection {
    /// The customer.
    pub organization_id: i64,
    /// The day the state is taken at: the month's last day, or today while the month runs.
    pub state_on: String,
    /// Where the escalation stood on that day.
    pub state: CompensationState,
    /// The meetings held in the month, by date.
    pub meetings: Vec<MeetingHeld>,
    /// The discounts on the month's invoice and their reversals (negative amounts), in
    /// booking order.
    pub discounts: Vec<LedgerLine>,
    /// The standing discount on the month's invoice, euro cents.
    pub discount_cents: i64,
}

/// The last day of a month.
fn last_day(month: Month) -> Result<Date, DeskError> {
    Date::new(month.year, month.month, 1)
        .map(|d| d.last_of_month())
        .map_err(DeskError::internal)
}

/// The day a step took effect: the day a request or claim was made, a meeting was held, or
/// (a month step) the last day of the month judged; an end, with the step that ended it.
fn effective(
    step: &EscalationStep,
    cal: &sla::Calendar,
    before: Option<Date>,
) -> Result<Date, DeskError> {
    Ok(match step.kind {
        StepKind::Request | StepKind::Claim => local_date(cal, ts(step.at)?)?,
        StepKind::Consultation => parse_date(&detail::<MeetingRecord>(step)?.held_on)?,
        StepKind::FollowUp => parse_date(&detail::<FollowUpRecordData>(step)?.meeting.held_on)?,
        StepKind::Month => last_day(parse_month(&detail::<MonthRecord>(step)?.month)?)?,
        StepKind::Ended => match before {
            Some(d) => d,
            None => local_date(cal, ts(step.at)?)?,
        },
    })
}

/// The escalation meetings held between `first` and `last`.
fn escalation_meetings(
    records: &[EscalationRecord],
    first: Date,
    last: Date,
) -> Result<Vec<MeetingHeld>, DeskError> {
    let mut out = Vec::new();
    for r in records {
        for s in &r.steps {
            let (on, which, progress, proposed) = match s.kind {
                StepKind::Consultation => {
                    let m: MeetingRecord = detail(s)?;
                    (m.held_on, EscalationMeeting::Consultation, None, None)
                }
                StepKind::FollowUp => {
                    let f: FollowUpRecordData = detail(s)?;
                    (
                        f.meeting.held_on,
                        EscalationMeeting::FollowUp,
                        Some(f.progress),
                        Some(f.proposed),
                    )
                }
                _ => continue,
            };
            let date = parse_date(&on)?;
            if date < first || date > last {
                continue;
            }
            out.push(MeetingHeld {
                held_on: on,
                kind: store::MeetingKind::Interim.as_str().into(),
                title: String::new(),
                meeting_id: s.meeting_id.map(|m| m.0),
                escalation_id: Some(r.id.0),
                escalation_meeting: Some(which),
                progress,
                proposed,
            });
        }
    }
    Ok(out)
}

impl Desk {
    /// The compensation section of `org`'s report of `month`, as `scope` may see it (another
    /// customer's is "not found").
    pub async fn compensation_section(
        &self,
        scope: &Scope,
        org: OrgId,
        month: Month,
    ) -> Result<CompensationSection, DeskError> {
        let standard = self.policies.standard()?;
        let cal = &standard.calendar;
        let (from, to) = month
            .span(cal)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        let first = Date::new(month.year, month.month, 1).map_err(DeskError::internal)?;
        let last = last_day(month)?;
        let state_on = last.min(self.today()?);
        let customer = self.store.get_org(scope, org).await?;
        let records = self.store.escalations(scope, org).await?;

        let mut meetings = escalation_meetings(&records, first, last)?;
        let held = self
            .store
            .list_meetings(scope, org, None, Some(MeetingStatus::Held), Some(to))
            .await?;
        // A meeting record kept for an escalation's consultation or follow-up is listed once,
        // as that step.
        let linked: Vec<i64> = meetings.iter().filter_map(|m| m.meeting_id).collect();
        for m in held
            .into_iter()
            .filter(|m| m.starts_at >= from && !linked.contains(&m.id.0))
        {
            meetings.push(MeetingHeld {
                held_on: local_date(cal, m.starts_at)?.to_string(),
                kind: m.kind.as_str().into(),
                title: m.title,
                meeting_id: Some(m.id.0),
                escalation_id: None,
                escalation_meeting: None,
                progress: None,
                proposed: None,
            });
        }
        // By date; on one day the meeting records first, then the escalation's in order.
        meetings.sort_by(|a, b| {
            (&a.held_on, a.escalation_id.is_some()).cmp(&(&b.held_on, b.escalation_id.is_some()))
        });

        let state = self.state_on(org, &records, first, state_on, cal).await?;

        let entries = self
            .store
            .ledger(scope, Some(org), Some(&month.to_string()))
            .await?;
        let refs: Vec<&store::DiscountRecord> = entries.iter().collect();
        let discount_cents = standing_cents(org.0, &refs)?;
        let discounts = booked_lines(&entries, |_| customer.name.clone());
        Ok(CompensationSection {
            organization_id: org.0,
            state_on: state_on.to_string(),
            state,
            meetings,
            discounts,
            discount_cents,
        })
    }

    /// The escalation replayed through the steps that took effect by `day`, in words of the
    /// report; an escalation that ended from `first` on shows as ended.
    async fn state_on(
        &self,
        org: OrgId,
        records: &[EscalationRecord],
        first: Date,
        day: Date,
        cal: &sla::Calendar,
    ) -> Result<CompensationState, DeskError> {
        let mut esc = Escalation::new();
        // The latest escalation that had begun by `day`, its agreement, the steps that took
        // effect (kind and day), and how it ended if it did by then.
        let mut latest = None;
        for r in records {
            let agreement = self.agreement_for(org, ts(r.opened_at)?).await?;
            let mut taken: Vec<(StepKind, Date)> = Vec::new();
            let mut ended = None;
            let mut before = None;
            for s in &r.steps {
                let on = effective(s, cal, before)?;
                if on > day {
                    break;
                }
                esc = apply(&esc, s, &agreement)?;
                if s.kind == StepKind::Ended {
                    let e: EndedRecord = detail(s)?;
                    ended = Some((e, on));
                }
                taken.push((s.kind, on));
                before = Some(on);
            }
            if taken.is_empty() {
                break;
            }
            let stopped = taken.len() < r.steps.len();
            latest = Some((r.id.0, agreement, taken, ended));
            if stopped {
                break;
            }
        }
        let none = CompensationState {
            state: EscalationState::None,
            escalation_id: None,
            months: Vec::new(),
            requested_on: None,
            consultation_on: None,
            follow_ups_without_progress: 0,
            next_follow_up: None,
            entitled_from: None,
            claimed_on: None,
            percent: None,
            percent_invoice_month: None,
            ended_how: None,
            ended_on: None,
        };
        let Some((id, agreement, taken, ended)) = latest else {
            return Ok(none);
        };
        let on = |kind: StepKind| {
            taken
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, d)| d.to_string())
        };
        let mut s = CompensationState {
            escalation_id: Some(id),
            requested_on: on(StepKind::Request),
            consultation_on: on(StepKind::Consultation),
            claimed_on: on(StepKind::Claim),
            ..none.clone()
        };
        match esc.stage() {
            Stage::Idle => {
                let Some((e, _)) = ended.filter(|(_, d)| *d >= first) else {
                    return Ok(none);
                };
                s.state = EscalationState::Ended;
                s.ended_how = Some(e.how);
                s.ended_on = Some(e.on);
            }
            Stage::Requested(q) => {
                s.state = EscalationState::Requested;
                s.months = q.months.iter().map(Month::to_string).collect();
            }
            Stage::Consulting(c) => {
                let entitled = esc
                    .entitled_from(&agreement.policy.compensation)
                    .map_err(|e| DeskError::internal(e.to_string()))?;
                s.state = if entitled.is_some_and(|d| d <= day) {
                    EscalationState::Entitled
                } else if c.follow_ups.is_empty() {
                    EscalationState::ConsultationHeld
                } else {
                    EscalationState::FollowUp
                };
                s.months = c.request.months.iter().map(Month::to_string).collect();
                s.follow_ups_without_progress = u32::try_from(c.follow_ups.len()).unwrap_or(0);
                s.next_follow_up = Some(c.next_follow_up.to_string());
                s.entitled_from = entitled.map(|d| d.to_string());
            }
            Stage::Discounting(d) => {
                s.state = EscalationState::Claimed;
                s.months = d.request.months.iter().map(Month::to_string).collect();
                s.follow_ups_without_progress = u32::try_from(d.follow_ups.len()).unwrap_or(0);
                s.percent = Some(d.percent);
                s.percent_invoice_month = Some(d.next_month.to_string());
            }
        }
        // An ended escalation keeps the months it was about.
        if s.state == EscalationState::Ended
            && let Some(r) = records.iter().find(|r| r.id.0 == id)
            && let Some(first_step) = r.steps.first()
            && first_step.kind == StepKind::Request
        {
            let q: super::RequestRecord = detail(first_step)?;
            s.months = q.months;
        }
        Ok(s)
    }
}
