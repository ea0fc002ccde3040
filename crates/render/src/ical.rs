//! The iCalendar feed of planned maintenance (RFC 5545): escaping, line folding and the
//! VCALENDAR document.

use store::{Maintenance, Millis};

use desk::i18n::Tr;

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
}
