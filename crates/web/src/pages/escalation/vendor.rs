//! The vendor's escalation pages: the service manager's overview of every customer
//! (`/desk/escalations`) and one customer's page (`/desk/escalations/{org}`) with the forms
//! that record the request by phone, the consultation, the follow-ups with the progress
//! decision, the claim on an administrator's behalf and reversals, and the ledger export.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use desk::compensation::{ClaimInput, OverviewLine, RequestInput};
use desk::i18n::Tr;
use store::{DiscountId, OrgId, PersonId, Role, Scope};

use super::meeting::{self, MeetingForm};
use super::{MonthChoice, Shown, form_error, notice, requestable, shown};
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::{Shell, Viewer, render};

#[derive(askama::Template)]
#[template(path = "escalation_overview.html")]
struct OverviewPage {
    t: Tr,
    shell: Shell,
    lines: Vec<OverviewLine>,
}

impl OverviewPage {
    /// Whether a follow-up is due.
    fn any_due(&self) -> bool {
        self.lines.iter().any(|l| l.follow_up_due)
    }

    /// Whether a claim is open.
    fn any_claim(&self) -> bool {
        self.lines.iter().any(|l| l.claim_open)
    }

    /// The catalog key of a stage.
    fn stage_key(&self, stage: &str) -> &'static str {
        match stage {
            "requested" => "esc.stage.requested",
            "consulting" => "esc.stage.consulting",
            "discounting" => "esc.stage.discounting",
            _ => "esc.stage.idle",
        }
    }
}

/// Every customer's escalation at a glance (service managers and administrators).
pub async fn overview(State(app): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let t = viewer.t;
    let lines = app.overview(&viewer.caller).await.map_err(api(t))?;
    let page = OverviewPage {
        t,
        lines,
        shell: viewer.shell,
    };
    Ok(render(&page))
}

#[derive(askama::Template)]
#[template(path = "escalation_desk.html")]
struct DeskPage {
    t: Tr,
    shell: Shell,
    org: i64,
    customer: String,
    shown: Shown,
    /// The overview is theirs to see (service manager, administrator).
    manager: bool,
    /// The customer's active administrators: id, name, chosen.
    admins: Vec<(i64, String, bool)>,
    months: Vec<MonthChoice>,
    meeting: Option<MeetingForm>,
    /// The system's proposal for a follow-up held today, in words, and its decision.
    proposal: Option<(String, bool)>,
    /// Invoice months to export: the customer's and the current one.
    export_months: Vec<String>,
    notice: Option<String>,
    /// The form that came back and what is wrong.
    error: Option<(String, String)>,
}

impl DeskPage {
    /// What is wrong with `form`, when it came back.
    fn err(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == form)
            .map(|(_, m)| m.as_str())
    }

    /// The page's heading: the customer's escalation.
    fn heading(&self) -> String {
        self.t
            .fill("esc.for", &[("customer", self.customer.as_str())])
    }

    /// `consultation` while requested, `follow_up` after.
    fn meeting_kind(&self) -> &'static str {
        if self.shown.standing.stage == "requested" {
            "consultation"
        } else {
            "follow_up"
        }
    }

    /// The path the meeting form posts to.
    fn meeting_action(&self) -> &'static str {
        if self.shown.standing.stage == "requested" {
            "consultation"
        } else {
            "follow-ups"
        }
    }

    /// Whether a progress radio is checked: as typed, else the system's proposal.
    fn progress_checked(&self, value: &str) -> bool {
        let typed = self.meeting.as_ref().map_or("", |m| m.progress.as_str());
        if typed.is_empty() {
            self.proposal
                .as_ref()
                .is_some_and(|(_, p)| (value == "yes") == *p)
        } else {
            typed == value
        }
    }

    /// The error of the reversal form of discount `id`.
    fn reversal_err(&self, id: &i64) -> Option<&str> {
        self.err(&format!("reversal-{id}"))
    }
}

/// What came back with a form.
#[derive(Default)]
struct Back<'a> {
    form: Option<&'a Fields>,
    error: Option<(String, String)>,
    notice: Option<String>,
}

/// The vendor's page again, with `error` at the form `which` and the values typed kept.
async fn refused(
    app: &AppState,
    viewer: Viewer,
    org: i64,
    f: &Fields,
    which: &str,
    error: String,
) -> Result<Response, PageError> {
    let back = Back {
        form: Some(f),
        error: Some((which.to_string(), error)),
        notice: None,
    };
    show(app, viewer, OrgId(org), back).await
}

fn staff_only(viewer: &Viewer) -> Result<(), PageError> {
    viewer
        .caller
        .require_vendor()
        .map_err(|_| PageError::Forbidden(viewer.t, viewer.t.get("desk.staff_only").to_string()))
}

async fn show(
    app: &AppState,
    viewer: Viewer,
    org: OrgId,
    back: Back<'_>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    staff_only(&viewer)?;
    let v = app.escalation(&viewer.caller, org).await.map_err(api(t))?;
    let customer = app
        .store
        .get_org(&viewer.caller.scope, org)
        .await
        .map_err(|e| api(t)(e))?
        .name;
    let chosen = back
        .form
        .map(|f| f.text("on_behalf_of"))
        .unwrap_or_default();
    let admins = app
        .store
        .list_people(&Scope::System, Some(org))
        .await
        .map_err(|e| api(t)(e))?
        .into_iter()
        .filter(|p| p.role == Role::CustomerAdmin && p.active)
        .map(|p| (p.id.0, p.name, p.id.0.to_string() == chosen))
        .collect();
    let ticked: Vec<String> = back
        .form
        .map(|f| {
            f.0.iter()
                .filter(|(k, _)| k == "month")
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default();
    let months = if v.stage == "idle" {
        requestable(app, &viewer.caller, org, &v, &ticked)
            .await
            .map_err(api(t))?
    } else {
        Vec::new()
    };
    let meeting = if matches!(v.stage.as_str(), "requested" | "consulting") {
        let typed = back.form.filter(|_| {
            back.error
                .as_ref()
                .is_some_and(|(f, _)| f == "consultation" || f == "follow_up")
        });
        Some(
            meeting::form(app, &viewer, org, typed)
                .await
                .map_err(api(t))?,
        )
    } else {
        None
    };
    let proposal = v.proposal.as_ref().map(|p| {
        let decision = t.get(if p.progress {
            "esc.follow_up.progress"
        } else {
            "esc.follow_up.no_progress"
        });
        let overrun = t.get(if p.month_overrun {
            "esc.overrun_yes"
        } else {
            "esc.overrun_no"
        });
        (
            t.fill(
                "esc.follow_up.proposal",
                &[
                    ("decision", decision),
                    ("month", p.month.as_str()),
                    ("overrun", overrun),
                ],
            ),
            p.progress,
        )
    });
    let standard = app.policies.standard().map_err(api(t))?;
    let now = sla::Month::containing(&standard.calendar, app.clock.now().as_second());
    let mut export_months = vec![now.to_string()];
    for l in &v.ledger {
        if !export_months.contains(&l.invoice_month) {
            export_months.push(l.invoice_month.clone());
        }
    }
    export_months.sort_unstable_by(|a, b| b.cmp(a));
    let status = if back.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = DeskPage {
        t,
        org: org.0,
        customer,
        shown: shown(app, t, &v),
        manager: matches!(viewer.caller.role(), Role::ServiceManager | Role::Admin),
        admins,
        months,
        meeting,
        proposal,
        export_months,
        notice: back.notice,
        error: back.error,
        shell: viewer.shell,
    };
    Ok((status, render(&page)).into_response())
}

/// One customer's escalation, for the vendor's staff.
pub async fn page(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(org): Path<i64>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let back = Back {
        notice: notice(viewer.t, q.as_deref()),
        ..Back::default()
    };
    show(&app, viewer, OrgId(org), back).await
}

/// A checked form post: the fields, after the CSRF token and the staff check.
fn posted(viewer: &Viewer, body: &Bytes) -> Result<Fields, PageError> {
    let f = Fields::parse(body);
    viewer.check_csrf(f.text("csrf"))?;
    staff_only(viewer)?;
    Ok(f)
}

fn done(org: i64, what: &str) -> Response {
    Redirect::to(&format!("/desk/escalations/{org}?notice={what}")).into_response()
}

/// The administrator chosen in the form.
fn on_behalf(f: &Fields) -> Option<PersonId> {
    f.text("on_behalf_of").trim().parse().ok().map(PersonId)
}

/// A request made by phone, recorded by the service desk.
pub async fn request(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(org): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = posted(&viewer, &body)?;
    let months: Result<Vec<sla::Month>, _> =
        f.0.iter()
            .filter(|(k, _)| k == "month")
            .map(|(_, v)| v.parse())
            .collect();
    let error = match (months, on_behalf(&f)) {
        (Err(_), _) => t.get("esc.error.month").to_string(),
        (Ok(m), _) if m.is_empty() => t.get("esc.error.months").to_string(),
        (_, None) => t.get("esc.error.on_behalf").to_string(),
        (Ok(months), who) => {
            let input = RequestInput {
                months,
                on_behalf_of: who,
            };
            match app
                .request_consultation(&viewer.caller, OrgId(org), input)
                .await
            {
                Ok(_) => return Ok(done(org, "request")),
                Err(e) => form_error(t, e)?,
            }
        }
    };
    refused(&app, viewer, org, &f, "request", error).await
}

/// The consultation held.
pub async fn consultation(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(org): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = posted(&viewer, &body)?;
    let error = match meeting::read(&f) {
        Err(key) => t.get(key).to_string(),
        Ok(input) => match app
            .record_consultation(&viewer.caller, OrgId(org), input)
            .await
        {
            Ok(_) => return Ok(done(org, "consultation")),
            Err(e) => form_error(t, e)?,
        },
    };
    refused(&app, viewer, org, &f, "consultation", error).await
}

/// A follow-up held, with its progress decision.
pub async fn follow_up(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(org): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = posted(&viewer, &body)?;
    let progress = match f.text("progress") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let why = f.text("why").trim().to_string();
    let error = match (meeting::read(&f), progress) {
        (Err(key), _) => t.get(key).to_string(),
        (_, None) => t.get("esc.error.progress").to_string(),
        (Ok(_), Some(_)) if why.is_empty() => t.get("esc.error.why").to_string(),
        (Ok(input), Some(p)) => match app
            .record_follow_up(&viewer.caller, OrgId(org), input, p, &why)
            .await
        {
            Ok(_) => return Ok(done(org, "follow_up")),
            Err(e) => form_error(t, e)?,
        },
    };
    refused(&app, viewer, org, &f, "follow_up", error).await
}

/// The claim, on a customer administrator's behalf.
pub async fn claim(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(org): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = posted(&viewer, &body)?;
    let error = match on_behalf(&f) {
        None => t.get("esc.error.on_behalf").to_string(),
        who => match app
            .claim(&viewer.caller, OrgId(org), ClaimInput { on_behalf_of: who })
            .await
        {
            Ok(_) => return Ok(done(org, "claim")),
            Err(e) => form_error(t, e)?,
        },
    };
    refused(&app, viewer, org, &f, "claim", error).await
}

/// A discount of this customer reversed, with the reason.
pub async fn reversal(
    State(app): State<AppState>,
    viewer: Viewer,
    Path((org, id)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let f = posted(&viewer, &body)?;
    // The discount must be this customer's: another's is not found here.
    let entry = app
        .store
        .get_discount(&viewer.caller.scope, DiscountId(id))
        .await
        .map_err(|e| api(t)(e))?;
    if entry.org_id != OrgId(org) {
        return Err(PageError::NotFound(t));
    }
    let error = match app
        .reverse_discount(&viewer.caller, DiscountId(id), f.text("reason"))
        .await
    {
        Ok(_) => return Ok(done(org, "reversal")),
        Err(e) => form_error(t, e)?,
    };
    refused(&app, viewer, org, &f, &format!("reversal-{id}"), error).await
}
