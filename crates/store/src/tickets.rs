//! Tickets: the current-state row (`tickets`), the append-only history (`ticket_events`)
//! and one clock row per bound (`ticket_targets`). This module has the types and reads one
//! ticket; [`write`] files tickets and records events, [`listing`] pages through them.
//! Rows carry the `sla` enums, [`EventType`] and `jiff::Timestamp`s, parsed when a row is
//! read (an unknown word or an instant out of range is [`StoreError::Corrupt`]) and written
//! as the same words and milliseconds as ever.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sla::{Channel, OutcomeKind, Priority, Status, TicketKind};
use sqlx::{AssertSqlSafe, FromRow as _};

use crate::{
    AgreementId, Millis, OrgId, PersonId, Result, Scope, Store, StoreError, TicketId, instant, word,
};

pub(crate) mod listing;
pub(crate) mod write;

pub(crate) const TICKET_COLUMNS: &str = "id, org_id, agreement_id, kind, priority, status, channel, subject, \
     reporter_id, assignee_id, received_at, created_at, updated_at, clock_start, next_deadline, \
     queue_at, sla_outcome, paused, event_count";

pub(crate) const TARGET_COLUMNS: &str = "ticket_id, bound, percent_bp, within, deadline, outcome, \
    decided_at, business_used, budget, priority, decided_month, bin";

/// A ticket's current state, with the clock fields the engine derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The customer.
    pub org_id: OrgId,
    /// The agreement it is measured under.
    pub agreement_id: AgreementId,
    /// Incident, question or request for change.
    pub kind: TicketKind,
    /// Incident priority.
    pub priority: Option<Priority>,
    /// Current status.
    pub status: Status,
    /// How it came in.
    pub channel: Channel,
    /// Subject line.
    pub subject: String,
    /// The customer administrator it was filed by or for.
    pub reporter_id: PersonId,
    /// The agent it is assigned to.
    pub assignee_id: Option<PersonId>,
    /// When it was received (for a phone call: when the call came in).
    pub received_at: Timestamp,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The derived clock fields.
    pub clocks: Derived,
    /// Number of events in its history.
    pub event_count: i64,
}

/// What the SLA engine derived from a ticket's history; never edited by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// When the clocks started.
    pub clock_start: Timestamp,
    /// The earliest deadline of a running target.
    pub next_deadline: Option<Timestamp>,
    /// Position in the agent queue: the earliest unmet deadline in milliseconds, or a sort
    /// key past every instant for a paused ticket (beyond what `Timestamp` holds, so not an
    /// instant); `None` once resolved or closed.
    pub queue_at: Option<Millis>,
    /// Missed if any target was missed, else running if any runs, else met.
    pub sla_outcome: OutcomeKind,
    /// Whether a pausing status holds.
    pub paused: bool,
    /// One row per bound.
    pub targets: Vec<TargetRow>,
}

/// One bound's clock, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    /// Index of the bound in the target set.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time allowed, in policy-file form (e.g. `4 hours`).
    pub within: String,
    /// When the time runs out.
    pub deadline: Option<Timestamp>,
    /// Running, met or missed.
    pub outcome: OutcomeKind,
    /// When the outcome was decided.
    pub decided_at: Option<Timestamp>,
    /// Business seconds used.
    pub business_used: i64,
    /// Business seconds allowed.
    pub budget: i64,
    /// The month the outcome was decided in, `YYYYMM` in Europe/Amsterdam (decided ones).
    pub decided_month: Option<i64>,
    /// For bound 0 of incidents: the twelfth of the 100% bound the time used falls in
    /// (0–11, 12 beyond the bound); `None` otherwise.
    pub bin: Option<i64>,
}

/// Input for a new ticket (its first event is recorded with it).
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The customer.
    pub org_id: OrgId,
    /// The agreement in force at receipt.
    pub agreement_id: AgreementId,
    /// Kind.
    pub kind: TicketKind,
    /// Incident priority.
    pub priority: Option<Priority>,
    /// Channel.
    pub channel: Channel,
    /// Subject line.
    pub subject: String,
    /// The customer administrator.
    pub reporter_id: PersonId,
    /// When it was received.
    pub received_at: Timestamp,
    /// When it is recorded.
    pub created_at: Timestamp,
}

/// What an event of a ticket's history records, stored as its word (`created`,
/// `commented`, …). The SLA engine's view of an event is [`sla::EventKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// The ticket was filed (its data: kind, priority, channel, subject, description, reporter).
    Created,
    /// A comment or internal note (its data: body, internal, response).
    Commented,
    /// The priority changed (its data: from, to, reason).
    PriorityChanged,
    /// The ticket was (un)assigned (its data: to).
    Assigned,
    /// The status changed other than by resolving or reopening (its data: from, to, reason).
    StatusChanged,
    /// The ticket was resolved (its data: from, to, reason).
    Resolved,
    /// The ticket was reopened (its data: from, to, reason).
    Reopened,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 7] = [
        EventType::Created,
        EventType::Commented,
        EventType::PriorityChanged,
        EventType::Assigned,
        EventType::StatusChanged,
        EventType::Resolved,
        EventType::Reopened,
    ];

    /// The word stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Created => "created",
            EventType::Commented => "commented",
            EventType::PriorityChanged => "priority_changed",
            EventType::Assigned => "assigned",
            EventType::StatusChanged => "status_changed",
            EventType::Resolved => "resolved",
            EventType::Reopened => "reopened",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown event type `{s}`"))
    }
}

/// One event of a ticket's append-only history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id, increasing.
    pub id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor_id: Option<PersonId>,
    /// What happened.
    pub kind: EventType,
    /// The details (who, what, why) as JSON.
    pub data: serde_json::Value,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// Input for a new event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor_id: Option<PersonId>,
    /// What happened.
    pub kind: EventType,
    /// The details as JSON.
    pub data: serde_json::Value,
}

/// The new state of a ticket after an event.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    /// Status.
    pub status: Status,
    /// Priority.
    pub priority: Option<Priority>,
    /// Assignee.
    pub assignee_id: Option<PersonId>,
    /// Derived clock fields.
    pub clocks: Derived,
}

/// Ordering of a ticket listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOrder {
    /// Open tickets by time to breach (the agent queue), earliest first.
    #[default]
    Queue,
    /// All tickets, newest first.
    Newest,
}

/// Filters on a ticket listing; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this organization.
    pub org: Option<OrgId>,
    /// Only this kind.
    pub kind: Option<TicketKind>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this overall SLA outcome.
    pub sla_outcome: Option<OutcomeKind>,
    /// Only tickets whose next running deadline falls at or before this instant.
    pub deadline_before: Option<Timestamp>,
    /// Only tickets whose subject contains this text (case-insensitive for ASCII).
    pub subject: Option<String>,
    /// Only tickets assigned to this person.
    pub assignee: Option<PersonId>,
    /// Ordering.
    pub order: TicketOrder,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRecord {
    id: i64,
    pub(crate) org_id: i64,
    agreement_id: i64,
    kind: String,
    priority: Option<String>,
    status: String,
    channel: String,
    subject: String,
    reporter_id: i64,
    assignee_id: Option<i64>,
    received_at: i64,
    created_at: i64,
    updated_at: i64,
    clock_start: i64,
    next_deadline: Option<i64>,
    queue_at: Option<i64>,
    sla_outcome: String,
    paused: i64,
    event_count: i64,
}

impl TryFrom<TicketRecord> for Ticket {
    type Error = StoreError;

    fn try_from(r: TicketRecord) -> Result<Self, StoreError> {
        Ok(Ticket {
            id: TicketId(r.id),
            org_id: OrgId(r.org_id),
            agreement_id: AgreementId(r.agreement_id),
            kind: word(&r.kind)?,
            priority: r.priority.as_deref().map(word).transpose()?,
            status: word(&r.status)?,
            channel: word(&r.channel)?,
            subject: r.subject,
            reporter_id: PersonId(r.reporter_id),
            assignee_id: r.assignee_id.map(PersonId),
            received_at: instant(r.received_at)?,
            created_at: instant(r.created_at)?,
            updated_at: instant(r.updated_at)?,
            clocks: Derived {
                clock_start: instant(r.clock_start)?,
                next_deadline: r.next_deadline.map(instant).transpose()?,
                queue_at: r.queue_at,
                sla_outcome: word(&r.sla_outcome)?,
                paused: r.paused != 0,
                targets: Vec::new(),
            },
            event_count: r.event_count,
        })
    }
}

#[derive(Clone, sqlx::FromRow)]
pub(crate) struct TargetRecord {
    pub(crate) ticket_id: i64,
    bound: i64,
    percent_bp: i64,
    within: String,
    deadline: Option<i64>,
    outcome: String,
    decided_at: Option<i64>,
    business_used: i64,
    budget: i64,
    pub(crate) priority: Option<String>,
    decided_month: Option<i64>,
    bin: Option<i64>,
}

impl TargetRecord {
    /// The priority the row was counted under (incidents).
    pub(crate) fn priority(&self) -> Result<Option<Priority>> {
        self.priority.as_deref().map(word).transpose()
    }
}

impl TryFrom<TargetRecord> for TargetRow {
    type Error = StoreError;

    fn try_from(r: TargetRecord) -> Result<Self, StoreError> {
        Ok(TargetRow {
            bound: r.bound,
            percent_bp: r.percent_bp,
            within: r.within,
            deadline: r.deadline.map(instant).transpose()?,
            outcome: word(&r.outcome)?,
            decided_at: r.decided_at.map(instant).transpose()?,
            business_used: r.business_used,
            budget: r.budget,
            decided_month: r.decided_month,
            bin: r.bin,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRecord {
    id: i64,
    ticket_id: i64,
    at: i64,
    actor_id: Option<i64>,
    kind: String,
    data: String,
    recorded_at: i64,
}

impl TryFrom<EventRecord> for Event {
    type Error = StoreError;

    fn try_from(r: EventRecord) -> Result<Self, StoreError> {
        Ok(Event {
            id: r.id,
            ticket_id: TicketId(r.ticket_id),
            at: instant(r.at)?,
            actor_id: r.actor_id.map(PersonId),
            kind: word(&r.kind)?,
            data: serde_json::from_str(&r.data)
                .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", r.id)))?,
            recorded_at: instant(r.recorded_at)?,
        })
    }
}

/// What one call reads of a ticket: its row (`None` when absent or out of scope), its bound
/// rows, and on request its history and the id its next event gets.
pub(crate) struct TicketRead {
    /// The ticket's row.
    pub(crate) ticket: Option<TicketRecord>,
    /// Its bound rows, by bound.
    pub(crate) targets: Vec<TargetRecord>,
    /// Its events, oldest first (empty unless asked for).
    pub(crate) events: Vec<EventRecord>,
    /// The id the next event will be stored under (only when asked for).
    pub(crate) next_event: Option<i64>,
}

/// Which parts of a ticket a [`TicketRead`] takes, and how its row is held.
#[derive(Clone, Copy)]
pub(crate) struct ReadSpec<'a> {
    /// Only a ticket of this organisation.
    pub(crate) org: Option<OrgId>,
    /// The row-lock clause (` FOR UPDATE` on PostgreSQL in a write, else empty).
    pub(crate) lock: &'a str,
    /// Also the history.
    pub(crate) history: bool,
    /// Also the next event's id (`Some(postgres)`).
    pub(crate) next_event: Option<bool>,
}

/// The statements of a [`TicketRead`] as one string: every value in it is an integer id,
/// so it travels as one call (no parameters) on either backend.
pub(crate) fn ticket_read_sql(id: TicketId, spec: ReadSpec<'_>) -> String {
    let id = id.0;
    let org = spec
        .org
        .map_or(String::new(), |o| format!(" AND org_id = {}", o.0));
    let mut sql = format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = {id}{org}{}; \
         SELECT {TARGET_COLUMNS} FROM ticket_targets WHERE ticket_id = {id} ORDER BY bound;",
        spec.lock
    );
    if spec.history {
        sql.push_str(&format!(
            " SELECT {EVENT_COLUMNS} FROM ticket_events WHERE ticket_id = {id} ORDER BY id;"
        ));
    }
    match spec.next_event {
        Some(true) => {
            sql.push_str(" SELECT nextval(pg_get_serial_sequence('ticket_events', 'id')) AS next;")
        }
        Some(false) => sql.push_str(" SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ticket_events;"),
        None => {}
    }
    sql
}

/// Sorts the rows of a [`ticket_read_sql`] call by the statement that yielded them.
pub(crate) fn ticket_read<Q, R>(
    items: Vec<sqlx::Either<Q, R>>,
    spec: ReadSpec<'_>,
) -> Result<TicketRead>
where
    R: sqlx::Row,
    for<'r> TicketRecord: sqlx::FromRow<'r, R>,
    for<'r> TargetRecord: sqlx::FromRow<'r, R>,
    for<'r> EventRecord: sqlx::FromRow<'r, R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let mut groups: Vec<Vec<R>> = vec![Vec::new()];
    for item in items {
        match item {
            sqlx::Either::Left(_) => groups.push(Vec::new()),
            sqlx::Either::Right(row) => {
                if let Some(g) = groups.last_mut() {
                    g.push(row);
                }
            }
        }
    }
    let mut groups = groups.into_iter();
    let mut next = || groups.next().unwrap_or_default();
    let ticket = next().first().map(TicketRecord::from_row).transpose()?;
    let targets = next()
        .iter()
        .map(TargetRecord::from_row)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let events = if spec.history {
        next()
            .iter()
            .map(EventRecord::from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    let next_event = match spec.next_event {
        Some(_) => Some(
            next()
                .first()
                .map(|r| r.try_get::<i64, _>("next"))
                .transpose()?
                .ok_or_else(|| StoreError::Corrupt("no next event id".into()))?,
        ),
        None => None,
    };
    Ok(TicketRead {
        ticket,
        targets,
        events,
        next_event,
    })
}

/// Reads what `spec` asks of ticket `$id` through `$executor` in one call; yields a
/// [`TicketRead`].
macro_rules! read_ticket {
    ($executor:expr, $id:expr, $spec:expr) => {{
        use futures_util::TryStreamExt as _;
        let spec: $crate::tickets::ReadSpec<'_> = $spec;
        let sql = $crate::tickets::ticket_read_sql($id, spec);
        let items: Vec<_> = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .fetch_many($executor)
            .try_collect()
            .await
            .map_err($crate::StoreError::from)?;
        $crate::tickets::ticket_read(items, spec)
    }};
}
pub(crate) use read_ticket;

pub(crate) const EVENT_COLUMNS: &str = "id, ticket_id, at, actor_id, kind, data, recorded_at";

impl Store {
    /// One ticket, if the scope may see it.
    pub async fn get_ticket(&self, scope: &Scope, id: TicketId) -> Result<Ticket> {
        let spec = ReadSpec {
            org: scope.org(),
            lock: "",
            history: false,
            next_event: None,
        };
        let read = on_pool!(self, p => read_ticket!(p, id, spec)?);
        let mut ticket = Ticket::try_from(read.ticket.ok_or(StoreError::NotFound("ticket"))?)?;
        ticket.clocks.targets = read
            .targets
            .into_iter()
            .map(TargetRow::try_from)
            .collect::<Result<_>>()?;
        Ok(ticket)
    }

    /// The history of a ticket the scope may see, oldest first; internal notes are left out
    /// for customer scopes.
    pub async fn ticket_events(&self, scope: &Scope, id: TicketId) -> Result<Vec<Event>> {
        self.get_ticket(scope, id).await?;
        let sql = "SELECT id, ticket_id, at, actor_id, kind, data, recorded_at \
                   FROM ticket_events WHERE ticket_id = $1 ORDER BY id";
        let rows: Vec<EventRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).fetch_all(p).await?);
        let events = rows
            .into_iter()
            .map(Event::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(match scope {
            Scope::Customer { .. } => events.into_iter().filter(|e| !is_internal(e)).collect(),
            _ => events,
        })
    }

    pub(crate) async fn targets_of(
        &self,
        ids: &[TicketId],
    ) -> Result<std::collections::HashMap<TicketId, Vec<TargetRow>>> {
        let mut out: std::collections::HashMap<TicketId, Vec<TargetRow>> = Default::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let list = ids
            .iter()
            .map(|i| i.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM ticket_targets WHERE ticket_id IN ({list}) \
             ORDER BY ticket_id, bound"
        );
        let rows: Vec<TargetRecord> =
            on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await?);
        for r in rows {
            out.entry(TicketId(r.ticket_id))
                .or_default()
                .push(TargetRow::try_from(r)?);
        }
        Ok(out)
    }
}

fn is_internal(e: &Event) -> bool {
    is_internal_data(&e.data)
}

pub(crate) fn is_internal_data(data: &serde_json::Value) -> bool {
    data.get("internal").and_then(|v| v.as_bool()) == Some(true)
}
