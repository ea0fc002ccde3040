//! What the desk pages share: their limits, the choices of a select, and the check that only
//! the vendor's staff work in the desk.

use sla::{Priority, TicketKind};

use crate::pages::error::PageError;
use crate::pages::layout::Viewer;
use desk::i18n::Tr;

/// Tickets on one page of the queue.
pub(super) const PAGE_SIZE: u32 = 50;
/// The at-risk horizon when the filter names none (as the at-risk alerts use).
pub(super) const DEFAULT_RISK_HOURS: u32 = desk::tickets::DEFAULT_AT_RISK_HOURS;
/// The largest at-risk horizon a filter may ask for (as the API allows).
pub(super) const MAX_RISK_HOURS: u32 = desk::tickets::MAX_AT_RISK_HOURS;
/// Tickets one bulk action may change.
pub(super) const MAX_BULK: usize = 200;
/// Longest name of a saved view, in characters.
pub(super) const MAX_VIEW_NAME: usize = desk::limits::VIEW_NAME;
/// Longest subject text in a filter, in characters.
pub(super) const MAX_SUBJECT_FILTER: usize = desk::limits::TICKET_SEARCH;
/// How long after a call it may still be registered (the service's rule, checked here first
/// so the form can say it in the person's language).
pub(super) const PHONE_MAX_AGE_SECONDS: i64 = 7 * 24 * 3600;

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

/// A choice, selected when its value is `current`.
pub(super) fn opt(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
    let value = value.into();
    Opt {
        selected: value == current,
        label: label.into(),
        value,
    }
}

/// Only the vendor's staff work in the desk; customers get the 403 page.
pub(super) fn staff_only(viewer: &Viewer) -> Result<(), PageError> {
    viewer
        .caller
        .require_vendor()
        .map_err(|_| PageError::Forbidden(viewer.t, viewer.t.get("desk.staff_only").to_string()))
}

/// A store error as an error page.
pub(super) fn store_err(t: Tr) -> impl Fn(store::StoreError) -> PageError {
    move |e| PageError::Api(t, e.into())
}

/// The ticket kinds as choices.
pub(super) fn kind_options(t: Tr, current: &str) -> Vec<Opt> {
    TicketKind::ALL
        .iter()
        .map(|k| opt(k.as_str(), k.label(t.0), current))
        .collect()
}

/// The priorities as choices.
pub(super) fn priority_options(t: Tr, current: &str) -> Vec<Opt> {
    Priority::ALL
        .iter()
        .map(|p| opt(p.as_str(), p.label(t.0), current))
        .collect()
}
