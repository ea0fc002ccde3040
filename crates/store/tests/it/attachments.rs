//! Attachments: bytes round trip, scoping, listings without bytes, with a comment atomically.

use serde_json::json;
use store::{
    AttachmentId, NewAttachment, NewEvent, Person, Scope, Store, StoreError, TicketId, TicketUpdate,
};

use crate::fixtures::*;

fn file(name: &str, data: &[u8], by: &Person, at: i64) -> NewAttachment {
    NewAttachment {
        event_id: None,
        file_name: name.into(),
        content_type: "application/octet-stream".into(),
        data: data.to_vec(),
        uploaded_by: by.id,
        created_at: ts(at),
    }
}

fn note(at: i64, by: &Person, internal: bool) -> NewEvent {
    NewEvent {
        at: ts(at),
        actor_id: Some(by.id),
        kind: store::EventType::Commented,
        data: json!({ "body": "zie bijlage", "internal": internal }),
    }
}

/// Keeps the ticket's state as it is.
fn same(t: &store::Ticket, _: &[store::Event]) -> Result<TicketUpdate, StoreError> {
    Ok(TicketUpdate {
        status: t.status,
        priority: t.priority,
        assignee_id: t.assignee_id,
        clocks: t.clocks.clone(),
    })
}

pub async fn case_attachments_round_trip_and_scope(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Logboek bijgevoegd", T0).await;
    // Bytes with a NUL, a high byte and a line end survive exactly.
    let bytes: Vec<u8> = vec![b'P', b'K', 0, 0xff, b'\r', b'\n', 0, 7];
    let a = store
        .add_attachment(
            &w.customer_a(),
            t.id,
            &file("logboek.zip", &bytes, &w.admin_a, T0 + 1),
        )
        .await
        .expect("attach");
    assert_eq!(a.ticket_id, t.id);
    assert_eq!(a.org_id, w.org_a.id);
    assert_eq!(a.event_id, None);
    assert_eq!(a.size, 8);
    assert_eq!(a.sha256.len(), 64);
    assert_eq!(a.uploaded_by, w.admin_a.id);
    assert_eq!(a.created_at, ts(T0 + 1));
    for scope in [w.customer_a(), w.vendor(), Scope::System] {
        let (meta, data) = store
            .attachment_data(&scope, t.id, a.id)
            .await
            .expect("data");
        assert_eq!(meta, a);
        assert_eq!(data, bytes);
        assert_eq!(
            store.attachments(&scope, t.id).await.expect("list"),
            vec![a.clone()]
        );
    }
    // The same bytes give the same digest; an empty file is allowed.
    let b = store
        .add_attachment(&w.vendor(), t.id, &file("leeg.txt", b"", &w.agent, T0 + 2))
        .await
        .expect("empty file");
    assert_eq!(b.size, 0);
    assert_eq!(
        b.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );

    // Another customer sees nothing and can attach nothing.
    let other = w.customer_b();
    assert_not_found(
        store
            .add_attachment(&other, t.id, &file("x.txt", b"x", &w.admin_b, T0 + 3))
            .await,
    );
    assert_not_found(store.attachments(&other, t.id).await);
    assert_not_found(store.attachment_data(&other, t.id, a.id).await);
    // An attachment is only found under its own ticket.
    let t2 = open_ticket(store, &w, "Andere melding", T0 + HOUR).await;
    assert_not_found(store.attachment_data(&w.customer_a(), t2.id, a.id).await);
    assert_not_found(
        store
            .attachment_data(&w.customer_a(), t.id, AttachmentId(a.id.0 + 1000))
            .await,
    );
    assert_not_found(
        store
            .add_attachment(
                &Scope::System,
                TicketId(t.id.0 + 1000),
                &file("x.txt", b"x", &w.agent, T0),
            )
            .await,
    );
    assert_eq!(
        store
            .attachments(&w.vendor(), t.id)
            .await
            .expect("list")
            .len(),
        2
    );
    assert!(
        store
            .attachments(&w.vendor(), t2.id)
            .await
            .expect("list")
            .is_empty()
    );
    // Names with a path or control characters are refused.
    for bad in ["../etc/passwd", "a\\b", "a\nb", "", "."] {
        assert_rejected(
            store
                .add_attachment(&w.vendor(), t.id, &file(bad, b"x", &w.agent, T0))
                .await,
            "file",
        );
    }
    assert_rejected(
        store
            .add_attachment(
                &w.vendor(),
                t.id,
                &file(
                    "groot.bin",
                    &vec![0; store::MAX_ATTACHMENT_BYTES + 1],
                    &w.agent,
                    T0,
                ),
            )
            .await,
        "file",
    );
}

pub async fn case_attachments_with_events(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Schermafdruk", T0).await;
    // A public comment and its file, in one go.
    let (after, a) = store
        .record_event_with_attachment(
            &w.customer_a(),
            t.id,
            &note(T0 + MINUTE, &w.admin_a, false),
            &file("scherm.png", b"\x89PNG\0", &w.admin_a, T0 + MINUTE),
            ts(T0 + MINUTE),
            same,
        )
        .await
        .expect("comment with file");
    assert_eq!(after.event_count, 2);
    let events = store
        .ticket_events(&Scope::System, t.id)
        .await
        .expect("events");
    assert_eq!(a.event_id, Some(events[1].id));
    // An internal note with a file: the desk sees it, the customer neither sees nor gets it.
    let (_, secret) = store
        .record_event_with_attachment(
            &w.vendor(),
            t.id,
            &note(T0 + 2 * MINUTE, &w.agent, true),
            &file("intern.txt", b"alleen de desk", &w.agent, T0 + 2 * MINUTE),
            ts(T0 + 2 * MINUTE),
            same,
        )
        .await
        .expect("note with file");
    assert_eq!(
        store.attachments(&w.vendor(), t.id).await.expect("list"),
        vec![a.clone(), secret.clone()]
    );
    assert_eq!(
        store
            .attachments(&w.customer_a(), t.id)
            .await
            .expect("list"),
        vec![a.clone()]
    );
    assert_not_found(
        store
            .attachment_data(&w.customer_a(), t.id, secret.id)
            .await,
    );
    // A customer may not attach to the internal note, nor record one with a file.
    let mut to_note = file("x.txt", b"x", &w.admin_a, T0);
    let internal_event = store
        .ticket_events(&w.vendor(), t.id)
        .await
        .expect("events")[2]
        .id;
    to_note.event_id = Some(internal_event);
    assert_not_found(store.add_attachment(&w.customer_a(), t.id, &to_note).await);
    let r = store
        .record_event_with_attachment(
            &w.customer_a(),
            t.id,
            &note(T0 + 3 * MINUTE, &w.admin_a, true),
            &file("x.txt", b"x", &w.admin_a, T0),
            ts(T0 + 3 * MINUTE),
            same,
        )
        .await;
    assert_rejected(r, "file");
    // An event of another ticket is not this ticket's.
    let t2 = open_ticket(store, &w, "Tweede", T0 + HOUR).await;
    let mut elsewhere = file("x.txt", b"x", &w.agent, T0);
    elsewhere.event_id = Some(events[1].id);
    assert_not_found(store.add_attachment(&w.vendor(), t2.id, &elsewhere).await);
    // The vendor attaches to an existing public comment afterwards.
    let mut later = file("later.pdf", b"%PDF", &w.agent, T0 + HOUR);
    later.event_id = Some(events[1].id);
    let l = store
        .add_attachment(&w.vendor(), t.id, &later)
        .await
        .expect("attach to event");
    assert_eq!(l.event_id, Some(events[1].id));

    // A failing update writes neither the comment nor the file.
    let before = store
        .ticket_events(&Scope::System, t.id)
        .await
        .expect("events");
    let r = store
        .record_event_with_attachment(
            &w.customer_a(),
            t.id,
            &note(T0 + 4 * MINUTE, &w.admin_a, false),
            &file("weg.txt", b"weg", &w.admin_a, T0),
            ts(T0 + 4 * MINUTE),
            |_, _| {
                Err::<TicketUpdate, _>(StoreError::Rejected {
                    field: "x",
                    message: "no".into(),
                })
            },
        )
        .await;
    assert_rejected(r, "x");
    // Nor does another customer's attempt.
    let r = store
        .record_event_with_attachment(
            &w.customer_b(),
            t.id,
            &note(T0 + 4 * MINUTE, &w.admin_b, false),
            &file("weg.txt", b"weg", &w.admin_b, T0),
            ts(T0 + 4 * MINUTE),
            same,
        )
        .await;
    assert_not_found(r);
    assert_eq!(
        store
            .ticket_events(&Scope::System, t.id)
            .await
            .expect("events"),
        before
    );
    assert_eq!(
        store
            .attachments(&Scope::System, t.id)
            .await
            .expect("list")
            .len(),
        3
    );
}

/// Listings carry no bytes: a big file listed many times stays cheap, and the type has
/// no field for them (checked here by the size alone being reported).
pub async fn case_attachment_listing_has_no_data(store: &Store) {
    let w = World::new(store).await;
    let t = open_ticket(store, &w, "Grote bijlage", T0).await;
    let big = vec![42u8; 3 * 1024 * 1024];
    let a = store
        .add_attachment(&w.vendor(), t.id, &file("groot.bin", &big, &w.agent, T0))
        .await
        .expect("attach");
    let listed = store
        .attachments(&w.customer_a(), t.id)
        .await
        .expect("list");
    assert_eq!(listed, vec![a.clone()]);
    let shown = format!("{listed:?}");
    assert!(shown.len() < 1024, "metadata only: {shown}");
    assert!(!shown.contains("data:"), "{shown}");
    assert_eq!(listed[0].size, big.len() as i64);
    let (_, data) = store
        .attachment_data(&w.customer_a(), t.id, a.id)
        .await
        .expect("data");
    assert_eq!(data.len(), big.len());
}
