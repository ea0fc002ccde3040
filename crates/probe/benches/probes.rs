//! Benchmark: the CPU cost of probing 1,000 HTTP monitors at 30 s intervals.
//!
//! Run with `cargo bench -p probe --bench probes` (120 s measured) or `... -- --quick` (15 s);
//! `--seconds N` sets any other period.
//!
//! Method, so the numbers are honest:
//! - The targets are one HTTP server (axum, 1,000 paths `/m/{i}`) in a **child process**: this
//!   same binary started again with `--serve-target`. Its CPU is not in the prober's number; it
//!   is printed separately, read from `/proc/<child>/stat`.
//! - The prober is this process: a [`Scheduler`] on Tokio's default multi-thread runtime with
//!   the default concurrency (64), 1,000 monitors `GET http://127.0.0.1:<port>/m/{i}` every 30 s,
//!   each also checking a keyword in the body. Every probe opens a new TCP connection, sends one
//!   request and reads the response, as in production (no connection reuse).
//! - CPU is `utime + stime` of this whole process from `/proc/self/stat` (all threads, including
//!   ones that exited), taken after the monitors are added and again at the end of the period,
//!   so setup is excluded; everything else in the process (scheduler, probes, the task counting
//!   results) is included. Resolution is one clock tick (`getconf CLK_TCK`, normally 10 ms).
//! - First runs are spread over the interval by the scheduler's jitter, so the probe rate is
//!   the steady one (1,000 / 30 s ≈ 33 probes/s) from the start of the period.
//! - Percent of one core = CPU seconds / wall seconds × 100. The goal is under 10 %.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use probe::{HttpProbe, Monitor, Probe, Prober, Scheduler};
use tokio::sync::mpsc;

const MONITORS: i64 = 1_000;
const INTERVAL: Duration = Duration::from_secs(30);

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

/// The parent: probes the child's 1,000 paths for `period` and reports the CPU it used.
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

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (done, failed, latency_sum, cpu, wall) = runtime.block_on(async move {
        let (tx, mut rx) = mpsc::channel(4096);
        let scheduler = Scheduler::start(tx, Prober::new(), Scheduler::DEFAULT_CONCURRENCY);
        for id in 1..=MONITORS {
            let probe = HttpProbe::new(&format!("http://127.0.0.1:{port}/m/{id}"))
                .unwrap()
                .allow_internal(true)
                .keyword("operational");
            scheduler
                .upsert(Monitor::new(id, Probe::Http(probe), INTERVAL).unwrap())
                .unwrap();
        }
        assert_eq!(scheduler.len().await.unwrap(), 1_000);
        let counter = tokio::spawn(async move {
            let (mut done, mut failed, mut latency_sum) = (0u64, 0u64, 0u64);
            while let Some((_, result)) = rx.recv().await {
                done += 1;
                latency_sum += result.latency_ms;
                if !result.ok {
                    failed += 1;
                    if failed <= 5 {
                        eprintln!("failed probe: {result:?}");
                    }
                }
            }
            (done, failed, latency_sum)
        });
        let cpu_start = cpu_seconds("self");
        let wall_start = std::time::Instant::now();
        tokio::time::sleep(period).await;
        let cpu = cpu_seconds("self") - cpu_start;
        let wall = wall_start.elapsed().as_secs_f64();
        scheduler.shutdown().await;
        let (done, failed, latency_sum) = counter.await.unwrap();
        (done, failed, latency_sum, cpu, wall)
    });
    let child_cpu = cpu_seconds(&child.id().to_string());
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();

    let expected = MONITORS as f64 * wall / INTERVAL.as_secs_f64();
    println!(
        "probe bench: {MONITORS} HTTP monitors every {} s, measured {wall:.1} s",
        INTERVAL.as_secs()
    );
    println!("  probes done      {done} (expected ≈ {expected:.0}), failed {failed}");
    println!(
        "  mean latency     {:.2} ms",
        latency_sum as f64 / done.max(1) as f64
    );
    println!(
        "  prober CPU       {cpu:.2} s = {:.2} % of one core (goal < 10 %)",
        cpu / wall * 100.0
    );
    println!(
        "  per probe        {:.0} µs CPU",
        cpu / done.max(1) as f64 * 1e6
    );
    println!("  target server    {child_cpu:.2} s CPU in its own process, whole run (not counted)");
}

/// utime + stime of a process (`self` or a pid) in seconds, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may contain spaces):
    // state is field 3, utime field 14, stime field 15.
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
