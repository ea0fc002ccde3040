//! Meetings, continued: action items done and overdue by the injected clock, the tactical
//! agenda against the monthly reports, the iCalendar text.

use serde_json::{Value, json};

use crate::harness::App;
use crate::meetings::{put, stored_meeting};

/// Action items are tracked to the end: overdue from the day after their due date in
/// Amsterdam, by the injected clock; done once, by the service desk or the customer's
/// administrator.
pub async fn meetings_action_items_done_and_overdue(app: App) {
    let w = app.world().await;
    let m = w.manager.bearer();
    let id = stored_meeting(&app, &w, w.a.id, "", "2026-11-20T09:00:00Z").await;
    let add = format!("/api/v1/meetings/{id}/action-items");
    let first = app
        .post(
            &m,
            &add,
            json!({ "what": "Escalatieladder nalopen", "owner_name": "Jan Beheer",
                                "owner_person_id": w.a.admin.id, "due_on": "2026-11-25" }),
        )
        .await
        .expect(201);
    let second = app
        .post(
            &m,
            &add,
            json!({ "what": "Monitoring uitbreiden", "owner_name": "A. Agent",
                                "owner_person_id": w.agent.id, "due_on": "2026-12-31" }),
        )
        .await
        .expect(201);
    assert_eq!(
        (
            first.json["overdue"].as_bool(),
            first.json["done_at"].is_null()
        ),
        (Some(false), true)
    );
    let (first, second) = (first.id(), second.id());
    app.post(&m, &add, json!({ "what": "X", "owner_name": "B", "owner_person_id": w.b.admin.id, "due_on": "2026-12-01" }))
        .await
        .problem(422, Some("owner_person_id"));
    app.post(
        &m,
        &add,
        json!({ "what": "X", "owner_name": "B", "due_on": "1 december" }),
    )
    .await
    .problem(400, Some("due_on"));
    app.post(
        &w.a.admin.bearer(),
        &add,
        json!({ "what": "X", "owner_name": "B", "due_on": "2026-12-01" }),
    )
    .await
    .problem(403, None);

    let overdue = |r: &crate::harness::Resp| -> Vec<(i64, bool)> {
        r.json
            .as_array()
            .expect("list")
            .iter()
            .map(|i| {
                (
                    i["id"].as_i64().expect("id"),
                    i["overdue"].as_bool().expect("overdue"),
                )
            })
            .collect()
    };
    let list = format!("/api/v1/organizations/{}/action-items?open=true", w.a.id);
    // 23:30 in Amsterdam on the due date: not yet overdue; half an hour later it is.
    app.set_time("2026-11-25T22:30:00Z");
    assert_eq!(
        overdue(&app.get(&m, &list).await.expect(200)),
        vec![(first, false), (second, false)]
    );
    app.set_time("2026-11-25T23:30:00Z");
    assert_eq!(
        overdue(&app.get(&w.a.viewer.bearer(), &list).await.expect(200)),
        vec![(first, true), (second, false)]
    );
    // The agenda flags it too.
    let agenda = app
        .get(&m, &format!("/api/v1/meetings/{id}/agenda"))
        .await
        .expect(200);
    let open: Vec<(i64, bool)> = agenda.json["open_action_items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().expect("id"),
                i["overdue"].as_bool().expect("overdue"),
            )
        })
        .collect();
    assert_eq!(open, vec![(first, true), (second, false)]);

    // Done by the customer's administrator; not by the viewer, not by another customer.
    let done = format!("/api/v1/action-items/{first}/completion");
    app.post(&w.a.viewer.bearer(), &done, json!({}))
        .await
        .problem(403, None);
    app.post(&w.b.admin.bearer(), &done, json!({}))
        .await
        .problem(404, None);
    let r = app
        .post(&w.a.admin.bearer(), &done, json!({ "note": "Nagelopen" }))
        .await
        .expect(200);
    assert_eq!(r.json["done_at"], "2026-11-25T23:30:00Z");
    assert_eq!(
        (r.json["done_by"].as_i64(), r.json["overdue"].as_bool()),
        (Some(w.a.admin.id), Some(false))
    );
    assert_eq!(r.json["done_note"], "Nagelopen");
    app.post(&m, &done, json!({}))
        .await
        .problem(409, Some("id"));
    assert_eq!(
        overdue(&app.get(&m, &list).await.expect(200)),
        vec![(second, false)]
    );
    let all = format!("/api/v1/organizations/{}/action-items?meeting={id}", w.a.id);
    assert_eq!(
        app.get(&m, &all)
            .await
            .expect(200)
            .json
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // In 2027 the second is overdue as well, and the minutes say so.
    app.set_time("2027-01-01T09:00:00Z");
    assert_eq!(
        overdue(&app.get(&m, &list).await.expect(200)),
        vec![(second, true)]
    );
    let html = app
        .get(
            &m,
            &format!("/api/v1/meetings/{id}/minutes?format=html&lang=en"),
        )
        .await
        .expect(200);
    let text = String::from_utf8_lossy(&html.body).to_string();
    assert!(
        text.contains("overdue") && text.contains("Done Thu 26 Nov 2026 00:30"),
        "{text}"
    );
    // Another customer's list is not found.
    app.get(&w.b.admin.bearer(), &list).await.problem(404, None);
}

/// The tactical agenda covers the months since the previous tactical meeting, with the same
/// failed and missed targets (and reasons) and availability as the monthly reports, the open
/// action items, the open RFC tickets, and no escalation.
pub async fn meetings_agenda_from_the_data(app: App) {
    let w = app.world().await;
    let m = w.manager.bearer();
    let a = w.a.id;
    // An environment of A's, for the availability figures.
    app.post(
        &m,
        &format!("/api/v1/organizations/{a}/environments"),
        json!({ "name": "Productie" }),
    )
    .await
    .expect(201);
    // The previous tactical meeting, held in October.
    let previous = stored_meeting(&app, &w, a, "Q3", "2026-10-15T08:00:00Z").await;
    put(
        &app,
        &m,
        &format!("/api/v1/meetings/{previous}/minutes"),
        json!({ "minutes": "Q3" }),
    )
    .await
    .expect(200);
    // A's incident from the world misses its targets while nobody resolves it.
    app.set_time("2027-01-10T09:00:00Z");
    app.state.refresh_clocks().await.expect("refresh");
    app.send(
        crate::harness::Req::new(
            axum::http::Method::PUT,
            format!("/api/v1/tickets/{}/miss-reason", w.a.ticket),
        )
        .auth(&m)
        .json(&json!({ "reason": "Wachten op leverancier" })),
    )
    .await
    .expect(200);
    // An open RFC and a resolved one, filed now (not yet past their targets).
    let rfc = app
        .file(
            &w.a.admin.bearer(),
            json!({ "kind": "rfc", "subject": "Nieuw rapport" }),
        )
        .await;
    let done = app
        .file(
            &w.a.admin.bearer(),
            json!({ "kind": "rfc", "subject": "Kleur" }),
        )
        .await;
    app.post(
        &m,
        &format!("/api/v1/tickets/{}/status", done["id"]),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    let next = stored_meeting(&app, &w, a, "Q4", "2027-01-12T09:00:00Z").await;
    let item = app
        .post(
            &m,
            &format!("/api/v1/meetings/{previous}/action-items"),
            json!({ "what": "Rapportage", "owner_name": "Jan", "due_on": "2027-02-01" }),
        )
        .await
        .expect(201)
        .id();

    let agenda = app
        .get(
            &w.a.admin.bearer(),
            &format!("/api/v1/meetings/{next}/agenda"),
        )
        .await
        .expect(200);
    let g = &agenda.json;
    assert_eq!(g["previous_meeting_id"].as_i64(), Some(previous));
    let months: Vec<&str> = g["months"]
        .as_array()
        .expect("months")
        .iter()
        .map(|x| x["month"].as_str().expect("month"))
        .collect();
    assert_eq!(months, vec!["2026-10", "2026-11", "2026-12"]);
    let mut reasons = Vec::new();
    for month in g["months"].as_array().expect("months") {
        let name = month["month"].as_str().expect("month");
        let report = app
            .get(&m, &format!("/api/v1/reports/{name}?organization={a}"))
            .await
            .expect(200)
            .json;
        let failed: Vec<Value> = report["sections"][0]["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter(|t| t["holds"] == false)
            .cloned()
            .collect();
        assert_eq!(month["failed"], json!(failed), "{name}");
        assert_eq!(month["missed"], report["missed"], "{name}");
        assert_eq!(month["published_sha256"], Value::Null);
        let envs: Vec<&str> = month["availability"]
            .as_array()
            .expect("availability")
            .iter()
            .map(|f| f["environment"].as_str().expect("environment"))
            .collect();
        assert_eq!(envs, vec!["Productie"], "{name}");
        for line in month["missed"].as_array().expect("missed") {
            assert_eq!(line["ticket_id"].as_i64(), Some(w.a.ticket));
            reasons.push(line["reason"].as_str().unwrap_or_default().to_string());
        }
    }
    // The world's normal incident, filed on 23 November, missed its targets in the period.
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| r == "Wachten op leverancier"),
        "{reasons:?}"
    );
    let open: Vec<i64> = g["open_action_items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(open, vec![item]);
    assert!(g["open_escalation"].is_null());
    let rfcs: Vec<i64> = g["open_rfcs"]
        .as_array()
        .expect("rfcs")
        .iter()
        .map(|t| t["ticket_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(rfcs, vec![rfc["id"].as_i64().expect("id")]);
    // Without an earlier tactical meeting, the last complete month only; not for other kinds.
    let first = app
        .get(&m, &format!("/api/v1/meetings/{previous}/agenda"))
        .await
        .expect(200);
    let months: Vec<&str> = first.json["months"]
        .as_array()
        .expect("months")
        .iter()
        .map(|x| x["month"].as_str().expect("month"))
        .collect();
    assert_eq!(months, vec!["2026-09"]);
    let interim = app
        .post(&m, &format!("/api/v1/organizations/{a}/meetings"),
              json!({ "kind": "interim", "starts_at": "2027-01-20T09:00:00Z", "duration_minutes": 60 }))
        .await
        .expect(201);
    let iid = interim.json["meeting"]["id"].as_i64().expect("id");
    app.get(&m, &format!("/api/v1/meetings/{iid}/agenda"))
        .await
        .problem(422, Some("id"));
}

/// The iCalendar texts: escaped, folded at 75 octets, times in UTC; the feed marks cancelled
/// meetings and counts changes.
pub async fn meetings_icalendar_text(app: App) {
    let w = app.world().await;
    let m = w.manager.bearer();
    let a = w.a.id;
    let title =
        "Evaluatie; storingen, wijzigingen \\ en het vervolg van de samenwerking met één partner";
    let r = app
        .post(&m, &format!("/api/v1/organizations/{a}/meetings"),
              json!({ "kind": "strategic", "title": title, "starts_at": "2027-03-28T08:30:00+02:00",
                      "duration_minutes": 45, "location": "Zaal 1, gebouw B",
                      "attendees": [{ "name": "Ëlla \"de\" Vries", "email": "ella@klant-a.example", "side": "customer" }] }))
        .await
        .expect(201);
    let id = r.json["meeting"]["id"].as_i64().expect("id");
    let ics = app
        .get(
            &w.a.viewer.bearer(),
            &format!("/api/v1/meetings/{id}/invitation.ics?lang=en"),
        )
        .await
        .expect(200);
    assert!(
        ics.headers["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/calendar")
    );
    let text = String::from_utf8(ics.body.to_vec()).expect("utf-8");
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    assert!(text.contains("\r\n "), "a long line was folded");
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split("\r\n").collect();
    let expected_summary = "SUMMARY:Evaluatie\\; storingen\\, wijzigingen \\\\ en het vervolg van de samenwerking met één partner with Klant A";
    assert!(lines.contains(&expected_summary), "{unfolded}");
    assert!(lines.contains(&"LOCATION:Zaal 1\\, gebouw B"));
    assert!(lines.contains(&"DTSTART:20270328T063000Z"), "{unfolded}");
    assert!(lines.contains(&"DTEND:20270328T071500Z"));
    assert!(lines.contains(&"METHOD:REQUEST"));
    assert!(lines.contains(&"ATTENDEE;CN=\"Ëlla 'de' Vries\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ella@klant-a.example"), "{unfolded}");
    assert!(lines.contains(&"ORGANIZER;CN=\"service_manager m.manager@loket.example\":mailto:m.manager@loket.example"), "{unfolded}");
    assert!(lines.contains(&"SEQUENCE:0"));
    // Folding never splits a UTF-8 character: every physical line is valid text on its own.
    for line in text.split("\r\n") {
        assert!(std::str::from_utf8(line.as_bytes()).is_ok());
    }

    // Moved and then cancelled: the feed shows the new time, a higher sequence, CANCELLED.
    put(
        &app,
        &m,
        &format!("/api/v1/meetings/{id}"),
        json!({ "title": "Kort", "starts_at": "2027-03-29T07:00:00Z", "duration_minutes": 30 }),
    )
    .await
    .expect(200);
    app.post(
        &m,
        &format!("/api/v1/meetings/{id}/cancellation"),
        json!({}),
    )
    .await
    .expect(200);
    let other = stored_meeting(&app, &w, a, "Los", "2027-02-01T09:00:00Z").await;
    let feed = app
        .get(
            &w.a.admin.bearer(),
            &format!("/api/v1/organizations/{a}/meetings.ics"),
        )
        .await
        .expect(200);
    let feed = String::from_utf8(feed.body.to_vec())
        .expect("utf-8")
        .replace("\r\n ", "");
    assert!(
        feed.contains("METHOD:PUBLISH\r\n") && feed.contains("X-WR-CALNAME:Overleggen Klant A\r\n"),
        "{feed}"
    );
    let events: Vec<&str> = feed.split("BEGIN:VEVENT").skip(1).collect();
    assert_eq!(events.len(), 2);
    let moved = events
        .iter()
        .find(|e| e.contains(&format!("UID:meeting-{id}@loket")))
        .expect("event");
    for part in [
        "DTSTART:20270329T070000Z",
        "DTEND:20270329T073000Z",
        "SEQUENCE:2",
        "STATUS:CANCELLED",
        "SUMMARY:Kort met Klant A",
    ] {
        assert!(moved.contains(part), "{part} in {moved}");
    }
    assert!(!moved.contains("ATTENDEE"), "the feed names nobody");
    let kept = events
        .iter()
        .find(|e| e.contains(&format!("UID:meeting-{other}@loket")))
        .expect("event");
    assert!(kept.contains("STATUS:CONFIRMED"));
    app.get(
        &w.b.admin.bearer(),
        &format!("/api/v1/organizations/{a}/meetings.ics"),
    )
    .await
    .problem(404, None);
}
