//! What every page shares: the layout's data (who is signed in, the CSRF token), the signed-in
//! `Viewer` a page handler starts from, rendering a template, the security headers, and the
//! stylesheet and script.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::Person;

use super::form::encode;
use crate::AppState;
use crate::auth::{self, Caller, scope_of};
use crate::error::ApiError;
use desk::i18n::Tr;

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
    /// Sees every customer's escalation (service managers and administrators).
    pub escalations: bool,
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
pub(crate) fn same(a: &str, b: &str) -> bool {
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

/// What the layout shows of a signed-in person.
pub(crate) fn shell_person(p: &Person) -> ShellPerson {
    ShellPerson {
        name: p.name.clone(),
        customer: !p.role.is_vendor(),
        may_file: p.role == store::Role::CustomerAdmin,
        admin: p.role == store::Role::Admin,
        escalations: matches!(p.role, store::Role::ServiceManager | store::Role::Admin),
    }
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

/// The stylesheet of every page.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/loket.css"),
    )
}

/// The one small script of the pages (they work without it).
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/loket.js"),
    )
}
