//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from these handlers.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sla::{OutcomeKind, Priority, Status, TicketKind};
use store::{
    Agreement, ApiToken, Event, NewAgreement, NewPerson, OrgId, Organization, Person, PersonId,
    Role, Ticket, TicketFilter, TicketId, TicketOrder, TokenId,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiJson, Problem};
use desk::tickets::{Action, FileTicket};
use desk::time::{ms, rfc3339};

// ----- shared pieces ------------------------------------------------------------------------

/// Every problem response the API may give, documented once.
pub struct Problems;

impl utoipa::IntoResponses for Problems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        [
            ("400", "The request is malformed; `errors` names the field."),
            ("401", "Not signed in."),
            ("403", "Signed in, but not allowed; `detail` says why."),
            ("404", "Nothing you may see has that id."),
            (
                "409",
                "Conflicts with existing data; `errors` names the field.",
            ),
            ("413", "The body is too large."),
            ("415", "The body is not application/json."),
            (
                "422",
                "Well-formed, but breaks a rule; `errors` names the field.",
            ),
            ("429", "Too many attempts; see Retry-After."),
        ]
        .into_iter()
        .map(|(code, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/problem+json", content)
                .build();
            (code.to_string(), RefOr::T(response))
        })
        .collect()
    }
}

fn parse_instant(field: &str, s: &str) -> Result<Timestamp, ApiError> {
    let secs = sla::rfc3339::parse(s).map_err(|e| ApiError::BadRequest {
        detail: e.to_string(),
        field: Some(field.to_string()),
    })?;
    Timestamp::from_second(secs).map_err(|e| ApiError::BadRequest {
        detail: e.to_string(),
        field: Some(field.to_string()),
    })
}

/// A numeric id from the path; anything else is 404 (no such resource).
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw): Path<String> = Path::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("resource"))?;
        // Only the canonical form: digits, no sign, no leading zero.
        let canonical =
            !raw.is_empty() && !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit());
        canonical
            .then(|| raw.parse::<i64>().ok())
            .flatten()
            .map(Id)
            .ok_or(ApiError::NotFound("resource"))
    }
}

/// Query parameters whose parse errors name the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        if let Some((k, _)) = form_urlencoded::parse(query.as_bytes())
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(ApiError::BadRequest {
                detail: crate::error::NUL_DETAIL.into(),
                field: Some(k.replace('\0', "%00")),
            });
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                ApiError::BadRequest {
                    detail: e.into_inner().to_string(),
                    field: (field != ".").then_some(field),
                }
            })
    }
}

macro_rules! api_enum {
    ($(#[$m:meta])* $name:ident => $target:ty { $($variant:ident = $word:literal => $to:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[doc = $word] $variant),+
        }

        impl From<$name> for $target {
            fn from(v: $name) -> $target {
                match v { $($name::$variant => $to),+ }
            }
        }
    };
}

api_enum!(
    /// Kind of ticket.
    KindDto => TicketKind { Incident = "incident" => TicketKind::Incident, Question = "question" => TicketKind::Question, Rfc = "rfc" => TicketKind::Rfc }
);
api_enum!(
    /// Incident priority.
    PriorityDto => Priority { Urgent = "urgent" => Priority::Urgent, High = "high" => Priority::High, Normal = "normal" => Priority::Normal, Low = "low" => Priority::Low }
);
api_enum!(
    /// Ticket status.
    StatusDto => Status {
        New = "new" => Status::New,
        Open = "open" => Status::Open,
        WaitingOnCustomer = "waiting_on_customer" => Status::WaitingOnCustomer,
        Resolved = "resolved" => Status::Resolved,
        Closed = "closed" => Status::Closed,
        Reopened = "reopened" => Status::Reopened,
    }
);
api_enum!(
    /// What a person may do.
    RoleDto => Role {
        Agent = "agent" => Role::Agent,
        ServiceManager = "service_manager" => Role::ServiceManager,
        Admin = "admin" => Role::Admin,
        CustomerAdmin = "customer_admin" => Role::CustomerAdmin,
        CustomerViewer = "customer_viewer" => Role::CustomerViewer,
    }
);
api_enum!(
    /// Overall SLA state of a ticket.
    OutcomeDto => OutcomeKind { Running = "running" => OutcomeKind::Running, Met = "met" => OutcomeKind::Met, Missed = "missed" => OutcomeKind::Missed }
);
api_enum!(
    /// Order of a ticket listing.
    OrderDto => TicketOrder { Queue = "queue" => TicketOrder::Queue, Newest = "newest" => TicketOrder::Newest }
);

/// A language people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LangDto {
    /// Dutch.
    Nl,
    /// English.
    En,
}

impl LangDto {
    /// The language's code, `nl` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            LangDto::Nl => "nl",
            LangDto::En => "en",
        }
    }
}

// ----- DTOs ---------------------------------------------------------------------------------

/// A customer organization.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<Organization> for OrganizationDto {
    fn from(o: Organization) -> Self {
        OrganizationDto {
            id: o.id.0,
            name: o.name,
            created_at: rfc3339(o.created_at),
        }
    }
}

/// Input: a new organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    /// Name, unique.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// A version of a customer's agreement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementDto {
    /// Id.
    pub id: i64,
    /// The customer.
    pub organization_id: i64,
    /// Name.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: the standard agreement).
    pub policy: String,
    /// In force from (RFC 3339).
    pub effective_from: String,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
}

impl From<Agreement> for AgreementDto {
    fn from(a: Agreement) -> Self {
        AgreementDto {
            id: a.id.0,
            organization_id: a.org_id.0,
            name: a.name,
            policy: a.policy,
            effective_from: rfc3339(a.effective_from),
            document_ref: a.document_ref,
            created_at: rfc3339(a.created_at),
        }
    }
}

/// Input: a new agreement version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgreementBody {
    /// Name.
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    /// Policy file text (TOML) laid over the standard agreement; empty for the standard one.
    #[serde(default)]
    pub policy: String,
    /// In force from (RFC 3339).
    #[schema(format = DateTime)]
    pub effective_from: String,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
}

/// A person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonDto {
    /// Id.
    pub id: i64,
    /// Personal e-mail address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Organization (customer roles).
    pub organization_id: Option<i64>,
    /// Language (`nl` or `en`).
    pub lang: String,
    /// Whether they may sign in.
    pub active: bool,
    /// When the account was created (RFC 3339).
    pub created_at: String,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        PersonDto {
            id: p.id.0,
            email: p.email,
            name: p.name,
            role: p.role.as_str().to_string(),
            organization_id: p.org_id.map(|o| o.0),
            lang: p.lang,
            active: p.active,
            created_at: rfc3339(p.created_at),
        }
    }
}

/// Input: a new person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonBody {
    /// Personal e-mail address (one person per address).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Name.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// Organization (required for customer roles).
    pub organization_id: Option<i64>,
    /// Language, `nl` (default) or `en`.
    pub lang: Option<LangDto>,
    /// Initial password (at least 12 characters); without it the person cannot sign in yet.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

/// A created person and any warnings about it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonCreated {
    /// The person.
    pub person: PersonDto,
    /// Warnings, e.g. a shared role address.
    pub warnings: Vec<String>,
}

/// Input: a role change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// The new role.
    pub role: RoleDto,
}

/// Input: signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Input: a new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// A name to recognise it by.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
}

/// A personal API token (the secret is shown only once, at creation).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was last used (RFC 3339).
    pub last_used_at: Option<String>,
    /// When it was revoked (RFC 3339).
    pub revoked_at: Option<String>,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        TokenDto {
            id: t.id.0,
            name: t.name,
            created_at: rfc3339(t.created_at),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
        }
    }
}

/// A new token with its secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    /// The token.
    pub token: TokenDto,
    /// The secret: send it as `Authorization: Bearer <secret>`. It is not stored.
    pub secret: String,
}

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
    /// Why (required).
    #[schema(min_length = 1, pattern = "\\S")]
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
    /// Why (optional).
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
    #[param(minimum = 0, maximum = 10000)]
    pub at_risk_hours: Option<u32>,
    /// Text in the subject.
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

/// Whether a cursor has the shape the listing's `next` cursors have (`q<at>_<id>` for the
/// queue, `n<id>` for newest first), as the document's pattern says.
fn cursor_shape(c: &str) -> bool {
    let number = |s: &str| (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    match c.split_at_checked(1) {
        Some(("q", rest)) => rest
            .split_once('_')
            .is_some_and(|(a, b)| number(a) && number(b)),
        Some(("n", rest)) => number(rest),
        _ => false,
    }
}

/// Filter on people.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only this organization.
    pub organization: Option<i64>,
}

/// Service health.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

// ----- handlers -----------------------------------------------------------------------------

/// Sign in with e-mail and password: opens a session (HttpOnly cookie).
#[utoipa::path(post, path = "/api/v1/session", request_body = SignInBody, tag = "sign-in",
    responses((status = 200, description = "Signed in; the session cookie is set.", body = PersonDto), Problems))]
pub async fn sign_in(
    State(app): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<Response, ApiError> {
    let person = app.sign_in(&body.email, &body.password, client).await?;
    let cookie = app.open_session(&person).await?;
    let mut res = ApiJson(PersonDto::from(person)).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// The client's IP address, as the connection shows it.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// Sign out: ends this session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "sign-in",
    responses((status = 204, description = "Signed out."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn sign_out(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let _ = caller;
    let clear = app.end_session(&headers).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear);
    Ok(res)
}

/// Sign out everywhere: ends all your sessions and revokes all your API tokens.
#[utoipa::path(post, path = "/api/v1/session/everywhere", tag = "sign-in",
    responses((status = 204, description = "Every session ended, every token revoked."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn sign_out_everywhere(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    app.store
        .end_all_sessions(caller.person.id, app.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who you are.
#[utoipa::path(get, path = "/api/v1/me", tag = "sign-in",
    responses((status = 200, description = "The signed-in person.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn me(caller: Caller) -> ApiJson<PersonDto> {
    ApiJson(caller.person.into())
}

/// Create a personal API token; its secret is shown only in this response.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenBody, tag = "sign-in",
    responses((status = 201, description = "Created.", body = TokenCreated), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_token(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, ApiJson<TokenCreated>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::field(
            "name",
            "a name of 1 to 100 characters is needed",
        ));
    }
    let secret = auth::new_secret()?;
    let token = app
        .store
        .create_token(
            caller.person.id,
            name,
            &auth::hash_secret(&secret),
            app.now_ms(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(TokenCreated {
            token: token.into(),
            secret,
        }),
    ))
}

/// Your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "sign-in",
    responses((status = 200, description = "Newest first.", body = Vec<TokenDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_tokens(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<TokenDto>>, ApiError> {
    let tokens = app.store.tokens(caller.person.id).await?;
    Ok(ApiJson(tokens.into_iter().map(TokenDto::from).collect()))
}

/// Revoke one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "sign-in",
    params(("id" = i64, Path, description = "Token id", minimum = 1)),
    responses((status = 204, description = "Revoked."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn revoke_token(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    if app
        .store
        .revoke_token(caller.person.id, TokenId(id), app.now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("token"))
    }
}

/// The organizations you may see.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "customers",
    responses((status = 200, description = "By name.", body = Vec<OrganizationDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_orgs(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<OrganizationDto>>, ApiError> {
    let orgs = app.store.list_orgs(&caller.scope).await?;
    Ok(ApiJson(
        orgs.into_iter().map(OrganizationDto::from).collect(),
    ))
}

/// Add a customer (administrators); it starts on the standard agreement.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganizationBody, tag = "customers",
    responses((status = 201, description = "Created.", body = OrganizationDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_org(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewOrganizationBody>,
) -> Result<(StatusCode, ApiJson<OrganizationDto>), ApiError> {
    let org = app.create_org(&caller, &body.name).await?;
    Ok((StatusCode::CREATED, ApiJson(org.into())))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "The organization.", body = OrganizationDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_org(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<OrganizationDto>, ApiError> {
    Ok(ApiJson(
        app.store.get_org(&caller.scope, OrgId(id)).await?.into(),
    ))
}

/// The versions of a customer's agreement, oldest first.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/agreements", tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "Oldest first.", body = Vec<AgreementDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_agreements(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<AgreementDto>>, ApiError> {
    let list = app.store.agreements(&caller.scope, OrgId(id)).await?;
    Ok(ApiJson(list.into_iter().map(AgreementDto::from).collect()))
}

/// Record a new version of a customer's agreement (administrators); the policy is validated.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/agreements", request_body = NewAgreementBody, tag = "customers",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "Recorded.", body = AgreementDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn add_agreement(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewAgreementBody>,
) -> Result<(StatusCode, ApiJson<AgreementDto>), ApiError> {
    app.store.get_org(&caller.scope, OrgId(id)).await?;
    let effective_from = ms(parse_instant("effective_from", &body.effective_from)?);
    let a = app
        .add_agreement(
            &caller,
            NewAgreement {
                org_id: OrgId(id),
                name: body.name,
                policy: body.policy,
                effective_from,
                document_ref: body.document_ref,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(a.into())))
}

/// The people you may see.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, description = "By name.", body = Vec<PersonDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_people(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<ApiJson<Vec<PersonDto>>, ApiError> {
    let people = app
        .store
        .list_people(&caller.scope, q.organization.map(OrgId))
        .await?;
    Ok(ApiJson(people.into_iter().map(PersonDto::from).collect()))
}

/// Add a person (administrators). At most the agreement's number of customer administrators.
#[utoipa::path(post, path = "/api/v1/people", request_body = NewPersonBody, tag = "people",
    responses((status = 201, description = "Created, with warnings such as a role address.", body = PersonCreated), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_person(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPersonBody>,
) -> Result<(StatusCode, ApiJson<PersonCreated>), ApiError> {
    caller.require(&[Role::Admin], "only an administrator may add people")?;
    let password_hash = match body.password {
        Some(p) if p.chars().count() < 12 => {
            return Err(ApiError::field(
                "password",
                "a password has at least 12 characters",
            ));
        }
        Some(p) if p.chars().count() > 1024 => {
            return Err(ApiError::field("password", "at most 1024 characters"));
        }
        Some(p) => Some(auth::hash_password(p).await?),
        None => None,
    };
    let (person, warnings) = app
        .create_person(
            Some(&caller),
            NewPerson {
                email: body.email,
                name: body.name,
                role: body.role.into(),
                org_id: body.organization_id.map(OrgId),
                lang: body.lang.unwrap_or(LangDto::Nl).as_str().into(),
                password_hash,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(PersonCreated {
            person: person.into(),
            warnings,
        }),
    ))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "The person.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_person(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<PersonDto>, ApiError> {
    Ok(ApiJson(
        app.store
            .get_person(&caller.scope, PersonId(id))
            .await?
            .into(),
    ))
}

/// Change a person's role (administrators); granting customer administrator checks the limit.
#[utoipa::path(post, path = "/api/v1/people/{id}/role", request_body = RoleBody, tag = "people",
    params(("id" = i64, Path, description = "Person id", minimum = 1)),
    responses((status = 200, description = "Changed.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_role(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<ApiJson<PersonDto>, ApiError> {
    Ok(ApiJson(
        app.set_role(&caller, PersonId(id), body.role.into())
            .await?
            .into(),
    ))
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
        && !cursor_shape(c)
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
        Some(h) if h > 10_000 => {
            return Err(ApiError::BadRequest {
                detail: "at_risk_hours lies between 0 and 10000".into(),
                field: Some("at_risk_hours".into()),
            });
        }
        Some(h) => {
            let standard = app.policies.standard()?;
            let due = standard
                .calendar
                .deadline(app.clock.now(), i64::from(h) * 3600)
                .map_err(|e| ApiError::field("at_risk_hours", e.to_string()))?;
            Some(due)
        }
        None => None,
    };
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
    let ticket = app
        .file_ticket(
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

/// Liveness and database health.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "Up.", body = Health), (status = 503, description = "The database does not answer.")))]
pub async fn health(State(app): State<AppState>) -> Response {
    match app.store.ping().await {
        Ok(()) => axum::Json(Health {
            status: "ok".into(),
            database: app.store.backend().into(),
        })
        .into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "loket", description = "The loket service desk API: customers, agreements, people and tickets with their SLA clocks."),
    components(schemas(Problem, OrderDto, OutcomeDto, KindDto, PriorityDto, StatusDto, RoleDto)),
    modifiers(&Security)
)]
struct Doc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

/// The API routes and the OpenAPI document describing exactly them.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(me))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org))
        .routes(routes!(list_agreements, add_agreement))
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person))
        .routes(routes!(set_role))
        .routes(routes!(list_tickets, file_ticket))
        .routes(routes!(get_ticket))
        .routes(routes!(ticket_events))
        .routes(routes!(comment))
        .routes(routes!(change_priority))
        .routes(routes!(assign))
        .routes(routes!(set_status))
        .routes(routes!(crate::report::http::monthly_report))
        .routes(routes!(crate::report::http::publish))
        .routes(routes!(crate::report::http::dashboard))
        .routes(routes!(crate::report::http::miss_reason))
        .routes(routes!(health))
        .routes(routes!(crate::availability::availability_month))
        .routes(routes!(
            crate::availability::list_maintenance,
            crate::availability::announce
        ))
        .routes(routes!(crate::availability::cancel))
        .routes(routes!(crate::status::public_maintenance))
        .routes(routes!(
            crate::monitoring::api::list_environments,
            crate::monitoring::api::create_environment
        ))
        .routes(routes!(crate::monitoring::api::rename_environment))
        .routes(routes!(
            crate::monitoring::api::list_monitors,
            crate::monitoring::api::create_monitor
        ))
        .routes(routes!(
            crate::monitoring::api::get_monitor,
            crate::monitoring::api::update_monitor
        ))
        .routes(routes!(crate::monitoring::api::set_monitor_active))
        .routes(routes!(crate::monitoring::api::push))
        .routes(routes!(
            crate::monitoring::api::list_outages,
            crate::monitoring::api::register_outage
        ))
        .routes(routes!(crate::monitoring::api::get_outage))
        .routes(routes!(crate::monitoring::api::correct_outage))
        .routes(routes!(crate::monitoring::api::classify_outage))
        .split_for_parts();
    let mut doc = doc;
    crate::wire::finish(&mut doc);
    link_operations(&mut doc);
    (router, doc)
}

/// What a created resource leads to: per creating operation, where its id is in the answer
/// and which operations take that id as their `id` path parameter.
const LINKS: &[(&str, &str, &[&str])] = &[
    (
        "create_org",
        "/id",
        &[
            "get_org",
            "list_agreements",
            "add_agreement",
            "list_environments",
            "create_environment",
        ],
    ),
    ("create_person", "/person/id", &["get_person", "set_role"]),
    ("create_token", "/token/id", &["revoke_token"]),
    (
        "file_ticket",
        "/id",
        &[
            "get_ticket",
            "ticket_events",
            "comment",
            "change_priority",
            "assign",
            "set_status",
            "miss_reason",
        ],
    ),
    (
        "create_environment",
        "/id",
        &[
            "rename_environment",
            "list_monitors",
            "create_monitor",
            "list_outages",
            "register_outage",
        ],
    ),
    (
        "create_monitor",
        "/monitor/id",
        &["get_monitor", "update_monitor", "set_monitor_active"],
    ),
    (
        "register_outage",
        "/id",
        &["get_outage", "correct_outage", "classify_outage"],
    ),
    ("announce", "/maintenance/id", &["cancel"]),
];

/// Adds an OpenAPI link from each creating operation's success answer to the operations that
/// use the new id.
fn link_operations(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::link::LinkBuilder;
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.post, &mut item.put].into_iter().flatten() {
            let Some(&(_, pointer, targets)) = LINKS
                .iter()
                .find(|(creator, ..)| op.operation_id.as_deref() == Some(*creator))
            else {
                continue;
            };
            for (status, response) in op.responses.responses.iter_mut() {
                if !status.starts_with('2') {
                    continue;
                }
                if let RefOr::T(response) = response {
                    for target in targets {
                        response.links.insert(
                            (*target).to_string(),
                            RefOr::T(
                                LinkBuilder::new()
                                    .operation_id(*target)
                                    .parameter("id", format!("$response.body#{pointer}"))
                                    .build(),
                            ),
                        );
                    }
                }
            }
        }
    }
}

impl AppState {
    /// Checks an e-mail address and password, with throttling per account and per client.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: String,
    ) -> Result<Person, ApiError> {
        let now = self.now_ms();
        let since = now - auth::THROTTLE_WINDOW_SECONDS * 1000;
        let account_key = format!("account:{}", email.trim().to_lowercase());
        let client_key = format!("client:{client}");
        let account_failures = self.store.sign_in_failures(&account_key, since).await?;
        let client_failures = self.store.sign_in_failures(&client_key, since).await?;
        if account_failures >= auth::MAX_FAILURES_PER_ACCOUNT
            || client_failures >= auth::MAX_FAILURES_PER_ADDRESS
        {
            return Err(ApiError::TooManyRequests {
                retry_after: auth::THROTTLE_WINDOW_SECONDS as u64,
            });
        }
        let found = self.store.person_for_sign_in(email).await?;
        let (person, hash) = match found {
            Some((p, h)) if p.active => (Some(p), h),
            _ => (None, None),
        };
        let verified =
            password.len() <= 1024 && auth::verify_password(hash, password.to_string()).await;
        if let (true, Some(p)) = (verified, person) {
            self.store.clear_sign_in_failures(&account_key).await?;
            return Ok(p);
        }
        self.store.record_sign_in_failure(&account_key, now).await?;
        self.store.record_sign_in_failure(&client_key, now).await?;
        Err(ApiError::Unauthorized)
    }
}
