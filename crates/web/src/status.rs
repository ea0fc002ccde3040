//! The public face of availability over HTTP: the sign-in page's announcements, the
//! iCalendar feed of planned maintenance, the embeddable HTML snippet and the public JSON list
//! (the status overview itself is `desk::status`).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use desk::status::LOGIN_ANNOUNCEMENTS;
use desk::time::rfc3339;
use serde::{Deserialize, Serialize};
use sla::{Lang, words};
use store::{Maintenance, Millis};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiQuery, Problems};
use crate::error::ApiError;
use crate::pages::i18n::Tr;

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

// ----- iCalendar -----------------------------------------------------------------------------

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks;
/// other control characters are dropped.
pub fn ical_text(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets (RFC 5545 §3.1) without splitting a UTF-8
/// character, each physical line ending in CRLF.
pub fn ical_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line starts with the space, which counts.
        limit = 74;
    }
}

/// An instant as an iCalendar UTC date-time: `20261126T210000Z`.
pub fn ical_time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| "19700101T000000Z".to_string(),
        |t| t.strftime("%Y%m%dT%H%M%SZ").to_string(),
    )
}

/// The iCalendar feed of announced maintenance: one VEVENT per announcement (cancelled ones
/// with `STATUS:CANCELLED` and a higher `SEQUENCE`, so calendars drop them).
pub fn ical_feed(list: &[Maintenance], t: Tr) -> String {
    let mut out = String::new();
    ical_line(&mut out, "BEGIN:VCALENDAR");
    ical_line(&mut out, "VERSION:2.0");
    ical_line(&mut out, "PRODID:-//loket//status//NL");
    ical_line(&mut out, "CALSCALE:GREGORIAN");
    ical_line(&mut out, "METHOD:PUBLISH");
    ical_line(
        &mut out,
        &format!("X-WR-CALNAME:{}", ical_text(t.get("status.ical_name"))),
    );
    for m in list {
        let cancelled = m.cancelled_at.is_some();
        ical_line(&mut out, "BEGIN:VEVENT");
        ical_line(&mut out, &format!("UID:maintenance-{}@loket", m.id.0));
        ical_line(
            &mut out,
            &format!(
                "DTSTAMP:{}",
                ical_time(m.cancelled_at.unwrap_or(m.announced_at))
            ),
        );
        ical_line(&mut out, &format!("DTSTART:{}", ical_time(m.starts_at)));
        ical_line(&mut out, &format!("DTEND:{}", ical_time(m.ends_at)));
        ical_line(
            &mut out,
            &format!("SUMMARY:{}", ical_text(t.get("status.planned"))),
        );
        ical_line(
            &mut out,
            &format!("DESCRIPTION:{}", ical_text(&m.description)),
        );
        ical_line(
            &mut out,
            if cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        ical_line(&mut out, &format!("SEQUENCE:{}", u8::from(cancelled)));
        ical_line(&mut out, "TRANSP:OPAQUE");
        ical_line(&mut out, "END:VEVENT");
    }
    ical_line(&mut out, "END:VCALENDAR");
    out
}

// ----- the embeddable snippet ----------------------------------------------------------------

/// HTML-escapes text for element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A self-contained HTML fragment listing upcoming maintenance, for the product's own login
/// page: semantic markup with `loket-maintenance*` classes to style, no script, no style, no
/// outside resources; times in Amsterdam time with machine-readable `datetime`.
pub fn snippet_html(list: &[Maintenance], cal: &sla::Calendar, t: Tr) -> String {
    let mut out = format!(
        "<section class=\"loket-maintenance\" lang=\"{}\" aria-label=\"{}\">\n<h2 class=\"loket-maintenance-title\">{}</h2>\n",
        t.code(),
        escape_html(t.get("status.maintenance_title")),
        escape_html(t.get("status.maintenance_title"))
    );
    if list.is_empty() {
        out.push_str(&format!(
            "<p class=\"loket-maintenance-none\">{}</p>\n",
            escape_html(t.get("status.no_maintenance"))
        ));
    } else {
        out.push_str("<ul class=\"loket-maintenance-list\">\n");
        for m in list {
            let when = |ms: Millis| {
                format!(
                    "<time datetime=\"{}\">{}</time>",
                    rfc3339(ms),
                    escape_html(&words::format_local(cal, ms.div_euclid(1000), t.0))
                )
            };
            out.push_str(&format!(
                "<li>{} – {}: {}</li>\n",
                when(m.starts_at),
                when(m.ends_at),
                escape_html(&m.description)
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!(
        "<p class=\"loket-maintenance-note\">{}</p>\n</section>\n",
        escape_html(t.get("status.times_note"))
    ));
    out
}

// ----- the public JSON endpoint --------------------------------------------------------------

/// The language of a public answer.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// `nl` (default) or `en`.
    pub lang: Option<String>,
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
    let t = public_lang(q.lang.as_deref())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lines_fold_at_75_octets() {
        assert_eq!(ical_text("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        ical_line(&mut out, &long);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        let mut short = String::new();
        ical_line(&mut short, "BEGIN:VEVENT");
        assert_eq!(short, "BEGIN:VEVENT\r\n");
    }
}
