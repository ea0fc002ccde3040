//! Planned maintenance (`maintenance`, `maintenance_targets`): announced with a mail to each
//! affected customer's administrators, called off, listed. [`Maintenance::to_sla`] turns a
//! row into the seconds the engine measures in.

use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use crate::audit::audit_in_tx;
use crate::outbox::INSERT_MAIL;
use crate::{
    EnvironmentId, MailId, MaintenanceId, Millis, NewMail, OrgId, PersonId, Result, Role, Scope,
    Store, StoreError, ceil_seconds, rejected, vendor_person,
};

/// Planned maintenance as announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// Its id.
    pub id: MaintenanceId,
    /// The environments it affects (only those the reader may see).
    pub environment_ids: Vec<EnvironmentId>,
    /// When it starts.
    pub starts_at: Millis,
    /// When it ends.
    pub ends_at: Millis,
    /// What is done, for the customers.
    pub description: String,
    /// When it was announced.
    pub announced_at: Millis,
    /// Who announced it.
    pub announced_by: Option<PersonId>,
    /// Whether the announcement gave the notice the SLA asks (`sla::notice_given`, decided
    /// when announced).
    pub notice_ok: bool,
    /// When it was called off, if it was.
    pub cancelled_at: Option<Millis>,
}

impl Maintenance {
    /// The maintenance in the engine's terms (seconds).
    pub fn to_sla(&self) -> sla::availability::PlannedMaintenance {
        sla::availability::PlannedMaintenance {
            start: self.starts_at.div_euclid(1000),
            end: ceil_seconds(self.ends_at),
            announced_at: ceil_seconds(self.announced_at),
        }
    }
}

/// An announcement of planned maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaintenance {
    /// The environments it affects (at least one).
    pub environment_ids: Vec<EnvironmentId>,
    /// When it starts.
    pub starts_at: Millis,
    /// When it ends (after the start).
    pub ends_at: Millis,
    /// What is done, for the customers.
    pub description: String,
    /// Whether the announcement gives the notice the SLA asks, as the caller decided with
    /// `sla::availability::notice_given` and the customers' calendar.
    pub notice_ok: bool,
}

/// Which maintenance to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceWhen {
    /// Not yet ended at `now`, soonest first.
    Upcoming,
    /// Ended before `now`, latest first.
    Past,
}

/// One administrator an announcement is mailed to, with what concerns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceRecipient {
    /// Who.
    pub person_id: PersonId,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
    /// Their language (`nl` or `en`).
    pub lang: String,
    /// Their organization.
    pub org_id: OrgId,
    /// The names of their environments the maintenance affects, in alphabetical order.
    pub environments: Vec<String>,
}

/// id, starts_at, ends_at, description, announced_at, announced_by, notice_ok, cancelled_at
type MaintenanceRow = (i64, i64, i64, String, i64, Option<i64>, i64, Option<i64>);

impl Store {
    /// Announces planned maintenance (vendor staff) in one transaction: the announcement, its
    /// environments, and one mail per active administrator of each affected customer, composed
    /// by `compose`; audited per customer. Returns the announcement and the mails queued.
    pub async fn announce_maintenance<F>(
        &self,
        scope: &Scope,
        new: &NewMaintenance,
        now: Millis,
        compose: F,
    ) -> Result<(Maintenance, Vec<MailId>)>
    where
        F: Fn(&MaintenanceRecipient) -> NewMail,
    {
        let actor = vendor_person(scope, "announce maintenance")?;
        if new.ends_at <= new.starts_at {
            return Err(rejected("ends_at", "maintenance ends after it starts"));
        }
        let description = new.description.trim();
        if description.is_empty() {
            return Err(rejected("description", "say what the maintenance is for"));
        }
        let mut ids = new.environment_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(rejected("environment_ids", "name at least one environment"));
        }
        let mut envs = Vec::with_capacity(ids.len());
        for id in &ids {
            envs.push(self.get_environment(scope, *id).await?);
        }
        let mut orgs: Vec<OrgId> = envs.iter().map(|e| e.org_id).collect();
        orgs.sort_unstable();
        orgs.dedup();
        let insert = "INSERT INTO maintenance (starts_at, ends_at, description, announced_at, \
                      announced_by, notice_ok) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let target = "INSERT INTO maintenance_targets (maintenance_id, environment_id, org_id) \
                      VALUES ($1, $2, $3)";
        let admins = "SELECT id, name, email, lang FROM people \
                      WHERE org_id = $1 AND role = $2 AND active = 1 ORDER BY id";
        let (id, mails) = in_tx!(self, tx, _lock => {
            let id: i64 = sqlx::query_scalar(insert)
                .bind(new.starts_at)
                .bind(new.ends_at)
                .bind(description)
                .bind(now)
                .bind(actor.0)
                .bind(i64::from(new.notice_ok))
                .fetch_one(&mut *tx)
                .await?;
            for env in &envs {
                sqlx::query(target)
                    .bind(id)
                    .bind(env.id.0)
                    .bind(env.org_id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut mails = Vec::new();
            for org in &orgs {
                let mut names: Vec<String> = envs
                    .iter()
                    .filter(|e| e.org_id == *org)
                    .map(|e| e.name.clone())
                    .collect();
                names.sort();
                let people: Vec<(i64, String, String, String)> = sqlx::query_as(admins)
                    .bind(org.0)
                    .bind(Role::CustomerAdmin.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                let mut to = Vec::new();
                for (person, name, email, lang) in people {
                    let mail = compose(&MaintenanceRecipient {
                        person_id: PersonId(person),
                        name,
                        email,
                        lang,
                        org_id: *org,
                        environments: names.clone(),
                    });
                    let mail_id: i64 = sqlx::query_scalar(INSERT_MAIL)
                        .bind(&mail.to_address)
                        .bind(&mail.subject)
                        .bind(&mail.body_text)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                    mails.push(MailId(mail_id));
                    to.push(mail.to_address);
                }
                let detail = serde_json::json!({
                    "maintenance_id": id,
                    "environments": names,
                    "starts_at": new.starts_at,
                    "ends_at": new.ends_at,
                    "notice_ok": new.notice_ok,
                    "mailed_to": to,
                });
                audit_in_tx!(tx, now, Some(actor.0), Some(org.0), "maintenance.announced", detail)?;
            }
            (id, mails)
        });
        Ok((
            Maintenance {
                id: MaintenanceId(id),
                environment_ids: ids,
                starts_at: new.starts_at,
                ends_at: new.ends_at,
                description: description.to_string(),
                announced_at: now,
                announced_by: Some(actor),
                notice_ok: new.notice_ok,
                cancelled_at: None,
            },
            mails,
        ))
    }

    /// Calls off announced maintenance (vendor staff); audited per affected customer.
    pub async fn cancel_maintenance(
        &self,
        scope: &Scope,
        id: MaintenanceId,
        now: Millis,
    ) -> Result<()> {
        let actor = vendor_person(scope, "cancel maintenance")?;
        let sql = "UPDATE maintenance SET cancelled_at = $1, cancelled_by = $2 \
                   WHERE id = $3 AND cancelled_at IS NULL RETURNING id";
        let orgs = "SELECT DISTINCT org_id FROM maintenance_targets WHERE maintenance_id = $1 \
                    ORDER BY org_id";
        in_tx!(self, tx, _lock => {
            let done: Option<i64> = sqlx::query_scalar(sql)
                .bind(now)
                .bind(actor.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_none() {
                return Err(StoreError::NotFound("maintenance"));
            }
            let orgs: Vec<i64> = sqlx::query_scalar(orgs).bind(id.0).fetch_all(&mut *tx).await?;
            for org in orgs {
                let detail = serde_json::json!({ "maintenance_id": id.0 });
                audit_in_tx!(tx, now, Some(actor.0), Some(org), "maintenance.cancelled", detail)?;
            }
        });
        Ok(())
    }

    /// Announced maintenance the scope may see, upcoming (not ended at `now`, soonest first)
    /// or past (latest first), optionally of one customer or one environment; cancelled
    /// announcements included (see `cancelled_at`). A customer sees only its own
    /// environments in `environment_ids`.
    pub async fn list_maintenance(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        environment: Option<EnvironmentId>,
        when: MaintenanceWhen,
        now: Millis,
    ) -> Result<Vec<Maintenance>> {
        let org = match (scope.org(), org) {
            (Some(own), Some(asked)) if own != asked => return Ok(Vec::new()),
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let (cmp, order) = match when {
            MaintenanceWhen::Upcoming => (">", "m.starts_at, m.id"),
            MaintenanceWhen::Past => ("<=", "m.ends_at DESC, m.id DESC"),
        };
        let sql = format!(
            "SELECT m.id, m.starts_at, m.ends_at, m.description, m.announced_at, \
             m.announced_by, m.notice_ok, m.cancelled_at FROM maintenance m \
             WHERE m.ends_at {cmp} $1 AND EXISTS (SELECT 1 FROM maintenance_targets t \
             WHERE t.maintenance_id = m.id AND ($2 IS NULL OR t.org_id = $2) \
             AND ($3 IS NULL OR t.environment_id = $3)) ORDER BY {order}"
        );
        let targets = "SELECT environment_id FROM maintenance_targets \
                       WHERE maintenance_id = $1 AND ($2 IS NULL OR org_id = $2) \
                       ORDER BY environment_id";
        let org = org.map(|o| o.0);
        on_pool!(self, p => {
            let rows: Vec<MaintenanceRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(now)
                .bind(org)
                .bind(environment.map(|e| e.0))
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, starts_at, ends_at, description, announced_at, by, notice_ok, cancelled_at) in
                rows
            {
                let envs: Vec<i64> = sqlx::query_scalar(targets)
                    .bind(id)
                    .bind(org)
                    .fetch_all(p)
                    .await?;
                out.push(Maintenance {
                    id: MaintenanceId(id),
                    environment_ids: envs.into_iter().map(EnvironmentId).collect(),
                    starts_at,
                    ends_at,
                    description,
                    announced_at,
                    announced_by: by.map(PersonId),
                    notice_ok: notice_ok != 0,
                    cancelled_at,
                });
            }
            Ok(out)
        })
    }

    /// The planned maintenance of one environment the scope may see that overlaps
    /// `[from, to)` and was not called off, for `sla::monthly_availability`.
    pub async fn planned_maintenance(
        &self,
        scope: &Scope,
        environment: EnvironmentId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<Maintenance>> {
        self.get_environment(scope, environment).await?;
        let sql = "SELECT m.id, m.starts_at, m.ends_at, m.description, m.announced_at, \
                   m.announced_by, m.notice_ok, m.cancelled_at FROM maintenance m \
                   JOIN maintenance_targets t ON t.maintenance_id = m.id \
                   WHERE t.environment_id = $1 AND m.cancelled_at IS NULL \
                   AND m.starts_at < $3 AND m.ends_at > $2 ORDER BY m.starts_at, m.id";
        let rows: Vec<MaintenanceRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(environment.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?);
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    starts_at,
                    ends_at,
                    description,
                    announced_at,
                    by,
                    notice_ok,
                    cancelled_at,
                )| {
                    Maintenance {
                        id: MaintenanceId(id),
                        environment_ids: vec![environment],
                        starts_at,
                        ends_at,
                        description,
                        announced_at,
                        announced_by: by.map(PersonId),
                        notice_ok: notice_ok != 0,
                        cancelled_at,
                    }
                },
            )
            .collect())
    }
}
