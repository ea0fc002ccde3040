//! The test bench: a fresh database per test and the story run on it (from the shared test
//! kit, `testkit`), the application over it with a fixed clock, and requests sent straight
//! into the router with `tower::ServiceExt::oneshot`.
//!
//! Every response passes through [`App::send`], which fails the test on a 500 and checks that
//! every error is an RFC 9457 problem document, so no test can forget to.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use desk::clock::FixedClock;
use serde_json::Value;
use store::Store;
pub use testkit::Backend;
pub use testkit::clock::at;
use tower::ServiceExt;
use web::{AppState, Config};

/// Runs `case` against the application over a fresh database of `backend`, removing the
/// database afterwards also when the case panics (the panic is passed on).
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    testkit::run(backend, |store, _url| case(App::new(store, backend))).await;
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
        let clock = testkit::clock::fixed(T0);
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
        testkit::clock::advance(&self.clock, seconds);
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
