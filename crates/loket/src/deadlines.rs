//! `loket sla deadlines`: a streaming batch calculator from `opened_at,business_seconds` CSV.
//!
//! One reused line buffer, a large buffered writer, no allocation per good line: the cost per
//! line is a parse, one calendar lookup and one format.

use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::anyhow;
use sla::calendar::{FIRST_YEAR, LAST_YEAR};
use sla::rfc3339::{self, FORMATTED_LEN, Rfc3339Error};
use sla::{Calendar, CalendarError};

use crate::{Failure, policy};

/// The header the input must start with.
pub const HEADER: &[u8] = b"opened_at,business_seconds";
/// The header written before the results.
const OUT_HEADER: &[u8] = b"opened_at,business_seconds,deadline\n";
/// Longest line accepted, in bytes; longer ones are reported and skipped.
const MAX_LINE: u64 = 64 * 1024;
/// Bad lines described on stderr before only counting the rest.
const DETAIL_LIMIT: u64 = 100;
/// Business seconds beyond which no deadline can lie inside the calendar's years
/// (the whole range, open day and night, is under 2^33 s); also keeps sums far from overflow.
const MAX_BUSINESS: i64 = 1 << 36;
/// I/O buffer sizes.
const BUFFER: usize = 1 << 20;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Runs the command on stdin and stdout.
pub fn command(policy_file: Option<&Path>) -> Result<(), Failure> {
    let (_, calendar) = policy::load(policy_file)?;
    let input = BufReader::with_capacity(BUFFER, io::stdin().lock());
    let output = BufWriter::with_capacity(BUFFER, io::stdout().lock());
    let mut errors = io::stderr().lock();
    match run(&calendar, input, output, &mut errors) {
        Ok(summary) if summary.bad == 0 => Ok(()),
        Ok(summary) => {
            let _ = writeln!(
                errors,
                "loket: {} bad line{} skipped, {} line{} written",
                summary.bad,
                if summary.bad == 1 { "" } else { "s" },
                summary.good,
                if summary.good == 1 { "" } else { "s" },
            );
            Err(Failure::Reported)
        }
        Err(RunError::Header(message)) => Err(Failure::User(anyhow!(message))),
        Err(RunError::Read(e)) => Err(Failure::Io(
            anyhow::Error::new(e).context("cannot read from stdin"),
        )),
        Err(RunError::Write(e)) => Err(Failure::Io(
            anyhow::Error::new(e).context("cannot write to stdout"),
        )),
    }
}

/// Counts of a finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Lines written with their deadline.
    pub good: u64,
    /// Lines reported and skipped.
    pub bad: u64,
}

/// Why a run stopped early.
#[derive(Debug)]
pub enum RunError {
    /// The header line is missing or wrong.
    Header(String),
    /// Reading the input failed.
    Read(io::Error),
    /// Writing the output failed.
    Write(io::Error),
}

/// What is wrong with one data line.
#[derive(Debug)]
enum LineError {
    Blank,
    TooLong,
    Utf8,
    Fields(usize),
    Instant(Rfc3339Error),
    Seconds(SecondsError, String),
    OpenedOutOfRange,
    Calendar(CalendarError),
}

#[derive(Debug, Clone, Copy)]
enum SecondsError {
    Empty,
    Negative,
    NotInteger,
    TooLarge,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Blank => f.write_str("empty line"),
            LineError::TooLong => write!(f, "longer than {MAX_LINE} bytes"),
            LineError::Utf8 => f.write_str("not valid UTF-8"),
            LineError::Fields(n) => write!(
                f,
                "expected 2 fields `opened_at,business_seconds`, found {n}"
            ),
            LineError::Instant(e) => write!(f, "opened_at: {e}"),
            LineError::Seconds(e, text) => {
                let why = match e {
                    SecondsError::Empty => "is empty",
                    SecondsError::Negative => "is negative",
                    SecondsError::NotInteger => "is not a whole number",
                    SecondsError::TooLarge => "is too large",
                };
                write!(
                    f,
                    "business_seconds `{text}` {why}; expected a whole number of seconds, 0 or more"
                )
            }
            LineError::OpenedOutOfRange => write!(
                f,
                "opened_at has no clock start within the calendar's years {FIRST_YEAR}–{LAST_YEAR}"
            ),
            LineError::Calendar(CalendarError::OutOfRange(_)) => write!(
                f,
                "the deadline lies outside the calendar's years {FIRST_YEAR}–{LAST_YEAR}"
            ),
            LineError::Calendar(e) => write!(f, "{e}"),
        }
    }
}

/// Reads stdin-like `input`, writes results to `output` and bad-line reports to `errors`.
pub fn run<R: BufRead, W: Write, E: Write>(
    calendar: &Calendar,
    mut input: R,
    mut output: W,
    errors: &mut E,
) -> Result<Summary, RunError> {
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    match read_line(&mut input, &mut line).map_err(RunError::Read)? {
        Read::Eof => {
            return Err(RunError::Header(format!(
                "the input is empty; expected the header line `{}`",
                show(HEADER)
            )));
        }
        Read::TooLong => {
            return Err(RunError::Header(format!(
                "line 1: expected the header `{}`, found a line longer than {MAX_LINE} bytes",
                show(HEADER)
            )));
        }
        Read::Line => {
            let header = strip_line_end(line.strip_prefix(UTF8_BOM).unwrap_or(&line));
            if header != HEADER {
                return Err(RunError::Header(format!(
                    "line 1: expected the header `{}`, found `{}`",
                    show(HEADER),
                    show(header)
                )));
            }
        }
    }
    output.write_all(OUT_HEADER).map_err(RunError::Write)?;

    let mut summary = Summary { good: 0, bad: 0 };
    let mut number: u64 = 1;
    // Blank lines are only bad when a non-blank line follows: (first line number, count).
    let mut blanks: (u64, u64) = (0, 0);
    // `,` + deadline + `\n`, reused.
    let mut tail = [0u8; FORMATTED_LEN + 2];
    tail[0] = b',';
    tail[FORMATTED_LEN + 1] = b'\n';
    loop {
        let read = read_line(&mut input, &mut line).map_err(RunError::Read)?;
        let body = match read {
            Read::Eof => break,
            Read::Line => strip_line_end(&line),
            Read::TooLong => &[][..],
        };
        number += 1;
        let result = match read {
            Read::TooLong => Err(LineError::TooLong),
            _ => deadline_of(calendar, body),
        };
        match result {
            Ok(deadline) => {
                if blanks.1 > 0 {
                    report_blanks(errors, &mut summary, &mut blanks);
                }
                tail[1..=FORMATTED_LEN].copy_from_slice(&deadline);
                output.write_all(body).map_err(RunError::Write)?;
                output.write_all(&tail).map_err(RunError::Write)?;
                summary.good += 1;
            }
            Err(_) if read == Read::Line && is_blank(body) => {
                if blanks.1 == 0 {
                    blanks.0 = number;
                }
                blanks.1 += 1;
            }
            Err(e) => {
                if blanks.1 > 0 {
                    report_blanks(errors, &mut summary, &mut blanks);
                }
                report(errors, &mut summary, number, &e);
            }
        }
    }
    if summary.bad > DETAIL_LIMIT {
        let more = summary.bad - DETAIL_LIMIT;
        let _ = writeln!(
            errors,
            "… and {more} more bad line{}",
            if more == 1 { "" } else { "s" }
        );
    }
    output.flush().map_err(RunError::Write)?;
    Ok(summary)
}

/// The deadline of one data line, formatted in the calendar's local offset.
#[inline]
fn deadline_of(calendar: &Calendar, body: &[u8]) -> Result<[u8; FORMATTED_LEN], LineError> {
    let Some(comma) = body.iter().position(|&b| b == b',') else {
        return Err(LineError::Fields(1));
    };
    let (opened, rest) = (&body[..comma], &body[comma + 1..]);
    if rest.contains(&b',') {
        let n = 2 + rest.iter().filter(|&&b| b == b',').count();
        return Err(LineError::Fields(n));
    }
    let seconds = field(rest);
    let business = match parse_seconds(seconds) {
        Ok(s) => s,
        Err(e) => {
            if std::str::from_utf8(body).is_err() {
                return Err(LineError::Utf8);
            }
            return Err(LineError::Seconds(e, show(seconds)));
        }
    };
    let opened = std::str::from_utf8(field(opened)).map_err(|_| LineError::Utf8)?;
    let start = rfc3339::parse(opened).map_err(LineError::Instant)?;
    if business > MAX_BUSINESS {
        return Err(LineError::Calendar(CalendarError::OutOfRange(
            "the deadline".into(),
        )));
    }
    let deadline = match calendar.deadline_second(start, business) {
        Ok(d) => d,
        Err(e) => {
            // Say which side left the calendar: the opening instant or the deadline.
            return Err(match calendar.clock_start_second(start) {
                Err(_) => LineError::OpenedOutOfRange,
                Ok(_) => LineError::Calendar(e),
            });
        }
    };
    Ok(rfc3339::format(
        deadline,
        calendar.offset_at_second(deadline),
    ))
}

/// A non-negative whole number of seconds.
#[inline]
fn parse_seconds(text: &[u8]) -> Result<i64, SecondsError> {
    let digits = match text {
        [] => return Err(SecondsError::Empty),
        [b'-', rest @ ..] if !rest.is_empty() && rest.iter().all(u8::is_ascii_digit) => {
            return Err(SecondsError::Negative);
        }
        d => d,
    };
    let mut value: i64 = 0;
    let mut overflow = false;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(SecondsError::NotInteger);
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(SecondsError::TooLarge);
    }
    Ok(value)
}

/// A field without surrounding spaces or tabs and without one pair of surrounding double quotes.
#[inline]
fn field(mut f: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = f {
        f = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = f {
        f = rest;
    }
    match f {
        [b'"', inner @ .., b'"'] => inner,
        _ => f,
    }
}

#[inline]
fn strip_line_end(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// At most 64 characters of a byte string, lossily decoded, for messages.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(64).collect();
    if text.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

fn report<E: Write>(errors: &mut E, summary: &mut Summary, number: u64, e: &LineError) {
    summary.bad += 1;
    if summary.bad <= DETAIL_LIMIT {
        // A closed stderr must not stop the run; the exit code still tells.
        let _ = writeln!(errors, "line {number}: {e}");
    }
}

fn report_blanks<E: Write>(errors: &mut E, summary: &mut Summary, blanks: &mut (u64, u64)) {
    for n in blanks.0..blanks.0 + blanks.1 {
        report(errors, summary, n, &LineError::Blank);
    }
    *blanks = (0, 0);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Eof,
    Line,
    TooLong,
}

/// Reads one line (with its `\n`, if any) into `buf`; a line longer than [`MAX_LINE`] is
/// consumed to its end and reported as [`Read::TooLong`], so memory stays bounded.
#[inline]
fn read_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> io::Result<Read> {
    buf.clear();
    let n = <&mut R as io::Read>::take(&mut *input, MAX_LINE).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Read::Eof);
    }
    if n as u64 == MAX_LINE && buf.last() != Some(&b'\n') {
        loop {
            let available = match input.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    input.consume(i + 1);
                    break;
                }
                None => {
                    let len = available.len();
                    input.consume(len);
                }
            }
        }
        buf.clear();
        return Ok(Read::TooLong);
    }
    Ok(Read::Line)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn calendar() -> &'static Calendar {
        static C: OnceLock<Calendar> = OnceLock::new();
        C.get_or_init(|| {
            let policy = sla::Policy::standard().expect("standard policy");
            policy.compile_calendar().expect("calendar")
        })
    }

    fn line() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            "[0-9:TZ+\\-., \"]{0,40}".prop_map(String::into_bytes),
            (
                "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
                "-?[0-9]{0,22}"
            )
                .prop_map(|(a, b)| format!("{a},{b}").into_bytes()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// No input makes the reader panic; every data line is either written or reported.
        #[test]
        fn no_input_panics_and_every_line_is_accounted_for(
            lines in prop::collection::vec(line(), 0..20),
            header in prop::bool::ANY,
        ) {
            let mut input: Vec<u8> = Vec::new();
            if header {
                input.extend_from_slice(b"opened_at,business_seconds\n");
            }
            for l in &lines {
                input.extend(l.iter().filter(|&&b| b != b'\n'));
                input.push(b'\n');
            }
            let (mut out, mut err) = (Vec::new(), Vec::new());
            match run(calendar(), &input[..], &mut out, &mut err) {
                Ok(summary) => {
                    let data_lines = input.split(|&b| b == b'\n').count() - 2;
                    prop_assert!(summary.good + summary.bad <= data_lines as u64);
                    let written = out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
                    prop_assert_eq!(written as u64, summary.good + 1);
                    for l in out.split(|&b| b == b'\n').skip(1).filter(|l| !l.is_empty()) {
                        prop_assert!(l.ends_with(b":00") && l.len() > 27);
                    }
                }
                Err(RunError::Header(_)) => prop_assert!(!header || input.is_empty()),
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }
    }
}
