//! The mails of a meeting that moves or is called off (SLA-RULES §7): moving a planned
//! meeting (through the page or the API) queues every attendee with an address the updated
//! invitation, METHOD:REQUEST with the same UID and the sequence one higher; cancelling queues
//! METHOD:CANCEL; cancelling again, or correcting a held meeting, mails no one.

use axum::http::Method;
use serde_json::json;
use store::OutboxMail;

use crate::harness::{App, Req};
use crate::pagekit::Browser;

/// The mails queued since the last call, marked sent so the next call sees only new ones.
pub async fn drain(app: &App) -> Vec<OutboxMail> {
    let now = app.state.now_ms();
    let mails = app
        .state
        .store
        .claim_mail("peek", now, 1, 500)
        .await
        .expect("outbox");
    for m in &mails {
        app.state
            .store
            .mail_sent(m.id, "peek", now)
            .await
            .expect("sent");
    }
    mails
}

/// The unfolded iCalendar text of a mail, checked to be sent with `method`.
fn ics_of(mail: &OutboxMail, method: &str) -> String {
    let att = mail.attachment().expect("attachment");
    assert_eq!(att.name, "invite.ics");
    assert_eq!(
        att.content_type,
        format!("text/calendar; charset=utf-8; method={method}")
    );
    att.body.replace("\r\n ", "")
}

pub async fn meeting_mails_move_and_cancel(app: App) {
    let w = app.world().await;
    // The world's filings queued their confirmations; this story counts only its own mails.
    drain(&app).await;
    let a = w.a.id;
    let r = app
        .post(
            &w.manager.bearer(),
            &format!("/api/v1/organizations/{a}/meetings"),
            json!({ "kind": "interim", "starts_at": "2026-12-01T09:00:00Z", "duration_minutes": 60,
                    "attendees": [
                        { "name": "Jan Beheer", "email": "jan.beheer@klant-a.example",
                          "side": "customer", "person_id": w.a.admin.id },
                        { "name": "Piet Extern", "email": "piet@extern.example", "side": "customer" },
                        { "name": "Zonder Adres", "side": "vendor" } ] }),
        )
        .await
        .expect(201);
    let id = r.json["meeting"]["id"].as_i64().expect("id");
    let uid = format!("UID:meeting-{id}@loket\r\n");
    let invitations = drain(&app).await;
    assert_eq!(invitations.len(), 2);
    for m in &invitations {
        let ics = ics_of(m, "REQUEST");
        assert!(
            ics.contains(&uid) && ics.contains("SEQUENCE:0\r\n"),
            "{ics}"
        );
    }

    // Moved on the page: both addresses get the update, same UID, sequence 1, the new time.
    let admin = Browser::of(&app, &w.admin).html_only();
    let page = format!("/meetings/{id}");
    admin
        .submit(
            &page,
            &format!("{page}/move"),
            &[
                ("date", "2026-12-02"),
                ("time", "14:00"),
                ("duration_minutes", "45"),
                ("location", "Utrecht"),
            ],
        )
        .await
        .redirect();
    let updates = drain(&app).await;
    let mut to: Vec<&str> = updates.iter().map(|m| m.to_address.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["jan.beheer@klant-a.example", "piet@extern.example"]);
    for m in &updates {
        let ics = ics_of(m, "REQUEST");
        assert!(ics.contains("METHOD:REQUEST\r\n"), "{ics}");
        assert!(ics.contains(&uid), "{ics}");
        assert!(ics.contains("SEQUENCE:1\r\n"), "{ics}");
        assert!(ics.contains("DTSTART:20261202T130000Z\r\n"), "{ics}");
        assert!(ics.contains("DTEND:20261202T134500Z\r\n"), "{ics}");
        assert!(ics.contains("LOCATION:Utrecht\r\n"), "{ics}");
        assert!(ics.contains("STATUS:CONFIRMED\r\n"), "{ics}");
    }
    let jan = |ms: &[OutboxMail]| {
        ms.iter()
            .find(|m| m.to_address == "jan.beheer@klant-a.example")
            .cloned()
            .expect("jan")
    };
    let piet = |ms: &[OutboxMail]| {
        ms.iter()
            .find(|m| m.to_address == "piet@extern.example")
            .cloned()
            .expect("piet")
    };
    // Each in their language: the customer's administrator reads English, a guest Dutch.
    assert!(
        jan(&updates)
            .subject
            .starts_with("Changed: Interim incident"),
        "{}",
        jan(&updates).subject
    );
    assert!(
        jan(&updates)
            .body_text
            .contains("Start: Wed 2 Dec 2026 14:00"),
        "{}",
        jan(&updates).body_text
    );
    assert!(
        piet(&updates).subject.starts_with("Gewijzigd: "),
        "{}",
        piet(&updates).subject
    );

    // Moved through the API: sequence 2.
    app.send(
        Req::new(Method::PUT, format!("/api/v1/meetings/{id}"))
            .auth(&w.manager.bearer())
            .json(&json!({ "starts_at": "2026-12-03T09:00:00Z", "duration_minutes": 60 })),
    )
    .await
    .expect(200);
    let again = drain(&app).await;
    assert_eq!(again.len(), 2);
    for m in &again {
        let ics = ics_of(m, "REQUEST");
        assert!(
            ics.contains(&uid) && ics.contains("SEQUENCE:2\r\n"),
            "{ics}"
        );
    }

    // Cancelled on the page: METHOD:CANCEL, same UID, sequence 3, STATUS:CANCELLED.
    admin
        .submit(&page, &format!("{page}/cancellation"), &[])
        .await
        .redirect();
    let cancels = drain(&app).await;
    assert_eq!(cancels.len(), 2);
    for m in &cancels {
        let ics = ics_of(m, "CANCEL");
        assert!(ics.contains("METHOD:CANCEL\r\n"), "{ics}");
        assert!(ics.contains(&uid), "{ics}");
        assert!(ics.contains("SEQUENCE:3\r\n"), "{ics}");
        assert!(ics.contains("STATUS:CANCELLED\r\n"), "{ics}");
        assert!(ics.contains("ATTENDEE;"), "{ics}");
    }
    assert!(
        jan(&cancels).subject.starts_with("Cancelled: "),
        "{}",
        jan(&cancels).subject
    );
    assert!(
        piet(&cancels).subject.starts_with("Afgelast: "),
        "{}",
        piet(&cancels).subject
    );
    // The download now says CANCEL too.
    let dl = Browser::of(&app, &w.admin)
        .get(&format!("/api/v1/meetings/{id}/invitation.ics"))
        .await
        .expect(200);
    assert!(dl.header("content-type").ends_with("method=CANCEL"));
    assert!(dl.html.contains("METHOD:CANCEL\r\n"));

    // Cancelling again mails no one.
    app.post(
        &w.manager.bearer(),
        &format!("/api/v1/meetings/{id}/cancellation"),
        json!({}),
    )
    .await
    .expect(200);
    assert!(drain(&app).await.is_empty());
}

pub async fn meeting_mails_none_for_a_held_meeting(app: App) {
    let w = app.world().await;
    // The world's filings queued their confirmations; this story counts only its own mails.
    drain(&app).await;
    let a = w.a.id;
    let r = app
        .post(
            &w.manager.bearer(),
            &format!("/api/v1/organizations/{a}/meetings"),
            json!({ "kind": "tactical", "starts_at": "2026-11-23T08:00:00Z", "duration_minutes": 60,
                    "attendees": [ { "name": "Piet Extern", "email": "piet@extern.example",
                                     "side": "customer" } ] }),
        )
        .await
        .expect(201);
    let id = r.json["meeting"]["id"].as_i64().expect("id");
    assert_eq!(drain(&app).await.len(), 1);
    app.send(
        Req::new(Method::PUT, format!("/api/v1/meetings/{id}/minutes"))
            .auth(&w.manager.bearer())
            .json(&json!({ "minutes": "Gehouden", "decisions": [] })),
    )
    .await
    .expect(200);
    // Correcting the held meeting's record moves no calendar.
    app.send(
        Req::new(Method::PUT, format!("/api/v1/meetings/{id}"))
            .auth(&w.manager.bearer())
            .json(&json!({ "starts_at": "2026-11-23T08:30:00Z", "duration_minutes": 60 })),
    )
    .await
    .expect(200);
    assert!(drain(&app).await.is_empty());
}
