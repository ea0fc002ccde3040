//! Pages: the service desk's workspace: the agent queue by time to breach with filters, saved
//! views and bulk actions, and the registration of phone calls.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;
use sla::{OutcomeKind, Priority, Status, TicketKind};
use store::{OrgId, Person, PersonId, Role, Ticket, TicketFilter, TicketId, TicketOrder};

use super::i18n::Tr;
use super::ticket::{Agreements, sla_words};
use super::{PageError, Shell, Viewer, api, encode, render};
use crate::AppState;
use crate::error::ApiError;
use desk::DeskError;
use desk::tickets::{Action, FileTicket};
use desk::time::ms;

/// Tickets on one page of the queue.
const PAGE_SIZE: u32 = 50;
/// The at-risk horizon when the filter names none: two business hours.
const DEFAULT_RISK_HOURS: u32 = 2;
/// The largest at-risk horizon a filter may ask for (as the API allows).
const MAX_RISK_HOURS: u32 = 10_000;
/// Tickets one bulk action may change.
const MAX_BULK: usize = 200;
/// Longest name of a saved view, in characters.
const MAX_VIEW_NAME: usize = 80;
/// Longest subject text in a filter, in characters.
const MAX_SUBJECT_FILTER: usize = 200;
/// How long after a call it may still be registered (the service's rule, checked here first
/// so the form can say it in the person's language).
const PHONE_MAX_AGE_SECONDS: i64 = 7 * 24 * 3600;

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/views", post(save_view))
        .route("/desk/views/{id}/delete", post(delete_view))
        .route("/desk/bulk", post(bulk))
        .route("/desk/phone", get(phone_form).post(phone_submit))
}

// ----- shared pieces ------------------------------------------------------------------------

/// One choice of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    /// The submitted value.
    pub value: String,
    /// The text people see.
    pub label: String,
    /// Whether it is the current choice.
    pub selected: bool,
}

fn opt(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
    let value = value.into();
    Opt {
        selected: value == current,
        label: label.into(),
        value,
    }
}

/// Only the vendor's staff work in the desk; customers get the 403 page.
fn staff_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.caller.role().is_vendor() {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            viewer.t,
            viewer.t.get("desk.staff_only").to_string(),
        ))
    }
}

fn store_err(t: Tr) -> impl Fn(store::StoreError) -> PageError {
    move |e| PageError::Api(t, e.into())
}

fn kind_options(t: Tr, current: &str) -> Vec<Opt> {
    TicketKind::ALL
        .iter()
        .map(|k| opt(k.as_str(), k.label(t.0), current))
        .collect()
}

fn priority_options(t: Tr, current: &str) -> Vec<Opt> {
    Priority::ALL
        .iter()
        .map(|p| opt(p.as_str(), p.label(t.0), current))
        .collect()
}

// ----- the queue's filter -------------------------------------------------------------------

/// Which filter field was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadFilter {
    Customer,
    Kind,
    Status,
    Priority,
    Outcome,
    Risk,
    Subject,
}

impl BadFilter {
    fn message(self, t: Tr) -> String {
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
struct Filter {
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
    fn parse(query: &str) -> (Filter, Option<String>, Vec<BadFilter>) {
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
    fn query(&self) -> String {
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
fn queue_href(query: &str) -> String {
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
    /// The clock start, deadlines and time left in words (`ui::ticket::sla_words`).
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

async fn queue(
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
async fn queue_page(
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
    let standard = app.policies.standard().map_err(api(t))?;
    let horizon_hours = filter.risk.unwrap_or(DEFAULT_RISK_HOURS);
    let horizon = standard
        .calendar
        .deadline(now, i64::from(horizon_hours) * 3600)
        .map_err(|e| api(t)(ApiError::Internal(anyhow::anyhow!("at-risk horizon: {e}"))))?;
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

// ----- saved views --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct SaveViewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

async fn save_view(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SaveViewForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let (filter, _, bad) = Filter::parse(&form.query);
    let query = filter.query();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_VIEW_NAME || name.contains('\0') {
        let error = t.get("desk.views.bad_name").to_string();
        let res = queue_page(&app, &viewer, &query, None, vec![error]).await?;
        return Ok(with_status(res, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if !bad.is_empty() {
        let errors = bad.iter().map(|b| b.message(t)).collect();
        let res = queue_page(&app, &viewer, &query, None, errors).await?;
        return Ok(with_status(res, StatusCode::UNPROCESSABLE_ENTITY));
    }
    app.store
        .save_view(viewer.caller.person.id, name, &query, app.now_ms())
        .await
        .map_err(store_err(t))?;
    Ok(Redirect::to(&queue_href(&query)).into_response())
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn delete_view(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound(t))?;
    let deleted = app
        .store
        .delete_view(viewer.caller.person.id, id)
        .await
        .map_err(store_err(t))?;
    if !deleted {
        return Err(PageError::NotFound(t));
    }
    Ok(Redirect::to("/desk").into_response())
}

// ----- bulk actions -------------------------------------------------------------------------

/// A ticket a bulk action could not change, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Ticket id.
    pub id: String,
    /// Its subject, when it could be read.
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "desk_bulk.html")]
struct BulkPage {
    t: Tr,
    shell: Shell,
    action: String,
    done: usize,
    asked: usize,
    succeeded: Vec<(i64, String)>,
    failures: Vec<Failure>,
    error: Option<String>,
    back: String,
}

/// What a bulk action does, from the select's value.
fn bulk_action(value: &str, me: PersonId) -> Option<Action> {
    match value {
        "assign_me" => Some(Action::Assign { to: Some(me) }),
        "status:waiting_on_customer" => Some(Action::Status {
            to: Status::WaitingOnCustomer,
            reason: None,
        }),
        "status:resolved" => Some(Action::Status {
            to: Status::Resolved,
            reason: None,
        }),
        other => {
            let id = other.strip_prefix("assign:")?.parse::<i64>().ok()?;
            Some(Action::Assign {
                to: Some(PersonId(id)),
            })
        }
    }
}

fn bulk_action_label(t: Tr, action: &Action, people: &HashMap<PersonId, String>) -> String {
    match action {
        Action::Assign { to: Some(p) } => format!(
            "{} {}",
            t.get("desk.bulk.assign_to"),
            people.get(p).cloned().unwrap_or_else(|| p.to_string())
        ),
        Action::Status { to, .. } => format!("{} {}", t.get("desk.bulk.status_to"), to.label(t.0)),
        _ => String::new(),
    }
}

/// Why an action failed, in the person's language where loket knows the reason.
fn failure_reason(t: Tr, e: &DeskError, from: Option<Status>, action: &Action) -> String {
    match (e, action) {
        (DeskError::NotFound(_), _) => t.get("desk.bulk.not_found").to_string(),
        (DeskError::Invalid { field, .. }, Action::Status { to, .. }) if field == "status" => {
            format!(
                "{} ({} → {})",
                t.get("desk.bulk.bad_transition"),
                from.map_or_else(String::new, |s| s.label(t.0).to_string()),
                to.label(t.0)
            )
        }
        (DeskError::Invalid { field, .. }, _) if field == "assignee_id" => {
            t.get("desk.bulk.bad_assignee").to_string()
        }
        (DeskError::Internal(_), _) => t.get("error.title").to_string(),
        (other, _) => other.to_string(),
    }
}

async fn bulk(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    viewer.check_csrf(field("csrf"))?;
    let t = viewer.t;
    let (back_filter, _, _) = Filter::parse(field("back"));
    let back = queue_href(&back_filter.query());
    let mut ids: Vec<i64> = Vec::new();
    let mut failures = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "ids") {
        match v.trim().parse::<i64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => failures.push(Failure {
                id: v.clone(),
                subject: None,
                reason: t.get("desk.bulk.not_found").to_string(),
            }),
        }
    }
    let me = viewer.caller.person.id;
    let action = bulk_action(field("action"), me);
    let error = if ids.is_empty() && failures.is_empty() {
        Some(t.get("desk.bulk.none_selected"))
    } else if ids.len() > MAX_BULK {
        Some(t.get("desk.bulk.too_many"))
    } else if action.is_none() {
        Some(t.get("desk.bulk.no_action"))
    } else {
        None
    };
    let people: HashMap<PersonId, String> = app
        .store
        .list_people(&viewer.caller.scope, None)
        .await
        .map_err(store_err(t))?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut page = BulkPage {
        t,
        shell: viewer.shell.clone(),
        action: action
            .as_ref()
            .map(|a| bulk_action_label(t, a, &people))
            .unwrap_or_default(),
        done: 0,
        asked: ids.len() + failures.len(),
        succeeded: Vec::new(),
        failures,
        error: error.map(str::to_string),
        back,
    };
    let Some(action) = action.filter(|_| error.is_none()) else {
        return Ok((StatusCode::BAD_REQUEST, render(&page)).into_response());
    };
    for id in ids {
        let before = app
            .store
            .get_ticket(&viewer.caller.scope, TicketId(id))
            .await
            .ok();
        match app.act(&viewer.caller, TicketId(id), action.clone()).await {
            Ok(tk) => {
                page.done += 1;
                page.succeeded.push((tk.id.0, tk.subject));
            }
            Err(e) => page.failures.push(Failure {
                id: id.to_string(),
                reason: failure_reason(t, &e, before.as_ref().map(|b| b.status), &action),
                subject: before.map(|b| b.subject),
            }),
        }
    }
    Ok(render(&page))
}

// ----- phone registration -------------------------------------------------------------------

/// The customer administrators of one customer, as choices.
#[derive(Debug, Clone)]
pub struct Group {
    /// The customer's name.
    pub name: String,
    /// Its administrators.
    pub people: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "desk_phone.html")]
struct PhonePage {
    t: Tr,
    shell: Shell,
    groups: Vec<Group>,
    received_at: String,
    kinds: Vec<Opt>,
    priorities: Vec<Opt>,
    subject: String,
    description: String,
    errors: Vec<String>,
    err_reporter: Option<String>,
    err_received: Option<String>,
    err_kind: Option<String>,
    err_priority: Option<String>,
    err_subject: Option<String>,
    err_description: Option<String>,
}

/// The phone form's fields as sent (everything kept as text to show it again).
#[derive(Debug, Default, Deserialize)]
struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
}

/// A local date-time as a `datetime-local` input writes it: `2026-11-23T10:00`.
fn local_input(tz: &jiff::tz::TimeZone, at: Timestamp) -> String {
    let dt = tz.to_datetime(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// The instant of a local date-time input in the time zone (a time skipped by a DST change
/// moves forward; a repeated time takes the earlier instant).
fn parse_local(tz: &jiff::tz::TimeZone, text: &str) -> Option<Timestamp> {
    let text = text.trim().replacen(' ', "T", 1);
    let dt: jiff::civil::DateTime = text.parse().ok()?;
    tz.to_timestamp(dt).ok()
}

impl PhonePage {
    async fn new(app: &AppState, viewer: &Viewer, form: &PhoneForm) -> Result<Self, PageError> {
        let t = viewer.t;
        let scope = &viewer.caller.scope;
        let orgs = app.store.list_orgs(scope).await.map_err(store_err(t))?;
        let people = app
            .store
            .list_people(scope, None)
            .await
            .map_err(store_err(t))?;
        let groups = orgs
            .into_iter()
            .map(|o| Group {
                people: people
                    .iter()
                    .filter(|p| p.org_id == Some(o.id) && p.role == Role::CustomerAdmin && p.active)
                    .map(|p| {
                        opt(
                            p.id.0.to_string(),
                            format!("{} ({})", p.name, p.email),
                            &form.reporter,
                        )
                    })
                    .collect(),
                name: o.name,
            })
            .filter(|g| !g.people.is_empty())
            .collect();
        Ok(PhonePage {
            t,
            shell: viewer.shell.clone(),
            groups,
            received_at: form.received_at.clone(),
            kinds: kind_options(t, &form.kind),
            priorities: priority_options(t, &form.priority),
            subject: form.subject.clone(),
            description: form.description.clone(),
            errors: Vec::new(),
            err_reporter: None,
            err_received: None,
            err_kind: None,
            err_priority: None,
            err_subject: None,
            err_description: None,
        })
    }

    /// Records an error for a field (and in the summary at the top).
    fn fail(&mut self, field: &str, message: String) {
        self.errors.push(message.clone());
        let slot = match field {
            "reporter" | "reporter_id" | "organization_id" => &mut self.err_reporter,
            "received_at" => &mut self.err_received,
            "kind" => &mut self.err_kind,
            "priority" => &mut self.err_priority,
            "subject" => &mut self.err_subject,
            "description" => &mut self.err_description,
            _ => return,
        };
        slot.get_or_insert(message);
    }
}

async fn phone_form(State(app): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    let standard = app.policies.standard().map_err(api(viewer.t))?;
    let form = PhoneForm {
        received_at: local_input(standard.calendar.time_zone(), app.clock.now()),
        kind: TicketKind::Incident.as_str().into(),
        ..PhoneForm::default()
    };
    let page = PhonePage::new(&app, &viewer, &form).await?;
    Ok(render(&page))
}

async fn phone_submit(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<PhoneForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let mut page = PhonePage::new(&app, &viewer, &form).await?;
    let now = app.clock.now();

    let reporter = form.reporter.trim().parse::<i64>().ok().filter(|i| *i > 0);
    if reporter.is_none() {
        page.fail("reporter", t.get("desk.phone.err_reporter").into());
    }
    // The call's local time is read in the time zone of the customer's agreement in force
    // now (the standard one, Europe/Amsterdam, when that cannot be found).
    let mut tz = app
        .policies
        .standard()
        .map_err(api(t))?
        .calendar
        .time_zone()
        .clone();
    if let Some(id) = reporter
        && let Ok(person) = app
            .store
            .get_person(&viewer.caller.scope, PersonId(id))
            .await
        && let Some(org) = person.org_id
        && let Ok((_, compiled)) = app.agreement_at(org, ms(now)).await
    {
        tz = compiled.calendar.time_zone().clone();
    }
    let received = parse_local(&tz, &form.received_at);
    match received {
        None => page.fail("received_at", t.get("desk.phone.err_received").into()),
        Some(r) if r > now => page.fail("received_at", t.get("desk.phone.err_future").into()),
        Some(r) if now.duration_since(r).as_secs() > PHONE_MAX_AGE_SECONDS => {
            page.fail("received_at", t.get("desk.phone.err_too_old").into());
        }
        Some(_) => {}
    }
    let kind = form.kind.parse::<TicketKind>().ok();
    if kind.is_none() {
        page.fail("kind", t.get("desk.phone.err_kind").into());
    }
    // A priority belongs to incidents only; for other kinds the field is ignored.
    let priority = match kind {
        Some(TicketKind::Incident) => {
            let p = form.priority.parse::<Priority>().ok();
            if p.is_none() {
                page.fail("priority", t.get("desk.phone.err_priority").into());
            }
            p
        }
        _ => None,
    };
    let subject = form.subject.trim();
    if subject.is_empty() || subject.chars().count() > 300 {
        page.fail("subject", t.get("desk.phone.err_subject").into());
    }
    if form.description.chars().count() > 100_000 {
        page.fail("description", t.get("desk.phone.err_description").into());
    }
    let (Some(reporter), Some(received), Some(kind), true) =
        (reporter, received, kind, page.errors.is_empty())
    else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let filed = app
        .file_ticket(
            &viewer.caller,
            FileTicket {
                kind,
                priority,
                subject: subject.to_string(),
                description: form.description.clone(),
                organization_id: None,
                reporter_id: Some(PersonId(reporter)),
                received_at: Some(received),
            },
        )
        .await;
    match filed {
        Ok(ticket) => Ok(Redirect::to(&format!("/tickets/{}", ticket.id)).into_response()),
        Err(DeskError::Invalid {
            field,
            rule: message,
        }) => {
            let message = match field.as_str() {
                "reporter_id" => t.get("desk.phone.err_reporter").to_string(),
                "received_at" => format!("{} ({message})", t.get("desk.phone.err_agreement")),
                _ => message,
            };
            page.fail(&field, message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(DeskError::Forbidden(_)) => {
            page.fail("reporter", t.get("desk.phone.err_not_admin").into());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(t, e.into())),
    }
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

    #[test]
    fn local_input_is_read_in_amsterdam_time() {
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
        let winter = parse_local(&tz, "2026-11-23T10:00").unwrap();
        assert_eq!(winter.to_string(), "2026-11-23T09:00:00Z");
        assert_eq!(local_input(&tz, winter), "2026-11-23T10:00");
        let summer = parse_local(&tz, "2026-06-01 10:15:30").unwrap();
        assert_eq!(summer.to_string(), "2026-06-01T08:15:30Z");
        // 02:30 on the last Sunday of March does not exist: it moves forward by the gap.
        let gap = parse_local(&tz, "2026-03-29T02:30").unwrap();
        assert_eq!(gap.to_string(), "2026-03-29T01:30:00Z");
        assert_eq!(parse_local(&tz, "gisteren"), None);
        assert_eq!(parse_local(&tz, ""), None);
    }

    #[test]
    fn bulk_actions_are_read_from_the_select() {
        let me = PersonId(5);
        assert!(matches!(
            bulk_action("assign_me", me),
            Some(Action::Assign {
                to: Some(PersonId(5))
            })
        ));
        assert!(matches!(
            bulk_action("assign:12", me),
            Some(Action::Assign {
                to: Some(PersonId(12))
            })
        ));
        assert!(matches!(
            bulk_action("status:resolved", me),
            Some(Action::Status {
                to: Status::Resolved,
                ..
            })
        ));
        assert!(matches!(
            bulk_action("status:waiting_on_customer", me),
            Some(Action::Status {
                to: Status::WaitingOnCustomer,
                ..
            })
        ));
        for bad in ["", "assign:", "assign:x", "status:closed", "delete"] {
            assert!(bulk_action(bad, me).is_none(), "{bad}");
        }
    }
}
