//! Comments: internal notes stay with the service desk; a public answer from the desk is the
//! first response that stops a question's clock.

use serde_json::{Value, json};

use crate::harness::{App, Auth};

async fn events(app: &App, auth: &Auth, ticket: i64) -> Vec<Value> {
    app.get(auth, &format!("/api/v1/tickets/{ticket}/events"))
        .await
        .expect(200)
        .json
        .as_array()
        .expect("events")
        .clone()
}

/// The clock's verdict, without the "used so far" that moves with time.
fn verdict(t: &Value) -> Value {
    let targets: Vec<Value> = t["sla"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|x| json!([x["within"], x["deadline"], x["outcome"], x["decided_at"]]))
        .collect();
    json!([
        t["sla"]["clock_start"],
        t["sla"]["next_deadline"],
        t["sla"]["outcome"],
        targets
    ])
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_string())
        .collect()
}

pub async fn notes_internal_and_first_response(app: App) {
    let w = app.world().await;
    let agent = w.agent.session();
    let cust = w.a.admin.session();
    let viewer = w.a.viewer.bearer();
    let q = app
        .file(
            &cust,
            json!({ "kind": "question", "subject": "Hoe maak ik een rapport?" }),
        )
        .await;
    let id = q["id"].as_i64().expect("id");
    let comments = format!("/api/v1/tickets/{id}/comments");
    let running = verdict(&q);
    assert_eq!(q["sla"]["outcome"], "running");

    // An internal note: the clock does not notice, the customer does not see it.
    app.advance(600);
    let secret = "Klant belt vaak; eerst logs opvragen bij hun IT";
    let r = app
        .post(
            &agent,
            &comments,
            json!({ "body": secret, "internal": true }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "new");
    assert_eq!(verdict(&r.json), running);
    assert_eq!(r.json["sla"]["targets"][0]["business_seconds_used"], 600);
    assert_eq!(r.json["event_count"], 2);
    let desk = events(&app, &w.manager.bearer(), id).await;
    assert_eq!(kinds(&desk), ["created", "commented"]);
    assert_eq!(desk[1]["data"]["internal"], true);
    assert_eq!(desk[1]["data"]["body"], secret);
    assert_eq!(desk[1]["actor_id"].as_i64(), Some(w.agent.id));
    for auth in [&cust, &viewer, &w.a.admin.bearer()] {
        let seen = events(&app, auth, id).await;
        assert_eq!(kinds(&seen), ["created"]);
        let r = app.get(auth, &format!("/api/v1/tickets/{id}/events")).await;
        assert!(!String::from_utf8_lossy(&r.body).contains("logs opvragen"));
    }
    // A customer cannot write one; a viewer cannot comment at all.
    let r = app
        .post(
            &cust,
            &comments,
            json!({ "body": "stiekem", "internal": true }),
        )
        .await
        .problem(403, None);
    assert!(r.detail().contains("service desk"), "{}", r.detail());
    app.post(&viewer, &comments, json!({ "body": "mag ik?" }))
        .await
        .problem(403, None);
    // The customer's own comment is public and is no response from the desk.
    app.advance(600);
    let r = app
        .post(
            &cust,
            &comments,
            json!({ "body": "Nog iets: het gaat om Q3." }),
        )
        .await
        .expect(200);
    assert_eq!(verdict(&r.json), running);
    assert_eq!(
        kinds(&events(&app, &viewer, id).await),
        ["created", "commented"]
    );
    assert_eq!(events(&app, &agent, id).await.len(), 3);

    // The desk's public answer is the first response: the question's targets are met.
    app.advance(600);
    let r = app
        .post(
            &agent,
            &comments,
            json!({ "body": "Via Rapporten > Nieuw." }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "open");
    assert_eq!(r.json["sla"]["outcome"], "met");
    assert_eq!(r.json["sla"]["next_deadline"], Value::Null);
    let targets = r.json["sla"]["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2);
    for t in targets {
        assert_eq!(t["outcome"], "met");
        assert_eq!(t["decided_at"], "2026-11-23T09:30:00Z");
        assert_eq!(t["business_seconds_used"], 1800);
    }
    let seen = events(&app, &viewer, id).await;
    assert_eq!(kinds(&seen), ["created", "commented", "commented"]);
    assert_eq!(seen[2]["data"]["body"], "Via Rapporten > Nieuw.");
    assert_eq!(seen[2]["data"]["internal"], false);
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/tickets/{id}"))
            .await
            .expect(200)
            .json["sla"]["outcome"],
        "met"
    );

    // On an incident a public answer is no resolution: its clock runs on.
    let incident = w.a.ticket;
    let before = app
        .get(&agent, &format!("/api/v1/tickets/{incident}"))
        .await
        .json;
    let r = app
        .post(
            &agent,
            &format!("/api/v1/tickets/{incident}/comments"),
            json!({ "body": "We kijken ernaar." }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "open");
    assert_eq!(r.json["sla"]["outcome"], "running");
    assert_eq!(
        r.json["sla"]["targets"][0]["deadline"],
        before["sla"]["targets"][0]["deadline"]
    );
    // Waiting on the customer does not pause it (the SLA names no pause), and the
    // customer's answer puts the ticket back to open.
    let r = app
        .post(
            &agent,
            &format!("/api/v1/tickets/{incident}/status"),
            json!({ "status": "waiting_on_customer", "reason": "Welke printer?" }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "waiting_on_customer");
    assert_eq!(r.json["sla"]["paused"], false);
    assert_eq!(
        r.json["sla"]["targets"][0]["deadline"],
        before["sla"]["targets"][0]["deadline"]
    );
    let r = app
        .post(
            &cust,
            &format!("/api/v1/tickets/{incident}/comments"),
            json!({ "body": "De HP op de 2e." }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "open");
    // The other customer sees none of it.
    app.get(
        &w.b.admin.session(),
        &format!("/api/v1/tickets/{incident}/events"),
    )
    .await
    .problem(404, None);
    app.post(
        &w.b.admin.session(),
        &format!("/api/v1/tickets/{incident}/comments"),
        json!({ "body": "hallo?" }),
    )
    .await
    .problem(404, None);
}
