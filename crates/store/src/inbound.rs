//! Incoming mail (`inbound_mails`, `inbound_outcomes`): every message stored raw under its
//! SHA-256 before it is parsed, and its outcome written in the same transaction as what it
//! caused. A message without an outcome row is pending; the outcome's primary key is the
//! message, so a second processing of the same message rolls back instead of filing twice.

use serde::{Deserialize, Serialize};

use crate::outbox::mail_in_tx;
use crate::{Millis, NewMail, OrgId, Result, Scope, Store, StoreError, TicketId};

/// Columns of an outcome row, in the order of [`InboundMark`]'s binds.
pub(crate) const OUTCOME_COLUMNS: &str = "mail_id, outcome, reason, ticket_id, org_id, \
    person_id, from_address, message_id, subject, clock_start, answered, processed_at";

/// What became of an incoming message, written with what it caused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMark {
    /// The stored message.
    pub mail_id: i64,
    /// The outcome's word: `filed`, `commented`, `held`, `refused`, `automatic`, `bounce`.
    pub outcome: String,
    /// Why, in words for the desk.
    pub reason: String,
    /// The ticket it filed or commented on (set by the store when it files one).
    pub ticket_id: Option<TicketId>,
    /// The sender's organization, when the sender is known.
    pub org_id: Option<OrgId>,
    /// The sender, when known.
    pub person_id: Option<i64>,
    /// The `From` address, lower-case.
    pub from_address: Option<String>,
    /// The message's own `Message-ID` (angle brackets included).
    pub message_id: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The instant the mail counts as received (the SLA clock's start).
    pub clock_start: Option<Millis>,
    /// Whether an automatic answer went back to the sender.
    pub answered: bool,
    /// When it was processed.
    pub processed_at: Millis,
    /// Whether the message was held and this outcome replaces that.
    pub replace_held: bool,
}

/// The statement writing `mark` next to a ticket written in the same statement or
/// transaction: `ticket` is the SQL expression of the ticket's id; the mark's other eleven
/// values are bound from `$base` on (see [`bind_mark`] without the ticket).
pub(crate) fn mark_sql(mark: &InboundMark, base: usize, ticket: &str) -> String {
    let p: Vec<String> = (base..base + 11).map(|k| format!("${k}")).collect();
    if mark.replace_held {
        format!(
            "UPDATE inbound_outcomes SET outcome = {}, reason = {}, ticket_id = {ticket}, \
             org_id = {}, person_id = {}, from_address = {}, message_id = {}, subject = {}, \
             clock_start = {}, answered = {}, processed_at = {} \
             WHERE mail_id = {} AND outcome = 'held'",
            p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[0]
        )
    } else {
        format!(
            "INSERT INTO inbound_outcomes ({OUTCOME_COLUMNS}) VALUES ({}, {}, {}, {ticket}, {})",
            p[0],
            p[1],
            p[2],
            p[3..].join(", ")
        )
    }
}

/// Binds an [`InboundMark`]'s columns (`ticket_id` only when `$with_ticket`) to `$q`.
macro_rules! bind_mark {
    ($q:expr, $m:expr, $with_ticket:expr) => {{
        let m: &$crate::InboundMark = $m;
        let q = $q.bind(m.mail_id).bind(&m.outcome).bind(&m.reason);
        let q = if $with_ticket {
            q.bind(m.ticket_id.map(|t| t.0))
        } else {
            q
        };
        q.bind(m.org_id.map(|o| o.0))
            .bind(m.person_id)
            .bind(&m.from_address)
            .bind(&m.message_id)
            .bind(&m.subject)
            .bind(m.clock_start)
            .bind(i64::from(m.answered))
            .bind(m.processed_at)
    }};
}
pub(crate) use bind_mark;

/// An incoming message as the desk lists it (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InboundMail {
    /// Its id.
    pub id: i64,
    /// Its size in bytes.
    pub size: i64,
    /// How it came in: `imap`, `pipe`, `http`.
    pub source: String,
    /// The receiving server's time, when it gave one.
    pub received_at: Option<Millis>,
    /// When loket stored it.
    pub stored_at: Millis,
    /// The outcome's word; `None` while pending.
    pub outcome: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// The ticket it filed or commented on.
    pub ticket_id: Option<i64>,
    /// The sender's organization.
    pub org_id: Option<i64>,
    /// The `From` address.
    pub from_address: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// When it counts as received.
    pub clock_start: Option<Millis>,
}

const MAIL_SELECT: &str = "SELECT m.id, m.size, m.source, m.received_at, m.stored_at, \
    o.outcome, o.reason, o.ticket_id, o.org_id, o.from_address, o.subject, o.clock_start \
    FROM inbound_mails m LEFT JOIN inbound_outcomes o ON o.mail_id = m.id";

impl Store {
    /// Stores a raw message under its SHA-256; yields its id and whether it is new (`false`:
    /// the same bytes came in before and are that row).
    pub async fn store_inbound(
        &self,
        sha256: &str,
        raw: &[u8],
        source: &str,
        received_at: Option<Millis>,
        now: Millis,
    ) -> Result<(i64, bool)> {
        let size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
        let inserted: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO inbound_mails (sha256, raw, size, source, received_at, stored_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING RETURNING id",
        )
        .bind(sha256)
        .bind(raw)
        .bind(size)
        .bind(source)
        .bind(received_at)
        .bind(now)
        .fetch_optional(p)
        .await?);
        if let Some(id) = inserted {
            return Ok((id, true));
        }
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM inbound_mails WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_one(p)
        .await?);
        Ok((id, false))
    }

    /// A stored message's bytes and the receiving server's time.
    pub async fn inbound_raw(&self, id: i64) -> Result<(Vec<u8>, Option<Millis>)> {
        let row: Option<(Vec<u8>, Option<Millis>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT raw, received_at FROM inbound_mails WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await?);
        row.ok_or(StoreError::NotFound("mail"))
    }

    /// A stored message with its outcome, for the desk (all of them) or the customer whose
    /// person sent it; anything else is not found.
    pub async fn inbound_mail(&self, scope: &Scope, id: i64) -> Result<InboundMail> {
        let sql = format!("{MAIL_SELECT} WHERE m.id = $1");
        let row: Option<InboundMail> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await?);
        match row {
            Some(m) if scope.org().is_none() || scope.org().map(|o| o.0) == m.org_id => Ok(m),
            _ => Err(StoreError::NotFound("mail")),
        }
    }

    /// The original bytes of a stored message, for whoever [`Store::inbound_mail`] shows it to.
    pub async fn inbound_original(&self, scope: &Scope, id: i64) -> Result<Vec<u8>> {
        self.inbound_mail(scope, id).await?;
        Ok(self.inbound_raw(id).await?.0)
    }

    /// Stored messages with the outcome `outcome` (`None`: pending ones), oldest first.
    pub async fn inbound_by_outcome(
        &self,
        outcome: Option<&str>,
        limit: i64,
    ) -> Result<Vec<InboundMail>> {
        let filter = if outcome.is_some() {
            "o.outcome = $2"
        } else {
            "o.mail_id IS NULL AND $2 = ''"
        };
        let sql = format!("{MAIL_SELECT} WHERE {filter} ORDER BY m.id LIMIT $1");
        let rows = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .bind(outcome.unwrap_or(""))
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// The outcome word of a stored message, `None` while it is pending.
    pub async fn inbound_outcome(&self, id: i64) -> Result<Option<(String, Option<TicketId>)>> {
        let row: Option<(String, Option<i64>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT outcome, ticket_id FROM inbound_outcomes WHERE mail_id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|(o, t)| (o, t.map(TicketId))))
    }

    /// The ticket of the newest received mail with one of these `Message-ID`s that filed or
    /// commented on one.
    pub async fn ticket_for_received_ids(&self, ids: &[String]) -> Result<Option<TicketId>> {
        self.ticket_by_message_ids("inbound_outcomes", "mail_id", ids)
            .await
    }

    /// How many automatic answers went to `address` since `since`, and whether one went
    /// out about `ticket` ever.
    pub async fn automatic_answers(
        &self,
        address: &str,
        since: Millis,
        ticket: Option<TicketId>,
    ) -> Result<(i64, bool)> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM inbound_outcomes WHERE answered = 1 AND from_address = $1 \
             AND processed_at >= $2",
        )
        .bind(address)
        .bind(since)
        .fetch_one(p)
        .await?);
        let about_ticket: i64 = match ticket {
            None => 0,
            Some(t) => on_pool!(self, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM inbound_outcomes WHERE answered = 1 AND ticket_id = $1",
            )
            .bind(t.0)
            .fetch_one(p)
            .await?),
        };
        Ok((n, about_ticket > 0))
    }

    /// Writes a message's outcome with what it causes besides a ticket: an automatic answer
    /// queued in the outbox and a bounce recorded for an address, in one transaction. A
    /// held message gets its final outcome here too (`mark.replace_held`).
    pub async fn finish_inbound(
        &self,
        mark: &InboundMark,
        answer: Option<&NewMail>,
        bounce: Option<(&str, &str)>,
    ) -> Result<()> {
        let insert = format!(
            "INSERT INTO inbound_outcomes ({OUTCOME_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        in_tx!(self, tx, _lock => {
            if mark.replace_held {
                let gone = sqlx::query(
                    "DELETE FROM inbound_outcomes WHERE mail_id = $1 AND outcome = 'held'",
                )
                .bind(mark.mail_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
                if gone.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        field: "mail",
                        message: "the mail is not held (any more)".into(),
                    });
                }
            }
            bind_mark!(sqlx::query(sqlx::AssertSqlSafe(insert)), mark, true)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            if let Some(mail) = answer {
                mail_in_tx!(tx, mail, None, mark.processed_at)?;
            }
            if let Some((address, reason)) = bounce {
                sqlx::query(
                    "INSERT INTO mail_address_status (address, failing_since, last_bounce_at, bounces, reason) \
                     VALUES ($1, $2, $2, 1, $3) \
                     ON CONFLICT (address) DO UPDATE SET \
                     failing_since = COALESCE(mail_address_status.failing_since, excluded.failing_since), \
                     last_bounce_at = excluded.last_bounce_at, \
                     bounces = mail_address_status.bounces + 1, reason = excluded.reason",
                )
                .bind(address.trim().to_lowercase())
                .bind(mark.processed_at)
                .bind(reason)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            }
        });
        Ok(())
    }
}
