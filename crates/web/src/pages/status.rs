//! Pages: the public status page (`/status`, more detail when signed in), the maintenance
//! calendar feed and embeddable snippet, and the availability page (`/availability`).
//! What the public may see is decided in `crate::status`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sla::availability::ExcludedCause;
use sla::{Lang, Month, words};
use store::OrgId;

use super::form::Fields;
use super::i18n::Tr;
use super::{PageError, Shell, ShellPerson, Viewer, csrf_token, render};
use crate::AppState;
use crate::auth::{self, Caller, scope_of};
use crate::error::ApiError;
use crate::render::ical::ical_feed;
use crate::render::snippet::snippet_html;
use crate::render::words::{cause_label, percent_words};
use crate::status::public_lang;
use desk::DeskError;
use desk::availability::AvailabilityFigure;
use desk::status::{Day, PastOutage, StatusEntry};

/// One day's square, with its text alternative.
pub struct DayView {
    /// `ok`, `minor`, `major` or `none` (a CSS class).
    pub class: &'static str,
    /// "ma 5 okt 2026: 99,861% (1 u 10 m onbeschikbaar)".
    pub text: String,
}

/// An outage line in words.
pub struct OutageView {
    /// Start, local time.
    pub start: String,
    /// End, local time, or "still going on".
    pub end: String,
    /// How long.
    pub duration: String,
    /// The cause, or empty.
    pub cause: String,
    /// "3 omgevingen" for merged incidents, or empty.
    pub scope: String,
}

/// One entry of the status page.
pub struct EntryView {
    /// A page-unique id for its heading.
    pub id: String,
    /// Name.
    pub name: String,
    /// `up`, `down`, `disrupted`, `maintenance` (a CSS class).
    pub state: &'static str,
    /// The state in words.
    pub state_text: String,
    /// The days, oldest first.
    pub days: Vec<DayView>,
    /// Its outages, latest first.
    pub outages: Vec<OutageView>,
}

/// Announced maintenance in words.
pub struct MaintenanceView {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// What is done.
    pub description: String,
    /// Going on now.
    pub now: bool,
}

#[derive(askama::Template)]
#[template(path = "status.html")]
struct StatusPage {
    t: Tr,
    shell: Shell,
    /// The service as a whole (one entry).
    service: Vec<EntryView>,
    environments: Vec<EntryView>,
    maintenance: Vec<MaintenanceView>,
    signed_in: bool,
    other_lang: &'static str,
}

fn local(cal: &sla::Calendar, ms: i64, lang: Lang) -> String {
    words::format_local(cal, ms.div_euclid(1000), lang)
}

fn day_view(d: &Day, t: Tr) -> DayView {
    let date = words::format_day(d.day, t.0);
    let text = match d.ppm {
        None => format!("{date}: {}", t.get("status.day_none")),
        Some(ppm) if d.counted_seconds == 0 => {
            format!(
                "{date}: {} ({})",
                percent_words(ppm, t),
                t.get("status.day_ok")
            )
        }
        Some(ppm) => format!(
            "{date}: {} ({} {})",
            percent_words(ppm, t),
            words::business_duration(d.counted_seconds, t.0),
            t.get("status.day_down")
        ),
    };
    DayView {
        class: d.class.word(),
        text,
    }
}

fn outage_view(o: &PastOutage, cal: &sla::Calendar, now: i64, t: Tr) -> OutageView {
    let end = o.ended_at.unwrap_or(now);
    OutageView {
        start: local(cal, o.started_at, t.0),
        end: o.ended_at.map_or_else(
            || t.get("status.ongoing").to_string(),
            |e| local(cal, e, t.0),
        ),
        duration: words::business_duration((end - o.started_at).div_euclid(1000), t.0),
        cause: o
            .cause
            .map(|c| c.label(t.0).to_string())
            .unwrap_or_default(),
        scope: if o.environments > 1 {
            format!("{} {}", o.environments, t.get("status.environments"))
        } else {
            String::new()
        },
    }
}

fn entry_view(
    e: &StatusEntry,
    id: String,
    name: String,
    cal: &sla::Calendar,
    now: i64,
    t: Tr,
) -> EntryView {
    let mut state_text = t
        .get(&format!("status.state.{}", e.state.word()))
        .to_string();
    if e.state == desk::status::EnvState::Disrupted {
        state_text = format!("{state_text} ({} / {})", e.down.0, e.down.1);
    }
    EntryView {
        id,
        name,
        state: e.state.word(),
        state_text,
        days: e.days.iter().map(|d| day_view(d, t)).collect(),
        outages: e
            .outages
            .iter()
            .map(|o| outage_view(o, cal, now, t))
            .collect(),
    }
}

/// The signed-in person of a request, if its session cookie is live (the status page works
/// without one).
async fn optional_viewer(app: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, ApiError> {
    let Some(secret) = auth::cookie(headers, auth::SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(person) = app
        .store
        .session_person(&auth::hash_secret(&secret), app.now_ms())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Viewer {
        shell: Shell {
            person: Some(ShellPerson {
                name: person.name.clone(),
                customer: !person.role.is_vendor(),
                may_file: person.role == store::Role::CustomerAdmin,
                admin: person.role == store::Role::Admin,
            }),
            csrf: csrf_token(&secret),
        },
        t: Tr::for_code(&person.lang),
        caller: Caller {
            scope: scope_of(&person),
            person,
            via_token: false,
        },
    }))
}

async fn status_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let q = Fields::query(q.as_deref());
    let asked = match q.text("lang") {
        "en" => Some(Tr(Lang::En)),
        "nl" => Some(Tr(Lang::Nl)),
        _ => None,
    };
    let viewer = optional_viewer(&app, &headers)
        .await
        .map_err(|e| PageError::Api(asked.unwrap_or(Tr(Lang::Nl)), e))?;
    let t = match (&viewer, asked) {
        (Some(v), _) => v.t,
        (None, Some(t)) => t,
        (None, None) => Tr(Lang::Nl),
    };
    let overview = app
        .status_overview(viewer.as_ref().map(|v| &v.caller.scope))
        .await
        .map_err(|e| PageError::Api(t, e.into()))?;
    let standard = app
        .policies
        .standard()
        .map_err(|e| PageError::Api(t, e.into()))?;
    let cal = &standard.calendar;
    let now = app.now_ms();
    let page = StatusPage {
        t,
        service: vec![entry_view(
            &overview.service,
            "service".into(),
            t.get("status.service").to_string(),
            cal,
            now,
            t,
        )],
        environments: overview
            .environments
            .iter()
            .enumerate()
            .map(|(i, e)| entry_view(e, format!("env-{i}"), e.name.clone(), cal, now, t))
            .collect(),
        maintenance: overview
            .maintenance
            .iter()
            .map(|m| MaintenanceView {
                start: local(cal, m.starts_at, t.0),
                end: local(cal, m.ends_at, t.0),
                description: m.description.clone(),
                now: m.starts_at <= now,
            })
            .collect(),
        signed_in: viewer.is_some(),
        other_lang: if t.code() == "nl" { "en" } else { "nl" },
        shell: viewer.map_or_else(
            || Shell {
                person: None,
                csrf: String::new(),
            },
            |v| v.shell,
        ),
    };
    Ok(render(&page))
}

/// Headers of the public feeds: any site may fetch them (no credentials are involved).
const PUBLIC: (header::HeaderName, &str) = (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");

async fn maintenance_ics(
    State(app): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let q = Fields::query(q.as_deref());
    let lang = Some(q.text("lang")).filter(|l| !l.is_empty());
    let t = public_lang(lang)?;
    let now = app.now_ms();
    let mut list = app
        .store
        .list_maintenance(
            &store::Scope::System,
            None,
            None,
            store::MaintenanceWhen::Upcoming,
            now,
        )
        .await?;
    // The last 90 days too, so calendars keep what happened.
    let past = app
        .store
        .list_maintenance(
            &store::Scope::System,
            None,
            None,
            store::MaintenanceWhen::Past,
            now,
        )
        .await?;
    let since = now - desk::status::HISTORY_DAYS * 86_400_000;
    list.extend(past.into_iter().filter(|m| m.ends_at >= since));
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"maintenance.ics\"",
            ),
            PUBLIC,
        ],
        ical_feed(&list, t),
    )
        .into_response())
}

async fn maintenance_snippet(
    State(app): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let q = Fields::query(q.as_deref());
    let lang = Some(q.text("lang")).filter(|l| !l.is_empty());
    let t = public_lang(lang)?;
    let list = app.upcoming_maintenance().await?;
    let standard = app.policies.standard()?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), PUBLIC],
        snippet_html(&list, &standard.calendar, t),
    )
        .into_response())
}

// ----- the availability page ---------------------------------------------------------------

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
        other => PageError::Api(t, other.into()),
    })?;
    let back = form.text("back");
    let back = if back.starts_with("/availability") {
        back
    } else {
        "/availability"
    };
    Ok(axum::response::Redirect::to(back).into_response())
}

/// The status and availability pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(status_page))
        .route("/status/maintenance.ics", get(maintenance_ics))
        .route("/status/maintenance.html", get(maintenance_snippet))
        .route("/availability", get(availability_page))
        .route("/availability/outages/{id}/classification", post(classify))
}
