//! The public face of availability over HTTP: the sign-in page's announcements and the public
//! JSON list of planned maintenance (the status overview itself is `desk::status`; the
//! iCalendar feed and the embeddable HTML snippet are drawn by `crate::render`).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use desk::status::LOGIN_ANNOUNCEMENTS;
use desk::time::rfc3339;
use serde::{Deserialize, Serialize};
use sla::{Lang, words};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, Problems};
use crate::AppState;
use crate::error::ApiError;
use desk::i18n::Tr;
use render::snippet::snippet_html;

/// The sign-in page's announcements: upcoming maintenance in words, in `t`'s language;
/// empty (and logged) when the store does not answer, so signing in still works.
pub async fn login_announcements(app: &AppState, t: Tr) -> Vec<String> {
    match app.upcoming_maintenance().await {
        Ok(list) => {
            let cal = app.policies.standard().ok();
            list.iter()
                .take(LOGIN_ANNOUNCEMENTS)
                .map(|m| {
                    let (from, to) = match &cal {
                        Some(c) => (
                            words::format_local(&c.calendar, m.starts_at.div_euclid(1000), t.0),
                            words::format_local(&c.calendar, m.ends_at.div_euclid(1000), t.0),
                        ),
                        None => (rfc3339(m.starts_at), rfc3339(m.ends_at)),
                    };
                    format!(
                        "{} {from} – {to}: {}",
                        t.get("status.planned"),
                        m.description
                    )
                })
                .collect()
        }
        Err(e) => {
            tracing::warn!(error = %e, "listing maintenance for the sign-in page failed");
            Vec::new()
        }
    }
}

// ----- the public JSON endpoint --------------------------------------------------------------

/// The language of a public answer.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// `nl` (default) or `en`.
    pub lang: Option<crate::api::LangDto>,
}

/// Upcoming maintenance as the public sees it (no environments).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicMaintenance {
    /// Id (the iCalendar UID is `maintenance-{id}@loket`).
    pub id: i64,
    /// Start (RFC 3339).
    pub starts_at: String,
    /// Expected end (RFC 3339).
    pub ends_at: String,
    /// What is done.
    pub description: String,
    /// Whether it is going on now.
    pub in_progress: bool,
}

/// Upcoming maintenance with an HTML snippet to embed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicMaintenanceList {
    /// Announced, not cancelled, not yet ended; soonest first.
    pub items: Vec<PublicMaintenance>,
    /// A small self-contained HTML fragment listing them (no script or style; classes
    /// `loket-maintenance*`), also served at `/status/maintenance.html`.
    pub snippet_html: String,
    /// The iCalendar feed of the same announcements.
    pub ical_url: String,
    /// The public status page.
    pub status_url: String,
}

/// The language of a public request (`nl` by default).
pub fn public_lang(lang: Option<&str>) -> Result<Tr, ApiError> {
    match lang {
        None | Some("nl") => Ok(Tr(Lang::Nl)),
        Some("en") => Ok(Tr(Lang::En)),
        Some(_) => Err(ApiError::field("lang", "the language is `nl` or `en`")),
    }
}

/// Upcoming planned maintenance, public (no sign-in; other sites may fetch it): times and
/// descriptions without environments, and `snippet_html`, a small self-contained HTML
/// fragment for the product's own login page.
#[utoipa::path(get, path = "/api/v1/status/maintenance", tag = "availability", params(PublicQuery),
    responses((status = 200, description = "Upcoming maintenance.", body = PublicMaintenanceList), Problems))]
pub async fn public_maintenance(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<PublicQuery>,
) -> Result<Response, ApiError> {
    let t = public_lang(q.lang.map(crate::api::LangDto::as_str))?;
    let list = app.upcoming_maintenance().await?;
    let standard = app.policies.standard()?;
    let now = app.now_ms();
    let body = PublicMaintenanceList {
        items: list
            .iter()
            .map(|m| PublicMaintenance {
                id: m.id.0,
                starts_at: rfc3339(m.starts_at),
                ends_at: rfc3339(m.ends_at),
                description: m.description.clone(),
                in_progress: m.starts_at <= now,
            })
            .collect(),
        snippet_html: snippet_html(&list, &standard.calendar, t),
        ical_url: "/status/maintenance.ics".into(),
        status_url: "/status".into(),
    };
    Ok((
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}
