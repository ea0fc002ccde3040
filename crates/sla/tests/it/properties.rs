//! Property tests of business time: deadline and elapsed are inverse, monotonic, additive,
//! and agree with a slow day-by-day reference built on jiff, DST days included.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use proptest::prelude::*;

use crate::support::sw1;

const DAY: i64 = 86_400;

/// Business seconds in `[from, to)` by walking local days with jiff: the reference.
fn reference_elapsed(from: i64, to: i64) -> i64 {
    let tz = TimeZone::get("Europe/Amsterdam").unwrap();
    let holidays = sla::HolidayRules::default();
    let mut date: Date = tz.to_datetime(Timestamp::from_second(from).unwrap()).date();
    date = date.yesterday().unwrap();
    let last: Date = tz.to_datetime(Timestamp::from_second(to).unwrap()).date();
    let mut total = 0;
    while date <= last {
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        let holiday = holidays
            .holidays(date.year())
            .iter()
            .any(|h| h.date == date);
        if !weekend && !holiday {
            let open = tz.to_timestamp(date.at(9, 0, 0, 0)).unwrap().as_second();
            let close = tz.to_timestamp(date.at(17, 30, 0, 0)).unwrap().as_second();
            total += (close.min(to) - open.max(from)).max(0);
        }
        date = date.checked_add(Span::new().days(1)).unwrap();
    }
    total
}

fn instant() -> impl Strategy<Value = i64> {
    // 1990..2100, plus a bias towards DST change weeks.
    let lo = Timestamp::from_second(631_152_000).unwrap().as_second();
    let hi = 4_102_444_800i64;
    prop_oneof![
        3 => lo..hi,
        1 => (1990i16..2100, prop::bool::ANY, 0i64..7 * DAY).prop_map(|(y, spring, off)| {
            let month = if spring { 3 } else { 10 };
            let d = Date::new(y, month, 25).unwrap();
            let tz = TimeZone::get("Europe/Amsterdam").unwrap();
            tz.to_timestamp(d.at(0, 0, 0, 0)).unwrap().as_second() + off
        }),
    ]
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        0i64..4 * 3600,
        0i64..30 * 30_600,
        Just(30_600),
        Just(4 * 3600)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn deadline_and_elapsed_are_inverse(s in instant(), d in duration()) {
        let cal = sw1();
        let cs = cal.clock_start_second(s).unwrap();
        let t = cal.deadline_second(s, d).unwrap();
        prop_assert_eq!(cal.elapsed_seconds(cs, t).unwrap(), d);
        prop_assert_eq!(cal.elapsed_seconds(s, t).unwrap(), d);
        if d > 0 {
            // Earliest: one second before, less business time has passed.
            prop_assert_eq!(cal.elapsed_seconds(cs, t - 1).unwrap(), d - 1);
        } else {
            prop_assert_eq!(t, cs);
        }
    }

    #[test]
    fn deadline_is_monotonic_in_start_and_duration(s in instant(), ds in 0i64..3600, d in duration(), dd in 0i64..100_000) {
        let cal = sw1();
        prop_assert!(cal.deadline_second(s, d).unwrap() <= cal.deadline_second(s, d + dd).unwrap());
        prop_assert!(cal.deadline_second(s, d).unwrap() <= cal.deadline_second(s + ds, d).unwrap());
    }

    #[test]
    fn deadline_is_additive_for_positive_durations(s in instant(), a in 1i64..200_000, b in 1i64..200_000) {
        let cal = sw1();
        let first = cal.deadline_second(s, a).unwrap();
        prop_assert_eq!(cal.deadline_second(s, a + b).unwrap(), cal.deadline_second(first, b).unwrap());
    }

    #[test]
    fn elapsed_is_additive(a in instant(), x in 0i64..40 * DAY, y in 0i64..40 * DAY) {
        let cal = sw1();
        let (b, c) = (a + x, a + x + y);
        prop_assert_eq!(
            cal.elapsed_seconds(a, b).unwrap() + cal.elapsed_seconds(b, c).unwrap(),
            cal.elapsed_seconds(a, c).unwrap()
        );
    }

    #[test]
    fn elapsed_agrees_with_the_day_by_day_reference(a in instant(), x in 0i64..20 * DAY) {
        prop_assert_eq!(sw1().elapsed_seconds(a, a + x).unwrap(), reference_elapsed(a, a + x));
    }

    #[test]
    fn deadlines_lie_inside_a_window_or_at_its_end(s in instant(), d in duration()) {
        let cal = sw1();
        let t = cal.deadline_second(s, d).unwrap();
        let open = cal.is_open(Timestamp::from_second(t).unwrap()).unwrap();
        let at_end = d > 0 && cal.is_open(Timestamp::from_second(t - 1).unwrap()).unwrap();
        prop_assert!(open || at_end);
    }

    #[test]
    fn local_time_round_trips_outside_gaps(s in instant()) {
        let cal = sw1();
        let local = cal.utc_to_local(s);
        prop_assert_eq!(cal.local_to_utc(local) <= s, true);
        let tz = TimeZone::get("Europe/Amsterdam").unwrap();
        prop_assert_eq!(cal.offset_at_second(s), tz.to_offset(Timestamp::from_second(s).unwrap()).seconds());
    }
}

/// Weeks and months by jiff's zoned arithmetic, moved forward to the next opening: the reference.
fn reference_span(cal: &sla::Calendar, start: i64, weeks: bool, n: i32) -> i64 {
    let tz = TimeZone::get("Europe/Amsterdam").unwrap();
    let cs = cal.clock_start_second(start).unwrap();
    let z = Timestamp::from_second(cs).unwrap().to_zoned_datetime(tz);
    let span = if weeks {
        Span::new().weeks(n)
    } else {
        Span::new().months(n)
    };
    let end = z.checked_add(span).unwrap().timestamp().as_second();
    cal.clock_start_second(end).unwrap()
}

fn around_the_clock() -> sla::Calendar {
    // Windows across the night, so local-time shortcuts meet DST gaps and folds.
    let mut spec = sla::CalendarSpec::service_window_1();
    spec.weekly = std::array::from_fn(|d| {
        if d == 6 {
            vec![]
        } else {
            vec![
                "01:30-03:30".parse().unwrap(),
                "09:00-17:30".parse().unwrap(),
            ]
        }
    });
    sla::Calendar::new(spec).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn weeks_and_months_agree_with_zoned_arithmetic(s in instant(), weeks in prop::bool::ANY, n in 1u32..4) {
        let d = if weeks { sla::PolicyDuration::Weeks(n) } else { sla::PolicyDuration::Months(n) };
        prop_assert_eq!(sw1().due_second(s, &d).unwrap(), reference_span(sw1(), s, weeks, n as i32));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn weeks_and_months_agree_across_dst_nights(s in instant(), weeks in prop::bool::ANY, n in 1u32..3) {
        use std::sync::OnceLock;
        static CAL: OnceLock<sla::Calendar> = OnceLock::new();
        let cal = CAL.get_or_init(around_the_clock);
        let d = if weeks { sla::PolicyDuration::Weeks(n) } else { sla::PolicyDuration::Months(n) };
        prop_assert_eq!(cal.due_second(s, &d).unwrap(), reference_span(cal, s, weeks, n as i32));
    }
}
