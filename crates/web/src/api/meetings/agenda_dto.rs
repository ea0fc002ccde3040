//! The tactical meeting's agenda on the wire.

use desk::availability::AvailabilityFigure;
use desk::meetings::agenda::{Agenda, AgendaMonth};
use desk::report::{MissedLine, TargetLine};
use desk::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ActionItemDto, MeetingDto};

/// One month the agenda covers: its report's failed targets, missed targets with reasons,
/// and availability.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgendaMonthDto {
    /// The month, `YYYY-MM` (Europe/Amsterdam).
    pub month: String,
    /// The SHA-256 of the published report; absent: not published, the figures as they stand.
    pub published_sha256: Option<String>,
    /// The targets that did not hold.
    pub failed: Vec<TargetLine>,
    /// The targets missed, with the reasons recorded.
    pub missed: Vec<MissedLine>,
    /// The availability of the customer's environments.
    pub availability: Vec<AvailabilityFigure>,
}

impl From<AgendaMonth> for AgendaMonthDto {
    fn from(m: AgendaMonth) -> Self {
        AgendaMonthDto {
            month: m.month,
            published_sha256: m.published_sha256,
            failed: m.failed,
            missed: m.missed,
            availability: m.availability,
        }
    }
}

/// The escalation running for the customer (SLA §6.2).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpenEscalationDto {
    /// Where it stands.
    pub stage: String,
    /// Since when (RFC 3339).
    #[schema(format = DateTime)]
    pub since: String,
}

/// An RFC ticket not yet resolved or closed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpenRfcDto {
    /// The ticket.
    pub ticket_id: i64,
    /// Its subject.
    pub subject: String,
    /// Its status.
    pub status: String,
    /// When it was received (RFC 3339).
    #[schema(format = DateTime)]
    pub received_at: String,
}

/// The agenda of a tactical meeting, assembled from the data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgendaDto {
    /// The meeting.
    pub meeting: MeetingDto,
    /// The previous held tactical meeting the agenda follows on, if any.
    pub previous_meeting_id: Option<i64>,
    /// The months since then whose reports are discussed, oldest first.
    pub months: Vec<AgendaMonthDto>,
    /// The customer's action items not yet done, overdue ones flagged.
    pub open_action_items: Vec<ActionItemDto>,
    /// The customer's running escalation (SLA §6.2); absent when none runs.
    pub open_escalation: Option<OpenEscalationDto>,
    /// The customer's RFC tickets not yet resolved or closed.
    pub open_rfcs: Vec<OpenRfcDto>,
}

impl From<Agenda> for AgendaDto {
    fn from(a: Agenda) -> Self {
        AgendaDto {
            meeting: a.meeting.into(),
            previous_meeting_id: a.previous.map(|m| m.id.0),
            months: a.months.into_iter().map(AgendaMonthDto::from).collect(),
            open_action_items: a
                .open_action_items
                .into_iter()
                .map(ActionItemDto::from)
                .collect(),
            open_escalation: a.open_escalation.map(|e| OpenEscalationDto {
                stage: e.stage,
                since: rfc3339(e.since),
            }),
            open_rfcs: a
                .open_rfcs
                .into_iter()
                .map(|t| OpenRfcDto {
                    ticket_id: t.id.0,
                    subject: t.subject,
                    status: t.status.as_str().to_string(),
                    received_at: rfc3339(t.received_at),
                })
                .collect(),
        }
    }
}
