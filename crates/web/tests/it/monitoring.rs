//! Monitoring: the outage detector behind the runner (opening after N failures, closing after
//! M good probes, at the right instants), push heartbeats, outages kept by hand with reasons,
//! tenant isolation, the real runner against local HTTP targets that go down and come back,
//! and the probe lease (two runners on one database: one probes; the other takes over).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use desk::clock::SystemClock;
use desk::monitoring::{Pipeline, RunnerConfig};
use serde_json::{Value, json};
use store::{
    EnvironmentId, MonitorId, MonitorKind, MonitorSettings, NewOutage, OrgId, PersonId, Role, Scope,
};
use tokio::task::JoinHandle;
use web::AppState;

use crate::harness::{App, Auth, Req, T0, at};
use crate::world::World;

// ----- helpers --------------------------------------------------------------------------------

fn ms(s: &str) -> i64 {
    at(s).as_millisecond()
}

fn t0_plus(seconds: i64) -> i64 {
    ms(T0) + seconds * 1000
}

fn rfc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .expect("instant")
        .to_string()
}

async fn environment(app: &App, by: &Auth, org: i64, name: &str) -> i64 {
    app.post(
        by,
        &format!("/api/v1/organizations/{org}/environments"),
        json!({ "name": name }),
    )
    .await
    .expect(201)
    .id()
}

/// Creates a monitor through the API; returns the answer (`monitor`, `push_token`).
async fn monitor(app: &App, by: &Auth, env: i64, body: Value) -> Value {
    app.post(by, &format!("/api/v1/environments/{env}/monitors"), body)
        .await
        .expect(201)
        .json
}

async fn outages(app: &App, by: &Auth, env: i64, month: &str) -> Vec<Value> {
    let r = app
        .get(
            by,
            &format!("/api/v1/environments/{env}/outages?month={month}"),
        )
        .await
        .expect(200);
    r.json["items"].as_array().expect("items").clone()
}

fn down(at: i64, why: &str) -> probe::ProbeResult {
    probe::ProbeResult::down(at, 3, why)
}

fn up(at: i64) -> probe::ProbeResult {
    probe::ProbeResult::up(at, 3)
}

/// The application's state over the same store with the system clock (for real runners,
/// whose probes need time to move).
fn live_state(app: &App) -> AppState {
    AppState::new(
        app.state.store.clone(),
        Arc::new(SystemClock),
        web::Config::default(),
    )
}

/// Polls `check` every 200 ms until it holds, for at most `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ----- a switchable HTTP target ---------------------------------------------------------------

const UP: u8 = 0;
const UNAVAILABLE: u8 = 1;
const NO_KEYWORD: u8 = 2;

#[derive(Default)]
struct Shared {
    mode: AtomicU8,
    hits: Mutex<HashMap<String, Vec<Instant>>>,
}

/// A local HTTP server whose answer can be switched: up (`200 … operational`), `503`, `200`
/// without the keyword, or not listening at all.
struct Target {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<JoinHandle<()>>>,
}

async fn answer(State(s): State<Arc<Shared>>, uri: Uri) -> (StatusCode, String) {
    if let Ok(mut hits) = s.hits.lock() {
        hits.entry(uri.path().to_string())
            .or_default()
            .push(Instant::now());
    }
    match s.mode.load(Ordering::SeqCst) {
        UNAVAILABLE => (StatusCode::SERVICE_UNAVAILABLE, "busy".into()),
        NO_KEYWORD => (StatusCode::OK, "maintenance page".into()),
        _ => (StatusCode::OK, "all systems operational".into()),
    }
}

impl Target {
    async fn start() -> Target {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let t = Target {
            addr: listener.local_addr().expect("addr"),
            shared: Arc::default(),
            server: Mutex::new(None),
        };
        t.serve(listener);
        t
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(self.shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().expect("lock") = Some(task);
    }

    fn set(&self, mode: u8) {
        self.shared.mode.store(mode, Ordering::SeqCst);
    }

    async fn stop_listening(&self) {
        let task = self.server.lock().expect("lock").take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    async fn listen_again(&self) {
        for _ in 0..50 {
            if let Ok(l) = tokio::net::TcpListener::bind(self.addr).await {
                self.serve(l);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not listen on {} again", self.addr);
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self, path: &str) -> Vec<Instant> {
        self.shared
            .hits
            .lock()
            .expect("lock")
            .get(path)
            .cloned()
            .unwrap_or_default()
    }
}

// ----- the detector behind the runner ---------------------------------------------------------

/// Three failures in a row open an outage at the first of them; two good probes in a row close
/// it at the first of those; a failure in between starts the good run over. Another instance
/// (a new pipeline) continues from the stored detector state.
pub async fn monitoring_outage_after_failures_and_recoveries(app: App) {
    let w = app.world().await;
    let by = w.manager.session();
    let env = environment(&app, &by, w.a.id, "Productie").await;
    // The pipeline is fed by hand; the target is never probed, but it is internal: only the
    // administrator may allow it.
    let m = monitor(
        &app,
        &w.admin.session(),
        env,
        json!({ "kind": "http", "target": "http://127.0.0.1:9/health", "interval_s": 10,
                "fail_after": 3, "recover_after": 2, "allow_internal": true }),
    )
    .await;
    let id = m["monitor"]["id"].as_i64().expect("id");
    assert!(m["push_token"].is_null());

    let mut p = Pipeline::new(app.state.desk.clone());
    assert_eq!(p.reload(None).await.expect("reload"), 1);
    let t = t0_plus;
    p.record(id, up(t(0))).await.expect("record");
    p.record(id, down(t(10), "status 503"))
        .await
        .expect("record");
    p.record(id, down(t(20), "status 503"))
        .await
        .expect("record");
    assert!(
        outages(&app, &by, env, "2026-11").await.is_empty(),
        "2 < 3 failures"
    );
    p.record(id, down(t(30), "status 503"))
        .await
        .expect("record");
    let open = outages(&app, &by, env, "2026-11").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["started_at"], rfc(t(10)), "from the first failure");
    assert!(open[0]["ended_at"].is_null());
    assert_eq!(open[0]["source"], "probe");
    assert_eq!(open[0]["counted"], true);
    assert_eq!(open[0]["monitor_id"].as_i64(), Some(id));
    let shown = app
        .get(&w.a.viewer.session(), &format!("/api/v1/monitors/{id}"))
        .await
        .expect(200);
    assert_eq!(shown.json["outage_open_since"], rfc(t(10)));

    // The same result again changes nothing.
    let again = p
        .record(id, down(t(30), "status 503"))
        .await
        .expect("record");
    assert_eq!(again, Some(store::Recorded::Duplicate));

    // Another instance takes over: it continues from the stored state.
    drop(p);
    let mut p = Pipeline::new(app.state.desk.clone());
    p.reload(None).await.expect("reload");
    p.record(id, up(t(40))).await.expect("record");
    p.record(id, down(t(50), "timeout")).await.expect("record");
    p.record(id, up(t(60))).await.expect("record");
    assert!(
        outages(&app, &by, env, "2026-11").await[0]["ended_at"].is_null(),
        "one good probe of two"
    );
    p.record(id, up(t(70))).await.expect("record");
    let closed = outages(&app, &by, env, "2026-11").await;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["started_at"], rfc(t(10)));
    assert_eq!(
        closed[0]["ended_at"],
        rfc(t(60)),
        "at the first good probe of the run"
    );

    // Every probe is kept, and the hour holds the outage's 50 seconds.
    let scope = Scope::System;
    let rows = app
        .state
        .store
        .probe_results(&scope, MonitorId(id), t(0), t(100))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 8);
    assert_eq!(rows.iter().filter(|r| r.ok == 0).count(), 4);
    let hours = app
        .state
        .store
        .probe_hours(&scope, MonitorId(id), t(-3600), t(3600))
        .await
        .expect("hours");
    assert_eq!(hours.iter().map(|h| h.down_seconds).sum::<i64>(), 50);
    assert_eq!(hours.iter().map(|h| h.probes).sum::<i64>(), 8);

    // A result of a monitor the pipeline does not follow is not recorded.
    assert_eq!(p.record(987_654, up(t(80))).await.expect("record"), None);
}

/// A push monitor is up while heartbeats come in time (interval + grace), fails when they
/// stop, and recovers with the next heartbeat; the token alone authenticates a push.
pub async fn monitoring_push_monitor_fails_when_pushes_stop(app: App) {
    let w = app.world().await;
    let by = w.admin.session();
    let env = environment(&app, &by, w.a.id, "Batch").await;
    let m = monitor(
        &app,
        &by,
        env,
        json!({ "kind": "push", "target": "nachtelijke import", "interval_s": 60,
                "fail_after": 2, "recover_after": 1 }),
    )
    .await;
    let id = m["monitor"]["id"].as_i64().expect("id");
    assert_eq!(m["monitor"]["push_grace_s"], 30);
    let token = m["push_token"].as_str().expect("token").to_string();
    assert_eq!(m["push_path"], format!("/api/v1/push/{token}"));
    let push = |token: String| {
        let app = app.clone();
        async move {
            app.send(Req::new(
                axum::http::Method::POST,
                format!("/api/v1/push/{token}"),
            ))
            .await
        }
    };

    let mut p = Pipeline::new(app.state.desk.clone());
    p.reload(None).await.expect("reload");
    push(token.clone()).await.expect(204);
    push("not-a-token".into()).await.problem(404, None);
    let t = t0_plus;
    // Deadline: the push at T0 + 60 s + 30 s grace.
    p.record(id, up(t(60))).await.expect("record");
    p.record(id, up(t(90))).await.expect("record");
    p.record(id, up(t(100))).await.expect("record"); // the scheduler's verdict is not trusted
    p.record(id, up(t(160))).await.expect("record");
    let open = outages(&app, &by, env, "2026-11").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["started_at"], rfc(t(100)), "the first silent check");
    let rows = app
        .state
        .store
        .probe_results(&Scope::System, MonitorId(id), t(0), t(200))
        .await
        .expect("rows");
    assert!(
        rows[2]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("no push for"),
        "{rows:?}"
    );
    // The heartbeat comes back.
    app.set_time(&rfc(t(170)));
    push(token.clone()).await.expect(204);
    p.record(id, up(t(180))).await.expect("record");
    let closed = outages(&app, &by, env, "2026-11").await;
    assert_eq!(closed[0]["ended_at"], rfc(t(180)));

    // A new token replaces the old; a stopped monitor takes no pushes.
    let changed = app
        .send(
            Req::new(axum::http::Method::PUT, format!("/api/v1/monitors/{id}"))
                .auth(&by)
                .json(&json!({ "kind": "push", "target": "nachtelijke import",
                                "interval_s": 60, "new_push_token": true })),
        )
        .await
        .expect(200);
    let new_token = changed.json["push_token"]
        .as_str()
        .expect("token")
        .to_string();
    push(token.clone()).await.problem(404, None);
    push(new_token.clone()).await.expect(204);
    let kept = app
        .send(
            Req::new(axum::http::Method::PUT, format!("/api/v1/monitors/{id}"))
                .auth(&by)
                .json(&json!({ "kind": "push", "target": "import", "interval_s": 120 })),
        )
        .await
        .expect(200);
    assert!(kept.json["push_token"].is_null(), "the token stays");
    push(new_token.clone()).await.expect(204);
    app.send(
        Req::new(
            axum::http::Method::PUT,
            format!("/api/v1/monitors/{id}/active"),
        )
        .auth(&by)
        .json(&json!({ "active": false })),
    )
    .await
    .expect(200);
    push(new_token).await.problem(404, None);
}

/// Outages registered, corrected and classified by hand carry who, when and why; customers
/// read their own and can do none of it.
pub async fn monitoring_outages_by_hand(app: App) {
    let w = app.world().await;
    let by = w.manager.session();
    let env = environment(&app, &by, w.a.id, "Productie").await;
    let path = format!("/api/v1/environments/{env}/outages");
    let body = json!({ "started_at": "2026-11-20T13:00:00Z", "ended_at": "2026-11-20T14:30:00Z",
                       "reason": "Storing gemeld door de klant; de monitor zag hem niet" });
    for who in [&w.a.admin, &w.a.viewer, &w.agent] {
        app.post(&who.session(), &path, body.clone())
            .await
            .problem(403, None);
    }
    app.post(
        &by,
        &path,
        json!({ "started_at": "2026-11-20T13:00:00Z", "reason": "  " }),
    )
    .await
    .problem(422, Some("reason"));
    app.post(
        &by,
        &path,
        json!({ "started_at": "2026-11-20T13:00:00Z", "ended_at": "2026-11-20T12:00:00Z",
                "reason": "verkeerd om" }),
    )
    .await
    .problem(422, Some("ended_at"));
    app.post(
        &by,
        &path,
        json!({ "started_at": "gisteren", "reason": "x" }),
    )
    .await
    .problem(400, Some("started_at"));
    let o = app.post(&by, &path, body).await.expect(201).json;
    let id = o["id"].as_i64().expect("id");
    assert_eq!(o["source"], "manual");
    assert_eq!(o["created_by"].as_i64(), Some(w.manager.id));
    assert!(o["reason"].as_str().expect("reason").starts_with("Storing"));
    assert_eq!(o["created_at"], rfc(ms(T0)));

    app.advance(60);
    let correction = format!("/api/v1/outages/{id}/correction");
    let fix = json!({ "started_at": "2026-11-20T13:05:00Z", "ended_at": "2026-11-20T14:00:00Z",
                      "reason": "Tijden uit het logboek van de klant" });
    app.post(&w.a.admin.session(), &correction, fix.clone())
        .await
        .problem(403, None);
    app.post(&w.b.admin.session(), &correction, fix.clone())
        .await
        .problem(404, None);
    let c = app.post(&by, &correction, fix).await.expect(200).json;
    assert_eq!(c["started_at"], "2026-11-20T13:05:00Z");
    assert_eq!(c["ended_at"], "2026-11-20T14:00:00Z");
    assert_eq!(c["corrected_by"].as_i64(), Some(w.manager.id));
    assert_eq!(c["corrected_at"], rfc(t0_plus(60)));
    assert_eq!(
        c["correction_reason"],
        "Tijden uit het logboek van de klant"
    );

    app.advance(60);
    let classification = format!("/api/v1/outages/{id}/classification");
    let classify = |cause: Value, reason: &str| {
        Req::new(axum::http::Method::PUT, classification.clone())
            .json(&json!({ "cause": cause, "reason": reason }))
    };
    app.send(classify(json!("force_majeure"), "Stroomstoring").auth(&w.a.admin.session()))
        .await
        .problem(403, None);
    app.send(classify(json!("weather"), "x").auth(&by))
        .await
        .problem(400, Some("cause"));
    app.send(classify(json!("force_majeure"), "").auth(&by))
        .await
        .problem(422, Some("reason"));
    let k = app
        .send(
            classify(
                json!("third_party_telecom"),
                "Glasvezelbreuk bij de provider, storingsnummer 4711",
            )
            .auth(&w.admin.bearer()),
        )
        .await
        .expect(200)
        .json;
    assert_eq!(k["cause"], "third_party_telecom");
    assert_eq!(k["counted"], false);
    assert_eq!(k["classified_by"].as_i64(), Some(w.admin.id));
    assert_eq!(k["classified_at"], rfc(t0_plus(120)));
    assert!(
        k["classification_reason"]
            .as_str()
            .expect("reason")
            .contains("4711")
    );

    // The customer reads it, in its month only.
    for who in [&w.a.admin, &w.a.viewer] {
        let list = outages(&app, &who.bearer(), env, "2026-11").await;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["cause"], "third_party_telecom");
        assert!(
            outages(&app, &who.bearer(), env, "2026-10")
                .await
                .is_empty()
        );
        app.get(&who.session(), &format!("/api/v1/outages/{id}"))
            .await
            .expect(200);
    }
    let r = app.get(&by, &path).await.expect(200);
    assert_eq!(r.json["month"], "2026-11", "the current month by default");
    assert_eq!(
        r.json["from"], "2026-10-31T23:00:00Z",
        "Amsterdam's November"
    );
    app.get(&by, &format!("{path}?month=2026-13"))
        .await
        .problem(400, Some("month"));
    app.get(&w.b.viewer.session(), &path)
        .await
        .problem(404, None);

    // Back to counted downtime, also with a reason.
    let back = app
        .send(classify(Value::Null, "Toch onze eigen router").auth(&by))
        .await
        .expect(200)
        .json;
    assert_eq!(back["counted"], true);

    // The audit trail has every step with its reason.
    let log = app
        .state
        .store
        .audit_log(&Scope::System, 50)
        .await
        .expect("audit");
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.action.starts_with("outage."))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "outage.classified",
            "outage.classified",
            "outage.corrected",
            "outage.registered"
        ]
    );
    assert!(
        log.iter()
            .any(|e| e.detail["reason"] == "Toch onze eigen router")
    );
}

/// A customer sees its own environments, monitors and outages and nothing of another's; the
/// API refuses monitors that cannot work.
pub async fn monitoring_tenant_isolation_and_validation(app: App) {
    let w: World = app.world().await;
    let by = w.admin.session();
    let env_a = environment(&app, &by, w.a.id, "Productie").await;
    let env_b = environment(&app, &by, w.b.id, "Productie").await;
    let http = json!({ "kind": "http", "target": "https://klant.example/health",
                       "keyword": "ok", "expected_status": 200, "latency_limit_ms": 2000 });
    let m_a = monitor(&app, &by, env_a, http.clone()).await["monitor"]["id"]
        .as_i64()
        .expect("id");
    let m_b = monitor(&app, &by, env_b, http).await["monitor"]["id"]
        .as_i64()
        .expect("id");
    let tcp = monitor(
        &app,
        &by,
        env_b,
        json!({ "kind": "tcp", "target": "db.klant-b.example:5432", "interval_s": 30 }),
    )
    .await;
    assert_eq!(tcp["monitor"]["kind"], "tcp");
    app.post(
        &by,
        &format!("/api/v1/organizations/{}/environments", w.a.id),
        json!({ "name": "Productie" }),
    )
    .await
    .problem(409, Some("name"));

    for who in [&w.a.admin, &w.a.viewer] {
        for auth in [who.session(), who.bearer()] {
            let own = app
                .get(
                    &auth,
                    &format!("/api/v1/organizations/{}/environments", w.a.id),
                )
                .await
                .expect(200);
            assert_eq!(own.json.as_array().expect("list").len(), 1);
            assert_eq!(own.json[0]["id"].as_i64(), Some(env_a));
            let mons = app
                .get(&auth, &format!("/api/v1/environments/{env_a}/monitors"))
                .await
                .expect(200);
            assert_eq!(mons.json[0]["id"].as_i64(), Some(m_a));
            for path in [
                format!("/api/v1/organizations/{}/environments", w.b.id),
                format!("/api/v1/environments/{env_b}/monitors"),
                format!("/api/v1/environments/{env_b}/outages"),
                format!("/api/v1/monitors/{m_b}"),
            ] {
                app.get(&auth, &path).await.problem(404, None);
            }
        }
    }
    // The service desk sees both.
    for who in [&w.agent, &w.manager] {
        app.get(&who.session(), &format!("/api/v1/monitors/{m_b}"))
            .await
            .expect(200);
    }
    // The store refuses a customer's scope on another's environment, whatever the caller asks.
    let scope_a = Scope::Customer {
        person: PersonId(w.a.admin.id),
        org: OrgId(w.a.id),
        role: Role::CustomerAdmin,
    };
    assert!(
        app.state
            .store
            .outages(&scope_a, EnvironmentId(env_b), 0, i64::MAX)
            .await
            .expect("outages")
            .is_empty()
    );

    // Monitors that cannot work.
    let bad = [
        (
            json!({ "kind": "http", "target": "https://x.example", "interval_s": 5 }),
            "interval_s",
        ),
        (
            json!({ "kind": "http", "target": "ftp://x.example" }),
            "target",
        ),
        (
            json!({ "kind": "http", "target": "http://u:p@x.example/" }),
            "target",
        ),
        (json!({ "kind": "tcp", "target": "db.example" }), "target"),
        (
            json!({ "kind": "tcp", "target": "db.example:5432", "keyword": "x" }),
            "keyword",
        ),
        (
            json!({ "kind": "push", "target": "job", "latency_limit_ms": 10 }),
            "latency_limit_ms",
        ),
        (
            json!({ "kind": "http", "target": "https://x.example", "fail_after": 0 }),
            "fail_after",
        ),
        (
            json!({ "kind": "http", "target": "https://x.example", "expected_status": 42 }),
            "expected_status",
        ),
    ];
    for (body, field) in bad {
        app.post(
            &by,
            &format!("/api/v1/environments/{env_a}/monitors"),
            body.clone(),
        )
        .await
        .problem(422, Some(field));
    }
}

// ----- the real runner ------------------------------------------------------------------------

fn fast_runner() -> RunnerConfig {
    RunnerConfig {
        lease_ttl: Duration::from_secs(3),
        renew_every: Duration::from_millis(500),
        reload_every: Duration::from_secs(1),
        ..RunnerConfig::default()
    }
}

/// Creates an active HTTP monitor straight in the store (probed every 10 s).
async fn http_monitor(app: &App, env: i64, url: &str, fail: i64, recover: i64) -> i64 {
    app.state
        .store
        .create_monitor(
            &Scope::System,
            EnvironmentId(env),
            &MonitorSettings {
                kind: MonitorKind::Http,
                target: url.into(),
                expected_status: None,
                keyword: Some("operational".into()),
                latency_limit_ms: None,
                interval_s: 10,
                fail_after: fail,
                recover_after: recover,
                push_token_hash: None,
                allow_internal: true,
            },
            app.state.now_ms(),
        )
        .await
        .expect("monitor")
        .id
        .0
}

async fn env_of(app: &App, org: i64, name: &str) -> i64 {
    app.state
        .store
        .create_environment(&Scope::System, OrgId(org), name, app.state.now_ms())
        .await
        .expect("environment")
        .id
        .0
}

async fn probe_rows(app: &App, id: i64) -> Vec<store::ProbeRow> {
    app.state
        .store
        .probe_results(&Scope::System, MonitorId(id), 0, i64::MAX)
        .await
        .expect("rows")
}

/// The runner probes real targets: a 503, a missing keyword and a closed port each open an
/// outage at the first failed probe, and the first good probe afterwards closes it.
pub async fn monitoring_runner_against_real_targets(app: App) {
    let org = app
        .state
        .store
        .create_org("Klant", app.state.now_ms())
        .await
        .expect("org")
        .id
        .0;
    let env = env_of(&app, org, "Productie").await;
    let targets = [
        Target::start().await,
        Target::start().await,
        Target::start().await,
    ];
    let mut ids = Vec::new();
    for t in &targets {
        ids.push(http_monitor(&app, env, &t.url("/health"), 1, 1).await);
    }
    let runner = desk::monitoring::spawn(live_state(&app).desk.clone(), "runner-a", fast_runner());

    // Up first.
    let within = Duration::from_secs(25);
    for &id in &ids {
        eventually(within, "a first good probe", || async {
            probe_rows(&app, id).await.iter().any(|r| r.ok == 1)
        })
        .await;
    }
    let switched = jiff::Timestamp::now().as_millisecond();
    targets[0].set(UNAVAILABLE);
    targets[1].set(NO_KEYWORD);
    targets[2].stop_listening().await;
    let open = |id: i64| {
        let app = app.clone();
        async move {
            app.state
                .store
                .outages(&Scope::System, EnvironmentId(env), 0, i64::MAX)
                .await
                .expect("outages")
                .into_iter()
                .find(|o| o.monitor_id == Some(MonitorId(id)))
        }
    };
    for &id in &ids {
        eventually(within, "an outage", || async { open(id).await.is_some() }).await;
    }
    let details = ["status 503", "keyword", "connect"];
    for (&id, detail) in ids.iter().zip(details) {
        let o = open(id).await.expect("outage");
        let rows = probe_rows(&app, id).await;
        let first_failure = rows.iter().find(|r| r.ok == 0).expect("a failure");
        assert_eq!(o.started_at, first_failure.at, "opened at the failed probe");
        assert!(o.started_at >= switched, "not before the target went down");
        assert!(
            first_failure
                .detail
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains(detail),
            "{first_failure:?} should say {detail}"
        );
    }
    let restored = jiff::Timestamp::now().as_millisecond();
    targets[0].set(UP);
    targets[1].set(UP);
    targets[2].listen_again().await;
    for &id in &ids {
        eventually(within, "the outage closed", || async {
            open(id).await.is_some_and(|o| o.ended_at.is_some())
        })
        .await;
        let o = open(id).await.expect("outage");
        let rows = probe_rows(&app, id).await;
        let back = rows
            .iter()
            .find(|r| r.ok == 1 && r.at >= restored)
            .expect("a good probe after");
        assert_eq!(o.ended_at, Some(back.at), "closed at the first good probe");
    }
    assert_eq!(runner.stats.errors.load(Ordering::Relaxed), 0);
    runner.stop().await;
}

/// Two runners on one database: exactly one probes (no target is hit twice per interval); when
/// it dies without giving the lease up, the other takes over once the lease runs out.
pub async fn monitoring_lease_one_runner_probes(app: App) {
    let org = app
        .state
        .store
        .create_org("Klant", app.state.now_ms())
        .await
        .expect("org")
        .id
        .0;
    let env = env_of(&app, org, "Productie").await;
    let target = Target::start().await;
    let paths: Vec<String> = (1..=6).map(|i| format!("/m/{i}")).collect();
    for p in &paths {
        http_monitor(&app, env, &target.url(p), 2, 2).await;
    }
    let a = desk::monitoring::spawn(live_state(&app).desk.clone(), "runner-a", fast_runner());
    let b = desk::monitoring::spawn(live_state(&app).desk.clone(), "runner-b", fast_runner());
    tokio::time::sleep(Duration::from_secs(11)).await;
    let leading = |h: &desk::monitoring::RunnerHandle| h.stats.leading.load(Ordering::Acquire);
    assert!(
        leading(&a) ^ leading(&b),
        "exactly one runner holds the lease"
    );
    let (leader, standby) = if leading(&a) { (a, b) } else { (b, a) };
    assert_eq!(standby.stats.recorded.load(Ordering::Relaxed), 0);
    assert!(leader.stats.recorded.load(Ordering::Relaxed) >= 6);
    for p in &paths {
        assert!(!target.hits(p).is_empty(), "{p} was probed");
    }

    // The leader dies holding the lease.
    let died = Instant::now();
    leader.abort().await;
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert!(leading(&standby), "the standby took over");
    assert_eq!(standby.stats.terms.load(Ordering::Relaxed), 1);
    assert!(standby.stats.recorded.load(Ordering::Relaxed) >= 6);
    for p in &paths {
        let hits = target.hits(p);
        assert!(
            hits.iter().any(|h| *h > died),
            "{p} probed after the takeover"
        );
        // Never two probers at once: within each term, consecutive hits are an interval
        // apart (across the takeover the new term has its own phase).
        let (before, after): (Vec<Instant>, Vec<Instant>) = hits.iter().partition(|h| **h < died);
        for term in [before, after] {
            for pair in term.windows(2) {
                let gap = pair[1] - pair[0];
                assert!(gap > Duration::from_secs(8), "{p} hit twice within {gap:?}");
            }
        }
    }
    standby.stop().await;
}

// ----- the authorization matrix's requests ------------------------------------------------------

/// The token of customer A's push monitor in the authorization matrix.
pub const MATRIX_PUSH_TOKEN: &str = "matrix-push-token-of-customer-a";

/// Customer `org`'s matrix environment, its HTTP monitor and its outage, made on first use.
async fn matrix_fixture(app: &App, w: &World, org: i64, push: bool) -> (i64, i64, i64) {
    let store = &app.state.store;
    let sys = Scope::System;
    let now = app.state.now_ms();
    let envs = store
        .environments(&sys, Some(OrgId(org)))
        .await
        .expect("environments");
    let env = match envs.iter().find(|e| e.name == "Matrix") {
        Some(e) => e.id,
        None => {
            store
                .create_environment(&sys, OrgId(org), "Matrix", now)
                .await
                .expect("environment")
                .id
        }
    };
    let monitors = store.monitors(&sys, env).await.expect("monitors");
    let http = match monitors
        .iter()
        .find(|m| m.settings.kind == MonitorKind::Http)
    {
        Some(m) => m.id,
        None => {
            let settings = MonitorSettings {
                kind: MonitorKind::Http,
                target: "http://127.0.0.1:9/health".into(),
                expected_status: None,
                keyword: None,
                latency_limit_ms: None,
                interval_s: 60,
                fail_after: 2,
                recover_after: 2,
                push_token_hash: None,
                allow_internal: true,
            };
            let m = store
                .create_monitor(&sys, env, &settings, now)
                .await
                .expect("monitor")
                .id;
            if push {
                let settings = MonitorSettings {
                    kind: MonitorKind::Push,
                    target: "matrix job".into(),
                    push_token_hash: Some(web::auth::hash_secret(MATRIX_PUSH_TOKEN)),
                    ..settings
                };
                store
                    .create_monitor(&sys, env, &settings, now)
                    .await
                    .expect("push monitor");
            }
            m
        }
    };
    let list = store
        .outages(&sys, env, 0, i64::MAX)
        .await
        .expect("outages");
    let outage = match list.first() {
        Some(o) => o.id,
        None => {
            let staff = Scope::Vendor {
                person: PersonId(w.admin.id),
                role: Role::Admin,
            };
            store
                .register_outage(
                    &staff,
                    &NewOutage {
                        environment_id: env,
                        monitor_id: None,
                        started_at: ms("2026-11-02T10:00:00Z"),
                        ended_at: Some(ms("2026-11-02T10:30:00Z")),
                        reason: "matrix".into(),
                    },
                    now,
                )
                .await
                .expect("outage")
                .id
        }
    };
    (env.0, http.0, outage.0)
}

/// For a monitoring endpoint of the matrix: the id of customer A's and customer B's resource
/// it acts on, and the request body (call `n` of the matrix).
pub async fn matrix_cell(app: &App, w: &World, ep: String, n: usize) -> (i64, i64, Option<Value>) {
    let a = matrix_fixture(app, w, w.a.id, true).await;
    let b = matrix_fixture(app, w, w.b.id, false).await;
    // A public target: the matrix is about who may, not about where (never probed here).
    let monitor = json!({ "kind": "http", "target": "https://status.klant.example/health",
                          "interval_s": 60 });
    match ep.as_str() {
        "ListEnvironments" => (w.a.id, w.b.id, None),
        "CreateEnvironment" => (
            w.a.id,
            w.b.id,
            Some(json!({ "name": format!("Omgeving {n}") })),
        ),
        "RenameEnvironment" => (a.0, b.0, Some(json!({ "name": "Matrix" }))),
        "ListMonitors" | "ListOutages" => (a.0, b.0, None),
        "CreateMonitor" => (a.0, b.0, Some(monitor)),
        "GetMonitor" => (a.1, b.1, None),
        "UpdateMonitor" => (a.1, b.1, Some(monitor)),
        "SetMonitorActive" => (a.1, b.1, Some(json!({ "active": true }))),
        "Push" => (0, 0, None),
        "RegisterOutage" => (
            a.0,
            b.0,
            Some(json!({ "started_at": "2026-11-03T10:00:00Z",
                         "ended_at": "2026-11-03T10:10:00Z", "reason": format!("Melding {n}") })),
        ),
        "GetOutage" => (a.2, b.2, None),
        "CorrectOutage" => (
            a.2,
            b.2,
            Some(json!({ "started_at": "2026-11-02T10:00:00Z",
                         "ended_at": "2026-11-02T10:20:00Z", "reason": format!("Correctie {n}") })),
        ),
        "ClassifyOutage" => (
            a.2,
            b.2,
            Some(json!({ "cause": "force_majeure", "reason": format!("Overmacht {n}") })),
        ),
        other => panic!("no matrix request for {other}"),
    }
}
