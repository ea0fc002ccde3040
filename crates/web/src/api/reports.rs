//! The report endpoints of the API: the monthly report (JSON, CSV, printable HTML),
//! publishing a month, the live dashboard, and the reason recorded on a missed ticket.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{OrgId, TicketId};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, Id, Problems};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::i18n::Tr;
use desk::report::MonthlyReport;
use desk::report::dashboard::Dashboard;

/// Filters of the monthly report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this customer (customers always get their own); absent: every customer and all
    /// together.
    pub organization: Option<i64>,
    /// `json` (default), `csv` or `html` (printable, A4).
    #[param(inline)]
    pub format: Option<ReportFormat>,
    /// Compute the report from the tickets now, even when the month is published.
    #[serde(default)]
    pub live: bool,
    /// The language of the printable report: `nl` (default) or `en`.
    pub lang: Option<crate::api::LangDto>,
}

/// The format of a report export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// The whole report as JSON.
    Json,
    /// One table, its first column `section`: a `target` row per target (customer, kind,
    /// priority, percent, within, counted, met, missed, share_percent, holds, budget); in a
    /// customer's report then its compensation: `escalation` (the state at the end of the
    /// month), `meeting` rows, `discount` rows (reversals with negative amounts) and
    /// `discount_total`.
    Csv,
    /// The printable report (HTML with a print stylesheet for A4).
    Html,
}

fn parse_month(month: &str) -> Result<sla::Month, ApiError> {
    month.parse().map_err(|e: String| ApiError::BadRequest {
        detail: e,
        field: Some("month".into()),
    })
}

/// The name of a report's files: `loket-report-2026-10[-ORG].EXT`.
fn file_name(report: &MonthlyReport, ext: &str) -> String {
    match report.organization_id {
        Some(o) => format!("loket-report-{}-{o}.{ext}", report.month),
        None => format!("loket-report-{}.{ext}", report.month),
    }
}

/// The report in a format (`html`: the printable one, given), with its file name and, once
/// published, its hash in a header.
pub fn export(report: &MonthlyReport, format: ReportFormat, html: String) -> Response {
    let hash = report
        .publication
        .as_ref()
        .map(|p| p.sha256.clone())
        .unwrap_or_default();
    let (kind, ext, body) = match format {
        ReportFormat::Json => (
            "application/json",
            "json",
            serde_json::to_string(report).unwrap_or_default(),
        ),
        ReportFormat::Csv => ("text/csv; charset=utf-8", "csv", report.to_csv()),
        ReportFormat::Html => ("text/html; charset=utf-8", "html", html),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                if format == ReportFormat::Html {
                    "inline".to_string()
                } else {
                    format!("attachment; filename=\"{}\"", file_name(report, ext))
                },
            ),
        ],
        body,
    )
        .into_response();
    if !hash.is_empty()
        && let Ok(v) = hash.parse()
    {
        response.headers_mut().insert("loket-report-sha256", v);
    }
    response
}

/// The monthly service-level report: per target, counted, met, missed, share, whether it
/// holds and the budget left; the targets missed with their reasons; the distribution of
/// resolution times; corrections to earlier published months; for a customer, its
/// compensation (the escalation state at the end of the month, the meetings held in it, the
/// discount on the month's invoice). A published month is served as frozen (with its SHA-256,
/// also in the `Loket-Report-Sha256` header) unless `live`; the compensation section follows
/// the publication, is always read live and is not covered by the hash.
/// Tickets count in the month their outcome was decided (SLA-RULES §4), months in
/// Europe/Amsterdam.
#[utoipa::path(get, path = "/api/v1/reports/{month}", tag = "reports",
    params(("month" = String, Path, description = "The month, YYYY-MM", example = "2026-10", pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$"), ReportQuery),
    responses((status = 200, description = "The report.",
        content((MonthlyReport = "application/json"), (String = "text/csv"), (String = "text/html"))), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn monthly_report(
    State(app): State<AppState>,
    caller: Caller,
    Path(month): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let month = parse_month(&month)?;
    let t = Tr::for_code(q.lang.map_or("nl", crate::api::LangDto::as_str));
    let report = app
        .monthly_report(&caller, q.organization.map(OrgId), month, q.live)
        .await?;
    let format = q.format.unwrap_or(ReportFormat::Json);
    let html = if format == ReportFormat::Html {
        let (trend, agreement) = app.printable_context(&caller.scope, &report).await?;
        render::report::printable(&report, t, &trend, &agreement.calendar, false)
    } else {
        String::new()
    };
    Ok(export(&report, format, html))
}

/// Input: which report to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The customer; absent: all customers together.
    pub organization: Option<i64>,
}

/// Publish (freeze) a month's report for a customer or for all customers (service manager or
/// administrator; once per month, after it has ended). Later changes to the month's tickets
/// appear as corrections in the reports after it.
#[utoipa::path(post, path = "/api/v1/reports/{month}/publication", request_body = PublishBody, tag = "reports",
    params(("month" = String, Path, description = "The month, YYYY-MM", example = "2026-10", pattern = "^(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])$")),
    responses((status = 201, description = "The report as frozen, with its hash.", body = MonthlyReport), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn publish(
    State(app): State<AppState>,
    caller: Caller,
    Path(month): Path<String>,
    ApiJson(body): ApiJson<PublishBody>,
) -> Result<(StatusCode, ApiJson<MonthlyReport>), ApiError> {
    let month = parse_month(&month)?;
    let report = app
        .publish_report(&caller, body.organization.map(OrgId), month)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(report)))
}

/// Filters of the dashboard.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Only this customer (customers always get their own); absent: all customers.
    pub organization: Option<i64>,
    /// Look-ahead in business hours for tickets at risk (0–200, default 4; 0: only those
    /// already past a deadline).
    #[param(minimum = 0, maximum = 200)]
    pub hours: Option<u32>,
}

/// The live dashboard: open tickets whose next deadline falls within the next business
/// hours, this month's targets with the budget left, and the last twelve months' trend.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "reports", params(DashboardQuery),
    responses((status = 200, description = "The dashboard.", body = Dashboard), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn dashboard(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<ApiJson<Dashboard>, ApiError> {
    let d = app
        .dashboard(
            &caller.scope,
            q.organization.map(OrgId),
            q.hours.unwrap_or(4),
        )
        .await?;
    Ok(ApiJson(d))
}

/// Input: why a ticket overran its target.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MissReasonBody {
    /// The reason, 1–2000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// The reason recorded on a missed ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissReasonDto {
    /// The ticket.
    pub ticket_id: i64,
    /// The reason.
    pub reason: String,
}

/// Record why a ticket missed its target (service desk), for the report and the incident
/// consultation; recording again replaces it. Audited.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/miss-reason", request_body = MissReasonBody, tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", minimum = 1)),
    responses((status = 200, description = "The reason as recorded.", body = MissReasonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn miss_reason(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<MissReasonBody>,
) -> Result<ApiJson<MissReasonDto>, ApiError> {
    let reason = app
        .record_miss_reason(&caller, TicketId(id), &body.reason)
        .await?;
    Ok(ApiJson(MissReasonDto {
        ticket_id: id,
        reason,
    }))
}
