//! A meeting's minutes as a printable document (A4, the report's print stylesheet): the
//! meeting, who attended from either side, what was discussed and decided, and the action
//! items with their state; times in the agreement's zone, texts from the catalogs (nl/en).

use desk::i18n::Tr;
use desk::meetings::items::TrackedItem;
use desk::meetings::{meeting_title, side_label, status_label};
use sla::words;
use store::Meeting;

/// An attendee in words.
pub struct AttendeeView {
    /// Their name.
    pub name: String,
    /// Their side.
    pub side: String,
    /// Their role.
    pub role: String,
    /// Whether they were there: yes, no, or not recorded.
    pub present: String,
}

/// An action item in words.
pub struct ItemView {
    /// What.
    pub what: String,
    /// Who.
    pub owner: String,
    /// By when.
    pub due: String,
    /// Done (with when), open, or overdue.
    pub state: String,
    /// Whether it is overdue.
    pub overdue: bool,
}

/// The minutes in words.
pub struct MinutesView {
    /// The meeting's title.
    pub title: String,
    /// The customer's name.
    pub customer: String,
    /// When, local time, start to end.
    pub when: String,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online: String,
    /// Planned, held or cancelled.
    pub status: String,
    /// Who.
    pub attendees: Vec<AttendeeView>,
    /// The minutes' text, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// The decisions.
    pub decisions: Vec<String>,
    /// The action items.
    pub items: Vec<ItemView>,
}

/// The minutes in words, times in the calendar's zone.
pub fn minutes_view(
    m: &Meeting,
    customer: &str,
    items: &[TrackedItem],
    cal: &sla::Calendar,
    t: Tr,
) -> MinutesView {
    let local = |s: i64| words::format_local(cal, s, t.0);
    MinutesView {
        title: meeting_title(m, t),
        customer: customer.to_string(),
        when: format!(
            "{} – {}",
            local(m.starts_at.as_second()),
            local(m.ends_at().as_second())
        ),
        location: m.location.clone(),
        online: m.online_url.clone(),
        status: status_label(m.status, t).to_string(),
        attendees: m
            .attendees
            .iter()
            .map(|a| AttendeeView {
                name: a.name.clone(),
                side: side_label(a.side, t).to_string(),
                role: a.role.clone(),
                present: match a.present {
                    Some(true) => t.get("minutes.yes"),
                    Some(false) => t.get("minutes.no"),
                    None => t.get("minutes.unknown"),
                }
                .to_string(),
            })
            .collect(),
        paragraphs: m
            .minutes
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        decisions: m.decisions.clone(),
        items: items
            .iter()
            .map(|i| ItemView {
                what: i.item.what.clone(),
                owner: i.item.owner_name.clone(),
                due: i.item.due_on.to_string(),
                state: match i.item.done_at {
                    Some(at) => format!("{} {}", t.get("minutes.done"), local(at.as_second())),
                    None if i.overdue => t.get("minutes.overdue").to_string(),
                    None => t.get("minutes.open").to_string(),
                },
                overdue: i.overdue,
            })
            .collect(),
    }
}

#[derive(askama::Template)]
#[template(path = "minutes_print.html")]
struct MinutesPage<'a> {
    t: Tr,
    v: &'a MinutesView,
}

/// The printable minutes as one HTML document (stylesheet linked, under the CSP).
pub fn printable_minutes(
    m: &Meeting,
    customer: &str,
    items: &[TrackedItem],
    cal: &sla::Calendar,
    t: Tr,
) -> String {
    use askama::Template;
    let v = minutes_view(m, customer, items, cal, t);
    MinutesPage { t, v: &v }
        .render()
        .unwrap_or_else(|e| format!("<!doctype html><p>{e}</p>"))
}
