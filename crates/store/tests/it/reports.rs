//! Report counts: targets decided in a period, grouped per customer, kind, priority and bound,
//! checked against counts computed here from the rows written.

use std::collections::BTreeMap;

use store::{Derived, NewTicket, OrgId, ReportCount, Store, TargetRow, TicketUpdate};

use crate::fixtures::*;

/// One target of a generated ticket: (bound, percent_bp, within, outcome, decided_at offset).
type Spec = (i64, i64, &'static str, &'static str, Option<i64>);

pub async fn case_report_counts(store: &Store) {
    let w = World::new(store).await;
    let (from, to) = (T0, T0 + 30 * DAY);
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
                kind: kind.into(),
                priority: priority.map(Into::into),
                channel: "portal".into(),
                subject: subject.clone(),
                reporter_id: reporter,
                received_at: at,
                created_at: at,
            };
            let rows: Vec<TargetRow> = targets
                .iter()
                .map(|(bound, bp, within, outcome, off)| TargetRow {
                    bound: *bound,
                    percent_bp: *bp,
                    within: (*within).into(),
                    deadline: Some(from + 2 * DAY),
                    outcome: (*outcome).into(),
                    decided_at: off.map(|o| from + o),
                    business_used: 0,
                    budget: 0,
                })
                .collect();
            let update = TicketUpdate {
                status: "new".into(),
                priority: priority.map(Into::into),
                assignee_id: None,
                clocks: Derived {
                    clock_start: at,
                    next_deadline: None,
                    queue_at: None,
                    sla_outcome: "running".into(),
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
                        r.kind,
                        r.priority,
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
        .report_counts(&w.vendor(), None, from, to)
        .await
        .expect("all");
    assert_eq!(got(all), expected(None));
    let only_a = store
        .report_counts(&w.vendor(), Some(w.org_a.id), from, to)
        .await
        .expect("a");
    assert_eq!(got(only_a), expected(Some(w.org_a.id)));
    // A customer sees their own counts, whatever they ask for; another's is empty.
    let own = store
        .report_counts(&w.customer_b(), None, from, to)
        .await
        .expect("own");
    assert_eq!(got(own), expected(Some(w.org_b.id)));
    assert!(
        store
            .report_counts(&w.customer_b(), Some(w.org_a.id), from, to)
            .await
            .expect("other")
            .is_empty()
    );

    // The misses: every missed target decided in the period, customer A's only for A.
    let missed = store
        .missed_targets(&w.vendor(), None, from, to)
        .await
        .expect("missed");
    let total_missed: i64 = expected(None).values().map(|v| v.1).sum();
    assert_eq!(missed.len() as i64, total_missed);
    assert!(
        missed
            .iter()
            .all(|m| m.decided_at >= from && m.decided_at < to)
    );
    assert!(
        missed
            .windows(2)
            .all(|p| p[0].decided_at <= p[1].decided_at)
    );
    let missed_a = store
        .missed_targets(&w.customer_a(), None, from, to)
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
            .missed_targets(&w.customer_a(), Some(w.org_b.id), from, to)
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
    assert_eq!(first.deadline, Some(from + 2 * DAY));
    assert!(first.subject.starts_with("Melding "));
}
