//! Registering a phone call as a ticket (`/desk/phone`), with the time of the call in
//! Amsterdam time.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use sla::{Priority, TicketKind};
use store::{PersonId, Role};

use super::shared::{
    Opt, PHONE_MAX_AGE_SECONDS, kind_options, opt, priority_options, staff_only, store_err,
};
use crate::AppState;
use crate::pages::error::{PageError, api};
use crate::pages::form::{field_refusal, too_long};
use crate::pages::layout::{Shell, Viewer, render};
use desk::DeskError;
use desk::i18n::Tr;
use desk::limits::{self, over};
use desk::tickets::FileTicket;
use desk::time::ms;

// ----- phone registration -------------------------------------------------------------------

/// The customer administrators of one customer, as choices.
#[derive(Debug, Clone)]
pub struct Group {
    /// The customer's name.
    pub name: String,
    /// Its administrators.
    pub people: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "desk_phone.html")]
struct PhonePage {
    t: Tr,
    shell: Shell,
    groups: Vec<Group>,
    received_at: String,
    kinds: Vec<Opt>,
    priorities: Vec<Opt>,
    subject: String,
    description: String,
    errors: Vec<String>,
    err_reporter: Option<String>,
    err_received: Option<String>,
    err_kind: Option<String>,
    err_priority: Option<String>,
    err_subject: Option<String>,
    err_description: Option<String>,
}

/// The phone form's fields as sent (everything kept as text to show it again).
#[derive(Debug, Default, Deserialize)]
pub(super) struct PhoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
}

/// A local date-time as a `datetime-local` input writes it: `2026-11-23T10:00`.
fn local_input(tz: &jiff::tz::TimeZone, at: Timestamp) -> String {
    let dt = tz.to_datetime(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// The instant of a local date-time input in the time zone (a time skipped by a DST change
/// moves forward; a repeated time takes the earlier instant).
fn parse_local(tz: &jiff::tz::TimeZone, text: &str) -> Option<Timestamp> {
    let text = text.trim().replacen(' ', "T", 1);
    let dt: jiff::civil::DateTime = text.parse().ok()?;
    tz.to_timestamp(dt).ok()
}

impl PhonePage {
    async fn new(app: &AppState, viewer: &Viewer, form: &PhoneForm) -> Result<Self, PageError> {
        let t = viewer.t;
        let scope = &viewer.caller.scope;
        let orgs = app.store.list_orgs(scope).await.map_err(store_err(t))?;
        let people = app
            .store
            .list_people(scope, None)
            .await
            .map_err(store_err(t))?;
        let groups = orgs
            .into_iter()
            .map(|o| Group {
                people: people
                    .iter()
                    .filter(|p| p.org_id == Some(o.id) && p.role == Role::CustomerAdmin && p.active)
                    .map(|p| {
                        opt(
                            p.id.0.to_string(),
                            format!("{} ({})", p.name, p.email),
                            &form.reporter,
                        )
                    })
                    .collect(),
                name: o.name,
            })
            .filter(|g| !g.people.is_empty())
            .collect();
        Ok(PhonePage {
            t,
            shell: viewer.shell.clone(),
            groups,
            received_at: form.received_at.clone(),
            kinds: kind_options(t, &form.kind),
            priorities: priority_options(t, &form.priority),
            subject: form.subject.clone(),
            description: form.description.clone(),
            errors: Vec::new(),
            err_reporter: None,
            err_received: None,
            err_kind: None,
            err_priority: None,
            err_subject: None,
            err_description: None,
        })
    }

    /// Records an error for a field (and in the summary at the top).
    fn fail(&mut self, field: &str, message: String) {
        self.errors.push(message.clone());
        let slot = match field {
            "reporter" | "reporter_id" | "organization_id" => &mut self.err_reporter,
            "received_at" => &mut self.err_received,
            "kind" => &mut self.err_kind,
            "priority" => &mut self.err_priority,
            "subject" => &mut self.err_subject,
            "description" => &mut self.err_description,
            _ => return,
        };
        slot.get_or_insert(message);
    }
}

/// `GET /desk/phone`: the form to register a call.
pub(super) async fn phone_form(
    State(app): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    let standard = app.policies.standard().map_err(api(viewer.t))?;
    let form = PhoneForm {
        received_at: local_input(standard.calendar.time_zone(), app.clock.now()),
        kind: TicketKind::Incident.as_str().into(),
        ..PhoneForm::default()
    };
    let page = PhonePage::new(&app, &viewer, &form).await?;
    Ok(render(&page))
}

/// `POST /desk/phone`: registers the call as a ticket, or the form again with its messages.
pub(super) async fn phone_submit(
    State(app): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<PhoneForm>,
) -> Result<Response, PageError> {
    staff_only(&viewer)?;
    viewer.check_csrf(&form.csrf)?;
    let t = viewer.t;
    let mut page = PhonePage::new(&app, &viewer, &form).await?;
    let now = app.clock.now();

    let reporter = form.reporter.trim().parse::<i64>().ok().filter(|i| *i > 0);
    if reporter.is_none() {
        page.fail("reporter", t.get("desk.phone.err_reporter").into());
    }
    // The call's local time is read in the time zone of the customer's agreement in force
    // now (the standard one, Europe/Amsterdam, when that cannot be found).
    let mut tz = app
        .policies
        .standard()
        .map_err(api(t))?
        .calendar
        .time_zone()
        .clone();
    if let Some(id) = reporter
        && let Ok(person) = app
            .store
            .get_person(&viewer.caller.scope, PersonId(id))
            .await
        && let Some(org) = person.org_id
        && let Ok((_, compiled)) = app.agreement_at(org, ms(now)).await
    {
        tz = compiled.calendar.time_zone().clone();
    }
    let received = parse_local(&tz, &form.received_at);
    match received {
        None => page.fail("received_at", t.get("desk.phone.err_received").into()),
        Some(r) if r > now => page.fail("received_at", t.get("desk.phone.err_future").into()),
        Some(r) if now.duration_since(r).as_secs() > PHONE_MAX_AGE_SECONDS => {
            page.fail("received_at", t.get("desk.phone.err_too_old").into());
        }
        Some(_) => {}
    }
    let kind = form.kind.parse::<TicketKind>().ok();
    if kind.is_none() {
        page.fail("kind", t.get("desk.phone.err_kind").into());
    }
    // A priority belongs to incidents only; for other kinds the field is ignored.
    let priority = match kind {
        Some(TicketKind::Incident) => {
            let p = form.priority.parse::<Priority>().ok();
            if p.is_none() {
                page.fail("priority", t.get("desk.phone.err_priority").into());
            }
            p
        }
        _ => None,
    };
    let subject = form.subject.trim();
    if over(&form.subject, limits::TICKET_SUBJECT) {
        page.fail("subject", too_long(t, limits::TICKET_SUBJECT));
    } else if subject.is_empty() {
        page.fail("subject", t.get("desk.phone.err_subject").into());
    }
    // A browser sends a text area's line breaks as CR LF but counts them as one character.
    let description = form.description.replace("\r\n", "\n");
    if over(&description, limits::TICKET_DESCRIPTION) {
        page.fail("description", too_long(t, limits::TICKET_DESCRIPTION));
    }
    let (Some(reporter), Some(received), Some(kind), true) =
        (reporter, received, kind, page.errors.is_empty())
    else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let filed = app
        .file_ticket(
            &viewer.caller,
            FileTicket {
                kind,
                priority,
                subject: subject.to_string(),
                description,
                organization_id: None,
                reporter_id: Some(PersonId(reporter)),
                received_at: Some(received),
            },
        )
        .await;
    match filed {
        Ok(ticket) => Ok(Redirect::to(&format!("/tickets/{}", ticket.id)).into_response()),
        Err(e @ (DeskError::Invalid { .. } | DeskError::TooLong { .. })) => {
            let (field, message) = field_refusal(t, e).map_err(api(t))?;
            let message = match field.as_str() {
                "reporter_id" => t.get("desk.phone.err_reporter").to_string(),
                "received_at" => format!("{} ({message})", t.get("desk.phone.err_agreement")),
                _ => message,
            };
            page.fail(&field, message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(DeskError::Forbidden(_)) => {
            page.fail("reporter", t.get("desk.phone.err_not_admin").into());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(t, e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_input_is_read_in_amsterdam_time() {
        let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
        let winter = parse_local(&tz, "2026-11-23T10:00").unwrap();
        assert_eq!(winter.to_string(), "2026-11-23T09:00:00Z");
        assert_eq!(local_input(&tz, winter), "2026-11-23T10:00");
        let summer = parse_local(&tz, "2026-06-01 10:15:30").unwrap();
        assert_eq!(summer.to_string(), "2026-06-01T08:15:30Z");
        // 02:30 on the last Sunday of March does not exist: it moves forward by the gap.
        let gap = parse_local(&tz, "2026-03-29T02:30").unwrap();
        assert_eq!(gap.to_string(), "2026-03-29T01:30:00Z");
        assert_eq!(parse_local(&tz, "gisteren"), None);
        assert_eq!(parse_local(&tz, ""), None);
    }
}
