//! The SLA through the API: when clocks start, which targets apply, how priority changes,
//! resolving and reopening move them; the agent queue, its filters and paging.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::{App, Auth, items};

/// Friday 2026-11-27 18:15 in Amsterdam (CET): after Service Window 1 has closed.
const FRIDAY_EVENING: &str = "2026-11-27T17:15:00Z";
/// Monday 2026-11-30 09:00 in Amsterdam: the next opening.
const MONDAY_OPENING: &str = "2026-11-30T08:00:00Z";

/// `(within, deadline, outcome)` of each target.
fn targets(t: &Value) -> Vec<(String, Option<String>, String)> {
    t["sla"]["targets"]
        .as_array()
        .unwrap_or_else(|| panic!("no targets in {t}"))
        .iter()
        .map(|x| {
            (
                x["within"].as_str().expect("within").to_string(),
                x["deadline"].as_str().map(str::to_string),
                x["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect()
}

fn tgt(within: &str, deadline: &str, outcome: &str) -> (String, Option<String>, String) {
    (within.into(), Some(deadline.into()), outcome.into())
}

fn id(t: &Value) -> i64 {
    t["id"].as_i64().unwrap_or_else(|| panic!("no id in {t}"))
}

/// The last event of a ticket's history as `auth` sees it.
async fn last_event(app: &App, auth: &Auth, ticket: i64) -> Value {
    let r = app
        .get(auth, &format!("/api/v1/tickets/{ticket}/events"))
        .await
        .expect(200);
    r.json
        .as_array()
        .and_then(|a| a.last().cloned())
        .expect("events")
}

/// A customer administrator files an urgent incident on Friday evening: the clock starts on
/// Monday at 09:00, with 4 and 6 business hours; the channel is how they came in.
pub async fn sla_after_hours_filing(app: App) {
    app.set_time(FRIDAY_EVENING);
    let w = app.world().await;
    let body = json!({ "kind": "incident", "priority": "urgent", "subject": "Niemand kan inloggen",
                       "description": "Sinds 18:00 krijgt iedereen een foutmelding." });
    for (auth, channel) in [(w.a.admin.session(), "web"), (w.a.admin.bearer(), "api")] {
        let r = app
            .post(&auth, "/api/v1/tickets", body.clone())
            .await
            .expect(201);
        let t = &r.json;
        assert_eq!(t["channel"], channel);
        assert_eq!(t["kind"], "incident");
        assert_eq!(t["priority"], "urgent");
        assert_eq!(t["status"], "new");
        assert_eq!(t["organization_id"].as_i64(), Some(w.a.id));
        assert_eq!(t["reporter_id"].as_i64(), Some(w.a.admin.id));
        assert_eq!(t["received_at"], FRIDAY_EVENING);
        assert_eq!(t["created_at"], FRIDAY_EVENING);
        assert_eq!(t["event_count"], 1);
        assert_eq!(t["sla"]["clock_start"], MONDAY_OPENING);
        assert_eq!(t["sla"]["outcome"], "running");
        assert_eq!(t["sla"]["paused"], false);
        assert_eq!(t["sla"]["next_deadline"], "2026-11-30T12:00:00Z");
        assert_eq!(
            targets(t),
            vec![
                tgt("4 hours", "2026-11-30T12:00:00Z", "running"),
                tgt("6 hours", "2026-11-30T14:00:00Z", "running"),
            ]
        );
        let percents: Vec<f64> = t["sla"]["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|x| x["percent"].as_f64().expect("percent"))
            .collect();
        assert_eq!(percents, vec![90.0, 100.0]);
        assert_eq!(t["sla"]["targets"][1]["business_seconds_allowed"], 6 * 3600);
        assert_eq!(t["sla"]["targets"][1]["business_seconds_used"], 0);
        // What was stored is what is read back, by the customer's viewer too.
        let again = app
            .get(&w.a.viewer.session(), &format!("/api/v1/tickets/{}", id(t)))
            .await
            .expect(200);
        assert_eq!(&again.json, t);
        let created = last_event(&app, &w.a.viewer.session(), id(t)).await;
        assert_eq!(created["kind"], "created");
        assert_eq!(created["at"], FRIDAY_EVENING);
        assert_eq!(created["actor_id"].as_i64(), Some(w.a.admin.id));
        assert_eq!(created["data"]["channel"], channel);
        assert_eq!(created["data"]["priority"], "urgent");
    }
    // A question and an RFC get their own targets from the same clock start.
    let q = app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "question", "subject": "Hoe exporteer ik?" }),
        )
        .await;
    assert_eq!(q["priority"], Value::Null);
    assert_eq!(
        targets(&q),
        vec![
            tgt("3 working_days", "2026-12-02T16:30:00Z", "running"),
            tgt("5 working_days", "2026-12-04T16:30:00Z", "running"),
        ]
    );
    let rfc = app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "rfc", "subject": "Extra veld op factuur" }),
        )
        .await;
    assert_eq!(
        targets(&rfc),
        vec![tgt("2 weeks", "2026-12-14T08:00:00Z", "running")]
    );
    // An incident needs a priority; others have none.
    app.post(
        &w.a.admin.session(),
        "/api/v1/tickets",
        json!({ "kind": "incident", "subject": "Geen prioriteit" }),
    )
    .await
    .problem(422, Some("priority"));
    app.post(
        &w.a.admin.session(),
        "/api/v1/tickets",
        json!({ "kind": "question", "priority": "high", "subject": "Vraag met prioriteit" }),
    )
    .await
    .problem(422, Some("priority"));
    // A customer cannot set the receipt time or the reporter.
    for extra in [
        json!({ "received_at": "2026-11-27T10:00:00Z" }),
        json!({ "reporter_id": w.a.admin.id }),
    ] {
        let mut b = body.clone();
        b.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        app.post(&w.a.admin.session(), "/api/v1/tickets", b)
            .await
            .problem(403, None);
    }
}

/// The service desk registers a phone call on behalf of a customer administrator, with the
/// time the call came in; then re-prioritises it with a reason.
pub async fn sla_phone_registration_and_priority(app: App) {
    app.set_time(FRIDAY_EVENING);
    let w = app.world().await;
    let agent = w.agent.session();
    let call = |reporter: i64, received_at: Option<&str>| {
        let mut b = json!({ "kind": "incident", "priority": "urgent",
                            "subject": "Telefonisch: storing", "reporter_id": reporter });
        if let Some(r) = received_at {
            b["received_at"] = json!(r);
        }
        b
    };
    // Friday 16:00 in Amsterdam: 1.5 business hours left that day, the rest on Monday.
    let r = app
        .post(
            &agent,
            "/api/v1/tickets",
            call(w.a.admin.id, Some("2026-11-27T15:00:00Z")),
        )
        .await
        .expect(201);
    let t = r.json;
    assert_eq!(t["channel"], "phone");
    assert_eq!(t["reporter_id"].as_i64(), Some(w.a.admin.id));
    assert_eq!(t["organization_id"].as_i64(), Some(w.a.id));
    assert_eq!(t["received_at"], "2026-11-27T15:00:00Z");
    assert_eq!(t["created_at"], FRIDAY_EVENING);
    assert_eq!(t["sla"]["clock_start"], "2026-11-27T15:00:00Z");
    assert_eq!(
        targets(&t),
        vec![
            tgt("4 hours", "2026-11-30T10:30:00Z", "running"),
            tgt("6 hours", "2026-11-30T12:30:00Z", "running"),
        ]
    );
    let created = last_event(&app, &agent, id(&t)).await;
    assert_eq!(created["at"], "2026-11-27T15:00:00Z");
    assert_eq!(created["actor_id"].as_i64(), Some(w.agent.id));
    assert_eq!(created["data"]["reporter"].as_i64(), Some(w.a.admin.id));
    // Without a receipt time: now (Friday evening), so Monday's opening.
    let now = app
        .file(&w.manager.bearer(), call(w.b.admin.id, None))
        .await;
    assert_eq!(now["channel"], "phone");
    assert_eq!(now["organization_id"].as_i64(), Some(w.b.id));
    assert_eq!(now["sla"]["clock_start"], MONDAY_OPENING);
    // Only a customer administrator reports; a viewer's call is refused with the reason.
    let r = app
        .post(
            &agent,
            "/api/v1/tickets",
            call(w.a.viewer.id, Some("2026-11-27T15:00:00Z")),
        )
        .await
        .problem(403, None);
    assert!(
        r.detail().contains("not a customer administrator"),
        "{}",
        r.detail()
    );
    // Vendor staff do not report either.
    app.post(&agent, "/api/v1/tickets", call(w.manager.id, None))
        .await
        .problem(403, None);
    // No calls from the future, nor older than a week.
    let r = app
        .post(
            &agent,
            "/api/v1/tickets",
            call(w.a.admin.id, Some("2026-11-27T17:16:00Z")),
        )
        .await
        .problem(422, Some("received_at"));
    assert!(
        r.field_message().contains("future"),
        "{}",
        r.field_message()
    );
    app.post(
        &agent,
        "/api/v1/tickets",
        call(w.a.admin.id, Some("2026-11-20T17:14:00Z")),
    )
    .await
    .problem(422, Some("received_at"));
    // The organization, if given, must be the caller's.
    let mut wrong_org = call(w.a.admin.id, None);
    wrong_org["organization_id"] = json!(w.b.id);
    app.post(&agent, "/api/v1/tickets", wrong_org)
        .await
        .problem(422, Some("organization_id"));
    // Without the caller: which administrator called?
    app.post(
        &agent,
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "Wie belde?" }),
    )
    .await
    .problem(422, Some("reporter_id"));

    // Re-prioritising needs a reason, and records who, when, from, to and why.
    let path = format!("/api/v1/tickets/{}/priority", id(&t));
    for reason in ["", "   "] {
        let r = app
            .post(
                &agent,
                &path,
                json!({ "priority": "high", "reason": reason }),
            )
            .await
            .problem(422, Some("reason"));
        assert!(
            r.field_message().contains("reason"),
            "{}",
            r.field_message()
        );
    }
    let r = app
        .post(&agent, &path, json!({ "priority": "high" }))
        .await
        .expect(400);
    assert!(r.detail().contains("reason"), "{}", r.detail());
    app.post(
        &agent,
        &path,
        json!({ "priority": "urgent", "reason": "al urgent" }),
    )
    .await
    .problem(422, Some("priority"));
    app.advance(60);
    let r = app
        .post(
            &agent,
            &path,
            json!({ "priority": "high", "reason": "  Eén gebruiker getroffen, workaround bekend " }),
        )
        .await
        .expect(200);
    let high = r.json;
    assert_eq!(high["priority"], "high");
    assert_eq!(high["event_count"], 2);
    assert_eq!(high["sla"]["clock_start"], "2026-11-27T15:00:00Z");
    // One working day (8.5 business hours) and two, from the same clock start.
    assert_eq!(
        targets(&high),
        vec![
            tgt("1 working_days", "2026-11-30T15:00:00Z", "running"),
            tgt("2 working_days", "2026-12-01T15:00:00Z", "running"),
        ]
    );
    let e = last_event(&app, &w.a.viewer.session(), id(&t)).await;
    assert_eq!(e["kind"], "priority_changed");
    assert_eq!(e["at"], "2026-11-27T17:16:00Z");
    assert_eq!(e["actor_id"].as_i64(), Some(w.agent.id));
    assert_eq!(
        e["data"],
        json!({ "from": "urgent", "to": "high", "reason": "Eén gebruiker getroffen, workaround bekend" })
    );
    // Customers cannot re-prioritise; questions have no priority.
    app.post(
        &w.a.admin.session(),
        &path,
        json!({ "priority": "urgent", "reason": "haast" }),
    )
    .await
    .problem(403, None);
    let q = app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "question", "subject": "Vraag" }),
        )
        .await;
    app.post(
        &agent,
        &format!("/api/v1/tickets/{}/priority", id(&q)),
        json!({ "priority": "high", "reason": "waarom niet" }),
    )
    .await
    .problem(422, Some("priority"));
}

/// Resolving decides the outcome by the time it happens; reopening runs the clock again,
/// without counting the time it stood resolved.
pub async fn sla_resolve_and_reopen(app: App) {
    let w = app.world().await;
    app.set_time(FRIDAY_EVENING);
    // Days pass: sessions (12 hours) end, API tokens do not.
    let cust = w.a.admin.bearer();
    let body = |s: &str| json!({ "kind": "incident", "priority": "urgent", "subject": s });
    let t1 = id(&app.file(&cust, body("Een")).await);
    let t2 = id(&app.file(&cust, body("Twee")).await);
    let t3 = id(&app.file(&cust, body("Drie")).await);
    let agent = w.agent.bearer();
    let status = |t: i64| format!("/api/v1/tickets/{t}/status");
    let resolve = json!({ "status": "resolved", "reason": "opgelost" });

    // Monday 12:00 in Amsterdam: 3 of the 4 hours used.
    app.set_time("2026-11-30T11:00:00Z");
    let r = app
        .post(&agent, &status(t1), resolve.clone())
        .await
        .expect(200);
    assert_eq!(r.json["status"], "resolved");
    assert_eq!(r.json["sla"]["outcome"], "met");
    assert_eq!(r.json["sla"]["next_deadline"], Value::Null);
    for target in r.json["sla"]["targets"].as_array().expect("targets") {
        assert_eq!(target["outcome"], "met");
        assert_eq!(target["decided_at"], "2026-11-30T11:00:00Z");
    }
    assert_eq!(
        r.json["sla"]["targets"][0]["business_seconds_used"],
        3 * 3600
    );
    let e = last_event(&app, &w.a.viewer.bearer(), t1).await;
    assert_eq!(e["kind"], "resolved");
    assert_eq!(e["data"]["reason"], "opgelost");
    // A resolved ticket leaves the queue.
    let queue = app.all_ticket_ids(&agent, "").await;
    assert!(queue.contains(&t1));
    let r = app
        .get(&agent, "/api/v1/tickets?order=queue")
        .await
        .expect(200);
    assert!(!items(&r).iter().any(|t| id(t) == t1));

    // Viewers read; resolved tickets are not resolved twice; customers only reopen or close
    // what is resolved.
    app.post(
        &w.a.viewer.bearer(),
        &status(t1),
        json!({ "status": "reopened" }),
    )
    .await
    .problem(403, None);
    app.post(&agent, &status(t1), resolve.clone())
        .await
        .problem(422, Some("status"));
    app.post(&cust, &status(t2), json!({ "status": "reopened" }))
        .await
        .problem(422, Some("status"));
    app.post(&cust, &status(t2), json!({ "status": "resolved" }))
        .await
        .problem(422, Some("status"));

    // Half an hour later the customer reopens: the clock runs on from 3 hours used.
    app.set_time("2026-11-30T11:30:00Z");
    let r = app
        .post(
            &cust,
            &status(t1),
            json!({ "status": "reopened", "reason": "Nog steeds kapot" }),
        )
        .await
        .expect(200);
    assert_eq!(r.json["status"], "reopened");
    assert_eq!(r.json["sla"]["outcome"], "running");
    assert_eq!(
        targets(&r.json),
        vec![
            tgt("4 hours", "2026-11-30T12:30:00Z", "running"),
            tgt("6 hours", "2026-11-30T14:30:00Z", "running"),
        ]
    );
    let e = last_event(&app, &agent, t1).await;
    assert_eq!(e["kind"], "reopened");
    assert_eq!(e["actor_id"].as_i64(), Some(w.a.admin.id));
    // Back in the queue, after the two still due at 12:00.
    let r = app
        .get(&agent, "/api/v1/tickets?order=queue")
        .await
        .expect(200);
    let queue: Vec<i64> = items(&r).iter().map(id).collect();
    let pos = |t: i64| queue.iter().position(|x| *x == t);
    assert!(
        pos(t1).is_some() && pos(t2) < pos(t3) && pos(t3) < pos(t1),
        "{queue:?}"
    );

    // Monday 14:00: past the 4 hours, within the 6.
    app.set_time("2026-11-30T13:00:00Z");
    let r = app
        .post(&agent, &status(t2), resolve.clone())
        .await
        .expect(200);
    assert_eq!(r.json["sla"]["outcome"], "missed");
    assert_eq!(
        targets(&r.json)
            .iter()
            .map(|t| t.2.as_str())
            .collect::<Vec<_>>(),
        ["missed", "met"]
    );
    assert_eq!(
        r.json["sla"]["targets"][0]["decided_at"],
        "2026-11-30T12:00:00Z"
    );
    assert_eq!(
        r.json["sla"]["targets"][1]["decided_at"],
        "2026-11-30T13:00:00Z"
    );

    // Monday 16:00: past both.
    app.set_time("2026-11-30T15:00:00Z");
    let r = app
        .post(&agent, &status(t3), resolve.clone())
        .await
        .expect(200);
    assert_eq!(
        targets(&r.json),
        vec![
            tgt("4 hours", "2026-11-30T12:00:00Z", "missed"),
            tgt("6 hours", "2026-11-30T14:00:00Z", "missed"),
        ]
    );
    assert_eq!(r.json["sla"]["outcome"], "missed");

    // The reopened one, resolved now, missed its first target at 12:30 and its second at 14:30.
    let r = app
        .post(&agent, &status(t1), resolve.clone())
        .await
        .expect(200);
    assert_eq!(
        targets(&r.json),
        vec![
            tgt("4 hours", "2026-11-30T12:30:00Z", "missed"),
            tgt("6 hours", "2026-11-30T14:30:00Z", "missed"),
        ]
    );
    // The customer closes it; nothing changes its outcome any more.
    let r = app
        .post(&cust, &status(t1), json!({ "status": "closed" }))
        .await
        .expect(200);
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["sla"]["outcome"], "missed");
    app.post(&cust, &status(t1), json!({ "status": "reopened" }))
        .await
        .problem(422, Some("status"));
    // A closed ticket takes no more words from the customer (they file a new one); the
    // service desk may still note things on it, and the outcome stays as it was.
    let comments = format!("/api/v1/tickets/{t1}/comments");
    app.post(&cust, &comments, json!({ "body": "Nog een vraag" }))
        .await
        .problem(409, Some("status"));
    let r = app
        .post(&agent, &comments, json!({ "body": "Nagekomen analyse" }))
        .await
        .expect(200);
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["sla"]["outcome"], "missed");

    // Listing by outcome.
    let met = app.all_ticket_ids(&agent, "&sla_outcome=met").await;
    assert!(met.is_empty(), "{met:?}");
    let missed: BTreeSet<i64> = app
        .all_ticket_ids(&agent, "&sla_outcome=missed")
        .await
        .into_iter()
        .collect();
    assert_eq!(missed, [t1, t2, t3].into_iter().collect());
}

/// The queue orders open tickets by time to breach; the filters narrow it; the cursor
/// visits every ticket exactly once; a malformed cursor is a 400 and a cursor of another
/// listing a 422, both naming `cursor`.
pub async fn sla_queue_filters_and_paging(app: App) {
    // Monday 2026-11-23 10:00 in Amsterdam; the world files a normal incident for A and B.
    let w = app.world().await;
    let (a, b) = (w.a.admin.session(), w.b.admin.bearer());
    let urgent_a = id(&app
        .file(
            &a,
            json!({ "kind": "incident", "priority": "urgent", "subject": "Alles PLAT" }),
        )
        .await);
    let high_b = id(&app
        .file(
            &b,
            json!({ "kind": "incident", "priority": "high", "subject": "Rapport traag" }),
        )
        .await);
    let low_a = id(&app
        .file(
            &a,
            json!({ "kind": "incident", "priority": "low", "subject": "Typo op 100% scherm" }),
        )
        .await);
    let question_b = id(&app
        .file(
            &b,
            json!({ "kind": "question", "subject": "Hoe werkt_export?" }),
        )
        .await);
    let rfc_a = id(&app
        .file(&a, json!({ "kind": "rfc", "subject": "Nieuw veld" }))
        .await);
    let done_b = id(&app
        .file(
            &b,
            json!({ "kind": "incident", "priority": "normal", "subject": "Klaar" }),
        )
        .await);
    let agent = w.agent.session();
    app.post(
        &agent,
        &format!("/api/v1/tickets/{done_b}/status"),
        json!({ "status": "resolved" }),
    )
    .await
    .expect(200);
    let (normal_a, normal_b) = (w.a.ticket, w.b.ticket);

    // Deadlines: urgent Mon 14:00, high Tue 10:00, normal Wed 10:00, question Thu 10:00,
    // low and rfc (two calendar weeks) Mon 7 Dec 10:00: a tie, broken by id.
    let queue = vec![
        urgent_a, high_b, normal_a, normal_b, question_b, low_a, rfc_a,
    ];
    let listed = |r: &crate::harness::Resp| items(r).iter().map(id).collect::<Vec<_>>();
    for path in ["/api/v1/tickets", "/api/v1/tickets?order=queue"] {
        let r = app.get(&agent, path).await.expect(200);
        assert_eq!(listed(&r), queue, "{path}");
        assert_eq!(r.json["next"], Value::Null);
        let deadlines: Vec<&str> = items(&r)
            .iter()
            .map(|t| t["sla"]["next_deadline"].as_str().expect("deadline"))
            .collect();
        let mut sorted = deadlines.clone();
        sorted.sort();
        assert_eq!(deadlines, sorted);
    }
    let newest = app.all_ticket_ids(&agent, "").await;
    let mut by_id = queue.clone();
    by_id.push(done_b);
    by_id.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(newest, by_id);

    // Filters, alone and together.
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("kind=question".into(), vec![question_b]),
        ("kind=rfc".into(), vec![rfc_a]),
        (
            "kind=incident".into(),
            vec![urgent_a, high_b, normal_a, normal_b, low_a],
        ),
        ("priority=urgent".into(), vec![urgent_a]),
        ("priority=normal".into(), vec![normal_a, normal_b]),
        ("status=new".into(), queue.clone()),
        // Resolved tickets have left the queue: asking for them lists newest first.
        ("status=resolved".into(), vec![done_b]),
        ("order=queue&status=resolved".into(), vec![]),
        ("order=newest&status=resolved".into(), vec![done_b]),
        ("order=newest&sla_outcome=met".into(), vec![done_b]),
        ("sla_outcome=running".into(), queue.clone()),
        ("q=plat".into(), vec![urgent_a]),
        ("q=PRINTER".into(), vec![normal_a, normal_b]),
        ("q=100%25".into(), vec![low_a]),
        ("q=%25".into(), vec![low_a]),
        ("q=t_e".into(), vec![question_b]),
        ("q=_".into(), vec![question_b]),
        ("q=%20%20".into(), queue.clone()),
        ("q=".into(), queue.clone()),
        (
            format!("organization={}", w.a.id),
            vec![urgent_a, normal_a, low_a, rfc_a],
        ),
        (
            format!("organization={}&kind=incident&priority=low", w.a.id),
            vec![low_a],
        ),
        (format!("organization={}&kind=rfc", w.b.id), vec![]),
        ("organization=987654".into(), vec![]),
        // Within 4 business hours: until Monday 14:00 exactly, so the urgent incident.
        ("at_risk_hours=4".into(), vec![urgent_a]),
        ("at_risk_hours=3".into(), vec![]),
        ("at_risk_hours=0".into(), vec![]),
        // 9 business hours: until Tuesday 10:30.
        ("at_risk_hours=9".into(), vec![urgent_a, high_b]),
        (
            "at_risk_hours=9&kind=incident&priority=high".into(),
            vec![high_b],
        ),
        (format!("assignee={}", w.agent.id), vec![]),
    ];
    for (filter, expected) in &cases {
        let r = app
            .get(&agent, &format!("/api/v1/tickets?{filter}"))
            .await
            .expect(200);
        assert_eq!(&listed(&r), expected, "{filter}");
    }
    app.post(
        &agent,
        &format!("/api/v1/tickets/{high_b}/assignment"),
        json!({ "assignee_id": w.agent.id }),
    )
    .await
    .expect(200);
    let r = app
        .get(&agent, &format!("/api/v1/tickets?assignee={}", w.agent.id))
        .await
        .expect(200);
    assert_eq!(listed(&r), vec![high_b]);
    // Unassigning works, and only staff are assignees.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{high_b}/assignment"),
        json!({ "assignee_id": null }),
    )
    .await
    .expect(200);
    app.post(
        &agent,
        &format!("/api/v1/tickets/{high_b}/assignment"),
        json!({ "assignee_id": w.b.admin.id }),
    )
    .await
    .problem(422, Some("assignee_id"));

    // Paging, in both orders and several page sizes: every ticket exactly once, in order.
    for order in ["queue", "newest"] {
        let full = {
            let r = app
                .get(&agent, &format!("/api/v1/tickets?order={order}&limit=200"))
                .await
                .expect(200);
            listed(&r)
        };
        for limit in [1, 2, 3, 7] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let mut path = format!("/api/v1/tickets?order={order}&limit={limit}");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={c}"));
                }
                let r = app.get(&agent, &path).await.expect(200);
                pages += 1;
                assert!(items(&r).len() <= limit);
                seen.extend(listed(&r));
                match r.json["next"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
                assert!(pages <= full.len(), "paging does not end");
            }
            assert_eq!(seen, full, "order={order} limit={limit}");
        }
    }
    // A cursor that is not one of this listing's.
    let r = app
        .get(&agent, "/api/v1/tickets?order=newest&limit=1")
        .await
        .expect(200);
    let newest_cursor = r.json["next"].as_str().expect("next").to_string();
    // Not the shape of a cursor: the request breaks the document (400).
    for bad in ["garbage", "q1_", "qx_1", "n", "q99999999999999999999_1"] {
        let r = app
            .get(&agent, &format!("/api/v1/tickets?order=queue&cursor={bad}"))
            .await
            .problem(400, Some("cursor"));
        assert!(r.detail().contains("cursor"), "{}", r.detail());
    }
    // A well-formed cursor of the other order, or past the end of the numbers: 422.
    for (order, bad) in [
        ("queue", newest_cursor.as_str()),
        ("newest", "q1_1"),
        ("newest", "n9999999999999999999"),
    ] {
        app.get(
            &agent,
            &format!("/api/v1/tickets?order={order}&cursor={bad}"),
        )
        .await
        .problem(422, Some("cursor"));
    }
    // Bounds of the other parameters.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=many", "limit"),
        ("at_risk_hours=201", "at_risk_hours"),
        ("at_risk_hours=-1", "at_risk_hours"),
        ("kind=bug", "kind"),
        ("status=open-ish", "status"),
        ("priority=critical", "priority"),
        ("sla_outcome=late", "sla_outcome"),
        ("order=oldest", "order"),
        ("organization=A", "organization"),
    ] {
        app.get(&agent, &format!("/api/v1/tickets?{query}"))
            .await
            .problem(400, Some(field));
    }
    // A parameter that does not exist is refused rather than ignored.
    app.get(&agent, "/api/v1/tickets?prio=urgent")
        .await
        .expect(400);
}
