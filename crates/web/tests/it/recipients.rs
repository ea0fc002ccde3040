//! Who gets which notification (SLA-RULES §10, issue #11 points 2, 3 and 11): people copied
//! on a ticket (also when filing, by API and by form, with files), the service desk's
//! followers, the customer's administrators who follow their colleagues' tickets, each
//! person's preferences (events off, a daily digest sent once at 08:00 Amsterdam), the
//! one-click unsubscribe of RFC 8058 that turns off exactly one event, and the isolation of
//! all of it between customers.

use axum::http::Method;
use serde_json::{Value, json};
use store::{OutboxMail, PersonId, Scope, TicketId};

use crate::harness::{App, Auth, Req};
use crate::meeting_mails::drain;
use crate::pagekit::{Browser, Part};
use crate::world::Actor;

/// The extra headers of a queued mail.
fn headers(m: &OutboxMail) -> Value {
    m.headers
        .as_deref()
        .map(|h| serde_json::from_str(h).expect("headers are JSON"))
        .unwrap_or(Value::Null)
}

/// The addresses mailed, lower case, sorted.
fn addresses(mails: &[OutboxMail]) -> Vec<String> {
    let mut v: Vec<String> = mails.iter().map(|m| m.to_address.to_lowercase()).collect();
    v.sort();
    v
}

/// The one mail to `to`.
#[track_caller]
fn to<'a>(mails: &'a [OutboxMail], to: &str) -> &'a OutboxMail {
    let found: Vec<&OutboxMail> = mails
        .iter()
        .filter(|m| m.to_address.eq_ignore_ascii_case(to))
        .collect();
    assert_eq!(found.len(), 1, "one mail to {to} in {mails:#?}");
    found[0]
}

async fn put(app: &App, auth: &Auth, path: &str, body: Value) -> crate::harness::Resp {
    app.send(Req::new(Method::PUT, path).auth(auth).json(&body))
        .await
}

/// Preferences with every event on, single mails.
fn all_on(colleagues: bool, delivery: &str) -> Value {
    json!({
        "events": { "received": true, "reply": true, "waiting": true, "resolved": true,
                    "reopened": true, "priority": true },
        "delivery": delivery,
        "colleagues": colleagues,
    })
}

/// A second administrator of customer A, who follows her colleagues' tickets.
async fn colleague(app: &App, admin: &Actor, org: i64) -> Actor {
    let c = app
        .person(
            &admin.session(),
            "piet.collega@klant-a.example",
            "customer_admin",
            Some(org),
        )
        .await;
    put(
        app,
        &c.bearer(),
        "/api/v1/me/notifications",
        all_on(true, "each"),
    )
    .await
    .expect(200);
    c
}

pub async fn recipients_by_role_and_preference(app: App) {
    let w = app.world().await;
    let piet = colleague(&app, &w.admin, w.a.id).await;
    drain(&app).await;
    let cust = w.a.admin.bearer();
    let agent = w.agent.bearer();

    // Filing copies the viewer: the reporter's receipt is not optional (no List-Unsubscribe);
    // the copy and the colleague's are, each with its own one-click address.
    let t = app
        .file(
            &cust,
            json!({ "kind": "question", "subject": "Licenties", "cc": ["V.Kijker@klant-a.example"] }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    let mails = drain(&app).await;
    assert_eq!(
        addresses(&mails),
        vec![
            "jan.beheer@klant-a.example",
            "piet.collega@klant-a.example",
            "v.kijker@klant-a.example"
        ]
    );
    let receipt = headers(to(&mails, "jan.beheer@klant-a.example"));
    assert!(receipt.get("List-Unsubscribe").is_none(), "{receipt}");
    for who in ["piet.collega@klant-a.example", "v.kijker@klant-a.example"] {
        let h = headers(to(&mails, who));
        let u = h["List-Unsubscribe"].as_str().expect("List-Unsubscribe");
        assert!(
            u.starts_with("<http://localhost:8080/unsubscribe/") && u.ends_with('>'),
            "{u}"
        );
        assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
        assert!(h.get("X-Loket-Digest-For").is_none(), "never sent");
    }
    let cc = app
        .get(&w.a.viewer.bearer(), &format!("/api/v1/tickets/{t}/cc"))
        .await
        .expect(200);
    assert_eq!(cc.json[0]["email"], "v.kijker@klant-a.example");

    // The manager follows; the ticket is assigned to the agent (no mail).
    let f = put(
        &app,
        &w.manager.bearer(),
        &format!("/api/v1/tickets/{t}/following"),
        json!(null),
    )
    .await
    .expect(200);
    assert_eq!(f.json[0]["id"].as_i64(), Some(w.manager.id));
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/assignment"),
        json!({ "assignee_id": w.agent.id }),
    )
    .await
    .expect(200);
    assert!(drain(&app).await.is_empty());

    // An internal note reaches no one: not the copied, not the follower.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Intern: licentieserver", "internal": true }),
    )
    .await
    .expect(200);
    assert!(drain(&app).await.is_empty(), "internal notes stay inside");

    // The assignee's public reply: reporter, follower, copied and colleague; not the actor.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Zie de handleiding", "internal": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec![
            "jan.beheer@klant-a.example",
            "m.manager@loket.example",
            "piet.collega@klant-a.example",
            "v.kijker@klant-a.example"
        ]
    );

    // The reporter answers: the assignee and the follower hear it, and the copied reader.
    app.post(
        &cust,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Dank", "internal": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec![
            "a.agent@loket.example",
            "m.manager@loket.example",
            "piet.collega@klant-a.example",
            "v.kijker@klant-a.example"
        ]
    );

    // The viewer turns replies off, the manager stops following, the colleague gives up
    // her colleagues' tickets: the next reply reaches the reporter only.
    let mut prefs = all_on(false, "each");
    prefs["events"]["reply"] = json!(false);
    let r = put(
        &app,
        &w.a.viewer.bearer(),
        "/api/v1/me/notifications",
        prefs,
    )
    .await
    .expect(200);
    assert_eq!(r.json["events"]["reply"], false);
    assert_eq!(r.json["events"]["waiting"], true);
    app.delete(
        &w.manager.bearer(),
        &format!("/api/v1/tickets/{t}/following"),
    )
    .await
    .expect(200);
    put(
        &app,
        &piet.bearer(),
        "/api/v1/me/notifications",
        all_on(false, "each"),
    )
    .await
    .expect(200);
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Nog iets", "internal": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example"]
    );
    // Waiting is still on for the viewer.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/status"),
        json!({ "status": "waiting_on_customer", "reason": "Welk contract?" }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example", "v.kijker@klant-a.example"]
    );
}

pub async fn recipients_bad_input_and_isolation(app: App) {
    let w = app.world().await;
    let cust = w.a.admin.bearer();
    let t = w.a.ticket;
    let path = format!("/api/v1/tickets/{t}/cc");

    // Preferences: a wrong delivery and an unknown field name the field; only a customer
    // administrator may follow colleagues.
    let mut p = all_on(false, "weekly");
    put(&app, &cust, "/api/v1/me/notifications", p.clone())
        .await
        .problem(400, Some("delivery"));
    p["delivery"] = json!("each");
    p["events"]["lunch"] = json!(true);
    let r = put(&app, &cust, "/api/v1/me/notifications", p)
        .await
        .expect(400);
    let field = r.json["errors"][0]["field"].as_str().unwrap_or_default();
    assert!(field.starts_with("events"), "names the field: {}", r.json);
    put(
        &app,
        &w.agent.bearer(),
        "/api/v1/me/notifications",
        all_on(true, "each"),
    )
    .await
    .problem(422, Some("colleagues"));
    let mine = app
        .get(&w.agent.bearer(), "/api/v1/me/notifications")
        .await
        .expect(200);
    assert_eq!(mine.json, all_on(false, "each"), "defaults, unchanged");

    // CC: not an address; another customer's person (same words as an unknown address).
    put(&app, &cust, &path, json!({ "cc": ["geen adres"] }))
        .await
        .problem(422, Some("cc"));
    let other = put(
        &app,
        &cust,
        &path,
        json!({ "cc": ["jan.beheer@klant-b.example"] }),
    )
    .await
    .problem(422, Some("cc"));
    let unknown = put(
        &app,
        &cust,
        &path,
        json!({ "cc": ["niemand@klant-b.example"] }),
    )
    .await
    .problem(422, Some("cc"));
    assert_eq!(
        other.field_message().replace("jan.beheer", "X"),
        unknown.field_message().replace("niemand", "X"),
        "no hint whether the address exists elsewhere"
    );
    // Filing with a bad copy files nothing.
    let before = app.all_ticket_ids(&cust, "").await.len();
    app.post(
        &cust,
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "X", "cc": ["jan.beheer@klant-b.example"] }),
    )
    .await
    .problem(422, Some("cc"));
    assert_eq!(app.all_ticket_ids(&cust, "").await.len(), before);

    // Another customer cannot read or change the copies, nor follow; viewers read only;
    // customers do not follow.
    let b = w.b.admin.bearer();
    app.get(&b, &path).await.problem(404, None);
    put(&app, &b, &path, json!({ "cc": [] }))
        .await
        .problem(404, None);
    put(
        &app,
        &w.a.viewer.bearer(),
        &path,
        json!({ "cc": ["v.kijker@klant-a.example"] }),
    )
    .await
    .expect(403);
    put(
        &app,
        &cust,
        &format!("/api/v1/tickets/{t}/following"),
        json!(null),
    )
    .await
    .expect(403);
    app.get(&b, &format!("/api/v1/tickets/{t}/followers"))
        .await
        .expect(403);
    let none = app
        .get(&w.agent.bearer(), &format!("/api/v1/tickets/{t}/followers"))
        .await
        .expect(200);
    assert_eq!(none.json, json!([]));
    // The customer's own administrator may, and the desk too.
    put(
        &app,
        &cust,
        &path,
        json!({ "cc": ["v.kijker@klant-a.example"] }),
    )
    .await
    .expect(200);
    let r = put(&app, &w.agent.bearer(), &path, json!({ "cc": [] }))
        .await
        .expect(200);
    assert_eq!(r.json, json!([]));
}

pub async fn recipients_one_click_unsubscribe(app: App) {
    let w = app.world().await;
    drain(&app).await;
    let t = w.a.ticket;
    put(
        &app,
        &w.a.admin.bearer(),
        &format!("/api/v1/tickets/{t}/cc"),
        json!({ "cc": ["v.kijker@klant-a.example"] }),
    )
    .await
    .expect(200);
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Opgelost?", "internal": false }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    let m = to(&mails, "v.kijker@klant-a.example");
    let u = headers(m)["List-Unsubscribe"]
        .as_str()
        .expect("header")
        .to_string();
    let path = u
        .trim_start_matches("<http://localhost:8080")
        .trim_end_matches('>')
        .to_string();
    assert!(
        path.starts_with("/unsubscribe/") && path.len() > 40,
        "{path}"
    );
    assert!(m.body_text.contains(&u[1..u.len() - 1]), "{}", m.body_text);

    // The GET only asks (in the person's language), changing nothing.
    let anyone = Browser::with_cookie(&app, "");
    anyone
        .get(&path)
        .await
        .expect(200)
        .has("Stop mails about \"A public reply\" to v.kijker@klant-a.example?");
    let prefs = app
        .get(&w.a.viewer.bearer(), "/api/v1/me/notifications")
        .await
        .expect(200);
    assert_eq!(prefs.json["events"]["reply"], true);

    // The one-click POST (no session, as a mail program sends it) turns off replies only.
    anyone
        .send(
            Method::POST,
            &path,
            Some((
                "application/x-www-form-urlencoded",
                b"List-Unsubscribe=One-Click".to_vec(),
            )),
        )
        .await
        .expect(200)
        .has("no longer gets mails about \"A public reply\"");
    let prefs = app
        .get(&w.a.viewer.bearer(), "/api/v1/me/notifications")
        .await
        .expect(200);
    let mut expected = all_on(false, "each");
    expected["events"]["reply"] = json!(false);
    assert_eq!(prefs.json, expected);
    // Twice is harmless; an unknown token is a 404.
    anyone.send(Method::POST, &path, None).await.expect(200);
    anyone
        .get("/unsubscribe/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
        .await
        .expect(404);
    anyone.get("/unsubscribe/..%2F..").await.expect(404);

    // Replies no longer reach the viewer; a status change still does.
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Nog een", "internal": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example"]
    );
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/status"),
        json!({ "status": "resolved", "reason": "Klaar" }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example", "v.kijker@klant-a.example"]
    );
}

pub async fn recipients_daily_digest_once(app: App) {
    let w = app.world().await;
    drain(&app).await;
    let t = w.a.ticket;
    put(
        &app,
        &w.a.viewer.bearer(),
        "/api/v1/me/notifications",
        all_on(false, "digest"),
    )
    .await
    .expect(200);
    put(
        &app,
        &w.a.admin.bearer(),
        &format!("/api/v1/tickets/{t}/cc"),
        json!({ "cc": ["v.kijker@klant-a.example"] }),
    )
    .await
    .expect(200);
    // Monday 10:00: a reply. The viewer's copy waits for the digest; the reporter's goes.
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Eerste antwoord", "internal": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example"]
    );
    // Monday's digest hour has passed before the reply: nothing today.
    assert_eq!(app.state.send_digests().await.expect("run").mails, 0);
    // Tuesday 07:59 in Amsterdam: not yet.
    app.set_time("2026-11-24T06:59:00Z");
    assert_eq!(app.state.send_digests().await.expect("run").mails, 0);
    assert!(drain(&app).await.is_empty());
    // 08:00: one digest, with the reply in it.
    app.set_time("2026-11-24T07:00:00Z");
    let run = app
        .state
        .digests_under_lease("instance-1", std::time::Duration::from_secs(600))
        .await
        .expect("run");
    assert_eq!(run.map(|r| r.mails), Some(1));
    // A second instance waits for the lease; without it (as if the lease had run out) the
    // day's digest is still queued once.
    let other = app.with_config(web::Config::default());
    assert!(
        other
            .state
            .digests_under_lease("instance-2", std::time::Duration::from_secs(600))
            .await
            .expect("run")
            .is_none()
    );
    assert_eq!(other.state.send_digests().await.expect("run").mails, 0);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["v.kijker@klant-a.example"]);
    let d = &mails[0];
    assert!(d.subject.contains("2026-11-24"), "{}", d.subject);
    assert!(d.body_text.contains("Eerste antwoord"), "{}", d.body_text);
    assert!(
        d.body_text
            .contains("http://localhost:8080/settings/notifications"),
        "{}",
        d.body_text
    );
    // Later that day: one more event waits for Wednesday.
    app.set_time("2026-11-24T09:00:00Z");
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Tweede antwoord", "internal": false }),
    )
    .await
    .expect(200);
    drain(&app).await;
    assert_eq!(app.state.send_digests().await.expect("run").mails, 0);
    app.set_time("2026-11-25T07:30:00Z");
    assert_eq!(app.state.send_digests().await.expect("run").mails, 1);
    let mails = drain(&app).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body_text.contains("Tweede antwoord"));
    assert!(!mails[0].body_text.contains("Eerste antwoord"));
    assert!(
        app.state
            .store
            .digest_sent(PersonId(w.a.viewer.id), "2026-11-25")
            .await
            .expect("sent")
    );
}

/// A file as base64 (standard alphabet, with padding).
fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub async fn recipients_filing_with_cc_and_files(app: App) {
    let w = app.world().await;
    drain(&app).await;
    let cust = w.a.admin.bearer();

    // The API: copies and two files, one transaction.
    let r = app
        .post(
            &cust,
            "/api/v1/tickets",
            json!({ "kind": "incident", "priority": "high", "subject": "Scherm zwart",
                    "cc": ["v.kijker@klant-a.example"],
                    "attachments": [
                        { "file_name": "log.txt", "content_type": "text/plain",
                          "data": base64(b"regel 1\nregel 2\n") },
                        { "file_name": "../../etc/foto.png", "content_type": "image/png",
                          "data": base64(&[0x89, b'P', b'N', b'G']) }
                    ] }),
        )
        .await
        .expect(201);
    let t = r.id();
    let files = app
        .state
        .store
        .attachments(&Scope::System, TicketId(t))
        .await
        .expect("files");
    let mut names: Vec<(String, i64)> = files
        .iter()
        .map(|a| (a.file_name.clone(), a.size))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![("foto.png".to_string(), 4), ("log.txt".to_string(), 16)]
    );
    assert!(
        files.iter().all(|a| a.event_id.is_some()),
        "with the filing"
    );
    let events = app
        .state
        .store
        .ticket_events(&Scope::System, TicketId(t))
        .await
        .expect("events");
    assert_eq!(files[0].event_id, Some(events[0].id));
    assert_eq!(
        addresses(&drain(&app).await),
        vec!["jan.beheer@klant-a.example", "v.kijker@klant-a.example"]
    );
    // Bad base64 and too many files name their field; nothing is filed.
    let before = app.all_ticket_ids(&cust, "").await.len();
    app.post(
        &cust,
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "X",
                "attachments": [{ "file_name": "a", "data": "!!!" }] }),
    )
    .await
    .problem(422, Some("attachments[0].data"));
    let many: Vec<Value> = (0..11)
        .map(|i| json!({ "file_name": format!("f{i}"), "data": "YQ==" }))
        .collect();
    app.post(
        &cust,
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "X", "attachments": many }),
    )
    .await
    .problem(422, Some("attachments"));
    assert_eq!(app.all_ticket_ids(&cust, "").await.len(), before);

    // The portal form, multipart: a copy and a file.
    let browser = Browser::of(&app, &w.a.admin);
    let csrf = browser.get("/portal/new").await.expect(200).csrf();
    let page = browser
        .post_multipart(
            "/portal/tickets",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("kind", "question"),
                Part::Text("subject", "Formulier met bijlage"),
                Part::Text("description", "Zie bijlage"),
                Part::Text("cc", "v.kijker@klant-a.example"),
                Part::File {
                    name: "file",
                    file_name: "schets.txt",
                    content_type: "text/plain",
                    data: b"schets",
                },
            ],
        )
        .await
        .expect(303);
    let loc = page.redirect();
    let id: i64 = loc
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("ticket id");
    let files = app
        .state
        .store
        .attachments(&Scope::System, TicketId(id))
        .await
        .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name, "schets.txt");
    let cc = app.state.store.ticket_cc(TicketId(id)).await.expect("cc");
    assert_eq!(cc.len(), 1);
    assert_eq!(cc[0].email, "v.kijker@klant-a.example");
    browser
        .get(&format!("/tickets/{id}"))
        .await
        .expect(200)
        .has("schets.txt")
        .has("v.kijker@klant-a.example");

    // A copy of another customer's person: the form again, the message at the field.
    let before = app.all_ticket_ids(&cust, "").await.len();
    let again = browser
        .post_multipart(
            "/portal/tickets",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("kind", "question"),
                Part::Text("subject", "Verkeerde kopie"),
                Part::Text("cc", "jan.beheer@klant-b.example"),
            ],
        )
        .await
        .expect(422);
    again
        .has("Copies go only to people of this customer with an account")
        .has("jan.beheer@klant-b.example")
        .has_html("id=\"cc-error\"");
    // A file over 10 MiB: the form again, nothing filed.
    let big = vec![b'x'; store::MAX_ATTACHMENT_BYTES + 1];
    browser
        .post_multipart(
            "/portal/tickets",
            &[
                Part::Text("csrf", &csrf),
                Part::Text("kind", "question"),
                Part::Text("subject", "Te groot"),
                Part::File {
                    name: "file",
                    file_name: "groot.bin",
                    content_type: "application/octet-stream",
                    data: &big,
                },
            ],
        )
        .await
        .expect(422)
        .has("larger than 10 MB")
        .has_html("id=\"file-error\"");
    assert_eq!(app.all_ticket_ids(&cust, "").await.len(), before);
}

pub async fn recipients_pages(app: App) {
    let w = app.world().await;
    // The preferences page: the defaults, saved choices, and the colleagues box only for a
    // customer administrator.
    let admin = Browser::of(&app, &w.a.admin).html_only();
    let page = admin.get("/settings/notifications").await.expect(200);
    page.has_html("id=\"event-reply\" name=\"event.reply\" value=\"on\" checked")
        .has_html("id=\"colleagues\"")
        .has_html("href=\"/settings/notifications\"");
    let csrf = page.csrf();
    admin
        .post(
            "/settings/notifications",
            &[
                ("csrf", csrf.as_str()),
                ("event.received", "on"),
                ("event.waiting", "on"),
                ("event.resolved", "on"),
                ("event.reopened", "on"),
                ("event.priority", "on"),
                ("delivery", "digest"),
                ("colleagues", "on"),
            ],
        )
        .await
        .expect(303);
    let prefs = app
        .get(&w.a.admin.bearer(), "/api/v1/me/notifications")
        .await
        .expect(200);
    let mut expected = all_on(true, "digest");
    expected["events"]["reply"] = json!(false);
    assert_eq!(prefs.json, expected);
    admin
        .get("/settings/notifications?saved=1")
        .await
        .expect(200)
        .has("Your choices are saved.")
        .has_html("id=\"delivery-digest\" name=\"delivery\" value=\"digest\" checked");
    // Without the token nothing changes; without a delivery the form comes back.
    admin
        .post("/settings/notifications", &[("delivery", "each")])
        .await
        .expect(403);
    admin
        .post("/settings/notifications", &[("csrf", csrf.as_str())])
        .await
        .expect(422)
        .has("Choose how the mails reach you.");
    // The agent has no colleagues box; sending one anyway is refused in the form.
    let agent = Browser::of(&app, &w.agent).html_only();
    let page = agent.get("/settings/notifications").await.expect(200);
    page.lacks_html("id=\"colleagues\"");
    let csrf = page.csrf();
    agent
        .post(
            "/settings/notifications",
            &[
                ("csrf", csrf.as_str()),
                ("delivery", "each"),
                ("colleagues", "on"),
            ],
        )
        .await
        .expect(422)
        .has("Only a customer's administrators can follow");

    // The ticket page: the agent follows and unfollows; the customer edits the copies.
    let t = w.a.ticket;
    agent
        .submit(
            &format!("/tickets/{t}"),
            &format!("/tickets/{t}/follow"),
            &[("follow", "on")],
        )
        .await
        .expect(303);
    assert_eq!(
        app.state
            .store
            .followers(TicketId(t))
            .await
            .expect("followers")
            .len(),
        1
    );
    agent
        .get(&format!("/tickets/{t}"))
        .await
        .expect(200)
        .has("Stop following");
    agent
        .submit(
            &format!("/tickets/{t}"),
            &format!("/tickets/{t}/follow"),
            &[("follow", "off")],
        )
        .await
        .expect(303);
    assert!(
        app.state
            .store
            .followers(TicketId(t))
            .await
            .expect("f")
            .is_empty()
    );
    admin
        .submit(
            &format!("/tickets/{t}"),
            &format!("/tickets/{t}/cc"),
            &[("cc", "v.kijker@klant-a.example")],
        )
        .await
        .expect(303);
    admin
        .submit(
            &format!("/tickets/{t}"),
            &format!("/tickets/{t}/cc"),
            &[("cc", "jan.beheer@klant-b.example")],
        )
        .await
        .expect(422)
        .has("Copies go only to people of this customer with an account")
        .has_html("id=\"cc-error\"");
    let cc = app.state.store.ticket_cc(TicketId(t)).await.expect("cc");
    assert_eq!(
        cc.len(),
        1,
        "the refused change left the copies as they were"
    );
    // Another customer's administrator cannot change them through the page either.
    let other = Browser::of(&app, &w.b.admin).html_only();
    let csrf = other.get("/portal").await.expect(200).csrf();
    other
        .post(
            &format!("/tickets/{t}/cc"),
            &[("csrf", csrf.as_str()), ("cc", "")],
        )
        .await
        .expect(404);
    assert_eq!(
        app.state
            .store
            .ticket_cc(TicketId(t))
            .await
            .expect("cc")
            .len(),
        1
    );
}
