//! Who reads a ticket's notifications beyond its reporter and assignee (SLA-RULES §10):
//! people copied on it, the service desk's followers, each person's notification preferences,
//! the one-click unsubscribe tokens (RFC 8058) and the daily digests.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;

use crate::people::{PERSON_COLUMNS, PersonRecord};
use crate::{Millis, OrgId, Person, PersonId, Result, Store, StoreError, TicketId};

/// The header that marks a [`crate::ThreadMail`] as an entry of its reader's daily digest
/// (its value: the reader's person id): the store keeps it for the digest instead of queuing
/// it, in the same transaction, and the header itself is never sent.
pub const DIGEST_HEADER: &str = "X-Loket-Digest-For";

/// A person's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotificationPrefs {
    /// The events they asked not to be mailed about (event names, sorted).
    pub off: Vec<String>,
    /// A daily digest instead of single mails.
    pub digest: bool,
    /// (Customer administrators) also the tickets their colleagues filed.
    pub colleagues: bool,
}

impl NotificationPrefs {
    /// Whether they want mail about `event`.
    pub fn wants(&self, event: &str) -> bool {
        !self.off.iter().any(|e| e == event)
    }
}

/// One notification waiting for its reader's daily digest.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DigestEntry {
    /// Its id (increasing).
    pub id: i64,
    /// The reader.
    pub person_id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// The single mail's subject.
    pub subject: String,
    /// The single mail's text.
    pub body_text: String,
    /// When the event happened (millis).
    pub created_at: Millis,
}

#[derive(sqlx::FromRow)]
struct PrefsRecord {
    off_events: String,
    digest: i64,
    colleagues: i64,
}

impl PrefsRecord {
    fn prefs(&self) -> NotificationPrefs {
        NotificationPrefs {
            off: split_events(&self.off_events),
            digest: self.digest == 1,
            colleagues: self.colleagues == 1,
        }
    }
}

/// The people related to a ticket who may read its notifications, with each one's
/// preferences and stored unsubscribe token for one event, as [`Store::ticket_readers`]
/// reads them.
#[derive(Debug, Clone, Default)]
pub struct TicketReaders {
    /// The reporter.
    pub reporter: Option<Person>,
    /// The assignee.
    pub assignee: Option<Person>,
    /// The people copied on the ticket, by name.
    pub cc: Vec<Person>,
    /// The service desk's followers, by name.
    pub followers: Vec<Person>,
    /// The customer's active administrators who follow their colleagues' tickets, by name.
    pub colleagues: Vec<Person>,
    /// Every person above with their preferences (the defaults when they set none).
    pub prefs: HashMap<PersonId, NotificationPrefs>,
    /// The stored unsubscribe token for the event, of those who have one.
    pub tokens: HashMap<PersonId, String>,
}

#[derive(sqlx::FromRow)]
struct ReaderRecord {
    rel: i64,
    #[sqlx(flatten)]
    person: PersonRecord,
    off_events: Option<String>,
    digest: Option<i64>,
    colleagues: Option<i64>,
    token: Option<String>,
}

/// The relations of [`Store::ticket_readers`], in the order they are read.
const READERS_SQL: &str = "SELECT x.rel, p.id, p.email, p.name, p.role, p.org_id, p.lang, \
    p.active, p.created_at, np.off_events, np.digest, np.colleagues, ut.token FROM ( \
    SELECT CAST(1 AS BIGINT) AS rel, CAST($1 AS BIGINT) AS pid \
    UNION ALL SELECT CAST(2 AS BIGINT), CAST($2 AS BIGINT) \
    UNION ALL SELECT CAST(3 AS BIGINT), person_id FROM ticket_cc WHERE ticket_id = $3 \
    UNION ALL SELECT CAST(4 AS BIGINT), person_id FROM ticket_followers WHERE ticket_id = $3 \
    UNION ALL SELECT CAST(5 AS BIGINT), id FROM people WHERE org_id = $4 \
      AND role = 'customer_admin' AND active = 1 \
      AND id IN (SELECT person_id FROM notification_prefs WHERE colleagues = 1) \
    ) x JOIN people p ON p.id = x.pid \
    LEFT JOIN notification_prefs np ON np.person_id = p.id \
    LEFT JOIN unsubscribe_tokens ut ON ut.person_id = p.id AND ut.event = $5 \
    ORDER BY x.rel, p.name, p.id";

/// Inserts the digest entry for `$m` (a [`crate::ThreadMail`] carrying [`DIGEST_HEADER`])
/// inside the transaction `$tx`.
macro_rules! digest_entry_in_tx {
    ($tx:expr, $person:expr, $ticket:expr, $m:expr, $now:expr) => {{
        sqlx::query(
            "INSERT INTO digest_entries (person_id, ticket_id, subject, body_text, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($person)
        .bind($ticket)
        .bind(&$m.subject)
        .bind(&$m.body_text)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .map_err($crate::StoreError::from)?;
    }};
}
pub(crate) use digest_entry_in_tx;

impl Store {
    /// The people copied on a ticket, by name.
    pub async fn ticket_cc(&self, ticket: TicketId) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id IN \
             (SELECT person_id FROM ticket_cc WHERE ticket_id = $1) ORDER BY name, id"
        );
        let rows: Vec<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(ticket.0)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Replaces the people copied on a ticket (checked by the caller: people of the
    /// ticket's customer), in one transaction.
    pub async fn set_ticket_cc(&self, ticket: TicketId, people: &[PersonId]) -> Result<()> {
        in_tx!(self, tx, _lock => {
            sqlx::query("DELETE FROM ticket_cc WHERE ticket_id = $1")
                .bind(ticket.0)
                .execute(&mut *tx)
                .await?;
            for p in people {
                sqlx::query(
                    "INSERT INTO ticket_cc (ticket_id, person_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(ticket.0)
                .bind(p.0)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The service desk's staff following a ticket, by name.
    pub async fn followers(&self, ticket: TicketId) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id IN \
             (SELECT person_id FROM ticket_followers WHERE ticket_id = $1) ORDER BY name, id"
        );
        let rows: Vec<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(ticket.0)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Starts or stops `person` following a ticket (idempotent).
    pub async fn set_following(&self, ticket: TicketId, person: PersonId, on: bool) -> Result<()> {
        let sql = if on {
            "INSERT INTO ticket_followers (ticket_id, person_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM ticket_followers WHERE ticket_id = $1 AND person_id = $2"
        };
        on_pool!(self, p => sqlx::query(sql)
            .bind(ticket.0)
            .bind(person.0)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// A person's notification preferences (the defaults when they never set any).
    pub async fn notification_prefs(&self, person: PersonId) -> Result<NotificationPrefs> {
        let row: Option<PrefsRecord> = on_pool!(self, p => sqlx::query_as(
            "SELECT off_events, digest, colleagues FROM notification_prefs WHERE person_id = $1")
            .bind(person.0)
            .fetch_optional(p)
            .await?);
        Ok(row.map_or_else(NotificationPrefs::default, |r| r.prefs()))
    }

    /// Stores a person's notification preferences.
    pub async fn set_notification_prefs(
        &self,
        person: PersonId,
        prefs: &NotificationPrefs,
        now: Millis,
    ) -> Result<()> {
        let mut off = prefs.off.clone();
        off.sort();
        off.dedup();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO notification_prefs (person_id, off_events, digest, colleagues, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET \
             off_events = excluded.off_events, digest = excluded.digest, \
             colleagues = excluded.colleagues, updated_at = excluded.updated_at")
            .bind(person.0)
            .bind(off.join(","))
            .bind(i64::from(prefs.digest))
            .bind(i64::from(prefs.colleagues))
            .bind(now)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// The active administrators of customer `org` who asked for their colleagues' tickets.
    pub async fn colleague_readers(&self, org: OrgId) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE org_id = $1 AND role = 'customer_admin' \
             AND active = 1 AND id IN (SELECT person_id FROM notification_prefs \
             WHERE colleagues = 1) ORDER BY name, id"
        );
        let rows: Vec<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Everyone related to ticket `ticket` (of customer `org`, reported by `reporter`,
    /// assigned to `assignee`) who may read its notifications, with their preferences and
    /// their stored unsubscribe tokens for `event`, in one query.
    pub async fn ticket_readers(
        &self,
        ticket: TicketId,
        org: OrgId,
        reporter: PersonId,
        assignee: Option<PersonId>,
        event: &str,
    ) -> Result<TicketReaders> {
        let rows: Vec<ReaderRecord> = on_pool!(self, p => sqlx::query_as(READERS_SQL)
            .bind(reporter.0)
            .bind(assignee.map(|a| a.0))
            .bind(ticket.0)
            .bind(org.0)
            .bind(event)
            .fetch_all(p)
            .await?);
        let mut out = TicketReaders::default();
        for r in rows {
            let person = Person::try_from(r.person)?;
            let prefs = match (r.off_events, r.digest, r.colleagues) {
                (Some(off_events), Some(digest), Some(colleagues)) => PrefsRecord {
                    off_events,
                    digest,
                    colleagues,
                }
                .prefs(),
                _ => NotificationPrefs::default(),
            };
            out.prefs.insert(person.id, prefs);
            if let Some(t) = r.token {
                out.tokens.insert(person.id, t);
            }
            match r.rel {
                1 => out.reporter = Some(person),
                2 => out.assignee = Some(person),
                3 => out.cc.push(person),
                4 => out.followers.push(person),
                _ => out.colleagues.push(person),
            }
        }
        Ok(out)
    }

    /// The unsubscribe token of `person` for `event`: the stored one, or `fresh` stored now.
    pub async fn unsubscribe_token(
        &self,
        person: PersonId,
        event: &str,
        fresh: &str,
        now: Millis,
    ) -> Result<String> {
        let token: String = in_tx!(self, tx, _lock => {
            sqlx::query(
                "INSERT INTO unsubscribe_tokens (token, person_id, event, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, event) DO NOTHING",
            )
            .bind(fresh)
            .bind(person.0)
            .bind(event)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let t: String = sqlx::query_scalar(
                "SELECT token FROM unsubscribe_tokens WHERE person_id = $1 AND event = $2",
            )
            .bind(person.0)
            .bind(event)
            .fetch_one(&mut *tx)
            .await?;
            t
        });
        Ok(token)
    }

    /// The person and event an unsubscribe token stands for.
    pub async fn unsubscribe_lookup(&self, token: &str) -> Result<Option<(PersonId, String)>> {
        let row: Option<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT person_id, event FROM unsubscribe_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(p)
            .await?);
        Ok(row.map(|(p, e)| (PersonId(p), e)))
    }

    /// Turns off mail about `event` for `person`, leaving every other preference as it is, and
    /// writes `audit` in the same transaction.
    pub async fn turn_off_event(
        &self,
        person: PersonId,
        event: &str,
        now: Millis,
        audit: &crate::AuditEntry,
    ) -> Result<()> {
        in_tx!(self, tx, lock => {
            let sql = format!(
                "SELECT off_events, digest, colleagues FROM notification_prefs \
                 WHERE person_id = $1{lock}"
            );
            let row: Option<PrefsRecord> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(person.0)
                .fetch_optional(&mut *tx)
                .await?;
            let (mut off, digest, colleagues) = row.map_or((Vec::new(), 0, 0), |r| {
                (split_events(&r.off_events), r.digest, r.colleagues)
            });
            if !off.iter().any(|e| e == event) {
                off.push(event.to_string());
            }
            off.sort();
            sqlx::query(
                "INSERT INTO notification_prefs (person_id, off_events, digest, colleagues, \
                 updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE \
                 SET off_events = excluded.off_events, updated_at = excluded.updated_at",
            )
            .bind(person.0)
            .bind(off.join(","))
            .bind(digest)
            .bind(colleagues)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::audit::insert_audit!(tx, audit);
        });
        Ok(())
    }

    /// The people with digest entries not yet sent from before `before` (millis), by id.
    pub async fn digest_readers(&self, before: Millis) -> Result<Vec<PersonId>> {
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT person_id FROM digest_entries WHERE digest_day IS NULL \
             AND created_at < $1 ORDER BY person_id")
            .bind(before)
            .fetch_all(p)
            .await?);
        Ok(ids.into_iter().map(PersonId).collect())
    }

    /// A person's digest entries not yet sent from before `before` (millis), oldest first.
    pub async fn pending_digest(
        &self,
        person: PersonId,
        before: Millis,
    ) -> Result<Vec<DigestEntry>> {
        let rows: Vec<DigestEntry> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, person_id, ticket_id, subject, body_text, created_at FROM digest_entries \
             WHERE person_id = $1 AND digest_day IS NULL AND created_at < $2 ORDER BY id")
            .bind(person.0)
            .bind(before)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// Queues `mail` as `person`'s digest of local day `day` carrying the pending entries from
    /// before `before` (millis), in one transaction; `false` (and nothing written) when that
    /// day's digest was queued already, by this or another instance.
    pub async fn queue_digest(
        &self,
        person: PersonId,
        day: &str,
        before: Millis,
        mail: &crate::NewMail,
        now: Millis,
    ) -> Result<bool> {
        let queued: bool = in_tx!(self, tx, _lock => {
            let n = sqlx::query(
                "INSERT INTO digest_runs (person_id, day, entries, created_at) \
                 SELECT $1, $2, COUNT(*), $4 FROM digest_entries \
                 WHERE person_id = $1 AND digest_day IS NULL AND created_at < $3 \
                 ON CONFLICT (person_id, day) DO NOTHING",
            )
            .bind(person.0)
            .bind(day)
            .bind(before)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query(
                    "UPDATE digest_entries SET digest_day = $1 WHERE person_id = $2 \
                     AND digest_day IS NULL AND created_at < $3",
                )
                .bind(day)
                .bind(person.0)
                .bind(before)
                .execute(&mut *tx)
                .await?;
                crate::outbox::mail_in_tx!(tx, mail, None, now)?;
            }
            n == 1
        });
        Ok(queued)
    }

    /// Whether `person`'s digest of local day `day` was queued.
    pub async fn digest_sent(&self, person: PersonId, day: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM digest_runs WHERE person_id = $1 AND day = $2")
            .bind(person.0)
            .bind(day)
            .fetch_one(p)
            .await?);
        Ok(n > 0)
    }
}

fn split_events(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// The digest reader a thread mail is marked for, if it is a digest entry.
pub(crate) fn digest_reader(m: &crate::ThreadMail) -> Result<Option<i64>> {
    match m.headers.iter().find(|(k, _)| k == DIGEST_HEADER) {
        None => Ok(None),
        Some((_, v)) => v
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("digest reader {v}"))),
    }
}
