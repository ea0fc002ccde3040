//! loket's HTTP face: the JSON API with its OpenAPI document, sign-in, and the application
//! services (the service desk's rules) between the handlers and the store.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod auth;
pub mod clock;
pub mod desk;
pub mod error;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
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
    .fallback(|| async { ApiError::NotFound("route").into_response() })
    .method_not_allowed_fallback(|| async {
        let mut p = ApiError::BadRequest {
            detail: "this method is not allowed here".into(),
            field: None,
        }
        .into_response();
        *p.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        p
    })
    .layer(DefaultBodyLimit::max(MAX_BODY))
    .with_state(state)
}

/// Serves the application on `listener` until the process is stopped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
