//! Incoming mail over HTTP: raw MIME posted by the mail server (`message/rfc822`, the
//! inbound secret as bearer token), the held mails for the service desk to confirm or refuse,
//! and the original message for the desk and the customer it belongs to.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use desk::inbound::{Ingested, MAX_MAIL_BYTES, Received, Source};
use serde::{Deserialize, Serialize};
use store::InboundMail;
use utoipa::ToSchema;

use super::{Id, Problems};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use desk::time::rfc3339;

/// A raw message (RFC 5322) as the receiving mail server holds it: header lines, an empty
/// line, the body.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, min_length = 1)]
pub struct RawMail(pub String);

/// What became of a posted or decided mail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IngestedDto {
    /// The stored message.
    pub mail_id: i64,
    /// `duplicate`, `filed`, `commented`, `held`, `refused`, `automatic` or `bounce`.
    pub outcome: String,
    /// The ticket it filed or commented on.
    pub ticket_id: Option<i64>,
    /// Why (refused, held, automatic) or which address bounced.
    pub reason: Option<String>,
}

impl From<Ingested> for IngestedDto {
    fn from(i: Ingested) -> Self {
        let (ticket_id, reason) = match &i {
            Ingested::Filed { ticket, .. } | Ingested::Commented { ticket, .. } => {
                (Some(ticket.0), None)
            }
            Ingested::Held { reason, .. }
            | Ingested::Refused { reason, .. }
            | Ingested::Automatic { reason, .. } => (None, Some(reason.clone())),
            Ingested::Bounce { address, .. } => (None, Some(address.clone())),
            Ingested::Duplicate { .. } => (None, None),
        };
        IngestedDto {
            mail_id: i.mail(),
            outcome: i.outcome().into(),
            ticket_id,
            reason,
        }
    }
}

/// A stored incoming mail and its outcome.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InboundMailDto {
    /// Id.
    pub id: i64,
    /// Size in bytes.
    pub size: i64,
    /// `imap`, `pipe` or `http`.
    pub source: String,
    /// When loket stored it (RFC 3339).
    #[schema(format = DateTime)]
    pub stored_at: String,
    /// When it counts as received (RFC 3339), the SLA clock's start.
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
    /// The outcome; none while pending.
    pub outcome: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// The ticket it filed or commented on.
    pub ticket_id: Option<i64>,
    /// The sender's customer.
    pub organization_id: Option<i64>,
    /// The `From` address.
    pub from: Option<String>,
    /// The subject.
    pub subject: Option<String>,
}

impl From<InboundMail> for InboundMailDto {
    fn from(m: InboundMail) -> Self {
        InboundMailDto {
            id: m.id,
            size: m.size,
            source: m.source,
            stored_at: rfc3339(m.stored_at),
            received_at: m.clock_start.map(rfc3339),
            outcome: m.outcome,
            reason: m.reason,
            ticket_id: m.ticket_id,
            organization_id: m.org_id,
            from: m.from_address,
            subject: m.subject,
        }
    }
}

/// The held mails.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HeldMails {
    /// Oldest first.
    pub items: Vec<InboundMailDto>,
}

/// Why an agent refuses a held mail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// The reason, kept with the mail.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Whether `headers` carry the inbound secret as bearer token.
fn has_secret(app: &AppState, headers: &HeaderMap) -> bool {
    let Some(secret) = app
        .config
        .inbound_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (given.as_bytes(), secret.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Takes in one raw message from the mail server: it is stored, then processed; the answer
/// says what became of it. The bearer token is the inbound secret of the server's settings.
#[utoipa::path(post, path = "/api/v1/mail/inbound", tag = "mail",
    request_body(content = RawMail, content_type = "message/rfc822", description = "The raw message, at most 50 MiB."),
    responses((status = 200, description = "Stored and processed.", body = IngestedDto), Problems),
    security(("inbound" = [])))]
pub async fn post_inbound(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<ApiJson<IngestedDto>, ApiError> {
    if !has_secret(&app, &headers) {
        return Err(ApiError::Unauthorized);
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ctype != "message/rfc822" {
        return Err(ApiError::MediaType("message/rfc822"));
    }
    let raw = axum::body::to_bytes(body, MAX_MAIL_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge(MAX_MAIL_BYTES))?;
    if raw.is_empty() {
        return Err(ApiError::BadRequest {
            detail: "the message is empty".into(),
            field: Some("message".into()),
        });
    }
    let got = app
        .ingest(
            &raw,
            Received {
                at: None,
                source: Source::Http,
            },
        )
        .await?;
    Ok(ApiJson(got.into()))
}

/// The held mails: an administrator's mail whose sender could not be authenticated waits
/// here for an agent to confirm or refuse it (service desk only).
#[utoipa::path(get, path = "/api/v1/mail/held", tag = "mail",
    responses((status = 200, description = "The held mails.", body = HeldMails), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn list_held(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<ApiJson<HeldMails>, ApiError> {
    let items = app.held_mails(&caller).await?;
    Ok(ApiJson(HeldMails {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Confirm a held mail's sender: it is processed as authenticated (files or comments).
#[utoipa::path(post, path = "/api/v1/mail/held/{id}/confirm", tag = "mail",
    params(("id" = i64, Path, description = "Mail id", minimum = 1)),
    responses((status = 200, description = "What became of it.", body = IngestedDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn confirm_held(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<ApiJson<IngestedDto>, ApiError> {
    Ok(ApiJson(app.confirm_held(&caller, id).await?.into()))
}

/// Refuse a held mail; it stays stored with the reason.
#[utoipa::path(post, path = "/api/v1/mail/held/{id}/refuse", tag = "mail",
    params(("id" = i64, Path, description = "Mail id", minimum = 1)),
    request_body = RefuseBody,
    responses((status = 200, description = "Refused.", body = IngestedDto), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn refuse_held(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<RefuseBody>,
) -> Result<ApiJson<IngestedDto>, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::field("reason", "a refusal needs a reason"));
    }
    Ok(ApiJson(
        app.refuse_held(&caller, id, &body.reason).await?.into(),
    ))
}

/// The original message as it came in (`message/rfc822`), for the service desk and the
/// customer whose person sent it.
#[utoipa::path(get, path = "/api/v1/mail/{id}/original", tag = "mail",
    params(("id" = i64, Path, description = "Mail id", minimum = 1)),
    responses((status = 200, description = "The raw message.", content_type = "message/rfc822", body = RawMail), Problems),
    security(("session" = []), ("token" = [])))]
pub async fn original(
    State(app): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let raw = app.inbound_original(&caller, id).await?;
    let mut res = Body::from(raw).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("message/rfc822"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"original.eml\""),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}
