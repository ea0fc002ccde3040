//! The web interface: server-rendered pages (compiled askama templates) for signing in, the
//! customer portal, the service-desk workspace and administration. Forms work without
//! JavaScript; every state-changing form carries a CSRF token; pages are sent with a
//! Content-Security-Policy that allows no inline script.
//!
//! One room per subject, found from the URL: `signin` (`/login`, `/logout`, `/me/lang`, `/`),
//! `ticket` (`/tickets/{id}`…), `desk` (`/desk`…), `portal` (`/portal`…), `admin` (`/admin`…),
//! `reports` (`/reports`…, `/dashboard`), `status` (`/status`…), `availability`
//! (`/availability`…), `escalation` (`/portal/escalation`, `/desk/escalations`…), `meetings`
//! (`/meetings`…). Beside them: `layout` (the page shell, the signed-in `Viewer`, rendering,
//! security headers), `error` (the one mapping to an HTML error page), `form` (the form reader)
//! and `words` (the SLA state of a ticket in words). Pure renderers are `crate::render`.

pub mod admin;
pub mod availability;
pub mod desk;
pub mod error;
pub mod escalation;
pub mod form;
pub mod layout;
pub mod meetings;
pub mod portal;
pub mod reports;
pub mod settings;
pub mod signin;
pub mod status;
pub mod ticket;
pub mod words;

#[cfg(test)]
mod accessibility;

use axum::Router;
use axum::routing::get;

use crate::AppState;
pub use error::{PageError, api, not_routed};
pub use form::{Fields, encode, is_multipart};
pub use layout::{Shell, ShellPerson, Viewer, csrf_token, render, security_headers};

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(signin::routes())
        .route("/static/loket.css", get(layout::stylesheet))
        .route("/static/loket.js", get(layout::script))
        .merge(portal::routes())
        .merge(ticket::routes())
        .merge(desk::routes())
        .merge(admin::routes())
        .merge(reports::routes())
        .merge(status::routes())
        .merge(availability::routes())
        .merge(escalation::routes())
        .merge(meetings::routes())
        .merge(settings::routes())
}
