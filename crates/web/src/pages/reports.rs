//! Pages: the monthly report on screen, publishing a month, recording why a ticket missed its
//! target, and the live dashboard (the report's words, charts and printable form are drawn by
//! `render::report`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sla::{Lang, Month, PolicyDuration, words};
use store::{OrgId, Role, TicketId};

use super::error::{PageError, api};
use super::form::Fields;
use super::layout::{Shell, Viewer, local_redirect, render};
use crate::AppState;
use crate::error::ApiError;
use desk::i18n::Tr;
use render::report::{
    ChartView, PRINT_CSS, ReportView, RowView, customer_name, month_label, row, target_words,
    trend_charts, view,
};

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    shell: Shell,
    r: ReportView,
    query: String,
    may_publish: bool,
    may_explain: bool,
    live: bool,
    published: bool,
    customers: Vec<(i64, String, bool)>,
    vendor: bool,
}

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: Tr,
    shell: Shell,
    customer: String,
    hours: u32,
    until: String,
    at_risk: Vec<RiskView>,
    budget: Vec<RowView>,
    trend: Vec<ChartView>,
    customers: Vec<(i64, String, bool)>,
    vendor: bool,
    month_label: String,
    organization: Option<i64>,
}

/// A ticket at risk, in words.
struct RiskView {
    id: i64,
    subject: String,
    target: String,
    deadline: String,
    left: String,
}

fn org_param(q: &Fields, t: Tr) -> Result<Option<OrgId>, PageError> {
    let raw = q.text("organization").trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(|o| Some(OrgId(o))).map_err(|_| {
        PageError::Api(
            t,
            ApiError::field("organization", "the customer is a number"),
        )
    })
}

async fn customers(
    app: &AppState,
    viewer: &Viewer,
    chosen: Option<OrgId>,
) -> Result<Vec<(i64, String, bool)>, PageError> {
    if !viewer.caller.role().is_vendor() {
        return Ok(Vec::new());
    }
    let orgs = app
        .store
        .list_orgs(&viewer.caller.scope)
        .await
        .map_err(|e| api(viewer.t)(e))?;
    Ok(orgs
        .into_iter()
        .map(|o| (o.id.0, o.name, Some(o.id) == chosen))
        .collect())
}

/// The report page of a month, for a customer or all.
fn report_path(month: Month, org: Option<OrgId>) -> String {
    match org {
        Some(o) => format!("/reports/{month}?organization={}", o.0),
        None => format!("/reports/{month}"),
    }
}

/// The last month that is over, as the default report.
fn last_month(app: &AppState) -> Result<Month, ApiError> {
    let standard = app.policies.standard()?;
    let local = standard.calendar.utc_to_local(app.clock.now().as_second());
    let (y, m, _) = sla::civil::civil_from_days(local.div_euclid(86_400));
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    Month::new(y as i16, m as i8).ok_or_else(|| ApiError::field("month", "out of range"))
}

async fn index(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let q = Fields::query(q.as_deref());
    let month = match q.text("month").trim() {
        "" => last_month(&app).map_err(api(t))?,
        m => m
            .parse::<Month>()
            .map_err(|e| PageError::Api(t, ApiError::field("month", e)))?,
    };
    let org = org_param(&q, t)?;
    Ok(Redirect::to(&report_path(month, org)).into_response())
}

async fn report_page(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(month): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let q = Fields::query(q.as_deref());
    let month: Month = month
        .parse()
        .map_err(|e: String| PageError::Api(t, ApiError::field("month", e)))?;
    let org = org_param(&q, t)?;
    let live = q.text("live") == "1";
    let report = app
        .monthly_report(&viewer.caller, org, month, live)
        .await
        .map_err(api(t))?;
    let org = report.organization_id.map(OrgId);
    let orgs = match org {
        Some(o) => vec![
            app.store
                .get_org(&viewer.caller.scope, o)
                .await
                .map_err(|e| api(t)(e))?,
        ],
        None => app
            .store
            .list_orgs(&viewer.caller.scope)
            .await
            .map_err(|e| api(t)(e))?,
    };
    let (trend, _) = app
        .trend(&viewer.caller.scope, org, &orgs, month)
        .await
        .map_err(api(t))?;
    let published = app
        .store
        .published_report(&viewer.caller.scope, org, &month.to_string())
        .await
        .map_err(|e| api(t)(e))?
        .is_some();
    let standard = app.policies.standard().map_err(api(t))?;
    let ended = month
        .span(&standard.calendar)
        .map(|(_, end)| end <= app.clock.now())
        .unwrap_or(false);
    let role = viewer.caller.role();
    let mut query = String::new();
    if let Some(o) = org {
        query.push_str(&format!("organization={}&", o.0));
    }
    let page = ReportPage {
        t,
        r: view(&report, t, &trend, &standard.calendar),
        query,
        may_publish: !published && ended && matches!(role, Role::ServiceManager | Role::Admin),
        may_explain: role.is_vendor(),
        live: report.publication.is_none(),
        published,
        customers: customers(&app, &viewer, org).await?,
        vendor: role.is_vendor(),
        shell: viewer.shell,
    };
    Ok(render(&page))
}

async fn publish(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(month): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let form = Fields::parse(&body);
    viewer.check_csrf(form.text("csrf"))?;
    let month: Month = month
        .parse()
        .map_err(|e: String| PageError::Api(t, ApiError::field("month", e)))?;
    let org = org_param(&form, t)?;
    app.publish_report(&viewer.caller, org, month)
        .await
        .map_err(api(t))?;
    Ok(Redirect::to(&report_path(month, org)).into_response())
}

/// Only local paths are followed after a form (no open redirect).
async fn explain(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let form = Fields::parse(&body);
    viewer.check_csrf(form.text("csrf"))?;
    app.record_miss_reason(&viewer.caller, TicketId(id), form.text("reason"))
        .await
        .map_err(super::error::refused(t))?;
    Ok(local_redirect(form.text("back"), "/reports"))
}

fn business_words(seconds: i64, lang: Lang) -> String {
    PolicyDuration::Business(seconds.max(0) / 60 * 60).describe(lang)
}

async fn dashboard(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let q = Fields::query(q.as_deref());
    let org = org_param(&q, t)?;
    let hours = match q.text("hours").trim() {
        "" => 4,
        h => h
            .parse::<u32>()
            .map_err(|_| PageError::Api(t, ApiError::field("hours", "a whole number of hours")))?,
    };
    let d = app
        .dashboard(&viewer.caller.scope, org, hours)
        .await
        .map_err(api(t))?;
    let standard = app.policies.standard().map_err(api(t))?;
    let local = |rfc: &str| match rfc.parse::<jiff::Timestamp>() {
        Ok(ts) => words::format_local(&standard.calendar, ts.as_second(), t.0),
        Err(_) => rfc.to_string(),
    };
    let page = DashboardPage {
        t,
        customer: customer_name(t, &d.customer),
        hours: d.horizon_hours,
        until: local(&d.horizon_until),
        at_risk: d
            .at_risk
            .iter()
            .map(|r| RiskView {
                id: r.ticket_id,
                subject: r.subject.clone(),
                target: target_words(t, &r.kind, r.priority.as_deref()),
                deadline: local(&r.deadline),
                left: business_words(r.business_seconds_left, t.0),
            })
            .collect(),
        budget: d.budget.iter().map(|l| row(t, l)).collect(),
        trend: trend_charts(t, &d.trend),
        customers: customers(&app, &viewer, org).await?,
        vendor: viewer.caller.role().is_vendor(),
        month_label: month_label(t, &d.month),
        organization: d.organization_id,
        shell: viewer.shell,
    };
    Ok(render(&page))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRINT_CSS,
    )
}

/// The report pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/{month}", get(report_page))
        .route("/reports/{month}/publish", post(publish))
        .route("/tickets/{id}/miss-reason", post(explain))
        .route("/dashboard", get(dashboard))
        .route("/static/report.css", get(stylesheet))
}
