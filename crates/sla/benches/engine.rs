//! Criterion benchmarks of the SLA engine: deadlines per second for short and long durations,
//! elapsed business time, clocks of a ticket, monthly availability, and compiling a calendar
//! and a policy.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sla::{
    AvailabilityRules, Calendar, EventKind, ExcludedCause, Month, Outage, PlannedMaintenance,
    Policy, PolicyDuration, Priority, TicketEvent, TicketKind, monthly_availability,
};

const BATCH: usize = 4096;

/// Deterministic instants spread over 2020–2030 (xorshift), so lookups are not cache-friendly.
fn starts() -> Vec<i64> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let from = 1_577_836_800i64; // 2020-01-01
    let span = 10 * 365 * 86_400u64;
    (0..BATCH)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            from + (x % span) as i64
        })
        .collect()
}

fn deadlines(c: &mut Criterion) {
    let policy = Policy::standard().expect("standard policy");
    let cal = policy.compile_calendar().expect("calendar");
    let starts = starts();
    let mut g = c.benchmark_group("deadline");
    g.throughput(Throughput::Elements(BATCH as u64));
    let durations = [
        ("4 hours", "4 hours"),
        ("1 working_day", "1 working_day"),
        ("3 working_days", "3 working_days"),
        ("22 working_days", "22 working_days"),
        ("2 weeks", "2 weeks"),
        ("1 month", "1 month"),
    ];
    for (name, text) in durations {
        let d: PolicyDuration = text.parse().expect("duration");
        g.bench_with_input(BenchmarkId::from_parameter(name), &d, |b, d| {
            b.iter(|| {
                let mut acc = 0i64;
                for &s in &starts {
                    acc ^= cal.due_second(black_box(s), d).unwrap_or(0);
                }
                acc
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("elapsed");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("one month apart", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for &s in &starts {
                acc ^= cal
                    .elapsed_seconds(black_box(s), s + 30 * 86_400)
                    .unwrap_or(0);
            }
            acc
        })
    });
    g.finish();
}

fn clocks_and_setup(c: &mut Criterion) {
    let policy = Policy::standard().expect("standard policy");
    let cal = policy.compile_calendar().expect("calendar");
    let t = |s: &str| s.parse::<jiff::Timestamp>().expect("instant");
    let events = [
        TicketEvent {
            at: t("2026-11-27T18:15:00+01:00"),
            kind: EventKind::Created {
                kind: TicketKind::Incident,
                priority: Some(Priority::Normal),
            },
        },
        TicketEvent {
            at: t("2026-11-30T10:00:00+01:00"),
            kind: EventKind::PriorityChanged {
                to: Priority::Urgent,
            },
        },
        TicketEvent {
            at: t("2026-11-30T11:00:00+01:00"),
            kind: EventKind::Resolved,
        },
        TicketEvent {
            at: t("2026-12-01T09:30:00+01:00"),
            kind: EventKind::Reopened,
        },
        TicketEvent {
            at: t("2026-12-01T12:00:00+01:00"),
            kind: EventKind::Resolved,
        },
    ];
    let now = t("2026-12-15T12:00:00+01:00");
    c.bench_function("clocks of a ticket with 5 events", |b| {
        b.iter(|| sla::compute(black_box(&events), &policy, &cal, now))
    });
    c.bench_function("compile the NL calendar 1970-2200", |b| {
        b.iter(|| Calendar::new(black_box(policy.calendar.clone())))
    });
    c.bench_function("parse the standard policy", |b| b.iter(Policy::standard));
}

fn availability(c: &mut Criterion) {
    let policy = Policy::standard().expect("standard policy");
    let cal = policy.compile_calendar().expect("calendar");
    let (start, end) = Month::new(2026, 10)
        .expect("month")
        .span(&cal)
        .expect("span");
    let (start, end) = (start.as_second(), end.as_second());
    let len = end - start;
    // 100 outages of up to 3 hours spread over the month, some overlapping, some with a cause.
    let outages: Vec<Outage> = starts()
        .iter()
        .take(100)
        .enumerate()
        .map(|(i, &x)| {
            let at = start + x.rem_euclid(len);
            Outage {
                start: at,
                end: Some(at + x.rem_euclid(3 * 3600)),
                cause: (i % 4 == 0).then(|| ExcludedCause::ALL[i / 4 % 4]),
            }
        })
        .collect();
    // 5 planned maintenances, 4 hours each; every other one announced too late.
    let planned: Vec<PlannedMaintenance> = (0..5)
        .map(|i| {
            let at = start + (i * 6 + 2) * 86_400 + 20 * 3600;
            PlannedMaintenance {
                start: at,
                end: at + 4 * 3600,
                announced_at: at - if i % 2 == 0 { 10 } else { 1 } * 86_400,
            }
        })
        .collect();
    let rules = AvailabilityRules::from(&policy.availability);
    c.bench_function(
        "monthly availability, 100 outages and 5 maintenances",
        |b| {
            b.iter(|| {
                monthly_availability(
                    &cal,
                    black_box(start),
                    end,
                    end,
                    &rules,
                    black_box(&planned),
                    black_box(&outages),
                )
            })
        },
    );
}

criterion_group!(benches, deadlines, clocks_and_setup, availability);
criterion_main!(benches, civil_benches);
fn civil_only(c: &mut Criterion) {
    let days: Vec<i64> = starts().iter().map(|s| s / 86_400).collect();
    let mut g = c.benchmark_group("civil");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("add_months", |b| {
        b.iter(|| {
            days.iter().fold(0i64, |acc, &d| {
                acc ^ sla::civil::add_months(black_box(d), 1)
            })
        })
    });
    g.finish();
}
criterion_group!(civil_benches, civil_only);
