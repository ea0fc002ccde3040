//! SLA-RULES §4 compliance: percentile bounds per period, the month-assignment rule,
//! and the budget of misses left.

use sla::{
    Bound, Compliance, EventKind, Month, Outcome, Percent, PolicyDuration, Priority, TicketEvent,
    TicketKind,
};

use crate::support::{H, ams, at, local, policy, sw1};

fn bound(bp: u32) -> Bound {
    Bound {
        percent: Percent::from_basis_points(bp).unwrap(),
        within: PolicyDuration::Business(4 * H),
    }
}

#[test]
fn a_percentile_bound_holds_when_at_least_that_share_met_it() {
    let c = Compliance::from_counts(bound(9000), 9, 1);
    assert!(c.holds);
    assert_eq!((c.counted, c.share_basis_points()), (10, Some(9000)));
    let c = Compliance::from_counts(bound(9000), 8, 2);
    assert!(!c.holds);
    assert_eq!(c.budget, 0);
}

#[test]
fn a_hundred_percent_bound_means_none_missed() {
    assert!(Compliance::from_counts(bound(10_000), 500, 0).holds);
    assert!(!Compliance::from_counts(bound(10_000), 500, 1).holds);
    assert_eq!(Compliance::from_counts(bound(10_000), 500, 0).budget, 0);
}

#[test]
fn the_budget_is_how_many_more_may_miss_before_the_bound_fails() {
    // 18 met, 1 missed: one more miss gives 18/20 = 90% (holds); two more give 18/21 (fails).
    let c = Compliance::from_counts(bound(9000), 18, 1);
    assert_eq!(c.budget, 1);
    assert!(Compliance::from_counts(bound(9000), 18, 1 + c.budget).holds);
    assert!(!Compliance::from_counts(bound(9000), 18, 2 + c.budget).holds);
    // Checked against the definition for many counts.
    for met in 0..60u32 {
        for missed in 0..12u32 {
            let c = Compliance::from_counts(bound(9000), met, missed);
            assert_eq!(c.holds, met * 10 >= 9 * (met + missed), "{met}/{missed}");
            if c.holds {
                assert!(Compliance::from_counts(bound(9000), met, missed + c.budget).holds);
                assert!(!Compliance::from_counts(bound(9000), met, missed + c.budget + 1).holds);
            }
        }
    }
}

#[test]
fn nothing_counted_holds_vacuously_and_one_miss_would_fail_it() {
    let c = Compliance::from_counts(bound(9000), 0, 0);
    assert!(c.holds);
    assert_eq!(c.share_basis_points(), None);
    assert_eq!(c.budget, 0);
}

#[test]
fn months_are_local_calendar_months_across_dst() {
    let oct = Month::new(2026, 10).unwrap();
    let (start, end) = oct.span(sw1()).unwrap();
    assert_eq!(start, at("2026-09-30T22:00:00Z")); // 1 Oct 00:00 CEST
    assert_eq!(end, at("2026-10-31T23:00:00Z")); // 1 Nov 00:00 CET
    assert_eq!("2026-10".parse::<Month>(), Ok(oct));
    assert!("2026-13".parse::<Month>().is_err());
    assert_eq!(
        Month::new(2026, 12).unwrap().next(),
        Month::new(2027, 1).unwrap()
    );
}

#[test]
fn outcomes_count_in_the_month_they_were_decided() {
    let oct = Month::new(2026, 10).unwrap().span(sw1()).unwrap();
    let nov = Month::new(2026, 11).unwrap().span(sw1()).unwrap();
    let outcomes = [
        Outcome::Met {
            at: ams("2026-10-31 23:30"),
        }, // late on 31 Oct local: October
        Outcome::Met {
            at: ams("2026-11-01 00:30"),
        }, // 31 Oct 23:30 UTC, but November locally
        Outcome::Missed {
            at: ams("2026-10-30 13:00"),
        }, // deadline passed in October
        Outcome::Running,
    ];
    let c = Compliance::tally(bound(9000), &outcomes, oct);
    assert_eq!((c.met, c.missed), (1, 1));
    let c = Compliance::tally(bound(9000), &outcomes, nov);
    assert_eq!((c.met, c.missed), (1, 0));
}

fn ticket(filed: &str, resolved: Option<&str>, p: Priority) -> Vec<TicketEvent> {
    let mut events = vec![TicketEvent {
        at: ams(filed),
        kind: EventKind::Created {
            kind: TicketKind::Incident,
            priority: Some(p),
        },
    }];
    if let Some(r) = resolved {
        events.push(TicketEvent {
            at: ams(r),
            kind: EventKind::Resolved,
        });
    }
    events
}

#[test]
fn a_missed_ticket_counts_once_in_the_month_its_deadline_passed() {
    // Urgent filed Friday 30 Oct 2026 16:00: 90% deadline Monday 2 Nov 11:30; resolved 3 Nov.
    let t = ticket(
        "2026-10-30 16:00",
        Some("2026-11-03 10:00"),
        Priority::Urgent,
    );
    let c = sla::compute(&t, policy(), sw1(), ams("2026-12-15 12:00")).unwrap();
    assert_eq!(local(c.targets[0].deadline.unwrap()), "2026-11-02 11:30:00");
    // Urgent filed Thursday 29 Oct 15:00: deadline Friday 30 Oct 10:30; resolved 2 Nov, so missed
    // and counted in October only.
    let late_oct = ticket(
        "2026-10-29 15:00",
        Some("2026-11-02 10:00"),
        Priority::Urgent,
    );
    let d = sla::compute(&late_oct, policy(), sw1(), ams("2026-12-15 12:00")).unwrap();
    assert_eq!(local(d.targets[0].deadline.unwrap()), "2026-10-30 10:30:00");
    let all = [c, d];
    for (month, urgent90) in [
        ((2026, 10), (0, 1)),
        ((2026, 11), (0, 1)),
        ((2026, 12), (0, 0)),
    ] {
        let span = Month::new(month.0, month.1).unwrap().span(sw1()).unwrap();
        let lines = sla::monthly(policy(), &all, span);
        let (_, c) = lines
            .iter()
            .find(|(k, _)| {
                k.kind == TicketKind::Incident
                    && k.priority == Some(Priority::Urgent)
                    && k.bound == 0
            })
            .unwrap();
        assert_eq!((c.met, c.missed), urgent90, "{month:?}");
    }
}

#[test]
fn monthly_compliance_matches_an_independent_count() {
    // A deterministic mix of tickets over three months; the expectation is counted here
    // straight from each ticket's resolution instant and deadline.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut tickets = Vec::new();
    let start = ams("2026-09-01 00:00").as_second();
    for _ in 0..400 {
        let filed = start + next(80 * 86_400) as i64;
        let p = Priority::ALL[next(4) as usize];
        let mut events = vec![TicketEvent {
            at: jiff::Timestamp::from_second(filed).unwrap(),
            kind: EventKind::Created {
                kind: TicketKind::Incident,
                priority: Some(p),
            },
        }];
        if next(10) > 0 {
            let r = filed + 60 + next(10 * 86_400) as i64;
            events.push(TicketEvent {
                at: jiff::Timestamp::from_second(r).unwrap(),
                kind: EventKind::Resolved,
            });
        }
        tickets.push(events);
    }
    let now = ams("2026-12-20 12:00");
    let clocks: Vec<_> = tickets
        .iter()
        .map(|t| sla::compute(t, policy(), sw1(), now).unwrap())
        .collect();
    let nov = Month::new(2026, 11).unwrap().span(sw1()).unwrap();
    let lines = sla::monthly(policy(), &clocks, nov);
    for (key, got) in lines.iter().filter(|(k, _)| k.kind == TicketKind::Incident) {
        let (mut met, mut missed) = (0, 0);
        for (events, c) in tickets.iter().zip(&clocks) {
            if c.priority != key.priority {
                continue;
            }
            let deadline = sw1().due(events[0].at, &got.bound.within).unwrap();
            let resolved = events.get(1).map(|e| e.at);
            match resolved {
                Some(r) if r <= deadline && r >= nov.0 && r < nov.1 => met += 1,
                Some(r) if r > deadline && deadline >= nov.0 && deadline < nov.1 => missed += 1,
                None if deadline < now && deadline >= nov.0 && deadline < nov.1 => missed += 1,
                _ => {}
            }
        }
        assert_eq!((got.met, got.missed), (met, missed), "{key:?}");
        assert!(got.counted > 0, "the generated set exercises {key:?}");
    }
}
