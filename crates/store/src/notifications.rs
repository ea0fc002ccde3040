//! Notifications of ticket events: the mails that belong to a ticket's thread (with their own
//! `Message-ID`, an HTML alternative and extra headers), queued in the transaction of the
//! event that causes them, and the service desk's on-duty list.

use sqlx::AssertSqlSafe;

use crate::people::{PERSON_COLUMNS, PersonRecord};
use crate::{Person, PersonId, Result, Store, StoreError};

/// A mail of a ticket's thread, to be queued with the event that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMail {
    /// One recipient address.
    pub to_address: String,
    /// The subject (any Unicode; the sender encodes it).
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// The HTML alternative (already escaped by whoever composed it).
    pub body_html: Option<String>,
    /// The `Message-ID`, angle brackets included; unique over the outbox.
    pub message_id: String,
    /// Extra headers, name → value, in order.
    pub headers: Vec<(String, String)>,
}

/// The headers of a [`ThreadMail`] as the JSON object the outbox stores.
pub(crate) fn headers_json(headers: &[(String, String)]) -> Option<String> {
    if headers.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    Some(serde_json::Value::Object(map).to_string())
}

/// Queues the mails `$mails` (`&[ThreadMail]`) of ticket `$ticket` (an `i64`) inside the
/// transaction `$tx`, due at `$now` (millis); a mail marked for a daily digest
/// ([`crate::DIGEST_HEADER`]) is kept for the digest instead.
macro_rules! thread_mails_in_tx {
    ($tx:expr, $ticket:expr, $mails:expr, $now:expr) => {{
        let mails: &[$crate::ThreadMail] = $mails;
        for m in mails {
            if let Some(person) = $crate::recipients::digest_reader(m)? {
                $crate::recipients::digest_entry_in_tx!($tx, person, $ticket, m, $now);
                continue;
            }
            sqlx::query(
                "INSERT INTO mail_outbox (to_address, subject, body_text, created_at, attempts, \
                 next_attempt_at, message_id, ticket_id, body_html, headers) \
                 VALUES ($1, $2, $3, $4, 0, $4, $5, $6, $7, $8)",
            )
            .bind(&m.to_address)
            .bind(&m.subject)
            .bind(&m.body_text)
            .bind($now)
            .bind(&m.message_id)
            .bind($ticket)
            .bind(m.body_html.as_deref())
            .bind($crate::notifications::headers_json(&m.headers))
            .execute(&mut *$tx)
            .await
            .map_err($crate::StoreError::from)?;
        }
    }};
}
pub(crate) use thread_mails_in_tx;

impl Store {
    /// The active vendor staff on duty, by name: they get the mail of a new, unassigned ticket.
    pub async fn on_duty(&self) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE on_duty = 1 AND active = 1 \
             AND org_id IS NULL ORDER BY name, id"
        );
        let rows: Vec<PersonRecord> =
            on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Whether one of the vendor staff is on duty.
    pub async fn is_on_duty(&self, person: PersonId) -> Result<bool> {
        let v: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT on_duty FROM people WHERE id = $1")
            .bind(person.0)
            .fetch_optional(p)
            .await?);
        v.map(|v| v == 1).ok_or(StoreError::NotFound("person"))
    }

    /// Puts one of the vendor staff on or off duty; customers' people are never on duty.
    pub async fn set_on_duty(&self, person: PersonId, on: bool) -> Result<()> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE people SET on_duty = $1 WHERE id = $2 AND org_id IS NULL")
            .bind(i64::from(on))
            .bind(person.0)
            .execute(p)
            .await?
            .rows_affected());
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound("person"))
        }
    }
}
