//! Mail: announcing maintenance queues one mail per customer administrator, and the outbox
//! worker delivers them to a real SMTP server (aiosmtpd from `scripts/services.sh`, which
//! stores each message in a maildir), retrying while the server is away.
//!
//! The server comes from `TEST_SMTP_ADDR` / `TEST_SMTP_MAILDIR` (`source scripts/services.sh;
//! start_smtp`). Without them the tests say so and pass, except under `CI` or
//! `LOKET_REQUIRE_SMTP=1`, where they fail. Every test uses its own recipient addresses, so
//! tests sharing the server (and its maildir) only read their own messages.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use desk::mail::{RetryPolicy, SmtpSender, SmtpSettings, run_outbox_once, run_outbox_with};
use sla::availability::{DEFAULT_NOTICE, notice_given};
use sla::{Calendar, CalendarSpec};
use store::{
    MaintenanceRecipient, NewMail, NewMaintenance, NewPerson, OrgId, Person, Role, Scope, Store,
};

use crate::harness::{App, at};

const FROM: &str = "Servicedesk loket <servicedesk@loket.example>";

/// The test SMTP server's address and maildir, or `None` after saying the test is skipped.
fn smtp_server() -> Option<(String, PathBuf)> {
    let addr = std::env::var("TEST_SMTP_ADDR")
        .ok()
        .filter(|v| !v.is_empty());
    let dir = std::env::var("TEST_SMTP_MAILDIR")
        .ok()
        .filter(|v| !v.is_empty());
    if let (Some(addr), Some(dir)) = (addr, dir) {
        return Some((addr, PathBuf::from(dir)));
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    let required = std::env::var("LOKET_REQUIRE_SMTP").is_ok_and(|v| v == "1");
    assert!(
        !(ci || required),
        "TEST_SMTP_ADDR / TEST_SMTP_MAILDIR are not set, but the SMTP server is required here \
         (CI or LOKET_REQUIRE_SMTP=1); run `source scripts/services.sh; start_smtp` first"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Past the harness's output capture, so the notice is seen in a normal run.
        let _ = writeln!(
            std::io::stderr(),
            "web it: TEST_SMTP_ADDR is not set: the `mail_*` tests are SKIPPED (they pass \
             without running). Run `source scripts/services.sh; start_smtp` first."
        );
    });
    None
}

/// A tag no other test run uses, for recipient addresses.
fn tag(app: &App) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:?}{}x{nanos}", app.backend, std::process::id()).to_lowercase()
}

fn sender_for(addr: &str) -> SmtpSender {
    sender_from(addr, FROM)
}

/// A sender to the test SMTP server at `addr` as `from`, with a short timeout.
pub fn sender_from(addr: &str, from: &str) -> SmtpSender {
    let mut settings = SmtpSettings::parse(&format!("smtp://{addr}"), from).expect("settings");
    settings.timeout = Duration::from_secs(5);
    SmtpSender::new(&settings).expect("sender")
}

/// An address on which nothing listens (bound, then let go).
fn closed_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    addr.to_string()
}

fn now_ms(app: &App) -> i64 {
    app.state.now_ms()
}

async fn customer(store: &Store, name: &str) -> OrgId {
    store.create_org(name, 0).await.expect("org").id
}

async fn someone(store: &Store, email: &str, name: &str, role: Role, org: Option<OrgId>) -> Person {
    store
        .create_person(
            &NewPerson {
                email: email.into(),
                name: name.into(),
                role,
                org_id: org,
                lang: "nl".into(),
                password_hash: None,
            },
            None,
            0,
        )
        .await
        .expect("person")
}

/// One message as the server stored it.
#[derive(Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn parse(raw: &str) -> Received {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut r = Received {
            headers,
            body: String::new(),
        };
        let encoding = r
            .header("Content-Transfer-Encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        r.body = match encoding.as_str() {
            "quoted-printable" => decode_qp(body),
            "base64" => String::from_utf8(base64(&body.replace(['\n', ' '], ""))).expect("utf-8"),
            _ => body.to_string(),
        };
        r
    }
}

/// The messages in the maildir addressed to an address containing `tag`, waiting up to a few
/// seconds for `expected` of them.
async fn received(dir: &Path, tag: &str, expected: usize) -> Vec<Received> {
    let mut out = Vec::new();
    for _ in 0..50 {
        out = std::fs::read_dir(dir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .map(|raw| Received::parse(&raw))
                    .filter(|m| m.header("X-RcptTo").is_some_and(|to| to.contains(tag)))
                    .collect()
            })
            .unwrap_or_default();
        if out.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out
}

fn decode_qp(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("qp escape"));
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("utf-8")
}

fn base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | u32::from(value(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// An RFC 2047 header value, decoded (B and Q encoded words, UTF-8).
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    let mut last_was_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let between = &rest[..start];
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let word = &rest[start + 2..];
        let mut parts = word.splitn(3, '?');
        let (_charset, enc, tail) = (
            parts.next().expect("charset"),
            parts.next().expect("encoding"),
            parts.next().expect("text"),
        );
        let end = tail.find("?=").expect("end of encoded word");
        let text = &tail[..end];
        let bytes = if enc.eq_ignore_ascii_case("b") {
            base64(text)
        } else {
            decode_qp(&text.replace('_', " ")).into_bytes()
        };
        out.push_str(&String::from_utf8(bytes).expect("utf-8"));
        rest = &tail[end + 2..];
        last_was_word = true;
    }
    out
}

pub async fn mail_announcement_delivered(app: App) {
    let Some((addr, maildir)) = smtp_server() else {
        return;
    };
    let store = app.state.store.clone();
    let tag = tag(&app);
    let a = customer(&store, "Gemeente Aadorp").await;
    let b = customer(&store, "Bakkerij Bolder").await;
    let c = customer(&store, "Camping Cees").await;
    let admins = [
        someone(
            &store,
            &format!("anna.{tag}@aadorp.nl"),
            "Anna de Vries",
            Role::CustomerAdmin,
            Some(a),
        )
        .await,
        someone(
            &store,
            &format!("piet.{tag}@aadorp.nl"),
            "Piet Jansen",
            Role::CustomerAdmin,
            Some(a),
        )
        .await,
        someone(
            &store,
            &format!("bram.{tag}@bolder.nl"),
            "Bram Bolder",
            Role::CustomerAdmin,
            Some(b),
        )
        .await,
    ];
    someone(
        &store,
        &format!("kees.{tag}@aadorp.nl"),
        "Kees",
        Role::CustomerViewer,
        Some(a),
    )
    .await;
    someone(
        &store,
        &format!("cees.{tag}@cees.nl"),
        "Cees",
        Role::CustomerAdmin,
        Some(c),
    )
    .await;
    let agent = someone(
        &store,
        &format!("sanne.{tag}@loket.example"),
        "Sanne",
        Role::Agent,
        None,
    )
    .await;
    let vendor = Scope::Vendor {
        person: agent.id,
        role: Role::Agent,
    };
    let env = |org, name: &'static str| {
        let store = store.clone();
        async move {
            store
                .create_environment(&Scope::System, org, name, 0)
                .await
                .expect("environment")
        }
    };
    let a1 = env(a, "Productie").await;
    let b1 = env(b, "Productie").await;
    env(c, "Productie").await;

    // Announced Monday 10:00 for Thursday 22:00: three working days' notice, as the caller
    // decides with the customers' calendar.
    let now = now_ms(&app);
    let starts_at = at("2026-11-26T21:00:00Z").as_millisecond();
    let cal = Calendar::new(CalendarSpec::service_window_1()).expect("calendar");
    let notice_ok = notice_given(&cal, now / 1000, starts_at / 1000, &DEFAULT_NOTICE);
    assert!(notice_ok);
    let (m, queued) = store
        .announce_maintenance(
            &vendor,
            &NewMaintenance {
                environment_ids: vec![a1.id, b1.id],
                starts_at,
                ends_at: starts_at + 2 * 3_600_000,
                description: "Upgrade naar MEXTRA 12".into(),
                notice_ok,
            },
            now,
            |r: &MaintenanceRecipient| NewMail {
                to_address: r.email.clone(),
                subject: format!(
                    "Gepland onderhoud – {} – 26 november",
                    r.environments.join(", ")
                ),
                body_text: format!(
                    "Beste {},\n\nOp donderdag 26 november van 22:00 tot 24:00 voeren wij \
                     onderhoud uit op: {}.\n.\nDe omgeving is dan niet bereikbaar. Één keer \
                     per jaar.\n\nMet vriendelijke groet,\nServicedesk\n",
                    r.name,
                    r.environments.join(", ")
                ),
            },
        )
        .await
        .expect("announce");
    assert!(m.notice_ok);
    assert_eq!(queued.len(), 3, "one mail per administrator of A and B");

    let stats = run_outbox_once(&store, &sender_for(&addr), "worker-1", now)
        .await
        .expect("outbox");
    assert_eq!(
        (stats.claimed, stats.sent, stats.retried, stats.given_up),
        (3, 3, 0, 0)
    );
    for id in &queued {
        let mail = store.get_mail(*id).await.expect("mail");
        assert_eq!(
            (mail.sent_at, mail.attempts, mail.lease_owner),
            (Some(now), 1, None)
        );
    }
    let again = run_outbox_once(&store, &sender_for(&addr), "worker-1", now + 60_000)
        .await
        .expect("outbox");
    assert_eq!(again.claimed, 0, "sent mail is not sent again");

    let messages = received(&maildir, &tag, 3).await;
    let recipients: BTreeSet<String> = messages
        .iter()
        .map(|m| m.header("X-RcptTo").expect("envelope").to_string())
        .collect();
    let expected: BTreeSet<String> = admins.iter().map(|p| p.email.clone()).collect();
    assert_eq!(recipients, expected);
    assert_eq!(messages.len(), 3, "one message each, no copies");
    for msg in &messages {
        let to = msg.header("X-RcptTo").expect("envelope");
        let admin = admins.iter().find(|p| p.email == to).expect("admin");
        assert_eq!(msg.header("To"), Some(to));
        // VERP: the envelope sender names the outbox mail on the From address's domain.
        let verp = msg.header("X-MailFrom").expect("envelope sender");
        assert!(
            verp.starts_with("bounce+") && verp.ends_with("@loket.example"),
            "the envelope sender is bounce+<id>@ the sender's domain: {verp}"
        );
        assert!(
            msg.header("From")
                .is_some_and(|f| f.contains("<servicedesk@loket.example>")),
            "{:?}",
            msg.header("From")
        );
        let subject = decode_words(msg.header("Subject").expect("subject"));
        assert_eq!(subject, "Gepland onderhoud – Productie – 26 november");
        assert!(
            msg.header("Date")
                .is_some_and(|d| d.contains("23 Nov 2026 09:00:00")),
            "{:?}",
            msg.header("Date")
        );
        assert!(
            msg.header("Message-ID")
                .is_some_and(|id| id.starts_with("<outbox.") && id.ends_with("@loket.example>"))
        );
        assert!(
            msg.body.contains(&format!("Beste {},", admin.name)),
            "{}",
            msg.body
        );
        assert!(
            msg.body
                .contains("onderhoud uit op: Productie.\n.\nDe omgeving"),
            "a line with one dot survives: {}",
            msg.body
        );
        assert!(msg.body.contains("Één keer"), "{}", msg.body);
    }
}

pub async fn mail_server_down_then_back(app: App) {
    let Some((addr, maildir)) = smtp_server() else {
        return;
    };
    let store = app.state.store.clone();
    let tag = tag(&app);
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let down = sender_for(&closed_addr());
    let up = sender_for(&addr);
    let mail = |n: u32| NewMail {
        to_address: format!("beheer{n}.{tag}@example.nl"),
        subject: format!("Onderhoud {n}"),
        body_text: "Tekst\n".into(),
    };
    let t = now_ms(&app);
    let first = store.enqueue_mail(&mail(1), t).await.expect("enqueue");
    let second = store.enqueue_mail(&mail(2), t).await.expect("enqueue");
    let bad = store
        .enqueue_mail(
            &NewMail {
                to_address: "geen adres".into(),
                ..mail(3)
            },
            t,
        )
        .await
        .expect("enqueue");

    // The server is away: both real mails are counted and put off; the bad address is given
    // up at once (no retry can fix it).
    let s = run_outbox_with(&store, &down, "w", t, &policy)
        .await
        .expect("run");
    assert_eq!((s.claimed, s.sent, s.retried, s.given_up), (3, 0, 2, 1));
    let m = store.get_mail(first).await.expect("mail");
    assert_eq!(
        (m.attempts, m.next_attempt_at, m.sent_at),
        (1, t + 60_000, None)
    );
    assert!(m.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    let b = store.get_mail(bad).await.expect("mail");
    assert_eq!(b.failed_at, Some(t));
    assert!(
        b.last_error
            .as_deref()
            .is_some_and(|e| e.contains("geen adres")),
        "{:?}",
        b.last_error
    );

    // Not due yet: nothing is tried.
    let s = run_outbox_with(&store, &up, "w", t + 30_000, &policy)
        .await
        .expect("run");
    assert_eq!(s.claimed, 0);
    // Second attempt, still away: the wait doubles.
    let t2 = t + 60_000;
    let s = run_outbox_with(&store, &down, "w", t2, &policy)
        .await
        .expect("run");
    assert_eq!((s.claimed, s.retried), (2, 2));
    let m = store.get_mail(second).await.expect("mail");
    assert_eq!((m.attempts, m.next_attempt_at), (2, t2 + 120_000));

    // Back: delivered on the third attempt.
    let t3 = t2 + 120_000;
    let s = run_outbox_with(&store, &up, "w", t3, &policy)
        .await
        .expect("run");
    assert_eq!((s.claimed, s.sent, s.retried, s.given_up), (2, 2, 0, 0));
    for id in [first, second] {
        let m = store.get_mail(id).await.expect("mail");
        assert_eq!((m.attempts, m.sent_at, m.failed_at), (3, Some(t3), None));
    }
    let messages = received(&maildir, &tag, 2).await;
    let subjects: BTreeSet<String> = messages
        .iter()
        .map(|m| m.header("Subject").expect("subject").to_string())
        .collect();
    assert_eq!(
        subjects,
        BTreeSet::from(["Onderhoud 1".to_string(), "Onderhoud 2".to_string()])
    );

    // A mail whose server stays away is given up after its last attempt.
    let late = store.enqueue_mail(&mail(4), t3).await.expect("enqueue");
    let mut when = t3;
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let s = run_outbox_with(&store, &down, "w", when, &policy)
            .await
            .expect("run");
        outcomes.push((s.retried, s.given_up));
        when = store.get_mail(late).await.expect("mail").next_attempt_at;
    }
    assert_eq!(outcomes, vec![(1, 0), (1, 0), (0, 1)]);
    let m = store.get_mail(late).await.expect("mail");
    assert_eq!(
        (m.attempts, m.sent_at, m.failed_at.is_some()),
        (3, None, true)
    );
    let s = run_outbox_with(&store, &up, "w", when + 86_400_000, &policy)
        .await
        .expect("run");
    assert_eq!(s.claimed, 0, "a given-up mail stays given up");
}

/// The test SMTP server for other suites' mail tests (see [`smtp_server`]).
pub fn smtp_server_for_tests() -> Option<(String, PathBuf)> {
    smtp_server()
}

/// A recipient tag no other test run uses (see [`tag`]).
pub fn tag_for_tests(app: &App) -> String {
    tag(app)
}

/// The raw messages (CR LF turned into LF, header lines unfolded not) to an address
/// containing `tag`, waiting up to a few seconds for `expected` of them.
pub async fn received_raw(dir: &Path, tag: &str, expected: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..50 {
        out = std::fs::read_dir(dir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .map(|raw| raw.replace("\r\n", "\n"))
                    .filter(|raw| {
                        Received::parse(raw)
                            .header("X-RcptTo")
                            .is_some_and(|to| to.contains(tag))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if out.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    out
}
