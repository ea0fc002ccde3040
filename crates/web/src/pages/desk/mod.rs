//! Pages: the service desk's workspace: the agent queue by time to breach with filters, saved
//! views and bulk actions, the registration of phone calls and the mail held for an agent.
//!
//! One file per URL: `queue` (`/desk`, with its filter and the SLA mark of each row), `views`
//! (`/desk/views`, saved filters), `bulk` (`/desk/bulk`), `phone` (`/desk/phone`), `mail` (`/desk/mail/held`).

pub mod bulk;
pub mod mail;
pub mod phone;
pub mod queue;
pub mod shared;
pub mod views;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use bulk::bulk;
use phone::{phone_form, phone_submit};
use queue::queue;
use views::{delete_view, save_view};

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/views", post(save_view))
        .route("/desk/views/{id}/delete", post(delete_view))
        .route("/desk/bulk", post(bulk))
        .route("/desk/phone", get(phone_form).post(phone_submit))
        .route("/desk/mail/held", get(mail::held))
        .route("/desk/mail/held/{id}/confirm", post(mail::confirm))
        .route("/desk/mail/held/{id}/refuse", post(mail::refuse))
}
