//! SLA-RULES §3–§4 for ticket clocks: targets per kind and priority, resolution time,
//! reopening, pausing, priority changes and first responses.

use jiff::Timestamp;
use sla::{EventKind, Outcome, Policy, Priority, Status, TicketClocks, TicketEvent, TicketKind};

use crate::support::{ams, local, policy, sw1};

fn ev(at: &str, kind: EventKind) -> TicketEvent {
    TicketEvent { at: ams(at), kind }
}

fn created(at: &str, kind: TicketKind, priority: Option<Priority>) -> TicketEvent {
    ev(at, EventKind::Created { kind, priority })
}

fn incident(at: &str, p: Priority) -> TicketEvent {
    created(at, TicketKind::Incident, Some(p))
}

fn clocks_with(policy: &Policy, events: &[TicketEvent], now: &str) -> TicketClocks {
    let cal = policy.compile_calendar().unwrap();
    sla::compute(events, policy, &cal, ams(now)).unwrap()
}

fn clocks(events: &[TicketEvent], now: &str) -> TicketClocks {
    sla::compute(events, policy(), sw1(), ams(now)).unwrap()
}

fn deadlines(c: &TicketClocks) -> Vec<String> {
    c.targets
        .iter()
        .map(|t| t.deadline.map(local).unwrap_or_default())
        .collect()
}

fn outcomes(c: &TicketClocks) -> Vec<&'static str> {
    c.targets.iter().map(|t| t.outcome.as_str()).collect()
}

#[test]
fn s4_targets_per_kind_and_priority_from_a_monday_morning() {
    let start = "2026-11-30 09:00";
    let table: [(TicketKind, Option<Priority>, [&str; 2]); 6] = [
        (
            TicketKind::Incident,
            Some(Priority::Urgent),
            ["2026-11-30 13:00:00", "2026-11-30 15:00:00"],
        ),
        (
            TicketKind::Incident,
            Some(Priority::High),
            ["2026-11-30 17:30:00", "2026-12-01 17:30:00"],
        ),
        (
            TicketKind::Incident,
            Some(Priority::Normal),
            ["2026-12-01 17:30:00", "2026-12-02 17:30:00"],
        ),
        (
            TicketKind::Incident,
            Some(Priority::Low),
            ["2026-12-14 09:00:00", "2026-12-30 09:00:00"],
        ),
        (
            TicketKind::Question,
            None,
            ["2026-12-02 17:30:00", "2026-12-04 17:30:00"],
        ),
        (TicketKind::Rfc, None, ["2026-12-14 09:00:00", ""]),
    ];
    for (kind, priority, want) in table {
        let c = clocks(&[created(start, kind, priority)], "2026-11-30 10:00");
        let n = if kind == TicketKind::Rfc { 1 } else { 2 };
        assert_eq!(deadlines(&c), want[..n], "{kind} {priority:?}");
        assert_eq!(outcomes(&c), vec!["running"; n]);
        assert_eq!(
            c.targets
                .iter()
                .map(|t| t.business_used)
                .collect::<Vec<_>>(),
            vec![3600; n]
        );
    }
    let percents: Vec<String> = clocks(&[incident(start, Priority::Urgent)], start)
        .targets
        .iter()
        .map(|t| t.bound.percent.to_string())
        .collect();
    assert_eq!(percents, ["90%", "100%"]);
}

#[test]
fn s4_resolution_time_runs_from_clock_start_to_resolution() {
    // Filed Friday evening, resolved Monday 12:30: 3.5 business hours, both bounds met.
    let c = clocks(
        &[
            incident("2026-11-27 18:15", Priority::Urgent),
            ev("2026-11-30 12:30", EventKind::Resolved),
        ],
        "2026-12-01 12:00",
    );
    assert_eq!(local(c.clock_start), "2026-11-30 09:00:00");
    assert_eq!(outcomes(&c), ["met", "met"]);
    assert_eq!(c.targets[0].business_used, 3 * 3600 + 1800);
    assert_eq!(
        c.targets[0].outcome,
        Outcome::Met {
            at: ams("2026-11-30 12:30")
        }
    );
    // Resolved Monday 14:00: the 90% bound (13:00) missed, the 100% bound (15:00) met.
    let c = clocks(
        &[
            incident("2026-11-27 18:15", Priority::Urgent),
            ev("2026-11-30 14:00", EventKind::Resolved),
        ],
        "2026-12-01 12:00",
    );
    assert_eq!(outcomes(&c), ["missed", "met"]);
    assert_eq!(
        c.targets[0].outcome,
        Outcome::Missed {
            at: ams("2026-11-30 13:00")
        }
    );
}

#[test]
fn s4_resolved_exactly_at_the_deadline_meets_it_one_second_later_misses() {
    let base = incident("2026-11-30 09:00", Priority::Urgent);
    let at_deadline = clocks(
        &[base, ev("2026-11-30 13:00", EventKind::Resolved)],
        "2026-12-01 09:00",
    );
    assert_eq!(at_deadline.targets[0].outcome.as_str(), "met");
    let late = clocks(
        &[base, ev("2026-11-30 13:00:01", EventKind::Resolved)],
        "2026-12-01 09:00",
    );
    assert_eq!(late.targets[0].outcome.as_str(), "missed");
}

#[test]
fn s4_running_until_the_deadline_passes_unresolved() {
    let base = [incident("2026-11-30 09:00", Priority::Urgent)];
    assert_eq!(
        outcomes(&clocks(&base, "2026-11-30 13:00")),
        ["running", "running"]
    );
    assert_eq!(
        outcomes(&clocks(&base, "2026-11-30 13:00:01")),
        ["missed", "running"]
    );
    assert_eq!(
        outcomes(&clocks(&base, "2026-11-30 15:00:01")),
        ["missed", "missed"]
    );
    let c = clocks(&base, "2026-11-30 11:00");
    assert_eq!(c.targets[0].business_left(), 2 * 3600);
}

#[test]
fn s4_time_resolved_before_a_reopening_does_not_count() {
    // Urgent from Monday 09:00; resolved 10:00, reopened Tuesday 09:00 (the rest of Monday,
    // 7.5 business hours, does not count), resolved again Tuesday 11:00: 3 hours in all.
    let events = [
        incident("2026-11-30 09:00", Priority::Urgent),
        ev("2026-11-30 10:00", EventKind::Resolved),
        ev("2026-12-01 09:00", EventKind::Reopened),
        ev("2026-12-01 11:00", EventKind::Resolved),
    ];
    let c = clocks(&events, "2026-12-02 09:00");
    assert_eq!(c.targets[0].business_used, 3 * 3600);
    assert_eq!(
        deadlines(&c),
        ["2026-12-01 12:00:00", "2026-12-01 14:00:00"]
    );
    assert_eq!(
        c.targets[0].outcome,
        Outcome::Met {
            at: ams("2026-12-01 11:00")
        }
    );
    // Reopened and still open: running again, with the deadline where the time runs out.
    let c = clocks(&events[..3], "2026-12-01 10:00");
    assert_eq!(outcomes(&c), ["running", "running"]);
    assert_eq!(c.targets[0].business_used, 2 * 3600);
}

#[test]
fn s4_waiting_on_the_customer_does_not_pause_by_default() {
    let events = [
        incident("2026-11-30 09:00", Priority::Urgent),
        ev(
            "2026-11-30 10:00",
            EventKind::StatusChanged {
                to: Status::WaitingOnCustomer,
            },
        ),
        ev(
            "2026-11-30 16:00",
            EventKind::StatusChanged { to: Status::Open },
        ),
    ];
    let c = clocks(&events, "2026-11-30 16:30");
    assert!(!c.paused);
    assert_eq!(deadlines(&c)[0], "2026-11-30 13:00:00");
    assert_eq!(outcomes(&c), ["missed", "missed"]);
}

#[test]
fn s4_a_policy_may_pause_on_statuses_it_names() {
    let pausing = policy()
        .overlay(
            "[clock]\npause_statuses = [\"waiting_on_customer\"]\n",
            "p.toml",
            &|_| Err("no".into()),
        )
        .unwrap();
    let events = [
        incident("2026-11-30 09:00", Priority::Urgent),
        ev(
            "2026-11-30 10:00",
            EventKind::StatusChanged {
                to: Status::WaitingOnCustomer,
            },
        ),
        ev(
            "2026-11-30 16:00",
            EventKind::StatusChanged { to: Status::Open },
        ),
    ];
    // Paused now: the deadline is unknown while the remaining time is frozen.
    let c = clocks_with(&pausing, &events[..2], "2026-11-30 15:00");
    assert!(c.paused);
    assert_eq!(c.targets[0].deadline, None);
    assert_eq!(c.targets[0].business_used, 3600);
    assert_eq!(outcomes(&c), ["running", "running"]);
    // Resumed at 16:00 with 3 of 4 hours left: 1.5 h today, 1.5 h Tuesday.
    let c = clocks_with(&pausing, &events, "2026-11-30 16:30");
    assert_eq!(
        deadlines(&c),
        ["2026-12-01 10:30:00", "2026-12-01 12:30:00"]
    );
}

#[test]
fn s4_current_priority_applies_measured_from_the_clock_start() {
    // Normal at Monday 09:00, raised to Urgent at 14:00: the 4-hour bound was passed at 13:00.
    let events = [
        incident("2026-11-30 09:00", Priority::Normal),
        ev(
            "2026-11-30 14:00",
            EventKind::PriorityChanged {
                to: Priority::Urgent,
            },
        ),
    ];
    let c = clocks(&events, "2026-11-30 14:30");
    assert_eq!(c.priority, Some(Priority::Urgent));
    assert_eq!(
        deadlines(&c),
        ["2026-11-30 13:00:00", "2026-11-30 15:00:00"]
    );
    assert_eq!(outcomes(&c), ["missed", "running"]);
    // Before the change took place, the Normal targets apply.
    let before = clocks(&events, "2026-11-30 13:30");
    assert_eq!(before.priority, Some(Priority::Normal));
    assert_eq!(outcomes(&before), ["running", "running"]);
}

#[test]
fn s4_questions_and_rfcs_stop_at_the_first_response() {
    let q = [
        created("2026-11-30 09:00", TicketKind::Question, None),
        ev("2026-12-03 10:00", EventKind::Responded),
        ev("2026-12-10 10:00", EventKind::Resolved),
    ];
    let c = clocks(&q, "2026-12-11 10:00");
    assert_eq!(outcomes(&c), ["missed", "met"]);
    assert_eq!(
        c.targets[1].outcome,
        Outcome::Met {
            at: ams("2026-12-03 10:00")
        }
    );
    assert_eq!(
        c.targets[0].outcome,
        Outcome::Missed {
            at: ams("2026-12-02 17:30")
        }
    );
    // Reopening or later events do not restart a first-response clock.
    let rfc = [
        created("2026-11-30 09:00", TicketKind::Rfc, None),
        ev("2026-12-01 09:00", EventKind::Responded),
        ev("2026-12-20 09:00", EventKind::Reopened),
    ];
    let c = clocks(&rfc, "2027-01-20 09:00");
    assert_eq!(
        c.targets[0].outcome,
        Outcome::Met {
            at: ams("2026-12-01 09:00")
        }
    );
    assert_eq!(c.priority, None);
}

#[test]
fn s3_a_phone_call_counts_from_when_the_call_came_in() {
    // The agent registers at 10:20 a call that came in at 09:50: the instant given is the creation.
    let c = clocks(
        &[incident("2026-11-30 09:50", Priority::Urgent)],
        "2026-11-30 10:20",
    );
    assert_eq!(local(c.clock_start), "2026-11-30 09:50:00");
    assert_eq!(deadlines(&c)[0], "2026-11-30 13:50:00");
}

#[test]
fn histories_that_cannot_be_clocked_are_refused() {
    let now: Timestamp = ams("2026-12-01 09:00");
    let no_priority = [created("2026-11-30 09:00", TicketKind::Incident, None)];
    assert_eq!(
        sla::compute(&no_priority, policy(), sw1(), now),
        Err(sla::ClockError::MissingPriority)
    );
    let not_created = [ev("2026-11-30 09:00", EventKind::Resolved)];
    assert_eq!(
        sla::compute(&not_created, policy(), sw1(), now),
        Err(sla::ClockError::NotCreatedFirst)
    );
    assert_eq!(
        sla::compute(&[], policy(), sw1(), now),
        Err(sla::ClockError::NotCreatedFirst)
    );
}

#[test]
fn events_in_the_future_are_ignored_and_order_of_input_does_not_matter() {
    let events = [
        ev("2026-11-30 12:00", EventKind::Resolved),
        incident("2026-11-30 09:00", Priority::Urgent),
    ];
    assert_eq!(
        outcomes(&clocks(&events, "2026-11-30 11:00")),
        ["running", "running"]
    );
    assert_eq!(
        outcomes(&clocks(&events, "2026-11-30 12:00")),
        ["met", "met"]
    );
}
