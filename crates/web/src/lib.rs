//! loket's HTTP face: the JSON API with its OpenAPI document, the pages, sign-in, and the
//! mapping of the application layer's (`desk`) answers and errors to responses.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod error;
pub mod pages;
pub mod proxy;
pub mod server;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use desk::Desk;
use desk::clock::Clock;
use store::Store;
use tokio::net::TcpListener;

use crate::error::{ApiError, MAX_BODY};

/// Settings of the HTTP service.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` and send HSTS (served over HTTPS).
    pub secure_cookies: bool,
    /// How long clients may take to send headers or stay silent.
    pub limits: server::Limits,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<proxy::Net>,
    /// The bearer secret of `POST /api/v1/mail/inbound`; `None` closes that endpoint.
    pub inbound_secret: Option<String>,
    /// Where links in mails point, and the domain of their `Message-ID`s.
    pub links: desk::notify::Links,
}

/// What every handler shares: the service desk (store, clock, compiled agreements) and the
/// HTTP settings.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts of [`AppState`].
pub struct Inner {
    /// The application services.
    pub desk: Desk,
    /// Settings.
    pub config: Config,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::ops::Deref for Inner {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}

impl AppState {
    /// State over a store with a clock.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: Config) -> AppState {
        AppState(Arc::new(Inner {
            desk: Desk::with_links(store, clock, config.links.clone()),
            config,
        }))
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
    .merge(pages::routes())
    .fallback(
        |State(app): State<AppState>, req: axum::extract::Request| async move {
            pages::not_routed(
                &app,
                req.headers(),
                req.uri().path(),
                ApiError::NotFound("route"),
            )
            .await
        },
    )
    .method_not_allowed_fallback(
        |State(app): State<AppState>, req: axum::extract::Request| async move {
            pages::not_routed(
                &app,
                req.headers(),
                req.uri().path(),
                ApiError::MethodNotAllowed,
            )
            .await
        },
    )
    .layer(DefaultBodyLimit::max(MAX_BODY))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        pages::security_headers,
    ))
    .layer(tower_http::compression::CompressionLayer::new())
    .with_state(state)
}

/// Serves the application on `listener` until the process is stopped, with the service
/// desk's background jobs (clock refresh, mail outbox, availability probes) running beside it
/// (see `desk::jobs`).
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    desk::jobs::spawn_all(&state.desk);
    let limits = state.config.limits;
    server::run(listener, router(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
