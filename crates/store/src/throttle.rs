//! Failed sign-ins per throttling key (`sign_in_attempts`), counted in the database so
//! that several instances share the throttle.

use crate::{Millis, Result, Store};

impl Store {
    /// Records a failed sign-in under a throttling key (an account or a client address).
    pub async fn record_sign_in_failure(&self, key: &str, at: Millis) -> Result<()> {
        let sql = "INSERT INTO sign_in_attempts (key, at) VALUES ($1, $2)";
        on_pool!(self, p => sqlx::query(sql).bind(key).bind(at).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Failed sign-ins under a key since an instant.
    pub async fn sign_in_failures(&self, key: &str, since: Millis) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM sign_in_attempts WHERE key = $1 AND at >= $2";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).bind(key).bind(since).fetch_one(p).await?))
    }

    /// Forgets the failed sign-ins under a key (after a success).
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<()> {
        let sql = "DELETE FROM sign_in_attempts WHERE key = $1";
        on_pool!(self, p => sqlx::query(sql).bind(key).execute(p).await.map(|_| ())?);
        Ok(())
    }
}
