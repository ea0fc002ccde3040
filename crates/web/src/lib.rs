//! loket's HTTP face: the JSON API with its OpenAPI document, sign-in, and the application
//! services (the service desk's rules) between the handlers and the store.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod availability;
pub mod clock;
pub mod demo;
pub mod desk;
pub mod error;
pub mod mail;
pub mod monitoring;
pub mod report;
pub mod status;
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
    spawn_outbox(state.clone());
    tokio::spawn(monitoring::run(state.clone(), instance_name()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// How often the mail outbox is emptied.
pub const MAIL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

impl AppState {
    /// One run of the mail outbox at the injected clock's time (claims are exclusive, so
    /// several instances may all run it).
    pub async fn deliver_mail<S: mail::MailSender>(
        &self,
        sender: &S,
        owner: &str,
    ) -> Result<mail::OutboxStats, store::StoreError> {
        mail::run_outbox_once(&self.store, sender, owner, self.now_ms()).await
    }
}

/// Starts the mail outbox worker when `LOKET_SMTP_URL` is set (every [`MAIL_INTERVAL`], a
/// batch at a time until the outbox is empty); says so in the log when it is not, and the
/// mail waits in the outbox.
fn spawn_outbox(state: AppState) {
    let sender = match mail::SmtpSettings::from_env() {
        Ok(Some(settings)) => match mail::SmtpSender::new(&settings) {
            Ok(sender) => sender,
            Err(e) => {
                tracing::warn!(error = %e, "mail is not sent: the SMTP settings are not usable");
                return;
            }
        },
        Ok(None) => {
            tracing::info!("LOKET_SMTP_URL is not set: mail is kept in the outbox, not sent");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "mail is not sent: the SMTP settings are not usable");
            return;
        }
    };
    let suffix = auth::new_secret().unwrap_or_default();
    let owner = format!(
        "outbox-{}-{}",
        std::process::id(),
        suffix.get(..8).unwrap_or_default()
    );
    tracing::info!(%owner, "mail outbox worker started");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MAIL_INTERVAL);
        loop {
            tick.tick().await;
            loop {
                match state.deliver_mail(&sender, &owner).await {
                    Ok(s) if s.claimed >= mail::RetryPolicy::default().batch as usize => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "running the mail outbox failed");
                        break;
                    }
                }
            }
        }
    });
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
