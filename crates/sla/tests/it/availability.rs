//! Availability (SLA-RULES §6): one table test per rule sentence, DST months, a brute-force
//! minute-by-minute reference, and the outage detector.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use sla::availability::{DEFAULT_NOTICE, DEFAULT_TARGET_PPM};
use sla::{
    Availability, AvailabilityRules, DetectorEvent, DetectorState, ExcludedCause, HourBucket, Lang,
    MaintenanceWindow, MinuteBucket, Month, Outage, OutageDetector, PlannedMaintenance,
    PolicyDuration, WORKING_DAY, monthly_availability, notice_given,
};

use crate::support::{H, ams, policy, sw1};

/// UTC seconds of an Amsterdam local time `YYYY-MM-DD HH:MM`.
fn s(local: &str) -> i64 {
    ams(local).as_second()
}

fn month(y: i16, m: i8) -> (i64, i64) {
    let (a, b) = Month::new(y, m).unwrap().span(sw1()).unwrap();
    (a.as_second(), b.as_second())
}

fn outage(from: &str, to: &str) -> Outage {
    Outage {
        start: s(from),
        end: Some(s(to)),
        cause: None,
    }
}

fn caused(from: &str, to: &str, cause: ExcludedCause) -> Outage {
    Outage {
        cause: Some(cause),
        ..outage(from, to)
    }
}

/// A whole, finished month under the SLA's rules.
fn whole_month(y: i16, m: i8, planned: &[PlannedMaintenance], outages: &[Outage]) -> Availability {
    let (a, b) = month(y, m);
    monthly_availability(
        sw1(),
        a,
        b,
        b + 86_400,
        &AvailabilityRules::default(),
        planned,
        outages,
    )
}

const NOV_WINDOWS: i64 = 30 * 3 * H;
const NOV_MEASURED: i64 = 30 * 86_400 - NOV_WINDOWS;

#[test]
fn a_30_day_month_at_99_5_allows_3_15_hours_because_windows_are_not_measured() {
    // The SLA's "about 3.6 hours" is 0.5% of 30 × 24 h = 12 960 s. The 90 hours of daily
    // windows are excluded from the measured time, so the exact figure is
    // floor(0.005 × (2 592 000 − 324 000)) = 11 340 s = 3 h 9 min.
    let a = whole_month(2026, 11, &[], &[]);
    assert_eq!(a.period_seconds, 30 * 86_400);
    assert_eq!(a.excluded_window_seconds, NOV_WINDOWS);
    assert_eq!(a.excluded_seconds, NOV_WINDOWS);
    assert_eq!(a.measured_seconds, NOV_MEASURED);
    assert_eq!(a.measured_seconds, 2_268_000);
    assert_eq!(a.allowed_downtime_seconds, 11_340);
    assert_eq!(a.remaining_downtime_seconds, 11_340);
    assert_eq!(a.counted_downtime_seconds, 0);
    assert_eq!(a.availability_ppm, 1_000_000);
    assert_eq!(a.target_ppm, DEFAULT_TARGET_PPM);
    assert!(a.holds);
    // The whole month without windows would allow the SLA's 3.6 hours.
    assert_eq!(30 * 86_400 * 5 / 1000, 12_960);
}

#[test]
fn exactly_the_allowed_downtime_holds_and_one_second_more_does_not() {
    let start = s("2026-11-10 10:00");
    let at_limit = Outage {
        start,
        end: Some(start + 11_340),
        cause: None,
    };
    let a = whole_month(2026, 11, &[], &[at_limit]);
    assert_eq!(a.counted_downtime_seconds, 11_340);
    assert_eq!(a.availability_ppm, 995_000);
    assert_eq!(a.remaining_downtime_seconds, 0);
    assert!(a.holds);
    let over = Outage {
        end: Some(start + 11_341),
        ..at_limit
    };
    let a = whole_month(2026, 11, &[], &[over]);
    assert_eq!(a.availability_ppm, 994_999);
    assert_eq!(a.remaining_downtime_seconds, -1);
    assert!(!a.holds);
}

#[test]
fn outages_and_the_maintenance_window() {
    // (outage from, to, counted seconds)
    let table = [
        ("2026-11-10 01:00", "2026-11-10 04:00", 0),
        ("2026-11-10 01:30", "2026-11-10 03:30", 0),
        ("2026-11-10 03:00", "2026-11-10 05:00", H),
        ("2026-11-10 00:00", "2026-11-10 02:00", H),
        ("2026-11-10 00:30", "2026-11-10 04:30", H),
        ("2026-11-10 10:00", "2026-11-10 12:00", 2 * H),
        ("2026-11-10 22:00", "2026-11-11 06:00", 5 * H),
    ];
    for (from, to, counted) in table {
        let a = whole_month(2026, 11, &[], &[outage(from, to)]);
        assert_eq!(a.counted_downtime_seconds, counted, "{from} – {to}");
        assert_eq!(a.excluded_seconds, NOV_WINDOWS, "{from} – {to}");
        assert_eq!(a.measured_seconds, NOV_MEASURED, "{from} – {to}");
    }
}

#[test]
fn planned_maintenance_needs_three_working_days_notice() {
    // Saturday 14 November 2026, 10:00–14:00.
    let (start, end) = (s("2026-11-14 10:00"), s("2026-11-14 14:00"));
    let notice = DEFAULT_NOTICE;
    assert_eq!(notice, PolicyDuration::Business(3 * WORKING_DAY));
    // (announced, excluded?)
    let table = [
        // Wednesday 09:00 + 3 × 8.5 h of business time = Friday 17:30.
        ("2026-11-11 09:00", true),
        ("2026-11-10 16:00", true),
        // Announced before opening time: the notice runs from 09:00.
        ("2026-11-11 07:00", true),
        // Wednesday 10:00: Wed 7.5 h + Thu + Fri = 24.5 h, short of 25.5 h.
        ("2026-11-11 10:00", false),
        // Two working days before.
        ("2026-11-12 09:00", false),
        ("2026-11-13 12:00", false),
        // After the start.
        ("2026-11-14 11:00", false),
    ];
    for (announced, excluded) in table {
        let p = PlannedMaintenance {
            start,
            end,
            announced_at: s(announced),
        };
        assert_eq!(
            p.counts_as_excluded(sw1(), &notice),
            excluded,
            "announced {announced}"
        );
        let a = whole_month(2026, 11, &[p], &[]);
        if excluded {
            assert_eq!(a.excluded_planned_seconds, 4 * H, "announced {announced}");
            assert_eq!(a.counted_downtime_seconds, 0, "announced {announced}");
            assert_eq!(a.measured_seconds, NOV_MEASURED - 4 * H);
        } else {
            // Maintenance announced later counts as downtime, without any outage record.
            assert_eq!(a.excluded_planned_seconds, 0, "announced {announced}");
            assert_eq!(a.counted_downtime_seconds, 4 * H, "announced {announced}");
            assert_eq!(a.measured_seconds, NOV_MEASURED);
        }
    }
}

#[test]
fn notice_boundary_is_the_due_instant_itself() {
    // Announced Monday 10:00: 3 working days are up Thursday 10:00.
    let announced = s("2026-11-09 10:00");
    let due = s("2026-11-12 10:00");
    assert!(notice_given(sw1(), announced, due, &DEFAULT_NOTICE));
    assert!(!notice_given(sw1(), announced, due - 1, &DEFAULT_NOTICE));
    // Announced Friday evening: Monday, Tuesday and Wednesday count, up at Wednesday 17:30.
    let friday = s("2026-11-06 18:00");
    assert!(notice_given(
        sw1(),
        friday,
        s("2026-11-11 17:30"),
        &DEFAULT_NOTICE
    ));
    assert!(!notice_given(
        sw1(),
        friday,
        s("2026-11-11 17:29"),
        &DEFAULT_NOTICE
    ));
    // Holidays are no working days: announced Thursday 24 Dec 2026 09:00, Christmas Day is a
    // Friday, so the third working day is Tuesday 29 December.
    let xmas = s("2026-12-24 09:00");
    assert!(!notice_given(
        sw1(),
        xmas,
        s("2026-12-28 22:00"),
        &DEFAULT_NOTICE
    ));
    assert!(notice_given(
        sw1(),
        xmas,
        s("2026-12-29 17:30"),
        &DEFAULT_NOTICE
    ));
    // Calendar spans work too.
    assert!(notice_given(
        sw1(),
        announced,
        s("2026-11-16 10:00"),
        &PolicyDuration::Weeks(1)
    ));
}

#[test]
fn late_maintenance_with_an_outage_during_it_counts_once() {
    let late = PlannedMaintenance {
        start: s("2026-11-14 10:00"),
        end: s("2026-11-14 14:00"),
        announced_at: s("2026-11-13 10:00"),
    };
    let a = whole_month(
        2026,
        11,
        &[late],
        &[outage("2026-11-14 12:00", "2026-11-14 15:00")],
    );
    assert_eq!(a.counted_downtime_seconds, 5 * H);
}

#[test]
fn maintenance_announced_in_time_covers_an_outage_during_it() {
    let planned = PlannedMaintenance {
        start: s("2026-11-14 10:00"),
        end: s("2026-11-14 14:00"),
        announced_at: s("2026-11-02 10:00"),
    };
    let a = whole_month(
        2026,
        11,
        &[planned],
        &[outage("2026-11-14 12:00", "2026-11-14 15:00")],
    );
    assert_eq!(a.counted_downtime_seconds, H);
    assert_eq!(a.excluded_planned_seconds, 4 * H);
}

#[test]
fn window_then_planned_then_cause_in_the_breakdown() {
    // Planned maintenance 00:00–06:00 announced in time overlaps the window 01:00–04:00;
    // a force majeure outage 05:00–08:00 overlaps the maintenance.
    let planned = PlannedMaintenance {
        start: s("2026-11-21 00:00"),
        end: s("2026-11-21 06:00"),
        announced_at: s("2026-11-02 10:00"),
    };
    let fm = caused(
        "2026-11-21 05:00",
        "2026-11-21 08:00",
        ExcludedCause::ForceMajeure,
    );
    let telecom = caused(
        "2026-11-21 07:00",
        "2026-11-21 09:00",
        ExcludedCause::ThirdPartyTelecom,
    );
    let a = whole_month(2026, 11, &[planned], &[fm, telecom]);
    assert_eq!(a.excluded_window_seconds, NOV_WINDOWS);
    assert_eq!(a.excluded_planned_seconds, 3 * H);
    let by = |c: ExcludedCause| a.excluded_by_cause.iter().find(|(k, _)| *k == c).unwrap().1;
    // Causes are attributed in `ALL` order: telecom first, then force majeure.
    assert_eq!(by(ExcludedCause::ThirdPartyTelecom), 2 * H);
    assert_eq!(by(ExcludedCause::ForceMajeure), H);
    assert_eq!(by(ExcludedCause::CustomerPremises), 0);
    assert_eq!(a.excluded_seconds, NOV_WINDOWS + 6 * H);
    assert_eq!(
        a.excluded_seconds,
        a.excluded_window_seconds
            + a.excluded_planned_seconds
            + a.excluded_by_cause.iter().map(|x| x.1).sum::<i64>()
    );
    assert_eq!(a.measured_seconds, NOV_MEASURED - 6 * H);
    assert_eq!(a.counted_downtime_seconds, 0);
}

#[test]
fn an_outage_with_a_cause_is_excluded_and_shown() {
    for &cause in ExcludedCause::ALL {
        let a = whole_month(
            2026,
            11,
            &[],
            &[caused("2026-11-10 10:00", "2026-11-10 12:00", cause)],
        );
        assert_eq!(a.counted_downtime_seconds, 0);
        assert_eq!(a.measured_seconds, NOV_MEASURED - 2 * H);
        for (k, secs) in a.excluded_by_cause {
            assert_eq!(secs, if k == cause { 2 * H } else { 0 });
        }
    }
    // A cause the policy does not exclude counts.
    let rules = AvailabilityRules {
        excluded_causes: vec![ExcludedCause::ForceMajeure],
        ..AvailabilityRules::default()
    };
    let (a, b) = month(2026, 11);
    let r = monthly_availability(
        sw1(),
        a,
        b,
        b,
        &rules,
        &[],
        &[caused(
            "2026-11-10 10:00",
            "2026-11-10 12:00",
            ExcludedCause::CustomerPremises,
        )],
    );
    assert_eq!(r.counted_downtime_seconds, 2 * H);
    assert!(r.excluded_by_cause.iter().all(|x| x.1 == 0));
}

#[test]
fn a_counted_outage_overlapping_a_caused_one_counts_only_outside_it() {
    let a = whole_month(
        2026,
        11,
        &[],
        &[
            outage("2026-11-10 10:00", "2026-11-10 13:00"),
            caused(
                "2026-11-10 11:00",
                "2026-11-10 12:00",
                ExcludedCause::CustomerMisconfiguration,
            ),
        ],
    );
    assert_eq!(a.counted_downtime_seconds, 2 * H);
    assert_eq!(a.measured_seconds, NOV_MEASURED - H);
}

#[test]
fn overlapping_outages_are_merged() {
    let table: [(&[(&str, &str)], i64); 4] = [
        (
            &[
                ("2026-11-10 10:00", "2026-11-10 12:00"),
                ("2026-11-10 11:00", "2026-11-10 13:00"),
            ],
            3 * H,
        ),
        (
            &[
                ("2026-11-10 10:00", "2026-11-10 12:00"),
                ("2026-11-10 10:00", "2026-11-10 12:00"),
            ],
            2 * H,
        ),
        (
            &[
                ("2026-11-10 10:00", "2026-11-10 14:00"),
                ("2026-11-10 11:00", "2026-11-10 12:00"),
                ("2026-11-10 14:00", "2026-11-10 15:00"),
            ],
            5 * H,
        ),
        (
            &[
                ("2026-11-10 10:00", "2026-11-10 11:00"),
                ("2026-11-10 12:00", "2026-11-10 13:00"),
            ],
            2 * H,
        ),
    ];
    for (outages, counted) in table {
        let outages: Vec<Outage> = outages.iter().map(|(a, b)| outage(a, b)).collect();
        let a = whole_month(2026, 11, &[], &outages);
        assert_eq!(a.counted_downtime_seconds, counted, "{outages:?}");
    }
}

#[test]
fn an_open_outage_lasts_until_now_and_a_month_in_progress_until_now() {
    let (a, b) = month(2026, 11);
    let now = s("2026-11-20 12:00");
    let open = Outage {
        start: s("2026-11-20 10:00"),
        end: None,
        cause: None,
    };
    let r = monthly_availability(
        sw1(),
        a,
        b,
        now,
        &AvailabilityRules::default(),
        &[],
        &[open],
    );
    // 19 days and 12 hours; windows on the 1st to the 20th.
    assert_eq!(r.period_seconds, 19 * 86_400 + 12 * H);
    assert_eq!(r.excluded_window_seconds, 20 * 3 * H);
    assert_eq!(r.measured_seconds, r.period_seconds - 60 * H);
    assert_eq!(r.counted_downtime_seconds, 2 * H);
    assert_eq!(
        r.allowed_downtime_seconds,
        r.measured_seconds * 5 / 1000,
        "the budget so far"
    );
    // Now inside today's window: the window counts until now.
    let r = monthly_availability(
        sw1(),
        a,
        b,
        s("2026-11-20 02:30"),
        &AvailabilityRules::default(),
        &[],
        &[],
    );
    assert_eq!(r.excluded_window_seconds, 19 * 3 * H + 90 * 60);
    // An outage recorded as ending after now is cut at now.
    let r = monthly_availability(
        sw1(),
        a,
        b,
        now,
        &AvailabilityRules::default(),
        &[],
        &[Outage {
            end: Some(s("2026-11-20 18:00")),
            ..open
        }],
    );
    assert_eq!(r.counted_downtime_seconds, 2 * H);
    // Before the month: nothing measured, availability is whole.
    let r = monthly_availability(
        sw1(),
        a,
        b,
        a - 1,
        &AvailabilityRules::default(),
        &[],
        &[open],
    );
    assert_eq!(r.period_seconds, 0);
    assert_eq!(r.availability_ppm, 1_000_000);
    assert!(r.holds);
}

#[test]
fn dst_months_have_a_short_and_a_long_window() {
    let cal = sw1();
    let w = MaintenanceWindow::DEFAULT;
    let day = |d: &str| (s(&format!("{d} 00:00")), s(&format!("{d} 23:59")));
    let (a, b) = day("2026-03-29");
    assert_eq!(
        w.intervals(cal, a, b),
        vec![(s("2026-03-29 01:00"), s("2026-03-29 04:00"))]
    );
    assert_eq!(s("2026-03-29 04:00") - s("2026-03-29 01:00"), 2 * H);
    let (a, b) = day("2026-10-25");
    let iv = w.intervals(cal, a, b);
    assert_eq!(iv.len(), 1);
    assert_eq!(iv[0].1 - iv[0].0, 4 * H);
    assert_eq!(
        iv[0],
        (
            "2026-10-24T23:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_second(),
            "2026-10-25T03:00:00Z"
                .parse::<Timestamp>()
                .unwrap()
                .as_second()
        )
    );

    let march = whole_month(2026, 3, &[], &[]);
    assert_eq!(march.period_seconds, 31 * 86_400 - H);
    assert_eq!(march.excluded_window_seconds, (30 * 3 + 2) * H);
    let october = whole_month(2026, 10, &[], &[]);
    assert_eq!(october.period_seconds, 31 * 86_400 + H);
    assert_eq!(october.excluded_window_seconds, (30 * 3 + 4) * H);
    assert_eq!(october.measured_seconds, 31 * 86_400 + H - 94 * H);

    // An outage 00:00–05:00 on the change days: 1 h before and 1 h after the window.
    let m = whole_month(
        2026,
        3,
        &[],
        &[outage("2026-03-29 00:00", "2026-03-29 05:00")],
    );
    assert_eq!(m.counted_downtime_seconds, 2 * H);
    let o = whole_month(
        2026,
        10,
        &[],
        &[outage("2026-10-25 00:00", "2026-10-25 05:00")],
    );
    assert_eq!(o.counted_downtime_seconds, 2 * H);
}

#[test]
fn an_outage_across_a_month_end_is_split() {
    let o = outage("2026-11-30 23:00", "2026-12-01 05:00");
    let nov = whole_month(2026, 11, &[], &[o]);
    let dec = whole_month(2026, 12, &[], &[o]);
    assert_eq!(nov.counted_downtime_seconds, H);
    // 00:00–01:00 and 04:00–05:00; 01:00–04:00 is the window.
    assert_eq!(dec.counted_downtime_seconds, 2 * H);
    // Planned maintenance across the month end, announced in time, is split likewise.
    let p = PlannedMaintenance {
        start: s("2026-11-30 20:00"),
        end: s("2026-12-01 02:00"),
        announced_at: s("2026-11-02 09:00"),
    };
    assert_eq!(
        whole_month(2026, 11, &[p], &[]).excluded_planned_seconds,
        4 * H
    );
    assert_eq!(whole_month(2026, 12, &[p], &[]).excluded_planned_seconds, H);
}

#[test]
fn rules_from_the_standard_policy_are_the_defaults() {
    assert_eq!(
        AvailabilityRules::from(&policy().availability),
        AvailabilityRules::default()
    );
    assert_eq!(
        MaintenanceWindow::DEFAULT,
        "01:00-04:00".parse::<MaintenanceWindow>().unwrap()
    );
    assert_eq!(MaintenanceWindow::DEFAULT.to_string(), "01:00-04:00");
    assert_eq!(MaintenanceWindow::default().start(), 3600);
    assert_eq!(MaintenanceWindow::default().end(), 4 * 3600);
    assert!(MaintenanceWindow::new(0, 86_400).is_ok());
    assert!(MaintenanceWindow::new(0, 86_401).is_err());
    assert!(MaintenanceWindow::new(4 * 3600, 3600).is_err());
    assert!(MaintenanceWindow::new(3600, 3600).is_err());
}

#[test]
fn excluded_causes_have_stable_keys_and_labels() {
    let keys: Vec<&str> = ExcludedCause::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        keys,
        [
            "third_party_telecom",
            "customer_misconfiguration",
            "customer_premises",
            "force_majeure"
        ]
    );
    for &c in ExcludedCause::ALL {
        assert_eq!(c.as_str().parse::<ExcludedCause>().unwrap(), c);
        assert_eq!(c.to_string(), c.as_str());
        assert!(!c.label(Lang::Nl).is_empty());
        assert_ne!(c.label(Lang::Nl), c.label(Lang::En));
    }
    assert_eq!(ExcludedCause::ForceMajeure.label(Lang::Nl), "overmacht");
    assert_eq!(ExcludedCause::ForceMajeure.label(Lang::En), "force majeure");
    let err = "weather".parse::<ExcludedCause>().unwrap_err().to_string();
    assert!(err.contains("third_party_telecom"), "{err}");
    // The same type as the policy file's list.
    assert_eq!(
        policy().availability.excluded_causes,
        ExcludedCause::ALL.to_vec()
    );
}

#[test]
fn minute_and_local_hour_buckets() {
    assert_eq!(MinuteBucket::of(125).start(), 120);
    assert_eq!(MinuteBucket::of(-1).start(), -60);
    assert_eq!(MinuteBucket::of(60), MinuteBucket(60));
    let cal = sw1();
    let utc = |t: &str| t.parse::<Timestamp>().unwrap().as_second();
    // 25 October 2026: 02:00–03:00 local happens twice.
    let first = HourBucket::of(cal, utc("2026-10-25T00:30:00Z"));
    let second = HourBucket::of(cal, utc("2026-10-25T01:30:00Z"));
    assert_eq!(first.start, utc("2026-10-25T00:00:00Z"));
    assert_eq!(second.start, utc("2026-10-25T01:00:00Z"));
    assert_eq!(first.label(), "2026-10-25 02+02:00");
    assert_eq!(second.label(), "2026-10-25 02+01:00");
    assert_ne!(first, second);
    // 29 March 2026: 02:00 local does not exist; 01:59 CET is followed by 03:00 CEST.
    let before = HourBucket::of(cal, utc("2026-03-29T00:59:59Z"));
    let after = HourBucket::of(cal, utc("2026-03-29T01:00:00Z"));
    assert_eq!(before.label(), "2026-03-29 01+01:00");
    assert_eq!(after.label(), "2026-03-29 03+02:00");
    assert_eq!(after.start - before.start, H);
    assert_eq!(after.to_string(), after.label());
    // Every instant of an ordinary hour shares its bucket.
    let h = s("2026-11-10 14:00");
    for t in [h, h + 1, h + 1799, h + 3599] {
        assert_eq!(HourBucket::of(cal, t).start, h);
    }
    assert_eq!(HourBucket::of(cal, h + 3600).start, h + 3600);
}

// ----- Brute force -------------------------------------------------------------------------

const MINUTES: i64 = 3 * 1440;

#[derive(Debug, Clone)]
struct Case {
    from: i64,
    now: i64,
    rules: AvailabilityRules,
    planned: Vec<PlannedMaintenance>,
    outages: Vec<Outage>,
}

fn cause() -> impl Strategy<Value = Option<ExcludedCause>> {
    prop_oneof![
        2 => Just(None),
        1 => prop::sample::select(ExcludedCause::ALL.to_vec()).prop_map(Some),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    // A 3-day span starting at some local midnight or random minute in 2026, often around
    // the DST changes (28/29 March and 24/25 October).
    let from = prop_oneof![
        Just(s("2026-03-28 00:00")),
        Just(s("2026-10-24 00:00")),
        Just(s("2026-10-23 17:00")),
        (0i64..365 * 1440).prop_map(|m| s("2026-01-01 00:00") + m * 60),
    ];
    let minute = 0i64..MINUTES + 120;
    let outage = (
        minute.clone(),
        0i64..900,
        prop::bool::weighted(0.15),
        cause(),
    );
    let planned = (minute.clone(), 0i64..600, 0i64..10 * 1440);
    (
        from,
        prop_oneof![Just(MINUTES + 60), 0i64..MINUTES + 60],
        prop::collection::vec(outage, 0..8),
        prop::collection::vec(planned, 0..3),
        prop::sample::subsequence(ExcludedCause::ALL.to_vec(), 0..=4),
        prop_oneof![Just(995_000u32), 0u32..=1_000_000],
    )
        .prop_map(move |(from, now, outages, planned, causes, target)| {
            // Intervals may start up to an hour before the span.
            let at = |m: i64| from - 3600 + m * 60;
            Case {
                from,
                now: from + now * 60,
                rules: AvailabilityRules {
                    target_ppm: target,
                    excluded_causes: causes,
                    ..AvailabilityRules::default()
                },
                planned: planned
                    .into_iter()
                    .map(|(m, len, ahead)| PlannedMaintenance {
                        start: at(m),
                        end: at(m + len),
                        announced_at: at(m) - ahead * 60,
                    })
                    .collect(),
                outages: outages
                    .into_iter()
                    .map(|(m, len, open, cause)| Outage {
                        start: at(m),
                        end: (!open).then_some(at(m + len)),
                        cause,
                    })
                    .collect(),
            }
        })
}

/// Classifies every minute of the span on its own, with jiff for local time.
fn brute_force(c: &Case) -> Availability {
    let tz = TimeZone::get("Europe/Amsterdam").unwrap();
    let to = (c.from + MINUTES * 60).min(c.now);
    let inside = |t: i64, a: i64, b: i64| a <= t && t < b;
    let mut r = Availability {
        period_seconds: 0,
        measured_seconds: 0,
        excluded_seconds: 0,
        excluded_window_seconds: 0,
        excluded_planned_seconds: 0,
        excluded_by_cause: [
            (ExcludedCause::ThirdPartyTelecom, 0),
            (ExcludedCause::CustomerMisconfiguration, 0),
            (ExcludedCause::CustomerPremises, 0),
            (ExcludedCause::ForceMajeure, 0),
        ],
        counted_downtime_seconds: 0,
        allowed_downtime_seconds: 0,
        remaining_downtime_seconds: 0,
        availability_ppm: 0,
        target_ppm: c.rules.target_ppm,
        holds: false,
    };
    let mut t = c.from;
    while t < to {
        r.period_seconds += 60;
        let hour = tz.to_datetime(Timestamp::from_second(t).unwrap()).hour();
        let in_window = (1..4).contains(&hour);
        let in_planned = |given: bool| {
            c.planned.iter().any(|p| {
                inside(t, p.start, p.end)
                    && notice_given(sw1(), p.announced_at, p.start, &c.rules.notice) == given
            })
        };
        let in_outage = |cause: Option<ExcludedCause>| {
            c.outages
                .iter()
                .any(|o| o.cause == cause && inside(t, o.start, o.end.unwrap_or(c.now)))
        };
        let cause = ExcludedCause::ALL
            .iter()
            .position(|&k| c.rules.excluded_causes.contains(&k) && in_outage(Some(k)));
        if in_window {
            r.excluded_window_seconds += 60;
        } else if in_planned(true) {
            r.excluded_planned_seconds += 60;
        } else if let Some(i) = cause {
            r.excluded_by_cause[i].1 += 60;
        } else {
            r.measured_seconds += 60;
            let not_excluded_cause = ExcludedCause::ALL
                .iter()
                .any(|&k| !c.rules.excluded_causes.contains(&k) && in_outage(Some(k)));
            if in_outage(None) || not_excluded_cause || in_planned(false) {
                r.counted_downtime_seconds += 60;
            }
        }
        t += 60;
    }
    r.excluded_seconds = r.period_seconds - r.measured_seconds;
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn agrees_with_minute_by_minute_classification(c in case()) {
        let got = monthly_availability(
            sw1(), c.from, c.from + MINUTES * 60, c.now, &c.rules, &c.planned, &c.outages,
        );
        let want = brute_force(&c);
        prop_assert_eq!(got.period_seconds, want.period_seconds);
        prop_assert_eq!(got.excluded_window_seconds, want.excluded_window_seconds);
        prop_assert_eq!(got.excluded_planned_seconds, want.excluded_planned_seconds);
        prop_assert_eq!(got.excluded_by_cause, want.excluded_by_cause);
        prop_assert_eq!(got.excluded_seconds, want.excluded_seconds);
        prop_assert_eq!(got.measured_seconds, want.measured_seconds);
        prop_assert_eq!(got.counted_downtime_seconds, want.counted_downtime_seconds);
        // The derived figures, checked against their definitions with wide integers.
        let (m, d, t) = (
            u128::try_from(got.measured_seconds).unwrap(),
            u128::try_from(got.counted_downtime_seconds).unwrap(),
            u128::from(c.rules.target_ppm),
        );
        let allowed = m * (1_000_000 - t) / 1_000_000;
        prop_assert_eq!(u128::try_from(got.allowed_downtime_seconds).unwrap(), allowed);
        prop_assert_eq!(got.remaining_downtime_seconds, got.allowed_downtime_seconds - got.counted_downtime_seconds);
        let ppm = ((m - d) * 1_000_000).checked_div(m).unwrap_or(1_000_000);
        prop_assert_eq!(u128::from(got.availability_ppm), ppm);
        prop_assert_eq!(got.holds, d <= allowed);
        prop_assert_eq!(got.holds, got.availability_ppm >= c.rules.target_ppm);
    }

    #[test]
    fn splitting_the_span_splits_every_figure(c in case(), cut in 0i64..=MINUTES) {
        let cut = c.from + cut * 60;
        let end = c.from + MINUTES * 60;
        let f = |a: i64, b: i64| {
            monthly_availability(sw1(), a, b, c.now, &c.rules, &c.planned, &c.outages)
        };
        let (whole, left, right) = (f(c.from, end), f(c.from, cut), f(cut, end));
        prop_assert_eq!(whole.period_seconds, left.period_seconds + right.period_seconds);
        prop_assert_eq!(whole.measured_seconds, left.measured_seconds + right.measured_seconds);
        prop_assert_eq!(
            whole.counted_downtime_seconds,
            left.counted_downtime_seconds + right.counted_downtime_seconds
        );
        prop_assert_eq!(
            whole.excluded_window_seconds,
            left.excluded_window_seconds + right.excluded_window_seconds
        );
    }
}

#[test]
fn the_window_equals_local_hours_one_to_four_over_years_of_days() {
    // Every day of 2020–2030 at minute resolution around the window: the UTC intervals hold
    // exactly the instants whose local hour is 1, 2 or 3.
    let tz = TimeZone::get("Europe/Amsterdam").unwrap();
    let cal = sw1();
    let mut day = jiff::civil::date(2020, 1, 1);
    while day.year() < 2031 {
        let midnight = tz.to_timestamp(day.at(0, 0, 0, 0)).unwrap().as_second();
        let next = tz
            .to_timestamp(day.checked_add(1.day()).unwrap().at(0, 0, 0, 0))
            .unwrap()
            .as_second();
        let iv = MaintenanceWindow::DEFAULT.intervals(cal, midnight, next);
        assert_eq!(iv.len(), 1, "{day}");
        let len = iv[0].1 - iv[0].0;
        let expected = (midnight..next)
            .step_by(600)
            .filter(|&t| {
                (1..4).contains(&tz.to_datetime(Timestamp::from_second(t).unwrap()).hour())
            })
            .count() as i64
            * 600;
        assert_eq!(len, expected, "{day}");
        day = day.checked_add(1.day()).unwrap();
    }
}

// ----- Outage detector ---------------------------------------------------------------------

fn run(det: &mut OutageDetector, probes: &[(i64, bool)]) -> Vec<DetectorEvent> {
    probes
        .iter()
        .filter_map(|&(at, ok)| det.feed(at, ok))
        .collect()
}

fn probes(pattern: &str) -> Vec<(i64, bool)> {
    // '.' good, 'x' failed, one probe a minute.
    pattern
        .chars()
        .enumerate()
        .map(|(i, ch)| (i as i64 * 60, ch == '.'))
        .collect()
}

#[test]
fn detector_thresholds() {
    use DetectorEvent::{Closed, Opened};
    // (fail_after, recover_after, pattern, events as minute numbers)
    let table: [(u32, u32, &str, &[DetectorEvent]); 8] = [
        (
            3,
            2,
            "..xx.xxx..",
            &[Opened { at: 5 * 60 }, Closed { at: 8 * 60 }],
        ),
        (3, 2, "xx.xx.xx.", &[]),
        (3, 2, "xxx.x..", &[Opened { at: 0 }, Closed { at: 5 * 60 }]),
        (3, 2, "xxx.x.", &[Opened { at: 0 }]),
        (
            1,
            1,
            "x.x",
            &[Opened { at: 0 }, Closed { at: 60 }, Opened { at: 120 }],
        ),
        (0, 0, "x.", &[Opened { at: 0 }, Closed { at: 60 }]),
        (
            2,
            3,
            "xxxxx...xx",
            &[
                Opened { at: 0 },
                Closed { at: 5 * 60 },
                Opened { at: 8 * 60 },
            ],
        ),
        // Flapping with good runs of 2 against recover_after 3 never closes.
        (2, 3, "xx..x..x..x", &[Opened { at: 0 }]),
    ];
    for (n, m, pattern, events) in table {
        let mut det = OutageDetector::new(n, m);
        assert_eq!(run(&mut det, &probes(pattern)), events, "{n}/{m} {pattern}");
    }
}

#[test]
fn detector_state_getters() {
    let mut det = OutageDetector::new(3, 2);
    det.feed(0, false);
    det.feed(60, false);
    assert_eq!(det.consecutive_failures(), 2);
    assert_eq!(det.first_failure_at(), Some(0));
    assert_eq!(det.open_since(), None);
    assert_eq!(det.feed(120, false), Some(DetectorEvent::Opened { at: 0 }));
    assert_eq!(det.open_since(), Some(0));
    assert_eq!(det.consecutive_failures(), 0);
    det.feed(180, true);
    assert_eq!(det.consecutive_good(), 1);
    assert_eq!(det.first_good_at(), Some(180));
    assert_eq!(
        det.state(),
        DetectorState {
            consecutive_failures: 0,
            first_failure_at: None,
            consecutive_good: 1,
            first_good_at: Some(180),
            open_since: Some(0),
        }
    );
    assert_eq!((det.fail_after(), det.recover_after()), (3, 2));
}

/// The detector's rule by runs of equal results: a run of at least N failures while up opens
/// at its first probe; a run of at least M good probes while down closes at its first.
fn reference_events(probes: &[(i64, bool)], n: u32, m: u32) -> Vec<DetectorEvent> {
    let (n, m) = (n.max(1) as usize, m.max(1) as usize);
    let mut events = Vec::new();
    let mut down = false;
    let mut i = 0;
    while i < probes.len() {
        let ok = probes[i].1;
        let len = probes[i..].iter().take_while(|p| p.1 == ok).count();
        if !down && !ok && len >= n {
            events.push(DetectorEvent::Opened { at: probes[i].0 });
            down = true;
        } else if down && ok && len >= m {
            events.push(DetectorEvent::Closed { at: probes[i].0 });
            down = false;
        }
        i += len;
    }
    events
}

fn probe_run() -> impl Strategy<Value = Vec<(i64, bool)>> {
    prop::collection::vec((1i64..300, prop::bool::weighted(0.6)), 0..200).prop_map(|v| {
        let mut t = 1_800_000_000;
        v.into_iter()
            .map(|(gap, ok)| {
                t += gap;
                (t, ok)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn detector_matches_the_run_rule(p in probe_run(), n in 0u32..6, m in 0u32..6) {
        let mut det = OutageDetector::new(n, m);
        prop_assert_eq!(run(&mut det, &p), reference_events(&p, n, m));
    }

    #[test]
    fn restoring_persisted_state_changes_nothing(
        p in probe_run(), n in 1u32..6, m in 1u32..6, cuts in prop::collection::vec(0usize..200, 0..4),
    ) {
        let mut whole = OutageDetector::new(n, m);
        let want = run(&mut whole, &p);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(p.len())).collect();
        cuts.sort_unstable();
        cuts.push(p.len());
        let mut got = Vec::new();
        let mut state = DetectorState::default();
        let mut from = 0;
        for cut in cuts {
            let mut det = OutageDetector::restore(n, m, state);
            got.extend(run(&mut det, &p[from..cut]));
            state = det.state();
            from = cut;
        }
        prop_assert_eq!(got, want);
        prop_assert_eq!(state, whole.state());
    }
}
