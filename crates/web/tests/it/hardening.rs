//! What an attacker tried: redirects off-site, hostile values in headers, months out of range,
//! headers on API answers, slow clients, locking others out, and small refusals.

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{App, Req, session_from};
use crate::pagekit::{Browser, sign_in_form};
use crate::world::ADMIN_PASSWORD;

/// Signs in through the sign-in form with `next`; returns the status and `Location`.
async fn sign_in_page(app: &App, email: &str, password: &str, next: &str) -> (StatusCode, String) {
    let router = web::router(app.state.clone());
    let fields = [("email", email), ("password", password), ("next", next)];
    let res = sign_in_form(&router, "", &fields).await;
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (res.status(), location)
}

/// After sign-in only a path on this site is followed: a tab, a newline, a backslash or a
/// second slash sends the person home instead; a value no header may carry is no 500.
pub async fn hardening_redirects_stay_on_site(app: App) {
    let admin = app.bootstrap_admin().await;
    for hostile in [
        "/\t/evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/\r\nSet-Cookie: x=1",
        "/a\nb",
    ] {
        let (status, location) = sign_in_page(&app, &admin.email, ADMIN_PASSWORD, hostile).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(location, "/", "{hostile:?}");
    }
    let (status, location) =
        sign_in_page(&app, &admin.email, ADMIN_PASSWORD, "/reports/2026-10").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/reports/2026-10");
    // The form itself never offers a hostile target back.
    let page = Browser::with_cookie(&app, "")
        .get("/login?next=%2F%09%2Fevil.example%2F")
        .await
        .expect(200);
    assert!(!page.html.contains("evil.example"), "{}", page.html);
}

/// Months outside what loket counts are a 4xx, never a 500.
pub async fn hardening_months_out_of_range(app: App) {
    let w = app.world().await;
    let b = Browser::of(&app, &w.manager);
    for month in ["1969-12", "2200-01", "0000-01", "9999-12"] {
        let page = b.get(&format!("/reports/{month}")).await;
        assert!(page.status.is_client_error(), "{month}: {}", page.status);
        let api = app
            .get(
                &w.manager.session(),
                &format!("/api/v1/reports/{month}?organization={}", w.a.id),
            )
            .await;
        assert!(api.status.is_client_error(), "{month}: {}", api.status);
    }
}

/// API answers carry the pages' security headers and are never stored on the way; HSTS
/// only when served over HTTPS.
pub async fn hardening_headers_on_every_answer(app: App) {
    let w = app.world().await;
    for path in ["/api/v1/me", "/api/v1/tickets", "/api/v1/nothing-here"] {
        let r = app.get(&w.a.admin.session(), path).await;
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("cache-control", "no-store"),
            ("referrer-policy", "same-origin"),
        ] {
            assert_eq!(
                r.headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{path}: {name}"
            );
        }
        assert!(r.headers.contains_key("content-security-policy"), "{path}");
        assert!(
            !r.headers.contains_key("strict-transport-security"),
            "{path}"
        );
    }
    // The stylesheet is public and keeps its own caching.
    let css = Browser::with_cookie(&app, "")
        .get("/static/loket.css")
        .await;
    assert_eq!(css.header("cache-control"), "public, max-age=3600");
    let https = app.with_config(web::Config {
        secure_cookies: true,
        ..web::Config::default()
    });
    let r = https
        .get(&w.a.admin.session(), "/api/v1/me")
        .await
        .expect(200);
    assert_eq!(
        r.headers
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
}

/// A client that starts a request and never finishes its headers is cut off after the
/// header limit, one that says nothing after the idle limit; a prompt one is served.
pub async fn hardening_slow_clients_are_closed(app: App) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let limits = web::server::Limits {
        header_read: Duration::from_millis(300),
        idle: Duration::from_millis(600),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::server::run(
        listener,
        web::router(app.state.clone()),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    // Prompt: answered.
    let mut ok = tokio::net::TcpStream::connect(addr).await.expect("connect");
    ok.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Slow headers: the connection is closed (EOF or a 408) well before the idle limit.
    for opening in [&b"GET /healthz HTTP/1.1\r\nhost:"[..], &b""[..]] {
        let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
        slow.write_all(opening).await.expect("write");
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest))
            .await
            .expect("the server closes a slow client's connection");
        let text = String::from_utf8_lossy(&rest);
        assert!(
            read.is_err() || rest.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text}"
        );
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(15), server)
        .await
        .expect("the server stops")
        .expect("join")
        .expect("serve");
}

/// Guessing someone's password from one address refuses that address (429), not the
/// person: they still sign in from theirs, only slowed down.
pub async fn hardening_no_lockout_of_others(app: App) {
    let admin = app.bootstrap_admin().await;
    let attempt = |client: &'static str, password: &str| {
        Req::new(Method::POST, "/api/v1/session")
            .json(&json!({ "email": admin.email, "password": password }))
            .client(client)
    };
    for n in 0..8 {
        let r = app
            .send(attempt("203.0.113.66", &format!("geraden-{n}")))
            .await;
        assert_eq!(r.status.as_u16(), if n < 5 { 401 } else { 429 }, "{n}");
    }
    // The right password from the attacker's address is refused too…
    app.send(attempt("203.0.113.66", ADMIN_PASSWORD))
        .await
        .problem(429, None);
    // …a third address guessing gets a plain 401…
    app.send(attempt("192.0.2.33", "nog-een-gok"))
        .await
        .problem(401, None);
    // …and the person signs in from their own, after a pause the clock was asked for.
    let before = app.clock.paused();
    let r = app
        .send(attempt("198.51.100.20", ADMIN_PASSWORD))
        .await
        .expect(200);
    assert!(session_from(&r).is_some());
    assert!(app.clock.paused() > before, "the account was slowed down");
}

/// Behind a trusted reverse proxy the address in `X-Forwarded-For` is the client; from
/// anywhere else that header is ignored.
pub async fn hardening_client_behind_a_proxy(app: App) {
    let admin = app.bootstrap_admin().await;
    let proxied = app.with_config(web::Config {
        trusted_proxies: vec!["10.0.0.0/8".parse().expect("range")],
        ..web::Config::default()
    });
    let guess = |xff: &str, peer: &'static str, password: &str| {
        Req::new(Method::POST, "/api/v1/session")
            .json(&json!({ "email": admin.email, "password": password }))
            .client(peer)
            .header("x-forwarded-for", xff)
    };
    // Five guesses by one client through the proxy refuse that client, not the proxy.
    for n in 0..5 {
        proxied
            .send(guess("203.0.113.9", "10.0.0.2", &format!("fout-{n}")))
            .await
            .problem(401, None);
    }
    proxied
        .send(guess("203.0.113.9", "10.0.0.2", ADMIN_PASSWORD))
        .await
        .problem(429, None);
    proxied
        .send(guess("198.51.100.4", "10.0.0.2", ADMIN_PASSWORD))
        .await
        .expect(200);
    // A forged header from outside the proxy's range changes nothing: the peer counts.
    proxied
        .send(guess("198.51.100.4", "203.0.113.9", ADMIN_PASSWORD))
        .await
        .problem(429, None);
}

/// Signing out everywhere is a JSON write like the rest; the last administrator stays one.
pub async fn hardening_small_refusals(app: App) {
    let w = app.world().await;
    let r = app
        .send(
            Req::new(Method::POST, "/api/v1/session/everywhere")
                .auth(&w.agent.session())
                .raw("", Some("application/x-www-form-urlencoded")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 415);
    app.get(&w.agent.session(), "/api/v1/me").await.expect(200);
    // The only administrator cannot step down…
    app.post(
        &w.admin.session(),
        &format!("/api/v1/people/{}/role", w.admin.id),
        json!({ "role": "agent" }),
    )
    .await
    .problem(409, Some("role"));
    // …until there is another one.
    app.post(
        &w.admin.session(),
        &format!("/api/v1/people/{}/role", w.manager.id),
        json!({ "role": "admin" }),
    )
    .await
    .expect(200);
    app.post(
        &w.admin.session(),
        &format!("/api/v1/people/{}/role", w.admin.id),
        json!({ "role": "agent" }),
    )
    .await
    .expect(200);
}
