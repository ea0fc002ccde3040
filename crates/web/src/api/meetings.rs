//! Meetings over HTTP (SLA §5.1): a customer's meetings, their attendees, minutes (JSON and
//! printable), invitations and the feed as iCalendar, action items, schedules and the
//! tactical meeting's agenda. The rules are `desk::meetings`; the DTOs are here.

use axum::extract::{FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use desk::meetings::WriteInvitation;
use desk::meetings::items::TrackedItem;
use desk::time::rfc3339;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use store::{Meeting, MeetingKind, MeetingStatus, NewAttendee, OrgId, PersonId, Schedule, Side};
use utoipa::ToSchema;

use crate::error::ApiError;
use render::ical::invitation;

/// The iCalendar writer desk puts into invitation mails.
static WRITE: &WriteInvitation = &invitation;

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident => $target:ty { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[doc = $word] $variant),+
        }

        impl From<$name> for $target {
            fn from(v: $name) -> $target {
                match v { $($name::$variant => <$target>::$variant),+ }
            }
        }

        impl From<$target> for $name {
            fn from(v: $target) -> $name {
                match v { $(<$target>::$variant => $name::$variant),+ }
            }
        }
    };
}

wire_enum!(
    /// The level of a meeting: `strategic` (ketenpartneroverleg), `tactical` (service-level
    /// overleg) or `interim` (tussentijds incidentoverleg).
    MeetingKindDto => MeetingKind { Strategic = "strategic", Tactical = "tactical", Interim = "interim" }
);

wire_enum!(
    /// Where a meeting stands.
    MeetingStatusDto => MeetingStatus { Planned = "planned", Held = "held", Cancelled = "cancelled" }
);

wire_enum!(
    /// The side of the agreement an attendee is on.
    SideDto => Side { Vendor = "vendor", Customer = "customer" }
);

/// A calendar date from a request field (`YYYY-MM-DD`); a malformed one is a 400 naming it.
fn parse_date(field: &str, s: &str) -> Result<Date, ApiError> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    s.parse::<Date>()
        .ok()
        .filter(|_| ok)
        .ok_or_else(|| ApiError::BadRequest {
            detail: format!("`{s}` is not a date (YYYY-MM-DD)"),
            field: Some(field.to_string()),
        })
}

/// Input: someone to invite, with or without an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeBody {
    /// Their name.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Their e-mail address: the invitation goes there.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Their side.
    pub side: SideDto,
    /// Their role, in words (e.g. "contract owner").
    #[serde(default)]
    #[schema(max_length = 200)]
    pub role: String,
    /// Their account, if they have one: vendor staff or the customer's people.
    pub person_id: Option<i64>,
}

impl From<AttendeeBody> for NewAttendee {
    fn from(b: AttendeeBody) -> Self {
        NewAttendee {
            name: b.name,
            email: b.email,
            side: b.side.into(),
            role: b.role,
            person_id: b.person_id.map(PersonId),
        }
    }
}

/// Input: a meeting to plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// Its kind.
    pub kind: MeetingKindDto,
    /// Its title; empty: the kind names it.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    /// When it starts (RFC 3339).
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// How long, in minutes.
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: i64,
    /// Where.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub location: String,
    /// The link to join online (http or https, a host name: no square brackets), or empty.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^(https?://[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\[\\]]+)?$"
    )]
    pub online_url: String,
    /// Who is invited; each one with an address is mailed the invitation.
    #[serde(default)]
    pub attendees: Vec<AttendeeBody>,
}

/// Input: a planned meeting's new time and place.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    /// Its title; empty: the kind names it.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    /// When it starts (RFC 3339).
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// How long, in minutes.
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: i64,
    /// Where.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub location: String,
    /// The link to join online (http or https, a host name: no square brackets), or empty.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^(https?://[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\[\\]]+)?$"
    )]
    pub online_url: String,
}

/// Input: the minutes of a meeting that has started.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesBody {
    /// What was discussed (paragraphs separated by an empty line).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub minutes: String,
    /// What was decided, one text each (not blank, at most 2000 characters).
    #[serde(default)]
    #[schema(schema_with = decisions_schema)]
    pub decisions: Vec<String>,
    /// The ids of the attendees who were there (the others were not).
    #[serde(default)]
    pub present: Vec<i64>,
}

/// A list of decisions, each a text that is not blank, within its limit.
fn decisions_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .min_length(Some(1))
                .max_length(Some(desk::limits::DECISION))
                .pattern(Some("\\S")),
        )
        .description(Some(
            "What was decided, one text each (not blank, at most 2000 characters).",
        ))
        .build()
}

/// Input: an action item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItemBody {
    /// What is to be done.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub what: String,
    /// Who does it, by name.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub owner_name: String,
    /// Their account, if they have one: vendor staff or the customer's people.
    pub owner_person_id: Option<i64>,
    /// By when (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub due_on: String,
}

/// Input: an action item's new due date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DueOnBody {
    /// By when (`YYYY-MM-DD`); its reminder is due again for the new date.
    #[schema(format = Date)]
    pub due_on: String,
}

/// Input: an action item done.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionBody {
    /// What was done, briefly.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Input: a recurring meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// Every this many months.
    #[schema(minimum = 1, maximum = 24)]
    pub every_months: i64,
    /// The date the series counts from (`YYYY-MM-DD`), 1970–2199.
    #[schema(format = Date)]
    pub anchor_on: String,
    /// The local start time (`HH:MM`, Europe/Amsterdam).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "10:00")]
    pub local_time: String,
    /// Minutes each.
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: i64,
    /// Where.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub location: String,
    /// The link to join online (http or https, a host name: no square brackets), or empty.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^(https?://[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\[\\]]+)?$"
    )]
    pub online_url: String,
}

/// An attendee.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendeeDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// Side.
    pub side: SideDto,
    /// Role, in words.
    pub role: String,
    /// Their account, if any.
    pub person_id: Option<i64>,
    /// Whether they were there; absent until the minutes say.
    pub present: Option<bool>,
}

/// A meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingDto {
    /// Id.
    pub id: i64,
    /// The customer.
    pub organization_id: i64,
    /// Its kind.
    pub kind: MeetingKindDto,
    /// Its title (empty: the kind names it).
    pub title: String,
    /// When it starts (RFC 3339).
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// When it ends (RFC 3339).
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// Minutes.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
    /// Planned, held or cancelled.
    pub status: MeetingStatusDto,
    /// The minutes.
    pub minutes: String,
    /// The decisions.
    pub decisions: Vec<String>,
    /// Changes since the first invitation (iCalendar SEQUENCE).
    pub sequence: i64,
    /// Whether the customer's schedule planned it.
    pub from_schedule: bool,
    /// When it was planned.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who planned it.
    pub created_by: Option<i64>,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Who changed it.
    pub updated_by: Option<i64>,
    /// Who is invited or attended.
    pub attendees: Vec<AttendeeDto>,
    /// The escalation step it is the record of (an interim meeting of a consultation or
    /// follow-up); absent for other meetings.
    pub escalation_step: Option<MeetingStepDto>,
}

/// The step of an escalation a meeting is the record of; the escalation's timeline links back.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingStepDto {
    /// The escalation.
    pub escalation_id: i64,
    /// The step's place in it, from 1.
    pub seq: i64,
    /// `consultation` or `follow_up`.
    pub step: String,
}

impl From<Meeting> for MeetingDto {
    fn from(m: Meeting) -> Self {
        MeetingDto {
            id: m.id.0,
            organization_id: m.org_id.0,
            kind: m.kind.into(),
            title: m.title.clone(),
            starts_at: rfc3339(m.starts_at),
            ends_at: rfc3339(m.ends_at()),
            duration_minutes: m.duration_minutes,
            location: m.location,
            online_url: m.online_url,
            status: m.status.into(),
            minutes: m.minutes,
            decisions: m.decisions,
            sequence: m.sequence,
            from_schedule: m.from_schedule,
            created_at: rfc3339(m.created_at),
            created_by: m.created_by.map(|p| p.0),
            updated_at: rfc3339(m.updated_at),
            updated_by: m.updated_by.map(|p| p.0),
            escalation_step: m.escalation_step.map(|s| MeetingStepDto {
                escalation_id: s.escalation_id.0,
                seq: s.seq,
                step: s.kind.as_str().to_string(),
            }),
            attendees: m
                .attendees
                .into_iter()
                .map(|a| AttendeeDto {
                    id: a.id.0,
                    name: a.name,
                    email: a.email,
                    side: a.side.into(),
                    role: a.role,
                    person_id: a.person_id.map(|p| p.0),
                    present: a.present,
                })
                .collect(),
        }
    }
}

/// A meeting and the invitations mailed with the change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MailedMeetingDto {
    /// The meeting.
    pub meeting: MeetingDto,
    /// Invitations queued in the outbox (one per new attendee with an address).
    pub invitations_queued: usize,
}

/// An action item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionItemDto {
    /// Id.
    pub id: i64,
    /// The meeting that agreed it.
    pub meeting_id: i64,
    /// The customer.
    pub organization_id: i64,
    /// What.
    pub what: String,
    /// Who, by name.
    pub owner_name: String,
    /// Their account, if any.
    pub owner_person_id: Option<i64>,
    /// By when (`YYYY-MM-DD`).
    #[schema(format = Date)]
    pub due_on: String,
    /// When it was recorded.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who recorded it.
    pub created_by: Option<i64>,
    /// When it was done.
    #[schema(format = DateTime)]
    pub done_at: Option<String>,
    /// Who marked it done.
    pub done_by: Option<i64>,
    /// What was said then.
    pub done_note: Option<String>,
    /// Not done and past its due date (today in Amsterdam).
    pub overdue: bool,
}

impl From<TrackedItem> for ActionItemDto {
    fn from(t: TrackedItem) -> Self {
        let i = t.item;
        ActionItemDto {
            id: i.id.0,
            meeting_id: i.meeting_id.0,
            organization_id: i.org_id.0,
            what: i.what,
            owner_name: i.owner_name,
            owner_person_id: i.owner_person_id.map(|p| p.0),
            due_on: i.due_on.to_string(),
            created_at: rfc3339(i.created_at),
            created_by: i.created_by.map(|p| p.0),
            done_at: i.done_at.map(rfc3339),
            done_by: i.done_by.map(|p| p.0),
            done_note: i.done_note,
            overdue: t.overdue,
        }
    }
}

/// A recurring meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScheduleDto {
    /// The customer.
    pub organization_id: i64,
    /// The kind.
    pub kind: MeetingKindDto,
    /// Every this many months.
    pub every_months: u32,
    /// The date the series counts from.
    #[schema(format = Date)]
    pub anchor_on: String,
    /// Which occurrence is next (0: the anchor date).
    pub occurrence: u32,
    /// The local start time (`HH:MM`, Europe/Amsterdam).
    pub local_time: String,
    /// Minutes each.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
    /// The next meeting's date: the same day N months on, clamped to the month's end, moved
    /// to the next working day of the agreement's calendar.
    #[schema(format = Date)]
    pub next_on: String,
    /// The meeting planned for it.
    pub next_meeting_id: Option<i64>,
    /// When the schedule last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Schedule> for ScheduleDto {
    fn from(s: Schedule) -> Self {
        ScheduleDto {
            organization_id: s.org_id.0,
            kind: s.kind.into(),
            every_months: s.every_months,
            anchor_on: s.anchor_on.to_string(),
            occurrence: s.occurrence,
            local_time: s.local_time.strftime("%H:%M").to_string(),
            duration_minutes: s.duration_minutes,
            location: s.location,
            online_url: s.online_url,
            next_on: s.next_on.to_string(),
            next_meeting_id: s.next_meeting_id.map(|m| m.0),
            updated_at: rfc3339(s.updated_at),
        }
    }
}

mod agenda_dto;
mod handlers;

pub use agenda_dto::*;
pub use handlers::*;

/// A customer id and a meeting kind from the path; anything else is 404.
pub struct OrgKind(pub OrgId, pub MeetingKind);

impl<S: Send + Sync> FromRequestParts<S> for OrgKind {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((id, kind)): Path<(String, String)> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("resource"))?;
        let canonical =
            !id.is_empty() && !id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit());
        let id = canonical
            .then(|| id.parse::<i64>().ok())
            .flatten()
            .ok_or(ApiError::NotFound("resource"))?;
        let kind = kind
            .parse::<MeetingKind>()
            .map_err(|_| ApiError::NotFound("schedule"))?;
        Ok(OrgKind(OrgId(id), kind))
    }
}

/// A text document with its media type, shown inline or saved under `file`.
fn document(kind: &'static str, file: Option<String>, body: String) -> Response {
    let disposition = file.map_or_else(
        || "inline".to_string(),
        |f| format!("inline; filename=\"{f}\""),
    );
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
