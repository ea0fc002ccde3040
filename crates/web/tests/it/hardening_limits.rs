//! Issue #14 point 5: every free-text field has a length limit, one table of them
//! (`desk::limits`), counted in characters. Through the API a text at its limit is taken and
//! one character more is a 400 naming the field; the OpenAPI document states each limit as
//! `maxLength`; the pages show the form again with the limit in the person's language.

use axum::http::Method;
use desk::limits as l;
use serde_json::{Value, json};

use crate::compensation::{miss, story};
use crate::harness::{App, Auth, Req};
use crate::pagekit::{Browser, sign_in_form};

/// `n` characters of two bytes each in UTF-8: a limit counted in bytes would refuse them.
fn wide(n: usize) -> String {
    "é".repeat(n)
}

/// `n` ASCII characters, for texts that must be ASCII (URLs).
fn narrow(n: usize) -> String {
    "a".repeat(n)
}

/// One free-text field of one operation.
struct Row<'a> {
    /// The field as the problem names it.
    field: &'static str,
    /// Its limit.
    max: usize,
    /// Who sends it.
    auth: &'a Auth,
    /// The operation.
    method: Method,
    /// Its path.
    path: String,
    /// The body with a text of `n` characters in the field.
    body: Box<dyn Fn(usize) -> Value + Send + Sync + 'a>,
    /// The status of a request that is taken.
    ok: u16,
}

/// Sends the field one character over its limit (refused, naming it, nothing changed), then
/// at its limit (taken); returns the answer that took it.
async fn at_and_over(app: &App, row: Row<'_>) -> Value {
    let send = |n: usize| {
        app.send(
            Req::new(row.method.clone(), row.path.clone())
                .auth(row.auth)
                .json(&(row.body)(n)),
        )
    };
    let over = send(row.max + 1).await;
    assert_eq!(
        (
            over.status.as_u16(),
            over.json["errors"][0]["field"].as_str()
        ),
        (400, Some(row.field)),
        "{} {} with {} characters in {}: {}",
        row.method,
        row.path,
        row.max + 1,
        row.field,
        over.json
    );
    assert_eq!(
        over.json["errors"][0]["message"],
        format!("at most {} characters", row.max),
        "{}",
        row.field
    );
    let at = send(row.max).await;
    assert_eq!(
        at.status.as_u16(),
        row.ok,
        "{} {} with {} characters in {}: {}",
        row.method,
        row.path,
        row.max,
        row.field,
        at.json
    );
    at.json
}

/// A row of a POST answered with 201.
fn created<'a>(
    auth: &'a Auth,
    path: impl Into<String>,
    field: &'static str,
    max: usize,
    body: impl Fn(usize) -> Value + Send + Sync + 'a,
) -> Row<'a> {
    Row {
        field,
        max,
        auth,
        method: Method::POST,
        path: path.into(),
        body: Box::new(body),
        ok: 201,
    }
}

/// A row of an operation answered with 200.
fn changed<'a>(
    auth: &'a Auth,
    method: Method,
    path: impl Into<String>,
    field: &'static str,
    max: usize,
    body: impl Fn(usize) -> Value + Send + Sync + 'a,
) -> Row<'a> {
    Row {
        field,
        max,
        auth,
        method,
        path: path.into(),
        body: Box::new(body),
        ok: 200,
    }
}

/// An e-mail address of exactly `n` characters.
fn email(n: usize) -> String {
    let domain = "@klant-a.example";
    format!("{}{domain}", narrow(n - domain.len()))
}

/// Every free-text field of the API at its limit and one over it: tickets, comments and notes,
/// reasons, people, tokens, customers and agreements, environments and monitors, outages,
/// maintenance, meetings, minutes and action items.
pub async fn hardening_length_limits_every_field(app: App) {
    let w = app.world().await;
    let (admin, manager, agent) = (w.admin.bearer(), w.manager.bearer(), w.agent.bearer());
    let cust = w.a.admin.bearer();
    let ticket = format!("/api/v1/tickets/{}", w.a.ticket);
    let org = w.a.id;

    // Tickets, replies, notes and reasons.
    let rows = vec![
        created(
            &cust,
            "/api/v1/tickets",
            "subject",
            l::TICKET_SUBJECT,
            |n| json!({ "kind": "question", "subject": wide(n) }),
        ),
        created(
            &cust,
            "/api/v1/tickets",
            "description",
            l::TICKET_DESCRIPTION,
            |n| json!({ "kind": "question", "subject": "Lang", "description": wide(n) }),
        ),
        changed(
            &cust,
            Method::POST,
            format!("{ticket}/comments"),
            "body",
            l::COMMENT,
            |n| json!({ "body": wide(n) }),
        ),
        changed(
            &agent,
            Method::POST,
            format!("{ticket}/comments"),
            "body",
            l::COMMENT,
            |n| json!({ "body": wide(n), "internal": true }),
        ),
        changed(
            &agent,
            Method::POST,
            format!("{ticket}/comments"),
            "body",
            l::COMMENT,
            |n| json!({ "body": wide(n) }),
        ),
        changed(
            &agent,
            Method::POST,
            format!("{ticket}/priority"),
            "reason",
            l::PRIORITY_REASON,
            |n| json!({ "priority": "high", "reason": wide(n) }),
        ),
        changed(
            &agent,
            Method::POST,
            format!("{ticket}/status"),
            "reason",
            l::STATUS_REASON,
            |n| json!({ "status": "waiting_on_customer", "reason": wide(n) }),
        ),
    ];
    for row in rows {
        at_and_over(&app, row).await;
    }

    // Signing in: a text longer than any address or password is refused before it is
    // compared (400 naming it); at the limit it is merely a wrong one (401).
    let anyone = Auth::None;
    let sign_in = |field: &'static str, max: usize| Row {
        field,
        max,
        auth: &anyone,
        method: Method::POST,
        path: "/api/v1/session".into(),
        body: Box::new(move |n| {
            if field == "email" {
                json!({ "email": email(n), "password": "wrong password" })
            } else {
                json!({ "email": "nobody@klant-a.example", "password": wide(n) })
            }
        }),
        ok: 401,
    };
    at_and_over(&app, sign_in("email", l::EMAIL)).await;
    at_and_over(&app, sign_in("password", l::PASSWORD)).await;
    // The search is limited too.
    app.get(
        &agent,
        &format!("/api/v1/tickets?q={}", "%C3%A9".repeat(l::TICKET_SEARCH)),
    )
    .await
    .expect(200);
    app.get(
        &agent,
        &format!(
            "/api/v1/tickets?q={}",
            "%C3%A9".repeat(l::TICKET_SEARCH + 1)
        ),
    )
    .await
    .problem(400, Some("q"));

    // Customers, agreements, people and tokens.
    let orgs = "/api/v1/organizations";
    let agreements = format!("/api/v1/organizations/{org}/agreements");
    let rows = vec![
        created(
            &admin,
            orgs,
            "name",
            l::ORGANIZATION_NAME,
            |n| json!({ "name": wide(n) }),
        ),
        created(
            &admin,
            agreements.clone(),
            "name",
            l::AGREEMENT_NAME,
            |n| json!({ "name": wide(n), "effective_from": "2030-01-01T00:00:00Z" }),
        ),
        created(
            &admin,
            agreements.clone(),
            "document_ref",
            l::DOCUMENT_REF,
            |n| {
                json!({ "name": "Met document", "document_ref": wide(n),
                    "effective_from": "2031-01-01T00:00:00Z" })
            },
        ),
        created(&admin, agreements.clone(), "policy", l::POLICY, |n| {
            // A comment is valid policy text, whatever its length.
            json!({ "name": "Lang", "policy": format!("#{}", wide(n - 1)),
                    "effective_from": "2032-01-01T00:00:00Z" })
        }),
        created(
            &admin,
            "/api/v1/people",
            "email",
            l::EMAIL,
            |n| json!({ "email": email(n), "name": "Lang adres", "role": "agent" }),
        ),
        created(&admin, "/api/v1/people", "name", l::PERSON_NAME, |n| {
            json!({ "email": format!("naam{n}@loket.example"), "name": wide(n),
                        "role": "agent" })
        }),
        created(&admin, "/api/v1/people", "password", l::PASSWORD, |n| {
            json!({ "email": format!("wachtwoord{n}@loket.example"), "name": "Wachtwoord",
                    "role": "agent", "password": wide(n) })
        }),
        created(
            &cust,
            "/api/v1/tokens",
            "name",
            l::TOKEN_NAME,
            |n| json!({ "name": wide(n) }),
        ),
    ];
    for row in rows {
        at_and_over(&app, row).await;
    }

    // Environments, monitors, outages and maintenance.
    let env = at_and_over(
        &app,
        created(
            &manager,
            format!("/api/v1/organizations/{org}/environments"),
            "name",
            l::ENVIRONMENT_NAME,
            |n| json!({ "name": wide(n) }),
        ),
    )
    .await["id"]
        .as_i64()
        .expect("environment");
    let url = |n: usize| {
        let head = "https://status.klant-a.example/";
        format!("{head}{}", narrow(n - head.len()))
    };
    let monitors = format!("/api/v1/environments/{env}/monitors");
    let monitor = at_and_over(
        &app,
        created(
            &manager,
            monitors.clone(),
            "target",
            l::MONITOR_TARGET,
            move |n| json!({ "kind": "http", "target": url(n) }),
        ),
    )
    .await["monitor"]["id"]
        .as_i64()
        .expect("monitor");
    let outage = at_and_over(
        &app,
        created(
            &manager,
            format!("/api/v1/environments/{env}/outages"),
            "reason",
            l::OUTAGE_REASON,
            |n| {
                json!({ "started_at": "2026-11-20T10:00:00Z", "ended_at": "2026-11-20T11:00:00Z",
                    "reason": wide(n) })
            },
        ),
    )
    .await["id"]
        .as_i64()
        .expect("outage");
    let rows = vec![
        changed(
            &manager,
            Method::POST,
            format!("/api/v1/environments/{env}/name"),
            "name",
            l::ENVIRONMENT_NAME,
            |n| json!({ "name": "ë".repeat(n) }),
        ),
        created(
            &manager,
            monitors.clone(),
            "keyword",
            l::MONITOR_KEYWORD,
            |n| json!({ "kind": "http", "target": "https://klant-a.example/", "keyword": wide(n) }),
        ),
        changed(
            &manager,
            Method::PUT,
            format!("/api/v1/monitors/{monitor}"),
            "target",
            l::MONITOR_TARGET,
            move |n| json!({ "kind": "http", "target": url(n).replace("status", "health") }),
        ),
        changed(
            &manager,
            Method::PUT,
            format!("/api/v1/monitors/{monitor}"),
            "keyword",
            l::MONITOR_KEYWORD,
            |n| json!({ "kind": "http", "target": "https://klant-a.example/", "keyword": wide(n) }),
        ),
        changed(
            &manager,
            Method::POST,
            format!("/api/v1/outages/{outage}/correction"),
            "reason",
            l::OUTAGE_REASON,
            |n| {
                json!({ "started_at": "2026-11-20T10:00:00Z", "ended_at": "2026-11-20T10:30:00Z",
                    "reason": wide(n) })
            },
        ),
        changed(
            &manager,
            Method::PUT,
            format!("/api/v1/outages/{outage}/classification"),
            "reason",
            l::OUTAGE_REASON,
            |n| json!({ "cause": "force_majeure", "reason": wide(n) }),
        ),
        created(
            &manager,
            "/api/v1/maintenance",
            "description",
            l::MAINTENANCE_DESCRIPTION,
            move |n| {
                json!({ "environment_ids": [env], "starts_at": "2027-03-01T02:00:00Z",
                    "ends_at": "2027-03-01T03:00:00Z", "description": wide(n) })
            },
        ),
    ];
    for row in rows {
        at_and_over(&app, row).await;
    }

    // Meetings: planning, changing, attendees, minutes, decisions, action items, schedules.
    let meetings = format!("/api/v1/organizations/{org}/meetings");
    let plan = |extra: Value| {
        let mut b = json!({ "kind": "interim", "starts_at": "2026-11-16T09:00:00Z",
                            "duration_minutes": 60 });
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    let link = |n: usize| {
        let head = "https://meet.example/";
        format!("{head}{}", narrow(n - head.len()))
    };
    let attendee = |k: &str, n: usize| {
        let mut a = json!({ "name": "Gast", "side": "customer" });
        a[k] = match k {
            "email" => json!(email(n)),
            _ => json!(wide(n)),
        };
        a
    };
    let meeting = at_and_over(
        &app,
        created(
            &manager,
            meetings.clone(),
            "title",
            l::MEETING_TEXT,
            move |n| plan(json!({ "title": wide(n) })),
        ),
    )
    .await["meeting"]["id"]
        .as_i64()
        .expect("meeting");
    let m = format!("/api/v1/meetings/{meeting}");
    let rows = vec![
        created(
            &manager,
            meetings.clone(),
            "location",
            l::MEETING_TEXT,
            move |n| plan(json!({ "location": wide(n) })),
        ),
        created(
            &manager,
            meetings.clone(),
            "online_url",
            l::MEETING_LINK,
            move |n| plan(json!({ "online_url": link(n) })),
        ),
        created(
            &manager,
            meetings.clone(),
            "attendees[0].name",
            l::MEETING_TEXT,
            move |n| plan(json!({ "attendees": [attendee("name", n)] })),
        ),
        created(
            &manager,
            meetings.clone(),
            "attendees[0].role",
            l::MEETING_TEXT,
            move |n| plan(json!({ "attendees": [attendee("role", n)] })),
        ),
        created(
            &manager,
            meetings.clone(),
            "attendees[0].email",
            l::EMAIL,
            move |n| plan(json!({ "attendees": [attendee("email", n)] })),
        ),
        changed(
            &manager,
            Method::PUT,
            m.clone(),
            "title",
            l::MEETING_TEXT,
            |n| {
                json!({ "title": wide(n), "starts_at": "2026-11-16T09:00:00Z",
                        "duration_minutes": 60 })
            },
        ),
        changed(
            &manager,
            Method::PUT,
            m.clone(),
            "location",
            l::MEETING_TEXT,
            |n| {
                json!({ "location": wide(n), "starts_at": "2026-11-16T09:00:00Z",
                        "duration_minutes": 60 })
            },
        ),
        changed(
            &manager,
            Method::PUT,
            m.clone(),
            "online_url",
            l::MEETING_LINK,
            move |n| {
                json!({ "online_url": link(n), "starts_at": "2026-11-16T09:00:00Z",
                        "duration_minutes": 60 })
            },
        ),
        created(
            &manager,
            format!("{m}/attendees"),
            "name",
            l::MEETING_TEXT,
            |n| json!({ "name": wide(n), "side": "vendor" }),
        ),
        created(
            &manager,
            format!("{m}/attendees"),
            "role",
            l::MEETING_TEXT,
            |n| json!({ "name": "Rol", "role": wide(n), "side": "vendor" }),
        ),
        created(
            &manager,
            format!("{m}/attendees"),
            "email",
            l::EMAIL,
            |n| json!({ "name": "Adres", "email": email(n), "side": "customer" }),
        ),
        changed(
            &manager,
            Method::PUT,
            format!("{m}/minutes"),
            "minutes",
            l::MINUTES,
            |n| json!({ "minutes": wide(n) }),
        ),
        changed(
            &manager,
            Method::PUT,
            format!("{m}/minutes"),
            "decisions[1]",
            l::DECISION,
            |n| json!({ "minutes": "Kort", "decisions": ["Eerst", wide(n)] }),
        ),
        created(
            &manager,
            format!("{m}/action-items"),
            "what",
            l::ACTION_ITEM,
            |n| json!({ "what": wide(n), "owner_name": "M. Manager", "due_on": "2026-12-01" }),
        ),
        created(
            &manager,
            format!("{m}/action-items"),
            "owner_name",
            l::MEETING_TEXT,
            |n| json!({ "what": "Nalopen", "owner_name": wide(n), "due_on": "2026-12-01" }),
        ),
        changed(
            &manager,
            Method::PUT,
            format!("/api/v1/organizations/{org}/meeting-schedules/tactical"),
            "location",
            l::MEETING_TEXT,
            |n| {
                json!({ "every_months": 3, "anchor_on": "2027-01-27", "local_time": "10:00",
                    "duration_minutes": 90, "location": wide(n) })
            },
        ),
        changed(
            &manager,
            Method::PUT,
            format!("/api/v1/organizations/{org}/meeting-schedules/tactical"),
            "online_url",
            l::MEETING_LINK,
            move |n| {
                json!({ "every_months": 3, "anchor_on": "2027-01-27", "local_time": "10:00",
                    "duration_minutes": 90, "online_url": link(n) })
            },
        ),
    ];
    for row in rows {
        at_and_over(&app, row).await;
    }
    let item = app
        .post(
            &manager,
            &format!("{m}/action-items"),
            json!({ "what": "Afronden", "owner_name": "M. Manager", "due_on": "2026-12-01" }),
        )
        .await
        .expect(201)
        .id();
    at_and_over(
        &app,
        changed(
            &manager,
            Method::POST,
            format!("/api/v1/action-items/{item}/completion"),
            "note",
            l::ACTION_ITEM,
            |n| json!({ "note": wide(n) }),
        ),
    )
    .await;

    // A reason for a missed target: an urgent incident nobody answers.
    let missed = app
        .file(
            &cust,
            json!({ "kind": "incident", "priority": "urgent", "subject": "Plat" }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    app.advance(3 * 24 * 3600);
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}
    at_and_over(
        &app,
        changed(
            &agent,
            Method::PUT,
            format!("/api/v1/tickets/{missed}/miss-reason"),
            "reason",
            l::MISS_REASON,
            |n| json!({ "reason": wide(n) }),
        ),
    )
    .await;
}

/// The escalation's texts (SLA §6.2): the consultation's attendees, agreements, incidents and
/// minutes, a follow-up's why, and a reversal's reason.
pub async fn hardening_length_limits_escalation(app: App) {
    let policy = "[compensation]\nmonthly_fee_cents = 100000\n\
                  follow_ups_before_entitlement = 0\nmonths_before_entitlement = 0\n";
    let s = story(&app, policy).await;
    let a = s.w.a.id;
    let incident = miss(&app, &s, "2026-03-02").await;
    app.set_time("2026-04-01T08:00:00Z");
    let (admin, agent) = (s.w.a.admin.bearer(), s.w.agent.bearer());
    let base = format!("/api/v1/organizations/{a}/escalation");
    app.post(
        &admin,
        &format!("{base}/request"),
        json!({ "months": ["2026-03"] }),
    )
    .await
    .expect(201);
    app.set_time("2026-04-08T12:00:00Z");
    let consultation = |patch: &(dyn Fn(&mut Value) + Sync)| {
        let mut b = json!({
            "held_on": "2026-04-08",
            "attendees": [
                { "name": "Jan Beheer", "side": "customer", "person_id": s.w.a.admin.id },
                { "name": "M. Manager", "side": "vendor" }
            ],
            "incidents": [{ "ticket_id": incident, "priority_right": true, "reason": "Oorzaak" }],
            "agreements": [
                { "description": "Piket inrichten", "owner": "M. Manager", "due_on": "2026-05-01" }
            ],
            "minutes": "Besproken."
        });
        patch(&mut b);
        b
    };
    let path = format!("{base}/consultation");
    // Each field over its limit is refused by name; then all of them at their limit are taken.
    let over = wide(l::ESCALATION_TEXT + 1);
    for (field, patch) in [
        (
            "attendees[1].name",
            &(|b: &mut Value| b["attendees"][1]["name"] = json!(over))
                as &(dyn Fn(&mut Value) + Sync),
        ),
        ("incidents[0].reason", &|b: &mut Value| {
            b["incidents"][0]["reason"] = json!(over)
        }),
        ("agreements[0].description", &|b: &mut Value| {
            b["agreements"][0]["description"] = json!(over)
        }),
        ("agreements[0].owner", &|b: &mut Value| {
            b["agreements"][0]["owner"] = json!(over)
        }),
        ("minutes", &|b: &mut Value| b["minutes"] = json!(over)),
    ] {
        app.post(&agent, &path, consultation(patch))
            .await
            .problem(400, Some(field));
    }
    let at = wide(l::ESCALATION_TEXT);
    app.post(
        &agent,
        &path,
        consultation(&|b: &mut Value| {
            b["attendees"][1]["name"] = json!(at);
            b["incidents"][0]["reason"] = json!(at);
            b["agreements"][0]["description"] = json!(at);
            b["agreements"][0]["owner"] = json!(at);
            b["minutes"] = json!(at);
        }),
    )
    .await
    .expect(201);
    // A follow-up's why.
    let follow = |why: &str| {
        json!({
            "held_on": "2026-05-08",
            "attendees": [
                { "name": "Jan Beheer", "side": "customer", "person_id": s.w.a.admin.id }
            ],
            "progress": false,
            "why": why
        })
    };
    app.set_time("2026-05-08T12:00:00Z");
    app.post(&agent, &format!("{base}/follow-ups"), follow(&over))
        .await
        .problem(400, Some("why"));
    app.post(&agent, &format!("{base}/follow-ups"), follow(&at))
        .await
        .expect(201);
    // The claim, and a reversal's reason.
    let claimed = app
        .post(&admin, &format!("{base}/claim"), json!({}))
        .await
        .expect(201);
    let entry = claimed.json["ledger"][0]["entry_id"]
        .as_i64()
        .expect("entry");
    let manager = s.w.manager.bearer();
    at_and_over(
        &app,
        created(
            &manager,
            format!("/api/v1/discounts/{entry}/reversal"),
            "reason",
            l::ESCALATION_TEXT,
            |n| json!({ "reason": wide(n) }),
        ),
    )
    .await;
}

/// The pages show the form again with the limit in the person's language: Dutch for the
/// vendor's administrator, English for the customer's administrator and the agent.
pub async fn hardening_length_limits_in_page_forms(app: App) {
    let w = app.world().await;

    // The sign-in form: an address too long to be one shows the form again with the limit,
    // in the person's language, without echoing the text.
    let router = web::router(app.state.clone());
    let long = email(l::EMAIL + 1);
    let res = sign_in_form(&router, "", &[("email", &long), ("password", "x")]).await;
    assert_eq!(res.status().as_u16(), 422);
    let html = String::from_utf8_lossy(
        &axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body"),
    )
    .into_owned();
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Ten hoogste 254 tekens."), "{html}");
    assert!(html.contains("name=\"password\""), "the form again: {html}");
    assert!(!html.contains(&long), "the address is not shown again");

    // Dutch: a customer's name one over its limit, then at it.
    let nl = Browser::of(&app, &w.admin).html_only();
    let page = nl.get("/admin").await.expect(200);
    let csrf = page.csrf();
    let name = wide(l::ORGANIZATION_NAME + 1);
    nl.post("/admin/customers", &[("csrf", &csrf), ("name", &name)])
        .await
        .expect(422)
        .has("<html lang=\"nl\">")
        .has("Ten hoogste 200 tekens.")
        .has("aria-invalid=\"true\"");
    let name = wide(l::ORGANIZATION_NAME);
    nl.post("/admin/customers", &[("csrf", &csrf), ("name", &name)])
        .await
        .expect(303);
    // A comment on a ticket, in Dutch: 100.000 with the Dutch separator.
    let path = format!("/tickets/{}", w.a.ticket);
    let csrf = nl.get(&path).await.expect(200).csrf();
    let body = narrow(l::COMMENT + 1);
    nl.post(
        &format!("{path}/comment"),
        &[("csrf", &csrf), ("body", &body)],
    )
    .await
    .expect(422)
    .has("Ten hoogste 100.000 tekens.");

    // English: filing a ticket with a subject one over its limit keeps what was typed.
    let en = Browser::of(&app, &w.a.admin).html_only();
    let csrf = en.get("/portal/new").await.expect(200).csrf();
    let subject = wide(l::TICKET_SUBJECT + 1);
    en.post(
        "/portal/tickets",
        &[
            ("csrf", &csrf),
            ("kind", "question"),
            ("subject", &subject),
            ("description", "Eén regel."),
        ],
    )
    .await
    .expect(422)
    .has("<html lang=\"en\">")
    .has("At most 300 characters.")
    .has("aria-invalid=\"true\" aria-describedby=\"subject-error\"")
    .has("Eén regel.</textarea>");
    let subject = wide(l::TICKET_SUBJECT);
    en.post(
        "/portal/tickets",
        &[("csrf", &csrf), ("kind", "question"), ("subject", &subject)],
    )
    .await
    .expect(303);
    // A reply in English: the thousands written the English way. A text area's CR LF counts
    // as one character, as the browser counted it.
    let csrf = en.get(&path).await.expect(200).csrf();
    let body = narrow(l::COMMENT + 1);
    en.post(
        &format!("{path}/comment"),
        &[("csrf", &csrf), ("body", &body)],
    )
    .await
    .expect(422)
    .has("At most 100,000 characters.");
    let lines = format!(
        "{}\r\n{}",
        narrow(l::COMMENT / 2),
        narrow(l::COMMENT / 2 - 1)
    );
    en.post(
        &format!("{path}/comment"),
        &[("csrf", &csrf), ("body", &lines)],
    )
    .await
    .expect(303);
    // The agent's saved view, in English.
    let agent = Browser::of(&app, &w.agent).html_only();
    let csrf = agent.get("/desk").await.expect(200).csrf();
    let view = wide(l::VIEW_NAME + 1);
    agent
        .post(
            "/desk/views",
            &[("csrf", &csrf), ("name", &view), ("query", "")],
        )
        .await
        .expect(422)
        .has("At most 80 characters.");
}

/// The schema a `$ref` names, or the schema itself.
fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => s,
    }
}

/// Every text inside a request schema as (path, schema), following references, properties,
/// array items and alternatives.
fn texts<'a>(doc: &'a Value, s: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    let s = resolve(doc, s);
    let is_text = match &s["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_text {
        out.push((path.clone(), s));
    }
    if let Some(props) = s["properties"].as_object() {
        for (k, v) in props {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            texts(doc, v, p, out);
        }
    }
    if s["items"].is_object() {
        texts(doc, &s["items"], format!("{path}[]"), out);
    }
    for alt in ["oneOf", "anyOf", "allOf"] {
        for a in s[alt].as_array().into_iter().flatten() {
            texts(doc, a, path.clone(), out);
        }
    }
}

/// The OpenAPI document states a `maxLength` for every free text a request carries, and it is
/// the limit of the one table; texts without one are bounded by their pattern or format.
#[test]
fn hardening_length_limits_in_the_document() {
    let doc = serde_json::to_value(web::api::routes().1).expect("document");
    let mut found: Vec<(String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let mut all = Vec::new();
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                let body = Value::Object(body.clone());
                let mut here = Vec::new();
                texts(&doc, &body, String::new(), &mut here);
                all.extend(here.into_iter().map(|(p, s)| (p, s.clone())));
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let mut here = Vec::new();
                texts(
                    &doc,
                    &p["schema"],
                    p["name"].as_str().unwrap_or_default().to_string(),
                    &mut here,
                );
                all.extend(here.into_iter().map(|(p, s)| (p, s.clone())));
            }
            for (field, s) in all {
                let bounded_pattern = s["pattern"]
                    .as_str()
                    .is_some_and(|p| !p.contains('*') && !p.contains('+'));
                let bounded_format = matches!(s["format"].as_str(), Some("date" | "date-time"));
                let bounded = s["enum"].is_array() || bounded_pattern || bounded_format;
                // Path ids and push tokens are looked up: any text is just a wrong one (404).
                let looked_up = field == "id" || field == "token";
                assert!(
                    s["maxLength"].is_u64() || bounded || looked_up,
                    "{method} {path}: `{field}` has no maxLength: {s}"
                );
                found.push((format!("{method} {path} {field}"), s["maxLength"].clone()));
            }
        }
    }
    let limit = |key: &str| {
        found
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_u64().map(|n| n as usize))
            .unwrap_or_else(|| panic!("no text {key} in the document"))
    };
    for (key, max) in [
        ("post /api/v1/tickets subject", l::TICKET_SUBJECT),
        ("post /api/v1/tickets description", l::TICKET_DESCRIPTION),
        ("post /api/v1/tickets/{id}/comments body", l::COMMENT),
        (
            "post /api/v1/tickets/{id}/priority reason",
            l::PRIORITY_REASON,
        ),
        ("post /api/v1/tickets/{id}/status reason", l::STATUS_REASON),
        (
            "put /api/v1/tickets/{id}/miss-reason reason",
            l::MISS_REASON,
        ),
        ("get /api/v1/tickets q", l::TICKET_SEARCH),
        ("post /api/v1/organizations name", l::ORGANIZATION_NAME),
        (
            "post /api/v1/organizations/{id}/agreements name",
            l::AGREEMENT_NAME,
        ),
        (
            "post /api/v1/organizations/{id}/agreements document_ref",
            l::DOCUMENT_REF,
        ),
        (
            "post /api/v1/organizations/{id}/agreements policy",
            l::POLICY,
        ),
        ("post /api/v1/session email", l::EMAIL),
        ("post /api/v1/session password", l::PASSWORD),
        ("post /api/v1/people email", l::EMAIL),
        ("post /api/v1/people name", l::PERSON_NAME),
        ("post /api/v1/people password", l::PASSWORD),
        ("post /api/v1/tokens name", l::TOKEN_NAME),
        (
            "post /api/v1/organizations/{id}/environments name",
            l::ENVIRONMENT_NAME,
        ),
        (
            "post /api/v1/environments/{id}/name name",
            l::ENVIRONMENT_NAME,
        ),
        (
            "post /api/v1/environments/{id}/monitors target",
            l::MONITOR_TARGET,
        ),
        (
            "post /api/v1/environments/{id}/monitors keyword",
            l::MONITOR_KEYWORD,
        ),
        ("put /api/v1/monitors/{id} target", l::MONITOR_TARGET),
        ("put /api/v1/monitors/{id} keyword", l::MONITOR_KEYWORD),
        (
            "post /api/v1/environments/{id}/outages reason",
            l::OUTAGE_REASON,
        ),
        (
            "post /api/v1/outages/{id}/correction reason",
            l::OUTAGE_REASON,
        ),
        (
            "put /api/v1/outages/{id}/classification reason",
            l::OUTAGE_REASON,
        ),
        (
            "post /api/v1/maintenance description",
            l::MAINTENANCE_DESCRIPTION,
        ),
        (
            "post /api/v1/organizations/{id}/meetings title",
            l::MEETING_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/meetings location",
            l::MEETING_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/meetings online_url",
            l::MEETING_LINK,
        ),
        (
            "post /api/v1/organizations/{id}/meetings attendees[].name",
            l::MEETING_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/meetings attendees[].role",
            l::MEETING_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/meetings attendees[].email",
            l::EMAIL,
        ),
        ("put /api/v1/meetings/{id} title", l::MEETING_TEXT),
        ("put /api/v1/meetings/{id} online_url", l::MEETING_LINK),
        ("post /api/v1/meetings/{id}/attendees name", l::MEETING_TEXT),
        ("post /api/v1/meetings/{id}/attendees email", l::EMAIL),
        ("put /api/v1/meetings/{id}/minutes minutes", l::MINUTES),
        ("put /api/v1/meetings/{id}/minutes decisions[]", l::DECISION),
        (
            "post /api/v1/meetings/{id}/action-items what",
            l::ACTION_ITEM,
        ),
        (
            "post /api/v1/meetings/{id}/action-items owner_name",
            l::MEETING_TEXT,
        ),
        (
            "post /api/v1/action-items/{id}/completion note",
            l::ACTION_ITEM,
        ),
        (
            "put /api/v1/organizations/{id}/meeting-schedules/{kind} location",
            l::MEETING_TEXT,
        ),
        (
            "put /api/v1/organizations/{id}/meeting-schedules/{kind} online_url",
            l::MEETING_LINK,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/consultation attendees[].name",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/consultation incidents[].reason",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/consultation agreements[].description",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/consultation agreements[].owner",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/consultation minutes",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/organizations/{id}/escalation/follow-ups why",
            l::ESCALATION_TEXT,
        ),
        (
            "post /api/v1/discounts/{id}/reversal reason",
            l::ESCALATION_TEXT,
        ),
    ] {
        assert_eq!(limit(key), Some(max), "{key}");
    }
}
