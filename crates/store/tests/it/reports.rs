//! Report counts: targets decided in a period, grouped per customer, kind, priority and bound,
//! checked against counts computed here from the rows written.

use std::collections::BTreeMap;

use sla::{Channel, OutcomeKind, Priority, Status};
use store::{Derived, NewTicket, OrgId, ReportCount, Store, TargetRow, TicketUpdate};

use crate::fixtures::*;

/// One target of a generated ticket: (bound, percent_bp, within, outcome, decided_at offset).
type Spec = (i64, i64, &'static str, &'static str, Option<i64>);

/// The month key the application would give an instant: here the period is "month" 202611,
/// what comes before it 202610, after it 202612.
const MONTH: i64 = 202_611;

pub async fn case_report_counts(store: &Store) {
    let w = World::new(store).await;
    let (from, to) = (T0, T0 + 30 * DAY);
    let month_of = |at: i64| {
        if at < from {
            MONTH - 1
        } else if at >= to {
            MONTH + 1
        } else {
            MONTH
        }
    };
    // (customer A?, kind, priority, targets); offsets relative to `from`.
    let outcomes: [(&str, Option<i64>); 6] = [
        ("met", Some(HOUR)),
        ("missed", Some(2 * DAY)),
        ("met", Some(-HOUR)),        // decided before the period
        ("missed", Some(30 * DAY)),  // decided exactly at its end: next period
        ("running", None),           // not decided
        ("met", Some(30 * DAY - 1)), // the last millisecond of the period
    ];
    // (customer, kind, priority, targets, ticket id)
    type Written = (OrgId, String, Option<String>, Vec<Spec>, String);
    let mut written: Vec<Written> = Vec::new();
    let mut n = 0;
    for (i, (o1, d1)) in outcomes.iter().enumerate() {
        for (j, (o2, d2)) in outcomes.iter().enumerate() {
            n += 1;
            let a = (i + j) % 3 != 0;
            let (kind, priority) = match (i * 7 + j) % 4 {
                0 => ("incident", Some("urgent")),
                1 => ("incident", Some("normal")),
                2 => ("question", None),
                _ => ("rfc", None),
            };
            let targets: Vec<Spec> = vec![
                (0, 9_000, "4 hours", o1, *d1),
                (1, 10_000, "2 days", o2, *d2),
            ];
            let subject = format!("Melding {n}");
            let (org, agreement, reporter) = if a {
                (w.org_a.id, w.agreement_a.id, w.admin_a.id)
            } else {
                (w.org_b.id, w.agreement_b.id, w.admin_b.id)
            };
            let at = from - DAY;
            let new = NewTicket {
                org_id: org,
                agreement_id: agreement,
                kind: kind.parse().expect("kind"),
                priority: priority.map(|p| p.parse().expect("priority")),
                channel: Channel::Web,
                subject: subject.clone(),
                reporter_id: reporter,
                received_at: ts(at),
                created_at: ts(at),
            };
            let rows: Vec<TargetRow> = targets
                .iter()
                .map(|(bound, bp, within, outcome, off)| TargetRow {
                    bound: *bound,
                    percent_bp: *bp,
                    within: (*within).into(),
                    deadline: Some(ts(from + 2 * DAY)),
                    outcome: outcome.parse().expect("outcome"),
                    decided_at: off.map(|o| ts(from + o)),
                    business_used: 0,
                    budget: 0,
                    decided_month: off.map(|o| month_of(from + o)),
                    bin: None,
                })
                .collect();
            let update = TicketUpdate {
                status: Status::New,
                priority: priority.map(|p| p.parse().expect("priority")),
                assignee_id: None,
                clocks: Derived {
                    clock_start: ts(at),
                    next_deadline: None,
                    queue_at: None,
                    sla_outcome: OutcomeKind::Running,
                    paused: false,
                    targets: rows,
                },
            };
            let reporter_person = if a { &w.admin_a } else { &w.admin_b };
            let t = store
                .create_ticket(&new, &created_event(at, reporter_person, &subject), &update)
                .await
                .expect("create");
            written.push((
                org,
                kind.to_string(),
                priority.map(String::from),
                targets,
                t.id.to_string(),
            ));
        }
    }

    // Independently: count per key the targets decided in [from, to).
    type Key = (i64, String, Option<String>, i64, i64, String);
    let expected = |only: Option<OrgId>| {
        let mut m: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
        for (org, kind, priority, targets, _) in &written {
            if only.is_some_and(|o| o != *org) {
                continue;
            }
            for (bound, bp, within, outcome, off) in targets {
                let Some(at) = off.map(|o| from + o) else {
                    continue;
                };
                if at < from || at >= to {
                    continue;
                }
                let key = (
                    org.0,
                    kind.clone(),
                    priority.clone(),
                    *bound,
                    *bp,
                    within.to_string(),
                );
                let e = m.entry(key).or_default();
                match *outcome {
                    "met" => e.0 += 1,
                    "missed" => e.1 += 1,
                    _ => {}
                }
            }
        }
        m
    };
    let got = |rows: Vec<ReportCount>| {
        rows.into_iter()
            .map(|r| {
                (
                    (
                        r.org_id.0,
                        r.kind.as_str().to_string(),
                        r.priority.map(|p| p.as_str().to_string()),
                        r.bound,
                        r.percent_bp,
                        r.within,
                    ),
                    (r.met, r.missed),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };

    let all = store
        .report_counts(&w.vendor(), None, MONTH)
        .await
        .expect("all");
    assert_eq!(got(all), expected(None));
    let only_a = store
        .report_counts(&w.vendor(), Some(w.org_a.id), MONTH)
        .await
        .expect("a");
    assert_eq!(got(only_a), expected(Some(w.org_a.id)));
    // A customer sees their own counts, whatever they ask for; another's is empty.
    let own = store
        .report_counts(&w.customer_b(), None, MONTH)
        .await
        .expect("own");
    assert_eq!(got(own), expected(Some(w.org_b.id)));
    assert!(
        store
            .report_counts(&w.customer_b(), Some(w.org_a.id), MONTH)
            .await
            .expect("other")
            .is_empty()
    );

    // The misses: every missed target decided in the period, customer A's only for A.
    let missed = store
        .missed_targets(&w.vendor(), None, ts(from), ts(to))
        .await
        .expect("missed");
    let total_missed: i64 = expected(None).values().map(|v| v.1).sum();
    assert_eq!(missed.len() as i64, total_missed);
    assert!(
        missed
            .iter()
            .all(|m| m.decided_at >= ts(from) && m.decided_at < ts(to))
    );
    assert!(
        missed
            .windows(2)
            .all(|p| p[0].decided_at <= p[1].decided_at)
    );
    let missed_a = store
        .missed_targets(&w.customer_a(), None, ts(from), ts(to))
        .await
        .expect("missed a");
    assert!(missed_a.iter().all(|m| m.org_id == w.org_a.id));
    assert_eq!(
        missed_a.len() as i64,
        expected(Some(w.org_a.id))
            .values()
            .map(|v| v.1)
            .sum::<i64>()
    );
    assert!(
        store
            .missed_targets(&w.customer_a(), Some(w.org_b.id), ts(from), ts(to))
            .await
            .expect("other")
            .is_empty()
    );
    let first = &missed[0];
    let ticket = written
        .iter()
        .find(|t| t.4 == first.ticket_id.to_string())
        .expect("written");
    assert_eq!(first.org_id, ticket.0);
    assert_eq!(first.deadline, Some(ts(from + 2 * DAY)));
    assert!(first.subject.starts_with("Melding "));
}

/// Targets as `(outcome, month, bin)` for bounds 0 and 1 of an incident.
fn decided(states: [(&str, Option<i64>, Option<i64>); 2]) -> Vec<TargetRow> {
    states
        .iter()
        .enumerate()
        .map(|(i, (outcome, month, bin))| TargetRow {
            bound: i as i64,
            percent_bp: if i == 0 { 9_000 } else { 10_000 },
            within: if i == 0 { "4 hours" } else { "6 hours" }.into(),
            deadline: Some(ts(T0 + 4 * HOUR)),
            outcome: outcome.parse().expect("outcome"),
            decided_at: month.map(|_| ts(T0 + HOUR)),
            business_used: 0,
            budget: 0,
            decided_month: *month,
            bin: *bin,
        })
        .collect()
}

/// The stored report figures follow every rewrite of a ticket's targets in its transaction:
/// decided targets are counted once, under the priority they were decided with; a reopened
/// ticket leaves its month; a change of priority or month moves the count.
pub async fn case_report_totals_follow_rewrites(store: &Store) {
    let w = World::new(store).await;
    let new = w.incident_a("Totals", T0);
    let running = TicketUpdate {
        status: Status::New,
        priority: Some(Priority::Urgent),
        assignee_id: None,
        clocks: Derived {
            clock_start: ts(T0),
            next_deadline: None,
            queue_at: None,
            sla_outcome: OutcomeKind::Running,
            paused: false,
            targets: decided([("running", None, None), ("running", None, None)]),
        },
    };
    let t = store
        .create_ticket(&new, &created_event(T0, &w.admin_a, "Totals"), &running)
        .await
        .expect("create");
    let (vendor, org_a) = (w.vendor(), w.org_a.id);
    let counts = |month: i64| async move {
        let mut out: Vec<(Option<String>, i64, i64, i64)> = store
            .report_counts(&vendor, Some(org_a), month)
            .await
            .expect("counts")
            .into_iter()
            .map(|c| {
                (
                    c.priority.map(|p| p.as_str().to_string()),
                    c.bound,
                    c.met,
                    c.missed,
                )
            })
            .collect();
        out.sort();
        out
    };
    assert!(
        counts(MONTH).await.is_empty(),
        "running targets do not count"
    );

    let rewrite = |priority: &'static str, targets: Vec<TargetRow>| {
        let update = TicketUpdate {
            priority: Some(priority.parse().expect("priority")),
            clocks: Derived {
                targets,
                ..running.clocks.clone()
            },
            ..running.clone()
        };
        store.refresh_ticket::<store::StoreError, _>(t.id, move |_, _| Ok(update))
    };
    let u = |s: &str| Some(s.to_string());
    rewrite(
        "urgent",
        decided([("met", Some(MONTH), Some(3)), ("met", Some(MONTH), None)]),
    )
    .await
    .expect("met");
    assert_eq!(
        counts(MONTH).await,
        [(u("urgent"), 0, 1, 0), (u("urgent"), 1, 1, 0)]
    );
    assert_eq!(
        store
            .report_bins(&w.vendor(), Some(w.org_a.id), MONTH)
            .await
            .expect("bins"),
        [(Priority::Urgent, 3, 1)]
    );
    // Written again unchanged: still counted once.
    rewrite(
        "urgent",
        decided([("met", Some(MONTH), Some(3)), ("met", Some(MONTH), None)]),
    )
    .await
    .expect("again");
    assert_eq!(
        counts(MONTH).await,
        [(u("urgent"), 0, 1, 0), (u("urgent"), 1, 1, 0)]
    );
    // Reopened: the month loses it.
    rewrite(
        "urgent",
        decided([("running", None, None), ("running", None, None)]),
    )
    .await
    .expect("reopened");
    assert!(counts(MONTH).await.is_empty());
    // Re-prioritised and missed the next month: counted there, under the new priority.
    rewrite(
        "high",
        decided([
            ("missed", Some(MONTH + 1), Some(12)),
            ("met", Some(MONTH + 1), None),
        ]),
    )
    .await
    .expect("missed");
    assert!(counts(MONTH).await.is_empty());
    assert_eq!(
        counts(MONTH + 1).await,
        [(u("high"), 0, 0, 1), (u("high"), 1, 1, 0)]
    );
    // Several months in one call, each with its index; customers see only their own.
    let by_month = store
        .report_counts_by_month(&w.vendor(), None, &[MONTH, MONTH + 1])
        .await
        .expect("by month");
    assert!(by_month.iter().all(|(i, _)| *i == 1));
    assert_eq!(by_month.len(), 2);
    assert!(
        store
            .report_counts_by_month(&w.customer_b(), None, &[MONTH + 1])
            .await
            .expect("b")
            .is_empty()
    );
    // Nothing decided lacks its month, so the refresher has nothing to recount.
    assert!(
        store
            .tickets_uncounted(10)
            .await
            .expect("uncounted")
            .is_empty()
    );
    rewrite(
        "high",
        decided([("met", None, None), ("running", None, None)]),
    )
    .await
    .expect("unkeyed");
    assert_eq!(
        store.tickets_uncounted(10).await.expect("uncounted"),
        [t.id]
    );
}

/// Publishing: once per month and scope, frozen as given, visible to the customer it is
/// about only, audited; reasons on missed tickets only, by the vendor's staff only.
pub async fn case_publications_and_reasons(store: &Store) {
    let w = World::new(store).await;
    let by = w.agent.id;
    let a = Some(w.org_a.id);
    let p = store
        .publish_report(a, "2026-10", "{\"x\":1}", "abc", by, T0, &[])
        .await
        .expect("publish");
    assert_eq!(
        (p.month.as_str(), p.org_id, p.published_at),
        ("2026-10", a, T0)
    );
    assert!(matches!(
        store
            .publish_report(a, "2026-10", "{}", "def", by, T0, &[])
            .await,
        Err(store::StoreError::Conflict { field: "month", .. })
    ));
    // Another scope publishes the same month independently.
    store
        .publish_report(None, "2026-10", "{\"all\":1}", "ghi", by, T0, &[])
        .await
        .expect("all customers");
    store
        .publish_report(a, "2026-08", "{\"x\":0}", "aug", by, T0, &[])
        .await
        .expect("august");
    let got = store
        .published_report(&w.customer_a(), a, "2026-10")
        .await
        .expect("own")
        .expect("published");
    assert_eq!(
        (got.body.as_str(), got.sha256.as_str()),
        ("{\"x\":1}", "abc")
    );
    assert!(
        store
            .published_report(&w.customer_b(), a, "2026-10")
            .await
            .expect("other")
            .is_none()
    );
    assert!(
        store
            .published_report(&w.customer_a(), None, "2026-10")
            .await
            .expect("all")
            .is_none(),
        "customers do not read the all-customers report"
    );
    let before: Vec<String> = store
        .published_before(&w.vendor(), a, "2026-11", 10)
        .await
        .expect("before")
        .into_iter()
        .map(|p| p.month)
        .collect();
    assert_eq!(before, ["2026-10", "2026-08"]);
    assert_eq!(
        store
            .publications(&w.customer_b(), 10)
            .await
            .expect("b's")
            .len(),
        0
    );
    assert_eq!(
        store
            .publications(&w.vendor(), 10)
            .await
            .expect("all")
            .len(),
        3
    );

    // Reasons.
    let t = store
        .create_ticket(
            &w.incident_a("Reden", T0),
            &created_event(T0, &w.admin_a, "Reden"),
            &TicketUpdate {
                status: Status::New,
                priority: Some(Priority::Urgent),
                assignee_id: None,
                clocks: Derived {
                    clock_start: ts(T0),
                    next_deadline: None,
                    queue_at: None,
                    sla_outcome: OutcomeKind::Missed,
                    paused: false,
                    targets: decided([("missed", Some(MONTH), Some(12)), ("running", None, None)]),
                },
            },
        )
        .await
        .expect("ticket");
    // Another customer's ticket is not there.
    assert!(matches!(
        store
            .set_miss_reason(&w.customer_b(), t.id, "Mijn reden", w.admin_b.id, T0)
            .await,
        Err(store::StoreError::NotFound("ticket"))
    ));
    assert!(
        store
            .set_miss_reason(&w.vendor(), t.id, "Wachten op de leverancier", by, T0 + 1)
            .await
            .expect("reason")
    );
    let (reason, who, at) = store
        .miss_reason(&w.customer_a(), t.id)
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!(
        (reason.as_str(), who, at),
        ("Wachten op de leverancier", Some(by), T0 + 1)
    );
    assert!(store.miss_reason(&w.customer_b(), t.id).await.is_err());
    let missed = store
        .missed_targets(&w.vendor(), a, ts(T0), ts(T0 + 2 * DAY))
        .await
        .expect("missed");
    assert_eq!(missed.len(), 1);
    assert_eq!(
        missed[0].reason.as_deref(),
        Some("Wachten op de leverancier")
    );
    assert!(missed[0].open);
    // A ticket that missed nothing gets no reason.
    let fine = store
        .create_ticket(
            &w.incident_a("Op tijd", T0),
            &created_event(T0, &w.admin_a, "Op tijd"),
            &TicketUpdate {
                status: Status::New,
                priority: Some(Priority::Urgent),
                assignee_id: None,
                clocks: Derived {
                    clock_start: ts(T0),
                    next_deadline: None,
                    queue_at: None,
                    sla_outcome: OutcomeKind::Running,
                    paused: false,
                    targets: decided([("running", None, None), ("running", None, None)]),
                },
            },
        )
        .await
        .expect("ticket");
    assert!(
        !store
            .set_miss_reason(&w.vendor(), fine.id, "Niets", by, T0)
            .await
            .expect("nothing to record")
    );
    assert_eq!(
        store.miss_reason(&w.vendor(), fine.id).await.expect("read"),
        None
    );
    // Both writes left their audit entries.
    let actions: Vec<String> = store
        .audit_log(&store::Scope::System, 50)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "report.published").count(),
        3
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "ticket.miss_reason")
            .count(),
        1
    );
}
