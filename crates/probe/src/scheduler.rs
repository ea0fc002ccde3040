//! Monitors and the scheduler that runs many of them from one timer task.
//!
//! One task owns every monitor and a heap of due times. It sleeps until the earliest is due,
//! launches that check as its own task (at most `concurrency` run at once, through a
//! semaphore), and puts the monitor back on the heap one interval later. Runs are fixed-rate
//! (no drift), a run still in flight when the next is due makes that next one be skipped, and
//! the first run of each monitor is spread over its interval by a deterministic jitter from its
//! id, so a thousand monitors added at once do not fire at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::{Heartbeat, Probe, ProbeResult, Prober, human};

/// The shortest interval a monitor may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// Where the scheduler hands each result, tagged with the monitor's id.
pub type ResultSink = mpsc::Sender<(i64, ProbeResult)>;

/// A monitor configuration that the scheduler refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The interval is below [`MIN_INTERVAL`].
    #[error("interval {} is shorter than the minimum of {}", human(*.interval), human(*.minimum))]
    IntervalTooShort {
        /// The interval asked for.
        interval: Duration,
        /// The minimum allowed.
        minimum: Duration,
    },
    /// The probe's timeout is zero.
    #[error("the probe timeout must be more than zero")]
    ZeroTimeout,
    /// The probe's timeout exceeds the interval, so runs would overlap.
    #[error("timeout {} is longer than the interval {}", human(*.timeout), human(*.interval))]
    TimeoutLongerThanInterval {
        /// The probe's timeout.
        timeout: Duration,
        /// The monitor's interval.
        interval: Duration,
    },
}

/// One monitored target: an id (the caller's), what to check, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    id: i64,
    probe: Probe,
    interval: Duration,
}

impl Monitor {
    /// A monitor checking `probe` every `interval` (at least 10 s; a timeout no longer than it).
    pub fn new(id: i64, probe: Probe, interval: Duration) -> Result<Self, MonitorError> {
        if interval < MIN_INTERVAL {
            return Err(MonitorError::IntervalTooShort {
                interval,
                minimum: MIN_INTERVAL,
            });
        }
        if let Some(timeout) = probe.timeout() {
            if timeout.is_zero() {
                return Err(MonitorError::ZeroTimeout);
            }
            if timeout > interval {
                return Err(MonitorError::TimeoutLongerThanInterval { timeout, interval });
            }
        }
        Ok(Self {
            id,
            probe,
            interval,
        })
    }

    /// The caller's id of this monitor.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// What is checked.
    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// How often it is checked.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// The delay of a monitor's first run after it is added: a fixed fraction of the interval
/// derived from the id (SplitMix64), so runs are spread and the same on every start.
pub fn first_run_offset(id: i64, interval: Duration) -> Duration {
    let interval_ms = u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(splitmix64(id.cast_unsigned()) % interval_ms)
}

/// SplitMix64's finaliser: a well-spread 64-bit hash of a 64-bit value.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The scheduler's task has ended (the result receiver was dropped), so the request was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the scheduler has stopped")]
pub struct SchedulerStopped;

/// A request to the scheduler's task.
enum Command {
    Upsert(Monitor),
    Remove(i64),
    Push { id: i64, at: i64 },
    Count(tokio::sync::oneshot::Sender<usize>),
}

/// Runs many monitors from one task and sends every result to a [`ResultSink`].
///
/// Monitors can be added, replaced and removed while it runs. Dropping the scheduler (or the
/// sink's receiver) stops it; checks already running finish and still deliver their result.
#[derive(Debug)]
pub struct Scheduler {
    commands: mpsc::UnboundedSender<Command>,
    task: JoinHandle<()>,
}

impl Scheduler {
    /// The default number of checks that may run at once.
    pub const DEFAULT_CONCURRENCY: usize = 64;

    /// Starts the scheduler's task on the current Tokio runtime, with no monitors yet.
    ///
    /// `prober` runs the checks and its clock stamps every result; at most `concurrency`
    /// (at least 1) checks run at once.
    pub fn start(sink: ResultSink, prober: Prober, concurrency: usize) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        let state = State {
            monitors: HashMap::new(),
            heap: BinaryHeap::new(),
            next_generation: 0,
            prober,
            sink,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        };
        let task = tokio::spawn(state.run(rx));
        Self { commands, task }
    }

    /// Adds a monitor, or replaces the one with the same id; its first run is at its jitter offset from now.
    pub fn upsert(&self, monitor: Monitor) -> Result<(), SchedulerStopped> {
        self.send(Command::Upsert(monitor))
    }

    /// Removes a monitor; no run starts for it afterwards (one already running still reports).
    pub fn remove(&self, id: i64) -> Result<(), SchedulerStopped> {
        self.send(Command::Remove(id))
    }

    /// Records a heartbeat of push monitor `id` at epoch-ms `at`; ignored for any other monitor.
    pub fn record_push(&self, id: i64, at: i64) -> Result<(), SchedulerStopped> {
        self.send(Command::Push { id, at })
    }

    /// The number of monitors, after every earlier request has been applied.
    pub async fn len(&self) -> Result<usize, SchedulerStopped> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Command::Count(tx))?;
        rx.await.map_err(|_| SchedulerStopped)
    }

    /// Whether there are no monitors, after every earlier request has been applied.
    pub async fn is_empty(&self) -> Result<bool, SchedulerStopped> {
        Ok(self.len().await? == 0)
    }

    /// Stops the timer task and waits for it; checks already running still deliver their result.
    pub async fn shutdown(self) {
        drop(self.commands);
        let _ = self.task.await;
    }

    fn send(&self, command: Command) -> Result<(), SchedulerStopped> {
        self.commands.send(command).map_err(|_| SchedulerStopped)
    }
}

/// One monitor as the task keeps it.
struct Entry {
    monitor: Monitor,
    /// Which heap entries are current: any other generation for this id is stale.
    generation: u64,
    /// Set while a check of this monitor runs.
    running: Arc<AtomicBool>,
    /// Epoch ms of the last push (push monitors).
    last_push: Option<i64>,
    /// Epoch ms when the monitor was added: before any push, silence counts from here.
    watched_since: i64,
}

/// The timer task's state.
struct State {
    monitors: HashMap<i64, Entry>,
    /// Due times: (when, id, generation), earliest first.
    heap: BinaryHeap<Reverse<(Instant, i64, u64)>>,
    next_generation: u64,
    prober: Prober,
    sink: ResultSink,
    permits: Arc<Semaphore>,
}

impl State {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let sleep = tokio::time::sleep_until(Instant::now());
        tokio::pin!(sleep);
        loop {
            self.drop_stale();
            let next = self.heap.peek().map(|Reverse((at, _, _))| *at);
            if let Some(at) = next {
                sleep.as_mut().reset(at);
            }
            let sink = self.sink.clone();
            tokio::select! {
                biased;
                command = rx.recv() => match command {
                    Some(command) => self.apply(command),
                    None => break,
                },
                () = &mut sleep, if next.is_some() => self.fire_due(),
                () = sink.closed() => break,
            }
        }
    }

    /// Pops heap entries left behind by removed or replaced monitors.
    fn drop_stale(&mut self) {
        while let Some(Reverse((_, id, generation))) = self.heap.peek() {
            match self.monitors.get(id) {
                Some(entry) if entry.generation == *generation => break,
                _ => {
                    self.heap.pop();
                }
            }
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Upsert(monitor) => {
                let generation = self.next_generation;
                self.next_generation += 1;
                let id = monitor.id;
                let first = Instant::now() + first_run_offset(id, monitor.interval);
                let now_ms = self.prober.now_ms();
                let entry = match self.monitors.remove(&id) {
                    Some(old) => Entry {
                        monitor,
                        generation,
                        running: old.running,
                        last_push: old.last_push,
                        watched_since: if matches!(old.monitor.probe, Probe::Push { .. }) {
                            old.watched_since
                        } else {
                            now_ms
                        },
                    },
                    None => Entry {
                        monitor,
                        generation,
                        running: Arc::new(AtomicBool::new(false)),
                        last_push: None,
                        watched_since: now_ms,
                    },
                };
                self.monitors.insert(id, entry);
                self.heap.push(Reverse((first, id, generation)));
            }
            Command::Remove(id) => {
                self.monitors.remove(&id);
            }
            Command::Push { id, at } => {
                if let Some(entry) = self.monitors.get_mut(&id)
                    && matches!(entry.monitor.probe, Probe::Push { .. })
                {
                    entry.last_push = Some(entry.last_push.map_or(at, |last| last.max(at)));
                }
            }
            Command::Count(reply) => {
                let _ = reply.send(self.monitors.len());
            }
        }
    }

    /// Launches every check that is due and puts each monitor back one interval later.
    fn fire_due(&mut self) {
        let now = Instant::now();
        while let Some(&Reverse((due, id, generation))) = self.heap.peek() {
            if due > now {
                break;
            }
            self.heap.pop();
            let Some(entry) = self.monitors.get(&id) else {
                continue;
            };
            if entry.generation != generation {
                continue;
            }
            self.launch(entry);
            let interval = entry.monitor.interval;
            let mut next = due + interval;
            if next <= now {
                // Far behind (the process was stopped, say): skip the missed runs, keep the phase.
                let behind = (now - next).as_nanos() % interval.as_nanos();
                next = now + interval - Duration::from_nanos(u64::try_from(behind).unwrap_or(0));
            }
            self.heap.push(Reverse((next, id, generation)));
        }
    }

    /// Starts one check of `entry` as its own task, unless the previous one is still running.
    fn launch(&self, entry: &Entry) {
        let id = entry.monitor.id;
        let sink = self.sink.clone();
        match &entry.monitor.probe {
            Probe::Push { grace_s } => {
                let rule = Heartbeat::new(entry.monitor.interval, *grace_s);
                let result = rule.check(entry.last_push, entry.watched_since, self.prober.now_ms());
                tokio::spawn(async move {
                    let _ = sink.send((id, result)).await;
                });
            }
            probe => {
                if entry.running.swap(true, Ordering::AcqRel) {
                    return;
                }
                let running = Arc::clone(&entry.running);
                let probe = probe.clone();
                let prober = self.prober.clone();
                let permits = Arc::clone(&self.permits);
                tokio::spawn(async move {
                    let result = match permits.acquire_owned().await {
                        Ok(_permit) => prober.run(&probe).await,
                        Err(_) => None,
                    };
                    running.store(false, Ordering::Release);
                    if let Some(result) = result {
                        let _ = sink.send((id, result)).await;
                    }
                });
            }
        }
    }
}
