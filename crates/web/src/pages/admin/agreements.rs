//! Administration: the versions of a customer's agreement (`/admin/customers/{id}/agreements`):
//! a new version pasted or uploaded, a policy error shown at its line and column.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::{NewAgreement, OrgId};

use super::customers::{CustomerParts, customer_page};
use super::forms::{
    AgreementForm, PolicyProblem, parse_local_time, path_id, read_form, require_admin,
};
use crate::AppState;
use crate::error::{ApiError, MAX_BODY, NUL_DETAIL};
use crate::pages::error::{PageError, api};
use crate::pages::form::{field_refusal, too_long};
use crate::pages::layout::{Viewer, render};
use desk::i18n::Tr;
use desk::limits::{self, over};

// ----- one customer -------------------------------------------------------------------------

/// What the agreement form sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AgreementInput {
    csrf: String,
    name: String,
    effective_from: String,
    document_ref: String,
    policy: String,
    #[serde(skip)]
    file: Vec<u8>,
}

/// Reads the agreement form: `multipart/form-data` (with the file) from the page, or
/// `application/x-www-form-urlencoded` (pasted text only).
async fn read_agreement(app: &AppState, t: Tr, req: Request) -> Result<AgreementInput, PageError> {
    let multipart = crate::pages::form::is_multipart(req.headers());
    let bad = |detail: String| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail,
                field: None,
            },
        )
    };
    if !multipart {
        let body = Bytes::from_request(req, app)
            .await
            .map_err(|_| PageError::Api(t, ApiError::TooLarge(MAX_BODY)))?;
        return read_form(t, &body);
    }
    let too_large_or_bad = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::Api(t, ApiError::TooLarge(MAX_BODY))
        } else {
            bad(t.get("error.bad_input").into())
        }
    };
    let mut form = Multipart::from_request(req, app)
        .await
        .map_err(|e| too_large_or_bad(e.status()))?;
    let mut input = AgreementInput::default();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| too_large_or_bad(e.status()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            input.file = field
                .bytes()
                .await
                .map_err(|e| too_large_or_bad(e.status()))?
                .to_vec();
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| too_large_or_bad(e.status()))?;
        if text.contains('\0') {
            return Err(bad(NUL_DETAIL.into()));
        }
        match name.as_str() {
            "csrf" => input.csrf = text,
            "name" => input.name = text,
            "effective_from" => input.effective_from = text,
            "document_ref" => input.document_ref = text,
            "policy" => input.policy = text,
            _ => {}
        }
    }
    Ok(input)
}

/// Text as a browser sends a textarea (CRLF) made plain (LF); line numbers stay the same.
fn plain_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// `POST /admin/customers/{id}/agreements`: a new version of the customer's agreement.
pub(super) async fn add_agreement(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    require_admin(&viewer)?;
    let t = viewer.t;
    let org = OrgId(path_id(t, &id)?);
    let input = read_agreement(&app, t, req).await?;
    viewer.check_csrf(&input.csrf)?;
    app.store
        .get_org(&viewer.caller.scope, org)
        .await
        .map_err(|e| api(t)(e))?;

    let mut form = AgreementForm::new();
    form.name = form.name.with(&input.name);
    form.effective_from = form.effective_from.with(&input.effective_from);
    form.document_ref = form.document_ref.with(&input.document_ref);
    let pasted = plain_lines(&input.policy);
    let mut policy = pasted.clone();
    if !input.file.is_empty() {
        match String::from_utf8(input.file) {
            Ok(text) if text.contains('\0') => form.file.fail(t.get("admin.err.file_text")),
            Ok(text) if pasted.trim().is_empty() => {
                policy = plain_lines(text.trim_start_matches('\u{feff}'));
                form.from_file = true;
            }
            Ok(_) => form.file.fail(t.get("admin.err.file_and_text")),
            Err(_) => form.file.fail(t.get("admin.err.file_text")),
        }
    }
    form.policy = form.policy.with(&policy);

    let name = input.name.trim();
    if over(&input.name, limits::AGREEMENT_NAME) {
        form.name.fail(too_long(t, limits::AGREEMENT_NAME));
    } else if name.is_empty() {
        form.name.fail(t.get("admin.err.agreement_name"));
    }
    let effective_from = parse_local_time(&input.effective_from);
    if effective_from.is_none() {
        form.effective_from.fail(t.get("admin.err.effective_from"));
    }
    let document_ref = input.document_ref.trim();
    if over(&input.document_ref, limits::DOCUMENT_REF) {
        form.document_ref.fail(too_long(t, limits::DOCUMENT_REF));
    }
    if over(&policy, limits::POLICY) {
        form.policy.fail(too_long(t, limits::POLICY));
    } else if let Err(e) = desk::policies::parse_policy(&policy, "policy") {
        let problem = PolicyProblem::new(t, &policy, &e);
        form.policy.fail(problem.summary.clone());
        form.problem = Some(problem);
    }

    let fields = [
        &form.name,
        &form.effective_from,
        &form.document_ref,
        &form.policy,
        &form.file,
    ];
    if let (false, Some(from)) = (fields.iter().any(|f| f.error.is_some()), effective_from) {
        let new = NewAgreement {
            org_id: org,
            name: name.to_string(),
            policy: policy.clone(),
            effective_from: desk::time::ms(from),
            document_ref: (!document_ref.is_empty()).then(|| document_ref.to_string()),
        };
        match app.add_agreement(&viewer.caller, new).await {
            Ok(a) => {
                return Ok(Redirect::to(&format!(
                    "/admin/customers/{}?added={}#agreements",
                    org.0, a.id.0
                ))
                .into_response());
            }
            Err(e) => {
                let (field, message) = field_refusal(t, e).map_err(api(t))?;
                match field.as_str() {
                    "name" => form.name.fail(message),
                    "document_ref" => form.document_ref.fail(message),
                    _ => form.policy.fail(message),
                }
            }
        }
    }
    form.failed = true;
    let mut parts = CustomerParts::new(t, org);
    parts.form = form;
    let page = customer_page(&app, &viewer, org, parts).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}
