//! The mail outbox (`mail_outbox`): mails queued in the transaction that causes them,
//! claimed under a lease by one sender at a time, marked sent or failed. A mail may carry one
//! text attachment (an iCalendar invitation).

use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use crate::{MailId, Millis, Result, Store, StoreError};

/// A mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// One recipient address.
    pub to_address: String,
    /// The subject (any Unicode; the sender encodes it).
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
}

/// A text attachment of a mail, such as an iCalendar invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttachment {
    /// The file name, e.g. `invite.ics`.
    pub name: String,
    /// The media type, e.g. `text/calendar; charset=utf-8; method=REQUEST`.
    pub content_type: String,
    /// The text.
    pub body: String,
}

/// A mail in the outbox and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxMail {
    /// Its id.
    #[sqlx(try_from = "i64")]
    pub id: MailId,
    /// The recipient.
    pub to_address: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// When it was queued.
    pub created_at: Millis,
    /// Delivery attempts so far (counted when claimed).
    pub attempts: i64,
    /// Not to be tried before then.
    pub next_attempt_at: Millis,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub sent_at: Option<Millis>,
    /// When delivery was given up.
    pub failed_at: Option<Millis>,
    /// Who holds it now.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<Millis>,
    /// The attachment's file name, if the mail has one.
    pub attachment_name: Option<String>,
    /// The attachment's media type.
    pub attachment_type: Option<String>,
    /// The attachment's text.
    pub attachment_body: Option<String>,
    /// The `Message-ID` it is sent with (angle brackets included); when absent the sender
    /// derives one from the row.
    pub message_id: Option<String>,
    /// The ticket it is about, if any (threads replies by mail back to it).
    pub ticket_id: Option<i64>,
    /// An HTML alternative to the plain text.
    pub body_html: Option<String>,
    /// Extra headers, a JSON object of name → value.
    pub headers: Option<String>,
}

impl OutboxMail {
    /// The attachment, if the mail carries one.
    pub fn attachment(&self) -> Option<MailAttachment> {
        match (
            &self.attachment_name,
            &self.attachment_type,
            &self.attachment_body,
        ) {
            (Some(name), Some(content_type), Some(body)) => Some(MailAttachment {
                name: name.clone(),
                content_type: content_type.clone(),
                body: body.clone(),
            }),
            _ => None,
        }
    }
}

impl From<i64> for MailId {
    fn from(v: i64) -> Self {
        MailId(v)
    }
}

const MAIL_COLUMNS: &str = "id, to_address, subject, body_text, created_at, attempts, \
    next_attempt_at, last_error, sent_at, failed_at, lease_owner, lease_until, attachment_name, \
    attachment_type, attachment_body, message_id, ticket_id, body_html, headers";

pub(crate) const INSERT_MAIL: &str = "INSERT INTO mail_outbox \
    (to_address, subject, body_text, created_at, attempts, next_attempt_at) \
    VALUES ($1, $2, $3, $4, 0, $4) RETURNING id";

/// Queues a mail with an optional attachment inside a transaction; evaluates to the new id.
macro_rules! mail_in_tx {
    ($tx:expr, $mail:expr, $attachment:expr, $now:expr) => {{
        let attachment: Option<&$crate::MailAttachment> = $attachment;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO mail_outbox (to_address, subject, body_text, created_at, attempts, \
             next_attempt_at, attachment_name, attachment_type, attachment_body) \
             VALUES ($1, $2, $3, $4, 0, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&$mail.to_address)
        .bind(&$mail.subject)
        .bind(&$mail.body_text)
        .bind($now)
        .bind(attachment.map(|a| a.name.clone()))
        .bind(attachment.map(|a| a.content_type.clone()))
        .bind(attachment.map(|a| a.body.clone()))
        .fetch_one(&mut *$tx)
        .await
        .map_err($crate::StoreError::from)
    }};
}
pub(crate) use mail_in_tx;

impl Store {
    /// Queues a mail, due at once.
    pub async fn enqueue_mail(&self, mail: &NewMail, now: Millis) -> Result<MailId> {
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(INSERT_MAIL)
            .bind(&mail.to_address)
            .bind(&mail.subject)
            .bind(&mail.body_text)
            .bind(now)
            .fetch_one(p)
            .await?);
        Ok(MailId(id))
    }

    /// One mail of the outbox, whatever its state.
    pub async fn get_mail(&self, id: MailId) -> Result<OutboxMail> {
        let sql = format!("SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE id = $1");
        let row: Option<OutboxMail> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(p)
            .await?);
        row.ok_or(StoreError::NotFound("mail"))
    }

    /// Claims up to `limit` due mails for `owner` until `now + lease_ms`: unsent, not given
    /// up, due, and not leased by anyone (or their lease ran out). Each claim counts as an
    /// attempt, so a sender that dies mid-way still uses up the mail's attempts. Two callers
    /// never get the same mail while a lease holds.
    pub async fn claim_mail(
        &self,
        owner: &str,
        now: Millis,
        lease_ms: Millis,
        limit: u32,
    ) -> Result<Vec<OutboxMail>> {
        let mut claimed: Vec<OutboxMail> = in_tx!(self, tx, lock => {
            let skip = if lock.is_empty() { "" } else { " SKIP LOCKED" };
            let sql = format!(
                "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2, \
                 attempts = attempts + 1 WHERE id IN (SELECT id FROM mail_outbox \
                 WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
                 AND (lease_until IS NULL OR lease_until <= $3) \
                 ORDER BY next_attempt_at, id LIMIT $4{lock}{skip}) RETURNING {MAIL_COLUMNS}"
            );
            let rows: Vec<OutboxMail> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(owner)
                .bind(now + lease_ms)
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
            rows
        });
        claimed.sort_by_key(|m| (m.next_attempt_at, m.id));
        Ok(claimed)
    }

    /// Marks a claimed mail delivered; `false` when `owner` no longer holds it.
    pub async fn mail_sent(&self, id: MailId, owner: &str, now: Millis) -> Result<bool> {
        let sql = "UPDATE mail_outbox SET sent_at = $1, last_error = NULL, lease_owner = NULL, \
                   lease_until = NULL WHERE id = $2 AND lease_owner = $3 AND sent_at IS NULL \
                   AND failed_at IS NULL";
        let n = on_pool!(self, p => sqlx::query(sql)
            .bind(now)
            .bind(id.0)
            .bind(owner)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Records a failed delivery of a claimed mail: retried from `retry_at`, or given up for
    /// good with `None`; `false` when `owner` no longer holds it.
    pub async fn mail_failed(
        &self,
        id: MailId,
        owner: &str,
        now: Millis,
        error: &str,
        retry_at: Option<Millis>,
    ) -> Result<bool> {
        let sql = "UPDATE mail_outbox SET last_error = $1, \
                   next_attempt_at = COALESCE($2, next_attempt_at), \
                   failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END, \
                   lease_owner = NULL, lease_until = NULL \
                   WHERE id = $4 AND lease_owner = $5 AND sent_at IS NULL AND failed_at IS NULL";
        let n = on_pool!(self, p => sqlx::query(sql)
            .bind(error)
            .bind(retry_at)
            .bind(now)
            .bind(id.0)
            .bind(owner)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }
}
