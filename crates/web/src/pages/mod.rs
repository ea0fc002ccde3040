//! The web interface: server-rendered pages (compiled askama templates) for signing in, the
//! customer portal, the service-desk workspace and administration. Forms work without
//! JavaScript; every state-changing form carries a CSRF token; pages are sent with a
//! Content-Security-Policy that allows no inline script.

pub mod admin;
pub mod desk;
pub use ::desk::i18n;
pub mod portal;
pub mod reports;
pub mod status;
pub mod ticket;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use store::Person;

use crate::AppState;
use crate::api::ClientAddr;
use crate::auth::{self, Caller, scope_of};
use crate::error::ApiError;
use i18n::Tr;

/// Name of the cookie that carries the pre-sign-in CSRF secret (double submit).
const LOGIN_CSRF_COOKIE: &str = "loket_csrf";

/// What the page layout needs to know about the signed-in person.
#[derive(Debug, Clone)]
pub struct ShellPerson {
    /// Their name.
    pub name: String,
    /// A customer's person (portal) rather than vendor staff (workspace).
    pub customer: bool,
    /// May file tickets (customer administrators).
    pub may_file: bool,
    /// A vendor administrator.
    pub admin: bool,
}

/// The layout's data: who is signed in and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Shell {
    /// The signed-in person, if any.
    pub person: Option<ShellPerson>,
    /// The CSRF token every form posts back.
    pub csrf: String,
}

/// The CSRF token of a session: derived from its secret, so it needs no storage and dies with it.
pub fn csrf_token(session_secret: &str) -> String {
    auth::hash_secret(&format!("csrf:{session_secret}"))
}

/// Constant-time equality of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in person on a page (session cookie only; API tokens do not open pages).
pub struct Viewer {
    /// The caller, with their scope.
    pub caller: Caller,
    /// The page layout data.
    pub shell: Shell,
    /// Their language.
    pub t: Tr,
}

impl Viewer {
    /// Fails unless `csrf` is this session's token.
    pub fn check_csrf(&self, csrf: &str) -> Result<(), PageError> {
        if same(&self.shell.csrf, csrf) {
            Ok(())
        } else {
            Err(PageError::Csrf(self.t))
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&format!("/login?next={}", encode(next))).into_response()
        };
        let Some(secret) = auth::session_cookie(parts) else {
            return Err(to_login());
        };
        let person = app
            .store
            .session_person(&auth::hash_secret(&secret), app.now_ms())
            .await
            .map_err(|e| ApiError::from(e).into_response())?;
        let Some(person) = person else {
            return Err(to_login());
        };
        let t = Tr::for_code(&person.lang);
        Ok(Viewer {
            shell: Shell {
                person: Some(shell_person(&person)),
                csrf: csrf_token(&secret),
            },
            t,
            caller: Caller {
                scope: scope_of(&person),
                person,
                via_token: false,
            },
        })
    }
}

fn shell_person(p: &Person) -> ShellPerson {
    ShellPerson {
        name: p.name.clone(),
        customer: !p.role.is_vendor(),
        may_file: p.role == store::Role::CustomerAdmin,
        admin: p.role == store::Role::Admin,
    }
}

/// Whether a request body is `multipart/form-data` (a form with a file).
pub fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Percent-encodes a value for a URL query.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Why a page could not be shown, as a page.
#[derive(Debug)]
pub enum PageError {
    /// The form's CSRF token is missing or wrong.
    Csrf(Tr),
    /// Not found (or not visible).
    NotFound(Tr),
    /// Not allowed, with the reason.
    Forbidden(Tr, String),
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

/// Renders a template, or a plain 500 if rendering fails (a template bug).
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(anyhow::anyhow!("rendering a page: {e}")).into_response(),
    }
}

/// Security headers of every page: a CSP without inline scripts, no framing, no sniffing.
pub async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    // A response with a policy of its own (a download: `sandbox`) keeps it.
    if !h.contains_key("content-security-policy") {
        set(
            h,
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        );
    }
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    res
}

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
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
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
    page.announcements = crate::status::login_announcements(&app, t).await;
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
            let key = match e {
                ApiError::TooManyRequests { .. } => "login.throttled",
                ApiError::Unauthorized => "login.failed",
                other => return Err(PageError::Api(t, other).into_response()),
            };
            let mut page = login_page(
                t,
                form.csrf.clone(),
                Some(t.get(key).to_string()),
                form.email.clone(),
                next,
            );
            page.announcements = crate::status::login_announcements(&app, t).await;
            let status = if key == "login.throttled" {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            return Ok((status, render(&page)).into_response());
        }
    };
    let cookie = app
        .open_session(&person)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut res = Redirect::to(&next).into_response();
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
) -> Result<Redirect, PageError> {
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
    Ok(Redirect::to(&safe_next(back)))
}

async fn home(viewer: Viewer) -> Redirect {
    if viewer.caller.role().is_vendor() {
        Redirect::to("/desk")
    } else {
        Redirect::to("/portal")
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/loket.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/loket.js"),
    )
}

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/me/lang", post(set_lang))
        .route("/static/loket.css", get(stylesheet))
        .route("/static/loket.js", get(script))
        .merge(portal::routes())
        .merge(ticket::routes())
        .merge(desk::routes())
        .merge(admin::routes())
        .merge(reports::routes())
        .merge(status::routes())
        .layer(axum::middleware::from_fn(security_headers))
}

#[cfg(test)]
mod accessibility {
    //! Static checks over every template: each form control has a label, images have text,
    //! no inline script or style (the Content-Security-Policy forbids them).

    fn templates() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("templates")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).expect("read"),
                )
            })
            .collect();
        out.sort();
        assert!(out.len() >= 10, "templates found: {}", out.len());
        out
    }

    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        tag[start..].split('"').next()
    }

    #[test]
    fn every_form_control_has_a_label() {
        for (name, src) in templates() {
            let labels: Vec<&str> = src
                .match_indices("<label")
                .filter_map(|(i, _)| src[i..].split('>').next())
                .filter_map(|tag| attr(tag, "for"))
                .collect();
            for kind in ["<input", "<select", "<textarea"] {
                for (i, _) in src.match_indices(kind) {
                    let tag = src[i..].split('>').next().unwrap_or_default();
                    if matches!(attr(tag, "type"), Some("hidden" | "submit" | "button")) {
                        continue;
                    }
                    if tag.contains("aria-label") || tag.contains("aria-labelledby") {
                        continue;
                    }
                    let labelled_by_for = attr(tag, "id").is_some_and(|id| labels.contains(&id));
                    let before = &src[..i];
                    let wrapped = before.rfind("<label") > before.rfind("</label>");
                    assert!(labelled_by_for || wrapped, "{name}: unlabelled {tag}>");
                }
            }
        }
    }

    #[test]
    fn images_have_text_and_nothing_is_inline() {
        for (name, src) in templates() {
            for (i, _) in src.match_indices("<img") {
                let tag = src[i..].split('>').next().unwrap_or_default();
                assert!(tag.contains(" alt=\""), "{name}: image without alt: {tag}>");
            }
            for (i, _) in src.match_indices("<script") {
                let tag = src[i..].split('>').next().unwrap_or_default();
                assert!(tag.contains(" src=\""), "{name}: inline script");
            }
            assert!(!src.contains(" style=\""), "{name}: inline style attribute");
            assert!(!src.contains("<style"), "{name}: inline style element");
            assert!(
                !src.contains(" onclick=") && !src.contains(" onsubmit="),
                "{name}: inline handler"
            );
        }
    }
}
