//! The ticket page: its facts, SLA clock in words, targets, history with files, and the
//! forms the viewer may use.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use sla::words::{self, ClockStartReason};
use sla::{Calendar, OutcomeKind, Priority, TicketKind};
use store::{Event, PersonId, Scope, TicketId};

use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;
use crate::pages::layout::{Shell, Viewer, render};
use crate::pages::words::{
    Agreements, SlaState, bound_label, business_left, fill, passed, rfc3339, secs, size_words,
    sla_state,
};
use desk::i18n::Tr;
use render::words::{channel_label, kind_label, priority_label, status_label};

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
pub(crate) struct AttachmentView {
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
pub(crate) struct FormState {
    pub(crate) comment_error: Option<String>,
    pub(crate) comment_body: String,
    pub(crate) comment_internal: bool,
    pub(crate) comment_file_error: Option<String>,
    pub(crate) priority_error: Option<String>,
    pub(crate) reason_error: Option<String>,
    pub(crate) priority_reason: String,
    pub(crate) assign_error: Option<String>,
    pub(crate) status_error: Option<String>,
    pub(crate) status_reason: String,
    pub(crate) decide_error: Option<String>,
    pub(crate) decide_reason: String,
    pub(crate) cc_error: Option<String>,
    pub(crate) cc: Option<String>,
    pub(crate) assess: super::assess::AssessForm,
}

/// The ticket page's template data.
#[derive(askama::Template)]
#[template(path = "ticket.html")]
pub(crate) struct TicketPage {
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
    cc: String,
    may_cc: bool,
    followers: String,
    following: bool,
    assessment: Option<super::assess::AssessmentView>,
    may_assess: bool,
    decisions: Vec<Choice>,
    costs: Vec<Choice>,
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
            ("cc", &self.cc_error),
        ]
        .into_iter()
        .find_map(|(id, e)| e.clone().map(|e| (id, e)))
        .or_else(|| self.assess.error.clone())
    }
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
    let what = match e.kind.as_str() {
        "created" => {
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
        "commented" => {
            // An assessment reads in the viewer's language, whoever it was written for.
            body = Some(match desk::assessment::AssessmentInput::from_event(d) {
                Some(a) => a.words(t),
                None => text("body"),
            });
            let key = if internal {
                "ticket.ev.internal"
            } else if d.get("response").and_then(|v| v.as_bool()) == Some(true) {
                "ticket.ev.response"
            } else {
                "ticket.ev.comment"
            };
            t.get(key).to_string()
        }
        "priority_changed" => fill(
            t.get("ticket.ev.priority"),
            &[
                ("from", &priority_label(t, &text("from"))),
                ("to", &priority_label(t, &text("to"))),
            ],
        ),
        "assigned" => match d.get("to").and_then(|v| v.as_i64()) {
            Some(p) => {
                let name = names.of(Some(PersonId(p))).await;
                fill(t.get("ticket.ev.assigned"), &[("name", &name)])
            }
            None => t.get("ticket.ev.unassigned").to_string(),
        },
        "status_changed" | "resolved" | "reopened" => fill(
            t.get("ticket.ev.status"),
            &[
                ("from", &status_label(t, &text("from"))),
                ("to", &status_label(t, &text("to"))),
            ],
        ),
        other => other.to_string(),
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

/// Builds the ticket page as the viewer may see it, with a form's state.
pub(crate) async fn ticket_page(
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
        ("ticket.kind", ticket.kind.label(t.0).to_string()),
        (
            "ticket.priority",
            ticket.priority.map_or_else(
                || t.get("ticket.no_priority").to_string(),
                |p| p.label(t.0).to_string(),
            ),
        ),
        ("ticket.status", ticket.status.label(t.0).to_string()),
        ("ticket.reporter", names.of(Some(ticket.reporter_id)).await),
        ("ticket.channel", ticket.channel.label(t.0).to_string()),
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
        desk::access::transitions_from(viewer.caller.role(), status)
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
    let assessment = if ticket.kind == TicketKind::Rfc {
        app.assessment(&viewer.caller, id)
            .await
            .ok()
            .map(|a| super::assess::view(&a, t, calendar, now_s))
    } else {
        None
    };
    let may_assess = vendor && ticket.kind == TicketKind::Rfc && status != sla::Status::Closed;
    let chosen = |value: &str, kept: &str, default: bool| {
        if kept.is_empty() {
            default
        } else {
            kept == value
        }
    };
    let decisions = if may_assess {
        ["will_do", "wont_do", "needs_quote"]
            .into_iter()
            .enumerate()
            .map(|(i, d)| Choice {
                value: d.to_string(),
                label: t.get(&format!("assessment.decision.{d}")).to_string(),
                selected: chosen(d, &form.assess.decision, i == 0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let costs = if may_assess {
        ["none", "subsequent_calculation", "quote"]
            .into_iter()
            .enumerate()
            .map(|(i, c)| Choice {
                value: c.to_string(),
                label: t.get(&format!("assessment.cost.{c}")).to_string(),
                selected: chosen(c, &form.assess.cost, i == 0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let role = viewer.caller.role();
    let may_decide = desk::access::may_decide(role, status);
    // An error of a form that is no longer shown (the status moved on) links to the top.
    let alert = form.first_error().map(|(id, e)| match id {
        "decide-reason" if !may_decide => ("main", e),
        "status" if !vendor => ("main", e),
        _ => (id, e),
    });
    let cc_people = app.store.ticket_cc(ticket.id).await.map_err(api(t))?;
    let cc = form.cc.clone().unwrap_or_else(|| {
        cc_people
            .iter()
            .map(|p| p.email.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let followers = if vendor {
        app.store.followers(ticket.id).await.map_err(api(t))?
    } else {
        Vec::new()
    };
    let following = followers.iter().any(|p| p.id == viewer.caller.person.id);
    let followers = followers
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(TicketPage {
        cc,
        may_cc: role != store::Role::CustomerViewer,
        followers,
        following,
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
        may_comment: desk::access::may_comment(role, status),
        vendor,
        may_decide,
        incident: ticket.kind == TicketKind::Incident,
        priorities,
        agents,
        statuses,
        form,
        alert,
        assessment,
        may_assess,
        decisions,
        costs,
    })
}

/// The catalog key of the notice a redirect after a form asks for.
pub(crate) fn notice_of(q: &Fields) -> Option<&'static str> {
    Some(match q.text("notice") {
        "filed" => "ticket.notice.filed",
        "comment" => "ticket.notice.comment",
        "priority" => "ticket.notice.priority",
        "assign" => "ticket.notice.assign",
        "status" => "ticket.notice.status",
        "cc" => "ticket.notice.cc",
        "follow" => "ticket.notice.follow",
        "assessment" => "ticket.notice.assessment",
        _ => return None,
    })
}

/// `GET /tickets/{id}`: the ticket page.
pub(crate) async fn show(
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

/// A ticket id from the URL: digits without leading zeros, else the 404 page.
pub(crate) fn parse_id(raw: &str, t: Tr) -> Result<TicketId, PageError> {
    let canonical =
        !raw.is_empty() && !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit());
    canonical
        .then(|| raw.parse::<i64>().ok())
        .flatten()
        .map(TicketId)
        .ok_or(PageError::NotFound(t))
}
