//! A local HTTP target the tests can switch between up, failing, slow and down.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the target answers.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    pub location: Option<String>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            status: 200,
            body: "<html>all systems operational</html>".to_owned(),
            delay: Duration::ZERO,
            location: None,
        }
    }
}

/// What the target saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub hosts: Vec<String>,
    pub user_agents: Vec<String>,
    pub hits: HashMap<String, usize>,
}

#[derive(Clone, Default)]
struct Shared {
    behaviour: Arc<Mutex<Behaviour>>,
    seen: Arc<Mutex<Seen>>,
}

/// A running (or stopped) target on a fixed local port.
pub struct Target {
    pub addr: SocketAddr,
    shared: Shared,
    server: Option<JoinHandle<()>>,
}

impl Target {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut target = Self {
            addr,
            shared: Shared::default(),
            server: None,
        };
        target.serve(listener);
        target
    }

    fn serve(&mut self, listener: TcpListener) {
        let app = Router::new()
            .fallback(answer)
            .with_state(self.shared.clone());
        self.server = Some(tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        }));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.shared.behaviour.lock().unwrap());
    }

    pub fn seen<T>(&self, read: impl FnOnce(&Seen) -> T) -> T {
        read(&self.shared.seen.lock().unwrap())
    }

    /// Stops listening: new connections are refused.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

async fn answer(State(shared): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    {
        let mut seen = shared.seen.lock().unwrap();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        seen.hosts.push(header("host"));
        seen.user_agents.push(header("user-agent"));
        *seen.hits.entry(uri.path().to_owned()).or_default() += 1;
    }
    let behaviour = shared.behaviour.lock().unwrap().clone();
    if !behaviour.delay.is_zero() {
        tokio::time::sleep(behaviour.delay).await;
    }
    let status = StatusCode::from_u16(behaviour.status).unwrap();
    match behaviour.location {
        Some(location) => (status, [("location", location)], behaviour.body).into_response(),
        None => (status, behaviour.body).into_response(),
    }
}

/// A port on 127.0.0.1 with nothing listening (bound once, then released).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}
