//! The meeting endpoints.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use desk::i18n::Tr;
use desk::meetings::schedule::SchedulePlan;
use desk::meetings::{IcsMethod, MeetingPlan};
use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use store::{
    ActionItemId, AttendeeId, MeetingChange, MeetingId, Minutes, NewActionItem, NewAttendee, OrgId,
    PersonId,
};
use utoipa::{IntoParams, ToSchema};

use super::{
    ActionItemBody, ActionItemDto, AgendaDto, AttendeeBody, ChangeBody, CompletionBody, DueOnBody,
    MailedMeetingDto, MeetingDto, MeetingKindDto, MeetingStatusDto, MinutesBody, OrgKind, PlanBody,
    ScheduleBody, ScheduleDto, WRITE, document, parse_date,
};
use crate::AppState;
use crate::api::{ApiQuery, Id, LangDto, Problems, parse_instant};
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use render::ical::meetings_feed;
use render::minutes::printable_minutes;

fn tr(lang: Option<LangDto>) -> Tr {
    Tr::for_code(lang.map_or("nl", LangDto::as_str))
}

/// Which meetings.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only this kind.
    #[param(inline)]
    pub kind: Option<MeetingKindDto>,
    /// Only this status.
    #[param(inline)]
    pub status: Option<MeetingStatusDto>,
}

/// A customer's meetings, earliest first (a customer's people see their own organization's).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/meetings", tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1), MeetingQuery),
    responses((status = 200, description = "The meetings.", body = Vec<MeetingDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_meetings(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> Result<ApiJson<Vec<MeetingDto>>, ApiError> {
    let list = app
        .meetings(
            &caller,
            OrgId(id),
            q.kind.map(Into::into),
            q.status.map(Into::into),
        )
        .await?;
    Ok(ApiJson(list.into_iter().map(MeetingDto::from).collect()))
}

/// Plan a meeting with a customer (the service desk). Every attendee with an address is
/// mailed an invitation with the iCalendar REQUEST attached, queued with the meeting in one
/// transaction.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/meetings", request_body = PlanBody, tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "Planned.", body = MailedMeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn plan_meeting(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<(StatusCode, ApiJson<MailedMeetingDto>), ApiError> {
    let plan = MeetingPlan {
        org_id: OrgId(id),
        kind: body.kind.into(),
        title: body.title,
        starts_at: parse_instant("starts_at", &body.starts_at)?,
        duration_minutes: body.duration_minutes,
        location: body.location,
        online_url: body.online_url,
        attendees: body.attendees.into_iter().map(NewAttendee::from).collect(),
    };
    let (meeting, mails) = app.plan_meeting(&caller, &plan, WRITE).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(MailedMeetingDto {
            meeting: meeting.into(),
            invitations_queued: mails,
        }),
    ))
}

/// Which language.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `nl` (default) or `en`.
    pub lang: Option<LangDto>,
}

/// A customer's meetings as an iCalendar feed to subscribe to (cancelled ones marked so).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/meetings.ics", tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1), LangQuery),
    responses((status = 200, description = "The feed.", content((String = "text/calendar"))), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn meetings_ics(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Response, ApiError> {
    let org = app.store.get_org(&caller.scope, OrgId(id)).await?;
    let list = app.meetings(&caller, org.id, None, None).await?;
    Ok(document(
        "text/calendar; charset=utf-8",
        Some(format!("meetings-{id}.ics")),
        meetings_feed(&list, &org.name, tr(q.lang)),
    ))
}

/// One meeting with its attendees.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 200, description = "The meeting.", body = MeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_meeting(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<MeetingDto>, ApiError> {
    Ok(ApiJson(app.meeting(&caller, MeetingId(id)).await?.into()))
}

/// Move a meeting or change its title or place (the service desk): a planned one, whose
/// attendees are mailed the updated invitation (METHOD:REQUEST, same UID, sequence one
/// higher), or a held one whose record is corrected; not a cancelled one.
#[utoipa::path(put, path = "/api/v1/meetings/{id}", request_body = ChangeBody, tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 200, description = "Changed.", body = MeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn change_meeting(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<ApiJson<MeetingDto>, ApiError> {
    let change = MeetingChange {
        title: body.title,
        starts_at: parse_instant("starts_at", &body.starts_at)?,
        duration_minutes: body.duration_minutes,
        location: body.location,
        online_url: body.online_url,
    };
    let (m, _) = app
        .change_meeting(&caller, MeetingId(id), &change, WRITE)
        .await?;
    Ok(ApiJson(m.into()))
}

/// Call off a planned meeting (the service desk); its attendees are mailed the cancellation
/// (METHOD:CANCEL). When the customer's schedule planned it, the schedule's next meeting is
/// planned. Cancelling again changes nothing; a held meeting cannot be cancelled.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/cancellation", tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 200, description = "Cancelled.", body = MeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn cancel_meeting(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<MeetingDto>, ApiError> {
    let (m, _) = app.cancel_meeting(&caller, MeetingId(id), WRITE).await?;
    Ok(ApiJson(m.into()))
}

/// Invite someone (the service desk), from either side, with or without an account; on a
/// planned meeting they are mailed the invitation.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/attendees", request_body = AttendeeBody, tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 201, description = "Added.", body = MailedMeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn add_attendee(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<AttendeeBody>,
) -> Result<(StatusCode, ApiJson<MailedMeetingDto>), ApiError> {
    let (meeting, mails) = app
        .add_attendee(&caller, MeetingId(id), &body.into(), WRITE)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(MailedMeetingDto {
            meeting: meeting.into(),
            invitations_queued: mails,
        }),
    ))
}

/// Record the minutes of a meeting that has started (the service desk): what was discussed,
/// the decisions and who was there; the meeting is held. Recording again corrects them.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/minutes", request_body = MinutesBody, tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 200, description = "Recorded.", body = MeetingDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn record_minutes(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MinutesBody>,
) -> Result<ApiJson<MeetingDto>, ApiError> {
    let minutes = Minutes {
        text: body.minutes,
        decisions: body.decisions,
        present: body.present.into_iter().map(AttendeeId).collect(),
    };
    let m = app.record_minutes(&caller, MeetingId(id), &minutes).await?;
    Ok(ApiJson(m.into()))
}

/// The format of the minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MinutesFormat {
    /// The meeting, its customer and action items as JSON.
    Json,
    /// Printable (HTML with a print stylesheet for A4).
    Html,
}

/// Which minutes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MinutesQuery {
    /// `json` (default) or `html` (printable, A4).
    #[param(inline)]
    pub format: Option<MinutesFormat>,
    /// The language of the printable minutes: `nl` (default) or `en`.
    pub lang: Option<LangDto>,
}

/// The minutes as exported: the meeting with its attendees and decisions, the customer, and
/// the meeting's action items.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MinutesDto {
    /// The meeting.
    pub meeting: MeetingDto,
    /// The customer's name.
    pub customer: String,
    /// The action items the meeting agreed.
    pub action_items: Vec<ActionItemDto>,
}

/// A meeting's minutes, as JSON or printable (A4, Dutch or English, times in Amsterdam time).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/minutes", tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1), MinutesQuery),
    responses((status = 200, description = "The minutes.",
        content((MinutesDto = "application/json"), (String = "text/html"))), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn meeting_minutes(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MinutesQuery>,
) -> Result<Response, ApiError> {
    let m = app.meeting(&caller, MeetingId(id)).await?;
    let org = app.store.get_org(&caller.scope, m.org_id).await?;
    let items = app
        .action_items(&caller, m.org_id, Some(m.id), false)
        .await?;
    match q.format.unwrap_or(MinutesFormat::Json) {
        MinutesFormat::Json => {
            let dto = MinutesDto {
                meeting: m.into(),
                customer: org.name,
                action_items: items.into_iter().map(ActionItemDto::from).collect(),
            };
            Ok(document(
                "application/json",
                Some(format!("minutes-{id}.json")),
                serde_json::to_string(&dto).map_err(|e| ApiError::Internal(e.into()))?,
            ))
        }
        MinutesFormat::Html => {
            let compiled = app.customer_calendar(m.org_id, m.starts_at).await?;
            let html = printable_minutes(&m, &org.name, &items, &compiled.calendar, tr(q.lang));
            Ok(document("text/html; charset=utf-8", None, html))
        }
    }
}

/// A meeting's invitation as iCalendar (METHOD:REQUEST), as mailed to its attendees.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/invitation.ics", tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1), LangQuery),
    responses((status = 200, description = "The invitation.", content((String = "text/calendar"))), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn meeting_invitation(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Response, ApiError> {
    let (ics, method) = app
        .meeting_invitation(&caller, MeetingId(id), tr(q.lang), WRITE)
        .await?;
    Ok(document(
        match method {
            IcsMethod::Request => "text/calendar; charset=utf-8; method=REQUEST",
            IcsMethod::Cancel => "text/calendar; charset=utf-8; method=CANCEL",
        },
        Some("invite.ics".into()),
        ics,
    ))
}

/// The agenda of a tactical meeting, assembled from the data: the monthly reports since the
/// previous tactical meeting (failed targets, missed targets with their reasons,
/// availability), the open action items, the open RFC tickets and the open escalation.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/agenda", tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 200, description = "The agenda.", body = AgendaDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn meeting_agenda(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<AgendaDto>, ApiError> {
    Ok(ApiJson(app.agenda(&caller, MeetingId(id)).await?.into()))
}

/// Record an action item of a meeting (the service desk): what, who (vendor staff or the
/// customer's people, with or without an account) and by when.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/action-items", request_body = ActionItemBody, tag = "meetings",
    params(("id" = i64, Path, description = "Meeting id", minimum = 1)),
    responses((status = 201, description = "Recorded.", body = ActionItemDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn add_action_item(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ActionItemBody>,
) -> Result<(StatusCode, ApiJson<ActionItemDto>), ApiError> {
    let new = NewActionItem {
        what: body.what,
        owner_name: body.owner_name,
        owner_person_id: body.owner_person_id.map(PersonId),
        due_on: parse_date("due_on", &body.due_on)?,
    };
    let item = app.add_action_item(&caller, MeetingId(id), &new).await?;
    Ok((StatusCode::CREATED, ApiJson(item.into())))
}

/// Mark an action item done (the service desk, or the customer's administrator), once.
#[utoipa::path(post, path = "/api/v1/action-items/{id}/completion", request_body = CompletionBody, tag = "meetings",
    params(("id" = i64, Path, description = "Action item id", minimum = 1)),
    responses((status = 200, description = "Done.", body = ActionItemDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn complete_action_item(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CompletionBody>,
) -> Result<ApiJson<ActionItemDto>, ApiError> {
    let item = app
        .complete_action_item(&caller, ActionItemId(id), body.note.as_deref())
        .await?;
    Ok(ApiJson(item.into()))
}

/// Move an action item's due date (the service desk) while it is not done (a done one is a
/// conflict); the reminder of the new date is due again.
#[utoipa::path(put, path = "/api/v1/action-items/{id}/due-on", request_body = DueOnBody, tag = "meetings",
    params(("id" = i64, Path, description = "Action item id", minimum = 1)),
    responses((status = 200, description = "Moved.", body = ActionItemDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn move_action_item(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<DueOnBody>,
) -> Result<ApiJson<ActionItemDto>, ApiError> {
    let due_on = parse_date("due_on", &body.due_on)?;
    let item = app
        .move_action_item(&caller, ActionItemId(id), due_on)
        .await?;
    Ok(ApiJson(item.into()))
}

/// Which action items.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionItemQuery {
    /// Only those not done.
    #[serde(default)]
    pub open: bool,
    /// Only those of this meeting.
    pub meeting: Option<i64>,
}

/// A customer's action items by due date, each with whether it is overdue now.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/action-items", tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1), ActionItemQuery),
    responses((status = 200, description = "The action items.", body = Vec<ActionItemDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_action_items(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<ActionItemQuery>,
) -> Result<ApiJson<Vec<ActionItemDto>>, ApiError> {
    let items = app
        .action_items(&caller, OrgId(id), q.meeting.map(MeetingId), q.open)
        .await?;
    Ok(ApiJson(
        items.into_iter().map(ActionItemDto::from).collect(),
    ))
}

/// A customer's recurring meetings.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/meeting-schedules", tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "The schedules.", body = Vec<ScheduleDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_schedules(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<ScheduleDto>>, ApiError> {
    let list = app.schedules(&caller, OrgId(id)).await?;
    Ok(ApiJson(list.into_iter().map(ScheduleDto::from).collect()))
}

/// A customer's recurring meeting of one kind.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/meeting-schedules/{kind}", tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1),
        ("kind" = MeetingKindDto, Path, description = "The kind of meeting")),
    responses((status = 200, description = "The schedule.", body = ScheduleDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_schedule(
    State(app): State<AppState>,
    caller: Caller,
    OrgKind(org, kind): OrgKind,
) -> Result<ApiJson<ScheduleDto>, ApiError> {
    Ok(ApiJson(app.schedule(&caller, org, kind).await?.into()))
}

/// Set a customer's recurring meeting of one kind (the service desk): every N months from the
/// anchor date at a local time. Its next meeting is planned at once: the first occurrence on
/// or after today, the same day N months on (clamped to the month's end), moved to the next
/// working day of the agreement's calendar; each time it is held or cancelled, the next one.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/meeting-schedules/{kind}", request_body = ScheduleBody, tag = "meetings",
    params(("id" = i64, Path, description = "Organization id", minimum = 1),
        ("kind" = MeetingKindDto, Path, description = "The kind of meeting")),
    responses((status = 200, description = "Set.", body = ScheduleDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_schedule(
    State(app): State<AppState>,
    caller: Caller,
    OrgKind(org, kind): OrgKind,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> Result<ApiJson<ScheduleDto>, ApiError> {
    let local_time: Time = body
        .local_time
        .parse()
        .ok()
        .filter(|_| body.local_time.len() == 5)
        .ok_or_else(|| ApiError::BadRequest {
            detail: format!("`{}` is not a time of day (HH:MM)", body.local_time),
            field: Some("local_time".into()),
        })?;
    let plan = SchedulePlan {
        every_months: u32::try_from(body.every_months).unwrap_or(0),
        anchor_on: parse_date("anchor_on", &body.anchor_on)?,
        local_time,
        duration_minutes: body.duration_minutes,
        location: body.location,
        online_url: body.online_url,
    };
    Ok(ApiJson(
        app.set_schedule(&caller, org, kind, &plan).await?.into(),
    ))
}
