//! The test bench: a fresh database per test (a SQLite file, or a PostgreSQL database made
//! through `TEST_DATABASE_URL`), the application over it with a fixed clock, and requests sent
//! straight into the router with `tower::ServiceExt::oneshot`.
//!
//! Every response passes through [`App::send`], which fails the test on a 500 and checks that
//! every error is an RFC 9457 problem document, so no test can forget to.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use desk::clock::FixedClock;
use jiff::Timestamp;
use serde_json::Value;
use sqlx::Connection;
use store::Store;
use tower::ServiceExt;
use web::{AppState, Config};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (always).
    Sqlite,
    /// A PostgreSQL database (when `TEST_DATABASE_URL` is set).
    Postgres,
}

/// A name no other test of this or a concurrent run uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}_{n}_{nanos}", std::process::id())
}

/// Writes past the harness's output capture.
fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `TEST_DATABASE_URL`, or `None` after saying PostgreSQL is skipped; panics instead when `CI`
/// is set or `LOKET_REQUIRE_POSTGRES=1`.
fn postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Some(url);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    let required = std::env::var("LOKET_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !(ci || required),
        "TEST_DATABASE_URL is not set, but PostgreSQL is required here (CI or \
         LOKET_REQUIRE_POSTGRES=1); run `source scripts/services.sh; start_postgres` first"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        notice(
            "web it: TEST_DATABASE_URL is not set: the `::postgres` tests are SKIPPED (they pass \
             without running). Run `source scripts/services.sh; start_postgres` first, or set \
             LOKET_REQUIRE_POSTGRES=1 to make this an error.",
        );
    });
    None
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Dir(dir) => {
                if let Err(e) = std::fs::remove_dir_all(&dir) {
                    notice(&format!("could not remove {}: {e}", dir.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let dropped = async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await?;
                    admin.close().await
                }
                .await;
                if let Err(e) = dropped {
                    notice(&format!("could not drop database {name}: {e}"));
                }
            }
        }
    }
}

/// A fresh, migrated store of `backend` and how to remove it, or `None` when unavailable.
async fn open(backend: Backend) -> Option<(Store, Cleanup)> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique("loket-web-it-"));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            let url = format!("sqlite:{}", dir.join("loket.db").display());
            match Store::connect(&url).await {
                Ok(s) => Some((s, Cleanup::Dir(dir))),
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    panic!("connect {url}: {e}");
                }
            }
        }
        Backend::Postgres => {
            let admin_url = postgres_url()?;
            let name = unique("loket_web_t_");
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("connect TEST_DATABASE_URL: {e}"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut admin)
                .await
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
            let _ = admin.close().await;
            let url = with_database(&admin_url, &name);
            let cleanup = Cleanup::Postgres { admin_url, name };
            match Store::connect(&url).await {
                Ok(s) => Some((s, cleanup)),
                Err(e) => {
                    cleanup.run().await;
                    panic!("connect {url}: {e}");
                }
            }
        }
    }
}

/// Runs `case` against the application over a fresh database of `backend`, removing the
/// database afterwards also when the case panics (the panic is passed on).
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((store, cleanup)) = open(backend).await else {
        return;
    };
    let app = App::new(store.clone(), backend);
    let outcome = tokio::spawn(case(app)).await;
    store.close().await;
    cleanup.run().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

/// An RFC 3339 instant.
pub fn at(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("test instant {s}: {e}"))
}

/// Monday 2026-11-23 10:00 in Amsterdam: inside Service Window 1. The world is built then.
pub const T0: &str = "2026-11-23T09:00:00Z";

/// The application under test, its fixed clock and its state.
#[derive(Clone)]
pub struct App {
    /// The state the router was built over (for bootstrapping and store look-ups).
    pub state: AppState,
    /// The clock; move it with [`App::set_time`].
    pub clock: Arc<FixedClock>,
    /// Which database is underneath.
    pub backend: Backend,
    router: Router,
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials.
    None,
    /// The session cookie with this secret.
    Cookie(String),
    /// `Authorization: Bearer` with this secret.
    Bearer(String),
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
    /// The body as JSON (`Null` if it is not JSON).
    pub json: Value,
}

impl Resp {
    /// Fails unless the status is `status`, showing the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// Fails unless this is a problem with `status` naming `field` first (`None`: no field).
    #[track_caller]
    pub fn problem(self, status: u16, field: Option<&str>) -> Resp {
        let r = self.expect(status);
        let named = r.json["errors"][0]["field"].as_str();
        assert_eq!(
            named,
            field,
            "problem {status} should name field {field:?}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r
    }

    /// The problem's `detail`.
    pub fn detail(&self) -> &str {
        self.json["detail"].as_str().unwrap_or_default()
    }

    /// The message of the problem's first field.
    pub fn field_message(&self) -> &str {
        self.json["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
    }

    /// A JSON field that must be an integer.
    #[track_caller]
    pub fn id(&self) -> i64 {
        self.json["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {}", self.json))
    }
}

/// Builds a request.
pub struct Req {
    method: Method,
    path: String,
    auth: Auth,
    body: Option<Body>,
    content_type: Option<String>,
    client: Option<SocketAddr>,
    headers: Vec<(String, String)>,
    server_error_expected: bool,
}

impl Req {
    /// A request without a body.
    pub fn new(method: Method, path: impl Into<String>) -> Req {
        Req {
            method,
            path: path.into(),
            auth: Auth::None,
            body: None,
            content_type: None,
            client: None,
            headers: Vec::new(),
            server_error_expected: false,
        }
    }

    /// Lets a 5xx through (for a database that is gone).
    pub fn server_error_expected(mut self) -> Req {
        self.server_error_expected = true;
        self
    }

    /// With a header.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With credentials.
    pub fn auth(mut self, auth: &Auth) -> Req {
        self.auth = auth.clone();
        self
    }

    /// With a JSON body.
    pub fn json(mut self, v: &Value) -> Req {
        self.body = Some(Body::from(v.to_string()));
        self.content_type = Some("application/json".into());
        self
    }

    /// With a raw body and content type (`None`: no Content-Type header).
    pub fn raw(mut self, body: impl Into<Body>, content_type: Option<&str>) -> Req {
        self.body = Some(body.into());
        self.content_type = content_type.map(str::to_string);
        self
    }

    /// As coming from this client address.
    pub fn client(mut self, ip: &str) -> Req {
        self.client = Some(SocketAddr::new(ip.parse().expect("ip"), 40_000));
        self
    }
}

impl App {
    fn new(store: Store, backend: Backend) -> App {
        let clock = Arc::new(FixedClock::new(at(T0)));
        let state = AppState::new(store, clock.clone(), Config::default());
        App {
            router: web::router(state.clone()),
            state,
            clock,
            backend,
        }
    }

    /// The same store and clock served with other settings.
    pub fn with_config(&self, config: Config) -> App {
        let state = AppState::new(self.state.store.clone(), self.clock.clone(), config);
        App {
            router: web::router(state.clone()),
            state,
            clock: self.clock.clone(),
            backend: self.backend,
        }
    }

    /// Moves the clock.
    pub fn set_time(&self, t: &str) {
        self.clock.set(at(t));
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let now = desk::clock::Clock::now(self.clock.as_ref());
        self.clock.set(
            now.checked_add(jiff::SignedDuration::from_secs(seconds))
                .expect("clock moves"),
        );
    }

    /// Sends a request and reads the response. Fails on a 500, and on an error response that
    /// is not a complete problem document.
    pub async fn send(&self, r: Req) -> Resp {
        let mut b = Request::builder().method(r.method.clone()).uri(&r.path);
        match &r.auth {
            Auth::None => {}
            Auth::Cookie(s) => {
                b = b.header(header::COOKIE, format!("{}={s}", web::auth::SESSION_COOKIE));
            }
            Auth::Bearer(s) => b = b.header(header::AUTHORIZATION, format!("Bearer {s}")),
        }
        if let Some(ct) = &r.content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        for (name, value) in &r.headers {
            b = b.header(name.as_str(), value.as_str());
        }
        let mut req = b.body(r.body.unwrap_or_else(Body::empty)).expect("request");
        if let Some(addr) = r.client {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let what = format!("{} {}", r.method, r.path);
        assert!(
            !status.is_server_error() || r.server_error_expected,
            "{what}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
        if status.is_client_error() {
            check_problem(&what, status, &headers, &json);
        }
        Resp {
            status,
            headers,
            body,
            json,
        }
    }

    /// `GET path`.
    pub async fn get(&self, auth: &Auth, path: &str) -> Resp {
        self.send(Req::new(Method::GET, path).auth(auth)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, auth: &Auth, path: &str, body: Value) -> Resp {
        self.send(Req::new(Method::POST, path).auth(auth).json(&body))
            .await
    }

    /// `DELETE path`.
    pub async fn delete(&self, auth: &Auth, path: &str) -> Resp {
        self.send(Req::new(Method::DELETE, path).auth(auth)).await
    }

    /// Signs in and returns the session cookie's secret.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                &Auth::None,
                "/api/v1/session",
                serde_json::json!({ "email": email, "password": password }),
            )
            .await
            .expect(200);
        session_from(&r).unwrap_or_else(|| panic!("no session cookie in {:?}", r.headers))
    }

    /// Creates an API token and returns its id and secret.
    pub async fn new_token(&self, auth: &Auth, name: &str) -> (i64, String) {
        let r = self
            .post(auth, "/api/v1/tokens", serde_json::json!({ "name": name }))
            .await
            .expect(201);
        let id = r.json["token"]["id"].as_i64().expect("token id");
        let secret = r.json["secret"].as_str().expect("secret").to_string();
        (id, secret)
    }

    /// The ids of every ticket `auth` sees (newest first, all pages).
    pub async fn all_ticket_ids(&self, auth: &Auth, filter: &str) -> Vec<i64> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/tickets?order=newest&limit=200{filter}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = self.get(auth, &path).await.expect(200);
            ids.extend(items(&r).iter().map(|t| t["id"].as_i64().expect("id")));
            match r.json["next"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return ids,
            }
        }
    }
}

/// The session cookie's secret set by a response, if any.
pub fn session_from(r: &Resp) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .trim()
                .strip_prefix(&format!("{}=", web::auth::SESSION_COOKIE))
                .map(str::to_string)
        })
}

/// The `items` of a ticket page.
pub fn items(r: &Resp) -> &Vec<Value> {
    r.json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {}", r.json))
}

/// Every error is `application/problem+json` with `type`, `title`, `status` (matching) and
/// `detail`; `errors`, when present, name a non-empty field each.
#[track_caller]
fn check_problem(what: &str, status: StatusCode, headers: &HeaderMap, json: &Value) {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "{what}: {status}: {json}");
    for key in ["type", "title", "detail"] {
        assert!(
            json[key].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: problem without `{key}`: {json}"
        );
    }
    assert_eq!(
        json["status"].as_u64(),
        Some(u64::from(status.as_u16())),
        "{what}: {json}"
    );
    if let Some(errors) = json.get("errors") {
        let errors = errors.as_array().expect("errors is an array");
        assert!(!errors.is_empty(), "{what}: empty errors: {json}");
        for e in errors {
            assert!(
                e["field"].as_str().is_some_and(|f| !f.is_empty()),
                "{what}: error without a field: {json}"
            );
            assert!(
                e["message"].as_str().is_some_and(|f| !f.is_empty()),
                "{what}: error without a message: {json}"
            );
        }
    }
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://u:p@127.0.0.1:5432/loket_test", "x"),
        "postgres://u:p@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}
