//! `/meetings/{id}`: one meeting with its attendees, minutes and decisions, action items,
//! the links to its invitation and minutes, the tactical agenda assembled from the data, and
//! the forms of the vendor's staff.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use desk::i18n::Tr;
use desk::meetings::agenda::Agenda;
use desk::meetings::items::TrackedItem;
use desk::meetings::schedule::local_today;
use desk::meetings::{kind_label, meeting_title, side_label, status_label};
use sla::words;
use store::{MeetingId, MeetingKind, MeetingStatus, Role};

use super::FormState;
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::layout::{Shell, Viewer, render};
use render::report::{month_label, target_words};
use render::words::percent_words;

/// An attendee in words.
pub struct AttendeeRow {
    /// Its id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
    /// Their side.
    pub side: String,
    /// Their role.
    pub role: String,
    /// Yes, no, or not recorded.
    pub present: String,
    /// Recorded as there.
    pub was_present: bool,
}

/// An action item in words.
pub struct ItemRow {
    /// Its id.
    pub id: i64,
    /// What.
    pub what: String,
    /// Who.
    pub owner: String,
    /// By when.
    pub due: String,
    /// When it was done, if it was.
    pub done: Option<String>,
    /// Not done and past its date.
    pub overdue: bool,
}

/// One month of the agenda in words.
pub struct MonthView {
    /// The month.
    pub label: String,
    /// Its report was published.
    pub published: bool,
    /// The targets that failed.
    pub failed: Vec<String>,
    /// Tickets that missed a target: id, subject, target, reason.
    pub missed: Vec<(i64, String, String, String)>,
    /// Environment, availability, whether it holds.
    pub availability: Vec<(String, String, bool)>,
}

/// The tactical agenda in words.
pub struct AgendaView {
    /// The months covered.
    pub months: Vec<MonthView>,
    /// The open action items.
    pub items: Vec<ItemRow>,
    /// Open RFCs: id, subject, status.
    pub rfcs: Vec<(i64, String, String)>,
    /// The running escalation, in words.
    pub escalation: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    t: Tr,
    shell: Shell,
    id: i64,
    org: i64,
    title: String,
    kind: String,
    status: String,
    customer: String,
    when: String,
    until: String,
    location: String,
    online_url: String,
    planned: bool,
    cancelled: bool,
    attendees: Vec<AttendeeRow>,
    minutes: String,
    decisions: Vec<String>,
    items: Vec<ItemRow>,
    agenda: Option<AgendaView>,
    /// The escalation step it is the record of, in words, and the escalation's page.
    step: Option<(String, String)>,
    vendor: bool,
    may_minute: bool,
    may_complete: bool,
    raw_title: String,
    start_date: String,
    start_time: String,
    duration: i64,
    today: String,
    form: FormState,
}

/// An action item in words, dates in the agreement's calendar.
fn item_row(i: &TrackedItem, cal: &sla::Calendar, t: Tr) -> ItemRow {
    ItemRow {
        id: i.item.id.0,
        what: i.item.what.clone(),
        owner: i.item.owner_name.clone(),
        due: i.item.due_on.to_string(),
        done: i
            .item
            .done_at
            .map(|d| words::format_local(cal, d.as_second(), t.0)),
        overdue: i.overdue,
    }
}

fn agenda_view(a: &Agenda, cal: &sla::Calendar, t: Tr) -> AgendaView {
    AgendaView {
        months: a
            .months
            .iter()
            .map(|m| MonthView {
                label: month_label(t, &m.month),
                published: m.published_sha256.is_some(),
                failed: m
                    .failed
                    .iter()
                    .map(|l| target_words(t, &l.kind, l.priority.as_deref()))
                    .collect(),
                missed: m
                    .missed
                    .iter()
                    .map(|l| {
                        (
                            l.ticket_id,
                            l.subject.clone(),
                            target_words(t, &l.kind, l.priority.as_deref()),
                            l.reason.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
                availability: m
                    .availability
                    .iter()
                    .map(|f| {
                        (
                            f.environment.clone(),
                            percent_words(f.availability_ppm, t),
                            f.holds,
                        )
                    })
                    .collect(),
            })
            .collect(),
        items: a
            .open_action_items
            .iter()
            .map(|i| item_row(i, cal, t))
            .collect(),
        rfcs: a
            .open_rfcs
            .iter()
            .map(|r| (r.id.0, r.subject.clone(), r.status.label(t.0).to_string()))
            .collect(),
        escalation: a.open_escalation.as_ref().map(|e| {
            format!(
                "{} ({})",
                e.stage,
                words::format_local(cal, e.since.as_second(), t.0)
            )
        }),
    }
}

/// The meeting page handler.
pub async fn meeting_page(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show(&app, viewer, id, FormState::default()).await
}

/// The page of meeting `id`, with a form that came back.
pub async fn show(
    app: &AppState,
    viewer: Viewer,
    id: i64,
    form: FormState,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let m = app
        .meeting(&viewer.caller, MeetingId(id))
        .await
        .map_err(api(t))?;
    let org = app
        .store
        .get_org(&viewer.caller.scope, m.org_id)
        .await
        .map_err(api(t))?;
    let compiled = app
        .customer_calendar(m.org_id, m.starts_at)
        .await
        .map_err(api(t))?;
    let cal = &compiled.calendar;
    let items = app
        .action_items(&viewer.caller, m.org_id, Some(m.id), false)
        .await
        .map_err(api(t))?;
    let agenda = if m.kind == MeetingKind::Tactical && m.status != MeetingStatus::Cancelled {
        let a = app.agenda(&viewer.caller, m.id).await.map_err(api(t))?;
        Some(agenda_view(&a, cal, t))
    } else {
        None
    };
    let now = app.clock.now();
    let vendor = viewer.caller.role().is_vendor();
    let step = m.escalation_step.map(|s| {
        let seq = s.seq.to_string();
        let words = t.fill(
            "meetpage.step",
            &[
                ("step", t.get(&format!("esc.step.{}", s.kind.as_str()))),
                ("seq", seq.as_str()),
            ],
        );
        let href = if vendor {
            format!("/desk/escalations/{}", m.org_id.0)
        } else {
            "/portal/escalation".to_string()
        };
        (words, href)
    });
    let local = m.starts_at.to_zoned_datetime(cal.time_zone().clone());
    let page = MeetingPage {
        t,
        id,
        org: m.org_id.0,
        title: meeting_title(&m, t),
        kind: kind_label(m.kind, t).to_string(),
        status: status_label(m.status, t).to_string(),
        customer: org.name,
        when: words::format_local(cal, m.starts_at.as_second(), t.0),
        until: words::format_local(cal, m.ends_at().as_second(), t.0),
        location: m.location.clone(),
        online_url: m.online_url.clone(),
        planned: m.status == MeetingStatus::Planned,
        cancelled: m.status == MeetingStatus::Cancelled,
        attendees: m
            .attendees
            .iter()
            .map(|a| AttendeeRow {
                id: a.id.0,
                name: a.name.clone(),
                email: a.email.clone().unwrap_or_default(),
                side: side_label(a.side, t).to_string(),
                role: a.role.clone(),
                present: match a.present {
                    Some(true) => t.get("minutes.yes"),
                    Some(false) => t.get("minutes.no"),
                    None => t.get("minutes.unknown"),
                }
                .to_string(),
                was_present: a.present == Some(true),
            })
            .collect(),
        minutes: m.minutes.clone(),
        decisions: m.decisions.clone(),
        items: items.iter().map(|i| item_row(i, cal, t)).collect(),
        agenda,
        step,
        vendor,
        may_minute: vendor && m.status != MeetingStatus::Cancelled && m.starts_at <= now,
        may_complete: vendor || viewer.caller.role() == Role::CustomerAdmin,
        raw_title: m.title.clone(),
        start_date: local.date().to_string(),
        start_time: local.time().strftime("%H:%M").to_string(),
        duration: m.duration_minutes,
        today: local_today(cal, now).to_string(),
        form,
        shell: viewer.shell,
    };
    let status = if page.form.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}
