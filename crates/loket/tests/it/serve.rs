//! `loket serve` for real: first start on an empty SQLite database creates the administrator
//! (password from stdin, or generated and printed once), serves on the address given, and the
//! printed credentials sign in over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::scratch;

struct Server {
    child: Child,
    port: u16,
    stdout: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `loket serve` and waits for its "serves on" line.
fn start(db: &str, stdin: Option<&str>) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_loket"))
        .args([
            "serve",
            "--database",
            db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--admin-email", "beheer.loket@example.nl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("loket serve starts");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("stdin written");
    }
    drop(pipe);
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stdout = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let done = line.contains("serves on");
        stdout.push(line);
        if done {
            break;
        }
    }
    Server {
        child,
        port,
        stdout,
    }
}

/// One HTTP/1.1 request; the status and the body.
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("response");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn sign_in(port: u16, password: &str) -> u16 {
    let body = format!(r#"{{"email":"beheer.loket@example.nl","password":"{password}"}}"#);
    http(port, "POST", "/api/v1/session", &body).0
}

#[test]
fn first_start_takes_the_administrator_password_from_stdin() {
    let dir = scratch("serve-stdin");
    let db = format!("sqlite:{}", dir.join("loket.db").display());
    let server = start(&db, Some("een-lang-wachtwoord-2026\n"));
    let out = server.stdout.join("\n");
    assert!(
        out.contains("administrator beheer.loket@example.nl created with the password from stdin"),
        "{out}"
    );
    assert!(
        out.contains(&format!("http://127.0.0.1:{}/", server.port)),
        "{out}"
    );
    assert!(out.contains("using sqlite"), "{out}");
    assert_eq!(http(server.port, "GET", "/healthz", "").0, 200);
    assert_eq!(sign_in(server.port, "een-lang-wachtwoord-2026"), 200);
    assert_eq!(sign_in(server.port, "een-ander-wachtwoord"), 401);
    drop(server);

    // Second start on the same database: no new administrator, the old password still works.
    let server = start(&db, None);
    let out = server.stdout.join("\n");
    assert!(!out.contains("First start"), "{out}");
    assert_eq!(sign_in(server.port, "een-lang-wachtwoord-2026"), 200);
}

#[test]
fn first_start_without_a_password_generates_one_and_prints_it_once() {
    let dir = scratch("serve-generated");
    let db = format!("sqlite:{}", dir.join("loket.db").display());
    let server = start(&db, None);
    let out = server.stdout.join("\n");
    let password = out
        .split("with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no generated password in {out}"));
    assert!(password.len() >= 12, "{password}");
    assert_eq!(sign_in(server.port, password), 200);
}

#[test]
fn a_too_short_password_on_stdin_is_refused_with_exit_code_2() {
    let dir = scratch("serve-short");
    let db = format!("sqlite:{}", dir.join("loket.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_loket"))
        .args([
            "serve",
            "--database",
            &db,
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"kort\n")
        .expect("stdin");
    let out = child.wait_with_output().expect("ends");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fewer than 12 characters"));
}
