//! What outgoing and incoming mail share: finding the ticket a mail answers by the
//! `Message-ID`s loket sent, and the addresses whose mail bounced.

use serde::{Deserialize, Serialize};

use crate::{Millis, Result, Store, TicketId};

/// An address whose mail bounced, as shown on the person's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AddressStatus {
    /// The address, lower-case.
    pub address: String,
    /// Since when mail to it fails; `None` once cleared.
    pub failing_since: Option<Millis>,
    /// When the last bounce came in.
    pub last_bounce_at: Millis,
    /// How many bounces came in since it was last cleared.
    pub bounces: i64,
    /// The last bounce's reason, as the reporting server put it.
    pub reason: String,
}

impl Store {
    /// The ticket of the newest outgoing mail sent with one of these `Message-ID`s (angle
    /// brackets included, as in `In-Reply-To` and `References`), if any.
    pub async fn ticket_for_message_ids(&self, ids: &[String]) -> Result<Option<TicketId>> {
        self.ticket_by_message_ids("mail_outbox", "id", ids).await
    }

    /// The ticket of the newest row of `table` (ordered by `newest`) whose `message_id` is one
    /// of `ids`; the table and column names are the caller's constants, never input.
    pub(crate) async fn ticket_by_message_ids(
        &self,
        table: &'static str,
        newest: &'static str,
        ids: &[String],
    ) -> Result<Option<TicketId>> {
        if ids.is_empty() {
            return Ok(None);
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT ticket_id FROM {table} WHERE ticket_id IS NOT NULL AND message_id IN ({}) \
             ORDER BY {newest} DESC LIMIT 1",
            marks.join(", ")
        );
        let found: Option<i64> = on_pool!(self, p => {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_optional(p).await?
        });
        Ok(found.map(TicketId))
    }

    /// Records a bounce for `address`: it is failing from now on (or still), with `reason`.
    pub async fn record_bounce(&self, address: &str, reason: &str, at: Millis) -> Result<()> {
        let address = address.trim().to_lowercase();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO mail_address_status (address, failing_since, last_bounce_at, bounces, reason) \
             VALUES ($1, $2, $2, 1, $3) \
             ON CONFLICT (address) DO UPDATE SET \
             failing_since = COALESCE(mail_address_status.failing_since, excluded.failing_since), \
             last_bounce_at = excluded.last_bounce_at, \
             bounces = mail_address_status.bounces + 1, reason = excluded.reason",
        )
        .bind(&address)
        .bind(at)
        .bind(reason)
        .execute(p)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// Clears the failing mark of `address` (a later delivery went through, or the person
    /// corrected it); the history of the last bounce stays.
    pub async fn clear_address_failing(&self, address: &str) -> Result<()> {
        let address = address.trim().to_lowercase();
        on_pool!(self, p => sqlx::query(
            "UPDATE mail_address_status SET failing_since = NULL, bounces = 0 WHERE address = $1",
        )
        .bind(&address)
        .execute(p)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// The bounce state of `address`, if mail to it ever bounced.
    pub async fn address_status(&self, address: &str) -> Result<Option<AddressStatus>> {
        let address = address.trim().to_lowercase();
        let row = on_pool!(self, p => sqlx::query_as(
            "SELECT address, failing_since, last_bounce_at, bounces, reason \
             FROM mail_address_status WHERE address = $1",
        )
        .bind(&address)
        .fetch_optional(p)
        .await?);
        Ok(row)
    }
}
