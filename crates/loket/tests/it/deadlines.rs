//! `loket sla deadlines`: the streaming batch calculator.

use crate::support::{Run, loket};

const HEADER: &str = "opened_at,business_seconds";
const OUT_HEADER: &str = "opened_at,business_seconds,deadline";

fn deadlines(input: &[u8]) -> Run {
    loket(&["sla", "deadlines"], input)
}

/// Runs one data line and returns the deadline field, asserting success and verbatim echo.
fn deadline_of(line: &str) -> String {
    let run = deadlines(format!("{HEADER}\n{line}\n").as_bytes());
    assert_eq!(run.code, 0, "{line}: {}", run.stderr);
    assert_eq!(run.stderr, "");
    let lines = run.lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0], OUT_HEADER);
    let (echo, deadline) = lines[1].rsplit_once(',').expect("three fields");
    assert_eq!(echo, line, "the input is echoed verbatim");
    deadline.to_string()
}

#[test]
fn known_deadlines() {
    let cases = [
        // Friday evening: the clock starts Monday 09:00; 4 hours later.
        (
            "2026-11-27T18:15:00+01:00,14400",
            "2026-11-30T13:00:00+01:00",
        ),
        // Using up the rest of a window exactly ends at its close, not at the next opening.
        ("2026-11-27T17:15:00+01:00,900", "2026-11-27T17:30:00+01:00"),
        (
            "2026-11-30T09:00:00+01:00,30600",
            "2026-11-30T17:30:00+01:00",
        ),
        // Summer time gives +02:00; the input offset is echoed as written.
        ("2024-04-02T07:30:00Z,7200", "2024-04-02T11:30:00+02:00"),
        (
            "2026-11-27T12:15:00-05:00,14400",
            "2026-11-30T13:00:00+01:00",
        ),
        (
            "2024-04-02T09:30:00.5+05:30,3600",
            "2024-04-02T10:00:00+02:00",
        ),
        // Zero seconds gives the clock start: the instant itself inside the window …
        ("2026-11-27T10:00:00+01:00,0", "2026-11-27T10:00:00+01:00"),
        // … and the next opening outside it.
        ("2026-11-28T10:00:00+01:00,0", "2026-11-30T09:00:00+01:00"),
        // Across the spring and autumn clock changes.
        (
            "2025-03-28T17:00:00+01:00,3600",
            "2025-03-31T09:30:00+02:00",
        ),
        (
            "2026-10-23T17:00:00+02:00,3600",
            "2026-10-26T09:30:00+01:00",
        ),
        // Christmas: Friday 25 December is a holiday.
        (
            "2026-12-24T17:00:00+01:00,3600",
            "2026-12-28T09:30:00+01:00",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(deadline_of(line), want, "{line}");
    }
}

#[test]
fn many_lines_in_one_run_keep_their_order() {
    let mut input = format!("{HEADER}\n");
    for i in 0..20_000u32 {
        input.push_str(&format!("2026-11-27T17:15:00+01:00,{}\n", i % 1800));
    }
    let run = deadlines(input.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.lines();
    assert_eq!(lines.len(), 20_001);
    assert_eq!(
        lines[1],
        "2026-11-27T17:15:00+01:00,0,2026-11-27T17:15:00+01:00"
    );
    // 900 s use up Friday's window exactly; 901 s spill into Monday.
    assert_eq!(
        lines[901],
        "2026-11-27T17:15:00+01:00,900,2026-11-27T17:30:00+01:00"
    );
    assert_eq!(
        lines[902],
        "2026-11-27T17:15:00+01:00,901,2026-11-30T09:00:01+01:00"
    );
}

#[test]
fn header_only_gives_header_only() {
    let run = deadlines(format!("{HEADER}\n").as_bytes());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "opened_at,business_seconds,deadline\n")
    );
    let run = deadlines(HEADER.as_bytes());
    assert_eq!(run.code, 0);
    assert_eq!(run.lines(), [OUT_HEADER]);
}

#[test]
fn a_missing_or_wrong_header_is_refused() {
    let run = deadlines(b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);
    assert!(
        run.stderr.contains("opened_at,business_seconds"),
        "{}",
        run.stderr
    );

    let run = deadlines(b"2026-11-27T18:15:00+01:00,14400\n");
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "", "nothing is computed without the header");
    assert!(
        run.stderr
            .contains("line 1: expected the header `opened_at,business_seconds`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("found `2026-11-27T18:15:00+01:00,14400`"),
        "{}",
        run.stderr
    );

    for wrong in [
        "opened,seconds",
        "business_seconds,opened_at",
        "opened_at,business_seconds,x",
    ] {
        let run = deadlines(format!("{wrong}\n2026-11-27T18:15:00+01:00,1\n").as_bytes());
        assert_eq!(run.code, 2, "{wrong}");
        assert!(
            run.stderr.contains("expected the header"),
            "{wrong}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_bom_and_crlf_line_ends_are_tolerated() {
    let input = "\u{feff}opened_at,business_seconds\r\n2026-11-27T18:15:00+01:00,14400\r\n2024-04-02T07:30:00Z,7200\r\n";
    let run = deadlines(input.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "opened_at,business_seconds,deadline\n\
         2026-11-27T18:15:00+01:00,14400,2026-11-30T13:00:00+01:00\n\
         2024-04-02T07:30:00Z,7200,2024-04-02T11:30:00+02:00\n"
    );
}

#[test]
fn a_last_line_without_newline_is_processed() {
    let run = deadlines(b"opened_at,business_seconds\n2026-11-27T17:15:00+01:00,900");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.lines(),
        [
            OUT_HEADER,
            "2026-11-27T17:15:00+01:00,900,2026-11-27T17:30:00+01:00"
        ]
    );
}

#[test]
fn bad_lines_are_reported_with_their_line_numbers_and_skipped() {
    let mut input = Vec::new();
    input.extend_from_slice(b"opened_at,business_seconds\n"); // 1
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,14400\n"); // 2 good
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00\n"); // 3 one field
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,1,2\n"); // 4 three fields
    input.extend_from_slice(b"2026-11-27 18:15,60\n"); // 5 bad instant
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,-60\n"); // 6 negative
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,1.5\n"); // 7 not whole
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,99999999999999999999\n"); // 8 overflow
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,9223372036854775807\n"); // 9 out of range
    input.extend_from_slice(b"1969-12-31T22:59:59Z,60\n"); // 10 before the calendar
    input.extend_from_slice(b"\xff\xfe,60\n"); // 11 invalid UTF-8
    input.extend_from_slice(b"2026-11-27T17:15:00+01:00,900\n"); // 12 good
    input.extend_from_slice(b"\n"); // 13 blank, followed by data: bad
    input.extend_from_slice(b"2026-11-27T18:15:00+01:00,\n"); // 14 empty seconds
    input.extend_from_slice(b"2026-02-30T10:00:00+01:00,60\n"); // 15 no such date
    input.extend_from_slice(b"2199-12-31T10:00:00+01:00,99999999\n"); // 16 deadline past 2200
    input.extend_from_slice(b"2024-04-02T07:30:00Z,7200\r\n"); // 17 good
    input.extend_from_slice(b"\n\r\n  \n"); // 18-20 trailing blanks: ignored
    let run = deadlines(&input);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.lines(),
        [
            OUT_HEADER,
            "2026-11-27T18:15:00+01:00,14400,2026-11-30T13:00:00+01:00",
            "2026-11-27T17:15:00+01:00,900,2026-11-27T17:30:00+01:00",
            "2024-04-02T07:30:00Z,7200,2024-04-02T11:30:00+02:00",
        ]
    );
    let expected: [(u32, &str); 14] = [
        (3, "expected 2 fields `opened_at,business_seconds`, found 1"),
        (4, "expected 2 fields `opened_at,business_seconds`, found 3"),
        (
            5,
            "opened_at: `2026-11-27 18:15` is not an RFC 3339 instant",
        ),
        (6, "business_seconds `-60` is negative"),
        (7, "business_seconds `1.5` is not a whole number"),
        (8, "business_seconds `99999999999999999999` is too large"),
        (
            9,
            "the deadline lies outside the calendar's years 1970–2200",
        ),
        (
            10,
            "opened_at has no clock start within the calendar's years 1970–2200",
        ),
        (11, "not valid UTF-8"),
        (13, "empty line"),
        (14, "business_seconds `` is empty"),
        (
            15,
            "opened_at: `2026-02-30T10:00:00+01:00` is not an RFC 3339 instant (no such date)",
        ),
        (
            16,
            "the deadline lies outside the calendar's years 1970–2200",
        ),
        (0, "loket: 13 bad lines skipped, 3 lines written"),
    ];
    let err = run.err_lines();
    assert_eq!(err.len(), expected.len(), "{}", run.stderr);
    for (got, (n, want)) in err.iter().zip(expected) {
        if n == 0 {
            assert_eq!(*got, want);
        } else {
            let prefix = format!("line {n}: {want}");
            assert!(got.starts_with(&prefix), "got `{got}`, want `{prefix}…`");
        }
    }
}

#[test]
fn trailing_blank_lines_are_ignored() {
    let run = deadlines(b"opened_at,business_seconds\n2026-11-27T17:15:00+01:00,900\n\n\r\n\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(run.lines().len(), 2);
}

#[test]
fn the_detail_stops_after_a_hundred_bad_lines() {
    let mut input = format!("{HEADER}\n");
    for _ in 0..150 {
        input.push_str("nonsense\n");
    }
    input.push_str("2026-11-27T17:15:00+01:00,900\n");
    let run = deadlines(input.as_bytes());
    assert_eq!(run.code, 2);
    assert_eq!(run.lines().len(), 2, "the good line is still written");
    let err = run.err_lines();
    assert_eq!(err.len(), 102, "{}", run.stderr);
    assert!(err[0].starts_with("line 2: "));
    assert!(err[99].starts_with("line 101: "));
    assert_eq!(err[100], "… and 50 more bad lines");
    assert_eq!(err[101], "loket: 150 bad lines skipped, 1 line written");
}

#[test]
fn an_overlong_line_is_skipped_and_the_next_one_counts() {
    let mut input = format!("{HEADER}\n2026-11-27T17:15:00+01:00,");
    input.push_str(&"9".repeat(100_000));
    input.push_str("\n2026-11-27T17:15:00+01:00,900\n");
    let run = deadlines(input.as_bytes());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("line 2: longer than 65536 bytes"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.lines(),
        [
            OUT_HEADER,
            "2026-11-27T17:15:00+01:00,900,2026-11-27T17:30:00+01:00"
        ]
    );
}

#[test]
fn spaces_and_quotes_around_fields_are_tolerated_and_echoed() {
    let line = "\"2026-11-27T17:15:00+01:00\", 900";
    assert_eq!(deadline_of(line), "2026-11-27T17:30:00+01:00");
}
