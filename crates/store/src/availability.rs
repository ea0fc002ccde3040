//! Availability storage (SLA-SEMANTICS §6): monitored environments, probe results and their
//! aggregates, outages, planned maintenance, the mail outbox and job leases.
//!
//! The arithmetic lives in `sla::availability`; this module only keeps its inputs. Probe
//! instants are milliseconds like every other instant in the store, so an `OutageDetector` fed
//! by the probe executor works in milliseconds too; [`OutageRecord::to_sla`] and
//! [`Maintenance::to_sla`] turn rows into the seconds the engine measures in.
//!
//! Probe data is kept at three resolutions: raw results for 48 hours (one row each), minute
//! aggregates for 30 days (one row per monitor and UTC hour holding 60 packed minute cells)
//! and local-hour aggregates for good (one row per monitor and local day holding its 23, 24 or
//! 25 packed hour cells; see `packed.rs` for the cells). The packed rows are read, added to and
//! written back by [`Store::record_probe`] in the probe's transaction, and unpacked into
//! [`ProbeMinute`] and [`ProbeHour`] rows when read. A monitor probed every 30 seconds takes,
//! a year after its first probe (measured by `cargo bench -p store --bench probe_storage`):
//!
//! | table           | SQLite   | PostgreSQL |
//! |-----------------|----------|------------|
//! | `probe_results` | 98 kB    | 448 kB     |
//! | `probe_minutes` | 296 kB   | 359 kB     |
//! | `probe_hours`   | 125 kB   | 159 kB     |
//! | total           | 519 kB   | 966 kB     |
//!
//! so 100 such monitors take 52 MB on SQLite and 97 MB on PostgreSQL; the hours then grow by
//! 125 kB (SQLite) or 159 kB (PostgreSQL) per monitor and year.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sla::availability::{DetectorEvent, DetectorState, ExcludedCause, HourBucket, MinuteBucket};
use sqlx::AssertSqlSafe;

use crate::packed::{self, DayCells, HOUR_MS, MINUTE_ROW_BYTES};
use crate::{Db, Millis, OrgId, PersonId, Result, Role, Scope, Store, StoreError};

/// How long raw probe results are kept.
pub const KEEP_RAW_MS: Millis = 48 * 3_600_000;
/// How long per-minute aggregates are kept.
pub const KEEP_MINUTES_MS: Millis = 30 * 24 * 3_600_000;
/// The shortest probe interval a monitor may have, in seconds.
pub const MIN_INTERVAL_S: i64 = 10;

macro_rules! avail_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

avail_id!(
    /// A customer's monitored environment.
    EnvironmentId
);
avail_id!(
    /// A monitor of an environment.
    MonitorId
);
avail_id!(
    /// An outage.
    OutageId
);
avail_id!(
    /// An announcement of planned maintenance.
    MaintenanceId
);
avail_id!(
    /// A mail in the outbox.
    MailId
);

// ----- model ------------------------------------------------------------------------------

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

/// One probe's result, as the executor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// When the probe started.
    pub at: Millis,
    /// Whether it passed.
    pub ok: bool,
    /// How long it took (until the answer, the failure or the timeout).
    pub latency_ms: i64,
    /// Why it failed, kept 48 hours (a passing probe's detail is not kept).
    pub detail: Option<String>,
    /// The local clock hour it belongs to (`HourBucket::of` with the customer's calendar, on
    /// `at` in seconds).
    pub hour: HourBucket,
    /// Seconds of down time this probe adds to its hour: the executor's call, normally the
    /// time since the previous probe while an outage is open, else 0.
    pub down_seconds: i64,
}

/// What [`Store::record_probe`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The probe was stored; an outage was opened or closed if one was given.
    Stored {
        /// The outage opened or closed, if any.
        outage: Option<OutageId>,
    },
    /// A result for this monitor and instant was stored before: nothing changed.
    Duplicate,
}

/// A raw probe result (kept 48 hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeRow {
    /// When.
    pub at: Millis,
    /// Passed (1) or failed (0).
    pub ok: i64,
    /// How long it took.
    pub latency_ms: i64,
    /// Why it failed (`None` when it passed or no reason was given).
    pub detail: Option<String>,
}

/// Probe counts of one UTC minute (kept 30 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeMinute {
    /// The minute's first instant.
    pub minute_start: Millis,
    /// Probes in it.
    pub probes: i64,
    /// Failed probes in it.
    pub failures: i64,
    /// Sum of their latencies.
    pub latency_sum_ms: i64,
    /// The slowest.
    pub latency_max_ms: i64,
}

/// Probe counts of one local clock hour (kept for good).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProbeHour {
    /// The hour's first instant (UTC); the repeated hour when clocks go back is two rows.
    pub hour_start: Millis,
    /// The UTC offset in that hour, seconds east of UTC.
    pub utc_offset: i64,
    /// Probes in it.
    pub probes: i64,
    /// Failed probes in it.
    pub failures: i64,
    /// Down time the executor attributed to it.
    pub down_seconds: i64,
    /// Sum of their latencies.
    pub latency_sum_ms: i64,
    /// The slowest.
    pub latency_max_ms: i64,
}

/// What [`Store::prune`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Raw results older than 48 hours.
    pub results: u64,
    /// Rows of minute aggregates (one per monitor and UTC hour) whose hour ended 30 days ago
    /// or earlier.
    pub minutes: u64,
}

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
}

impl From<i64> for MailId {
    fn from(v: i64) -> Self {
        MailId(v)
    }
}

fn ceil_seconds(ms: Millis) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

// ----- rows -------------------------------------------------------------------------------

const MONITOR_COLUMNS: &str = "id, environment_id, org_id, kind, target, expected_status, \
    keyword, latency_limit_ms, interval_s, fail_after, recover_after, push_token_hash, \
    detector_state, active, created_at";

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
            },
            detector: serde_json::from_str(&r.detector_state)
                .map_err(|e| StoreError::Corrupt(format!("detector state: {e}")))?,
            active: r.active != 0,
            created_at: r.created_at,
        })
    }
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

/// id, starts_at, ends_at, description, announced_at, announced_by, notice_ok, cancelled_at
type MaintenanceRow = (i64, i64, i64, String, i64, Option<i64>, i64, Option<i64>);

const MAIL_COLUMNS: &str = "id, to_address, subject, body_text, created_at, attempts, \
    next_attempt_at, last_error, sent_at, failed_at, lease_owner, lease_until";

const INSERT_MAIL: &str = "INSERT INTO mail_outbox \
    (to_address, subject, body_text, created_at, attempts, next_attempt_at) \
    VALUES ($1, $2, $3, $4, 0, $4) RETURNING id";

const INSERT_AUDIT: &str = "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
    VALUES ($1, $2, $3, $4, $5)";

/// Appends an audit row inside the transaction `$tx`.
macro_rules! audit_in_tx {
    ($tx:expr, $at:expr, $actor:expr, $org:expr, $action:expr, $detail:expr) => {
        sqlx::query(INSERT_AUDIT)
            .bind($at)
            .bind($actor)
            .bind($org)
            .bind($action)
            .bind($detail.to_string())
            .execute(&mut *$tx)
            .await
            .map_err(StoreError::from)
    };
}

fn rejected(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Rejected {
        field,
        message: message.into(),
    }
}

/// The acting member of the vendor's staff, or why the scope may not do this.
fn vendor_person(scope: &Scope, what: &str) -> Result<PersonId> {
    match scope {
        Scope::Vendor { person, .. } => Ok(*person),
        _ => Err(rejected(
            "scope",
            format!("only the vendor's staff may {what}"),
        )),
    }
}

fn required_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(rejected("reason", "a reason is required"));
    }
    Ok(r.to_string())
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

fn state_json(state: &DetectorState) -> Result<String> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(format!("detector state: {e}")))
}

impl Store {
    // ----- environments and monitors -----------------------------------------------------

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
                   push_token_hash, detector_state, active, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13) RETURNING id";
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
                   recover_after = $8, push_token_hash = $9 WHERE id = $10";
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

    // ----- probes ------------------------------------------------------------------------

    /// Records one probe of `monitor` in one transaction: the raw row, the minute and hour
    /// aggregates, the detector's state after the probe, and the outage `event` (from the
    /// monitor's `OutageDetector`, fed in milliseconds) if there is one.
    ///
    /// Recording is idempotent per (monitor, instant): a repeated result changes nothing and
    /// says [`Recorded::Duplicate`]. Closing when no outage is open, or opening while one is,
    /// stores the probe and leaves the outages as they are.
    pub async fn record_probe(
        &self,
        monitor: MonitorId,
        probe: &ProbeResult,
        detector: &DetectorState,
        event: Option<DetectorEvent>,
        now: Millis,
    ) -> Result<Recorded> {
        let state = state_json(detector)?;
        let hour_start = probe.hour.start * 1000;
        if !(hour_start <= probe.at && probe.at < hour_start + HOUR_MS) {
            return Err(rejected("hour", "the probe's hour does not contain it"));
        }
        let offset_q = packed::offset_quarters(probe.hour.offset)
            .ok_or_else(|| rejected("hour", "the offset is not a whole number of quarter hours"))?;
        let day = packed::ymd((probe.hour.start + i64::from(probe.hour.offset)).div_euclid(86_400))
            .ok_or_else(|| rejected("at", "outside the years 1 to 9999"))?;
        let latency = i32::try_from(probe.latency_ms)
            .ok()
            .filter(|l| *l >= 0)
            .ok_or_else(|| rejected("latency_ms", "must be 0 to 2^31 - 1 milliseconds"))?;
        if probe.down_seconds < 0 {
            return Err(rejected("down_seconds", "must not be negative"));
        }
        // The UTC hour whose minutes row the probe goes in, and its minute there.
        let minutes_start = probe.at.div_euclid(HOUR_MS) * HOUR_MS;
        let minute = MinuteBucket::of(probe.at.div_euclid(1000)).start() * 1000;
        let minute_index = usize::try_from((minute - minutes_start) / packed::MINUTE_MS)
            .map_err(|_| rejected("at", "no minute"))?;
        let hour = packed::HourProbe {
            hour_start,
            offset_q,
            failed: !probe.ok,
            latency_ms: probe.latency_ms,
            down_seconds: probe.down_seconds,
        };
        // The detail is the result: NULL for a passing probe, the reason (or '') for a failed
        // one.
        let detail = (!probe.ok).then(|| probe.detail.as_deref().unwrap_or(""));
        let raw = "INSERT INTO probe_results (monitor_id, at, latency_ms, detail) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (monitor_id, at) DO NOTHING \
                   RETURNING at";
        let open = "INSERT INTO outages (environment_id, monitor_id, org_id, started_at, source, \
                    created_at) SELECT environment_id, id, org_id, $2, 'probe', $3 \
                    FROM monitors WHERE id = $1 ON CONFLICT DO NOTHING RETURNING id";
        let close = "UPDATE outages SET ended_at = $2 \
                     WHERE monitor_id = $1 AND source = 'probe' AND ended_at IS NULL RETURNING id";
        let recorded = in_tx!(self, tx, lock => {
            // Holding the monitor's row serializes probes of one monitor on PostgreSQL.
            let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM monitors WHERE id = $1{lock}"
            )))
            .bind(monitor.0)
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::NotFound("monitor"));
            }
            let inserted: Option<i64> = sqlx::query_scalar(raw)
                .bind(monitor.0)
                .bind(probe.at)
                .bind(latency)
                .bind(detail)
                .fetch_optional(&mut *tx)
                .await?;
            if inserted.is_none() {
                return Ok(Recorded::Duplicate);
            }
            // The minute and hour cells: read, add, write back (the monitor's row, held
            // above, keeps other writers of these rows out on PostgreSQL; SQLite has one
            // writer).
            let cells: Option<Vec<u8>> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT minutes FROM probe_minutes WHERE monitor_id = $1 AND hour_start = $2{lock}"
            )))
            .bind(monitor.0)
            .bind(minutes_start)
            .fetch_optional(&mut *tx)
            .await?;
            let write = if cells.is_some() {
                "UPDATE probe_minutes SET minutes = $3 WHERE monitor_id = $1 AND hour_start = $2"
            } else {
                "INSERT INTO probe_minutes (monitor_id, hour_start, minutes) VALUES ($1, $2, $3)"
            };
            let mut cells = cells.unwrap_or_else(|| vec![0; MINUTE_ROW_BYTES]);
            packed::read_minutes(&cells)?;
            packed::add_to_minutes(&mut cells, minute_index, !probe.ok, probe.latency_ms);
            sqlx::query(write)
                .bind(monitor.0)
                .bind(minutes_start)
                .bind(cells)
                .execute(&mut *tx)
                .await?;
            let stored: Option<(i64, Vec<u8>)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT day_start, hours FROM probe_hours WHERE monitor_id = $1 AND day = $2{lock}"
            )))
            .bind(monitor.0)
            .bind(day)
            .fetch_optional(&mut *tx)
            .await?;
            let write = if stored.is_some() {
                "UPDATE probe_hours SET day_start = $3, hours = $4 \
                 WHERE monitor_id = $1 AND day = $2"
            } else {
                "INSERT INTO probe_hours (monitor_id, day, day_start, hours) \
                 VALUES ($1, $2, $3, $4)"
            };
            let stored = match stored {
                Some((start, bytes)) => Some(DayCells::read(start, &bytes)?),
                None => None,
            };
            let cells = DayCells::add(stored, &hour)
                .ok_or_else(|| rejected("hour", "does not line up with the day's other hours"))?;
            sqlx::query(write)
                .bind(monitor.0)
                .bind(day)
                .bind(cells.day_start)
                .bind(cells.bytes())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE monitors SET detector_state = $1 WHERE id = $2")
                .bind(&state)
                .bind(monitor.0)
                .execute(&mut *tx)
                .await?;
            let outage: Option<i64> = match event {
                Some(DetectorEvent::Opened { at }) => {
                    sqlx::query_scalar(open)
                        .bind(monitor.0)
                        .bind(at)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                Some(DetectorEvent::Closed { at }) => {
                    sqlx::query_scalar(close)
                        .bind(monitor.0)
                        .bind(at)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            Recorded::Stored {
                outage: outage.map(OutageId),
            }
        });
        Ok(recorded)
    }

    /// Deletes raw results older than 48 hours and the minute rows of UTC hours that ended 30
    /// days ago or earlier (hours are kept for good).
    pub async fn prune(&self, now: Millis) -> Result<Pruned> {
        // Per monitor, so both databases walk the (monitor_id, instant) keys.
        let raw = "DELETE FROM probe_results \
                   WHERE monitor_id IN (SELECT id FROM monitors) AND at < $1";
        let minutes = "DELETE FROM probe_minutes \
                       WHERE monitor_id IN (SELECT id FROM monitors) AND hour_start <= $1";
        let pruned = in_tx!(self, tx, _lock => {
            let results = sqlx::query(raw)
                .bind(now - KEEP_RAW_MS)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let minutes = sqlx::query(minutes)
                .bind(now - KEEP_MINUTES_MS - HOUR_MS)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Pruned { results, minutes }
        });
        Ok(pruned)
    }

    /// Raw results of a monitor the scope may see, in `[from, to)`, oldest first.
    pub async fn probe_results(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeRow>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT at, CAST(CASE WHEN detail IS NULL THEN 1 ELSE 0 END AS BIGINT) AS ok, \
                   CAST(latency_ms AS BIGINT) AS latency_ms, NULLIF(detail, '') AS detail \
                   FROM probe_results \
                   WHERE monitor_id = $1 AND at >= $2 AND at < $3 ORDER BY at";
        Ok(on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?))
    }

    /// Minute aggregates of a monitor the scope may see, starting in `[from, to)`.
    pub async fn probe_minutes(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeMinute>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT hour_start, minutes FROM probe_minutes WHERE monitor_id = $1 \
                   AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start";
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(from.saturating_sub(HOUR_MS - 1))
            .bind(to)
            .fetch_all(p)
            .await?);
        let mut out = Vec::new();
        for (hour_start, cells) in rows {
            for (i, c) in packed::read_minutes(&cells)? {
                let minute_start = hour_start + i as Millis * packed::MINUTE_MS;
                if (from..to).contains(&minute_start) {
                    out.push(ProbeMinute {
                        minute_start,
                        probes: i64::from(c.probes),
                        failures: i64::from(c.failures),
                        latency_sum_ms: i64::from(c.latency_sum_ms),
                        latency_max_ms: i64::from(c.latency_max_ms),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Hour aggregates of a monitor the scope may see, starting in `[from, to)`.
    pub async fn probe_hours(
        &self,
        scope: &Scope,
        monitor: MonitorId,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProbeHour>> {
        self.get_monitor(scope, monitor).await?;
        let sql = "SELECT day_start, hours FROM probe_hours WHERE monitor_id = $1 \
                   AND day >= $2 AND day <= $3 ORDER BY day";
        let (first, last) = packed::day_range(from, to);
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(monitor.0)
            .bind(first)
            .bind(last)
            .fetch_all(p)
            .await?);
        let mut out = Vec::new();
        for (day_start, bytes) in rows {
            let day = DayCells::read(day_start, &bytes)?;
            for (hour_start, c) in day.hours() {
                if (from..to).contains(&hour_start) {
                    out.push(ProbeHour {
                        hour_start,
                        utc_offset: c.utc_offset(),
                        probes: i64::from(c.probes),
                        failures: i64::from(c.failures),
                        down_seconds: i64::from(c.down_seconds),
                        latency_sum_ms: i64::from(c.latency_sum_ms),
                        latency_max_ms: i64::from(c.latency_max_ms),
                    });
                }
            }
        }
        // Days are in order and their hours too; a day's hours never reach into the next's.
        out.sort_by_key(|h| h.hour_start);
        Ok(out)
    }

    // ----- outages -----------------------------------------------------------------------

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

    // ----- planned maintenance -----------------------------------------------------------

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

    // ----- mail outbox -------------------------------------------------------------------

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

    // ----- job leases --------------------------------------------------------------------

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
