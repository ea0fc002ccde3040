//! Mails of timed and other events (SLA-RULES §10) and the loop rule of mail intake (§3):
//! a ticket at risk and a missed target mail the assignee or, unassigned, the on-duty list,
//! once per ticket, bound and deadline, also with two runs at once, never while resolved or
//! paused; a published report mails the customer's administrators; an RFC's assessment is a
//! public answer that stops its response clock and is mailed to the reporter and the
//! customer's administrators; a ticket gets at most one automatic answer by mail intake.

use desk::inbound::{Ingested, Received, Settings, Source};
use serde_json::{Value, json};
use store::{OutboxMail, PersonId, Scope, TicketId};
use testkit::clock::at;

use crate::harness::App;
use crate::meeting_mails::drain;
use crate::pagekit::Browser;

/// The extra headers of a queued mail.
fn headers(m: &OutboxMail) -> Value {
    m.headers
        .as_deref()
        .map(|h| serde_json::from_str(h).expect("headers are JSON"))
        .unwrap_or(Value::Null)
}

/// (address, subject) of each mail, sorted.
fn sent(mails: &[OutboxMail]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.to_address.to_lowercase(), m.subject.clone()))
        .collect();
    v.sort();
    v
}

/// The deadline of a ticket's target `bound`, as the API gives it.
fn deadline(t: &Value, bound: usize) -> String {
    t["sla"]["targets"][bound]["deadline"]
        .as_str()
        .expect("deadline")
        .to_string()
}

/// An instant `secs` seconds from an RFC 3339 one, in RFC 3339.
fn shift(s: &str, secs: i64) -> String {
    (at(s) + jiff::SignedDuration::from_secs(secs)).to_string()
}

/// One run of the alerts: (at risk, missed, mails).
async fn run(app: &App) -> (usize, usize, usize) {
    let r = app.state.send_alerts().await.expect("alerts");
    (r.at_risk, r.missed, r.mails)
}

pub async fn alerts_at_risk_and_missed_once(app: App) {
    let w = app.world().await;
    let agent = w.agent.bearer();
    // The agent is on duty and reads Dutch; the manager (English) gets what is assigned.
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
    // Customer B's agreement pauses the clock while the desk waits for the customer.
    app.post(
        &w.admin.session(),
        &format!("/api/v1/organizations/{}/agreements", w.b.id),
        json!({ "name": "Pauze bij wachten", "effective_from": "2026-11-23T09:00:00Z",
                "policy": "[clock]\npause_statuses = [\"waiting_on_customer\"]" }),
    )
    .await
    .expect(201);
    let urgent = |s: &str| json!({ "kind": "incident", "priority": "urgent", "subject": s });
    let a = w.a.admin.session();
    let open = app.file(&a, urgent("Kassa ligt eruit")).await;
    let assigned = app.file(&a, urgent("Betalingen hangen")).await;
    let resolved = app.file(&a, urgent("Inloggen traag")).await;
    let paused = app
        .file(&w.b.admin.session(), urgent("Koppeling weg"))
        .await;
    let id = |t: &Value| t["id"].as_i64().expect("id");
    app.post(
        &agent,
        &format!("/api/v1/tickets/{}/assignment", id(&assigned)),
        json!({ "assignee_id": w.manager.id }),
    )
    .await
    .expect(200);
    app.post(
        &agent,
        &format!("/api/v1/tickets/{}/status", id(&resolved)),
        json!({ "status": "resolved", "reason": "Opgelost" }),
    )
    .await
    .expect(200);
    let waiting = app
        .post(
            &agent,
            &format!("/api/v1/tickets/{}/status", id(&paused)),
            json!({ "status": "waiting_on_customer" }),
        )
        .await
        .expect(200);
    assert_eq!(waiting.json["sla"]["paused"], true);
    drain(&app).await;

    // Filed at 10:00 Amsterdam: the 90% bound at 14:00, the 100% bound at 16:00.
    let d0 = deadline(&open, 0);
    let d1 = deadline(&open, 1);
    assert_eq!(d0, "2026-11-23T13:00:00Z");
    assert_eq!(d1, "2026-11-23T15:00:00Z");
    assert_eq!(run(&app).await, (0, 0, 0), "nothing near yet");

    // Two business hours before the first deadline (and not a second earlier) it is at risk.
    app.set_time(&shift(&d0, -2 * 3600 - 1));
    assert_eq!(run(&app).await, (0, 0, 0), "not a second early");
    app.set_time(&shift(&d0, -2 * 3600 + 60));
    assert_eq!(run(&app).await, (2, 0, 2));
    let mails = drain(&app).await;
    let open_id = id(&open);
    let assigned_id = id(&assigned);
    assert_eq!(
        sent(&mails),
        vec![
            (
                "a.agent@loket.example".to_string(),
                format!("[#{open_id}] In gevaar: Kassa ligt eruit")
            ),
            (
                "m.manager@loket.example".to_string(),
                format!("[#{assigned_id}] At risk: Betalingen hangen")
            ),
        ]
    );
    let to_agent = mails
        .iter()
        .find(|m| m.to_address == "a.agent@loket.example")
        .expect("agent");
    assert!(
        to_agent.body_text.contains("Klant A"),
        "{}",
        to_agent.body_text
    );
    assert!(to_agent.body_text.contains("90%"), "{}", to_agent.body_text);
    assert!(
        to_agent.body_text.contains("14:00"),
        "{}",
        to_agent.body_text
    );
    assert!(
        to_agent.body_text.contains(&format!("/tickets/{open_id}")),
        "{}",
        to_agent.body_text
    );
    assert!(
        to_agent
            .body_html
            .as_deref()
            .is_some_and(|h| h.contains("lang=\"nl\""))
    );
    assert_eq!(to_agent.ticket_id, Some(open_id));
    let h = headers(to_agent);
    assert_eq!(h["Auto-Submitted"], "auto-generated");
    assert_eq!(
        h["In-Reply-To"],
        format!("<loket.ticket.{open_id}@loket.localhost>")
    );
    // A second run, and the lease: one instance works, the other waits. Targets alerted
    // already are no longer among those due, so they never crowd out the ones still due.
    let now = app.state.clock.now();
    let day = jiff::SignedDuration::from_hours(24);
    let due = app
        .state
        .store
        .targets_due(now - day, now + day, now, 1000)
        .await
        .expect("due");
    assert!(
        due.iter()
            .all(|d| !(d.bound == 0 && [open_id, assigned_id].contains(&d.ticket_id.0))),
        "the alerted targets are not due again: {due:?}"
    );
    assert!(
        due.iter().any(|d| d.bound == 1 && d.ticket_id.0 == open_id),
        "the next bound is still due: {due:?}"
    );
    assert_eq!(run(&app).await, (0, 0, 0));
    assert!(
        app.state
            .alerts_under_lease("one", std::time::Duration::from_secs(240))
            .await
            .expect("lease")
            .is_some()
    );
    assert!(
        app.state
            .alerts_under_lease("two", std::time::Duration::from_secs(240))
            .await
            .expect("lease")
            .is_none()
    );
    assert!(drain(&app).await.is_empty());

    // The first deadline passes: it is missed, and the second comes within the window. Two
    // runs at the same moment send each once.
    app.set_time(&shift(&d0, 60));
    let (x, y) = tokio::join!(app.state.send_alerts(), app.state.send_alerts());
    let (x, y) = (x.expect("run"), y.expect("run"));
    assert_eq!((x.at_risk + y.at_risk, x.missed + y.missed), (2, 2));
    let mails = drain(&app).await;
    assert_eq!(mails.len(), 4);
    let mut ids: Vec<&str> = mails
        .iter()
        .map(|m| m.message_id.as_deref().expect("message id"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each mail its own Message-ID");
    assert!(mails.iter().any(|m| m.subject
        == format!("[#{open_id}] Doel gemist: Kassa ligt eruit")
        && m.body_text.contains("90%")));
    assert!(
        mails
            .iter()
            .any(|m| m.subject == format!("[#{assigned_id}] Target missed: Betalingen hangen"))
    );
    assert_eq!(run(&app).await, (0, 0, 0));

    // Resolved and paused tickets were never alerted.
    for t in [&resolved, &paused] {
        assert!(
            app.state
                .ticket_alerts(TicketId(id(t)))
                .await
                .expect("alerts")
                .is_empty()
        );
    }
    let kinds: Vec<(String, i64)> = app
        .state
        .ticket_alerts(TicketId(open_id))
        .await
        .expect("alerts")
        .into_iter()
        .map(|(k, b, _)| (k, b))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("at_risk".to_string(), 0),
            ("missed".to_string(), 0),
            ("at_risk".to_string(), 1)
        ]
    );
    // A moved deadline is a new alert: the open ticket goes to High, its first bound now
    // Tuesday 10:00 Amsterdam.
    let resolve = |t: i64| {
        let path = format!("/api/v1/tickets/{t}/status");
        let (app, agent) = (app.clone(), agent.clone());
        async move {
            app.post(&agent, &path, json!({ "status": "resolved" }))
                .await
        }
    };
    resolve(assigned_id).await.expect(200);
    let moved = app
        .post(
            &agent,
            &format!("/api/v1/tickets/{open_id}/priority"),
            json!({ "priority": "high", "reason": "Kassa werkt weer gedeeltelijk" }),
        )
        .await
        .expect(200)
        .json;
    assert_eq!(deadline(&moved, 0), "2026-11-24T09:00:00Z");
    drain(&app).await;
    app.set_time(&shift(&deadline(&moved, 0), -3600));
    assert_eq!(run(&app).await, (1, 0, 1));
    let mails = drain(&app).await;
    assert_eq!(
        sent(&mails),
        vec![(
            "a.agent@loket.example".to_string(),
            format!("[#{open_id}] In gevaar: Kassa ligt eruit")
        )]
    );
    // Resolved: its deadlines pass unmailed (the world's two Normal incidents, due at the
    // same moment, are missed and mailed).
    resolve(open_id).await.expect(200);
    drain(&app).await;
    app.set_time(&shift(&deadline(&moved, 1), 60));
    assert_eq!(run(&app).await, (0, 2, 2));
    let mails = drain(&app).await;
    let about: Vec<Option<i64>> = mails.iter().map(|m| m.ticket_id).collect();
    assert!(about.contains(&Some(w.a.ticket)) && about.contains(&Some(w.b.ticket)));
    assert_eq!(
        app.state
            .ticket_alerts(TicketId(open_id))
            .await
            .expect("alerts")
            .len(),
        4,
        "at risk, missed, at risk (second bound), at risk (moved first bound)"
    );
}

pub async fn report_published_mails_the_administrators(app: App) {
    let w = app.world().await;
    app.state
        .store
        .set_lang(PersonId(w.a.admin.id), "nl")
        .await
        .expect("lang");
    let second = app
        .person(
            &w.admin.session(),
            "piet.beheer@klant-a.example",
            "customer_admin",
            Some(w.a.id),
        )
        .await;
    drain(&app).await;
    let manager = w.manager.bearer();
    app.post(
        &manager,
        "/api/v1/reports/2026-10/publication",
        json!({ "organization": w.a.id }),
    )
    .await
    .expect(201);
    let mails = drain(&app).await;
    assert_eq!(
        sent(&mails),
        vec![
            (
                "jan.beheer@klant-a.example".to_string(),
                "Servicerapport 2026-10 gepubliceerd".to_string()
            ),
            (
                second.email.to_lowercase(),
                "Service report 2026-10 published".to_string()
            ),
        ],
        "the administrators of A only, not its viewer, not B"
    );
    for m in &mails {
        assert!(
            m.body_text
                .contains("http://localhost:8080/reports/2026-10"),
            "{}",
            m.body_text
        );
        assert!(m.body_text.contains("Klant A"));
        assert_eq!(headers(m)["Auto-Submitted"], "auto-generated");
        assert!(
            m.body_html
                .as_deref()
                .is_some_and(|h| h.contains("/reports/2026-10"))
        );
    }
    // Published once: again is a conflict and mails no one.
    app.post(
        &manager,
        "/api/v1/reports/2026-10/publication",
        json!({ "organization": w.a.id }),
    )
    .await
    .problem(409, Some("month"));
    // The report of all customers mails no customer.
    app.post(&manager, "/api/v1/reports/2026-10/publication", json!({}))
        .await
        .expect(201);
    assert!(drain(&app).await.is_empty());
}

/// A valid assessment body.
fn assessment() -> Value {
    json!({
        "decision": "will_do",
        "design": "https://docs.example/ontwerp-csv",
        "impact_functionality": "Een knop Exporteren op de lijst.",
        "impact_security": "Geen: alleen eigen gegevens.",
        "cost": "subsequent_calculation",
        "estimate_hours": 12,
        "planned_release": "2027.1"
    })
}

pub async fn assessment_of_an_rfc(app: App) {
    let w = app.world().await;
    let second = app
        .person(
            &w.admin.session(),
            "piet.beheer@klant-a.example",
            "customer_admin",
            Some(w.a.id),
        )
        .await;
    app.state
        .store
        .set_lang(PersonId(second.id), "nl")
        .await
        .expect("lang");
    let rfc = app
        .file(
            &w.a.admin.session(),
            json!({ "kind": "rfc", "subject": "Export naar CSV" }),
        )
        .await;
    let id = rfc["id"].as_i64().expect("id");
    assert_eq!(rfc["sla"]["targets"][0]["outcome"], "running");
    drain(&app).await;
    let path = format!("/api/v1/tickets/{id}/assessment");
    let agent = w.agent.bearer();

    // None yet; customers do not assess; only an RFC is assessed.
    app.get(&w.a.admin.bearer(), &path).await.problem(404, None);
    app.post(&w.a.admin.bearer(), &path, assessment())
        .await
        .problem(403, None);
    app.post(&w.a.viewer.bearer(), &path, assessment())
        .await
        .problem(403, None);
    app.post(
        &agent,
        &format!("/api/v1/tickets/{}/assessment", w.a.ticket),
        assessment(),
    )
    .await
    .problem(409, Some("kind"));
    // Another customer's RFC does not exist for B.
    app.get(&w.b.admin.bearer(), &path).await.problem(404, None);
    app.post(&w.b.admin.bearer(), &path, assessment())
        .await
        .problem(404, None);

    // The rules, each naming its field.
    let with = |k: &str, v: Value| {
        let mut b = assessment();
        b[k] = v;
        b
    };
    let mut quote_without_amount = assessment();
    quote_without_amount["cost"] = json!("quote");
    let refusals = [
        (with("estimate_hours", Value::Null), "estimate_hours"),
        (with("estimate_hours", json!(0)), "estimate_hours"),
        (with("estimate_cents", json!(0)), "estimate_cents"),
        (with("amount_cents", json!(-1)), "amount_cents"),
        (quote_without_amount, "amount_cents"),
        (with("impact_security", json!("  ")), "impact_security"),
        (
            with("impact_functionality", json!("")),
            "impact_functionality",
        ),
    ];
    for (body, field) in refusals {
        app.post(&agent, &path, body)
            .await
            .problem(422, Some(field));
    }
    app.post(
        &agent,
        &path,
        with("impact_functionality", json!("x".repeat(4001))),
    )
    .await
    .problem(400, Some("impact_functionality"));
    app.post(&agent, &path, with("decision", json!("misschien")))
        .await
        .expect(400);
    assert!(drain(&app).await.is_empty(), "a refusal mails no one");
    app.get(&w.a.admin.bearer(), &path).await.problem(404, None);

    let r = app.post(&agent, &path, assessment()).await.expect(200);
    assert_eq!(r.json["decision"], "will_do");
    assert_eq!(r.json["cost"], "subsequent_calculation");
    assert_eq!(r.json["estimate_hours"], 12);
    assert_eq!(r.json["ticket_id"], id);
    assert_eq!(r.json["assessed_by"], w.agent.id);
    // It is the RFC's answer: the response clock stopped, met.
    let t = app
        .get(&agent, &format!("/api/v1/tickets/{id}"))
        .await
        .expect(200);
    assert_eq!(t.json["sla"]["targets"][0]["outcome"], "met");
    assert_eq!(t.json["status"], "open");
    // Mailed to the reporter and the other administrator, each in their language.
    let mails = drain(&app).await;
    assert_eq!(
        sent(&mails),
        vec![
            (
                "jan.beheer@klant-a.example".to_string(),
                format!("[#{id}] Assessment: Export naar CSV")
            ),
            (
                "piet.beheer@klant-a.example".to_string(),
                format!("[#{id}] Beoordeling: Export naar CSV")
            ),
        ]
    );
    let en = mails
        .iter()
        .find(|m| m.to_address.starts_with("jan"))
        .expect("en");
    assert!(
        en.body_text.contains("Will be implemented"),
        "{}",
        en.body_text
    );
    assert!(
        en.body_text.contains("estimate 12 hours"),
        "{}",
        en.body_text
    );
    assert!(en.body_text.contains("2027.1"));
    let nl = mails
        .iter()
        .find(|m| m.to_address.starts_with("piet"))
        .expect("nl");
    assert!(
        nl.body_text.contains("Wordt uitgevoerd"),
        "{}",
        nl.body_text
    );
    assert_eq!(headers(nl)["Auto-Submitted"], "auto-generated");
    assert_eq!(nl.ticket_id, Some(id));

    // The customer reads it; B still does not see it.
    let read = app.get(&w.a.admin.bearer(), &path).await.expect(200);
    assert_eq!(read.json["impact_security"], "Geen: alleen eigen gegevens.");
    assert_eq!(read.json["design"], "https://docs.example/ontwerp-csv");
    app.get(&w.b.admin.bearer(), &path).await.problem(404, None);
    // A quote: the latest assessment counts.
    let quote = json!({ "decision": "needs_quote", "impact_functionality": "Groot",
                        "impact_security": "Nieuwe rechten nodig", "cost": "quote",
                        "amount_cents": 125_000 });
    app.post(&agent, &path, quote).await.expect(200);
    let read = app.get(&w.a.viewer.bearer(), &path).await.expect(200);
    assert_eq!(read.json["decision"], "needs_quote");
    assert_eq!(read.json["amount_cents"], 125_000);
    assert_eq!(read.json["design"], "");
    drain(&app).await;

    // The pages: the customer sees the assessment in their language and no form; the desk
    // has the form, and a refused form comes back with the message at its field.
    let customer = Browser::of(&app, &second);
    let page = customer.get(&format!("/tickets/{id}")).await.expect(200);
    page.has("Beoordeling")
        .has("Offerte nodig")
        .has("€ 1250,00");
    page.lacks_html("/assessment\"");
    let desk = Browser::of(&app, &w.agent);
    let ticket_page = format!("/tickets/{id}");
    let page = desk.get(&ticket_page).await.expect(200);
    page.has_html(&format!("action=\"/tickets/{id}/assessment\""));
    let refused = desk
        .submit(
            &ticket_page,
            &format!("/tickets/{id}/assessment"),
            &[
                ("decision", "needs_quote"),
                ("design", ""),
                ("impact_functionality", "Klein"),
                ("impact_security", "Geen"),
                ("cost", "quote"),
                ("amount_euros", "veel"),
                ("planned_release", ""),
            ],
        )
        .await
        .expect(422);
    refused.has("Give the quote's amount in euros (for example 1250,00).");
    refused.has_html("aria-invalid=\"true\" aria-describedby=\"assess-amount-error\"");
    refused.has_html("value=\"veel\"");
    assert!(drain(&app).await.is_empty());
    let done = desk
        .submit(
            &ticket_page,
            &format!("/tickets/{id}/assessment"),
            &[
                ("decision", "will_do"),
                ("design", "DMS-2027-4"),
                ("impact_functionality", "Klein"),
                ("impact_security", "Geen"),
                ("cost", "subsequent_calculation"),
                ("estimate_euros", "1.250,50"),
                ("amount_euros", "99"),
                ("planned_release", "2027.2"),
            ],
        )
        .await;
    assert!(
        done.redirect().ends_with("?notice=assessment"),
        "{}",
        done.redirect()
    );
    let read = app.get(&w.a.admin.bearer(), &path).await.expect(200);
    assert_eq!(read.json["estimate_cents"], 125_050);
    assert_eq!(read.json["amount_cents"], Value::Null);
    assert_eq!(drain(&app).await.len(), 2);
    // No form on a ticket that is not an RFC, not even for the desk.
    desk.get(&format!("/tickets/{}", w.a.ticket))
        .await
        .expect(200)
        .lacks_html("/assessment\"");
}

const AUTH_OK: &str =
    "Authentication-Results: mx.loket.example; dmarc=pass header.from=klant-a.example\r\n";

/// A plain mail from `from` with `Message-ID: <{id}>`.
fn mail(from: &str, id: &str, subject: &str) -> Vec<u8> {
    format!(
        "Received: from mail.klant-a.example by mx.loket.example; Mon, 23 Nov 2026 08:45:00 +0000\r\n\
         {AUTH_OK}From: <{from}>\r\n\
         To: servicedesk@loket.example\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 08:44:00 +0000\r\n\
         Message-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Graag nog even kijken.\r\n"
    )
    .into_bytes()
}

pub async fn inbound_one_automatic_answer_per_ticket(app: App) {
    let w = app.world().await;
    app.state.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: None,
    });
    drain(&app).await;
    let ingest = |raw: Vec<u8>| {
        let app = app.clone();
        async move {
            app.state
                .ingest(
                    &raw,
                    Received {
                        at: None,
                        source: Source::Pipe,
                    },
                )
                .await
                .expect("ingest")
        }
    };
    let viewer = "v.kijker@klant-a.example";
    // A viewer writes into the thread of the ticket filed on the portal, twice: the first
    // refusal is answered, the second not (the ticket had its one automatic answer), though
    // the hourly cap would allow it.
    let subject = format!("Re: [#{}] Printer", w.a.ticket);
    let first = ingest(mail(viewer, "t1@klant-a.example", &subject)).await;
    assert!(matches!(first, Ingested::Refused { .. }), "{first:?}");
    assert_eq!(sent(&drain(&app).await).len(), 1);
    let second = ingest(mail(viewer, "t2@klant-a.example", &subject)).await;
    assert!(matches!(second, Ingested::Refused { .. }), "{second:?}");
    assert!(
        drain(&app).await.is_empty(),
        "one automatic answer per ticket"
    );
    let stored = app
        .state
        .store
        .inbound_mail(&Scope::System, second.mail())
        .await
        .expect("stored");
    assert_eq!(stored.ticket_id, Some(w.a.ticket));
    // Outside that ticket the address still gets its answer (the hourly cap is not reached).
    let other = ingest(mail(viewer, "t3@klant-a.example", "Andere vraag")).await;
    assert!(matches!(other, Ingested::Refused { .. }));
    assert_eq!(drain(&app).await.len(), 1);
    // Another customer's ticket number in the subject is no thread of A's viewer.
    let foreign = format!("Re: [#{}] Printer", w.b.ticket);
    let t4 = ingest(mail(viewer, "t4@klant-a.example", &foreign)).await;
    let stored = app
        .state
        .store
        .inbound_mail(&Scope::System, t4.mail())
        .await
        .expect("stored");
    assert_eq!(stored.ticket_id, None);
    assert_eq!(drain(&app).await.len(), 1, "the third answer of the hour");
    // The hourly cap of three holds as before.
    ingest(mail(viewer, "t5@klant-a.example", "Nog een vraag")).await;
    assert!(drain(&app).await.is_empty());

    // A ticket filed by mail: its receipt is its automatic answer; a refused reply in its
    // thread gets none.
    app.advance(3601);
    let filed = ingest(mail(
        "jan.beheer@klant-a.example",
        "f1@klant-a.example",
        "Scanner stuk",
    ))
    .await;
    let Ingested::Filed { ticket, .. } = filed else {
        panic!("filed: {filed:?}")
    };
    let receipts = drain(&app).await;
    assert!(
        receipts
            .iter()
            .any(|m| m.to_address == "jan.beheer@klant-a.example"),
        "the receipt"
    );
    let reply = ingest(mail(
        viewer,
        "f2@klant-a.example",
        &format!("Re: [#{}] Scanner stuk", ticket.0),
    ))
    .await;
    assert!(matches!(reply, Ingested::Refused { .. }));
    assert!(drain(&app).await.is_empty());
}

/// Base64 of `data`, in lines of 76.
fn base64_lines(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 8);
    let mut line = 0;
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        line += 4;
        if line >= 76 {
            out.push_str("\r\n");
            line = 0;
        }
    }
    out
}

pub async fn inbound_filing_mail_keeps_its_files(app: App) {
    let w = app.world().await;
    app.state.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: None,
    });
    let big = vec![b'x'; store::MAX_ATTACHMENT_BYTES + 1];
    let raw = format!(
        "Received: from mail.klant-a.example by mx.loket.example; Mon, 23 Nov 2026 08:45:00 +0000\r\n\
         {AUTH_OK}From: <jan.beheer@klant-a.example>\r\n\
         To: servicedesk@loket.example\r\n\
         Subject: Foutmelding bij opslaan\r\n\
         Date: Mon, 23 Nov 2026 08:44:00 +0000\r\n\
         Message-ID: <files1@klant-a.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\
         \r\n\
         --b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Zie de bijlagen.\r\n\
         --b\r\n\
         Content-Type: text/plain; name=\"log.txt\"\r\n\
         Content-Disposition: attachment; filename=\"../../etc/log.txt\"\r\n\
         \r\n\
         regel 1\r\n\
         --b\r\n\
         Content-Type: application/octet-stream; name=\"groot.bin\"\r\n\
         Content-Disposition: attachment; filename=\"groot.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {}\r\n\
         --b--\r\n",
        base64_lines(&big)
    );
    let got = app
        .state
        .ingest(
            raw.as_bytes(),
            Received {
                at: None,
                source: Source::Pipe,
            },
        )
        .await
        .expect("ingest");
    let Ingested::Filed { ticket, mail } = got else {
        panic!("filed: {got:?}")
    };
    // The file within the limit is attached to the ticket's first event, in the same
    // transaction as the ticket; the one over it is named in the text and stays in the
    // original message, which the customer may download.
    let files = app
        .state
        .store
        .attachments(&Scope::System, ticket)
        .await
        .expect("files");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].file_name, "log.txt");
    assert_eq!(files[0].content_type, "text/plain");
    let events = app
        .state
        .store
        .ticket_events(&Scope::System, ticket)
        .await
        .expect("events");
    assert_eq!(files[0].event_id, Some(events[0].id));
    let description = events[0].data["description"].as_str().expect("text");
    assert!(description.starts_with("Zie de bijlagen."), "{description}");
    assert!(
        description.contains(&format!(
            "[groot.bin: {} bytes, larger than the {} bytes a file may have; kept in the original mail]",
            big.len(),
            store::MAX_ATTACHMENT_BYTES
        )),
        "{description}"
    );
    let (_, bytes) = app
        .state
        .store
        .attachment_data(&Scope::System, ticket, files[0].id)
        .await
        .expect("bytes");
    assert_eq!(bytes.trim_ascii_end(), b"regel 1");
    let original = app
        .get(
            &w.a.admin.bearer(),
            &format!("/api/v1/mail/{mail}/original"),
        )
        .await
        .expect(200);
    assert_eq!(original.body.as_ref(), raw.as_bytes());
}
