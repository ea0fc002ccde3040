//! Demo data: `desk::demo::fill` on temporary SQLite stores, through the application services.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use desk::DeskError;
use desk::clock::{Clock, FixedClock};
use desk::demo::{DEMO_PASSWORD, DemoOptions, DemoSummary, fill};
use jiff::Timestamp;
use sla::{Channel, OutcomeKind, Priority, Status, TicketKind};
use store::{Role, Scope, Store, Ticket, TicketFilter, TicketOrder};
use web::{AppState, Config};

/// The end of the demo history: a Tuesday afternoon.
const UNTIL: &str = "2026-03-31T13:00:00Z";
/// Two months of history keeps the test quick.
const DAYS: u32 = 61;

/// A fresh SQLite store in a directory of its own; the directory is removed on drop.
struct Temp {
    store: Store,
    dir: PathBuf,
}

impl Temp {
    async fn new() -> Temp {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "loket_demo_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let url = format!("sqlite:{}", dir.join("demo.db").display());
        let store = Store::connect(&url).await.expect("temporary store");
        Temp { store, dir }
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn until() -> Timestamp {
    UNTIL.parse().expect("instant")
}

/// Fills `store` on a fixed clock, as `loket demo` does.
async fn run(
    store: &Store,
    seed: u64,
) -> (AppState, Arc<FixedClock>, Result<DemoSummary, DeskError>) {
    let clock = Arc::new(FixedClock::new(until()));
    let state = AppState::new(store.clone(), clock.clone(), Config::default());
    let opts = DemoOptions {
        seed,
        until: Some(until()),
        days: DAYS,
        ..DemoOptions::default()
    };
    let summary = fill(&state.desk, &clock, opts).await;
    (state, clock, summary)
}

/// Every ticket matching `filter` (all pages).
async fn all(store: &Store, filter: TicketFilter) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .list_tickets(&Scope::System, &filter, cursor.as_deref(), 500)
            .await
            .expect("listing");
        out.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

fn only(f: impl FnOnce(&mut TicketFilter)) -> TicketFilter {
    let mut filter = TicketFilter {
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    f(&mut filter);
    filter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_fills_an_empty_database_once() {
    let temp = Temp::new().await;
    let store = &temp.store;
    let (state, clock, summary) = run(store, 7).await;
    let summary = summary.expect("demo data");
    assert_eq!(
        clock.now(),
        until(),
        "the clock is left at the end of the history"
    );

    // Five customers, each with 2–3 administrators (never above the agreement's limit) and
    // at least one viewer, all with personal addresses and the one demo password.
    let max_admins = state
        .policies
        .standard()
        .expect("standard agreement")
        .policy
        .max_administrators as usize;
    let orgs = store.list_orgs(&Scope::System).await.expect("orgs");
    assert_eq!(orgs.len(), 5);
    assert_eq!(summary.organizations, 5);
    for org in &orgs {
        let people = store
            .list_people(&Scope::System, Some(org.id))
            .await
            .expect("people");
        let admins = people
            .iter()
            .filter(|p| p.role == Role::CustomerAdmin)
            .count();
        let viewers = people
            .iter()
            .filter(|p| p.role == Role::CustomerViewer)
            .count();
        assert!((2..=3).contains(&admins), "{}: {admins} admins", org.name);
        assert!(admins <= max_admins);
        assert!(
            (1..=3).contains(&viewers),
            "{}: {viewers} viewers",
            org.name
        );
        for p in &people {
            let local = p.email.split('@').next().unwrap_or_default();
            assert!(
                desk::people::role_address_warning(&p.email).is_none() && local.contains('.'),
                "{} is not a personal address",
                p.email
            );
        }
    }
    let everyone = store.list_people(&Scope::System, None).await.expect("all");
    let vendor = |r: Role| everyone.iter().filter(|p| p.role == r).count();
    assert!((2..=4).contains(&vendor(Role::Agent)));
    assert_eq!(vendor(Role::ServiceManager), 1);
    assert_eq!(vendor(Role::Admin), 1);
    assert_eq!(summary.people, everyone.len());
    assert!(summary.admin_created);
    let (_, hash) = store
        .person_for_sign_in(&summary.admin_email)
        .await
        .expect("sign-in lookup")
        .expect("the demo administrator");
    assert!(web::auth::verify_password(hash, DEMO_PASSWORD.into()).await);

    // Tickets of every kind, through every channel, at realistic hours.
    let tickets = all(store, only(|_| ())).await;
    assert_eq!(tickets.len(), summary.tickets());
    assert!(
        (150..=500).contains(&tickets.len()),
        "{} tickets in two months",
        tickets.len()
    );
    for &kind in TicketKind::ALL {
        let n = all(store, only(|f| f.kind = Some(kind))).await.len();
        assert!(n > 0, "no {kind}");
    }
    assert!(
        tickets
            .iter()
            .any(|t| t.priority == Some(Priority::Urgent) || t.priority == Some(Priority::High))
    );
    for channel in [Channel::Web, Channel::Phone] {
        assert!(tickets.iter().any(|t| t.channel == channel), "no {channel}");
    }
    for t in tickets.iter().filter(|t| t.channel == Channel::Phone) {
        let gap = t.created_at.as_millisecond() - t.received_at.as_millisecond();
        assert!(
            (60_000..=15 * 60_000).contains(&gap),
            "phone call registered after {gap} ms"
        );
    }
    let calendar = &state.policies.standard().expect("standard").calendar;
    let office = tickets
        .iter()
        .filter(|t| calendar.is_open(t.received_at).expect("calendar"))
        .count();
    let outside = tickets.len() - office;
    assert!(outside > 0, "nothing arrived outside office hours");
    assert!(
        office > 3 * outside,
        "{office} in office hours, {outside} outside"
    );
    for t in &tickets {
        if !calendar.is_open(t.received_at).expect("calendar") {
            assert!(
                t.clocks.clock_start > t.received_at,
                "clock starts at the next opening"
            );
        }
    }
    assert!(
        tickets
            .iter()
            .all(|t| t.received_at >= summary.from && t.received_at <= until())
    );

    // Most targets met, some missed; the queue has open tickets, older ones are closed.
    let missed = all(store, only(|f| f.sla_outcome = Some(OutcomeKind::Missed))).await;
    let met = all(store, only(|f| f.sla_outcome = Some(OutcomeKind::Met))).await;
    assert!(!missed.is_empty(), "no target missed");
    assert!(
        met.len() > 8 * missed.len(),
        "{} met, {} missed",
        met.len(),
        missed.len()
    );
    assert_eq!(summary.tickets_missed, missed.len());
    let queue = all(
        store,
        TicketFilter {
            order: TicketOrder::Queue,
            ..TicketFilter::default()
        },
    )
    .await;
    assert!(!queue.is_empty(), "the queue is empty");
    assert_eq!(queue.len(), summary.open);
    let closed = all(store, only(|f| f.status = Some(Status::Closed))).await;
    assert!(closed.len() > tickets.len() / 2, "{} closed", closed.len());
    let month_ago = until() - jiff::SignedDuration::from_hours(30 * 24);
    assert!(
        queue.iter().all(|t| t.kind != TicketKind::Incident
            || t.priority == Some(Priority::Low)
            || t.received_at > month_ago),
        "old urgent, high or normal incidents are still open"
    );
    assert!(summary.events > 3 * tickets.len());

    // A second run refuses: demo data goes only into an empty database.
    let (_, _, again) = run(store, 7).await;
    match again {
        Err(DeskError::Conflict { field, message }) => {
            assert_eq!(field, "database");
            assert!(message.contains("empty database"), "{message}");
        }
        other => panic!("a second fill should refuse, got {other:?}"),
    }
    assert_eq!(all(store, only(|_| ())).await.len(), tickets.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_deterministic_from_its_seed() {
    let (a, b, c) = (Temp::new().await, Temp::new().await, Temp::new().await);
    let (_, _, first) = run(&a.store, 11).await;
    let (_, _, second) = run(&b.store, 11).await;
    let (_, _, other) = run(&c.store, 12).await;
    assert!(other.is_ok());
    assert_eq!(first.expect("first"), second.expect("second"));
    let story = |ts: Vec<Ticket>| -> Vec<(String, Timestamp, Status, OutcomeKind)> {
        ts.into_iter()
            .map(|t| (t.subject, t.received_at, t.status, t.clocks.sla_outcome))
            .collect()
    };
    let (sa, sb, sc) = (
        story(all(&a.store, only(|_| ())).await),
        story(all(&b.store, only(|_| ())).await),
        story(all(&c.store, only(|_| ())).await),
    );
    assert!(!sa.is_empty());
    assert_eq!(sa, sb, "the same seed gives the same tickets");
    assert_ne!(sa, sc, "another seed gives other tickets");
    let people = |s: &Store| {
        let s = s.clone();
        async move {
            s.list_people(&Scope::System, None)
                .await
                .expect("people")
                .into_iter()
                .map(|p| (p.email, p.name, p.role))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(people(&a.store).await, people(&b.store).await);
}
