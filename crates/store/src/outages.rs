//! Outages of environments (`outages`): opened and closed by a monitor's detector (see
//! [`Store::record_probe`]) or registered by hand, classified and corrected by the vendor's
//! staff with a reason, audited. [`OutageRecord::to_sla`] turns a row into the seconds the
//! engine measures in.

use serde::{Deserialize, Serialize};
use sla::availability::ExcludedCause;
use sqlx::AssertSqlSafe;

use crate::audit::audit_in_tx;
use crate::{
    EnvironmentId, Millis, MonitorId, OrgId, OutageId, PersonId, Result, Scope, Store, StoreError,
    ceil_seconds, rejected, vendor_person,
};

/// Where an outage record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageSource {
    /// Opened and closed by a monitor's detector.
    Probe,
    /// Registered by a person.
    Manual,
}

impl OutageSource {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OutageSource::Probe => "probe",
            OutageSource::Manual => "manual",
        }
    }
}

/// An outage of an environment with its classification and corrections (storing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageRecord {
    /// Its id.
    pub id: OutageId,
    /// The environment.
    pub environment_id: EnvironmentId,
    /// The monitor that detected it (probe outages; optional for manual ones).
    pub monitor_id: Option<MonitorId>,
    /// The customer.
    pub org_id: OrgId,
    /// When it started.
    pub started_at: Millis,
    /// When it ended; `None` while it goes on.
    pub ended_at: Option<Millis>,
    /// Detected or registered.
    pub source: OutageSource,
    /// The excluded cause it is classified under; `None` counts as downtime.
    pub cause: Option<ExcludedCause>,
    /// Who classified it last.
    pub classified_by: Option<PersonId>,
    /// When.
    pub classified_at: Option<Millis>,
    /// Why.
    pub classification_reason: Option<String>,
    /// When it was recorded.
    pub created_at: Millis,
    /// Who registered it (manual outages).
    pub created_by: Option<PersonId>,
    /// Why it was registered (manual outages).
    pub reason: Option<String>,
    /// Who corrected its start or end last.
    pub corrected_by: Option<PersonId>,
    /// When.
    pub corrected_at: Option<Millis>,
    /// Why.
    pub correction_reason: Option<String>,
}

impl OutageRecord {
    /// The outage in the engine's terms (seconds; the start rounded down, the end up, so no
    /// down time is lost to rounding).
    pub fn to_sla(&self) -> sla::availability::Outage {
        sla::availability::Outage {
            start: self.started_at.div_euclid(1000),
            end: self.ended_at.map(ceil_seconds),
            cause: self.cause,
        }
    }
}

/// An outage registered by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutage {
    /// The environment.
    pub environment_id: EnvironmentId,
    /// A monitor of that environment, if it concerns one.
    pub monitor_id: Option<MonitorId>,
    /// When it started.
    pub started_at: Millis,
    /// When it ended, if it did.
    pub ended_at: Option<Millis>,
    /// Why it is registered by hand (required).
    pub reason: String,
}

const OUTAGE_COLUMNS: &str = "id, environment_id, monitor_id, org_id, started_at, ended_at, \
    source, cause, classified_by, classified_at, classification_reason, created_at, created_by, \
    reason, corrected_by, corrected_at, correction_reason";

#[derive(sqlx::FromRow)]
struct OutageRow {
    id: i64,
    environment_id: i64,
    monitor_id: Option<i64>,
    org_id: i64,
    started_at: i64,
    ended_at: Option<i64>,
    source: String,
    cause: Option<String>,
    classified_by: Option<i64>,
    classified_at: Option<i64>,
    classification_reason: Option<String>,
    created_at: i64,
    created_by: Option<i64>,
    reason: Option<String>,
    corrected_by: Option<i64>,
    corrected_at: Option<i64>,
    correction_reason: Option<String>,
}

impl TryFrom<OutageRow> for OutageRecord {
    type Error = StoreError;

    fn try_from(r: OutageRow) -> Result<Self> {
        let source = match r.source.as_str() {
            "probe" => OutageSource::Probe,
            "manual" => OutageSource::Manual,
            other => return Err(StoreError::Corrupt(format!("outage source `{other}`"))),
        };
        let cause = r
            .cause
            .map(|c| {
                c.parse::<ExcludedCause>()
                    .map_err(|_| StoreError::Corrupt(format!("outage cause `{c}`")))
            })
            .transpose()?;
        Ok(OutageRecord {
            id: OutageId(r.id),
            environment_id: EnvironmentId(r.environment_id),
            monitor_id: r.monitor_id.map(MonitorId),
            org_id: OrgId(r.org_id),
            started_at: r.started_at,
            ended_at: r.ended_at,
            source,
            cause,
            classified_by: r.classified_by.map(PersonId),
            classified_at: r.classified_at,
            classification_reason: r.classification_reason,
            created_at: r.created_at,
            created_by: r.created_by.map(PersonId),
            reason: r.reason,
            corrected_by: r.corrected_by.map(PersonId),
            corrected_at: r.corrected_at,
            correction_reason: r.correction_reason,
        })
    }
}

fn required_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(rejected("reason", "a reason is required"));
    }
    Ok(r.to_string())
}

impl Store {
    /// One outage, if the scope may see it.
    pub async fn get_outage(&self, scope: &Scope, id: OutageId) -> Result<OutageRecord> {
        let sql = format!(
            "SELECT {OUTAGE_COLUMNS} FROM outages WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        );
        let row: Option<OutageRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_optional(p)
            .await?);
        row.ok_or(StoreError::NotFound("outage"))?.try_into()
    }

    /// The outages of an environment the scope may see that overlap `[from, to)` (open ones
    /// included), by start.
    pub async fn outages(
        &self,
        scope: &Scope,
        environment: EnvironmentId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<OutageRecord>> {
        let sql = format!(
            "SELECT {OUTAGE_COLUMNS} FROM outages WHERE environment_id = $1 \
             AND ($2 IS NULL OR org_id = $2) AND started_at < $4 \
             AND (ended_at IS NULL OR ended_at > $3) ORDER BY started_at, id"
        );
        let rows: Vec<OutageRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(environment.0)
            .bind(scope.org().map(|o| o.0))
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(OutageRecord::try_from).collect()
    }

    /// Registers an outage by hand (vendor staff, with a reason); audited.
    pub async fn register_outage(
        &self,
        scope: &Scope,
        new: &NewOutage,
        now: Millis,
    ) -> Result<OutageRecord> {
        let actor = vendor_person(scope, "register outages")?;
        let reason = required_reason(&new.reason)?;
        if new.ended_at.is_some_and(|e| e <= new.started_at) {
            return Err(rejected("ended_at", "an outage ends after it starts"));
        }
        let env = self.get_environment(scope, new.environment_id).await?;
        if let Some(m) = new.monitor_id
            && self.get_monitor(scope, m).await?.environment_id != env.id
        {
            return Err(rejected(
                "monitor_id",
                "the monitor watches another environment",
            ));
        }
        let sql = "INSERT INTO outages (environment_id, monitor_id, org_id, started_at, ended_at, \
                   source, created_at, created_by, reason) \
                   VALUES ($1, $2, $3, $4, $5, 'manual', $6, $7, $8) RETURNING id";
        let id: i64 = in_tx!(self, tx, _lock => {
            let id: i64 = sqlx::query_scalar(sql)
                .bind(env.id.0)
                .bind(new.monitor_id.map(|m| m.0))
                .bind(env.org_id.0)
                .bind(new.started_at)
                .bind(new.ended_at)
                .bind(now)
                .bind(actor.0)
                .bind(&reason)
                .fetch_one(&mut *tx)
                .await?;
            let detail = serde_json::json!({
                "outage_id": id,
                "environment_id": env.id.0,
                "started_at": new.started_at,
                "ended_at": new.ended_at,
                "reason": reason,
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(env.org_id.0), "outage.registered", detail)?;
            id
        });
        self.get_outage(scope, OutageId(id)).await
    }

    /// Corrects an outage's start and end (vendor staff, with a reason); audited with the
    /// values before and after.
    pub async fn correct_outage(
        &self,
        scope: &Scope,
        id: OutageId,
        started_at: Millis,
        ended_at: Option<Millis>,
        reason: &str,
        now: Millis,
    ) -> Result<OutageRecord> {
        let actor = vendor_person(scope, "correct outages")?;
        let reason = required_reason(reason)?;
        if ended_at.is_some_and(|e| e <= started_at) {
            return Err(rejected("ended_at", "an outage ends after it starts"));
        }
        let sql = "UPDATE outages SET started_at = $1, ended_at = $2, corrected_by = $3, \
                   corrected_at = $4, correction_reason = $5 WHERE id = $6";
        in_tx!(self, tx, lock => {
            let before: Option<(i64, Option<i64>, i64)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT started_at, ended_at, org_id FROM outages WHERE id = $1{lock}"
            )))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (old_start, old_end, org) = before.ok_or(StoreError::NotFound("outage"))?;
            let done = sqlx::query(sql)
                .bind(started_at)
                .bind(ended_at)
                .bind(actor.0)
                .bind(now)
                .bind(&reason)
                .bind(id.0)
                .execute(&mut *tx)
                .await;
            match done {
                Ok(_) => {}
                // Reopening a probe outage while the monitor has another open one.
                Err(e) if crate::unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        field: "ended_at",
                        message: "the monitor has another open outage".into(),
                    });
                }
                Err(e) => return Err(e.into()),
            }
            let detail = serde_json::json!({
                "outage_id": id.0,
                "from": { "started_at": old_start, "ended_at": old_end },
                "to": { "started_at": started_at, "ended_at": ended_at },
                "reason": reason,
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(org), "outage.corrected", detail)?;
        });
        self.get_outage(scope, id).await
    }

    /// Classifies an outage under an excluded cause, or back to counted downtime with `None`
    /// (vendor staff only, with a reason); records who, when and why, and audits it.
    pub async fn classify_outage(
        &self,
        scope: &Scope,
        id: OutageId,
        cause: Option<ExcludedCause>,
        reason: &str,
        now: Millis,
    ) -> Result<OutageRecord> {
        let actor = vendor_person(scope, "classify outages")?;
        let reason = required_reason(reason)?;
        let sql = "UPDATE outages SET cause = $1, classified_by = $2, classified_at = $3, \
                   classification_reason = $4 WHERE id = $5";
        in_tx!(self, tx, lock => {
            let before: Option<(Option<String>, i64)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT cause, org_id FROM outages WHERE id = $1{lock}"
            )))
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            let (old, org) = before.ok_or(StoreError::NotFound("outage"))?;
            sqlx::query(sql)
                .bind(cause.map(|c| c.as_str()))
                .bind(actor.0)
                .bind(now)
                .bind(&reason)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({
                "outage_id": id.0,
                "from": old,
                "to": cause.map(|c| c.as_str()),
                "reason": reason,
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(org), "outage.classified", detail)?;
        });
        self.get_outage(scope, id).await
    }
}
