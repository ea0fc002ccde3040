//! Application services: the service desk's rules (who may do what, what an event means for
//! the SLA clocks), between the HTTP handlers and the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde_json::json;
use sla::{Calendar, EventKind, Outcome, Policy, Priority, Status, TicketEvent, TicketKind};
use store::{
    Agreement, AgreementId, Attachment, AuditEntry, Derived, Event, Millis, NewAgreement,
    NewAttachment, NewEvent, NewPerson, NewTicket, OrgId, Organization, Person, PersonId, Role,
    Scope, TargetRow, Ticket, TicketId, TicketUpdate,
};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// An agreement compiled for use: the policy and its calendar.
#[derive(Debug)]
pub struct Compiled {
    /// The policy.
    pub policy: Policy,
    /// Its calendar.
    pub calendar: Calendar,
}

/// Compiled agreements by id (an agreement version never changes once stored).
#[derive(Debug, Default)]
pub struct Policies {
    cache: Mutex<HashMap<AgreementId, Arc<Compiled>>>,
    standard: Mutex<Option<Arc<Compiled>>>,
}

/// Parses an agreement's policy text over the standard agreement.
pub fn parse_policy(text: &str, file: &str) -> Result<Policy, sla::PolicyError> {
    let standard = Policy::standard()?;
    if text.trim().is_empty() {
        return Ok(standard);
    }
    standard.overlay(text, file, &|name| {
        Err(format!(
            "an agreement stored in loket cannot refer to the file `{name}`; list the dates in closed_dates"
        ))
    })
}

impl Policies {
    /// The compiled form of an agreement version.
    pub fn get(&self, a: &Agreement) -> Result<Arc<Compiled>, ApiError> {
        if let Some(c) = self.cache.lock().ok().and_then(|m| m.get(&a.id).cloned()) {
            return Ok(c);
        }
        let policy = parse_policy(&a.policy, "agreement")
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored agreement {}: {e}", a.id)))?;
        let calendar = policy
            .compile_calendar()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored agreement {}: {e}", a.id)))?;
        let c = Arc::new(Compiled { policy, calendar });
        if let Ok(mut m) = self.cache.lock() {
            m.insert(a.id, c.clone());
        }
        Ok(c)
    }

    /// The standard agreement, compiled.
    pub fn standard(&self) -> Result<Arc<Compiled>, ApiError> {
        if let Some(c) = self.standard.lock().ok().and_then(|s| s.clone()) {
            return Ok(c);
        }
        let policy = Policy::standard().map_err(|e| ApiError::Internal(e.into()))?;
        let calendar = policy
            .compile_calendar()
            .map_err(|e| ApiError::Internal(e.into()))?;
        let c = Arc::new(Compiled { policy, calendar });
        if let Ok(mut s) = self.standard.lock() {
            *s = Some(c.clone());
        }
        Ok(c)
    }
}

/// Position in the queue of an open ticket whose deadline is unknown (paused): last.
pub const QUEUE_LAST: Millis = 253_402_300_799_000;

/// Milliseconds of an instant.
pub fn ms(t: Timestamp) -> Millis {
    t.as_millisecond()
}

/// The instant of milliseconds.
pub fn ts(ms: Millis) -> Result<Timestamp, ApiError> {
    Timestamp::from_millisecond(ms)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("instant {ms} ms out of range: {e}")))
}

fn word<T: std::str::FromStr>(s: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| ApiError::Internal(anyhow::anyhow!("stored value: {e}")))
}

/// The SLA engine's view of a stored history.
pub fn engine_events(events: &[Event]) -> Result<Vec<TicketEvent>, ApiError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let d = &e.data;
        let text = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let kind = match e.kind.as_str() {
            "created" => EventKind::Created {
                kind: word(text("kind"))?,
                priority: d
                    .get("priority")
                    .and_then(|v| v.as_str())
                    .map(word)
                    .transpose()?,
            },
            "priority_changed" => EventKind::PriorityChanged {
                to: word(text("to"))?,
            },
            "status_changed" => EventKind::StatusChanged {
                to: word(text("to"))?,
            },
            "resolved" => EventKind::Resolved,
            "reopened" => EventKind::Reopened,
            "commented" if d.get("response").and_then(|v| v.as_bool()) == Some(true) => {
                EventKind::Responded
            }
            _ => continue,
        };
        out.push(TicketEvent {
            at: ts(e.at)?,
            kind,
        });
    }
    Ok(out)
}

/// The derived clock fields of a ticket from its history, as of `now`.
pub fn derive(
    events: &[Event],
    status: Status,
    compiled: &Compiled,
    now: Timestamp,
) -> Result<Derived, ApiError> {
    let engine = engine_events(events)?;
    let clocks = sla::compute(&engine, &compiled.policy, &compiled.calendar, now)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("computing clocks: {e}")))?;
    let deadline_ms = |t: Option<Timestamp>| t.map(ms);
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
            deadline: deadline_ms(t.deadline),
            outcome: t.outcome.as_str().to_string(),
            decided_at: t.outcome.decided_at().map(ms),
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
        "missed"
    } else if clocks.targets.iter().any(|t| t.outcome == Outcome::Running) {
        "running"
    } else {
        "met"
    };
    let open = !matches!(status, Status::Resolved | Status::Closed);
    let queue_at = open.then(|| {
        clocks
            .targets
            .iter()
            .filter(|t| !matches!(t.outcome, Outcome::Met { .. }))
            .filter_map(|t| t.deadline.map(ms))
            .min()
            .unwrap_or(QUEUE_LAST)
    });
    Ok(Derived {
        clock_start: ms(clocks.clock_start),
        next_deadline: next_deadline.map(ms),
        queue_at,
        sla_outcome: outcome.to_string(),
        paused: clocks.paused,
        targets,
    })
}

/// Role-address local parts that suggest a shared mailbox (SLA §4: accounts are personal).
const ROLE_ADDRESSES: &[&str] = &[
    "admin",
    "administratie",
    "beheer",
    "contact",
    "helpdesk",
    "ict",
    "info",
    "it",
    "mail",
    "noreply",
    "no-reply",
    "office",
    "sales",
    "secretariaat",
    "service",
    "servicedesk",
    "support",
    "team",
];

/// A warning when an e-mail address looks like a shared role address.
pub fn role_address_warning(email: &str) -> Option<String> {
    let local = email.split('@').next()?.to_lowercase();
    ROLE_ADDRESSES.contains(&local.as_str()).then(|| {
        format!(
            "`{email}` looks like a shared role address; accounts are personal (SLA §4), use the person's own address"
        )
    })
}

/// Checks an e-mail address's shape: one `@`, a local part, a domain with a dot.
pub fn check_email(email: &str) -> Result<String, ApiError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
                && !e.chars().any(char::is_whitespace)
        });
    if ok {
        Ok(e)
    } else {
        Err(ApiError::field(
            "email",
            format!("`{email}` is not an e-mail address"),
        ))
    }
}

impl AppState {
    async fn audit(
        &self,
        caller: Option<&Caller>,
        org: Option<OrgId>,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        self.store
            .audit(&AuditEntry {
                at: self.now_ms(),
                actor_id: caller.map(|c| c.person.id),
                org_id: org,
                action: action.to_string(),
                detail,
            })
            .await?;
        Ok(())
    }

    /// Creates a customer with the standard agreement in force from the start.
    pub async fn create_org(&self, caller: &Caller, name: &str) -> Result<Organization, ApiError> {
        caller.require(&[Role::Admin], "only an administrator may add customers")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ApiError::field(
                "name",
                "a name of 1 to 200 characters is needed",
            ));
        }
        let org = self.store.create_org(name, self.now_ms()).await?;
        self.store
            .add_agreement(
                &Scope::System,
                &NewAgreement {
                    org_id: org.id,
                    name: "Standaard SLA".into(),
                    policy: String::new(),
                    effective_from: 0,
                    document_ref: None,
                },
                self.now_ms(),
            )
            .await?;
        self.audit(
            Some(caller),
            Some(org.id),
            "organization.created",
            json!({ "name": name }),
        )
        .await?;
        Ok(org)
    }

    /// Records a new agreement version after validating its policy text.
    pub async fn add_agreement(
        &self,
        caller: &Caller,
        new: NewAgreement,
    ) -> Result<Agreement, ApiError> {
        caller.require(
            &[Role::Admin],
            "only an administrator may change agreements",
        )?;
        if new.name.trim().is_empty() {
            return Err(ApiError::field("name", "an agreement needs a name"));
        }
        parse_policy(&new.policy, "policy").map_err(|e| {
            ApiError::field(
                "policy",
                format!(
                    "line {}, column {}: {}: {}",
                    e.line, e.column, e.key, e.message
                ),
            )
        })?;
        let a = self
            .store
            .add_agreement(&caller.scope, &new, self.now_ms())
            .await?;
        self.audit(
            Some(caller),
            Some(a.org_id),
            "agreement.added",
            json!({ "agreement": a.id, "effective_from": a.effective_from }),
        )
        .await?;
        Ok(a)
    }

    /// The compiled agreement in force for a customer at an instant.
    pub async fn agreement_at(
        &self,
        org: OrgId,
        at: Millis,
    ) -> Result<(Agreement, Arc<Compiled>), ApiError> {
        let a = self
            .store
            .agreement_in_force(&Scope::System, org, at)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "received_at",
                    "no agreement of this customer was in force then",
                )
            })?;
        let c = self.policies.get(&a)?;
        Ok((a, c))
    }

    /// Creates a person; customer administrators count against the agreement's limit.
    /// Returns the person and warnings (e.g. a role address).
    pub async fn create_person(
        &self,
        caller: Option<&Caller>,
        mut new: NewPerson,
    ) -> Result<(Person, Vec<String>), ApiError> {
        if let Some(c) = caller {
            c.require(&[Role::Admin], "only an administrator may add people")?;
        }
        new.email = check_email(&new.email)?;
        if new.name.trim().is_empty() || new.name.chars().count() > 200 {
            return Err(ApiError::field(
                "name",
                "a name of 1 to 200 characters is needed",
            ));
        }
        if !matches!(new.lang.as_str(), "nl" | "en") {
            return Err(ApiError::field("lang", "`nl` or `en`"));
        }
        let max_admins = match (new.role.is_vendor(), new.org_id) {
            (true, Some(_)) => {
                return Err(ApiError::field(
                    "organization_id",
                    "vendor staff belong to no customer",
                ));
            }
            (false, None) => {
                return Err(ApiError::field(
                    "organization_id",
                    "a customer role needs the customer's organization",
                ));
            }
            (false, Some(org)) => {
                self.store.get_org(&Scope::System, org).await.map_err(|_| {
                    ApiError::field("organization_id", format!("there is no organization {org}"))
                })?;
                let (_, c) = self.agreement_at(org, self.now_ms()).await?;
                Some(c.policy.max_administrators)
            }
            (true, None) => None,
        };
        let warnings: Vec<String> = role_address_warning(&new.email).into_iter().collect();
        let person = self
            .store
            .create_person(&new, max_admins, self.now_ms())
            .await?;
        self.audit(
            caller,
            person.org_id,
            "person.created",
            json!({ "person": person.id, "role": person.role.as_str() }),
        )
        .await?;
        Ok((person, warnings))
    }

    /// Changes a person's role (the administrator limit applies when granting it).
    pub async fn set_role(
        &self,
        caller: &Caller,
        id: PersonId,
        role: Role,
    ) -> Result<Person, ApiError> {
        caller.require(&[Role::Admin], "only an administrator may change roles")?;
        let current = self.store.get_person(&caller.scope, id).await?;
        if current.role.is_vendor() != role.is_vendor() {
            return Err(ApiError::field(
                "role",
                "a role can change within the vendor's staff or within a customer, not between them",
            ));
        }
        let max = match current.org_id {
            Some(org) => Some(
                self.agreement_at(org, self.now_ms())
                    .await?
                    .1
                    .policy
                    .max_administrators,
            ),
            None => None,
        };
        let p = self.store.set_role(&caller.scope, id, role, max).await?;
        self.audit(
            Some(caller),
            p.org_id,
            "person.role_changed",
            json!({ "person": id, "role": role.as_str() }),
        )
        .await?;
        Ok(p)
    }

    /// Files a ticket: customer administrators for their own organization (web or API);
    /// vendor staff only to register a phone call on behalf of one of a customer's
    /// administrators, with the instant the call came in.
    pub async fn file_ticket(
        &self,
        caller: &Caller,
        input: FileTicket,
    ) -> Result<Ticket, ApiError> {
        let now = self.clock.now();
        let subject = input.subject.trim().to_string();
        if subject.is_empty() || subject.chars().count() > 300 {
            return Err(ApiError::field(
                "subject",
                "a subject of 1 to 300 characters is needed",
            ));
        }
        if input.description.chars().count() > 100_000 {
            return Err(ApiError::field("description", "at most 100,000 characters"));
        }
        let priority = match (input.kind, input.priority) {
            (TicketKind::Incident, None) => {
                return Err(ApiError::field(
                    "priority",
                    "an incident needs a priority: urgent, high, normal or low",
                ));
            }
            (TicketKind::Incident, Some(p)) => Some(p),
            (_, Some(_)) => {
                return Err(ApiError::field(
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
                    return Err(ApiError::Forbidden(
                        "a customer files for itself; reporter, organization and receipt time are set by loket".into(),
                    ));
                }
                let org = caller.scope.org().ok_or(ApiError::Unauthorized)?;
                let channel = if caller.via_token { "api" } else { "web" };
                (org, caller.person.id, channel, now)
            }
            Role::CustomerViewer => {
                return Err(ApiError::Forbidden(
                    "only the customer's administrators may file tickets (SLA §3); viewers read"
                        .into(),
                ));
            }
            _ => {
                let reporter_id = input.reporter_id.ok_or_else(|| {
                    ApiError::field(
                        "reporter_id",
                        "registering a phone call needs the customer administrator who called",
                    )
                })?;
                let reporter = self
                    .store
                    .get_person(&caller.scope, reporter_id)
                    .await
                    .map_err(|_| {
                        ApiError::field("reporter_id", format!("there is no person {reporter_id}"))
                    })?;
                let Some(org) = reporter
                    .org_id
                    .filter(|_| reporter.role == Role::CustomerAdmin)
                else {
                    return Err(ApiError::Forbidden(format!(
                        "{} is not a customer administrator; only they may report (SLA §3)",
                        reporter.name
                    )));
                };
                if input.organization_id.is_some_and(|o| o != org) {
                    return Err(ApiError::field(
                        "organization_id",
                        "the caller belongs to another organization",
                    ));
                }
                let received = input.received_at.unwrap_or(now);
                if received > now {
                    return Err(ApiError::field(
                        "received_at",
                        "the call cannot have come in in the future",
                    ));
                }
                if now.duration_since(received).as_secs() > 7 * 24 * 3600 {
                    return Err(ApiError::field(
                        "received_at",
                        "a call is registered within 7 days of coming in",
                    ));
                }
                (org, reporter.id, "phone", received)
            }
        };
        let received_ms = ms(received);
        let (agreement, compiled) = self.agreement_at(org, received_ms).await?;
        let first = NewEvent {
            at: received_ms,
            actor_id: Some(caller.person.id),
            kind: "created".into(),
            data: json!({
                "kind": input.kind.as_str(),
                "priority": priority.map(|p| p.as_str()),
                "channel": channel,
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
            kind: first.kind.clone(),
            data: first.data.clone(),
            recorded_at: ms(now),
        }];
        let clocks = derive(&history, Status::New, &compiled, now)?;
        let ticket = self
            .store
            .create_ticket(
                &NewTicket {
                    org_id: org,
                    agreement_id: agreement.id,
                    kind: input.kind.as_str().into(),
                    priority: priority.map(|p| p.as_str().to_string()),
                    channel: channel.into(),
                    subject,
                    reporter_id: reporter,
                    received_at: received_ms,
                    created_at: ms(now),
                },
                &first,
                &TicketUpdate {
                    status: Status::New.as_str().into(),
                    priority: priority.map(|p| p.as_str().to_string()),
                    assignee_id: None,
                    clocks,
                },
            )
            .await?;
        Ok(ticket)
    }

    /// Applies an action to a ticket: appends its event and recomputes the clocks, atomically.
    pub async fn act(
        &self,
        caller: &Caller,
        id: TicketId,
        action: Action,
    ) -> Result<Ticket, ApiError> {
        self.act_with_file(caller, id, action, None)
            .await
            .map(|(t, _)| t)
    }

    /// [`AppState::act`] with a file attached to a comment: the comment's event, the file
    /// and the recomputed clocks are stored in one transaction (all or nothing).
    pub async fn act_with_file(
        &self,
        caller: &Caller,
        id: TicketId,
        action: Action,
        file: Option<Upload>,
    ) -> Result<(Ticket, Option<Attachment>), ApiError> {
        if file.is_some() && !matches!(action, Action::Comment { .. }) {
            return Err(ApiError::field("file", "files go with a comment"));
        }
        let now = self.clock.now();
        let ticket = self.store.get_ticket(&caller.scope, id).await?;
        let vendor = caller.role().is_vendor();
        let status: Status = word(&ticket.status)?;
        let (kind, data, next_status, next_priority, next_assignee) = match &action {
            Action::Comment { body, internal } => {
                if caller.role() == Role::CustomerViewer {
                    return Err(ApiError::Forbidden(
                        "viewers read; only administrators comment".into(),
                    ));
                }
                if *internal && !vendor {
                    return Err(ApiError::Forbidden(
                        "internal notes are for the service desk".into(),
                    ));
                }
                if body.trim().is_empty() || body.chars().count() > 100_000 {
                    return Err(ApiError::field(
                        "body",
                        "a comment of 1 to 100,000 characters is needed",
                    ));
                }
                let response = vendor && !*internal;
                let open_again = !vendor && status == Status::WaitingOnCustomer;
                (
                    "commented",
                    json!({ "body": body, "internal": internal, "response": response }),
                    if open_again || (response && status == Status::New) {
                        Status::Open
                    } else {
                        status
                    },
                    ticket.priority.clone(),
                    ticket.assignee_id,
                )
            }
            Action::Priority { to, reason } => {
                caller.require_vendor()?;
                if ticket.kind != "incident" {
                    return Err(ApiError::field(
                        "priority",
                        "only incidents have a priority",
                    ));
                }
                if reason.trim().is_empty() {
                    return Err(ApiError::field(
                        "reason",
                        "a priority change needs a reason (SLA §6.2)",
                    ));
                }
                if ticket.priority.as_deref() == Some(to.as_str()) {
                    return Err(ApiError::field(
                        "priority",
                        format!("the priority is {to} already"),
                    ));
                }
                (
                    "priority_changed",
                    json!({ "from": ticket.priority, "to": to.as_str(), "reason": reason.trim() }),
                    status,
                    Some(to.as_str().to_string()),
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
                            ApiError::field("assignee_id", format!("there is no person {p}"))
                        })?;
                    if !person.role.is_vendor() {
                        return Err(ApiError::field(
                            "assignee_id",
                            "tickets are assigned to the service desk's staff",
                        ));
                    }
                }
                (
                    "assigned",
                    json!({ "to": to }),
                    status,
                    ticket.priority.clone(),
                    *to,
                )
            }
            Action::Status { to, reason } => {
                let allowed = match (vendor, status, to) {
                    (_, from, to) if from == *to => false,
                    (true, _, Status::Open | Status::WaitingOnCustomer | Status::Closed) => {
                        !matches!(status, Status::Closed)
                    }
                    (true, Status::Resolved | Status::Closed, Status::Reopened) => true,
                    (true, s, Status::Resolved) => !matches!(s, Status::Resolved | Status::Closed),
                    (false, Status::Resolved, Status::Reopened | Status::Closed) => {
                        caller.role() == Role::CustomerAdmin
                    }
                    _ => false,
                };
                if !allowed {
                    return Err(if vendor || caller.role() == Role::CustomerAdmin {
                        ApiError::field(
                            "status",
                            format!("a ticket cannot go from {status} to {to} here"),
                        )
                    } else {
                        ApiError::Forbidden(
                            "viewers read; only administrators change tickets".into(),
                        )
                    });
                }
                let kind = match to {
                    Status::Resolved => "resolved",
                    Status::Reopened => "reopened",
                    _ => "status_changed",
                };
                (
                    kind,
                    json!({ "from": status.as_str(), "to": to.as_str(), "reason": reason }),
                    *to,
                    ticket.priority.clone(),
                    ticket.assignee_id,
                )
            }
        };
        let event = NewEvent {
            at: ms(now),
            actor_id: Some(caller.person.id),
            kind: kind.into(),
            data,
        };
        let policies = &self.policies;
        let agreement = self
            .store
            .get_agreement(&Scope::System, ticket.agreement_id)
            .await?;
        let compiled = policies.get(&agreement)?;
        // The action was checked against the ticket as read above; if another change landed
        // in between (the transaction holds the row now), refuse rather than act on a stale view.
        let seen = (
            ticket.status.clone(),
            ticket.priority.clone(),
            ticket.assignee_id,
        );
        let compute = |current: &Ticket, history: &[Event]| {
            if (
                current.status.clone(),
                current.priority.clone(),
                current.assignee_id,
            ) != seen
            {
                return Err(ApiError::Conflict {
                    field: "status",
                    message:
                        "the ticket changed while you were acting on it; reload it and try again"
                            .into(),
                });
            }
            Ok::<_, ApiError>(TicketUpdate {
                status: next_status.as_str().into(),
                priority: next_priority.clone(),
                assignee_id: next_assignee,
                clocks: derive(history, next_status, &compiled, now)?,
            })
        };
        match file {
            None => {
                let updated = self
                    .store
                    .record_event(&caller.scope, id, &event, ms(now), compute)
                    .await?;
                Ok((updated, None))
            }
            Some(f) => {
                let new = NewAttachment {
                    event_id: None,
                    file_name: f.file_name,
                    content_type: f.content_type,
                    data: f.data,
                    uploaded_by: caller.person.id,
                    created_at: ms(now),
                };
                let (updated, a) = self
                    .store
                    .record_event_with_attachment(&caller.scope, id, &event, &new, ms(now), compute)
                    .await?;
                Ok((updated, Some(a)))
            }
        }
    }
}

impl AppState {
    /// Recomputes the clocks of open tickets whose next deadline has passed since their last
    /// event, so stored outcomes (and the filters on them) follow the time. Returns how many.
    pub async fn refresh_clocks(&self) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let mut due = self.store.tickets_past_deadline(ms(now), 500).await?;
        // Decided targets written before the report totals existed: count them once.
        due.extend(self.store.tickets_uncounted(500).await?);
        for id in &due {
            let ticket = self.store.get_ticket(&Scope::System, *id).await?;
            let agreement = self
                .store
                .get_agreement(&Scope::System, ticket.agreement_id)
                .await?;
            let compiled = self.policies.get(&agreement)?;
            let status: Status = word(&ticket.status)?;
            self.store
                .refresh_ticket(*id, |t, history| {
                    Ok::<_, ApiError>(TicketUpdate {
                        status: t.status.clone(),
                        priority: t.priority.clone(),
                        assignee_id: t.assignee_id,
                        clocks: derive(history, status, &compiled, now)?,
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
