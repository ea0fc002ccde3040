//! Consultations and follow-ups kept with their interim meeting (SLA-RULES §7): recorded
//! against an existing interim meeting of the customer on that date, or with a new interim
//! meeting made in the same transaction (held, the attendees present, the minutes, the
//! agreements as action items). Another customer's meeting is not found, one of another kind
//! or date is refused on `meeting_id`, one that is the record of a step already is a conflict.
//! The timeline links to the meeting page and the meeting page names its step, for both sides.

use serde_json::{Value, json};

use crate::compensation::{meeting, miss, request, story};
use crate::escalation_pages::signed_in;
use crate::harness::App;

const FEE: &str = "[compensation]\nmonthly_fee_cents = 123450\n";

/// Plans a meeting of `kind` for customer `org` at `starts_at` (the service manager) and
/// returns its id.
async fn plan(app: &App, by: &crate::harness::Auth, org: i64, kind: &str, starts_at: &str) -> i64 {
    let r = app
        .post(
            by,
            &format!("/api/v1/organizations/{org}/meetings"),
            json!({ "kind": kind, "starts_at": starts_at, "duration_minutes": 60,
                    "attendees": [] }),
        )
        .await
        .expect(201);
    r.json["meeting"]["id"].as_i64().expect("id")
}

/// The body of a consultation or follow-up through the API.
fn body(held_on: &str, meeting_id: Option<i64>, admin: i64, follow_up: bool) -> Value {
    let mut b = json!({
        "held_on": held_on,
        "attendees": [
            { "name": "Jan Beheer", "side": "customer", "person_id": admin },
            { "name": "M. Manager", "side": "vendor" },
        ],
        "agreements": [{ "description": "Schijfbewaking inrichten", "owner": "M. Manager",
                         "due_on": "2026-05-01" }],
        "minutes": "Oorzaken besproken.",
    });
    if let Some(m) = meeting_id {
        b["meeting_id"] = json!(m);
    }
    if follow_up {
        b["progress"] = json!(false);
        b["why"] = json!("Nog geen verbetering");
    }
    b
}

/// The meeting of each consultation and follow-up on the timeline, in order.
fn linked(view: &Value) -> Vec<(String, Option<i64>)> {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["step"] == "consultation" || e["step"] == "follow_up")
        .map(|e| {
            (
                e["step"].as_str().unwrap_or_default().to_string(),
                e["meeting_id"].as_i64(),
            )
        })
        .collect()
}

pub async fn escalation_meetings_linked_both_ways(app: App) {
    let s = story(&app, FEE).await;
    let (a, b) = (s.a.0, s.w.b.id);
    let manager = s.w.manager.bearer();
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    app.state
        .request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");

    // The meetings on hand on the day of the consultation, 8 April 2026.
    app.set_time("2026-04-08T12:00:00Z");
    let interim = plan(&app, &manager, a, "interim", "2026-04-08T08:00:00Z").await;
    let tactical = plan(&app, &manager, a, "tactical", "2026-04-08T09:00:00Z").await;
    let day_before = plan(&app, &manager, a, "interim", "2026-04-07T08:00:00Z").await;
    let of_b = plan(&app, &manager, b, "interim", "2026-04-08T08:00:00Z").await;
    let path = format!("/api/v1/organizations/{a}/escalation/consultation");
    let admin = s.w.a.admin.id;
    app.post(
        &manager,
        &path,
        body("2026-04-08", Some(of_b), admin, false),
    )
    .await
    .problem(404, None);
    app.post(
        &manager,
        &path,
        body("2026-04-08", Some(tactical), admin, false),
    )
    .await
    .problem(422, Some("meeting_id"));
    app.post(
        &manager,
        &path,
        body("2026-04-08", Some(day_before), admin, false),
    )
    .await
    .problem(422, Some("meeting_id"));
    app.post(
        &manager,
        &path,
        body("2026-04-08", Some(999_999), admin, false),
    )
    .await
    .problem(404, None);
    // Nothing was recorded by the refusals.
    let view = app
        .get(&manager, &format!("/api/v1/organizations/{a}/escalation"))
        .await
        .expect(200);
    assert_eq!(view.json["stage"], "requested");

    // Against the interim meeting of that day: linked both ways, its agreement an action item.
    let view = app
        .post(
            &manager,
            &path,
            body("2026-04-08", Some(interim), admin, false),
        )
        .await
        .expect(201);
    assert_eq!(
        linked(&view.json),
        vec![("consultation".to_string(), Some(interim))]
    );
    let m = app
        .get(&manager, &format!("/api/v1/meetings/{interim}"))
        .await
        .expect(200);
    assert_eq!(
        m.json["escalation_step"],
        json!({ "escalation_id": view.json["escalation_id"], "seq": 2, "step": "consultation" })
    );
    assert_eq!(
        m.json["status"], "planned",
        "a meeting named keeps its status"
    );
    let items = app
        .get(
            &manager,
            &format!("/api/v1/organizations/{a}/action-items?meeting={interim}"),
        )
        .await
        .expect(200);
    let items = items.json.as_array().expect("items").clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["what"], "Schijfbewaking inrichten");
    assert_eq!(items[0]["due_on"], "2026-05-01");
    // Other meetings are not linked.
    let t = app
        .get(&manager, &format!("/api/v1/meetings/{tactical}"))
        .await
        .expect(200);
    assert!(t.json["escalation_step"].is_null(), "{}", t.json);

    // A follow-up cannot take the consultation's meeting again.
    app.set_time("2026-05-08T12:00:00Z");
    let follow_ups = format!("/api/v1/organizations/{a}/escalation/follow-ups");
    app.post(
        &manager,
        &follow_ups,
        body("2026-04-08", Some(interim), admin, true),
    )
    .await
    .problem(409, Some("meeting_id"));

    // Without a meeting named, a new interim meeting is recorded with the follow-up: held on
    // its date at 09:00 Amsterdam time, the attendees present, the minutes, the agreement.
    let r = app
        .post(&manager, &follow_ups, body("2026-05-08", None, admin, true))
        .await
        .expect(201);
    let links = linked(&r.json["escalation"]);
    assert_eq!(links.len(), 2);
    let (step, made) = links[1].clone();
    assert_eq!(step, "follow_up");
    let made = made.expect("a meeting was made");
    let m = app
        .get(&manager, &format!("/api/v1/meetings/{made}"))
        .await
        .expect(200)
        .json;
    assert_eq!(m["kind"], "interim");
    assert_eq!(m["organization_id"], a);
    assert_eq!(m["status"], "held");
    assert_eq!(m["starts_at"], "2026-05-08T07:00:00Z");
    assert_eq!(m["minutes"], "Oorzaken besproken.");
    assert_eq!(m["escalation_step"]["step"], "follow_up");
    assert_eq!(m["escalation_step"]["seq"], 3);
    let people: Vec<(String, String, bool, Option<i64>)> = m["attendees"]
        .as_array()
        .expect("attendees")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["side"].as_str().unwrap_or_default().to_string(),
                p["present"] == true,
                p["person_id"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        people,
        vec![
            ("Jan Beheer".into(), "customer".into(), true, Some(admin)),
            ("M. Manager".into(), "vendor".into(), true, None),
        ]
    );
    assert_eq!(
        m["attendees"][0]["email"],
        s.w.a.admin.email.to_lowercase(),
        "an account's address"
    );
    // Its agreement is its action item.
    let items = app
        .get(
            &manager,
            &format!("/api/v1/organizations/{a}/action-items?meeting={made}"),
        )
        .await
        .expect(200);
    assert_eq!(items.json.as_array().map(Vec::len), Some(1));

    // Both sides read the link; another customer does not reach the meeting.
    let customer = app
        .get(&s.w.a.viewer.bearer(), &format!("/api/v1/meetings/{made}"))
        .await
        .expect(200);
    assert_eq!(customer.json["escalation_step"]["step"], "follow_up");
    app.get(&s.w.b.admin.bearer(), &format!("/api/v1/meetings/{made}"))
        .await
        .problem(404, None);
    let view = app
        .get(
            &s.w.a.viewer.bearer(),
            &format!("/api/v1/organizations/{a}/escalation"),
        )
        .await
        .expect(200);
    assert_eq!(
        linked(&view.json),
        vec![
            ("consultation".to_string(), Some(interim)),
            ("follow_up".to_string(), Some(made)),
        ]
    );
}

pub async fn escalation_meetings_on_the_pages(app: App) {
    let s = story(&app, FEE).await;
    let a = s.a.0;
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
    let consulted = app
        .state
        .escalation(&s.manager, s.a)
        .await
        .expect("view")
        .timeline
        .iter()
        .find_map(|e| e.meeting_id)
        .expect("the consultation's meeting");

    // The follow-up on the vendor's page, against the interim meeting planned for that day:
    // the form offers it (and not the consultation's meeting, nor a cancelled one).
    app.set_time("2026-05-08T12:00:00Z");
    let planned = plan(
        &app,
        &s.w.manager.bearer(),
        a,
        "interim",
        "2026-05-08T10:00:00Z",
    )
    .await;
    let cancelled = plan(
        &app,
        &s.w.manager.bearer(),
        a,
        "interim",
        "2026-05-08T11:00:00Z",
    )
    .await;
    app.post(
        &s.w.manager.bearer(),
        &format!("/api/v1/meetings/{cancelled}/cancellation"),
        json!({}),
    )
    .await
    .expect(200);
    let manager = signed_in(&app, &s.w.manager).await;
    let path = format!("/desk/escalations/{a}");
    let page = manager.get(&path).await.expect(200);
    page.has("name=\"meeting_id\"")
        .has(&format!("<option value=\"{planned}\">"))
        .lacks(&format!("<option value=\"{consulted}\">"))
        .lacks(&format!("<option value=\"{cancelled}\">"))
        .has(&format!("href=\"/meetings/{consulted}\""));
    let planned_id = planned.to_string();
    let fields = [
        ("held_on", "2026-05-08"),
        ("meeting_id", planned_id.as_str()),
        ("customer_attendees", "Jan Beheer"),
        ("vendor_attendees", "M. Manager"),
        ("progress", "no"),
        ("why", "Nog geen verbetering"),
    ];
    let done = manager
        .submit(&path, &format!("{path}/follow-ups"), &fields)
        .await;
    assert_eq!(done.redirect(), format!("{path}?notice=follow_up"));
    manager.get(&path).await.expect(200).has(&format!(
        "<a class=\"esc-meeting-link\" href=\"/meetings/{planned}\">The meeting</a>"
    ));

    // The meeting page names the step and leads back to the escalation, for each side.
    manager
        .get(&format!("/meetings/{planned}"))
        .await
        .expect(200)
        .has(&format!(
            "<dd id=\"mt-step\"><a href=\"{path}\">Follow-up (step 3 of the escalation)</a></dd>"
        ));
    let customer = signed_in(&app, &s.w.a.admin).await;
    customer
        .get(&format!("/meetings/{consulted}"))
        .await
        .expect(200)
        .has("<a href=\"/portal/escalation\">Interim incident consultation (step 2 of the escalation)</a>");
    customer
        .get("/portal/escalation")
        .await
        .expect(200)
        .has(&format!("href=\"/meetings/{consulted}\""))
        .has(&format!("href=\"/meetings/{planned}\""));
    let other = signed_in(&app, &s.w.b.admin).await;
    other
        .get(&format!("/meetings/{consulted}"))
        .await
        .expect(404);
}
