//! SLA-RULES §7 compensation (SLA §6.2): overrun months, the escalation, the discount
//! ladder, amounts, the ledger and the policy switches.

use jiff::civil::Date;
use proptest::prelude::*;
use sla::compensation::{
    Act, CompensationError, Discount, DiscountEntry, EndReason, Escalation, FollowUpRecord,
    Judgement, LedgerEntry, LedgerError, MonthVerdict, MonthWithoutOverrun, ReversalEntry, Stage,
    discount_cents, failed_incident_targets, judge_month, next_working_day, plan_follow_up,
    proposal_month, proposed_progress, sum_ledger, working_days_before,
};
use sla::policy::Compensation;
use sla::{
    Bound, Compliance, EventKind, Month, Policy, PolicyDuration, Priority, TargetKey, TicketEvent,
    TicketKind,
};

use crate::support::{ams, policy, sw1};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn month(y: i16, m: i8) -> Month {
    Month::new(y, m).unwrap()
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn overrun(y: i16, m: i8) -> MonthVerdict {
    MonthVerdict {
        month: month(y, m),
        overrun: true,
    }
}

fn clean(y: i16, m: i8) -> MonthVerdict {
    MonthVerdict {
        month: month(y, m),
        overrun: false,
    }
}

fn admin(at: &str) -> Act {
    Act {
        at: ams(at),
        by: "A. Jansen (beheerder)".into(),
        recorded_by: None,
    }
}

fn rules() -> &'static Compensation {
    &policy().compensation
}

fn with(f: impl FnOnce(&mut Compensation)) -> Compensation {
    let mut c = rules().clone();
    f(&mut c);
    c
}

fn follow_up(on: &str, progress: bool) -> FollowUpRecord {
    FollowUpRecord {
        held_on: date(on),
        progress,
        recorded_by: "P. de Vries (servicemanager)".into(),
        why: "besproken in het overleg".into(),
    }
}

/// One line of a month's results: a bound of a kind (and priority) that holds or not.
fn line(
    kind: TicketKind,
    priority: Option<Priority>,
    bound: usize,
    holds: bool,
) -> (TargetKey, Compliance) {
    let set = policy()
        .targets
        .for_ticket(kind, priority.unwrap_or(Priority::Normal));
    let b: Bound = set.bounds[bound];
    let c = if holds {
        Compliance::from_counts(b, 10, 0)
    } else {
        Compliance::from_counts(b, 0, 10)
    };
    (
        TargetKey {
            kind,
            priority,
            bound,
        },
        c,
    )
}

/// Every target of the standard policy holding, with the given lines replaced.
fn results(failing: &[(TicketKind, Option<Priority>, usize)]) -> Vec<(TargetKey, Compliance)> {
    let mut out = Vec::new();
    for &p in Priority::ALL {
        for b in 0..2 {
            out.push(line(TicketKind::Incident, Some(p), b, true));
        }
    }
    out.push(line(TicketKind::Question, None, 0, true));
    out.push(line(TicketKind::Question, None, 1, true));
    out.push(line(TicketKind::Rfc, None, 0, true));
    for (key, c) in &mut out {
        if failing.contains(&(key.kind, key.priority, key.bound)) {
            *c = Compliance::from_counts(c.bound, 0, 10);
        }
    }
    out
}

fn judged(j: Judgement) -> MonthVerdict {
    j.verdict().expect("judged")
}

/// Overrun January 2026; requested 3 Feb; consultation Tue 10 Feb.
fn consulted() -> Escalation {
    Escalation::new()
        .request(admin("2026-02-03 10:00"), &[overrun(2026, 1)], sw1())
        .unwrap()
        .consultation_held(date("2026-02-10"), rules(), sw1())
        .unwrap()
}

/// Two follow-ups without progress: 10 March (February overrun), 10 April (March overrun).
fn two_follow_ups() -> Escalation {
    consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap()
        .follow_up_held(
            follow_up("2026-04-10", false),
            overrun(2026, 3),
            rules(),
            sw1(),
        )
        .unwrap()
}

/// Claimed on Tue 12 May 2026 (entitled from 10 May): 5% on the June invoice.
fn claimed_with(policy: &Compensation) -> (Escalation, Discount) {
    let e = consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            policy,
            sw1(),
        )
        .unwrap()
        .follow_up_held(
            follow_up("2026-04-10", false),
            overrun(2026, 3),
            policy,
            sw1(),
        )
        .unwrap();
    e.claim(admin("2026-05-12 09:30"), policy, sw1()).unwrap()
}

fn claimed() -> (Escalation, Discount) {
    claimed_with(rules())
}

fn discount(invoice: (i16, i8), percent: u32, rests_on: (i16, i8)) -> Discount {
    Discount {
        invoice_month: month(invoice.0, invoice.1),
        percent,
        rests_on: month(rests_on.0, rests_on.1),
    }
}

fn entry(id: u64, d: &Discount, fee: u64) -> LedgerEntry {
    LedgerEntry::Discount(
        DiscountEntry::new(id, d, fee, Some(format!("sha256:{id:064x}"))).unwrap(),
    )
}

fn reversal(id: u64, reverses: u64, reason: &str) -> LedgerEntry {
    LedgerEntry::Reversal(ReversalEntry {
        id,
        reverses,
        reason: reason.into(),
    })
}

// ---------------------------------------------------------------------------------------------
// One row per sentence of SLA-RULES §7 (compensation)
// ---------------------------------------------------------------------------------------------

fn all_times_are_amsterdam() {
    // 31 Jan 2026 23:30 UTC is 1 Feb 00:30 in Amsterdam: January has ended there.
    let jan = month(2026, 1);
    let j = judge_month(
        sw1(),
        jan,
        &results(&[]),
        "2026-01-31T23:30:00Z".parse().unwrap(),
    );
    assert!(j.unwrap().verdict().is_some());
    let j = judge_month(
        sw1(),
        jan,
        &results(&[]),
        "2026-01-31T22:59:59Z".parse().unwrap(),
    );
    assert_eq!(
        j.unwrap(),
        Judgement::NotYetJudged {
            ends_at: ams("2026-02-01 00:00")
        }
    );
}

fn an_incident_resolution_bound_that_does_not_hold_makes_an_overrun_month() {
    let after = ams("2026-03-01 00:00");
    let feb = month(2026, 2);
    for p in Priority::ALL {
        for bound in 0..2 {
            let r = results(&[(TicketKind::Incident, Some(*p), bound)]);
            let j = judge_month(sw1(), feb, &r, after).unwrap();
            assert!(judged(j.clone()).overrun, "{p} bound {bound}");
            let Judgement::Judged { failed, .. } = j else {
                unreachable!()
            };
            assert_eq!(
                failed,
                [TargetKey {
                    kind: TicketKind::Incident,
                    priority: Some(*p),
                    bound
                }]
            );
        }
    }
    assert!(!judged(judge_month(sw1(), feb, &results(&[]), after).unwrap()).overrun);
}

fn the_month_assignment_rule_decides_which_month_overran() {
    // Urgent filed Friday 30 Oct 2026 16:00: 90% deadline Monday 2 Nov 11:30, resolved 3 Nov.
    // The miss counts in November (when the deadline passed), not in October (when filed).
    let t = vec![
        TicketEvent {
            at: ams("2026-10-30 16:00"),
            kind: EventKind::Created {
                kind: TicketKind::Incident,
                priority: Some(Priority::Urgent),
            },
        },
        TicketEvent {
            at: ams("2026-11-03 10:00"),
            kind: EventKind::Resolved,
        },
    ];
    let now = ams("2026-12-15 12:00");
    let clocks = [sla::compute(&t, policy(), sw1(), now).unwrap()];
    let verdict = |m: Month| {
        let lines = sla::monthly(policy(), &clocks, m.span(sw1()).unwrap());
        judged(judge_month(sw1(), m, &lines, now).unwrap()).overrun
    };
    assert!(!verdict(month(2026, 10)));
    assert!(verdict(month(2026, 11)));
}

fn questions_and_rfcs_do_not_count() {
    let r = results(&[
        (TicketKind::Question, None, 0),
        (TicketKind::Question, None, 1),
        (TicketKind::Rfc, None, 0),
    ]);
    assert!(failed_incident_targets(&r).is_empty());
    let j = judge_month(sw1(), month(2026, 2), &r, ams("2026-03-02 09:00")).unwrap();
    assert!(!judged(j).overrun);
}

fn a_month_is_judged_only_after_it_has_ended() {
    let failing = results(&[(TicketKind::Incident, Some(Priority::High), 1)]);
    let feb = month(2026, 2);
    // Already failed on 20 February, but not yet an overrun month: not judged.
    let j = judge_month(sw1(), feb, &failing, ams("2026-02-20 12:00")).unwrap();
    assert_eq!(j.verdict(), None);
    assert!(matches!(j, Judgement::NotYetJudged { ends_at } if ends_at == ams("2026-03-01 00:00")));
    // Nor is a running month free of overrun.
    let j = judge_month(sw1(), feb, &results(&[]), ams("2026-02-28 23:59:59")).unwrap();
    assert_eq!(j.verdict(), None);
    // From the first instant after it: judged, on the figures given (published or as they stand).
    let j = judge_month(sw1(), feb, &failing, ams("2026-03-01 00:00")).unwrap();
    assert_eq!(j.verdict(), Some(overrun(2026, 2)));
    // A request cannot use a month before it has ended.
    let e = Escalation::new().request(admin("2026-02-27 10:00"), &[overrun(2026, 2)], sw1());
    assert!(
        matches!(e, Err(CompensationError::MonthNotEnded { .. })),
        "{e:?}"
    );
}

fn after_an_overrun_month_an_administrator_or_the_desk_may_request() {
    let e = Escalation::new()
        .request(admin("2026-02-03 10:00"), &[overrun(2026, 1)], sw1())
        .unwrap();
    assert!(matches!(e.stage(), Stage::Requested(r) if r.made.by.starts_with("A. Jansen")));
    // Recorded by the service desk for a request made by phone.
    let by_phone = Act {
        recorded_by: Some("S. Bakker (servicedesk)".into()),
        ..admin("2026-02-03 10:05")
    };
    let e = Escalation::new()
        .request(by_phone, &[overrun(2026, 1)], sw1())
        .unwrap();
    let Stage::Requested(r) = e.stage() else {
        panic!("requested")
    };
    assert_eq!(
        r.made.recorded_by.as_deref(),
        Some("S. Bakker (servicedesk)")
    );
    // Not after a month without overrun.
    let e = Escalation::new().request(admin("2026-02-03 10:00"), &[clean(2026, 1)], sw1());
    assert_eq!(
        e,
        Err(CompensationError::NotAnOverrunMonth {
            month: month(2026, 1)
        })
    );
    // Someone must make it.
    let nobody = Act {
        by: " ".into(),
        ..admin("2026-02-03 10:00")
    };
    let e = Escalation::new().request(nobody, &[overrun(2026, 1)], sw1());
    assert!(matches!(e, Err(CompensationError::Unnamed(_))), "{e:?}");
}

fn the_request_names_its_overrun_months() {
    let e = Escalation::new()
        .request(
            admin("2026-03-02 10:00"),
            &[overrun(2026, 2), overrun(2025, 12), overrun(2026, 2)],
            sw1(),
        )
        .unwrap();
    let Stage::Requested(r) = e.stage() else {
        panic!("requested")
    };
    assert_eq!(r.months, [month(2025, 12), month(2026, 2)]);
    let e = Escalation::new().request(admin("2026-03-02 10:00"), &[], sw1());
    assert_eq!(e, Err(CompensationError::NoMonthNamed));
}

fn the_consultation_records_its_date() {
    let e = consulted();
    let Stage::Consulting(c) = e.stage() else {
        panic!("consulting")
    };
    assert_eq!(c.consultation, date("2026-02-10"));
    assert!(c.follow_ups.is_empty());
    // Not before the request, and only once.
    let early = Escalation::new()
        .request(admin("2026-02-03 10:00"), &[overrun(2026, 1)], sw1())
        .unwrap()
        .consultation_held(date("2026-02-02"), rules(), sw1());
    assert!(
        matches!(early, Err(CompensationError::BeforePrevious { .. })),
        "{early:?}"
    );
    let twice = e.consultation_held(date("2026-02-11"), rules(), sw1());
    assert!(
        matches!(twice, Err(CompensationError::OutOfOrder { .. })),
        "{twice:?}"
    );
    // Not without a request.
    let none = Escalation::new().consultation_held(date("2026-02-10"), rules(), sw1());
    assert!(
        matches!(none, Err(CompensationError::OutOfOrder { .. })),
        "{none:?}"
    );
}

fn the_consultation_plans_a_follow_up_one_month_later() {
    // Tue 10 Feb → Tue 10 Mar.
    assert_eq!(consulted().next_follow_up(), Some(date("2026-03-10")));
    // Thu 1 Oct → Sun 1 Nov → Mon 2 Nov.
    let e = Escalation::new()
        .request(admin("2026-09-02 10:00"), &[overrun(2026, 8)], sw1())
        .unwrap()
        .consultation_held(date("2026-10-01"), rules(), sw1())
        .unwrap();
    assert_eq!(e.next_follow_up(), Some(date("2026-11-02")));
}

fn the_follow_up_records_progress_who_and_why() {
    let e = consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    let Stage::Consulting(c) = e.stage() else {
        panic!("consulting")
    };
    let f = &c.follow_ups[0];
    assert_eq!(
        (
            f.held_on,
            f.progress,
            f.recorded_by.as_str(),
            f.why.as_str()
        ),
        (
            date("2026-03-10"),
            false,
            "P. de Vries (servicemanager)",
            "besproken in het overleg"
        )
    );
    let no_why = FollowUpRecord {
        why: String::new(),
        ..follow_up("2026-03-10", false)
    };
    let r = consulted().follow_up_held(no_why, overrun(2026, 2), rules(), sw1());
    assert!(matches!(r, Err(CompensationError::Unnamed(_))), "{r:?}");
    let no_one = FollowUpRecord {
        recorded_by: String::new(),
        ..follow_up("2026-03-10", false)
    };
    let r = consulted().follow_up_held(no_one, overrun(2026, 2), rules(), sw1());
    assert!(matches!(r, Err(CompensationError::Unnamed(_))), "{r:?}");
}

fn the_system_proposes_progress_when_the_month_before_had_no_overrun() {
    assert_eq!(proposal_month(date("2026-03-10")), month(2026, 2));
    assert_eq!(proposal_month(date("2026-01-05")), month(2025, 12));
    assert!(proposed_progress(clean(2026, 2)));
    assert!(!proposed_progress(overrun(2026, 2)));
    // The proposal is recorded beside the people's decision, which may differ from it.
    let e = consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            clean(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    let Stage::Consulting(c) = e.stage() else {
        panic!("consulting")
    };
    assert_eq!(
        (c.follow_ups[0].proposed, c.follow_ups[0].progress),
        (true, false)
    );
    // The verdict given must be that of the latest complete month before the follow-up.
    let r = consulted().follow_up_held(
        follow_up("2026-03-10", false),
        overrun(2026, 1),
        rules(),
        sw1(),
    );
    assert_eq!(
        r,
        Err(CompensationError::WrongMonth {
            expected: month(2026, 2),
            got: month(2026, 1)
        })
    );
}

fn progress_ends_the_escalation() {
    let e = consulted()
        .follow_up_held(
            follow_up("2026-03-10", true),
            clean(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    assert_eq!(e.stage(), &Stage::Idle);
    let ended = e.last_ended().unwrap();
    assert_eq!(
        ended.how,
        EndReason::Progress {
            held_on: date("2026-03-10")
        }
    );
    assert_eq!(ended.settled_through, month(2026, 2));
    let r = e.claim(admin("2026-05-12 09:30"), rules(), sw1());
    assert!(
        matches!(r, Err(CompensationError::OutOfOrder { .. })),
        "{r:?}"
    );
}

fn no_progress_plans_the_next_follow_up_one_month_later() {
    let e = consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    assert_eq!(e.next_follow_up(), Some(date("2026-04-10")));
    // Fri 10 Apr → Sun 10 May → Mon 11 May.
    assert_eq!(two_follow_ups().next_follow_up(), Some(date("2026-05-11")));
    // A follow-up lies after the meeting it follows.
    let r = consulted().follow_up_held(
        follow_up("2026-02-10", false),
        overrun(2026, 1),
        rules(),
        sw1(),
    );
    assert!(
        matches!(r, Err(CompensationError::FollowUpTooSoon { .. })),
        "{r:?}"
    );
}

fn entitlement_needs_two_follow_ups_without_progress_and_three_months() {
    let two = two_follow_ups();
    // Consultation 10 Feb + 3 calendar months = 10 May.
    assert_eq!(
        two.entitled_from(rules()).unwrap(),
        Some(date("2026-05-10"))
    );
    assert!(two.claim(admin("2026-05-10 11:00"), rules(), sw1()).is_ok());
    // One follow-up is not enough, however long ago the consultation was.
    let one = consulted()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    assert_eq!(one.entitled_from(rules()).unwrap(), None);
    assert_eq!(
        one.claim(admin("2026-07-01 10:00"), rules(), sw1())
            .map(|_| ()),
        Err(CompensationError::TooFewFollowUps { held: 1, needed: 2 })
    );
}

fn a_claim_names_who_and_when() {
    let by_phone = Act {
        recorded_by: Some("S. Bakker (servicedesk)".into()),
        ..admin("2026-05-12 09:30")
    };
    let (e, _) = two_follow_ups()
        .claim(by_phone.clone(), rules(), sw1())
        .unwrap();
    let Stage::Discounting(d) = e.stage() else {
        panic!("discounting")
    };
    assert_eq!(d.claim, by_phone);
    let anonymous = Act {
        by: String::new(),
        ..admin("2026-05-12 09:30")
    };
    let r = two_follow_ups().claim(anonymous, rules(), sw1());
    assert!(matches!(r, Err(CompensationError::Unnamed(_))), "{r:?}");
}

fn the_first_claim_gives_five_percent_on_the_next_invoice() {
    let (e, d) = claimed();
    // Claimed in May: the next monthly invoice is June's; it rests on March, the latest overrun.
    assert_eq!(d, discount((2026, 6), 5, (2026, 3)));
    assert_eq!(e.percent(), Some(5));
    // One claim per escalation.
    assert_eq!(
        e.claim(admin("2026-05-20 09:30"), rules(), sw1())
            .map(|_| ()),
        Err(CompensationError::AlreadyClaimed)
    );
}

fn each_further_overrun_month_raises_five_points_up_to_fifty() {
    let (mut e, _) = claimed();
    let mut given = Vec::new();
    // June 2026 through May 2027, every month an overrun month.
    let mut m = month(2026, 6);
    for _ in 0..12 {
        let (next, d) = e
            .month_ended(
                MonthVerdict {
                    month: m,
                    overrun: true,
                },
                rules(),
            )
            .unwrap();
        let d = d.unwrap();
        assert_eq!((d.invoice_month, d.rests_on), (m.next(), m));
        given.push(d.percent);
        e = next;
        m = m.next();
    }
    assert_eq!(given, [10, 15, 20, 25, 30, 35, 40, 45, 50, 50, 50, 50]);
    // Months come in order, one at a time.
    let r = e.month_ended(overrun(2027, 8), rules());
    assert_eq!(
        r.map(|_| ()),
        Err(CompensationError::WrongMonth {
            expected: month(2027, 6),
            got: month(2027, 8)
        })
    );
}

fn the_first_month_without_overrun_ends_it_and_a_later_overrun_needs_a_request() {
    let (e, _) = claimed();
    let (e, d) = e.month_ended(overrun(2026, 6), rules()).unwrap();
    assert_eq!(d, Some(discount((2026, 7), 10, (2026, 6))));
    let (e, d) = e.month_ended(clean(2026, 7), rules()).unwrap();
    assert_eq!(d, None, "no further discount");
    assert_eq!(e.stage(), &Stage::Idle);
    assert_eq!(e.last_ended().unwrap().settled_through, month(2026, 7));
    // August overruns: no discount follows by itself ...
    let r = e.month_ended(overrun(2026, 8), rules());
    assert!(
        matches!(r, Err(CompensationError::OutOfOrder { .. })),
        "{r:?}"
    );
    // ... a new request starts again, about a month after the end.
    let r = e.request(admin("2026-09-02 10:00"), &[overrun(2026, 6)], sw1());
    assert_eq!(
        r,
        Err(CompensationError::AlreadySettled {
            month: month(2026, 6),
            settled_through: month(2026, 7)
        })
    );
    let again = e
        .request(admin("2026-09-02 10:00"), &[overrun(2026, 8)], sw1())
        .unwrap();
    assert!(matches!(again.stage(), Stage::Requested(_)));
}

fn the_amount_is_the_percentage_of_the_fee_in_cents_rounded_half_to_even() {
    assert_eq!(discount_cents(5, 125_000), Some(6_250));
    // 5% of 10.10 = 0.505 → 0.50 (even); 5% of 10.30 = 0.515 → 0.52 (even).
    assert_eq!(discount_cents(5, 1_010), Some(50));
    assert_eq!(discount_cents(5, 1_030), Some(52));
    // 15% of 0.10 = 0.015 → 0.02; 25% of 0.02 = 0.005 → 0.00; 50% of 0.01 = 0.005 → 0.00.
    assert_eq!(discount_cents(15, 10), Some(2));
    assert_eq!(discount_cents(25, 2), Some(0));
    assert_eq!(discount_cents(50, 1), Some(0));
    assert_eq!(discount_cents(50, 3), Some(2));
    assert_eq!(discount_cents(101, 100), None);
    // The fee is that of the agreement in force for the invoice month: the entry takes it.
    let d = discount((2026, 6), 5, (2026, 3));
    let LedgerEntry::Discount(e) = entry(1, &d, 99_999) else {
        unreachable!()
    };
    assert_eq!((e.fee_cents, e.amount_cents), (99_999, 5_000));
}

fn vat_is_not_ours() {
    // The amount is the percentage of the fee and nothing else: no VAT added or taken off.
    for fee in [100, 12_100, 1_000_000] {
        assert_eq!(discount_cents(10, fee), Some(fee / 10));
    }
}

fn every_discount_is_a_ledger_entry() {
    let (_, d) = claimed();
    let LedgerEntry::Discount(e) = entry(7, &d, 125_000) else {
        unreachable!()
    };
    assert_eq!(
        e,
        DiscountEntry {
            id: 7,
            invoice_month: month(2026, 6),
            percent: 5,
            fee_cents: 125_000,
            amount_cents: 6_250,
            overrun_month: month(2026, 3),
            report_hash: Some(format!("sha256:{:064x}", 7)),
        }
    );
}

fn entries_are_undone_by_a_reversal_with_a_reason() {
    let june = discount((2026, 6), 5, (2026, 3));
    let july = discount((2026, 7), 10, (2026, 6));
    let ledger = vec![
        entry(1, &june, 125_000),
        entry(2, &july, 125_000),
        reversal(3, 2, "juli was geen overschrijdingsmaand na correctie"),
    ];
    let sum = sum_ledger(&ledger).unwrap();
    assert_eq!(sum.total_cents, 6_250);
    assert_eq!(sum.by_invoice_month.len(), 1);
    assert_eq!(sum.standing.iter().copied().collect::<Vec<_>>(), [1]);
    let mut twice = ledger.clone();
    twice.push(reversal(4, 2, "nogmaals"));
    assert_eq!(
        sum_ledger(&twice),
        Err(LedgerError::AlreadyReversed {
            id: 4,
            reverses: 2,
            earlier: 3
        })
    );
    let mut no_reason = ledger.clone();
    no_reason.push(reversal(4, 1, "  "));
    assert_eq!(sum_ledger(&no_reason), Err(LedgerError::NoReason(4)));
}

fn the_switches_default_to_the_sla() {
    let c = rules();
    assert_eq!(c, &Compensation::default());
    assert_eq!(
        (
            c.follow_up_after,
            c.follow_ups_before_entitlement,
            c.months_before_entitlement,
            c.step_percent,
            c.cap_percent,
            c.month_without_overrun,
            c.monthly_fee_cents,
        ),
        (
            PolicyDuration::Months(1),
            2,
            3,
            5,
            50,
            MonthWithoutOverrun::Ends,
            None
        )
    );
    let p = overlay(
        "[compensation]\nfollow_ups_before_entitlement = 3\nmonths_before_entitlement = 4\nstep_percent = 10\ncap_percent = 30\nmonth_without_overrun = \"holds\"\nmonthly_fee_cents = 125000\n",
    )
    .unwrap();
    let c = p.compensation;
    assert_eq!(
        (
            c.follow_ups_before_entitlement,
            c.months_before_entitlement,
            c.step_percent,
            c.cap_percent,
            c.month_without_overrun,
            c.monthly_fee_cents
        ),
        (3, 4, 10, 30, MonthWithoutOverrun::Holds, Some(125_000))
    );
}

type Row = (&'static str, fn());

const SENTENCES: &[Row] = &[
    (
        "Compensation (§6.2), as a state machine per customer, all times Europe/Amsterdam",
        all_times_are_amsterdam,
    ),
    (
        "Overrun month: a calendar month in which at least one incident resolution target (any priority, the 90% or the 100% bound) does not hold",
        an_incident_resolution_bound_that_does_not_hold_makes_an_overrun_month,
    ),
    (
        "… for that customer by §4's month-assignment rule",
        the_month_assignment_rule_decides_which_month_overran,
    ),
    (
        "Questions and RFCs do not count here (§6 is about incidents)",
        questions_and_rfcs_do_not_count,
    ),
    (
        "A month is judged only after it has ended, on its published report when there is one, else on the figures as they stand",
        a_month_is_judged_only_after_it_has_ended,
    ),
    (
        "Request: after an overrun month, a customer administrator may request an interim incident consultation; the service desk may also record a request made by phone",
        after_an_overrun_month_an_administrator_or_the_desk_may_request,
    ),
    (
        "The request names the overrun month(s) it is about",
        the_request_names_its_overrun_months,
    ),
    (
        "Consultation (the first meeting): records date, attendees, the incidents discussed, … and the agreements made",
        the_consultation_records_its_date,
    ),
    (
        "It plans a follow-up one month later (same day next month, clamped, moved to the next working day)",
        the_consultation_plans_a_follow_up_one_month_later,
    ),
    (
        "Follow-up: same record, plus the decision progress: yes/no, taken by the people in the meeting, with who recorded it and why",
        the_follow_up_records_progress_who_and_why,
    ),
    (
        "The system proposes a value: yes when the most recent complete month before the follow-up is not an overrun month",
        the_system_proposes_progress_when_the_month_before_had_no_overrun,
    ),
    ("Progress ends the escalation", progress_ends_the_escalation),
    (
        "No progress plans the next follow-up one month later",
        no_progress_plans_the_next_follow_up_one_month_later,
    ),
    (
        "Entitlement: when 2 follow-ups both recorded no progress and at least 3 calendar months have passed since the consultation, the customer may claim a discount",
        entitlement_needs_two_follow_ups_without_progress_and_three_months,
    ),
    (
        "A claim is made by a customer administrator (or recorded by the service desk on their behalf) and names who and when",
        a_claim_names_who_and_when,
    ),
    (
        "Discount ladder: the first claim gives 5% off the next monthly subscription invoice",
        the_first_claim_gives_five_percent_on_the_next_invoice,
    ),
    (
        "Each further complete calendar month that is an overrun month raises the percentage by 5 points for the invoice after it, up to 50%",
        each_further_overrun_month_raises_five_points_up_to_fifty,
    ),
    (
        "The first complete month that is not an overrun month ends the escalation: no further discount; a later overrun starts again from a request",
        the_first_month_without_overrun_ends_it_and_a_later_overrun_needs_a_request,
    ),
    (
        "Amounts: percentage × the monthly subscription fee in the agreement version in force for that invoice month, in euro cents, rounded half to even",
        the_amount_is_the_percentage_of_the_fee_in_cents_rounded_half_to_even,
    ),
    ("VAT is the invoicing system's business", vat_is_not_ours),
    (
        "Ledger: every discount is an entry (customer, invoice month, percentage, fee, amount, the overrun month and the hash of the report that shows it, the escalation it belongs to)",
        every_discount_is_a_ledger_entry,
    ),
    (
        "entries are never edited or deleted: a mistake is undone by a reversal entry with a reason",
        entries_are_undone_by_a_reversal_with_a_reason,
    ),
    (
        "Policy switches: follow-ups before entitlement (2), months before entitlement (3), step (5%), cap (50%), what a month without overrun does (ends | holds)",
        the_switches_default_to_the_sla,
    ),
];

#[test]
fn every_sentence_of_semantics_section_7_holds() {
    let failed: Vec<&str> = SENTENCES
        .iter()
        .filter(|(_, check)| std::panic::catch_unwind(check).is_err())
        .map(|(sentence, _)| *sentence)
        .collect();
    assert!(
        failed.is_empty(),
        "sentences that do not hold:\n{}",
        failed.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------------

fn planned(on: &str) -> String {
    plan_follow_up(sw1(), rules(), date(on))
        .unwrap()
        .to_string()
}

#[test]
fn a_follow_up_from_the_31st_of_january_lands_on_the_last_day_of_february() {
    assert_eq!(planned("2025-01-31"), "2025-02-28"); // a Friday
    assert_eq!(planned("2028-01-31"), "2028-02-29"); // leap year, a Tuesday
    // 28 Feb 2026 is a Saturday: Monday 2 March.
    assert_eq!(planned("2026-01-31"), "2026-03-02");
    assert_eq!(planned("2026-03-31"), "2026-04-30");
}

#[test]
fn a_follow_up_on_a_holiday_or_weekend_moves_to_the_next_working_day() {
    assert_eq!(planned("2026-03-27"), "2026-04-28"); // Koningsdag, Monday 27 April
    assert_eq!(planned("2026-04-14"), "2026-05-15"); // Hemelvaartsdag, Thursday 14 May
    assert_eq!(planned("2026-11-25"), "2026-12-28"); // Christmas Friday, then a weekend
    assert_eq!(planned("2026-10-01"), "2026-11-02"); // Sunday 1 November
    assert_eq!(
        next_working_day(sw1(), date("2026-12-24")).unwrap(),
        date("2026-12-24")
    );
}

#[test]
fn a_reminder_is_due_working_days_before() {
    let before = |d: &str, n| working_days_before(sw1(), date(d), n).unwrap().to_string();
    assert_eq!(before("2026-12-03", 2), "2026-12-01"); // Thursday: Tuesday
    assert_eq!(before("2026-11-30", 2), "2026-11-26"); // Monday: the Thursday before
    assert_eq!(before("2026-11-29", 2), "2026-11-26"); // a Sunday counts back the same way
    assert_eq!(before("2026-04-28", 2), "2026-04-23"); // Koningsdag (Mon 27 Apr) skipped
    assert_eq!(before("2026-12-29", 2), "2026-12-24"); // Mon 28, then Christmas and a weekend
    assert_eq!(before("2026-12-29", 0), "2026-12-29");
}

#[test]
fn the_follow_up_interval_follows_the_agreement() {
    let weeks = with(|c| c.follow_up_after = PolicyDuration::Weeks(2));
    assert_eq!(
        plan_follow_up(sw1(), &weeks, date("2026-04-13")).unwrap(),
        date("2026-04-28") // 27 April is Koningsdag
    );
    // Business time counts from the first opening after the meeting day: 20 working days
    // after Tue 10 Feb 2026 is Tue 10 Mar.
    let days = with(|c| c.follow_up_after = "20 working_days".parse().unwrap());
    assert_eq!(
        plan_follow_up(sw1(), &days, date("2026-02-10")).unwrap(),
        date("2026-03-10")
    );
}

#[test]
fn two_follow_ups_without_progress_before_three_months_are_not_yet_an_entitlement() {
    // Follow-ups held early (the meetings need not keep the planned dates): 24 Feb and 10 Mar.
    let e = consulted()
        .follow_up_held(
            follow_up("2026-02-24", false),
            overrun(2026, 1),
            rules(),
            sw1(),
        )
        .unwrap()
        .follow_up_held(
            follow_up("2026-03-10", false),
            overrun(2026, 2),
            rules(),
            sw1(),
        )
        .unwrap();
    assert_eq!(e.entitled_from(rules()).unwrap(), Some(date("2026-05-10")));
    for at in ["2026-03-10 16:00", "2026-04-15 10:00", "2026-05-09 23:59"] {
        assert_eq!(
            e.claim(admin(at), rules(), sw1()).map(|_| ()),
            Err(CompensationError::TooEarly {
                consultation: date("2026-02-10"),
                months: 3,
                from: date("2026-05-10")
            }),
            "{at}"
        );
    }
    assert!(e.claim(admin("2026-05-10 00:00"), rules(), sw1()).is_ok());
}

#[test]
fn three_months_from_a_consultation_late_in_a_month_are_clamped() {
    // 30 Nov 2025 + 3 months = 28 Feb 2026 (clamped from the 30th).
    let e = Escalation::new()
        .request(admin("2025-11-03 10:00"), &[overrun(2025, 10)], sw1())
        .unwrap()
        .consultation_held(date("2025-11-30"), rules(), sw1())
        .unwrap()
        .follow_up_held(
            follow_up("2025-12-30", false),
            overrun(2025, 11),
            rules(),
            sw1(),
        )
        .unwrap()
        .follow_up_held(
            follow_up("2026-01-30", false),
            overrun(2025, 12),
            rules(),
            sw1(),
        )
        .unwrap();
    assert_eq!(e.entitled_from(rules()).unwrap(), Some(date("2026-02-28")));
}

#[test]
fn a_claim_before_the_follow_up_it_rests_on_is_refused() {
    let r = two_follow_ups().claim(admin("2026-04-09 12:00"), rules(), sw1());
    assert!(
        matches!(r, Err(CompensationError::BeforePrevious { .. })),
        "{r:?}"
    );
}

#[test]
fn the_discount_is_capped_at_fifty_and_at_a_customer_cap() {
    let mut e = claimed().0;
    let mut m = month(2026, 6);
    for _ in 0..20 {
        let (next, d) = e
            .month_ended(
                MonthVerdict {
                    month: m,
                    overrun: true,
                },
                rules(),
            )
            .unwrap();
        assert!(d.unwrap().percent <= 50);
        e = next;
        m = m.next();
    }
    assert_eq!(e.percent(), Some(50));
    // A customer cap that is no multiple of the step.
    let low = with(|c| c.cap_percent = 12);
    let (e, d) = claimed_with(&low);
    assert_eq!(d.percent, 5);
    let (e, d) = e.month_ended(overrun(2026, 6), &low).unwrap();
    assert_eq!(d.map(|d| d.percent), Some(10));
    let (_, d) = e.month_ended(overrun(2026, 7), &low).unwrap();
    assert_eq!(d.map(|d| d.percent), Some(12));
}

#[test]
fn holds_keeps_the_percentage_through_a_month_without_overrun() {
    let holds = with(|c| c.month_without_overrun = MonthWithoutOverrun::Holds);
    let (e, _) = claimed_with(&holds);
    let (e, d) = e.month_ended(overrun(2026, 6), &holds).unwrap();
    assert_eq!(d, Some(discount((2026, 7), 10, (2026, 6))));
    let (e, d) = e.month_ended(clean(2026, 7), &holds).unwrap();
    assert_eq!(
        d,
        Some(discount((2026, 8), 10, (2026, 6))),
        "held, resting on June"
    );
    let (e, d) = e.month_ended(clean(2026, 8), &holds).unwrap();
    assert_eq!(d, Some(discount((2026, 9), 10, (2026, 6))));
    let (e, d) = e.month_ended(overrun(2026, 9), &holds).unwrap();
    assert_eq!(d, Some(discount((2026, 10), 15, (2026, 9))), "rises again");
    assert!(matches!(e.stage(), Stage::Discounting(_)));
    // The same months under `ends`: July ends it.
    let (e, _) = claimed();
    let (e, _) = e.month_ended(overrun(2026, 6), rules()).unwrap();
    let (e, d) = e.month_ended(clean(2026, 7), rules()).unwrap();
    assert_eq!((d, e.stage()), (None, &Stage::Idle));
}

#[test]
fn a_new_overrun_after_the_end_goes_through_the_whole_escalation_again() {
    let (e, _) = claimed();
    let (e, _) = e.month_ended(clean(2026, 6), rules()).unwrap();
    assert_eq!(e.last_ended().unwrap().settled_through, month(2026, 6));
    // A claim straight away is refused: there is no escalation.
    let r = e.claim(admin("2026-08-03 10:00"), rules(), sw1());
    assert!(
        matches!(r, Err(CompensationError::OutOfOrder { .. })),
        "{r:?}"
    );
    // July overruns: request, consultation, two follow-ups, three months, then 5% again.
    let e = e
        .request(admin("2026-08-03 10:00"), &[overrun(2026, 7)], sw1())
        .unwrap()
        .consultation_held(date("2026-08-11"), rules(), sw1())
        .unwrap();
    assert_eq!(e.next_follow_up(), Some(date("2026-09-11")));
    let e = e
        .follow_up_held(
            follow_up("2026-09-11", false),
            overrun(2026, 8),
            rules(),
            sw1(),
        )
        .unwrap()
        .follow_up_held(
            follow_up("2026-10-12", false),
            overrun(2026, 9),
            rules(),
            sw1(),
        )
        .unwrap();
    let (e, d) = e.claim(admin("2026-11-11 10:00"), rules(), sw1()).unwrap();
    assert_eq!(d, discount((2026, 12), 5, (2026, 9)));
    assert_eq!(e.percent(), Some(5));
}

#[test]
fn a_request_during_a_running_escalation_is_refused() {
    let r = consulted().request(admin("2026-03-02 10:00"), &[overrun(2026, 2)], sw1());
    assert!(
        matches!(r, Err(CompensationError::AlreadyRunning { .. })),
        "{r:?}"
    );
}

#[test]
fn an_escalation_can_be_closed_by_hand_and_its_months_are_then_settled() {
    let (e, _) = claimed();
    let closed = e
        .close(
            ams("2026-06-15 10:00"),
            "P. de Vries",
            "afgesproken in het ketenpartneroverleg",
            sw1(),
        )
        .unwrap();
    assert_eq!(closed.stage(), &Stage::Idle);
    assert_eq!(closed.last_ended().unwrap().settled_through, month(2026, 5));
    let r = closed.close(ams("2026-06-15 10:00"), "P. de Vries", "nogmaals", sw1());
    assert!(
        matches!(r, Err(CompensationError::OutOfOrder { .. })),
        "{r:?}"
    );
    let r = e.close(ams("2026-06-15 10:00"), "P. de Vries", "", sw1());
    assert!(matches!(r, Err(CompensationError::Unnamed(_))), "{r:?}");
}

#[test]
fn refusals_say_which_rule_refused() {
    let r = Escalation::new()
        .request(admin("2026-02-03 10:00"), &[clean(2026, 1)], sw1())
        .unwrap_err();
    assert!(
        r.to_string().contains("2026-01 is not an overrun month"),
        "{r}"
    );
    let r = two_follow_ups()
        .claim(admin("2026-04-20 10:00"), rules(), sw1())
        .map(|_| ())
        .unwrap_err();
    assert!(r.to_string().contains("from 2026-05-10"), "{r}");
    let r = Escalation::new()
        .month_ended(overrun(2026, 1), rules())
        .map(|_| ())
        .unwrap_err();
    assert!(r.to_string().contains("no escalation is running"), "{r}");
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

#[test]
fn a_ledger_refuses_what_cannot_be_summed() {
    let june = discount((2026, 6), 5, (2026, 3));
    assert_eq!(
        sum_ledger(&[entry(1, &june, 100), entry(1, &june, 100)]),
        Err(LedgerError::DuplicateId(1))
    );
    assert_eq!(
        sum_ledger(&[reversal(1, 2, "x"), entry(2, &june, 100)]),
        Err(LedgerError::NothingToReverse { id: 1, reverses: 2 }),
        "a reversal comes after what it undoes"
    );
    assert_eq!(
        sum_ledger(&[
            entry(1, &june, 100),
            reversal(2, 1, "x"),
            reversal(3, 2, "y")
        ]),
        Err(LedgerError::NothingToReverse { id: 3, reverses: 2 }),
        "a reversal is not reversed; the discount is booked again"
    );
    let LedgerEntry::Discount(mut wrong) = entry(1, &june, 1_010) else {
        unreachable!()
    };
    wrong.amount_cents = 51;
    assert!(matches!(
        sum_ledger(&[LedgerEntry::Discount(wrong)]),
        Err(LedgerError::WrongAmount { expected: 50, .. })
    ));
    assert_eq!(
        sum_ledger(&[entry(1, &june, 100), entry(2, &june, 100)]),
        Err(LedgerError::TwoDiscountsOnOneInvoice {
            invoice_month: month(2026, 6),
            first: 1,
            second: 2
        })
    );
    // Rebooking after a reversal is fine.
    let fixed = sum_ledger(&[
        entry(1, &june, 100),
        reversal(2, 1, "verkeerd maandbedrag"),
        entry(3, &june, 12_000),
    ])
    .unwrap();
    assert_eq!(fixed.total_cents, 600);
    assert_eq!(fixed.by_invoice_month[&month(2026, 6)], 600);
    assert_eq!(sum_ledger(&[]).unwrap().total_cents, 0);
}

// ---------------------------------------------------------------------------------------------
// Policy file
// ---------------------------------------------------------------------------------------------

fn overlay(text: &str) -> Result<Policy, sla::PolicyError> {
    policy().overlay(text, "klant.toml", &|_| Err("no files".into()))
}

#[test]
fn the_compensation_keys_are_checked_and_errors_name_the_field() {
    let e = overlay("[compensation]\nmonth_without_overrun = \"stops\"\n").unwrap_err();
    assert_eq!(
        (e.line, e.key.as_str()),
        (2, "compensation.month_without_overrun"),
        "{e}"
    );
    assert!(
        e.message.contains("ends") && e.message.contains("holds"),
        "{e}"
    );
    let e = overlay("[compensation]\nmonthly_fee_cents = -1\n").unwrap_err();
    assert_eq!(e.key, "compensation.monthly_fee_cents", "{e}");
    let e = overlay("[compensation]\nmonthly_fee_euro = 1250\n").unwrap_err();
    assert!(
        e.message.contains("monthly_fee_cents"),
        "lists the allowed keys: {e}"
    );
    let e = overlay("[compensation]\nstep_percent = 60\n").unwrap_err();
    assert_eq!(e.key, "compensation.cap_percent", "{e}");
    assert!(e.message.contains("step (60)"), "{e}");
    let e = overlay("[compensation]\nmonths_before_entitlement = \"3\"\n").unwrap_err();
    assert_eq!(e.key, "compensation.months_before_entitlement", "{e}");
}

#[test]
fn agreements_with_the_earlier_key_names_still_read() {
    let p = overlay(
        "[compensation]\nfollow_ups_before_discount = 3\ndiscount_step_percent = 10\ndiscount_max_percent = 40\n",
    )
    .unwrap();
    let c = &p.compensation;
    assert_eq!(
        (
            c.follow_ups_before_entitlement,
            c.step_percent,
            c.cap_percent
        ),
        (3, 10, 40)
    );
    let e = overlay("[compensation]\ncap_percent = 40\ndiscount_max_percent = 45\n").unwrap_err();
    assert!(
        e.message.contains("duplicate"),
        "both spellings of one key: {e}"
    );
}

#[test]
fn the_fee_round_trips_through_to_toml() {
    let p =
        overlay("[compensation]\nmonthly_fee_cents = 125000\nmonth_without_overrun = \"holds\"\n")
            .unwrap();
    let text = p.to_toml();
    assert!(text.contains("monthly_fee_cents = 125000"), "{text}");
    assert_eq!(overlay(&text).unwrap(), p);
    assert!(!policy().to_toml().contains("monthly_fee_cents"));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Reference rounding: the nearest integer to `n / 100`, ties to the even one, in i128.
fn reference_half_even(percent: u32, fee: u64) -> i128 {
    let n = i128::from(percent) * i128::from(fee);
    let floor = n.div_euclid(100);
    let twice_rest = 2 * n.rem_euclid(100);
    match twice_rest.cmp(&100) {
        std::cmp::Ordering::Less => floor,
        std::cmp::Ordering::Greater => floor + 1,
        std::cmp::Ordering::Equal => floor + floor.rem_euclid(2),
    }
}

fn ladder_policy() -> impl Strategy<Value = Compensation> {
    (1u32..=20, 0u32..=100, prop::bool::ANY).prop_map(|(step, cap, holds)| {
        with(|c| {
            c.step_percent = step;
            c.cap_percent = cap.max(step);
            c.month_without_overrun = if holds {
                MonthWithoutOverrun::Holds
            } else {
                MonthWithoutOverrun::Ends
            };
        })
    })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn amounts_round_half_to_even_exactly(percent in 0u32..=100, fee in prop_oneof![0u64..10_000, any::<u64>()]) {
        let got = discount_cents(percent, fee).unwrap();
        prop_assert_eq!(i128::from(got), reference_half_even(percent, fee));
        prop_assert!(got <= fee);
        // Within half a cent of the exact value, and even on a tie.
        let diff = i128::from(got) * 100 - i128::from(percent) * i128::from(fee);
        prop_assert!(diff.abs() <= 50);
        if diff.abs() == 50 {
            prop_assert_eq!(got % 2, 0);
        }
    }

    #[test]
    fn the_ladder_stays_under_the_cap_and_never_falls_within_an_escalation(
        policy in ladder_policy(),
        months in prop::collection::vec(prop::bool::weighted(0.7), 0..40),
        fee in 0u64..100_000_000,
    ) {
        let (mut e, first) = claimed_with(&policy);
        let cap = policy.cap_percent;
        prop_assert!(first.percent <= cap);
        let mut last = first.percent;
        let mut ledger = vec![entry(0, &first, fee)];
        let mut m = month(2026, 6);
        for overrun in months {
            let (next, d) = e.month_ended(MonthVerdict { month: m, overrun }, &policy).unwrap();
            match d {
                Some(d) => {
                    prop_assert!(d.percent <= cap, "{} > cap {}", d.percent, cap);
                    prop_assert!(d.percent >= last, "fell from {} to {}", last, d.percent);
                    prop_assert_eq!(d.percent, if overrun { (last + policy.step_percent).min(cap) } else { last });
                    prop_assert_eq!(d.invoice_month, m.next());
                    last = d.percent;
                    let LedgerEntry::Discount(booked) = entry(ledger.len() as u64, &d, fee) else { unreachable!() };
                    prop_assert!(booked.amount_cents <= fee);
                    ledger.push(LedgerEntry::Discount(booked));
                }
                None => {
                    prop_assert!(!overrun);
                    prop_assert_eq!(policy.month_without_overrun, MonthWithoutOverrun::Ends);
                    prop_assert_eq!(next.stage(), &Stage::Idle);
                    break;
                }
            }
            e = next;
            m = m.next();
        }
        let sum = sum_ledger(&ledger).unwrap();
        let expected: u64 = ledger.iter().map(|l| match l {
            LedgerEntry::Discount(d) => d.amount_cents,
            LedgerEntry::Reversal(_) => 0,
        }).sum();
        prop_assert_eq!(sum.total_cents, expected);
    }

    #[test]
    fn reversing_any_entries_takes_exactly_their_amounts_off(
        percents in prop::collection::vec(0u32..=50, 1..24),
        reversed in prop::collection::vec(prop::bool::ANY, 24),
        fee in 0u64..10_000_000,
    ) {
        let mut ledger = Vec::new();
        let mut m = month(2026, 1);
        let mut standing = 0u64;
        for (i, p) in percents.iter().enumerate() {
            let d = discount((m.year, m.month), *p, (2025, 12));
            ledger.push(entry(i as u64, &d, fee));
            if reversed[i] {
                ledger.push(reversal(1000 + i as u64, i as u64, "correctie"));
            } else {
                standing += discount_cents(*p, fee).unwrap();
            }
            m = m.next();
        }
        prop_assert_eq!(sum_ledger(&ledger).unwrap().total_cents, standing);
    }

    #[test]
    fn a_planned_follow_up_is_the_first_working_day_from_one_month_later(
        days in 0i64..40_000,
    ) {
        let held = date("1990-01-01").checked_add(jiff::Span::new().days(days)).unwrap();
        let planned = plan_follow_up(sw1(), rules(), held).unwrap();
        let target = held.checked_add(jiff::Span::new().months(1)).unwrap(); // jiff clamps too
        prop_assert!(planned >= target);
        let open = |d: Date| -> bool {
            let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
            let noon = tz.to_timestamp(d.at(12, 0, 0, 0)).unwrap();
            sw1().is_open(noon).unwrap()
        };
        prop_assert!(open(planned), "{} is no working day", planned);
        let mut d = target;
        while d < planned {
            prop_assert!(!open(d), "{} is a working day before {}", d, planned);
            d = d.tomorrow().unwrap();
        }
    }
}

#[test]
fn the_reference_rounding_agrees_with_known_values() {
    assert_eq!(reference_half_even(5, 1_010), 50);
    assert_eq!(reference_half_even(5, 1_030), 52);
    assert_eq!(reference_half_even(50, 3), 2);
}
