//! More compensation stories (SLA-SEMANTICS §7): progress at the first follow-up, who may see
//! and do what, an agreement with other switches, a published month corrected afterwards, and
//! the API with its problems and the ledger export.

use desk::compensation::{ClaimInput, IncidentInput, RequestInput};
use serde_json::json;
use sla::Priority;
use store::{PersonId, TicketId};

use crate::compensation::*;
use crate::harness::App;

/// Progress at the first follow-up ends the escalation; a request recorded by phone; the
/// months it dealt with cannot be raised again; who may see and do what.
pub async fn compensation_progress_and_authorization(app: App) {
    let s = story(&app, "[compensation]\nmonthly_fee_cents = 100000\n").await;
    let d = &app.state;
    let march = miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    assert_not_found(
        d.request_consultation(&s.b_admin, s.a, request(&["2026-03"]))
            .await,
    );
    assert_not_found(d.escalation(&s.b_admin, s.a).await);
    assert_not_found(
        d.overrun_months(&s.b_admin, s.a, month("2026-03"), month("2026-03"))
            .await,
    );
    let phone = RequestInput {
        months: vec![month("2026-03")],
        on_behalf_of: Some(PersonId(s.w.a.admin.id)),
    };
    let v = d
        .request_consultation(&s.agent, s.a, phone)
        .await
        .expect("phone request");
    assert_eq!(v.timeline[0].detail["channel"], "phone");
    assert_eq!(v.timeline[0].detail["by"], s.w.a.admin.id);
    assert_eq!(v.timeline[0].detail["recorded_by"], s.w.agent.id);
    app.set_time("2026-04-08T12:00:00Z");
    let mut m = meeting(&s, "2026-04-08");
    m.incidents = Some(vec![IncidentInput {
        ticket_id: TicketId(s.w.b.ticket),
        reason: None,
        priority_right: true,
        correct_priority: None,
    }]);
    assert_invalid(
        d.record_consultation(&s.agent, s.a, m).await,
        "incidents[0].ticket_id",
    );
    d.record_consultation(&s.agent, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation");
    assert_forbidden(d.overview(&s.agent).await);
    assert_forbidden(d.overview(&s.a_admin).await);
    let o = d.overview(&s.manager).await.expect("overview");
    let a_line = o
        .iter()
        .find(|l| l.organization_id == s.a.0)
        .expect("a in overview");
    assert_eq!(
        (
            a_line.stage.as_str(),
            a_line.next_follow_up.as_deref(),
            a_line.follow_up_due
        ),
        ("consulting", Some("2026-05-08"), true)
    );
    assert!(!a_line.claim_open);

    // April had no overrun: the system proposes progress, the meeting agrees.
    app.set_time("2026-05-08T12:00:00Z");
    let v = d
        .record_follow_up(
            &s.manager,
            s.a,
            meeting(&s, "2026-05-08"),
            true,
            "April zonder overschrijding",
        )
        .await
        .expect("follow-up");
    assert!(v.proposal.progress);
    let v = v.escalation;
    assert_eq!(v.stage, "idle");
    assert_eq!(v.last_ended.as_deref(), Some("progress"));
    assert_eq!(v.timeline[2].detail["proposed"], true);
    assert_eq!(v.timeline[3].step, "ended");
    assert_invalid(
        d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
            .await,
        "months",
    );
    assert_conflict(
        d.record_follow_up(&s.manager, s.a, meeting(&s, "2026-05-08"), false, "x")
            .await,
    );
    // The viewer reads the same timeline.
    let seen = d.escalation(&s.a_viewer, s.a).await.expect("viewer");
    assert_eq!(seen.timeline.len(), 4);
    assert_eq!(seen.timeline[1].detail["incidents"][0]["ticket_id"], march);
}

/// An agreement with other switches: 10% steps to a cap of 30%, one follow-up and two months
/// before entitlement, and a month without overrun that holds the percentage.
pub async fn compensation_other_switches(app: App) {
    let s = story(
        &app,
        "[compensation]\nmonthly_fee_cents = 100000\nstep_percent = 10\ncap_percent = 30\n\
         month_without_overrun = \"holds\"\nfollow_ups_before_entitlement = 1\n\
         months_before_entitlement = 2\n",
    )
    .await;
    let d = &app.state;
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");
    app.set_time("2026-04-08T12:00:00Z");
    d.record_consultation(&s.agent, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation");
    miss(&app, &s, "2026-04-13").await;
    app.set_time("2026-05-08T12:00:00Z");
    let v = d
        .record_follow_up(
            &s.agent,
            s.a,
            meeting(&s, "2026-05-08"),
            false,
            "Geen voortgang",
        )
        .await
        .expect("follow-up")
        .escalation;
    assert_eq!(v.entitled_from.as_deref(), Some("2026-06-08"));
    app.set_time("2026-06-08T12:00:00Z");
    d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
        .await
        .expect("claim");
    // June, the month of the claim, does not count; July and August overrun (the cap is
    // reached), September not (the percentage holds), October overruns at the cap.
    miss(&app, &s, "2026-06-15").await;
    miss(&app, &s, "2026-07-06").await;
    miss(&app, &s, "2026-08-03").await;
    miss(&app, &s, "2026-10-05").await;
    app.set_time("2026-11-02T08:00:00Z");
    d.month_ended(None).await.expect("months");
    assert_eq!(
        ledger(&app, &s).await,
        [
            ("2026-07", 10, 10_000, "2026-04"),
            ("2026-08", 20, 20_000, "2026-07"),
            ("2026-09", 30, 30_000, "2026-08"),
            ("2026-10", 30, 30_000, "2026-08"),
            ("2026-11", 30, 30_000, "2026-10"),
        ]
        .iter()
        .map(|(i, p, a, o)| (i.to_string(), *p, *a, o.to_string()))
        .collect::<Vec<_>>()
    );
    let v = d.escalation(&s.a_admin, s.a).await.expect("view");
    assert_eq!((v.stage.as_str(), v.percent), ("discounting", Some(30)));
}

/// A published month stays the overrun month it was published as, with its hash, after a
/// consultation corrects an incident's priority; the correction shows in the next report.
pub async fn compensation_published_month_corrected(app: App) {
    let s = story(&app, "[compensation]\nmonthly_fee_cents = 100000\n").await;
    let d = &app.state;
    // An urgent incident resolved after 7 hours: both urgent bounds missed, but within the
    // two working days of a normal one.
    app.set_time("2026-03-02T09:00:00Z");
    let id = app
        .file(
            &s.w.a.admin.bearer(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Traag scherm" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    app.set_time("2026-03-02T16:00:00Z");
    app.post(
        &s.w.agent.bearer(),
        &format!("/api/v1/tickets/{id}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    app.set_time("2026-04-01T08:00:00Z");
    let published = d
        .publish_report(&s.manager, Some(s.a), month("2026-03"))
        .await
        .expect("publish")
        .publication
        .expect("publication")
        .sha256;
    let judged = d
        .overrun_months(&s.a_admin, s.a, month("2026-03"), month("2026-03"))
        .await
        .expect("march");
    assert!(judged[0].overrun);
    assert_eq!(judged[0].report_sha256.as_deref(), Some(published.as_str()));
    d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");
    app.set_time("2026-04-08T12:00:00Z");
    let wrong = |correct_priority| {
        let mut m = meeting(&s, "2026-04-08");
        m.incidents = Some(vec![IncidentInput {
            ticket_id: TicketId(id),
            reason: Some("Als urgent gemeld, maar geen productiestoring".into()),
            priority_right: false,
            correct_priority,
        }]);
        m
    };
    assert_invalid(
        d.record_consultation(&s.agent, s.a, wrong(None)).await,
        "incidents[0].correct_priority",
    );
    let v = d
        .record_consultation(&s.agent, s.a, wrong(Some(Priority::Normal)))
        .await
        .expect("consultation");
    assert_eq!(
        v.timeline[1].detail["incidents"][0]["corrected_to"],
        "normal"
    );
    let events = d
        .store
        .ticket_events(&store::Scope::System, TicketId(id))
        .await
        .expect("events");
    let change = events
        .iter()
        .find(|e| e.kind == store::EventType::PriorityChanged)
        .expect("priority change");
    assert_eq!(change.data["reason"], "consultation of 2026-04-08");
    // The live March figures now hold, the published month still shows the overrun.
    let live = d
        .report_as(&store::Scope::System, Some(s.a), month("2026-03"), true)
        .await
        .expect("live");
    assert!(
        live.sections[0]
            .targets
            .iter()
            .filter(|t| t.kind == "incident")
            .all(|t| t.holds)
    );
    let judged = d
        .overrun_months(&s.a_admin, s.a, month("2026-03"), month("2026-03"))
        .await
        .expect("march");
    assert!(judged[0].overrun);
    assert_eq!(judged[0].report_sha256.as_deref(), Some(published.as_str()));
    let april = d
        .report_as(&store::Scope::System, Some(s.a), month("2026-04"), true)
        .await
        .expect("april");
    assert!(
        april.corrections.iter().any(|c| c.month == "2026-03"),
        "{:?}",
        april.corrections
    );
}

/// The API: the steps over HTTP, problems naming the field, 404 for another customer's
/// escalation, 403 for a viewer, the overview and the ledger export in both CSV dialects.
pub async fn compensation_api(app: App) {
    let s = story(&app, "[compensation]\nmonthly_fee_cents = 100000\nfollow_ups_before_entitlement = 0\nmonths_before_entitlement = 0\n").await;
    let a = s.w.a.id;
    miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    let (admin, viewer, other) = (
        s.w.a.admin.bearer(),
        s.w.a.viewer.bearer(),
        s.w.b.admin.bearer(),
    );
    let (agent, manager) = (s.w.agent.bearer(), s.w.manager.bearer());
    let base = format!("/api/v1/organizations/{a}/escalation");
    let months = app
        .get(
            &viewer,
            &format!("/api/v1/organizations/{a}/overrun-months?from=2026-02&to=2026-04"),
        )
        .await
        .expect(200);
    assert_eq!(
        months.json.as_array().map(|m| m
            .iter()
            .map(|m| (m["month"].clone(), m["ended"].clone(), m["overrun"].clone()))
            .collect::<Vec<_>>()),
        Some(vec![
            (json!("2026-02"), json!(true), json!(false)),
            (json!("2026-03"), json!(true), json!(true)),
            (json!("2026-04"), json!(false), json!(false)),
        ])
    );
    app.get(
        &viewer,
        &format!("/api/v1/organizations/{a}/overrun-months?from=2026-04&to=2026-02"),
    )
    .await
    .problem(422, Some("to"));
    let request = format!("{base}/request");
    app.get(&other, &base).await.problem(404, None);
    app.post(&other, &request, json!({ "months": ["2026-03"] }))
        .await
        .problem(404, None);
    app.post(&viewer, &request, json!({ "months": ["2026-03"] }))
        .await
        .problem(403, None);
    app.post(&admin, &request, json!({ "months": ["2026-13"] }))
        .await
        .problem(400, Some("months[0]"));
    app.post(&admin, &request, json!({ "months": ["2026-02"] }))
        .await
        .problem(422, Some("months[0]"));
    app.post(
        &admin,
        &request,
        json!({ "months": ["2026-03"], "extra": 1 }),
    )
    .await
    .expect(400);
    let r = app
        .post(&admin, &request, json!({ "months": ["2026-03"] }))
        .await
        .expect(201);
    assert_eq!(r.json["stage"], "requested");
    app.post(&admin, &request, json!({ "months": ["2026-03"] }))
        .await
        .problem(409, Some("escalation"));

    app.set_time("2026-04-08T12:00:00Z");
    let consultation = json!({
        "held_on": "2026-04-08",
        "attendees": [
            { "name": "Jan Beheer", "side": "customer", "person_id": s.w.a.admin.id },
            { "name": "M. Manager", "side": "vendor" }
        ],
        "agreements": [
            { "description": "Piket inrichten", "owner": "M. Manager", "due_on": "2026-05-01" }
        ]
    });
    let mut bad = consultation.clone();
    bad["agreements"][0]["due_on"] = json!("1 mei");
    app.post(&agent, &format!("{base}/consultation"), bad)
        .await
        .problem(400, Some("agreements[0].due_on"));
    let mut wrong = consultation.clone();
    wrong["attendees"][0]["side"] = json!("vendor");
    app.post(&agent, &format!("{base}/consultation"), wrong)
        .await
        .problem(422, Some("attendees[0].person_id"));
    app.post(
        &admin,
        &format!("{base}/consultation"),
        consultation.clone(),
    )
    .await
    .problem(403, None);
    let r = app
        .post(
            &agent,
            &format!("{base}/consultation"),
            consultation.clone(),
        )
        .await
        .expect(201);
    assert_eq!(r.json["next_follow_up"], "2026-05-08");
    assert_eq!(r.json["proposal"]["progress"], false);

    // No follow-ups and no months are needed under this agreement: the claim may follow.
    app.post(&viewer, &format!("{base}/claim"), json!({}))
        .await
        .problem(403, None);
    let r = app
        .post(&admin, &format!("{base}/claim"), json!({}))
        .await
        .expect(201);
    assert_eq!(r.json["percent"], 5);
    let entry = r.json["ledger"][0]["entry_id"].as_i64().expect("entry");
    assert_eq!(r.json["ledger"][0]["invoice_month"], "2026-05");
    assert_eq!(r.json["ledger"][0]["amount_cents"], 5_000);

    let o = app.get(&manager, "/api/v1/escalations").await.expect(200);
    assert_eq!(o.json[0]["stage"], "discounting");
    app.get(&agent, "/api/v1/escalations")
        .await
        .problem(403, None);

    let json_export = app
        .get(&manager, "/api/v1/ledger?month=2026-05")
        .await
        .expect(200);
    assert_eq!(json_export.json["total_cents"], 5_000);
    let csv = app
        .get(
            &manager,
            "/api/v1/ledger?month=2026-05&format=csv&dialect=nl",
        )
        .await
        .expect(200);
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert!(text.starts_with("\u{feff}kind;entry_id;"), "{text}");
    assert!(text.contains(";1000,00;50,00;2026-03;"), "{text}");
    let csv = app
        .get(&manager, "/api/v1/ledger?month=2026-05&format=csv")
        .await
        .expect(200);
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert!(text.starts_with("kind,entry_id,"), "{text}");
    assert!(text.contains(",1000.00,50.00,2026-03,"), "{text}");
    app.get(&manager, "/api/v1/ledger?month=2026-5")
        .await
        .problem(400, Some("month"));
    let empty = app
        .get(&other, "/api/v1/ledger?month=2026-05")
        .await
        .expect(200);
    assert_eq!(empty.json["lines"], json!([]));

    let reversal = format!("/api/v1/discounts/{entry}/reversal");
    app.post(&admin, &reversal, json!({ "reason": "fout" }))
        .await
        .problem(403, None);
    app.post(&other, &reversal, json!({ "reason": "fout" }))
        .await
        .problem(404, None);
    app.post(&manager, &reversal, json!({ "reason": " " }))
        .await
        .problem(422, Some("reason"));
    let r = app
        .post(&manager, &reversal, json!({ "reason": "Dubbel geboekt" }))
        .await
        .expect(201);
    assert_eq!(r.json["entry_id"], entry);
    app.post(&manager, &reversal, json!({ "reason": "Nog eens" }))
        .await
        .problem(409, Some("discount"));
    let after = app
        .get(&viewer, "/api/v1/ledger?month=2026-05")
        .await
        .expect(200);
    assert_eq!(after.json["total_cents"], 0);
    assert_eq!(after.json["lines"][1]["amount_cents"], -5_000);
}
