//! Pages: signing in and out (`/login`, `/logout`), the language switch (`/me/lang`) and the
//! home redirect (`/`).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::PageError;
use super::layout::{Shell, Viewer, csrf_token, render};
use super::layout::{local_path, local_redirect, same};
use crate::AppState;
use crate::api::ClientAddr;
use crate::auth::{self};
use crate::error::ApiError;
use desk::DeskError;
use desk::i18n::Tr;

/// Name of the cookie that carries the pre-sign-in CSRF secret (double submit).
const LOGIN_CSRF_COOKIE: &str = "loket_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    shell: Shell,
    error: Option<String>,
    email: String,
    next: String,
    other_lang: &'static str,
    announcements: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    lang: Option<String>,
    next: Option<String>,
}

/// Only local paths may follow a sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    local_path(next.unwrap_or("/"), "/").to_string()
}

fn login_page(
    t: Tr,
    csrf: String,
    error: Option<String>,
    email: String,
    next: String,
) -> LoginPage {
    LoginPage {
        t,
        shell: Shell { person: None, csrf },
        error,
        email,
        next,
        other_lang: if t.code() == "nl" { "en" } else { "nl" },
        announcements: Vec::new(),
    }
}

async fn login_form(
    State(app): State<AppState>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, ApiError> {
    let t = Tr::for_code(q.lang.as_deref().unwrap_or("nl"));
    let secret = auth::new_secret()?;
    let mut page = login_page(
        t,
        csrf_token(&secret),
        None,
        String::new(),
        safe_next(q.next.as_deref()),
    );
    page.announcements = crate::api::status::login_announcements(&app, t).await;
    let mut res = render(&page);
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={secret}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
    /// The language of the form, so a refusal answers in it.
    lang: Option<String>,
}

async fn login_submit(
    State(app): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, Response> {
    let t = Tr::for_code(form.lang.as_deref().unwrap_or("nl"));
    let cookie_secret = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie_secret.is_empty() || !same(&csrf_token(&cookie_secret), &form.csrf) {
        return Err(PageError::Csrf(t).into_response());
    }
    let next = safe_next(form.next.as_deref());
    let person = match app.sign_in(&form.email, &form.password, client).await {
        Ok(p) => p,
        Err(e) => {
            let (status, message, email) = match e {
                DeskError::Throttled { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    t.get("login.throttled").to_string(),
                    form.email.clone(),
                ),
                DeskError::Unauthenticated => (
                    StatusCode::UNAUTHORIZED,
                    t.get("login.failed").to_string(),
                    form.email.clone(),
                ),
                // An address too long to be one is not shown again.
                DeskError::TooLong { max, .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    crate::pages::form::too_long(t, max),
                    String::new(),
                ),
                other => return Err(PageError::Api(t, other.into()).into_response()),
            };
            let mut page = login_page(t, form.csrf.clone(), Some(message), email, next);
            page.announcements = crate::api::status::login_announcements(&app, t).await;
            return Ok((status, render(&page)).into_response());
        }
    };
    let cookie = app
        .open_session(&person)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut res = local_redirect(&next, "/");
    res.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(app): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let clear = app
        .end_session(&headers)
        .await
        .map_err(|e| PageError::Api(viewer.t, e))?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, clear);
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct LangForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// Switches the signed-in person's language (kept on their account) and returns to the page.
async fn set_lang(
    State(app): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<LangForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    if !matches!(form.lang.as_str(), "nl" | "en") {
        return Err(PageError::Forbidden(
            viewer.t,
            viewer.t.get("error.bad_input").to_string(),
        ));
    }
    app.store
        .set_lang(viewer.caller.person.id, &form.lang)
        .await
        .map_err(|e| PageError::Api(viewer.t, e.into()))?;
    // Back to the page the form was on, if it is one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]));
    Ok(local_redirect(back.unwrap_or("/"), "/"))
}

async fn home(viewer: Viewer) -> Redirect {
    if viewer.caller.role().is_vendor() {
        Redirect::to("/desk")
    } else {
        Redirect::to("/portal")
    }
}

/// The sign-in pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/me/lang", post(set_lang))
}
