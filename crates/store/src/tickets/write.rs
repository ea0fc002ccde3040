//! Writing tickets: filing one with its first event, and recording events, each in one
//! transaction that also rewrites the derived clocks and the report totals.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;

use super::{ReadSpec, TARGET_COLUMNS, is_internal_data, read_ticket};
use crate::attachments::{attachment_meta, check_attachment, insert_attachment};
use crate::inbound::{bind_mark, mark_sql};
use crate::notifications::thread_mails_in_tx;
use crate::{
    Attachment, Db, Event, InboundMark, NewAttachment, NewEvent, NewTicket, OrgId, PersonId,
    Result, Scope, Store, StoreError, TargetRow, ThreadMail, Ticket, TicketId, TicketUpdate,
    instant, millis, reports,
};

const INSERT_TARGETS: &str = "INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, \
    deadline, outcome, decided_at, business_used, budget, priority, decided_month, bin, org_id) \
    VALUES";

const UPSERT_TOTALS: &str = "INSERT INTO report_totals \
    (month, org_id, kind, priority, bound, percent_bp, within, outcome, bin, n) VALUES";

const UPSERT_TOTALS_END: &str = " ON CONFLICT (month, org_id, kind, priority, bound, percent_bp, \
    within, outcome, bin) DO UPDATE SET n = report_totals.n + excluded.n";

/// Writes a ticket's target rows inside the transaction `$tx` (one statement), replacing
/// earlier ones when `$replace` is true.
macro_rules! write_targets {
    ($tx:expr, $ticket:expr, $org:expr, $priority:expr, $targets:expr, $replace:expr) => {{
        if $replace {
            sqlx::query("DELETE FROM ticket_targets WHERE ticket_id = $1")
                .bind($ticket)
                .execute(&mut *$tx)
                .await
                .map_err(StoreError::from)?;
        }
        let targets: &[TargetRow] = $targets;
        if !targets.is_empty() {
            let values = (0..targets.len())
                .map(|i| {
                    let b = i * 13;
                    let p: Vec<String> = (1..=13).map(|k| format!("${}", b + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{INSERT_TARGETS} {values}");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in targets {
                q = q
                    .bind($ticket)
                    .bind(t.bound)
                    .bind(t.percent_bp)
                    .bind(t.within.clone())
                    .bind(t.deadline.map(millis))
                    .bind(t.outcome.as_str())
                    .bind(t.decided_at.map(millis))
                    .bind(t.business_used)
                    .bind(t.budget)
                    .bind($priority.map(|p: sla::Priority| p.as_str()))
                    .bind(t.decided_month)
                    .bind(t.bin)
                    .bind($org);
            }
            q.execute(&mut *$tx).await.map_err(StoreError::from)?;
        }
    }};
}

/// Adds `$deltas` (`(key, change)`, keys sorted so concurrent writers lock rows in one
/// order) to the report totals inside the transaction `$tx`.
macro_rules! apply_totals {
    ($tx:expr, $deltas:expr) => {{
        let deltas: &[(reports::TotalKey, i64)] = $deltas;
        if !deltas.is_empty() {
            let values = (0..deltas.len())
                .map(|i| {
                    let b = i * 10;
                    let p: Vec<String> = (1..=10).map(|k| format!("${}", b + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{UPSERT_TOTALS} {values}{UPSERT_TOTALS_END}");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (k, n) in deltas {
                q = q
                    .bind(k.month)
                    .bind(k.org_id)
                    .bind(k.kind.clone())
                    .bind(k.priority.clone())
                    .bind(k.bound)
                    .bind(k.percent_bp)
                    .bind(k.within.clone())
                    .bind(k.outcome.clone())
                    .bind(k.bin)
                    .bind(*n);
            }
            q.execute(&mut *$tx).await.map_err(StoreError::from)?;
        }
    }};
}

/// Writes the people copied on a new ticket and the files of its first event inside the
/// transaction `$tx`; yields the stored attachments.
macro_rules! filing_extras {
    ($tx:expr, $ticket:expr, $cc:expr, $files:expr) => {{
        let cc: &[PersonId] = $cc;
        let files: &[NewAttachment] = $files;
        for p in cc {
            sqlx::query(
                "INSERT INTO ticket_cc (ticket_id, person_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind($ticket.id.0)
            .bind(p.0)
            .execute(&mut *$tx)
            .await?;
        }
        let mut stored = Vec::with_capacity(files.len());
        if !files.is_empty() {
            let event_id: i64 =
                sqlx::query_scalar("SELECT MIN(id) FROM ticket_events WHERE ticket_id = $1")
                    .bind($ticket.id.0)
                    .fetch_one(&mut *$tx)
                    .await?;
            for f in files {
                let meta = attachment_meta($ticket.id, $ticket.org_id, Some(event_id), f);
                stored.push(insert_attachment!($tx, meta, &f.data));
            }
        }
        stored
    }};
}

/// The write of an event as one call: the event (when `event`), `mails` outbox rows, an
/// inbound outcome (when `mark`) and the ticket's new state — a data-modifying CTE on
/// PostgreSQL, statements in one call on SQLite. Parameters: `$1` the ticket, `$2`–`$11`
/// its new state (`$5` the instant), then the event's five, six per mail, then the mark's.
fn event_write_sql(
    postgres: bool,
    event: bool,
    mails: usize,
    mark: Option<&InboundMark>,
) -> String {
    let update = "UPDATE tickets SET status = $2, priority = $3, assignee_id = $4, \
        updated_at = $5, clock_start = $6, next_deadline = $7, queue_at = $8, \
        sla_outcome = $9, paused = $10, event_count = event_count + $11 WHERE id = $1";
    let mut parts: Vec<String> = Vec::new();
    let mut base = 12;
    if event {
        parts.push(
            "INSERT INTO ticket_events (id, ticket_id, at, actor_id, kind, data, recorded_at) \
             VALUES ($12, $1, $13, $14, $15, $16, $5)"
                .to_string(),
        );
        base += 5;
    }
    if mails > 0 {
        let values = (0..mails)
            .map(|i| {
                let b = base + i * 6;
                format!(
                    "(${}, ${}, ${}, $5, 0, $5, ${}, $1, ${}, ${})",
                    b,
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!(
            "INSERT INTO mail_outbox (to_address, subject, body_text, created_at, attempts, \
             next_attempt_at, message_id, ticket_id, body_html, headers) VALUES {values}"
        ));
        base += mails * 6;
    }
    if let Some(m) = mark {
        parts.push(mark_sql(m, base, "$1"));
    }
    if postgres {
        if parts.is_empty() {
            return update.to_string();
        }
        let with = parts
            .iter()
            .enumerate()
            .map(|(i, p)| format!("w{i} AS ({p})"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("WITH {with} {update}")
    } else {
        parts.push(update.to_string());
        parts.join("; ")
    }
}

/// No notifications (the writes that mail no one).
fn no_mails(_: &Ticket) -> Vec<ThreadMail> {
    Vec::new()
}

impl Store {
    /// Creates a ticket with its first event and derived clocks, in one transaction.
    pub async fn create_ticket(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
    ) -> Result<Ticket> {
        self.create_ticket_marked(new, first, update, &[], None, no_mails)
            .await
    }

    /// [`Store::create_ticket`] with the notifications `compose` writes for the new ticket,
    /// queued in the same transaction: the ticket and its mails are stored or neither is.
    pub async fn create_ticket_mailing<M>(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
        compose: M,
    ) -> Result<Ticket>
    where
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        self.create_ticket_marked(new, first, update, &[], None, compose)
            .await
    }

    /// [`Store::create_ticket_mailing`] that also attaches `files` to the first event and
    /// writes the outcome of the incoming mail that filed it (if any), in the same
    /// transaction: a mail processed twice rolls back the second time.
    pub async fn create_ticket_marked<M>(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
        files: &[NewAttachment],
        mark: Option<&InboundMark>,
        compose: M,
    ) -> Result<Ticket>
    where
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        for f in files {
            check_attachment(f)?;
        }
        self.create_ticket_with(new, first, update, mark, &[], files, compose)
            .await
            .map(|(t, _)| t)
    }

    /// [`Store::create_ticket_mailing`] with the people copied on the ticket (checked by the
    /// caller) and files attached to its first event, all in the same transaction: the
    /// ticket, its copies, its files and its mails are stored or none is.
    pub async fn create_ticket_filed<M>(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
        cc: &[PersonId],
        files: &[NewAttachment],
        compose: M,
    ) -> Result<(Ticket, Vec<Attachment>)>
    where
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        for f in files {
            check_attachment(f)?;
        }
        self.create_ticket_with(new, first, update, None, cc, files, compose)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_ticket_with<M>(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
        mark: Option<&InboundMark>,
        cc: &[PersonId],
        files: &[NewAttachment],
        compose: M,
    ) -> Result<(Ticket, Vec<Attachment>)>
    where
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        // One round trip for all rows: a data-modifying CTE on PostgreSQL (atomic by itself),
        // several statements in one call inside a write transaction on SQLite (whose single
        // writer makes `MAX(id)` the ticket just inserted).
        let c = &update.clocks;
        let n = c.targets.len();
        let ticket_values =
            "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, 1)";
        let columns = "(org_id, agreement_id, kind, priority, status, channel, subject, reporter_id, \
            assignee_id, received_at, created_at, updated_at, clock_start, next_deadline, queue_at, \
            sla_outcome, paused, event_count)";
        let event_values = |id: &str| format!("({id}, $17, $18, $19, $20, $11)");
        let target_values = |id: &str| {
            (0..n)
                .map(|i| {
                    let b = 21 + i * 10;
                    let p: Vec<String> = (b..b + 8).map(|k| format!("${k}")).collect();
                    format!("({id}, {}, $4, ${}, ${}, $1)", p.join(", "), b + 8, b + 9)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Targets decided already at filing (rare: a call registered after the fact) count
        // in the report totals at once.
        let totals: Vec<(reports::TotalKey, i64)> = reports::deltas(
            Vec::new(),
            c.targets
                .iter()
                .filter_map(|t| reports::total_key(new.org_id, new.kind, update.priority, t))
                .collect(),
        );
        let totals_sql = if totals.is_empty() {
            String::new()
        } else {
            let values = (0..totals.len())
                .map(|i| {
                    let b = 21 + n * 10 + i * 10;
                    let p: Vec<String> = (b..b + 10).map(|k| format!("${k}")).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{UPSERT_TOTALS} {values}{UPSERT_TOTALS_END}")
        };
        let mark_base = 21 + n * 10 + totals.len() * 10;
        let event_columns = "(ticket_id, at, actor_id, kind, data, recorded_at)";
        let target_columns = format!("({TARGET_COLUMNS}, org_id)");
        let sql = match self.db {
            Db::Postgres(_) => {
                let targets = if n == 0 {
                    String::new()
                } else {
                    format!(
                        ", x AS (INSERT INTO ticket_targets {target_columns} SELECT * FROM (VALUES {}) AS v)",
                        target_values("(SELECT id FROM t)")
                    )
                };
                let totals = if totals_sql.is_empty() {
                    String::new()
                } else {
                    format!(", y AS ({totals_sql})")
                };
                let marked = mark.map_or(String::new(), |m| {
                    format!(", z AS ({})", mark_sql(m, mark_base, "(SELECT id FROM t)"))
                });
                format!(
                    "WITH t AS (INSERT INTO tickets {columns} VALUES {ticket_values} RETURNING id), \
                     e AS (INSERT INTO ticket_events {event_columns} VALUES {}){targets}{totals}{marked} \
                     SELECT id FROM t",
                    event_values("(SELECT id FROM t)")
                )
            }
            Db::Sqlite(_) => {
                let last = "(SELECT MAX(id) FROM tickets)";
                let targets = if n == 0 {
                    String::new()
                } else {
                    format!(
                        "INSERT INTO ticket_targets {target_columns} VALUES {};",
                        target_values(last)
                    )
                };
                let totals = if totals_sql.is_empty() {
                    String::new()
                } else {
                    format!("{totals_sql};")
                };
                let marked = mark.map_or(String::new(), |m| {
                    format!("{};", mark_sql(m, mark_base, last))
                });
                format!(
                    "INSERT INTO tickets {columns} VALUES {ticket_values}; \
                     INSERT INTO ticket_events {event_columns} VALUES {}; {targets} {totals} {marked} \
                     SELECT MAX(id) FROM tickets",
                    event_values(last)
                )
            }
        };
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q
                    .bind(new.org_id.0)
                    .bind(new.agreement_id.0)
                    .bind(new.kind.as_str())
                    .bind(update.priority.map(|p| p.as_str()))
                    .bind(update.status.as_str())
                    .bind(new.channel.as_str())
                    .bind(&new.subject)
                    .bind(new.reporter_id.0)
                    .bind(update.assignee_id.map(|a| a.0))
                    .bind(millis(new.received_at))
                    .bind(millis(new.created_at))
                    .bind(millis(c.clock_start))
                    .bind(c.next_deadline.map(millis))
                    .bind(c.queue_at)
                    .bind(c.sla_outcome.as_str())
                    .bind(i64::from(c.paused))
                    .bind(millis(first.at))
                    .bind(first.actor_id.map(|a| a.0))
                    .bind(first.kind.as_str())
                    .bind(first.data.to_string());
                for t in &c.targets {
                    q = q
                        .bind(t.bound)
                        .bind(t.percent_bp)
                        .bind(&t.within)
                        .bind(t.deadline.map(millis))
                        .bind(t.outcome.as_str())
                        .bind(t.decided_at.map(millis))
                        .bind(t.business_used)
                        .bind(t.budget)
                        .bind(t.decided_month)
                        .bind(t.bin);
                }
                for (k, d) in &totals {
                    q = q
                        .bind(k.month)
                        .bind(k.org_id)
                        .bind(k.kind.clone())
                        .bind(k.priority.clone())
                        .bind(k.bound)
                        .bind(k.percent_bp)
                        .bind(k.within.clone())
                        .bind(k.outcome.clone())
                        .bind(k.bin)
                        .bind(*d);
                }
                if let Some(m) = mark {
                    q = bind_mark!(q, m, false);
                }
                q
            }};
        }
        let ticket = |id: i64| Ticket {
            id: TicketId(id),
            org_id: new.org_id,
            agreement_id: new.agreement_id,
            kind: new.kind,
            priority: update.priority,
            status: update.status,
            channel: new.channel,
            subject: new.subject.clone(),
            reporter_id: new.reporter_id,
            assignee_id: update.assignee_id,
            received_at: new.received_at,
            created_at: new.created_at,
            updated_at: new.created_at,
            clocks: update.clocks.clone(),
            event_count: 1,
        };
        let now = millis(new.created_at);
        let filed = match &self.db {
            Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                let id: i64 = bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)))
                    .fetch_one(&mut *tx)
                    .await?;
                let ticket = ticket(id);
                let stored = filing_extras!(tx, ticket, cc, files);
                thread_mails_in_tx!(tx, id, &compose(&ticket), now);
                tx.commit().await?;
                (ticket, stored)
            }
            Db::Sqlite(p) => {
                // The statements travel in one call inside the write transaction; dropping
                // the transaction on an error rolls it back.
                let _writer = self.write_lock.lock().await;
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let ids: Vec<i64> = bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)))
                    .fetch_all(&mut *tx)
                    .await?;
                let id = ids
                    .last()
                    .copied()
                    .ok_or_else(|| StoreError::Corrupt("no ticket id".into()))?;
                let ticket = ticket(id);
                let stored = filing_extras!(tx, ticket, cc, files);
                thread_mails_in_tx!(tx, id, &compose(&ticket), now);
                tx.commit().await?;
                (ticket, stored)
            }
        };
        Ok(filed)
    }

    /// Appends an event to a ticket the scope may see and stores the state `compute` derives
    /// from the ticket and its whole history (the new event included), in one transaction
    /// that holds the ticket's row, so concurrent events never compute from a stale history.
    pub async fn record_event<E, F>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        now: Timestamp,
        compute: F,
    ) -> Result<Ticket, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        self.update_ticket(
            scope,
            ticket,
            Some(event),
            &[],
            None,
            now,
            compute,
            no_mails,
        )
        .await
        .map(|(t, _)| t)
    }

    /// [`Store::record_event`] with the files of an incoming mail attached to the new event,
    /// the mail's outcome written and the notifications `mails` writes queued, all in one
    /// transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_event_marked<E, F, M>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        files: &[NewAttachment],
        mark: &InboundMark,
        now: Timestamp,
        compute: F,
        mails: M,
    ) -> Result<(Ticket, Vec<Attachment>), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        for f in files {
            check_attachment(f)?;
        }
        self.update_ticket(
            scope,
            ticket,
            Some(event),
            files,
            Some(mark),
            now,
            compute,
            mails,
        )
        .await
    }

    /// [`Store::record_event`] with a file attached to the new event, in the same
    /// transaction: both are stored or neither is. Customer scopes may not attach a file
    /// to an internal note.
    pub async fn record_event_with_attachment<E, F>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        attachment: &NewAttachment,
        now: Timestamp,
        compute: F,
    ) -> Result<(Ticket, Attachment), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        check_attachment(attachment)?;
        if scope.org().is_some() && is_internal_data(&event.data) {
            return Err(StoreError::Rejected {
                field: "file",
                message: "internal notes are for the service desk".into(),
            }
            .into());
        }
        let (t, a) = self
            .update_ticket(
                scope,
                ticket,
                Some(event),
                std::slice::from_ref(attachment),
                None,
                now,
                compute,
                no_mails,
            )
            .await?;
        let a = a
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("attachment not stored".into()))?;
        Ok((t, a))
    }

    /// Appends an event (with an optional file) like [`Store::record_event`] and
    /// [`Store::record_event_with_attachment`], and queues the notifications `mails` writes
    /// for the ticket as it is after the event, in the same transaction: the event, its file,
    /// the clocks and the mails are stored or none is.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_event_mailing<E, F, M>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        attachment: Option<&NewAttachment>,
        now: Timestamp,
        compute: F,
        mails: M,
    ) -> Result<(Ticket, Option<Attachment>), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        if let Some(a) = attachment {
            check_attachment(a)?;
            if scope.org().is_some() && is_internal_data(&event.data) {
                return Err(StoreError::Rejected {
                    field: "file",
                    message: "internal notes are for the service desk".into(),
                }
                .into());
            }
        }
        let files = attachment.map_or(&[][..], std::slice::from_ref);
        let (t, mut stored) = self
            .update_ticket(scope, ticket, Some(event), files, None, now, compute, mails)
            .await?;
        Ok((t, stored.pop()))
    }

    /// Recomputes a ticket's derived state from its unchanged history (time has passed: a
    /// deadline may have gone by), in one transaction that holds the ticket's row.
    pub async fn refresh_ticket<E, F>(&self, ticket: TicketId, compute: F) -> Result<Ticket, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        let current = self.get_ticket(&Scope::System, ticket).await?;
        self.update_ticket(
            &Scope::System,
            ticket,
            None,
            &[],
            None,
            current.updated_at,
            compute,
            no_mails,
        )
        .await
        .map(|(t, _)| t)
    }

    #[allow(clippy::too_many_arguments)]
    async fn update_ticket<E, F, M>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: Option<&NewEvent>,
        attachments: &[NewAttachment],
        mark: Option<&InboundMark>,
        now: Timestamp,
        compute: F,
        mails: M,
    ) -> Result<(Ticket, Vec<Attachment>), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
        M: FnOnce(&Ticket) -> Vec<ThreadMail>,
    {
        // The common event costs two calls in its transaction: one reads the ticket (held),
        // its bounds, its history and the next event's id; one writes the event, the
        // ticket's new state, its mails and an inbound outcome. Changed bounds, report
        // totals, files and digest entries (rarer) follow as statements of their own.
        let postgres = matches!(self.db, Db::Postgres(_));
        let result: Result<(Ticket, Vec<Attachment>), E> = in_tx!(self, tx, lock => {
            let spec = ReadSpec {
                org: None,
                lock,
                history: true,
                next_event: event.map(|_| postgres),
            };
            let read = read_ticket!(&mut *tx, ticket, spec)?;
            let mut current = match read.ticket {
                Some(r) if scope.may_see(OrgId(r.org_id)) => Ticket::try_from(r)?,
                _ => return Err(StoreError::NotFound("ticket").into()),
            };
            let mut counted: Vec<reports::TotalKey> = Vec::with_capacity(read.targets.len());
            let mut rows: Vec<TargetRow> = Vec::with_capacity(read.targets.len());
            for r in read.targets {
                let priority = r.priority()?;
                let row = TargetRow::try_from(r)?;
                counted.extend(reports::total_key(current.org_id, current.kind, priority, &row));
                rows.push(row);
            }
            current.clocks.targets = rows;
            let mut history = read
                .events
                .into_iter()
                .map(Event::try_from)
                .collect::<Result<Vec<_>>>()?;
            // The new event as it will be stored (its instants at the stored precision).
            let new_event = match (event, read.next_event) {
                (Some(e), Some(id)) => Some(Event {
                    id,
                    ticket_id: ticket,
                    at: instant(millis(e.at))?,
                    actor_id: e.actor_id,
                    kind: e.kind,
                    data: e.data.clone(),
                    recorded_at: instant(millis(now))?,
                }),
                _ => None,
            };
            history.extend(new_event.clone());
            let next = compute(&current, &history)?;
            let c = &next.clocks;
            let after = Ticket {
                status: next.status,
                priority: next.priority,
                assignee_id: next.assignee_id,
                updated_at: now,
                clocks: next.clocks.clone(),
                event_count: current.event_count + i64::from(event.is_some()),
                ..current.clone()
            };
            let mut outbox = Vec::new();
            let mut digest = Vec::new();
            for m in mails(&after) {
                match crate::recipients::digest_reader(&m)? {
                    Some(person) => digest.push((person, m)),
                    None => outbox.push(m),
                }
            }
            let write = event_write_sql(postgres, new_event.is_some(), outbox.len(), mark);
            let q = sqlx::query(AssertSqlSafe(write))
                .bind(ticket.0)
                .bind(next.status.as_str())
                .bind(next.priority.map(|p| p.as_str()))
                .bind(next.assignee_id.map(|a| a.0))
                .bind(millis(now))
                .bind(millis(c.clock_start))
                .bind(c.next_deadline.map(millis))
                .bind(c.queue_at)
                .bind(c.sla_outcome.as_str())
                .bind(i64::from(c.paused))
                .bind(i64::from(event.is_some()));
            let q = match &new_event {
                Some(e) => q
                    .bind(e.id)
                    .bind(millis(e.at))
                    .bind(e.actor_id.map(|a| a.0))
                    .bind(e.kind.as_str())
                    .bind(e.data.to_string()),
                None => q,
            };
            let mut q = q;
            for m in &outbox {
                q = q
                    .bind(&m.to_address)
                    .bind(&m.subject)
                    .bind(&m.body_text)
                    .bind(&m.message_id)
                    .bind(m.body_html.as_deref())
                    .bind(crate::notifications::headers_json(&m.headers));
            }
            let q = match mark {
                Some(m) => bind_mark!(q, m, false),
                None => q,
            };
            q.execute(&mut *tx).await.map_err(StoreError::from)?;
            let mut stored = Vec::with_capacity(attachments.len());
            if let Some(e) = &new_event {
                for new in attachments {
                    let meta = attachment_meta(ticket, current.org_id, Some(e.id), new);
                    stored.push(insert_attachment!(tx, meta, &new.data));
                }
            }
            // Most events leave the bounds' clocks as they were: rewrite them only when not.
            if c.targets != current.clocks.targets || next.priority != current.priority {
                write_targets!(tx, ticket.0, current.org_id.0, next.priority, &c.targets, true);
            }
            let now_counted: Vec<reports::TotalKey> = c
                .targets
                .iter()
                .filter_map(|row| reports::total_key(current.org_id, current.kind, next.priority, row))
                .collect();
            apply_totals!(tx, &reports::deltas(counted, now_counted));
            let now_ms = millis(now);
            for (person, m) in &digest {
                crate::recipients::digest_entry_in_tx!(tx, *person, ticket.0, m, now_ms);
            }
            Ok((after, stored))
        });
        result
    }
}
