//! A meeting form that came back: which form, the errors per field in the person's language,
//! and what was typed, so the page shows it again.

use desk::DeskError;
use desk::i18n::Tr;

use crate::pages::error::{PageError, api};
use crate::pages::form::Fields;

/// The state of the one form on a page that failed (none: every form is fresh).
#[derive(Debug, Default)]
pub struct FormState {
    /// The form's name (`plan`, `schedule`, `attendee`, `minutes`, `item`, `move`).
    form: &'static str,
    /// Field and message, in the order found.
    errors: Vec<(String, String)>,
    /// What was typed.
    typed: Fields,
}

impl FormState {
    /// A form of `form` that came back with what was typed.
    pub fn failed(form: &'static str, typed: Fields) -> FormState {
        FormState {
            form,
            errors: Vec::new(),
            typed,
        }
    }

    /// Adds an error on a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((field.to_string(), message.into()));
    }

    /// The form's name (`""`: none came back).
    pub fn name(&self) -> &'static str {
        self.form
    }

    /// Whether any error was found.
    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether `form` is the one that came back with errors.
    pub fn is(&self, form: &str) -> bool {
        self.form == form && self.any()
    }

    /// The errors of `form`.
    pub fn errors(&self, form: &str) -> Vec<(String, String)> {
        if self.is(form) {
            self.errors.clone()
        } else {
            Vec::new()
        }
    }

    /// The error on a field of `form`, if any.
    pub fn err(&self, form: &str, field: &str) -> Option<String> {
        if self.form != form {
            return None;
        }
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }

    /// What was typed into a field of `form` when it came back, else `default`.
    pub fn val(&self, form: &str, name: &str, default: &str) -> String {
        if self.is(form) {
            self.typed.text(name).to_string()
        } else {
            default.to_string()
        }
    }

    /// Whether a value of a field of `form` was chosen (checkboxes), else `default`.
    pub fn chose(&self, form: &str, name: &str, value: &str, default: bool) -> bool {
        if self.is(form) {
            self.typed.0.iter().any(|(k, v)| k == name && v == value)
        } else {
            default
        }
    }

    /// Takes a refusal of the services: a rule broken on a field becomes an error in the
    /// form; anything else is an error page.
    pub fn take(&mut self, t: Tr, e: DeskError) -> Result<(), PageError> {
        match e {
            DeskError::Invalid { field, .. } => {
                let field = form_field(&field);
                self.add(field, field_message(t, field));
                Ok(())
            }
            DeskError::TooLong { field, max } => {
                self.add(form_field(&field), crate::pages::form::too_long(t, max));
                Ok(())
            }
            other => Err(api(t)(other)),
        }
    }
}

/// The form field a service's field name is shown on (`attendees[0].email` → `email`,
/// `decisions[2]` → `decisions`).
fn form_field(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    let base = last.split('[').next().unwrap_or(last);
    match base {
        "title" => "title",
        "starts_at" => "date",
        "duration_minutes" => "duration_minutes",
        "location" => "location",
        "online_url" => "online_url",
        "name" => "name",
        "email" => "email",
        "role" => "role",
        "side" => "side",
        "person_id" | "owner_person_id" => "person",
        "what" => "what",
        "owner_name" => "owner_name",
        "due_on" => "due_on",
        "every_months" => "every_months",
        "anchor_on" => "anchor_on",
        "local_time" => "time",
        "minutes" => "minutes",
        "decisions" => "decisions",
        "present" => "present",
        "organization" => "organization",
        "kind" => "kind",
        _ => "other",
    }
}

/// What is wrong with a field, in the person's language.
pub fn field_message(t: Tr, field: &str) -> &'static str {
    match field {
        "title" => t.get("meetpage.error.title"),
        "date" => t.get("meetpage.error.date"),
        "time" => t.get("meetpage.error.time"),
        "duration_minutes" => t.get("meetpage.error.duration"),
        "location" => t.get("meetpage.error.location"),
        "online_url" => t.get("meetpage.error.online_url"),
        "name" => t.get("meetpage.error.name"),
        "email" => t.get("meetpage.error.email"),
        "role" => t.get("meetpage.error.role"),
        "side" => t.get("meetpage.error.side"),
        "person" => t.get("meetpage.error.person"),
        "what" => t.get("meetpage.error.what"),
        "owner_name" => t.get("meetpage.error.owner_name"),
        "due_on" => t.get("meetpage.error.due_on"),
        "every_months" => t.get("meetpage.error.every_months"),
        "anchor_on" => t.get("meetpage.error.anchor_on"),
        "minutes" => t.get("meetpage.error.minutes"),
        "decisions" => t.get("meetpage.error.decisions"),
        "present" => t.get("meetpage.error.present"),
        "organization" => t.get("meetpage.error.organization"),
        "kind" => t.get("meetpage.error.kind"),
        _ => t.get("meetpage.error.state"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_fields_land_on_form_fields() {
        assert_eq!(form_field("attendees[0].email"), "email");
        assert_eq!(form_field("decisions[2]"), "decisions");
        assert_eq!(form_field("starts_at"), "date");
        assert_eq!(form_field("id"), "other");
        let mut f = FormState::failed("plan", Fields::parse(b"title=x"));
        assert!(!f.is("plan"));
        f.add("title", "te lang");
        assert!(f.is("plan") && !f.is("move"));
        assert_eq!(f.val("plan", "title", ""), "x");
        assert_eq!(f.val("move", "title", "d"), "d");
        assert_eq!(f.err("plan", "title").as_deref(), Some("te lang"));
    }
}
