//! Bad input is a 4xx problem naming the field, never a 500, and never half-written.

use axum::http::Method;
use serde_json::{Value, json};

use crate::harness::{App, Auth, Req, Resp};

const TICKETS: &str = "/api/v1/tickets";

/// A well-formed incident, to spoil one field at a time.
fn incident() -> Value {
    json!({ "kind": "incident", "priority": "high", "subject": "Scherm blijft wit",
            "description": "Na inloggen." })
}

/// Everything about a rejected body, for tickets, people, organizations and sign-in.
pub async fn input_bad_bodies(app: App) {
    let w = app.world().await;
    let cust = w.a.admin.session();
    let admin = w.admin.session();
    let agent = w.agent.bearer();
    let before = app.all_ticket_ids(&admin, "").await;
    let events_before = app
        .get(&admin, &format!("/api/v1/tickets/{}/events", w.a.ticket))
        .await
        .json;
    let raw = |auth: &Auth, method: Method, path: &str, body: &[u8], ct: Option<&str>| {
        Req::new(method, path).auth(auth).raw(body.to_vec(), ct)
    };

    // Not JSON, or not one JSON value.
    for body in [
        &b"{"[..],
        b"",
        b"{\"kind\": \"incident\",}",
        b"{'kind': 'incident'}",
        b"null",
        b"[]",
        b"\"incident\"",
        b"{\"kind\":\"question\",\"subject\":\"a\"} {}",
        b"{\"kind\":\"question\",\"subject\":\"a\"} x",
        b"\xff\xfe{}",
        b"{\"kind\":\"question\",\"subject\":\"\xc3\x28\"}",
    ] {
        let r = app
            .send(raw(
                &cust,
                Method::POST,
                TICKETS,
                body,
                Some("application/json"),
            ))
            .await;
        assert_eq!(
            r.status.as_u16(),
            400,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            r.json
        );
    }
    let r = app
        .send(raw(
            &cust,
            Method::POST,
            TICKETS,
            b"{",
            Some("application/json"),
        ))
        .await;
    assert!(r.detail().contains("not valid JSON"), "{}", r.detail());
    // Nested too deep for the parser: refused, not a crashed thread.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    app.send(raw(
        &cust,
        Method::POST,
        TICKETS,
        deep.as_bytes(),
        Some("application/json"),
    ))
    .await
    .expect(400);

    // Unknown fields, wrong types, unknown words: 400 naming the field.
    let spoil = |k: &str, v: Value| {
        let mut b = incident();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (spoil("subject", json!(42)), "subject"),
        (spoil("subject", json!(null)), "subject"),
        (spoil("subject", json!(["a"])), "subject"),
        (spoil("priority", json!("critical")), "priority"),
        (spoil("priority", json!("URGENT")), "priority"),
        (spoil("priority", json!(1)), "priority"),
        (spoil("kind", json!("bug")), "kind"),
        (spoil("description", json!({ "text": "x" })), "description"),
        (spoil("organization_id", json!("A")), "organization_id"),
        (spoil("organization_id", json!(1.5)), "organization_id"),
        (spoil("organization_id", json!(1e30)), "organization_id"),
        (spoil("reporter_id", json!(true)), "reporter_id"),
        (spoil("received_at", json!(1_764_000_000)), "received_at"),
    ];
    for (body, field) in &cases {
        app.post(&cust, TICKETS, body.clone())
            .await
            .problem(400, Some(field));
    }
    // A field the API does not have is refused, not ignored.
    let r = app
        .post(&cust, TICKETS, spoil("status", json!("closed")))
        .await
        .expect(400);
    assert!(
        r.detail().contains("unknown field `status`"),
        "{}",
        r.detail()
    );
    // A missing required field.
    let r = app
        .post(&cust, TICKETS, json!({ "kind": "question" }))
        .await
        .expect(400);
    assert!(r.detail().contains("subject"), "{}", r.detail());

    // Impossible instants name the field.
    for when in [
        "2026-02-30T10:00:00Z",
        "2026-11-31T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T10:60:00Z",
        "2026-11-27 10:00",
        "27-11-2026T10:00:00Z",
        "2026-11-27T10:00:00",
        "2026-11-27T10:00:00+25:00",
        "",
        "gisteren",
    ] {
        let mut b = incident();
        b["reporter_id"] = json!(w.a.admin.id);
        b["received_at"] = json!(when);
        let r = app
            .post(&agent, TICKETS, b)
            .await
            .problem(400, Some("received_at"));
        assert!(!r.field_message().is_empty());
    }

    // Rules broken by well-formed values: 422 naming the field; text over its length breaks
    // the document's `maxLength`: 400 naming the field.
    app.post(&cust, TICKETS, spoil("subject", json!("   ")))
        .await
        .problem(422, Some("subject"));
    for (body, field) in [
        (spoil("subject", json!("x".repeat(301))), "subject"),
        (
            spoil("description", json!("x".repeat(100_001))),
            "description",
        ),
    ] {
        app.post(&cust, TICKETS, body)
            .await
            .problem(400, Some(field));
    }
    // 300 characters (not bytes) is fine.
    let t = app
        .file(&cust, spoil("subject", json!("é".repeat(300))))
        .await;
    assert_eq!(t["subject"].as_str().map(|s| s.chars().count()), Some(300));

    // Too large: 413, before anything is parsed.
    let big =
        json!({ "kind": "question", "subject": "Groot", "description": "x".repeat(300 * 1024) });
    let r = app.post(&cust, TICKETS, big).await.problem(413, None);
    assert!(r.detail().contains("262144"), "{}", r.detail());
    let almost = vec![b' '; 256 * 1024 + 1];
    app.send(raw(
        &cust,
        Method::POST,
        TICKETS,
        &almost,
        Some("application/json"),
    ))
    .await
    .problem(413, None);

    // Not JSON by content type: 415, whatever the body.
    let body = incident().to_string();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonx"),
        Some("application/problem+json"),
    ] {
        let r = app
            .send(raw(&cust, Method::POST, TICKETS, body.as_bytes(), ct))
            .await
            .problem(415, None);
        assert!(r.detail().contains("application/json"), "{}", r.detail());
    }
    // Parameters and case of the media type are fine.
    for ct in ["application/json; charset=utf-8", "Application/JSON"] {
        app.send(raw(&cust, Method::POST, TICKETS, body.as_bytes(), Some(ct)))
            .await
            .expect(201);
    }
    // The other bodies, each with a wrong field.
    for (auth, path, body, status, field) in [
        (
            &admin,
            "/api/v1/organizations".to_string(),
            json!({ "name": 7 }),
            400,
            Some("name"),
        ),
        (
            &admin,
            "/api/v1/organizations".to_string(),
            json!({ "name": " " }),
            422,
            Some("name"),
        ),
        (
            &admin,
            "/api/v1/organizations".to_string(),
            json!({ "name": "Klant A" }),
            409,
            Some("name"),
        ),
        (
            &admin,
            "/api/v1/organizations".to_string(),
            json!({}),
            400,
            None,
        ),
        (
            &admin,
            "/api/v1/people".to_string(),
            json!({ "email": "x@y.nl", "name": "X", "role": "root" }),
            400,
            Some("role"),
        ),
        (
            &admin,
            format!("/api/v1/people/{}/role", w.a.viewer.id),
            json!({ "role": "owner" }),
            400,
            Some("role"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/status", w.a.ticket),
            json!({ "status": "done" }),
            400,
            Some("status"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/status", w.a.ticket),
            json!({ "status": "open", "reason": 5 }),
            400,
            Some("reason"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/priority", w.a.ticket),
            json!({ "priority": "p1", "reason": "x" }),
            400,
            Some("priority"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/assignment", w.a.ticket),
            json!({ "assignee_id": "agent" }),
            400,
            Some("assignee_id"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/assignment", w.a.ticket),
            json!({ "assignee_id": 987_654 }),
            422,
            Some("assignee_id"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/comments", w.a.ticket),
            json!({ "body": "  " }),
            422,
            Some("body"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/comments", w.a.ticket),
            json!({ "body": "x", "internal": "yes" }),
            400,
            Some("internal"),
        ),
        (
            &agent,
            format!("/api/v1/tickets/{}/comments", w.a.ticket),
            json!({ "text": "x" }),
            400,
            None,
        ),
        (
            &Auth::None,
            "/api/v1/session".to_string(),
            json!({ "email": "x@y.nl" }),
            400,
            None,
        ),
        (
            &Auth::None,
            "/api/v1/session".to_string(),
            json!({ "email": ["x"], "password": "y" }),
            400,
            Some("email"),
        ),
    ] {
        let r = app.post(auth, &path, body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{path} {body}: {}", r.json);
        if field.is_some() {
            r.problem(status, field);
        }
    }
    // Nothing was half-written: no ticket, no event, no person, no organization.
    let after = app.all_ticket_ids(&admin, "").await;
    assert_eq!(
        after.len(),
        before.len() + 3,
        "three valid tickets were filed"
    );
    assert_eq!(
        app.get(&admin, &format!("/api/v1/tickets/{}/events", w.a.ticket))
            .await
            .json,
        events_before
    );
    assert_eq!(
        app.get(&admin, "/api/v1/organizations")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        app.get(&admin, "/api/v1/people")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(7)
    );
}

/// Text the databases may not store (NUL) or that is very long does not make a 500.
pub async fn input_awkward_text(app: App) {
    let w = app.world().await;
    let cust = w.a.admin.session();
    let admin = w.admin.bearer();
    let agent = w.agent.bearer();
    let before = app.all_ticket_ids(&cust, "").await.len();
    let t = w.a.ticket;
    let events_before = app.get(&agent, &format!("{TICKETS}/{t}/events")).await.json;
    // U+0000 cannot be stored by PostgreSQL: refused as a 400 naming the field on both
    // databases, wherever text goes in.
    let nul = "nul\u{0}byte";
    let org = format!("/api/v1/organizations/{}/agreements", w.a.id);
    let cases: Vec<(&Auth, String, serde_json::Value, &str)> = vec![
        (
            &cust,
            TICKETS.into(),
            json!({ "kind": "question", "subject": nul }),
            "subject",
        ),
        (
            &cust,
            TICKETS.into(),
            json!({ "kind": "question", "subject": "\u{0}" }),
            "subject",
        ),
        (
            &cust,
            TICKETS.into(),
            json!({ "kind": "question", "subject": "ok", "description": nul }),
            "description",
        ),
        (
            &agent,
            format!("{TICKETS}/{t}/comments"),
            json!({ "body": nul }),
            "body",
        ),
        (
            &agent,
            format!("{TICKETS}/{t}/comments"),
            json!({ "body": nul, "internal": true }),
            "body",
        ),
        (
            &agent,
            format!("{TICKETS}/{t}/priority"),
            json!({ "priority": "high", "reason": nul }),
            "reason",
        ),
        (
            &agent,
            format!("{TICKETS}/{t}/status"),
            json!({ "status": "open", "reason": nul }),
            "reason",
        ),
        (
            &admin,
            "/api/v1/organizations".into(),
            json!({ "name": nul }),
            "name",
        ),
        (
            &admin,
            "/api/v1/people".into(),
            json!({ "email": "nul\u{0}@klant-a.example", "name": "N", "role": "customer_viewer", "organization_id": w.a.id }),
            "email",
        ),
        (
            &admin,
            "/api/v1/people".into(),
            json!({ "email": "nul@klant-a.example", "name": nul, "role": "customer_viewer", "organization_id": w.a.id }),
            "name",
        ),
        (
            &admin,
            "/api/v1/people".into(),
            json!({ "email": "nul@klant-a.example", "name": "N", "role": "customer_viewer", "organization_id": w.a.id, "password": "twaalf-tekens\u{0}" }),
            "password",
        ),
        (
            &admin,
            org.clone(),
            json!({ "name": nul, "effective_from": "2026-01-01T00:00:00Z" }),
            "name",
        ),
        (
            &admin,
            org.clone(),
            json!({ "name": "x", "policy": "name = \"a\u{0}\"", "effective_from": "2026-01-01T00:00:00Z" }),
            "policy",
        ),
        (
            &admin,
            org.clone(),
            json!({ "name": "x", "document_ref": nul, "effective_from": "2026-01-01T00:00:00Z" }),
            "document_ref",
        ),
        (
            &cust,
            "/api/v1/tokens".into(),
            json!({ "name": nul }),
            "name",
        ),
        (
            &Auth::None,
            "/api/v1/session".into(),
            json!({ "email": "nul\u{0}@klant-a.example", "password": "x" }),
            "email",
        ),
        (
            &Auth::None,
            "/api/v1/session".into(),
            json!({ "email": w.a.admin.email, "password": w.a.admin.password.clone() + "\u{0}" }),
            "password",
        ),
    ];
    for (auth, path, body, field) in cases {
        let r = app
            .post(auth, &path, body.clone())
            .await
            .problem(400, Some(field));
        assert!(
            r.detail().contains("U+0000"),
            "{path} {body}: {}",
            r.detail()
        );
    }
    for query in ["q=%00", "q=a%00b", "cursor=n1%00"] {
        app.get(&cust, &format!("{TICKETS}?order=newest&{query}"))
            .await
            .problem(400, Some(query.split('=').next().unwrap_or_default()));
    }
    // Written as an escaped backslash it is only text.
    let r = app
        .post(
            &cust,
            TICKETS,
            json!({ "kind": "question", "subject": "pad C:\\u0000\\x" }),
        )
        .await
        .expect(201);
    assert_eq!(r.json["subject"], "pad C:\\u0000\\x");
    // Nothing was written by the refusals.
    assert_eq!(app.all_ticket_ids(&cust, "").await.len(), before + 1);
    assert_eq!(
        app.get(&agent, &format!("{TICKETS}/{t}/events")).await.json,
        events_before
    );
    assert_eq!(
        app.get(&admin, "/api/v1/organizations")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        app.get(&admin, "/api/v1/people")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(7)
    );
    assert_eq!(
        app.get(&admin, &org).await.json.as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get(&cust, "/api/v1/tokens")
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // A password longer than any account's is refused before it is hashed (naming it).
    app.post(
        &Auth::None,
        "/api/v1/session",
        json!({ "email": w.a.admin.email, "password": "p".repeat(100_000) }),
    )
    .await
    .problem(400, Some("password"));
    // Search text with SQL in it is only text.
    let backslash = r.id();
    for (q, expected) in [
        ("'%20OR%201=1--", vec![]),
        ("%27)%3B", vec![]),
        ("%22%3B%20DROP%20TABLE%20tickets", vec![]),
        ("%5C", vec![backslash]),
        ("C:%5Cu0000%5C", vec![backslash]),
    ] {
        let r = app
            .get(&cust, &format!("/api/v1/tickets?order=newest&q={q}"))
            .await
            .expect(200);
        let ids: Vec<i64> = crate::harness::items(&r)
            .iter()
            .map(|t| t["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(ids, expected, "{q}");
    }
    // Search text is limited like every other text.
    app.get(&cust, &format!("/api/v1/tickets?q={}", "x".repeat(200)))
        .await
        .expect(200);
    app.get(&cust, &format!("/api/v1/tickets?q={}", "x".repeat(201)))
        .await
        .problem(400, Some("q"));
}

fn is_route_miss(r: &Resp) -> bool {
    r.status.as_u16() == 404 && r.detail() == "route not found"
}

/// Ids in paths that are not positive 64-bit numbers are 404, never 400 or 500; unknown
/// routes and methods are problems too.
pub async fn input_bad_paths(app: App) {
    let w = app.world().await;
    let admin = w.admin.bearer();
    for id in [
        "abc",
        "-1",
        "0",
        "1.5",
        "1e3",
        "-0",
        "%20",
        "99999999999999999999",
        "9223372036854775807",
        "0x10",
        "１",
    ] {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/tickets/{id}"), None),
            (Method::GET, format!("/api/v1/tickets/{id}/events"), None),
            (
                Method::POST,
                format!("/api/v1/tickets/{id}/comments"),
                Some(json!({ "body": "x" })),
            ),
            (
                Method::POST,
                format!("/api/v1/tickets/{id}/status"),
                Some(json!({ "status": "open" })),
            ),
            (Method::GET, format!("/api/v1/organizations/{id}"), None),
            (
                Method::GET,
                format!("/api/v1/organizations/{id}/agreements"),
                None,
            ),
            (Method::GET, format!("/api/v1/people/{id}"), None),
            (
                Method::POST,
                format!("/api/v1/people/{id}/role"),
                Some(json!({ "role": "agent" })),
            ),
            (Method::DELETE, format!("/api/v1/tokens/{id}"), None),
        ] {
            let path = path.replace('１', "%EF%BC%91");
            let mut req = Req::new(method.clone(), &path).auth(&admin);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let r = app.send(req).await.problem(404, None);
            assert!(!r.detail().is_empty(), "{method} {path}");
        }
    }
    // Routes that do not exist, and methods a route does not have.
    for path in [
        "/api/v1/ticket",
        "/api/v2/tickets",
        "/api/v1/tickets/1/nope",
        "/beheer",
    ] {
        let r = app.get(&admin, path).await.problem(404, None);
        assert!(is_route_miss(&r), "{path}: {}", r.json);
    }
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/tickets", "GET,HEAD,POST"),
        (Method::DELETE, "/api/v1/tickets/1", "GET,HEAD"),
        (Method::PATCH, "/api/v1/people/1", "GET,HEAD"),
        (Method::GET, "/api/v1/session", "POST,DELETE"),
        (Method::POST, "/healthz", "GET,HEAD"),
    ] {
        let r = app
            .send(Req::new(method, path).auth(&admin))
            .await
            .problem(405, None);
        assert_eq!(r.json["title"], "Method Not Allowed");
        assert_eq!(
            r.headers.get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{path}"
        );
    }
}
