//! Outages over HTTP: registered by hand, corrected, classified under an excluded cause
//! (the rules are `desk::monitoring`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sla::availability::ExcludedCause;
use store::{EnvironmentId, Millis, MonitorId, NewOutage, OutageId, OutageRecord};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, Id, Problems, parse_instant};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::time::rfc3339;

/// An RFC 3339 instant from a body field, in milliseconds (whole seconds).
fn instant(field: &str, s: &str) -> Result<Millis, ApiError> {
    Ok(parse_instant(field, s)?.as_millisecond())
}

/// An excluded cause: an outage classified under it does not count (SLA §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CauseDto {
    /// A failure in third parties' telecommunication infrastructure.
    ThirdPartyTelecom,
    /// Incorrect configuration by the customer.
    CustomerMisconfiguration,
    /// Circumstances at the customer's premises.
    CustomerPremises,
    /// Force majeure (overmacht).
    ForceMajeure,
}

impl From<CauseDto> for ExcludedCause {
    fn from(c: CauseDto) -> Self {
        match c {
            CauseDto::ThirdPartyTelecom => ExcludedCause::ThirdPartyTelecom,
            CauseDto::CustomerMisconfiguration => ExcludedCause::CustomerMisconfiguration,
            CauseDto::CustomerPremises => ExcludedCause::CustomerPremises,
            CauseDto::ForceMajeure => ExcludedCause::ForceMajeure,
        }
    }
}

/// An outage (storing) of an environment, with who registered, corrected and classified it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutageDto {
    /// Id.
    pub id: i64,
    /// The environment.
    pub environment_id: i64,
    /// The monitor that saw it, if any.
    pub monitor_id: Option<i64>,
    /// The customer.
    pub organization_id: i64,
    /// When it started (RFC 3339).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended (RFC 3339); absent while it goes on.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// `probe` (seen by a monitor) or `manual` (registered by hand).
    pub source: String,
    /// The excluded cause it is classified under; absent: it counts as downtime.
    pub cause: Option<String>,
    /// Whether it counts as downtime (no excluded cause).
    pub counted: bool,
    /// Who classified it.
    pub classified_by: Option<i64>,
    /// When it was classified (RFC 3339).
    pub classified_at: Option<String>,
    /// Why it was classified so.
    pub classification_reason: Option<String>,
    /// When it was recorded (RFC 3339).
    pub created_at: String,
    /// Who registered it by hand.
    pub created_by: Option<i64>,
    /// Why it was registered by hand.
    pub reason: Option<String>,
    /// Who last corrected its start or end.
    pub corrected_by: Option<i64>,
    /// When (RFC 3339).
    pub corrected_at: Option<String>,
    /// Why.
    pub correction_reason: Option<String>,
}

impl From<OutageRecord> for OutageDto {
    fn from(o: OutageRecord) -> Self {
        OutageDto {
            id: o.id.0,
            environment_id: o.environment_id.0,
            monitor_id: o.monitor_id.map(|m| m.0),
            organization_id: o.org_id.0,
            started_at: rfc3339(o.started_at),
            ended_at: o.ended_at.map(rfc3339),
            source: o.source.as_str().to_string(),
            cause: o.cause.map(|c| c.as_str().to_string()),
            counted: o.cause.is_none(),
            classified_by: o.classified_by.map(|p| p.0),
            classified_at: o.classified_at.map(rfc3339),
            classification_reason: o.classification_reason,
            created_at: rfc3339(o.created_at),
            created_by: o.created_by.map(|p| p.0),
            reason: o.reason,
            corrected_by: o.corrected_by.map(|p| p.0),
            corrected_at: o.corrected_at.map(rfc3339),
            correction_reason: o.correction_reason,
        }
    }
}

/// The outages of an environment in a month.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutageMonth {
    /// The month, `YYYY-MM`, in the customer's calendar.
    pub month: String,
    /// Its first instant (RFC 3339).
    pub from: String,
    /// The first instant after it (RFC 3339).
    pub to: String,
    /// Outages overlapping it (open ones included), by start.
    pub items: Vec<OutageDto>,
}

/// Which month of outages.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutageQuery {
    /// `YYYY-MM` (default: the current month).
    #[param(pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// Input: an outage registered by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOutageBody {
    /// When it started (RFC 3339).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended (RFC 3339); absent while it goes on.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// The monitor it concerns, if any (one of this environment's).
    pub monitor_id: Option<i64>,
    /// Why it is registered by hand (required).
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Input: a corrected start and end.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// When it really started (RFC 3339).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it really ended (RFC 3339); null: it goes on.
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// Why (required).
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// Input: a classification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassificationBody {
    /// The excluded cause; null: counted downtime again.
    pub cause: Option<CauseDto>,
    /// Why (required).
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// An environment's outages in a month (customers: their own).
#[utoipa::path(get, path = "/api/v1/environments/{id}/outages", tag = "monitoring",
    params(("id" = i64, Path, description = "Environment id", minimum = 1), OutageQuery),
    responses((status = 200, description = "The month and its outages.", body = OutageMonth), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_outages(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<OutageQuery>,
) -> Result<ApiJson<OutageMonth>, ApiError> {
    let month = q
        .month
        .as_deref()
        .map(|m| {
            m.parse::<sla::Month>().map_err(|e| ApiError::BadRequest {
                detail: e,
                field: Some("month".into()),
            })
        })
        .transpose()?;
    let (month, from, to, list) = app
        .outages_in_month(&caller, EnvironmentId(id), month)
        .await?;
    Ok(ApiJson(OutageMonth {
        month: month.to_string(),
        from: rfc3339(from),
        to: rfc3339(to),
        items: list.into_iter().map(OutageDto::from).collect(),
    }))
}

/// Register an outage the monitors did not see, with the reason (administrators and service
/// managers).
#[utoipa::path(post, path = "/api/v1/environments/{id}/outages", request_body = NewOutageBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Environment id", minimum = 1)),
    responses((status = 201, description = "Registered.", body = OutageDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn register_outage(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewOutageBody>,
) -> Result<(StatusCode, ApiJson<OutageDto>), ApiError> {
    let new = NewOutage {
        environment_id: EnvironmentId(id),
        monitor_id: body.monitor_id.map(MonitorId),
        started_at: instant("started_at", &body.started_at)?,
        ended_at: body
            .ended_at
            .as_deref()
            .map(|s| instant("ended_at", s))
            .transpose()?,
        reason: body.reason,
    };
    let o = app.register_outage(&caller, &new).await?;
    Ok((StatusCode::CREATED, ApiJson(o.into())))
}

/// One outage (customers: their own).
#[utoipa::path(get, path = "/api/v1/outages/{id}", tag = "monitoring",
    params(("id" = i64, Path, description = "Outage id", minimum = 1)),
    responses((status = 200, description = "The outage.", body = OutageDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_outage(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<OutageDto>, ApiError> {
    Ok(ApiJson(app.outage(&caller, OutageId(id)).await?.into()))
}

/// Correct an outage's start and end, with the reason (administrators and service managers);
/// who, when, why and the values before are kept.
#[utoipa::path(post, path = "/api/v1/outages/{id}/correction", request_body = CorrectionBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Outage id", minimum = 1)),
    responses((status = 200, description = "Corrected.", body = OutageDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn correct_outage(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CorrectionBody>,
) -> Result<ApiJson<OutageDto>, ApiError> {
    let start = instant("started_at", &body.started_at)?;
    let end = body
        .ended_at
        .as_deref()
        .map(|s| instant("ended_at", s))
        .transpose()?;
    let o = app
        .correct_outage(&caller, OutageId(id), start, end, &body.reason)
        .await?;
    Ok(ApiJson(o.into()))
}

/// Classify an outage under an excluded cause, or back to counted downtime, with the reason
/// (administrators and service managers); who, when and why are kept.
#[utoipa::path(put, path = "/api/v1/outages/{id}/classification", request_body = ClassificationBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Outage id", minimum = 1)),
    responses((status = 200, description = "Classified.", body = OutageDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn classify_outage(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ClassificationBody>,
) -> Result<ApiJson<OutageDto>, ApiError> {
    let o = app
        .classify_outage(
            &caller,
            OutageId(id),
            body.cause.map(ExcludedCause::from),
            &body.reason,
        )
        .await?;
    Ok(ApiJson(o.into()))
}
