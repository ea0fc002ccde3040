//! Tickets: the listing and queue, filing, the history, and every action on a ticket.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sla::{OutcomeKind, Priority, Status, TicketKind};
use store::{Event, OrgId, PersonId, Ticket, TicketFilter, TicketId, TicketOrder};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::tickets::{Action, FileTicket, Upload};
use desk::time::rfc3339;

use super::{
    ApiQuery, Id, KindDto, OrderDto, OutcomeDto, PriorityDto, Problems, StatusDto, parse_instant,
};

/// One target's clock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetDto {
    /// Share of tickets that must meet it, in percent.
    pub percent: f64,
    /// Time allowed, e.g. `4 hours`.
    pub within: String,
    /// When the time runs out (RFC 3339); absent while paused.
    pub deadline: Option<String>,
    /// `running`, `met` or `missed`.
    pub outcome: String,
    /// When the outcome was decided (RFC 3339).
    pub decided_at: Option<String>,
    /// Business seconds used.
    pub business_seconds_used: i64,
    /// Business seconds allowed.
    pub business_seconds_allowed: i64,
}

/// The SLA clocks of a ticket, derived by the engine.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlaDto {
    /// When the clocks started (RFC 3339).
    pub clock_start: String,
    /// The earliest deadline of a running target (RFC 3339).
    pub next_deadline: Option<String>,
    /// `running`, `met` or `missed` (missed if any target was).
    pub outcome: String,
    /// Whether a pausing status holds.
    pub paused: bool,
    /// One clock per bound.
    pub targets: Vec<TargetDto>,
}

/// A ticket.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TicketDto {
    /// Id.
    pub id: i64,
    /// The customer.
    pub organization_id: i64,
    /// The agreement version it is measured under.
    pub agreement_id: i64,
    /// Kind.
    pub kind: String,
    /// Priority (incidents).
    pub priority: Option<String>,
    /// Status.
    pub status: String,
    /// Channel: web, api, phone or email.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// The customer administrator who reported it.
    pub reporter_id: i64,
    /// The agent it is assigned to.
    pub assignee_id: Option<i64>,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// Number of events in its history.
    pub event_count: i64,
    /// Its SLA clocks.
    pub sla: SlaDto,
}

impl From<Ticket> for TicketDto {
    fn from(t: Ticket) -> Self {
        let c = t.clocks;
        TicketDto {
            id: t.id.0,
            organization_id: t.org_id.0,
            agreement_id: t.agreement_id.0,
            kind: t.kind.as_str().to_string(),
            priority: t.priority.map(|p| p.as_str().to_string()),
            status: t.status.as_str().to_string(),
            channel: t.channel.as_str().to_string(),
            subject: t.subject,
            reporter_id: t.reporter_id.0,
            assignee_id: t.assignee_id.map(|a| a.0),
            received_at: rfc3339(t.received_at),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            event_count: t.event_count,
            sla: SlaDto {
                clock_start: rfc3339(c.clock_start),
                next_deadline: c.next_deadline.map(rfc3339),
                outcome: c.sla_outcome.as_str().to_string(),
                paused: c.paused,
                targets: c
                    .targets
                    .into_iter()
                    .map(|r| TargetDto {
                        percent: r.percent_bp as f64 / 100.0,
                        within: r.within,
                        deadline: r.deadline.map(rfc3339),
                        outcome: r.outcome.as_str().to_string(),
                        decided_at: r.decided_at.map(rfc3339),
                        business_seconds_used: r.business_used,
                        business_seconds_allowed: r.budget,
                    })
                    .collect(),
            },
        }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TicketPage {
    /// The tickets.
    pub items: Vec<TicketDto>,
    /// Cursor of the next page; absent on the last page.
    pub next: Option<String>,
}

/// Input: a new ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// Kind.
    pub kind: KindDto,
    /// Priority (incidents only, required for them).
    pub priority: Option<PriorityDto>,
    /// Subject, 1–300 characters.
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub subject: String,
    /// Description.
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub description: String,
    /// Organization (phone registrations; must match the reporter's).
    pub organization_id: Option<i64>,
    /// The calling customer administrator (phone registrations by the service desk).
    pub reporter_id: Option<i64>,
    /// When the call came in (RFC 3339; phone registrations, default now).
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
    /// Addresses of people of the same customer to copy on the ticket (at most 20).
    #[serde(default)]
    #[schema(schema_with = super::recipients::cc_schema)]
    pub cc: Vec<String>,
    /// Files attached to the ticket as filed (at most 10, each at most 10 MiB decoded, within
    /// the API's body limit of 256 KiB).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachments: Vec<NewFileBody>,
}

/// Input: a file, its bytes in base64 (RFC 4648, standard alphabet).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFileBody {
    /// The file's name.
    #[schema(min_length = 1, max_length = 1000)]
    pub file_name: String,
    /// Its media type, e.g. `image/png` (default `application/octet-stream`).
    #[schema(max_length = 200)]
    pub content_type: Option<String>,
    /// The bytes, base64.
    #[schema(max_length = 262144)]
    pub data: String,
}

/// One event of a ticket's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventDto {
    /// Id (increasing).
    pub id: i64,
    /// When it happened (RFC 3339).
    pub at: String,
    /// Who did it.
    pub actor_id: Option<i64>,
    /// What happened: created, commented, priority_changed, status_changed, assigned, resolved, reopened.
    pub kind: String,
    /// The details (who, what, why).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        EventDto {
            id: e.id,
            at: rfc3339(e.at),
            actor_id: e.actor_id.map(|a| a.0),
            kind: e.kind.as_str().to_string(),
            data: e.data,
        }
    }
}

/// Input: a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// Text.
    #[schema(min_length = 1, max_length = 100000, pattern = "\\S")]
    pub body: String,
    /// An internal note (service desk only), default false.
    #[serde(default)]
    pub internal: bool,
}

/// Input: a priority change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    /// New priority.
    pub priority: PriorityDto,
    /// Why (required; at most 2000 characters).
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Input: an assignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The agent, or null to unassign.
    pub assignee_id: Option<i64>,
}

/// Input: a status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// New status.
    pub status: StatusDto,
    /// Why (optional; at most 2000 characters).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Filters of the ticket listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// Only this organization.
    pub organization: Option<i64>,
    /// Only this kind.
    pub kind: Option<KindDto>,
    /// Only this status.
    pub status: Option<StatusDto>,
    /// Only this priority.
    pub priority: Option<PriorityDto>,
    /// Only this SLA outcome.
    pub sla_outcome: Option<OutcomeDto>,
    /// Only tickets whose next running deadline falls within this many business hours from now.
    #[param(minimum = 0, maximum = 200)]
    pub at_risk_hours: Option<u32>,
    /// Text in the subject (at most 200 characters).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only tickets assigned to this person.
    pub assignee: Option<i64>,
    /// `queue` (open tickets by time to breach) or `newest`; default `queue`, but `newest` when
    /// `status` is `resolved` or `closed` (they have left the queue).
    pub order: Option<OrderDto>,
    /// The `next` cursor of the previous page (a cursor of the other order, or one that
    /// points nowhere, is refused with 422).
    #[param(pattern = "^(q[0-9]{1,19}_[0-9]{1,19}|n[0-9]{1,19})$")]
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The tickets you may see: the agent queue by time to breach, or newest first; with filters.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, description = "A page of tickets.", body = TicketPage), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_tickets(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> Result<ApiJson<TicketPage>, ApiError> {
    if let Some(c) = q.cursor.as_deref()
        && !store::is_cursor(c)
    {
        return Err(ApiError::BadRequest {
            detail: format!("`{c}` is not a cursor; pass the `next` value of the previous page"),
            field: Some("cursor".into()),
        });
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadRequest {
            detail: "limit lies between 1 and 200".into(),
            field: Some("limit".into()),
        });
    }
    let deadline_before = match q.at_risk_hours {
        Some(h) if h > desk::tickets::MAX_AT_RISK_HOURS => {
            return Err(ApiError::BadRequest {
                detail: format!(
                    "at_risk_hours lies between 0 and {}",
                    desk::tickets::MAX_AT_RISK_HOURS
                ),
                field: Some("at_risk_hours".into()),
            });
        }
        Some(h) => Some(app.at_risk_until("at_risk_hours", h)?),
        None => None,
    };
    desk::limits::check_opt("q", q.q.as_deref(), desk::limits::TICKET_SEARCH)?;
    let filter = TicketFilter {
        org: q.organization.map(OrgId),
        kind: q.kind.map(TicketKind::from),
        status: q.status.map(Status::from),
        priority: q.priority.map(Priority::from),
        sla_outcome: q.sla_outcome.map(OutcomeKind::from),
        deadline_before,
        subject: q.q.filter(|s| !s.trim().is_empty()),
        assignee: q.assignee.map(PersonId),
        order: q.order.map_or_else(
            || desk::tickets::listing_order(q.status.map(Status::from)),
            TicketOrder::from,
        ),
    };
    let page = app
        .store
        .list_tickets(&caller.scope, &filter, q.cursor.as_deref(), limit)
        .await?;
    Ok(ApiJson(TicketPage {
        items: page.items.into_iter().map(TicketDto::from).collect(),
        next: page.next,
    }))
}

/// File a ticket: customer administrators for their organization; the service desk registers a
/// phone call on behalf of a customer administrator, with the time the call came in.
#[utoipa::path(post, path = "/api/v1/tickets", request_body = NewTicketBody, tag = "tickets",
    responses((status = 201, description = "Filed; its SLA clocks are running.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn file_ticket(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> Result<(StatusCode, ApiJson<TicketDto>), ApiError> {
    let received_at = body
        .received_at
        .as_deref()
        .map(|s| parse_instant("received_at", s))
        .transpose()?;
    if body.attachments.len() > desk::limits::FILING_FILES {
        return Err(ApiError::Unprocessable {
            field: "attachments".into(),
            message: format!(
                "at most {} files go with a ticket",
                desk::limits::FILING_FILES
            ),
        });
    }
    let mut files = Vec::with_capacity(body.attachments.len());
    for (i, f) in body.attachments.iter().enumerate() {
        let data = decode_base64(&f.data).ok_or_else(|| ApiError::Unprocessable {
            field: format!("attachments[{i}].data"),
            message: "not base64 (RFC 4648, standard alphabet)".into(),
        })?;
        if data.len() > store::MAX_ATTACHMENT_BYTES {
            return Err(ApiError::Unprocessable {
                field: format!("attachments[{i}].data"),
                message: "a file is at most 10 MiB".into(),
            });
        }
        files.push(Upload {
            file_name: crate::pages::ticket::sanitize_file_name(&f.file_name),
            content_type: crate::pages::ticket::media_type(f.content_type.as_deref()),
            data,
        });
    }
    let (ticket, _) = app
        .file_ticket_with(
            &caller,
            FileTicket {
                kind: body.kind.into(),
                priority: body.priority.map(Priority::from),
                subject: body.subject,
                description: body.description,
                organization_id: body.organization_id.map(OrgId),
                reporter_id: body.reporter_id.map(PersonId),
                received_at,
            },
            &body.cc,
            files,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(ticket.into())))
}

/// One ticket with its SLA clocks.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The ticket.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_ticket(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<TicketDto>, ApiError> {
    Ok(ApiJson(
        app.store
            .get_ticket(&caller.scope, TicketId(id))
            .await?
            .into(),
    ))
}

/// A ticket's history, oldest first (customers do not see internal notes).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "Oldest first.", body = Vec<EventDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn ticket_events(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<EventDto>>, ApiError> {
    let events = app.store.ticket_events(&caller.scope, TicketId(id)).await?;
    Ok(ApiJson(events.into_iter().map(EventDto::from).collect()))
}

/// Comment on a ticket (a public comment by the service desk is its response).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/comments", request_body = CommentBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The ticket after the comment.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn comment(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<ApiJson<TicketDto>, ApiError> {
    let t = app
        .act(
            &caller,
            TicketId(id),
            Action::Comment {
                body: body.body,
                internal: body.internal,
            },
        )
        .await?;
    Ok(ApiJson(t.into()))
}

/// Change an incident's priority (service desk), with the reason.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/priority", request_body = PriorityBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The ticket under its new targets.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn change_priority(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<PriorityBody>,
) -> Result<ApiJson<TicketDto>, ApiError> {
    let t = app
        .act(
            &caller,
            TicketId(id),
            Action::Priority {
                to: body.priority.into(),
                reason: body.reason,
            },
        )
        .await?;
    Ok(ApiJson(t.into()))
}

/// Assign a ticket to an agent, or unassign it (service desk).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/assignment", request_body = AssignBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The ticket.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn assign(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<ApiJson<TicketDto>, ApiError> {
    let t = app
        .act(
            &caller,
            TicketId(id),
            Action::Assign {
                to: body.assignee_id.map(PersonId),
            },
        )
        .await?;
    Ok(ApiJson(t.into()))
}

/// Change a ticket's status: the service desk resolves, waits, closes or reopens; a customer
/// administrator reopens or closes a resolved ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/status", request_body = StatusBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The ticket.", body = TicketDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_status(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<ApiJson<TicketDto>, ApiError> {
    let t = app
        .act(
            &caller,
            TicketId(id),
            Action::Status {
                to: body.status.into(),
                reason: body.reason,
            },
        )
        .await?;
    Ok(ApiJson(t.into()))
}

/// Decodes base64 (RFC 4648, standard alphabet, padding optional, no line breaks).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero padding, and one lone character is never valid.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}
