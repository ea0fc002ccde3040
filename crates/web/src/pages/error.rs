//! The one mapping from a refusal or fault to an HTML error page (with the header and
//! navigation, in the person's language), and the answer to unknown URLs and wrong methods.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::layout::{Shell, Viewer, csrf_token, render, shell_person};
use crate::AppState;
use crate::auth::{self};
use crate::error::ApiError;
use desk::DeskError;
use desk::i18n::Tr;

/// Why a page could not be shown, as a page.
#[derive(Debug)]
pub enum PageError {
    /// The form's CSRF token is missing or wrong.
    Csrf(Tr),
    /// Not found (or not visible).
    NotFound(Tr),
    /// Not allowed, with the reason.
    Forbidden(Tr, String),
    /// A form's text over its length (`desk::limits`), said in the person's language (422).
    TooLong(Tr, String),
    /// Anything else from the services.
    Api(Tr, ApiError),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    shell: Shell,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (t, status, message) = match self {
            PageError::Csrf(t) => (t, StatusCode::FORBIDDEN, t.get("error.csrf").to_string()),
            PageError::NotFound(t) => (
                t,
                StatusCode::NOT_FOUND,
                t.get("error.not_found").to_string(),
            ),
            PageError::Forbidden(t, why) => (t, StatusCode::FORBIDDEN, why),
            PageError::TooLong(t, message) => (t, StatusCode::UNPROCESSABLE_ENTITY, message),
            PageError::Api(t, e) => {
                let status = e.problem().status;
                let message = match e {
                    ApiError::NotFound(_) => t.get("error.not_found").to_string(),
                    ApiError::Internal(_) => {
                        let _ = e.into_response();
                        t.get("error.title").to_string()
                    }
                    other => other.to_string(),
                };
                (
                    t,
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    message,
                )
            }
        };
        let page = ErrorPage {
            t,
            shell: Shell {
                person: None,
                csrf: String::new(),
            },
            message,
        };
        (status, render(&page)).into_response()
    }
}

/// The one mapping from a service's refusal to an error page: not found stays a 404 page,
/// a refusal says why, anything else shows its message (a fault of ours only a title).
pub fn api<E: Into<ApiError>>(t: Tr) -> impl Fn(E) -> PageError {
    move |e| match e.into() {
        ApiError::NotFound(_) => PageError::NotFound(t),
        ApiError::Forbidden(why) => {
            PageError::Forbidden(t, format!("{} ({why})", t.get("error.forbidden")))
        }
        other => PageError::Api(t, other),
    }
}

/// [`api`] for a service's refusal of a form without a place for messages: a text over its
/// length becomes a page that says so in the person's language.
pub fn refused(t: Tr) -> impl Fn(DeskError) -> PageError {
    move |e| match e {
        DeskError::TooLong { max, .. } => PageError::TooLong(t, super::form::too_long(t, max)),
        other => api(t)(other),
    }
}

/// An unknown URL or a method a route does not take: browsers asking for a page (outside
/// `/api/`) get the error page with the header and navigation in the person's language, API
/// clients the problem document.
pub async fn not_routed(
    app: &AppState,
    headers: &axum::http::HeaderMap,
    path: &str,
    e: ApiError,
) -> Response {
    let wants_page = !path.starts_with("/api/")
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    if !wants_page {
        return e.into_response();
    }
    let person = match auth::cookie(headers, auth::SESSION_COOKIE) {
        Some(secret) => app
            .store
            .session_person(&auth::hash_secret(&secret), app.now_ms())
            .await
            .ok()
            .flatten()
            .map(|p| (p, secret)),
        None => None,
    };
    let t = person.as_ref().map_or_else(
        || {
            let english = headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.trim_start().starts_with("en"));
            Tr::for_code(if english { "en" } else { "nl" })
        },
        |(p, _)| Tr::for_code(&p.lang),
    );
    let (status, key) = match e {
        ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "error.method"),
        _ => (StatusCode::NOT_FOUND, "error.not_found"),
    };
    let page = ErrorPage {
        t,
        shell: Shell {
            person: person.as_ref().map(|(p, _)| shell_person(p)),
            csrf: person
                .as_ref()
                .map(|(_, s)| csrf_token(s))
                .unwrap_or_default(),
        },
        message: t.get(key).to_string(),
    };
    (status, render(&page)).into_response()
}

impl Viewer {
    /// Fails unless `csrf` is this session's token.
    pub fn check_csrf(&self, csrf: &str) -> Result<(), PageError> {
        if crate::pages::layout::same(&self.shell.csrf, csrf) {
            Ok(())
        } else {
            Err(PageError::Csrf(self.t))
        }
    }
}
