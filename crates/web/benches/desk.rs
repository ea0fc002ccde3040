//! The service desk at scale: a database with 1,000,000 tickets (SQLite, and PostgreSQL when
//! `TEST_DATABASE_URL` is set), a real server on loopback, and three measurements over HTTP:
//! filing tickets (throughput), the first page of the agent queue (p99), and a ticket with
//! 100 events (p99).
//!
//! `cargo bench -p web --bench desk` (options after `--`: `--tickets N`, `--quick`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use desk::clock::SystemClock;
use jiff::Timestamp;
use store::{NewPerson, Role, Scope, Store};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use web::{AppState, Config};

mod common;
use common::{percentile, token_for};

struct Options {
    tickets: i64,
    creates: usize,
    samples: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick" || a == "--test");
    let tickets = args
        .iter()
        .position(|a| a == "--tickets")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 20_000 } else { 1_000_000 });
    Options {
        tickets,
        creates: if quick { 500 } else { 6_000 },
        samples: if quick { 100 } else { 1_000 },
    }
}

/// A minimal HTTP/1.1 client on one keep-alive connection.
struct Client {
    conn: BufReader<TcpStream>,
    token: String,
}

impl Client {
    async fn new(addr: std::net::SocketAddr, token: &str) -> Client {
        let conn = TcpStream::connect(addr).await.expect("connect");
        conn.set_nodelay(true).expect("nodelay");
        Client {
            conn: BufReader::new(conn),
            token: token.to_string(),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: Option<&str>) -> (u16, Vec<u8>) {
        let body = body.unwrap_or("");
        let auth = if self.token.starts_with("loket_session=") {
            format!("Cookie: {}\r\nAccept-Encoding: gzip", self.token)
        } else {
            format!("Authorization: Bearer {}", self.token)
        };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.conn
            .get_mut()
            .write_all(req.as_bytes())
            .await
            .expect("write");
        let mut line = String::new();
        self.conn.read_line(&mut line).await.expect("status line");
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.conn.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().expect("length");
                }
                if k.eq_ignore_ascii_case("transfer-encoding")
                    && v.trim().eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        if !chunked {
            let mut buf = vec![0; length];
            self.conn.read_exact(&mut buf).await.expect("body");
            return (status, buf);
        }
        let mut buf = Vec::new();
        loop {
            line.clear();
            self.conn.read_line(&mut line).await.expect("chunk size");
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            let mut chunk = vec![0; size + 2];
            self.conn.read_exact(&mut chunk).await.expect("chunk");
            if size == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..size]);
        }
        (status, buf)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Loads `n` tickets (10% open, the rest resolved) with a creation event and two targets each,
/// in one statement per table, straight into the database.
async fn bulk_load(url: &str, n: i64, orgs: &[(i64, i64, i64)]) {
    let now = Timestamp::now().as_millisecond();
    let year = 365 * 24 * 3_600_000i64;
    let org_count = orgs.len() as i64;
    let (org_case, reporter_case, agreement_case) = orgs.iter().enumerate().fold(
        (String::new(), String::new(), String::new()),
        |(mut o, mut r, mut a), (i, (org, reporter, agreement))| {
            o.push_str(&format!(" WHEN {i} THEN {org}"));
            r.push_str(&format!(" WHEN {i} THEN {reporter}"));
            a.push_str(&format!(" WHEN {i} THEN {agreement}"));
            (o, r, a)
        },
    );
    let select = format!(
        "SELECT CASE n % {org_count}{org_case} END, CASE n % {org_count}{agreement_case} END, \
         CASE n % 3 WHEN 0 THEN 'question' ELSE 'incident' END, \
         CASE n % 3 WHEN 0 THEN NULL ELSE CASE n % 4 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'normal' ELSE 'low' END END, \
         CASE WHEN n % 10 = 0 THEN 'open' ELSE 'closed' END, 'web', \
         'Storing ' || n || ' in module ' || (n % 97), \
         CASE n % {org_count}{reporter_case} END, NULL, \
         {now} - {year} + n * ({year} / {n}), {now} - {year} + n * ({year} / {n}), {now} - {year} + n * ({year} / {n}), \
         {now} - {year} + n * ({year} / {n}), \
         CASE WHEN n % 10 = 0 THEN {now} - {year} + n * ({year} / {n}) + 14400000 ELSE NULL END, \
         CASE WHEN n % 10 = 0 THEN {now} - {year} + n * ({year} / {n}) + 14400000 ELSE NULL END, \
         CASE WHEN n % 10 = 0 THEN 'running' WHEN n % 23 = 0 THEN 'missed' ELSE 'met' END, 0, 1"
    );
    let columns = "(org_id, agreement_id, kind, priority, status, channel, subject, reporter_id, \
        assignee_id, received_at, created_at, updated_at, clock_start, next_deadline, queue_at, \
        sla_outcome, paused, event_count)";
    let store = Store::connect(url).await.expect("store");
    let (tickets_sql, events_sql, targets_sql) = if store.backend() == "postgres" {
        (
            format!("INSERT INTO tickets {columns} {select} FROM generate_series(1, {n}) AS s(n)"),
            "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data, recorded_at) \
             SELECT id, received_at, reporter_id, 'created', '{\"kind\":\"' || kind || '\"}', created_at FROM tickets"
                .to_string(),
            "INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, deadline, outcome, decided_at, business_used, budget, decided_month, org_id) \
             SELECT id, b, 9000 + b * 1000, '4 hours', clock_start + 14400000 * (b + 1), \
             CASE WHEN status = 'open' THEN 'running' ELSE 'met' END, NULL, 3600, 14400, \
             CASE WHEN status = 'open' THEN NULL ELSE 202610 END, org_id \
             FROM tickets, (SELECT 0 AS b UNION ALL SELECT 1) AS bounds"
                .to_string(),
        )
    } else {
        (
            format!(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) \
                 INSERT INTO tickets {columns} {select} FROM seq"
            ),
            "INSERT INTO ticket_events (ticket_id, at, actor_id, kind, data, recorded_at) \
             SELECT id, received_at, reporter_id, 'created', '{\"kind\":\"' || kind || '\"}', created_at FROM tickets"
                .to_string(),
            "INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, deadline, outcome, decided_at, business_used, budget, decided_month, org_id) \
             SELECT id, b, 9000 + b * 1000, '4 hours', clock_start + 14400000 * (b + 1), \
             CASE WHEN status = 'open' THEN 'running' ELSE 'met' END, NULL, 3600, 14400, \
             CASE WHEN status = 'open' THEN NULL ELSE 202610 END, org_id \
             FROM tickets, (SELECT 0 AS b UNION ALL SELECT 1) AS bounds"
                .to_string(),
        )
    };
    store.close().await;
    let started = Instant::now();
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("pg");
        for sql in [&tickets_sql, &events_sql, &targets_sql] {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await
                .expect("bulk load");
        }
        sqlx::query("ANALYZE")
            .execute(&pool)
            .await
            .expect("analyze");
        pool.close().await;
    } else {
        let path = url.trim_start_matches("sqlite:");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{path}"))
            .await
            .expect("sqlite");
        for sql in [&tickets_sql, &events_sql, &targets_sql] {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await
                .expect("bulk load");
        }
        sqlx::query("ANALYZE")
            .execute(&pool)
            .await
            .expect("analyze");
        pool.close().await;
    }
    println!(
        "  loaded {n} tickets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn run(url: &str, opts: &Options) {
    println!(
        "\n== {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let store = Store::connect(url).await.expect("store");
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Config::default());
    let admin = state
        .create_person(
            None,
            NewPerson {
                email: "admin@bench.example".into(),
                name: "Bench Admin".into(),
                role: Role::Admin,
                org_id: None,
                lang: "nl".into(),
                password_hash: None,
            },
        )
        .await
        .expect("admin")
        .0;
    let admin_token = token_for(&store, admin.id).await;
    let caller = web::auth::Caller {
        scope: web::auth::scope_of(&admin),
        person: admin,
        via_token: true,
    };
    let mut orgs = Vec::new();
    let mut customer_tokens = Vec::new();
    for i in 0..20 {
        let org = state
            .create_org(&caller, &format!("Klant {i:02}"))
            .await
            .expect("org");
        let (reporter, _) = state
            .create_person(
                Some(&caller),
                NewPerson {
                    email: format!("beheerder{i}@klant{i}.example"),
                    name: format!("Beheerder {i}"),
                    role: Role::CustomerAdmin,
                    org_id: Some(org.id),
                    lang: "nl".into(),
                    password_hash: None,
                },
            )
            .await
            .expect("customer admin");
        let agreement = store
            .agreements(&Scope::System, org.id)
            .await
            .expect("agreements")[0]
            .id;
        orgs.push((org.id.0, reporter.id.0, agreement.0));
        customer_tokens.push(token_for(&store, reporter.id).await);
    }
    store.close().await;
    bulk_load(url, opts.tickets, &orgs).await;

    let store = Store::connect(url).await.expect("store");
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(web::serve(listener, state));

    // 1. Filing tickets over the API, 8 connections in parallel.
    let started = Instant::now();
    let per_client = opts.creates / 8;
    let mut tasks = Vec::new();
    for c in 0..8 {
        let token = customer_tokens[c % customer_tokens.len()].clone();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(addr, &token).await;
            for i in 0..per_client {
                let body = format!(
                    r#"{{"kind":"incident","priority":"normal","subject":"Bench {c}-{i}","description":"Het rapport laadt niet."}}"#
                );
                let (status, _) = client.call("POST", "/api/v1/tickets", Some(&body)).await;
                assert_eq!(status, 201, "filing a ticket");
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let elapsed = started.elapsed();
    let created = per_client * 8;
    println!(
        "  file tickets over the API: {created} in {:.2} s = {:.0} tickets/s (8 connections)",
        elapsed.as_secs_f64(),
        created as f64 / elapsed.as_secs_f64()
    );

    // 2. First page of the agent queue.
    let mut client = Client::new(addr, &admin_token).await;
    let mut times = Vec::with_capacity(opts.samples);
    for _ in 0..opts.samples {
        let t = Instant::now();
        let (status, body) = client
            .call("GET", "/api/v1/tickets?order=queue&limit=50", None)
            .await;
        times.push(t.elapsed());
        assert_eq!(status, 200);
        assert!(body.len() > 1000, "a full page");
    }
    times.sort();
    println!(
        "  first page of the queue (50 tickets): p50 {} p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );

    // 3. One ticket with 100 events.
    let mut customer = Client::new(addr, &customer_tokens[0]).await;
    let (status, body) = customer
        .call(
            "POST",
            "/api/v1/tickets",
            Some(r#"{"kind":"question","subject":"Honderd berichten"}"#),
        )
        .await;
    assert_eq!(status, 201);
    let id = serde_json::from_slice::<serde_json::Value>(&body).expect("json")["id"]
        .as_i64()
        .expect("id");
    for i in 1..100 {
        let body = format!(r#"{{"body":"Bericht {i}: nog een aanvulling op de vraag."}}"#);
        let (status, _) = customer
            .call(
                "POST",
                &format!("/api/v1/tickets/{id}/comments"),
                Some(&body),
            )
            .await;
        assert_eq!(status, 200);
    }
    let mut ticket_times = Vec::with_capacity(opts.samples);
    let mut events_times = Vec::with_capacity(opts.samples);
    for _ in 0..opts.samples {
        let t = Instant::now();
        let (status, _) = client
            .call("GET", &format!("/api/v1/tickets/{id}"), None)
            .await;
        ticket_times.push(t.elapsed());
        assert_eq!(status, 200);
        let t = Instant::now();
        let (status, body) = client
            .call("GET", &format!("/api/v1/tickets/{id}/events"), None)
            .await;
        events_times.push(t.elapsed());
        assert_eq!(status, 200);
        let events: Vec<serde_json::Value> = serde_json::from_slice(&body).expect("json");
        assert_eq!(events.len(), 100);
    }
    ticket_times.sort();
    events_times.sort();
    pages(&store, addr, id, opts).await;
    println!(
        "  one ticket with 100 events: ticket p50 {} p99 {}; its 100 events p50 {} p99 {}",
        ms(percentile(&ticket_times, 0.5)),
        ms(percentile(&ticket_times, 0.99)),
        ms(percentile(&events_times, 0.5)),
        ms(percentile(&events_times, 0.99))
    );
    store.close().await;
}

/// Every page of the web interface, rendered on the server: p99 time and gzip size.
async fn pages(store: &Store, addr: std::net::SocketAddr, ticket: i64, opts: &Options) {
    let people = store
        .list_people(&Scope::System, None)
        .await
        .expect("people");
    let admin = people
        .iter()
        .find(|p| p.role == Role::Admin)
        .expect("admin");
    let customer = people
        .iter()
        .find(|p| p.role == Role::CustomerAdmin)
        .expect("customer");
    let org = customer.org_id.expect("org").0;
    let now = Timestamp::now().as_millisecond();
    let session = |p: &store::Person| {
        let secret = web::auth::new_secret().expect("secret");
        let hash = web::auth::hash_secret(&secret);
        let id = p.id;
        async move {
            store
                .create_session(&hash, id, now, now + 3_600_000)
                .await
                .expect("session");
            format!("loket_session={secret}")
        }
    };
    let vendor = session(admin).await;
    let client_cookie = session(customer).await;
    let routes: Vec<(&str, String, &String)> = vec![
        ("sign-in page", "/login".into(), &vendor),
        ("agent queue", "/desk".into(), &vendor),
        (
            "queue filtered",
            "/desk?kind=incident&priority=urgent".into(),
            &vendor,
        ),
        ("register a phone call", "/desk/phone".into(), &vendor),
        (
            "ticket page (100 events)",
            format!("/tickets/{ticket}"),
            &vendor,
        ),
        ("customer portal", "/portal".into(), &client_cookie),
        ("file a ticket", "/portal/new".into(), &client_cookie),
        ("administration", "/admin".into(), &vendor),
        (
            "a customer's agreements",
            format!("/admin/customers/{org}"),
            &vendor,
        ),
        ("people", "/admin/people".into(), &vendor),
    ];
    for (name, path, cookie) in routes {
        let mut client = Client::new(addr, cookie).await;
        let mut times = Vec::with_capacity(opts.samples);
        let mut size = 0;
        for _ in 0..opts.samples.min(300) {
            let t = Instant::now();
            let (status, body) = client.call("GET", &path, None).await;
            times.push(t.elapsed());
            assert_eq!(status, 200, "{path}");
            size = body.len();
        }
        times.sort();
        println!(
            "  page {name} ({path}): p50 {} p99 {}, {:.1} KB gzip",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            size as f64 / 1024.0
        );
    }
}

fn main() {
    let opts = options();
    common::on_each_database("desk", |url| {
        let opts = &opts;
        async move { run(&url, opts).await }
    });
}
