//! The mailbox reader against a real IMAP server: Debian's dovecot, started by
//! `source scripts/services.sh; start_imap` (`TEST_IMAP_ADDR`, `TEST_IMAP_USER`,
//! `TEST_IMAP_PASSWORD`). Without it the tests say so and pass, or fail when `CI` is set or
//! `LOKET_REQUIRE_IMAP=1`.

use std::io::Write as _;
use std::sync::Once;
use std::time::Duration;

use desk::imap::{self, Fetched, Handed, ImapError, ImapSettings, Mailbox};
use tokio::net::TcpStream;

/// The test server's settings for a mailbox of its own, or `None` after saying the test is
/// skipped.
fn server(mailbox: &str) -> Option<ImapSettings> {
    let addr = std::env::var("TEST_IMAP_ADDR")
        .ok()
        .filter(|v| !v.is_empty());
    let user = std::env::var("TEST_IMAP_USER")
        .ok()
        .filter(|v| !v.is_empty());
    let pass = std::env::var("TEST_IMAP_PASSWORD").ok();
    if let (Some(addr), Some(user), Some(pass)) = (addr, user, pass) {
        let url = format!(
            "imap://{}:{pass}@{addr}/{mailbox}",
            user.replace('@', "%40")
        );
        let mut settings = ImapSettings::parse(&url).expect("settings");
        settings.timeout = Duration::from_secs(10);
        return Some(settings);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    let required = std::env::var("LOKET_REQUIRE_IMAP").is_ok_and(|v| v == "1");
    assert!(
        !(ci || required),
        "TEST_IMAP_ADDR is not set, but the IMAP server is required here (CI or \
         LOKET_REQUIRE_IMAP=1); run `source scripts/services.sh; start_imap` first"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "desk imap: TEST_IMAP_ADDR is not set: the IMAP tests are SKIPPED. Run \
             `source scripts/services.sh; start_imap` first."
        );
    });
    None
}

/// A raw session for putting mail into the mailbox, as a mail server would.
async fn postman(settings: &ImapSettings) -> async_imap::Session<TcpStream> {
    let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
        .await
        .expect("connect");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.expect("greeting");
    client
        .login(&settings.user, settings.password.expose())
        .await
        .map_err(|(e, _)| e)
        .expect("login")
}

/// A fresh mailbox for one test, so tests do not see each other's mail.
async fn fresh_mailbox(name: &str) -> Option<ImapSettings> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let settings = server(&format!("{name}-{nanos}"))?;
    let mut s = postman(&settings).await;
    s.create(&settings.mailbox).await.expect("create mailbox");
    s.logout().await.expect("logout");
    Some(settings)
}

fn message(n: u32) -> Vec<u8> {
    format!(
        "From: Jan de Vries <jan@klant.example>\r\nTo: servicedesk@loket.example\r\n\
         Subject: Storing {n}\r\nMessage-ID: <m{n}@klant.example>\r\n\
         Date: Sat, 05 Dec 2026 18:15:00 +0100\r\n\r\nBericht {n}: de export loopt vast.\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn imap_hands_over_each_message_with_its_internaldate_and_marks_it_seen() {
    let Some(settings) = fresh_mailbox("handover").await else {
        return;
    };
    let mut postman = postman(&settings).await;
    // Received by the server on Friday evening (18:15 in Amsterdam) and on Saturday.
    let dates = ["04-Dec-2026 18:15:00 +0100", "05-Dec-2026 09:30:07 +0100"];
    for (n, date) in dates.iter().enumerate() {
        let quoted = format!("\"{date}\"");
        postman
            .append(&settings.mailbox, None, Some(&quoted), message(n as u32))
            .await
            .expect("append");
    }

    let mut mailbox = Mailbox::open(&settings).await.expect("open");
    let mut got: Vec<Fetched> = Vec::new();
    let n = imap::drain(&mut mailbox, &mut |m: Fetched| {
        got.push(m);
        async { Handed::Stored }
    })
    .await
    .expect("drain");
    assert_eq!(n, 2);
    assert_eq!(got.len(), 2);
    for (i, m) in got.iter().enumerate() {
        assert_eq!(
            m.raw,
            message(i as u32),
            "the bytes as the server holds them"
        );
    }
    // 2026-12-04T17:15:00Z and 2026-12-05T08:30:07Z.
    assert_eq!(got[0].received_at, Some(1_796_404_500_000));
    assert_eq!(got[1].received_at, Some(1_796_459_407_000));
    assert!(got[0].uid < got[1].uid, "oldest first");

    // Marked seen: a second pass hands over nothing.
    let again = imap::drain(&mut mailbox, &mut |_m: Fetched| async {
        panic!("a message was handed over twice")
    })
    .await
    .expect("drain again");
    assert_eq!(again, 0);
    assert!(mailbox.unseen().await.expect("unseen").is_empty());
    mailbox.close().await;
}

#[tokio::test]
async fn imap_leaves_a_message_the_intake_could_not_take_unseen() {
    let Some(settings) = fresh_mailbox("retry").await else {
        return;
    };
    let mut postman = postman(&settings).await;
    for n in 0..3 {
        postman
            .append(&settings.mailbox, None, None, message(n))
            .await
            .expect("append");
    }
    let mut mailbox = Mailbox::open(&settings).await.expect("open");
    // The intake cannot take the second message now; the others go on.
    let mut calls = 0;
    let stored = imap::drain(&mut mailbox, &mut |m: Fetched| {
        calls += 1;
        let answer = if String::from_utf8_lossy(&m.raw).contains("Subject: Storing 1") {
            Handed::Retry("database unreachable".into())
        } else {
            Handed::Stored
        };
        async move { answer }
    })
    .await
    .expect("drain");
    assert_eq!((stored, calls), (2, 3));
    assert_eq!(mailbox.unseen().await.expect("unseen").len(), 1);

    // The next pass takes the one left, and only that one.
    let mut subjects = Vec::new();
    let stored = imap::drain(&mut mailbox, &mut |m: Fetched| {
        subjects.push(String::from_utf8_lossy(&m.raw).contains("Subject: Storing 1"));
        async { Handed::Stored }
    })
    .await
    .expect("drain");
    assert_eq!(stored, 1);
    assert_eq!(subjects, [true]);
    assert!(mailbox.unseen().await.expect("unseen").is_empty());
    mailbox.close().await;
}

#[tokio::test]
async fn imap_idle_wakes_when_mail_arrives() {
    let Some(settings) = fresh_mailbox("idle").await else {
        return;
    };
    let mailbox = Mailbox::open(&settings).await.expect("open");
    let delivery = settings.clone();
    let arrives = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut postman = postman(&delivery).await;
        postman
            .append(&delivery.mailbox, None, None, message(7))
            .await
            .expect("append");
    });
    // Without the server's word the wait would run out (and say "no change").
    let (mut mailbox, changed) = mailbox.idle(Duration::from_secs(60)).await.expect("idle");
    arrives.await.expect("delivery");
    assert!(changed, "IDLE returned without news");
    assert_eq!(mailbox.unseen().await.expect("unseen").len(), 1);

    // A quiet mailbox: the wait runs out and says so.
    let (mailbox, changed) = mailbox
        .idle(Duration::from_millis(200))
        .await
        .expect("idle");
    assert!(!changed);
    mailbox.close().await;
}

#[tokio::test]
async fn imap_session_reads_until_told_to_stop() {
    let Some(settings) = fresh_mailbox("session").await else {
        return;
    };
    let mut first = postman(&settings).await;
    first
        .append(&settings.mailbox, None, None, message(1))
        .await
        .expect("append");
    let delivery = settings.clone();
    let mut stored = Vec::new();
    let mut rounds = 0;
    let n = imap::session(
        &settings,
        Duration::from_secs(60),
        &mut |m: Fetched| {
            stored.push(m.raw);
            async { Handed::Stored }
        },
        &mut || {
            rounds += 1;
            let delivery = delivery.clone();
            let round = rounds;
            async move {
                if round == 1 {
                    // Mail that arrives during the first IDLE round.
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let mut postman = postman(&delivery).await;
                        postman
                            .append(&delivery.mailbox, None, None, message(2))
                            .await
                            .expect("append");
                    });
                }
                round == 1
            }
        },
    )
    .await
    .expect("session");
    assert_eq!(n, 2);
    assert_eq!(stored, [message(1), message(2)]);
}

#[tokio::test]
async fn imap_wrong_password_is_a_login_error() {
    let Some(mut settings) = server("INBOX") else {
        return;
    };
    settings.password = desk::mail::Secret::new("not the password");
    let err = Mailbox::open(&settings).await.expect_err("refused");
    assert!(matches!(err, ImapError::Login(..)), "{err}");
    assert!(!err.to_string().contains("not the password"), "{err}");
}

#[tokio::test]
async fn imap_unreachable_server_is_a_connect_error() {
    // A port nothing listens on (bound, then released).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let settings =
        ImapSettings::parse(&format!("imap://u:p@127.0.0.1:{port}/INBOX")).expect("settings");
    let err = Mailbox::open(&settings).await.expect_err("refused");
    assert!(matches!(err, ImapError::Connect(..)), "{err}");
}
