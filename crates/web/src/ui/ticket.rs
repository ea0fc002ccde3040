//! Pages: one ticket (shared by customers and the service desk) with its SLA clock in words,
//! its history and the forms that act on it; and the SLA state in words other pages reuse.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use sla::words::{self, ClockStartReason};
use sla::{Calendar, Lang, OutcomeKind, Percent, PolicyDuration, Priority, Status, TicketKind};
use store::{
    AgreementId, Attachment, AttachmentId, Event, EventType, MAX_ATTACHMENT_BYTES, PersonId, Role,
    Scope, TargetRow, Ticket, TicketId,
};

use super::i18n::Tr;
use super::{PageError, Shell, Viewer, api, render};
use crate::AppState;
use crate::error::{ApiError, MAX_BODY};
use desk::Compiled;
use desk::DeskError;
use desk::tickets::{Action, Upload};
use desk::time::rfc3339;

// ----- shared helpers -----------------------------------------------------------------------

/// Name/value pairs of a form body or a query string, read without ever rejecting the request
/// (a missing field is empty), so the CSRF check always comes first and errors are pages.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses `application/x-www-form-urlencoded` bytes.
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Parses an optional query string.
    pub fn query(q: Option<&str>) -> Fields {
        Fields::parse(q.unwrap_or_default().as_bytes())
    }

    /// The first value of a field, or `""`.
    pub fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether any value holds U+0000 (no database stores it).
    pub fn has_nul(&self) -> bool {
        self.0
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    }
}

/// A catalog text with `{name}` placeholders filled in.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

fn secs(at: Timestamp) -> i64 {
    at.as_second()
}

/// The compiled agreements of the tickets on one page, each looked up once.
#[derive(Default)]
pub struct Agreements(HashMap<AgreementId, Arc<Compiled>>);

impl Agreements {
    /// The compiled agreement (policy and calendar) a ticket is measured under.
    pub async fn of(&mut self, app: &AppState, id: AgreementId) -> Result<Arc<Compiled>, ApiError> {
        if let Some(c) = self.0.get(&id) {
            return Ok(c.clone());
        }
        let a = app.store.get_agreement(&Scope::System, id).await?;
        let c = app.policies.get(&a)?;
        self.0.insert(id, c.clone());
        Ok(c)
    }
}

// ----- the SLA state in words ---------------------------------------------------------------

/// Where a ticket's SLA stands, in words, with a style class that only repeats the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaState {
    /// E.g. `klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m`.
    pub words: String,
    /// `state-missed`, `state-risk`, `state-met` or empty.
    pub class: &'static str,
}

fn percent(bp: i64) -> String {
    u32::try_from(bp)
        .ok()
        .and_then(Percent::from_basis_points)
        .map_or_else(|| format!("{bp}bp"), |p| p.to_string())
}

/// Whether a target's deadline has passed as of `now` (a stored `running` whose deadline lies
/// behind us is missed: the refresher may not have caught up yet).
fn passed(r: &TargetRow, now_s: i64) -> bool {
    r.outcome == OutcomeKind::Missed
        || (r.outcome == OutcomeKind::Running && r.deadline.is_some_and(|d| secs(d) <= now_s))
}

/// A deadline near the clock start: only weekday and time on the clock start's day.
fn deadline_words(
    calendar: &Calendar,
    deadline_s: i64,
    start_s: i64,
    now_s: i64,
    lang: Lang,
) -> String {
    if words::same_local_day(calendar, deadline_s, start_s) {
        words::format_local_weekday_time(calendar, deadline_s, lang)
    } else {
        words::format_local_short(calendar, deadline_s, now_s, lang)
    }
}

/// Business seconds left before a running target's deadline, exactly as of `now`.
fn business_left(r: &TargetRow, calendar: &Calendar, now_s: i64) -> i64 {
    match r.deadline {
        Some(d) => calendar
            .elapsed_seconds(now_s, secs(d))
            .unwrap_or(r.budget - r.business_used),
        // Paused: nothing has run since the last event.
        None => r.budget - r.business_used,
    }
}

/// The SLA state of a ticket in plain words, as of `now`: when its clock started, each passed
/// deadline, and the first running bound's deadline with the business time left, e.g.
/// `klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m`; once every target
/// is met, `opgelost binnen de termijn`.
pub fn sla_words(t: Tr, ticket: &Ticket, calendar: &Calendar, now: Timestamp) -> String {
    sla_state(t, ticket, calendar, now).words
}

/// [`sla_words`] with a style class (missed, at risk: under a quarter of the time left, met).
pub fn sla_state(t: Tr, ticket: &Ticket, calendar: &Calendar, now: Timestamp) -> SlaState {
    let lang = t.0;
    let now_s = now.as_second();
    let start_s = secs(ticket.clocks.clock_start);
    let targets = &ticket.clocks.targets;
    if targets.is_empty() {
        return SlaState {
            words: t.get("sla.no_targets").to_string(),
            class: "",
        };
    }
    if targets.iter().all(|r| r.outcome == OutcomeKind::Met) {
        let key = if ticket.kind == TicketKind::Incident {
            "sla.met_resolution"
        } else {
            "sla.met_response"
        };
        return SlaState {
            words: t.get(key).to_string(),
            class: "state-met",
        };
    }
    let at = words::format_local_short(calendar, start_s, now_s, lang);
    let clock = if start_s <= now_s {
        fill(t.get("sla.clock_started"), &[("at", &at)])
    } else {
        fill(t.get("sla.clock_starts"), &[("at", &at)])
    };
    let mut parts = vec![clock];
    if ticket.clocks.paused {
        parts.push(t.get("sla.paused").to_string());
    }
    let mut class = "";
    let mut running_shown = false;
    for r in targets {
        let p = percent(r.percent_bp);
        if passed(r, now_s) {
            let at = r
                .deadline
                .map(|d| deadline_words(calendar, secs(d), start_s, now_s, lang))
                .unwrap_or_default();
            parts.push(fill(t.get("sla.target_passed"), &[("p", &p), ("at", &at)]));
            class = "state-missed";
        } else if r.outcome == OutcomeKind::Met {
            parts.push(fill(t.get("sla.target_met"), &[("p", &p)]));
        } else if !running_shown {
            running_shown = true;
            let left = business_left(r, calendar, now_s);
            match r.deadline {
                Some(d) => {
                    let at = deadline_words(calendar, secs(d), start_s, now_s, lang);
                    parts.push(fill(t.get("sla.target"), &[("p", &p), ("at", &at)]));
                }
                None => parts.push(fill(t.get("sla.target_paused"), &[("p", &p)])),
            }
            let left_words = words::hours_minutes(left, lang);
            parts.push(fill(t.get("sla.left"), &[("d", &left_words)]));
            if class.is_empty() && left.saturating_mul(4) < r.budget {
                class = "state-risk";
            }
        }
    }
    SlaState {
        words: parts.join(" · "),
        class,
    }
}

/// The SLA states of a page of tickets, as of now (each agreement looked up once).
pub async fn sla_states(
    app: &AppState,
    t: Tr,
    tickets: &[Ticket],
) -> Result<Vec<SlaState>, ApiError> {
    let now = app.clock.now();
    let mut agreements = Agreements::default();
    let mut out = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        let c = agreements.of(app, ticket.agreement_id).await?;
        out.push(sla_state(t, ticket, &c.calendar, now));
    }
    Ok(out)
}

// ----- labels ----------------------------------------------------------------------------

/// The word for a stored kind, priority or status in the viewer's language.
pub fn kind_label(t: Tr, kind: &str) -> String {
    kind.parse::<TicketKind>()
        .map_or_else(|_| kind.to_string(), |k| k.label(t.0).to_string())
}

/// The word for a stored priority.
pub fn priority_label(t: Tr, priority: &str) -> String {
    priority
        .parse::<Priority>()
        .map_or_else(|_| priority.to_string(), |p| p.label(t.0).to_string())
}

/// The word for a stored status.
pub fn status_label(t: Tr, status: &str) -> String {
    status
        .parse::<Status>()
        .map_or_else(|_| status.to_string(), |s| s.label(t.0).to_string())
}

fn channel_label(t: Tr, channel: &str) -> String {
    channel
        .parse::<sla::Channel>()
        .map_or_else(|_| channel.to_string(), |c| c.label(t.0).to_string())
}

/// `90% binnen 4 uur` for a stored bound.
fn bound_label(t: Tr, r: &TargetRow) -> String {
    let within = r
        .within
        .parse::<PolicyDuration>()
        .map_or_else(|_| r.within.clone(), |d| d.describe(t.0));
    fill(
        t.get("ticket.bound"),
        &[("p", &percent(r.percent_bp)), ("d", &within)],
    )
}

// ----- the page ----------------------------------------------------------------------------

/// One row of the targets table.
struct TargetView {
    label: String,
    deadline: String,
    deadline_iso: String,
    outcome: String,
    class: &'static str,
}

/// One event of the history.
struct EventView {
    who: String,
    when: String,
    when_iso: String,
    what: String,
    why: Option<String>,
    body: Option<String>,
    internal: bool,
    files: Vec<AttachmentView>,
}

/// One attached file, as listed.
#[derive(Clone)]
struct AttachmentView {
    url: String,
    name: String,
    size: String,
    who: String,
    when: String,
    when_iso: String,
}

/// An option of a select or radio group.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// What a failed form keeps: which form, the message at which field, the values typed.
#[derive(Default)]
struct FormState {
    comment_error: Option<String>,
    comment_body: String,
    comment_internal: bool,
    comment_file_error: Option<String>,
    priority_error: Option<String>,
    reason_error: Option<String>,
    priority_reason: String,
    assign_error: Option<String>,
    status_error: Option<String>,
    status_reason: String,
    decide_error: Option<String>,
    decide_reason: String,
}

#[derive(askama::Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    t: Tr,
    shell: Shell,
    id: i64,
    subject: String,
    notice: Option<&'static str>,
    facts: Vec<(&'static str, String)>,
    sla: SlaState,
    received: String,
    received_iso: String,
    clock_start: String,
    clock_start_iso: String,
    clock_started: bool,
    start_why: String,
    skipped: Vec<String>,
    running: String,
    targets: Vec<TargetView>,
    events: Vec<EventView>,
    attachments: Vec<AttachmentView>,
    may_comment: bool,
    vendor: bool,
    may_decide: bool,
    incident: bool,
    priorities: Vec<Choice>,
    agents: Vec<Choice>,
    statuses: Vec<Choice>,
    form: FormState,
    alert: Option<(&'static str, String)>,
}

impl FormState {
    /// The first error, with the id of the field it belongs to, for the summary at the top.
    fn first_error(&self) -> Option<(&'static str, String)> {
        [
            ("body", &self.comment_error),
            ("file", &self.comment_file_error),
            ("priority", &self.priority_error),
            ("priority-reason", &self.reason_error),
            ("assignee", &self.assign_error),
            ("status", &self.status_error),
            ("decide-reason", &self.decide_error),
        ]
        .into_iter()
        .find_map(|(id, e)| e.clone().map(|e| (id, e)))
    }
}

fn parse_id(raw: &str, t: Tr) -> Result<TicketId, PageError> {
    let canonical =
        !raw.is_empty() && !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit());
    canonical
        .then(|| raw.parse::<i64>().ok())
        .flatten()
        .map(TicketId)
        .ok_or(PageError::NotFound(t))
}

/// Names of the people on a page, as the viewer may see them (customers do not see the
/// service desk's staff by name: they see "the service desk").
struct Names<'a> {
    app: &'a AppState,
    scope: Scope,
    t: Tr,
    known: HashMap<PersonId, String>,
}

impl Names<'_> {
    async fn of(&mut self, id: Option<PersonId>) -> String {
        let Some(id) = id else {
            return self.t.get("ticket.who_system").to_string();
        };
        if let Some(n) = self.known.get(&id) {
            return n.clone();
        }
        let name = match self.app.store.get_person(&self.scope, id).await {
            Ok(p) => p.name,
            Err(_) => self.t.get("ticket.who_desk").to_string(),
        };
        self.known.insert(id, name.clone());
        name
    }
}

/// Which status changes the service desk may make from `from` (the rules of `desk::act`).
fn desk_statuses(from: Status) -> Vec<Status> {
    [
        Status::Open,
        Status::WaitingOnCustomer,
        Status::Resolved,
        Status::Closed,
        Status::Reopened,
    ]
    .into_iter()
    .filter(|to| {
        *to != from
            && match to {
                Status::Open | Status::WaitingOnCustomer | Status::Closed => from != Status::Closed,
                Status::Reopened => matches!(from, Status::Resolved | Status::Closed),
                Status::Resolved => !matches!(from, Status::Resolved | Status::Closed),
                Status::New => false,
            }
    })
    .collect()
}

async fn event_view(
    e: &Event,
    t: Tr,
    names: &mut Names<'_>,
    calendar: &Calendar,
    now_s: i64,
) -> EventView {
    let d = &e.data;
    let text = |k: &str| {
        d.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let reason = text("reason");
    let why = (!reason.trim().is_empty()).then_some(reason);
    let mut body = None;
    let internal = d.get("internal").and_then(|v| v.as_bool()) == Some(true);
    let what = match e.kind {
        EventType::Created => {
            let description = text("description");
            body = (!description.trim().is_empty()).then_some(description);
            let mut w = fill(
                t.get("ticket.ev.created"),
                &[
                    ("kind", &kind_label(t, &text("kind"))),
                    ("channel", &channel_label(t, &text("channel"))),
                ],
            );
            let p = text("priority");
            if !p.is_empty() {
                w.push_str(", ");
                w.push_str(&fill(
                    t.get("ticket.ev.created_priority"),
                    &[("p", &priority_label(t, &p))],
                ));
            }
            w
        }
        EventType::Commented => {
            body = Some(text("body"));
            let key = if internal {
                "ticket.ev.internal"
            } else if d.get("response").and_then(|v| v.as_bool()) == Some(true) {
                "ticket.ev.response"
            } else {
                "ticket.ev.comment"
            };
            t.get(key).to_string()
        }
        EventType::PriorityChanged => fill(
            t.get("ticket.ev.priority"),
            &[
                ("from", &priority_label(t, &text("from"))),
                ("to", &priority_label(t, &text("to"))),
            ],
        ),
        EventType::Assigned => match d.get("to").and_then(|v| v.as_i64()) {
            Some(p) => {
                let name = names.of(Some(PersonId(p))).await;
                fill(t.get("ticket.ev.assigned"), &[("name", &name)])
            }
            None => t.get("ticket.ev.unassigned").to_string(),
        },
        EventType::StatusChanged | EventType::Resolved | EventType::Reopened => fill(
            t.get("ticket.ev.status"),
            &[
                ("from", &status_label(t, &text("from"))),
                ("to", &status_label(t, &text("to"))),
            ],
        ),
    };
    EventView {
        who: names.of(e.actor_id).await,
        when: words::format_local_short(calendar, secs(e.at), now_s, t.0),
        when_iso: rfc3339(e.at),
        what,
        why,
        body,
        internal,
        files: Vec::new(),
    }
}

/// Why the clock started when it did, in words.
fn start_why(t: Tr, calendar: &Calendar, received_s: i64, start_s: i64) -> String {
    if received_s >= start_s {
        return fill(
            t.get("ticket.why_open"),
            &[("reason", &ClockStartReason::Open.describe(t.0))],
        );
    }
    match words::clock_start_reason(calendar, received_s) {
        Ok(reason) => fill(
            t.get("ticket.why_later"),
            &[("reason", &reason.describe(t.0))],
        ),
        Err(_) => String::new(),
    }
}

async fn ticket_page(
    app: &AppState,
    viewer: &Viewer,
    id: TicketId,
    notice: Option<&'static str>,
    form: FormState,
) -> Result<TicketPage, PageError> {
    let t = viewer.t;
    let lang = t.0;
    let scope = viewer.caller.scope;
    let to_page = api(t);
    let ticket = app
        .store
        .get_ticket(&scope, id)
        .await
        .map_err(|e| to_page(e.into()))?;
    let events = app
        .store
        .ticket_events(&scope, id)
        .await
        .map_err(|e| to_page(e.into()))?;
    let compiled = Agreements::default()
        .of(app, ticket.agreement_id)
        .await
        .map_err(&to_page)?;
    let calendar = &compiled.calendar;
    let now = app.clock.now();
    let now_s = now.as_second();
    let vendor = viewer.caller.role().is_vendor();
    let mut names = Names {
        app,
        scope,
        t,
        known: HashMap::new(),
    };

    let status = ticket.status;
    let mut facts = vec![
        ("ticket.kind", ticket.kind.label(lang).to_string()),
        (
            "ticket.priority",
            ticket.priority.map_or_else(
                || t.get("ticket.no_priority").to_string(),
                |p| p.label(lang).to_string(),
            ),
        ),
        ("ticket.status", status.label(lang).to_string()),
        ("ticket.reporter", names.of(Some(ticket.reporter_id)).await),
        ("ticket.channel", ticket.channel.label(lang).to_string()),
    ];
    if vendor {
        let org = app
            .store
            .get_org(&scope, ticket.org_id)
            .await
            .map_or_else(|_| ticket.org_id.to_string(), |o| o.name);
        facts.insert(0, ("ticket.customer", org));
        let assignee = match ticket.assignee_id {
            Some(a) => names.of(Some(a)).await,
            None => t.get("ticket.nobody").to_string(),
        };
        facts.push(("ticket.assignee", assignee));
    }

    let received_s = secs(ticket.received_at);
    let start_s = secs(ticket.clocks.clock_start);
    let skipped = words::closures_between(calendar, received_s, start_s, 10)
        .unwrap_or_default()
        .into_iter()
        .map(|(day, reason)| format!("{} ({})", words::format_day(day, lang), reason.detail(lang)))
        .collect();
    let running = if ticket.clocks.paused {
        t.get("ticket.clock_paused")
    } else if ticket
        .clocks
        .targets
        .iter()
        .any(|r| r.outcome == OutcomeKind::Running)
    {
        t.get("ticket.clock_running")
    } else {
        t.get("ticket.clock_stopped")
    }
    .to_string();
    let targets = ticket
        .clocks
        .targets
        .iter()
        .map(|r| {
            let (deadline, deadline_iso) = match r.deadline {
                Some(d) => (
                    words::format_local_short(calendar, secs(d), now_s, lang),
                    rfc3339(d),
                ),
                None => (t.get("ticket.deadline_paused").to_string(), String::new()),
            };
            let decided = r
                .decided_at
                .map(|d| words::format_local_short(calendar, secs(d), now_s, lang))
                .unwrap_or_default();
            let (outcome, class) = if passed(r, now_s) {
                (t.get("ticket.outcome_missed").to_string(), "state-missed")
            } else if r.outcome == OutcomeKind::Met {
                (
                    fill(t.get("ticket.outcome_met"), &[("at", &decided)]),
                    "state-met",
                )
            } else {
                let left = words::hours_minutes(business_left(r, calendar, now_s), lang);
                (fill(t.get("ticket.outcome_running"), &[("d", &left)]), "")
            };
            TargetView {
                label: bound_label(t, r),
                deadline,
                deadline_iso,
                outcome,
                class,
            }
        })
        .collect();

    let stored = app
        .store
        .attachments(&scope, id)
        .await
        .map_err(|e| to_page(e.into()))?;
    let mut attachments = Vec::with_capacity(stored.len());
    for a in &stored {
        attachments.push(AttachmentView {
            url: format!("/tickets/{}/attachments/{}", id.0, a.id.0),
            name: a.file_name.clone(),
            size: size_words(a.size, lang),
            who: names.of(Some(a.uploaded_by)).await,
            when: words::format_local_short(calendar, secs(a.created_at), now_s, lang),
            when_iso: rfc3339(a.created_at),
        });
    }
    let mut history = Vec::with_capacity(events.len());
    for e in &events {
        let mut view = event_view(e, t, &mut names, calendar, now_s).await;
        view.files = stored
            .iter()
            .zip(&attachments)
            .filter(|(a, _)| a.event_id == Some(e.id))
            .map(|(_, v)| v.clone())
            .collect();
        history.push(view);
    }

    let priorities = if vendor && ticket.kind == TicketKind::Incident {
        Priority::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().to_string(),
                label: p.label(lang).to_string(),
                selected: ticket.priority == Some(*p),
            })
            .collect()
    } else {
        Vec::new()
    };
    let agents = if vendor {
        let people = app
            .store
            .list_people(&scope, None)
            .await
            .map_err(|e| to_page(e.into()))?;
        people
            .into_iter()
            .filter(|p| p.role.is_vendor() && (p.active || Some(p.id) == ticket.assignee_id))
            .map(|p| Choice {
                value: p.id.to_string(),
                selected: Some(p.id) == ticket.assignee_id,
                label: p.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let statuses = if vendor {
        desk_statuses(status)
            .into_iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: s.label(lang).to_string(),
                selected: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    let role = viewer.caller.role();
    let may_decide = role == Role::CustomerAdmin && status == Status::Resolved;
    // An error of a form that is no longer shown (the status moved on) links to the top.
    let alert = form.first_error().map(|(id, e)| match id {
        "decide-reason" if !may_decide => ("main", e),
        "status" if !vendor => ("main", e),
        _ => (id, e),
    });
    Ok(TicketPage {
        t,
        shell: viewer.shell.clone(),
        id: ticket.id.0,
        sla: sla_state(t, &ticket, calendar, now),
        subject: ticket.subject,
        notice,
        facts,
        received: words::format_local_short(calendar, received_s, now_s, lang),
        received_iso: rfc3339(ticket.received_at),
        clock_start: words::format_local_short(calendar, start_s, now_s, lang),
        clock_start_iso: rfc3339(ticket.clocks.clock_start),
        clock_started: start_s <= now_s,
        start_why: start_why(t, calendar, received_s, start_s),
        skipped,
        running,
        targets,
        events: history,
        attachments,
        // The desk may still note things on a closed ticket; a customer reopens instead.
        may_comment: role != Role::CustomerViewer && (vendor || status != Status::Closed),
        vendor,
        may_decide,
        incident: ticket.kind == TicketKind::Incident,
        priorities,
        agents,
        statuses,
        form,
        alert,
    })
}

fn notice_of(q: &Fields) -> Option<&'static str> {
    Some(match q.text("notice") {
        "filed" => "ticket.notice.filed",
        "comment" => "ticket.notice.comment",
        "priority" => "ticket.notice.priority",
        "assign" => "ticket.notice.assign",
        "status" => "ticket.notice.status",
        _ => return None,
    })
}

async fn show(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let id = parse_id(&raw, viewer.t)?;
    let q = Fields::query(q.as_deref());
    let page = ticket_page(&app, &viewer, id, notice_of(&q), FormState::default()).await?;
    Ok(render(&page))
}

/// What a ticket form asks: the action, or the form again with a message at a field.
enum Asked {
    Do(Action, &'static str),
    Again(Box<FormState>),
}

impl Asked {
    fn again(form: FormState) -> Asked {
        Asked::Again(Box::new(form))
    }
}

async fn submit(
    app: AppState,
    viewer: Viewer,
    raw: String,
    body: Bytes,
    read: fn(&Fields, Tr) -> Asked,
) -> Result<Response, PageError> {
    submit_fields(app, viewer, raw, Fields::parse(&body), read, None).await
}

async fn submit_fields(
    app: AppState,
    viewer: Viewer,
    raw: String,
    fields: Fields,
    read: fn(&Fields, Tr) -> Asked,
    file: Option<Upload>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    // The token first: a forged form learns nothing, not even whether the ticket exists.
    viewer.check_csrf(fields.text("csrf"))?;
    let id = parse_id(&raw, t)?;
    if fields.has_nul() {
        return Err(PageError::Api(
            t,
            ApiError::BadRequest {
                detail: crate::error::NUL_DETAIL.into(),
                field: None,
            },
        ));
    }
    let (action, notice) = match read(&fields, t) {
        Asked::Do(a, n) => (a, n),
        Asked::Again(form) => return again(&app, &viewer, id, *form).await,
    };
    let kept = kept_values(&action);
    match app.act_with_file(&viewer.caller, id, action, file).await {
        Ok(_) => Ok(Redirect::to(&format!("/tickets/{}?notice={notice}", id.0)).into_response()),
        Err(DeskError::Invalid {
            field,
            rule: message,
        }) => {
            let mut form = kept;
            let slot = match field.as_str() {
                "body" => &mut form.comment_error,
                "file" => &mut form.comment_file_error,
                "reason" => &mut form.reason_error,
                "priority" => &mut form.priority_error,
                "assignee_id" => &mut form.assign_error,
                _ if notice == "status" && viewer.caller.role() == Role::CustomerAdmin => {
                    &mut form.decide_error
                }
                _ => &mut form.status_error,
            };
            *slot = Some(message);
            again(&app, &viewer, id, form).await
        }
        Err(e) => Err(api(t)(e)),
    }
}

/// The ticket page again, with a form's error and values (422).
async fn again(
    app: &AppState,
    viewer: &Viewer,
    id: TicketId,
    form: FormState,
) -> Result<Response, PageError> {
    let page = ticket_page(app, viewer, id, None, form).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// The values a form had, to show again with an error.
fn kept_values(action: &Action) -> FormState {
    let mut form = FormState::default();
    match action {
        Action::Comment { body, internal } => {
            form.comment_body = body.clone();
            form.comment_internal = *internal;
        }
        Action::Priority { reason, .. } => form.priority_reason = reason.clone(),
        Action::Status { reason, .. } => {
            form.status_reason = reason.clone().unwrap_or_default();
            form.decide_reason = form.status_reason.clone();
        }
        Action::Assign { .. } => {}
    }
    form
}

fn read_comment(f: &Fields, t: Tr) -> Asked {
    let body = f.text("body").to_string();
    let internal = f.text("visibility") == "internal";
    if body.trim().is_empty() {
        return Asked::again(FormState {
            comment_error: Some(t.get("ticket.error.body").to_string()),
            comment_body: body,
            comment_internal: internal,
            ..FormState::default()
        });
    }
    Asked::Do(Action::Comment { body, internal }, "comment")
}

fn read_priority(f: &Fields, t: Tr) -> Asked {
    let reason = f.text("reason").to_string();
    let to = f.text("priority").parse::<Priority>();
    let mut form = FormState {
        priority_reason: reason.clone(),
        ..FormState::default()
    };
    if to.is_err() {
        form.priority_error = Some(t.get("ticket.error.priority").to_string());
    }
    if reason.trim().is_empty() {
        form.reason_error = Some(t.get("ticket.error.reason").to_string());
    }
    match to {
        Ok(to) if form.reason_error.is_none() => {
            Asked::Do(Action::Priority { to, reason }, "priority")
        }
        _ => Asked::again(form),
    }
}

fn read_assign(f: &Fields, t: Tr) -> Asked {
    let raw = f.text("assignee");
    if raw.is_empty() {
        return Asked::Do(Action::Assign { to: None }, "assign");
    }
    match raw.parse::<i64>() {
        Ok(p) => Asked::Do(
            Action::Assign {
                to: Some(PersonId(p)),
            },
            "assign",
        ),
        Err(_) => Asked::again(FormState {
            assign_error: Some(t.get("ticket.error.assignee").to_string()),
            ..FormState::default()
        }),
    }
}

fn read_status(f: &Fields, t: Tr) -> Asked {
    let reason = f.text("reason").trim().to_string();
    match f.text("status").parse::<Status>() {
        Ok(to) => Asked::Do(
            Action::Status {
                to,
                reason: (!reason.is_empty()).then_some(reason),
            },
            "status",
        ),
        Err(_) => Asked::again(FormState {
            status_error: Some(t.get("ticket.error.status").to_string()),
            status_reason: reason.clone(),
            decide_error: Some(t.get("ticket.error.status").to_string()),
            decide_reason: reason,
            ..FormState::default()
        }),
    }
}

/// Largest body of the comment form: one file of at most [`MAX_ATTACHMENT_BYTES`] and the
/// text beside it (a comment of 100,000 characters fits several times).
pub const COMMENT_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// A file name fit to store and to show: the last part of any path, without control or
/// bidirectional-override characters, trimmed, at most 200 characters.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let clean: String = clean.trim().chars().take(200).collect();
    let clean = clean.trim().to_string();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        "file".to_string()
    } else {
        clean
    }
}

/// The declared media type of an uploaded part, reduced to `type/subtype` in lower case, or
/// `application/octet-stream` when it is missing or malformed.
fn media_type(declared: Option<&str>) -> String {
    let essence = declared
        .and_then(|d| d.split(';').next())
        .map(|d| d.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((a, b)) if token(a) && token(b) => essence,
        _ => "application/octet-stream".to_string(),
    }
}

/// The type a download is served with: a few harmless types as declared, else bytes.
fn served_type(declared: &str) -> &'static str {
    match declared {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "application/pdf" => "application/pdf",
        "text/plain" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition` for a download (RFC 6266): an ASCII fallback name and the exact
/// name in UTF-8 (RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' && c != '%' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A file size in words: bytes, KB or MB (1024-based), with the language's decimal mark.
fn size_words(bytes: i64, lang: Lang) -> String {
    let (value, unit) = if bytes < 1024 {
        return format!("{bytes} B");
    } else if bytes < 1024 * 1024 {
        (bytes as f64 / 1024.0, "KB")
    } else {
        (bytes as f64 / (1024.0 * 1024.0), "MB")
    };
    let text = format!("{value:.1}");
    let text = if lang == Lang::Nl {
        text.replace('.', ",")
    } else {
        text
    };
    format!("{text} {unit}")
}

/// What a multipart comment form held.
enum Posted {
    /// The text fields and the file, if one was chosen.
    Form(Fields, Option<Upload>),
    /// The file was too large; the text fields beside it.
    TooLarge(Fields),
    /// The whole body was too large to read at all (its announced length is over the limit).
    Unreadable,
}

/// Reads a multipart comment form: text fields, and one file of at most
/// [`MAX_ATTACHMENT_BYTES`] (an empty file part without a name is no file).
async fn read_multipart(mut form: Multipart, t: Tr) -> Result<Posted, PageError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail: format!("cannot read the form: {e}"),
                field: None,
            },
        )
    };
    let mut fields = Vec::new();
    let mut file = None;
    let mut parts = 0usize;
    // Past the file's limit the rest is read and dropped (within the route's body limit),
    // so the browser, still sending, gets the answer.
    let mut too_large = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(e) => return Err(bad(e)),
        };
        parts += 1;
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let content_type = media_type(field.content_type());
            let mut field = field;
            let mut data = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if too_large || data.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                            too_large = true;
                            data = Vec::new();
                        } else {
                            data.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        too_large = true;
                        break;
                    }
                    Err(e) => return Err(bad(e)),
                }
            }
            if !too_large && file.is_none() && !(file_name.is_empty() && data.is_empty()) {
                file = Some(Upload {
                    file_name: sanitize_file_name(&file_name),
                    content_type,
                    data,
                });
            }
        } else {
            match field.text().await {
                Ok(v) => fields.push((name, v)),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    too_large = true;
                    break;
                }
                Err(e) => return Err(bad(e)),
            }
        }
    }
    Ok(match (too_large, parts) {
        (false, _) => Posted::Form(Fields(fields), file),
        (true, 0) => Posted::Unreadable,
        (true, _) => Posted::TooLarge(Fields(fields)),
    })
}

/// The comment form, url-encoded (text only) or multipart (with an optional file).
async fn comment(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let multipart = super::is_multipart(req.headers());
    if !multipart {
        // Text alone: the ordinary limit of a form, not the file's.
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| PageError::Api(t, ApiError::TooLarge(MAX_BODY)))?;
        return submit(app, viewer, raw, body, read_comment).await;
    }
    let form = Multipart::from_request(req, &app).await.map_err(|e| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail: format!("cannot read the form: {e}"),
                field: None,
            },
        )
    })?;
    match read_multipart(form, t).await? {
        Posted::Form(fields, file) => {
            submit_fields(app, viewer, raw, fields, read_comment, file).await
        }
        Posted::TooLarge(fields) => {
            // The token first, as for every form.
            viewer.check_csrf(fields.text("csrf"))?;
            let form = FormState {
                comment_body: fields.text("body").replace('\0', ""),
                comment_internal: fields.text("visibility") == "internal",
                ..FormState::default()
            };
            too_large(&app, &viewer, &raw, form).await
        }
        // Refused before a byte was read, so there is no token to check: the page is shown
        // as a GET would show it (nothing was changed, and another site cannot read it),
        // without the text, which was never read.
        Posted::Unreadable => too_large(&app, &viewer, &raw, FormState::default()).await,
    }
}

/// The ticket page again with the message that the file is too large (413).
async fn too_large(
    app: &AppState,
    viewer: &Viewer,
    raw: &str,
    mut form: FormState,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let id = parse_id(raw, t)?;
    form.comment_file_error = Some(t.get("ticket.error.file_too_large").to_string());
    let page = ticket_page(app, viewer, id, None, form).await?;
    Ok((StatusCode::PAYLOAD_TOO_LARGE, render(&page)).into_response())
}

/// One attachment's bytes, for those who may see its ticket (and, for customers, its event).
async fn download(
    State(app): State<AppState>,
    viewer: Viewer,
    Path((raw, raw_file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let id = parse_id(&raw, t)?;
    let file = AttachmentId(parse_id(&raw_file, t)?.0);
    let (a, data): (Attachment, Vec<u8>) = app
        .store
        .attachment_data(&viewer.caller.scope, id, file)
        .await
        .map_err(|e| api(t)(e))?;
    let mut res = Response::new(axum::body::Body::from(data));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(served_type(&a.content_type)),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    } else {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(res)
}

async fn priority(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_priority).await
}

async fn assign(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_assign).await
}

async fn status(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    submit(app, viewer, raw, body, read_status).await
}

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets/{id}", get(show))
        .route(
            "/tickets/{id}/comment",
            post(comment).layer(DefaultBodyLimit::max(COMMENT_BODY_LIMIT)),
        )
        .route("/tickets/{id}/attachments/{file}", get(download))
        .route("/tickets/{id}/priority", post(priority))
        .route("/tickets/{id}/assign", post(assign))
        .route("/tickets/{id}/status", post(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk::Policies;
    use desk::tickets::derive;
    use serde_json::json;
    use store::{Derived, OrgId};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A ticket filed at `filed` with the clocks stored then (as `file_ticket` stores them).
    fn filed(kind: &str, priority: Option<&str>, filed: &str, compiled: &Compiled) -> Ticket {
        let received = at(filed);
        let history = [Event {
            id: 1,
            ticket_id: TicketId(1),
            at: received,
            actor_id: None,
            kind: EventType::Created,
            data: json!({ "kind": kind, "priority": priority }),
            recorded_at: received,
        }];
        let clocks: Derived = derive(&history, Status::New, compiled, at(filed)).unwrap();
        Ticket {
            id: TicketId(1),
            org_id: OrgId(1),
            agreement_id: AgreementId(1),
            kind: kind.parse().unwrap(),
            priority: priority.map(|p| p.parse().unwrap()),
            status: Status::New,
            channel: sla::Channel::Web,
            subject: "MEXTRA start niet".into(),
            reporter_id: PersonId(1),
            assignee_id: None,
            received_at: received,
            created_at: received,
            updated_at: received,
            clocks,
            event_count: 1,
        }
    }

    #[test]
    fn friday_evening_urgent_ticket_in_words() {
        let compiled = Policies::default().standard().unwrap();
        let cal = &compiled.calendar;
        let nl = Tr(Lang::Nl);
        let en = Tr(Lang::En);
        let ticket = filed(
            "incident",
            Some("urgent"),
            "2026-11-27T18:15:00+01:00",
            &compiled,
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-28T11:00:00+01:00")),
            "klok start ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 4 u 0 m"
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-30T09:00:00+01:00")),
            "klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 4 u 0 m"
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-30T10:50:00+01:00")),
            "klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m"
        );
        assert_eq!(
            sla_words(en, &ticket, cal, at("2026-11-30T10:50:00+01:00")),
            "clock started Mon 30 Nov 09:00 · 90% target Mon 13:00 · 2 h 10 m left"
        );
        // Past 13:00 the stored clocks still say running; the words know better.
        let late = sla_state(nl, &ticket, cal, at("2026-11-30T14:00:00+01:00"));
        assert_eq!(
            late.words,
            "klok gestart ma 30 nov 09:00 · 90%-termijn verstreken ma 13:00 · 100%-termijn ma 15:00 · nog 1 u 0 m"
        );
        assert_eq!(late.class, "state-missed");
        let risky = sla_state(nl, &ticket, cal, at("2026-11-30T12:30:00+01:00"));
        assert_eq!(risky.class, "state-risk");
    }

    #[test]
    fn met_and_other_kinds_in_words() {
        let compiled = Policies::default().standard().unwrap();
        let cal = &compiled.calendar;
        let nl = Tr(Lang::Nl);
        let mut ticket = filed("question", None, "2026-11-23T10:00:00+01:00", &compiled);
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-23T10:00:00+01:00")),
            "klok gestart ma 23 nov 10:00 · 90%-termijn do 26 nov 10:00 · nog 25 u 30 m"
        );
        for r in &mut ticket.clocks.targets {
            r.outcome = OutcomeKind::Met;
        }
        let met = sla_state(nl, &ticket, cal, at("2026-11-24T10:00:00+01:00"));
        assert_eq!(met.words, "beantwoord binnen de termijn");
        assert_eq!(met.class, "state-met");
        assert_eq!(
            sla_words(Tr(Lang::En), &ticket, cal, at("2027-01-04T10:00:00+01:00")),
            "answered within the target"
        );
    }

    #[test]
    fn desk_status_choices_follow_the_rules() {
        assert_eq!(desk_statuses(Status::Closed), vec![Status::Reopened]);
        assert_eq!(
            desk_statuses(Status::Resolved),
            vec![
                Status::Open,
                Status::WaitingOnCustomer,
                Status::Closed,
                Status::Reopened
            ]
        );
        assert!(!desk_statuses(Status::Open).contains(&Status::Open));
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            sanitize_file_name("C:\\Users\\piet\\rapport.pdf"),
            "rapport.pdf"
        );
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("a\u{0}b\r\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(sanitize_file_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(sanitize_file_name("  ..  "), "file");
        assert_eq!(sanitize_file_name("dir/"), "file");
        assert_eq!(sanitize_file_name(""), "file");
        let long = format!("{}.txt", "é".repeat(300));
        assert_eq!(sanitize_file_name(&long).chars().count(), 200);
        assert_eq!(
            sanitize_file_name("Overzicht 2026 (concept).xlsx"),
            "Overzicht 2026 (concept).xlsx"
        );
    }

    #[test]
    fn downloads_name_the_file_safely() {
        assert_eq!(
            content_disposition("rapport.pdf"),
            "attachment; filename=\"rapport.pdf\"; filename*=UTF-8''rapport.pdf"
        );
        assert_eq!(
            content_disposition("offerte \"Zoë\" 100%.pdf"),
            "attachment; filename=\"offerte _Zo__ 100_.pdf\"; \
             filename*=UTF-8''offerte%20%22Zo%C3%AB%22%20100%25.pdf"
        );
        assert_eq!(served_type("image/png"), "image/png");
        assert_eq!(served_type("text/html"), "application/octet-stream");
        assert_eq!(served_type("image/svg+xml"), "application/octet-stream");
        assert_eq!(media_type(Some("Text/Plain; charset=utf-8")), "text/plain");
        assert_eq!(media_type(Some("bogus")), "application/octet-stream");
        assert_eq!(media_type(None), "application/octet-stream");
        assert_eq!(size_words(512, Lang::Nl), "512 B");
        assert_eq!(size_words(1536, Lang::Nl), "1,5 KB");
        assert_eq!(size_words(3 * 1024 * 1024, Lang::En), "3.0 MB");
    }

    #[test]
    fn fields_never_reject() {
        let f = Fields::parse(b"csrf=abc&body=a+b%0Ac&body=second&x");
        assert_eq!(f.text("csrf"), "abc");
        assert_eq!(f.text("body"), "a b\nc");
        assert_eq!(f.text("missing"), "");
        assert!(!f.has_nul());
        assert!(Fields::parse(b"body=%00").has_nul());
        assert_eq!(
            fill("{p}-termijn {at}", &[("p", "90%"), ("at", "ma 13:00")]),
            "90%-termijn ma 13:00"
        );
    }
}
