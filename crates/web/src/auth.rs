//! Sign-in over HTTP: the session cookie and the bearer token a request carries, turned into
//! the `Caller` every handler starts from (the rules are `desk::access`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
pub use desk::Caller;
pub use desk::access::{
    MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, SESSION_HOURS, THROTTLE_WINDOW_SECONDS,
    hash_password, hash_secret, hex, new_secret, scope_of, verify_password,
};
use store::Person;

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "loket_session";

/// The value of a cookie in a request's headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// The session secret from the request's cookies.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    cookie(&parts.headers, SESSION_COOKIE)
}

impl AppState {
    /// Opens a session for a person and returns the `Set-Cookie` value that carries it.
    pub async fn open_session(&self, person: &Person) -> Result<HeaderValue, ApiError> {
        let secret = self.desk.open_session(person).await?;
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            SESSION_HOURS * 3600
        );
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.into()))
    }

    /// Ends the session the request's cookie names (if any) and returns the `Set-Cookie`
    /// value that clears it.
    pub async fn end_session(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<HeaderValue, ApiError> {
        let secret = cookie(headers, SESSION_COOKIE);
        self.desk.end_session(secret.as_deref()).await?;
        Ok(HeaderValue::from_static(
            "loket_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        ))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let session = session_cookie(parts);
        Ok(app.authenticate(bearer, session.as_deref()).await?)
    }
}
