//! Tickets: creation, events through `record_event`, concurrency, internal notes.

use serde_json::json;
use sla::{Channel, OutcomeKind, Priority, Status, TicketKind};
use store::{
    Derived, Event, EventType, NewEvent, Scope, Store, StoreError, TargetRow, Ticket, TicketId,
    TicketUpdate,
};

use crate::fixtures::*;

fn comment(at: i64, actor: &store::Person, text: &str) -> NewEvent {
    NewEvent {
        at: ts(at),
        actor_id: Some(actor.id),
        kind: EventType::Commented,
        data: json!({ "text": text }),
    }
}

/// The state after an agent took the ticket: paused, one target left.
fn taken_state(t: &Ticket, agent: &store::Person, at: i64) -> TicketUpdate {
    TicketUpdate {
        status: Status::WaitingOnCustomer,
        priority: Some(Priority::Urgent),
        assignee_id: Some(agent.id),
        clocks: Derived {
            clock_start: t.clocks.clock_start,
            next_deadline: None,
            queue_at: Some(at + 3 * HOUR),
            sla_outcome: OutcomeKind::Running,
            paused: true,
            targets: vec![TargetRow {
                bound: 0,
                percent_bp: 9_000,
                within: "4 hours".into(),
                deadline: None,
                outcome: OutcomeKind::Met,
                decided_at: Some(ts(at)),
                business_used: 1_800,
                budget: 4 * 3_600,
                decided_month: None,
                bin: None,
            }],
        },
    }
}

pub async fn case_create_and_get_ticket(store: &Store) {
    let w = World::new(store).await;
    let subject = "Printer op de 2e verdieping geeft papierstoring";
    let new = w.incident_a(subject, T0);
    let first = created_event(T0, &w.admin_a, subject);
    let state = open_state(T0);
    let t = store
        .create_ticket(&new, &first, &state)
        .await
        .expect("create");
    assert_eq!(t.org_id, w.org_a.id);
    assert_eq!(t.agreement_id, w.agreement_a.id);
    assert_eq!(t.kind, TicketKind::Incident);
    assert_eq!(t.priority, state.priority);
    assert_eq!(t.status, Status::New);
    assert_eq!(t.channel, Channel::Web);
    assert_eq!(t.subject, subject);
    assert_eq!(t.reporter_id, w.admin_a.id);
    assert_eq!(t.assignee_id, None);
    assert_eq!(t.received_at, ts(T0));
    assert_eq!(t.created_at, new.created_at);
    assert_eq!(t.updated_at, new.created_at);
    assert_eq!(t.clocks, state.clocks);
    assert_eq!(t.event_count, 1);

    // Read back, targets included, by those who may see it.
    assert_eq!(
        store.get_ticket(&Scope::System, t.id).await.expect("get"),
        t
    );
    assert_eq!(store.get_ticket(&w.vendor(), t.id).await.expect("get"), t);
    assert_eq!(
        store.get_ticket(&w.customer_a(), t.id).await.expect("get"),
        t
    );
    assert_eq!(t.clocks.targets.len(), 2);
    assert_not_found(store.get_ticket(&w.customer_b(), t.id).await);
    assert_not_found(
        store
            .get_ticket(&Scope::System, TicketId(t.id.0 + 1000))
            .await,
    );

    let events = store
        .ticket_events(&Scope::System, t.id)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.ticket_id, t.id);
    assert_eq!(e.at, ts(T0));
    assert_eq!(e.actor_id, Some(w.admin_a.id));
    assert_eq!(e.kind, EventType::Created);
    assert_eq!(e.data, first.data);
    assert_eq!(e.recorded_at, new.created_at);
    assert_not_found(store.ticket_events(&w.customer_b(), t.id).await);

    // A ticket without targets and without a deadline.
    let mut q = w.incident_a("Vraag over de factuur", T0 + HOUR);
    q.kind = TicketKind::Question;
    q.priority = None;
    let mut quiet = open_state(T0 + HOUR);
    quiet.priority = None;
    quiet.clocks.next_deadline = None;
    quiet.clocks.queue_at = None;
    quiet.clocks.targets.clear();
    quiet.clocks.sla_outcome = OutcomeKind::Met;
    let t2 = store
        .create_ticket(&q, &created_event(T0 + HOUR, &w.admin_a, "factuur"), &quiet)
        .await
        .expect("create");
    assert_ne!(t2.id, t.id);
    let back = store.get_ticket(&Scope::System, t2.id).await.expect("get");
    assert_eq!(back, t2);
    assert!(back.clocks.targets.is_empty());
    // The first ticket's targets are untouched.
    assert_eq!(
        store
            .get_ticket(&Scope::System, t.id)
            .await
            .expect("get")
            .clocks
            .targets,
        state.clocks.targets
    );
}

pub async fn case_record_event(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "VPN valt steeds weg", T0).await;
    let at = T0 + 30 * MINUTE;
    let event = NewEvent {
        at: ts(at),
        actor_id: Some(w.agent.id),
        kind: EventType::Assigned,
        data: json!({ "to": w.agent.id, "reason": "eerste lijn" }),
    };
    let now = at + 500;
    let mut seen: Option<(Ticket, Vec<Event>)> = None;
    let after = store
        .record_event(
            &w.vendor(),
            t.id,
            &event,
            ts(now),
            |cur: &Ticket, history: &[Event]| {
                seen = Some((cur.clone(), history.to_vec()));
                Ok::<_, StoreError>(taken_state(cur, &w.agent, at))
            },
        )
        .await
        .expect("record");
    let (cur, history) = seen.expect("compute was called");
    // The closure saw the stored ticket (targets included) and the history with the new event.
    assert_eq!(cur, t);
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].kind, EventType::Created);
    assert!(history[0].id < history[1].id);
    assert_eq!(history[1].kind, EventType::Assigned);
    assert_eq!(history[1].at, ts(at));
    assert_eq!(history[1].actor_id, Some(w.agent.id));
    assert_eq!(history[1].data, event.data);
    assert_eq!(history[1].recorded_at, ts(now));
    assert_eq!(history[1].ticket_id, t.id);

    // The new state is returned and stored.
    let expected = taken_state(&t, &w.agent, at);
    assert_eq!(after.status, expected.status);
    assert_eq!(after.priority, expected.priority);
    assert_eq!(after.assignee_id, Some(w.agent.id));
    assert_eq!(after.clocks, expected.clocks);
    assert_eq!(after.updated_at, ts(now));
    assert_eq!(after.event_count, 2);
    assert_eq!(after.created_at, t.created_at);
    assert_eq!(after.subject, t.subject);
    let stored = store.get_ticket(&Scope::System, t.id).await.expect("get");
    assert_eq!(stored, after);
    assert_eq!(stored.clocks.targets.len(), 1, "old targets replaced");
    assert_eq!(
        store
            .ticket_events(&Scope::System, t.id)
            .await
            .expect("events"),
        history
    );

    // The customer of the ticket may add events too.
    let reply = comment(at + HOUR, &w.admin_a, "Gebeurt vooral 's ochtends");
    let after2 = store
        .record_event(
            &w.customer_a(),
            t.id,
            &reply,
            ts(at + HOUR),
            |cur: &Ticket, h: &[Event]| {
                assert_eq!(h.len(), 3);
                assert_eq!(cur.event_count, 2);
                Ok::<_, StoreError>(TicketUpdate {
                    status: Status::Open,
                    priority: cur.priority,
                    assignee_id: cur.assignee_id,
                    clocks: Derived {
                        paused: false,
                        ..cur.clocks.clone()
                    },
                })
            },
        )
        .await
        .expect("record");
    assert_eq!(after2.event_count, 3);
    let stored = store.get_ticket(&Scope::System, t.id).await.expect("get");
    assert_eq!(stored, after2);
    assert!(!stored.clocks.paused);
    assert_eq!(stored.clocks.targets, expected.clocks.targets);

    // When compute refuses, nothing is written: not the event, not the state.
    let before = stored;
    let before_events = store
        .ticket_events(&Scope::System, t.id)
        .await
        .expect("events");
    let refused = store
        .record_event(
            &w.vendor(),
            t.id,
            &comment(at + 2 * HOUR, &w.agent, "wordt niet bewaard"),
            ts(at + 2 * HOUR),
            |_: &Ticket, h: &[Event]| {
                assert_eq!(h.len(), 4, "the new event is visible to compute");
                Err(StoreError::Rejected {
                    field: "status",
                    message: "cannot resolve a ticket that waits for a change".into(),
                })
            },
        )
        .await;
    assert_rejected(refused, "status");
    assert_eq!(
        store.get_ticket(&Scope::System, t.id).await.expect("get"),
        before
    );
    assert_eq!(
        store
            .ticket_events(&Scope::System, t.id)
            .await
            .expect("events"),
        before_events
    );

    // The caller's own error type comes back as it was.
    #[derive(Debug, PartialEq)]
    enum AppError {
        Store(String),
        Rule(&'static str),
    }
    impl From<StoreError> for AppError {
        fn from(e: StoreError) -> Self {
            AppError::Store(e.to_string())
        }
    }
    let refused = store
        .record_event(
            &w.vendor(),
            t.id,
            &comment(at + 2 * HOUR, &w.agent, "ook niet"),
            ts(at + 2 * HOUR),
            |_: &Ticket, _: &[Event]| Err(AppError::Rule("priority needs a reason")),
        )
        .await;
    assert_eq!(refused, Err(AppError::Rule("priority needs a reason")));
    assert_eq!(
        store.get_ticket(&Scope::System, t.id).await.expect("get"),
        before
    );
    // ... and a store failure arrives through From.
    let missing = store
        .record_event(
            &w.vendor(),
            TicketId(t.id.0 + 1000),
            &comment(at, &w.agent, "nergens"),
            ts(at),
            |_: &Ticket, _: &[Event]| -> Result<TicketUpdate, AppError> {
                panic!("compute must not run for a missing ticket")
            },
        )
        .await;
    assert!(matches!(missing, Err(AppError::Store(_))), "{missing:?}");

    // Another customer can neither add to it nor learn it exists; nothing is written.
    let foreign = store
        .record_event(
            &w.customer_b(),
            t.id,
            &comment(at + 3 * HOUR, &w.admin_b, "inbraakpoging"),
            ts(at + 3 * HOUR),
            |_: &Ticket, _: &[Event]| -> Result<TicketUpdate, StoreError> {
                panic!("compute must not run for another customer's ticket")
            },
        )
        .await;
    assert_not_found(foreign);
    assert_eq!(
        store.get_ticket(&Scope::System, t.id).await.expect("get"),
        before
    );
    assert_eq!(
        store
            .ticket_events(&Scope::System, t.id)
            .await
            .expect("events"),
        before_events
    );
}

pub async fn case_concurrent_events(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Mailserver traag", T0).await;
    let id = t.id;
    let mut tasks = Vec::new();
    for n in 0..20_i64 {
        let store = store.clone();
        let agent = w.agent.clone();
        tasks.push(tokio::spawn(async move {
            let at = T0 + (n + 1) * MINUTE;
            let mut seen = None;
            let after = store
                .record_event(
                    &Scope::System,
                    id,
                    &comment(at, &agent, &format!("update {n}")),
                    ts(at),
                    |cur: &Ticket, h: &[Event]| {
                        seen = Some((cur.event_count, h.to_vec()));
                        let mut clocks = cur.clocks.clone();
                        // Remember in the stored state how much history the writer saw.
                        clocks.targets[0].business_used = i64::try_from(h.len()).expect("len");
                        Ok::<_, StoreError>(TicketUpdate {
                            status: Status::Open,
                            priority: cur.priority,
                            assignee_id: Some(agent.id),
                            clocks,
                        })
                    },
                )
                .await
                .expect("record");
            let (count, history) = seen.expect("compute ran");
            (count, history, after.event_count)
        }));
    }
    let mut lengths = Vec::new();
    for task in tasks {
        let (count, history, returned) = task.await.expect("task");
        let len = i64::try_from(history.len()).expect("len");
        // Consistent view: the ticket row and its history agree, and the new event is last.
        assert_eq!(count + 1, len);
        assert_eq!(returned, len);
        assert!(history.windows(2).all(|p| p[0].id < p[1].id));
        assert_eq!(history[0].kind, EventType::Created);
        lengths.push(len);
    }
    lengths.sort_unstable();
    assert_eq!(
        lengths,
        (2..=21).collect::<Vec<_>>(),
        "each writer saw a longer history"
    );

    let end = store.get_ticket(&Scope::System, t.id).await.expect("get");
    assert_eq!(end.event_count, 21);
    assert_eq!(
        end.clocks.targets[0].business_used, 21,
        "last writer saw everything"
    );
    let events = store
        .ticket_events(&Scope::System, t.id)
        .await
        .expect("events");
    assert_eq!(events.len(), 21);
    let mut texts: Vec<String> = events[1..]
        .iter()
        .map(|e| e.data["text"].as_str().expect("text").to_string())
        .collect();
    texts.sort();
    let mut want: Vec<String> = (0..20).map(|n| format!("update {n}")).collect();
    want.sort();
    assert_eq!(texts, want);
}

pub async fn case_internal_notes(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Koppeling met zaaksysteem", T0).await;
    let keep = |cur: &Ticket, _: &[Event]| {
        Ok::<_, StoreError>(TicketUpdate {
            status: cur.status,
            priority: cur.priority,
            assignee_id: cur.assignee_id,
            clocks: cur.clocks.clone(),
        })
    };
    let notes = [
        (EventType::Commented, json!({ "text": "We kijken ernaar" })),
        (
            EventType::Commented,
            json!({ "text": "Leverancier zaaksysteem gebeld", "internal": true }),
        ),
        (
            EventType::Commented,
            json!({ "text": "Opgelost?", "internal": false }),
        ),
        (
            EventType::Commented,
            json!({ "text": "tekst met internal", "internal": "yes" }),
        ),
    ];
    for (i, (kind, data)) in notes.iter().enumerate() {
        let at = T0 + i64::try_from(i + 1).expect("i") * MINUTE;
        let e = NewEvent {
            at: ts(at),
            actor_id: Some(w.agent.id),
            kind: *kind,
            data: data.clone(),
        };
        store
            .record_event(&w.vendor(), t.id, &e, ts(at), keep)
            .await
            .expect("record");
    }
    let all = store
        .ticket_events(&w.vendor(), t.id)
        .await
        .expect("vendor");
    assert_eq!(all.len(), 5);
    assert_eq!(all[2].data["internal"], json!(true));
    assert_eq!(
        store
            .ticket_events(&Scope::System, t.id)
            .await
            .expect("system"),
        all
    );
    let seen = store
        .ticket_events(&w.customer_a(), t.id)
        .await
        .expect("customer");
    let expected: Vec<Event> = all
        .iter()
        .filter(|e| e.data.get("internal") != Some(&json!(true)))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 4);
    assert_eq!(seen, expected);
    assert_not_found(store.ticket_events(&w.customer_b(), t.id).await);
}

/// A ticket whose rows cannot all be written leaves nothing behind (no ticket, no event, no
/// target), and the store goes on working: the creation is one transaction.
pub async fn case_failed_ticket_creation_writes_nothing(store: &Store) {
    let w = World::new(store).await;
    let count = |t: Option<&Ticket>| t.map_or(0, |t| t.event_count);
    let new = w.incident_a("Eerste", T0);
    let ok = store
        .create_ticket(
            &new,
            &created_event(T0, &w.admin_a, "Eerste"),
            &open_state(T0),
        )
        .await
        .expect("create");
    assert_eq!(count(Some(&ok)), 1);

    // Two targets with the same bound break the primary key of the last statement.
    let mut broken = open_state(T0 + HOUR);
    let dup = broken.clocks.targets[0].clone();
    broken.clocks.targets.push(dup);
    for _ in 0..10 {
        let err = store
            .create_ticket(
                &w.incident_a("Kapot", T0 + HOUR),
                &created_event(T0 + HOUR, &w.admin_a, "Kapot"),
                &broken,
            )
            .await;
        assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
    }
    let all = store
        .list_tickets(
            &Scope::System,
            &store::TicketFilter {
                order: store::TicketOrder::Newest,
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .expect("list");
    assert_eq!(all.items.len(), 1, "no half-written ticket");
    assert_eq!(
        store
            .ticket_events(&Scope::System, ok.id)
            .await
            .expect("events")
            .len(),
        1
    );
    // Every pooled connection is usable afterwards (none was left inside a transaction).
    for i in 0..20 {
        store
            .create_ticket(
                &w.incident_a("Daarna", T0 + i),
                &created_event(T0 + i, &w.admin_a, "Daarna"),
                &open_state(T0 + i),
            )
            .await
            .expect("create after a failure");
    }
}

/// Runs one statement on the database at `url`, behind the store's back.
async fn tamper(url: &str, sql: &str) {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect pg");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .expect("tamper");
        c.close().await.expect("close");
    } else {
        let mut c = sqlx::SqliteConnection::connect(url)
            .await
            .expect("connect sqlite");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .expect("tamper");
        c.close().await.expect("close");
    }
}

/// A stored word the enums do not know, or an instant out of range, is a corrupt row when
/// read: an error, never a panic.
pub async fn case_bad_stored_words(store: &Store, url: &str) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Handmatig gewijzigd", T0).await;
    let id = t.id.0;
    let corrupt = |r: Result<_, StoreError>| {
        assert!(matches!(r, Err(StoreError::Corrupt(_))), "{r:?}");
    };
    for (set, undo) in [
        ("status = 'wachtend'", "status = 'new'"),
        ("kind = 'storing'", "kind = 'incident'"),
        ("priority = 'P1'", "priority = 'high'"),
        ("channel = 'fax'", "channel = 'web'"),
        ("sla_outcome = 'unknown'", "sla_outcome = 'running'"),
        (
            "received_at = 9223372036854775807",
            &format!("received_at = {T0}"),
        ),
    ] {
        tamper(url, &format!("UPDATE tickets SET {set} WHERE id = {id}")).await;
        corrupt(store.get_ticket(&Scope::System, t.id).await.map(|_| ()));
        tamper(url, &format!("UPDATE tickets SET {undo} WHERE id = {id}")).await;
    }
    assert_eq!(
        store.get_ticket(&Scope::System, t.id).await.expect("get"),
        t
    );
    tamper(
        url,
        &format!("UPDATE ticket_targets SET outcome = 'late' WHERE ticket_id = {id}"),
    )
    .await;
    corrupt(store.get_ticket(&Scope::System, t.id).await.map(|_| ()));
    tamper(
        url,
        &format!("UPDATE ticket_targets SET outcome = 'running' WHERE ticket_id = {id}"),
    )
    .await;
    tamper(
        url,
        &format!("UPDATE ticket_events SET kind = 'gebeld' WHERE ticket_id = {id}"),
    )
    .await;
    corrupt(store.ticket_events(&Scope::System, t.id).await.map(|_| ()));
}
