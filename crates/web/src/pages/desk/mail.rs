//! Held mail (`/desk/mail/held`): messages of a customer's administrator whose sender was not
//! proven (SLA-RULES §3), for an agent to confirm (the mail is then filed as it would have
//! been) or refuse with a reason; each links to its original.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::shared::staff_only;
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::too_long;
use crate::pages::layout::{Shell, Viewer, render};
use desk::i18n::Tr;
use desk::inbound::Ingested;
use desk::limits::over;
use sla::words;

/// The longest refusal reason, in characters (as the API allows).
const MAX_REASON: usize = 500;

/// One held mail as the page shows it.
struct HeldView {
    id: i64,
    received: String,
    from: String,
    subject: String,
    reason: String,
    /// The refusal's reason as typed, when the form came back.
    refusal: String,
    /// What was wrong with the refusal, when the form came back.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "desk_mail_held.html")]
struct HeldPage {
    t: Tr,
    shell: Shell,
    mails: Vec<HeldView>,
    errors: Vec<String>,
}

/// The page, with `bad` the refusal form that came back (mail id, text, message).
async fn held_page(
    app: &AppState,
    viewer: &Viewer,
    bad: Option<(i64, String, String)>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let held = app.held_mails(&viewer.caller).await.map_err(api(t))?;
    let standard = app.policies.standard().map_err(api(t))?;
    let mut errors = Vec::new();
    let mails = held
        .into_iter()
        .map(|m| {
            let at = m.clock_start.or(m.received_at).unwrap_or(m.stored_at);
            let (refusal, error) = match &bad {
                Some((id, text, e)) if *id == m.id => {
                    errors.push(e.clone());
                    (text.clone(), Some(e.clone()))
                }
                _ => (String::new(), None),
            };
            HeldView {
                id: m.id,
                received: words::format_local(&standard.calendar, at.div_euclid(1000), t.0),
                from: m.from_address.unwrap_or_default(),
                subject: m.subject.unwrap_or_default(),
                reason: m.reason.unwrap_or_default(),
                refusal,
                error,
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = HeldPage {
        t,
        shell: viewer.shell.clone(),
        mails,
        errors,
    };
    let mut res = render(&page);
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /desk/mail/held`: the held mails, oldest first.
pub(super) async fn held(
    State(app): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    held_page(&app, &viewer, None).await
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

fn mail_id(raw: &str, t: Tr) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(PageError::NotFound(t))
}

/// `POST /desk/mail/held/{id}/confirm`: the agent vouches for the sender; the mail is filed
/// and the agent sees its ticket.
pub(super) async fn confirm(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let id = mail_id(&raw, t)?;
    let done = app.confirm_held(&viewer.caller, id).await.map_err(api(t))?;
    Ok(match done {
        Ingested::Filed { ticket, .. } | Ingested::Commented { ticket, .. } => {
            Redirect::to(&format!("/tickets/{}", ticket.0)).into_response()
        }
        _ => Redirect::to("/desk/mail/held").into_response(),
    })
}

/// The refusal form.
#[derive(Debug, Deserialize)]
pub(super) struct RefuseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /desk/mail/held/{id}/refuse`: the mail stays stored with the agent's reason; a
/// missing or too long reason shows the page again with the message at that mail.
pub(super) async fn refuse(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    axum::Form(form): axum::Form<RefuseForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let id = mail_id(&raw, t)?;
    let reason = form.reason.trim();
    let bad = if reason.is_empty() || reason.contains('\0') {
        Some(t.get("desk.held.reason_needed").to_string())
    } else if over(reason, MAX_REASON) {
        Some(too_long(t, MAX_REASON))
    } else {
        None
    };
    if let Some(e) = bad {
        return held_page(&app, &viewer, Some((id, form.reason.clone(), e))).await;
    }
    app.refuse_held(&viewer.caller, id, reason)
        .await
        .map_err(api(t))?;
    Ok(Redirect::to("/desk/mail/held").into_response())
}
