//! Availability storage: environments and monitors, probes and their aggregates, pruning,
//! outages, planned maintenance, the mail outbox and job leases.

use std::collections::{BTreeMap, BTreeSet};

use sla::availability::{DetectorEvent, ExcludedCause, HourBucket, MinuteBucket, OutageDetector};
use sla::{Calendar, CalendarSpec};
use store::{
    EnvironmentId, MailId, MaintenanceRecipient, MaintenanceWhen, Monitor, MonitorKind,
    MonitorSettings, NewMail, NewMaintenance, NewOutage, OutageSource, ProbeResult, Recorded, Role,
    Scope, Store,
};

use crate::fixtures::*;

fn amsterdam() -> Calendar {
    Calendar::new(CalendarSpec::service_window_1()).expect("calendar")
}

fn http(target: &str) -> MonitorSettings {
    MonitorSettings {
        kind: MonitorKind::Http,
        target: target.into(),
        expected_status: Some(200),
        keyword: Some("MEXTRA".into()),
        latency_limit_ms: Some(5_000),
        interval_s: 30,
        fail_after: 2,
        recover_after: 2,
        push_token_hash: None,
        allow_internal: false,
    }
}

/// A probe at `at` as the executor would report it.
fn probe(cal: &Calendar, at: i64, ok: bool, latency_ms: i64, down_seconds: i64) -> ProbeResult {
    ProbeResult {
        at,
        ok,
        latency_ms,
        detail: (!ok).then(|| "HTTP 503".to_string()),
        hour: HourBucket::of(cal, at.div_euclid(1000)),
        down_seconds,
    }
}

/// A deterministic pseudo-random sequence (no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Feeds `results` through a detector like the executor does and records each probe.
async fn feed(
    store: &Store,
    cal: &Calendar,
    monitor: &Monitor,
    results: &[(i64, bool, i64)],
) -> Vec<DetectorEvent> {
    let mut det = OutageDetector::restore(
        monitor.settings.fail_after as u32,
        monitor.settings.recover_after as u32,
        store
            .get_monitor(&Scope::System, monitor.id)
            .await
            .expect("monitor")
            .detector,
    );
    let mut events = Vec::new();
    for &(at, ok, latency) in results {
        let event = det.feed(at, ok);
        events.extend(event);
        let down = if det.open_since().is_some() { 30 } else { 0 };
        let r = store
            .record_probe(
                monitor.id,
                &probe(cal, at, ok, latency, down),
                &det.state(),
                event,
                at,
            )
            .await
            .expect("record probe");
        assert!(matches!(r, Recorded::Stored { .. }), "{r:?}");
    }
    events
}

pub async fn case_environments_and_monitors(store: &Store) {
    let w = World::new(store).await;
    let (a, b) = (w.customer_a(), w.customer_b());
    let env_a = store
        .create_environment(&w.vendor(), w.org_a.id, "Productie", T0)
        .await
        .expect("env a");
    let env_a2 = store
        .create_environment(&a, w.org_a.id, " Acceptatie ", T0)
        .await
        .expect("env a2");
    assert_eq!(env_a2.name, "Acceptatie");
    let env_b = store
        .create_environment(&Scope::System, w.org_b.id, "Productie", T0)
        .await
        .expect("the same name at another customer");
    assert_conflict(
        store
            .create_environment(&Scope::System, w.org_a.id, "Productie", T0)
            .await,
        "name",
    );
    assert_not_found(store.create_environment(&a, w.org_b.id, "Sneaky", T0).await);
    assert_rejected(
        store
            .create_environment(&Scope::System, w.org_a.id, "  ", T0)
            .await,
        "name",
    );

    // Customer A sees only its own environments, whatever it asks.
    let names = |v: Vec<store::Environment>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        names(store.environments(&a, None).await.expect("list")),
        vec![env_a2.id, env_a.id]
    );
    assert!(
        store
            .environments(&a, Some(w.org_b.id))
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        names(store.environments(&w.vendor(), None).await.expect("list")).len(),
        3
    );
    assert_not_found(store.get_environment(&a, env_b.id).await);
    assert_not_found(store.rename_environment(&a, env_b.id, "Mine").await);
    let renamed = store
        .rename_environment(&b, env_b.id, "Productie NL")
        .await
        .expect("rename");
    assert_eq!(
        store.get_environment(&b, env_b.id).await.expect("get"),
        renamed
    );

    // Monitors: checked settings, scoped.
    let m_a = store
        .create_monitor(&a, env_a.id, &http("https://aadorp.example/health"), T0)
        .await
        .expect("monitor a");
    assert!(m_a.active);
    assert_eq!(store.get_monitor(&a, m_a.id).await.expect("get"), m_a);
    assert_not_found(store.get_monitor(&b, m_a.id).await);
    assert_not_found(
        store
            .create_monitor(&a, env_b.id, &http("https://x.example/"), T0)
            .await,
    );
    let too_often = MonitorSettings {
        interval_s: 9,
        ..http("https://aadorp.example/")
    };
    assert_rejected(
        store.create_monitor(&a, env_a.id, &too_often, T0).await,
        "interval_s",
    );
    let bad_tcp = MonitorSettings {
        kind: MonitorKind::Tcp,
        target: "db.aadorp.example".into(),
        ..http("")
    };
    assert_rejected(
        store.create_monitor(&a, env_a.id, &bad_tcp, T0).await,
        "target",
    );
    let tcp = MonitorSettings {
        target: "db.aadorp.example:5432".into(),
        ..bad_tcp
    };
    let m_tcp = store
        .create_monitor(&a, env_a.id, &tcp, T0)
        .await
        .expect("tcp");
    let push = MonitorSettings {
        kind: MonitorKind::Push,
        target: "nightly batch".into(),
        push_token_hash: Some("hash-1".into()),
        ..http("")
    };
    assert_rejected(
        store
            .create_monitor(
                &b,
                env_b.id,
                &MonitorSettings {
                    push_token_hash: None,
                    ..push.clone()
                },
                T0,
            )
            .await,
        "push_token_hash",
    );
    let m_push = store
        .create_monitor(&b, env_b.id, &push, T0)
        .await
        .expect("push");
    assert_conflict(
        store.create_monitor(&a, env_a.id, &push, T0).await,
        "push_token_hash",
    );
    assert_eq!(
        store
            .monitor_by_push_token("hash-1")
            .await
            .expect("by token")
            .map(|m| m.id),
        Some(m_push.id)
    );
    assert_eq!(
        store.monitor_by_push_token("nope").await.expect("by token"),
        None
    );

    let ids = |v: Vec<Monitor>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.monitors(&a, env_a.id).await.expect("list")),
        vec![m_a.id, m_tcp.id]
    );
    assert!(store.monitors(&b, env_a.id).await.expect("list").is_empty());
    assert_eq!(
        ids(store.active_monitors(&a).await.expect("active")),
        vec![m_a.id, m_tcp.id]
    );
    assert_eq!(
        ids(store.active_monitors(&Scope::System).await.expect("active")).len(),
        3
    );

    // Updating and stopping; B can do neither to A's monitor.
    let slower = MonitorSettings {
        interval_s: 60,
        ..m_a.settings.clone()
    };
    assert_not_found(store.update_monitor(&b, m_a.id, &slower).await);
    assert_not_found(store.set_monitor_active(&b, m_a.id, false).await);
    let updated = store
        .update_monitor(&a, m_a.id, &slower)
        .await
        .expect("update");
    assert_eq!(updated.settings.interval_s, 60);
    store
        .set_monitor_active(&a, m_tcp.id, false)
        .await
        .expect("stop");
    assert_eq!(
        ids(store.active_monitors(&a).await.expect("active")),
        vec![m_a.id]
    );
    assert_eq!(store.get_monitor(&a, m_a.id).await.expect("get"), updated);
}

pub async fn case_probe_aggregates(store: &Store) {
    let w = World::new(store).await;
    let cal = amsterdam();
    let env = store
        .create_environment(&Scope::System, w.org_a.id, "Productie", T0)
        .await
        .expect("env");
    let monitor = store
        .create_monitor(&Scope::System, env.id, &http("https://a.example/"), T0)
        .await
        .expect("monitor");
    let other = store
        .create_monitor(&Scope::System, env.id, &http("https://b.example/"), T0)
        .await
        .expect("monitor");

    // The night clocks go back (2026-10-25, 03:00 CEST -> 02:00 CET at 01:00 UTC), 23:00
    // to 03:00 UTC: the local hour 02:00 happens twice and must be two hour rows.
    let start: i64 = 1_792_882_800_000; // 2026-10-24T23:00:00Z
    let mut rng = Lcg(7);
    let mut results = Vec::new();
    let mut at = start;
    while at < start + 4 * HOUR {
        let ok = rng.next(10) >= 2;
        results.push((at, ok, 20 + rng.next(2_000) as i64));
        at += 10_000 + rng.next(50_000) as i64;
    }
    let events = feed(store, &cal, &monitor, &results).await;
    // The other monitor's probes must not leak into the first one's rows.
    feed(store, &cal, &other, &[(start + 5_000, false, 99)]).await;

    // Expected aggregates, counted here.
    let mut minutes: BTreeMap<i64, (i64, i64, i64, i64)> = BTreeMap::new();
    let mut hours: BTreeMap<i64, (i64, i64, i64, i64, i64, i64)> = BTreeMap::new();
    let mut det = OutageDetector::new(2, 2);
    for &(at, ok, lat) in &results {
        det.feed(at, ok);
        let down = if det.open_since().is_some() { 30 } else { 0 };
        let m = minutes
            .entry(MinuteBucket::of(at / 1000).start() * 1000)
            .or_default();
        m.0 += 1;
        m.1 += i64::from(!ok);
        m.2 += lat;
        m.3 = m.3.max(lat);
        let hb = HourBucket::of(&cal, at / 1000);
        let h = hours.entry(hb.start * 1000).or_default();
        h.0 = i64::from(hb.offset);
        h.1 += 1;
        h.2 += i64::from(!ok);
        h.3 += down;
        h.4 += lat;
        h.5 = h.5.max(lat);
    }
    let got_minutes: BTreeMap<i64, (i64, i64, i64, i64)> = store
        .probe_minutes(&Scope::System, monitor.id, start, start + DAY)
        .await
        .expect("minutes")
        .into_iter()
        .map(|m| {
            (
                m.minute_start,
                (m.probes, m.failures, m.latency_sum_ms, m.latency_max_ms),
            )
        })
        .collect();
    assert_eq!(got_minutes, minutes);
    let got_hours: BTreeMap<i64, (i64, i64, i64, i64, i64, i64)> = store
        .probe_hours(&Scope::System, monitor.id, start - DAY, start + DAY)
        .await
        .expect("hours")
        .into_iter()
        .map(|h| {
            (
                h.hour_start,
                (
                    h.utc_offset,
                    h.probes,
                    h.failures,
                    h.down_seconds,
                    h.latency_sum_ms,
                    h.latency_max_ms,
                ),
            )
        })
        .collect();
    assert_eq!(got_hours, hours);
    // 01:00 CEST .. 02:00 CEST, 02:00 CET (the repeat), 03:00 CET: four hours, two offsets.
    let offsets: Vec<i64> = got_hours.values().map(|h| h.0).collect();
    assert_eq!(offsets, vec![7_200, 7_200, 3_600, 3_600]);
    let labels: Vec<String> = got_hours
        .iter()
        .map(|(s, h)| {
            HourBucket {
                start: s / 1000,
                offset: h.0 as i32,
            }
            .label()
        })
        .collect();
    assert_eq!(
        labels,
        [
            "2026-10-25 01+02:00",
            "2026-10-25 02+02:00",
            "2026-10-25 02+01:00",
            "2026-10-25 03+01:00"
        ]
    );
    let total: i64 = got_hours.values().map(|h| h.1).sum();
    assert_eq!(total, results.len() as i64);
    let raw = store
        .probe_results(&Scope::System, monitor.id, start, start + DAY)
        .await
        .expect("raw");
    assert_eq!(raw.len(), results.len());
    assert!(
        raw.iter()
            .zip(&results)
            .all(|(r, e)| (r.at, r.ok != 0, r.latency_ms) == (e.0, e.1, e.2)
                && r.detail == (!e.1).then(|| "HTTP 503".to_string()))
    );

    // The detector state persists with the monitor, and the outages match its events.
    assert_eq!(
        store
            .get_monitor(&Scope::System, monitor.id)
            .await
            .expect("monitor")
            .detector,
        det.state()
    );
    let outages = store
        .outages(&Scope::System, env.id, start - DAY, start + DAY)
        .await
        .expect("outages");
    let mine: Vec<_> = outages
        .iter()
        .filter(|o| o.monitor_id == Some(monitor.id))
        .collect();
    let opened: Vec<i64> = events
        .iter()
        .filter_map(|e| match e {
            DetectorEvent::Opened { at } => Some(*at),
            DetectorEvent::Closed { .. } => None,
        })
        .collect();
    assert!(!opened.is_empty(), "the sequence should open outages");
    assert_eq!(
        mine.iter().map(|o| o.started_at).collect::<Vec<_>>(),
        opened
    );

    // A repeated result changes nothing.
    let (at, ok, lat) = results[3];
    let again = store
        .record_probe(
            monitor.id,
            &probe(&cal, at, ok, lat, 0),
            &det.state(),
            None,
            at,
        )
        .await
        .expect("again");
    assert_eq!(again, Recorded::Duplicate);
    assert_eq!(
        store
            .probe_minutes(&Scope::System, monitor.id, start, start + DAY)
            .await
            .expect("minutes")
            .into_iter()
            .map(|m| m.probes)
            .sum::<i64>(),
        results.len() as i64
    );
    // A wrong hour is refused, an unknown monitor is not found, other customers see nothing.
    let mut wrong = probe(&cal, start + DAY, true, 1, 0);
    wrong.hour = HourBucket::of(&cal, start / 1000);
    assert_rejected(
        store
            .record_probe(monitor.id, &wrong, &det.state(), None, start)
            .await,
        "hour",
    );
    assert_not_found(
        store
            .record_probe(
                store::MonitorId(999_999),
                &probe(&cal, start, true, 1, 0),
                &det.state(),
                None,
                start,
            )
            .await,
    );
    assert_not_found(
        store
            .probe_hours(&w.customer_b(), monitor.id, start - DAY, start + DAY)
            .await,
    );
    assert_eq!(
        store
            .probe_hours(&w.customer_a(), monitor.id, start - DAY, start + DAY)
            .await
            .expect("own hours")
            .len(),
        4
    );
}

/// Per-hour counts: (offset, probes, failures, down seconds, latency sum, latency max).
type HourCounts = (i64, i64, i64, i64, i64, i64);
/// Per-minute counts: (probes, failures, latency sum, latency max).
type MinuteCounts = (i64, i64, i64, i64);

/// The packed rows of a monitor as stored, read with a connection of the test's own:
/// `(day, day_start, hours)` and `(hour_start, minutes)`.
type DayRows = Vec<(i32, i64, Vec<u8>)>;
type MinuteRows = Vec<(i64, Vec<u8>)>;

async fn packed_rows(url: &str, monitor: i64) -> (DayRows, MinuteRows) {
    use sqlx::Connection;
    let days = "SELECT day, day_start, hours FROM probe_hours WHERE monitor_id = $1 ORDER BY day";
    let minutes =
        "SELECT hour_start, minutes FROM probe_minutes WHERE monitor_id = $1 ORDER BY hour_start";
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
        let d = sqlx::query_as(days).bind(monitor).fetch_all(&mut c).await;
        let m = sqlx::query_as(minutes)
            .bind(monitor)
            .fetch_all(&mut c)
            .await;
        (d.expect("days"), m.expect("minutes"))
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
        let d = sqlx::query_as(days).bind(monitor).fetch_all(&mut c).await;
        let m = sqlx::query_as(minutes)
            .bind(monitor)
            .fetch_all(&mut c)
            .await;
        (d.expect("days"), m.expect("minutes"))
    }
}

fn le(b: &[u8]) -> i64 {
    b.iter().rev().fold(0, |acc, &x| acc * 256 + i64::from(x))
}

/// An hour cell as documented: probes u16, failures u16, down seconds u16, latency sum u32,
/// latency max u16, offset i8 in quarter hours (little-endian).
fn hour_cell(b: &[u8]) -> HourCounts {
    assert_eq!(b.len(), store::HOUR_CELL_BYTES);
    (
        i64::from(b[12] as i8) * 900,
        le(&b[0..2]),
        le(&b[2..4]),
        le(&b[4..6]),
        le(&b[6..10]),
        le(&b[10..12]),
    )
}

/// A minute cell as documented: probes and failures in the low and high 4 bits of a byte,
/// latency sum u24, latency max u16.
fn minute_cell(b: &[u8]) -> MinuteCounts {
    assert_eq!(b.len(), store::MINUTE_CELL_BYTES);
    (
        i64::from(b[0] & 0x0f),
        i64::from(b[0] >> 4),
        le(&b[1..4]),
        le(&b[4..6]),
    )
}

/// The days the clocks change, probed all day, stored as one row per local day with one cell
/// per local hour (23 in March, 25 in October) and one row per UTC hour with 60 minute
/// cells; the cells hold what is counted here, read back both raw and through the API.
pub async fn case_probe_packing(store: &Store, url: &str) {
    let w = World::new(store).await;
    let cal = amsterdam();
    let env = store
        .create_environment(&Scope::System, w.org_a.id, "Productie", T0)
        .await
        .expect("env");
    let monitor = store
        .create_monitor(&Scope::System, env.id, &http("https://a.example/"), T0)
        .await
        .expect("monitor");
    let local_midnight =
        |y, m, d| cal.local_to_utc(sla::civil::days_from_civil(y, m, d) * 86_400) * 1000;
    let march = local_midnight(2026, 3, 29);
    let october = local_midnight(2026, 10, 25);
    assert_eq!(local_midnight(2026, 3, 30) - march, 23 * HOUR);
    assert_eq!(local_midnight(2026, 10, 26) - october, 25 * HOUR);

    // Probes 1 to 9 minutes apart all through both days, two in some minutes.
    let mut rng = Lcg(3);
    let mut probes: Vec<(i64, bool, i64, i64)> = Vec::new();
    for (from, len) in [(march, 23 * HOUR), (october, 25 * HOUR)] {
        let mut at = from + rng.next(60_000) as i64;
        while at < from + len {
            let ok = rng.next(5) != 0;
            let down = if ok { 0 } else { 30 + rng.next(300) as i64 };
            probes.push((at, ok, rng.next(3_000) as i64, down));
            at += if rng.next(4) == 0 {
                20_000
            } else {
                MINUTE + rng.next(8 * MINUTE as u64) as i64
            };
        }
    }
    // October's first four hours come in last: its row is laid out anew when they do.
    let (early, rest): (Vec<_>, Vec<_>) = probes
        .iter()
        .partition(|p| (october..october + 4 * HOUR).contains(&p.0));
    let mut hours: BTreeMap<i64, HourCounts> = BTreeMap::new();
    let mut minutes: BTreeMap<i64, MinuteCounts> = BTreeMap::new();
    let det = OutageDetector::new(2, 2).state();
    for &&(at, ok, lat, down) in rest.iter().chain(&early) {
        let p = probe(&cal, at, ok, lat, down);
        let r = store
            .record_probe(monitor.id, &p, &det, None, at)
            .await
            .expect("record");
        assert!(matches!(r, Recorded::Stored { .. }));
        let h = hours.entry(p.hour.start * 1000).or_default();
        h.0 = i64::from(p.hour.offset);
        h.1 += 1;
        h.2 += i64::from(!ok);
        h.3 += down;
        h.4 += lat;
        h.5 = h.5.max(lat);
        let m = minutes
            .entry(MinuteBucket::of(at / 1000).start() * 1000)
            .or_default();
        m.0 += 1;
        m.1 += i64::from(!ok);
        m.2 += lat;
        m.3 = m.3.max(lat);
    }
    assert!(
        hours.values().all(|h| h.1 > 0) && hours.len() == 48,
        "every hour probed"
    );

    // As stored: one row per local day, its cells from the local midnight on.
    let (days, minute_rows) = packed_rows(url, monitor.id.0).await;
    let layout: Vec<(i32, i64, usize)> = days
        .iter()
        .map(|(d, s, b)| (*d, *s, b.len() / store::HOUR_CELL_BYTES))
        .collect();
    assert_eq!(
        layout,
        vec![(20_260_329, march, 23), (20_261_025, october, 25)]
    );
    let mut stored_hours: BTreeMap<i64, HourCounts> = BTreeMap::new();
    for (_, day_start, bytes) in &days {
        assert_eq!(bytes.len() % store::HOUR_CELL_BYTES, 0);
        for (i, cell) in bytes.chunks(store::HOUR_CELL_BYTES).enumerate() {
            stored_hours.insert(day_start + i as i64 * HOUR, hour_cell(cell));
        }
    }
    assert_eq!(stored_hours, hours);
    let offsets = |from: i64| -> Vec<i64> {
        hours
            .range(from..from + DAY + 2 * HOUR)
            .map(|(_, h)| h.0 / 3_600)
            .collect()
    };
    let mut march_offsets = vec![1, 1];
    march_offsets.extend([2; 21]);
    assert_eq!(offsets(march), march_offsets);
    let mut october_offsets = vec![2, 2, 2];
    october_offsets.extend([1; 22]);
    assert_eq!(offsets(october), october_offsets);

    // One row per UTC hour of 60 cells; the empty minutes are zero.
    assert_eq!(minute_rows.len(), 48);
    let mut stored_minutes: BTreeMap<i64, MinuteCounts> = BTreeMap::new();
    for (hour_start, bytes) in &minute_rows {
        assert_eq!(hour_start % HOUR, 0);
        assert_eq!(bytes.len(), store::MINUTE_ROW_BYTES);
        for (i, cell) in bytes.chunks(store::MINUTE_CELL_BYTES).enumerate() {
            let c = minute_cell(cell);
            if c.0 > 0 {
                stored_minutes.insert(hour_start + i as i64 * MINUTE, c);
            } else {
                assert_eq!(c, (0, 0, 0, 0));
            }
        }
    }
    assert_eq!(stored_minutes, minutes);

    // Through the API: the same hours and minutes, also for a window that cuts days and
    // hours.
    let api_hours = |from: i64, to: i64| async move {
        store
            .probe_hours(&Scope::System, monitor.id, from, to)
            .await
            .expect("hours")
            .into_iter()
            .map(|h| {
                (
                    h.hour_start,
                    (
                        h.utc_offset,
                        h.probes,
                        h.failures,
                        h.down_seconds,
                        h.latency_sum_ms,
                        h.latency_max_ms,
                    ),
                )
            })
            .collect::<Vec<_>>()
    };
    let all: Vec<(i64, HourCounts)> = hours.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(api_hours(0, i64::MAX).await, all);
    let (from, to) = (march + 5 * HOUR, october + 3 * HOUR);
    let cut: Vec<(i64, HourCounts)> = hours.range(from..to).map(|(k, v)| (*k, *v)).collect();
    assert_eq!(api_hours(from, to).await, cut);
    let api_minutes = |from: i64, to: i64| async move {
        store
            .probe_minutes(&Scope::System, monitor.id, from, to)
            .await
            .expect("minutes")
            .into_iter()
            .map(|m| {
                (
                    m.minute_start,
                    (m.probes, m.failures, m.latency_sum_ms, m.latency_max_ms),
                )
            })
            .collect::<Vec<_>>()
    };
    let all: Vec<(i64, MinuteCounts)> = minutes.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(api_minutes(i64::MIN, i64::MAX).await, all);
    let (from, to) = (
        october + 90 * MINUTE + 30_000,
        october + 7 * HOUR + 17 * MINUTE,
    );
    let cut: Vec<(i64, MinuteCounts)> = minutes.range(from..to).map(|(k, v)| (*k, *v)).collect();
    assert_eq!(api_minutes(from, to).await, cut);
}

pub async fn case_pruning(store: &Store) {
    let w = World::new(store).await;
    let cal = amsterdam();
    let env = store
        .create_environment(&Scope::System, w.org_a.id, "Productie", T0)
        .await
        .expect("env");
    let monitor = store
        .create_monitor(&Scope::System, env.id, &http("https://a.example/"), T0)
        .await
        .expect("monitor");
    let now = T0 + 40 * DAY;
    let times = [
        now - 31 * DAY,                // raw and minute go
        now - 30 * DAY - MINUTE,       // raw and minute go
        now - 29 * DAY,                // raw goes, minute stays
        now - 48 * HOUR - 1,           // raw goes
        now - 48 * HOUR + 20 * MINUTE, // stays
        now - HOUR,                    // stays
    ];
    let results: Vec<(i64, bool, i64)> = times.iter().map(|&t| (t, true, 50)).collect();
    feed(store, &cal, &monitor, &results).await;
    let pruned = store.prune(now).await.expect("prune");
    assert_eq!((pruned.results, pruned.minutes), (4, 2));
    let raw: Vec<i64> = store
        .probe_results(&Scope::System, monitor.id, 0, i64::MAX)
        .await
        .expect("raw")
        .into_iter()
        .map(|r| r.at)
        .collect();
    assert_eq!(raw, vec![times[4], times[5]]);
    let minutes = store
        .probe_minutes(&Scope::System, monitor.id, 0, i64::MAX)
        .await
        .expect("minutes");
    assert_eq!(minutes.len(), 4);
    let hours = store
        .probe_hours(&Scope::System, monitor.id, 0, i64::MAX)
        .await
        .expect("hours");
    assert_eq!(hours.iter().map(|h| h.probes).sum::<i64>(), 6, "hours stay");
    assert_eq!(
        store.prune(now).await.expect("again"),
        store::Pruned::default()
    );
}

pub async fn case_outage_lifecycle(store: &Store) {
    let w = World::new(store).await;
    let cal = amsterdam();
    let vendor = w.vendor();
    let env = store
        .create_environment(&Scope::System, w.org_a.id, "Productie", T0)
        .await
        .expect("env");
    let env_b = store
        .create_environment(&Scope::System, w.org_b.id, "Productie", T0)
        .await
        .expect("env b");
    let monitor = store
        .create_monitor(&Scope::System, env.id, &http("https://a.example/"), T0)
        .await
        .expect("monitor");

    // Two failures open an outage at the first; two good probes close it at the first.
    let s = 30_000;
    let results = [
        (T0, true, 40),
        (T0 + s, false, 5_000),
        (T0 + 2 * s, false, 5_000),
        (T0 + 3 * s, false, 5_000),
        (T0 + 4 * s, true, 40),
        (T0 + 5 * s, false, 5_000),
        (T0 + 6 * s, true, 40),
        (T0 + 7 * s, true, 40),
    ];
    let events = feed(store, &cal, &monitor, &results[..4]).await;
    assert_eq!(events, vec![DetectorEvent::Opened { at: T0 + s }]);
    let open = store
        .outages(&w.customer_a(), env.id, T0, T0 + HOUR)
        .await
        .expect("outages");
    assert_eq!(open.len(), 1);
    let id = open[0].id;
    assert_eq!(
        (open[0].started_at, open[0].ended_at, open[0].source),
        (T0 + s, None, OutageSource::Probe)
    );
    // A second "opened" while one is open changes nothing; the span query sees open ones.
    let det = store
        .get_monitor(&Scope::System, monitor.id)
        .await
        .expect("m")
        .detector;
    store
        .record_probe(
            monitor.id,
            &probe(&cal, T0 + 3 * s + 1, false, 1, 0),
            &det,
            Some(DetectorEvent::Opened { at: T0 + 3 * s }),
            T0,
        )
        .await
        .expect("duplicate open");
    assert_eq!(
        store
            .outages(&vendor, env.id, T0 + DAY, T0 + 2 * DAY)
            .await
            .expect("later span")
            .len(),
        1,
        "an open outage overlaps every later span"
    );
    let events = feed(store, &cal, &monitor, &results[4..]).await;
    assert_eq!(events, vec![DetectorEvent::Closed { at: T0 + 6 * s }]);
    let closed = store.get_outage(&vendor, id).await.expect("get");
    assert_eq!(closed.ended_at, Some(T0 + 6 * s));
    assert_eq!(
        closed.to_sla(),
        sla::Outage {
            start: (T0 + s) / 1000,
            end: Some((T0 + 6 * s) / 1000),
            cause: None
        }
    );

    // Classifying: vendor staff only, with a reason.
    assert_rejected(
        store
            .classify_outage(
                &w.customer_a(),
                id,
                Some(ExcludedCause::CustomerPremises),
                "power cut at the town hall",
                T0 + DAY,
            )
            .await,
        "scope",
    );
    assert_rejected(
        store
            .classify_outage(
                &Scope::System,
                id,
                Some(ExcludedCause::ForceMajeure),
                "x",
                T0,
            )
            .await,
        "scope",
    );
    assert_rejected(
        store
            .classify_outage(&vendor, id, Some(ExcludedCause::ForceMajeure), "  ", T0)
            .await,
        "reason",
    );
    assert_not_found(
        store
            .classify_outage(
                &vendor,
                store::OutageId(9_999),
                Some(ExcludedCause::ForceMajeure),
                "x",
                T0,
            )
            .await,
    );
    let classified = store
        .classify_outage(
            &vendor,
            id,
            Some(ExcludedCause::ThirdPartyTelecom),
            "KPN glasvezelstoring, ticket 4411",
            T0 + DAY,
        )
        .await
        .expect("classify");
    assert_eq!(classified.cause, Some(ExcludedCause::ThirdPartyTelecom));
    assert_eq!(classified.classified_by, Some(w.agent.id));
    assert_eq!(classified.classified_at, Some(T0 + DAY));
    assert_eq!(
        classified.classification_reason.as_deref(),
        Some("KPN glasvezelstoring, ticket 4411")
    );

    // Correcting start and end.
    assert_rejected(
        store
            .correct_outage(&vendor, id, T0 + s, Some(T0), "x", T0 + DAY)
            .await,
        "ended_at",
    );
    assert_rejected(
        store
            .correct_outage(&w.customer_a(), id, T0, Some(T0 + s), "x", T0 + DAY)
            .await,
        "scope",
    );
    let corrected = store
        .correct_outage(
            &vendor,
            id,
            T0 + s - 10_000,
            Some(T0 + 6 * s + 5_000),
            "server log shows the first 502 ten seconds earlier",
            T0 + 2 * DAY,
        )
        .await
        .expect("correct");
    assert_eq!(
        (
            corrected.started_at,
            corrected.ended_at,
            corrected.corrected_by,
            corrected.corrected_at
        ),
        (
            T0 + s - 10_000,
            Some(T0 + 6 * s + 5_000),
            Some(w.agent.id),
            Some(T0 + 2 * DAY)
        )
    );

    // Registering by hand.
    let new = NewOutage {
        environment_id: env.id,
        monitor_id: None,
        started_at: T0 + 3 * HOUR,
        ended_at: Some(T0 + 4 * HOUR),
        reason: "customer reported the portal unreachable; monitor missed it".into(),
    };
    assert_rejected(
        store.register_outage(&w.customer_a(), &new, T0 + DAY).await,
        "scope",
    );
    assert_rejected(
        store
            .register_outage(
                &vendor,
                &NewOutage {
                    reason: String::new(),
                    ..new.clone()
                },
                T0 + DAY,
            )
            .await,
        "reason",
    );
    assert_rejected(
        store
            .register_outage(
                &vendor,
                &NewOutage {
                    environment_id: env_b.id,
                    monitor_id: Some(monitor.id),
                    ..new.clone()
                },
                T0 + DAY,
            )
            .await,
        "monitor_id",
    );
    let manual = store
        .register_outage(&vendor, &new, T0 + DAY)
        .await
        .expect("register");
    assert_eq!(manual.source, OutageSource::Manual);
    assert_eq!(manual.created_by, Some(w.agent.id));
    assert_eq!(manual.org_id, w.org_a.id);

    // Listing per environment and span; customer B sees none of it.
    let all = store
        .outages(&w.customer_a(), env.id, T0, T0 + DAY)
        .await
        .expect("list");
    assert_eq!(
        all.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![id, manual.id]
    );
    assert_eq!(
        store
            .outages(&w.customer_a(), env.id, T0 + 5 * HOUR, T0 + DAY)
            .await
            .expect("later")
            .len(),
        0
    );
    assert!(
        store
            .outages(&w.customer_b(), env.id, T0, T0 + DAY)
            .await
            .expect("b")
            .is_empty()
    );
    assert_not_found(store.get_outage(&w.customer_b(), id).await);
    assert_not_found(
        store
            .classify_outage(
                &vendor,
                store::OutageId(id.0 + 1_000),
                None,
                "no such outage",
                T0,
            )
            .await,
    );

    // Every hand change left an audit row for customer A, none for B.
    let actions: Vec<String> = store
        .audit_log(&w.customer_a(), 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["outage.registered", "outage.corrected", "outage.classified"]
    );
    let audit = store.audit_log(&w.customer_a(), 100).await.expect("audit");
    assert_eq!(audit[1].actor_id, Some(w.agent.id));
    assert_eq!(audit[1].detail["from"]["started_at"], T0 + s);
    assert_eq!(audit[2].detail["to"], "third_party_telecom");
    assert!(
        store
            .audit_log(&w.customer_b(), 100)
            .await
            .expect("audit b")
            .is_empty()
    );

    // The stored records feed the engine: the classified outage is excluded.
    let outages: Vec<sla::Outage> = all.iter().map(|o| o.to_sla()).collect();
    let a = sla::monthly_availability(
        &cal,
        T0 / 1000,
        (T0 + DAY) / 1000,
        (T0 + DAY) / 1000,
        &sla::AvailabilityRules::default(),
        &[],
        &outages,
    );
    assert_eq!(a.counted_downtime_seconds, 3_600);
    assert_eq!(a.excluded_by_cause[0].1, (5 * s + 15_000) / 1000);
}

pub async fn case_maintenance_announcements(store: &Store) {
    let w = World::new(store).await;
    let vendor = w.vendor();
    let admin_a2 = person(
        store,
        "piet@aadorp.nl",
        "Piet Aadorp",
        Role::CustomerAdmin,
        Some(w.org_a.id),
    )
    .await;
    person(
        store,
        "kees@aadorp.nl",
        "Kees Kijker",
        Role::CustomerViewer,
        Some(w.org_a.id),
    )
    .await;
    let org_c = org(store, "Camping Cees").await;
    person(
        store,
        "cees@cees.nl",
        "Cees",
        Role::CustomerAdmin,
        Some(org_c.id),
    )
    .await;
    let env = |org, name: &'static str| {
        let store = store.clone();
        async move {
            store
                .create_environment(&Scope::System, org, name, T0)
                .await
                .expect("env")
        }
    };
    let a1 = env(w.org_a.id, "Productie").await;
    let a2 = env(w.org_a.id, "Acceptatie").await;
    let b1 = env(w.org_b.id, "Productie").await;
    let c1 = env(org_c.id, "Productie").await;

    let new = NewMaintenance {
        environment_ids: vec![b1.id, a1.id, a2.id, a1.id],
        starts_at: T0 + 4 * DAY,
        ends_at: T0 + 4 * DAY + 2 * HOUR,
        description: "Upgrade naar MEXTRA 12".into(),
        notice_ok: true,
    };
    let compose = |r: &MaintenanceRecipient| NewMail {
        to_address: r.email.clone(),
        subject: format!("Gepland onderhoud – {}", r.environments.join(", ")),
        body_text: format!("Beste {},\n\nUpgrade naar MEXTRA 12.\n", r.name),
    };
    assert_rejected(
        store
            .announce_maintenance(&w.customer_a(), &new, T0, compose)
            .await,
        "scope",
    );
    assert_rejected(
        store
            .announce_maintenance(
                &vendor,
                &NewMaintenance {
                    ends_at: new.starts_at,
                    ..new.clone()
                },
                T0,
                compose,
            )
            .await,
        "ends_at",
    );
    assert_not_found(
        store
            .announce_maintenance(
                &vendor,
                &NewMaintenance {
                    environment_ids: vec![EnvironmentId(9_999)],
                    ..new.clone()
                },
                T0,
                compose,
            )
            .await,
    );
    let (m, mails) = store
        .announce_maintenance(&vendor, &new, T0, compose)
        .await
        .expect("announce");
    assert_eq!(m.environment_ids, vec![a1.id, a2.id, b1.id]);
    assert_eq!(m.announced_by, Some(w.agent.id));
    // One mail per active administrator of A (2) and B (1); none for viewers, staff or C.
    let mut got = Vec::new();
    for id in &mails {
        let mail = store.get_mail(*id).await.expect("mail");
        assert_eq!((mail.attempts, mail.sent_at), (0, None));
        got.push((mail.to_address, mail.subject));
    }
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "anna@aadorp.nl".to_string(),
                "Gepland onderhoud – Acceptatie, Productie".to_string()
            ),
            (
                "bram@bolder.nl".to_string(),
                "Gepland onderhoud – Productie".to_string()
            ),
            (
                admin_a2.email.clone(),
                "Gepland onderhoud – Acceptatie, Productie".to_string()
            ),
        ]
    );

    // A failed announcement left nothing behind: only the one announcement exists.
    let upcoming = |scope: Scope| {
        let store = store.clone();
        async move {
            store
                .list_maintenance(&scope, None, None, MaintenanceWhen::Upcoming, T0)
                .await
                .expect("list")
        }
    };
    let for_a = upcoming(w.customer_a()).await;
    assert_eq!(for_a.len(), 1);
    assert_eq!(for_a[0].environment_ids, vec![a1.id, a2.id]);
    assert_eq!(
        upcoming(w.customer_b()).await[0].environment_ids,
        vec![b1.id]
    );
    let c_scope = Scope::Customer {
        person: w.admin_a.id,
        org: org_c.id,
        role: Role::CustomerAdmin,
    };
    assert!(upcoming(c_scope).await.is_empty());
    assert_eq!(upcoming(vendor).await[0].environment_ids.len(), 3);
    assert!(
        store
            .list_maintenance(
                &w.customer_a(),
                Some(w.org_b.id),
                None,
                MaintenanceWhen::Upcoming,
                T0
            )
            .await
            .expect("asks for B")
            .is_empty()
    );
    assert_eq!(
        store
            .list_maintenance(&vendor, None, Some(c1.id), MaintenanceWhen::Upcoming, T0)
            .await
            .expect("c1")
            .len(),
        0
    );
    let later = T0 + 5 * DAY;
    assert!(
        store
            .list_maintenance(&vendor, None, None, MaintenanceWhen::Upcoming, later)
            .await
            .expect("upcoming later")
            .is_empty()
    );
    assert_eq!(
        store
            .list_maintenance(&w.customer_b(), None, None, MaintenanceWhen::Past, later)
            .await
            .expect("past")
            .len(),
        1
    );
    let planned = store
        .planned_maintenance(&w.customer_a(), a2.id, T0, T0 + 30 * DAY)
        .await
        .expect("planned");
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].to_sla().start, (T0 + 4 * DAY) / 1000);
    assert_not_found(
        store
            .planned_maintenance(&w.customer_b(), a2.id, T0, T0 + 30 * DAY)
            .await,
    );

    // Cancelling: staff only; the engine no longer gets it, the listing shows it cancelled.
    assert_rejected(
        store
            .cancel_maintenance(&w.customer_a(), m.id, T0 + HOUR)
            .await,
        "scope",
    );
    store
        .cancel_maintenance(&vendor, m.id, T0 + HOUR)
        .await
        .expect("cancel");
    assert_not_found(store.cancel_maintenance(&vendor, m.id, T0 + HOUR).await);
    assert!(
        store
            .planned_maintenance(&vendor, a1.id, T0, T0 + 30 * DAY)
            .await
            .expect("planned")
            .is_empty()
    );
    assert_eq!(
        upcoming(w.customer_a()).await[0].cancelled_at,
        Some(T0 + HOUR)
    );
    let actions = |scope: Scope| {
        let store = store.clone();
        async move {
            store
                .audit_log(&scope, 100)
                .await
                .expect("audit")
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        actions(w.customer_a()).await,
        ["maintenance.cancelled", "maintenance.announced"]
    );
    assert_eq!(
        actions(w.customer_b()).await,
        ["maintenance.cancelled", "maintenance.announced"]
    );
    assert!(actions(c_scope).await.is_empty());
}

pub async fn case_mail_outbox(store: &Store) {
    let mail = |n: usize| NewMail {
        to_address: format!("beheer{n}@example.nl"),
        subject: format!("Bericht {n}"),
        body_text: "Hallo".into(),
    };
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(store.enqueue_mail(&mail(n), T0).await.expect("enqueue"));
    }
    // Not due before it was queued.
    assert!(
        store
            .claim_mail("w1", T0 - 1, MINUTE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let first = store.claim_mail("w1", T0, MINUTE, 2).await.expect("claim");
    assert_eq!(
        first.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    assert!(
        first
            .iter()
            .all(|m| m.attempts == 1 && m.lease_owner.as_deref() == Some("w1"))
    );
    // Leased mails are not claimed again until the lease runs out.
    let second = store
        .claim_mail("w2", T0 + 1, MINUTE, 10)
        .await
        .expect("claim");
    assert_eq!(
        second.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![ids[2]]
    );
    assert!(
        store
            .claim_mail("w2", T0 + 2, MINUTE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    // Only the holder settles a mail.
    assert!(!store.mail_sent(ids[0], "w2", T0 + 3).await.expect("sent"));
    assert!(store.mail_sent(ids[0], "w1", T0 + 3).await.expect("sent"));
    assert!(!store.mail_sent(ids[0], "w1", T0 + 4).await.expect("twice"));
    assert!(
        store
            .mail_failed(
                ids[1],
                "w1",
                T0 + 3,
                "421 try later",
                Some(T0 + 10 * MINUTE)
            )
            .await
            .expect("failed")
    );
    let m1 = store.get_mail(ids[1]).await.expect("get");
    assert_eq!(
        (
            m1.attempts,
            m1.next_attempt_at,
            m1.last_error.as_deref(),
            m1.lease_owner
        ),
        (1, T0 + 10 * MINUTE, Some("421 try later"), None)
    );
    // w2 dies holding mail 2: after its lease, someone else gets it (a second attempt).
    let retaken = store
        .claim_mail("w3", T0 + MINUTE + 1, MINUTE, 10)
        .await
        .expect("claim");
    assert_eq!(
        retaken
            .iter()
            .map(|m| (m.id, m.attempts))
            .collect::<Vec<_>>(),
        vec![(ids[2], 2)]
    );
    assert!(
        !store
            .mail_sent(ids[2], "w2", T0 + MINUTE + 2)
            .await
            .expect("stale")
    );
    assert!(
        store
            .mail_failed(ids[2], "w3", T0 + MINUTE + 2, "550 no such user", None)
            .await
            .expect("give up")
    );
    let m2 = store.get_mail(ids[2]).await.expect("get");
    assert_eq!(m2.failed_at, Some(T0 + MINUTE + 2));
    // Mail 1 comes back when due; the sent and the given-up one never do.
    let later = store
        .claim_mail("w1", T0 + DAY, MINUTE, 10)
        .await
        .expect("claim");
    assert_eq!(
        later.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(),
        vec![(ids[1], 2)]
    );
    assert_eq!(
        store.get_mail(ids[0]).await.expect("sent").sent_at,
        Some(T0 + 3)
    );
    assert_not_found(store.get_mail(MailId(9_999)).await);
}

pub async fn case_concurrent_mail_claims(store: &Store) {
    const MAILS: usize = 60;
    for n in 0..MAILS {
        store
            .enqueue_mail(
                &NewMail {
                    to_address: format!("b{n}@example.nl"),
                    subject: format!("S{n}"),
                    body_text: "B".into(),
                },
                T0,
            )
            .await
            .expect("enqueue");
    }
    let mut tasks = Vec::new();
    for worker in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("worker-{worker}");
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_mail(&owner, T0 + 1, 10 * MINUTE, 4)
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    break;
                }
                for m in batch {
                    assert_eq!(m.lease_owner.as_deref(), Some(owner.as_str()));
                    mine.push(m.id);
                }
                tokio::task::yield_now().await;
            }
            mine
        }));
    }
    let mut all = Vec::new();
    let mut busy_workers = 0;
    for t in tasks {
        let mine = t.await.expect("task");
        busy_workers += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    let distinct: BTreeSet<MailId> = all.iter().copied().collect();
    assert_eq!(all.len(), MAILS, "every mail claimed once: {all:?}");
    assert_eq!(distinct.len(), MAILS, "no mail claimed twice");
    assert!(busy_workers >= 1);
}

pub async fn case_job_leases(store: &Store) {
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("instance-{n}");
            let won = store
                .try_lease("outbox", &owner, T0, T0 + MINUTE)
                .await
                .expect("lease");
            (owner, won)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (owner, won) = t.await.expect("task");
        if won {
            winners.push(owner);
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one instance holds the lease: {winners:?}"
    );
    let holder = winners[0].clone();
    let other = if holder == "instance-0" {
        "instance-1"
    } else {
        "instance-0"
    };
    // The holder renews; another cannot take it before it runs out, and can after.
    assert!(
        store
            .try_lease("outbox", &holder, T0 + 30_000, T0 + 2 * MINUTE)
            .await
            .expect("renew")
    );
    assert!(
        !store
            .try_lease("outbox", other, T0 + MINUTE + 1, T0 + 3 * MINUTE)
            .await
            .expect("still held")
    );
    // Another job's lease is independent.
    assert!(
        store
            .try_lease("prune", other, T0, T0 + MINUTE)
            .await
            .expect("other job")
    );
    assert!(
        store
            .try_lease("outbox", other, T0 + 2 * MINUTE, T0 + 3 * MINUTE)
            .await
            .expect("expired")
    );
    assert!(
        !store
            .try_lease("outbox", &holder, T0 + 2 * MINUTE + 1, T0 + 4 * MINUTE)
            .await
            .expect("lost")
    );
    // Releasing lets the next one in at once; only the holder releases.
    assert!(
        !store
            .release_lease("outbox", &holder)
            .await
            .expect("not mine")
    );
    assert!(store.release_lease("outbox", other).await.expect("release"));
    assert!(
        store
            .try_lease("outbox", &holder, T0 + 2 * MINUTE + 2, T0 + 4 * MINUTE)
            .await
            .expect("free")
    );
}
