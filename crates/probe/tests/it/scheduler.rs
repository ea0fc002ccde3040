use std::collections::BTreeMap;
use std::time::Duration;

use probe::{HttpProbe, Monitor, Probe, ProbeResult, Prober, Scheduler, first_run_offset};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use crate::support::Target;

const EPOCH: i64 = 1_800_000_000_000;
const TEN_S: Duration = Duration::from_secs(10);

/// A clock that follows Tokio's (possibly paused) time, starting at `EPOCH`.
fn tokio_clock() -> impl Fn() -> i64 + Send + Sync + Clone + 'static {
    let base = Instant::now();
    move || EPOCH + i64::try_from((Instant::now() - base).as_millis()).unwrap()
}

fn drain(rx: &mut mpsc::Receiver<(i64, ProbeResult)>) -> BTreeMap<i64, Vec<ProbeResult>> {
    let mut by_id: BTreeMap<i64, Vec<ProbeResult>> = BTreeMap::new();
    while let Ok((id, result)) = rx.try_recv() {
        by_id.entry(id).or_default().push(result);
    }
    by_id
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap()
}

/// Twenty monitors at 10 s under paused time: first runs at their jitter offsets, then exactly
/// every 10 s; removal stops a monitor, an update changes its interval.
#[tokio::test(start_paused = true)]
async fn twenty_monitors_run_at_their_interval_and_removal_stops_them() {
    let (tx, mut rx) = mpsc::channel(1024);
    let clock = tokio_clock();
    let scheduler = Scheduler::start(tx, Prober::new().with_clock(clock.clone()), 64);
    for id in 1..=20 {
        let monitor = Monitor::new(id, Probe::Push { grace_s: 3600 }, TEN_S).unwrap();
        scheduler.upsert(monitor).unwrap();
    }
    assert_eq!(scheduler.len().await.unwrap(), 20);

    sleep(Duration::from_millis(34_500)).await;
    let first = drain(&mut rx);
    assert_eq!(first.len(), 20);
    for (id, results) in &first {
        let offset = ms(first_run_offset(*id, TEN_S));
        let expected: Vec<i64> = (0..4)
            .map(|k| EPOCH + offset + k * 10_000)
            .filter(|at| *at <= EPOCH + 34_500)
            .collect();
        let got: Vec<i64> = results.iter().map(|r| r.at).collect();
        assert_eq!(
            got.len(),
            expected.len(),
            "monitor {id}: {got:?} vs {expected:?}"
        );
        for (g, e) in got.iter().zip(&expected) {
            assert!(
                (0..=1).contains(&(g - e)),
                "monitor {id}: {got:?} vs {expected:?}"
            );
        }
        assert!(results.iter().all(|r| r.ok), "{results:?}");
    }
    // First runs are spread over the interval, not bunched.
    let mut firsts: Vec<i64> = first.values().map(|r| r[0].at - EPOCH).collect();
    firsts.sort_unstable();
    assert!(firsts[0] < 3_000 && firsts[19] > 7_000, "{firsts:?}");

    for id in 1..=10 {
        scheduler.remove(id).unwrap();
    }
    let slower = Monitor::new(20, Probe::Push { grace_s: 3600 }, Duration::from_secs(20)).unwrap();
    scheduler.upsert(slower).unwrap();
    assert_eq!(scheduler.len().await.unwrap(), 10);
    let updated_at = clock();

    sleep(Duration::from_secs(60)).await;
    let second = drain(&mut rx);
    assert!(
        (1..=10).all(|id| !second.contains_key(&id)),
        "removed monitors still ran"
    );
    for id in 11..=19 {
        let ats: Vec<i64> = second[&id].iter().map(|r| r.at).collect();
        assert_eq!(ats.len(), 6, "monitor {id}: {ats:?}");
        assert!(
            ats.windows(2)
                .all(|w| (9_999..=10_001).contains(&(w[1] - w[0]))),
            "{ats:?}"
        );
    }
    let ats: Vec<i64> = second[&20].iter().map(|r| r.at).collect();
    let offset = ms(first_run_offset(20, Duration::from_secs(20)));
    assert!((0..=1).contains(&(ats[0] - updated_at - offset)), "{ats:?}");
    assert!(
        ats.windows(2)
            .all(|w| (19_999..=20_001).contains(&(w[1] - w[0]))),
        "{ats:?}"
    );
    scheduler.shutdown().await;
}

/// A push monitor is up while pushes come, down once silent past interval + grace, up again after a push.
#[tokio::test(start_paused = true)]
async fn push_monitor_fails_when_pushes_stop_and_recovers() {
    let (tx, mut rx) = mpsc::channel(1024);
    let clock = tokio_clock();
    let scheduler = Scheduler::start(tx, Prober::new().with_clock(clock.clone()), 64);
    scheduler
        .upsert(Monitor::new(7, Probe::Push { grace_s: 5 }, TEN_S).unwrap())
        .unwrap();
    for _ in 0..4 {
        scheduler.record_push(7, clock()).unwrap();
        sleep(TEN_S).await;
    }
    let pushing = drain(&mut rx).remove(&7).unwrap();
    assert!(
        pushing.len() >= 3 && pushing.iter().all(|r| r.ok),
        "{pushing:?}"
    );

    sleep(Duration::from_secs(40)).await;
    let silent = drain(&mut rx).remove(&7).unwrap();
    assert_eq!(silent.len(), 4);
    let failures: Vec<&ProbeResult> = silent.iter().filter(|r| !r.ok).collect();
    assert!(failures.len() >= 2, "{silent:?}");
    assert!(
        failures.iter().all(|r| r.detail.starts_with("no push for ")
            && r.detail.ends_with(" (interval 10 s + grace 5 s)")),
        "{failures:?}"
    );
    // Once failing, it keeps failing until a push arrives.
    assert!(!silent.last().unwrap().ok);

    scheduler.record_push(7, clock()).unwrap();
    sleep(TEN_S).await;
    let recovered = drain(&mut rx).remove(&7).unwrap();
    assert_eq!(recovered.len(), 1);
    assert!(recovered[0].ok, "{recovered:?}");
    // Pushes for unknown or non-push monitors are ignored.
    scheduler.record_push(999, clock()).unwrap();
    scheduler.shutdown().await;
}

/// A never-pushed monitor counts its silence from when it was added.
#[tokio::test(start_paused = true)]
async fn push_monitor_without_any_push_fails_after_interval_and_grace() {
    let (tx, mut rx) = mpsc::channel(64);
    let scheduler = Scheduler::start(tx, Prober::new().with_clock(tokio_clock()), 64);
    scheduler
        .upsert(Monitor::new(1, Probe::Push { grace_s: 5 }, TEN_S).unwrap())
        .unwrap();
    sleep(Duration::from_secs(40)).await;
    let results = drain(&mut rx).remove(&1).unwrap();
    let offset = ms(first_run_offset(1, TEN_S));
    for r in &results {
        let since_added = r.at - EPOCH;
        assert_eq!(r.ok, since_added <= 15_000, "{results:?} (offset {offset})");
    }
    assert!(
        results
            .iter()
            .any(|r| !r.ok && r.detail.starts_with("no push since watching began"))
    );
    scheduler.shutdown().await;
}

/// Twenty HTTP monitors at 10 s against a real local server, in real time: each is probed at
/// its interval, its results arrive in the sink, and removed monitors are probed no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_http_monitors_in_real_time() {
    let target = Target::start().await;
    let (tx, mut rx) = mpsc::channel(1024);
    let scheduler = Scheduler::start(tx, Prober::new(), 64);
    for id in 1..=20 {
        let probe = HttpProbe::new(&target.url(&format!("/m/{id}")))
            .unwrap()
            .allow_internal(true);
        let monitor = Monitor::new(id, Probe::Http(probe), TEN_S).unwrap();
        scheduler.upsert(monitor).unwrap();
    }
    let start = std::time::Instant::now();
    sleep(Duration::from_millis(10_300)).await;
    for id in 1..=10 {
        scheduler.remove(id).unwrap();
    }
    assert_eq!(scheduler.len().await.unwrap(), 10);
    let removed_after = start.elapsed();
    sleep(Duration::from_millis(20_500) - start.elapsed()).await;
    scheduler.shutdown().await;
    let results = drain(&mut rx);

    let hits = target.seen(|s| s.hits.clone());
    for id in 1..=20 {
        let got = &results[&id];
        assert!(got.iter().all(|r| r.ok), "monitor {id}: {got:?}");
        assert_eq!(hits[&format!("/m/{id}")], got.len(), "monitor {id}");
        let ats: Vec<i64> = got.iter().map(|r| r.at).collect();
        assert!(
            ats.windows(2)
                .all(|w| (9_900..=10_100).contains(&(w[1] - w[0]))),
            "monitor {id}: {ats:?}"
        );
        if id <= 10 {
            // Runs at offset (< 10 s) and, only if that was under ~0.3 s, offset + 10 s.
            assert!((1..=2).contains(&got.len()), "monitor {id}: {ats:?}");
            let last_offset = ats[ats.len() - 1] - ats[0] + ms(first_run_offset(id, TEN_S));
            assert!(
                last_offset <= ms(removed_after),
                "monitor {id} ran after removal"
            );
        } else {
            assert!((2..=3).contains(&got.len()), "monitor {id}: {ats:?}");
        }
    }
}

#[tokio::test]
async fn scheduler_stops_when_the_sink_is_dropped() {
    let (tx, rx) = mpsc::channel(1);
    let scheduler = Scheduler::start(tx, Prober::new(), 4);
    assert!(scheduler.is_empty().await.unwrap());
    drop(rx);
    sleep(Duration::from_millis(20)).await;
    assert!(scheduler.len().await.is_err());
    let monitor = Monitor::new(1, Probe::Push { grace_s: 0 }, TEN_S).unwrap();
    assert!(scheduler.upsert(monitor).is_err());
}
