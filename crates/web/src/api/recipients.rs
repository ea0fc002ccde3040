//! Who reads a ticket's notifications: your own preferences, the people copied on a ticket
//! and the service desk's followers (SLA-RULES §10).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use store::{NotificationPrefs, Person, TicketId};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::recipients::PrefsInput;

use super::{Id, Problems};

/// Each event of a ticket: mailed (`true`) or not.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationEventsDto {
    /// A ticket was received (filed or registered).
    pub received: bool,
    /// A public reply.
    pub reply: bool,
    /// The desk waits for the customer.
    pub waiting: bool,
    /// Resolved.
    pub resolved: bool,
    /// Reopened.
    pub reopened: bool,
    /// The priority changed.
    pub priority: bool,
}

/// How notifications reach you.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryDto {
    /// A mail for each event, at once.
    Each,
    /// One mail a day (08:00 Europe/Amsterdam) with the day's notifications.
    Digest,
}

/// Your notification preferences. The reporter's receipt of a ticket and the on-duty list's
/// copy of a new ticket are always sent at once, whatever these say.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPrefsDto {
    /// Each event on or off.
    pub events: NotificationEventsDto,
    /// Each mail at once, or a daily digest.
    pub delivery: DeliveryDto,
    /// (Customer administrators) also the tickets your colleagues filed; others must send
    /// `false`.
    pub colleagues: bool,
}

impl From<NotificationPrefs> for NotificationPrefsDto {
    fn from(p: NotificationPrefs) -> Self {
        NotificationPrefsDto {
            events: NotificationEventsDto {
                received: p.wants("received"),
                reply: p.wants("reply"),
                waiting: p.wants("waiting"),
                resolved: p.wants("resolved"),
                reopened: p.wants("reopened"),
                priority: p.wants("priority"),
            },
            delivery: if p.digest {
                DeliveryDto::Digest
            } else {
                DeliveryDto::Each
            },
            colleagues: p.colleagues,
        }
    }
}

impl From<&NotificationPrefsDto> for PrefsInput {
    fn from(d: &NotificationPrefsDto) -> Self {
        let e = &d.events;
        PrefsInput {
            events: vec![
                ("received".into(), e.received),
                ("reply".into(), e.reply),
                ("waiting".into(), e.waiting),
                ("resolved".into(), e.resolved),
                ("reopened".into(), e.reopened),
                ("priority".into(), e.priority),
            ],
            digest: d.delivery == DeliveryDto::Digest,
            colleagues: d.colleagues,
        }
    }
}

/// Your notification preferences.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    responses((status = 200, description = "Your preferences.", body = NotificationPrefsDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn my_notifications(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<NotificationPrefsDto>, ApiError> {
    Ok(ApiJson(app.my_notification_prefs(&caller).await?.into()))
}

/// Set your notification preferences (all of them at once).
#[utoipa::path(put, path = "/api/v1/me/notifications", request_body = NotificationPrefsDto,
    tag = "notifications",
    responses((status = 200, description = "Your preferences as stored.", body = NotificationPrefsDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_my_notifications(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NotificationPrefsDto>,
) -> Result<ApiJson<NotificationPrefsDto>, ApiError> {
    let input = PrefsInput::from(&body);
    Ok(ApiJson(
        app.set_my_notification_prefs(&caller, &input).await?.into(),
    ))
}

/// Someone who reads a ticket's notifications.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReaderDto {
    /// Person id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

impl From<Person> for ReaderDto {
    fn from(p: Person) -> Self {
        ReaderDto {
            id: p.id.0,
            name: p.name,
            email: p.email,
        }
    }
}

/// Input: who is copied on a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CcBody {
    /// The addresses of people of the ticket's customer (at most 20); replaces the list.
    #[schema(schema_with = cc_schema)]
    pub cc: Vec<String>,
}

/// Up to 20 e-mail addresses of people of the ticket's customer.
pub fn cc_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .max_length(Some(desk::limits::EMAIL)),
        )
        .max_items(Some(desk::recipients::MAX_CC))
        .description(Some(
            "E-mail addresses of active people of the ticket's customer (at most 20).",
        ))
        .build()
}

/// The people copied on a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/cc", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "By name.", body = Vec<ReaderDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn ticket_cc(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<ReaderDto>>, ApiError> {
    let people = app.ticket_cc(&caller, TicketId(id)).await?;
    Ok(ApiJson(people.into_iter().map(ReaderDto::from).collect()))
}

/// Replace who is copied on a ticket: people of its customer, by address (the customer's
/// administrators and the service desk; viewers read).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/cc", request_body = CcBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The people copied now, by name.", body = Vec<ReaderDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_ticket_cc(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CcBody>,
) -> Result<ApiJson<Vec<ReaderDto>>, ApiError> {
    let people = app.set_ticket_cc(&caller, TicketId(id), &body.cc).await?;
    Ok(ApiJson(people.into_iter().map(ReaderDto::from).collect()))
}

/// The service desk's followers of a ticket (service desk).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/followers", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "By name.", body = Vec<ReaderDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn followers(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<ReaderDto>>, ApiError> {
    let people = app.ticket_followers(&caller, TicketId(id)).await?;
    Ok(ApiJson(people.into_iter().map(ReaderDto::from).collect()))
}

/// Follow a ticket: its events reach you as they reach its assignee (service desk).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/following", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The followers now, by name.", body = Vec<ReaderDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn follow(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<ReaderDto>>, ApiError> {
    let people = app.set_following(&caller, TicketId(id), true).await?;
    Ok(ApiJson(people.into_iter().map(ReaderDto::from).collect()))
}

/// Stop following a ticket (service desk).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/following", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The followers now, by name.", body = Vec<ReaderDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn unfollow(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<ReaderDto>>, ApiError> {
    let people = app.set_following(&caller, TicketId(id), false).await?;
    Ok(ApiJson(people.into_iter().map(ReaderDto::from).collect()))
}
