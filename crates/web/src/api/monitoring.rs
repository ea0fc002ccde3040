//! The monitoring endpoints of the API: environments, monitors and push heartbeats (outages are in `outages`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{Environment, EnvironmentId, Monitor, MonitorId, MonitorKind, OrgId, Scope};
use utoipa::ToSchema;

use super::{Id, Problems};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::monitoring::MonitorSpec;
use desk::time::rfc3339;

/// A customer's monitored environment (omgeving): what availability is measured for.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnvironmentDto {
    /// Id.
    pub id: i64,
    /// The customer.
    pub organization_id: i64,
    /// Name, unique per customer.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<Environment> for EnvironmentDto {
    fn from(e: Environment) -> Self {
        EnvironmentDto {
            id: e.id.0,
            organization_id: e.org_id.0,
            name: e.name,
            created_at: rfc3339(e.created_at),
        }
    }
}

/// Input: an environment's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentBody {
    /// Name, 1–200 characters, unique per customer.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// How a monitor probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitorKindDto {
    /// An HTTP(S) GET of a URL.
    Http,
    /// A TCP connect to `host:port`.
    Tcp,
    /// The environment calls `POST /api/v1/push/{token}`; silence is a failure.
    Push,
}

impl From<MonitorKindDto> for MonitorKind {
    fn from(k: MonitorKindDto) -> Self {
        match k {
            MonitorKindDto::Http => MonitorKind::Http,
            MonitorKindDto::Tcp => MonitorKind::Tcp,
            MonitorKindDto::Push => MonitorKind::Push,
        }
    }
}

/// A monitor of an environment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitorDto {
    /// Id.
    pub id: i64,
    /// The environment it watches.
    pub environment_id: i64,
    /// The customer.
    pub organization_id: i64,
    /// `http`, `tcp` or `push`.
    pub kind: String,
    /// The URL, `host:port`, or the push monitor's label.
    pub target: String,
    /// HTTP: the one status that counts as up (absent: 200–399).
    pub expected_status: Option<i64>,
    /// HTTP: text the body must contain (the vendor's staff only; absent: none, or not yours
    /// to see).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Whether the probe may reach internal addresses (the vendor's staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_internal: Option<bool>,
    /// A probe slower than this (ms) fails.
    pub latency_limit_ms: Option<i64>,
    /// Seconds between probes (push: between expected heartbeats).
    pub interval_s: i64,
    /// Push: seconds a heartbeat may be late before it counts as missing.
    pub push_grace_s: Option<u64>,
    /// Failures in a row that open an outage.
    pub fail_after: i64,
    /// Good probes in a row that close it.
    pub recover_after: i64,
    /// Whether it is probed.
    pub active: bool,
    /// Start of the outage it has open (RFC 3339), if any.
    pub outage_open_since: Option<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl MonitorDto {
    /// The monitor as a caller in `scope` may see it: the probe settings that are the
    /// vendor's business only for the vendor's staff.
    fn of(m: Monitor, scope: &Scope) -> Self {
        let shown = desk::access::sees_probe_settings(scope);
        let s = m.settings;
        MonitorDto {
            id: m.id.0,
            environment_id: m.environment_id.0,
            organization_id: m.org_id.0,
            kind: s.kind.as_str().to_string(),
            target: s.target,
            expected_status: s.expected_status,
            keyword: s.keyword.filter(|_| shown),
            allow_internal: shown.then_some(s.allow_internal),
            latency_limit_ms: s.latency_limit_ms,
            interval_s: s.interval_s,
            push_grace_s: (s.kind == MonitorKind::Push)
                .then(|| desk::monitoring::push_grace(s.interval_s).as_secs()),
            fail_after: s.fail_after,
            recover_after: s.recover_after,
            active: m.active,
            outage_open_since: m.detector.open_since.map(rfc3339),
            created_at: rfc3339(m.created_at),
        }
    }
}

/// A monitor as created or changed, with a new push token shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonitorSaved {
    /// The monitor.
    pub monitor: MonitorDto,
    /// A new push token: the environment calls `POST /api/v1/push/{token}`. Not stored.
    pub push_token: Option<String>,
    /// The path to push to with that token.
    pub push_path: Option<String>,
}

fn saved(m: Monitor, token: Option<String>, scope: &Scope) -> MonitorSaved {
    MonitorSaved {
        monitor: MonitorDto::of(m, scope),
        push_path: token.as_ref().map(|t| format!("/api/v1/push/{t}")),
        push_token: token,
    }
}

fn default_interval() -> i64 {
    60
}

fn default_run() -> i64 {
    2
}

/// Input: what a monitor checks and when it decides an outage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorBody {
    /// How it probes.
    pub kind: MonitorKindDto,
    /// `http(s)://…` for HTTP, `host:port` for TCP, a label for push (at most 2000 characters).
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub target: String,
    /// HTTP: the one status that counts as up (default: 200–399).
    #[schema(minimum = 100, maximum = 599)]
    pub expected_status: Option<i64>,
    /// HTTP: text the body must contain (case-sensitive, first 256 KiB; at most 200 characters).
    #[schema(max_length = 200)]
    pub keyword: Option<String>,
    /// HTTP and TCP: a probe slower than this many ms fails.
    #[schema(minimum = 1)]
    pub latency_limit_ms: Option<i64>,
    /// Seconds between probes, 10 to 86400 (default 60). Push: between expected heartbeats.
    #[serde(default = "default_interval")]
    #[schema(minimum = 10, maximum = 86400)]
    pub interval_s: i64,
    /// Failures in a row that open an outage, 1–100 (default 2).
    #[serde(default = "default_run")]
    #[schema(minimum = 1, maximum = 100)]
    pub fail_after: i64,
    /// Good probes in a row that close it, 1–100 (default 2).
    #[serde(default = "default_run")]
    #[schema(minimum = 1, maximum = 100)]
    pub recover_after: i64,
    /// Push monitors being changed: issue a new token (the old one stops working).
    #[serde(default)]
    pub new_push_token: bool,
    /// HTTP and TCP: let the probe reach internal addresses — this host, private and
    /// link-local networks — which are refused otherwise (administrators only; absent: off
    /// for a new monitor, unchanged for a changed one, and it lapses when someone else
    /// changes the target).
    pub allow_internal: Option<bool>,
}

impl From<MonitorBody> for MonitorSpec {
    fn from(b: MonitorBody) -> Self {
        MonitorSpec {
            kind: b.kind.into(),
            target: b.target,
            expected_status: b.expected_status,
            keyword: b.keyword,
            latency_limit_ms: b.latency_limit_ms,
            interval_s: b.interval_s,
            fail_after: b.fail_after,
            recover_after: b.recover_after,
            new_push_token: b.new_push_token,
            allow_internal: b.allow_internal,
        }
    }
}

/// Input: whether a monitor is probed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// `true` starts probing, `false` stops it.
    pub active: bool,
}

// ----- handlers -------------------------------------------------------------------------------

/// A customer's environments (customers: their own).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/environments", tag = "monitoring",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 200, description = "By name.", body = Vec<EnvironmentDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_environments(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<EnvironmentDto>>, ApiError> {
    let list = app.environments_of(&caller, OrgId(id)).await?;
    Ok(ApiJson(
        list.into_iter().map(EnvironmentDto::from).collect(),
    ))
}

/// Add an environment to a customer (administrators and service managers).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/environments", request_body = EnvironmentBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Organization id", minimum = 1)),
    responses((status = 201, description = "Created.", body = EnvironmentDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_environment(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<EnvironmentBody>,
) -> Result<(StatusCode, ApiJson<EnvironmentDto>), ApiError> {
    let e = app
        .create_environment(&caller, OrgId(id), &body.name)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(e.into())))
}

/// Rename an environment (administrators and service managers).
#[utoipa::path(post, path = "/api/v1/environments/{id}/name", request_body = EnvironmentBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Environment id", minimum = 1)),
    responses((status = 200, description = "Renamed.", body = EnvironmentDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn rename_environment(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<EnvironmentBody>,
) -> Result<ApiJson<EnvironmentDto>, ApiError> {
    let e = app
        .rename_environment(&caller, EnvironmentId(id), &body.name)
        .await?;
    Ok(ApiJson(e.into()))
}

/// An environment's monitors, active or not (customers: their own).
#[utoipa::path(get, path = "/api/v1/environments/{id}/monitors", tag = "monitoring",
    params(("id" = i64, Path, description = "Environment id", minimum = 1)),
    responses((status = 200, description = "In creation order.", body = Vec<MonitorDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_monitors(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<Vec<MonitorDto>>, ApiError> {
    let list = app.monitors_of(&caller, EnvironmentId(id)).await?;
    Ok(ApiJson(
        list.into_iter()
            .map(|m| MonitorDto::of(m, &caller.scope))
            .collect(),
    ))
}

/// Add a monitor to an environment (administrators and service managers); a push monitor's
/// token is in the answer, this once.
#[utoipa::path(post, path = "/api/v1/environments/{id}/monitors", request_body = MonitorBody,
    tag = "monitoring",
    params(("id" = i64, Path, description = "Environment id", minimum = 1)),
    responses((status = 201, description = "Created and active.", body = MonitorSaved), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_monitor(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MonitorBody>,
) -> Result<(StatusCode, ApiJson<MonitorSaved>), ApiError> {
    let (m, token) = app
        .create_monitor(&caller, EnvironmentId(id), &body.into())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(saved(m, token, &caller.scope))))
}

/// One monitor (customers: their own).
#[utoipa::path(get, path = "/api/v1/monitors/{id}", tag = "monitoring",
    params(("id" = i64, Path, description = "Monitor id", minimum = 1)),
    responses((status = 200, description = "The monitor.", body = MonitorDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn get_monitor(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<MonitorDto>, ApiError> {
    let m = app.monitor(&caller, MonitorId(id)).await?;
    Ok(ApiJson(MonitorDto::of(m, &caller.scope)))
}

/// Change what a monitor checks (administrators and service managers); its history stays.
#[utoipa::path(put, path = "/api/v1/monitors/{id}", request_body = MonitorBody, tag = "monitoring",
    params(("id" = i64, Path, description = "Monitor id", minimum = 1)),
    responses((status = 200, description = "Changed; the runner picks it up within seconds.", body = MonitorSaved), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn update_monitor(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MonitorBody>,
) -> Result<ApiJson<MonitorSaved>, ApiError> {
    let (m, token) = app
        .update_monitor(&caller, MonitorId(id), &body.into())
        .await?;
    Ok(ApiJson(saved(m, token, &caller.scope)))
}

/// Start or stop probing a monitor (administrators and service managers).
#[utoipa::path(put, path = "/api/v1/monitors/{id}/active", request_body = ActiveBody, tag = "monitoring",
    params(("id" = i64, Path, description = "Monitor id", minimum = 1)),
    responses((status = 200, description = "The monitor.", body = MonitorDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn set_monitor_active(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ActiveBody>,
) -> Result<ApiJson<MonitorDto>, ApiError> {
    let m = app
        .set_monitor_active(&caller, MonitorId(id), body.active)
        .await?;
    Ok(ApiJson(MonitorDto::of(m, &caller.scope)))
}

/// A heartbeat of a push monitor. No session: the token in the path authenticates it.
#[utoipa::path(post, path = "/api/v1/push/{token}", tag = "monitoring",
    params(("token" = String, Path, description = "The push monitor's token")),
    responses((status = 204, description = "Recorded."), Problems))]
pub async fn push(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.record_push(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}
