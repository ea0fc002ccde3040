//! Benchmark: the CPU cost of monitoring 1,000 HTTP monitors at 30 s intervals through the
//! whole pipeline: scheduler → probe → outage detector → `record_probe` into SQLite.
//!
//! Run with `cargo bench -p web --bench monitoring` (120 s measured) or `... -- --quick` (15 s);
//! `--seconds N` sets any other period.
//!
//! Method:
//! - The targets are one HTTP server (axum, paths `/m/{i}`) in a **child process**: this same
//!   binary started again with `--serve-target`. Its CPU is printed separately, not counted.
//! - This process is a loket instance: a SQLite store in a temporary directory (WAL, as
//!   `loket serve` opens it) with 1,000 active HTTP monitors (keyword check, fail after 2,
//!   recover after 2) made through the store, and the real runner
//!   (`desk::monitoring::spawn` with the default configuration: lease renewed every 5 s,
//!   monitors reloaded every 10 s, probes at the scheduler's default concurrency).
//! - CPU is `utime + stime` of this whole process from `/proc/self/stat`, taken once the
//!   runner holds the lease and has loaded the monitors, and again at the end, so setup is
//!   excluded and everything the runner does (probes, detector, SQLite writes, lease, reloads)
//!   is included. Percent of one core = CPU seconds / wall seconds × 100. Goal: under 10 %.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use desk::clock::SystemClock;
use desk::monitoring::RunnerConfig;
use store::{MonitorKind, MonitorSettings, Scope, Store};

const MONITORS: i64 = 1_000;
const INTERVAL_S: i64 = 30;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--serve-target") {
        serve_target();
        return;
    }
    let seconds = match args.iter().position(|a| a == "--seconds") {
        Some(i) => args[i + 1].parse().expect("--seconds takes a number"),
        None if args.iter().any(|a| a == "--quick") => 15,
        None => 120,
    };
    measure(Duration::from_secs(seconds));
}

/// The child process: serves `/m/{i}` on 127.0.0.1 until its stdin closes (the parent ended).
fn serve_target() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        std::thread::spawn(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(0);
        });
        let app = axum::Router::new().route(
            "/m/{id}",
            axum::routing::get(
                |axum::extract::Path(id): axum::extract::Path<u32>| async move {
                    format!("<html><body>monitor {id}: all systems operational</body></html>")
                },
            ),
        );
        axum::serve(listener, app).await.unwrap();
    });
}

fn measure(period: Duration) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .arg("--serve-target")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    let dir = std::env::temp_dir().join(format!("loket-bench-monitoring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(async {
        let url = format!("sqlite:{}", dir.join("loket.db").display());
        let store = Store::connect(&url).await.unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        let org = store.create_org("Bench", now).await.unwrap().id;
        let env = store
            .create_environment(&Scope::System, org, "Productie", now)
            .await
            .unwrap()
            .id;
        for i in 1..=MONITORS {
            let settings = MonitorSettings {
                kind: MonitorKind::Http,
                target: format!("http://127.0.0.1:{port}/m/{i}"),
                expected_status: None,
                keyword: Some("operational".into()),
                latency_limit_ms: None,
                interval_s: INTERVAL_S,
                fail_after: 2,
                recover_after: 2,
                push_token_hash: None,
                allow_internal: true,
            };
            store
                .create_monitor(&Scope::System, env, &settings, now)
                .await
                .unwrap();
        }
        let state =
            web::AppState::new(store.clone(), Arc::new(SystemClock), web::Config::default());
        let runner = desk::monitoring::spawn(state.desk.clone(), "bench", RunnerConfig::default());
        while !runner.stats.leading.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let recorded_start = runner.stats.recorded.load(Ordering::Relaxed);
        let cpu_start = cpu_seconds("self");
        let wall_start = std::time::Instant::now();
        tokio::time::sleep(period).await;
        let cpu = cpu_seconds("self") - cpu_start;
        let wall = wall_start.elapsed().as_secs_f64();
        let recorded = runner.stats.recorded.load(Ordering::Relaxed) - recorded_start;
        let errors = runner.stats.errors.load(Ordering::Relaxed);
        runner.stop().await;
        let outages = store
            .outages(&Scope::System, env, 0, i64::MAX)
            .await
            .unwrap()
            .len();
        store.close().await;
        (recorded, errors, outages, cpu, wall)
    });
    let (recorded, errors, outages, cpu, wall) = report;
    let child_cpu = cpu_seconds(&child.id().to_string());
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let expected = MONITORS as f64 * wall / INTERVAL_S as f64;
    println!(
        "monitoring bench: {MONITORS} HTTP monitors every {INTERVAL_S} s through scheduler → \
         detector → record_probe (SQLite), measured {wall:.1} s"
    );
    println!(
        "  results recorded {recorded} (expected ≈ {expected:.0}), errors {errors}, outages {outages}"
    );
    println!(
        "  process CPU      {cpu:.2} s = {:.2} % of one core (goal < 10 %)",
        cpu / wall * 100.0
    );
    println!(
        "  per result       {:.0} µs CPU",
        cpu / recorded.max(1) as f64 * 1e6
    );
    println!("  target server    {child_cpu:.2} s CPU in its own process, whole run (not counted)");
}

/// utime + stime of a process (`self` or a pid) in seconds, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command name (in parentheses, may contain spaces): utime is field 14, stime 15.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / clock_ticks_per_second()
}

/// `getconf CLK_TCK`, normally 100.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
