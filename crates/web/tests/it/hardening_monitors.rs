//! Issue #14 point 5 for monitors: a target on an internal address (this host, a private or
//! link-local network, the cloud's metadata address) is refused unless the vendor's
//! administrator allowed it for the monitor, and customers never see how a monitor probes
//! beyond its target (the keyword, the allowance).

use std::time::Duration;

use axum::http::Method;
use desk::monitoring::Pipeline;
use serde_json::{Value, json};

use crate::harness::{App, Req};
use crate::pagekit::Browser;

/// Every internal form of a target is refused at creation and when changed, naming `target`,
/// unless an administrator allows internal targets for the monitor; only an administrator
/// may, and the allowance lapses when someone else changes the target.
pub async fn hardening_monitor_targets_internal(app: App) {
    let w = app.world().await;
    let (admin, manager) = (w.admin.bearer(), w.manager.bearer());
    let env = app
        .post(
            &manager,
            &format!("/api/v1/organizations/{}/environments", w.a.id),
            json!({ "name": "Productie" }),
        )
        .await
        .expect(201)
        .id();
    let monitors = format!("/api/v1/environments/{env}/monitors");
    let internal = [
        ("http", "http://127.0.0.1/"),
        ("http", "http://127.0.0.1:8080/health"),
        ("http", "https://localhost/"),
        ("http", "http://LOCALHOST./"),
        ("http", "http://api.localhost:3000/"),
        ("http", "http://10.1.2.3/"),
        ("http", "http://172.16.0.1/"),
        ("http", "http://192.168.1.10/"),
        ("http", "http://169.254.169.254/latest/meta-data/"),
        ("http", "http://100.64.0.1/"),
        ("http", "http://0.0.0.0/"),
        ("http", "http://[::1]/"),
        ("http", "http://[::]/"),
        ("http", "http://[fd00::1]/"),
        ("http", "http://[fe80::1]/"),
        ("http", "http://[::ffff:127.0.0.1]/"),
        ("http", "http://[::ffff:a9fe:a9fe]/"),
        ("http", "http://2130706433/"),
        ("http", "http://127.1/"),
        ("http", "http://0x7f.0.0.1/"),
        ("tcp", "127.0.0.1:5432"),
        ("tcp", "localhost:22"),
        ("tcp", "10.0.0.5:3306"),
        ("tcp", "[::1]:6379"),
        ("tcp", "[::ffff:192.168.0.1]:25"),
    ];
    for (kind, target) in internal {
        for (who, body) in [
            (&manager, json!({ "kind": kind, "target": target })),
            (&admin, json!({ "kind": kind, "target": target })),
            (
                &admin,
                json!({ "kind": kind, "target": target, "allow_internal": false }),
            ),
        ] {
            let r = app.post(who, &monitors, body).await;
            assert_eq!(
                (r.status.as_u16(), r.json["errors"][0]["field"].as_str()),
                (422, Some("target")),
                "{target}: {}",
                r.json
            );
            assert!(
                r.field_message().contains("internal address"),
                "{target}: {}",
                r.json
            );
        }
    }
    // Public addresses and names are taken; a name is judged when it is probed.
    for (kind, target) in [
        ("http", "https://status.klant-a.example/health"),
        ("http", "http://93.184.216.34/"),
        ("http", "http://[2001:db8::1]/"),
        ("http", "http://localhost.klant-a.example/"),
        ("tcp", "db.klant-a.example:5432"),
    ] {
        app.post(
            &manager,
            &monitors,
            json!({ "kind": kind, "target": target }),
        )
        .await
        .expect(201);
    }
    // Only an administrator allows internal targets.
    app.post(
        &manager,
        &monitors,
        json!({ "kind": "http", "target": "http://10.0.0.8/", "allow_internal": true }),
    )
    .await
    .problem(403, None);
    let allowed = app
        .post(
            &admin,
            &monitors,
            json!({ "kind": "http", "target": "http://10.0.0.8/", "allow_internal": true }),
        )
        .await
        .expect(201);
    assert_eq!(allowed.json["monitor"]["allow_internal"], true);
    let id = allowed.json["monitor"]["id"].as_i64().expect("id");
    let path = format!("/api/v1/monitors/{id}");
    let put = |auth: &crate::harness::Auth, body: Value| {
        app.send(Req::new(Method::PUT, path.clone()).auth(auth).json(&body))
    };
    // The service manager may change other settings; the allowance stays with the target.
    let kept = put(
        &manager,
        json!({ "kind": "http", "target": "http://10.0.0.8/", "interval_s": 120 }),
    )
    .await
    .expect(200);
    assert_eq!(kept.json["monitor"]["allow_internal"], true);
    // Another internal target from the service manager: the allowance lapses, so refused.
    put(
        &manager,
        json!({ "kind": "http", "target": "http://10.0.0.9/" }),
    )
    .await
    .problem(422, Some("target"));
    put(
        &manager,
        json!({ "kind": "http", "target": "http://10.0.0.9/", "allow_internal": true }),
    )
    .await
    .problem(403, None);
    // A public target from the service manager: taken, and the allowance is gone.
    let public = put(
        &manager,
        json!({ "kind": "http", "target": "https://klant-a.example/" }),
    )
    .await
    .expect(200);
    assert_eq!(public.json["monitor"]["allow_internal"], false);
    // The administrator gives it again, and takes it away (refused while the target is internal).
    put(
        &admin,
        json!({ "kind": "tcp", "target": "10.0.0.9:5432", "allow_internal": true }),
    )
    .await
    .expect(200);
    put(
        &admin,
        json!({ "kind": "tcp", "target": "10.0.0.9:5432", "allow_internal": false }),
    )
    .await
    .problem(422, Some("target"));
    let stored = app
        .state
        .store
        .get_monitor(&store::Scope::System, store::MonitorId(id))
        .await
        .expect("monitor");
    assert!(
        stored.settings.allow_internal,
        "the refused change changed nothing"
    );
    assert_eq!(stored.settings.target, "10.0.0.9:5432");
}

/// The probe checks the addresses a name resolves to when it probes (a name can move to an
/// internal address after the monitor was created): without the allowance the probe fails
/// with the reason and connects to nothing; with it, the same target is up.
pub async fn hardening_monitor_probe_refuses_internal_addresses(app: App) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let w = app.world().await;
    let env = app
        .post(
            &w.manager.bearer(),
            &format!("/api/v1/organizations/{}/environments", w.a.id),
            json!({ "name": "Productie" }),
        )
        .await
        .expect(201)
        .id();
    // A name that passed the check at creation (as a public name does) and now resolves to
    // this host: stored as such, as a rebinding name would be.
    let now = app.state.now_ms();
    let settings = |allow_internal: bool| store::MonitorSettings {
        kind: store::MonitorKind::Tcp,
        target: format!("localhost:{port}"),
        expected_status: None,
        keyword: None,
        latency_limit_ms: None,
        interval_s: 10,
        fail_after: 1,
        recover_after: 1,
        push_token_hash: None,
        allow_internal,
    };
    let sys = store::Scope::System;
    let refused = app
        .state
        .store
        .create_monitor(&sys, store::EnvironmentId(env), &settings(false), now)
        .await
        .expect("monitor");
    let allowed = app
        .state
        .store
        .create_monitor(&sys, store::EnvironmentId(env), &settings(true), now)
        .await
        .expect("monitor");
    for (m, up) in [(&refused, false), (&allowed, true)] {
        let probe = desk::monitoring::runner::probe_of(&m.settings).expect("probe");
        let result = probe::Prober::new()
            .run(&probe)
            .await
            .expect("a network probe");
        assert_eq!(result.ok, up, "{result:?}");
        if !up {
            assert!(
                result
                    .detail
                    .starts_with("refused: `localhost` resolves to the internal address"),
                "{result:?}"
            );
        }
    }
    // The refused probe never connected; the allowed one did.
    let first = tokio::time::timeout(Duration::from_secs(1), listener.accept()).await;
    assert!(first.is_ok(), "the allowed probe connected");
    let second = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(second.is_err(), "nothing else connected");
    // Recorded as a failed probe with its reason, which opens an outage.
    let mut p = Pipeline::new(app.state.desk.clone());
    p.reload(None).await.expect("reload");
    let probe = desk::monitoring::runner::probe_of(&refused.settings).expect("probe");
    let at = app.state.now_ms();
    let result = probe::Prober::new()
        .with_clock(move || at)
        .run(&probe)
        .await
        .expect("result");
    p.record(refused.id.0, result).await.expect("record");
    let rows = app
        .state
        .store
        .probe_results(&sys, refused.id, 0, i64::MAX)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].ok, 0);
    assert!(
        rows[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("internal address")),
        "{rows:?}"
    );
}

/// A customer's administrator and viewer see their monitors without the keyword or the
/// allowance, in every answer and on every page; the vendor's staff see both.
pub async fn hardening_monitor_keyword_hidden_from_customers(app: App) {
    let w = app.world().await;
    let keyword = "GEHEIM-sleutelwoord-42";
    let env = app
        .post(
            &w.manager.bearer(),
            &format!("/api/v1/organizations/{}/environments", w.a.id),
            json!({ "name": "Productie" }),
        )
        .await
        .expect(201)
        .id();
    let created = app
        .post(
            &w.manager.bearer(),
            &format!("/api/v1/environments/{env}/monitors"),
            json!({ "kind": "http", "target": "https://klant-a.example/health",
                    "keyword": keyword, "expected_status": 200 }),
        )
        .await
        .expect(201);
    assert_eq!(created.json["monitor"]["keyword"], keyword);
    let id = created.json["monitor"]["id"].as_i64().expect("id");
    let list = format!("/api/v1/environments/{env}/monitors");
    let one = format!("/api/v1/monitors/{id}");
    for vendor in [&w.admin, &w.manager, &w.agent] {
        for path in [&list, &one] {
            let r = app.get(&vendor.bearer(), path).await.expect(200);
            let m = if r.json.is_array() {
                &r.json[0]
            } else {
                &r.json
            };
            assert_eq!(m["keyword"], keyword, "{path}: {}", r.json);
            assert_eq!(m["allow_internal"], false, "{path}: {}", r.json);
        }
    }
    for customer in [&w.a.admin, &w.a.viewer] {
        for auth in [customer.session(), customer.bearer()] {
            for path in [&list, &one] {
                let r = app.get(&auth, path).await.expect(200);
                let m = if r.json.is_array() {
                    &r.json[0]
                } else {
                    &r.json
                };
                assert_eq!(m["id"].as_i64(), Some(id));
                assert_eq!(m["target"], "https://klant-a.example/health");
                assert_eq!(m["expected_status"], 200);
                let object = m.as_object().expect("object");
                assert!(
                    !object.contains_key("keyword") && !object.contains_key("allow_internal"),
                    "{path}: {}",
                    r.json
                );
                let body = String::from_utf8_lossy(&r.body);
                assert!(!body.contains(keyword), "{path}: {body}");
            }
        }
        // The pages a customer reaches never show it either.
        let b = Browser::of(&app, customer);
        for page in [
            "/portal",
            "/availability",
            "/status",
            &format!("/tickets/{}", w.a.ticket),
        ] {
            let p = b.get(page).await;
            assert!(p.status.is_success(), "{page}: {}", p.status);
            p.lacks(keyword);
        }
    }
}
