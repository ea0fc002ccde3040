//! Pages: desk (under construction).

use axum::Router;

use crate::AppState;

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
