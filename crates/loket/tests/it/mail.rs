//! `loket mail ingest` for a mail server's pipe: exit 0 when the message is stored (the same
//! message twice is one), 2 with a message on bad input, 75 when the database is away.

use crate::support::{loket, scratch};

const MAIL: &str = "From: Iemand <iemand@elders.example>\r\n\
    To: servicedesk@loket.example\r\n\
    Subject: Hallo\r\n\
    Message-ID: <pipe1@elders.example>\r\n\
    \r\n\
    Een vraag.\r\n";

#[test]
fn mail_ingest_stores_once_and_exits_by_the_rules() {
    let dir = scratch("mail-ingest");
    let url = format!("sqlite:{}", dir.join("loket.db").display());
    let args = [
        "mail",
        "ingest",
        "--database",
        &url,
        "--mail-domain",
        "loket.example",
    ];
    let first = loket(&args, MAIL.as_bytes());
    assert_eq!(first.code, 0, "{}", first.stderr);
    // An unknown sender is stored and refused (without an answer).
    assert_eq!(first.lines(), ["mail 1: refused"]);
    let again = loket(&args, MAIL.as_bytes());
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.lines(), ["mail 1: duplicate"]);

    let empty = loket(&args, b"  \r\n");
    assert_eq!(empty.code, 2);
    assert_eq!(
        empty.err_lines(),
        ["loket: error: no message on standard input"]
    );

    let bad_dns = loket(
        &[
            "mail",
            "ingest",
            "--database",
            &url,
            "--mail-dns",
            "nergens",
        ],
        MAIL.as_bytes(),
    );
    assert_eq!(bad_dns.code, 2, "{}", bad_dns.stderr);
    assert!(
        bad_dns
            .stderr
            .contains("--mail-dns \"nergens\": expected system, off or HOST:PORT"),
        "{}",
        bad_dns.stderr
    );

    let pending = loket(&["mail", "ingest", "--pending", "--database", &url], b"");
    assert_eq!(pending.code, 0, "{}", pending.stderr);
    assert_eq!(pending.lines(), ["0 pending messages finished"]);
}

#[test]
fn mail_ingest_asks_for_a_retry_when_the_database_is_away() {
    let away = loket(
        &[
            "mail",
            "ingest",
            "--database",
            "postgres://loket:x@127.0.0.1:1/loket",
        ],
        MAIL.as_bytes(),
    );
    assert_eq!(away.code, 75, "{}", away.stderr);
    assert!(
        away.stderr.contains("cannot open the database"),
        "{}",
        away.stderr
    );
}
