//! Administration: the versions of a customer's agreement (`/admin/customers/{id}/agreements`):
//! a new version pasted or uploaded, a policy error shown at its line and column.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::{NewAgreement, OrgId};

use super::customers::{CustomerParts, customer_page};
use super::{
    Field, MAX_DOCUMENT_REF, MAX_NAME, parse_local_time, path_id, read_form, require_admin,
};
use super::{PageError, Viewer, api, render};
use crate::AppState;
use crate::error::{ApiError, MAX_BODY, NUL_DETAIL};
use crate::pages::i18n::Tr;
use desk::DeskError;

// ----- one customer -------------------------------------------------------------------------

/// A version of the agreement.
#[derive(Debug, Clone)]
pub struct AgreementRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// In force from (local time), or "from the start".
    pub from: String,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// The standard agreement (no text of its own).
    pub standard: bool,
    /// The policy text.
    pub policy: String,
    /// `now`, `future` or `past`.
    pub status: &'static str,
}

/// One line of a submitted agreement text, for the listing shown with an error.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based number.
    pub no: usize,
    /// The line the error concerns.
    pub err: bool,
    /// The text (before the error's column, on the error line).
    pub before: String,
    /// On the error line: the text from the error's column on.
    pub marked: String,
}

/// A policy error, placed at its line.
#[derive(Debug, Clone)]
pub struct PolicyProblem {
    /// 1-based line; 0 when unknown.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    /// `key: message`.
    pub what: String,
    /// `regel 7: key: message`.
    pub summary: String,
    /// The submitted text, line by line.
    pub lines: Vec<Line>,
}

impl PolicyProblem {
    /// The problem of a policy text, placed at its line and column, in words.
    pub(super) fn new(t: Tr, text: &str, e: &sla::PolicyError) -> PolicyProblem {
        let what = format!("{}: {}", e.key, e.message);
        let summary = if e.line > 0 {
            format!("{} {}: {what}", t.get("admin.line"), e.line)
        } else {
            what.clone()
        };
        let mut lines: Vec<Line> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let no = i + 1;
                if no == e.line {
                    let split = e.column.saturating_sub(1).min(l.chars().count());
                    let before: String = l.chars().take(split).collect();
                    let mut marked: String = l.chars().skip(split).collect();
                    if marked.is_empty() {
                        marked.push(' ');
                    }
                    Line {
                        no,
                        err: true,
                        before,
                        marked,
                    }
                } else {
                    Line {
                        no,
                        err: false,
                        before: l.to_string(),
                        marked: String::new(),
                    }
                }
            })
            .collect();
        // An error at the end of the text (e.g. an unclosed table) names the line after it.
        if e.line > lines.len() {
            lines.push(Line {
                no: e.line,
                err: true,
                before: String::new(),
                marked: " ".into(),
            });
        }
        PolicyProblem {
            line: e.line,
            column: e.column,
            what,
            summary,
            lines,
        }
    }
}

/// The form to add a version of the agreement.
#[derive(Debug, Clone)]
pub struct AgreementForm {
    /// Name of the version.
    pub name: Field,
    /// In force from, local date and time.
    pub effective_from: Field,
    /// Reference to the signed document.
    pub document_ref: Field,
    /// The pasted text (or the uploaded file's text, after an error).
    pub policy: Field,
    /// The uploaded file.
    pub file: Field,
    /// The policy error, at its line.
    pub problem: Option<PolicyProblem>,
    /// The text came from an uploaded file.
    pub from_file: bool,
    /// Whether the last attempt failed.
    pub failed: bool,
}

impl AgreementForm {
    /// The empty form.
    pub(super) fn new() -> AgreementForm {
        AgreementForm {
            name: Field::new("agreement-name"),
            effective_from: Field::hinted("agreement-from"),
            document_ref: Field::new("agreement-doc"),
            policy: Field::hinted("agreement-policy"),
            file: Field::hinted("agreement-file"),
            problem: None,
            from_file: false,
            failed: false,
        }
    }

    /// `aria-describedby` of the textarea: the hint, and the error block when there is one.
    pub fn policy_describedby(&self) -> String {
        let mut ids = format!("{}-hint", self.policy.id);
        if self.problem.is_some() || self.policy.error.is_some() {
            ids.push_str(&format!(" {}-error", self.policy.id));
        }
        ids
    }
}

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
    let multipart = crate::pages::is_multipart(req.headers());
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
    if name.is_empty() || name.chars().count() > MAX_NAME {
        form.name.fail(t.get("admin.err.agreement_name"));
    }
    let effective_from = parse_local_time(&input.effective_from);
    if effective_from.is_none() {
        form.effective_from.fail(t.get("admin.err.effective_from"));
    }
    let document_ref = input.document_ref.trim();
    if document_ref.chars().count() > MAX_DOCUMENT_REF {
        form.document_ref.fail(t.get("admin.err.document_ref"));
    }
    if let Err(e) = desk::policies::parse_policy(&policy, "policy") {
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
            Err(DeskError::Invalid {
                field,
                rule: message,
            }) => match field.as_str() {
                "name" => form.name.fail(message),
                _ => form.policy.fail(message),
            },
            Err(e) => return Err(PageError::Api(t, e.into())),
        }
    }
    form.failed = true;
    let mut parts = CustomerParts::new(t, org);
    parts.form = form;
    let page = customer_page(&app, &viewer, org, parts).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_error_is_placed_at_its_line_and_column() {
        let text = "[people]\nmax_administrators = \"vier\"\n";
        let e = desk::policies::parse_policy(text, "policy").unwrap_err();
        let p = PolicyProblem::new(Tr(sla::Lang::Nl), text, &e);
        assert_eq!(p.line, 2);
        assert!(
            p.summary
                .starts_with("regel 2: people.max_administrators: "),
            "{}",
            p.summary
        );
        let err: Vec<&Line> = p.lines.iter().filter(|l| l.err).collect();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].no, 2);
        assert_eq!(
            format!("{}{}", err[0].before, err[0].marked),
            "max_administrators = \"vier\""
        );
        assert!(err[0].marked.starts_with('"'), "{:?}", err[0]);
        let en = PolicyProblem::new(Tr(sla::Lang::En), text, &e);
        assert!(en.summary.starts_with("line 2: "));
    }
}
