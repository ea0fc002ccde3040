//! Sign-in: argon2id passwords, server-side sessions in an HttpOnly cookie, personal API
//! tokens, throttling, and the `Caller` every handler starts from.

use std::fmt::Write;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use sha2::{Digest, Sha256};
use store::{Person, Role, Scope};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "loket_session";
/// How long a session lives.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins per account within the window before it is throttled.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins per client address within the window before it is throttled.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The throttling window, in seconds.
pub const THROTTLE_WINDOW_SECONDS: i64 = 15 * 60;

/// A hash of a made-up password, verified against when the account does not exist, so the
/// time a sign-in takes does not tell which accounts exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Fr6lYx5Dw8mEd0n5ixGH6B2t4Wqo8yNMGIrYzC7uJ2g";

/// Hashes a password with argon2id (default parameters, random salt), off the async threads.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
}

/// Whether `password` matches `hash` (a dummy hash when there is none), off the async threads.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && known
}

/// A new random secret (session or API token), 256 bits as hex.
pub fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The stored form of a secret: SHA-256 as hex (secrets are long and random, so no salt).
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The scope a person acts in.
pub fn scope_of(p: &Person) -> Scope {
    match (p.role.is_vendor(), p.org_id) {
        (false, Some(org)) => Scope::Customer {
            person: p.id,
            org,
            role: p.role,
        },
        _ => Scope::Vendor {
            person: p.id,
            role: p.role,
        },
    }
}

/// Who is calling: a signed-in person, with the scope every query runs in.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person.
    pub person: Person,
    /// The scope of their queries.
    pub scope: Scope,
    /// Whether they authenticated with an API token (else a session cookie).
    pub via_token: bool,
}

impl Caller {
    /// Their role.
    pub fn role(&self) -> Role {
        self.person.role
    }

    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], why: &str) -> Result<(), ApiError> {
        if roles.contains(&self.person.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(why.to_string()))
        }
    }

    /// Fails with 403 unless the caller is vendor staff.
    pub fn require_vendor(&self) -> Result<(), ApiError> {
        self.require(
            &[Role::Agent, Role::ServiceManager, Role::Admin],
            "only the service desk may do this",
        )
    }
}

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
    /// Opens a session for a person: stores it and returns the `Set-Cookie` value that carries it.
    pub async fn open_session(&self, person: &Person) -> Result<HeaderValue, ApiError> {
        let secret = new_secret()?;
        let now = self.now_ms();
        self.store
            .create_session(
                &hash_secret(&secret),
                person.id,
                now,
                now + SESSION_HOURS * 3_600_000,
            )
            .await?;
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
        if let Some(secret) = cookie(headers, SESSION_COOKIE) {
            self.store.delete_session(&hash_secret(&secret)).await?;
        }
        Ok(HeaderValue::from_static(
            "loket_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        ))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let now = app.now_ms();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let (person, via_token) = match (bearer, session_cookie(parts)) {
            (Some(token), _) => (
                app.store.token_person(&hash_secret(token), now).await?,
                true,
            ),
            (None, Some(secret)) => (
                app.store.session_person(&hash_secret(&secret), now).await?,
                false,
            ),
            (None, None) => (None, false),
        };
        let person = person.ok_or(ApiError::Unauthorized)?;
        Ok(Caller {
            scope: scope_of(&person),
            person,
            via_token,
        })
    }
}
