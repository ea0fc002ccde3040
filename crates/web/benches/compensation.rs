//! Compensation at scale (issue #12): 1,000 customers with five years of escalations each, on
//! SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set). Measured through the router
//! (authentication, the service, JSON or CSV), p99 over repeated calls:
//! - the service manager's overview of every customer's escalation (target ≤ 50 ms p99);
//! - the ledger export of one invoice month, JSON and the Dutch CSV (target ≤ 100 ms p99).
//!
//! The history is made by the desk itself, not written around it: two template customers are
//! taken through five years (2022–2026) with the injected clock — every January an urgent
//! incident that misses both targets, a request in February, the consultation, two follow-ups
//! without progress, the claim, and the monthly processing that ends the escalation when a
//! month passes without overrun. The first template's 2026 escalation keeps running: every
//! month after its claim misses again, so the discount climbs the ladder. Each template's
//! escalations, steps and ledger entries are then copied to 499 customers of their own in one
//! `INSERT … SELECT` per table, and the bench checks that the overview sees exactly what it
//! should before it measures.
//!
//! `cargo bench -p web --bench compensation` (options after `--`: `--customers N`, `--quick`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use desk::Caller;
use desk::clock::FixedClock;
use desk::compensation::{Attendee, ClaimInput, MeetingInput, RequestInput, Side};
use jiff::Timestamp;
use jiff::civil::Date;
use sla::{Month, Priority, TicketKind};
use store::{NewPerson, OrgId, Role, Scope, Store};
use tower::ServiceExt;
use web::{AppState, Config};

mod common;
use common::{exec, percentile, token_for};

/// The instant the overview is taken: Monday 16 November 2026, mid-morning.
const NOW: &str = "2026-11-16T10:00:00Z";
/// The invoice month exported.
const LEDGER_MONTH: &str = "2026-11";

struct Options {
    customers: i64,
    samples: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    let customers = args
        .iter()
        .position(|a| a == "--customers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    Options {
        customers,
        samples: if quick { 30 } else { 300 },
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("instant")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn caller(state: &AppState, token: &str) -> Caller {
    state.authenticate(Some(token), None).await.expect("caller")
}

/// The first working day (Monday to Friday, not 1 January) on or after `d`.
fn working_day(mut d: Date) -> Date {
    loop {
        let weekday = d.weekday().to_monday_one_offset();
        if weekday <= 5 && !(d.month() == 1 && d.day() == 1) {
            return d;
        }
        d = d.tomorrow().expect("date");
    }
}

/// One template customer: its administrator's caller.
struct Template {
    org: OrgId,
    admin: Caller,
    admin_id: i64,
}

/// An urgent incident filed on the first working day from `day` at 10:00 UTC, left unresolved
/// until the evening: both bounds missed, so its month is an overrun month.
async fn miss(state: &AppState, clock: &FixedClock, t: &Template, day: Date) {
    let day = working_day(day);
    clock.set(at(&format!("{day}T10:00:00Z")));
    state
        .file_ticket(
            &t.admin,
            desk::tickets::FileTicket {
                kind: TicketKind::Incident,
                priority: Some(Priority::Urgent),
                subject: format!("Storing {day}"),
                description: String::new(),
                organization_id: None,
                reporter_id: None,
                received_at: None,
            },
        )
        .await
        .expect("file");
    clock.set(at(&format!("{day}T20:00:00Z")));
    while state.refresh_clocks().await.expect("refresh") >= 500 {}
}

fn meeting(t: &Template, manager_id: i64, held_on: Date) -> MeetingInput {
    MeetingInput {
        held_on,
        attendees: vec![
            Attendee {
                name: "Beheerder".into(),
                side: Side::Customer,
                person_id: Some(t.admin_id),
            },
            Attendee {
                name: "Servicemanager".into(),
                side: Side::Vendor,
                person_id: Some(manager_id),
            },
        ],
        incidents: None,
        agreements: Vec::new(),
        minutes: Some("Oorzaken besproken.".into()),
        meeting_id: None,
    }
}

/// Runs the monthly processing on the first of every month from `from` through `until`.
async fn months(state: &AppState, clock: &FixedClock, from: Month, until: Month) {
    let mut m = from;
    while m <= until {
        clock.set(at(&format!("{m}-01T06:00:00Z")));
        let run = state.month_ended(None).await.expect("monthly processing");
        assert!(
            run.failed.is_empty(),
            "monthly processing: {:?}",
            run.failed
        );
        m = m.next();
    }
}

/// Five years of escalations for a template customer; the 2026 one keeps running when
/// `running` (every month after its claim misses again).
async fn history(
    state: &AppState,
    clock: &FixedClock,
    t: &Template,
    manager: &Caller,
    manager_id: i64,
    running: bool,
) {
    for year in 2022..=2026i16 {
        let jan = Date::new(year, 1, 12).expect("date");
        miss(state, clock, t, jan).await;
        clock.set(at(&format!("{year}-02-03T09:00:00Z")));
        let overrun: Month = format!("{year}-01").parse().expect("month");
        state
            .request_consultation(
                &t.admin,
                t.org,
                RequestInput {
                    months: vec![overrun],
                    on_behalf_of: None,
                },
            )
            .await
            .expect("request");
        let held = working_day(Date::new(year, 2, 10).expect("date"));
        clock.set(at(&format!("{held}T14:00:00Z")));
        let mut v = state
            .record_consultation(manager, t.org, meeting(t, manager_id, held))
            .await
            .expect("consultation");
        for _ in 0..2 {
            let next: Date = v
                .next_follow_up
                .as_deref()
                .expect("follow-up planned")
                .parse()
                .expect("date");
            clock.set(at(&format!("{next}T14:00:00Z")));
            v = state
                .record_follow_up(
                    manager,
                    t.org,
                    meeting(t, manager_id, next),
                    false,
                    "Geen voortgang",
                )
                .await
                .expect("follow-up")
                .escalation;
        }
        let entitled: Date = v
            .entitled_from
            .as_deref()
            .expect("entitled")
            .parse()
            .expect("date");
        clock.set(at(&format!("{entitled}T15:00:00Z")));
        state
            .claim(&t.admin, t.org, ClaimInput { on_behalf_of: None })
            .await
            .expect("claim");
        let claimed = Month {
            year: entitled.year(),
            month: entitled.month(),
        };
        if running && year == 2026 {
            // Every month from the claim's through October misses: the ladder climbs.
            let mut m = claimed;
            while m <= "2026-10".parse().expect("month") {
                miss(
                    state,
                    clock,
                    t,
                    Date::new(m.year, m.month, 14).expect("date"),
                )
                .await;
                m = m.next();
            }
            months(
                state,
                clock,
                claimed.next(),
                "2026-11".parse().expect("month"),
            )
            .await;
        } else {
            // The month after the claim passes without overrun and ends the escalation.
            months(state, clock, claimed.next(), claimed.next().next()).await;
            let v = state.escalation(manager, t.org).await.expect("view");
            assert_eq!(v.stage, "idle", "{year}: the escalation ended");
        }
    }
}

/// Copies a template customer's escalations, steps and ledger entries to every customer in
/// `[first, last]` whose id has the template's parity. Escalation ids are `id + 100 × org`
/// (a template has fewer than 100), so steps and entries follow their escalation.
async fn copy_history(url: &str, template: i64, first: i64, last: i64) {
    let targets = format!(
        "o.id BETWEEN {first} AND {last} AND o.id % 2 = {}",
        template % 2
    );
    let sql = format!(
        "INSERT INTO escalations (id, org_id, opened_at, ended_at) \
         SELECT e.id + 100 * o.id, o.id, e.opened_at, e.ended_at \
         FROM escalations e, organizations o WHERE e.org_id = {template} AND {targets}; \
         INSERT INTO escalation_steps (escalation_id, org_id, seq, kind, at, actor_id, \
         month_key, detail) \
         SELECT s.escalation_id + 100 * o.id, o.id, s.seq, s.kind, s.at, s.actor_id, \
         s.month_key, s.detail \
         FROM escalation_steps s, organizations o WHERE s.org_id = {template} AND {targets}; \
         INSERT INTO discount_entries (org_id, escalation_id, invoice_month, percent, fee_cents, \
         amount_cents, overrun_month, report_sha256, created_at, created_by) \
         SELECT o.id, d.escalation_id + 100 * o.id, d.invoice_month, d.percent, d.fee_cents, \
         d.amount_cents, d.overrun_month, d.report_sha256, d.created_at, d.created_by \
         FROM discount_entries d, organizations o WHERE d.org_id = {template} AND {targets};"
    );
    exec(url, &sql).await;
}

/// p50 and p99 of `samples` calls of `path` through the router, each answered 200.
async fn measure(
    state: &AppState,
    token: &str,
    path: &str,
    samples: usize,
) -> (Duration, Duration, usize) {
    let app = web::router(state.clone());
    let mut times = Vec::with_capacity(samples);
    let mut size = 0;
    for _ in 0..samples + 3 {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let started = Instant::now();
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let took = started.elapsed();
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        size = body.len();
        times.push(took);
    }
    // The first calls warm the caches (compiled agreements); they are not counted.
    let mut times = times.split_off(3);
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99), size)
}

async fn run(url: &str, opts: &Options) {
    println!(
        "\n== {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let store = Store::connect(url).await.expect("store");
    let clock = Arc::new(FixedClock::new(at("2021-12-01T09:00:00Z")));
    let state = AppState::new(store.clone(), clock.clone(), Config::default());
    let person = |email: String, name: &str, role: Role, org: Option<OrgId>| NewPerson {
        email,
        name: name.into(),
        role,
        org_id: org,
        lang: "nl".into(),
        password_hash: None,
    };
    let (admin, _) = state
        .create_person(
            None,
            person("admin@bench.example".into(), "Beheer", Role::Admin, None),
        )
        .await
        .expect("admin");
    let admin_token = token_for(&store, admin.id).await;
    let vendor = caller(&state, &admin_token).await;
    let (manager, _) = state
        .create_person(
            Some(&vendor),
            person(
                "sm@bench.example".into(),
                "Servicemanager",
                Role::ServiceManager,
                None,
            ),
        )
        .await
        .expect("manager");
    let manager_token = token_for(&store, manager.id).await;
    let manager_caller = caller(&state, &manager_token).await;

    let started = Instant::now();
    let mut orgs = Vec::new();
    let mut templates = Vec::new();
    for i in 0..opts.customers {
        let org = state
            .create_org(&vendor, &format!("Klant {i:04}"))
            .await
            .expect("org");
        orgs.push(org.id);
        if i < 2 {
            let (a, _) = state
                .create_person(
                    Some(&vendor),
                    person(
                        format!("beheer{i}@klant{i}.example"),
                        "Beheerder",
                        Role::CustomerAdmin,
                        Some(org.id),
                    ),
                )
                .await
                .expect("customer admin");
            let token = token_for(&store, a.id).await;
            store
                .add_agreement(
                    &Scope::System,
                    &store::NewAgreement {
                        org_id: org.id,
                        name: "Met abonnementsprijs".into(),
                        policy: "[compensation]\nmonthly_fee_cents = 250000\n".into(),
                        effective_from: at("2021-01-01T00:00:00Z").as_millisecond(),
                        document_ref: None,
                    },
                    at("2021-12-01T09:00:00Z").as_millisecond(),
                )
                .await
                .expect("agreement");
            templates.push(Template {
                org: org.id,
                admin: caller(&state, &token).await,
                admin_id: a.id.0,
            });
        }
    }
    println!(
        "  {} customers in {:.1} s",
        opts.customers,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for (k, t) in templates.iter().enumerate() {
        history(&state, &clock, t, &manager_caller, manager.id.0, k == 0).await;
    }
    println!(
        "  two template customers taken through five years in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let (first, last) = (orgs[2].0, orgs[orgs.len() - 1].0);
    for t in &templates {
        copy_history(url, t.org.0, first, last).await;
    }
    println!(
        "  history copied to {} customers in {:.1} s",
        opts.customers - 2,
        started.elapsed().as_secs_f64()
    );
    clock.set(at(NOW));

    // What the overview must show: every customer of the first template's parity in its
    // running escalation, claimed, at the percentage the template reached; the others idle.
    let template_view = state
        .escalation(&manager_caller, templates[0].org)
        .await
        .expect("template view");
    assert_eq!(template_view.stage, "discounting");
    let percent = template_view.percent.expect("percent");
    assert!(percent > 5, "the ladder climbed: {percent}%");
    // The first overview after a start replays every running escalation.
    let cold = Instant::now();
    let overview = state.overview(&manager_caller).await.expect("overview");
    let cold = cold.elapsed();
    assert_eq!(overview.len(), opts.customers as usize);
    let running = overview.iter().filter(|l| l.stage == "discounting").count();
    let parity = templates[0].org.0 % 2;
    let expected = orgs.iter().filter(|o| o.0 % 2 == parity).count();
    assert_eq!(running, expected, "running escalations");
    for l in &overview {
        if l.organization_id % 2 == parity {
            assert_eq!(
                (l.stage.as_str(), l.percent),
                ("discounting", Some(percent))
            );
        } else {
            assert_eq!((l.stage.as_str(), l.percent), ("idle", None));
        }
    }
    let steps: usize = state
        .escalation(&manager_caller, templates[1].org)
        .await
        .expect("idle view")
        .timeline
        .len();
    println!(
        "  {} customers: {running} with a running escalation at {percent}%, {} steps each in five years (idle ones)",
        overview.len(),
        steps
    );
    let month: Month = LEDGER_MONTH.parse().expect("month");
    let export = state
        .ledger_export(&manager_caller, month)
        .await
        .expect("ledger");
    assert_eq!(
        export.totals.len(),
        expected,
        "one total per running customer"
    );

    println!(
        "  first overview after a start (every running escalation replayed): {:.2} ms",
        ms(cold)
    );
    let (p50, p99, size) =
        measure(&state, &manager_token, "/api/v1/escalations", opts.samples).await;
    let verdict = |p99: Duration, target: f64| if ms(p99) <= target { "ok" } else { "OVER" };
    println!(
        "  overview of {} customers (GET /api/v1/escalations): p50 {:.2} ms p99 {:.2} ms, {:.0} KB (target ≤ 50 ms p99) {}",
        opts.customers,
        ms(p50),
        ms(p99),
        size as f64 / 1024.0,
        verdict(p99, 50.0)
    );
    for (what, query) in [
        ("JSON", ""),
        ("CSV, Dutch dialect", "&format=csv&dialect=nl"),
    ] {
        let path = format!("/api/v1/ledger?month={LEDGER_MONTH}{query}");
        let (p50, p99, size) = measure(&state, &manager_token, &path, opts.samples).await;
        println!(
            "  ledger export of {LEDGER_MONTH} ({} lines, {what}): p50 {:.2} ms p99 {:.2} ms, {:.0} KB (target ≤ 100 ms p99) {}",
            export.lines.len(),
            ms(p50),
            ms(p99),
            size as f64 / 1024.0,
            verdict(p99, 100.0)
        );
    }
    store.close().await;
}

fn main() {
    let opts = options();
    common::on_each_database("compensation", |url| {
        let opts = &opts;
        async move { run(&url, opts).await }
    });
}
