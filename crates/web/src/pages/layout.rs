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

/// `candidate` when it is a path on this site, else `fallback`: a same-origin target for a
/// redirect (after sign-in, a language switch, a form's `back`). Refused: anything that does not
/// start with one `/`, and anything with a backslash, white space or a control character, which
/// browsers strip or turn into `/` and so could follow off-site (`/\t/evil.example`).
pub fn local_path<'a>(candidate: &'a str, fallback: &'a str) -> &'a str {
    let bytes = candidate.as_bytes();
    let off_site = bytes.first() != Some(&b'/')
        || matches!(bytes.get(1), Some(b'/'))
        || candidate
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if off_site { fallback } else { candidate }
}

/// A `303 See Other` to a path on this site (`fallback` when `candidate` is not one); never
/// panics on a value a header cannot carry.
pub fn local_redirect(candidate: &str, fallback: &str) -> Response {
    let to = local_path(candidate, fallback);
    match HeaderValue::from_str(to) {
        Ok(v) => (axum::http::StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => Redirect::to(fallback).into_response(),
    }
}

/// Renders a template, or a plain 500 if rendering fails (a template bug).
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::Internal(anyhow::anyhow!("rendering a page: {e}")).into_response(),
    }
}

/// Security headers of every response, page or API: a CSP without inline scripts, no
/// framing, no sniffing, `Cache-Control: no-store` unless the response chose its own caching
/// (everything personal is never stored on the way), and HSTS when served over HTTPS.
pub async fn security_headers(
    axum::extract::State(app): axum::extract::State<AppState>,
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
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    if app.config.secure_cookies {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Where a browser on `https://loket.example/x` goes when told `Location: target`,
    /// by the WHATWG URL rules (which drop tabs and newlines and read `\\` as `/`).
    fn browser_host(target: &str) -> Option<String> {
        let base = url::Url::parse("https://loket.example/x").ok()?;
        base.join(target).ok()?.host_str().map(str::to_string)
    }

    #[test]
    fn hostile_targets_fall_back() {
        let hostile = [
            "//evil.example",
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/ /evil.example",
            "/\r\nSet-Cookie: x=1",
            "",
            "evil.example",
        ];
        for target in hostile {
            assert_eq!(local_path(target, "/"), "/", "{target:?}");
        }
        for ok in [
            "/",
            "/tickets/7?notice=filed",
            "/reports/2026-10",
            "/a/b%2F%2Fc",
        ] {
            assert_eq!(local_path(ok, "/"), ok);
            assert_eq!(browser_host(ok).as_deref(), Some("loket.example"), "{ok}");
        }
    }

    #[test]
    fn a_redirect_to_a_value_no_header_may_carry_does_not_panic() {
        let res = local_redirect("/a\r\nb", "/reports");
        assert_eq!(res.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/reports");
    }

    proptest! {
        /// Whatever is asked, a browser following the answer stays on this site.
        #[test]
        fn every_accepted_target_stays_on_site(
            target in proptest::string::string_regex("[/\\\\a-z.:@%\t\n\r \u{0}\u{7f}\u{a0}\u{2028}]{0,12}").unwrap()
        ) {
            let chosen = local_path(&target, "/");
            let host = browser_host(chosen);
            prop_assert_eq!(host.as_deref(), Some("loket.example"));
            let res = local_redirect(&target, "/");
            prop_assert_eq!(res.status(), axum::http::StatusCode::SEE_OTHER);
        }

        /// Prefixed with hostile openings, nothing is accepted that leaves the site.
        #[test]
        fn hostile_prefixes_never_pass(
            opening in prop::sample::select(vec!["//", "/\t/", "/\\", "\\", "/\n/", "/\r/"]),
            host in "[a-z]{1,8}\\.example",
        ) {
            let target = format!("{opening}{host}/");
            prop_assert_eq!(local_path(&target, "/"), "/");
        }
    }
}
