//! loket's HTTP face: the JSON API with its OpenAPI document, sign-in, and the application
//! services (the service desk's rules) between the handlers and the store.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod clock;
pub mod demo;
pub mod desk;
pub mod error;
pub mod mail;
pub mod monitoring;
pub mod report;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use store::{Millis, Store};
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::error::{ApiError, MAX_BODY};

/// Settings of the HTTP service.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

/// What every handler shares: the store, the clock, compiled agreements and settings.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts of [`AppState`].
pub struct Inner {
    /// The system of record.
    pub store: Store,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Compiled agreements.
    pub policies: desk::Policies,
    /// Settings.
    pub config: Config,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// State over a store with a clock.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: Config) -> AppState {
        AppState(Arc::new(Inner {
            store,
            clock,
            policies: desk::Policies::default(),
            config,
        }))
    }

    /// The current instant in milliseconds.
    pub fn now_ms(&self) -> Millis {
        self.clock.now().as_millisecond()
    }
}

/// The whole HTTP application: the API, `/api/openapi.json`, health, and problem+json for
/// every unknown route.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api::routes();
    let doc = Arc::new(doc);
    api.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    .merge(ui::routes())
    .fallback(|| async { ApiError::NotFound("route").into_response() })
    .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed.into_response() })
    .layer(DefaultBodyLimit::max(MAX_BODY))
    .layer(tower_http::compression::CompressionLayer::new())
    .with_state(state)
}

/// How often deadlines that passed are folded into the stored clocks.
pub const CLOCK_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// Serves the application on `listener` until the process is stopped, refreshing the clocks
/// of tickets whose deadline passed every [`CLOCK_REFRESH`] (idempotent, so several
/// instances on one database may all do it), and running the availability probes while this
/// instance holds the probe lease (see [`monitoring::runner`]).
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let refresher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLOCK_REFRESH);
        loop {
            tick.tick().await;
            loop {
                match refresher.refresh_clocks().await {
                    Ok(n) if n >= 500 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "refreshing clocks failed");
                        break;
                    }
                }
            }
        }
    });
    tokio::spawn(monitoring::run(state.clone(), instance_name()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// A name for this instance among others on one database: host, process and a random part.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "loket".into());
    let mut salt = [0u8; 4];
    let _ = getrandom::fill(&mut salt);
    format!("{host}-{}-{}", std::process::id(), auth::hex(&salt))
}
