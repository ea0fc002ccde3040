//! Signing in and out, throttling, sessions and API tokens.

use axum::http::{Method, header};
use serde_json::json;

use crate::harness::{App, Auth, Req, session_from};
use crate::world::ADMIN_PASSWORD;

fn sign_in_body(email: &str, password: &str) -> serde_json::Value {
    json!({ "email": email, "password": password })
}

/// Wrong passwords are 401; after the fifth failure from one address that address is refused
/// for the account for the window, even with the right password (429 with Retry-After);
/// after the window it opens again.
pub async fn signin_throttling(app: App) {
    let admin = app.bootstrap_admin().await;
    let email = admin.email.as_str();
    let r = app
        .post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body(email, "fout-wachtwoord-1"),
        )
        .await
        .problem(401, None);
    assert!(session_from(&r).is_none());
    // Unknown accounts look exactly like wrong passwords.
    let unknown = app
        .post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body("niemand@loket.example", "fout-wachtwoord-1"),
        )
        .await
        .problem(401, None);
    assert_eq!(unknown.json, r.json);
    // A success clears the count.
    app.sign_in(&email.to_uppercase(), ADMIN_PASSWORD).await;
    for n in 0..5 {
        app.advance(10);
        app.post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body(&email.to_uppercase(), &format!("fout-wachtwoord-{n}")),
        )
        .await
        .problem(401, None);
    }
    let r = app
        .post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body(email, ADMIN_PASSWORD),
        )
        .await
        .problem(429, None);
    assert_eq!(
        r.headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("900")
    );
    assert!(session_from(&r).is_none());
    // The existing session is not affected.
    app.get(&admin.session(), "/api/v1/me").await.expect(200);
    // 15 minutes after the first of the five failures, one has left the window.
    app.advance(15 * 60 - 40);
    app.post(
        &Auth::None,
        "/api/v1/session",
        sign_in_body(email, ADMIN_PASSWORD),
    )
    .await
    .expect(429);
    app.advance(1);
    app.sign_in(email, ADMIN_PASSWORD).await;
}

/// Twenty failures from one client address block that address for every account, while
/// other addresses go on.
pub async fn signin_throttling_per_client(app: App) {
    let admin = app.bootstrap_admin().await;
    for n in 0..20 {
        app.send(
            Req::new(Method::POST, "/api/v1/session")
                .json(&sign_in_body(
                    &format!("gok{n}@loket.example"),
                    "raden-raden-raden",
                ))
                .client("203.0.113.7"),
        )
        .await
        .problem(401, None);
    }
    let right = sign_in_body(&admin.email, ADMIN_PASSWORD);
    let r = app
        .send(
            Req::new(Method::POST, "/api/v1/session")
                .json(&right)
                .client("203.0.113.7"),
        )
        .await
        .problem(429, None);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    let r = app
        .send(
            Req::new(Method::POST, "/api/v1/session")
                .json(&right)
                .client("198.51.100.20"),
        )
        .await
        .expect(200);
    assert!(session_from(&r).is_some());
}

/// Sessions: the cookie is HttpOnly and lasts 12 hours; signing out ends it; signing out
/// everywhere ends every session and revokes every token.
pub async fn signin_sessions_and_sign_out(app: App) {
    let w = app.world().await;
    let cadmin = &w.a.admin;
    let r = app
        .post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body(&cadmin.email, &cadmin.password),
        )
        .await
        .expect(200);
    assert_eq!(r.json["id"].as_i64(), Some(cadmin.id));
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_string();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    // Behind HTTPS the cookie is Secure too.
    let secure = app.with_config(web::Config {
        secure_cookies: true,
        ..web::Config::default()
    });
    let r = secure
        .post(
            &Auth::None,
            "/api/v1/session",
            sign_in_body(&cadmin.email, &cadmin.password),
        )
        .await
        .expect(200);
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        set.contains("; Secure") && set.contains("HttpOnly"),
        "{set}"
    );
    let one = Auth::Cookie(session_from(&r).expect("session"));
    let two = Auth::Cookie(app.sign_in(&cadmin.email, &cadmin.password).await);
    app.get(&one, "/api/v1/me").await.expect(200);
    // Signing out ends this session only, and clears the cookie.
    let r = app.delete(&one, "/api/v1/session").await.expect(204);
    let cleared = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    assert!(cleared.starts_with("loket_session=;") && cleared.contains("Max-Age=0"));
    app.get(&one, "/api/v1/me").await.problem(401, None);
    app.delete(&one, "/api/v1/session").await.problem(401, None);
    app.get(&two, "/api/v1/me").await.expect(200);
    // A made-up or empty cookie is nobody.
    for bogus in ["", "0000", "loket"] {
        app.get(&Auth::Cookie(bogus.into()), "/api/v1/me")
            .await
            .problem(401, None);
    }
    // Everywhere: sessions two and three, and the tokens, end together.
    let three = Auth::Cookie(app.sign_in(&cadmin.email, &cadmin.password).await);
    let (_, second_token) = app.new_token(&three, "tweede").await;
    app.advance(5);
    app.post(&two, "/api/v1/session/everywhere", json!({}))
        .await
        .expect(204);
    for auth in [
        two.clone(),
        three.clone(),
        cadmin.session(),
        cadmin.bearer(),
        Auth::Bearer(second_token),
    ] {
        app.get(&auth, "/api/v1/me").await.problem(401, None);
    }
    // Other people are not affected.
    app.get(&w.a.viewer.session(), "/api/v1/me")
        .await
        .expect(200);
    app.get(&w.a.viewer.bearer(), "/api/v1/me")
        .await
        .expect(200);
    // Signing in again works, and shows the tokens revoked.
    app.advance(1);
    let again = Auth::Cookie(app.sign_in(&cadmin.email, &cadmin.password).await);
    let r = app.get(&again, "/api/v1/tokens").await.expect(200);
    let tokens = r.json.as_array().expect("list");
    assert_eq!(tokens.len(), 2);
    assert!(
        tokens.iter().all(|t| t["revoked_at"].is_string()),
        "{}",
        r.json
    );
    // A session ends by itself after 12 hours; a token does not.
    let (_, token) = app.new_token(&again, "lang").await;
    app.advance(12 * 3600 - 1);
    app.get(&again, "/api/v1/me").await.expect(200);
    app.advance(1);
    app.get(&again, "/api/v1/me").await.problem(401, None);
    app.get(&Auth::Bearer(token), "/api/v1/me")
        .await
        .expect(200);
}

/// API tokens: created with a secret shown once, listed without it, usable as Bearer,
/// revocable by their owner only.
pub async fn signin_api_tokens(app: App) {
    let w = app.world().await;
    let owner = w.a.admin.session();
    let r = app
        .post(
            &owner,
            "/api/v1/tokens",
            json!({ "name": "  Koppeling CRM  " }),
        )
        .await
        .expect(201);
    let secret = r.json["secret"].as_str().expect("secret").to_string();
    let id = r.json["token"]["id"].as_i64().expect("id");
    assert_eq!(r.json["token"]["name"], "Koppeling CRM");
    assert_eq!(r.json["token"]["last_used_at"], serde_json::Value::Null);
    assert!(secret.len() >= 32, "{secret}");
    let bearer = Auth::Bearer(secret.clone());
    app.advance(30);
    let me = app.get(&bearer, "/api/v1/me").await.expect(200);
    assert_eq!(me.json["id"].as_i64(), Some(w.a.admin.id));
    // Filing with a token is the API channel.
    let t = app
        .file(
            &bearer,
            json!({ "kind": "question", "subject": "Via de API" }),
        )
        .await;
    assert_eq!(t["channel"], "api");
    // The listing never shows a secret, nor anything derived from it.
    let r = app.get(&owner, "/api/v1/tokens").await.expect(200);
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(!text.contains(&secret), "{text}");
    assert!(!text.contains(&web::auth::hash_secret(&secret)), "{text}");
    assert!(!text.contains("secret") && !text.contains("hash"), "{text}");
    let mine = r
        .json
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["id"].as_i64() == Some(id))
        .expect("listed")
        .clone();
    assert_eq!(mine["last_used_at"], "2026-11-23T09:00:30Z");
    assert_eq!(mine["revoked_at"], serde_json::Value::Null);
    // Only one's own tokens are listed and revocable.
    let r = app
        .get(&w.b.admin.session(), "/api/v1/tokens")
        .await
        .expect(200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&format!("\"id\":{id},")));
    for other in [w.b.admin.session(), w.admin.session(), w.a.viewer.bearer()] {
        app.delete(&other, &format!("/api/v1/tokens/{id}"))
            .await
            .problem(404, None);
    }
    app.get(&bearer, "/api/v1/me").await.expect(200);
    // Revoked: 401 from then on, and revoking again is 404.
    app.delete(&owner, &format!("/api/v1/tokens/{id}"))
        .await
        .expect(204);
    app.get(&bearer, "/api/v1/me").await.problem(401, None);
    app.post(
        &bearer,
        "/api/v1/tickets",
        json!({ "kind": "question", "subject": "Nog eentje" }),
    )
    .await
    .problem(401, None);
    app.delete(&owner, &format!("/api/v1/tokens/{id}"))
        .await
        .problem(404, None);
    // A token can revoke itself.
    let (own_id, own_secret) = app.new_token(&owner, "zelf").await;
    let own = Auth::Bearer(own_secret);
    app.delete(&own, &format!("/api/v1/tokens/{own_id}"))
        .await
        .expect(204);
    app.get(&own, "/api/v1/me").await.problem(401, None);
    // Names: 1 to 100 characters (a longer one breaks the document: 400).
    for name in ["", "   "] {
        app.post(&owner, "/api/v1/tokens", json!({ "name": name }))
            .await
            .problem(422, Some("name"));
    }
    app.post(&owner, "/api/v1/tokens", json!({ "name": "x".repeat(101) }))
        .await
        .problem(400, Some("name"));
    // A malformed Authorization header is nobody, not an error.
    for value in [
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "Basic dXNlcjpwYXNz",
        "bearer x",
        "Bearer \u{e9}",
    ] {
        app.send(Req::new(Method::GET, "/api/v1/me").header("authorization", value))
            .await
            .problem(401, None);
    }
    // A bogus token is not rescued by a valid cookie sent along.
    app.send(
        Req::new(Method::GET, "/api/v1/me")
            .auth(&owner)
            .header("authorization", "Bearer bogus"),
    )
    .await
    .problem(401, None);
}
