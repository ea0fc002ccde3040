//! Pages: one ticket (`/tickets/{id}`), shared by customers and the service desk: the page
//! (`view`), the forms that act on it (`actions`, and `assess` for an RFC's assessment) and its files (`attachments`).

pub mod actions;
pub mod assess;
pub mod attachments;
pub mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;
use actions::{assign, comment, follow, priority, set_cc, status};
use assess::assess;
use attachments::download;
use view::show;

pub use attachments::{COMMENT_BODY_LIMIT, content_disposition, media_type, sanitize_file_name};

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets/{id}", get(show))
        .route(
            "/tickets/{id}/comment",
            post(comment).layer(DefaultBodyLimit::max(COMMENT_BODY_LIMIT)),
        )
        .route("/tickets/{id}/attachments/{file}", get(download))
        .route("/tickets/{id}/priority", post(priority))
        .route("/tickets/{id}/assign", post(assign))
        .route("/tickets/{id}/status", post(status))
        .route("/tickets/{id}/cc", post(set_cc))
        .route("/tickets/{id}/follow", post(follow))
        .route("/tickets/{id}/assessment", post(assess))
}
