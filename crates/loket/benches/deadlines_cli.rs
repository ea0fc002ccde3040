//! End-to-end throughput of `loket sla deadlines`: 2 000 000 lines through the real binary.
//!
//! Generates deterministic pseudo-random lines (instants 2020–2030 in mixed offsets, durations
//! 0 to about a month of business seconds) into a temporary file, checks one run's output
//! (its line count, and a sample of lines against the engine), then times five runs with
//! stdout to /dev/null and prints lines per second (best and median). Exits non-zero on any
//! mismatch, a failed run or any output on stderr.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use sla::Policy;
use sla::rfc3339;

/// Lines and timed runs under `cargo bench`.
const LINES: u64 = 2_000_000;
const RUNS: usize = 5;
/// Lines and timed runs when built as a test (`cargo test --all-targets`): a quick smoke run.
const SMOKE_LINES: u64 = 20_000;
const SMOKE_RUNS: usize = 1;
/// About one month of business time: 22 working days of 8.5 hours.
const MAX_BUSINESS: u64 = 22 * 30_600;
/// Every SAMPLE-th output line is checked against the engine in-process.
const SAMPLE: u64 = 997;
const OFFSETS: [i32; 7] = [
    0,
    3600,
    7200,
    -5 * 3600,
    5 * 3600 + 1800,
    -(3 * 3600 + 1800),
    0,
];

/// SplitMix64: small, deterministic, good enough to spread the inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One input line (without its newline) for the i-th draw.
fn line(rng: &mut Rng, out: &mut Vec<u8>) {
    let from = rfc3339::parse("2020-01-01T00:00:00Z").unwrap_or(0);
    let to = rfc3339::parse("2031-01-01T00:00:00Z").unwrap_or(0);
    let utc = from + rng.below((to - from) as u64) as i64;
    let which = rng.below(OFFSETS.len() as u64) as usize;
    let offset = OFFSETS[which];
    let text = rfc3339::format(utc, offset);
    let with_fraction = rng.below(8) == 0;
    out.clear();
    out.extend_from_slice(&text[..19]);
    if with_fraction {
        out.extend_from_slice(b".250");
    }
    if which == 0 {
        out.push(b'Z');
    } else {
        out.extend_from_slice(&text[19..]);
    }
    out.push(b',');
    let business = match rng.below(4) {
        0 => rng.below(8 * 3600 + 1),
        _ => rng.below(MAX_BUSINESS + 1),
    };
    out.extend_from_slice(business.to_string().as_bytes());
}

fn generate(path: &Path, lines: u64) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(b"opened_at,business_seconds\n")?;
    let mut rng = Rng(0x10CE7);
    let mut buf = Vec::with_capacity(64);
    let mut bytes = 0u64;
    for _ in 0..lines {
        line(&mut rng, &mut buf);
        buf.push(b'\n');
        bytes += buf.len() as u64;
        w.write_all(&buf)?;
    }
    w.flush()?;
    Ok(bytes)
}

fn run(input: &Path, stdout: Stdio) -> Result<Duration, String> {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_loket"))
        .args(["sla", "deadlines"])
        .stdin(File::open(input).map_err(|e| e.to_string())?)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run loket: {e}"))?;
    let took = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "loket exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if !out.stderr.is_empty() {
        return Err(format!(
            "unexpected stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(took)
}

/// Checks the output file: header, line count, and a sample of lines against the engine.
fn verify(output: &Path, lines: u64) -> Result<(), String> {
    let calendar = Policy::standard()
        .map_err(|e| e.to_string())?
        .compile_calendar()
        .map_err(|e| e.to_string())?;
    let reader = BufReader::new(File::open(output).map_err(|e| e.to_string())?);
    let mut count = 0u64;
    for (i, l) in reader.split(b'\n').enumerate() {
        let l = l.map_err(|e| e.to_string())?;
        count += 1;
        if i == 0 {
            if l != b"opened_at,business_seconds,deadline" {
                return Err(format!("bad header {:?}", String::from_utf8_lossy(&l)));
            }
            continue;
        }
        if !(i as u64).is_multiple_of(SAMPLE) {
            continue;
        }
        let text = String::from_utf8(l).map_err(|e| e.to_string())?;
        let mut parts = text.split(',');
        let (Some(opened), Some(secs), Some(got), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {}: not three fields: {text}", i + 1));
        };
        let start = rfc3339::parse(opened).map_err(|e| e.to_string())?;
        let secs: i64 = secs.parse().map_err(|_| format!("bad seconds in {text}"))?;
        let due = calendar
            .deadline_second(start, secs)
            .map_err(|e| e.to_string())?;
        let want = rfc3339::format(due, calendar.offset_at_second(due));
        if got.as_bytes() != want {
            return Err(format!(
                "line {}: got {got}, want {}",
                i + 1,
                String::from_utf8_lossy(&want)
            ));
        }
    }
    if count != lines + 1 {
        return Err(format!(
            "stdout has {count} lines, expected {} (header + {lines})",
            lines + 1
        ));
    }
    Ok(())
}

fn bench(lines: u64, runs: usize) -> Result<(), String> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let input = dir.join(format!("deadlines_cli_input_{}.csv", std::process::id()));
    let output = dir.join(format!("deadlines_cli_output_{}.csv", std::process::id()));
    let result = (|| {
        let bytes = generate(&input, lines).map_err(|e| format!("cannot write the input: {e}"))?;
        println!(
            "deadlines_cli: {lines} lines, {:.1} MB of input",
            bytes as f64 / 1e6
        );
        let file = File::create(&output).map_err(|e| e.to_string())?;
        let took = run(&input, Stdio::from(file))?;
        verify(&output, lines)?;
        println!(
            "check run (stdout to a file, output verified): {:.3} s, {:.0} lines/s",
            took.as_secs_f64(),
            lines as f64 / took.as_secs_f64()
        );
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs {
            let devnull = File::create("/dev/null").map_err(|e| e.to_string())?;
            let t = run(&input, Stdio::from(devnull))?;
            println!(
                "run {}: {:.3} s, {:.0} lines/s",
                i + 1,
                t.as_secs_f64(),
                lines as f64 / t.as_secs_f64()
            );
            times.push(t);
        }
        times.sort();
        let rate = |t: Duration| lines as f64 / t.as_secs_f64();
        println!(
            "deadlines_cli: best {:.0} lines/s, median {:.0} lines/s ({runs} runs, stdout to /dev/null)",
            rate(times[0]),
            rate(times[runs / 2])
        );
        Ok(())
    })();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    result
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; built as a test (`cargo test --all-targets`) it does not,
    // and then a quick smoke run checks the same things on fewer lines.
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    // `-- --quick` (the test suite's run) keeps the full input but times one run.
    let quick = std::env::args().any(|a| a == "--quick");
    let (lines, runs) = if !std::env::args().any(|a| a == "--bench") {
        (SMOKE_LINES, SMOKE_RUNS)
    } else if quick {
        (LINES, 1)
    } else {
        (LINES, RUNS)
    };
    match bench(lines, runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deadlines_cli: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
