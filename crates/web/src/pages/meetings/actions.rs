//! The meeting forms: plan a meeting, set a schedule, invite someone, record the minutes,
//! record an action item and mark one done, move a meeting and call it off. Each checks the
//! CSRF token first, redirects to the page after success (PRG) and shows the page again with
//! the errors in the person's language when a rule is broken.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use desk::meetings::MeetingPlan;
use desk::meetings::schedule::{SchedulePlan, local_instant};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use store::{
    ActionItemId, AttendeeId, MeetingChange, MeetingId, MeetingKind, Minutes, NewActionItem,
    NewAttendee, OrgId, Side,
};

use super::errors::field_message;
use super::list::{self, may_schedule, org_of};
use super::{FormState, view};
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::Viewer;
use render::ical::invitation;

/// Reads a form after its CSRF token: the fields, and the state it comes back with on errors.
fn begin(
    viewer: &Viewer,
    body: &Bytes,
    form: &'static str,
) -> Result<(Fields, FormState), PageError> {
    let f = Fields::parse(body);
    viewer.check_csrf(f.text("csrf"))?;
    let mut state = FormState::failed(form, Fields::parse(body));
    if f.has_nul() {
        state.add("other", viewer.t.get("meetpage.error.nul"));
    }
    Ok((f, state))
}

/// A date field (`YYYY-MM-DD`), or an error on it.
fn date(f: &Fields, name: &str, state: &mut FormState, t: desk::i18n::Tr) -> Option<Date> {
    let s = f.text(name).trim();
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    let d = s.parse::<Date>().ok().filter(|_| ok);
    if d.is_none() {
        state.add(name, field_message(t, name));
    }
    d
}

/// A time field (`HH:MM`), or an error on it.
fn time(f: &Fields, state: &mut FormState, t: desk::i18n::Tr) -> Option<Time> {
    let s = f.text("time").trim();
    let tm = if s.len() == 5 {
        s.parse::<Time>().ok()
    } else {
        None
    };
    if tm.is_none() {
        state.add("time", field_message(t, "time"));
    }
    tm
}

/// A whole number field, or an error on it.
fn number(f: &Fields, name: &str, state: &mut FormState, t: desk::i18n::Tr) -> Option<i64> {
    let n = f.text(name).trim().parse::<i64>().ok();
    if n.is_none() {
        let field = if name == "duration_minutes" {
            name
        } else {
            "every_months"
        };
        state.add(field, field_message(t, field));
    }
    n
}

/// The kind chosen, or an error on it.
fn kind(f: &Fields, state: &mut FormState, t: desk::i18n::Tr) -> Option<MeetingKind> {
    let k = f.text("kind").parse::<MeetingKind>().ok();
    if k.is_none() {
        state.add("kind", field_message(t, "kind"));
    }
    k
}

/// The start of a meeting from its local date and time in the customer's agreement zone.
async fn start(
    app: &AppState,
    org: OrgId,
    on: Date,
    at: Time,
    state: &mut FormState,
    t: desk::i18n::Tr,
) -> Result<Option<Timestamp>, PageError> {
    let compiled = app
        .customer_calendar(org, app.clock.now())
        .await
        .map_err(api(t))?;
    match local_instant(&compiled.calendar, on, at) {
        Ok(ts) => Ok(Some(ts)),
        Err(_) => {
            state.add("time", field_message(t, "time"));
            Ok(None)
        }
    }
}

/// Fails with the not-found page unless the caller may see meeting `id` (another customer's
/// meeting is not found, whatever the form).
async fn visible(app: &AppState, viewer: &Viewer, id: i64) -> Result<(), PageError> {
    app.meeting(&viewer.caller, MeetingId(id))
        .await
        .map(|_| ())
        .map_err(api(viewer.t))
}

fn to_meeting(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("/meetings/{id}{anchor}")).into_response()
}

/// Plans a meeting (vendor staff), invitations queued to every attendee with an address.
pub async fn plan(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "plan")?;
    let org = org_of(&viewer, f.text("organization"))?;
    let Some(org) = org else {
        state.add("organization", field_message(t, "organization"));
        return list::show(&app, viewer, None, state).await;
    };
    let kind = kind(&f, &mut state, t);
    let on = date(&f, "date", &mut state, t);
    let at = time(&f, &mut state, t);
    let duration = number(&f, "duration_minutes", &mut state, t);
    let starts_at = match (on, at) {
        (Some(on), Some(at)) => start(&app, org, on, at, &mut state, t).await?,
        _ => None,
    };
    if let (Some(kind), Some(starts_at), Some(duration), false) =
        (kind, starts_at, duration, state.any())
    {
        let plan = MeetingPlan {
            org_id: org,
            kind,
            title: f.text("title").to_string(),
            starts_at,
            duration_minutes: duration,
            location: f.text("location").to_string(),
            online_url: f.text("online_url").to_string(),
            attendees: Vec::new(),
        };
        match app.plan_meeting(&viewer.caller, &plan, &invitation).await {
            Ok((m, _)) => return Ok(to_meeting(m.id.0, "")),
            Err(e) => state.take(t, e)?,
        }
    }
    list::show(&app, viewer, Some(org), state).await
}

/// Sets a customer's schedule of a kind (the vendor's service managers and administrators).
pub async fn schedule(
    State(app): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "schedule")?;
    if !may_schedule(&viewer) {
        return Err(PageError::Forbidden(
            t,
            t.get("meetpage.schedule_forbidden").to_string(),
        ));
    }
    let Some(org) = org_of(&viewer, f.text("organization"))? else {
        state.add("organization", field_message(t, "organization"));
        return list::show(&app, viewer, None, state).await;
    };
    let kind = kind(&f, &mut state, t);
    let every = number(&f, "every_months", &mut state, t);
    let anchor = date(&f, "anchor_on", &mut state, t);
    let at = time(&f, &mut state, t);
    let duration = number(&f, "duration_minutes", &mut state, t);
    if let (Some(kind), Some(every), Some(anchor_on), Some(local_time), Some(duration), false) =
        (kind, every, anchor, at, duration, state.any())
    {
        let plan = SchedulePlan {
            every_months: u32::try_from(every).unwrap_or(0),
            anchor_on,
            local_time,
            duration_minutes: duration,
            location: f.text("location").to_string(),
            online_url: f.text("online_url").to_string(),
        };
        match app.set_schedule(&viewer.caller, org, kind, &plan).await {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/meetings?organization={}#schedules", org.0))
                        .into_response(),
                );
            }
            Err(e) => state.take(t, e)?,
        }
    }
    list::show(&app, viewer, Some(org), state).await
}

/// Invites someone (vendor staff); on a planned meeting they are mailed the invitation.
pub async fn attendee(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "attendee")?;
    visible(&app, &viewer, id).await?;
    let side = f.text("side").parse::<Side>().ok();
    if side.is_none() {
        state.add("side", field_message(t, "side"));
    }
    if let (Some(side), false) = (side, state.any()) {
        let email = f.text("email").trim();
        let new = NewAttendee {
            name: f.text("name").to_string(),
            email: (!email.is_empty()).then(|| email.to_string()),
            side,
            role: f.text("role").to_string(),
            person_id: None,
        };
        match app
            .add_attendee(&viewer.caller, MeetingId(id), &new, &invitation)
            .await
        {
            Ok(_) => return Ok(to_meeting(id, "#attendees")),
            Err(e) => state.take(t, e)?,
        }
    }
    view::show(&app, viewer, id, state).await
}

/// Records the minutes (vendor staff): the text, the decisions one per line, who was there.
pub async fn minutes(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "minutes")?;
    visible(&app, &viewer, id).await?;
    let mut present = Vec::new();
    for (_, v) in f.0.iter().filter(|(k, _)| k == "present") {
        match v.parse::<i64>() {
            Ok(a) => present.push(AttendeeId(a)),
            Err(_) => state.add("present", field_message(t, "present")),
        }
    }
    if !state.any() {
        let m = Minutes {
            text: f.text("minutes").to_string(),
            decisions: f
                .text("decisions")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            present,
        };
        match app.record_minutes(&viewer.caller, MeetingId(id), &m).await {
            Ok(_) => return Ok(to_meeting(id, "#minutes")),
            Err(e) => state.take(t, e)?,
        }
    }
    view::show(&app, viewer, id, state).await
}

/// Records an action item of the meeting (vendor staff).
pub async fn action_item(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "item")?;
    visible(&app, &viewer, id).await?;
    let due = date(&f, "due_on", &mut state, t);
    if let (Some(due_on), false) = (due, state.any()) {
        let new = NewActionItem {
            what: f.text("what").to_string(),
            owner_name: f.text("owner_name").to_string(),
            owner_person_id: None,
            due_on,
        };
        match app
            .add_action_item(&viewer.caller, MeetingId(id), &new)
            .await
        {
            Ok(_) => return Ok(to_meeting(id, "#items")),
            Err(e) => state.take(t, e)?,
        }
    }
    view::show(&app, viewer, id, state).await
}

/// Marks an action item of the meeting done (vendor staff, the customer's administrator).
pub async fn complete(
    State(app): State<AppState>,
    viewer: Viewer,
    Path((id, item)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    begin(&viewer, &body, "complete")?;
    let found = app
        .store
        .get_action_item(&viewer.caller.scope, ActionItemId(item))
        .await
        .map_err(api(t))?;
    if found.meeting_id != MeetingId(id) {
        return Err(PageError::NotFound(t));
    }
    app.complete_action_item(&viewer.caller, found.id, None)
        .await
        .map_err(api(t))?;
    Ok(to_meeting(id, "#items"))
}

/// Moves a meeting or changes its title or place (vendor staff); the attendees are mailed
/// the updated invitation.
pub async fn move_meeting(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, mut state) = begin(&viewer, &body, "move")?;
    let m = app
        .meeting(&viewer.caller, MeetingId(id))
        .await
        .map_err(api(t))?;
    let on = date(&f, "date", &mut state, t);
    let at = time(&f, &mut state, t);
    let duration = number(&f, "duration_minutes", &mut state, t);
    let starts_at = match (on, at) {
        (Some(on), Some(at)) => start(&app, m.org_id, on, at, &mut state, t).await?,
        _ => None,
    };
    if let (Some(starts_at), Some(duration), false) = (starts_at, duration, state.any()) {
        let change = MeetingChange {
            title: f.text("title").to_string(),
            starts_at,
            duration_minutes: duration,
            location: f.text("location").to_string(),
            online_url: f.text("online_url").to_string(),
        };
        match app
            .change_meeting(&viewer.caller, MeetingId(id), &change, &invitation)
            .await
        {
            Ok(_) => return Ok(to_meeting(id, "")),
            Err(e) => state.take(t, e)?,
        }
    }
    view::show(&app, viewer, id, state).await
}

/// Calls off a planned meeting (vendor staff); the attendees are mailed the cancellation.
pub async fn cancel(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (_, mut state) = begin(&viewer, &body, "cancel")?;
    visible(&app, &viewer, id).await?;
    match app
        .cancel_meeting(&viewer.caller, MeetingId(id), &invitation)
        .await
    {
        Ok(_) => Ok(to_meeting(id, "")),
        Err(e) => {
            state.take(t, e)?;
            view::show(&app, viewer, id, state).await
        }
    }
}
