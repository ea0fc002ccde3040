//! `--policy FILE`: a customer's agreement laid over the standard one, on every command.

use crate::support::{loket, scratch, write};

#[test]
fn a_closed_date_moves_the_clock_start_to_tuesday() {
    let dir = scratch("closed_date");
    let policy = write(
        &dir,
        "klant.toml",
        "name = \"Klant B.V.\"\n[calendar]\nclosed_dates = [\"2026-11-30\"]\n",
    );
    let run = loket(
        &["sla", "deadlines", "--policy", &policy],
        b"opened_at,business_seconds\n2026-11-27T18:15:00+01:00,14400\n2026-11-27T18:15:00+01:00,0\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.lines()[1..],
        [
            "2026-11-27T18:15:00+01:00,14400,2026-12-01T13:00:00+01:00",
            "2026-11-27T18:15:00+01:00,0,2026-12-01T09:00:00+01:00",
        ]
    );

    let run = loket(
        &[
            "sla",
            "explain",
            "--opened",
            "2026-11-27T18:15:00+01:00",
            "--kind",
            "incident",
            "--priority",
            "urgent",
            "--policy",
            &policy,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.lines();
    assert_eq!(lines[0], "Incident, prioriteit Urgent — Klant B.V.");
    assert_eq!(
        lines[2],
        "Klok start:  di 1 dec 2026 09:00  (eerstvolgende opening van het servicevenster; \
         overgeslagen: ma 30 nov 2026, sluitingsdag volgens de overeenkomst)"
    );
    assert_eq!(lines[3], "90%-termijn  4 uur           di 1 dec 2026 13:00");

    // Received on the closed date itself.
    let run = loket(
        &[
            "sla",
            "explain",
            "--opened",
            "2026-11-30T10:00:00+01:00",
            "--kind",
            "question",
            "--lang",
            "en",
            "--policy",
            &policy,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.lines()[1],
        "Received:     Mon 30 Nov 2026 10:00  (outside Service Window 1: closing day under the agreement)"
    );

    let run = loket(
        &[
            "calendar", "holidays", "--from", "2026", "--policy", &policy,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.lines();
    assert_eq!(lines.len(), 12);
    assert_eq!(lines[9], "2026-11-30,Sluitingsdag");
}

#[test]
fn liberation_day_every_year_lists_5_may_2026() {
    let dir = scratch("liberation_day");
    let policy = write(
        &dir,
        "p.toml",
        "[calendar]\nliberation_day = \"every_year\"\n",
    );
    let run = loket(
        &[
            "calendar", "holidays", "--from", "2026", "--to", "2026", "--policy", &policy,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\n2026-05-05,Bevrijdingsdag\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.lines().len(), 12);
    // Without the policy 2026 has no Bevrijdingsdag.
    let run = loket(&["calendar", "holidays", "--from", "2026"], b"");
    assert!(!run.stdout.contains("Bevrijdingsdag"));
}

#[test]
fn an_ics_file_is_read_relative_to_the_policy_file() {
    let dir = scratch("ics");
    write(
        &dir,
        "sluiting.ics",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Kerstsluiting\r\nDTSTART;VALUE=DATE:20261228\r\n\
         DTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let policy = write(
        &dir,
        "p.toml",
        "[calendar]\nclosed_dates_ics = \"sluiting.ics\"\n",
    );
    let run = loket(
        &[
            "calendar", "holidays", "--from", "2026", "--policy", &policy,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tail: Vec<&str> = run.lines().into_iter().rev().take(4).collect();
    assert_eq!(
        tail,
        [
            "2026-12-30,Sluitingsdag",
            "2026-12-29,Sluitingsdag",
            "2026-12-28,Sluitingsdag",
            "2026-12-26,Tweede Kerstdag",
        ]
    );
    let run = loket(
        &["sla", "deadlines", "--policy", &policy],
        b"opened_at,business_seconds\n2026-12-24T17:00:00+01:00,3600\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.lines()[1],
        "2026-12-24T17:00:00+01:00,3600,2026-12-31T09:30:00+01:00"
    );
}

#[test]
fn a_broken_policy_file_is_exit_2_with_its_file_and_line() {
    let dir = scratch("broken");
    let policy = write(
        &dir,
        "broken.toml",
        "name = \"Kapot\"\n[calendar]\nliberation_day = \"sometimes\"\n",
    );
    for args in [
        vec!["sla", "deadlines"],
        vec![
            "sla",
            "explain",
            "--opened",
            "2026-11-27T18:15:00+01:00",
            "--kind",
            "question",
        ],
        vec!["calendar", "holidays", "--from", "2026"],
    ] {
        let mut args = args.clone();
        args.extend(["--policy", &policy]);
        let run = loket(&args, b"opened_at,business_seconds\n");
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.contains(&format!("{policy}:3:")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("liberation_day"), "{}", run.stderr);
    }

    let unknown = write(&dir, "unknown.toml", "[calendar]\n\nopening = \"09:00\"\n");
    let run = loket(
        &[
            "calendar", "holidays", "--from", "2026", "--policy", &unknown,
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("{unknown}:3:")),
        "{}",
        run.stderr
    );

    let ics = write(
        &dir,
        "ics.toml",
        "[calendar]\nclosed_dates_ics = \"missing.ics\"\n",
    );
    let run = loket(
        &["calendar", "holidays", "--from", "2026", "--policy", &ics],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&format!("{ics}:2:")), "{}", run.stderr);
    assert!(run.stderr.contains("missing.ics"), "{}", run.stderr);
}

#[test]
fn a_missing_or_binary_policy_file_is_exit_2() {
    let dir = scratch("missing");
    let missing = dir.join("nope.toml").display().to_string();
    let run = loket(
        &[
            "calendar", "holidays", "--from", "2026", "--policy", &missing,
        ],
        b"",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read policy file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nope.toml"), "{}", run.stderr);

    let binary = dir.join("binary.toml");
    std::fs::write(&binary, b"name = \"\xff\"\n").expect("write");
    let binary = binary.display().to_string();
    let run = loket(
        &["sla", "deadlines", "--policy", &binary],
        b"opened_at,business_seconds\n",
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
}
