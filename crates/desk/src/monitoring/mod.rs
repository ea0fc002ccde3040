//! Monitoring of customer environments (SLA-RULES §6): environments, their monitors, push
//! heartbeats, outages kept by hand, and the runner that probes and records.
//!
//! Who may do what: the vendor's administrators and service managers create and change
//! environments and monitors and register, correct and classify outages; agents read; a
//! customer reads its own environments, monitors and outages. A push needs no session: its
//! token authenticates it. The store keeps who, when and why of every outage change.

pub mod runner;

use std::sync::Arc;
use std::time::Duration;

use probe::Probe;
use sla::Month;
use sla::availability::ExcludedCause;
use store::{
    Environment, EnvironmentId, Millis, Monitor, MonitorId, MonitorKind, MonitorSettings,
    NewOutage, OrgId, OutageId, OutageRecord, Role, Scope,
};

pub use runner::{Pipeline, RunnerConfig, RunnerHandle, RunnerStats, run, spawn};

use crate::Caller;
use crate::Compiled;
use crate::Desk;
use crate::DeskError;
use crate::access::{hash_secret, new_secret};
use crate::limits;

/// Roles that manage monitoring and keep the outage record.
const MANAGERS: &[Role] = &[Role::Admin, Role::ServiceManager];

/// The longest probe interval: a day.
pub const MAX_INTERVAL_S: i64 = 86_400;
/// The most probes in a row a monitor may wait for before it opens or closes an outage.
pub const MAX_RUN: i64 = 100;

/// What a person asks a monitor to check; [`Desk::create_monitor`] turns it into settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSpec {
    /// How it probes.
    pub kind: MonitorKind,
    /// `http(s)://…`, `host:port`, or a label for a push monitor.
    pub target: String,
    /// HTTP: the one status that counts as up (`None`: 200–399).
    pub expected_status: Option<i64>,
    /// HTTP: text the body must contain.
    pub keyword: Option<String>,
    /// HTTP and TCP: a probe slower than this fails.
    pub latency_limit_ms: Option<i64>,
    /// Seconds between probes (push: between expected heartbeats), 10 s to a day.
    pub interval_s: i64,
    /// Failures in a row that open an outage.
    pub fail_after: i64,
    /// Good probes in a row that close it.
    pub recover_after: i64,
    /// Push monitors: issue a new token (the old one stops working).
    pub new_push_token: bool,
    /// HTTP and TCP: let the probe reach internal addresses (an administrator's decision;
    /// `None`: off for a new monitor, unchanged for a changed one).
    pub allow_internal: Option<bool>,
}

fn manage_why(what: &str) -> String {
    format!("only an administrator or service manager may {what}")
}

/// Checks what the store does not: bounds, that the probe can be built, and that it does not
/// aim at an internal address unless that is allowed.
fn check_spec(spec: &MonitorSpec, allow_internal: bool) -> Result<(), DeskError> {
    if !(store::MIN_INTERVAL_S..=MAX_INTERVAL_S).contains(&spec.interval_s) {
        return Err(DeskError::invalid(
            "interval_s",
            format!(
                "probes are {} seconds to a day ({MAX_INTERVAL_S} s) apart",
                store::MIN_INTERVAL_S
            ),
        ));
    }
    for (field, n) in [
        ("fail_after", spec.fail_after),
        ("recover_after", spec.recover_after),
    ] {
        if !(1..=MAX_RUN).contains(&n) {
            return Err(DeskError::invalid(field, format!("1 to {MAX_RUN} probes")));
        }
    }
    if let Some(s) = spec.expected_status
        && !(100..=599).contains(&s)
    {
        return Err(DeskError::invalid(
            "expected_status",
            "an HTTP status, 100–599",
        ));
    }
    if let Some(l) = spec.latency_limit_ms
        && !(1..=spec.interval_s * 1000).contains(&l)
    {
        return Err(DeskError::invalid(
            "latency_limit_ms",
            "more than 0 and at most the interval",
        ));
    }
    if spec.kind != MonitorKind::Http && (spec.expected_status.is_some() || spec.keyword.is_some())
    {
        let field = if spec.keyword.is_some() {
            "keyword"
        } else {
            "expected_status"
        };
        return Err(DeskError::invalid(field, "only HTTP monitors check this"));
    }
    if spec.kind == MonitorKind::Push && spec.latency_limit_ms.is_some() {
        return Err(DeskError::invalid(
            "latency_limit_ms",
            "a push monitor has no latency",
        ));
    }
    limits::check_opt("keyword", spec.keyword.as_deref(), limits::MONITOR_KEYWORD)?;
    limits::check("target", &spec.target, limits::MONITOR_TARGET)?;
    let target = spec.target.trim();
    if target.is_empty() {
        return Err(DeskError::invalid("target", "a monitor needs a target"));
    }
    // The store checks the shape; the probe checks that it can be probed.
    let settings = MonitorSettings {
        kind: spec.kind,
        target: target.to_string(),
        expected_status: spec.expected_status,
        keyword: spec.keyword.clone(),
        latency_limit_ms: spec.latency_limit_ms,
        interval_s: spec.interval_s,
        fail_after: spec.fail_after,
        recover_after: spec.recover_after,
        push_token_hash: None,
        allow_internal,
    };
    let host = match runner::probe_of(&settings).map_err(|e| DeskError::invalid("target", e))? {
        Probe::Http(p) => Some(p.host().to_string()),
        Probe::Tcp(p) => Some(p.host().to_string()),
        Probe::Push { .. } => None,
    };
    if let Some(host) = host
        && !allow_internal
        && probe::is_internal_host(&host)
    {
        return Err(DeskError::invalid(
            "target",
            format!(
                "`{host}` is an internal address (this host, a private or link-local network); \
                 only the vendor's administrator may allow internal targets (`allow_internal`)"
            ),
        ));
    }
    Ok(())
}

/// Whether a change keeps, gives or takes the allowance to probe internal addresses: an
/// administrator decides it; anyone else leaves it as it is, and it lapses when they change
/// what the monitor probes (the allowance was given for the target the administrator saw).
fn internal_allowance(
    caller: &Caller,
    current: Option<&MonitorSettings>,
    spec: &MonitorSpec,
) -> Result<bool, DeskError> {
    let kept = current
        .is_some_and(|c| c.allow_internal && c.kind == spec.kind && c.target == spec.target.trim());
    let allow = if caller.role() == Role::Admin {
        spec.allow_internal
            .unwrap_or_else(|| current.is_some_and(|c| c.allow_internal))
    } else {
        match spec.allow_internal {
            Some(true) if !kept => {
                return Err(DeskError::Forbidden(
                    "only an administrator may allow a monitor to probe internal addresses".into(),
                ));
            }
            Some(false) => false,
            _ => kept,
        }
    };
    Ok(allow && spec.kind != MonitorKind::Push)
}

/// The settings to store for a spec, with the push token hash to keep (`keep`) or a new token.
fn settings_of(
    spec: &MonitorSpec,
    keep: Option<String>,
    allow_internal: bool,
) -> Result<(MonitorSettings, Option<String>), DeskError> {
    let (hash, token) = match (spec.kind, keep) {
        (MonitorKind::Push, Some(hash)) if !spec.new_push_token => (Some(hash), None),
        (MonitorKind::Push, _) => {
            let token = new_secret()?;
            (Some(hash_secret(&token)), Some(token))
        }
        _ => (None, None),
    };
    let settings = MonitorSettings {
        kind: spec.kind,
        target: spec.target.trim().to_string(),
        expected_status: spec.expected_status,
        keyword: spec.keyword.clone().filter(|k| !k.is_empty()),
        latency_limit_ms: spec.latency_limit_ms,
        interval_s: spec.interval_s,
        fail_after: spec.fail_after,
        recover_after: spec.recover_after,
        push_token_hash: hash,
        allow_internal,
    };
    Ok((settings, token))
}

/// A monitor as a caller in `scope` may see it: without the probe settings that are the
/// vendor's business ([`crate::access::sees_probe_settings`]) for a customer.
fn as_seen(scope: &Scope, mut m: Monitor) -> Monitor {
    if !crate::access::sees_probe_settings(scope) {
        m.settings.keyword = None;
        m.settings.allow_internal = false;
        m.settings.push_token_hash = None;
    }
    m
}

/// How long after the interval a push may be late before the monitor counts it as missing:
/// half the interval, at least 5 s and at most 5 minutes.
pub fn push_grace(interval_s: i64) -> Duration {
    Duration::from_secs((interval_s / 2).clamp(5, 300).unsigned_abs())
}

impl Desk {
    /// The compiled agreement of a customer at an instant, or the standard one when none is
    /// in force: its calendar places months and hours.
    pub async fn compiled_for(&self, org: OrgId, at: Millis) -> Result<Arc<Compiled>, DeskError> {
        match self.agreement_at(org, at).await {
            Ok((_, c)) => Ok(c),
            Err(DeskError::Invalid { .. }) => self.policies.standard(),
            Err(e) => Err(e),
        }
    }

    /// A customer's environments.
    pub async fn environments_of(
        &self,
        caller: &Caller,
        org: OrgId,
    ) -> Result<Vec<Environment>, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        Ok(self.store.environments(&caller.scope, Some(org)).await?)
    }

    /// Adds an environment to a customer.
    pub async fn create_environment(
        &self,
        caller: &Caller,
        org: OrgId,
        name: &str,
    ) -> Result<Environment, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        caller.require(MANAGERS, &manage_why("add environments"))?;
        limits::check("name", name, limits::ENVIRONMENT_NAME)?;
        Ok(self
            .store
            .create_environment(&caller.scope, org, name, self.now_ms())
            .await?)
    }

    /// Renames an environment.
    pub async fn rename_environment(
        &self,
        caller: &Caller,
        id: EnvironmentId,
        name: &str,
    ) -> Result<Environment, DeskError> {
        self.store.get_environment(&caller.scope, id).await?;
        caller.require(MANAGERS, &manage_why("rename environments"))?;
        limits::check("name", name, limits::ENVIRONMENT_NAME)?;
        Ok(self
            .store
            .rename_environment(&caller.scope, id, name)
            .await?)
    }

    /// The monitors of an environment, active or not.
    pub async fn monitors_of(
        &self,
        caller: &Caller,
        env: EnvironmentId,
    ) -> Result<Vec<Monitor>, DeskError> {
        self.store.get_environment(&caller.scope, env).await?;
        let list = self.store.monitors(&caller.scope, env).await?;
        Ok(list
            .into_iter()
            .map(|m| as_seen(&caller.scope, m))
            .collect())
    }

    /// One monitor, as the caller may see it.
    pub async fn monitor(&self, caller: &Caller, id: MonitorId) -> Result<Monitor, DeskError> {
        let m = self.store.get_monitor(&caller.scope, id).await?;
        Ok(as_seen(&caller.scope, m))
    }

    /// Adds a monitor to an environment; a push monitor's token is returned this once.
    pub async fn create_monitor(
        &self,
        caller: &Caller,
        env: EnvironmentId,
        spec: &MonitorSpec,
    ) -> Result<(Monitor, Option<String>), DeskError> {
        self.store.get_environment(&caller.scope, env).await?;
        caller.require(MANAGERS, &manage_why("add monitors"))?;
        let allow = internal_allowance(caller, None, spec)?;
        check_spec(spec, allow)?;
        let (settings, token) = settings_of(spec, None, allow)?;
        let m = self
            .store
            .create_monitor(&caller.scope, env, &settings, self.now_ms())
            .await?;
        Ok((m, token))
    }

    /// Changes what a monitor checks; a push monitor keeps its token unless a new one is asked
    /// for (returned this once).
    pub async fn update_monitor(
        &self,
        caller: &Caller,
        id: MonitorId,
        spec: &MonitorSpec,
    ) -> Result<(Monitor, Option<String>), DeskError> {
        let current = self.store.get_monitor(&caller.scope, id).await?;
        caller.require(MANAGERS, &manage_why("change monitors"))?;
        let allow = internal_allowance(caller, Some(&current.settings), spec)?;
        check_spec(spec, allow)?;
        let (settings, token) = settings_of(spec, current.settings.push_token_hash, allow)?;
        let m = self
            .store
            .update_monitor(&caller.scope, id, &settings)
            .await?;
        Ok((m, token))
    }

    /// Starts or stops probing a monitor (its history stays).
    pub async fn set_monitor_active(
        &self,
        caller: &Caller,
        id: MonitorId,
        active: bool,
    ) -> Result<Monitor, DeskError> {
        self.store.get_monitor(&caller.scope, id).await?;
        caller.require(MANAGERS, &manage_why("start or stop monitors"))?;
        Ok(self
            .store
            .set_monitor_active(&caller.scope, id, active)
            .await?)
    }

    /// Records a heartbeat of the push monitor the token belongs to; 404 for any other token.
    pub async fn record_push(&self, token: &str) -> Result<MonitorId, DeskError> {
        let token = token.trim();
        if token.is_empty() || token.len() > 256 {
            return Err(DeskError::NotFound("push monitor"));
        }
        self.store
            .record_push(&hash_secret(token), self.now_ms())
            .await?
            .ok_or(DeskError::NotFound("push monitor"))
    }

    /// The outages of an environment overlapping a month (default: the current one) of the
    /// customer's calendar, with the month's bounds.
    pub async fn outages_in_month(
        &self,
        caller: &Caller,
        env: EnvironmentId,
        month: Option<Month>,
    ) -> Result<(Month, Millis, Millis, Vec<OutageRecord>), DeskError> {
        let e = self.store.get_environment(&caller.scope, env).await?;
        let now = self.now_ms();
        let compiled = self.compiled_for(e.org_id, now).await?;
        let month =
            month.unwrap_or_else(|| Month::containing(&compiled.calendar, now.div_euclid(1000)));
        let (from, to) = month
            .span(&compiled.calendar)
            .map_err(|err| DeskError::invalid("month", err.to_string()))?;
        let (from, to) = (from.as_millisecond(), to.as_millisecond());
        let list = self.store.outages(&caller.scope, env, from, to).await?;
        Ok((month, from, to, list))
    }

    /// One outage.
    pub async fn outage(&self, caller: &Caller, id: OutageId) -> Result<OutageRecord, DeskError> {
        Ok(self.store.get_outage(&caller.scope, id).await?)
    }

    /// Registers an outage the probes did not see, with the reason.
    pub async fn register_outage(
        &self,
        caller: &Caller,
        new: &NewOutage,
    ) -> Result<OutageRecord, DeskError> {
        self.store
            .get_environment(&caller.scope, new.environment_id)
            .await?;
        caller.require(MANAGERS, &manage_why("register outages"))?;
        check_reason(&new.reason)?;
        Ok(self
            .store
            .register_outage(&caller.scope, new, self.now_ms())
            .await?)
    }

    /// Corrects an outage's start and end, with the reason.
    pub async fn correct_outage(
        &self,
        caller: &Caller,
        id: OutageId,
        started_at: Millis,
        ended_at: Option<Millis>,
        reason: &str,
    ) -> Result<OutageRecord, DeskError> {
        self.store.get_outage(&caller.scope, id).await?;
        caller.require(MANAGERS, &manage_why("correct outages"))?;
        check_reason(reason)?;
        Ok(self
            .store
            .correct_outage(
                &caller.scope,
                id,
                started_at,
                ended_at,
                reason,
                self.now_ms(),
            )
            .await?)
    }

    /// Classifies an outage under an excluded cause, or back to counted downtime, with the
    /// reason.
    pub async fn classify_outage(
        &self,
        caller: &Caller,
        id: OutageId,
        cause: Option<ExcludedCause>,
        reason: &str,
    ) -> Result<OutageRecord, DeskError> {
        self.store.get_outage(&caller.scope, id).await?;
        caller.require(MANAGERS, &manage_why("classify outages"))?;
        check_reason(reason)?;
        Ok(self
            .store
            .classify_outage(&caller.scope, id, cause, reason, self.now_ms())
            .await?)
    }
}

fn check_reason(reason: &str) -> Result<(), DeskError> {
    limits::check("reason", reason, limits::OUTAGE_REASON)?;
    if reason.trim().is_empty() {
        return Err(DeskError::invalid("reason", "a reason is required"));
    }
    Ok(())
}
