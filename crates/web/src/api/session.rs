//! Signing in and out, the signed-in person, personal API tokens.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{ApiToken, TokenId};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};

use super::people::PersonDto;
use super::{Id, Problems};
use desk::time::rfc3339;

/// Input: signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    /// E-mail address.
    #[schema(max_length = 254)]
    pub email: String,
    /// Password.
    #[schema(max_length = 1024)]
    pub password: String,
}

/// Input: a new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// A name to recognise it by.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
}

/// A personal API token (the secret is shown only once, at creation).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was last used (RFC 3339).
    pub last_used_at: Option<String>,
    /// When it was revoked (RFC 3339).
    pub revoked_at: Option<String>,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        TokenDto {
            id: t.id.0,
            name: t.name,
            created_at: rfc3339(t.created_at),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
        }
    }
}

/// A new token with its secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    /// The token.
    pub token: TokenDto,
    /// The secret: send it as `Authorization: Bearer <secret>`. It is not stored.
    pub secret: String,
}

/// Sign in with e-mail and password: opens a session (HttpOnly cookie).
#[utoipa::path(post, path = "/api/v1/session", request_body = SignInBody, tag = "sign-in",
    responses((status = 200, description = "Signed in; the session cookie is set.", body = PersonDto), Problems))]
pub async fn sign_in(
    State(app): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<Response, ApiError> {
    let person = app.sign_in(&body.email, &body.password, client).await?;
    let cookie = app.open_session(&person).await?;
    let mut res = ApiJson(PersonDto::from(person)).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// The client's IP address: the connection's peer, or behind a trusted reverse proxy the
/// client it names in `X-Forwarded-For`.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(
                || "unknown".to_string(),
                |c| {
                    crate::proxy::client_address(
                        c.0.ip(),
                        &parts.headers,
                        &app.config.trusted_proxies,
                    )
                    .to_string()
                },
            );
        Ok(ClientAddr(addr))
    }
}

/// Sign out: ends this session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "sign-in",
    responses((status = 204, description = "Signed out."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn sign_out(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let _ = caller;
    let clear = app.end_session(&headers).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear);
    Ok(res)
}

/// The (empty) body of signing out everywhere: a JSON write like every other.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EverywhereBody {}

/// Sign out everywhere: ends all your sessions and revokes all your API tokens.
#[utoipa::path(post, path = "/api/v1/session/everywhere", request_body = EverywhereBody, tag = "sign-in",
    responses((status = 204, description = "Every session ended, every token revoked."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn sign_out_everywhere(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EverywhereBody>,
) -> Result<StatusCode, ApiError> {
    let EverywhereBody {} = body;
    app.store
        .end_all_sessions(caller.person.id, app.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who you are.
#[utoipa::path(get, path = "/api/v1/me", tag = "sign-in",
    responses((status = 200, description = "The signed-in person.", body = PersonDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn me(caller: Caller) -> ApiJson<PersonDto> {
    ApiJson(caller.person.into())
}

/// Create a personal API token; its secret is shown only in this response.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenBody, tag = "sign-in",
    responses((status = 201, description = "Created.", body = TokenCreated), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn create_token(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, ApiJson<TokenCreated>), ApiError> {
    let (token, secret) = app.create_token(&caller, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(TokenCreated {
            token: token.into(),
            secret,
        }),
    ))
}

/// Your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "sign-in",
    responses((status = 200, description = "Newest first.", body = Vec<TokenDto>), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_tokens(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<Vec<TokenDto>>, ApiError> {
    let tokens = app.store.tokens(caller.person.id).await?;
    Ok(ApiJson(tokens.into_iter().map(TokenDto::from).collect()))
}

/// Revoke one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "sign-in",
    params(("id" = i64, Path, description = "Token id", minimum = 1)),
    responses((status = 204, description = "Revoked."), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn revoke_token(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    if app
        .store
        .revoke_token(caller.person.id, TokenId(id), app.now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("token"))
    }
}
