//! The probe runner: one instance at a time (a `job_leases` lease) probes every active monitor,
//! feeds each result to the monitor's outage detector and records it.
//!
//! An instance without the lease stands by and tries again every `renew_every`; the holder
//! renews it as often, so when the holder dies another instance takes over within `lease_ttl`
//! and continues from the detector states stored with the last results. The holder reloads
//! the active monitors every `reload_every` (changes made through any instance reach it that
//! way), and prunes old probe rows every `prune_every`.
//!
//! Results are recorded one at a time in the order they arrive, so each monitor's detector
//! sees its probes in time order. Push monitors are judged here, from the last heartbeat in
//! the database, because the push may have reached another instance.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use probe::{ExpectedStatus, Heartbeat, HttpProbe, Probe, Prober, Scheduler, TcpProbe};
use sla::availability::{DetectorEvent, HourBucket, OutageDetector};
use store::{Millis, MonitorId, MonitorKind, MonitorSettings, OrgId, Recorded, Scope};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::Compiled;
use crate::Desk;
use crate::DeskError;

/// How the runner shares the work with other instances and how often it looks again.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The lease's name in `job_leases`.
    pub lease: String,
    /// How long a taken or renewed lease lasts.
    pub lease_ttl: Duration,
    /// How often the holder renews the lease and a standby tries to take it.
    pub renew_every: Duration,
    /// How often the holder reloads the active monitors.
    pub reload_every: Duration,
    /// How often the holder prunes old probe rows.
    pub prune_every: Duration,
    /// How many checks may run at once.
    pub concurrency: usize,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            lease: "probes".into(),
            lease_ttl: Duration::from_secs(30),
            renew_every: Duration::from_secs(5),
            reload_every: Duration::from_secs(10),
            prune_every: Duration::from_secs(3600),
            concurrency: Scheduler::DEFAULT_CONCURRENCY,
        }
    }
}

/// What a runner has done so far, for tests, benchmarks and logs.
#[derive(Debug, Default)]
pub struct RunnerStats {
    /// Whether it holds the lease now.
    pub leading: AtomicBool,
    /// How often it took the lease.
    pub terms: AtomicU64,
    /// Results it recorded.
    pub recorded: AtomicU64,
    /// Results it could not record.
    pub errors: AtomicU64,
}

/// A runner started with [`spawn`].
#[derive(Debug)]
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    /// Its counters.
    pub stats: Arc<RunnerStats>,
}

impl RunnerHandle {
    /// Stops probing, gives the lease up (so another instance takes over at once) and waits.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Ends the runner without giving the lease up, as a crash would.
    pub async fn abort(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Runs the probes with the default settings until the process ends, as `owner` (a name
/// unique to this instance).
pub async fn run(state: Desk, owner: String) {
    let (_stop, rx) = watch::channel(false);
    Runner::new(state, owner, RunnerConfig::default())
        .run(rx)
        .await;
}

/// Starts a runner as its own task.
pub fn spawn(state: Desk, owner: impl Into<String>, config: RunnerConfig) -> RunnerHandle {
    let (stop, rx) = watch::channel(false);
    let runner = Runner::new(state, owner.into(), config);
    let stats = runner.stats.clone();
    let task = tokio::spawn(runner.run(rx));
    RunnerHandle { stop, task, stats }
}

struct Runner {
    state: Desk,
    owner: String,
    config: RunnerConfig,
    stats: Arc<RunnerStats>,
}

/// Why a term as lease holder ended.
enum Term {
    Stopped,
    Lost,
}

impl Runner {
    fn new(state: Desk, owner: String, config: RunnerConfig) -> Runner {
        Runner {
            state,
            owner,
            config,
            stats: Arc::default(),
        }
    }

    fn ttl_ms(&self) -> Millis {
        i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(i64::MAX / 2)
    }

    async fn try_lease(&self) -> Result<bool, store::StoreError> {
        let now = self.state.now_ms();
        self.state
            .store
            .try_lease(&self.config.lease, &self.owner, now, now + self.ttl_ms())
            .await
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            match self.try_lease().await {
                Ok(true) => {
                    self.stats.leading.store(true, Ordering::Release);
                    self.stats.terms.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(owner = %self.owner, "took the probe lease");
                    let term = self.lead(&mut stop).await;
                    self.stats.leading.store(false, Ordering::Release);
                    match term {
                        Term::Stopped => {
                            let _ = self
                                .state
                                .store
                                .release_lease(&self.config.lease, &self.owner)
                                .await;
                            return;
                        }
                        Term::Lost => {
                            tracing::warn!(owner = %self.owner, "lost the probe lease");
                        }
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "taking the probe lease failed"),
            }
            tokio::select! {
                // A dropped handle stops the runner too.
                changed = stop.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(self.config.renew_every) => {}
            }
        }
    }

    /// Probes while holding the lease.
    async fn lead(&self, stop: &mut watch::Receiver<bool>) -> Term {
        let (tx, mut results) = mpsc::channel(4096);
        let clock = self.state.clock.clone();
        let prober = Prober::new().with_clock(move || clock.now().as_millisecond());
        let scheduler = Scheduler::start(tx, prober, self.config.concurrency);
        let mut pipeline = Pipeline::new(self.state.clone());
        let mut held_until = self.state.now_ms() + self.ttl_ms();
        let start = tokio::time::Instant::now();
        let mut renew =
            tokio::time::interval_at(start + self.config.renew_every, self.config.renew_every);
        let mut reload = tokio::time::interval(self.config.reload_every);
        let mut prune = tokio::time::interval(self.config.prune_every);
        for t in [&mut renew, &mut reload, &mut prune] {
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        let term = loop {
            tokio::select! {
                biased;
                _ = stop.changed() => break Term::Stopped,
                _ = renew.tick() => match self.try_lease().await {
                    Ok(true) => held_until = self.state.now_ms() + self.ttl_ms(),
                    Ok(false) => break Term::Lost,
                    Err(e) => {
                        tracing::warn!(error = %e, "renewing the probe lease failed");
                        // Without a renewal, stop before the lease can pass to another instance.
                        let margin = i64::try_from(self.config.renew_every.as_millis()).unwrap_or(0);
                        if self.state.now_ms() + margin >= held_until {
                            break Term::Lost;
                        }
                    }
                },
                _ = reload.tick() => {
                    if let Err(e) = pipeline.reload(Some(&scheduler)).await {
                        tracing::warn!(error = %e, "loading the monitors failed");
                    }
                }
                _ = prune.tick() => {
                    match self.state.store.prune(self.state.now_ms()).await {
                        Ok(p) => tracing::debug!(results = p.results, minutes = p.minutes, "pruned probe rows"),
                        Err(e) => tracing::warn!(error = %e, "pruning probe rows failed"),
                    }
                    pipeline.forget_calendars();
                }
                Some((id, result)) = results.recv() => {
                    match pipeline.record(id, result).await {
                        Ok(_) => { self.stats.recorded.fetch_add(1, Ordering::Relaxed); }
                        Err(e) => {
                            self.stats.errors.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(monitor = id, error = %e, "recording a probe failed");
                        }
                    }
                }
            }
        };
        scheduler.shutdown().await;
        term
    }
}

/// The probe a monitor's settings describe (HTTP and TCP; push monitors need none).
pub fn probe_of(s: &MonitorSettings) -> Result<Probe, String> {
    let timeout = Duration::from_secs(s.interval_s.clamp(1, 10).unsigned_abs());
    match s.kind {
        MonitorKind::Http => {
            let mut p = HttpProbe::new(s.target.trim())
                .map_err(|e| e.to_string())?
                .timeout(timeout)
                .allow_internal(s.allow_internal);
            if let Some(code) = s.expected_status {
                let code = u16::try_from(code).map_err(|_| "an HTTP status".to_string())?;
                p = p.expect_status(ExpectedStatus::Exact(code));
            }
            if let Some(k) = &s.keyword {
                p = p.keyword(k.clone());
            }
            if let Some(ms) = s.latency_limit_ms {
                p = p.max_latency(Duration::from_millis(ms.max(0).unsigned_abs()));
            }
            Ok(Probe::Http(p))
        }
        MonitorKind::Tcp => {
            let (host, port) = s
                .target
                .trim()
                .rsplit_once(':')
                .ok_or_else(|| "host:port".to_string())?;
            let port = port.parse().map_err(|_| "host:port".to_string())?;
            Ok(Probe::Tcp(
                TcpProbe::new(host, port)
                    .map_err(|e| e.to_string())?
                    .timeout(timeout)
                    .allow_internal(s.allow_internal),
            ))
        }
        MonitorKind::Push => Ok(Probe::Push {
            grace_s: super::push_grace(s.interval_s).as_secs(),
        }),
    }
}

/// One monitor as the pipeline follows it.
struct Tracked {
    monitor: store::Monitor,
    detector: OutageDetector,
    /// The instant of the last recorded probe.
    last_at: Option<Millis>,
    /// Since when this instance watches it (silence of a push monitor counts from here).
    watched_since: Millis,
}

/// From a probe result to the store: the monitor's detector, its hour, its down time.
///
/// The runner drives one; tests drive one directly with results of their choosing.
pub struct Pipeline {
    state: Desk,
    tracked: HashMap<i64, Tracked>,
    calendars: HashMap<OrgId, Arc<Compiled>>,
}

fn threshold(n: i64) -> u32 {
    u32::try_from(n.max(1)).unwrap_or(u32::MAX)
}

impl Pipeline {
    /// A pipeline following no monitors yet.
    pub fn new(state: Desk) -> Pipeline {
        Pipeline {
            state,
            tracked: HashMap::new(),
            calendars: HashMap::new(),
        }
    }

    /// How many monitors it follows.
    pub fn len(&self) -> usize {
        self.tracked.len()
    }

    /// Whether it follows none.
    pub fn is_empty(&self) -> bool {
        self.tracked.is_empty()
    }

    /// Drops the cached calendars, so agreements that came into force are used.
    pub fn forget_calendars(&mut self) {
        self.calendars.clear();
    }

    /// Loads the active monitors: new and changed ones go to the scheduler (if any), removed
    /// and deactivated ones leave it. A new monitor's detector continues from its stored state.
    pub async fn reload(&mut self, scheduler: Option<&Scheduler>) -> Result<usize, DeskError> {
        let active = self.state.store.active_monitors(&Scope::System).await?;
        let now = self.state.now_ms();
        let mut seen = std::collections::HashSet::with_capacity(active.len());
        for m in active {
            let id = m.id.0;
            seen.insert(id);
            let changed = match self.tracked.get(&id) {
                Some(t) => t.monitor.settings != m.settings,
                None => true,
            };
            if !changed {
                continue;
            }
            let probe = match probe_of(&m.settings) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(monitor = id, error = %e, "monitor cannot be probed");
                    continue;
                }
            };
            let interval = Duration::from_secs(m.settings.interval_s.max(0).unsigned_abs());
            if let Some(s) = scheduler {
                match probe::Monitor::new(id, probe, interval) {
                    Ok(pm) => {
                        if s.upsert(pm).is_err() {
                            return Err(DeskError::Internal(anyhow::anyhow!("scheduler stopped")));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(monitor = id, error = %e, "monitor cannot be scheduled");
                        continue;
                    }
                }
            }
            let (fail, recover) = (
                threshold(m.settings.fail_after),
                threshold(m.settings.recover_after),
            );
            let t = match self.tracked.remove(&id) {
                Some(old) => Tracked {
                    detector: OutageDetector::restore(fail, recover, old.detector.state()),
                    last_at: old.last_at,
                    watched_since: old.watched_since,
                    monitor: m,
                },
                None => Tracked {
                    detector: OutageDetector::restore(fail, recover, m.detector),
                    last_at: None,
                    watched_since: now,
                    monitor: m,
                },
            };
            self.tracked.insert(id, t);
        }
        let gone: Vec<i64> = self
            .tracked
            .keys()
            .copied()
            .filter(|id| !seen.contains(id))
            .collect();
        for id in gone {
            self.tracked.remove(&id);
            if let Some(s) = scheduler {
                let _ = s.remove(id);
            }
        }
        Ok(self.tracked.len())
    }

    async fn calendar(&mut self, org: OrgId, at: Millis) -> Result<Arc<Compiled>, DeskError> {
        if let Some(c) = self.calendars.get(&org) {
            return Ok(c.clone());
        }
        let c = self.state.compiled_for(org, at).await?;
        self.calendars.insert(org, c.clone());
        Ok(c)
    }

    /// Records one result of monitor `id`: judges it (push monitors from the last heartbeat,
    /// the latency limit of TCP monitors), feeds the detector, and stores the probe with the
    /// detector's new state and the outage it opens or closes. `None` for a monitor it does
    /// not follow. When storing fails the detector is left as it was.
    pub async fn record(
        &mut self,
        id: i64,
        result: probe::ProbeResult,
    ) -> Result<Option<Recorded>, DeskError> {
        let Some(t) = self.tracked.get(&id) else {
            return Ok(None);
        };
        let org = t.monitor.org_id;
        let settings = t.monitor.settings.clone();
        let watched_since = t.watched_since;
        let at = result.at;
        let (mut ok, mut detail) = (result.ok, result.detail);
        match settings.kind {
            MonitorKind::Push => {
                let last = self.state.store.last_push(MonitorId(id)).await?;
                let interval = Duration::from_secs(settings.interval_s.max(0).unsigned_abs());
                let rule = Heartbeat {
                    interval,
                    grace: super::push_grace(settings.interval_s),
                };
                let judged = rule.check(last, watched_since, at);
                (ok, detail) = (judged.ok, judged.detail);
            }
            MonitorKind::Tcp => {
                if let Some(limit) = settings.latency_limit_ms
                    && ok
                    && i64::try_from(result.latency_ms).unwrap_or(i64::MAX) > limit
                {
                    ok = false;
                    detail = format!("connect took {} ms, limit {limit} ms", result.latency_ms);
                }
            }
            MonitorKind::Http => {}
        }
        let compiled = self.calendar(org, at).await?;
        let Some(t) = self.tracked.get_mut(&id) else {
            return Ok(None);
        };
        let before = t.detector;
        let was_open = before.open_since().is_some();
        let event = t.detector.feed(at, ok);
        // Down time this probe adds to its hour: the time since the previous probe while an
        // outage is open (one interval when this instance has not seen the previous probe),
        // up to the closing probe; for the probe that opens one, the time since it began.
        let interval_ms = settings.interval_s.saturating_mul(1000);
        let prev = match (t.last_at, before.open_since()) {
            (Some(p), _) => p,
            (None, Some(open)) => (at - interval_ms).max(open),
            (None, None) => at,
        };
        let down_ms = match event {
            Some(DetectorEvent::Opened { at: start }) => at - start,
            Some(DetectorEvent::Closed { at: end }) => end - prev,
            None if was_open => at - prev,
            None => 0,
        };
        let row = store::ProbeResult {
            at,
            ok,
            latency_ms: i64::try_from(result.latency_ms).unwrap_or(i64::MAX),
            detail: (!detail.is_empty()).then_some(detail),
            hour: HourBucket::of(&compiled.calendar, at.div_euclid(1000)),
            down_seconds: down_ms.max(0) / 1000,
        };
        let state = t.detector.state();
        let recorded = self
            .state
            .store
            .record_probe(MonitorId(id), &row, &state, event, self.state.now_ms())
            .await;
        let Some(t) = self.tracked.get_mut(&id) else {
            return Ok(None);
        };
        match recorded {
            Ok(Recorded::Stored { outage }) => {
                t.last_at = Some(at);
                Ok(Some(Recorded::Stored { outage }))
            }
            Ok(Recorded::Duplicate) => {
                t.detector = before;
                Ok(Some(Recorded::Duplicate))
            }
            Err(e) => {
                t.detector = before;
                Err(e.into())
            }
        }
    }
}
