//! Pages: a person's notification preferences (`/settings/notifications`) and the one-click
//! unsubscribe of a mail (`/unsubscribe/{token}`, RFC 8058): the GET shows what would be
//! turned off and a button; the POST (also sent by mail programs, without a session) turns
//! off exactly that event for that person.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use store::Role;

use super::error::{PageError, api};
use super::form::{Fields, field_refusal};
use super::layout::{Shell, Viewer, render};
use crate::AppState;
use desk::DeskError;
use desk::i18n::Tr;
use desk::recipients::{EVENTS, PrefsInput};

/// One event's checkbox.
struct EventBox {
    name: &'static str,
    label: &'static str,
    on: bool,
}

#[derive(Template)]
#[template(path = "settings_notifications.html")]
struct PrefsPage {
    t: Tr,
    shell: Shell,
    events: Vec<EventBox>,
    digest: bool,
    colleagues: bool,
    may_colleagues: bool,
    saved: bool,
    error: Option<String>,
}

fn event_label(event: &str) -> &'static str {
    match event {
        "received" => "settings.event.received",
        "reply" => "settings.event.reply",
        "waiting" => "settings.event.waiting",
        "resolved" => "settings.event.resolved",
        "reopened" => "settings.event.reopened",
        "priority" => "settings.event.priority",
        _ => "settings.event.other",
    }
}

fn page(viewer: &Viewer, input: &PrefsInput, saved: bool, error: Option<String>) -> PrefsPage {
    let t = viewer.t;
    PrefsPage {
        t,
        shell: viewer.shell.clone(),
        events: EVENTS
            .iter()
            .map(|&e| EventBox {
                name: e,
                label: t.get(event_label(e)),
                on: input
                    .events
                    .iter()
                    .find(|(n, _)| n == e)
                    .is_none_or(|(_, on)| *on),
            })
            .collect(),
        digest: input.digest,
        colleagues: input.colleagues,
        may_colleagues: viewer.caller.role() == Role::CustomerAdmin,
        saved,
        error,
    }
}

async fn show(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let prefs = app
        .my_notification_prefs(&viewer.caller)
        .await
        .map_err(api(viewer.t))?;
    let input = PrefsInput {
        events: EVENTS
            .iter()
            .map(|e| (e.to_string(), prefs.wants(e)))
            .collect(),
        digest: prefs.digest,
        colleagues: prefs.colleagues,
    };
    let saved = Fields::query(q.as_deref()).text("saved") == "1";
    Ok(render(&page(&viewer, &input, saved, None)))
}

async fn save(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = Fields::parse(&body);
    viewer.check_csrf(f.text("csrf"))?;
    let input = PrefsInput {
        events: EVENTS
            .iter()
            .map(|e| (e.to_string(), f.text(&format!("event.{e}")) == "on"))
            .collect(),
        digest: f.text("delivery") == "digest",
        colleagues: f.text("colleagues") == "on",
    };
    let error = match f.text("delivery") {
        "each" | "digest" => None,
        _ => Some(t.get("settings.error.delivery").to_string()),
    };
    let error = match error {
        Some(e) => Some(e),
        None => match app.set_my_notification_prefs(&viewer.caller, &input).await {
            Ok(_) => {
                return Ok(Redirect::to("/settings/notifications?saved=1").into_response());
            }
            Err(e) => {
                let (field, message) = field_refusal(t, e).map_err(api(t))?;
                Some(if field == "colleagues" {
                    t.get("settings.error.colleagues").to_string()
                } else {
                    message
                })
            }
        },
    };
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&page(&viewer, &input, false, error)),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    t: Tr,
    shell: Shell,
    token: String,
    message: String,
    done: bool,
}

fn unsubscribe_page(
    t: Tr,
    token: String,
    u: &desk::recipients::Unsubscribe,
    done: bool,
) -> UnsubscribePage {
    UnsubscribePage {
        t,
        shell: Shell {
            person: None,
            csrf: String::new(),
        },
        token,
        message: t.fill(
            if done {
                "unsubscribe.done"
            } else {
                "unsubscribe.question"
            },
            &[
                ("event", t.get(event_label(&u.event))),
                ("email", &u.person.email),
            ],
        ),
        done,
    }
}

fn not_found(e: DeskError, t: Tr) -> PageError {
    match e {
        DeskError::NotFound(_) => PageError::NotFound(t),
        e => api(t)(e),
    }
}

/// The confirmation page of an unsubscribe link, in its person's language.
async fn confirm(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let fallback = Tr::for_code("nl");
    let u = app
        .unsubscribe_info(&token)
        .await
        .map_err(|e| not_found(e, fallback))?;
    let t = Tr::for_code(&u.person.lang);
    Ok(render(&unsubscribe_page(t, token, &u, false)))
}

/// The one-click unsubscribe (RFC 8058): turns off exactly the event of the token.
async fn unsubscribe(
    State(app): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let fallback = Tr::for_code("nl");
    let u = app
        .unsubscribe(&token)
        .await
        .map_err(|e| not_found(e, fallback))?;
    let t = Tr::for_code(&u.person.lang);
    Ok(render(&unsubscribe_page(t, token, &u, true)))
}

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/notifications", get(show).post(save))
        .route("/unsubscribe/{token}", get(confirm).post(unsubscribe))
}
