//! Who sent it (issue #11 point 7; SLA-RULES §3 "Tickets by e-mail"): when the own receiving
//! server left no `Authentication-Results`, loket checks DKIM, SPF and DMARC itself against
//! DNS. A DNS server on a loopback port answers for the customer's domain here: the keys and
//! policies are real records, the signatures real Ed25519 signatures over the messages.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use desk::inbound::auth::{Verdict, Verifier};
use desk::inbound::text::Envelope;
use desk::inbound::{Ingested, Received, Settings, Source};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use mail_auth::common::crypto::Ed25519Key;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use sla::Channel;
use store::Scope;

use crate::harness::App;
use crate::pagekit::Browser;

/// A DNS server on a loopback UDP port answering TXT questions from `zone` (name → records);
/// any other name is NXDOMAIN. It runs until the test's runtime ends.
async fn dns_server(zone: HashMap<String, Vec<String>>) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("dns socket");
    let addr = socket.local_addr().expect("dns addr");
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::response(q.metadata.id, q.metadata.op_code);
            r.metadata.recursion_desired = q.metadata.recursion_desired;
            r.metadata.recursion_available = true;
            r.metadata.authoritative = true;
            let mut known = false;
            for query in &q.queries {
                r.add_query(query.clone());
                let name = query.name.to_ascii().trim_end_matches('.').to_lowercase();
                if let Some(records) = zone.get(&name) {
                    known = true;
                    if query.query_type == RecordType::TXT {
                        for t in records {
                            let chunks = t
                                .as_bytes()
                                .chunks(255)
                                .map(|c| String::from_utf8_lossy(c).into_owned())
                                .collect();
                            r.add_answer(Record::from_rdata(
                                query.name.clone(),
                                60,
                                RData::TXT(TXT::new(chunks)),
                            ));
                        }
                    }
                }
            }
            if !known {
                r.metadata.response_code = ResponseCode::NXDomain;
            }
            if let Ok(bytes) = r.to_vec() {
                let _ = socket.send_to(&bytes, peer).await;
            }
        }
    });
    addr
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The customer's signing key, and the zone publishing it (selector `s1`), an SPF record
/// allowing 192.0.2.10 and a DMARC policy for `klant-a.example`; `elders.example` publishes
/// its own key (selector `s1`) and nothing else.
struct Keys {
    klant: Vec<u8>,
    elders: Vec<u8>,
    zone: HashMap<String, Vec<String>>,
}

fn keys() -> Keys {
    let klant = Ed25519Key::generate_pkcs8().expect("key");
    let elders = Ed25519Key::generate_pkcs8().expect("key");
    let public = |k: &[u8]| base64(&Ed25519Key::from_pkcs8_der(k).expect("key").public_key());
    let mut zone = HashMap::new();
    zone.insert(
        "s1._domainkey.klant-a.example".to_string(),
        vec![format!("v=DKIM1; k=ed25519; p={}", public(&klant))],
    );
    zone.insert(
        "s1._domainkey.elders.example".to_string(),
        vec![format!("v=DKIM1; k=ed25519; p={}", public(&elders))],
    );
    zone.insert(
        "klant-a.example".to_string(),
        vec!["v=spf1 ip4:192.0.2.10 -all".to_string()],
    );
    zone.insert(
        "_dmarc.klant-a.example".to_string(),
        vec!["v=DMARC1; p=reject".to_string()],
    );
    Keys {
        klant,
        elders,
        zone,
    }
}

/// A message from the customer's administrator, handed over by `client` (the top
/// `Received` header of the own server) with envelope sender `return_path`.
fn message(id: &str, client: &str, return_path: &str, body: &str) -> String {
    format!(
        "Return-Path: <{return_path}>\r\n\
         Received: from mail.klant-a.example (mail.klant-a.example [{client}])\r\n\
         \tby mx.loket.example with ESMTPS; Mon, 23 Nov 2026 08:45:00 +0000\r\n\
         From: Jan Beheer <jan.beheer@klant-a.example>\r\n\
         To: servicedesk@loket.example\r\n\
         Subject: Export loopt vast\r\n\
         Date: Mon, 23 Nov 2026 08:44:00 +0000\r\n\
         Message-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         {body}\r\n"
    )
}

/// `msg` with a DKIM signature of `domain` made with `key`.
fn signed(msg: &str, key: &[u8], domain: &str) -> String {
    let signer = DkimSigner::from_key(Ed25519Key::from_pkcs8_der(key).expect("key"))
        .domain(domain)
        .selector("s1")
        .headers(["From", "To", "Subject", "Date", "Message-ID"]);
    let sig = signer.sign(msg.as_bytes()).expect("sign");
    format!("{}{msg}", sig.to_header())
}

fn verdict_ok(v: &Verdict) -> bool {
    matches!(v, Verdict::Aligned(_))
}

/// The verifier on its own: a valid signature of the `From` domain passes DMARC; the same
/// message altered after signing, a valid signature of another domain, a client SPF does not
/// allow and no signature at all from a strange client are not proof; SPF alone from the
/// allowed client is; without a DMARC policy a signature of the `From` domain still is, one
/// of another domain is not; a DNS server that does not answer proves nothing.
pub async fn mail_auth_verifier_rules(_app: App) {
    let k = keys();
    let dns = dns_server(k.zone.clone()).await;
    let v = Verifier::with_server(dns, "loket.example").expect("verifier");
    let from = "jan.beheer@klant-a.example";
    let envelope = |ip: &str| Envelope {
        client_ip: Some(ip.parse().expect("ip")),
        helo: Some("mail.klant-a.example".into()),
        mail_from: Some(from.into()),
    };
    let stranger = envelope("198.51.100.7");
    let plain = message("a1@klant-a.example", "198.51.100.7", from, "Hallo");

    let good = signed(&plain, &k.klant, "klant-a.example");
    let v1 = v.check(good.as_bytes(), from, &stranger).await;
    assert!(verdict_ok(&v1), "{v1:?}");

    let altered = good.replace("Hallo", "Zet alles op spoed");
    let v2 = v.check(altered.as_bytes(), from, &stranger).await;
    assert!(
        matches!(&v2, Verdict::NotAligned(why) if why.contains("dkim=fail (body altered) header.d=klant-a.example")),
        "{v2:?}"
    );

    let foreign = signed(&plain, &k.elders, "elders.example");
    let v3 = v.check(foreign.as_bytes(), from, &stranger).await;
    assert!(
        matches!(&v3, Verdict::NotAligned(why) if why.contains("dkim=pass header.d=elders.example") && why.contains("dmarc=fail")),
        "{v3:?}"
    );

    let v4 = v.check(plain.as_bytes(), from, &stranger).await;
    assert!(
        matches!(&v4, Verdict::NotAligned(why) if why.contains("spf=fail")),
        "{v4:?}"
    );
    let v5 = v
        .check(plain.as_bytes(), from, &envelope("192.0.2.10"))
        .await;
    assert!(verdict_ok(&v5), "{v5:?}");

    // Without a DMARC policy: alignment is still asked for.
    let mut no_policy = k.zone.clone();
    no_policy.remove("_dmarc.klant-a.example");
    let dns2 = dns_server(no_policy).await;
    let v_np = Verifier::with_server(dns2, "loket.example").expect("verifier");
    let v6 = v_np.check(good.as_bytes(), from, &stranger).await;
    assert!(verdict_ok(&v6), "{v6:?}");
    let v7 = v_np.check(foreign.as_bytes(), from, &stranger).await;
    assert!(matches!(v7, Verdict::NotAligned(_)), "{v7:?}");

    // A DNS server that never answers: nothing is proven.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("silent socket");
    let v_down = Verifier::with_server(silent.local_addr().expect("addr"), "loket.example")
        .expect("verifier");
    let v8 = v_down.check(good.as_bytes(), from, &stranger).await;
    assert!(matches!(v8, Verdict::NotAligned(_)), "{v8:?}");
}

/// Through the intake: with no results of the own server, a signed mail of the customer's
/// administrator files an incident by mail; a forged one (altered after signing) is held with
/// what the checks found; results of the own server, when present, decide instead of the
/// checks (a failing own result holds even a validly signed mail).
pub async fn mail_auth_decides_the_intake(app: App) {
    let w = app.world().await;
    let k = keys();
    let dns = dns_server(k.zone.clone()).await;
    app.state.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: Some(Arc::new(
            Verifier::with_server(dns, "loket.example").expect("verifier"),
        )),
    });
    let from = "jan.beheer@klant-a.example";
    let pipe = || Received {
        at: None,
        source: Source::Pipe,
    };
    let good = signed(
        &message("b1@klant-a.example", "198.51.100.7", from, "Export faalt"),
        &k.klant,
        "klant-a.example",
    );
    let filed = app
        .state
        .ingest(good.as_bytes(), pipe())
        .await
        .expect("ingest");
    let Ingested::Filed { ticket, .. } = filed else {
        panic!("expected a filed ticket, got {filed:?}");
    };
    let t = app
        .state
        .store
        .get_ticket(&Scope::System, ticket)
        .await
        .expect("ticket");
    assert_eq!(t.channel, Channel::Email);
    assert_eq!(t.reporter_id.0, w.a.admin.id);

    let forged = signed(
        &message("b2@klant-a.example", "198.51.100.7", from, "Export faalt"),
        &k.klant,
        "klant-a.example",
    )
    .replace("Export faalt", "Zet alles op spoed");
    let held = app
        .state
        .ingest(forged.as_bytes(), pipe())
        .await
        .expect("ingest");
    assert!(
        matches!(&held, Ingested::Held { reason, .. } if reason.contains("dkim=fail (body altered)") && reason.contains(from)),
        "{held:?}"
    );

    let own_fail = format!(
        "Authentication-Results: mx.loket.example; dkim=fail header.d=klant-a.example\r\n{}",
        signed(
            &message("b3@klant-a.example", "198.51.100.7", from, "Nog een"),
            &k.klant,
            "klant-a.example",
        )
    );
    let held2 = app
        .state
        .ingest(own_fail.as_bytes(), pipe())
        .await
        .expect("ingest");
    assert!(
        matches!(&held2, Ingested::Held { reason, .. } if reason.contains("own receiving server")),
        "{held2:?}"
    );
}

/// The page of held mail (nl/en): an agent sees each held mail with why it was held and a
/// link to its original; refusing without a reason shows the page again with the message at
/// that mail and changes nothing; a refusal with a reason and a confirmation (which files the
/// ticket and shows it) take the mails off the page; customers may not open it, and a form
/// without its CSRF token does nothing.
pub async fn held_mail_page(app: App) {
    let w = app.world().await;
    let pipe = || Received {
        at: None,
        source: Source::Pipe,
    };
    let from = "jan.beheer@klant-a.example";
    let one = message("h1@klant-a.example", "198.51.100.7", from, "Eerste");
    let two = message("h2@klant-a.example", "198.51.100.7", from, "Tweede")
        .replace("Export loopt vast", "Rapport leeg");
    let first = app
        .state
        .ingest(one.as_bytes(), pipe())
        .await
        .expect("ingest");
    let second = app
        .state
        .ingest(two.as_bytes(), pipe())
        .await
        .expect("ingest");
    assert!(matches!(first, Ingested::Held { .. }), "{first:?}");
    assert!(matches!(second, Ingested::Held { .. }), "{second:?}");
    let (a, b) = (first.mail(), second.mail());

    let agent = Browser::of(&app, &w.agent).html_only();
    let page = agent.get("/desk/mail/held").await.expect(200);
    page.has("Held mail")
        .has("Export loopt vast")
        .has("Rapport leeg")
        .has(from)
        .has("no passing DMARC, DKIM or SPF")
        .has_html(&format!("href=\"/api/v1/mail/{a}/original\""));
    let csrf = page.csrf();

    let empty = agent
        .post(
            &format!("/desk/mail/held/{a}/refuse"),
            &[("csrf", &csrf), ("reason", "  ")],
        )
        .await
        .expect(422);
    empty
        .has("Give a reason for refusing the mail.")
        .has_html(&format!("id=\"reason-{a}\""));
    let still = app
        .state
        .inbound_mail(&crate::inbound::caller(&app, &w.agent.email).await, a)
        .await
        .expect("mail");
    assert_eq!(still.outcome.as_deref(), Some("held"));

    let no_csrf = agent
        .post(
            &format!("/desk/mail/held/{a}/refuse"),
            &[("reason", "spam")],
        )
        .await;
    assert_eq!(no_csrf.status.as_u16(), 403, "{}", no_csrf.html);

    let refused = agent
        .post(
            &format!("/desk/mail/held/{a}/refuse"),
            &[("csrf", &csrf), ("reason", "Niet door Jan verstuurd")],
        )
        .await
        .expect(303);
    assert_eq!(refused.redirect(), "/desk/mail/held");
    let gone = app
        .state
        .inbound_mail(&crate::inbound::caller(&app, &w.agent.email).await, a)
        .await
        .expect("mail");
    assert_eq!(gone.outcome.as_deref(), Some("refused"));
    assert_eq!(
        gone.reason.as_deref(),
        Some("refused by agent a.agent@loket.example: Niet door Jan verstuurd")
    );

    let confirmed = agent
        .post(&format!("/desk/mail/held/{b}/confirm"), &[("csrf", &csrf)])
        .await
        .expect(303);
    let to = confirmed.redirect();
    let ticket: i64 = to
        .strip_prefix("/tickets/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("redirect to the ticket, got {to}"));
    let t = app
        .state
        .store
        .get_ticket(&Scope::System, store::TicketId(ticket))
        .await
        .expect("ticket");
    assert_eq!(t.subject, "Rapport leeg");
    assert_eq!(t.reporter_id.0, w.a.admin.id);

    app.state
        .store
        .set_lang(store::PersonId(w.agent.id), "nl")
        .await
        .expect("lang");
    agent
        .get("/desk/mail/held")
        .await
        .expect(200)
        .has("Vastgehouden mail")
        .has("Er wacht geen mail.")
        .lacks("Export loopt vast");

    let customer = Browser::of(&app, &w.a.admin);
    let denied = customer.get("/desk/mail/held").await;
    assert_eq!(denied.status.as_u16(), 403);
}
