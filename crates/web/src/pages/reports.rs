//! Pages: the monthly report (on screen and printable, A4, Dutch by default), publishing a
//! month, recording why a ticket missed its target, and the live dashboard.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sla::{Lang, Month, PolicyDuration, words};
use store::{OrgId, Role, TicketId};

use super::i18n::Tr;
use super::ticket::{Fields, kind_label, priority_label};
use super::{PageError, Shell, Viewer, api, render};
use crate::AppState;
use crate::error::ApiError;
use crate::report::charts::{ChartWords, distribution_svg, trend_svg};
use desk::report::dashboard::TrendSeries;
use desk::report::{ALL_CUSTOMERS, MonthlyReport, TargetLine, bp_percent};

/// The print stylesheet, served at `/static/report.css` and inlined in files.
pub const PRINT_CSS: &str = include_str!("../../static/report.css");

/// One target line, in words.
pub struct RowView {
    /// What is measured: "Incident, Urgent" or "Vraag".
    pub target: String,
    /// The bound: "90% binnen 4 uur".
    pub bound: String,
    /// Counted, met, missed.
    pub counted: u32,
    /// Met.
    pub met: u32,
    /// Missed.
    pub missed: u32,
    /// The share met, or a dash.
    pub share: String,
    /// Whether the bound holds.
    pub holds: bool,
    /// The budget left.
    pub budget: u32,
}

/// One section (customer or all) in words.
pub struct SectionView {
    /// The customer's name.
    pub customer: String,
    /// Its lines.
    pub rows: Vec<RowView>,
}

/// A missed target in words.
pub struct MissedView {
    /// The ticket id.
    pub ticket_id: i64,
    /// Its customer's name.
    pub customer: String,
    /// Its subject.
    pub subject: String,
    /// What it missed.
    pub target: String,
    /// When the miss was decided, local time.
    pub decided: String,
    /// The reason recorded, or empty.
    pub reason: String,
}

/// A correction in words.
pub struct CorrectionView {
    /// The month corrected.
    pub month: String,
    /// The customer.
    pub customer: String,
    /// The target.
    pub target: String,
    /// "12 / 1" as published.
    pub before: String,
    /// "11 / 2" now.
    pub after: String,
}

/// A chart with its caption.
pub struct ChartView {
    /// The caption.
    pub caption: String,
    /// The SVG markup.
    pub svg: String,
}

/// The whole report in words, for the screen and the printable version.
pub struct ReportView {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// "oktober 2026".
    pub month_label: String,
    /// The customer, or all customers.
    pub customer: String,
    /// The organization id, when one customer.
    pub organization: Option<i64>,
    /// Publication words: when and the hash; empty when live.
    pub published_at: String,
    /// SHA-256 of the published report.
    pub sha256: String,
    /// The sections.
    pub sections: Vec<SectionView>,
    /// The missed targets.
    pub missed: Vec<MissedView>,
    /// Corrections to earlier published months.
    pub corrections: Vec<CorrectionView>,
    /// Distribution charts, one per priority.
    pub distribution: Vec<ChartView>,
    /// Trend charts.
    pub trend: Vec<ChartView>,
    /// Availability per environment.
    pub availability: Vec<AvailabilityRow>,
}

/// One environment's availability in the report.
pub struct AvailabilityRow {
    /// The customer.
    pub customer: String,
    /// The environment.
    pub environment: String,
    /// Availability, e.g. `99,873%`.
    pub percent: String,
    /// The target.
    pub target: String,
    /// Counted downtime in words.
    pub counted: String,
    /// Downtime allowed in words.
    pub allowed: String,
    /// Whether the target holds.
    pub holds: bool,
}

fn month_label(t: Tr, month: &str) -> String {
    let Ok(m) = month.parse::<Month>() else {
        return month.to_string();
    };
    format!("{} {}", t.get(&format!("month.{}", m.month)), m.year)
}

fn target_words(t: Tr, kind: &str, priority: Option<&str>) -> String {
    match priority {
        Some(p) => format!("{}, {}", kind_label(t, kind), priority_label(t, p)),
        None => kind_label(t, kind),
    }
}

fn within_words(t: Tr, percent_bp: u32, within: &str) -> String {
    let w = within
        .parse::<PolicyDuration>()
        .map_or_else(|_| within.to_string(), |d| d.describe(t.0));
    format!(
        "{}% {} {w}",
        bp_percent(percent_bp).trim_end_matches(".00"),
        t.get("report.within")
    )
}

fn row(t: Tr, l: &TargetLine) -> RowView {
    RowView {
        target: target_words(t, &l.kind, l.priority.as_deref()),
        bound: within_words(t, l.percent_bp, &l.within),
        counted: l.counted,
        met: l.met,
        missed: l.missed,
        share: l
            .share_bp
            .map_or_else(|| "–".into(), |bp| format!("{}%", bp_percent(bp))),
        holds: l.holds,
        budget: l.budget,
    }
}

fn customer_name(t: Tr, name: &str) -> String {
    if name == ALL_CUSTOMERS {
        t.get("report.all_customers").to_string()
    } else {
        name.to_string()
    }
}

/// Trend charts of the series, one per target pair.
pub fn trend_charts(t: Tr, series: &[TrendSeries]) -> Vec<ChartView> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let title = target_words(t, &s.kind, s.priority.as_deref());
            let first = within_words(t, s.percent_bp, &s.within);
            let second = within_words(t, 10_000, &s.hard_within);
            let svg = trend_svg(
                &format!("trend-{i}"),
                &s.points,
                s.percent_bp,
                ChartWords {
                    title: &title,
                    first: &first,
                    second: &second,
                    none: t.get("report.none"),
                },
            );
            ChartView {
                caption: format!("{title}: {}", t.get("report.trend_caption")),
                svg,
            }
        })
        .collect()
}

/// The report in words, with its charts (`trend` may be empty).
pub fn view(
    report: &MonthlyReport,
    t: Tr,
    trend: &[TrendSeries],
    calendar: &sla::Calendar,
) -> ReportView {
    let names: std::collections::HashMap<i64, &str> = report
        .sections
        .iter()
        .filter_map(|s| s.organization_id.map(|o| (o, s.customer.as_str())))
        .collect();
    let local = |rfc: &str| -> String {
        match rfc.parse::<jiff::Timestamp>() {
            Ok(ts) => words::format_local(calendar, ts.as_second(), t.0),
            Err(_) => rfc.to_string(),
        }
    };
    let customer = match report.organization_id {
        Some(o) => names.get(&o).copied().unwrap_or_default().to_string(),
        None => t.get("report.all_customers").to_string(),
    };
    let distribution = report
        .distribution
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let title = target_words(t, "incident", Some(&d.priority));
            let first = format!("90% {}", t.get("report.bound"));
            let second = format!("100% {}", t.get("report.bound"));
            let svg = distribution_svg(
                &format!("dist-{i}"),
                d,
                ChartWords {
                    title: &title,
                    first: &first,
                    second: &second,
                    none: t.get("report.none"),
                },
                t.get("report.beyond"),
            );
            let total: u32 = d.bins.iter().sum();
            ChartView {
                caption: format!(
                    "{title}: {} ({total} {}, {} {})",
                    t.get("report.distribution_caption"),
                    t.get("report.incidents"),
                    d.open,
                    t.get("report.still_open")
                ),
                svg,
            }
        })
        .collect();
    ReportView {
        month: report.month.clone(),
        month_label: month_label(t, &report.month),
        customer,
        organization: report.organization_id,
        published_at: report
            .publication
            .as_ref()
            .map(|p| local(&p.published_at))
            .unwrap_or_default(),
        sha256: report
            .publication
            .as_ref()
            .map(|p| p.sha256.clone())
            .unwrap_or_default(),
        sections: report
            .sections
            .iter()
            .map(|s| SectionView {
                customer: customer_name(t, &s.customer),
                rows: s.targets.iter().map(|l| row(t, l)).collect(),
            })
            .collect(),
        missed: report
            .missed
            .iter()
            .map(|m| MissedView {
                ticket_id: m.ticket_id,
                customer: names
                    .get(&m.organization_id)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                subject: m.subject.clone(),
                target: format!(
                    "{}: {}",
                    target_words(t, &m.kind, m.priority.as_deref()),
                    within_words(t, m.percent_bp, &m.within)
                ),
                decided: local(&m.decided_at),
                reason: m.reason.clone().unwrap_or_default(),
            })
            .collect(),
        corrections: report
            .corrections
            .iter()
            .map(|c| CorrectionView {
                month: month_label(t, &c.month),
                customer: customer_name(t, &c.customer),
                target: format!(
                    "{}: {}",
                    target_words(t, &c.kind, c.priority.as_deref()),
                    within_words(t, c.percent_bp, &c.within)
                ),
                before: format!("{} / {}", c.published_met, c.published_missed),
                after: format!("{} / {}", c.met, c.missed),
            })
            .collect(),
        distribution,
        trend: trend_charts(t, trend),
        availability: report
            .availability
            .iter()
            .map(|f| AvailabilityRow {
                customer: f.customer.clone(),
                environment: f.environment.clone(),
                percent: super::status::percent_words(f.availability_ppm, t),
                target: super::status::percent_words(f.target_ppm, t),
                counted: words::business_duration(f.counted_downtime_seconds, t.0),
                allowed: words::business_duration(f.allowed_downtime_seconds, t.0),
                holds: f.holds,
            })
            .collect(),
    }
}

#[derive(askama::Template)]
#[template(path = "report_print.html")]
struct PrintPage<'a> {
    t: Tr,
    r: &'a ReportView,
    css: &'a str,
}

/// The printable report with its trend charts as a standalone HTML document, times in the
/// calendar's zone: with `inline_css` the stylesheet is embedded (a file to keep or mail), else
/// linked (served, under the CSP).
pub fn printable(
    report: &MonthlyReport,
    t: Tr,
    trend: &[TrendSeries],
    calendar: &sla::Calendar,
    inline_css: bool,
) -> String {
    use askama::Template;
    let r = view(report, t, trend, calendar);
    let css = if inline_css {
        format!("<style>{PRINT_CSS}</style>")
    } else {
        "<link rel=\"stylesheet\" href=\"/static/report.css\">".to_string()
    };
    PrintPage {
        t,
        r: &r,
        css: &css,
    }
    .render()
    .unwrap_or_else(|e| format!("<!doctype html><p>{e}</p>"))
}

// ----- pages -----------------------------------------------------------------------------

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
fn back_to(path: &str) -> &str {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path
    } else {
        "/reports"
    }
}

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
        .map_err(api(t))?;
    Ok(Redirect::to(back_to(form.text("back"))).into_response())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(back_to("/reports/2026-10"), "/reports/2026-10");
        assert_eq!(back_to("//evil.example"), "/reports");
        assert_eq!(back_to("https://evil.example"), "/reports");
        assert_eq!(back_to("/\\evil"), "/reports");
    }

    #[test]
    fn months_are_named_in_both_languages() {
        assert_eq!(month_label(Tr(Lang::Nl), "2026-10"), "oktober 2026");
        assert_eq!(month_label(Tr(Lang::En), "2026-03"), "March 2026");
    }
}
