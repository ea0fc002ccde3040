//! The Dutch holiday set against an independent reference table, its options, and spot checks
//! from real calendars.
//!
//! `tests/data/nl_holidays_1990_2100.csv` is written by `tools/holidays_reference.py`, which
//! computes Easter with python-dateutil (not with our computus) and follows SLA-RULES §1
//! under the default options (Bevrijdingsdag in lustrum years, Goede Vrijdag included).

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday, date};
use sla::holidays::easter_sunday;
use sla::{Holiday, HolidayRules, HolidaySet, LiberationDay};

const TABLE: &str = include_str!("../data/nl_holidays_1990_2100.csv");
const FIRST_YEAR: i16 = 1990;
const LAST_YEAR: i16 = 2100;
const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;
/// Lustrum years in 1990..=2100: 1990, 1995, …, 2100.
const LUSTRUM_YEARS: usize = 23;

/// The reference table, per year, in file order.
fn reference() -> BTreeMap<i16, Vec<Holiday>> {
    let mut lines = TABLE.lines();
    assert_eq!(lines.next(), Some("date,name"), "the CSV header");
    let mut by_year: BTreeMap<i16, Vec<Holiday>> = BTreeMap::new();
    for line in lines {
        let (d, name) = line
            .split_once(',')
            .unwrap_or_else(|| panic!("`{line}` is not a date,name row"));
        let d: Date = d
            .parse()
            .unwrap_or_else(|e| panic!("`{d}` is not a date: {e}"));
        assert!(!name.is_empty() && !name.contains(','), "row `{line}`");
        by_year
            .entry(d.year())
            .or_default()
            .push(Holiday { date: d, name });
    }
    by_year
}

fn rules(liberation_day: LiberationDay, good_friday: bool) -> HolidayRules {
    HolidayRules {
        set: HolidaySet::Nl,
        liberation_day,
        good_friday,
    }
}

fn without(rows: &[Holiday], name: &str) -> Vec<Holiday> {
    rows.iter().copied().filter(|h| h.name != name).collect()
}

fn holiday(y: i16, m: i8, d: i8, name: &'static str) -> Holiday {
    Holiday {
        date: date(y, m, d),
        name,
    }
}

#[test]
fn the_reference_table_covers_every_year_and_is_sorted() {
    let table = reference();
    let years: Vec<i16> = table.keys().copied().collect();
    assert_eq!(years, (FIRST_YEAR..=LAST_YEAR).collect::<Vec<_>>());
    // 10 holidays every year, plus Bevrijdingsdag in the lustrum years.
    let rows: usize = table.values().map(Vec::len).sum();
    assert_eq!(rows, YEARS * 10 + LUSTRUM_YEARS);
    for (year, rows) in &table {
        assert!(
            rows.windows(2).all(|p| p[0] < p[1]),
            "{year}: rows are not strictly sorted by (date, name)"
        );
    }
}

#[test]
fn default_rules_equal_the_reference_table_in_every_year() {
    let table = reference();
    let rules = HolidayRules::default();
    assert_eq!(rules, rules_default_by_hand());
    for year in FIRST_YEAR..=LAST_YEAR {
        assert_eq!(rules.holidays(year), table[&year], "year {year}");
    }
}

/// The documented default, spelled out, so the test above cannot pass on other defaults.
fn rules_default_by_hand() -> HolidayRules {
    rules(LiberationDay::Lustrum, true)
}

#[test]
fn bevrijdingsdag_every_year_adds_5_may_to_every_year() {
    let table = reference();
    let every = rules(LiberationDay::EveryYear, true);
    for year in FIRST_YEAR..=LAST_YEAR {
        let mut expected = without(&table[&year], "Bevrijdingsdag");
        expected.push(holiday(year, 5, 5, "Bevrijdingsdag"));
        expected.sort();
        let got = every.holidays(year);
        assert_eq!(got, expected, "year {year}");
        assert_eq!(got.len(), 11, "year {year}");
    }
}

#[test]
fn bevrijdingsdag_never_removes_it_from_the_lustrum_years() {
    let table = reference();
    let never = rules(LiberationDay::Never, true);
    let mut lustrum_years_seen = 0;
    for year in FIRST_YEAR..=LAST_YEAR {
        let expected = without(&table[&year], "Bevrijdingsdag");
        if expected.len() != table[&year].len() {
            lustrum_years_seen += 1;
            assert_eq!(year % 5, 0, "Bevrijdingsdag in the table in {year}");
        }
        let got = never.holidays(year);
        assert_eq!(got, expected, "year {year}");
        assert_eq!(got.len(), 10, "year {year}");
    }
    assert_eq!(lustrum_years_seen, LUSTRUM_YEARS);
}

#[test]
fn without_good_friday_goede_vrijdag_disappears_and_nothing_else_changes() {
    let table = reference();
    let no_good_friday = rules(LiberationDay::Lustrum, false);
    for year in FIRST_YEAR..=LAST_YEAR {
        let expected = without(&table[&year], "Goede Vrijdag");
        assert_eq!(expected.len() + 1, table[&year].len(), "year {year}");
        assert_eq!(no_good_friday.holidays(year), expected, "year {year}");
    }
}

#[test]
fn the_algemene_termijnenwet_reading_combines_both_options() {
    // 5 May every year and no Good Friday.
    let table = reference();
    let wet = rules(LiberationDay::EveryYear, false);
    for year in FIRST_YEAR..=LAST_YEAR {
        let mut expected = without(&without(&table[&year], "Goede Vrijdag"), "Bevrijdingsdag");
        expected.push(holiday(year, 5, 5, "Bevrijdingsdag"));
        expected.sort();
        assert_eq!(wet.holidays(year), expected, "year {year}");
    }
}

#[test]
fn holiday_set_none_has_no_holidays_whatever_the_options() {
    for liberation_day in [
        LiberationDay::EveryYear,
        LiberationDay::Lustrum,
        LiberationDay::Never,
    ] {
        for good_friday in [true, false] {
            let none = HolidayRules {
                set: HolidaySet::None,
                liberation_day,
                good_friday,
            };
            for year in FIRST_YEAR..=LAST_YEAR {
                assert_eq!(none.holidays(year), Vec::<Holiday>::new(), "year {year}");
            }
        }
    }
}

#[test]
fn easter_sunday_equals_the_tables_eerste_paasdag_in_every_year() {
    let table = reference();
    for year in FIRST_YEAR..=LAST_YEAR {
        let paas: Vec<Date> = table[&year]
            .iter()
            .filter(|h| h.name == "Eerste Paasdag")
            .map(|h| h.date)
            .collect();
        assert_eq!(paas.len(), 1, "year {year}");
        let easter = easter_sunday(year);
        assert_eq!(easter, paas[0], "year {year}");
        assert_eq!(easter.weekday(), Weekday::Sunday, "year {year}");
    }
}

#[test]
fn easter_dates_from_real_calendars() {
    for (year, month, day) in [
        (1990, 4, 15),
        (2000, 4, 23),
        (2008, 3, 23),
        (2011, 4, 24),
        (2019, 4, 21),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (2038, 4, 25),
    ] {
        assert_eq!(easter_sunday(year), date(year, month, day), "Easter {year}");
    }
}

#[test]
fn the_2026_calendar_as_printed() {
    let y = 2026;
    assert_eq!(
        HolidayRules::default().holidays(y),
        vec![
            holiday(y, 1, 1, "Nieuwjaarsdag"),
            holiday(y, 4, 3, "Goede Vrijdag"),
            holiday(y, 4, 5, "Eerste Paasdag"),
            holiday(y, 4, 6, "Tweede Paasdag"),
            holiday(y, 4, 27, "Koningsdag"),
            holiday(y, 5, 14, "Hemelvaartsdag"),
            holiday(y, 5, 24, "Eerste Pinksterdag"),
            holiday(y, 5, 25, "Tweede Pinksterdag"),
            holiday(y, 12, 25, "Eerste Kerstdag"),
            holiday(y, 12, 26, "Tweede Kerstdag"),
        ]
    );
}

#[test]
fn kings_and_queens_day_move_to_saturday_when_they_fall_on_sunday() {
    let find = |year: i16, name: &str| -> Vec<Date> {
        HolidayRules::default()
            .holidays(year)
            .into_iter()
            .filter(|h| h.name == name)
            .map(|h| h.date)
            .collect()
    };
    // 27 April 2014 was a Sunday: the first Koningsdag was Saturday 26 April.
    assert_eq!(find(2014, "Koningsdag"), [date(2014, 4, 26)]);
    assert_eq!(date(2014, 4, 26).weekday(), Weekday::Saturday);
    assert_eq!(find(2014, "Koninginnedag"), Vec::<Date>::new());
    // 27 April 2025 was a Sunday too.
    assert_eq!(find(2025, "Koningsdag"), [date(2025, 4, 26)]);
    // An ordinary year: 27 April 2024 was itself a Saturday and stays.
    assert_eq!(find(2024, "Koningsdag"), [date(2024, 4, 27)]);
    // 30 April 2006 was a Sunday: Koninginnedag was Saturday 29 April.
    assert_eq!(find(2006, "Koninginnedag"), [date(2006, 4, 29)]);
    assert_eq!(date(2006, 4, 29).weekday(), Weekday::Saturday);
    // The last Koninginnedag, 30 April 2013 (a Tuesday; the abdication day).
    assert_eq!(find(2013, "Koninginnedag"), [date(2013, 4, 30)]);
    assert_eq!(find(2013, "Koningsdag"), Vec::<Date>::new());
    // 2000: 30 April was a Sunday.
    assert_eq!(find(2000, "Koninginnedag"), [date(2000, 4, 29)]);
}

#[test]
fn in_2005_hemelvaartsdag_and_bevrijdingsdag_share_5_may() {
    let h = HolidayRules::default().holidays(2005);
    let on_5_may: Vec<&str> = h
        .iter()
        .filter(|h| h.date == date(2005, 5, 5))
        .map(|h| h.name)
        .collect();
    assert_eq!(on_5_may, ["Bevrijdingsdag", "Hemelvaartsdag"]);
    assert_eq!(h.len(), 11, "both are listed, neither swallows the other");
}

#[test]
fn other_remembered_dates() {
    let h = HolidayRules::default();
    let has = |y: i16, m: i8, d: i8, name: &'static str| {
        assert!(
            h.holidays(y).contains(&holiday(y, m, d, name)),
            "{name} on {y}-{m:02}-{d:02}"
        );
    };
    has(2024, 3, 29, "Goede Vrijdag");
    has(2024, 4, 1, "Tweede Paasdag");
    has(2024, 5, 9, "Hemelvaartsdag");
    has(2024, 5, 20, "Tweede Pinksterdag");
    has(2025, 5, 5, "Bevrijdingsdag");
    has(2025, 5, 29, "Hemelvaartsdag");
    has(2025, 6, 9, "Tweede Pinksterdag");
    has(2020, 5, 5, "Bevrijdingsdag");
    has(2100, 1, 1, "Nieuwjaarsdag");
    has(1990, 12, 26, "Tweede Kerstdag");
    // Not a lustrum year: no Bevrijdingsdag by default.
    assert!(!h.holidays(2024).iter().any(|x| x.name == "Bevrijdingsdag"));
}
