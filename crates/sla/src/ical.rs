//! Closed dates from an iCalendar (RFC 5545) file: every all-day event closes its dates.

use std::collections::BTreeSet;

use jiff::civil::Date;

/// Why an iCalendar text was rejected, with the 1-based line it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IcalError {
    /// 1-based line in the (folded) file.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// Most days one event may close, to refuse nonsense such as a century-long closure.
const MAX_EVENT_DAYS: i64 = 366;

/// The dates closed by the all-day events of an iCalendar text.
///
/// `DTSTART;VALUE=DATE` with `DTEND` (exclusive) or `DURATION:PnD`/`PnW`, else one day.
/// Timed events and recurring events are refused with the line they start at, so a closure
/// is never silently dropped.
pub fn closed_dates(text: &str) -> Result<BTreeSet<Date>, IcalError> {
    let mut dates = BTreeSet::new();
    let mut event: Option<Event> = None;
    let mut saw_calendar = false;
    for (line_no, line) in unfold(text) {
        let err = |message: String| IcalError {
            line: line_no,
            message,
        };
        let (name_params, value) = line
            .split_once(':')
            .ok_or_else(|| err(format!("`{line}` is not a NAME:VALUE content line")))?;
        let mut parts = name_params.split(';');
        let name = parts.next().unwrap_or("").to_ascii_uppercase();
        let params: Vec<String> = parts.map(|p| p.to_ascii_uppercase()).collect();
        match (name.as_str(), value.trim().to_ascii_uppercase().as_str()) {
            ("BEGIN", "VCALENDAR") => saw_calendar = true,
            ("BEGIN", "VEVENT") => {
                if event.is_some() {
                    return Err(err("a VEVENT begins inside another VEVENT".into()));
                }
                event = Some(Event {
                    line: line_no,
                    ..Event::default()
                });
            }
            ("END", "VEVENT") => {
                let e = event
                    .take()
                    .ok_or_else(|| err("END:VEVENT without BEGIN:VEVENT".into()))?;
                e.close_into(&mut dates)?;
            }
            _ => {
                let Some(e) = event.as_mut() else { continue };
                let once = |present: bool| {
                    if present {
                        Err(err(format!("{name} appears twice in one VEVENT")))
                    } else {
                        Ok(())
                    }
                };
                match name.as_str() {
                    "DTSTART" => {
                        once(e.start.is_some())?;
                        e.start = Some(parse_date(value, &params).map_err(err)?);
                    }
                    "DTEND" | "DURATION" if e.end.is_some() || e.days.is_some() => {
                        return Err(err("a VEVENT has either one DTEND or one DURATION".into()));
                    }
                    "DTEND" => e.end = Some(parse_date(value, &params).map_err(err)?),
                    "DURATION" => e.days = Some(parse_days(value).map_err(err)?),
                    "RRULE" | "RDATE" => {
                        return Err(err("recurring events are not supported; list each closure as its own event".into()));
                    }
                    _ => {}
                }
            }
        }
    }
    if !saw_calendar {
        return Err(IcalError {
            line: 1,
            message: "this is not an iCalendar file (no BEGIN:VCALENDAR)".into(),
        });
    }
    if let Some(e) = event {
        return Err(IcalError {
            line: e.line,
            message: "this VEVENT has no END:VEVENT".into(),
        });
    }
    Ok(dates)
}

#[derive(Default)]
struct Event {
    line: usize,
    start: Option<Date>,
    end: Option<Date>,
    days: Option<i64>,
}

impl Event {
    fn close_into(self, dates: &mut BTreeSet<Date>) -> Result<(), IcalError> {
        let err = |message: &str| IcalError {
            line: self.line,
            message: message.to_string(),
        };
        let start = self
            .start
            .ok_or_else(|| err("this VEVENT has no DTSTART"))?;
        let days = match (self.end, self.days) {
            (Some(end), _) => {
                let span = start
                    .until(end)
                    .map_err(|_| err("DTEND cannot be compared to DTSTART"))?;
                i64::from(span.get_days())
            }
            (None, Some(d)) => d,
            (None, None) => 1,
        };
        if !(1..=MAX_EVENT_DAYS).contains(&days) {
            return Err(err(
                "an all-day event must last from 1 to 366 days (DTEND is exclusive)",
            ));
        }
        let mut d = start;
        for _ in 0..days {
            dates.insert(d);
            d = d
                .tomorrow()
                .map_err(|_| err("the event runs past the last supported date"))?;
        }
        Ok(())
    }
}

/// Content lines with continuation lines (starting with a space or tab) folded back in.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.1.push_str(rest);
            continue;
        }
        if !raw.trim().is_empty() {
            out.push((i + 1, raw.to_string()));
        }
    }
    out
}

fn parse_date(value: &str, params: &[String]) -> Result<Date, String> {
    let v = value.trim();
    let is_date = params.iter().any(|p| p == "VALUE=DATE") || (v.len() == 8 && !v.contains('T'));
    if !is_date {
        return Err(format!(
            "`{v}` is a date-time; only all-day events (VALUE=DATE) can close dates"
        ));
    }
    let bad = || format!("`{v}` is not a date; expected YYYYMMDD");
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<i16>().map_err(|_| bad());
    Date::new(n(0..4)?, n(4..6)? as i8, n(6..8)? as i8).map_err(|_| bad())
}

fn parse_days(value: &str) -> Result<i64, String> {
    let v = value.trim().to_ascii_uppercase();
    let bad = || format!("`{v}` is not a whole-day duration; expected PnD or PnW");
    let body = v.strip_prefix('P').ok_or_else(bad)?;
    let (num, mult) = if let Some(n) = body.strip_suffix('D') {
        (n, 1)
    } else if let Some(n) = body.strip_suffix('W') {
        (n, 7)
    } else {
        return Err(bad());
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || num.len() > 6 {
        return Err(bad());
    }
    num.parse::<i64>().map(|n| n * mult).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_day_events_close_their_dates() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Kerstsluiting\r\nDTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270102\r\nDURATION:P1W\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20260724\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let d = closed_dates(ics).expect("valid");
        let days: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            days[..4],
            ["2026-07-24", "2026-12-28", "2026-12-29", "2026-12-30"]
        );
        assert_eq!(days.len(), 4 + 7);
        assert_eq!(days.last().map(String::as_str), Some("2027-01-08"));
    }

    #[test]
    fn timed_and_recurring_events_are_refused_with_their_line() {
        let timed =
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261228T120000Z\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(closed_dates(timed).map_err(|e| e.line), Err(3));
        let twice = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261228\nDTSTART:20261229\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(closed_dates(twice).map_err(|e| e.line), Err(4));
        let both = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261228\nDTEND:20261229\nDURATION:P1D\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(closed_dates(both).map_err(|e| e.line), Err(5));
        let rec = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261228\nRRULE:FREQ=YEARLY\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(closed_dates(rec).map_err(|e| e.line), Err(4));
        assert!(closed_dates("hello").is_err());
        let folded = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026\n 1228\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(closed_dates(folded).map(|d| d.len()), Ok(1));
    }
}
