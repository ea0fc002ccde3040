//! Availability (SLA-RULES §6): monthly figures checked against an independent
//! minute-by-minute count, the October DST change and a month's end on the injected clock,
//! maintenance announcements (notice, warning, mails to exactly the affected customers'
//! administrators, delivered by the outbox worker to the test SMTP server), the public
//! iCalendar feed, JSON and snippet, the sign-in and status pages, and what customers see.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use sla::availability::ExcludedCause;
use store::{EnvironmentId, NewOutage, OrgId, OutageId, PersonId, Role, Scope};

use crate::harness::{App, Auth, at};
use crate::pagekit::Browser;
use crate::world::World;

fn ms(s: &str) -> i64 {
    at(s).as_millisecond()
}

fn vendor(w: &World) -> Scope {
    Scope::Vendor {
        person: PersonId(w.agent.id),
        role: Role::Agent,
    }
}

async fn environment(app: &App, org: i64, name: &str) -> i64 {
    app.state
        .store
        .create_environment(&Scope::System, OrgId(org), name, app.state.now_ms())
        .await
        .expect("environment")
        .id
        .0
}

async fn outage(app: &App, w: &World, env: i64, from: &str, to: Option<&str>) -> OutageId {
    app.state
        .store
        .register_outage(
            &vendor(w),
            &NewOutage {
                environment_id: EnvironmentId(env),
                monitor_id: None,
                started_at: ms(from),
                ended_at: to.map(ms),
                reason: "gemeld door de klant".into(),
            },
            app.state.now_ms(),
        )
        .await
        .expect("outage")
        .id
}

async fn announce(app: &App, by: &Auth, envs: &[i64], from: &str, to: &str, what: &str) -> Value {
    app.post(
        by,
        "/api/v1/maintenance",
        json!({ "environment_ids": envs, "starts_at": from, "ends_at": to, "description": what }),
    )
    .await
    .expect(201)
    .json
}

/// A month's expected figure, counted minute by minute with fixed UTC offsets (independent of
/// the engine's interval arithmetic and of its calendar).
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    period: i64,
    window: i64,
    announced: i64,
    force_majeure: i64,
    excluded: i64,
    measured: i64,
    counted: i64,
    allowed: i64,
    ppm: i64,
    holds: bool,
}

/// Minute intervals `[from, to)` in UTC minutes.
type Spans = Vec<(i64, i64)>;

fn minutes(s: &str) -> i64 {
    at(s).as_second() / 60
}

fn span(a: &str, b: &str) -> (i64, i64) {
    (minutes(a), minutes(b))
}

fn inside(spans: &Spans, m: i64) -> bool {
    spans.iter().any(|&(a, b)| a <= m && m < b)
}

/// Counts `[from, until)` minute by minute. `offset(m)` is the local UTC offset in minutes;
/// the window is 01:00–04:00 local.
fn expect(
    from: i64,
    until: i64,
    offset: impl Fn(i64) -> i64,
    announced: &Spans,
    force_majeure: &Spans,
    down: &Spans,
) -> Expected {
    let mut e = Expected::default();
    for m in from..until {
        let local = m + offset(m);
        let hour = local.rem_euclid(24 * 60) / 60;
        let w = (1..4).contains(&hour);
        let a = !w && inside(announced, m);
        let f = !w && !a && inside(force_majeure, m);
        e.period += 60;
        if w {
            e.window += 60;
        }
        if a {
            e.announced += 60;
        }
        if f {
            e.force_majeure += 60;
        }
        if w || a || f {
            e.excluded += 60;
        } else if inside(down, m) {
            e.counted += 60;
        }
    }
    e.measured = e.period - e.excluded;
    e.allowed = e.measured * 5 / 1000;
    e.ppm = if e.measured > 0 {
        (e.measured - e.counted) * 1_000_000 / e.measured
    } else {
        1_000_000
    };
    e.holds = e.counted <= e.allowed;
    e
}

#[track_caller]
fn same(f: &Value, e: &Expected) {
    let n = |k: &str| f[k].as_i64().unwrap_or_else(|| panic!("{k} in {f}"));
    let cause = |c: &str| {
        f["excluded"]["causes"]
            .as_array()
            .expect("causes")
            .iter()
            .find(|x| x["cause"] == c)
            .and_then(|x| x["seconds"].as_i64())
            .expect("cause")
    };
    let got = Expected {
        period: n("period_seconds"),
        window: f["excluded"]["window_seconds"].as_i64().expect("window"),
        announced: f["excluded"]["announced_maintenance_seconds"]
            .as_i64()
            .expect("announced"),
        force_majeure: cause("force_majeure"),
        excluded: n("excluded_seconds"),
        measured: n("measured_seconds"),
        counted: n("counted_downtime_seconds"),
        allowed: n("allowed_downtime_seconds"),
        ppm: n("availability_ppm"),
        holds: f["holds"].as_bool().expect("holds"),
    };
    assert_eq!(&got, e, "{f}");
    assert_eq!(n("remaining_downtime_seconds"), e.allowed - e.counted);
    let pct = format!("{}.{:03}", e.ppm / 10_000, e.ppm % 10_000 / 10);
    assert_eq!(f["availability_percent"], pct.as_str());
    for c in [
        "third_party_telecom",
        "customer_misconfiguration",
        "customer_premises",
    ] {
        assert_eq!(cause(c), 0);
    }
}

fn figure(r: &Value, env: i64) -> &Value {
    r["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .find(|f| f["environment_id"] == env)
        .unwrap_or_else(|| panic!("no environment {env} in {r}"))
}

/// November 2026 (CET throughout) with outages, the window, an overrun past 04:00, a
/// classified outage, maintenance announced in time and too late, and a cancelled one.
pub async fn availability_month_against_a_minute_count(app: App) {
    app.set_time("2026-11-02T09:00:00Z"); // Monday 10:00 in Amsterdam
    let w = app.world().await;
    let manager = w.manager.bearer();
    let prod = environment(&app, w.a.id, "Productie").await;
    let other = environment(&app, w.b.id, "Productie").await;

    // In time: three working days from Monday 10:00 is Thursday 10:00.
    let ok = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-09T19:00:00Z",
        "2026-11-09T21:00:00Z",
        "Upgrade",
    )
    .await;
    assert_eq!(ok["maintenance"]["notice_ok"], true);
    assert!(ok["warning"].is_null(), "{ok}");
    assert_eq!(ok["mails_queued"], 1);
    // In time, partly inside the window (Sunday 00:00–01:30 local).
    announce(
        &app,
        &manager,
        &[prod],
        "2026-11-21T23:00:00Z",
        "2026-11-22T00:30:00Z",
        "Database",
    )
    .await;

    let fm = outage(
        &app,
        &w,
        prod,
        "2026-11-05T13:00:00Z",
        Some("2026-11-05T15:00:00Z"),
    )
    .await;
    app.state
        .store
        .classify_outage(
            &vendor(&w),
            fm,
            Some(ExcludedCause::ForceMajeure),
            "stroomstoring in de regio",
            app.state.now_ms(),
        )
        .await
        .expect("classify");
    outage(
        &app,
        &w,
        prod,
        "2026-11-03T09:00:00Z",
        Some("2026-11-03T10:30:00Z"),
    )
    .await;
    // 02:30–05:15 local: the window covers until 04:00, the overrun counts.
    outage(
        &app,
        &w,
        prod,
        "2026-11-04T01:30:00Z",
        Some("2026-11-04T04:15:00Z"),
    )
    .await;
    // Half inside announced maintenance.
    outage(
        &app,
        &w,
        prod,
        "2026-11-09T20:30:00Z",
        Some("2026-11-09T21:30:00Z"),
    )
    .await;
    // Another customer's outage never counts here.
    outage(
        &app,
        &w,
        other,
        "2026-11-10T10:00:00Z",
        Some("2026-11-10T12:00:00Z"),
    )
    .await;

    // Too late: Monday 16 November for Tuesday evening.
    app.set_time("2026-11-16T09:00:00Z");
    let late = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-17T19:00:00Z",
        "2026-11-17T20:30:00Z",
        "Spoedpatch",
    )
    .await;
    assert_eq!(late["maintenance"]["notice_ok"], false);
    let warning = late["warning"].as_str().expect("warning");
    assert!(
        warning.contains("Klant A") && warning.contains("downtime"),
        "{warning}"
    );
    assert_eq!(late["late_for"][0]["organization_id"], w.a.id);
    assert_eq!(
        late["late_for"][0]["earliest_start"], "2026-11-19T09:00:00Z",
        "Thursday 10:00 would have been in time"
    );
    // Late, then called off: it does not count.
    let cancelled = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-18T10:00:00Z",
        "2026-11-18T16:00:00Z",
        "Vervalt",
    )
    .await;
    let id = cancelled["maintenance"]["id"].as_i64().expect("id");
    app.delete(&manager, &format!("/api/v1/maintenance/{id}"))
        .await
        .expect(204);

    let from = minutes("2026-10-31T23:00:00Z");
    let to = minutes("2026-11-30T23:00:00Z");
    let cet = |_m: i64| 60;
    let announced = vec![
        span("2026-11-09T19:00:00Z", "2026-11-09T21:00:00Z"),
        span("2026-11-21T23:00:00Z", "2026-11-22T00:30:00Z"),
    ];
    let force = vec![span("2026-11-05T13:00:00Z", "2026-11-05T15:00:00Z")];
    let down = vec![
        span("2026-11-03T09:00:00Z", "2026-11-03T10:30:00Z"),
        span("2026-11-04T01:30:00Z", "2026-11-04T04:15:00Z"),
        span("2026-11-09T20:30:00Z", "2026-11-09T21:30:00Z"),
        span("2026-11-17T19:00:00Z", "2026-11-17T20:30:00Z"),
    ];

    // In progress: measured until now.
    app.set_time("2026-11-18T12:00:00Z");
    let r = app
        .get(
            &manager,
            &format!("/api/v1/availability/2026-11?environment={prod}"),
        )
        .await
        .expect(200)
        .json;
    let f = figure(&r, prod);
    assert_eq!(
        (f["in_progress"].as_bool(), f["measured_until"].as_str()),
        (Some(true), Some("2026-11-18T12:00:00Z"))
    );
    same(
        f,
        &expect(
            from,
            minutes("2026-11-18T12:00:00Z"),
            cet,
            &announced,
            &force,
            &down,
        ),
    );

    // The whole month.
    app.set_time("2026-12-01T12:00:00Z");
    let r = app
        .get(
            &manager,
            &format!("/api/v1/availability/2026-11?organization={}", w.a.id),
        )
        .await
        .expect(200)
        .json;
    assert_eq!(r["environments"].as_array().map(Vec::len), Some(1));
    let f = figure(&r, prod);
    let e = expect(from, to, cet, &announced, &force, &down);
    // By hand: 90 + 75 + 30 + 90 minutes counted; 30 × 3 h window; 120 + 60 min announced.
    assert_eq!(e.counted, (90 + 75 + 30 + 90) * 60);
    assert_eq!(
        (e.window, e.announced, e.force_majeure),
        (90 * 3600, 180 * 60, 120 * 60)
    );
    same(f, &e);
    assert_eq!(f["in_progress"], false);
    assert_eq!(f["target_percent"], "99.500");
    let late_line = f["maintenance"]
        .as_array()
        .expect("maintenance")
        .iter()
        .find(|m| m["starts_at"] == "2026-11-17T19:00:00Z")
        .expect("late maintenance");
    assert_eq!(late_line["notice_given"], false);
    assert_eq!(f["maintenance"].as_array().map(Vec::len), Some(3));
    assert_eq!(f["outages"].as_array().map(Vec::len), Some(4));

    // Customers: their own, never another's.
    let mine = app
        .get(&w.a.viewer.bearer(), "/api/v1/availability/2026-11")
        .await
        .expect(200)
        .json;
    same(figure(&mine, prod), &e);
    assert_eq!(mine["environments"].as_array().map(Vec::len), Some(1));
    let theirs = app
        .get(&w.b.admin.bearer(), "/api/v1/availability/2026-11")
        .await
        .expect(200)
        .json;
    assert_eq!(theirs["environments"][0]["environment_id"], other);
    assert_eq!(theirs["environments"].as_array().map(Vec::len), Some(1));
    app.get(
        &w.b.admin.bearer(),
        &format!("/api/v1/availability/2026-11?environment={prod}"),
    )
    .await
    .problem(404, None);
    app.get(
        &w.b.admin.bearer(),
        &format!("/api/v1/availability/2026-11?organization={}", w.a.id),
    )
    .await
    .problem(404, None);
    app.get(&manager, "/api/v1/availability/2026-13")
        .await
        .problem(400, Some("month"));

    // The availability page shows the same figure in words (the world's people read English;
    // their sessions from a month ago have expired).
    let mut w = w;
    for actor in [&mut w.a.admin, &mut w.manager, &mut w.b.admin] {
        actor.refresh(&app).await;
    }
    let pct = format!("{}.{:03}%", e.ppm / 10_000, e.ppm % 10_000 / 10);
    let page = Browser::of(&app, &w.a.admin)
        .get("/availability?month=2026-11")
        .await
        .expect(200);
    page.has(&pct)
        .has("Productie")
        .has("announced too late")
        .has("force majeure");
    let staff = Browser::of(&app, &w.manager)
        .get("/availability?month=2026-11")
        .await
        .expect(200);
    staff.has("Klant A – Productie").has("Klant B – Productie");
    let b = Browser::of(&app, &w.b.admin)
        .get("/availability?month=2026-11")
        .await
        .expect(200);
    b.lacks(&pct).has("Productie");
    Browser::of(&app, &w.b.admin)
        .get(&format!(
            "/availability?month=2026-11&organization={}",
            w.a.id
        ))
        .await
        .expect(404);
    let pct = pct.replace('.', ",");

    // The monthly report carries the figure, and so does its printable form.
    let report = app
        .get(
            &manager,
            &format!("/api/v1/reports/2026-11?organization={}", w.a.id),
        )
        .await
        .expect(200)
        .json;
    same(&report["availability"][0], &e);
    let html = app
        .get(
            &manager,
            &format!(
                "/api/v1/reports/2026-11?organization={}&format=html",
                w.a.id
            ),
        )
        .await
        .expect(200);
    let html = String::from_utf8(html.body.to_vec()).expect("utf-8");
    assert!(
        html.contains(&pct) && html.contains("Beschikbaarheid"),
        "{html}"
    );
}

/// October 2026 lasts 745 hours (clocks go back on the 25th, the window that night lasts
/// 4 hours); a month in progress is measured until the injected clock, an open outage until
/// then, and the month's end closes it.
pub async fn availability_dst_month_and_month_end(app: App) {
    app.set_time("2026-10-01T08:00:00Z");
    let w = app.world().await;
    let manager = w.manager.bearer();
    let prod = environment(&app, w.a.id, "Productie").await;
    let test = environment(&app, w.a.id, "Test").await;
    // 02:30 CEST – 04:30 CET: the window (01:00 CEST – 04:00 CET) covers all but 30 minutes.
    outage(
        &app,
        &w,
        prod,
        "2026-10-25T00:30:00Z",
        Some("2026-10-25T03:30:00Z"),
    )
    .await;
    // Still open at the month's end.
    outage(&app, &w, test, "2026-10-31T20:00:00Z", None).await;

    let change = minutes("2026-10-25T01:00:00Z");
    let offset = move |m: i64| if m < change { 120 } else { 60 };
    let from = minutes("2026-09-30T22:00:00Z");
    let to = minutes("2026-10-31T23:00:00Z");
    let none: Spans = Vec::new();
    let down_prod = vec![span("2026-10-25T00:30:00Z", "2026-10-25T03:30:00Z")];
    let down_test = vec![span("2026-10-31T20:00:00Z", "2026-11-30T00:00:00Z")];

    let org = w.a.id;
    let get = |app: &App| {
        let app = app.clone();
        let manager = manager.clone();
        async move {
            app.get(
                &manager,
                &format!("/api/v1/availability/2026-10?organization={org}"),
            )
            .await
            .expect(200)
            .json
        }
    };

    // One minute before the end of the month, local 23:59.
    app.set_time("2026-10-31T22:59:00Z");
    let r = get(&app).await;
    let e = expect(from, to - 1, offset, &none, &none, &down_prod);
    assert_eq!(e.period, 745 * 3600 - 60);
    assert_eq!(e.window, 94 * 3600, "30 nights of 3 hours and one of 4");
    assert_eq!(e.counted, 30 * 60);
    same(figure(&r, prod), &e);
    assert_eq!(figure(&r, prod)["in_progress"], true);
    let open = expect(from, to - 1, offset, &none, &none, &down_test);
    assert_eq!(open.counted, 179 * 60);
    same(figure(&r, test), &open);

    // At the stroke of midnight the month is over; later instants change nothing.
    for now in ["2026-10-31T23:00:00Z", "2026-11-01T00:30:00Z"] {
        app.set_time(now);
        let r = get(&app).await;
        let e = expect(from, to, offset, &none, &none, &down_prod);
        assert_eq!(e.period, 745 * 3600);
        same(figure(&r, prod), &e);
        assert_eq!(figure(&r, prod)["in_progress"], false);
        assert_eq!(figure(&r, prod)["to"], "2026-10-31T23:00:00Z");
        let open = expect(from, to, offset, &none, &none, &down_test);
        assert_eq!(open.counted, 3 * 3600);
        same(figure(&r, test), &open);
    }
    // November so far: 23:00–00:30Z, of which 00:00–00:30Z (01:00–01:30 local) is window;
    // the open outage takes the remaining hour: nothing available.
    let r = app
        .get(
            &manager,
            &format!("/api/v1/availability/2026-11?environment={test}"),
        )
        .await
        .expect(200)
        .json;
    let nov = expect(
        to,
        minutes("2026-11-01T00:30:00Z"),
        |_| 60,
        &none,
        &none,
        &down_test,
    );
    assert_eq!(
        (nov.period, nov.window, nov.counted, nov.ppm),
        (5400, 1800, 3600, 0)
    );
    same(figure(&r, test), &nov);
    assert_eq!(figure(&r, test)["holds"], false);
}

// ----- mail ------------------------------------------------------------------------------

fn smtp() -> Option<(String, PathBuf)> {
    let addr = std::env::var("TEST_SMTP_ADDR")
        .ok()
        .filter(|v| !v.is_empty())?;
    let dir = std::env::var("TEST_SMTP_MAILDIR")
        .ok()
        .filter(|v| !v.is_empty())?;
    Some((addr, PathBuf::from(dir)))
}

fn decode_qp(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && b.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("qp"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// The messages in the maildir whose envelope recipient contains `tag`: (recipient, subject,
/// body), waiting a little for `n` of them.
async fn delivered(dir: &std::path::Path, tag: &str, n: usize) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for _ in 0..50 {
        out.clear();
        for entry in std::fs::read_dir(dir.join("new"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(raw) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let raw = raw.replace("\r\n", "\n");
            let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .unwrap_or_default()
                    .to_string()
            };
            let to = header("X-RcptTo");
            if !to.contains(tag) {
                continue;
            }
            let body =
                if header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
                    decode_qp(body)
                } else {
                    body.to_string()
                };
            out.push((to, header("Subject"), body));
        }
        if out.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out
}

/// Announcing queues one mail per administrator of exactly the affected customers, each in
/// their language with Amsterdam times, and the outbox worker delivers them.
pub async fn availability_announcement_mails(app: App) {
    app.set_time("2026-11-02T09:00:00Z");
    let w = app.world().await;
    // The world's filings queued their confirmations; this story counts only its own mails.
    crate::meeting_mails::drain(&app).await;
    let by = w.admin.session();
    let tag = format!(
        "{:?}{}x{}",
        app.backend,
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    )
    .to_lowercase();
    let mut orgs = Vec::new();
    for name in ["Aadorp", "Bolder", "Cees"] {
        orgs.push(app.organization(&by, &format!("{name} {tag}")).await);
    }
    let anna = app
        .person(
            &by,
            &format!("anna.{tag}@aadorp.nl"),
            "customer_admin",
            Some(orgs[0]),
        )
        .await;
    let piet = app
        .person(
            &by,
            &format!("piet.{tag}@aadorp.nl"),
            "customer_admin",
            Some(orgs[0]),
        )
        .await;
    app.person(
        &by,
        &format!("kees.{tag}@aadorp.nl"),
        "customer_viewer",
        Some(orgs[0]),
    )
    .await;
    let bram = app
        .person(
            &by,
            &format!("bram.{tag}@bolder.nl"),
            "customer_admin",
            Some(orgs[1]),
        )
        .await;
    app.person(
        &by,
        &format!("cees.{tag}@cees.nl"),
        "customer_admin",
        Some(orgs[2]),
    )
    .await;
    // Anna and Bram read Dutch, Piet English (people are created in English).
    for p in [&anna, &bram] {
        app.state
            .store
            .set_lang(PersonId(p.id), "nl")
            .await
            .expect("lang");
    }
    let a1 = environment(&app, orgs[0], "Productie").await;
    let a2 = environment(&app, orgs[0], "Acceptatie").await;
    let b1 = environment(&app, orgs[1], "Productie").await;
    environment(&app, orgs[2], "Productie").await;

    // An agent may not announce; a service manager may.
    app.post(
        &w.agent.bearer(),
        "/api/v1/maintenance",
        json!({ "environment_ids": [a1], "starts_at": "2026-11-10T19:00:00Z",
                "ends_at": "2026-11-10T21:00:00Z", "description": "x" }),
    )
    .await
    .problem(403, None);
    app.post(
        &w.manager.bearer(),
        "/api/v1/maintenance",
        json!({ "environment_ids": [a1], "starts_at": "2026-11-10T21:00:00Z",
                "ends_at": "2026-11-10T19:00:00Z", "description": "x" }),
    )
    .await
    .problem(422, Some("ends_at"));
    let before = app
        .state
        .store
        .claim_mail("peek", app.state.now_ms(), 1, 100)
        .await
        .expect("peek");
    assert!(before.is_empty());

    let r = announce(
        &app,
        &w.manager.bearer(),
        &[a1, a2, b1],
        "2026-11-10T19:00:00Z",
        "2026-11-10T21:00:00Z",
        "Upgrade naar versie 12",
    )
    .await;
    assert_eq!(r["mails_queued"], 3, "{r}");
    assert!(r["warning"].is_null());

    // The outbox worker delivers them at the injected clock's time.
    let Some((addr, dir)) = smtp() else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"web it: TEST_SMTP_ADDR is not set: delivery in availability_announcement_mails is SKIPPED\n",
        );
        return;
    };
    let mut settings = desk::mail::SmtpSettings::parse(
        &format!("smtp://{addr}"),
        "Servicedesk <servicedesk@loket.example>",
    )
    .expect("settings");
    settings.timeout = Duration::from_secs(5);
    let sender = desk::mail::SmtpSender::new(&settings).expect("sender");
    let stats = app
        .state
        .deliver_mail(&sender, "test-worker")
        .await
        .expect("outbox");
    assert_eq!((stats.claimed, stats.sent), (3, 3));
    let again = app
        .state
        .deliver_mail(&sender, "test-worker")
        .await
        .expect("outbox");
    assert_eq!(again.claimed, 0);

    let mails = delivered(&dir, &tag, 3).await;
    let to: BTreeSet<String> = mails.iter().map(|m| m.0.clone()).collect();
    let expected: BTreeSet<String> = [&anna, &piet, &bram]
        .iter()
        .map(|p| p.email.clone())
        .collect();
    assert_eq!(
        to, expected,
        "exactly the affected customers' administrators"
    );
    assert_eq!(mails.len(), 3);
    for (to, subject, body) in &mails {
        if *to == piet.email {
            assert_eq!(
                subject,
                "Planned maintenance Acceptatie, Productie: Tue 10 Nov 2026 20:00"
            );
            assert!(body.contains("Dear "), "{body}");
            assert!(
                body.contains("Start: Tue 10 Nov 2026 20:00\nExpected end: Tue 10 Nov 2026 22:00"),
                "{body}"
            );
        } else {
            let envs = if *to == bram.email {
                "Productie"
            } else {
                "Acceptatie, Productie"
            };
            assert_eq!(
                subject,
                &format!("Gepland onderhoud {envs}: di 10 nov 2026 20:00")
            );
            assert!(
                body.contains(
                    "Begin: di 10 nov 2026 20:00\nEinde (verwacht): di 10 nov 2026 22:00"
                ),
                "{body}"
            );
            assert!(body.contains("Beste "), "{body}");
        }
        assert!(body.contains("Upgrade naar versie 12"), "{body}");
        assert!(!body.contains("telt daarom mee") && !body.contains("counts as downtime"));
    }
}

// ----- public surfaces ---------------------------------------------------------------------

/// Physical lines of an iCalendar text: every one ends in CRLF and is at most 75 octets.
fn ical_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"));
    let physical: Vec<&str> = text
        .strip_suffix("\r\n")
        .expect("crlf")
        .split("\r\n")
        .collect();
    for l in &physical {
        assert!(
            !l.contains('\n') && !l.contains('\r'),
            "bare line break in {l:?}"
        );
        assert!(l.len() <= 75, "{} octets: {l:?}", l.len());
    }
    let mut logical: Vec<String> = Vec::new();
    for l in physical {
        match l.strip_prefix(' ') {
            Some(rest) => logical.last_mut().expect("continuation").push_str(rest),
            None => logical.push(l.to_string()),
        }
    }
    logical
}

fn unescape_text(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("dangling backslash"),
            }
        } else {
            assert!(!matches!(c, ';' | ','), "unescaped {c} in {v}");
            out.push(c);
        }
    }
    out
}

/// The iCalendar feed, the public JSON with its snippet, and the sign-in page.
pub async fn availability_public_feeds(app: App) {
    app.set_time("2026-11-02T09:00:00Z");
    let w = app.world().await;
    let manager = w.manager.bearer();
    let prod = environment(&app, w.a.id, "Geheime Klantnaam Productie").await;
    let long = format!(
        "Upgrade, fase 1; \"database\" \\ back-end\nDaarna: controle van {}",
        "álle koppelingen ".repeat(6)
    );
    let first = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-10T19:00:00Z",
        "2026-11-10T21:00:00Z",
        &long,
    )
    .await;
    let second = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-12T19:00:00Z",
        "2026-11-12T20:00:00Z",
        "<b>Tweede</b> & klaar",
    )
    .await;
    let gone = announce(
        &app,
        &manager,
        &[prod],
        "2026-11-13T19:00:00Z",
        "2026-11-13T20:00:00Z",
        "Vervalt",
    )
    .await;
    let gone_id = gone["maintenance"]["id"].as_i64().expect("id");
    app.delete(&manager, &format!("/api/v1/maintenance/{gone_id}"))
        .await
        .expect(204);
    // Customers cannot cancel; a second cancellation finds nothing.
    app.delete(
        &w.a.admin.bearer(),
        &format!("/api/v1/maintenance/{gone_id}"),
    )
    .await
    .problem(403, None);
    app.delete(&manager, &format!("/api/v1/maintenance/{gone_id}"))
        .await
        .problem(404, None);

    let anon = Browser::with_cookie(&app, "");
    let ics = anon.get("/status/maintenance.ics").await.expect(200);
    assert!(ics.header("content-type").starts_with("text/calendar"));
    assert_eq!(ics.header("access-control-allow-origin"), "*");
    let lines = ical_lines(&ics.html);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0".to_string()));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let mut events: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for l in &lines {
        match l.as_str() {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => events.push(current.take().expect("open event")),
            _ => {
                if let Some(ev) = current.as_mut() {
                    let (k, v) = l.split_once(':').expect("name:value");
                    ev.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    assert_eq!(events.len(), 3);
    let prop = |ev: &Vec<(String, String)>, k: &str| {
        ev.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k}"))
    };
    let uids: BTreeSet<String> = events.iter().map(|e| prop(e, "UID")).collect();
    assert_eq!(uids.len(), 3);
    for ev in &events {
        for k in ["DTSTAMP", "DTSTART", "DTEND"] {
            let v = prop(ev, k);
            assert!(
                v.len() == 16 && v.ends_with('Z') && v.as_bytes()[8] == b'T',
                "{k}:{v}"
            );
        }
        assert_eq!(prop(ev, "SUMMARY"), "Gepland onderhoud");
    }
    let ev = |id: &Value| {
        let uid = format!("maintenance-{}@loket", id.as_i64().expect("id"));
        events
            .iter()
            .find(|e| prop(e, "UID") == uid)
            .expect("event")
            .clone()
    };
    let e1 = ev(&first["maintenance"]["id"]);
    assert_eq!(prop(&e1, "DTSTART"), "20261110T190000Z");
    assert_eq!(prop(&e1, "DTEND"), "20261110T210000Z");
    assert_eq!(prop(&e1, "DTSTAMP"), "20261102T090000Z");
    assert_eq!(unescape_text(&prop(&e1, "DESCRIPTION")), long.trim());
    assert!(ics.html.contains("\r\n "), "the long description is folded");
    assert_eq!(prop(&e1, "STATUS"), "CONFIRMED");
    assert_eq!(prop(&ev(&gone["maintenance"]["id"]), "STATUS"), "CANCELLED");
    assert!(
        !ics.html.contains("Geheime Klantnaam"),
        "no environment names in public"
    );
    let en = anon
        .get("/status/maintenance.ics?lang=en")
        .await
        .expect(200);
    assert!(en.html.contains("SUMMARY:Planned maintenance\r\n"));

    // The JSON with its snippet, and the snippet on its own.
    let r = app
        .get(&Auth::None, "/api/v1/status/maintenance")
        .await
        .expect(200);
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    let items = r.json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "the cancelled one is not listed");
    assert_eq!(items[0]["starts_at"], "2026-11-10T19:00:00Z");
    assert_eq!(items[1]["description"], "<b>Tweede</b> & klaar");
    assert!(items[0].get("environment_ids").is_none());
    let snippet = r.json["snippet_html"].as_str().expect("snippet");
    assert!(
        snippet.starts_with("<section class=\"loket-maintenance\" lang=\"nl\""),
        "{snippet}"
    );
    assert!(
        snippet.contains("&lt;b&gt;Tweede&lt;/b&gt; &amp; klaar"),
        "{snippet}"
    );
    assert!(
        snippet.contains("<time datetime=\"2026-11-10T19:00:00Z\">di 10 nov 2026 20:00</time>"),
        "{snippet}"
    );
    for bad in [
        "<script", "<style", "style=", "<link", "<img", "src=", "Geheime",
    ] {
        assert!(!snippet.contains(bad), "{bad} in {snippet}");
    }
    let html = anon.get("/status/maintenance.html").await.expect(200);
    assert_eq!(html.html, snippet);
    let en = app
        .get(&Auth::None, "/api/v1/status/maintenance?lang=en")
        .await
        .expect(200);
    assert!(
        en.json["snippet_html"]
            .as_str()
            .expect("s")
            .contains("Tue 10 Nov 2026 20:00")
    );
    // A language the document does not list breaks the request (400).
    app.get(&Auth::None, "/api/v1/status/maintenance?lang=de")
        .await
        .problem(400, Some("lang"));

    // The sign-in page announces them, without environments.
    let login = anon.get("/login").await.expect(200);
    login
        .has("Gepland onderhoud di 10 nov 2026 20:00 – di 10 nov 2026 22:00: Upgrade, fase 1")
        .has("<b>Tweede</b> & klaar")
        .lacks("Vervalt")
        .lacks("Geheime Klantnaam");
    anon.get("/login?lang=en")
        .await
        .expect(200)
        .has("Planned maintenance Tue 10 Nov 2026 20:00");

    // Listing: customers see theirs only.
    let list = app
        .get(&w.a.admin.bearer(), "/api/v1/maintenance")
        .await
        .expect(200)
        .json;
    assert_eq!(list.as_array().map(Vec::len), Some(3));
    let list = app
        .get(&w.b.admin.bearer(), "/api/v1/maintenance")
        .await
        .expect(200)
        .json;
    assert_eq!(list, json!([]));
    let _ = second;
}

/// The status page: the service as one entry for the public (states, 90 days, outages, no
/// names), each environment by name for those signed in who may see it.
pub async fn availability_status_page(app: App) {
    app.set_time("2026-09-01T08:00:00Z");
    let w = app.world().await;
    let a = environment(&app, w.a.id, "Klant A Productie").await;
    let b = environment(&app, w.b.id, "Klant B Productie").await;
    app.set_time("2026-11-20T10:00:00Z");
    // A bad day for A (4 hours on Tuesday 17 November), one open now for B.
    outage(
        &app,
        &w,
        a,
        "2026-11-17T09:00:00Z",
        Some("2026-11-17T13:00:00Z"),
    )
    .await;
    outage(&app, &w, b, "2026-11-20T09:30:00Z", None).await;
    let mut w = w;
    for actor in [&mut w.a.admin, &mut w.agent] {
        actor.refresh(&app).await;
    }
    let anon = Browser::with_cookie(&app, "");
    let page = anon.get("/status").await.expect(200);
    page.has("Status van de dienst")
        .has("De dienst")
        .has("Verstoring bij een deel van de omgevingen (1 / 2)")
        .has("di 17 nov 2026: 80,952% (4 u onbeschikbaar)")
        .has("nog niet voorbij")
        .lacks("Klant A Productie")
        .lacks("Klant B Productie")
        .has("Meld u aan");
    assert_eq!(page.html.matches("<li class=\"st-day").count(), 90);
    assert!(page.html.contains("st-day st-major"));
    assert!(page.html.contains("st-day st-ok"));
    assert!(!page.html.contains(" style=\""), "no inline styles");

    // Customer A sees its own environment by name, not B's.
    let mine = Browser::of(&app, &w.a.admin)
        .get("/status")
        .await
        .expect(200);
    mine.has("Klant A Productie")
        .lacks("Klant B Productie")
        .has("Your environments");
    assert_eq!(mine.html.matches("<li class=\"st-day").count(), 180);
    // Staff see every environment with its customer.
    let staff = Browser::of(&app, &w.agent).get("/status").await.expect(200);
    staff
        .has("Klant A – Klant A Productie")
        .has("Klant B – Klant B Productie")
        .has("Not available");

    // B's outage ends; maintenance in progress on A shows as such.
    app.state
        .store
        .correct_outage(
            &vendor(&w),
            app.state
                .store
                .outages(&Scope::System, EnvironmentId(b), 0, i64::MAX)
                .await
                .expect("outages")[0]
                .id,
            ms("2026-11-20T09:30:00Z"),
            Some(ms("2026-11-20T09:45:00Z")),
            "hersteld",
            app.state.now_ms(),
        )
        .await
        .expect("correct");
    announce(
        &app,
        &w.manager.bearer(),
        &[a],
        "2026-11-20T10:00:00Z",
        "2026-11-20T12:00:00Z",
        "Nu bezig",
    )
    .await;
    let page = anon.get("/status?lang=en").await.expect(200);
    page.has("Maintenance in progress")
        .has("Nu bezig")
        .lacks("Disruption");
}

// ----- the authorization matrix's resources -------------------------------------------------

/// The environment the authorization matrix announces maintenance for, per customer.
pub async fn matrix_environment(app: &App, org: i64) -> i64 {
    let store = &app.state.store;
    let envs = store
        .environments(&Scope::System, Some(OrgId(org)))
        .await
        .expect("environments");
    match envs.first() {
        Some(e) => e.id.0,
        None => environment(app, org, "Matrix").await,
    }
}

/// Fresh maintenance on a customer's matrix environment, for a cancellation cell.
pub async fn matrix_maintenance(app: &App, org: i64, by: i64) -> i64 {
    let env = matrix_environment(app, org).await;
    let now = app.state.now_ms();
    let (m, _) = app
        .state
        .store
        .announce_maintenance(
            &Scope::Vendor {
                person: PersonId(by),
                role: Role::Admin,
            },
            &store::NewMaintenance {
                environment_ids: vec![EnvironmentId(env)],
                starts_at: now + 30 * 86_400_000,
                ends_at: now + 30 * 86_400_000 + 3_600_000,
                description: "Matrix".into(),
                notice_ok: true,
            },
            now,
            |r| store::NewMail {
                to_address: r.email.clone(),
                subject: "Matrix".into(),
                body_text: "Matrix".into(),
            },
        )
        .await
        .expect("maintenance");
    m.id.0
}

/// A service manager classifies an outage from the availability page, with a reason; the
/// figure follows, the store keeps who and why; an agent sees no form and is refused, and a
/// customer cannot reach another customer's outage.
pub async fn availability_classify_from_the_page(app: App) {
    app.set_time("2026-11-02T09:00:00Z");
    let w = app.world().await;
    let env = environment(&app, w.a.id, "Productie").await;
    let id = outage(
        &app,
        &w,
        env,
        "2026-11-02T10:00:00Z",
        Some("2026-11-02T12:00:00Z"),
    )
    .await;
    app.set_time("2026-11-02T12:30:00Z");
    let page = format!("/availability?month=2026-11&organization={}", w.a.id);
    let action = format!("/availability/outages/{}/classification", id.0);
    let counted = |r: &Value| figure(r, env)["counted_downtime_seconds"].as_i64();
    let api = format!("/api/v1/availability/2026-11?organization={}", w.a.id);
    let before = app.get(&w.manager.bearer(), &api).await.expect(200).json;
    assert_eq!(counted(&before), Some(2 * 3600));

    let agent = Browser::of(&app, &w.agent).html_only();
    agent.get(&page).await.expect(200).lacks(&action);
    agent
        .submit(
            &page,
            &action,
            &[("cause", "force_majeure"), ("reason", "Storm")],
        )
        .await
        .expect(403);

    let manager = Browser::of(&app, &w.manager).html_only();
    manager.get(&page).await.expect(200).has_html(&action);
    // A reason is required.
    manager
        .submit(
            &page,
            &action,
            &[("cause", "force_majeure"), ("reason", " ")],
        )
        .await
        .expect(422);
    let done = manager
        .submit(
            &page,
            &action,
            &[
                ("cause", "third_party_telecom"),
                ("reason", "Glasvezel van de provider doorgesneden"),
                ("back", &page),
            ],
        )
        .await
        .expect(303);
    assert_eq!(done.location(), Some(page.as_str()));
    let after = app.get(&w.manager.bearer(), &api).await.expect(200).json;
    assert_eq!(counted(&after), Some(0));
    let o = app
        .state
        .store
        .get_outage(&Scope::System, id)
        .await
        .expect("outage");
    assert_eq!(o.cause, Some(ExcludedCause::ThirdPartyTelecom));
    assert_eq!(o.classified_by, Some(PersonId(w.manager.id)));
    assert_eq!(
        o.classification_reason.as_deref(),
        Some("Glasvezel van de provider doorgesneden")
    );
    // Customer B cannot reach customer A's outage.
    Browser::of(&app, &w.b.admin)
        .submit(
            "/availability",
            &action,
            &[("cause", ""), ("reason", "Niet van mij")],
        )
        .await
        .expect(404);
}
