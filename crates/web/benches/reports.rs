//! The monthly report at scale: 10 customers with 100,000 tickets each decided in October
//! 2026 (1,000,000 in all), on SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set).
//! Measured: one customer's month (target ≤ 200 ms) and all customers' month (≤ 2 s), as
//! `AppState::report_for` computes them — every query, the figures, the list of missed
//! targets with their reasons and the distribution of resolution times.
//!
//! The tickets are written straight into the tables with one `INSERT … SELECT` each (filing a
//! million through the API is measured by the `desk` bench); their shape follows the standard
//! agreement: 80% incidents over the four priorities, 15% questions, 5% RFCs; 6% of the
//! percentile bounds and 2% of the hard bounds missed; decisions spread over the month.
//!
//! `cargo bench -p web --bench reports` (options after `--`: `--per-customer N`, `--quick`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use desk::clock::SystemClock;
use sla::{Month, Priority, TicketKind};
use store::{NewPerson, OrgId, Role, Scope, Store};
use web::{AppState, Config};

mod common;
use common::exec;

const CUSTOMERS: i64 = 10;

fn per_customer() -> i64 {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    args.iter()
        .position(|a| a == "--per-customer")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 10_000 } else { 100_000 })
}

/// `within` of each bound of the standard agreement, as the report stores it.
fn within(kind: TicketKind, p: Priority, bound: usize) -> String {
    let policy = sla::Policy::standard().expect("standard");
    let bounds = &policy.targets.for_ticket(kind, p).bounds;
    bounds
        .get(bound)
        .map(|b| b.within.to_string())
        .unwrap_or_default()
}

/// A SQL CASE picking a text by `i % n`.
fn pick(expr: &str, values: &[String]) -> String {
    let mut s = format!("CASE {expr} % {}", values.len());
    for (k, v) in values.iter().enumerate() {
        s.push_str(&format!(" WHEN {k} THEN '{v}'"));
    }
    s.push_str(" END");
    s
}

/// Loads `CUSTOMERS × per` tickets decided in `[from, to)` (ms) with their targets.
async fn load(url: &str, orgs: &[(i64, i64, i64)], per: i64, month: i64, from: i64, to: i64) {
    let n = CUSTOMERS * per;
    let pg = url.starts_with("postgres");
    let series = if pg {
        format!("SELECT g AS i FROM generate_series(CAST(1 AS BIGINT), {n}) AS g")
    } else {
        format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             SELECT i FROM s"
        )
    };
    let org_of = |col: usize| {
        let vals: Vec<String> = orgs
            .iter()
            .map(|o| [o.0, o.1, o.2][col].to_string())
            .collect();
        let mut s = format!("CASE i % {CUSTOMERS}");
        for (k, v) in vals.iter().enumerate() {
            s.push_str(&format!(" WHEN {k} THEN {v}"));
        }
        s.push_str(" END");
        s
    };
    let span = to - from;
    // Kind by i % 20: 0–15 incident, 16–18 question, 19 RFC; priority by (i / 20) % 4.
    let kind =
        "CASE WHEN i % 20 < 16 THEN 'incident' WHEN i % 20 < 19 THEN 'question' ELSE 'rfc' END";
    let priorities: Vec<String> = Priority::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    let priority = format!(
        "CASE WHEN i % 20 < 16 THEN {} ELSE NULL END",
        pick("(i / 20)", &priorities)
    );
    let decided = format!("{from} + ((i * 7919) % {span})");
    let tickets = format!(
        "INSERT INTO tickets (id, org_id, agreement_id, kind, priority, status, channel, subject, \
         reporter_id, received_at, created_at, updated_at, clock_start, next_deadline, queue_at, \
         sla_outcome, paused, event_count) \
         SELECT i, {org}, {agreement}, {kind}, {priority}, 'resolved', 'portal', \
         'Melding ' || i, {reporter}, {decided} - 3600000, {decided} - 3600000, {decided}, \
         {decided} - 3600000, NULL, NULL, 'met', 0, 2 FROM ({series}) AS s",
        org = org_of(0),
        reporter = org_of(1),
        agreement = org_of(2),
    );
    // Targets: bound 0 for all; bound 1 for incidents and questions.
    let mut within0 = Vec::new();
    let mut within1 = Vec::new();
    for p in Priority::ALL {
        within0.push(within(TicketKind::Incident, *p, 0));
        within1.push(within(TicketKind::Incident, *p, 1));
    }
    let w0 = format!(
        "CASE WHEN i % 20 < 16 THEN {} WHEN i % 20 < 19 THEN '{}' ELSE '{}' END",
        pick("(i / 20)", &within0),
        within(TicketKind::Question, Priority::Normal, 0),
        within(TicketKind::Rfc, Priority::Normal, 0)
    );
    let w1 = format!(
        "CASE WHEN i % 20 < 16 THEN {} ELSE '{}' END",
        pick("(i / 20)", &within1),
        within(TicketKind::Question, Priority::Normal, 1)
    );
    let org = org_of(0);
    let targets = format!(
        "INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, deadline, outcome, \
         decided_at, business_used, budget, priority, decided_month, bin, org_id) \
         SELECT i, 0, CASE WHEN i % 20 = 19 THEN 10000 ELSE 9000 END, {w0}, {decided}, \
         CASE WHEN (i * 31) % 100 < 6 THEN 'missed' ELSE 'met' END, {decided}, \
         (i * 37) % 28800, 14400, {priority}, {month}, \
         CASE WHEN i % 20 >= 16 THEN NULL WHEN (i * 37) % 28800 > 21600 THEN 12 \
         ELSE ((i * 37) % 28800) * 12 / 21600 END, {org} FROM ({series}) AS s; \
         INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, deadline, outcome, \
         decided_at, business_used, budget, priority, decided_month, bin, org_id) \
         SELECT i, 1, 10000, {w1}, {decided}, \
         CASE WHEN (i * 31) % 100 < 2 THEN 'missed' ELSE 'met' END, {decided}, \
         (i * 37) % 28800, 21600, {priority}, {month}, NULL, {org} FROM ({series}) AS s \
         WHERE i % 20 < 19; \
         UPDATE tickets SET miss_reason = 'Wachten op de leverancier' WHERE id % 97 = 0"
    );
    exec(url, &tickets).await;
    exec(url, &targets).await;
    // The report totals as the application keeps them, summed once from the loaded targets.
    let totals = format!(
        "INSERT INTO report_totals (month, org_id, kind, priority, bound, percent_bp, within, \
         outcome, bin, n) \
         SELECT {month}, t.org_id, t.kind, COALESCE(g.priority, ''), g.bound, g.percent_bp, \
         g.within, g.outcome, COALESCE(g.bin, -1), COUNT(*) \
         FROM ticket_targets g JOIN tickets t ON t.id = g.ticket_id \
         GROUP BY t.org_id, t.kind, g.priority, g.bound, g.percent_bp, g.within, g.outcome, g.bin"
    );
    exec(url, &totals).await;
    exec(url, "ANALYZE").await;
}

fn summary(name: &str, mut samples: Vec<Duration>, target: Duration) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = samples[samples.len() / 2];
    let worst = *samples.last().expect("samples");
    println!(
        "{name}: best {:.1} ms, median {:.1} ms, worst {:.1} ms over {} runs (target ≤ {} ms) {}",
        ms(samples[0]),
        ms(median),
        ms(worst),
        samples.len(),
        target.as_millis(),
        if median <= target { "ok" } else { "OVER" }
    );
}

async fn run(url: &str, per: i64) {
    println!(
        "\n== {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let store = Store::connect(url).await.expect("store");
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Config::default());
    let mut orgs = Vec::new();
    for i in 0..CUSTOMERS {
        let org = store
            .create_org(&format!("Klant {i:02}"), 0)
            .await
            .expect("org");
        let agreement = match store.agreements(&Scope::System, org.id).await {
            Ok(a) if !a.is_empty() => a[0].id.0,
            _ => {
                store
                    .add_agreement(
                        &Scope::System,
                        &store::NewAgreement {
                            org_id: org.id,
                            name: "Standaard".into(),
                            policy: String::new(),
                            effective_from: 0,
                            document_ref: None,
                        },
                        0,
                    )
                    .await
                    .expect("agreement")
                    .id
                    .0
            }
        };
        let (reporter, _) = state
            .create_person(
                None,
                NewPerson {
                    email: format!("beheerder{i}@klant{i}.example"),
                    name: format!("Beheerder {i}"),
                    role: Role::CustomerAdmin,
                    org_id: Some(org.id),
                    lang: "nl".into(),
                    password_hash: None,
                },
            )
            .await
            .expect("customer admin");
        orgs.push((org.id.0, reporter.id.0, agreement));
    }
    let month = Month::new(2026, 10).expect("month");
    let cal = sla::Policy::standard()
        .expect("standard")
        .compile_calendar()
        .expect("calendar");
    let (from, to) = month.span(&cal).expect("span");
    let started = Instant::now();
    load(
        url,
        &orgs,
        per,
        month.key(),
        from.as_millisecond(),
        to.as_millisecond(),
    )
    .await;
    println!(
        "loaded {} tickets ({} per customer) in {:.1} s",
        CUSTOMERS * per,
        per,
        started.elapsed().as_secs_f64()
    );

    let one = OrgId(orgs[3].0);
    let r = state
        .report_for(&Scope::System, Some(one), month)
        .await
        .expect("report");
    let counted: u32 = r.sections[0].targets.iter().map(|t| t.counted).sum();
    println!(
        "one customer: {counted} targets counted, {} missed lines",
        r.missed.len()
    );
    let mut samples = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let r = state
            .report_for(&Scope::System, Some(one), month)
            .await
            .expect("report");
        samples.push(t.elapsed());
        std::hint::black_box(r);
    }
    summary(
        &format!("one customer's month ({per} tickets)"),
        samples,
        Duration::from_millis(200),
    );
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = state
            .report_for(&Scope::System, None, month)
            .await
            .expect("report");
        samples.push(t.elapsed());
        std::hint::black_box(r);
    }
    summary(
        &format!("all customers' month ({} tickets)", CUSTOMERS * per),
        samples,
        Duration::from_secs(2),
    );
    store.close().await;
}

fn main() {
    let per = per_customer();
    common::on_each_database("report", |url| async move { run(&url, per).await });
}
