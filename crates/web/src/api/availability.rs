//! Availability and planned maintenance over HTTP: the month's figures per environment and
//! the announcements (the rules are `desk::availability`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use desk::availability::{Announce, AnnouncementDto, AvailabilityReport, MaintenanceDto};
use serde::Deserialize;
use sla::Month;
use store::{EnvironmentId, MaintenanceWhen, OrgId};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, Id, Problems, parse_instant};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};

/// Input: planned maintenance to announce.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnounceBody {
    /// The environments it affects (ids, at least one).
    #[schema(min_items = 1)]
    pub environment_ids: Vec<i64>,
    /// When it starts (RFC 3339).
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// When it is expected to end (RFC 3339).
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// What is done, for the customers (shown publicly on the sign-in and status pages; at
    /// most 2000 characters).
    #[schema(max_length = 2000)]
    pub description: String,
}

impl AnnounceBody {
    /// The announcement, with its instants read (a malformed one names its field).
    fn parse(self) -> Result<Announce, ApiError> {
        Ok(Announce {
            starts_at: parse_instant("starts_at", &self.starts_at)?,
            ends_at: parse_instant("ends_at", &self.ends_at)?,
            environment_ids: self
                .environment_ids
                .into_iter()
                .map(EnvironmentId)
                .collect(),
            description: self.description,
        })
    }
}

// ----- HTTP ----------------------------------------------------------------------------------

/// Which figures.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// Only this customer (customers always get their own).
    pub organization: Option<i64>,
    /// Only this environment.
    pub environment: Option<i64>,
}

fn parse_month(month: &str) -> Result<Month, ApiError> {
    month.parse().map_err(|e: String| ApiError::BadRequest {
        detail: e,
        field: Some("month".into()),
    })
}

/// Availability per environment in a month (Europe/Amsterdam), measured until now for a month
/// in progress: measured time, excluded time per reason (the daily window, maintenance
/// announced in time, each outage cause), counted downtime, the downtime allowed and left,
/// and whether the agreement's target (99.5% by default) holds.
#[utoipa::path(get, path = "/api/v1/availability/{month}", tag = "availability",
    params(("month" = String, Path, description = "The month, YYYY-MM", example = "2026-10", pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$"), AvailabilityQuery),
    responses((status = 200, description = "The figures.", body = AvailabilityReport), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn availability_month(
    State(app): State<AppState>,
    caller: Caller,
    Path(month): Path<String>,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> Result<ApiJson<AvailabilityReport>, ApiError> {
    let month = parse_month(&month)?;
    let r = app
        .availability_report(
            &caller.scope,
            q.organization.map(OrgId),
            q.environment.map(EnvironmentId),
            month,
        )
        .await?;
    Ok(ApiJson(r))
}

/// Announce planned maintenance (service manager or administrator). Every active
/// administrator of each affected customer is mailed (in their language, times in Amsterdam
/// time) and the maintenance shows on the sign-in and status pages. The notice is checked now:
/// announced later than the agreement asks (3 working days by default), it is still announced,
/// but the answer carries a `warning` and the maintenance counts as downtime.
#[utoipa::path(post, path = "/api/v1/maintenance", request_body = AnnounceBody, tag = "availability",
    responses((status = 201, description = "Announced.", body = AnnouncementDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn announce(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AnnounceBody>,
) -> Result<(StatusCode, ApiJson<AnnouncementDto>), ApiError> {
    let a = app.announce_maintenance(&caller, &body.parse()?).await?;
    Ok((StatusCode::CREATED, ApiJson(a)))
}

/// Which announcements.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MaintenanceQuery {
    /// `upcoming` (default: not yet ended, soonest first) or `past` (latest first).
    #[param(inline)]
    pub when: Option<WhenDto>,
    /// Only this customer's (customers always get their own).
    pub organization: Option<i64>,
}

/// Upcoming or past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WhenDto {
    /// Not yet ended.
    Upcoming,
    /// Ended.
    Past,
}

/// Announced maintenance, cancelled announcements included (see `cancelled_at`); a customer
/// sees only announcements that affect its environments, and only those environments.
#[utoipa::path(get, path = "/api/v1/maintenance", tag = "availability", params(MaintenanceQuery),
    responses((status = 200, description = "The announcements.", body = Vec<MaintenanceDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_maintenance(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MaintenanceQuery>,
) -> Result<ApiJson<Vec<MaintenanceDto>>, ApiError> {
    let when = match q.when.unwrap_or(WhenDto::Upcoming) {
        WhenDto::Upcoming => MaintenanceWhen::Upcoming,
        WhenDto::Past => MaintenanceWhen::Past,
    };
    let list = app
        .store
        .list_maintenance(
            &caller.scope,
            q.organization.map(OrgId),
            None,
            when,
            app.now_ms(),
        )
        .await?;
    Ok(ApiJson(
        list.into_iter().map(MaintenanceDto::from).collect(),
    ))
}

/// Call off announced maintenance (service manager or administrator); it stops counting and
/// disappears from the public pages (the calendar feed marks it cancelled).
#[utoipa::path(delete, path = "/api/v1/maintenance/{id}", tag = "availability",
    params(("id" = i64, Path, description = "Announcement id", minimum = 1)),
    responses((status = 204, description = "Cancelled."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    app.cancel_maintenance(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
