//! The audit trail (`audit_log`): appended to, never changed.

use serde::{Deserialize, Serialize};

use crate::{Millis, OrgId, PersonId, Result, Scope, Store, StoreError};

/// An entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: Millis,
    /// Who.
    pub actor_id: Option<PersonId>,
    /// Which customer it concerns.
    pub org_id: Option<OrgId>,
    /// What, e.g. `person.created`.
    pub action: String,
    /// Details as JSON.
    pub detail: serde_json::Value,
}

/// The statement that writes `entry`, for either backend.
macro_rules! audit_query {
    ($entry:expr) => {{
        let entry: &$crate::AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(entry.at)
        .bind(entry.actor_id.map(|a| a.0))
        .bind(entry.org_id.map(|o| o.0))
        .bind(entry.action.clone())
        .bind(entry.detail.to_string())
    }};
}
pub(crate) use audit_query;

/// Writes `$entry` inside the transaction `$tx`.
macro_rules! insert_audit {
    ($tx:expr, $entry:expr) => {{
        $crate::audit::audit_query!($entry)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use insert_audit;

/// An audit row: at, actor, organization, action, detail.
type AuditRow = (i64, Option<i64>, Option<i64>, String, String);

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
    VALUES ($1, $2, $3, $4, $5)";

/// Appends an audit row inside the transaction `$tx`.
macro_rules! audit_in_tx {
    ($tx:expr, $at:expr, $actor:expr, $org:expr, $action:expr, $detail:expr) => {
        sqlx::query($crate::audit::INSERT_AUDIT)
            .bind($at)
            .bind($actor)
            .bind($org)
            .bind($action)
            .bind($detail.to_string())
            .execute(&mut *$tx)
            .await
            .map_err($crate::StoreError::from)
    };
}
pub(crate) use audit_in_tx;

impl Store {
    /// Appends an entry to the audit trail.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        on_pool!(self, p => audit_query!(entry).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// The audit trail the scope may see, newest first, at most `limit` entries.
    pub async fn audit_log(&self, scope: &Scope, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT at, actor_id, org_id, action, detail FROM audit_log \
                   WHERE ($1 IS NULL OR org_id = $1) ORDER BY id DESC LIMIT $2";
        let rows: Vec<AuditRow> = on_pool!(self, p => sqlx::query_as(sql)
                .bind(scope.org().map(|o| o.0))
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?);
        rows.into_iter()
            .map(|(at, actor, org, action, detail)| {
                Ok(AuditEntry {
                    at,
                    actor_id: actor.map(PersonId),
                    org_id: org.map(OrgId),
                    action,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }
}
