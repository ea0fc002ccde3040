//! Pages: the service desk's workspace: the agent queue by time to breach with filters, saved
//! views and bulk actions, and the registration of phone calls.
//!
//! One file per URL: `queue` (`/desk`, with its filter and the SLA mark of each row), `views`
//! (`/desk/views`, saved filters), `bulk` (`/desk/bulk`), `phone` (`/desk/phone`).

pub mod bulk;
pub mod phone;
pub mod queue;
pub mod views;

use axum::Router;
use axum::routing::{get, post};
use sla::{Priority, TicketKind};

use super::i18n::Tr;
use super::{PageError, Viewer};
use crate::AppState;
use bulk::bulk;
use phone::{phone_form, phone_submit};
use queue::queue;
use views::{delete_view, save_view};

/// Tickets on one page of the queue.
const PAGE_SIZE: u32 = 50;
/// The at-risk horizon when the filter names none: two business hours.
const DEFAULT_RISK_HOURS: u32 = 2;
/// The largest at-risk horizon a filter may ask for (as the API allows).
const MAX_RISK_HOURS: u32 = 10_000;
/// Tickets one bulk action may change.
const MAX_BULK: usize = 200;
/// Longest name of a saved view, in characters.
const MAX_VIEW_NAME: usize = 80;
/// Longest subject text in a filter, in characters.
const MAX_SUBJECT_FILTER: usize = 200;
/// How long after a call it may still be registered (the service's rule, checked here first
/// so the form can say it in the person's language).
const PHONE_MAX_AGE_SECONDS: i64 = 7 * 24 * 3600;

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(queue))
        .route("/desk/views", post(save_view))
        .route("/desk/views/{id}/delete", post(delete_view))
        .route("/desk/bulk", post(bulk))
        .route("/desk/phone", get(phone_form).post(phone_submit))
}

// ----- shared pieces ------------------------------------------------------------------------

/// One choice of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    /// The submitted value.
    pub value: String,
    /// The text people see.
    pub label: String,
    /// Whether it is the current choice.
    pub selected: bool,
}

fn opt(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
    let value = value.into();
    Opt {
        selected: value == current,
        label: label.into(),
        value,
    }
}

/// Only the vendor's staff work in the desk; customers get the 403 page.
fn staff_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.caller.role().is_vendor() {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            viewer.t,
            viewer.t.get("desk.staff_only").to_string(),
        ))
    }
}

fn store_err(t: Tr) -> impl Fn(store::StoreError) -> PageError {
    move |e| PageError::Api(t, e.into())
}

fn kind_options(t: Tr, current: &str) -> Vec<Opt> {
    TicketKind::ALL
        .iter()
        .map(|k| opt(k.as_str(), k.label(t.0), current))
        .collect()
}

fn priority_options(t: Tr, current: &str) -> Vec<Opt> {
    Priority::ALL
        .iter()
        .map(|p| opt(p.as_str(), p.label(t.0), current))
        .collect()
}
