//! Robustness: no text makes the policy loader, the iCalendar reader or the RFC 3339 parser
//! panic, and a rejected policy file says where (file, line, key) and what is allowed.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jiff::civil::{Date, date};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use sla::policy::{ExcludedCause, STANDARD_POLICY};
use sla::{Measure, Policy, PolicyDuration, PolicyError, Status, rfc3339};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The standard policy, compiled once (compiling a calendar is the slow part in debug builds).
static STANDARD: LazyLock<Policy> =
    LazyLock::new(|| Policy::standard().expect("the standard policy loads"));

const FILE: &str = "x.toml";

/// A customer file laid over the standard policy, reading no files.
fn overlay(text: &str) -> Result<Policy, PolicyError> {
    STANDARD.overlay(text, FILE, &|_| Err("no files".into()))
}

fn overlay_err(text: &str) -> PolicyError {
    match overlay(text) {
        Ok(_) => panic!("accepted, but should be rejected:\n{text}"),
        Err(e) => e,
    }
}

/// What every policy error must look like, whatever the text.
fn check_policy_error(text: &str, e: &PolicyError) -> Result<(), TestCaseError> {
    prop_assert_eq!(&e.file, FILE);
    prop_assert!(!e.key.is_empty(), "no key in {:?}", e);
    prop_assert!(!e.message.trim().is_empty(), "no message in {:?}", e);
    // `line` is 1-based (0 = unknown) and lies within the text (a syntax error at the very
    // end of a text without a final newline may point just past its last line).
    prop_assert!(
        e.line <= text.lines().count() + 1,
        "line {} of a {}-line text: {:?}",
        e.line,
        text.lines().count(),
        e
    );
    prop_assert_eq!(e.line == 0, e.column == 0, "line and column: {:?}", e);
    let shown = e.to_string();
    prop_assert!(
        shown.starts_with(&format!("{FILE}:{}:", e.line)),
        "{}",
        shown
    );
    Ok(())
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Delete line `n % line count`.
    DeleteLine(usize),
    /// Duplicate line `n % line count` (the copy goes right after it).
    DuplicateLine(usize),
    /// Replace a byte range from `at % (length + 1)` (moved back to character boundaries)
    /// with other text.
    Replace { at: usize, len: usize, with: String },
}

impl Mutation {
    fn keeps_lines(&self) -> bool {
        matches!(self, Mutation::DeleteLine(_) | Mutation::DuplicateLine(_))
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let printable = prop_oneof![
        3 => "[ -~]{0,16}",
        1 => "[\\[\\]{}=\",'.0-9a-z_\\n -]{0,12}",
        1 => "\\PC{0,6}",
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), 0usize..24, printable).prop_map(|(at, len, with)| Mutation::Replace {
            at,
            len,
            with
        }),
    ]
}

/// A small edit of a short text such as an instant: mostly one digit for another (which
/// keeps the shape and reaches the range checks), else up to two bytes replaced with up to
/// two characters (which may delete or insert).
fn small_mutation() -> impl Strategy<Value = Mutation> {
    let with = prop_oneof!["[0-9]{0,2}", "[-+:.TZtz ]", "[ -~]{0,2}", "\\PC"];
    prop_oneof![
        3 => (any::<usize>(), "[0-9]").prop_map(|(at, with)| Mutation::Replace { at, len: 1, with }),
        2 => (any::<usize>(), 0usize..3, with).prop_map(|(at, len, with)| Mutation::Replace { at, len, with }),
    ]
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    match m {
        Mutation::DeleteLine(i) | Mutation::DuplicateLine(i) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return text.to_string();
            }
            let k = i % lines.len();
            let mut out = String::with_capacity(text.len() + lines[k].len());
            for (j, line) in lines.iter().enumerate() {
                if j != k || matches!(m, Mutation::DuplicateLine(_)) {
                    out.push_str(line);
                }
                if j == k && matches!(m, Mutation::DuplicateLine(_)) {
                    out.push_str(line);
                }
            }
            out
        }
        Mutation::Replace { at, len, with } => {
            let start = floor_boundary(text, at % (text.len() + 1));
            let end = floor_boundary(text, start + len);
            format!("{}{}{}", &text[..start], with, &text[end..])
        }
    }
}

fn apply_all(text: &str, ms: &[Mutation]) -> String {
    ms.iter().fold(text.to_string(), |t, m| apply(&t, m))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep the tree clean: a failure prints its minimal input instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Policy files: no panic, well-formed errors
// ---------------------------------------------------------------------------------------------

/// A line that looks like a policy file: known tables and keys, values of every TOML shape.
fn toml_ish_line() -> impl Strategy<Value = String> {
    let table = prop::sample::select(vec![
        "[calendar]",
        "[calendar.windows]",
        "[clock]",
        "[targets.incident]",
        "[targets.question]",
        "[targets.rfc]",
        "[availability]",
        "[people]",
        "[compensation]",
        "[targets]",
        "[[targets.rfc]]",
    ]);
    let key = prop::sample::select(vec![
        "name",
        "time_zone",
        "holidays",
        "liberation_day",
        "good_friday",
        "closed_dates",
        "open_dates",
        "closed_dates_ics",
        "monday",
        "saturday",
        "pause_statuses",
        "measured_until",
        "urgent",
        "low",
        "bounds",
        "target_percent",
        "maintenance_window",
        "notice",
        "excluded_causes",
        "max_administrators",
        "follow_up_after",
        "cap_percent",
        "discount_max_percent",
        "month_without_overrun",
        "monthly_fee_cents",
        "percent",
        "within",
        "calendar.time_zone",
    ]);
    let scalar = prop_oneof![
        prop::sample::select(vec![
            "\"nl\"",
            "\"none\"",
            "\"every_year\"",
            "\"Europe/Amsterdam\"",
            "\"09:00-17:30\"",
            "\"17:30-09:00\"",
            "\"00:00-24:00\"",
            "\"4 hours\"",
            "\"0 working_days\"",
            "\"2 weeks\"",
            "\"99999999999 hours\"",
            "\"2026-12-24\"",
            "\"2026-02-30\"",
            "\"waiting_on_customer\"",
            "\"resolution\"",
            "\"force_majeure\"",
            "true",
            "-1",
            "0",
            "99.5",
            "100.001",
            "1e400",
            "nan",
            "2026-12-24",
            "{}",
            "[]",
        ])
        .prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string()),
        "\"[ -~&&[^\"\\\\]]{0,12}\"",
    ];
    let value = prop_oneof![
        3 => scalar.clone(),
        1 => prop::collection::vec(scalar.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => (scalar.clone(), scalar).prop_map(|(p, w)| format!("[{{ percent = {p}, within = {w} }}]")),
    ];
    prop_oneof![
        1 => table.prop_map(String::from),
        4 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn policy_overlay_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Err(e) = overlay(&text) {
            check_policy_error(&text, &e)?;
        }
    }
}

proptest! {
    // Blank lines are a valid (empty) file, whose check compiles a calendar: fewer cases.
    #![proptest_config(config(256))]

    #[test]
    fn policy_overlay_never_panics_on_arbitrary_printable_lines(
        text in "([ -~]{0,30}\n){1,6}"
    ) {
        if let Err(e) = overlay(&text) {
            check_policy_error(&text, &e)?;
        }
    }
}

proptest! {
    // Texts of this shape often reach the semantic checks, which compile a calendar.
    #![proptest_config(config(96))]

    #[test]
    fn policy_overlay_never_panics_on_toml_shaped_noise(
        lines in prop::collection::vec(toml_ish_line(), 0..8)
    ) {
        let text = lines.join("\n");
        if let Err(e) = overlay(&text) {
            check_policy_error(&text, &e)?;
        }
    }

    #[test]
    fn policy_overlay_never_panics_on_a_mutated_standard_policy(
        ms in prop::collection::vec(mutation(), 1..4)
    ) {
        let text = apply_all(STANDARD_POLICY, &ms);
        match overlay(&text) {
            Err(e) => check_policy_error(&text, &e)?,
            // Every key of the standard text is already in the base: deleting or doubling
            // lines can only make the file invalid, or leave the policy as it was.
            Ok(p) if ms.iter().all(Mutation::keeps_lines) => prop_assert_eq!(&p, &*STANDARD),
            Ok(_) => {}
        }
    }
}

#[test]
fn the_mutations_really_mutate() {
    // Guards the mutation helpers, so the properties above test what they claim.
    let text = "a = 1\nb = 2\nc = 3\n";
    assert_eq!(apply(text, &Mutation::DeleteLine(4)), "a = 1\nc = 3\n");
    assert_eq!(
        apply(text, &Mutation::DuplicateLine(2)),
        "a = 1\nb = 2\nc = 3\nc = 3\n"
    );
    let replaced = apply(
        "é = 1",
        &Mutation::Replace {
            at: 1,
            len: 2,
            with: "x".into(),
        },
    );
    assert_eq!(
        replaced, "x = 1",
        "a range starting inside `é` starts at its first byte"
    );
}

// ---------------------------------------------------------------------------------------------
// Policy files: what the errors say
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unknown_top_level_key_is_named_with_the_allowed_keys() {
    let e = overlay_err("name = \"Klant B\"\nmax_admins = 4\n");
    assert_eq!((e.file.as_str(), e.line, e.column), (FILE, 2, 1), "{e}");
    assert_eq!(e.key, "max_admins");
    for allowed in [
        "name",
        "calendar",
        "clock",
        "targets",
        "availability",
        "people",
        "compensation",
    ] {
        assert!(e.message.contains(&format!("`{allowed}`")), "{e}");
    }
}

#[test]
fn an_unknown_key_in_a_table_is_named_with_its_table() {
    let e = overlay_err("[people]\nmax_administrators = 4\nmin_administrators = 1\n");
    assert_eq!((e.line, e.column), (3, 1), "{e}");
    assert_eq!(e.key, "people.min_administrators");
    assert!(e.message.contains("`max_administrators`"), "{e}");
}

#[test]
fn a_misspelt_duration_unit_lists_the_units() {
    let text = "# klant A\n[targets.incident]\nurgent = [{ percent = 90, within = \"4 hourz\" }, { percent = 100, within = \"6 hours\" }]\n";
    let e = overlay_err(text);
    assert_eq!((e.file.as_str(), e.line), (FILE, 3), "{e}");
    assert_eq!(e.column, 36, "the column of the value \"4 hourz\": {e}");
    assert!(e.key.contains("targets.incident.urgent"), "{e}");
    assert_eq!(e.key, "targets.incident.urgent[0].within");
    assert!(e.message.contains("4 hourz"), "{e}");
    for unit in ["hours", "working_days", "weeks", "months"] {
        assert!(e.message.contains(unit), "{unit} missing from: {e}");
    }
    assert_eq!(
        e.to_string(),
        format!(
            "x.toml:3:36: targets.incident.urgent[0].within: {}",
            e.message
        )
    );
}

#[test]
fn a_percentage_above_100_is_refused_with_the_allowed_range() {
    let text = "[targets.incident]\n\nurgent = [{ percent = 150, within = \"4 hours\" }]\n";
    let e = overlay_err(text);
    assert_eq!((e.line, e.column), (3, 23), "{e}");
    assert_eq!(e.key, "targets.incident.urgent[0].percent");
    assert!(e.message.contains("150"), "{e}");
    assert!(e.message.contains("at most 100"), "{e}");

    let e = overlay_err("[availability]\ntarget_percent = 150\n");
    assert_eq!((e.line, e.key.as_str()), (2, "availability.target_percent"));
    assert!(e.message.contains("at most 100"), "{e}");
}

#[test]
fn an_overnight_window_is_refused_with_the_expected_shape() {
    let e = overlay_err("[calendar.windows]\nmonday = [\"17:30-09:00\"]\n");
    assert_eq!((e.line, e.column), (2, 11), "{e}");
    assert_eq!(e.key, "calendar.windows.monday[0]");
    assert!(e.message.contains("before the end"), "{e}");
    assert!(e.message.contains("HH:MM-HH:MM"), "{e}");
}

// Regression: overlapping windows were reported with key `calendar` at line 0 (unknown).
#[test]
fn overlapping_windows_name_the_weekday_and_its_line() {
    let e = overlay_err(
        "[calendar.windows]\ntuesday = []\nmonday = [\"09:00-12:00\", \"11:00-17:30\"]\n",
    );
    assert!(e.message.contains("monday"), "{e}");
    assert!(e.message.contains("09:00-12:00"), "{e}");
    assert!(e.message.contains("11:00-17:30"), "{e}");
    assert_eq!(e.key, "calendar.windows.monday", "{e}");
    assert_eq!(e.line, 3, "{e}");

    // In a whole file, at the `monday` line of `[calendar.windows]`.
    let text = STANDARD_POLICY.replacen(
        "monday = [\"09:00-17:30\"]",
        "monday = [\"09:00-13:00\", \"12:30-17:30\"]",
        1,
    );
    assert_ne!(text, STANDARD_POLICY);
    let e = overlay_err(&text);
    assert_eq!(e.key, "calendar.windows.monday", "{e}");
    assert_eq!(e.line, line_of(STANDARD_POLICY, "monday = "), "{e}");
}

// Regression: an unknown time zone was reported with key `calendar` at the line of the
// `[calendar]` header, and without saying what is allowed.
#[test]
fn an_unknown_time_zone_names_the_key_its_line_and_an_example() {
    let e = overlay_err("name = \"Klant C\"\n[calendar]\ntime_zone = \"Mars/Olympus\"\n");
    assert!(e.message.contains("Mars/Olympus"), "{e}");
    assert_eq!(e.key, "calendar.time_zone", "{e}");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("Europe/Amsterdam"), "{e}");

    // In a whole file, and written as a dotted key.
    let text = STANDARD_POLICY.replacen(
        "time_zone = \"Europe/Amsterdam\"",
        "time_zone = \"Mars/Olympus\"",
        1,
    );
    assert_ne!(text, STANDARD_POLICY);
    let e = overlay_err(&text);
    assert_eq!(e.key, "calendar.time_zone", "{e}");
    assert_eq!(e.line, line_of(STANDARD_POLICY, "time_zone = "), "{e}");
    let e = overlay_err("# klant C\ncalendar.time_zone = \"Mars/Olympus\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "calendar.time_zone"), "{e}");
}

#[test]
fn an_unknown_pause_status_lists_the_statuses() {
    let e = overlay_err("[clock]\npause_statuses = [\"waiting_on_customer\", \"sleeping\"]\n");
    assert_eq!(e.line, 2, "{e}");
    assert_eq!(e.key, "clock.pause_statuses[1]");
    assert!(e.message.contains("sleeping"), "{e}");
    for s in Status::ALL {
        assert!(e.message.contains(s.as_str()), "{s} missing from: {e}");
    }
}

#[test]
fn a_toml_syntax_error_has_its_line() {
    let e = overlay_err("name = \"Klant D\"\n\n[people\nmax_administrators = 5\n");
    assert_eq!((e.line, e.key.as_str()), (3, "(syntax)"), "{e}");
    assert!(!e.message.is_empty());

    // An unterminated string deep in the standard text.
    let broken = STANDARD_POLICY.replacen(
        "notice = \"3 working_days\"",
        "notice = \"3 working_days",
        1,
    );
    assert_ne!(broken, STANDARD_POLICY);
    let e = overlay_err(&broken);
    assert_eq!(e.line, line_of(STANDARD_POLICY, "notice ="), "{e}");
    assert_eq!(e.key, "(syntax)");

    // A key given twice: the error is at the second one.
    let e = overlay_err("[people]\nmax_administrators = 4\n\nmax_administrators = 5\n");
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn an_impossible_date_is_refused_with_the_expected_shape() {
    let e = overlay_err("[calendar]\nclosed_dates = [\"2026-01-01\", \"2026-02-30\"]\n");
    assert_eq!((e.line, e.column), (2, 31), "{e}");
    assert_eq!(e.key, "calendar.closed_dates[1]");
    assert!(e.message.contains("2026-02-30"), "{e}");
    assert!(e.message.contains("YYYY-MM-DD"), "{e}");

    let e = overlay_err("[calendar]\nopen_dates = [\"2026-02-30\"]\n");
    assert_eq!((e.line, e.key.as_str()), (2, "calendar.open_dates[0]"));
}

#[test]
fn semantic_errors_point_at_their_key() {
    let e = overlay_err("# klant E\nname = \"  \"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "name"), "{e}");

    let e = overlay_err(
        "[targets.incident]\nurgent = [{ percent = 100, within = \"6 hours\" }]\nhigh = []\n",
    );
    assert_eq!(
        (e.line, e.key.as_str()),
        (3, "targets.incident.high"),
        "{e}"
    );
    assert!(e.message.contains("at least one bound"), "{e}");

    let e =
        overlay_err("[calendar]\nclosed_dates = [\"2026-12-24\"]\nopen_dates = [\"2026-12-24\"]\n");
    assert_eq!((e.line, e.key.as_str()), (3, "calendar.open_dates"), "{e}");
    assert!(e.message.contains("2026-12-24"), "{e}");

    let e = overlay_err("[compensation]\n\ncap_percent = 120\n");
    assert_eq!(
        (e.line, e.key.as_str()),
        (3, "compensation.cap_percent"),
        "{e}"
    );
}

// Regression: the line of a semantic error was found by searching for the key's last segment
// only, so an error in `targets.rfc.bounds` was reported at the first `bounds = …` line,
// which belongs to `[targets.question]` (line 41 of the standard text, not 46).
#[test]
fn a_bound_order_error_in_the_rfc_targets_points_at_the_rfc_bounds() {
    let rfc_bounds = "bounds = [{ percent = 100, within = \"2 weeks\" }]";
    assert_eq!(STANDARD_POLICY.matches(rfc_bounds).count(), 1);
    let text = STANDARD_POLICY.replacen(
        rfc_bounds,
        "bounds = [{ percent = 100, within = \"2 weeks\" }, { percent = 90, within = \"1 week\" }]",
        1,
    );
    let e = overlay_err(&text);
    assert_eq!(e.key, "targets.rfc.bounds", "{e}");
    assert!(e.message.contains("ascending"), "{e}");
    assert_eq!(e.line, line_of(STANDARD_POLICY, rfc_bounds), "{e}");
    assert_eq!(e.line, 46);

    // And the question's bounds are found at their own line.
    let question_bounds = "bounds = [{ percent = 90, within = \"3 working_days\" }, { percent = 100, within = \"5 working_days\" }]";
    let text = STANDARD_POLICY.replacen(
        question_bounds,
        "bounds = [{ percent = 100, within = \"5 working_days\" }, { percent = 90, within = \"3 working_days\" }]",
        1,
    );
    let e = overlay_err(&text);
    assert_eq!(e.key, "targets.question.bounds", "{e}");
    assert_eq!(e.line, line_of(STANDARD_POLICY, question_bounds), "{e}");
    assert_eq!(e.line, 41);
}

#[test]
fn an_unreadable_or_invalid_ics_file_is_reported_at_its_key() {
    let text = "[calendar]\nclosed_dates_ics = \"sluiting.ics\"\n";
    let e = overlay_err(text);
    assert_eq!(
        (e.line, e.key.as_str()),
        (2, "calendar.closed_dates_ics"),
        "{e}"
    );
    assert!(e.message.contains("sluiting.ics"), "{e}");

    let ics =
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261228T120000Z\nEND:VEVENT\nEND:VCALENDAR\n";
    let e = STANDARD
        .overlay(text, FILE, &|_| Ok(ics.to_string()))
        .expect_err("a timed event is refused");
    assert_eq!(
        (e.line, e.key.as_str()),
        (2, "calendar.closed_dates_ics"),
        "{e}"
    );
    assert!(e.message.contains("sluiting.ics"), "{e}");
    assert!(
        e.message.contains("line 3"),
        "the line inside the .ics file: {e}"
    );
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("needle in text");
    text[..at].matches('\n').count() + 1
}

// ---------------------------------------------------------------------------------------------
// Policy files: overlay semantics and the round trip through `to_toml`
// ---------------------------------------------------------------------------------------------

#[test]
fn a_customer_file_changes_only_what_it_states() {
    let p = overlay("[people]\nmax_administrators = 5\n").expect("valid");
    assert_eq!(p.max_administrators, 5);
    assert_ne!(STANDARD.max_administrators, 5);
    let mut expected = STANDARD.clone();
    expected.max_administrators = 5;
    assert_eq!(p, expected);
}

#[test]
fn an_empty_customer_file_is_the_standard_policy() {
    assert_eq!(overlay("").expect("valid"), *STANDARD);
    assert_eq!(overlay("# nothing differs\n").expect("valid"), *STANDARD);
}

/// A customer agreement that differs from the standard one in every field.
const EVERYTHING_DIFFERS: &str = r#"
name = "Klant F: maatwerk"

[calendar]
time_zone = "Europe/Brussels"
holidays = "none"
liberation_day = "every_year"
good_friday = false
closed_dates = ["2026-12-24", "2026-12-31"]
open_dates = ["2026-04-06"]

[calendar.windows]
monday = ["08:00-12:00", "13:00-17:00"]
tuesday = ["08:00-16:00"]
wednesday = ["08:30-12:30:30"]
thursday = ["00:00-24:00"]
friday = ["09:00-15:00"]
saturday = ["10:00-14:00"]
sunday = ["11:00-12:00"]

[clock]
pause_statuses = ["waiting_on_customer", "resolved"]

[targets.incident]
measured_until = "first_response"
urgent = [{ percent = 95, within = "2 hours" }]
high = [{ percent = 80, within = "90 minutes" }, { percent = 99.25, within = "3 working_days" }]
normal = [{ percent = 100, within = "4 working_days" }]
low = [{ percent = 50, within = "1 weeks" }, { percent = 100, within = "2 months" }]

[targets.question]
measured_until = "resolution"
bounds = [{ percent = 100, within = "45 seconds" }]

[targets.rfc]
measured_until = "resolution"
bounds = [{ percent = 75, within = "1 weeks" }, { percent = 100, within = "3 weeks" }]

[availability]
target_percent = 99.95
maintenance_window = "02:00-03:30"
notice = "5 working_days"
excluded_causes = ["force_majeure"]

[people]
max_administrators = 7

[compensation]
follow_up_after = "2 weeks"
follow_ups_before_entitlement = 3
months_before_entitlement = 4
step_percent = 10
cap_percent = 40
month_without_overrun = "holds"
"#;

#[test]
fn to_toml_round_trips_the_standard_policy() {
    let p = Policy::standard().expect("standard");
    let back = Policy::standard()
        .expect("standard")
        .overlay(&p.to_toml(), "to_toml", &|_| Err("no files".into()))
        .expect("to_toml is a valid policy file");
    assert_eq!(back, p);
}

#[test]
fn to_toml_states_every_field() {
    let q = overlay(EVERYTHING_DIFFERS).expect("valid");
    let s = &*STANDARD;
    // Every field differs, so laying `to_toml` over the other policy must restate each one.
    assert_ne!(q.name, s.name);
    assert_ne!(q.calendar.time_zone, s.calendar.time_zone);
    assert_ne!(q.calendar.holidays.set, s.calendar.holidays.set);
    assert_ne!(
        q.calendar.holidays.liberation_day,
        s.calendar.holidays.liberation_day
    );
    assert_ne!(
        q.calendar.holidays.good_friday,
        s.calendar.holidays.good_friday
    );
    assert_ne!(q.calendar.closed_dates, s.calendar.closed_dates);
    assert_ne!(q.calendar.open_dates, s.calendar.open_dates);
    for day in 0..7 {
        assert_ne!(
            q.calendar.weekly[day], s.calendar.weekly[day],
            "weekday {day}"
        );
    }
    assert_ne!(q.pause_statuses, s.pause_statuses);
    for i in 0..4 {
        assert_ne!(q.targets.incident[i], s.targets.incident[i], "priority {i}");
        assert_ne!(
            q.targets.incident[i].measured_until,
            s.targets.incident[i].measured_until
        );
        assert_ne!(q.targets.incident[i].bounds, s.targets.incident[i].bounds);
    }
    for (a, b) in [
        (&q.targets.question, &s.targets.question),
        (&q.targets.rfc, &s.targets.rfc),
    ] {
        assert_ne!(a.measured_until, b.measured_until);
        assert_ne!(a.bounds, b.bounds);
    }
    assert_ne!(q.availability.target, s.availability.target);
    assert_ne!(
        q.availability.maintenance_window,
        s.availability.maintenance_window
    );
    assert_ne!(q.availability.notice, s.availability.notice);
    assert_ne!(
        q.availability.excluded_causes,
        s.availability.excluded_causes
    );
    assert_ne!(q.max_administrators, s.max_administrators);
    let (qc, sc) = (&q.compensation, &s.compensation);
    assert_ne!(qc.follow_up_after, sc.follow_up_after);
    assert_ne!(
        qc.follow_ups_before_entitlement,
        sc.follow_ups_before_entitlement
    );
    assert_ne!(qc.months_before_entitlement, sc.months_before_entitlement);
    assert_ne!(qc.step_percent, sc.step_percent);
    assert_ne!(qc.cap_percent, sc.cap_percent);
    assert_ne!(qc.month_without_overrun, sc.month_without_overrun);
    // `monthly_fee_cents` is left out here: a file cannot state "no fee", so laying the
    // standard text over a policy with a fee keeps it (see the compensation tests).
    // Spot checks that the file was read as meant.
    assert_eq!(
        q.availability.excluded_causes,
        [ExcludedCause::ForceMajeure]
    );
    assert_eq!(q.targets.question.measured_until, Measure::Resolution);
    assert_eq!(
        q.targets.question.bounds[0].within,
        PolicyDuration::Business(45)
    );
    assert_eq!(q.calendar.weekly[2][0].end(), 12 * 3600 + 30 * 60 + 30);
    assert!(q.calendar.open_dates.contains(&date(2026, 4, 6)));

    let read = |_: &str| -> Result<String, String> { Err("no files".into()) };
    let q_again = STANDARD
        .overlay(&q.to_toml(), "q.toml", &read)
        .expect("to_toml is a valid policy file");
    assert_eq!(q_again, q);
    let s_again = q
        .overlay(&s.to_toml(), "s.toml", &read)
        .expect("to_toml is a valid policy file");
    assert_eq!(s_again, *s);
}

// Regression: `to_toml` escaped only `\` and `"`, so a name with a line break or another
// control character (which a policy file can state as `name = "Klant G\nAfdeling H"`) was
// written as an invalid TOML string.
#[test]
fn to_toml_round_trips_names_with_control_characters() {
    let q = overlay("name = \"Klant G\\nAfdeling H\\t\\u007F\\u0001\"\n").expect("valid");
    assert_eq!(q.name, "Klant G\nAfdeling H\t\u{7f}\u{1}");
    let back = STANDARD.overlay(&q.to_toml(), "q.toml", &|_| Err("no files".into()));
    assert_eq!(back, Ok(q));
}

proptest! {
    // Each case compiles a calendar.
    #![proptest_config(config(24))]

    #[test]
    fn to_toml_round_trips_printable_names(name in "[^\\p{Cc}]{0,20}[^\\p{Cc}\\s][^\\p{Cc}]{0,20}") {
        let mut q = STANDARD.clone();
        q.name = name;
        let back = STANDARD.overlay(&q.to_toml(), "q.toml", &|_| Err("no files".into()));
        prop_assert_eq!(back, Ok(q));
    }
}

// ---------------------------------------------------------------------------------------------
// iCalendar
// ---------------------------------------------------------------------------------------------

const VALID_ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//loket//test//NL\r\nBEGIN:VEVENT\r\nSUMMARY:Kerstsluiting met een lange\r\n  omschrijving\r\nDTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2027\r\n 0102\r\nDURATION:P1W\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20260724\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn valid_ics_dates() -> BTreeSet<Date> {
    let mut d: BTreeSet<Date> = [date(2026, 7, 24), date(2026, 12, 28), date(2026, 12, 29)]
        .into_iter()
        .collect();
    d.insert(date(2026, 12, 30));
    d.extend((2..=8).map(|day| date(2027, 1, day)));
    d
}

#[test]
fn the_valid_calendar_closes_what_it_says() {
    let dates = sla::ical::closed_dates(VALID_ICS).expect("valid");
    assert_eq!(dates, valid_ics_dates());
    assert_eq!(dates.len(), 11);
}

fn check_ical_error(text: &str, e: &sla::ical::IcalError) -> Result<(), TestCaseError> {
    prop_assert!(e.line >= 1, "{:?}", e);
    prop_assert!(
        e.line <= text.lines().count().max(1),
        "line {} of {}",
        e.line,
        text.lines().count()
    );
    prop_assert!(!e.message.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn ical_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Err(e) = sla::ical::closed_dates(&text) {
            check_ical_error(&text, &e)?;
        }
    }

    #[test]
    fn ical_never_panics_on_content_lines(
        lines in prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec![
                    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT",
                    "DTSTART;VALUE=DATE:99991231", "DTSTART:00000101", "DTEND;VALUE=DATE:20260101",
                    "DURATION:P366D", "DURATION:P999999W", "DURATION:PD", "RRULE:FREQ=DAILY",
                    " continued", "DTSTART;VALUE=DATE:2026", " 0229",
                ]).prop_map(String::from),
                "(DTSTART|DTEND|DURATION|SUMMARY)(;VALUE=DATE)?:[0-9PDWTZ]{0,10}",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\r\n");
        if let Err(e) = sla::ical::closed_dates(&text) {
            check_ical_error(&text, &e)?;
        }
    }

    #[test]
    fn ical_never_panics_on_a_mutated_valid_calendar(ms in prop::collection::vec(mutation(), 1..4)) {
        let text = apply_all(VALID_ICS, &ms);
        match sla::ical::closed_dates(&text) {
            Err(e) => check_ical_error(&text, &e)?,
            Ok(dates) => {
                let structure = |t: &str| {
                    (t.matches("BEGIN:VEVENT").count(), t.matches("END:VEVENT").count())
                };
                if ms.iter().all(|m| matches!(m, Mutation::DeleteLine(_)))
                    && structure(&text) == structure(VALID_ICS)
                {
                    // Deleting lines inside events (never a BEGIN or END, which would merge two
                    // events into one) never closes a date the full file did not close.
                    prop_assert!(dates.is_subset(&valid_ics_dates()), "{:?}", dates);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 3339
// ---------------------------------------------------------------------------------------------

/// UTC seconds of 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years `format` writes.
const FORMAT_MIN: i64 = -62_167_219_200;
const FORMAT_END: i64 = 253_402_300_800;

/// Parses back what `format` writes for an accepted instant (in UTC and in another offset).
fn check_round_trip(t: i64, offset: i32) -> Result<(), TestCaseError> {
    // `parse` accepts only what `format` can write: UTC years 0000–9999.
    prop_assert!((FORMAT_MIN..FORMAT_END).contains(&t), "accepted {}", t);
    let utc = rfc3339::format(t, 0);
    let utc = std::str::from_utf8(&utc).expect("ASCII");
    prop_assert_eq!(rfc3339::parse(utc), Ok(t), "{}", utc);
    // In another offset, as long as the local time is still a year `format` can write.
    if (FORMAT_MIN..FORMAT_END).contains(&(t + i64::from(offset))) {
        let local = rfc3339::format(t, offset);
        let local = std::str::from_utf8(&local).expect("ASCII");
        prop_assert_eq!(rfc3339::parse(local), Ok(t), "{}", local);
    }
    Ok(())
}

/// An offset of less than a day either way: mostly whole minutes (what RFC 3339 can write),
/// sometimes with seconds (which `format` must not turn into a different instant).
fn rfc3339_offset() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => (-1439i32..=1439).prop_map(|minutes| minutes * 60),
        1 => -86_399i32..=86_399,
    ]
}

/// A valid RFC 3339 text and its UTC seconds, computed with jiff's date arithmetic.
fn valid_instant() -> impl Strategy<Value = (String, i64)> {
    (
        (0i16..=9999, 1i8..=12, 1i8..=31),
        (0i64..24, 0i64..60, 0i64..60),
        prop::option::of("[0-9]{1,12}"),
        prop::sample::select(vec!["T", "t", " "]),
        prop_oneof![
            Just(None),
            (any::<bool>(), 0i64..24, 0i64..60).prop_map(Some)
        ],
        any::<bool>(),
    )
        .prop_map(|((y, m, d), (h, mi, s), frac, sep, offset, lower_z)| {
            let first = date(y, m, 1);
            let d = d.min(first.days_in_month());
            let day = date(y, m, d);
            let days = i64::from(
                date(1970, 1, 1)
                    .until(day)
                    .expect("days since 1970")
                    .get_days(),
            );
            let local = days * 86_400 + h * 3600 + mi * 60 + s;
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let (suffix, off) = match offset {
                None => ((if lower_z { "z" } else { "Z" }).to_string(), 0),
                Some((neg, oh, om)) => {
                    let o = oh * 3600 + om * 60;
                    let sign = if neg { '-' } else { '+' };
                    (format!("{sign}{oh:02}:{om:02}"), if neg { -o } else { o })
                }
            };
            let text = format!("{y:04}-{m:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{frac}{suffix}");
            (text, local - off)
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn rfc3339_never_panics_on_arbitrary_text(text in any::<String>(), off in rfc3339_offset()) {
        if let Ok(t) = rfc3339::parse(&text) {
            check_round_trip(t, off)?;
        }
    }

    #[test]
    fn rfc3339_never_panics_on_instant_shaped_text(
        text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,3})?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
        off in rfc3339_offset(),
    ) {
        match rfc3339::parse(&text) {
            Ok(t) => check_round_trip(t, off)?,
            Err(e) => prop_assert!(e.to_string().contains("RFC 3339")),
        }
    }

    #[test]
    fn rfc3339_reads_valid_instants_right((text, expected) in valid_instant(), off in rfc3339_offset()) {
        if (FORMAT_MIN..FORMAT_END).contains(&expected) {
            prop_assert_eq!(rfc3339::parse(&text), Ok(expected), "{}", text);
            check_round_trip(expected, off)?;
        } else {
            // Year 0000 with a positive offset or 9999 with a negative one: not writable.
            prop_assert!(rfc3339::parse(&text).is_err(), "{}", text);
        }
    }

    #[test]
    fn rfc3339_never_panics_on_mutated_valid_instants(
        (text, _) in valid_instant(),
        ms in prop::collection::vec(small_mutation(), 1..4),
        off in rfc3339_offset(),
    ) {
        let text = apply_all(&text, &ms);
        if let Ok(t) = rfc3339::parse(&text) {
            check_round_trip(t, off)?;
        }
    }
}

#[test]
fn rfc3339_round_trips_ordinary_instants() {
    for text in [
        "2026-11-27T18:15:00+01:00",
        "1970-01-01T00:00:00Z",
        "2024-02-29T23:59:59-23:59",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ] {
        let t = rfc3339::parse(text).expect("valid");
        let back = rfc3339::format(t, 0);
        assert_eq!(
            rfc3339::parse(std::str::from_utf8(&back).expect("ASCII")),
            Ok(t),
            "{text}"
        );
    }
}

// Regression: `parse` accepted instants whose UTC time falls outside the years 0000–9999,
// which `format` then silently clamped into a different instant (0000-01-01T00:00:00+01:00
// came back as 0000-12-31T23:00:00+00:00, a year later).
#[test]
fn rfc3339_accepts_only_instants_it_can_write_back() {
    for outside in ["0000-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"] {
        assert!(rfc3339::parse(outside).is_err(), "{outside}");
    }
    for (inside, utc) in [
        ("0000-01-01T00:00:00-01:00", "0000-01-01T01:00:00+00:00"),
        ("0000-01-01T01:00:00+01:00", "0000-01-01T00:00:00+00:00"),
        ("9999-12-31T23:30:00+01:00", "9999-12-31T22:30:00+00:00"),
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
    ] {
        let t = rfc3339::parse(inside).unwrap_or_else(|e| panic!("{inside}: {e}"));
        let back = rfc3339::format(t, 0);
        assert_eq!(std::str::from_utf8(&back), Ok(utc), "{inside}");
        assert_eq!(rfc3339::parse(utc), Ok(t), "{inside}");
    }
}

// Regression: `format` wrote the offset as ±HH:MM, dropping its seconds, but shifted the local
// time by the full offset, so an offset that is not whole minutes gave a different instant.
// Such offsets occur inside the calendar's years: Africa/Monrovia was -00:44:30 until
// 1972-01-07, and 1971-06-01T12:00:00Z came out as 1971-06-01T11:15:30-00:44
// (= 12:00:30Z). `loket` formats deadlines with `Calendar::offset_at_second`.
#[test]
fn rfc3339_formats_in_an_offset_that_is_not_whole_minutes() {
    let cal = sla::Calendar::new(sla::CalendarSpec {
        time_zone: "Africa/Monrovia".into(),
        ..sla::CalendarSpec::service_window_1()
    })
    .expect("a calendar");
    let t = rfc3339::parse("1971-06-01T12:00:00Z").expect("valid");
    let offset = cal.offset_at_second(t);
    assert_eq!(offset, -(44 * 60 + 30), "the tz database's offset");
    let text = rfc3339::format(t, offset);
    let text = std::str::from_utf8(&text).expect("ASCII");
    assert_eq!(rfc3339::parse(text), Ok(t), "written as {text}");
}
