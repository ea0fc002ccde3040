//! Reminders (SLA-RULES §7) on the injected clock: two working days before a planned
//! follow-up (to the administrator who requested the consultation and the service managers)
//! and before an action item's due date while it is not done (to its owner, the attendee of
//! that name, or the meeting's organiser), each in the recipient's language; sent at the first
//! moment of the day they are due and not a second earlier, once, also with two runs at the
//! same moment; a moved due date or the next follow-up reminds again; the job runs under a
//! lease.

use std::time::Duration;

use serde_json::json;
use store::{OutboxMail, PersonId, ReminderKind, Scope};

use crate::compensation::{meeting, miss, request, story};
use crate::harness::App;
use crate::meeting_mails::drain;

const FEE: &str = "[compensation]\nmonthly_fee_cents = 123450\n";

/// The reminders among the mails, as (address, subject), sorted.
fn reminders(mails: &[OutboxMail]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Herinnering") || m.subject.starts_with("Reminder"))
        .map(|m| (m.to_address.clone(), m.subject.clone()))
        .collect();
    out.sort();
    out
}

/// One run of the reminders now: (follow-ups, action items, mails).
async fn run(app: &App) -> (usize, usize, usize) {
    let r = app.state.send_reminders().await.expect("reminders");
    (r.follow_ups, r.action_items, r.mails)
}

pub async fn reminders_before_follow_ups(app: App) {
    let s = story(&app, FEE).await;
    let admin = s.w.a.admin.email.to_lowercase();
    let manager = s.w.manager.email.to_lowercase();
    app.state
        .store
        .set_lang(PersonId(s.w.a.admin.id), "nl")
        .await
        .expect("lang");
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    app.state
        .request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");
    app.set_time("2026-04-08T12:00:00Z");
    app.state
        .record_consultation(&s.manager, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation");
    assert_eq!(
        app.state
            .escalation(&s.manager, s.a)
            .await
            .expect("view")
            .next_follow_up
            .as_deref(),
        Some("2026-05-08")
    );
    drain(&app).await;

    // Friday 8 May: two working days before is Wednesday 6 May, from 00:00 Amsterdam (CEST).
    app.set_time("2026-05-05T21:59:59Z");
    assert_eq!(run(&app).await.0, 0, "not a second early");
    assert!(reminders(&drain(&app).await).is_empty());
    app.set_time("2026-05-05T22:00:00Z");
    let (follow_ups, _, _) = run(&app).await;
    assert_eq!(follow_ups, 1);
    assert_eq!(
        reminders(&drain(&app).await),
        vec![
            (
                admin.clone(),
                "Herinnering: vervolgoverleg Klant A op vr 8 mei 2026".to_string()
            ),
            (
                manager.clone(),
                "Reminder: follow-up with Klant A on Fri 8 May 2026".to_string()
            ),
        ]
    );
    // Once: again that moment, later that day, and on the day itself.
    assert_eq!(run(&app).await.0, 0);
    app.set_time("2026-05-08T07:00:00Z");
    assert_eq!(run(&app).await.0, 0);
    assert!(reminders(&drain(&app).await).is_empty());

    // No progress: the next follow-up, Monday 8 June, is reminded of from Thursday 4 June.
    app.set_time("2026-05-08T12:00:00Z");
    app.state
        .record_follow_up(&s.manager, s.a, meeting(&s, "2026-05-08"), false, "Geen")
        .await
        .expect("follow-up");
    drain(&app).await;
    app.set_time("2026-06-03T21:59:59Z");
    assert_eq!(run(&app).await.0, 0);
    app.set_time("2026-06-03T22:00:00Z");
    assert_eq!(run(&app).await.0, 1);
    let mails = reminders(&drain(&app).await);
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails[0].1.contains("ma 8 jun 2026"), "{mails:?}");
    let sent = app
        .state
        .store
        .reminders(&Scope::System, s.a)
        .await
        .expect("reminders");
    let follow_ups: Vec<(ReminderKind, String, i64)> = sent
        .iter()
        .filter(|r| r.kind == ReminderKind::FollowUp)
        .map(|r| (r.kind, r.due_on.to_string(), r.mails))
        .collect();
    assert_eq!(
        follow_ups,
        vec![
            (ReminderKind::FollowUp, "2026-05-08".to_string(), 2),
            (ReminderKind::FollowUp, "2026-06-08".to_string(), 2),
        ]
    );
}

pub async fn reminders_before_action_items(app: App) {
    let w = app.world().await;
    let (a, mgr) = (w.a.id, w.manager.bearer());
    app.state
        .store
        .set_lang(PersonId(w.a.admin.id), "nl")
        .await
        .expect("lang");
    let r = app
        .post(
            &mgr,
            &format!("/api/v1/organizations/{a}/meetings"),
            json!({ "kind": "interim", "starts_at": "2026-11-24T09:00:00Z", "duration_minutes": 60,
                    "attendees": [{ "name": "Piet Extern", "email": "piet@extern.example",
                                    "side": "customer" }] }),
        )
        .await
        .expect(201);
    let m = r.json["meeting"]["id"].as_i64().expect("id");
    let item = |what: &str, owner: &str, person: Option<i64>, due: &str| json!({ "what": what, "owner_name": owner, "owner_person_id": person, "due_on": due });
    let add = |body: serde_json::Value| {
        let (app, mgr) = (app.clone(), mgr.clone());
        async move {
            app.post(&mgr, &format!("/api/v1/meetings/{m}/action-items"), body)
                .await
                .expect(201)
                .id()
        }
    };
    let admin = Some(w.a.admin.id);
    let owned = add(item(
        "Logbestanden opschonen",
        "Jan Beheer",
        admin,
        "2026-12-03",
    ))
    .await;
    let done = add(item("Back-up testen", "Jan Beheer", admin, "2026-12-03")).await;
    add(item(
        "Leverancier bellen",
        "Piet Extern",
        None,
        "2026-12-03",
    ))
    .await;
    add(item("Rapport lezen", "Iemand Anders", None, "2026-12-03")).await;
    add(item(
        "Draaiboek bijwerken",
        "Jan Beheer",
        admin,
        "2026-12-10",
    ))
    .await;
    app.post(
        &w.a.admin.bearer(),
        &format!("/api/v1/action-items/{done}/completion"),
        json!({}),
    )
    .await
    .expect(200);
    drain(&app).await;

    // Thursday 3 December: from Tuesday 1 December, 00:00 Amsterdam (CET).
    app.set_time("2026-11-30T22:59:59Z");
    assert_eq!(run(&app).await, (0, 0, 0), "not a second early");
    app.set_time("2026-11-30T23:00:00Z");
    // Two runs at the same moment send each reminder once.
    let (one, two) = tokio::join!(app.state.send_reminders(), app.state.send_reminders());
    let (one, two) = (one.expect("run"), two.expect("run"));
    assert_eq!(one.action_items + two.action_items, 3, "{one:?} {two:?}");
    assert_eq!(one.mails + two.mails, 3);
    let mails = drain(&app).await;
    assert_eq!(
        reminders(&mails),
        vec![
            (
                w.a.admin.email.to_lowercase(),
                "Herinnering: actiepunt uiterlijk do 3 dec 2026 (Klant A)".to_string()
            ),
            (
                w.manager.email.to_lowercase(),
                "Reminder: action item due Thu 3 Dec 2026 (Klant A)".to_string()
            ),
            (
                "piet@extern.example".to_string(),
                "Herinnering: actiepunt uiterlijk do 3 dec 2026 (Klant A)".to_string()
            ),
        ],
        "the owner with an account, the attendee of that name, else the organiser; \
         the item done is not reminded of"
    );
    let to_admin = mails
        .iter()
        .find(|m| m.to_address == w.a.admin.email.to_lowercase())
        .expect("the owner's mail");
    assert!(
        to_admin.body_text.contains("Logbestanden opschonen")
            && to_admin.body_text.contains("Eigenaar: Jan Beheer"),
        "{}",
        to_admin.body_text
    );
    assert_eq!(run(&app).await, (0, 0, 0), "once");

    // Moving the date: only the service desk, not an item that is done; the new date
    // reminds again, with the item that was due then already.
    let moved = format!("/api/v1/action-items/{owned}/due-on");
    app.send(
        crate::harness::Req::new(axum::http::Method::PUT, &moved)
            .auth(&w.a.admin.bearer())
            .json(&json!({ "due_on": "2026-12-10" })),
    )
    .await
    .problem(403, None);
    app.send(
        crate::harness::Req::new(
            axum::http::Method::PUT,
            format!("/api/v1/action-items/{done}/due-on"),
        )
        .auth(&mgr)
        .json(&json!({ "due_on": "2026-12-10" })),
    )
    .await
    .problem(409, Some("id"));
    let r = app
        .send(
            crate::harness::Req::new(axum::http::Method::PUT, &moved)
                .auth(&mgr)
                .json(&json!({ "due_on": "2026-12-10" })),
        )
        .await
        .expect(200);
    assert_eq!(r.json["due_on"], "2026-12-10");
    app.set_time("2026-12-07T22:59:59Z");
    assert_eq!(run(&app).await, (0, 0, 0));
    app.set_time("2026-12-07T23:00:00Z");
    assert_eq!(run(&app).await, (0, 2, 2));
    let again = reminders(&drain(&app).await);
    assert_eq!(
        again,
        vec![
            (
                w.a.admin.email.to_lowercase(),
                "Herinnering: actiepunt uiterlijk do 10 dec 2026 (Klant A)".to_string()
            );
            2
        ]
    );
    let sent = app
        .state
        .store
        .reminders(&Scope::System, store::OrgId(a))
        .await
        .expect("reminders");
    let of_owned: Vec<String> = sent
        .iter()
        .filter(|r| r.kind == ReminderKind::ActionItem && r.subject_id == owned)
        .map(|r| r.due_on.to_string())
        .collect();
    assert_eq!(of_owned, vec!["2026-12-03", "2026-12-10"]);

    // The job: one instance holds the lease, another stands by.
    let ttl = Duration::from_secs(1800);
    assert!(
        app.state
            .reminders_under_lease("instance-one", ttl)
            .await
            .expect("lease")
            .is_some()
    );
    assert!(
        app.state
            .reminders_under_lease("instance-two", ttl)
            .await
            .expect("lease")
            .is_none()
    );
    assert_eq!(
        app.state
            .reminders_under_lease("instance-one", ttl)
            .await
            .expect("lease"),
        Some(desk::reminders::ReminderRun::default()),
        "the holder renews it, and nothing is sent twice"
    );
    app.advance(1801);
    assert!(
        app.state
            .reminders_under_lease("instance-two", ttl)
            .await
            .expect("lease")
            .is_some(),
        "the lease passes on once it lapses"
    );
}
