//! The meeting forms of the vendor's escalation page (the consultation and the follow-ups):
//! what is shown in them, and reading them into the desk's meeting input.

use desk::compensation::{ActionItem, Attendee, IncidentInput, MeetingInput, Side};
use desk::i18n::Tr;
use desk::meetings::{meeting_title, status_label};
use sla::{Priority, words};
use store::{MeetingId, MeetingKind, MeetingStatus, OrgId, TicketId};

use crate::AppState;
use crate::pages::form::Fields;
use crate::pages::layout::Viewer;

/// An incident in the meeting form.
pub struct IncidentRow {
    /// The ticket.
    pub id: i64,
    /// Its subject.
    pub subject: String,
    /// Ticked as discussed.
    pub discussed: bool,
    /// Why it overran.
    pub reason: String,
    /// `right`, or the priority it should have had.
    pub choice: String,
    /// "klopte (Urgent)".
    pub right_label: String,
    /// The priorities it may be corrected to: value, words, chosen.
    pub options: Vec<(&'static str, String, bool)>,
}

/// A meeting form as shown (empty, or as typed when it comes back).
#[derive(Default)]
pub struct MeetingForm {
    /// `YYYY-MM-DD`.
    pub held_on: String,
    /// One name a line.
    pub customer_attendees: String,
    /// One name a line.
    pub vendor_attendees: String,
    /// The incidents to discuss.
    pub incidents: Vec<IncidentRow>,
    /// The agreement's description.
    pub agr_what: String,
    /// Its owner.
    pub agr_owner: String,
    /// By when.
    pub agr_due: String,
    /// The minutes.
    pub minutes: String,
    /// Why (follow-up).
    pub why: String,
    /// `yes`, `no` or `""` (follow-up).
    pub progress: String,
    /// The interim meetings it may be recorded against (not cancelled, not the record of
    /// another step): id, in words, chosen. None chosen: a new meeting record is made.
    pub meetings: Vec<(i64, String, bool)>,
}

/// The priorities to choose from when one was wrong: value, words, chosen.
fn priorities(t: Tr, choice: &str) -> Vec<(&'static str, String, bool)> {
    Priority::ALL
        .iter()
        .map(|p| (p.as_str(), p.label(t.0).to_string(), p.as_str() == choice))
        .collect()
}

/// The form for a meeting held today, or as typed in `typed`.
pub async fn form(
    app: &AppState,
    viewer: &Viewer,
    org: OrgId,
    typed: Option<&Fields>,
) -> Result<MeetingForm, desk::DeskError> {
    let t = viewer.t;
    let defaults = app.incidents_to_discuss(&viewer.caller, org).await?;
    let mut incidents = Vec::new();
    for d in defaults {
        let ticket = app
            .store
            .get_ticket(&viewer.caller.scope, d.ticket_id)
            .await?;
        let id = d.ticket_id.0;
        let current = ticket
            .priority
            .map_or_else(String::new, |p| p.label(t.0).to_string());
        let (discussed, reason, choice) = match typed {
            Some(f) => (
                !f.text(&format!("inc_{id}_discussed")).is_empty(),
                f.text(&format!("inc_{id}_reason")).to_string(),
                f.text(&format!("inc_{id}_priority")).to_string(),
            ),
            None => (true, d.reason.unwrap_or_default(), "right".to_string()),
        };
        incidents.push(IncidentRow {
            id,
            subject: ticket.subject,
            discussed,
            reason,
            right_label: t.fill("esc.meeting.priority_right", &[("p", current.as_str())]),
            options: priorities(t, &choice),
            choice,
        });
    }
    let chosen = typed
        .map_or("", |f| f.text("meeting_id"))
        .trim()
        .to_string();
    let mut meetings = Vec::new();
    for m in app
        .meetings(&viewer.caller, org, Some(MeetingKind::Interim), None)
        .await?
        .into_iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.escalation_step.is_none())
    {
        let cal = &app.customer_calendar(org, m.starts_at).await?.calendar;
        let label = format!(
            "{} · {} ({})",
            words::format_local(cal, m.starts_at.as_second(), t.0),
            meeting_title(&m, t),
            status_label(m.status, t)
        );
        meetings.push((m.id.0, label, m.id.0.to_string() == chosen));
    }
    let today = {
        let standard = app.policies.standard()?;
        let local = standard.calendar.utc_to_local(app.clock.now().as_second());
        let (y, m, d) = sla::civil::civil_from_days(local.div_euclid(sla::civil::DAY));
        format!("{y:04}-{m:02}-{d:02}")
    };
    Ok(match typed {
        Some(f) => MeetingForm {
            held_on: f.text("held_on").to_string(),
            customer_attendees: f.text("customer_attendees").to_string(),
            vendor_attendees: f.text("vendor_attendees").to_string(),
            incidents,
            agr_what: f.text("agr_what").to_string(),
            agr_owner: f.text("agr_owner").to_string(),
            agr_due: f.text("agr_due").to_string(),
            minutes: f.text("minutes").to_string(),
            why: f.text("why").to_string(),
            progress: f.text("progress").to_string(),
            meetings,
        },
        None => MeetingForm {
            held_on: today,
            vendor_attendees: viewer.caller.person.name.clone(),
            incidents,
            meetings,
            ..MeetingForm::default()
        },
    })
}

fn names(text: &str, side: Side) -> Vec<Attendee> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|name| Attendee {
            name: name.to_string(),
            side,
            person_id: None,
        })
        .collect()
}

/// Reads a meeting form: the desk's input, or the key of what is wrong.
pub fn read(f: &Fields) -> Result<MeetingInput, &'static str> {
    let held_on = f
        .text("held_on")
        .trim()
        .parse()
        .map_err(|_| "esc.error.held_on")?;
    let mut attendees = names(f.text("customer_attendees"), Side::Customer);
    attendees.extend(names(f.text("vendor_attendees"), Side::Vendor));
    if attendees.is_empty() {
        return Err("esc.error.attendees");
    }
    let mut incidents = Vec::new();
    for (k, v) in &f.0 {
        if k != "inc" {
            continue;
        }
        let Ok(id) = v.parse::<i64>() else { continue };
        if f.text(&format!("inc_{id}_discussed")).is_empty() {
            continue;
        }
        let choice = f.text(&format!("inc_{id}_priority"));
        let (right, correct) = match choice {
            "" | "right" => (true, None),
            p => (
                false,
                Some(p.parse::<Priority>().map_err(|_| "esc.error.incident")?),
            ),
        };
        let reason = f.text(&format!("inc_{id}_reason")).trim();
        incidents.push(IncidentInput {
            ticket_id: TicketId(id),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            priority_right: right,
            correct_priority: correct,
        });
    }
    let (what, owner, due) = (
        f.text("agr_what").trim(),
        f.text("agr_owner").trim(),
        f.text("agr_due").trim(),
    );
    let agreements = if what.is_empty() && owner.is_empty() && due.is_empty() {
        Vec::new()
    } else {
        if what.is_empty() || owner.is_empty() || due.parse::<jiff::civil::Date>().is_err() {
            return Err("esc.error.agreement");
        }
        vec![ActionItem {
            description: what.to_string(),
            owner: owner.to_string(),
            owner_person_id: None,
            due_on: due.to_string(),
            done: false,
        }]
    };
    let minutes = f.text("minutes").trim();
    let meeting_id = match f.text("meeting_id").trim() {
        "" => None,
        id => Some(MeetingId(id.parse().map_err(|_| "esc.error.meeting")?)),
    };
    Ok(MeetingInput {
        held_on,
        meeting_id,
        attendees,
        incidents: Some(incidents),
        agreements,
        minutes: (!minutes.is_empty()).then(|| minutes.to_string()),
    })
}
