//! Pages: the customer portal — the organization's tickets with their SLA state in words, and
//! the form with which a customer administrator files an incident, question or RFC.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sla::{Bound, Priority, TicketKind, words};
use store::{Role, Ticket, TicketFilter, TicketOrder};

use super::error::{PageError, api};
use super::form::encode;
use super::form::{Fields, field_refusal, too_long};
use super::layout::{Shell, Viewer, render};
use super::ticket::COMMENT_BODY_LIMIT;
use super::ticket::attachments::{Posted, read_multipart};
use super::words::{Agreements, SlaState, fill, sla_state};
use crate::AppState;
use crate::error::{ApiError, MAX_BODY};
use desk::Compiled;
use desk::i18n::Tr;
use desk::tickets::FileTicket;

/// Tickets per portal page.
const PAGE_SIZE: usize = 25;
/// Store round trips one page of open tickets may take before it shows what it found.
const MAX_ROUNDS: usize = 8;

struct Row {
    id: i64,
    subject: String,
    kind: String,
    priority: String,
    status: String,
    received: String,
    received_iso: String,
    sla: SlaState,
}

#[derive(askama::Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    t: Tr,
    shell: Shell,
    rows: Vec<Row>,
    open_only: bool,
    next: Option<String>,
    first: Option<String>,
    may_file: bool,
}

/// A page of the organization's tickets, newest first; with `open_only`, the open ones: the
/// store is read page by page after the cursor until enough open ones are found (or a few
/// round trips are spent), and the next cursor continues right after the last ticket read.
async fn tickets(
    app: &AppState,
    viewer: &Viewer,
    cursor: Option<String>,
    open_only: bool,
) -> Result<(Vec<Ticket>, Option<String>), ApiError> {
    let filter = TicketFilter {
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    let mut found = Vec::new();
    let mut cursor = cursor;
    for _ in 0..MAX_ROUNDS {
        let want = PAGE_SIZE - found.len();
        let page = app
            .store
            .list_tickets(
                &viewer.caller.scope,
                &filter,
                cursor.as_deref(),
                want as u32,
            )
            .await?;
        found.extend(
            page.items
                .into_iter()
                .filter(|t| !open_only || t.status.is_open()),
        );
        cursor = page.next;
        if found.len() >= PAGE_SIZE || cursor.is_none() {
            break;
        }
    }
    Ok((found, cursor))
}

async fn list(
    State(app): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let t = viewer.t;
    if viewer.caller.role().is_vendor() {
        return Ok(Redirect::to("/desk").into_response());
    }
    let q = Fields::query(q.as_deref());
    let open_only = q.text("filter") != "all";
    let filter_word = if open_only { "open" } else { "all" };
    let cursor = Some(q.text("cursor").to_string()).filter(|c| !c.is_empty());
    let on_later_page = cursor.is_some();
    let (found, next) = tickets(&app, &viewer, cursor, open_only)
        .await
        .map_err(api(t))?;
    let mut agreements = Agreements::default();
    let now = app.clock.now();
    let mut rows = Vec::with_capacity(found.len());
    for tk in found {
        let c = agreements.of(&app, tk.agreement_id).await.map_err(api(t))?;
        rows.push(Row {
            id: tk.id.0,
            kind: tk.kind.label(t.0).to_string(),
            priority: tk
                .priority
                .map_or_else(|| "–".to_string(), |p| p.label(t.0).to_string()),
            status: tk.status.label(t.0).to_string(),
            received: words::format_local_short(
                &c.calendar,
                tk.received_at.as_second(),
                now.as_second(),
                t.0,
            ),
            received_iso: desk::time::rfc3339(tk.received_at),
            sla: sla_state(t, &tk, &c.calendar, now),
            subject: tk.subject,
        });
    }
    let page = ListPage {
        t,
        may_file: viewer.caller.role() == Role::CustomerAdmin,
        shell: viewer.shell,
        rows,
        open_only,
        next: next.map(|c| format!("/portal?filter={filter_word}&cursor={}", encode(&c))),
        first: on_later_page.then(|| format!("/portal?filter={filter_word}")),
    };
    Ok(render(&page))
}

// ----- filing --------------------------------------------------------------------------------

/// A kind or priority to choose, with what it means under the agreement.
struct Pick {
    value: &'static str,
    label: String,
    meaning: &'static str,
    bounds: String,
    checked: bool,
}

#[derive(Default)]
struct Errors {
    kind: Option<String>,
    priority: Option<String>,
    subject: Option<String>,
    description: Option<String>,
    cc: Option<String>,
    file: Option<String>,
    other: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.kind.is_some()
            || self.priority.is_some()
            || self.subject.is_some()
            || self.cc.is_some()
            || self.file.is_some()
            || self.description.is_some()
            || self.other.is_some()
    }
}

#[derive(askama::Template)]
#[template(path = "portal_new.html")]
struct NewPage {
    t: Tr,
    shell: Shell,
    kinds: Vec<Pick>,
    priorities: Vec<Pick>,
    subject: String,
    description: String,
    cc: String,
    starts: String,
    errors: Errors,
}

/// `90% < 4 uur · 100% < 6 uur`.
fn bounds_words(bounds: &[Bound], t: Tr) -> String {
    bounds
        .iter()
        .map(|b| format!("{} < {}", b.percent, b.within.describe(t.0)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn priority_meaning(p: Priority) -> &'static str {
    match p {
        Priority::Urgent => "portal.meaning.urgent",
        Priority::High => "portal.meaning.high",
        Priority::Normal => "portal.meaning.normal",
        Priority::Low => "portal.meaning.low",
    }
}

/// What was typed into the form, kept when it comes back with errors.
#[derive(Default)]
struct Typed {
    kind: String,
    priority: String,
    subject: String,
    description: String,
    cc: String,
}

fn new_page(
    viewer: &Viewer,
    compiled: &Compiled,
    now: jiff::Timestamp,
    typed: Typed,
    errors: Errors,
) -> NewPage {
    let t = viewer.t;
    let Typed {
        kind,
        priority,
        subject,
        description,
        cc,
    } = typed;
    let targets = &compiled.policy.targets;
    let kinds = [
        (
            TicketKind::Incident,
            "portal.kind.incident",
            "portal.solved",
        ),
        (
            TicketKind::Question,
            "portal.kind.question",
            "portal.answered",
        ),
        (TicketKind::Rfc, "portal.kind.rfc", "portal.answered"),
    ]
    .into_iter()
    .map(|(k, meaning, measure)| {
        let bounds = match k {
            TicketKind::Incident => t.get("portal.by_priority").to_string(),
            _ => format!(
                "{} {}",
                t.get(measure),
                bounds_words(&targets.for_ticket(k, Priority::Normal).bounds, t)
            ),
        };
        Pick {
            value: k.as_str(),
            label: k.label(t.0).to_string(),
            meaning: t.get(meaning),
            bounds,
            checked: kind == k.as_str(),
        }
    })
    .collect();
    let priorities = Priority::ALL
        .iter()
        .map(|p| Pick {
            value: p.as_str(),
            label: p.label(t.0).to_string(),
            meaning: t.get(priority_meaning(*p)),
            bounds: format!(
                "{} {}",
                t.get("portal.solved"),
                bounds_words(&targets.for_ticket(TicketKind::Incident, *p).bounds, t)
            ),
            checked: priority == p.as_str(),
        })
        .collect();
    let cal = &compiled.calendar;
    let starts = match cal.clock_start(now) {
        Ok(s) if s == now => t.get("portal.starts_now").to_string(),
        Ok(s) => fill(
            t.get("portal.starts_later"),
            &[(
                "at",
                &words::format_local_short(cal, s.as_second(), now.as_second(), t.0),
            )],
        ),
        Err(_) => String::new(),
    };
    NewPage {
        t,
        shell: viewer.shell.clone(),
        kinds,
        priorities,
        subject,
        description,
        cc,
        starts,
        errors,
    }
}

/// Only a customer's administrators file tickets (SLA §3); everyone else gets the reason.
fn may_file(viewer: &Viewer) -> Result<(), PageError> {
    let t = viewer.t;
    match viewer.caller.role() {
        Role::CustomerAdmin => Ok(()),
        Role::CustomerViewer => Err(PageError::Forbidden(
            t,
            t.get("portal.viewer_cannot_file").to_string(),
        )),
        _ => Err(PageError::Forbidden(
            t,
            t.get("portal.desk_cannot_file").to_string(),
        )),
    }
}

async fn compiled_now(
    app: &AppState,
    viewer: &Viewer,
) -> Result<std::sync::Arc<Compiled>, PageError> {
    let org = viewer
        .caller
        .scope
        .org()
        .ok_or_else(|| PageError::NotFound(viewer.t))?;
    let (_, c) = app
        .agreement_at(org, app.now_ms())
        .await
        .map_err(api(viewer.t))?;
    Ok(c)
}

async fn new_form(State(app): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    may_file(&viewer)?;
    let c = compiled_now(&app, &viewer).await?;
    let page = new_page(
        &viewer,
        &c,
        app.clock.now(),
        Typed::default(),
        Errors::default(),
    );
    Ok(render(&page))
}

/// Files a ticket from the form: URL-encoded, or multipart with one file (at most
/// `store::MAX_ATTACHMENT_BYTES`) and the addresses to copy.
async fn file(
    State(app): State<AppState>,
    viewer: Viewer,
    req: Request,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let (f, upload, too_large) = if super::form::is_multipart(req.headers()) {
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
            Posted::Form(fields, file) => (fields, file, false),
            Posted::TooLarge(fields) => (fields, None, true),
            Posted::Unreadable => {
                return Err(PageError::Api(t, ApiError::TooLarge(COMMENT_BODY_LIMIT)));
            }
        }
    } else {
        let body: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| PageError::Api(t, ApiError::TooLarge(MAX_BODY)))?;
        (Fields::parse(&body), None, false)
    };
    viewer.check_csrf(f.text("csrf"))?;
    may_file(&viewer)?;
    let kind_word = f.text("kind").to_string();
    let priority_word = f.text("priority").to_string();
    let subject = f.text("subject").to_string();
    let description = f.text("description").to_string();
    let cc_words = f.text("cc").to_string();
    let cc: Vec<String> = cc_words
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    let mut errors = Errors::default();
    if too_large {
        errors.file = Some(t.get("portal.error.file_too_large").to_string());
    }
    let kind = kind_word.parse::<TicketKind>().ok();
    if kind.is_none() {
        errors.kind = Some(t.get("portal.error.kind").to_string());
    }
    // A priority only counts for incidents (the radios are there whatever the kind).
    let priority = match kind {
        Some(TicketKind::Incident) => {
            let p = priority_word.parse::<Priority>().ok();
            if p.is_none() {
                errors.priority = Some(t.get("portal.error.priority").to_string());
            }
            p
        }
        _ => None,
    };
    if desk::limits::over(&subject, desk::limits::TICKET_SUBJECT) {
        errors.subject = Some(too_long(t, desk::limits::TICKET_SUBJECT));
    } else if subject.trim().is_empty() {
        errors.subject = Some(t.get("portal.error.subject").to_string());
    }
    if desk::limits::over(&description, desk::limits::TICKET_DESCRIPTION) {
        errors.description = Some(too_long(t, desk::limits::TICKET_DESCRIPTION));
    }
    if f.has_nul() {
        errors.other = Some(t.get("portal.error.nul").to_string());
    }
    if let (Some(kind), false) = (kind, errors.any()) {
        let filed = app
            .file_ticket_with(
                &viewer.caller,
                FileTicket {
                    kind,
                    priority,
                    subject: subject.clone(),
                    description: description.clone(),
                    organization_id: None,
                    reporter_id: None,
                    received_at: None,
                },
                &cc,
                upload.into_iter().collect(),
            )
            .await;
        match filed {
            Ok((ticket, _)) => {
                return Ok(
                    Redirect::to(&format!("/tickets/{}?notice=filed", ticket.id.0)).into_response(),
                );
            }
            Err(e) => {
                let (field, message) = field_refusal(t, e).map_err(api(t))?;
                let message = if field == "cc" {
                    cc_words_error(t, &cc)
                } else {
                    message
                };
                let slot = match field.as_str() {
                    "kind" => &mut errors.kind,
                    "priority" => &mut errors.priority,
                    "subject" => &mut errors.subject,
                    "description" => &mut errors.description,
                    "cc" => &mut errors.cc,
                    "file" => &mut errors.file,
                    _ => &mut errors.other,
                };
                *slot = Some(message);
            }
        }
    }
    let c = compiled_now(&app, &viewer).await?;
    let page = new_page(
        &viewer,
        &c,
        app.clock.now(),
        Typed {
            kind: kind_word,
            priority: priority_word,
            subject,
            description,
            cc: cc_words,
        },
        errors,
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// Why the copies were refused, in the person's language, naming what was typed.
pub(crate) fn cc_words_error(t: Tr, cc: &[String]) -> String {
    t.fill("form.error.cc", &[("detail", &cc.join(", "))])
}

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(list))
        .route("/portal/new", get(new_form))
        .route(
            "/portal/tickets",
            post(file).layer(DefaultBodyLimit::max(COMMENT_BODY_LIMIT)),
        )
}
