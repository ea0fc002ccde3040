//! iCalendar (RFC 5545): escaping, line folding, the feed of planned maintenance, and for
//! meetings the invitation, its update and its cancellation (METHOD:REQUEST or CANCEL, RFC
//! 5546; see [`IcsMethod`]) and the per-customer feed.

use store::{Maintenance, Meeting, MeetingStatus, Millis};

use desk::i18n::Tr;
use desk::meetings::{InvitationParts, kind_label, meeting_title};

/// What a meeting message asks of the calendar: REQUEST (take it, or its update: same UID, a
/// higher SEQUENCE) or CANCEL (drop it).
pub use desk::meetings::IcsMethod;

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks;
/// other control characters are dropped.
pub fn ical_text(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets (RFC 5545 §3.1) without splitting a UTF-8
/// character, each physical line ending in CRLF.
pub fn ical_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line starts with the space, which counts.
        limit = 74;
    }
}

/// An instant as an iCalendar UTC date-time: `20261126T210000Z`.
pub fn ical_time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| "19700101T000000Z".to_string(),
        |t| t.strftime("%Y%m%dT%H%M%SZ").to_string(),
    )
}

/// The iCalendar feed of announced maintenance: one VEVENT per announcement (cancelled ones
/// with `STATUS:CANCELLED` and a higher `SEQUENCE`, so calendars drop them).
pub fn ical_feed(list: &[Maintenance], t: Tr) -> String {
    let mut out = String::new();
    ical_line(&mut out, "BEGIN:VCALENDAR");
    ical_line(&mut out, "VERSION:2.0");
    ical_line(&mut out, "PRODID:-//loket//status//NL");
    ical_line(&mut out, "CALSCALE:GREGORIAN");
    ical_line(&mut out, "METHOD:PUBLISH");
    ical_line(
        &mut out,
        &format!("X-WR-CALNAME:{}", ical_text(t.get("status.ical_name"))),
    );
    for m in list {
        let cancelled = m.cancelled_at.is_some();
        ical_line(&mut out, "BEGIN:VEVENT");
        ical_line(&mut out, &format!("UID:maintenance-{}@loket", m.id.0));
        ical_line(
            &mut out,
            &format!(
                "DTSTAMP:{}",
                ical_time(m.cancelled_at.unwrap_or(m.announced_at))
            ),
        );
        ical_line(&mut out, &format!("DTSTART:{}", ical_time(m.starts_at)));
        ical_line(&mut out, &format!("DTEND:{}", ical_time(m.ends_at)));
        ical_line(
            &mut out,
            &format!("SUMMARY:{}", ical_text(t.get("status.planned"))),
        );
        ical_line(
            &mut out,
            &format!("DESCRIPTION:{}", ical_text(&m.description)),
        );
        ical_line(
            &mut out,
            if cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        ical_line(&mut out, &format!("SEQUENCE:{}", u8::from(cancelled)));
        ical_line(&mut out, "TRANSP:OPAQUE");
        ical_line(&mut out, "END:VEVENT");
    }
    ical_line(&mut out, "END:VCALENDAR");
    out
}

/// A parameter value (RFC 5545 §3.2): always quoted, without the characters a quoted value
/// cannot hold (double quotes become single ones, control characters are dropped).
pub fn ical_param(s: &str) -> String {
    let inner: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    format!("\"{inner}\"")
}

/// A `mailto:` address for ORGANIZER and ATTENDEE (no blanks or controls can be in one that
/// desk accepted; any left are dropped).
fn mailto(email: &str) -> String {
    let clean: String = email
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    format!("mailto:{clean}")
}

/// One meeting as a VEVENT: UID, SEQUENCE, DTSTAMP, DTSTART and DTEND in UTC, SUMMARY,
/// LOCATION, URL, DESCRIPTION, STATUS; with `organizer` also ORGANIZER and an ATTENDEE line
/// per attendee with an address (an invitation).
fn meeting_event(
    out: &mut String,
    m: &Meeting,
    customer: &str,
    t: Tr,
    organizer: Option<(&str, &str)>,
) {
    ical_line(out, "BEGIN:VEVENT");
    ical_line(out, &format!("UID:meeting-{}@loket", m.id.0));
    ical_line(out, &format!("SEQUENCE:{}", m.sequence));
    ical_line(
        out,
        &format!("DTSTAMP:{}", ical_time(m.updated_at.as_millisecond())),
    );
    ical_line(
        out,
        &format!("DTSTART:{}", ical_time(m.starts_at.as_millisecond())),
    );
    ical_line(
        out,
        &format!("DTEND:{}", ical_time(m.ends_at().as_millisecond())),
    );
    let summary = format!(
        "{} {} {customer}",
        meeting_title(m, t),
        t.get("meeting.with")
    );
    ical_line(out, &format!("SUMMARY:{}", ical_text(&summary)));
    let mut description = kind_label(m.kind, t).to_string();
    if !m.online_url.is_empty() {
        description.push('\n');
        description.push_str(&m.online_url);
        ical_line(out, &format!("URL:{}", ical_text(&m.online_url)));
    }
    if !m.location.is_empty() {
        ical_line(out, &format!("LOCATION:{}", ical_text(&m.location)));
    }
    ical_line(out, &format!("DESCRIPTION:{}", ical_text(&description)));
    if let Some((name, email)) = organizer {
        if !email.is_empty() {
            ical_line(
                out,
                &format!("ORGANIZER;CN={}:{}", ical_param(name), mailto(email)),
            );
        }
        for a in &m.attendees {
            if let Some(email) = a.email.as_deref().filter(|e| !e.is_empty()) {
                ical_line(
                    out,
                    &format!(
                        "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{}",
                        ical_param(&a.name),
                        mailto(email)
                    ),
                );
            }
        }
    }
    ical_line(
        out,
        match m.status {
            MeetingStatus::Cancelled => "STATUS:CANCELLED",
            MeetingStatus::Planned | MeetingStatus::Held => "STATUS:CONFIRMED",
        },
    );
    ical_line(out, "TRANSP:OPAQUE");
    ical_line(out, "END:VEVENT");
}

/// A meeting's invitation, update (METHOD:REQUEST) or cancellation (METHOD:CANCEL, with
/// `STATUS:CANCELLED`), as `p.method` says: one VEVENT with its UID, sequence, organizer and
/// attendees, times in UTC, lines folded at 75 octets.
pub fn invitation(p: &InvitationParts<'_>) -> String {
    let mut out = String::new();
    ical_line(&mut out, "BEGIN:VCALENDAR");
    ical_line(&mut out, "VERSION:2.0");
    ical_line(&mut out, "PRODID:-//loket//meetings//NL");
    ical_line(&mut out, "CALSCALE:GREGORIAN");
    ical_line(&mut out, &format!("METHOD:{}", p.method.as_str()));
    meeting_event(
        &mut out,
        p.meeting,
        p.customer,
        p.t,
        Some((p.organizer_name, p.organizer_email)),
    );
    ical_line(&mut out, "END:VCALENDAR");
    out
}

/// A customer's meetings as a feed to subscribe to (METHOD:PUBLISH), cancelled ones marked so.
pub fn meetings_feed(meetings: &[Meeting], customer: &str, t: Tr) -> String {
    let mut out = String::new();
    ical_line(&mut out, "BEGIN:VCALENDAR");
    ical_line(&mut out, "VERSION:2.0");
    ical_line(&mut out, "PRODID:-//loket//meetings//NL");
    ical_line(&mut out, "CALSCALE:GREGORIAN");
    ical_line(&mut out, "METHOD:PUBLISH");
    let name = format!("{} {customer}", t.get("meeting.feed_name"));
    ical_line(&mut out, &format!("X-WR-CALNAME:{}", ical_text(&name)));
    for m in meetings {
        meeting_event(&mut out, m, customer, t, None);
    }
    ical_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lines_fold_at_75_octets() {
        assert_eq!(ical_text("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        ical_line(&mut out, &long);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        let mut short = String::new();
        ical_line(&mut short, "BEGIN:VEVENT");
        assert_eq!(short, "BEGIN:VEVENT\r\n");
    }

    #[test]
    fn parameter_values_are_quoted_without_quotes_inside() {
        assert_eq!(ical_param("Jan \"JJ\" de Vries"), "\"Jan 'JJ' de Vries\"");
        assert_eq!(ical_param("a;b:c,d\u{7}"), "\"a;b:c,d\"");
        assert_eq!(mailto("  a@b.nl\n"), "mailto:a@b.nl");
    }
}
