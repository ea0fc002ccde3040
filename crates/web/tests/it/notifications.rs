//! Notifications of ticket events (SLA-RULES §10): filing confirms to the reporter and tells
//! the desk's on-duty list; public replies, waiting, resolved, reopened and priority changes
//! mail the reporter and the assignee but never the one who acted; internal notes and
//! assignments mail no one; each mail is in its reader's language, threaded on the ticket,
//! marked auto-generated, with an escaped HTML part; another customer never gets a mail.
//! One notification is delivered end to end through a real SMTP server.

use desk::mail::run_outbox_once;
use serde_json::json;
use store::{OutboxMail, PersonId};

use crate::harness::App;
use crate::meeting_mails::drain;
use crate::pagekit::Browser;

/// The extra headers of a queued mail.
fn headers(m: &OutboxMail) -> serde_json::Value {
    m.headers
        .as_deref()
        .map(|h| serde_json::from_str(h).expect("headers are JSON"))
        .unwrap_or(serde_json::Value::Null)
}

/// The one mail to `to` among `mails`.
#[track_caller]
fn to<'a>(mails: &'a [OutboxMail], to: &str) -> &'a OutboxMail {
    let found: Vec<&OutboxMail> = mails
        .iter()
        .filter(|m| m.to_address.eq_ignore_ascii_case(to))
        .collect();
    assert_eq!(found.len(), 1, "one mail to {to} in {mails:#?}");
    found[0]
}

/// The addresses mailed, sorted.
fn addresses(mails: &[OutboxMail]) -> Vec<String> {
    let mut v: Vec<String> = mails.iter().map(|m| m.to_address.to_lowercase()).collect();
    v.sort();
    v
}

pub async fn notify_ticket_events(app: App) {
    let w = app.world().await;
    // The world's two filings confirmed each reporter, each of its own customer.
    let first = drain(&app).await;
    assert_eq!(
        addresses(&first),
        vec!["jan.beheer@klant-a.example", "jan.beheer@klant-b.example"]
    );
    for m in &first {
        let t = if m.to_address.contains("klant-a") {
            w.a.ticket
        } else {
            w.b.ticket
        };
        assert_eq!(
            m.ticket_id,
            Some(t),
            "a mail names its own customer's ticket"
        );
    }
    // The agent is on duty and reads Dutch.
    app.state
        .store
        .set_on_duty(PersonId(w.agent.id), true)
        .await
        .expect("on duty");
    app.state
        .store
        .set_lang(PersonId(w.agent.id), "nl")
        .await
        .expect("lang");

    let cust = w.a.admin.bearer();
    let r = app
        .post(
            &cust,
            "/api/v1/tickets",
            json!({ "kind": "incident", "priority": "high",
                    "subject": "<b>Scherm</b> & \"zwart\"", "description": "Alles zwart" }),
        )
        .await
        .expect(201);
    let t = r.id();
    let mails = drain(&app).await;
    assert_eq!(
        addresses(&mails),
        vec!["a.agent@loket.example", "jan.beheer@klant-a.example"]
    );
    let confirm = to(&mails, "jan.beheer@klant-a.example");
    assert_eq!(confirm.ticket_id, Some(t));
    assert_eq!(
        confirm.subject,
        format!("[#{t}] Received: <b>Scherm</b> & \"zwart\"")
    );
    let root = format!("<loket.ticket.{t}@loket.localhost>");
    assert_eq!(confirm.message_id.as_deref(), Some(root.as_str()));
    assert!(
        confirm.body_text.starts_with("Dear "),
        "{}",
        confirm.body_text
    );
    assert!(confirm.body_text.contains("High"), "{}", confirm.body_text);
    assert!(
        confirm.body_text.contains("clock started") && confirm.body_text.contains("target"),
        "the clock start and due times: {}",
        confirm.body_text
    );
    assert!(
        confirm
            .body_text
            .contains(&format!("http://localhost:8080/tickets/{t}")),
        "{}",
        confirm.body_text
    );
    let html = confirm.body_html.as_deref().expect("html");
    assert!(
        html.contains("&lt;b&gt;Scherm&lt;/b&gt; &amp; &quot;zwart&quot;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<b>Scherm"), "{html}");
    let h = headers(confirm);
    assert_eq!(h["Auto-Submitted"], "auto-generated");
    assert_eq!(h["X-Auto-Response-Suppress"], "All");
    assert!(
        h.get("In-Reply-To").is_none(),
        "the confirmation starts the thread"
    );
    let desk_copy = to(&mails, "a.agent@loket.example");
    assert_eq!(
        desk_copy.subject,
        format!("[#{t}] Nieuw ticket: <b>Scherm</b> & \"zwart\"")
    );
    assert!(
        desk_copy.body_text.contains("Klant A"),
        "{}",
        desk_copy.body_text
    );
    assert!(
        desk_copy.body_text.starts_with("Beste "),
        "{}",
        desk_copy.body_text
    );
    assert_eq!(headers(desk_copy)["In-Reply-To"], root.as_str());

    // An internal note and an assignment mail no one.
    let agent = w.agent.bearer();
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Geheim: oude driver", "internal": true }),
    )
    .await
    .expect(200);
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/assignment"),
        json!({ "assignee_id": w.agent.id }),
    )
    .await
    .expect(200);
    assert!(
        drain(&app).await.is_empty(),
        "no mail for a note or an assignment"
    );

    // A public reply by the assignee mails the reporter only, threaded, with the text.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Probeer <script>herstart</script>", "internal": false }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["jan.beheer@klant-a.example"]);
    let reply = &mails[0];
    assert_eq!(
        reply.subject,
        format!("[#{t}] Reply: <b>Scherm</b> & \"zwart\"")
    );
    assert!(
        reply
            .body_text
            .contains("Probeer <script>herstart</script>")
    );
    let html = reply.body_html.as_deref().expect("html");
    assert!(
        html.contains("Probeer &lt;script&gt;herstart&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    let h = headers(reply);
    assert_eq!(h["In-Reply-To"], root.as_str());
    assert_eq!(h["References"], root.as_str());
    // A reply is optional for the reporter: one click turns replies off (RFC 8058).
    let unsubscribe = h["List-Unsubscribe"].as_str().expect("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<http://localhost:8080/unsubscribe/"),
        "{unsubscribe}"
    );
    assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    assert_ne!(reply.message_id.as_deref(), Some(root.as_str()));

    // The manager changes the priority: reporter and assignee hear it, with the reason.
    app.post(
        &w.manager.bearer(),
        &format!("/api/v1/tickets/{t}/priority"),
        json!({ "priority": "urgent", "reason": "Hele afdeling ligt stil" }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(
        addresses(&mails),
        vec!["a.agent@loket.example", "jan.beheer@klant-a.example"]
    );
    let en = to(&mails, "jan.beheer@klant-a.example");
    assert!(en.subject.contains("Priority changed"), "{}", en.subject);
    assert!(
        en.body_text.contains("from High to Urgent") && en.body_text.contains("Hele afdeling"),
        "{}",
        en.body_text
    );
    let nl = to(&mails, "a.agent@loket.example");
    assert!(
        nl.subject.contains("Prioriteit gewijzigd"),
        "{}",
        nl.subject
    );

    // Waiting on the customer: the reporter is asked.
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/status"),
        json!({ "status": "waiting_on_customer", "reason": "Welke versie?" }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["jan.beheer@klant-a.example"]);
    assert!(mails[0].subject.contains("Waiting for you"));
    assert!(mails[0].body_text.contains("Reason: Welke versie?"));

    // The customer answers: the assignee hears it, in Dutch.
    app.post(
        &cust,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "Versie 12", "internal": false }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["a.agent@loket.example"]);
    assert!(
        mails[0].subject.contains("Antwoord"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].body_text.contains("Versie 12"));

    // Resolved: the reporter gets the links to close or reopen (behind sign-in).
    app.post(
        &agent,
        &format!("/api/v1/tickets/{t}/status"),
        json!({ "status": "resolved", "reason": "Driver vervangen" }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["jan.beheer@klant-a.example"]);
    let resolved = &mails[0];
    assert!(resolved.subject.contains("Resolved"));
    assert!(
        resolved
            .body_text
            .contains(&format!("Reopen: http://localhost:8080/tickets/{t}#reopen")),
        "{}",
        resolved.body_text
    );
    assert!(
        resolved
            .body_text
            .contains(&format!("Close: http://localhost:8080/tickets/{t}#close"))
    );

    // Reopened by the customer: the assignee hears it.
    app.post(
        &cust,
        &format!("/api/v1/tickets/{t}/status"),
        json!({ "status": "reopened", "reason": "Weer zwart" }),
    )
    .await
    .expect(200);
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["a.agent@loket.example"]);
    assert!(
        mails[0].subject.contains("Heropend"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].body_text.contains("Reden: Weer zwart"));

    // Every mail of the ticket went to people of customer A or the desk.
    let b_mails = drain(&app).await;
    assert!(b_mails.is_empty());
}

pub async fn notify_a_failed_write_queues_nothing(app: App) {
    let w = app.world().await;
    drain(&app).await;
    // A refused action (a viewer reopening) stores no event and queues no mail.
    app.post(
        &w.a.viewer.bearer(),
        &format!("/api/v1/tickets/{}/comments", w.a.ticket),
        json!({ "body": "Mag dit?", "internal": false }),
    )
    .await
    .problem(403, None);
    // A customer cannot see, and so not be mailed about, another customer's ticket.
    app.post(
        &w.b.admin.bearer(),
        &format!("/api/v1/tickets/{}/comments", w.a.ticket),
        json!({ "body": "Hallo", "internal": false }),
    )
    .await
    .problem(404, None);
    assert!(drain(&app).await.is_empty());
}

pub async fn notify_delivered_over_smtp(app: App) {
    let Some((addr, dir)) = crate::mail::smtp_server_for_tests() else {
        return;
    };
    let w = app.world().await;
    drain(&app).await;
    let tag = crate::mail::tag_for_tests(&app);
    let reporter = app
        .person(
            &w.admin.session(),
            &format!("rep-{tag}@klant-a.example"),
            "customer_admin",
            Some(w.a.id),
        )
        .await;
    let t = app
        .post(
            &reporter.bearer(),
            "/api/v1/tickets",
            json!({ "kind": "incident", "priority": "normal", "subject": "Traag <scherm>" }),
        )
        .await
        .expect(201)
        .id();
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/tickets/{t}/comments"),
        json!({ "body": "We kijken <ernaar>", "internal": false }),
    )
    .await
    .expect(200);
    let sender = crate::mail::sender_from(&addr, "Servicedesk <servicedesk@loket.localhost>");
    let stats = run_outbox_once(&app.state.store, &sender, "notify", app.state.now_ms())
        .await
        .expect("outbox");
    assert_eq!(stats.sent, 2, "{stats:?}");
    let got = crate::mail::received_raw(&dir, &tag, 2).await;
    assert_eq!(got.len(), 2);
    let reply = got
        .iter()
        .find(|m| m.contains("Reply"))
        .expect("the reply arrived");
    let root = format!("<loket.ticket.{t}@loket.localhost>");
    assert!(reply.contains("multipart/alternative"), "{reply}");
    assert!(reply.contains("text/html"), "{reply}");
    assert!(reply.contains("Auto-Submitted: auto-generated"), "{reply}");
    assert!(reply.contains("X-Auto-Response-Suppress: All"), "{reply}");
    assert!(reply.contains(&format!("In-Reply-To: {root}")), "{reply}");
    assert!(reply.contains(&format!("References: {root}")), "{reply}");
    assert!(
        reply.contains(&format!("Subject: [#{t}] Reply:")),
        "{reply}"
    );
    assert!(
        reply.contains("&lt;ernaar&gt;"),
        "escaped HTML part: {reply}"
    );
    // VERP: the envelope sender names the outbox mail.
    let mail_from = reply
        .lines()
        .find_map(|l| l.strip_prefix("X-MailFrom: "))
        .expect("envelope sender")
        .trim()
        .to_string();
    let id: i64 = mail_from
        .strip_prefix("bounce+")
        .and_then(|r| r.strip_suffix("@loket.localhost"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("VERP sender: {mail_from}"));
    let row = app
        .state
        .store
        .get_mail(store::MailId(id))
        .await
        .expect("the bounce address names an outbox row");
    assert_eq!(row.ticket_id, Some(t));
    assert!(row.subject.contains("Reply"));
}

pub async fn notify_on_duty_list_and_failing_address(app: App) {
    let w = app.world().await;
    drain(&app).await;
    let mail = |id: i64| format!("/api/v1/people/{id}/mail");
    // Only an administrator keeps the list, and only of the service desk's staff.
    crate::meetings::put(
        &app,
        &w.agent.bearer(),
        &mail(w.agent.id),
        json!({ "on_duty": true }),
    )
    .await
    .problem(403, None);
    crate::meetings::put(
        &app,
        &w.admin.bearer(),
        &mail(w.a.viewer.id),
        json!({ "on_duty": true }),
    )
    .await
    .problem(422, Some("on_duty"));
    let r = crate::meetings::put(
        &app,
        &w.admin.bearer(),
        &mail(w.manager.id),
        json!({ "on_duty": true }),
    )
    .await
    .expect(200);
    assert_eq!(r.json["on_duty"], true);
    assert!(r.json["failing_since"].is_null());
    let r = app
        .get(&w.manager.bearer(), &mail(w.manager.id))
        .await
        .expect(200);
    assert_eq!(r.json["on_duty"], true);
    // Another customer's person is a 404.
    app.get(&w.b.admin.bearer(), &mail(w.a.viewer.id))
        .await
        .problem(404, None);

    // A new ticket goes to the one on duty.
    app.file(
        &w.a.admin.bearer(),
        json!({ "kind": "question", "subject": "Licenties" }),
    )
    .await;
    let mails = drain(&app).await;
    assert_eq!(
        addresses(&mails),
        vec!["jan.beheer@klant-a.example", "m.manager@loket.example"]
    );

    // The administrator takes the manager off duty on the people page (nl and en).
    let admin = Browser::of(&app, &w.admin);
    let page = admin.get("/admin/people").await.expect(200);
    let mark = page.element("span", &format!("on-duty-{}", w.manager.id));
    assert!(
        mark.contains("on duty") || mark.contains("dienstdoend"),
        "{mark}"
    );
    let r = admin
        .submit(
            "/admin/people",
            &format!("/admin/people/{}/on-duty", w.manager.id),
            &[("on_duty", "0")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text());
    app.file(
        &w.a.admin.bearer(),
        json!({ "kind": "question", "subject": "Nog meer licenties" }),
    )
    .await;
    let mails = drain(&app).await;
    assert_eq!(addresses(&mails), vec!["jan.beheer@klant-a.example"]);

    // A bounced address shows on the person's row and in the API, in the reader's language.
    app.state
        .store
        .record_bounce(
            &w.a.viewer.email,
            "550 5.1.1 user unknown",
            app.state.now_ms(),
        )
        .await
        .expect("bounce");
    let r = app
        .get(&w.a.admin.bearer(), &mail(w.a.viewer.id))
        .await
        .expect(200);
    assert_eq!(r.json["failing_since"], "2026-11-23T09:00:00Z");
    assert_eq!(r.json["bounce_reason"], "550 5.1.1 user unknown");
    let customer_page = format!("/admin/customers/{}", w.a.id);
    for (lang, words) in [
        (
            "en",
            "Mail to this address bounces since Mon 23 Nov 2026 10:00: 550 5.1.1 user unknown",
        ),
        (
            "nl",
            "Mail naar dit adres komt terug sinds ma 23 nov 2026 10:00: 550 5.1.1 user unknown",
        ),
    ] {
        app.state
            .store
            .set_lang(PersonId(w.admin.id), lang)
            .await
            .expect("lang");
        let page = admin.get(&customer_page).await.expect(200);
        page.has(words);
        page.element("span", &format!("failing-{}", w.a.viewer.id));
    }
    // Cleared: the mark is gone.
    app.state
        .store
        .clear_address_failing(&w.a.viewer.email)
        .await
        .expect("clear");
    admin
        .get(&customer_page)
        .await
        .expect(200)
        .lacks("Mail naar dit adres komt terug");
}
