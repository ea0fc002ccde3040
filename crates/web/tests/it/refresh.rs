//! Time passes without events: the clock refresher turns stored `running` outcomes whose
//! deadline has gone by into `missed`, so filters on the outcome stay true.

use serde_json::json;

use crate::harness::{App, items};

/// An urgent incident filed Monday 09:00 runs until 13:00; at 13:00:01, with no event in
/// between, the refresher marks its 90% bound missed and the outcome filter finds it.
pub async fn refresh_marks_passed_deadlines_missed(app: App) {
    app.set_time("2026-11-30T08:00:00Z");
    let w = app.world().await;
    let t = app
        .file(
            &w.a.admin.bearer(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Alles ligt eruit" }),
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    let missed = |app: &App| {
        let auth = w.agent.bearer();
        let app = app.clone();
        async move {
            let r = app
                .get(&auth, "/api/v1/tickets?sla_outcome=missed&order=newest")
                .await
                .expect(200);
            items(&r)
                .iter()
                .filter_map(|t| t["id"].as_i64())
                .collect::<Vec<_>>()
        }
    };

    // 12:59 local: nothing has passed; the refresher has nothing to do.
    app.set_time("2026-11-30T11:59:00Z");
    assert_eq!(app.state.refresh_clocks().await.expect("refresh"), 0);
    assert!(!missed(&app).await.contains(&id));

    // 13:00:01 local: the 4-hour bound passed while the ticket ran.
    app.set_time("2026-11-30T12:00:01Z");
    assert!(
        !missed(&app).await.contains(&id),
        "stored outcome is stale before the refresh"
    );
    assert_eq!(app.state.refresh_clocks().await.expect("refresh"), 1);
    assert!(missed(&app).await.contains(&id));
    let r = app
        .get(&w.agent.bearer(), &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200);
    assert_eq!(r.json["sla"]["outcome"], "missed");
    assert_eq!(r.json["sla"]["targets"][0]["outcome"], "missed");
    assert_eq!(r.json["sla"]["targets"][1]["outcome"], "running");
    assert_eq!(r.json["sla"]["next_deadline"], "2026-11-30T14:00:00Z");
    assert_eq!(r.json["event_count"], 1, "a refresh adds no event");

    // Again at the same instant: nothing more to do (the next deadline lies ahead).
    assert_eq!(app.state.refresh_clocks().await.expect("refresh"), 0);
}

/// Ten agents resolve the same ticket at once: exactly one succeeds; the others are told the
/// ticket changed (409) or is resolved already (422); the history holds one resolution.
pub async fn concurrent_actions_never_act_on_a_stale_ticket(app: App) {
    app.set_time("2026-11-30T08:00:00Z");
    let w = app.world().await;
    let t = app
        .file(
            &w.a.admin.bearer(),
            json!({ "kind": "incident", "priority": "high", "subject": "Trage rapportage" }),
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    app.set_time("2026-11-30T09:00:00Z");
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let app = app.clone();
        let auth = w.agent.bearer();
        tasks.push(tokio::spawn(async move {
            app.send(
                crate::harness::Req::new(
                    axum::http::Method::POST,
                    format!("/api/v1/tickets/{id}/status"),
                )
                .auth(&auth)
                .json(&json!({ "status": "resolved" })),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.expect("task"));
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert!(
        codes.iter().all(|c| matches!(c, 200 | 409 | 422)),
        "{codes:?}"
    );
    let events = app
        .get(&w.agent.bearer(), &format!("/api/v1/tickets/{id}/events"))
        .await
        .expect(200);
    let resolved = events
        .json
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "resolved")
        .count();
    assert_eq!(resolved, 1);
}
