//! Incoming mail (issue #11, points 5–10; SLA-RULES §3 "Tickets by e-mail"): every message
//! is stored before it is parsed and ends in one recorded outcome; a customer's
//! administrator files by mail (authenticated by the own receiving server's
//! `Authentication-Results`, else held for an agent), replies thread onto their ticket, other
//! people are refused politely, automatic mail is stored only, bounces mark the address.
//! Messages are literal RFC 5322 text built here.

use axum::http::Method;
use desk::Caller;
use desk::inbound::{Ingested, Received, Settings, Source};
use serde_json::json;
use sla::{Channel, Priority, Status, TicketKind};
use store::{OutboxMail, Scope, TicketId};
use testkit::clock::{at, ms};

use crate::harness::{App, Auth, Req};
use crate::world::World;

const AUTH_OK: &str =
    "Authentication-Results: mx.loket.example; dmarc=pass header.from=klant-a.example\r\n";

/// A mail from `from` with `Message-ID: <{id}>`, extra header lines `extra` (each ending in
/// CRLF) and a plain-text body.
fn mail(from: &str, id: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "Received: from mail.klant-a.example by mx.loket.example; Mon, 23 Nov 2026 08:45:00 +0000\r\n\
         {extra}From: Jan Beheer <{from}>\r\n\
         To: servicedesk@loket.example\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 08:44:00 +0000\r\n\
         Message-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         {body}\r\n"
    )
    .into_bytes()
}

fn pipe() -> Received {
    Received {
        at: None,
        source: Source::Pipe,
    }
}

async fn setup(app: &App) -> World {
    let w = app.world().await;
    app.state.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: None,
    });
    w
}

async fn ingest(app: &App, raw: &[u8]) -> Ingested {
    app.state.ingest(raw, pipe()).await.expect("ingest")
}

/// The caller signed in as `email`.
pub(crate) async fn caller(app: &App, email: &str) -> Caller {
    let (person, _) = app
        .state
        .store
        .person_for_sign_in(email)
        .await
        .expect("person")
        .expect("known");
    Caller {
        scope: desk::access::scope_of(&person),
        person,
        via_token: false,
    }
}

/// The mails queued since the last call, marked sent so the next call sees only new ones.
async fn queued(app: &App) -> Vec<OutboxMail> {
    let now = app.state.now_ms();
    let mails = app
        .state
        .store
        .claim_mail("peek", now, 1, 500)
        .await
        .expect("outbox");
    for m in &mails {
        app.state
            .store
            .mail_sent(m.id, "peek", now)
            .await
            .expect("sent");
    }
    mails
}

fn ticket_of(i: &Ingested) -> TicketId {
    match i {
        Ingested::Filed { ticket, .. } | Ingested::Commented { ticket, .. } => *ticket,
        other => panic!("expected a ticket, got {other:?}"),
    }
}

/// Store first, parse second: an administrator's authenticated mail files an incident by
/// e-mail whose clock starts at the top `Received:` header (or IMAP INTERNALDATE when
/// given); the same bytes twice are one message; a message stored but not processed (a crash
/// in between) is finished by the next pass and never filed twice.
pub async fn inbound_store_first_files_once(app: App) {
    let w = setup(&app).await;
    let raw = mail(
        "jan.beheer@klant-a.example",
        "m1@klant-a.example",
        "Inloggen lukt niet",
        AUTH_OK,
        "Niemand kan inloggen sinds vanochtend.",
    );
    let first = ingest(&app, &raw).await;
    let id = ticket_of(&first);
    let t = app
        .state
        .store
        .get_ticket(&Scope::System, id)
        .await
        .expect("ticket");
    assert_eq!(t.channel, Channel::Email);
    assert_eq!(t.kind, TicketKind::Incident);
    assert_eq!(t.priority, Some(Priority::Normal));
    assert_eq!(t.org_id.0, w.a.id);
    assert_eq!(t.reporter_id.0, w.a.admin.id);
    assert_eq!(t.received_at, at("2026-11-23T08:45:00Z"));
    assert_eq!(t.subject, "Inloggen lukt niet");

    let again = ingest(&app, &raw).await;
    assert_eq!(again, Ingested::Duplicate { mail: first.mail() });

    // INTERNALDATE wins over the Received header.
    let raw2 = mail(
        "jan.beheer@klant-a.example",
        "m2@klant-a.example",
        "[spoed] Alles ligt eruit",
        AUTH_OK,
        "Niets werkt.",
    );
    let urgent = app
        .state
        .ingest(
            &raw2,
            Received {
                at: Some(ms("2026-11-23T08:50:00Z")),
                source: Source::Imap,
            },
        )
        .await
        .expect("ingest");
    let t2 = app
        .state
        .store
        .get_ticket(&Scope::System, ticket_of(&urgent))
        .await
        .expect("ticket");
    assert_eq!(t2.received_at, at("2026-11-23T08:50:00Z"));
    assert_eq!(t2.priority, Some(Priority::Urgent));

    // A crash after storing: the message is pending until the next pass finishes it.
    let raw3 = mail(
        "jan.beheer@klant-a.example",
        "m3@klant-a.example",
        "[vraag] Hoe exporteer ik?",
        AUTH_OK,
        "Graag uitleg.",
    );
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&raw3)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (stored, new) = app
        .state
        .store
        .store_inbound(&sha, &raw3, "pipe", None, app.state.now_ms())
        .await
        .expect("store");
    assert!(new);
    assert_eq!(
        app.state
            .store
            .inbound_by_outcome(None, 10)
            .await
            .expect("pending")
            .len(),
        1
    );
    assert_eq!(app.state.reprocess_pending().await.expect("reprocess"), 1);
    assert_eq!(app.state.reprocess_pending().await.expect("reprocess"), 0);
    let (outcome, ticket) = app
        .state
        .store
        .inbound_outcome(stored)
        .await
        .expect("outcome")
        .expect("done");
    assert_eq!(outcome, "filed");
    let q = app
        .state
        .store
        .get_ticket(&Scope::System, ticket.expect("ticket"))
        .await
        .expect("ticket");
    assert_eq!(q.kind, TicketKind::Question);
    assert_eq!(q.priority, None);
    assert_eq!(
        ingest(&app, &raw3).await,
        Ingested::Duplicate { mail: stored }
    );
    // Three mails, three tickets by mail: nothing filed twice.
    let by_mail = app
        .state
        .store
        .inbound_by_outcome(Some("filed"), 10)
        .await
        .expect("filed");
    assert_eq!(by_mail.len(), 3);
}

/// Threading: a reply (In-Reply-To of a mail loket received) or the subject tag `[#n]`
/// becomes a comment with its files and without the quoted history; the tag of a ticket
/// the sender may not see files a new ticket instead; a reply to a closed ticket files a new
/// one that names the old.
pub async fn inbound_threading(app: App) {
    let w = setup(&app).await;
    let first = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "t1@klant-a.example",
            "Rapport leeg",
            AUTH_OK,
            "Het rapport is leeg.",
        ),
    )
    .await;
    let ticket = ticket_of(&first);
    let reply = format!(
        "Received: from x by mx.loket.example; Mon, 23 Nov 2026 08:55:00 +0000\r\n{AUTH_OK}\
         From: jan.beheer@klant-a.example\r\nTo: servicedesk@loket.example\r\n\
         Subject: Re: Rapport leeg\r\nMessage-ID: <t2@klant-a.example>\r\n\
         In-Reply-To: <t1@klant-a.example>\r\nReferences: <t1@klant-a.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Hier is een schermafdruk.\r\n\r\nOp ma 23 nov. 2026 om 09:00 schreef Jan:\r\n> Het rapport is leeg.\r\n\
         --b1\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"scherm.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--\r\n"
    );
    let commented = ingest(&app, reply.as_bytes()).await;
    assert_eq!(
        commented,
        Ingested::Commented {
            mail: commented.mail(),
            ticket
        }
    );
    let admin = caller(&app, "jan.beheer@klant-a.example").await;
    let events = app
        .state
        .store
        .ticket_events(&admin.scope, ticket)
        .await
        .expect("events");
    let last = events.last().expect("event");
    assert_eq!(last.data["body"], json!("Hier is een schermafdruk."));
    let files = app
        .state
        .store
        .attachments(&admin.scope, ticket)
        .await
        .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name, "scherm.png");

    // The subject tag of customer B's ticket: not B's to see, so a new ticket for A.
    let other = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "t3@klant-a.example",
            &format!("Vraag over [#{}]", w.b.ticket),
            AUTH_OK,
            "Wat is dit?",
        ),
    )
    .await;
    let new = ticket_of(&other);
    assert!(matches!(other, Ingested::Filed { .. }));
    assert_ne!(new.0, w.b.ticket);
    // The own tag threads.
    let tagged = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "t4@klant-a.example",
            &format!("Aanvulling [#{}]", ticket.0),
            AUTH_OK,
            "Nog een detail.",
        ),
    )
    .await;
    assert!(matches!(tagged, Ingested::Commented { ticket: t, .. } if t == ticket));

    // Close the ticket; a reply files a new ticket that names it.
    app.state
        .store
        .get_ticket(&Scope::System, ticket)
        .await
        .expect("ticket");
    let agent = caller(&app, "a.agent@loket.example").await;
    for to in [Status::Resolved, Status::Closed] {
        app.state
            .act(
                &if to == Status::Closed {
                    admin.clone()
                } else {
                    agent.clone()
                },
                ticket,
                desk::tickets::Action::Status {
                    to,
                    reason: Some("klaar".into()),
                },
            )
            .await
            .expect("status");
    }
    let late = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "t5@klant-a.example",
            "Re: Rapport leeg",
            &format!("{AUTH_OK}In-Reply-To: <t1@klant-a.example>\r\n"),
            "Het is weer leeg.",
        ),
    )
    .await;
    let follow = ticket_of(&late);
    assert!(matches!(late, Ingested::Filed { .. }));
    assert_ne!(follow, ticket);
    let ev = app
        .state
        .store
        .ticket_events(&Scope::System, follow)
        .await
        .expect("events");
    assert_eq!(ev[0].data["follows"], json!(ticket.0));
    assert!(
        ev[0].data["description"]
            .as_str()
            .expect("text")
            .contains(&format!("#{}", ticket.0))
    );
}

/// Who may file (SLA §3): a viewer is refused with a mail in their language naming the
/// administrators; an unknown sender is refused without an answer; an administrator's mail
/// without a passing result of the own server (or with one of another server) is held, and
/// an agent confirms it through the API, filing the ticket then, or refuses it.
pub async fn inbound_who_may_file(app: App) {
    let w = setup(&app).await;
    queued(&app).await;
    // The viewer reads Dutch: the refusal comes in Dutch.
    app.state
        .store
        .set_lang(store::PersonId(w.a.viewer.id), "nl")
        .await
        .expect("lang");
    let viewer = ingest(
        &app,
        &mail(
            "v.kijker@klant-a.example",
            "w1@klant-a.example",
            "Storing",
            AUTH_OK,
            "Het werkt niet.",
        ),
    )
    .await;
    assert!(
        matches!(&viewer, Ingested::Refused { reason, .. } if reason.contains("administrators"))
    );
    let answers = queued(&app).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].to_address, "v.kijker@klant-a.example");
    assert!(answers[0].subject.starts_with("Niet aangemeld"));
    assert!(answers[0].body_text.contains("jan.beheer@klant-a.example"));
    assert!(!answers[0].body_text.contains("klant-b"));

    let unknown = ingest(
        &app,
        &mail(
            "iemand@elders.example",
            "w2@elders.example",
            "Hallo",
            "",
            "Spam?",
        ),
    )
    .await;
    assert!(
        matches!(&unknown, Ingested::Refused { reason, .. } if reason.contains("unknown sender"))
    );
    assert!(queued(&app).await.is_empty());

    // Forged: the From of A's administrator, results of a foreign server.
    let forged = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "w3@evil.example",
            "Zet alles op spoed",
            "Authentication-Results: mx.evil.example; dmarc=pass header.from=klant-a.example\r\n",
            "Vertrouw me.",
        ),
    )
    .await;
    assert!(matches!(forged, Ingested::Held { .. }));
    let held = ingest(
        &app,
        &mail(
            "jan.beheer@klant-a.example",
            "w4@klant-a.example",
            "Van thuis",
            "",
            "Vanaf mijn thuisadres verstuurd.",
        ),
    )
    .await;
    assert!(matches!(held, Ingested::Held { .. }));
    let tickets_before = app.all_ticket_ids(&w.agent.bearer(), "").await.len();

    let list = app
        .get(&w.agent.bearer(), "/api/v1/mail/held")
        .await
        .expect(200);
    let ids: Vec<i64> = list.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![forged.mail(), held.mail()]);
    // Customers do not see the held list.
    app.get(&w.a.admin.bearer(), "/api/v1/mail/held")
        .await
        .problem(403, None);

    let confirmed = app
        .post(
            &w.agent.bearer(),
            &format!("/api/v1/mail/held/{}/confirm", held.mail()),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(confirmed.json["outcome"], json!("filed"));
    let t = confirmed.json["ticket_id"].as_i64().expect("ticket");
    let ticket = app
        .state
        .store
        .get_ticket(&Scope::System, TicketId(t))
        .await
        .expect("ticket");
    assert_eq!(ticket.received_at, at("2026-11-23T08:45:00Z"));
    let refused = app
        .post(
            &w.agent.bearer(),
            &format!("/api/v1/mail/held/{}/refuse", forged.mail()),
            json!({ "reason": "niet van de klant" }),
        )
        .await
        .expect(200);
    assert_eq!(refused.json["outcome"], json!("refused"));
    // A second decision on the same mail is a conflict.
    app.post(
        &w.agent.bearer(),
        &format!("/api/v1/mail/held/{}/confirm", forged.mail()),
        json!({}),
    )
    .await
    .problem(409, Some("mail"));
    assert_eq!(
        app.all_ticket_ids(&w.agent.bearer(), "").await.len(),
        tickets_before + 1
    );
}

/// Automatic mail (Auto-Submitted, Precedence, List-Id, X-Auto-Response-Suppress, X-Loop,
/// null sender, a report, loket's own Message-ID) is stored, never answered, never a
/// ticket; refusals to one address are capped per hour.
pub async fn inbound_automatic_mail_and_answer_cap(app: App) {
    let w = setup(&app).await;
    queued(&app).await;
    let before = app.all_ticket_ids(&w.agent.bearer(), "").await.len();
    let cases = [
        ("a1@klant-a.example", "Auto-Submitted: auto-replied\r\n"),
        ("a2@klant-a.example", "Precedence: bulk\r\n"),
        ("a3@klant-a.example", "List-Id: <news.klant-a.example>\r\n"),
        ("a4@klant-a.example", "X-Auto-Response-Suppress: All\r\n"),
        (
            "a5@klant-a.example",
            "X-Loop: servicedesk@loket.example\r\n",
        ),
        ("a6@klant-a.example", "Return-Path: <>\r\n"),
        ("a7@loket.example", ""),
    ];
    for (id, header) in cases {
        let got = ingest(
            &app,
            &mail(
                "jan.beheer@klant-a.example",
                id,
                "Automatisch antwoord",
                &format!("{AUTH_OK}{header}"),
                "Ik ben afwezig.",
            ),
        )
        .await;
        assert!(matches!(got, Ingested::Automatic { .. }), "{id}: {got:?}");
    }
    let report = format!(
        "{AUTH_OK}From: postmaster@klant-a.example\r\nTo: servicedesk@loket.example\r\n\
         Subject: Delivery Status Notification\r\nMessage-ID: <dsn1@klant-a.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n--r--\r\n"
    );
    assert!(matches!(
        ingest(&app, report.as_bytes()).await,
        Ingested::Automatic { .. }
    ));
    assert_eq!(
        app.all_ticket_ids(&w.agent.bearer(), "").await.len(),
        before
    );
    assert!(queued(&app).await.is_empty());

    // A viewer writing five times in an hour gets three answers.
    for i in 0..5 {
        let got = ingest(
            &app,
            &mail(
                "v.kijker@klant-a.example",
                &format!("cap{i}@klant-a.example"),
                "Storing",
                AUTH_OK,
                "Nog steeds stuk.",
            ),
        )
        .await;
        assert!(matches!(got, Ingested::Refused { .. }));
    }
    assert_eq!(queued(&app).await.len(), 3);
    app.advance(3601);
    ingest(
        &app,
        &mail(
            "v.kijker@klant-a.example",
            "cap9@klant-a.example",
            "Storing",
            AUTH_OK,
            "Een uur later.",
        ),
    )
    .await;
    assert_eq!(queued(&app).await.len(), 1);
}

/// A bounce to `bounce+{outbox id}@{domain}` marks that mail's recipient as failing.
pub async fn inbound_bounce_marks_the_address(app: App) {
    setup(&app).await;
    let id = app
        .state
        .store
        .enqueue_mail(
            &store::NewMail {
                to_address: "weg@klant-a.example".into(),
                subject: "Melding".into(),
                body_text: "x".into(),
            },
            app.state.now_ms(),
        )
        .await
        .expect("queued");
    let dsn = format!(
        "Return-Path: <>\r\nDelivered-To: bounce+{}@loket.example\r\n\
         From: MAILER-DAEMON@klant-a.example\r\nTo: bounce+{}@loket.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@klant-a.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\n550 5.1.1 user unknown\r\n--r--\r\n",
        id.0, id.0
    );
    let got = ingest(&app, dsn.as_bytes()).await;
    assert_eq!(
        got,
        Ingested::Bounce {
            mail: got.mail(),
            address: "weg@klant-a.example".into()
        }
    );
    let status = app
        .state
        .store
        .address_status("weg@klant-a.example")
        .await
        .expect("status")
        .expect("failing");
    assert!(status.failing_since.is_some());
    assert!(status.reason.contains("550"));
}

/// Bad input never panics and never half-files: each message ends in a recorded outcome
/// with a reason.
pub async fn inbound_bad_input_is_recorded(app: App) {
    let w = setup(&app).await;
    let before = app.all_ticket_ids(&w.agent.bearer(), "").await.len();
    let huge_header = format!(
        "{AUTH_OK}From: jan.beheer@klant-a.example\r\nX-Big: {}\r\nSubject: groot\r\n\r\nx\r\n",
        "a".repeat(200_000)
    );
    let mut nested = String::new();
    for i in 0..60 {
        nested.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n"
        ));
    }
    let nested = format!(
        "{AUTH_OK}From: jan.beheer@klant-a.example\r\nSubject: diep\r\nMessage-ID: <n@klant-a.example>\r\n{nested}\r\nbinnenin\r\n"
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"\x00\x01\x02 not a mail".to_vec(), "refused"),
        (Vec::new(), "refused"),
        (
            format!("{AUTH_OK}From: jan.beheer@klant-a.example\r\nSubject: geen id\r\n\r\nx\r\n")
                .into_bytes(),
            "refused",
        ),
        (
            format!(
                "{AUTH_OK}From: jan.beheer@klant-a.example\r\nMessage-ID: <d1@x>\r\nMessage-ID: <d2@x>\r\nSubject: twee\r\n\r\nx\r\n"
            )
            .into_bytes(),
            "refused",
        ),
        (
            b"Message-ID: <nf@x>\r\nSubject: zonder afzender\r\n\r\nx\r\n".to_vec(),
            "refused",
        ),
        (huge_header.into_bytes(), "refused"),
        (nested.into_bytes(), "filed"),
        (
            [
                AUTH_OK.as_bytes(),
                b"From: jan.beheer@klant-a.example\r\nMessage-ID: <8bit@klant-a.example>\r\nSubject: caf\xe9 \xff\r\n\r\nbody \xe9\r\n",
            ]
            .concat(),
            "filed",
        ),
    ];
    for (raw, want) in cases {
        let got = app
            .state
            .ingest(&raw, pipe())
            .await
            .expect("never an error");
        let (outcome, _) = app
            .state
            .store
            .inbound_outcome(got.mail())
            .await
            .expect("outcome")
            .expect("recorded");
        assert_eq!(outcome, want, "{got:?}");
    }
    // The same Message-ID again with other bytes is refused as taken in before.
    let again = ingest(
        &app,
        &[
            AUTH_OK.as_bytes(),
            b"From: jan.beheer@klant-a.example\r\nMessage-ID: <8bit@klant-a.example>\r\nSubject: nogmaals\r\n\r\nx\r\n",
        ]
        .concat(),
    )
    .await;
    assert!(matches!(&again, Ingested::Refused { reason, .. } if reason.contains("before")));
    assert_eq!(
        app.all_ticket_ids(&w.agent.bearer(), "").await.len(),
        before + 2
    );
}

/// The HTTP way in: `POST /api/v1/mail/inbound` with `message/rfc822`, for a token with the
/// inbound secret only; problem+json on a wrong type or an empty body; the original is
/// downloadable by agents and that customer only.
pub async fn inbound_http_endpoint_and_original(app: App) {
    let w = setup(&app).await;
    let raw = mail(
        "jan.beheer@klant-a.example",
        "h1@klant-a.example",
        "Via HTTP",
        AUTH_OK,
        "Per webhook.",
    );
    let secret = "inbound-secret-0123456789";
    let app = app.with_config(web::Config {
        inbound_secret: Some(secret.into()),
        ..app.state.config.clone()
    });
    app.state.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: None,
    });
    app.send(
        Req::new(Method::POST, "/api/v1/mail/inbound")
            .raw(raw.clone(), Some("message/rfc822"))
            .auth(&Auth::Bearer("wrong".into())),
    )
    .await
    .problem(401, None);
    let wrong_type = app
        .send(
            Req::new(Method::POST, "/api/v1/mail/inbound")
                .raw(raw.clone(), Some("text/plain"))
                .auth(&Auth::Bearer(secret.into())),
        )
        .await
        .problem(415, None);
    assert_eq!(wrong_type.detail(), "send the body as message/rfc822");
    app.send(
        Req::new(Method::POST, "/api/v1/mail/inbound")
            .raw(Vec::new(), Some("message/rfc822"))
            .auth(&Auth::Bearer(secret.into())),
    )
    .await
    .problem(400, Some("message"));
    // Above 50 MiB: 413, nothing stored.
    app.send(
        Req::new(Method::POST, "/api/v1/mail/inbound")
            .raw(
                vec![b'a'; desk::inbound::MAX_MAIL_BYTES + 1],
                Some("message/rfc822"),
            )
            .auth(&Auth::Bearer(secret.into())),
    )
    .await
    .problem(413, None);
    assert!(
        app.state
            .store
            .inbound_by_outcome(None, 10)
            .await
            .expect("pending")
            .is_empty()
    );
    let r = app
        .send(
            Req::new(Method::POST, "/api/v1/mail/inbound")
                .raw(raw.clone(), Some("message/rfc822"))
                .auth(&Auth::Bearer(secret.into())),
        )
        .await
        .expect(200);
    assert_eq!(r.json["outcome"], json!("filed"));
    let mail_id = r.json["mail_id"].as_i64().expect("mail");
    let again = app
        .send(
            Req::new(Method::POST, "/api/v1/mail/inbound")
                .raw(raw.clone(), Some("message/rfc822"))
                .auth(&Auth::Bearer(secret.into())),
        )
        .await
        .expect(200);
    assert_eq!(again.json["outcome"], json!("duplicate"));

    let path = format!("/api/v1/mail/{mail_id}/original");
    let got = app.get(&w.a.admin.bearer(), &path).await.expect(200);
    assert_eq!(got.body.as_ref(), raw.as_slice());
    let got = app.get(&w.agent.bearer(), &path).await.expect(200);
    assert_eq!(got.body.as_ref(), raw.as_slice());
    app.get(&w.b.admin.bearer(), &path).await.problem(404, None);
}

/// Mutated messages (bytes overwritten, cut short, headers doubled, bodies nested) never
/// panic the pipeline and each ends in exactly one recorded outcome; none files twice.
pub async fn inbound_mutated_messages_always_end_recorded(app: App) {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    setup(&app).await;
    let bases: Vec<Vec<u8>> = vec![
        mail(
            "jan.beheer@klant-a.example",
            "p@klant-a.example",
            "[hoog] Storing",
            AUTH_OK,
            "Tekst.\r\n> oud",
        ),
        format!(
            "{AUTH_OK}From: jan.beheer@klant-a.example\r\nMessage-ID: <pm@klant-a.example>\r\n\
             Subject: Re: [#1] x\r\nIn-Reply-To: <t1@klant-a.example>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\n\
             Content-Type: text/html\r\n\r\n<p>Hoi <script>x</script></p>\r\n--a\r\n\
             Content-Type: application/pdf; name=\"f.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             JVBERi0=\r\n--a--\r\n"
        )
        .into_bytes(),
    ];
    let strategy = (
        0..bases.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..24),
        prop::option::of(any::<prop::sample::Index>()),
        any::<bool>(),
    );
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut messages = Vec::new();
    for _ in 0..96 {
        let (base, edits, cut, doubled) = strategy.new_tree(&mut runner).expect("case").current();
        let mut raw = bases[base].clone();
        for (i, b) in edits {
            let at = i.index(raw.len());
            raw[at] = b;
        }
        if let Some(c) = cut {
            raw.truncate(c.index(raw.len() + 1));
        }
        if doubled {
            raw = [b"Message-ID: <dup@x>\r\n".as_slice(), &raw].concat();
        }
        messages.push(raw);
    }
    for raw in &messages {
        let got = app
            .state
            .ingest(raw, pipe())
            .await
            .expect("a message never makes the pipeline fail");
        let recorded = app
            .state
            .store
            .inbound_outcome(got.mail())
            .await
            .expect("outcome")
            .expect("every message ends recorded");
        if !matches!(got, Ingested::Duplicate { .. }) {
            assert_eq!(recorded.0, got.outcome());
        }
    }
    assert!(
        app.state
            .store
            .inbound_by_outcome(None, 10)
            .await
            .expect("pending")
            .is_empty()
    );
}
