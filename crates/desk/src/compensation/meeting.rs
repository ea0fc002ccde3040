//! The records of meetings (the consultation and the follow-ups): who attended, the incidents
//! discussed (a wrong priority corrected through the ticket's priority change) and the
//! agreements made, checked against the customer's people and tickets.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sla::{Month, Priority, TicketKind};
use store::{
    AgreedItem, MeetingId, MeetingKind, MeetingLink, MeetingStatus, NewActionItem, NewAttendee,
    NewMeeting, OrgId, PersonId, Scope, StepMeeting, TicketId,
};

use super::{MAX_TEXT, MeetingRecord, local_date};
use crate::tickets::Action;
use crate::{Caller, Desk, DeskError};

/// Which side of the agreement a person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The vendor (the service desk's side).
    Vendor,
    /// The customer.
    Customer,
}

/// Someone at a meeting; an account is not required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendee {
    /// Their name.
    pub name: String,
    /// Their side.
    pub side: Side,
    /// Their account, if they have one.
    pub person_id: Option<i64>,
}

/// An agreement made in a meeting: who does what, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionItem {
    /// What is to be done.
    pub description: String,
    /// Who owns it.
    pub owner: String,
    /// Their account, if they have one.
    pub owner_person_id: Option<i64>,
    /// By when, `YYYY-MM-DD`.
    pub due_on: String,
    /// Whether it is done (as the meeting found).
    pub done: bool,
}

/// An incident as discussed in a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentDiscussed {
    /// The ticket.
    pub ticket_id: i64,
    /// Why it overran.
    pub reason: Option<String>,
    /// Whether its priority was right.
    pub priority_right: bool,
    /// The priority it was corrected to, when it was not.
    pub corrected_to: Option<String>,
}

/// An incident to record in a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentInput {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Why it overran (default: the reason recorded on the ticket).
    pub reason: Option<String>,
    /// Whether its priority was right.
    pub priority_right: bool,
    /// The right priority, when it was not.
    pub correct_priority: Option<Priority>,
}

/// A meeting to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInput {
    /// The date it was held.
    pub held_on: Date,
    /// The interim meeting of the customer it is recorded against (held on that date, not
    /// cancelled, not the record of another step); `None`: a new interim meeting is made,
    /// held on that date with the attendees present.
    pub meeting_id: Option<MeetingId>,
    /// Who attended.
    pub attendees: Vec<Attendee>,
    /// The incidents discussed; `None`: every incident that missed a target in the months
    /// the request names, with their recorded reasons and their priority taken as right.
    pub incidents: Option<Vec<IncidentInput>>,
    /// The agreements made.
    pub agreements: Vec<ActionItem>,
    /// Minutes.
    pub minutes: Option<String>,
}

pub(crate) fn text(field: &str, s: &str) -> Result<String, DeskError> {
    crate::limits::check(field, s, MAX_TEXT)?;
    let t = s.trim();
    if t.is_empty() {
        return Err(DeskError::invalid(field, "give a text"));
    }
    Ok(t.to_string())
}

/// How long the interim meeting made for a consultation or follow-up is, in minutes.
pub const STEP_MEETING_MINUTES: i64 = 60;

/// The local time the interim meeting made for a consultation or follow-up starts at (or the
/// moment of recording, when that is earlier).
pub const STEP_MEETING_START: jiff::civil::Time = jiff::civil::time(9, 0, 0, 0);

impl Desk {
    /// Checks the existing interim meeting a consultation or follow-up names, before anything
    /// is recorded: another customer's is "not found"; it must be an interim meeting held on
    /// the step's date, not cancelled and not yet the record of another step.
    pub(crate) async fn check_step_meeting(
        &self,
        caller: &Caller,
        org: OrgId,
        input: &MeetingInput,
    ) -> Result<(), DeskError> {
        let Some(id) = input.meeting_id else {
            return Ok(());
        };
        let m = self.store.get_meeting(&caller.scope, id).await?;
        if m.org_id != org {
            return Err(DeskError::NotFound("meeting"));
        }
        if m.kind != MeetingKind::Interim {
            return Err(DeskError::invalid(
                "meeting_id",
                format!(
                    "meeting {id} is a {} meeting; a consultation or follow-up is an interim one",
                    m.kind
                ),
            ));
        }
        if m.status == MeetingStatus::Cancelled {
            return Err(DeskError::invalid(
                "meeting_id",
                format!("meeting {id} was cancelled"),
            ));
        }
        let cal = &self.customer_calendar(org, m.starts_at).await?.calendar;
        let on = crate::meetings::schedule::local_today(cal, m.starts_at);
        if on != input.held_on {
            return Err(DeskError::invalid(
                "meeting_id",
                format!("meeting {id} is on {on}, not on {}", input.held_on),
            ));
        }
        if let Some(step) = m.escalation_step {
            return Err(DeskError::Conflict {
                field: "meeting_id",
                message: format!(
                    "meeting {id} is the record of step {} of escalation {} already",
                    step.seq, step.escalation_id
                ),
            });
        }
        Ok(())
    }

    /// The interim meeting a consultation or follow-up is recorded against, with its
    /// agreements as the meeting's action items: the existing one named, or a new one held on
    /// the step's date (at 09:00 Amsterdam time, or now when that is earlier, for an hour)
    /// with its attendees present and its minutes.
    pub(crate) async fn step_meeting(
        &self,
        org: OrgId,
        input: &MeetingInput,
        record: &MeetingRecord,
    ) -> Result<StepMeeting, DeskError> {
        let mut items = Vec::new();
        for a in &record.agreements {
            items.push(AgreedItem {
                item: NewActionItem {
                    what: a.description.clone(),
                    owner_name: a.owner.clone(),
                    owner_person_id: a.owner_person_id.map(PersonId),
                    due_on: super::parse_date(&a.due_on)?,
                },
                done: a.done,
            });
        }
        let link = match input.meeting_id {
            Some(id) => MeetingLink::Existing(id),
            None => {
                let now = self.clock.now();
                let cal = &self.customer_calendar(org, now).await?.calendar;
                let nine = crate::meetings::schedule::local_instant(
                    cal,
                    input.held_on,
                    STEP_MEETING_START,
                )?;
                let minute =
                    jiff::Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60))
                        .map_err(DeskError::internal)?;
                let mut attendees = Vec::new();
                for a in &input.attendees {
                    let email = match a.person_id {
                        Some(p) => Some(
                            self.store
                                .get_person(&Scope::System, PersonId(p))
                                .await?
                                .email,
                        ),
                        None => None,
                    };
                    attendees.push(NewAttendee {
                        name: a.name.trim().to_string(),
                        email,
                        side: match a.side {
                            Side::Vendor => store::Side::Vendor,
                            Side::Customer => store::Side::Customer,
                        },
                        role: String::new(),
                        person_id: a.person_id.map(PersonId),
                    });
                }
                MeetingLink::New {
                    meeting: NewMeeting {
                        org_id: org,
                        kind: MeetingKind::Interim,
                        title: String::new(),
                        starts_at: nine.min(minute),
                        duration_minutes: STEP_MEETING_MINUTES,
                        location: String::new(),
                        online_url: String::new(),
                        attendees,
                        from_schedule: false,
                    },
                    minutes: record.minutes.clone().unwrap_or_default(),
                }
            }
        };
        Ok(StepMeeting { link, items })
    }

    /// Checks a meeting's people and agreements and records its incidents (correcting wrong
    /// priorities through the ticket's priority change).
    pub(crate) async fn consultation_record(
        &self,
        caller: &Caller,
        org: OrgId,
        input: &MeetingInput,
        request_months: &[Month],
        next_follow_up: Option<Date>,
    ) -> Result<MeetingRecord, DeskError> {
        let today = local_date(&self.policies.standard()?.calendar, self.clock.now())?;
        if input.held_on > today {
            return Err(DeskError::invalid(
                "held_on",
                format!(
                    "a meeting is recorded once it has been held; {} is after today",
                    input.held_on
                ),
            ));
        }
        for (i, a) in input.attendees.iter().enumerate() {
            text(&format!("attendees[{i}].name"), &a.name)?;
            if let Some(p) = a.person_id {
                self.side_person(&format!("attendees[{i}].person_id"), org, p, Some(a.side))
                    .await?;
            }
        }
        if input.attendees.is_empty() {
            return Err(DeskError::invalid("attendees", "name who attended"));
        }
        let mut agreements = Vec::new();
        for (i, a) in input.agreements.iter().enumerate() {
            let description = text(&format!("agreements[{i}].description"), &a.description)?;
            let owner = text(&format!("agreements[{i}].owner"), &a.owner)?;
            if let Some(p) = a.owner_person_id {
                self.side_person(&format!("agreements[{i}].owner_person_id"), org, p, None)
                    .await?;
            }
            let due: Date = a.due_on.parse().map_err(|_| {
                DeskError::invalid(format!("agreements[{i}].due_on"), "a date YYYY-MM-DD")
            })?;
            agreements.push(ActionItem {
                description,
                owner,
                owner_person_id: a.owner_person_id,
                due_on: due.to_string(),
                done: a.done,
            });
        }
        let minutes = match &input.minutes {
            // A blank text is none, but it still may not be longer than a text may be.
            Some(m) if !m.trim().is_empty() => Some(text("minutes", m)?),
            Some(m) => {
                crate::limits::check("minutes", m, MAX_TEXT)?;
                None
            }
            None => None,
        };
        let inputs = match &input.incidents {
            Some(list) => list.clone(),
            None => self.missed_incidents(org, request_months).await?,
        };
        let reason = format!("consultation of {}", input.held_on);
        let mut checked = Vec::new();
        for (i, inc) in inputs.iter().enumerate() {
            let field = format!("incidents[{i}]");
            let ticket = self
                .store
                .get_ticket(&Scope::System, inc.ticket_id)
                .await
                .ok()
                .filter(|t| t.org_id == org && t.kind == TicketKind::Incident)
                .ok_or_else(|| {
                    DeskError::invalid(
                        format!("{field}.ticket_id"),
                        "not an incident of this customer",
                    )
                })?;
            let correct = match (inc.priority_right, inc.correct_priority) {
                (true, None) => None,
                (true, Some(_)) => {
                    return Err(DeskError::invalid(
                        format!("{field}.correct_priority"),
                        "a priority that was right is not corrected",
                    ));
                }
                (false, None) => {
                    return Err(DeskError::invalid(
                        format!("{field}.correct_priority"),
                        "name the right priority of an incident whose priority was wrong",
                    ));
                }
                (false, Some(p)) if ticket.priority == Some(p) => {
                    return Err(DeskError::invalid(
                        format!("{field}.correct_priority"),
                        format!("the priority is {p} already"),
                    ));
                }
                (false, Some(p)) => Some(p),
            };
            let why = match &inc.reason {
                Some(r) if !r.trim().is_empty() => Some(text(&format!("{field}.reason"), r)?),
                Some(r) => {
                    crate::limits::check(&format!("{field}.reason"), r, MAX_TEXT)?;
                    None
                }
                None => None,
            };
            checked.push((inc.ticket_id, why, inc.priority_right, correct));
        }
        let mut incidents = Vec::new();
        for (id, why, right, correct) in checked {
            if let Some(p) = correct {
                let action = Action::Priority {
                    to: p,
                    reason: reason.clone(),
                };
                self.act(caller, id, action).await?;
            }
            incidents.push(IncidentDiscussed {
                ticket_id: id.0,
                reason: why,
                priority_right: right,
                corrected_to: correct.map(|p| p.as_str().to_string()),
            });
        }
        Ok(MeetingRecord {
            held_on: input.held_on.to_string(),
            attendees: input.attendees.clone(),
            incidents,
            agreements,
            minutes,
            next_follow_up: next_follow_up.map(|d| d.to_string()),
        })
    }

    /// Checks that a person named in a meeting is vendor staff or one of the customer's people
    /// (and on the side stated, when one is).
    async fn side_person(
        &self,
        field: &str,
        org: OrgId,
        id: i64,
        side: Option<Side>,
    ) -> Result<(), DeskError> {
        let p = self
            .store
            .get_person(&Scope::System, PersonId(id))
            .await
            .map_err(|_| DeskError::invalid(field, format!("there is no person {id}")))?;
        let actual = if p.role.is_vendor() {
            Side::Vendor
        } else if p.org_id == Some(org) {
            Side::Customer
        } else {
            return Err(DeskError::invalid(
                field,
                format!("person {id} is neither the vendor's staff nor this customer's"),
            ));
        };
        if side.is_some_and(|s| s != actual) {
            return Err(DeskError::invalid(
                field,
                format!("person {id} is on the other side"),
            ));
        }
        Ok(())
    }

    /// The incidents a meeting of the running escalation discusses by default (the service
    /// desk): every incident that missed a target in the months the request names, with the
    /// reason recorded on the ticket. Another customer's is "not found".
    pub async fn incidents_to_discuss(
        &self,
        caller: &Caller,
        org: OrgId,
    ) -> Result<Vec<IncidentInput>, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        caller.require_vendor()?;
        let r = self.replay(&caller.scope, org).await?;
        let months = match r.esc.stage() {
            sla::compensation::Stage::Requested(q) => q.months.clone(),
            sla::compensation::Stage::Consulting(c) => c.request.months.clone(),
            _ => Vec::new(),
        };
        self.missed_incidents(org, &months).await
    }

    /// Every incident that missed a target in the months, with the reason on the ticket.
    async fn missed_incidents(
        &self,
        org: OrgId,
        months: &[Month],
    ) -> Result<Vec<IncidentInput>, DeskError> {
        let cal = &self.policies.standard()?.calendar;
        let mut out: Vec<IncidentInput> = Vec::new();
        for m in months {
            let (from, to) = m
                .span(cal)
                .map_err(|e| DeskError::invalid("months", e.to_string()))?;
            for t in self
                .store
                .missed_targets(&Scope::System, Some(org), from, to)
                .await?
            {
                if t.kind == TicketKind::Incident && !out.iter().any(|i| i.ticket_id == t.ticket_id)
                {
                    out.push(IncidentInput {
                        ticket_id: t.ticket_id,
                        reason: t.reason,
                        priority_right: true,
                        correct_priority: None,
                    });
                }
            }
        }
        Ok(out)
    }
}
