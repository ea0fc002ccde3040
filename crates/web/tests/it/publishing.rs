//! Publishing a month (frozen, with its hash), corrections in the reports after it, the
//! reasons recorded on missed tickets, the live dashboard, the printable report (reviewed
//! snapshots) and the report pages.

use std::path::PathBuf;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{App, Auth};
use crate::pagekit::Browser;
use crate::world::World;

/// Customer A's urgent incidents in October 2026: the first resolved in 1 h 7 min (met), the
/// second never (both bounds missed on 6 October). Returns their ids.
async fn october(app: &App, w: &World) -> (i64, i64) {
    let a = w.a.admin.bearer();
    let agent = w.agent.bearer();
    app.set_time("2026-10-05T08:00:00Z");
    let met = app
        .file(
            &a,
            json!({ "kind": "incident", "priority": "urgent", "subject": "Inloggen lukt niet" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    app.set_time("2026-10-05T09:07:00Z");
    app.post(
        &agent,
        &format!("/api/v1/tickets/{met}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    app.set_time("2026-10-06T08:00:00Z");
    let missed = app
        .file(
            &a,
            json!({ "kind": "incident", "priority": "urgent", "subject": "Facturen verdwenen" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    (met, missed)
}

/// The report line of a section for kind, priority and bound.
fn line<'a>(report: &'a Value, section: usize, priority: &str, bound: i64) -> &'a Value {
    report["sections"][section]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|l| l["priority"] == priority && l["bound"] == bound)
        .unwrap_or_else(|| panic!("no {priority} bound {bound} in {report}"))
}

fn met_missed(l: &Value) -> (u64, u64) {
    (
        l["met"].as_u64().expect("met"),
        l["missed"].as_u64().expect("missed"),
    )
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Publishing freezes the month with a hash of exactly what was frozen; later changes show in
/// the live figures and as corrections in the next report, once.
pub async fn reports_publish_freeze_and_correct(app: App) {
    app.set_time("2026-10-05T07:00:00Z");
    let w = app.world().await;
    let (met, missed) = october(&app, &w).await;
    let manager = w.manager.bearer();
    let agent = w.agent.bearer();
    let a = w.a.admin.bearer();
    let oct_a = format!("/api/v1/reports/2026-10?organization={}", w.a.id);
    let publish_a = json!({ "organization": w.a.id });

    // A month is published once it is over.
    app.set_time("2026-10-20T10:00:00Z");
    app.post(
        &manager,
        "/api/v1/reports/2026-10/publication",
        publish_a.clone(),
    )
    .await
    .problem(422, Some("month"));

    app.set_time("2026-11-02T09:00:00Z");
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}
    for who in [&agent, &a] {
        app.post(
            who,
            "/api/v1/reports/2026-10/publication",
            publish_a.clone(),
        )
        .await
        .problem(403, None);
    }

    // Reasons: the service desk records them on missed tickets only.
    let reason = |id: i64| format!("/api/v1/tickets/{id}/miss-reason");
    let put = |auth: &Auth, path: String, body: Value| {
        app.send(
            crate::harness::Req::new(axum::http::Method::PUT, path)
                .auth(auth)
                .json(&body),
        )
    };
    put(
        &agent,
        reason(missed),
        json!({ "reason": "Wachten op de leverancier" }),
    )
    .await
    .expect(200);
    put(&a, reason(missed), json!({ "reason": "Mijn versie" }))
        .await
        .problem(403, None);
    put(&agent, reason(met), json!({ "reason": "Niets gemist" }))
        .await
        .problem(422, Some("reason"));
    put(&agent, reason(missed), json!({ "reason": "   " }))
        .await
        .problem(422, Some("reason"));

    let live = app.get(&manager, &oct_a).await.expect(200).json;
    assert_eq!(met_missed(line(&live, 0, "urgent", 0)), (1, 1));
    assert_eq!(met_missed(line(&live, 0, "urgent", 1)), (1, 1));
    assert!(live.get("publication").is_none());
    let reasons: Vec<&Value> = live["missed"]
        .as_array()
        .expect("missed")
        .iter()
        .filter(|m| m["ticket_id"] == missed)
        .map(|m| &m["reason"])
        .collect();
    assert_eq!(reasons, [&json!("Wachten op de leverancier"); 2]);

    // Publishing: the hash is SHA-256 of the report as frozen (without the publication).
    let published = app
        .post(
            &manager,
            "/api/v1/reports/2026-10/publication",
            publish_a.clone(),
        )
        .await
        .expect(201);
    let sha = published.json["publication"]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    assert_eq!(sha.len(), 64);
    let text = String::from_utf8(published.body.to_vec()).expect("utf-8");
    let cut = text.rfind(",\"publication\":").expect("publication last");
    assert_eq!(sha256_hex(&format!("{}}}", &text[..cut])), sha);
    assert_eq!(published.json["publication"]["published_by"], w.manager.id);
    app.post(
        &manager,
        "/api/v1/reports/2026-10/publication",
        publish_a.clone(),
    )
    .await
    .problem(409, Some("month"));

    // Served frozen, to the customer too, with the hash in a header (JSON and CSV).
    let frozen = app.get(&a, &oct_a).await.expect(200);
    assert_eq!(frozen.headers["loket-report-sha256"], sha.as_str());
    assert_eq!(frozen.json["publication"]["sha256"], sha.as_str());
    let csv = app
        .get(&manager, &format!("{oct_a}&format=csv"))
        .await
        .expect(200);
    assert_eq!(csv.headers["loket-report-sha256"], sha.as_str());
    app.get(
        &w.b.admin.bearer(),
        &format!("/api/v1/reports/2026-10?organization={}", w.a.id),
    )
    .await
    .problem(404, None);

    // After publication: the met incident is reopened (its October outcome undone) and solved
    // again in November; the reason is rewritten.
    app.set_time("2026-11-02T09:30:00Z");
    app.post(
        &agent,
        &format!("/api/v1/tickets/{met}/status"),
        json!({ "status": "reopened" }),
    )
    .await
    .expect(200);
    app.set_time("2026-11-02T10:07:00Z");
    app.post(
        &agent,
        &format!("/api/v1/tickets/{met}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    put(&agent, reason(missed), json!({ "reason": "Herzien" }))
        .await
        .expect(200);

    // The frozen report stands, byte for byte (the live compensation section after its
    // publication has nothing new either); the live one shows the change.
    let again = app.get(&manager, &oct_a).await.expect(200);
    assert_eq!(again.body, frozen.body);
    assert_eq!(met_missed(line(&again.json, 0, "urgent", 0)), (1, 1));
    let live = app
        .get(&manager, &format!("{oct_a}&live=true"))
        .await
        .expect(200)
        .json;
    assert!(live.get("publication").is_none());
    assert_eq!(met_missed(line(&live, 0, "urgent", 0)), (0, 1));
    assert!(
        live["missed"]
            .as_array()
            .expect("missed")
            .iter()
            .filter(|m| m["ticket_id"] == missed)
            .all(|m| m["reason"] == "Herzien")
    );

    // November shows the corrections to October, for both urgent bounds, and nothing else.
    let nov_a = format!("/api/v1/reports/2026-11?organization={}", w.a.id);
    let nov = app.get(&manager, &nov_a).await.expect(200).json;
    let corrections = nov["corrections"].as_array().expect("corrections");
    assert_eq!(corrections.len(), 2, "{corrections:?}");
    for (c, bound) in corrections.iter().zip([0, 1]) {
        assert_eq!(c["month"], "2026-10");
        assert_eq!(c["organization_id"], w.a.id);
        assert_eq!(
            (c["kind"].as_str(), c["priority"].as_str()),
            (Some("incident"), Some("urgent"))
        );
        assert_eq!(c["bound"], bound);
        assert_eq!(
            (c["published_met"].as_u64(), c["published_missed"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            (c["met"].as_u64(), c["missed"].as_u64()),
            (Some(0), Some(1))
        );
    }
    assert_eq!(met_missed(line(&nov, 0, "urgent", 0)), (1, 0));
    // The all-customers report has its own publications: none yet, so no corrections.
    let all = app
        .get(&manager, "/api/v1/reports/2026-11")
        .await
        .expect(200)
        .json;
    assert_eq!(all["corrections"], json!([]));

    // Publishing November freezes the correction; December does not repeat it.
    app.set_time("2026-12-01T09:00:00Z");
    let nov_frozen = app
        .post(
            &manager,
            "/api/v1/reports/2026-11/publication",
            publish_a.clone(),
        )
        .await
        .expect(201)
        .json;
    assert_eq!(nov_frozen["corrections"].as_array().map(Vec::len), Some(2));
    let dec = app
        .get(
            &manager,
            &format!("/api/v1/reports/2026-12?organization={}", w.a.id),
        )
        .await
        .expect(200)
        .json;
    assert_eq!(dec["corrections"], json!([]));

    // The audit trail holds the publications and the reasons.
    let log = app
        .state
        .store
        .audit_log(&store::Scope::System, 100)
        .await
        .expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "report.published").count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "ticket.miss_reason")
            .count(),
        2
    );
}

/// Tickets at risk within the next business hours (half-open: a deadline exactly at the end
/// of the look-ahead is outside it), the budget left, and twelve months of trend.
pub async fn reports_dashboard(app: App) {
    app.set_time("2026-10-05T07:00:00Z");
    let w = app.world().await;
    app.set_time("2026-10-05T08:00:00Z");
    // Urgent: 4 business hours → 12:00Z. High: 1 working day → 6 October 10:00 local (08:00Z).
    let urgent = app
        .file(
            &w.a.admin.bearer(),
            json!({ "kind": "incident", "priority": "urgent", "subject": "Alles plat" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let high = app
        .file(
            &w.b.admin.bearer(),
            json!({ "kind": "incident", "priority": "high", "subject": "Traag" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    app.set_time("2026-10-05T08:30:00Z");
    let agent = w.agent.bearer();
    let ids = |d: &Value| -> Vec<i64> {
        d["at_risk"]
            .as_array()
            .expect("at risk")
            .iter()
            .map(|t| t["ticket_id"].as_i64().expect("id"))
            .collect()
    };
    let d = app
        .get(&agent, "/api/v1/dashboard?hours=2")
        .await
        .expect(200)
        .json;
    assert_eq!(ids(&d), Vec::<i64>::new());
    let d = app
        .get(&agent, "/api/v1/dashboard?hours=4")
        .await
        .expect(200)
        .json;
    assert_eq!(ids(&d), [urgent]);
    assert_eq!(d["at_risk"][0]["business_seconds_left"], 3 * 3600 + 1800);
    assert_eq!(d["horizon_until"], "2026-10-05T12:30:00Z");
    // 10:30 + 8 business hours: 7 today, 1 tomorrow → 6 October 10:00, the high deadline.
    let d = app
        .get(&agent, "/api/v1/dashboard?hours=8")
        .await
        .expect(200)
        .json;
    assert_eq!(d["horizon_until"], "2026-10-06T08:00:00Z");
    assert_eq!(ids(&d), [urgent]);
    let d = app
        .get(&agent, "/api/v1/dashboard?hours=9")
        .await
        .expect(200)
        .json;
    assert_eq!(ids(&d), [urgent, high]);
    // Customers see their own only; another's is "not found".
    let mine = app
        .get(&w.a.viewer.bearer(), "/api/v1/dashboard?hours=9")
        .await
        .expect(200)
        .json;
    assert_eq!(ids(&mine), [urgent]);
    assert_eq!(mine["organization_id"], w.a.id);
    app.get(
        &w.a.viewer.bearer(),
        &format!("/api/v1/dashboard?organization={}", w.b.id),
    )
    .await
    .problem(404, None);
    for bad in ["201", "x"] {
        app.get(&agent, &format!("/api/v1/dashboard?hours={bad}"))
            .await
            .problem(if bad == "x" { 400 } else { 422 }, Some("hours"));
    }

    // Resolve the urgent one in time: this month's budget and the trend's last point follow
    // the month's report exactly.
    app.set_time("2026-10-05T09:07:00Z");
    app.post(
        &agent,
        &format!("/api/v1/tickets/{urgent}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    let d = app.get(&agent, "/api/v1/dashboard").await.expect(200).json;
    assert_eq!(d["horizon_hours"], 4);
    assert_eq!(d["month"], "2026-10");
    let report = app
        .get(&agent, "/api/v1/reports/2026-10")
        .await
        .expect(200)
        .json;
    let total = report["sections"]
        .as_array()
        .expect("s")
        .last()
        .expect("total")
        .clone();
    assert_eq!(d["budget"], total["targets"]);
    let trend = d["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 5, "four priorities and questions");
    for s in trend {
        let points = s["points"].as_array().expect("points");
        assert_eq!(points.len(), 12);
        assert_eq!(points[0]["month"], "2025-11");
        assert_eq!(points[11]["month"], "2026-10");
    }
    let urgent_trend = &trend[0];
    assert_eq!(urgent_trend["priority"], "urgent");
    assert_eq!(urgent_trend["points"][11]["share_bp"], 10_000);
    assert_eq!(urgent_trend["points"][11]["counted"], 1);
    assert_eq!(urgent_trend["points"][10]["share_bp"], Value::Null);

    // The page: the high incident still at risk for the service desk, not shown to customer A.
    app.set_time("2026-10-05T09:30:00Z");
    let desk = Browser::of(&app, &w.agent).html_only();
    desk.get("/dashboard?hours=9")
        .await
        .expect(200)
        .has(&format!("#{high} Traag"))
        .has("Dashboard");
    let customer = Browser::of(&app, &w.a.admin).html_only();
    customer
        .get("/dashboard?hours=9")
        .await
        .expect(200)
        .lacks("Traag");
    assert!(
        customer
            .get("/dashboard?hours=9")
            .await
            .html
            .matches("<svg")
            .count()
            == 5
    );
}

/// Compares `actual` with the reviewed snapshot `name` in `tests/snapshots`; with
/// `UPDATE_SNAPSHOTS=1` it writes it instead. A difference leaves `NAME.new` to review.
#[track_caller]
fn snapshot(name: &str, actual: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let path = dir.join(name);
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("snapshot dir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let new = dir.join(format!("{name}.new"));
        let _ = std::fs::write(&new, actual);
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the reviewed snapshot from line {}: review {} and run with \
             UPDATE_SNAPSHOTS=1 to accept it",
            first + 1,
            new.display()
        );
    }
}

/// The printable report, Dutch by default, English on request, published with its hash: the
/// rendered HTML and its SVG charts are reviewed snapshots (the same on both databases).
pub async fn reports_printable_snapshot(app: App) {
    app.set_time("2026-10-05T07:00:00Z");
    let w = app.world().await;
    let (_, missed) = october(&app, &w).await;
    // One environment with a 2-hour outage on 6 October, for the availability section.
    let env = app
        .state
        .store
        .create_environment(&store::Scope::System, store::OrgId(w.a.id), "Productie", 0)
        .await
        .expect("environment")
        .id
        .0;
    app.state
        .store
        .register_outage(
            &store::Scope::Vendor {
                person: store::PersonId(w.agent.id),
                role: store::Role::Agent,
            },
            &store::NewOutage {
                environment_id: store::EnvironmentId(env),
                monitor_id: None,
                started_at: crate::harness::at("2026-10-06T08:00:00Z").as_millisecond(),
                ended_at: Some(crate::harness::at("2026-10-06T10:00:00Z").as_millisecond()),
                reason: "gemeld".into(),
            },
            app.state.now_ms(),
        )
        .await
        .expect("outage");
    app.set_time("2026-11-02T09:00:00Z");
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}
    let agent = w.agent.bearer();
    app.send(
        crate::harness::Req::new(
            axum::http::Method::PUT,
            format!("/api/v1/tickets/{missed}/miss-reason"),
        )
        .auth(&agent)
        .json(&json!({ "reason": "Wachten op <de> leverancier & co" })),
    )
    .await
    .expect(200);
    let manager = w.manager.bearer();
    let p = app
        .post(
            &manager,
            "/api/v1/reports/2026-10/publication",
            json!({ "organization": w.a.id }),
        )
        .await
        .expect(201)
        .json;
    let sha = p["publication"]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    let path = format!(
        "/api/v1/reports/2026-10?organization={}&format=html",
        w.a.id
    );
    let nl = app.get(&manager, &path).await.expect(200);
    assert!(
        nl.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    let nl = String::from_utf8(nl.body.to_vec()).expect("utf-8");
    assert!(nl.starts_with("<!doctype html>\n<html lang=\"nl\">"));
    assert!(nl.contains("<link rel=\"stylesheet\" href=\"/static/report.css\">"));
    assert!(nl.contains("Servicerapportage oktober 2026"));
    assert!(nl.contains(&sha), "the hash is printed on it");
    assert!(
        nl.contains("Wachten op &#60;de&#62; leverancier &#38; co")
            || nl.contains("Wachten op &lt;de&gt; leverancier &amp; co")
    );
    assert_eq!(
        nl.matches("<svg").count(),
        5 + 4,
        "trend and distribution charts"
    );
    let en = app
        .get(&manager, &format!("{path}&lang=en"))
        .await
        .expect(200);
    let en = String::from_utf8(en.body.to_vec()).expect("utf-8");
    assert!(en.contains("<html lang=\"en\">") && en.contains("Service-level report October 2026"));
    app.get(&manager, &format!("{path}&lang=de"))
        .await
        .problem(400, Some("lang"));
    snapshot("report-2026-10-klant-a.nl.html", &nl);
    snapshot("report-2026-10-klant-a.en.html", &en);

    // The print stylesheet sets A4.
    let css = Browser::of(&app, &w.manager)
        .get("/static/report.css")
        .await
        .expect(200);
    assert!(css.html.contains("size: A4"));
}

/// The report pages: the last month by default, publishing with the form, the hash shown,
/// reasons recorded from the report, and customers limited to their own.
pub async fn reports_pages(app: App) {
    app.set_time("2026-10-05T07:00:00Z");
    let mut w = app.world().await;
    let (_, missed) = october(&app, &w).await;
    app.set_time("2026-11-02T09:00:00Z");
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}
    // Sessions of a month ago have expired: sign in again.
    for a in [&mut w.manager, &mut w.agent, &mut w.a.admin] {
        a.refresh(&app).await;
    }
    let manager = Browser::of(&app, &w.manager).html_only();
    let r = manager.get("/reports").await.expect(303);
    assert_eq!(r.location(), Some("/reports/2026-10"));
    let page_a = format!("/reports/2026-10?organization={}", w.a.id);
    let page = manager.get(&page_a).await.expect(200);
    page.has("Service-level report October 2026")
        .has("Provisional")
        .has("Publish and freeze")
        .has(&format!("#{missed} Facturen verdwenen"));
    // A reason recorded from the report page.
    manager
        .submit(
            &page_a,
            &format!("/tickets/{missed}/miss-reason"),
            &[("reason", "Storing bij de leverancier"), ("back", &page_a)],
        )
        .await
        .expect(303);
    manager
        .get(&page_a)
        .await
        .expect(200)
        .has("Storing bij de leverancier");
    // Publishing with the form.
    let done = manager
        .submit(
            &page_a,
            "/reports/2026-10/publish",
            &[("organization", &w.a.id.to_string())],
        )
        .await
        .expect(303);
    assert_eq!(done.location(), Some(page_a.as_str()));
    let frozen = manager.get(&page_a).await.expect(200);
    frozen
        .has("Published and frozen on")
        .lacks("Publish and freeze");
    let sha = app
        .get(
            &w.manager.bearer(),
            &format!("/api/v1/reports/2026-10?organization={}", w.a.id),
        )
        .await
        .expect(200)
        .json["publication"]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    frozen.has(&sha);
    // A forged form is refused.
    manager
        .post(
            "/reports/2026-09/publish",
            &[("csrf", "forged"), ("organization", &w.a.id.to_string())],
        )
        .await
        .expect(403);

    // The customer: own report, no publish or reason forms, another customer's is not found.
    let customer = Browser::of(&app, &w.a.admin).html_only();
    customer
        .get("/reports/2026-10")
        .await
        .expect(200)
        .has(&sha)
        .lacks("Record")
        .lacks("Klant B");
    customer
        .get(&format!("/reports/2026-10?organization={}", w.b.id))
        .await
        .expect(404);
    let agent = Browser::of(&app, &w.agent).html_only();
    agent
        .get("/reports/2026-10")
        .await
        .expect(200)
        .lacks("Publish and freeze")
        .has("Klant A")
        .has("Klant B");
    // The vendor's administrator reads Dutch.
    Browser::of(&app, &{
        let mut admin = w.admin.clone();
        admin.refresh(&app).await;
        admin
    })
    .get("/reports/2026-10")
    .await
    .expect(200)
    .has("Servicerapportage oktober 2026")
    .has("Voorlopig")
    .has("alle klanten");
}
