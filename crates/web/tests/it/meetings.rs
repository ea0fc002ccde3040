//! Meetings (SLA §5.1, SLA-RULES §7): schedules planned on working days (weekends, month ends,
//! holidays, across the DST change), minutes with attendees from both sides, invitations in the
//! outbox with the iCalendar attached, isolation and bad input; the requests of the
//! authorization matrix. Action items, the agenda and the iCalendar text are in
//! `meetings_more`.

use jiff::Timestamp;
use serde_json::{Value, json};
use store::{NewMail, NewMeeting, OrgId, PersonId, Role, Scope};

use crate::harness::{App, Auth};
use crate::world::World;

/// The world's vendor administrator as a store scope.
fn vendor(w: &World) -> Scope {
    Scope::Vendor {
        person: PersonId(w.admin.id),
        role: Role::Admin,
    }
}

/// A meeting planned straight in the store (no attendees, so no mail).
pub async fn stored_meeting(app: &App, w: &World, org: i64, title: &str, starts_at: &str) -> i64 {
    let new = NewMeeting {
        org_id: OrgId(org),
        kind: store::MeetingKind::Tactical,
        title: title.into(),
        starts_at: starts_at.parse().expect("instant"),
        duration_minutes: 60,
        location: String::new(),
        online_url: String::new(),
        attendees: Vec::new(),
        from_schedule: false,
    };
    let now = Timestamp::from_millisecond(app.state.now_ms()).expect("now");
    let (m, _) = app
        .state
        .store
        .plan_meeting(&vendor(w), &new, now, |_, _| {
            (
                NewMail {
                    to_address: String::new(),
                    subject: String::new(),
                    body_text: String::new(),
                },
                None,
            )
        })
        .await
        .expect("meeting");
    m.id.0
}

/// The "Matrix" meeting of a customer (started in the past), planned once.
async fn matrix_meeting(app: &App, w: &World, org: i64) -> i64 {
    let list = app
        .state
        .store
        .list_meetings(&Scope::System, OrgId(org), None, None, None)
        .await
        .expect("meetings");
    match list.iter().find(|m| m.title == "Matrix") {
        Some(m) => m.id.0,
        None => stored_meeting(app, w, org, "Matrix", "2026-11-02T09:00:00Z").await,
    }
}

/// The request of one authorization matrix cell for a meeting endpoint: customer A's id,
/// customer B's, and the body. Cancelling and completing act on fresh meetings and items.
pub async fn matrix_cell(app: &App, w: &World, ep: String, n: usize) -> (i64, i64, Option<Value>) {
    let a = matrix_meeting(app, w, w.a.id).await;
    let b = matrix_meeting(app, w, w.b.id).await;
    let plan = json!({ "kind": "interim", "starts_at": "2030-01-07T10:00:00Z",
                       "duration_minutes": 60, "title": format!("Overleg {n}") });
    let admin = w.admin.bearer();
    match ep.as_str() {
        "ListMeetings" | "MeetingsIcs" | "ListActionItems" | "ListSchedules" => {
            (w.a.id, w.b.id, None)
        }
        "PlanMeeting" => (w.a.id, w.b.id, Some(plan)),
        "GetMeeting" | "MeetingMinutes" | "MeetingInvitation" | "MeetingAgenda" => (a, b, None),
        "ChangeMeeting" | "CancelMeeting" => {
            let fa = stored_meeting(app, w, w.a.id, "Af", "2030-01-01T09:00:00Z").await;
            let fb = stored_meeting(app, w, w.b.id, "Af", "2030-01-01T09:00:00Z").await;
            let body = (ep == "ChangeMeeting").then(|| {
                json!({ "starts_at": "2030-01-02T09:00:00Z", "duration_minutes": 60 + (n % 60) as i64 })
            });
            (fa, fb, body)
        }
        "AddAttendee" => (
            a,
            b,
            Some(json!({ "name": format!("Gast {n}"), "side": "customer" })),
        ),
        "RecordMinutes" => (
            a,
            b,
            Some(json!({ "minutes": format!("Besproken {n}"), "decisions": ["Door"] })),
        ),
        "AddActionItem" => (
            a,
            b,
            Some(json!({ "what": format!("Actie {n}"), "owner_name": "Piet",
                         "due_on": "2026-12-01" })),
        ),
        "MoveActionItem" => {
            let mut ids = Vec::new();
            for m in [a, b] {
                let r = app
                    .post(
                        &admin,
                        &format!("/api/v1/meetings/{m}/action-items"),
                        json!({ "what": format!("Te verzetten {n}"), "owner_name": "Piet",
                                "due_on": "2026-12-01" }),
                    )
                    .await
                    .expect(201);
                ids.push(r.id());
            }
            (ids[0], ids[1], Some(json!({ "due_on": "2026-12-08" })))
        }
        "CompleteActionItem" => {
            let mut ids = Vec::new();
            for m in [a, b] {
                let r = app
                    .post(
                        &admin,
                        &format!("/api/v1/meetings/{m}/action-items"),
                        json!({ "what": format!("Af te ronden {n}"), "owner_name": "Piet",
                                "due_on": "2026-12-01" }),
                    )
                    .await
                    .expect(201);
                ids.push(r.id());
            }
            (ids[0], ids[1], Some(json!({ "note": "klaar" })))
        }
        "GetSchedule" | "SetSchedule" => {
            let body = json!({ "every_months": 3, "anchor_on": "2027-01-27",
                               "local_time": "10:00", "duration_minutes": 90 });
            for org in [w.a.id, w.b.id] {
                let path = format!("/api/v1/organizations/{org}/meeting-schedules/tactical");
                if app.get(&admin, &path).await.status.as_u16() == 404 {
                    app.send(
                        crate::harness::Req::new(axum::http::Method::PUT, &path)
                            .auth(&admin)
                            .json(&body),
                    )
                    .await
                    .expect(200);
                }
            }
            (w.a.id, w.b.id, (ep == "SetSchedule").then_some(body))
        }
        other => panic!("no matrix request for {other}"),
    }
}

/// `PUT path` with a JSON body.
pub async fn put(app: &App, auth: &Auth, path: &str, body: Value) -> crate::harness::Resp {
    app.send(
        crate::harness::Req::new(axum::http::Method::PUT, path)
            .auth(auth)
            .json(&body),
    )
    .await
}

/// The UTC start of a meeting.
fn start(m: &Value) -> &str {
    m["starts_at"].as_str().expect("starts_at")
}

/// A schedule plans its meetings on working days at the local time: a Sunday moves to Monday,
/// the 31st is clamped to the month's end, King's Day and Christmas move on, and 10:00 in
/// Amsterdam is 09:00Z in winter and 08:00Z in summer.
pub async fn meetings_schedule_on_working_days(app: App) {
    let w = app.world().await;
    let m = w.manager.bearer();
    let a = w.a.id;
    let path = |kind: &str| format!("/api/v1/organizations/{a}/meeting-schedules/{kind}");
    let series = |anchor: &str, every: i64| {
        json!({ "every_months": every, "anchor_on": anchor, "local_time": "10:00",
                "duration_minutes": 90, "location": "Utrecht" })
    };

    // Tactical every quarter from Wednesday 2027-01-27: the first falls on the anchor.
    let s = put(&app, &m, &path("tactical"), series("2027-01-27", 3))
        .await
        .expect(200);
    assert_eq!(
        (s.json["next_on"].as_str(), s.json["occurrence"].as_i64()),
        (Some("2027-01-27"), Some(0))
    );
    let first = s.json["next_meeting_id"].as_i64().expect("planned");
    let got = app
        .get(&m, &format!("/api/v1/meetings/{first}"))
        .await
        .expect(200);
    assert_eq!(start(&got.json), "2027-01-27T09:00:00Z");
    assert_eq!(got.json["ends_at"], "2027-01-27T10:30:00Z");
    assert_eq!(
        (
            got.json["status"].as_str(),
            got.json["from_schedule"].as_bool()
        ),
        (Some("planned"), Some(true))
    );
    // Held: the next is 2027-04-27, King's Day (a Tuesday), so Wednesday the 28th, in summer time.
    app.set_time("2027-01-27T11:00:00Z");
    put(
        &app,
        &m,
        &format!("/api/v1/meetings/{first}/minutes"),
        json!({ "minutes": "Q4 besproken" }),
    )
    .await
    .expect(200);
    let s = app.get(&m, &path("tactical")).await.expect(200);
    assert_eq!(
        (s.json["next_on"].as_str(), s.json["occurrence"].as_i64()),
        (Some("2027-04-28"), Some(1))
    );
    let second = s.json["next_meeting_id"].as_i64().expect("planned");
    let got = app
        .get(&m, &format!("/api/v1/meetings/{second}"))
        .await
        .expect(200);
    assert_eq!(start(&got.json), "2027-04-28T08:00:00Z");

    // Interim every month from Sunday 2027-01-31: Monday 1 February; cancelled, then Sunday
    // 28 February (the 31st clamped) moves to Monday 1 March; cancelled, then Wednesday 31
    // March, after the change to summer time.
    app.set_time("2027-01-10T09:00:00Z");
    let s = put(&app, &m, &path("interim"), series("2027-01-31", 1))
        .await
        .expect(200);
    let mut expected = vec![
        ("2027-02-01", "2027-02-01T09:00:00Z"),
        ("2027-03-01", "2027-03-01T09:00:00Z"),
        ("2027-03-31", "2027-03-31T08:00:00Z"),
    ]
    .into_iter();
    let mut id = s.json["next_meeting_id"].as_i64().expect("planned");
    let mut on = s.json["next_on"].as_str().expect("next_on").to_string();
    for (day, utc) in expected.by_ref() {
        assert_eq!(on, day);
        let got = app
            .get(&m, &format!("/api/v1/meetings/{id}"))
            .await
            .expect(200);
        assert_eq!(start(&got.json), utc, "{}", got.json);
        app.post(
            &m,
            &format!("/api/v1/meetings/{id}/cancellation"),
            json!({}),
        )
        .await
        .expect(200);
        let s = app.get(&m, &path("interim")).await.expect(200);
        id = s.json["next_meeting_id"].as_i64().expect("planned");
        on = s.json["next_on"].as_str().expect("next_on").to_string();
    }
    // Cancelled once more: 30 April (clamped), a Friday.
    assert_eq!(on, "2027-04-30");

    // Strategic yearly from Christmas 2026 (a Friday): Boxing Day and the weekend follow, so
    // Monday 28 December.
    app.set_time("2026-11-23T09:00:00Z");
    let s = put(&app, &m, &path("strategic"), series("2026-12-25", 12))
        .await
        .expect(200);
    assert_eq!(s.json["next_on"], "2026-12-28");
    // An anchor in the past plans the first occurrence from today on: 2026-08-25 every 3
    // months is 2026-11-25 (a Wednesday).
    let s = put(&app, &m, &path("strategic"), series("2026-08-25", 3))
        .await
        .expect(200);
    assert_eq!(
        (s.json["next_on"].as_str(), s.json["occurrence"].as_i64()),
        (Some("2026-11-25"), Some(1))
    );
    // Setting it again moved the meeting it had planned rather than planning a second one.
    let planned: Vec<Value> = app
        .get(
            &m,
            &format!("/api/v1/organizations/{a}/meetings?kind=strategic&status=planned"),
        )
        .await
        .expect(200)
        .json
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert_eq!(start(&planned[0]), "2026-11-25T09:00:00Z");
    assert_eq!(planned[0]["sequence"], 1);

    // Bad input: the interval and the anchor are checked.
    for (body, field) in [
        (series("2027-01-31", 0), "every_months"),
        (series("2027-01-31", 25), "every_months"),
        (series("2300-01-01", 1), "anchor_on"),
    ] {
        put(&app, &m, &path("tactical"), body)
            .await
            .problem(422, Some(field));
    }
    put(&app, &m, &path("tactical"), series("31-01-2027", 1))
        .await
        .problem(400, Some("anchor_on"));
    let mut bad_time = series("2027-01-31", 1);
    bad_time["local_time"] = json!("25:00");
    put(&app, &m, &path("tactical"), bad_time)
        .await
        .problem(400, Some("local_time"));
    // Customers read their schedules; they do not set them.
    app.get(&w.a.viewer.bearer(), &path("tactical"))
        .await
        .expect(200);
    put(
        &app,
        &w.a.admin.bearer(),
        &path("tactical"),
        series("2027-01-31", 1),
    )
    .await
    .problem(403, None);
    app.get(&w.b.admin.bearer(), &path("tactical"))
        .await
        .problem(404, None);
}

/// Minutes name attendees from both sides, with and without accounts; each attendee with an
/// address gets an invitation with the iCalendar attached, in their language.
pub async fn meetings_minutes_with_both_sides(app: App) {
    let w = app.world().await;
    // The world's filings queued their confirmations; this story counts only its own mails.
    crate::meeting_mails::drain(&app).await;
    let m = w.manager.bearer();
    let a = w.a.id;
    let r = app
        .post(
            &m,
            &format!("/api/v1/organizations/{a}/meetings"),
            json!({ "kind": "tactical", "starts_at": "2026-11-30T09:00:00Z", "duration_minutes": 90,
                    "location": "Utrecht", "online_url": "https://meet.example/abc",
                    "attendees": [
                        { "name": "M. Manager", "email": "m.manager@loket.example", "side": "vendor",
                          "role": "service manager", "person_id": w.manager.id },
                        { "name": "Jan Beheer", "email": "jan.beheer@klant-a.example", "side": "customer",
                          "role": "service manager", "person_id": w.a.admin.id },
                        { "name": "Piet Extern", "email": "piet@extern.example", "side": "customer",
                          "role": "contract owner" },
                        { "name": "Zonder Adres", "side": "vendor", "role": "notulist" } ] }),
        )
        .await
        .expect(201);
    assert_eq!(r.json["invitations_queued"], 3, "{}", r.json);
    let meeting = &r.json["meeting"];
    let id = meeting["id"].as_i64().expect("id");
    let attendees = meeting["attendees"].as_array().expect("attendees").clone();
    assert_eq!(attendees.len(), 4);
    assert!(attendees.iter().all(|x| x["present"].is_null()));

    // The outbox holds one mail per address, each with the invitation attached.
    let mails = app
        .state
        .store
        .claim_mail("peek", app.state.now_ms(), 1, 100)
        .await
        .expect("outbox");
    assert_eq!(mails.len(), 3);
    for mail in &mails {
        let att = mail.attachment().expect("attachment");
        assert_eq!(att.name, "invite.ics");
        assert!(
            att.content_type.starts_with("text/calendar"),
            "{}",
            att.content_type
        );
        assert!(att.content_type.contains("method=REQUEST"));
        let ics = att.body.replace("\r\n ", "");
        assert!(ics.contains("METHOD:REQUEST\r\n"), "{ics}");
        assert!(ics.contains(&format!("UID:meeting-{id}@loket\r\n")));
        assert!(ics.contains("DTSTART:20261130T090000Z\r\n"));
        assert!(ics.contains("DTEND:20261130T103000Z\r\n"));
        assert!(ics.contains("ATTENDEE;CN=\"Piet Extern\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:piet@extern.example\r\n"), "{ics}");
        assert!(ics.contains("ORGANIZER;CN="), "{ics}");
        assert!(!ics.contains("Zonder Adres"));
    }
    let to = |addr: &str| mails.iter().find(|x| x.to_address == addr).expect("mail");
    // The world's people read English; a person without an account gets Dutch.
    assert!(
        to("jan.beheer@klant-a.example")
            .subject
            .starts_with("Invitation: Service-level meeting with Klant A"),
        "{}",
        to("jan.beheer@klant-a.example").subject
    );
    assert!(
        to("jan.beheer@klant-a.example")
            .body_text
            .contains("Start: Mon 30 Nov 2026 10:00"),
        "{}",
        to("jan.beheer@klant-a.example").body_text
    );
    assert!(
        to("piet@extern.example")
            .subject
            .starts_with("Uitnodiging: Service-level overleg met Klant A"),
        "{}",
        to("piet@extern.example").subject
    );
    for mail in &mails {
        app.state
            .store
            .mail_sent(mail.id, "peek", app.state.now_ms())
            .await
            .expect("sent");
    }

    // Not before it started.
    let minutes = json!({ "minutes": "Rapportage oktober besproken.\n\nGeen bijzonderheden.",
                          "decisions": ["P2-termijn blijft", "Volgend overleg in maart"],
                          "present": [attendees[0]["id"], attendees[2]["id"]] });
    let path = format!("/api/v1/meetings/{id}/minutes");
    put(&app, &m, &path, minutes.clone())
        .await
        .problem(422, Some("id"));
    app.set_time("2026-11-30T10:45:00Z");
    // Customers do not record minutes; attendees must be on the meeting.
    put(&app, &w.a.admin.bearer(), &path, minutes.clone())
        .await
        .problem(403, None);
    put(
        &app,
        &m,
        &path,
        json!({ "present": [attendees[0]["id"], 987_654] }),
    )
    .await
    .problem(422, Some("present[1]"));
    put(&app, &m, &path, json!({ "decisions": ["  "] }))
        .await
        .problem(422, Some("decisions[0]"));
    let held = put(&app, &m, &path, minutes).await.expect(200);
    assert_eq!(held.json["status"], "held");
    assert_eq!(
        held.json["decisions"],
        json!(["P2-termijn blijft", "Volgend overleg in maart"])
    );
    let present: Vec<Option<bool>> = held.json["attendees"]
        .as_array()
        .expect("attendees")
        .iter()
        .map(|x| x["present"].as_bool())
        .collect();
    assert_eq!(
        present,
        vec![Some(true), Some(false), Some(true), Some(false)]
    );

    // The minutes as JSON, seen by the customer too, and printable in English.
    let j = app
        .get(
            &w.a.viewer.bearer(),
            &format!("/api/v1/meetings/{id}/minutes"),
        )
        .await
        .expect(200);
    assert_eq!(j.json["customer"], "Klant A");
    assert_eq!(
        j.json["meeting"]["minutes"],
        "Rapportage oktober besproken.\n\nGeen bijzonderheden."
    );
    let html = app
        .get(
            &w.a.admin.bearer(),
            &format!("/api/v1/meetings/{id}/minutes?format=html&lang=en"),
        )
        .await
        .expect(200);
    let text = String::from_utf8_lossy(&html.body).to_string();
    assert!(
        html.headers["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    for part in [
        "<html lang=\"en\">",
        "Minutes: Service-level meeting",
        "Klant A",
        "Piet Extern",
        "customer",
        "service provider",
        "P2-termijn blijft",
        "Mon 30 Nov 2026 10:00",
        "/static/report.css",
        "<p>Geen bijzonderheden.</p>",
    ] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
    let nl = app
        .get(&m, &format!("/api/v1/meetings/{id}/minutes?format=html"))
        .await
        .expect(200);
    assert!(String::from_utf8_lossy(&nl.body).contains("Verslag: Service-level overleg"));

    // Isolation: another customer's meeting is not found; viewers and agents of the other side
    // cannot write.
    for path in [
        format!("/api/v1/meetings/{id}"),
        format!("/api/v1/meetings/{id}/minutes"),
        format!("/api/v1/meetings/{id}/invitation.ics"),
        format!("/api/v1/meetings/{id}/agenda"),
    ] {
        app.get(&w.b.admin.bearer(), &path).await.problem(404, None);
    }
    app.post(
        &w.a.viewer.bearer(),
        &format!("/api/v1/organizations/{a}/meetings"),
        json!({ "kind": "tactical", "starts_at": "2026-12-30T09:00:00Z", "duration_minutes": 60 }),
    )
    .await
    .problem(403, None);
    app.post(
        &w.a.viewer.bearer(),
        &format!("/api/v1/meetings/{id}/cancellation"),
        json!({}),
    )
    .await
    .problem(403, None);

    // Attendees: an account of another customer, or on the wrong side, is refused.
    let att = format!("/api/v1/meetings/{id}/attendees");
    app.post(
        &m,
        &att,
        json!({ "name": "B", "side": "customer", "person_id": w.b.admin.id }),
    )
    .await
    .problem(422, Some("person_id"));
    app.post(
        &m,
        &att,
        json!({ "name": "M", "side": "customer", "person_id": w.manager.id }),
    )
    .await
    .problem(422, Some("side"));
    app.post(
        &m,
        &att,
        json!({ "name": "X", "side": "customer", "email": "geen-adres" }),
    )
    .await
    .problem(422, Some("email"));
    // A held meeting takes late attendees without inviting them.
    let r = app
        .post(
            &m,
            &att,
            json!({ "name": "Laat", "side": "customer", "email": "laat@klant-a.example" }),
        )
        .await
        .expect(201);
    assert_eq!(r.json["invitations_queued"], 0);

    // Bad plans name their field.
    let plan = |extra: Value| {
        let mut b = json!({ "kind": "tactical", "starts_at": "2026-12-30T09:00:00Z", "duration_minutes": 60 });
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let create = format!("/api/v1/organizations/{a}/meetings");
    for (extra, status, field) in [
        (json!({ "duration_minutes": 0 }), 422, "duration_minutes"),
        (json!({ "duration_minutes": 1441 }), 422, "duration_minutes"),
        (
            json!({ "online_url": "ftp://meet.example" }),
            422,
            "online_url",
        ),
        (json!({ "starts_at": "morgen" }), 400, "starts_at"),
        (
            json!({ "starts_at": "2300-01-01T09:00:00Z" }),
            422,
            "starts_at",
        ),
        (json!({ "kind": "weekly" }), 400, "kind"),
        (json!({ "title": "x".repeat(201) }), 400, "title"),
        (
            json!({ "attendees": [{ "name": " ", "side": "vendor" }] }),
            422,
            "attendees[0].name",
        ),
    ] {
        app.post(&m, &create, plan(extra))
            .await
            .problem(status, Some(field));
    }
    // A held meeting's record may be corrected, but it cannot be cancelled; a cancelled one
    // stays cancelled (cancelling again changes nothing) and is not changed.
    let corrected = put(
        &app,
        &m,
        &format!("/api/v1/meetings/{id}"),
        json!({ "starts_at": "2026-11-30T09:15:00Z", "duration_minutes": 75, "location": "Utrecht" }),
    )
    .await
    .expect(200);
    assert_eq!(
        (corrected.json["status"].as_str(), start(&corrected.json)),
        (Some("held"), "2026-11-30T09:15:00Z")
    );
    app.post(
        &m,
        &format!("/api/v1/meetings/{id}/cancellation"),
        json!({}),
    )
    .await
    .problem(422, Some("id"));
    let other = app
        .post(&m, &create, plan(json!({})))
        .await
        .expect(201)
        .json["meeting"]["id"]
        .as_i64()
        .expect("id");
    let cancel = format!("/api/v1/meetings/{other}/cancellation");
    let once = app.post(&m, &cancel, json!({})).await.expect(200);
    let twice = app.post(&m, &cancel, json!({})).await.expect(200);
    assert_eq!(once.json, twice.json);
    assert_eq!(
        (
            twice.json["status"].as_str(),
            twice.json["sequence"].as_i64()
        ),
        (Some("cancelled"), Some(1))
    );
    put(
        &app,
        &m,
        &format!("/api/v1/meetings/{other}"),
        json!({ "starts_at": "2026-12-01T09:00:00Z", "duration_minutes": 60 }),
    )
    .await
    .problem(422, Some("id"));
    app.post(
        &m,
        &format!("/api/v1/meetings/{other}/attendees"),
        json!({ "name": "Te laat", "side": "vendor" }),
    )
    .await
    .problem(422, Some("id"));
    // An empty address is no address.
    app.post(
        &m,
        &att,
        json!({ "name": "Leeg", "side": "customer", "email": "" }),
    )
    .await
    .problem(422, Some("email"));
}
