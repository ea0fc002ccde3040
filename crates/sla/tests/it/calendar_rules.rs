//! One table row per rule sentence of SLA-RULES §1 (calendar), §2 (business time) and
//! §3 (clock start), against the standard calendar unless the row says otherwise.

use sla::{Calendar, CalendarSpec, LiberationDay, Policy, PolicyDuration, WORKING_DAY, Window};

use crate::support::{H, ams, at, local, policy, sw1};

fn custom(text: &str) -> Calendar {
    policy()
        .overlay(text, "custom.toml", &|_| Err("no files".into()))
        .expect("custom policy")
        .compile_calendar()
        .expect("calendar")
}

#[test]
fn s1_time_zone_is_amsterdam_civil_time_cet_and_cest() {
    // Winter: 09:00 CET is 08:00 UTC; summer: 09:00 CEST is 07:00 UTC.
    assert_eq!(
        sw1().clock_start(at("2026-01-10T12:00:00Z")).unwrap(),
        at("2026-01-12T08:00:00Z")
    );
    assert_eq!(
        sw1().clock_start(at("2026-07-11T12:00:00Z")).unwrap(),
        at("2026-07-13T07:00:00Z")
    );
}

#[test]
fn s1_service_window_1_is_monday_to_friday_0900_to_1730_eight_and_a_half_hours() {
    let cal = sw1();
    // Monday 23 Nov 2026 through Sunday 29 Nov 2026: five working days.
    for (day, hours_x2) in [
        ("2026-11-23", 17),
        ("2026-11-24", 17),
        ("2026-11-25", 17),
        ("2026-11-26", 17),
        ("2026-11-27", 17),
        ("2026-11-28", 0),
        ("2026-11-29", 0),
    ] {
        let from = ams(&format!("{day} 00:00"));
        let to = from
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap();
        assert_eq!(cal.elapsed(from, to).unwrap(), hours_x2 * H / 2, "{day}");
    }
    assert!(cal.is_open(ams("2026-11-23 09:00")).unwrap());
    assert!(cal.is_open(ams("2026-11-23 17:29:59")).unwrap());
    assert!(!cal.is_open(ams("2026-11-23 17:30")).unwrap());
    assert!(!cal.is_open(ams("2026-11-23 08:59:59")).unwrap());
}

#[test]
fn s1_holidays_close_the_window() {
    let cal = sw1();
    // Weekday holidays of 2026 and one lustrum Bevrijdingsdag (Monday 5 May 2025).
    for day in [
        "2026-01-01", // Nieuwjaarsdag (Thursday)
        "2026-04-03", // Goede Vrijdag
        "2026-04-06", // Tweede Paasdag
        "2026-04-27", // Koningsdag (Monday)
        "2026-05-14", // Hemelvaartsdag
        "2026-05-25", // Tweede Pinksterdag
        "2026-12-25", // Eerste Kerstdag (Friday)
        "2025-05-05", // Bevrijdingsdag in a lustrum year
        "2013-04-30", // Koninginnedag (Tuesday)
    ] {
        assert!(
            !cal.is_open(ams(&format!("{day} 12:00"))).unwrap(),
            "{day} must be closed"
        );
    }
    // Not holidays by default: 5 May outside lustrum years, and 27 April before 2014.
    for day in ["2026-05-05", "2013-04-26"] {
        assert!(
            cal.is_open(ams(&format!("{day} 12:00"))).unwrap(),
            "{day} must be open"
        );
    }
}

#[test]
fn s1_koningsdag_moves_to_saturday_when_on_sunday() {
    let rules = sla::HolidayRules::default();
    let named = |y: i16, name: &str| {
        rules
            .holidays(y)
            .into_iter()
            .find(|h| h.name == name)
            .map(|h| h.date.to_string())
    };
    assert_eq!(named(2014, "Koningsdag").as_deref(), Some("2014-04-26"));
    assert_eq!(named(2025, "Koningsdag").as_deref(), Some("2025-04-26"));
    assert_eq!(named(2026, "Koningsdag").as_deref(), Some("2026-04-27"));
    assert_eq!(named(2006, "Koninginnedag").as_deref(), Some("2006-04-29"));
    assert_eq!(named(2013, "Koninginnedag").as_deref(), Some("2013-04-30"));
    assert_eq!(named(2013, "Koningsdag"), None);
}

#[test]
fn s1_options_liberation_day_and_good_friday() {
    let every = custom("[calendar]\nliberation_day = \"every_year\"\ngood_friday = false\n");
    assert!(
        !every.is_open(ams("2026-05-05 12:00")).unwrap(),
        "5 May every year"
    );
    assert!(
        every.is_open(ams("2026-04-03 12:00")).unwrap(),
        "no Good Friday"
    );
    let never = custom("[calendar]\nliberation_day = \"never\"\n");
    assert!(
        never.is_open(ams("2025-05-05 12:00")).unwrap(),
        "5 May never"
    );
    assert_eq!(never.spec().holidays.liberation_day, LiberationDay::Never);
}

#[test]
fn s1_extra_closed_and_open_dates() {
    let cal = custom(
        "[calendar]\nclosed_dates = [\"2026-12-24\"]\nopen_dates = [\"2026-12-26\", \"2026-04-27\"]\n",
    );
    assert!(
        !cal.is_open(ams("2026-12-24 12:00")).unwrap(),
        "company closure"
    );
    // An open Saturday (also Tweede Kerstdag) takes the standard working-day windows.
    assert!(cal.is_open(ams("2026-12-26 09:00")).unwrap());
    assert!(!cal.is_open(ams("2026-12-26 17:30")).unwrap());
    // An open holiday (Koningsdag 2026, a Monday).
    assert_eq!(
        cal.elapsed(ams("2026-04-27 00:00"), ams("2026-04-28 00:00"))
            .unwrap(),
        WORKING_DAY
    );
}

#[test]
fn s1_closed_dates_imported_from_icalendar() {
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Kerstsluiting\r\nDTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20261231\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let p = policy()
        .overlay(
            "[calendar]\nclosed_dates_ics = \"closures.ics\"\n",
            "c.toml",
            &|name| {
                if name == "closures.ics" {
                    Ok(ics.to_string())
                } else {
                    Err("not found".into())
                }
            },
        )
        .unwrap();
    let cal = p.compile_calendar().unwrap();
    // Filed on Christmas Day: 26, 27 weekend, 28–30 closed, so the clock starts 31 Dec.
    assert_eq!(
        local(cal.clock_start(ams("2026-12-25 10:00")).unwrap()),
        "2026-12-31 09:00:00"
    );
}

#[test]
fn s1_seconds_are_exact() {
    assert_eq!(
        sw1()
            .elapsed(ams("2026-11-23 09:00:01"), ams("2026-11-23 09:00:02"))
            .unwrap(),
        1
    );
    assert_eq!(
        local(sw1().deadline(ams("2026-11-23 17:29:59"), 1).unwrap()),
        "2026-11-23 17:30:00"
    );
    assert_eq!(
        local(sw1().deadline(ams("2026-11-23 17:29:59"), 2).unwrap()),
        "2026-11-24 09:00:01"
    );
}

#[test]
fn s2_business_time_is_the_intersection_with_the_window() {
    // Friday 16:00 to Monday 10:00: 1.5 h Friday + 1 h Monday.
    assert_eq!(
        sw1()
            .elapsed(ams("2026-11-27 16:00"), ams("2026-11-30 10:00"))
            .unwrap(),
        5 * H / 2
    );
    // Entirely outside: a weekend.
    assert_eq!(
        sw1()
            .elapsed(ams("2026-11-28 08:00"), ams("2026-11-29 20:00"))
            .unwrap(),
        0
    );
    // Reversed bounds give the negative.
    assert_eq!(
        sw1()
            .elapsed(ams("2026-11-30 10:00"), ams("2026-11-27 16:00"))
            .unwrap(),
        -5 * H / 2
    );
}

#[test]
fn s2_deadline_is_the_earliest_instant_with_that_much_business_time() {
    let cases = [
        ("2026-11-30 09:00", 4 * H, "2026-11-30 13:00:00"),
        ("2026-11-30 16:00", 4 * H, "2026-12-01 11:30:00"),
        ("2026-11-27 16:00", 6 * H, "2026-11-30 13:30:00"),
        ("2026-12-24 15:00", 4 * H, "2026-12-28 10:30:00"), // over Christmas
    ];
    for (start, d, want) in cases {
        let got = sw1().deadline(ams(start), d).unwrap();
        assert_eq!(local(got), want, "{start} + {d}s");
        assert_eq!(
            sw1()
                .elapsed(sw1().clock_start(ams(start)).unwrap(), got)
                .unwrap(),
            d
        );
    }
}

#[test]
fn s2_deadline_that_uses_up_a_window_exactly_is_its_end_not_the_next_opening() {
    assert_eq!(
        local(sw1().deadline(ams("2026-11-30 13:30"), 4 * H).unwrap()),
        "2026-11-30 17:30:00"
    );
    assert_eq!(
        local(
            sw1()
                .deadline(ams("2026-11-30 09:00"), WORKING_DAY)
                .unwrap()
        ),
        "2026-11-30 17:30:00"
    );
    assert_eq!(
        local(sw1().deadline(ams("2026-11-27 17:15"), 900).unwrap()),
        "2026-11-27 17:30:00"
    );
}

#[test]
fn s2_deadline_of_zero_is_the_clock_start() {
    assert_eq!(
        local(sw1().deadline(ams("2026-11-28 11:00"), 0).unwrap()),
        "2026-11-30 09:00:00"
    );
    assert_eq!(
        local(sw1().deadline(ams("2026-11-30 10:17"), 0).unwrap()),
        "2026-11-30 10:17:00"
    );
    assert_eq!(
        local(sw1().deadline(ams("2026-11-30 17:30"), 0).unwrap()),
        "2026-12-01 09:00:00"
    );
}

#[test]
fn s2_units_hours_and_working_days_are_business_time() {
    let d = |s: &str| s.parse::<PolicyDuration>().unwrap();
    assert_eq!(d("4 hours"), PolicyDuration::Business(4 * H));
    assert_eq!(d("1 working_day"), PolicyDuration::Business(8 * H + 1800));
    assert_eq!(d("3 werkdagen"), PolicyDuration::Business(3 * WORKING_DAY));
    assert_eq!(d("2 weken"), PolicyDuration::Weeks(2));
    assert_eq!(d("1 maand"), PolicyDuration::Months(1));
    // One working day from Monday 10:00 is Tuesday 10:00; two from Friday 12:00 is Tuesday 12:00.
    assert_eq!(
        local(
            sw1()
                .due(ams("2026-11-30 10:00"), &d("1 working_day"))
                .unwrap()
        ),
        "2026-12-01 10:00:00"
    );
    assert_eq!(
        local(
            sw1()
                .due(ams("2026-11-27 12:00"), &d("2 working_days"))
                .unwrap()
        ),
        "2026-12-01 12:00:00"
    );
    assert!("4 hourz".parse::<PolicyDuration>().is_err());
    assert!("-1 hours".parse::<PolicyDuration>().is_err());
    assert!("1.5 hours".parse::<PolicyDuration>().is_err());
}

#[test]
fn s2_weeks_and_months_are_calendar_spans_moved_forward_into_the_window() {
    let d = |s: &str| s.parse::<PolicyDuration>().unwrap();
    let cases = [
        // Filed Saturday: clock starts Monday 09:00; two weeks later is Monday 09:00.
        ("2026-11-28 11:00", "2 weeks", "2026-12-14 09:00:00"),
        // Lands on Hemelvaartsdag: moves to Friday 09:00.
        ("2026-04-30 10:00", "2 weeks", "2026-05-15 09:00:00"),
        // Lands after closing time: moves to the next morning.
        ("2026-11-30 17:00", "2 weeks", "2026-12-14 17:00:00"),
        // Same day next month.
        ("2026-11-30 10:00", "1 month", "2026-12-30 10:00:00"),
        // 30 January + 1 month is clamped to 28 February, a Saturday: Monday 2 March 09:00.
        ("2026-01-30 10:00", "1 month", "2026-03-02 09:00:00"),
        // Over the DST change: local time of day is kept (CET -> CEST).
        ("2026-03-16 10:00", "2 weeks", "2026-03-30 10:00:00"),
    ];
    for (start, dur, want) in cases {
        assert_eq!(
            local(sw1().due(ams(start), &d(dur)).unwrap()),
            want,
            "{start} + {dur}"
        );
    }
}

#[test]
fn s2_dst_days_keep_an_eight_and_a_half_hour_window() {
    // A calendar open every day, so the 23-hour and 25-hour Sundays are working days.
    let every_day =
        custom("[calendar.windows]\nsaturday = [\"09:00-17:30\"]\nsunday = [\"09:00-17:30\"]\n");
    for day in ["2026-03-29", "2026-10-25"] {
        let from = ams(&format!("{day} 00:00"));
        let to = ams(&format!("{day} 23:59:59"));
        assert_eq!(every_day.elapsed(from, to).unwrap(), WORKING_DAY, "{day}");
    }
    // Business time is real elapsed time: a 00:00–24:00 calendar has 23 h and 25 h days.
    let mut spec = CalendarSpec::service_window_1();
    spec.weekly = std::array::from_fn(|_| vec![Window::new(0, 86_400).unwrap()]);
    spec.holidays.set = sla::HolidaySet::None;
    let always = Calendar::new(spec).unwrap();
    assert_eq!(
        always
            .elapsed(ams("2026-03-29 00:00"), ams("2026-03-30 00:00"))
            .unwrap(),
        23 * H
    );
    assert_eq!(
        always
            .elapsed(ams("2026-10-25 00:00"), ams("2026-10-26 00:00"))
            .unwrap(),
        25 * H
    );
    // A deadline across the spring change: Friday 15:00 CET + 4 h = Monday 10:30 CEST.
    let got = sw1().deadline(ams("2026-03-27 15:00"), 4 * H).unwrap();
    assert_eq!(got, at("2026-03-30T10:30:00+02:00"));
}

#[test]
fn s3_filed_inside_the_window_starts_at_creation() {
    assert_eq!(
        local(sw1().clock_start(ams("2026-11-27 17:15")).unwrap()),
        "2026-11-27 17:15:00"
    );
    assert_eq!(
        local(sw1().clock_start(ams("2026-11-30 09:00")).unwrap()),
        "2026-11-30 09:00:00"
    );
}

#[test]
fn s3_filed_outside_the_window_starts_at_the_next_opening() {
    let cases = [
        ("2026-11-27 18:15", "2026-11-30 09:00:00"), // Friday evening
        ("2026-11-27 17:30", "2026-11-30 09:00:00"), // exactly closing time
        ("2026-12-01 03:00", "2026-12-01 09:00:00"), // night
        ("2026-11-29 14:00", "2026-11-30 09:00:00"), // Sunday
        ("2026-12-25 10:00", "2026-12-28 09:00:00"), // Eerste Kerstdag, then a weekend
        ("2026-04-02 20:00", "2026-04-07 09:00:00"), // Easter: Good Friday to Easter Monday
    ];
    for (filed, want) in cases {
        assert_eq!(
            local(sw1().clock_start(ams(filed)).unwrap()),
            want,
            "{filed}"
        );
        assert_eq!(
            local(sw1().next_opening(ams(filed)).unwrap()),
            want,
            "{filed}"
        );
    }
}

#[test]
fn s3_urgent_incident_filed_friday_evening_worked_example() {
    let bounds = &policy()
        .targets
        .for_ticket(sla::TicketKind::Incident, sla::Priority::Urgent)
        .bounds;
    let filed = at("2026-11-27T18:15:00+01:00");
    let due: Vec<String> = bounds
        .iter()
        .map(|b| local(sw1().due(filed, &b.within).unwrap()))
        .collect();
    assert_eq!(due, ["2026-11-30 13:00:00", "2026-11-30 15:00:00"]);
    // Filed that Friday at 17:15, inside the window: its clock runs 15 minutes that day.
    let friday = ams("2026-11-27 17:15");
    assert_eq!(
        sw1().elapsed(friday, ams("2026-11-30 09:00")).unwrap(),
        15 * 60
    );
    assert_eq!(
        local(sw1().due(friday, &bounds[0].within).unwrap()),
        "2026-11-30 12:45:00"
    );
}

#[test]
fn calendar_covers_1970_to_2200_and_refuses_beyond() {
    assert!(sw1().clock_start(at("1970-01-01T00:00:00Z")).is_ok());
    assert!(sw1().deadline(at("2200-12-01T10:00:00Z"), 4 * H).is_ok());
    assert!(sw1().clock_start(at("1969-12-31T12:00:00Z")).is_err());
    assert!(
        sw1()
            .deadline(at("2200-12-31T12:00:00Z"), 100 * WORKING_DAY)
            .is_err()
    );
    assert!(sw1().deadline(at("2026-11-30T10:00:00Z"), -1).is_err());
}

#[test]
fn a_calendar_that_is_never_open_is_refused() {
    let mut spec = CalendarSpec::service_window_1();
    spec.weekly = Default::default();
    assert!(matches!(
        Calendar::new(spec),
        Err(sla::CalendarError::NeverOpen)
    ));
    let p: Result<Policy, _> = policy().overlay(
        "[calendar.windows]\nmonday = []\ntuesday = []\nwednesday = []\nthursday = []\nfriday = []\n",
        "closed.toml",
        &|_| Err("no".into()),
    );
    assert!(p.unwrap_err().message.contains("never open"));
}

#[test]
fn several_windows_a_day() {
    let split = custom("[calendar.windows]\nmonday = [\"08:00-12:00\", \"13:00-17:00\"]\n");
    assert_eq!(
        local(split.deadline(ams("2026-11-30 11:00"), 2 * H).unwrap()),
        "2026-11-30 14:00:00"
    );
    assert_eq!(
        local(split.deadline(ams("2026-11-30 11:00"), H).unwrap()),
        "2026-11-30 12:00:00"
    );
    assert_eq!(
        local(split.clock_start(ams("2026-11-30 12:30")).unwrap()),
        "2026-11-30 13:00:00"
    );
}

#[test]
fn huge_durations_are_out_of_range_not_an_overflow() {
    let start = at("2026-11-27T18:15:00+01:00");
    for d in [i64::MAX, i64::MAX - 10, 1 << 40] {
        assert!(
            matches!(
                sw1().deadline(start, d),
                Err(sla::CalendarError::OutOfRange(_))
            ),
            "{d}"
        );
    }
}
