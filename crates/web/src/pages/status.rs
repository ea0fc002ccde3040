//! Pages: the public status page (`/status`, more detail when signed in), the maintenance
//! calendar feed and embeddable snippet (drawn by `crate::render`).
//! What the public may see is decided in `crate::status`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sla::{Lang, words};

use super::error::PageError;
use super::form::Fields;
use super::layout::{Shell, Viewer, csrf_token, render};
use crate::AppState;
use crate::api::status::public_lang;
use crate::auth::{self, Caller, scope_of};
use crate::error::ApiError;
use desk::i18n::Tr;
use desk::status::{Day, PastOutage, StatusEntry};
use render::ical::ical_feed;
use render::snippet::snippet_html;
use render::words::percent_words;

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
            person: Some(super::layout::shell_person(&person)),
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

/// The status pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(status_page))
        .route("/status/maintenance.ics", get(maintenance_ics))
        .route("/status/maintenance.html", get(maintenance_snippet))
}
