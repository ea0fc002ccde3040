//! The assessment form of an RFC (service desk) and the assessment as the ticket page shows
//! it to everyone who may see the ticket.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use desk::DeskError;
use desk::assessment::{Assessment, AssessmentInput, Cost, Decision};
use desk::i18n::Tr;
use sla::Calendar;

use super::view::{FormState, parse_id, ticket_page};
use crate::AppState;
use crate::error::ApiError;
use crate::pages::error::{PageError, api};
use crate::pages::form::{Fields, too_long};
use crate::pages::layout::{Viewer, render};

/// The assessment form's values and its message, kept when it is refused.
#[derive(Default, Clone)]
pub(crate) struct AssessForm {
    pub(crate) decision: String,
    pub(crate) design: String,
    pub(crate) impact_functionality: String,
    pub(crate) impact_security: String,
    pub(crate) cost: String,
    pub(crate) estimate_hours: String,
    pub(crate) estimate_euros: String,
    pub(crate) amount_euros: String,
    pub(crate) planned_release: String,
    /// The field at fault (its form id) and the message.
    pub(crate) error: Option<(&'static str, String)>,
}

impl AssessForm {
    /// The message at `id`, if the form's error is there.
    pub(crate) fn error_at(&self, id: &str) -> Option<&str> {
        match &self.error {
            Some((at, m)) if *at == id => Some(m),
            _ => None,
        }
    }
}

/// The assessment as the page shows it: its lines in the viewer's language.
pub(crate) struct AssessmentView {
    pub(crate) rows: Vec<(String, String)>,
    pub(crate) when: String,
    pub(crate) when_iso: String,
}

/// The assessment's lines in `t`'s language.
pub(crate) fn view(a: &Assessment, t: Tr, calendar: &Calendar, now_s: i64) -> AssessmentView {
    let i = &a.input;
    let or_none = |s: &str| {
        if s.trim().is_empty() {
            t.get("assessment.none").to_string()
        } else {
            s.to_string()
        }
    };
    AssessmentView {
        rows: vec![
            (
                t.get("assessment.decision").to_string(),
                t.get(&format!("assessment.decision.{}", i.decision.as_str()))
                    .to_string(),
            ),
            (t.get("assessment.design").to_string(), or_none(&i.design)),
            (
                t.get("assessment.impact_functionality").to_string(),
                i.impact_functionality.clone(),
            ),
            (
                t.get("assessment.impact_security").to_string(),
                i.impact_security.clone(),
            ),
            (t.get("assessment.cost").to_string(), i.cost_words(t)),
            (
                t.get("assessment.planned_release").to_string(),
                or_none(&i.planned_release),
            ),
        ],
        when: sla::words::format_local_short(calendar, a.at.as_second(), now_s, t.0),
        when_iso: desk::time::rfc3339(a.at),
    }
}

/// Euros as typed (`1250`, `1250,5`, `1.250,00`, `1250.00`) in cents; `None` when it is not
/// an amount.
pub(crate) fn cents(s: &str) -> Option<i64> {
    let s = s.trim().replace(['€', ' '], "");
    if s.is_empty() {
        return None;
    }
    // The last separator followed by one or two digits is the decimal one; others group.
    let (whole, frac) = match s.rfind([',', '.']) {
        Some(i) if (1..=2).contains(&(s.len() - i - 1)) => (&s[..i], &s[i + 1..]),
        _ => (s.as_str(), ""),
    };
    let whole: String = whole.chars().filter(|c| *c != '.' && *c != ',').collect();
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

/// The form's id of an assessment field as the desk names it.
fn form_id(field: &str) -> &'static str {
    match field {
        "decision" => "assess-decision",
        "design" => "assess-design",
        "impact_functionality" => "assess-functionality",
        "impact_security" => "assess-security",
        "cost" => "assess-cost",
        "estimate_hours" => "assess-hours",
        "estimate_cents" => "assess-euros",
        "amount_cents" => "assess-amount",
        "planned_release" => "assess-release",
        _ => "assess-decision",
    }
}

/// The message at a field, in the viewer's language.
fn message(t: Tr, e: DeskError) -> Result<(&'static str, String), DeskError> {
    match e {
        DeskError::TooLong { field, max } => Ok((form_id(&field), too_long(t, max))),
        DeskError::Invalid { field, .. } => Ok((
            form_id(&field),
            t.get(&format!("assessment.error.{field}")).to_string(),
        )),
        DeskError::Conflict { field, .. } if field == "kind" || field == "status" => Ok((
            "assess-decision",
            t.get(&format!("assessment.error.{field}")).to_string(),
        )),
        other => Err(other),
    }
}

/// Reads the form; `Err` with the field and message when a value cannot be read.
fn read(f: &Fields, form: &AssessForm) -> Result<AssessmentInput, (&'static str, &'static str)> {
    let decision = Decision::parse(&form.decision).ok_or(("decision", "decision"))?;
    let cost = Cost::parse(&form.cost).ok_or(("cost", "cost"))?;
    let number = |s: &str| s.trim().to_string();
    let hours = match number(f.text("estimate_hours")).as_str() {
        "" => None,
        h => Some(
            h.parse::<u32>()
                .map_err(|_| ("estimate_hours", "estimate_hours"))?,
        ),
    };
    let estimate = match number(f.text("estimate_euros")).as_str() {
        "" => None,
        e => Some(cents(e).ok_or(("estimate_cents", "estimate_cents"))?),
    };
    let amount = match number(f.text("amount_euros")).as_str() {
        "" => None,
        a => Some(cents(a).ok_or(("amount_cents", "amount_cents"))?),
    };
    // Only the fields of the chosen cost count (the others may still hold typed values).
    let (estimate_hours, estimate_cents, amount_cents) = match cost {
        Cost::None => (None, None, None),
        Cost::SubsequentCalculation => (hours, estimate, None),
        Cost::Quote => (None, None, amount),
    };
    Ok(AssessmentInput {
        decision,
        design: form.design.clone(),
        impact_functionality: form.impact_functionality.clone(),
        impact_security: form.impact_security.clone(),
        cost,
        estimate_hours,
        estimate_cents,
        amount_cents,
        planned_release: form.planned_release.clone(),
    })
}

/// `POST /tickets/{id}/assessment`: records the assessment, or shows the page again with
/// the message at its field (422).
pub(crate) async fn assess(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let t = viewer.t;
    let fields = Fields::parse(&body);
    viewer.check_csrf(fields.text("csrf"))?;
    let id = parse_id(&raw, t)?;
    if fields.has_nul() {
        return Err(PageError::Api(
            t,
            ApiError::BadRequest {
                detail: crate::error::NUL_DETAIL.into(),
                field: None,
            },
        ));
    }
    let mut form = AssessForm {
        decision: fields.text("decision").to_string(),
        design: fields.text("design").to_string(),
        impact_functionality: fields.text("impact_functionality").to_string(),
        impact_security: fields.text("impact_security").to_string(),
        cost: fields.text("cost").to_string(),
        estimate_hours: fields.text("estimate_hours").to_string(),
        estimate_euros: fields.text("estimate_euros").to_string(),
        amount_euros: fields.text("amount_euros").to_string(),
        planned_release: fields.text("planned_release").to_string(),
        error: None,
    };
    let outcome = match read(&fields, &form) {
        Err((field, key)) => Err(DeskError::invalid(field, key)),
        Ok(input) => app.assess(&viewer.caller, id, input).await.map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/tickets/{}?notice=assessment", id.0)).into_response()),
        Err(e) => {
            form.error = Some(message(t, e).map_err(api(t))?);
            let state = FormState {
                assess: form,
                ..FormState::default()
            };
            let page = ticket_page(&app, &viewer, id, None, state).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cents;

    #[test]
    fn euros_as_typed() {
        assert_eq!(cents("1250"), Some(125_000));
        assert_eq!(cents("1250,5"), Some(125_050));
        assert_eq!(cents("1.250,00"), Some(125_000));
        assert_eq!(cents("1250.00"), Some(125_000));
        assert_eq!(cents("€ 12,34"), Some(1234));
        assert_eq!(cents(""), None);
        assert_eq!(cents("12a"), None);
        assert_eq!(cents("-5"), None);
    }
}
