//! Job leases (`job_leases`): which instance runs a background job now.

use crate::{Millis, Result, Store};

impl Store {
    /// Takes or renews the lease on job `name` for `owner` until `until`: succeeds when no one
    /// holds it, its lease ran out by `now`, or `owner` holds it already. Among instances on
    /// one database exactly one holds a lease at a time.
    pub async fn try_lease(
        &self,
        name: &str,
        owner: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool> {
        let sql = "INSERT INTO job_leases (name, owner, lease_until) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, \
                   lease_until = excluded.lease_until \
                   WHERE job_leases.lease_until <= $4 OR job_leases.owner = excluded.owner \
                   RETURNING name";
        let won: Option<String> = in_tx!(self, tx, _lock => {
            let won: Option<String> = sqlx::query_scalar(sql)
                .bind(name)
                .bind(owner)
                .bind(until)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            won
        });
        Ok(won.is_some())
    }

    /// Gives up a lease `owner` holds, so another instance may take it at once.
    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<bool> {
        let sql = "DELETE FROM job_leases WHERE name = $1 AND owner = $2";
        let n = on_pool!(self, p => sqlx::query(sql)
            .bind(name)
            .bind(owner)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n == 1)
    }
}
