//! Bytes the probe data takes: raw results (48 hours), minute rows (30 days) and day rows
//! (a year) of 100 monitors probed every 30 seconds, extrapolated from a slice, on SQLite and
//! on PostgreSQL (when `TEST_DATABASE_URL` is set).
//!
//! The slice: `--monitors N` monitors (10; 2 with `--quick`) probed every 30 seconds for 48
//! hours through `Store::record_probe`, as the executor would (0.5% failures, latencies of
//! 40–400 ms with a slow tail) — the raw results a monitor keeps, and the minute and day rows
//! written in place; then the minute rows of the rest of the 30 days and the day rows of the
//! rest of the year written straight into the tables (same sizes; day lengths from the
//! Europe/Amsterdam calendar, so the year has one 23-hour and one 25-hour day). Measured per
//! table after `VACUUM`: SQLite's `dbstat` (pages of each b-tree), PostgreSQL's
//! `pg_total_relation_size` (heap, key index, free-space map, TOAST), also before the vacuum
//! there, to show what updating in place leaves behind.
//!
//! `cargo bench -p store --bench probe_storage` (options after `--`: `--monitors N`,
//! `--quick`).

use std::time::Instant;

use sla::availability::{HourBucket, OutageDetector};
use sla::civil::{DAY as DAY_S, days_from_civil};
use sla::{Calendar, CalendarSpec};
use sqlx::{AssertSqlSafe, Connection};
use store::{
    HOUR_CELL_BYTES, MINUTE_CELL_BYTES, MINUTE_ROW_BYTES, MonitorKind, MonitorSettings,
    ProbeResult, Scope, Store,
};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const INTERVAL: i64 = 30_000;
/// The monitors the figures are extrapolated to.
const TARGET_MONITORS: f64 = 100.0;
const TABLES: [&str; 3] = ["probe_results", "probe_minutes", "probe_hours"];

fn monitors() -> i64 {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    args.iter()
        .position(|a| a == "--monitors")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2 } else { 10 })
}

/// A deterministic pseudo-random sequence.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// A probe's latency: mostly 40–400 ms, one in 20 up to 3 s.
    fn latency(&mut self) -> i64 {
        if self.next(20) == 0 {
            400 + self.next(2_600) as i64
        } else {
            40 + self.next(360) as i64
        }
    }
}

/// UTC milliseconds of a local midnight.
fn midnight(cal: &Calendar, days: i64) -> i64 {
    cal.local_to_utc(days * DAY_S) * 1000
}

/// A plausible minute row: two probes a minute.
fn minute_row(rng: &mut Lcg) -> Vec<u8> {
    let mut b = vec![0u8; MINUTE_ROW_BYTES];
    for cell in b.chunks_exact_mut(MINUTE_CELL_BYTES) {
        let (l1, l2) = (rng.latency(), rng.latency());
        cell[0] = 2 | (u8::from(rng.next(200) == 0) << 4);
        cell[1..4].copy_from_slice(&((l1 + l2) as u32).to_le_bytes()[..3]);
        cell[4..6].copy_from_slice(&(l1.max(l2) as u16).to_le_bytes());
    }
    b
}

/// A plausible day row of `hours` hours, 120 probes each.
fn day_row(rng: &mut Lcg, hours: usize, offset_q: i8) -> Vec<u8> {
    let mut b = vec![0u8; hours * HOUR_CELL_BYTES];
    for cell in b.chunks_exact_mut(HOUR_CELL_BYTES) {
        let failures = u16::from(rng.next(3) == 0);
        cell[0..2].copy_from_slice(&120u16.to_le_bytes());
        cell[2..4].copy_from_slice(&failures.to_le_bytes());
        cell[4..6].copy_from_slice(&0u16.to_le_bytes());
        cell[6..10].copy_from_slice(&(120 * 200 + rng.next(10_000) as u32).to_le_bytes());
        cell[10..12].copy_from_slice(&(400 + rng.next(2_600) as u16).to_le_bytes());
        cell[12] = offset_q as u8;
    }
    b
}

/// Writes the slice into the store at `url`; returns the monitors' ids.
async fn write_slice(url: &str, n: i64, cal: &Calendar, start: i64) -> Vec<i64> {
    let store = Store::connect(url).await.expect("connect");
    let org = store
        .create_org("Bench", start - 400 * DAY)
        .await
        .expect("org");
    let env = store
        .create_environment(&Scope::System, org.id, "Productie", start - 400 * DAY)
        .await
        .expect("environment");
    let mut monitors = Vec::new();
    for i in 0..n {
        let settings = MonitorSettings {
            kind: MonitorKind::Http,
            target: format!("https://m{i}.example/health"),
            expected_status: Some(200),
            keyword: None,
            latency_limit_ms: Some(5_000),
            interval_s: 30,
            fail_after: 2,
            recover_after: 2,
            push_token_hash: None,
            allow_internal: false,
        };
        let m = store
            .create_monitor(&Scope::System, env.id, &settings, start - 400 * DAY)
            .await
            .expect("monitor");
        monitors.push((m, OutageDetector::new(2, 2)));
    }

    // 48 hours through record_probe: the raw results a monitor keeps, and minute and day rows
    // updated in place.
    let t0 = Instant::now();
    let mut rng = Lcg(11);
    let probes = 48 * HOUR / INTERVAL;
    for k in 0..probes {
        for (i, (m, det)) in monitors.iter_mut().enumerate() {
            let at = start + k * INTERVAL + i as i64 * 1_009;
            let ok = rng.next(200) != 0;
            let event = det.feed(at, ok);
            let down = if det.open_since().is_some() { 30 } else { 0 };
            let probe = ProbeResult {
                at,
                ok,
                latency_ms: if ok { rng.latency() } else { 10_000 },
                detail: (!ok).then(|| "timed out after 10 s".to_string()),
                hour: HourBucket::of(cal, at.div_euclid(1000)),
                down_seconds: down,
            };
            store
                .record_probe(m.id, &probe, &det.state(), event, at)
                .await
                .expect("record");
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let total = probes * n;
    println!(
        "  recorded {total} probes in {secs:.1} s ({:.2} ms each)",
        secs * 1000.0 / total as f64
    );
    store.close().await;
    monitors.iter().map(|(m, _)| m.id.0).collect()
}

/// Rows written straight into the tables: the minute rows of the 28 days before the slice
/// and the day rows of the 363 days before it.
fn synthesised(
    cal: &Calendar,
    start_day: i64,
    monitors: &[i64],
) -> Vec<(String, i64, i64, Vec<u8>)> {
    let mut rng = Lcg(5);
    let start = midnight(cal, start_day);
    let mut rows = Vec::new();
    for &m in monitors {
        for h in 1..=(28 * 24) {
            rows.push((
                "minutes".to_string(),
                m,
                start - h * HOUR,
                minute_row(&mut rng),
            ));
        }
        for d in 1..=363 {
            let day = start_day - d;
            let (from, to) = (midnight(cal, day), midnight(cal, day + 1));
            let offset_q = ((day * DAY_S * 1000 - from) / 900_000) as i8;
            let (y, mo, dd) = sla::civil::civil_from_days(day);
            let ymd = y * 10_000 + mo * 100 + dd;
            rows.push((
                format!("hours:{ymd}"),
                m,
                from,
                day_row(&mut rng, ((to - from) / HOUR) as usize, offset_q),
            ));
        }
    }
    rows
}

const INSERT_MINUTES: &str =
    "INSERT INTO probe_minutes (monitor_id, hour_start, minutes) VALUES ($1, $2, $3)";
const INSERT_HOURS: &str =
    "INSERT INTO probe_hours (monitor_id, day_start, day, hours) VALUES ($1, $2, $3, $4)";

macro_rules! insert_all {
    ($conn:expr, $rows:expr) => {{
        let mut tx = $conn.begin().await.expect("begin");
        for (kind, m, start, bytes) in $rows {
            match kind.strip_prefix("hours:") {
                Some(day) => {
                    sqlx::query(INSERT_HOURS)
                        .bind(*m)
                        .bind(*start)
                        .bind(day.parse::<i32>().expect("day"))
                        .bind(bytes.as_slice())
                        .execute(&mut *tx)
                        .await
                        .expect("insert day");
                }
                None => {
                    sqlx::query(INSERT_MINUTES)
                        .bind(*m)
                        .bind(*start)
                        .bind(bytes.as_slice())
                        .execute(&mut *tx)
                        .await
                        .expect("insert minutes");
                }
            }
        }
        tx.commit().await.expect("commit");
    }};
}

/// Bytes of each table, in `TABLES` order.
type Sizes = [i64; 3];

async fn sqlite_sizes(url: &str) -> Sizes {
    let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
    sqlx::raw_sql("VACUUM")
        .execute(&mut c)
        .await
        .expect("vacuum");
    let mut out = [0; 3];
    for (i, t) in TABLES.iter().enumerate() {
        // A WITHOUT ROWID table is one b-tree under its own name; count its indexes too.
        out[i] = sqlx::query_scalar(
            "SELECT COALESCE(SUM(d.pgsize), 0) FROM dbstat d JOIN sqlite_master s \
             ON s.name = d.name WHERE s.tbl_name = $1",
        )
        .bind(*t)
        .fetch_one(&mut c)
        .await
        .expect("dbstat");
    }
    c.close().await.expect("close");
    out
}

async fn postgres_sizes(url: &str, vacuum: bool) -> Sizes {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    if vacuum {
        sqlx::raw_sql("VACUUM")
            .execute(&mut c)
            .await
            .expect("vacuum");
    }
    let mut out = [0; 3];
    for (i, t) in TABLES.iter().enumerate() {
        out[i] = sqlx::query_scalar("SELECT pg_total_relation_size($1::regclass)")
            .bind(*t)
            .fetch_one(&mut c)
            .await
            .expect("size");
    }
    c.close().await.expect("close");
    out
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// Prints the measured bytes, per monitor and for 100 monitors.
fn report(label: &str, sizes: Sizes, n: i64) {
    println!("  {label}:");
    println!(
        "    {:<15} {:>12} {:>18} {:>14}",
        "table", "measured", "per monitor-year", "100 monitors"
    );
    let mut total = 0.0;
    for (t, bytes) in TABLES.iter().zip(sizes) {
        let per = bytes as f64 / n as f64;
        total += per;
        println!(
            "    {t:<15} {:>12} {:>18} {:>14}",
            mb(bytes as f64),
            format!("{:.0} kB", per / 1e3),
            mb(per * TARGET_MONITORS)
        );
    }
    println!(
        "    {:<15} {:>12} {:>18} {:>14}",
        "total",
        "",
        format!("{:.0} kB", total / 1e3),
        mb(total * TARGET_MONITORS)
    );
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}_{nanos}", std::process::id())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = monitors();
    let cal = Calendar::new(CalendarSpec::service_window_1()).expect("calendar");
    // The slice starts at local midnight of 2026-06-01; the year before it holds both days
    // the clocks change.
    let start_day = days_from_civil(2026, 6, 1);
    let start = midnight(&cal, start_day);
    println!(
        "probe storage: {n} monitors every 30 s, extrapolated to {TARGET_MONITORS} \
         (minute cell {MINUTE_CELL_BYTES} B, row {MINUTE_ROW_BYTES} B; hour cell \
         {HOUR_CELL_BYTES} B)"
    );

    println!("SQLite:");
    let dir = std::env::temp_dir().join(unique("loket-probe-storage-"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("loket.db").display());
    let ids = write_slice(&url, n, &cal, start).await;
    let rows = synthesised(&cal, start_day, &ids);
    {
        let mut c = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        insert_all!(c, &rows);
        c.close().await.expect("close");
    }
    report("after VACUUM (dbstat)", sqlite_sizes(&url).await, n);
    let _ = std::fs::remove_dir_all(&dir);

    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        println!("PostgreSQL: skipped (TEST_DATABASE_URL is not set)");
        return;
    };
    println!("PostgreSQL:");
    let name = unique("loket_probe_storage_");
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect TEST_DATABASE_URL");
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create database");
    let url = with_database(&admin_url, &name);
    let ids = write_slice(&url, n, &cal, start).await;
    let rows = synthesised(&cal, start_day, &ids);
    {
        let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
        insert_all!(c, &rows);
        c.close().await.expect("close");
    }
    report("as written", postgres_sizes(&url, false).await, n);
    report(
        "after VACUUM (pg_total_relation_size)",
        postgres_sizes(&url, true).await,
        n,
    );
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop database");
    admin.close().await.expect("close");
}
