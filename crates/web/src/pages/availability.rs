//! Pages: the availability page (`/availability`): each environment's figure for a month
//! with its outages, and the service desk's classification of an outage.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use sla::availability::ExcludedCause;
use sla::{Lang, Month, words};
use store::OrgId;

use super::error::PageError;
use super::form::Fields;
use super::layout::{Shell, Viewer, render};
use crate::AppState;
use crate::error::ApiError;
use desk::DeskError;
use desk::availability::AvailabilityFigure;
use desk::i18n::Tr;
use render::words::{cause_label, percent_words};

/// One environment's figure in words.
pub struct FigureView {
    /// The customer.
    pub customer: String,
    /// The environment.
    pub environment: String,
    /// "1 okt 2026 00:00 – 1 nov 2026 00:00" (or until now).
    pub period: String,
    /// The month is still in progress.
    pub in_progress: bool,
    /// Length of the period.
    pub period_len: String,
    /// Measured time.
    pub measured: String,
    /// Excluded: window.
    pub window: String,
    /// Excluded: announced maintenance.
    pub announced: String,
    /// Excluded per cause: label, time.
    pub causes: Vec<(String, String)>,
    /// All excluded time.
    pub excluded: String,
    /// Counted downtime.
    pub counted: String,
    /// Allowed downtime.
    pub allowed: String,
    /// Remaining (may start with a minus).
    pub remaining: String,
    /// Availability.
    pub percent: String,
    /// Target.
    pub target: String,
    /// Whether it holds.
    pub holds: bool,
    /// Outages: id, start, end, cause in words, cause key (`""`: counted).
    pub outages: Vec<(i64, String, String, String, String)>,
    /// Maintenance: start, end, counted in words.
    pub maintenance: Vec<(String, String, String)>,
}

fn ts_local(cal: &sla::Calendar, rfc: &str, lang: Lang) -> String {
    rfc.parse::<jiff::Timestamp>().map_or_else(
        |_| rfc.to_string(),
        |ts| words::format_local(cal, ts.as_second(), lang),
    )
}

/// A figure in words.
pub fn figure_view(f: &AvailabilityFigure, cal: &sla::Calendar, t: Tr) -> FigureView {
    let d = |s: i64| words::business_duration(s, t.0);
    FigureView {
        customer: f.customer.clone(),
        environment: f.environment.clone(),
        period: format!(
            "{} – {}",
            ts_local(cal, &f.from, t.0),
            ts_local(cal, &f.measured_until, t.0)
        ),
        in_progress: f.in_progress,
        period_len: d(f.period_seconds),
        measured: d(f.measured_seconds),
        window: d(f.excluded.window_seconds),
        announced: d(f.excluded.announced_maintenance_seconds),
        causes: f
            .excluded
            .causes
            .iter()
            .map(|c| (cause_label(&c.cause, t.0), d(c.seconds)))
            .collect(),
        excluded: d(f.excluded_seconds),
        counted: d(f.counted_downtime_seconds),
        allowed: d(f.allowed_downtime_seconds),
        remaining: d(f.remaining_downtime_seconds),
        percent: percent_words(f.availability_ppm, t),
        target: percent_words(f.target_ppm, t),
        holds: f.holds,
        outages: f
            .outages
            .iter()
            .map(|o| {
                (
                    o.id,
                    ts_local(cal, &o.started_at, t.0),
                    o.ended_at.as_deref().map_or_else(
                        || t.get("status.ongoing").to_string(),
                        |e| ts_local(cal, e, t.0),
                    ),
                    o.cause.as_deref().map_or_else(
                        || t.get("avail.counts").to_string(),
                        |c| cause_label(c, t.0),
                    ),
                    o.cause.clone().unwrap_or_default(),
                )
            })
            .collect(),
        maintenance: f
            .maintenance
            .iter()
            .map(|m| {
                (
                    ts_local(cal, &m.starts_at, t.0),
                    ts_local(cal, &m.ends_at, t.0),
                    if m.notice_given {
                        t.get("avail.notice_given").to_string()
                    } else {
                        t.get("avail.notice_late").to_string()
                    },
                )
            })
            .collect(),
    }
}

#[derive(askama::Template)]
#[template(path = "availability.html")]
struct AvailabilityPage {
    t: Tr,
    shell: Shell,
    month: String,
    month_label: String,
    figures: Vec<FigureView>,
    customers: Vec<(i64, String, bool)>,
    vendor: bool,
    /// May classify outages (service manager, administrator).
    may_classify: bool,
    /// The excluded causes: key and words.
    causes: Vec<(&'static str, String)>,
    /// This page, to come back to after a form.
    here: String,
}

fn month_label(t: Tr, m: Month) -> String {
    format!("{} {}", t.get(&format!("month.{}", m.month)), m.year)
}

async fn availability_page(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let q = Fields::query(q.as_deref());
    let standard = app
        .policies
        .standard()
        .map_err(|e| PageError::Api(t, e.into()))?;
    let month = match q.text("month").trim() {
        "" => Month::containing(&standard.calendar, app.clock.now().as_second()),
        m => m
            .parse::<Month>()
            .map_err(|e| PageError::Api(t, ApiError::field("month", e)))?,
    };
    let org = match q.text("organization").trim() {
        "" => None,
        raw => Some(OrgId(raw.parse::<i64>().map_err(|_| {
            PageError::Api(
                t,
                ApiError::field("organization", "the customer is a number"),
            )
        })?)),
    };
    let scope = viewer.caller.scope;
    let report = app
        .availability_report(&scope, org, None, month)
        .await
        .map_err(|e| match e {
            DeskError::NotFound(_) => PageError::NotFound(t),
            other => PageError::Api(t, other.into()),
        })?;
    let vendor = viewer.caller.role().is_vendor();
    let customers = if vendor {
        app.store
            .list_orgs(&scope)
            .await
            .map_err(|e| PageError::Api(t, e.into()))?
            .into_iter()
            .map(|o| (o.id.0, o.name, Some(o.id) == org))
            .collect()
    } else {
        Vec::new()
    };
    let page = AvailabilityPage {
        t,
        month: month.to_string(),
        month_label: month_label(t, month),
        figures: report
            .environments
            .iter()
            .map(|f| figure_view(f, &standard.calendar, t))
            .collect(),
        customers,
        vendor,
        may_classify: matches!(
            viewer.caller.role(),
            store::Role::ServiceManager | store::Role::Admin
        ),
        causes: ExcludedCause::ALL
            .iter()
            .map(|c| (c.as_str(), c.label(t.0).to_string()))
            .collect(),
        here: match org {
            Some(o) => format!("/availability?month={month}&organization={}", o.0),
            None => format!("/availability?month={month}"),
        },
        shell: viewer.shell,
    };
    Ok(render(&page))
}

/// Classifies an outage (or puts it back as counted downtime) with the reason, from the
/// availability page; the service manager's who/when/why is kept by the store.
async fn classify(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let form = Fields::parse(&body);
    viewer.check_csrf(form.text("csrf"))?;
    let cause = match form.text("cause").trim() {
        "" => None,
        c => Some(c.parse::<ExcludedCause>().map_err(|_| {
            PageError::Api(
                t,
                ApiError::field("cause", "not one of the excluded causes"),
            )
        })?),
    };
    app.classify_outage(
        &viewer.caller,
        store::OutageId(id),
        cause,
        form.text("reason"),
    )
    .await
    .map_err(|e| match e {
        DeskError::NotFound(_) => PageError::NotFound(t),
        DeskError::Forbidden(why) => PageError::Forbidden(t, why),
        other => super::error::refused(t)(other),
    })?;
    let back = form.text("back");
    let back = if back.starts_with("/availability") {
        back
    } else {
        "/availability"
    };
    Ok(super::layout::local_redirect(back, "/availability"))
}
/// The availability pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/availability", get(availability_page))
        .route("/availability/outages/{id}/classification", post(classify))
}
