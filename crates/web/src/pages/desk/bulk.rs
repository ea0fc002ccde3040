//! Bulk actions on the queue (`/desk/bulk`): one action on many tickets, with the reason each
//! refused ticket was left as it was.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sla::Status;
use store::{PersonId, TicketId};

use super::queue::{Filter, queue_href};
use super::shared::{MAX_BULK, staff_only, store_err};
use crate::AppState;
use crate::pages::error::PageError;
use crate::pages::layout::{Shell, Viewer, render};
use desk::DeskError;
use desk::i18n::Tr;
use desk::tickets::Action;
use render::words::status_label;

// ----- bulk actions -------------------------------------------------------------------------

/// A ticket a bulk action could not change, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Ticket id.
    pub id: String,
    /// Its subject, when it could be read.
    pub subject: Option<String>,
    /// Why.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "desk_bulk.html")]
struct BulkPage {
    t: Tr,
    shell: Shell,
    action: String,
    done: usize,
    asked: usize,
    succeeded: Vec<(i64, String)>,
    failures: Vec<Failure>,
    error: Option<String>,
    back: String,
}

/// What a bulk action does, from the select's value.
fn bulk_action(value: &str, me: PersonId) -> Option<Action> {
    match value {
        "assign_me" => Some(Action::Assign { to: Some(me) }),
        "status:waiting_on_customer" => Some(Action::Status {
            to: Status::WaitingOnCustomer,
            reason: None,
        }),
        "status:resolved" => Some(Action::Status {
            to: Status::Resolved,
            reason: None,
        }),
        other => {
            let id = other.strip_prefix("assign:")?.parse::<i64>().ok()?;
            Some(Action::Assign {
                to: Some(PersonId(id)),
            })
        }
    }
}

fn bulk_action_label(t: Tr, action: &Action, people: &HashMap<PersonId, String>) -> String {
    match action {
        Action::Assign { to: Some(p) } => format!(
            "{} {}",
            t.get("desk.bulk.assign_to"),
            people.get(p).cloned().unwrap_or_else(|| p.to_string())
        ),
        Action::Status { to, .. } => format!("{} {}", t.get("desk.bulk.status_to"), to.label(t.0)),
        _ => String::new(),
    }
}

/// Why an action failed, in the person's language where loket knows the reason.
fn failure_reason(t: Tr, e: &DeskError, from: Option<&str>, action: &Action) -> String {
    match (e, action) {
        (DeskError::NotFound(_), _) => t.get("desk.bulk.not_found").to_string(),
        (DeskError::Invalid { field, .. }, Action::Status { to, .. }) if field == "status" => {
            format!(
                "{} ({} → {})",
                t.get("desk.bulk.bad_transition"),
                from.map_or_else(String::new, |s| status_label(t, s)),
                to.label(t.0)
            )
        }
        (DeskError::Invalid { field, .. }, _) if field == "assignee_id" => {
            t.get("desk.bulk.bad_assignee").to_string()
        }
        (DeskError::Internal(_), _) => t.get("error.title").to_string(),
        (other, _) => other.to_string(),
    }
}

/// `POST /desk/bulk`: one action on the chosen tickets, answered with a page of what was done
/// and why each refused ticket was left as it was.
pub(super) async fn bulk(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    viewer.check_csrf(field("csrf"))?;
    let t = viewer.t;
    let (back_filter, _, _) = Filter::parse(field("back"));
    let back = queue_href(&back_filter.query());
    let mut ids: Vec<i64> = Vec::new();
    let mut failures = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "ids") {
        match v.trim().parse::<i64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => failures.push(Failure {
                id: v.clone(),
                subject: None,
                reason: t.get("desk.bulk.not_found").to_string(),
            }),
        }
    }
    let me = viewer.caller.person.id;
    let action = bulk_action(field("action"), me);
    let error = if ids.is_empty() && failures.is_empty() {
        Some(t.get("desk.bulk.none_selected"))
    } else if ids.len() > MAX_BULK {
        Some(t.get("desk.bulk.too_many"))
    } else if action.is_none() {
        Some(t.get("desk.bulk.no_action"))
    } else {
        None
    };
    let people: HashMap<PersonId, String> = app
        .store
        .list_people(&viewer.caller.scope, None)
        .await
        .map_err(store_err(t))?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut page = BulkPage {
        t,
        shell: viewer.shell.clone(),
        action: action
            .as_ref()
            .map(|a| bulk_action_label(t, a, &people))
            .unwrap_or_default(),
        done: 0,
        asked: ids.len() + failures.len(),
        succeeded: Vec::new(),
        failures,
        error: error.map(str::to_string),
        back,
    };
    let Some(action) = action.filter(|_| error.is_none()) else {
        return Ok((StatusCode::BAD_REQUEST, render(&page)).into_response());
    };
    for id in ids {
        let before = app
            .store
            .get_ticket(&viewer.caller.scope, TicketId(id))
            .await
            .ok();
        match app.act(&viewer.caller, TicketId(id), action.clone()).await {
            Ok(tk) => {
                page.done += 1;
                page.succeeded.push((tk.id.0, tk.subject));
            }
            Err(e) => page.failures.push(Failure {
                id: id.to_string(),
                reason: failure_reason(t, &e, before.as_ref().map(|b| b.status.as_str()), &action),
                subject: before.map(|b| b.subject),
            }),
        }
    }
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_actions_are_read_from_the_select() {
        let me = PersonId(5);
        assert!(matches!(
            bulk_action("assign_me", me),
            Some(Action::Assign {
                to: Some(PersonId(5))
            })
        ));
        assert!(matches!(
            bulk_action("assign:12", me),
            Some(Action::Assign {
                to: Some(PersonId(12))
            })
        ));
        assert!(matches!(
            bulk_action("status:resolved", me),
            Some(Action::Status {
                to: Status::Resolved,
                ..
            })
        ));
        assert!(matches!(
            bulk_action("status:waiting_on_customer", me),
            Some(Action::Status {
                to: Status::WaitingOnCustomer,
                ..
            })
        ));
        for bad in ["", "assign:", "assign:x", "status:closed", "delete"] {
            assert!(bulk_action(bad, me).is_none(), "{bad}");
        }
    }
}
