//! `loket sla explain`: the readable timeline, in Dutch and English.

use crate::support::{Run, loket};

fn explain(args: &[&str]) -> Run {
    let mut all = vec!["sla", "explain"];
    all.extend_from_slice(args);
    loket(&all, b"")
}

fn ok(args: &[&str]) -> String {
    let run = explain(args);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    assert_eq!(run.stderr, "");
    run.stdout
}

/// The line of the output that starts with `label`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line starting with `{label}` in\n{text}"))
}

#[test]
fn friday_evening_urgent_incident_in_dutch() {
    let text = ok(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "incident",
        "--priority",
        "urgent",
    ]);
    assert_eq!(
        text,
        "Incident, prioriteit Urgent — MEXTRA standaard SLA\n\
         Ontvangen:   vr 27 nov 2026 18:15  (buiten Service Window 1: na sluitingstijd 17:30)\n\
         Klok start:  ma 30 nov 2026 09:00  (eerstvolgende opening van het servicevenster)\n\
         90%-termijn  4 uur           ma 30 nov 2026 13:00\n\
         100%-termijn 6 uur           ma 30 nov 2026 15:00\n\
         Loopt tot:   de oplossing\n"
    );
}

#[test]
fn friday_evening_urgent_incident_in_english() {
    let text = ok(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "incident",
        "--priority",
        "urgent",
        "--lang",
        "en",
    ]);
    assert_eq!(
        text,
        "Incident, priority Urgent — MEXTRA standaard SLA\n\
         Received:     Fri 27 Nov 2026 18:15  (outside Service Window 1: after closing time 17:30)\n\
         Clock starts: Mon 30 Nov 2026 09:00  (next opening of the service window)\n\
         90% bound     4 hours         Mon 30 Nov 2026 13:00\n\
         100% bound    6 hours         Mon 30 Nov 2026 15:00\n\
         Runs until:   resolution\n"
    );
}

#[test]
fn inside_the_window_the_clock_runs_at_once() {
    let text = ok(&[
        "--opened",
        "2026-11-26T16:00:00+01:00",
        "--kind",
        "incident",
        "--priority",
        "high",
    ]);
    assert!(
        line(&text, "Ontvangen:")
            .ends_with("do 26 nov 2026 16:00  (binnen Service Window 1: de klok loopt direct)"),
        "{text}"
    );
    assert!(
        line(&text, "Klok start:").ends_with("do 26 nov 2026 16:00  (direct bij ontvangst)"),
        "{text}"
    );
    // 1 working day = 8.5 business hours: 1.5 h on Thursday, 7 h on Friday.
    assert!(
        line(&text, "90%-termijn").ends_with("1 werkdag       vr 27 nov 2026 16:00"),
        "{text}"
    );
    assert!(
        line(&text, "100%-termijn").ends_with("2 werkdagen     ma 30 nov 2026 16:00"),
        "{text}"
    );
}

#[test]
fn before_opening_weekend_and_holiday_reasons_are_specific() {
    let cases = [
        (
            "2026-11-27T07:45:00+01:00",
            "nl",
            "(buiten Service Window 1: voor openingstijd 09:00)",
            "vr 27 nov 2026 09:00",
        ),
        (
            "2026-11-28T12:00:00+01:00",
            "nl",
            "(buiten Service Window 1: weekend, zaterdag)",
            "ma 30 nov 2026 09:00",
        ),
        (
            "2025-12-26T10:00:00+01:00",
            "nl",
            "(buiten Service Window 1: feestdag Tweede Kerstdag)",
            "ma 29 dec 2025 09:00",
        ),
        (
            "2025-12-26T10:00:00+01:00",
            "en",
            "(outside Service Window 1: public holiday Tweede Kerstdag (Boxing Day))",
            "Mon 29 Dec 2025 09:00",
        ),
        (
            "2026-11-29T12:00:00+01:00",
            "en",
            "(outside Service Window 1: weekend, Sunday)",
            "Mon 30 Nov 2026 09:00",
        ),
    ];
    for (opened, lang, reason, start) in cases {
        let text = ok(&[
            "--opened",
            opened,
            "--kind",
            "incident",
            "--priority",
            "urgent",
            "--lang",
            lang,
        ]);
        let (received, starts) = if lang == "nl" {
            ("Ontvangen:", "Klok start:")
        } else {
            ("Received:", "Clock starts:")
        };
        assert!(line(&text, received).ends_with(reason), "{opened}:\n{text}");
        assert!(line(&text, starts).contains(start), "{opened}:\n{text}");
    }
}

#[test]
fn closed_holidays_between_receipt_and_clock_start_are_named() {
    let text = ok(&[
        "--opened",
        "2026-12-24T18:00:00+01:00",
        "--kind",
        "incident",
        "--priority",
        "normal",
    ]);
    assert_eq!(
        line(&text, "Klok start:"),
        "Klok start:  ma 28 dec 2026 09:00  (eerstvolgende opening van het servicevenster; \
         overgeslagen: vr 25 dec 2026, feestdag Eerste Kerstdag)"
    );
    assert!(line(&text, "90%-termijn").ends_with("2 werkdagen     di 29 dec 2026 17:30"));
    assert!(line(&text, "100%-termijn").ends_with("3 werkdagen     wo 30 dec 2026 17:30"));
}

#[test]
fn questions_and_changes_have_their_own_targets() {
    let text = ok(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "question",
    ]);
    assert_eq!(line(&text, "Vraag"), "Vraag — MEXTRA standaard SLA");
    assert!(
        line(&text, "90%-termijn").ends_with("3 werkdagen     wo 2 dec 2026 17:30"),
        "{text}"
    );
    assert!(
        line(&text, "100%-termijn").ends_with("5 werkdagen     vr 4 dec 2026 17:30"),
        "{text}"
    );
    assert_eq!(
        line(&text, "Loopt tot:"),
        "Loopt tot:   de eerste inhoudelijke reactie"
    );

    let text = ok(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "rfc",
        "--lang",
        "en",
    ]);
    assert_eq!(
        line(&text, "Change"),
        "Change request — MEXTRA standaard SLA"
    );
    assert!(!text.contains("90% bound"), "{text}");
    // Two calendar weeks from the clock start, Monday 30 November 09:00.
    assert_eq!(
        line(&text, "100% bound"),
        "100% bound    2 weeks         Mon 14 Dec 2026 09:00  (85 h business time)"
    );
}

#[test]
fn low_priority_uses_calendar_spans() {
    let text = ok(&[
        "--opened",
        "2026-01-30T14:00:00+01:00",
        "--kind",
        "incident",
        "--priority",
        "low",
    ]);
    // 1 month from Friday 30 January is clamped to Saturday 28 February, then moves to
    // the next opening, Monday 2 March 09:00.
    assert!(
        line(&text, "100%-termijn").contains("1 maand         ma 2 mrt 2026 09:00  ("),
        "{text}"
    );
    assert!(
        line(&text, "90%-termijn")
            .contains("2 weken         vr 13 feb 2026 14:00  (85 u werktijd)"),
        "{text}"
    );
}

#[test]
fn an_incident_needs_a_priority_and_other_kinds_refuse_one() {
    let run = explain(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "incident",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("needs --priority"), "{}", run.stderr);

    let run = explain(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "question",
        "--priority",
        "urgent",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("incidents only"), "{}", run.stderr);
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let run = explain(&["--opened", "27-11-2026 18:15", "--kind", "question"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--opened"), "{}", run.stderr);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);

    let run = explain(&["--opened", "2026-11-27T18:15:00+01:00", "--kind", "bug"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bug"), "{}", run.stderr);

    let run = explain(&[
        "--opened",
        "2026-11-27T18:15:00+01:00",
        "--kind",
        "question",
        "--lang",
        "de",
    ]);
    assert_eq!(run.code, 2);

    let run = explain(&["--opened", "1960-01-01T10:00:00Z", "--kind", "question"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("1970"), "{}", run.stderr);
}
