//! `/meetings`: a customer's meetings (the vendor picks the customer, a customer sees their
//! own), its schedules, the form that plans a meeting (vendor staff) and the schedule form
//! (the vendor's service managers and administrators).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use desk::i18n::Tr;
use desk::meetings::{kind_label, meeting_title, status_label};
use sla::words;
use store::{MeetingKind, OrgId, Role};

use super::FormState;
use crate::AppState;
use crate::error::ApiError;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::{Shell, Viewer, render};

/// A meeting in the list, in words.
pub struct Row {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Planned, held or cancelled.
    pub status: String,
    /// When, local time.
    pub when: String,
}

/// A schedule in words.
pub struct ScheduleRow {
    /// Its kind.
    pub kind: String,
    /// Every how many months.
    pub every: u32,
    /// The local time, `HH:MM`.
    pub time: String,
    /// Minutes each.
    pub duration: i64,
    /// Where.
    pub location: String,
    /// The next meeting's date.
    pub next_on: String,
    /// The next meeting.
    pub next_meeting: Option<i64>,
}

#[derive(askama::Template)]
#[template(path = "meetings.html")]
struct ListPage {
    t: Tr,
    shell: Shell,
    customers: Vec<(i64, String, bool)>,
    vendor: bool,
    org: Option<i64>,
    customer: String,
    rows: Vec<Row>,
    schedules: Vec<ScheduleRow>,
    may_schedule: bool,
    kinds: Vec<(&'static str, String)>,
    form: FormState,
}

/// Whether the caller sets schedules: the vendor's service managers and administrators.
pub fn may_schedule(viewer: &Viewer) -> bool {
    matches!(viewer.caller.role(), Role::ServiceManager | Role::Admin)
}

/// The customer a page or form is about: the one chosen, else a customer's own.
pub fn org_of(viewer: &Viewer, raw: &str) -> Result<Option<OrgId>, PageError> {
    let t = viewer.t;
    match raw.trim() {
        "" => Ok(viewer.caller.scope.org()),
        raw => raw.parse::<i64>().map(|o| Some(OrgId(o))).map_err(|_| {
            PageError::Api(
                t,
                ApiError::field("organization", "the customer is a number"),
            )
        }),
    }
}

/// The kinds of meetings, word and label.
pub fn kinds(t: Tr) -> Vec<(&'static str, String)> {
    MeetingKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(*k, t).to_string()))
        .collect()
}

/// The list page.
pub async fn list_page(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let q = Fields::query(q.as_deref());
    let org = org_of(&viewer, q.text("organization"))?;
    show(&app, viewer, org, FormState::default()).await
}

/// The list of `org` (none: only the customer picker), with a form that came back.
pub async fn show(
    app: &AppState,
    viewer: Viewer,
    org: Option<OrgId>,
    form: FormState,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let scope = viewer.caller.scope;
    let vendor = viewer.caller.role().is_vendor();
    let customers = if vendor {
        app.store
            .list_orgs(&scope)
            .await
            .map_err(|e| api(t)(e))?
            .into_iter()
            .map(|o| (o.id.0, o.name, Some(o.id) == org))
            .collect()
    } else {
        Vec::new()
    };
    let mut rows = Vec::new();
    let mut schedules = Vec::new();
    let mut customer = String::new();
    if let Some(o) = org {
        customer = app.store.get_org(&scope, o).await.map_err(api(t))?.name;
        let now = app.clock.now();
        let compiled = app.customer_calendar(o, now).await.map_err(api(t))?;
        let cal = &compiled.calendar;
        for m in app
            .meetings(&viewer.caller, o, None, None)
            .await
            .map_err(api(t))?
        {
            rows.push(Row {
                id: m.id.0,
                title: meeting_title(&m, t),
                kind: kind_label(m.kind, t).to_string(),
                status: status_label(m.status, t).to_string(),
                when: words::format_local(cal, m.starts_at.as_second(), t.0),
            });
        }
        for s in app.schedules(&viewer.caller, o).await.map_err(api(t))? {
            schedules.push(ScheduleRow {
                kind: kind_label(s.kind, t).to_string(),
                every: s.every_months,
                time: s.local_time.strftime("%H:%M").to_string(),
                duration: s.duration_minutes,
                location: s.location,
                next_on: s.next_on.to_string(),
                next_meeting: s.next_meeting_id.map(|m| m.0),
            });
        }
    }
    let status = if form.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        t,
        customers,
        vendor,
        org: org.map(|o| o.0),
        customer,
        rows,
        schedules,
        may_schedule: may_schedule(&viewer),
        kinds: kinds(t),
        form,
        shell: viewer.shell,
    };
    Ok((status, render(&page)).into_response())
}
