//! Pages: meetings with a customer (SLA §5.1, SLA-RULES §7). `/meetings` lists a customer's
//! meetings and schedules, with the form that plans one and, for the vendor's service
//! managers, the schedule form ([`list`]); `/meetings/{id}` shows one meeting with its
//! attendees, minutes, action items, links to the invitation and the minutes, and the
//! tactical agenda ([`view`]); the forms post to [`actions`]. The rules are
//! `desk::meetings`; a form that fails comes back with the errors in the person's language.

mod actions;
mod errors;
mod list;
mod view;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub use errors::FormState;

/// The meeting pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list::list_page).post(actions::plan))
        .route("/meetings/schedules", post(actions::schedule))
        .route("/meetings/{id}", get(view::meeting_page))
        .route("/meetings/{id}/attendees", post(actions::attendee))
        .route("/meetings/{id}/minutes", post(actions::minutes))
        .route("/meetings/{id}/action-items", post(actions::action_item))
        .route("/meetings/{id}/move", post(actions::move_meeting))
        .route("/meetings/{id}/cancellation", post(actions::cancel))
        .route(
            "/meetings/{id}/action-items/{item}/completion",
            post(actions::complete),
        )
}
