//! Tickets: filing, acting on them, and what each event means for the SLA clocks.

use jiff::Timestamp;
use serde_json::json;
use sla::{Channel, EventKind, Outcome, OutcomeKind, Priority, Status, TicketEvent, TicketKind};
use store::{
    Attachment, Derived, Event, EventType, Millis, NewAttachment, NewEvent, NewTicket, OrgId,
    PersonId, Role, SavedView, Scope, TargetRow, Ticket, TicketId, TicketOrder, TicketUpdate,
};

use crate::notify::{self, Notice};
use crate::policies::Compiled;
use crate::time::{ms, stored};
use crate::{Caller, Desk, DeskError, limits};

/// Position in the queue of an open ticket whose deadline is unknown (paused): last.
pub const QUEUE_LAST: Millis = 253_402_300_799_000;

fn word<T: std::str::FromStr>(s: &str) -> Result<T, DeskError>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| DeskError::Internal(anyhow::anyhow!("stored value: {e}")))
}

/// The widest at-risk window, in business hours (about 23 working days: past every target of
/// the agreement), for the queue, the API's listing and the dashboard alike.
pub const MAX_AT_RISK_HOURS: u32 = 200;

/// The at-risk window when none is asked for, in business hours: the queue's default filter
/// and the window of the at-risk alerts.
pub const DEFAULT_AT_RISK_HOURS: u32 = 2;

/// The order of a ticket listing that asks for no order: the queue by time to breach, but
/// newest first when it asks for resolved or closed tickets, which have left the queue.
pub fn listing_order(status: Option<Status>) -> TicketOrder {
    match status {
        Some(Status::Resolved | Status::Closed) => TicketOrder::Newest,
        _ => TicketOrder::Queue,
    }
}

/// The SLA engine's view of a stored history.
pub fn engine_events(events: &[Event]) -> Result<Vec<TicketEvent>, DeskError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let d = &e.data;
        let text = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let kind = match e.kind {
            EventType::Created => EventKind::Created {
                kind: word(text("kind"))?,
                priority: d
                    .get("priority")
                    .and_then(|v| v.as_str())
                    .map(word)
                    .transpose()?,
            },
            EventType::PriorityChanged => EventKind::PriorityChanged {
                to: word(text("to"))?,
            },
            EventType::StatusChanged => EventKind::StatusChanged {
                to: word(text("to"))?,
            },
            EventType::Resolved => EventKind::Resolved,
            EventType::Reopened => EventKind::Reopened,
            EventType::Commented if d.get("response").and_then(|v| v.as_bool()) == Some(true) => {
                EventKind::Responded
            }
            EventType::Commented | EventType::Assigned => continue,
        };
        out.push(TicketEvent { at: e.at, kind });
    }
    Ok(out)
}

/// The derived clock fields of a ticket from its history, as of `now`.
pub fn derive(
    events: &[Event],
    status: Status,
    compiled: &Compiled,
    now: Timestamp,
) -> Result<Derived, DeskError> {
    let engine = engine_events(events)?;
    let clocks = sla::compute(&engine, &compiled.policy, &compiled.calendar, now)
        .map_err(|e| DeskError::Internal(anyhow::anyhow!("computing clocks: {e}")))?;
    // Incidents' first bound is also counted by how long it took, in twelfths of the
    // ticket's own 100% bound (12: beyond it), for the report's distribution.
    let hard_budget = clocks.targets.get(1).map(|t| t.budget).filter(|b| *b > 0);
    let bin = |i: usize, t: &sla::TargetClock| -> Option<i64> {
        let hard = hard_budget?;
        (i == 0 && clocks.kind == sla::TicketKind::Incident).then(|| {
            if t.business_used > hard {
                crate::report::DISTRIBUTION_BINS
            } else {
                (t.business_used * crate::report::DISTRIBUTION_BINS / hard)
                    .clamp(0, crate::report::DISTRIBUTION_BINS - 1)
            }
        })
    };
    let targets: Vec<TargetRow> = clocks
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| TargetRow {
            bound: i as i64,
            percent_bp: i64::from(t.bound.percent.basis_points()),
            within: t.bound.within.to_string(),
            deadline: t.deadline,
            outcome: t.outcome.kind(),
            decided_at: t.outcome.decided_at(),
            business_used: t.business_used,
            budget: t.budget,
            decided_month: t
                .outcome
                .decided_at()
                .map(|d| sla::Month::containing(&compiled.calendar, d.as_second()).key()),
            bin: bin(i, t),
        })
        .collect();
    let running = |t: &&sla::TargetClock| t.outcome == Outcome::Running;
    let next_deadline = clocks
        .targets
        .iter()
        .filter(running)
        .filter_map(|t| t.deadline)
        .min();
    let outcome = if clocks
        .targets
        .iter()
        .any(|t| matches!(t.outcome, Outcome::Missed { .. }))
    {
        OutcomeKind::Missed
    } else if clocks.targets.iter().any(|t| t.outcome == Outcome::Running) {
        OutcomeKind::Running
    } else {
        OutcomeKind::Met
    };
    let queue_at = status.is_open().then(|| {
        clocks
            .targets
            .iter()
            .filter(|t| !matches!(t.outcome, Outcome::Met { .. }))
            .filter_map(|t| t.deadline.map(ms))
            .min()
            .unwrap_or(QUEUE_LAST)
    });
    Ok(Derived {
        clock_start: clocks.clock_start,
        next_deadline,
        queue_at,
        sla_outcome: outcome,
        paused: clocks.paused,
        targets,
    })
}

impl Desk {
    /// The end of the at-risk window: `hours` business hours (0 to [`MAX_AT_RISK_HOURS`]) of
    /// the standard calendar from now; a ticket whose next deadline falls before it is at risk.
    pub fn at_risk_until(&self, field: &str, hours: u32) -> Result<Timestamp, DeskError> {
        if hours > MAX_AT_RISK_HOURS {
            return Err(DeskError::invalid(
                field,
                format!("the at-risk window is 0 to {MAX_AT_RISK_HOURS} business hours"),
            ));
        }
        let standard = self.policies.standard()?;
        standard
            .calendar
            .deadline(self.clock.now(), i64::from(hours) * 3600)
            .map_err(|e| DeskError::invalid(field, e.to_string()))
    }

    /// Files a ticket: customer administrators for their own organization (web or API);
    /// vendor staff only to register a phone call on behalf of one of a customer's
    /// administrators, with the instant the call came in.
    pub async fn file_ticket(
        &self,
        caller: &Caller,
        input: FileTicket,
    ) -> Result<Ticket, DeskError> {
        self.file_ticket_with(caller, input, &[], Vec::new())
            .await
            .map(|(t, _)| t)
    }

    /// [`Desk::file_ticket`] copying the people of the customer named by `cc` (addresses;
    /// see [`Desk::resolve_cc`]) and attaching `files` to the first event: the ticket, the
    /// copies, the files and the mails are stored in one transaction (all or nothing).
    pub async fn file_ticket_with(
        &self,
        caller: &Caller,
        input: FileTicket,
        cc: &[String],
        files: Vec<Upload>,
    ) -> Result<(Ticket, Vec<Attachment>), DeskError> {
        let now = stored(self.clock.now());
        if files.len() > limits::FILING_FILES {
            return Err(DeskError::invalid(
                "file",
                format!("at most {} files go with a ticket", limits::FILING_FILES),
            ));
        }
        for f in &files {
            if f.data.len() > store::MAX_ATTACHMENT_BYTES {
                return Err(DeskError::invalid(
                    "file",
                    format!(
                        "{} is larger than {} MiB",
                        f.file_name,
                        store::MAX_ATTACHMENT_BYTES / (1024 * 1024)
                    ),
                ));
            }
        }
        limits::check("subject", &input.subject, limits::TICKET_SUBJECT)?;
        limits::check(
            "description",
            &input.description,
            limits::TICKET_DESCRIPTION,
        )?;
        let subject = input.subject.trim().to_string();
        if subject.is_empty() {
            return Err(DeskError::invalid("subject", "a ticket needs a subject"));
        }
        let priority = match (input.kind, input.priority) {
            (TicketKind::Incident, None) => {
                return Err(DeskError::invalid(
                    "priority",
                    "an incident needs a priority: urgent, high, normal or low",
                ));
            }
            (TicketKind::Incident, Some(p)) => Some(p),
            (_, Some(_)) => {
                return Err(DeskError::invalid(
                    "priority",
                    "only incidents have a priority",
                ));
            }
            (_, None) => None,
        };
        let (org, reporter, channel, received) = match caller.role() {
            Role::CustomerAdmin => {
                if input.reporter_id.is_some()
                    || input.received_at.is_some()
                    || input
                        .organization_id
                        .is_some_and(|o| Some(o) != caller.scope.org())
                {
                    return Err(DeskError::Forbidden(
                        "a customer files for itself; reporter, organization and receipt time are set by loket".into(),
                    ));
                }
                let org = caller.scope.org().ok_or(DeskError::Unauthenticated)?;
                let channel = if caller.via_token {
                    Channel::Api
                } else {
                    Channel::Web
                };
                (org, caller.person.id, channel, now)
            }
            Role::CustomerViewer => {
                return Err(DeskError::Forbidden(
                    "only the customer's administrators may file tickets (SLA §3); viewers read"
                        .into(),
                ));
            }
            _ => {
                let reporter_id = input.reporter_id.ok_or_else(|| {
                    DeskError::invalid(
                        "reporter_id",
                        "registering a phone call needs the customer administrator who called",
                    )
                })?;
                let reporter = self
                    .store
                    .get_person(&caller.scope, reporter_id)
                    .await
                    .map_err(|_| {
                        DeskError::invalid(
                            "reporter_id",
                            format!("there is no person {reporter_id}"),
                        )
                    })?;
                let Some(org) = reporter
                    .org_id
                    .filter(|_| reporter.role == Role::CustomerAdmin)
                else {
                    return Err(DeskError::Forbidden(format!(
                        "{} is not a customer administrator; only they may report (SLA §3)",
                        reporter.name
                    )));
                };
                if input.organization_id.is_some_and(|o| o != org) {
                    return Err(DeskError::invalid(
                        "organization_id",
                        "the caller belongs to another organization",
                    ));
                }
                let received = input.received_at.unwrap_or(now);
                if received > now {
                    return Err(DeskError::invalid(
                        "received_at",
                        "the call cannot have come in in the future",
                    ));
                }
                if now.duration_since(received).as_secs() > 7 * 24 * 3600 {
                    return Err(DeskError::invalid(
                        "received_at",
                        "a call is registered within 7 days of coming in",
                    ));
                }
                (org, reporter.id, Channel::Phone, received)
            }
        };
        let (agreement, compiled) = self.agreement_at(org, ms(received)).await?;
        let first = NewEvent {
            at: received,
            actor_id: Some(caller.person.id),
            kind: EventType::Created,
            data: json!({
                "kind": input.kind.as_str(),
                "priority": priority.map(|p| p.as_str()),
                "channel": channel.as_str(),
                "subject": subject,
                "description": input.description,
                "reporter": reporter,
            }),
        };
        let history = [Event {
            id: 0,
            ticket_id: TicketId(0),
            at: first.at,
            actor_id: first.actor_id,
            kind: first.kind,
            data: first.data.clone(),
            recorded_at: now,
        }];
        let clocks = derive(&history, Status::New, &compiled, now)?;
        let reporter_person = self.store.get_person(&Scope::System, reporter).await?;
        let cc = self.resolve_cc(org, cc).await?;
        let cc_ids: Vec<PersonId> = cc.iter().map(|p| p.id).collect();
        let receipt = self
            .receipt_with_cc(caller.person.id, &reporter_person, org, cc)
            .await?;
        let compose = |t: &Ticket| receipt.compose(&self.links, &compiled.calendar, now, t);
        let files: Vec<NewAttachment> = files
            .into_iter()
            .map(|f| NewAttachment {
                event_id: None,
                file_name: f.file_name,
                content_type: f.content_type,
                data: f.data,
                uploaded_by: caller.person.id,
                created_at: now,
            })
            .collect();
        let filed = self
            .store
            .create_ticket_filed(
                &NewTicket {
                    org_id: org,
                    agreement_id: agreement.id,
                    kind: input.kind,
                    priority,
                    channel,
                    subject,
                    reporter_id: reporter,
                    received_at: received,
                    created_at: now,
                },
                &first,
                &TicketUpdate {
                    status: Status::New,
                    priority,
                    assignee_id: None,
                    clocks,
                },
                &cc_ids,
                &files,
                compose,
            )
            .await?;
        Ok(filed)
    }

    /// Applies an action to a ticket: appends its event and recomputes the clocks, atomically.
    pub async fn act(
        &self,
        caller: &Caller,
        id: TicketId,
        action: Action,
    ) -> Result<Ticket, DeskError> {
        self.act_with_file(caller, id, action, None)
            .await
            .map(|(t, _)| t)
    }

    /// [`Desk::act`] with a file attached to a comment: the comment's event, the file
    /// and the recomputed clocks are stored in one transaction (all or nothing).
    pub async fn act_with_file(
        &self,
        caller: &Caller,
        id: TicketId,
        action: Action,
        file: Option<Upload>,
    ) -> Result<(Ticket, Option<Attachment>), DeskError> {
        if file.is_some() && !matches!(action, Action::Comment { .. }) {
            return Err(DeskError::invalid("file", "files go with a comment"));
        }
        let now = stored(self.clock.now());
        let ticket = self.store.get_ticket(&caller.scope, id).await?;
        let vendor = caller.role().is_vendor();
        let status = ticket.status;
        let (kind, data, next_status, next_priority, next_assignee) = match &action {
            Action::Comment { body, internal } => {
                if caller.role() == Role::CustomerViewer {
                    return Err(DeskError::Forbidden(
                        "viewers read; only administrators comment".into(),
                    ));
                }
                if !crate::access::may_comment(caller.role(), status) {
                    return Err(DeskError::Conflict {
                        field: "status",
                        message: "the ticket is closed; file a new ticket to raise something else"
                            .into(),
                    });
                }
                if *internal && !vendor {
                    return Err(DeskError::Forbidden(
                        "internal notes are for the service desk".into(),
                    ));
                }
                limits::check("body", body, limits::COMMENT)?;
                if body.trim().is_empty() {
                    return Err(DeskError::invalid("body", "a comment needs a text"));
                }
                let response = vendor && !*internal;
                let open_again = !vendor && status == Status::WaitingOnCustomer;
                (
                    EventType::Commented,
                    json!({ "body": body, "internal": internal, "response": response }),
                    if open_again || (response && status == Status::New) {
                        Status::Open
                    } else {
                        status
                    },
                    ticket.priority,
                    ticket.assignee_id,
                )
            }
            Action::Priority { to, reason } => {
                caller.require_vendor()?;
                if ticket.kind != TicketKind::Incident {
                    return Err(DeskError::invalid(
                        "priority",
                        "only incidents have a priority",
                    ));
                }
                limits::check("reason", reason, limits::PRIORITY_REASON)?;
                if reason.trim().is_empty() {
                    return Err(DeskError::invalid(
                        "reason",
                        "a priority change needs a reason (SLA §6.2)",
                    ));
                }
                if ticket.priority == Some(*to) {
                    return Err(DeskError::invalid(
                        "priority",
                        format!("the priority is {to} already"),
                    ));
                }
                (
                    EventType::PriorityChanged,
                    json!({
                        "from": ticket.priority.map(|p| p.as_str()),
                        "to": to.as_str(),
                        "reason": reason.trim(),
                    }),
                    status,
                    Some(*to),
                    ticket.assignee_id,
                )
            }
            Action::Assign { to } => {
                caller.require_vendor()?;
                if let Some(p) = to {
                    let person = self
                        .store
                        .get_person(&caller.scope, *p)
                        .await
                        .map_err(|_| {
                            DeskError::invalid("assignee_id", format!("there is no person {p}"))
                        })?;
                    if !person.role.is_vendor() {
                        return Err(DeskError::invalid(
                            "assignee_id",
                            "tickets are assigned to the service desk's staff",
                        ));
                    }
                }
                (
                    EventType::Assigned,
                    json!({ "to": to }),
                    status,
                    ticket.priority,
                    *to,
                )
            }
            Action::Status { to, reason } => {
                let allowed = crate::access::may_transition(caller.role(), status, *to);
                if !allowed {
                    return Err(if vendor || caller.role() == Role::CustomerAdmin {
                        DeskError::invalid(
                            "status",
                            format!("a ticket cannot go from {status} to {to} here"),
                        )
                    } else {
                        DeskError::Forbidden(
                            "viewers read; only administrators change tickets".into(),
                        )
                    });
                }
                limits::check_opt("reason", reason.as_deref(), limits::STATUS_REASON)?;
                let kind = match to {
                    Status::Resolved => EventType::Resolved,
                    Status::Reopened => EventType::Reopened,
                    _ => EventType::StatusChanged,
                };
                (
                    kind,
                    json!({ "from": status.as_str(), "to": to.as_str(), "reason": reason }),
                    *to,
                    ticket.priority,
                    ticket.assignee_id,
                )
            }
        };
        let notice = notice_of(&action, next_status, ticket.priority);
        let event = NewEvent {
            at: now,
            actor_id: Some(caller.person.id),
            kind,
            data,
        };
        let readers = match &notice {
            Some(n) => {
                let audience = self.audience(&ticket, n).await?;
                self.readers_for(n, caller.person.id, &audience).await?
            }
            None => Vec::new(),
        };
        let compiled = self.compiled(ticket.agreement_id).await?;
        // The action was checked against the ticket as read above; if another change landed
        // in between (the transaction holds the row now), refuse rather than act on a stale view.
        let seen = (ticket.status, ticket.priority, ticket.assignee_id);
        let compute = |current: &Ticket, history: &[Event]| {
            if (current.status, current.priority, current.assignee_id) != seen {
                return Err(DeskError::Conflict {
                    field: "status",
                    message:
                        "the ticket changed while you were acting on it; reload it and try again"
                            .into(),
                });
            }
            Ok::<_, DeskError>(TicketUpdate {
                status: next_status,
                priority: next_priority,
                assignee_id: next_assignee,
                clocks: derive(history, next_status, &compiled, now)?,
            })
        };
        let links = &self.links;
        let calendar = &compiled.calendar;
        let mails = |t: &Ticket| match &notice {
            Some(n) => notify::mailer(links, n, &readers, calendar, now)(t),
            None => Vec::new(),
        };
        let new = file.map(|f| NewAttachment {
            event_id: None,
            file_name: f.file_name,
            content_type: f.content_type,
            data: f.data,
            uploaded_by: caller.person.id,
            created_at: now,
        });
        let (updated, a) = self
            .store
            .record_event_mailing(&caller.scope, id, &event, new.as_ref(), now, compute, mails)
            .await?;
        Ok((updated, a))
    }
}

/// What an action means for mail: a public comment is a reply, a status change to waiting,
/// resolved or reopened and a priority change are told; internal notes, assignments and other
/// status changes mail no one.
fn notice_of(action: &Action, next_status: Status, before: Option<Priority>) -> Option<Notice> {
    match action {
        Action::Comment { internal: true, .. } | Action::Assign { .. } => None,
        Action::Comment { body, .. } => Some(Notice::Reply { body: body.clone() }),
        Action::Priority { to, reason } => Some(Notice::Priority {
            from: before,
            to: *to,
            reason: reason.clone(),
        }),
        Action::Status { reason, .. } => {
            let reason = reason.clone().filter(|r| !r.trim().is_empty());
            match next_status {
                Status::WaitingOnCustomer => Some(Notice::Waiting { reason }),
                Status::Resolved => Some(Notice::Resolved { reason }),
                Status::Reopened => Some(Notice::Reopened { reason }),
                _ => None,
            }
        }
    }
}

impl Desk {
    /// The compiled agreement version `id` (a stored version never changes: read once).
    pub async fn compiled(
        &self,
        id: store::AgreementId,
    ) -> Result<std::sync::Arc<crate::Compiled>, DeskError> {
        if let Some(c) = self.policies.cached(id) {
            return Ok(c);
        }
        let agreement = self.store.get_agreement(&Scope::System, id).await?;
        self.policies.get(&agreement)
    }

    /// Saves a filter of the queue under a name for one of the service desk's staff; saving
    /// again under the same name replaces the filter.
    pub async fn save_view(
        &self,
        caller: &Caller,
        name: &str,
        query: &str,
    ) -> Result<SavedView, DeskError> {
        caller.require_vendor()?;
        limits::check("name", name, limits::VIEW_NAME)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(DeskError::invalid("name", "a view needs a name"));
        }
        Ok(self
            .store
            .save_view(caller.person.id, name, query, self.now_ms())
            .await?)
    }

    /// Recomputes the clocks of open tickets whose next deadline has passed since their last
    /// event, so stored outcomes (and the filters on them) follow the time. Returns how many.
    pub async fn refresh_clocks(&self) -> Result<usize, DeskError> {
        let now = stored(self.clock.now());
        let mut due = self.store.tickets_past_deadline(now, 500).await?;
        // Decided targets written before the report totals existed: count them once.
        due.extend(self.store.tickets_uncounted(500).await?);
        for id in &due {
            let ticket = self.store.get_ticket(&Scope::System, *id).await?;
            let compiled = self.compiled(ticket.agreement_id).await?;
            self.store
                .refresh_ticket(*id, |t, history| {
                    Ok::<_, DeskError>(TicketUpdate {
                        status: t.status,
                        priority: t.priority,
                        assignee_id: t.assignee_id,
                        clocks: derive(history, t.status, &compiled, now)?,
                    })
                })
                .await?;
        }
        Ok(due.len())
    }
}

/// Input for filing a ticket.
#[derive(Debug, Clone)]
pub struct FileTicket {
    /// Kind.
    pub kind: TicketKind,
    /// Priority (incidents).
    pub priority: Option<Priority>,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: String,
    /// Organization (optional check for phone registrations).
    pub organization_id: Option<OrgId>,
    /// The calling customer administrator (phone registrations).
    pub reporter_id: Option<PersonId>,
    /// When the call came in (phone registrations).
    pub received_at: Option<Timestamp>,
}

/// A file sent with a comment (name sanitised, type normalised by the caller).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's name.
    pub file_name: String,
    /// Its declared media type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// Something done to a ticket.
#[derive(Debug, Clone)]
pub enum Action {
    /// A public comment or (vendor) internal note.
    Comment {
        /// The text.
        body: String,
        /// Internal note.
        internal: bool,
    },
    /// A priority change with its reason.
    Priority {
        /// The new priority.
        to: Priority,
        /// Why.
        reason: String,
    },
    /// (Un)assignment.
    Assign {
        /// The agent, or none.
        to: Option<PersonId>,
    },
    /// A status change (resolve, reopen, wait, close).
    Status {
        /// The new status.
        to: Status,
        /// Why (optional).
        reason: Option<String>,
    },
}
