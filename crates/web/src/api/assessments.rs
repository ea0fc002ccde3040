//! The assessment of an RFC (SLA-SEMANTICS §8): the service desk records it, the customer
//! reads it.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use store::TicketId;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::assessment::{Assessment, AssessmentInput, Cost, Decision};
use desk::time::rfc3339;

use super::{Id, Problems};

/// Input: the service desk's assessment of an RFC.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    /// `will_do`, `wont_do` or `needs_quote`.
    pub decision: Decision,
    /// The functional and technical design (a reference or URL).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub design: String,
    /// The impact on functionality.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub impact_functionality: String,
    /// The impact on security and privacy.
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub impact_security: String,
    /// `none`, `subsequent_calculation` (with `estimate_hours`, `estimate_cents` or both) or
    /// `quote` (with `amount_cents`); a figure the cost does not use is checked and not kept.
    pub cost: Cost,
    /// The estimate in hours, on subsequent calculation.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000)]
    pub estimate_hours: Option<u32>,
    /// The estimate in euro cents, on subsequent calculation.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000000000.0)]
    pub estimate_cents: Option<i64>,
    /// The quote's amount in euro cents.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100000000000.0)]
    pub amount_cents: Option<i64>,
    /// The release it is planned for (free text).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub planned_release: String,
}

/// An RFC's assessment, as recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssessmentDto {
    /// The ticket.
    pub ticket_id: i64,
    /// The event of the ticket's history it was recorded as.
    pub event_id: i64,
    /// When it was recorded (RFC 3339).
    pub assessed_at: String,
    /// Who recorded it.
    pub assessed_by: Option<i64>,
    /// The decision.
    pub decision: Decision,
    /// The design it refers to; empty when none was given.
    pub design: String,
    /// The impact on functionality.
    pub impact_functionality: String,
    /// The impact on security and privacy.
    pub impact_security: String,
    /// The cost.
    pub cost: Cost,
    /// The estimate in hours, on subsequent calculation.
    pub estimate_hours: Option<u32>,
    /// The estimate in euro cents, on subsequent calculation.
    pub estimate_cents: Option<i64>,
    /// The quote's amount in euro cents.
    pub amount_cents: Option<i64>,
    /// The release it is planned for; empty when none was given.
    pub planned_release: String,
}

impl From<Assessment> for AssessmentDto {
    fn from(a: Assessment) -> Self {
        let i = a.input;
        AssessmentDto {
            ticket_id: a.ticket_id.0,
            event_id: a.event_id,
            assessed_at: rfc3339(a.at),
            assessed_by: a.by.map(|p| p.0),
            decision: i.decision,
            design: i.design,
            impact_functionality: i.impact_functionality,
            impact_security: i.impact_security,
            cost: i.cost,
            estimate_hours: i.estimate_hours,
            estimate_cents: i.estimate_cents,
            amount_cents: i.amount_cents,
            planned_release: i.planned_release,
        }
    }
}

impl From<AssessmentBody> for AssessmentInput {
    fn from(b: AssessmentBody) -> Self {
        AssessmentInput {
            decision: b.decision,
            design: b.design,
            impact_functionality: b.impact_functionality,
            impact_security: b.impact_security,
            cost: b.cost,
            estimate_hours: b.estimate_hours,
            estimate_cents: b.estimate_cents,
            amount_cents: b.amount_cents,
            planned_release: b.planned_release,
        }
    }
}

/// Record the assessment of an RFC (service desk): a public answer that stops the RFC's
/// response clock, mailed to the reporter and the customer's administrators. A ticket that is
/// not an RFC is refused (409, field `kind`), as is a closed one (409, field `status`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/assessment", request_body = AssessmentBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The assessment as recorded.", body = AssessmentDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn assess(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<AssessmentBody>,
) -> Result<ApiJson<AssessmentDto>, ApiError> {
    let (_, a) = app.assess(&caller, TicketId(id), body.into()).await?;
    Ok(ApiJson(a.into()))
}

/// The latest assessment of an RFC; 404 while it has none.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/assessment", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The latest assessment.", body = AssessmentDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_assessment(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<AssessmentDto>, ApiError> {
    Ok(ApiJson(app.assessment(&caller, TicketId(id)).await?.into()))
}
