//! Errors as RFC 9457 problem details, and a JSON body extractor that names the field at fault.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk::DeskError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::StoreError;
use utoipa::ToSchema;

/// One field-level problem.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field, as a JSON path such as `priority` or `events[2].at`.
    pub field: String,
    /// What is wrong with it and what is allowed.
    pub message: String,
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The fields at fault, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Why a request failed, as the API reports it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body or a parameter is malformed.
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// The field at fault.
        field: Option<String>,
    },
    /// 401: not signed in.
    #[error("sign in first")]
    Unauthorized,
    /// 403: signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing the caller may see has that id.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 405: the route exists, but not with this method.
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// 409: conflicts with existing data.
    #[error("{message}")]
    Conflict {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// 413: the body is too large.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// 415: the body is not JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// 415: the body is not of the one media type this operation takes.
    #[error("send the body as {0}")]
    MediaType(&'static str),
    /// 422: well-formed, but breaks a rule.
    #[error("{message}")]
    Unprocessable {
        /// The field at fault.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// 429: too many attempts.
    #[error("too many attempts; try again in {retry_after} s")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 500: a fault of ours; the detail is logged, not sent.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Unprocessable {
            field: field.into(),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType | ApiError::MediaType(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let errors = match self {
            ApiError::BadRequest {
                field: Some(f),
                detail,
            } => vec![FieldProblem {
                field: f.clone(),
                message: detail.clone(),
            }],
            ApiError::Conflict { field, message } => vec![FieldProblem {
                field: (*field).to_string(),
                message: message.clone(),
            }],
            ApiError::Unprocessable { field, message } => vec![FieldProblem {
                field: field.clone(),
                message: message.clone(),
            }],
            _ => Vec::new(),
        };
        let slug = status
            .canonical_reason()
            .unwrap_or("error")
            .to_lowercase()
            .replace(' ', "-");
        Problem {
            kind: format!("https://loket.invalid/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
        }
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::Unauthenticated => ApiError::Unauthorized,
            DeskError::Forbidden(why) => ApiError::Forbidden(why),
            DeskError::NotFound(what) => ApiError::NotFound(what),
            DeskError::Invalid { field, rule } => ApiError::Unprocessable {
                field,
                message: rule,
            },
            // The document states every limit (`maxLength`): over it, the request breaks it.
            DeskError::TooLong { field, max } => ApiError::BadRequest {
                detail: format!("at most {max} characters"),
                field: Some(field),
            },
            DeskError::Conflict { field, message } => ApiError::Conflict { field, message },
            DeskError::Throttled { retry_after } => ApiError::TooManyRequests { retry_after },
            DeskError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict { field, message } => ApiError::Conflict { field, message },
            StoreError::Rejected { field, message } => ApiError::field(field, message),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let problem = self.problem();
        let status = self.status();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::TooManyRequests { retry_after } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Largest JSON body accepted.
pub const MAX_BODY: usize = 256 * 1024;

/// A JSON body whose parse errors name the field at fault (`serde_path_to_error`).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().eq_ignore_ascii_case("application/json"))
            .unwrap_or(false);
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(MAX_BODY)
            } else {
                ApiError::BadRequest {
                    detail: format!("cannot read the body: {e}"),
                    field: None,
                }
            }
        })?;
        let mut tree: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
                detail: format!("the body is not valid JSON: {e}"),
                field: None,
            })?;
        // PostgreSQL cannot store U+0000 in text (and SQLite cuts text at it in places), so
        // it is refused here, for both databases alike.
        if let Some(path) = nul_path(&tree) {
            return Err(ApiError::BadRequest {
                detail: NUL_DETAIL.into(),
                field: (!path.is_empty()).then_some(path),
            });
        }
        // JSON has one number type: `3.0` is the integer 3 (as JSON Schema's `integer` says).
        integral_numbers(&mut tree);
        let value = serde_path_to_error::deserialize(tree).map_err(|e| {
            let path = e.path().to_string();
            ApiError::BadRequest {
                detail: e.into_inner().to_string(),
                field: (path != ".").then_some(path),
            }
        })?;
        Ok(ApiJson(value))
    }
}

/// Turns every number with a zero fraction that fits an `i64` (`3.0`, `-1e3`) into that
/// integer, so integer fields accept it and number fields still read it as a number.
fn integral_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Why text with U+0000 in it is refused.
pub const NUL_DETAIL: &str = "text may not contain the character U+0000 (NUL)";

/// The JSON path (as `serde_path_to_error` writes it, e.g. `events[2].at`) of the first
/// string holding U+0000; empty for the top level. (Keys need no check: every body type
/// refuses unknown fields.)
fn nul_path(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let join = |head: String, rest: String| {
        if rest.is_empty() || rest.starts_with('[') {
            format!("{head}{rest}")
        } else {
            format!("{head}.{rest}")
        }
    };
    match v {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_path(x).map(|p| join(format!("[{i}]"), p))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, x)| nul_path(x).map(|p| join(k.clone(), p))),
        _ => None,
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
