//! The forms that act on a ticket: a comment (with an optional file), a priority, an
//! assignee, a status; a refused form shows the page again with the message at its field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sla::{Priority, Status};
use store::{PersonId, Role, TicketId};

use super::attachments::{Posted, read_multipart};
use super::view::parse_id;
use super::view::{FormState, ticket_page};
use crate::AppState;
use crate::error::{ApiError, MAX_BODY};
use crate::pages::error::{PageError, api};
use crate::pages::form::{Fields, field_refusal};
use crate::pages::layout::{Viewer, render};
use desk::i18n::Tr;
use desk::tickets::{Action, Upload};

/// What a ticket form asks: the action, or the form again with a message at a field.
pub(crate) enum Asked {
    Do(Action, &'static str),
    Again(Box<FormState>),
}

impl Asked {
    fn again(form: FormState) -> Asked {
        Asked::Again(Box::new(form))
    }
}

async fn submit(
    app: AppState,
    viewer: Viewer,
    raw: String,
    body: Bytes,
    read: fn(&Fields, Tr) -> Asked,
) -> Result<Response, PageError> {
    submit_fields(app, viewer, raw, Fields::parse(&body), read, None).await
}

/// Reads a ticket form's fields after the CSRF check and carries out its action, or shows
/// the page again with the message at its field.
pub(crate) async fn submit_fields(
    app: AppState,
    viewer: Viewer,
    raw: String,
    fields: Fields,
    read: fn(&Fields, Tr) -> Asked,
    file: Option<Upload>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    // The token first: a forged form learns nothing, not even whether the ticket exists.
    viewer.check_csrf(fields.text("csrf"))?;
    let id = parse_id(&raw, t)?;
    if fields.has_nul() {
        return Err(PageError::Api(
            t,
            ApiError::BadRequest {
                detail: crate::error::NUL_DETAIL.into(),
                field: None,
            },
        ));
    }
    let (action, notice) = match read(&fields, t) {
        Asked::Do(a, n) => (a, n),
        Asked::Again(form) => return again(&app, &viewer, id, *form).await,
    };
    let kept = kept_values(&action);
    match app.act_with_file(&viewer.caller, id, action, file).await {
        Ok(_) => Ok(Redirect::to(&format!("/tickets/{}?notice={notice}", id.0)).into_response()),
        Err(e) => {
            let (field, message) = field_refusal(t, e).map_err(api(t))?;
            let mut form = kept;
            let slot = match field.as_str() {
                "body" => &mut form.comment_error,
                "file" => &mut form.comment_file_error,
                // A status change's reason is shown with the status form below.
                "reason" if notice != "status" => &mut form.reason_error,
                "priority" => &mut form.priority_error,
                "assignee_id" => &mut form.assign_error,
                _ if notice == "status" && viewer.caller.role() == Role::CustomerAdmin => {
                    &mut form.decide_error
                }
                _ => &mut form.status_error,
            };
            *slot = Some(message);
            again(&app, &viewer, id, form).await
        }
    }
}

/// The ticket page again, with a form's error and values (422).
async fn again(
    app: &AppState,
    viewer: &Viewer,
    id: TicketId,
    form: FormState,
) -> Result<Response, PageError> {
    let page = ticket_page(app, viewer, id, None, form).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// The values a form had, to show again with an error.
fn kept_values(action: &Action) -> FormState {
    let mut form = FormState::default();
    match action {
        Action::Comment { body, internal } => {
            form.comment_body = body.clone();
            form.comment_internal = *internal;
        }
        Action::Priority { reason, .. } => form.priority_reason = reason.clone(),
        Action::Status { reason, .. } => {
            form.status_reason = reason.clone().unwrap_or_default();
            form.decide_reason = form.status_reason.clone();
        }
        Action::Assign { .. } => {}
    }
    form
}

fn read_comment(f: &Fields, t: Tr) -> Asked {
    let body = f.text("body").to_string();
    let internal = f.text("visibility") == "internal";
    if body.trim().is_empty() {
        return Asked::again(FormState {
            comment_error: Some(t.get("ticket.error.body").to_string()),
            comment_body: body,
            comment_internal: internal,
            ..FormState::default()
        });
    }
    Asked::Do(Action::Comment { body, internal }, "comment")
}

fn read_priority(f: &Fields, t: Tr) -> Asked {
    let reason = f.text("reason").to_string();
    let to = f.text("priority").parse::<Priority>();
    let mut form = FormState {
        priority_reason: reason.clone(),
        ..FormState::default()
    };
    if to.is_err() {
        form.priority_error = Some(t.get("ticket.error.priority").to_string());
    }
    if reason.trim().is_empty() {
        form.reason_error = Some(t.get("ticket.error.reason").to_string());
    }
    match to {
        Ok(to) if form.reason_error.is_none() => {
            Asked::Do(Action::Priority { to, reason }, "priority")
        }
        _ => Asked::again(form),
    }
}

fn read_assign(f: &Fields, t: Tr) -> Asked {
    let raw = f.text("assignee");
    if raw.is_empty() {
        return Asked::Do(Action::Assign { to: None }, "assign");
    }
    match raw.parse::<i64>() {
        Ok(p) => Asked::Do(
            Action::Assign {
                to: Some(PersonId(p)),
            },
            "assign",
        ),
        Err(_) => Asked::again(FormState {
            assign_error: Some(t.get("ticket.error.assignee").to_string()),
            ..FormState::default()
        }),
    }
}

fn read_status(f: &Fields, t: Tr) -> Asked {
    let reason = f.text("reason").trim().to_string();
    match f.text("status").parse::<Status>() {
        Ok(to) => Asked::Do(
            Action::Status {
                to,
                reason: (!reason.is_empty()).then_some(reason),
            },
            "status",
        ),
        Err(_) => Asked::again(FormState {
            status_error: Some(t.get("ticket.error.status").to_string()),
            status_reason: reason.clone(),
            decide_error: Some(t.get("ticket.error.status").to_string()),
            decide_reason: reason,
            ..FormState::default()
        }),
    }
}

/// The comment form, url-encoded (text only) or multipart (with an optional file).
pub(crate) async fn comment(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let multipart = crate::pages::form::is_multipart(req.headers());
    if !multipart {
        // Text alone: the ordinary limit of a form, not the file's.
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| PageError::Api(t, ApiError::TooLarge(MAX_BODY)))?;
        return submit(app, viewer, raw, body, read_comment).await;
    }
    let form = Multipart::from_request(req, &app).await.map_err(|e| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail: format!("cannot read the form: {e}"),
                field: None,
            },
        )
    })?;
    match read_multipart(form, t).await? {
        Posted::Form(fields, file) => {
            submit_fields(app, viewer, raw, fields, read_comment, file).await
        }
        Posted::TooLarge(fields) => {
            // The token first, as for every form.
            viewer.check_csrf(fields.text("csrf"))?;
            let form = FormState {
                comment_body: fields.text("body").replace('\0', ""),
                comment_internal: fields.text("visibility") == "internal",
                ..FormState::default()
            };
            too_large(&app, &viewer, &raw, form).await
        }
        // Refused before a byte was read, so there is no token to check: the page is shown
        // as a GET would show it (nothing was changed, and another site cannot read it),
        // without the text, which was never read.
        Posted::Unreadable => too_large(&app, &viewer, &raw, FormState::default()).await,
    }
}

/// The ticket page again with the message that the file is too large (413).
pub(crate) async fn too_large(
    app: &AppState,
    viewer: &Viewer,
    raw: &str,
    mut form: FormState,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let id = parse_id(raw, t)?;
    form.comment_file_error = Some(t.get("ticket.error.file_too_large").to_string());
    let page = ticket_page(app, viewer, id, None, form).await?;
    Ok((StatusCode::PAYLOAD_TOO_LARGE, render(&page)).into_response())
}

/// The priority form.
pub(crate) async fn priority(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_priority).await
}

/// The assignee form.
pub(crate) async fn assign(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_assign).await
}

/// The status form (and a customer's accept or reopen).
pub(crate) async fn status(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_status).await
}

/// Replaces who is copied on the ticket (form field `cc`: addresses separated by commas).
pub(crate) async fn set_cc(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let fields = Fields::parse(&body);
    viewer.check_csrf(fields.text("csrf"))?;
    let id = parse_id(&raw, t)?;
    let typed = fields.text("cc").replace('\0', "");
    let cc: Vec<String> = typed
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    match app.set_ticket_cc(&viewer.caller, id, &cc).await {
        Ok(_) => Ok(Redirect::to(&format!("/tickets/{}?notice=cc", id.0)).into_response()),
        Err(e) => {
            let (field, message) = field_refusal(t, e).map_err(api(t))?;
            let message = if field == "cc" {
                crate::pages::portal::cc_words_error(t, &cc)
            } else {
                message
            };
            let form = FormState {
                cc_error: Some(message),
                cc: Some(typed),
                ..FormState::default()
            };
            again(&app, &viewer, id, form).await
        }
    }
}

/// Starts (`follow=on`) or stops following the ticket (the service desk).
pub(crate) async fn follow(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let fields = Fields::parse(&body);
    viewer.check_csrf(fields.text("csrf"))?;
    let id = parse_id(&raw, t)?;
    let on = fields.text("follow") == "on";
    app.set_following(&viewer.caller, id, on)
        .await
        .map_err(api(t))?;
    Ok(Redirect::to(&format!("/tickets/{}?notice=follow", id.0)).into_response())
}
