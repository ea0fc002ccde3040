//! The customer's escalation page (`/portal/escalation`): where they stand, the timeline and
//! the discounts, and for a customer administrator the request and the claim.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use desk::compensation::{ClaimInput, RequestInput};
use desk::i18n::Tr;
use store::{OrgId, Role};

use super::{MonthChoice, Shown, form_error, notice, requestable, shown};
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::{Shell, Viewer, render};

#[derive(askama::Template)]
#[template(path = "escalation_customer.html")]
struct CustomerPage {
    t: Tr,
    shell: Shell,
    shown: Shown,
    /// A customer administrator (may request and claim).
    admin: bool,
    months: Vec<MonthChoice>,
    notice: Option<String>,
    /// The form that came back (`request`, `claim`) and what is wrong.
    error: Option<(&'static str, String)>,
}

impl CustomerPage {
    /// What is wrong with `form`, when it came back.
    fn err(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == form)
            .map(|(_, m)| m.as_str())
    }
}

/// The customer's own organization; the vendor's staff have none (they go to their overview).
fn own_org(viewer: &Viewer) -> Option<OrgId> {
    viewer.caller.scope.org()
}

/// Where the vendor's staff are sent from the customer's page.
fn to_overview() -> Response {
    Redirect::to("/desk/escalations").into_response()
}

async fn show(
    app: &AppState,
    viewer: Viewer,
    org: OrgId,
    ticked: &[String],
    notice: Option<String>,
    error: Option<(&'static str, String)>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let v = app.escalation(&viewer.caller, org).await.map_err(api(t))?;
    let admin = viewer.caller.role() == Role::CustomerAdmin;
    let months = if admin && v.stage == "idle" {
        requestable(app, &viewer.caller, org, &v, ticked)
            .await
            .map_err(api(t))?
    } else {
        Vec::new()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CustomerPage {
        t,
        shown: shown(app, t, &v),
        admin,
        months,
        notice,
        error,
        shell: viewer.shell,
    };
    Ok((status, render(&page)).into_response())
}

/// The page.
pub async fn page(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let Some(org) = own_org(&viewer) else {
        return Ok(to_overview());
    };
    let n = notice(viewer.t, q.as_deref());
    show(&app, viewer, org, &[], n, None).await
}

/// Only a customer administrator requests or claims; a viewer gets the reason.
fn admin_only(viewer: &Viewer) -> Result<(), PageError> {
    match viewer.caller.role() {
        Role::CustomerAdmin => Ok(()),
        _ => Err(PageError::Forbidden(
            viewer.t,
            viewer.t.get("esc.viewer_only").to_string(),
        )),
    }
}

/// The request for an interim incident consultation.
pub async fn request(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = Fields::parse(&body);
    viewer.check_csrf(f.text("csrf"))?;
    let Some(org) = own_org(&viewer) else {
        return Ok(to_overview());
    };
    admin_only(&viewer)?;
    let ticked: Vec<String> =
        f.0.iter()
            .filter(|(k, _)| k == "month")
            .map(|(_, v)| v.clone())
            .collect();
    let parsed: Result<Vec<sla::Month>, _> = ticked.iter().map(|m| m.parse()).collect();
    let error = match parsed {
        Ok(months) if months.is_empty() => t.get("esc.error.months").to_string(),
        Err(_) => t.get("esc.error.month").to_string(),
        Ok(months) => {
            let input = RequestInput {
                months,
                on_behalf_of: None,
            };
            match app.request_consultation(&viewer.caller, org, input).await {
                Ok(_) => {
                    return Ok(Redirect::to("/portal/escalation?notice=request").into_response());
                }
                Err(e) => form_error(t, e)?,
            }
        }
    };
    show(&app, viewer, org, &ticked, None, Some(("request", error))).await
}

/// The claim of the discount.
pub async fn claim(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = Fields::parse(&body);
    viewer.check_csrf(f.text("csrf"))?;
    let Some(org) = own_org(&viewer) else {
        return Ok(to_overview());
    };
    admin_only(&viewer)?;
    let input = ClaimInput { on_behalf_of: None };
    let error = match app.claim(&viewer.caller, org, input).await {
        Ok(_) => return Ok(Redirect::to("/portal/escalation?notice=claim").into_response()),
        Err(e) => form_error(t, e)?,
    };
    show(&app, viewer, org, &[], None, Some(("claim", error))).await
}
