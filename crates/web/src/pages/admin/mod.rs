//! Pages: administration, for the vendor's administrators only. Customers (with the number
//! of administrators their agreement allows), the versions of a customer's agreement (a new
//! version is pasted or uploaded, and a policy error is shown at its line), the customer's
//! people and the vendor's own staff (add a person, change a role).
//!
//! Every form posts back with the session's CSRF token and is answered with a redirect
//! (post/redirect/get) or, when something is wrong, with the same page showing the message
//! at the field it concerns (422; 409 for an e-mail address in use).
//!
//! One file per subject: `customers` (the list and one customer's page), `agreements` (the
//! versions of a customer's agreement), `people` (a customer's people and the vendor's staff).

pub mod agreements;
pub mod customers;
pub mod people;

use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use store::Role;

use super::i18n::Tr;
use super::{PageError, Shell, Viewer, api, render};
use crate::AppState;
use crate::error::{ApiError, NUL_DETAIL};
use agreements::add_agreement;
use customers::{create_customer, customer, customers};
use people::{change_role, create_person, staff};

/// The time zone in which administrators enter and read instants.
const TIME_ZONE: &str = "Europe/Amsterdam";

/// The limits the services apply, checked here first so every field gets its message at once.
const MAX_NAME: usize = 200;
const MAX_DOCUMENT_REF: usize = 300;
const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(customers))
        .route("/admin/customers", post(create_customer))
        .route("/admin/customers/{id}", get(customer))
        .route("/admin/customers/{id}/agreements", post(add_agreement))
        .route("/admin/people", get(staff).post(create_person))
        .route("/admin/people/{id}/role", post(change_role))
}

// ----- page data ---------------------------------------------------------------------------

/// One form field: its value to show again and its message, linked with `aria-describedby`.
#[derive(Debug, Clone, Default)]
pub struct Field {
    /// The element id; the hint is `{id}-hint`, the message `{id}-error`.
    pub id: &'static str,
    /// The value to fill in.
    pub value: String,
    /// What is wrong with it.
    pub error: Option<String>,
    /// Whether a hint (`{id}-hint`) describes it.
    pub hint: bool,
}

impl Field {
    fn new(id: &'static str) -> Field {
        Field {
            id,
            ..Field::default()
        }
    }

    fn hinted(id: &'static str) -> Field {
        Field {
            hint: true,
            ..Field::new(id)
        }
    }

    fn with(mut self, value: &str) -> Field {
        self.value = value.to_string();
        self
    }

    /// Sets the message unless the field has one already (the first problem counts).
    fn fail(&mut self, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(message.into());
        }
    }

    /// The ids of the hint and the message, for `aria-describedby`.
    pub fn describedby(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value posted.
    pub value: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// Whether it is selected.
    pub selected: bool,
}

/// A local date and time (`YYYY-MM-DD HH:MM`) in [`TIME_ZONE`].
fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .ok()
        .and_then(|t| t.in_tz(TIME_ZONE).ok())
        .map(|z| z.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A local date and time as typed (or sent by `datetime-local`), in [`TIME_ZONE`].
fn parse_local_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let dt: DateTime = s
        .parse()
        .ok()
        .or_else(|| s.parse::<Date>().ok().map(DateTime::from))?;
    dt.in_tz(TIME_ZONE).ok().map(|z| z.timestamp())
}

/// A notice after a redirect: what was done, and warnings about it.
#[derive(Debug, Clone, Default)]
pub struct Notices {
    /// What was done.
    pub done: Vec<String>,
    /// What to look at (e.g. a shared role address).
    pub warnings: Vec<String>,
}

/// What a redirect after a form tells the page to announce.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Flash {
    new: Option<String>,
    added: Option<String>,
    created: Option<String>,
    changed: Option<String>,
}

fn flash_id(v: Option<&String>) -> Option<i64> {
    v.and_then(|s| s.parse().ok())
}

fn require_admin(v: &Viewer) -> Result<(), PageError> {
    if v.caller.role() == Role::Admin {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            v.t,
            v.t.get("admin.forbidden").to_string(),
        ))
    }
}

/// Reads an `application/x-www-form-urlencoded` body; text with U+0000 is refused (as the API
/// does), because PostgreSQL cannot store it.
fn read_form<T: DeserializeOwned>(t: Tr, body: &[u8]) -> Result<T, PageError> {
    let bad = |detail: String| {
        PageError::Api(
            t,
            ApiError::BadRequest {
                detail,
                field: None,
            },
        )
    };
    if form_urlencoded::parse(body).any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(bad(NUL_DETAIL.into()));
    }
    serde_urlencoded::from_bytes(body).map_err(|_| bad(t.get("error.bad_input").into()))
}

fn path_id(t: Tr, id: &str) -> Result<i64, PageError> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(PageError::NotFound(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_read_and_write_in_amsterdam() {
        let t = parse_local_time("2027-01-01T00:00").unwrap();
        assert_eq!(t.to_string(), "2026-12-31T23:00:00Z");
        assert_eq!(
            parse_local_time("2027-07-01 09:30").unwrap().to_string(),
            "2027-07-01T07:30:00Z"
        );
        assert_eq!(parse_local_time("2027-01-01").unwrap(), t);
        assert!(parse_local_time("morgen").is_none());
        assert!(parse_local_time("").is_none());
        assert_eq!(local_time(t.as_millisecond()), "2027-01-01 00:00");
    }

    #[test]
    fn fields_name_their_hint_and_message() {
        let mut f = Field::hinted("x");
        assert_eq!(f.describedby().as_deref(), Some("x-hint"));
        f.fail("first");
        f.fail("second");
        assert_eq!(f.error.as_deref(), Some("first"));
        assert_eq!(f.describedby().as_deref(), Some("x-hint x-error"));
        assert_eq!(Field::new("y").describedby(), None);
    }
}
