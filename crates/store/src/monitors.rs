//! Monitored environments (`environments`) and their monitors (`monitors`), the inputs of
//! availability (SLA-RULES §6). The arithmetic lives in `sla::availability`; this module
//! and [`crate::probes`], [`crate::outages`] and [`crate::maintenance`] only keep its inputs.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sla::availability::DetectorState;
use sqlx::AssertSqlSafe;

use crate::{EnvironmentId, Millis, MonitorId, OrgId, Result, Scope, Store, StoreError, rejected};

/// The shortest probe interval a monitor may have, in seconds.
pub const MIN_INTERVAL_S: i64 = 10;

/// A customer's monitored environment (omgeving), the unit availability is measured for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Its id.
    pub id: EnvironmentId,
    /// The customer.
    pub org_id: OrgId,
    /// Its name, unique per customer.
    pub name: String,
    /// When it was created.
    pub created_at: Millis,
}

/// How a monitor learns whether an environment is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorKind {
    /// An HTTP(S) request to a URL.
    Http,
    /// A TCP connection to `host:port`.
    Tcp,
    /// The environment calls in with a token; silence is a failure.
    Push,
}

impl MonitorKind {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorKind::Http => "http",
            MonitorKind::Tcp => "tcp",
            MonitorKind::Push => "push",
        }
    }
}

impl FromStr for MonitorKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "http" => Ok(MonitorKind::Http),
            "tcp" => Ok(MonitorKind::Tcp),
            "push" => Ok(MonitorKind::Push),
            _ => Err(format!("unknown monitor kind `{s}`")),
        }
    }
}

/// What a monitor checks and how it decides an outage; the settings a person edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorSettings {
    /// How it probes.
    pub kind: MonitorKind,
    /// `http(s)://…` for HTTP, `host:port` for TCP, a label for push monitors.
    pub target: String,
    /// HTTP: the status a good response has (`None`: any 2xx).
    pub expected_status: Option<i64>,
    /// HTTP: text a good response body contains.
    pub keyword: Option<String>,
    /// A probe slower than this fails.
    pub latency_limit_ms: Option<i64>,
    /// Seconds between probes, at least [`MIN_INTERVAL_S`].
    pub interval_s: i64,
    /// Failures in a row that open an outage (at least 1).
    pub fail_after: i64,
    /// Good probes in a row that close it (at least 1).
    pub recover_after: i64,
    /// Push monitors: the hash of the token the environment calls in with.
    pub push_token_hash: Option<String>,
    /// Whether the probe may reach internal addresses (loopback, private and link-local
    /// networks); only the vendor's administrator allows it.
    #[serde(default)]
    pub allow_internal: bool,
}

/// A monitor of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitor {
    /// Its id.
    pub id: MonitorId,
    /// The environment it watches.
    pub environment_id: EnvironmentId,
    /// The environment's customer.
    pub org_id: OrgId,
    /// What it checks.
    pub settings: MonitorSettings,
    /// The outage detector's state after the last recorded probe.
    pub detector: DetectorState,
    /// Whether it is probed.
    pub active: bool,
    /// When it was created.
    pub created_at: Millis,
}

const MONITOR_COLUMNS: &str = "id, environment_id, org_id, kind, target, expected_status, \
    keyword, latency_limit_ms, interval_s, fail_after, recover_after, push_token_hash, \
    allow_internal, detector_state, active, created_at";

#[derive(sqlx::FromRow)]
struct MonitorRow {
    id: i64,
    environment_id: i64,
    org_id: i64,
    kind: String,
    target: String,
    expected_status: Option<i64>,
    keyword: Option<String>,
    latency_limit_ms: Option<i64>,
    interval_s: i64,
    fail_after: i64,
    recover_after: i64,
    push_token_hash: Option<String>,
    allow_internal: i64,
    detector_state: String,
    active: i64,
    created_at: i64,
}

impl TryFrom<MonitorRow> for Monitor {
    type Error = StoreError;

    fn try_from(r: MonitorRow) -> Result<Self> {
        Ok(Monitor {
            id: MonitorId(r.id),
            environment_id: EnvironmentId(r.environment_id),
            org_id: OrgId(r.org_id),
            settings: MonitorSettings {
                kind: r.kind.parse().map_err(StoreError::Corrupt)?,
                target: r.target,
                expected_status: r.expected_status,
                keyword: r.keyword,
                latency_limit_ms: r.latency_limit_ms,
                interval_s: r.interval_s,
                fail_after: r.fail_after,
                recover_after: r.recover_after,
                push_token_hash: r.push_token_hash,
                allow_internal: r.allow_internal != 0,
            },
            detector: serde_json::from_str(&r.detector_state)
                .map_err(|e| StoreError::Corrupt(format!("detector state: {e}")))?,
            active: r.active != 0,
            created_at: r.created_at,
        })
    }
}

fn check_settings(s: &MonitorSettings) -> Result<()> {
    if s.interval_s < MIN_INTERVAL_S {
        return Err(rejected(
            "interval_s",
            format!("probes are at least {MIN_INTERVAL_S} seconds apart"),
        ));
    }
    if s.fail_after < 1 || s.recover_after < 1 {
        return Err(rejected(
            "fail_after",
            "fail_after and recover_after are at least 1",
        ));
    }
    let target = s.target.trim();
    let ok = match s.kind {
        MonitorKind::Http => {
            (target.starts_with("http://") || target.starts_with("https://"))
                && !target.contains(char::is_whitespace)
        }
        MonitorKind::Tcp => target
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok()),
        MonitorKind::Push => !target.is_empty(),
    };
    if !ok {
        return Err(rejected(
            "target",
            match s.kind {
                MonitorKind::Http => "an http:// or https:// URL",
                MonitorKind::Tcp => "host:port",
                MonitorKind::Push => "a label",
            },
        ));
    }
    match (s.kind, &s.push_token_hash) {
        (MonitorKind::Push, None) => {
            Err(rejected("push_token_hash", "a push monitor needs a token"))
        }
        (MonitorKind::Http | MonitorKind::Tcp, Some(_)) => Err(rejected(
            "push_token_hash",
            "only push monitors have a token",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn state_json(state: &DetectorState) -> Result<String> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(format!("detector state: {e}")))
}

impl Store {
    /// Creates a customer's environment.
    pub async fn create_environment(
        &self,
        scope: &Scope,
        org: OrgId,
        name: &str,
        now: Millis,
    ) -> Result<Environment> {
        self.get_org(scope, org).await?;
        let name = name.trim();
        if name.is_empty() {
            return Err(rejected("name", "an environment needs a name"));
        }
        let sql = "INSERT INTO environments (org_id, name, created_at) VALUES ($1, $2, $3) \
                   RETURNING id";
        let id: Result<i64, sqlx::Error> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(org.0)
            .bind(name)
            .bind(now)
            .fetch_one(p)
            .await);
        match id {
            Ok(id) => Ok(Environment {
                id: EnvironmentId(id),
                org_id: org,
                name: name.to_string(),
                created_at: now,
            }),
            Err(e) if crate::unique_violation(&e) => Err(StoreError::Conflict {
                field: "name",
                message: format!("this customer has an environment named `{name}` already"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The environments the scope may see, optionally of one customer, by customer and name.
    pub async fn environments(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
    ) -> Result<Vec<Environment>> {
        let org = match (scope.org(), org) {
            (Some(own), Some(asked)) if own != asked => return Ok(Vec::new()),
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let sql = "SELECT id, org_id, name, created_at FROM environments \
                   WHERE ($1 IS NULL OR org_id = $1) ORDER BY org_id, name, id";
        let rows: Vec<(i64, i64, String, i64)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(org.map(|o| o.0))
            .fetch_all(p)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(id, org_id, name, created_at)| Environment {
                id: EnvironmentId(id),
                org_id: OrgId(org_id),
                name,
                created_at,
            })
            .collect())
    }

    /// One environment, if the scope may see it.
    pub async fn get_environment(&self, scope: &Scope, id: EnvironmentId) -> Result<Environment> {
        let sql = "SELECT id, org_id, name, created_at FROM environments \
                   WHERE id = $1 AND ($2 IS NULL OR org_id = $2)";
        let row: Option<(i64, i64, String, i64)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(id.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_optional(p)
            .await?);
        let (id, org_id, name, created_at) = row.ok_or(StoreError::NotFound("environment"))?;
        Ok(Environment {
            id: EnvironmentId(id),
            org_id: OrgId(org_id),
            name,
            created_at,
        })
    }

    /// Renames an environment the scope may see.
    pub async fn rename_environment(
        &self,
        scope: &Scope,
        id: EnvironmentId,
        name: &str,
    ) -> Result<Environment> {
        let env = self.get_environment(scope, id).await?;
        let name = name.trim();
        if name.is_empty() {
            return Err(rejected("name", "an environment needs a name"));
        }
        let sql = "UPDATE environments SET name = $1 WHERE id = $2";
        let done: Result<_, sqlx::Error> = on_pool!(self, p => sqlx::query(sql).bind(name).bind(id.0).execute(p).await.map(|_| ()));
        match done {
            Ok(_) => Ok(Environment {
                name: name.to_string(),
                ..env
            }),
            Err(e) if crate::unique_violation(&e) => Err(StoreError::Conflict {
                field: "name",
                message: format!("this customer has an environment named `{name}` already"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds a monitor to an environment the scope may see.
    pub async fn create_monitor(
        &self,
        scope: &Scope,
        environment: EnvironmentId,
        settings: &MonitorSettings,
        now: Millis,
    ) -> Result<Monitor> {
        check_settings(settings)?;
        let env = self.get_environment(scope, environment).await?;
        let detector = DetectorState::default();
        let sql = "INSERT INTO monitors (environment_id, org_id, kind, target, expected_status, \
                   keyword, latency_limit_ms, interval_s, fail_after, recover_after, \
                   push_token_hash, allow_internal, detector_state, active, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14) \
                   RETURNING id";
        let state = state_json(&detector)?;
        let id: Result<i64, sqlx::Error> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(env.id.0)
            .bind(env.org_id.0)
            .bind(settings.kind.as_str())
            .bind(settings.target.trim())
            .bind(settings.expected_status)
            .bind(&settings.keyword)
            .bind(settings.latency_limit_ms)
            .bind(settings.interval_s)
            .bind(settings.fail_after)
            .bind(settings.recover_after)
            .bind(&settings.push_token_hash)
            .bind(i64::from(settings.allow_internal))
            .bind(&state)
            .bind(now)
            .fetch_one(p)
            .await);
        let id = match id {
            Ok(id) => id,
            Err(e) if crate::unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    field: "push_token_hash",
                    message: "another monitor has this token".into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Monitor {
            id: MonitorId(id),
            environment_id: env.id,
            org_id: env.org_id,
            settings: MonitorSettings {
                target: settings.target.trim().to_string(),
                ..settings.clone()
            },
            detector,
            active: true,
            created_at: now,
        })
    }

    /// One monitor, if the scope may see it.
    pub async fn get_monitor(&self, scope: &Scope, id: MonitorId) -> Result<Monitor> {
        let sql = format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        );
        let row: Option<MonitorRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_optional(p)
            .await?);
        row.ok_or(StoreError::NotFound("monitor"))?.try_into()
    }

    /// The monitors of an environment the scope may see, active or not, in creation order.
    pub async fn monitors(
        &self,
        scope: &Scope,
        environment: EnvironmentId,
    ) -> Result<Vec<Monitor>> {
        let sql = format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors \
             WHERE environment_id = $1 AND ($2 IS NULL OR org_id = $2) ORDER BY id"
        );
        let rows: Vec<MonitorRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(environment.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Monitor::try_from).collect()
    }

    /// Every active monitor the scope may see (the probe executor asks as `Scope::System`).
    pub async fn active_monitors(&self, scope: &Scope) -> Result<Vec<Monitor>> {
        let sql = format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors \
             WHERE active = 1 AND ($1 IS NULL OR org_id = $1) ORDER BY id"
        );
        let rows: Vec<MonitorRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(scope.org().map(|o| o.0))
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Monitor::try_from).collect()
    }

    /// The active push monitor a token (by its hash) belongs to.
    pub async fn monitor_by_push_token(&self, token_hash: &str) -> Result<Option<Monitor>> {
        let sql = format!(
            "SELECT {MONITOR_COLUMNS} FROM monitors \
             WHERE push_token_hash = $1 AND kind = 'push' AND active = 1"
        );
        let row: Option<MonitorRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(p)
            .await?);
        row.map(Monitor::try_from).transpose()
    }

    /// Changes what a monitor checks (its kind, target, thresholds); its history stays.
    pub async fn update_monitor(
        &self,
        scope: &Scope,
        id: MonitorId,
        settings: &MonitorSettings,
    ) -> Result<Monitor> {
        check_settings(settings)?;
        let current = self.get_monitor(scope, id).await?;
        let sql = "UPDATE monitors SET kind = $1, target = $2, expected_status = $3, \
                   keyword = $4, latency_limit_ms = $5, interval_s = $6, fail_after = $7, \
                   recover_after = $8, push_token_hash = $9, allow_internal = $10 WHERE id = $11";
        let done: Result<_, sqlx::Error> = on_pool!(self, p => sqlx::query(sql)
            .bind(settings.kind.as_str())
            .bind(settings.target.trim())
            .bind(settings.expected_status)
            .bind(&settings.keyword)
            .bind(settings.latency_limit_ms)
            .bind(settings.interval_s)
            .bind(settings.fail_after)
            .bind(settings.recover_after)
            .bind(&settings.push_token_hash)
            .bind(i64::from(settings.allow_internal))
            .bind(id.0)
            .execute(p)
            .await
            .map(|_| ()));
        match done {
            Ok(_) => Ok(Monitor {
                settings: MonitorSettings {
                    target: settings.target.trim().to_string(),
                    ..settings.clone()
                },
                ..current
            }),
            Err(e) if crate::unique_violation(&e) => Err(StoreError::Conflict {
                field: "push_token_hash",
                message: "another monitor has this token".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Starts or stops probing a monitor. Monitors are never deleted: their outages and hours
    /// are part of the availability record.
    pub async fn set_monitor_active(
        &self,
        scope: &Scope,
        id: MonitorId,
        active: bool,
    ) -> Result<Monitor> {
        let current = self.get_monitor(scope, id).await?;
        let sql = "UPDATE monitors SET active = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(sql)
            .bind(i64::from(active))
            .bind(id.0)
            .execute(p)
            .await
            .map(|_| ())?);
        Ok(Monitor { active, ..current })
    }
}
