//! The agent queue (`/desk`): tickets by time to breach, the filter read from and written to
//! the query, and each row's SLA mark.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use sla::{OutcomeKind, Priority, Status, TicketKind};
use store::{OrgId, Person, PersonId, Ticket, TicketFilter, TicketOrder};

use super::shared::{
    DEFAULT_RISK_HOURS, MAX_RISK_HOURS, MAX_SUBJECT_FILTER, Opt, PAGE_SIZE, kind_options, opt,
    priority_options, staff_only, store_err,
};
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::encode;
use crate::pages::layout::{Shell, Viewer, render};
use crate::pages::words::{Agreements, sla_words};
use desk::i18n::Tr;

// ----- the queue's filter -------------------------------------------------------------------

/// Which filter field was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BadFilter {
    Customer,
    Kind,
    Status,
    Priority,
    Outcome,
    Risk,
    Subject,
}

impl BadFilter {
    /// The message at the filter field, in the viewer's language.
    pub(super) fn message(self, t: Tr) -> String {
        let field = match self {
            BadFilter::Customer => t.get("desk.filter.customer"),
            BadFilter::Kind => t.get("desk.filter.kind"),
            BadFilter::Status => t.get("desk.filter.status"),
            BadFilter::Priority => t.get("desk.filter.priority"),
            BadFilter::Outcome => t.get("desk.filter.outcome"),
            BadFilter::Risk => t.get("desk.filter.risk"),
            BadFilter::Subject => t.get("desk.filter.subject"),
        };
        format!("{}: {field}", t.get("desk.filter.bad"))
    }
}

/// The queue's filter, as the GET form sends it; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Filter {
    customer: Option<OrgId>,
    kind: Option<TicketKind>,
    status: Option<Status>,
    priority: Option<Priority>,
    outcome: Option<OutcomeKind>,
    risk: Option<u32>,
    mine: bool,
    q: Option<String>,
}

impl Filter {
    /// Reads a URL query; empty values mean "any". Returns the filter, the cursor and the
    /// fields that were not understood (left out of the filter).
    pub(super) fn parse(query: &str) -> (Filter, Option<String>, Vec<BadFilter>) {
        let mut f = Filter::default();
        let mut cursor = None;
        let mut bad = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let mut check = |ok: bool, which| {
                if !ok && !bad.contains(&which) {
                    bad.push(which);
                }
            };
            match k.as_ref() {
                "customer" => {
                    let id = v.parse::<i64>().ok().filter(|i| *i > 0);
                    check(id.is_some(), BadFilter::Customer);
                    f.customer = id.map(OrgId);
                }
                "kind" => {
                    f.kind = v.parse().ok();
                    check(f.kind.is_some(), BadFilter::Kind);
                }
                "status" => {
                    f.status = v.parse().ok();
                    check(f.status.is_some(), BadFilter::Status);
                }
                "priority" => {
                    f.priority = v.parse().ok();
                    check(f.priority.is_some(), BadFilter::Priority);
                }
                "outcome" => {
                    f.outcome = v.parse().ok();
                    check(f.outcome.is_some(), BadFilter::Outcome);
                }
                "risk" => {
                    f.risk = v.parse().ok().filter(|h| *h <= MAX_RISK_HOURS);
                    check(f.risk.is_some(), BadFilter::Risk);
                }
                "mine" => f.mine = v == "1",
                "q" => {
                    let ok = v.chars().count() <= MAX_SUBJECT_FILTER && !v.contains('\0');
                    check(ok, BadFilter::Subject);
                    f.q = ok.then(|| v.to_string());
                }
                "cursor" => cursor = Some(v.to_string()),
                _ => {}
            }
        }
        (f, cursor, bad)
    }

    /// The filter as a URL query, in a fixed order, without a cursor.
    pub(super) fn query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = self.customer {
            s.append_pair("customer", &c.0.to_string());
        }
        if let Some(k) = self.kind {
            s.append_pair("kind", k.as_str());
        }
        if let Some(st) = self.status {
            s.append_pair("status", st.as_str());
        }
        if let Some(p) = self.priority {
            s.append_pair("priority", p.as_str());
        }
        if let Some(o) = self.outcome {
            s.append_pair("outcome", o.as_str());
        }
        if let Some(h) = self.risk {
            s.append_pair("risk", &h.to_string());
        }
        if self.mine {
            s.append_pair("mine", "1");
        }
        if let Some(q) = &self.q {
            s.append_pair("q", q);
        }
        s.finish()
    }

    /// Resolved and closed tickets have left the queue: asking for them lists newest first.
    fn order(&self) -> TicketOrder {
        desk::tickets::listing_order(self.status)
    }
}

/// The queue's address for a filter query.
pub(super) fn queue_href(query: &str) -> String {
    if query.is_empty() {
        "/desk".to_string()
    } else {
        format!("/desk?{query}")
    }
}

// ----- SLA state ----------------------------------------------------------------------------

/// How a ticket stands against its SLA, for one row of the queue.
#[derive(Debug, Clone)]
pub struct SlaState {
    /// `state-missed`, `state-risk`, `state-paused`, `state-running` or `state-met`.
    pub class: &'static str,
    /// A short word that carries the state without colour: `Overschreden`, `Risico`, …
    pub tag: &'static str,
    /// The clock start, deadlines and time left in words (`pages::words::sla_words`).
    pub words: String,
}

/// The queue's mark of a ticket at `now`: missed (a target missed, or a running deadline
/// passed and not yet folded into the stored outcome by the refresher), paused, at risk (the
/// next deadline at or before `horizon`, the end of the at-risk window), running, or met.
fn queue_mark(
    t: Tr,
    ticket: &Ticket,
    now: Timestamp,
    horizon: Timestamp,
) -> (&'static str, &'static str) {
    let c = &ticket.clocks;
    let passed = c.targets.iter().any(|x| {
        x.outcome == OutcomeKind::Missed
            || (x.outcome == OutcomeKind::Running && x.deadline.is_some_and(|d| d <= now))
    });
    if passed || c.sla_outcome == OutcomeKind::Missed || c.next_deadline.is_some_and(|d| d <= now) {
        ("state-missed", t.get("desk.state.missed"))
    } else if c.paused {
        ("state-paused", t.get("desk.state.paused"))
    } else if c.next_deadline.is_some_and(|d| d <= horizon) {
        ("state-risk", t.get("desk.state.risk"))
    } else if c.sla_outcome == OutcomeKind::Met {
        ("state-met", t.get("desk.state.met"))
    } else {
        ("state-running", t.get("desk.state.running"))
    }
}

// ----- the queue ----------------------------------------------------------------------------

/// One row of the queue.
#[derive(Debug, Clone)]
pub struct Row {
    /// Ticket id.
    pub id: i64,
    /// The customer's name.
    pub customer: String,
    /// Kind in words.
    pub kind: String,
    /// Priority in words (incidents).
    pub priority: Option<String>,
    /// Subject.
    pub subject: String,
    /// Status in words.
    pub status: String,
    /// The assignee's name.
    pub assignee: Option<String>,
    /// The SLA state.
    pub sla: SlaState,
}

/// A saved view as a link.
#[derive(Debug, Clone)]
pub struct ViewLink {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The queue with its filter.
    pub href: String,
    /// Whether it is the filter shown now.
    pub current: bool,
}

#[derive(Template)]
#[template(path = "desk_queue.html")]
struct QueuePage {
    t: Tr,
    shell: Shell,
    errors: Vec<String>,
    notice: Option<String>,
    customers: Vec<Opt>,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    priorities: Vec<Opt>,
    outcomes: Vec<Opt>,
    risk: String,
    mine: bool,
    q: String,
    query: String,
    here: String,
    newest: bool,
    horizon_hours: u32,
    rows: Vec<Row>,
    next: Option<String>,
    views: Vec<ViewLink>,
    view_name: String,
    agents: Vec<Opt>,
}

/// `GET /desk`: the queue with the filter of the query.
pub(super) async fn queue(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    queue_page(
        &app,
        &viewer,
        query.as_deref().unwrap_or(""),
        None,
        Vec::new(),
    )
    .await
}

/// Renders the queue for a filter query, with a notice or errors from a form posted to it.
pub(super) async fn queue_page(
    app: &AppState,
    viewer: &Viewer,
    query: &str,
    notice: Option<String>,
    mut errors: Vec<String>,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (filter, cursor, bad) = Filter::parse(query);
    errors.extend(bad.iter().map(|b| b.message(t)));
    let now = app.clock.now();
    let horizon_hours = filter.risk.unwrap_or(DEFAULT_RISK_HOURS);
    let horizon = app.at_risk_until("risk", horizon_hours).map_err(api(t))?;
    let me = viewer.caller.person.id;
    let wanted = TicketFilter {
        org: filter.customer,
        kind: filter.kind,
        status: filter.status,
        priority: filter.priority,
        sla_outcome: filter.outcome,
        deadline_before: filter.risk.map(|_| horizon),
        subject: filter.q.clone(),
        assignee: filter.mine.then_some(me),
        order: filter.order(),
    };
    let scope = &viewer.caller.scope;
    let page = match app
        .store
        .list_tickets(scope, &wanted, cursor.as_deref(), PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(store::StoreError::Rejected {
            field: "cursor", ..
        }) => {
            errors.push(t.get("desk.bad_cursor").to_string());
            store::Page {
                items: Vec::new(),
                next: None,
            }
        }
        Err(e) => return Err(store_err(t)(e)),
    };
    let orgs = app.store.list_orgs(scope).await.map_err(store_err(t))?;
    let people = app
        .store
        .list_people(scope, None)
        .await
        .map_err(store_err(t))?;
    let names: HashMap<PersonId, &str> = people.iter().map(|p| (p.id, p.name.as_str())).collect();
    let org_names: HashMap<OrgId, &str> = orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
    let mut agreements = Agreements::default();
    let mut rows = Vec::with_capacity(page.items.len());
    for tk in &page.items {
        let calendar = &agreements
            .of(app, tk.agreement_id)
            .await
            .map_err(api(t))?
            .calendar;
        let (class, tag) = queue_mark(t, tk, now, horizon);
        rows.push(Row {
            id: tk.id.0,
            customer: org_names
                .get(&tk.org_id)
                .map_or_else(|| tk.org_id.to_string(), |n| (*n).to_string()),
            kind: tk.kind.label(t.0).to_string(),
            priority: tk.priority.map(|p| p.label(t.0).to_string()),
            subject: tk.subject.clone(),
            status: tk.status.label(t.0).to_string(),
            assignee: tk.assignee_id.map(|a| {
                names
                    .get(&a)
                    .map_or_else(|| a.to_string(), |n| (*n).to_string())
            }),
            sla: SlaState {
                class,
                tag,
                words: sla_words(t, tk, calendar, now),
            },
        });
    }
    let normal = filter.query();
    let next = page.next.map(|c| {
        let sep = if normal.is_empty() { "" } else { "&" };
        format!("/desk?{normal}{sep}cursor={}", encode(&c))
    });
    let views = app
        .store
        .views(me)
        .await
        .map_err(store_err(t))?
        .into_iter()
        .map(|v| ViewLink {
            id: v.id,
            href: queue_href(&v.query),
            current: v.query == normal,
            name: v.name,
        })
        .collect();
    let current = |o: Option<&str>| o.unwrap_or("").to_string();
    let customer_now = filter.customer.map(|c| c.0.to_string()).unwrap_or_default();
    let status = if bad.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = QueuePage {
        t,
        shell: viewer.shell.clone(),
        notice,
        customers: orgs
            .iter()
            .map(|o| opt(o.id.0.to_string(), o.name.clone(), &customer_now))
            .collect(),
        kinds: kind_options(t, &current(filter.kind.map(TicketKind::as_str))),
        statuses: Status::ALL
            .iter()
            .map(|s| {
                opt(
                    s.as_str(),
                    s.label(t.0),
                    &current(filter.status.map(Status::as_str)),
                )
            })
            .collect(),
        priorities: priority_options(t, &current(filter.priority.map(Priority::as_str))),
        outcomes: OutcomeKind::ALL
            .iter()
            .map(|o| {
                let label = match o {
                    OutcomeKind::Running => t.get("desk.outcome.running"),
                    OutcomeKind::Met => t.get("desk.outcome.met"),
                    OutcomeKind::Missed => t.get("desk.outcome.missed"),
                };
                opt(
                    o.as_str(),
                    label,
                    &current(filter.outcome.map(OutcomeKind::as_str)),
                )
            })
            .collect(),
        risk: filter.risk.map(|h| h.to_string()).unwrap_or_default(),
        mine: filter.mine,
        q: filter.q.clone().unwrap_or_default(),
        here: queue_href(&normal),
        query: normal,
        newest: filter.order() == TicketOrder::Newest,
        horizon_hours,
        rows,
        next,
        views,
        view_name: String::new(),
        agents: agents(&people),
        errors,
    };
    Ok((status, render(&page)).into_response())
}

/// The vendor's active staff, by name, as choices for "assign to".
fn agents(people: &[Person]) -> Vec<Opt> {
    people
        .iter()
        .filter(|p| p.role.is_vendor() && p.active)
        .map(|p| opt(format!("assign:{}", p.id), p.name.clone(), ""))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_round_trips_through_its_query() {
        let (f, cursor, bad) = Filter::parse(
            "q=printer+%26+co&mine=1&risk=4&outcome=missed&priority=urgent&status=open\
             &kind=incident&customer=7&cursor=q1_2&unknown=x",
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(cursor.as_deref(), Some("q1_2"));
        assert_eq!(
            f.query(),
            "customer=7&kind=incident&status=open&priority=urgent&outcome=missed&risk=4&mine=1\
             &q=printer+%26+co"
        );
        assert_eq!(Filter::parse(&f.query()).0, f);
        let (empty, _, bad) = Filter::parse("customer=&kind=&q=+&risk=");
        assert_eq!((empty, bad), (Filter::default(), Vec::new()));
        let (_, _, bad) = Filter::parse("customer=x&kind=bug&risk=-1&risk=99999&outcome=late");
        assert_eq!(
            bad,
            vec![
                BadFilter::Customer,
                BadFilter::Kind,
                BadFilter::Risk,
                BadFilter::Outcome
            ]
        );
    }

    #[test]
    fn resolved_and_closed_are_listed_newest_first() {
        let order = |q: &str| Filter::parse(q).0.order();
        assert_eq!(order(""), TicketOrder::Queue);
        assert_eq!(order("status=open"), TicketOrder::Queue);
        assert_eq!(order("status=resolved"), TicketOrder::Newest);
        assert_eq!(order("status=closed"), TicketOrder::Newest);
    }
}
