//! Incoming mail at volume (issue #11): 10,000 generated messages taken in through
//! `Desk::ingest` — stored by SHA-256, parsed, authenticated (the own server's
//! `Authentication-Results`), threaded and processed, each outcome in its own transaction — on
//! SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set). Sizes are mixed (a line to
//! some 20 KB of text), 10% carry an attachment of 8 to 64 KB, a third are replies that thread
//! onto an earlier ticket by `In-Reply-To`, and one in twenty is automatic mail. The figure is
//! mails per second over the whole run (target ≥ 500).
//!
//! `cargo bench -p web --bench inbound` (options after `--`: `--mails N`, `--quick`).

use std::time::Instant;

use desk::Desk;
use desk::inbound::{Ingested, Received, Settings, Source};
use store::{Role, Store};

mod common;

/// The clock of the run: a Monday morning in a service window.
const NOW: &str = "2026-11-23T09:00:00Z";

fn mails() -> usize {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    args.iter()
        .position(|a| a == "--mails")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 300 } else { 10_000 })
}

/// Message `i` of the run: its bytes.
fn message(i: usize) -> Vec<u8> {
    let auth = "Authentication-Results: mx.loket.example; dmarc=pass header.from=klant.example\r\n";
    let mut headers = format!(
        "Received: from mail.klant.example by mx.loket.example; Mon, 23 Nov 2026 08:{:02}:00 +0000\r\n\
         {auth}From: Beheerder <beheer@klant.example>\r\nTo: servicedesk@loket.example\r\n\
         Message-ID: <bench{i}@klant.example>\r\nMIME-Version: 1.0\r\n",
        i % 60
    );
    if i % 20 == 7 {
        headers.push_str("Auto-Submitted: auto-replied\r\n");
    }
    let reply = i % 3 == 2 && i >= 3;
    if reply {
        headers.push_str(&format!(
            "Subject: Re: Storing {}\r\nIn-Reply-To: <bench{}@klant.example>\r\n",
            i - 2,
            i - 2
        ));
    } else {
        headers.push_str(&format!("Subject: Storing {i}\r\n"));
    }
    let text = "Het scherm blijft leeg na het inloggen. ".repeat(1 + (i * 37) % 500);
    if i % 10 == 4 {
        let size = 8_192 + (i * 7_919) % 57_344;
        let data: String = std::iter::repeat_n("QUJDRA==", size / 8)
            .collect::<Vec<_>>()
            .chunks(9)
            .map(|c| c.concat())
            .collect::<Vec<_>>()
            .join("\r\n");
        format!(
            "{headers}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b\r\n\
             Content-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"log{i}.bin\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{data}\r\n--b--\r\n"
        )
        .into_bytes()
    } else {
        format!("{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").into_bytes()
    }
}

async fn run(url: &str, n: usize) {
    let store = Store::connect(url).await.expect("store");
    let t0 = testkit::clock::ms(NOW);
    let org = testkit::fixtures::org(&store, "Klant", t0).await;
    testkit::fixtures::agreement(&store, org.id, t0 - 86_400_000).await;
    testkit::fixtures::person(
        &store,
        "beheer@klant.example",
        "Beheerder",
        Role::CustomerAdmin,
        Some(org.id),
        t0,
    )
    .await;
    let desk = Desk::new(store.clone(), testkit::clock::fixed(NOW));
    desk.set_inbound_settings(Settings {
        authserv_id: Some("mx.loket.example".into()),
        domain: "loket.example".into(),
        verifier: None,
    });
    let messages: Vec<Vec<u8>> = (0..n).map(message).collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let received = Received {
        at: None,
        source: Source::Imap,
    };
    let (mut filed, mut commented, mut automatic) = (0, 0, 0);
    let start = Instant::now();
    for raw in &messages {
        match desk.ingest(raw, received).await.expect("ingest") {
            Ingested::Filed { .. } => filed += 1,
            Ingested::Commented { .. } => commented += 1,
            Ingested::Automatic { .. } => automatic += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    let took = start.elapsed();
    assert_eq!(filed + commented + automatic, n);
    assert!(commented > 0 && filed > 0 && automatic > 0);
    println!(
        "inbound on {}: {n} mails ({:.1} MB; {filed} filed, {commented} replies, {automatic} automatic) in {:.2} s = {:.0} mails/s (target >= 500)",
        store.backend(),
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}

fn main() {
    let n = mails();
    common::on_each_database("inbound", |url| async move { run(&url, n).await });
}
