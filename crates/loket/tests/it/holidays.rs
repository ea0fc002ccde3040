//! `loket calendar holidays`: holidays as CSV.

use crate::support::{Run, loket};

fn holidays(args: &[&str]) -> Run {
    let mut all = vec!["calendar", "holidays"];
    all.extend_from_slice(args);
    loket(&all, b"")
}

#[test]
fn the_holidays_of_2026() {
    let run = holidays(&["--from", "2026", "--to", "2026"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "date,name\n\
         2026-01-01,Nieuwjaarsdag\n\
         2026-04-03,Goede Vrijdag\n\
         2026-04-05,Eerste Paasdag\n\
         2026-04-06,Tweede Paasdag\n\
         2026-04-27,Koningsdag\n\
         2026-05-14,Hemelvaartsdag\n\
         2026-05-24,Eerste Pinksterdag\n\
         2026-05-25,Tweede Pinksterdag\n\
         2026-12-25,Eerste Kerstdag\n\
         2026-12-26,Tweede Kerstdag\n"
    );
}

#[test]
fn two_holidays_on_one_date_give_two_rows() {
    // 2005: Hemelvaartsdag fell on 5 May, and 2005 is a lustrum year.
    let run = holidays(&["--from", "2005", "--to", "2005"]);
    assert_eq!(run.code, 0);
    let may5: Vec<&str> = run
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("2005-05-05"))
        .collect();
    assert_eq!(
        may5,
        ["2005-05-05,Bevrijdingsdag", "2005-05-05,Hemelvaartsdag"]
    );
}

#[test]
fn a_range_of_years_lists_every_year_in_order() {
    let run = holidays(&["--from", "2025", "--to", "2026"]);
    assert_eq!(run.code, 0);
    let lines = run.lines();
    // 2025 is a lustrum year (Bevrijdingsdag): 11 rows, 2026 has 10.
    assert_eq!(lines.len(), 1 + 11 + 10);
    assert_eq!(lines[1], "2025-01-01,Nieuwjaarsdag");
    assert!(lines.contains(&"2025-05-05,Bevrijdingsdag"));
    assert_eq!(lines[21], "2026-12-26,Tweede Kerstdag");
    let mut sorted = lines[1..].to_vec();
    sorted.sort();
    assert_eq!(sorted, lines[1..]);
    // Koninginnedag before 2014, Koningsdag since.
    let run = holidays(&["--from", "2013", "--to", "2014"]);
    assert!(
        run.stdout.contains("2013-04-30,Koninginnedag\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2014-04-26,Koningsdag\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn years_outside_the_calendar_or_reversed_are_refused() {
    for (from, to) in [
        ("1969", "1970"),
        ("2200", "2201"),
        ("2027", "2026"),
        ("-5", "2026"),
    ] {
        let run = holidays(&["--from", from, "--to", to]);
        assert_eq!(run.code, 2, "{from}..{to}");
        assert_eq!(run.stdout, "");
        assert!(!run.stderr.is_empty());
    }
    let run = holidays(&["--from", "1969", "--to", "1970"]);
    assert!(run.stderr.contains("--from 1969"), "{}", run.stderr);
    assert!(run.stderr.contains("1970–2200"), "{}", run.stderr);
    let run = holidays(&["--from", "2027", "--to", "2026"]);
    assert!(run.stderr.contains("after"), "{}", run.stderr);
    let run = holidays(&["--from", "twenty"]);
    assert_eq!(run.code, 2);
    let run = holidays(&["--from", "1970", "--to", "2200"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
