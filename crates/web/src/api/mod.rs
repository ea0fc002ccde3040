//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from these handlers.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sla::{OutcomeKind, Priority, Status, TicketKind};
use store::{Role, TicketOrder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{self};
use crate::error::{ApiError, Problem};

mod assessments;
pub mod availability;
pub mod compensation;
mod customers;
pub mod inbound;
pub mod meetings;
pub mod monitoring;
pub mod outages;
mod people;
pub mod recipients;
pub mod reports;
mod session;
pub mod status;
mod tickets;

pub use customers::*;
pub use people::*;
pub use session::*;
pub use tickets::*;

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

/// An RFC 3339 instant from a request field; a malformed one is a 400 naming the field.
pub(crate) fn parse_instant(field: &str, s: &str) -> Result<Timestamp, ApiError> {
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

/// Service health.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
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
            "inbound",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The inbound-mail secret of the server's settings"))
                    .build(),
            ),
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
        .routes(routes!(mail_standing, set_on_duty))
        .routes(routes!(list_tickets, file_ticket))
        .routes(routes!(get_ticket))
        .routes(routes!(ticket_events))
        .routes(routes!(comment))
        .routes(routes!(change_priority))
        .routes(routes!(assign))
        .routes(routes!(set_status))
        .routes(routes!(recipients::ticket_cc, recipients::set_ticket_cc))
        .routes(routes!(recipients::followers))
        .routes(routes!(recipients::follow, recipients::unfollow))
        .routes(routes!(
            recipients::my_notifications,
            recipients::set_my_notifications
        ))
        .routes(routes!(assessments::get_assessment, assessments::assess))
        .routes(routes!(reports::monthly_report))
        .routes(routes!(reports::publish))
        .routes(routes!(reports::dashboard))
        .routes(routes!(reports::miss_reason))
        .routes(routes!(health))
        .routes(routes!(availability::availability_month))
        .routes(routes!(
            availability::list_maintenance,
            availability::announce
        ))
        .routes(routes!(availability::cancel))
        .routes(routes!(status::public_maintenance))
        .routes(routes!(
            monitoring::list_environments,
            monitoring::create_environment
        ))
        .routes(routes!(monitoring::rename_environment))
        .routes(routes!(
            monitoring::list_monitors,
            monitoring::create_monitor
        ))
        .routes(routes!(monitoring::get_monitor, monitoring::update_monitor))
        .routes(routes!(monitoring::set_monitor_active))
        .routes(routes!(monitoring::push))
        .routes(routes!(outages::list_outages, outages::register_outage))
        .routes(routes!(outages::get_outage))
        .routes(routes!(outages::correct_outage))
        .routes(routes!(outages::classify_outage))
        .routes(routes!(compensation::get_escalation))
        .routes(routes!(compensation::overrun_months))
        .routes(routes!(compensation::request_consultation))
        .routes(routes!(compensation::record_consultation))
        .routes(routes!(compensation::record_follow_up))
        .routes(routes!(compensation::claim))
        .routes(routes!(compensation::reverse_discount))
        .routes(routes!(compensation::overview))
        .routes(routes!(compensation::ledger))
        .routes(routes!(meetings::list_meetings, meetings::plan_meeting))
        .routes(routes!(meetings::meetings_ics))
        .routes(routes!(meetings::get_meeting, meetings::change_meeting))
        .routes(routes!(meetings::cancel_meeting))
        .routes(routes!(meetings::add_attendee))
        .routes(routes!(meetings::record_minutes, meetings::meeting_minutes))
        .routes(routes!(meetings::meeting_invitation))
        .routes(routes!(meetings::meeting_agenda))
        .routes(routes!(meetings::add_action_item))
        .routes(routes!(meetings::complete_action_item))
        .routes(routes!(meetings::move_action_item))
        .routes(routes!(meetings::list_action_items))
        .routes(routes!(meetings::list_schedules))
        .routes(routes!(meetings::get_schedule, meetings::set_schedule))
        .routes(routes!(inbound::post_inbound))
        .routes(routes!(inbound::list_held))
        .routes(routes!(inbound::confirm_held))
        .routes(routes!(inbound::refuse_held))
        .routes(routes!(inbound::original))
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
            "list_meetings",
            "plan_meeting",
            "meetings_ics",
            "list_action_items",
            "list_schedules",
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
            "ticket_cc",
            "set_ticket_cc",
            "followers",
            "follow",
            "unfollow",
            "get_assessment",
            "assess",
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
    (
        "request_consultation",
        "/organization_id",
        &[
            "get_escalation",
            "overrun_months",
            "record_consultation",
            "record_follow_up",
            "claim",
        ],
    ),
    (
        "plan_meeting",
        "/meeting/id",
        &[
            "get_meeting",
            "change_meeting",
            "cancel_meeting",
            "add_attendee",
            "meeting_minutes",
            "meeting_invitation",
            "add_action_item",
        ],
    ),
    ("add_action_item", "/id", &["complete_action_item"]),
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
