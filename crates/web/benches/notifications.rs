//! Notifications at scale (issue #11): 10,000 ticket events, each queuing its mails in the
//! event's transaction, on SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set). Target:
//! at least 2,000 events per second.
//!
//! The events go through the desk's own services (`file_ticket`, `act`), so each one reads
//! its recipients, recomputes the ticket's clocks and writes the event, the clocks and the
//! mails in one transaction. One event in a hundred files a ticket (the reporter's
//! confirmation and the on-duty agent's copy); the others are public replies, alternately by
//! the assignee (mailing the reporter) and by the reporter (mailing the assignee). The bench
//! checks that the outbox holds exactly the mails the events should have queued.
//!
//! `cargo bench -p web --bench notifications` (options after `--`: `--events N`, `--quick`
//! for 1,000 events).

use std::sync::Arc;
use std::time::Instant;

use desk::Caller;
use desk::clock::FixedClock;
use desk::tickets::{Action, FileTicket};
use jiff::Timestamp;
use sla::TicketKind;
use store::{NewPerson, OrgId, Role, Store};
use web::{AppState, Config};

mod common;
use common::{on_each_database, token_for};

/// A Monday morning inside Service Window 1.
const NOW: &str = "2026-11-23T09:00:00Z";
/// Events per filed ticket.
const PER_TICKET: usize = 100;

/// How many people act at once (`--streams N`, default 1: one event after the other).
fn streams() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--streams")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .filter(|n: &usize| *n > 0)
        .unwrap_or(1)
}

fn events() -> usize {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    args.iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1_000 } else { 10_000 })
}

async fn caller(state: &AppState, token: &str) -> Caller {
    state.authenticate(Some(token), None).await.expect("caller")
}

async fn outbox_size(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM mail_outbox";
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("pg");
        let n = sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
        let n = sqlx::query_scalar(sql)
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    }
}

async fn run(url: String, total: usize) {
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let store = Store::connect(&url).await.expect("store");
    let now: Timestamp = NOW.parse().expect("instant");
    let clock = Arc::new(FixedClock::new(now));
    let state = AppState::new(store.clone(), clock.clone(), Config::default());
    let person = |email: &str, role: Role, org: Option<OrgId>, lang: &str| NewPerson {
        email: email.into(),
        name: "Bench".into(),
        role,
        org_id: org,
        lang: lang.into(),
        password_hash: None,
    };
    let (admin, _) = state
        .create_person(None, person("admin@bench.example", Role::Admin, None, "nl"))
        .await
        .expect("admin");
    let vendor = caller(&state, &token_for(&store, admin.id).await).await;
    let (agent, _) = state
        .create_person(
            Some(&vendor),
            person("agent@bench.example", Role::Agent, None, "en"),
        )
        .await
        .expect("agent");
    state
        .set_on_duty(&vendor, agent.id, true)
        .await
        .expect("on duty");
    let agent_caller = caller(&state, &token_for(&store, agent.id).await).await;
    let org = state.create_org(&vendor, "Klant Bench").await.expect("org");
    let (reporter, _) = state
        .create_person(
            Some(&vendor),
            person(
                "beheer@klant.example",
                Role::CustomerAdmin,
                Some(org.id),
                "nl",
            ),
        )
        .await
        .expect("reporter");
    let customer = caller(&state, &token_for(&store, reporter.id).await).await;
    let before = outbox_size(&url).await;

    let streams = streams().min(total.max(1));
    let started = Instant::now();
    let mut running = Vec::new();
    for k in 0..streams {
        // Stream k takes events k, k + streams, …: the same mix, interleaved.
        let n = (total + streams - 1 - k) / streams;
        let state = state.clone();
        let (customer, agent_caller) = (customer.clone(), agent_caller.clone());
        let agent = agent.id;
        running.push(tokio::spawn(async move {
            let mut ticket = None;
            let mut mails = 0i64;
            for i in 0..n {
                if i % PER_TICKET == 0 {
                    let t = state
                        .file_ticket(
                            &customer,
                            FileTicket {
                                kind: TicketKind::Question,
                                priority: None,
                                subject: format!("Vraag {k}-{i}"),
                                description: "Hoe werkt dit?".into(),
                                organization_id: None,
                                reporter_id: None,
                                received_at: None,
                            },
                        )
                        .await
                        .expect("file");
                    mails += 2;
                    state
                        .act(&agent_caller, t.id, Action::Assign { to: Some(agent) })
                        .await
                        .expect("assign");
                    ticket = Some(t.id);
                    continue;
                }
                let id = ticket.expect("a ticket");
                let by = if i % 2 == 0 { &agent_caller } else { &customer };
                state
                    .act(
                        by,
                        id,
                        Action::Comment {
                            body: format!("Antwoord {i} <met> & tekens"),
                            internal: false,
                        },
                    )
                    .await
                    .expect("comment");
                mails += 1;
            }
            mails
        }));
    }
    let mut mails = 0i64;
    for r in running {
        mails += r.await.expect("stream");
    }
    let took = started.elapsed();
    let queued = outbox_size(&url).await - before;
    assert_eq!(queued, mails, "every event queued exactly its mails");
    let rate = total as f64 / took.as_secs_f64();
    println!(
        "{backend}: {total} events ({streams} at a time), {queued} mails queued in {:.2} s: \
         {rate:.0} events/s (target ≥ 2,000 events/s)",
        took.as_secs_f64()
    );
}

fn main() {
    let total = events();
    on_each_database("notifications", |url| run(url, total));
}
