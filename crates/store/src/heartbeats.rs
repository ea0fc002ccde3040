//! Heartbeats of push monitors: the last push per monitor, written by whichever instance
//! received it and read by the one that runs the probes.

use crate::{Db, Millis, MonitorId, Result, StoreError};

impl crate::Store {
    /// Records a heartbeat of the active push monitor whose token hashes to `token_hash`, at
    /// `at` (a later heartbeat is never replaced by an earlier one). Returns the monitor, or
    /// `None` when no active push monitor has that token.
    pub async fn record_push(&self, token_hash: &str, at: Millis) -> Result<Option<MonitorId>> {
        let sql = "UPDATE monitors SET last_push_at = CASE \
                   WHEN last_push_at IS NULL OR last_push_at < $2 THEN $2 ELSE last_push_at END \
                   WHERE push_token_hash = $1 AND kind = 'push' AND active = 1 RETURNING id";
        let id: Option<i64> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(token_hash)
            .bind(at)
            .fetch_optional(p)
            .await
            .map_err(StoreError::from)?);
        Ok(id.map(MonitorId))
    }

    /// The last heartbeat of a monitor (system use: the probe executor), if it ever pushed.
    pub async fn last_push(&self, monitor: MonitorId) -> Result<Option<Millis>> {
        let sql = "SELECT last_push_at FROM monitors WHERE id = $1";
        let at: Option<Option<i64>> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(monitor.0)
            .fetch_optional(p)
            .await
            .map_err(StoreError::from)?);
        at.ok_or(StoreError::NotFound("monitor"))
    }
}
