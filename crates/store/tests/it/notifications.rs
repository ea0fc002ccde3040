//! Notifications ride in the ticket's transaction: a ticket's mails are stored with its
//! filing or event, with their `Message-ID`, HTML and headers, or, when one cannot be stored,
//! neither the event nor any mail is.

use serde_json::json;
use store::{EventType, NewEvent, Store, StoreError, ThreadMail, Ticket};

use crate::fixtures::{World, created_event, open_state, ts};

fn mail(to: &str, id: &str) -> ThreadMail {
    ThreadMail {
        to_address: to.into(),
        subject: "[#1] Ontvangen".into(),
        body_text: "Beste".into(),
        body_html: Some("<p>Beste &amp; co</p>".into()),
        message_id: id.into(),
        headers: vec![("Auto-Submitted".into(), "auto-generated".into())],
    }
}

pub async fn case_notifications_ride_in_the_transaction(store: &Store) {
    let w = World::new(store).await;
    const T0: i64 = 1_795_424_400_000;
    let t = store
        .create_ticket_mailing(
            &w.incident_a("Printer", T0),
            &created_event(T0, &w.admin_a, "Printer"),
            &open_state(T0),
            |t: &Ticket| {
                vec![mail(
                    "a@klant.example",
                    &format!("<loket.ticket.{}@x>", t.id.0),
                )]
            },
        )
        .await
        .expect("filed");
    let first = store
        .claim_mail("peek", 4_000_000_000_000, 1, 10)
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].ticket_id, Some(t.id.0));
    assert_eq!(
        first[0].message_id.as_deref(),
        Some(format!("<loket.ticket.{}@x>", t.id.0).as_str())
    );
    assert_eq!(first[0].body_html.as_deref(), Some("<p>Beste &amp; co</p>"));
    assert_eq!(
        first[0].headers.as_deref(),
        Some(r#"{"Auto-Submitted":"auto-generated"}"#)
    );
    assert_eq!(
        store
            .ticket_for_message_ids(&[format!("<loket.ticket.{}@x>", t.id.0)])
            .await
            .expect("thread"),
        Some(t.id)
    );

    // An event whose mail cannot be stored (its Message-ID is taken) is not stored either.
    let event = NewEvent {
        at: ts(T0 + 60_000),
        actor_id: Some(w.agent.id),
        kind: EventType::Commented,
        data: json!({ "body": "Antwoord", "internal": false, "response": true }),
    };
    let taken = format!("<loket.ticket.{}@x>", t.id.0);
    let r = store
        .record_event_mailing(
            &w.vendor(),
            t.id,
            &event,
            None,
            ts(T0 + 60_000),
            |cur: &Ticket, _: &[store::Event]| {
                Ok::<_, StoreError>(store::TicketUpdate {
                    status: cur.status,
                    priority: cur.priority,
                    assignee_id: cur.assignee_id,
                    clocks: cur.clocks.clone(),
                })
            },
            |_: &Ticket| {
                vec![
                    mail("b@klant.example", "<nieuw@x>"),
                    mail("c@klant.example", &taken),
                ]
            },
        )
        .await;
    assert!(r.is_err(), "a duplicate Message-ID is refused");
    let after = store.get_ticket(&w.vendor(), t.id).await.expect("ticket");
    assert_eq!(after.event_count, 1, "the event was rolled back");
    assert!(
        store
            .claim_mail("peek2", 4_000_000_000_001, 1, 10)
            .await
            .expect("claim")
            .iter()
            .all(|m| m.message_id.as_deref() != Some("<nieuw@x>")),
        "no mail of the refused event was queued"
    );
}
