//! `list_tickets`: orders, paging, every filter, scoping, cursors.

use sla::{Channel, OutcomeKind, Priority, Status, TicketKind};
use store::{
    Derived, Millis, NewTicket, OrgId, PersonId, Scope, Store, Ticket, TicketFilter, TicketOrder,
    TicketUpdate,
};

use crate::fixtures::*;

const TOPICS: [&str; 5] = [
    "printer weigert",
    "VPN valt weg",
    "wachtwoord verlopen",
    "mailbox vol",
    "Teams start niet",
];

/// Subjects that test the literal meaning of `%`, `_` and `\` in a search.
fn subject(i: usize) -> String {
    match i {
        11 => "Korting 100% op licenties".into(),
        12 => "Korting 1000 op licenties".into(),
        13 => "Bestand a_b.txt kwijt".into(),
        14 => "Bestand axb.txt kwijt".into(),
        15 => "Pad C:\\Temp\\loket vol".into(),
        16 => "Pad C:Temploket vol".into(),
        _ => format!("Storing {i}: {}", TOPICS[i % TOPICS.len()]),
    }
}

/// ~50 tickets of two customers with varied fields; returns them as created.
async fn seed(store: &Store, w: &World) -> Vec<Ticket> {
    let mut out = Vec::new();
    for i in 0..50_usize {
        let n = i64::try_from(i).expect("i");
        let (org, agreement, reporter) = if i % 5 == 0 {
            (w.org_b.id, w.agreement_b.id, &w.admin_b)
        } else {
            (w.org_a.id, w.agreement_a.id, &w.admin_a)
        };
        let kind = TicketKind::ALL[i % 3];
        let priority = (kind == TicketKind::Incident).then(|| Priority::ALL[i % 4]);
        let resolved = i % 7 == 0;
        let status = if resolved {
            Status::Resolved
        } else if i % 4 == 1 {
            Status::WaitingOnCustomer
        } else {
            Status::Open
        };
        let outcome = if i % 6 == 0 {
            OutcomeKind::Missed
        } else if resolved {
            OutcomeKind::Met
        } else {
            OutcomeKind::Running
        };
        // Many equal queue positions, so the id decides among them.
        let queue_at: Option<Millis> = (!resolved).then(|| T0 + ((n * 37) % 23) * 10 * MINUTE);
        let next_deadline = queue_at.map(|q| q + (n % 3) * MINUTE);
        let received = T0 - DAY + n * MINUTE;
        let subject = subject(i);
        let new = NewTicket {
            org_id: org,
            agreement_id: agreement,
            kind,
            priority,
            channel: if i % 2 == 0 {
                Channel::Web
            } else {
                Channel::Phone
            },
            subject: subject.clone(),
            reporter_id: reporter.id,
            received_at: ts(received),
            created_at: ts(received + 1_000),
        };
        let state = TicketUpdate {
            status,
            priority,
            assignee_id: (i % 3 == 1).then_some(w.agent.id),
            clocks: Derived {
                clock_start: ts(received),
                next_deadline: next_deadline.map(ts),
                queue_at,
                sla_outcome: outcome,
                paused: status == Status::WaitingOnCustomer,
                targets: two_targets(received),
            },
        };
        let t = store
            .create_ticket(&new, &created_event(received, reporter, &subject), &state)
            .await
            .expect("create");
        out.push(t);
    }
    out
}

/// What the listing should return, computed in Rust from the created tickets.
fn expected(all: &[Ticket], scope: &Scope, f: &TicketFilter) -> Vec<Ticket> {
    if let (Some(own), Some(asked)) = (scope.org(), f.org)
        && own != asked
    {
        return Vec::new();
    }
    let mut v: Vec<Ticket> = all
        .iter()
        .filter(|t| scope.may_see(t.org_id))
        .filter(|t| f.org.is_none_or(|o| t.org_id == o))
        .filter(|t| f.kind.as_ref().is_none_or(|k| &t.kind == k))
        .filter(|t| f.status.as_ref().is_none_or(|s| &t.status == s))
        .filter(|t| f.priority.is_none() || t.priority == f.priority)
        .filter(|t| {
            f.sla_outcome
                .as_ref()
                .is_none_or(|o| &t.clocks.sla_outcome == o)
        })
        .filter(|t| {
            f.deadline_before
                .is_none_or(|b| t.clocks.next_deadline.is_some_and(|d| d <= b))
        })
        .filter(|t| f.assignee.is_none_or(|a| t.assignee_id == Some(a)))
        .filter(|t| {
            f.subject.as_ref().is_none_or(|s| {
                t.subject
                    .to_ascii_lowercase()
                    .contains(&s.to_ascii_lowercase())
            })
        })
        .cloned()
        .collect();
    match f.order {
        TicketOrder::Queue => {
            v.retain(|t| t.clocks.queue_at.is_some());
            v.sort_by_key(|t| (t.clocks.queue_at, t.id));
        }
        TicketOrder::Newest => v.sort_by_key(|t| std::cmp::Reverse(t.id)),
    }
    v
}

/// Every page of a listing, checking the paging contract on the way.
async fn all_pages(store: &Store, scope: &Scope, f: &TicketFilter, limit: u32) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let page = store
            .list_tickets(scope, f, cursor.as_deref(), limit)
            .await
            .unwrap_or_else(|e| panic!("list {f:?} after {cursor:?}: {e}"));
        if cursor.is_some() {
            assert!(
                !page.items.is_empty(),
                "a cursor led to an empty page: {f:?}"
            );
        }
        out.extend(page.items.iter().cloned());
        match page.next {
            None => {
                assert!(page.items.len() <= limit as usize);
                return out;
            }
            Some(next) => {
                assert_eq!(
                    page.items.len(),
                    limit as usize,
                    "only full pages have a next"
                );
                assert!(store::is_cursor(&next), "`{next}` has no cursor's shape");
                cursor = Some(next);
            }
        }
    }
    panic!("paging does not end: {f:?}");
}

fn ids(v: &[Ticket]) -> Vec<i64> {
    v.iter().map(|t| t.id.0).collect()
}

/// Checks a filter in both orders, paged by 7 and in one page.
async fn check(store: &Store, all: &[Ticket], scope: &Scope, f: TicketFilter) -> usize {
    let mut sizes = Vec::new();
    for order in [TicketOrder::Queue, TicketOrder::Newest] {
        let f = TicketFilter { order, ..f.clone() };
        let want = expected(all, scope, &f);
        let paged = all_pages(store, scope, &f, 7).await;
        assert_eq!(ids(&paged), ids(&want), "paged by 7: {f:?} as {scope:?}");
        // Whole rows, targets included.
        assert_eq!(paged, want, "rows: {f:?}");
        let one = store
            .list_tickets(scope, &f, None, 500)
            .await
            .expect("one page");
        assert_eq!(one.next, None);
        assert_eq!(ids(&one.items), ids(&want), "one page: {f:?}");
        sizes.push(want.len());
    }
    sizes[1]
}

fn search(text: &str) -> TicketFilter {
    TicketFilter {
        subject: Some(text.into()),
        ..TicketFilter::default()
    }
}

pub async fn case_list_tickets_paging(store: &Store) {
    let w = World::new(store).await;
    let all = seed(store, &w).await;
    let in_queue = all.iter().filter(|t| t.clocks.queue_at.is_some()).count();
    assert!(
        in_queue > 35 && in_queue < 50,
        "some tickets are out of the queue"
    );

    // The queue: (queue_at, id), resolved tickets left out; every ticket once, in order.
    let f = TicketFilter::default();
    let queue = all_pages(store, &Scope::System, &f, 7).await;
    assert_eq!(queue.len(), in_queue);
    assert!(
        queue
            .windows(2)
            .all(|p| (p[0].clocks.queue_at, p[0].id) < (p[1].clocks.queue_at, p[1].id))
    );
    assert!(queue.iter().all(|t| t.status != Status::Resolved));
    let mut distinct = ids(&queue);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), in_queue);
    // Ties on queue_at exist in the data, so the id really is the tie-breaker.
    assert!(
        queue
            .windows(2)
            .any(|p| p[0].clocks.queue_at == p[1].clocks.queue_at)
    );
    // The first page by hand.
    let first = store
        .list_tickets(&Scope::System, &f, None, 7)
        .await
        .expect("page");
    assert_eq!(first.items, queue[..7].to_vec());
    assert!(first.next.is_some());

    // Newest first: every ticket, resolved too.
    let newest = TicketFilter {
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    let listed = all_pages(store, &Scope::System, &newest, 7).await;
    assert_eq!(listed.len(), 50);
    let mut want = ids(&all);
    want.reverse();
    assert_eq!(ids(&listed), want);

    // Pages of exactly the limit: the last full page has no next.
    let b_only = TicketFilter {
        org: Some(w.org_b.id),
        order: TicketOrder::Newest,
        ..TicketFilter::default()
    };
    let page = store
        .list_tickets(&Scope::System, &b_only, None, 10)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 10);
    assert_eq!(page.next, None);
    let page = store
        .list_tickets(&Scope::System, &b_only, None, 9)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 9);
    let rest = store
        .list_tickets(&Scope::System, &b_only, page.next.as_deref(), 9)
        .await
        .expect("page");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);

    // Cursors that are not from this listing are refused.
    for bad in [
        "", "garbage", "q", "q12", "qx_1", "q1_y", "n5", "q1_2_3", "q1_2 ",
    ] {
        assert_rejected(
            store.list_tickets(&Scope::System, &f, Some(bad), 7).await,
            "cursor",
        );
    }
    for bad in ["", "n", "nabc", "5", "q1_2", "n5 "] {
        assert_rejected(
            store
                .list_tickets(&Scope::System, &newest, Some(bad), 7)
                .await,
            "cursor",
        );
    }
    // A queue cursor does not page a newest listing.
    assert_rejected(
        store
            .list_tickets(&Scope::System, &newest, first.next.as_deref(), 7)
            .await,
        "cursor",
    );
}

pub async fn case_list_tickets_filters(store: &Store) {
    let w = World::new(store).await;
    let all = seed(store, &w).await;
    let sys = Scope::System;
    let base = TicketFilter::default;

    assert_eq!(check(store, &all, &sys, base()).await, 50);
    for org in [w.org_a.id, w.org_b.id] {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                org: Some(org),
                ..base()
            },
        )
        .await;
        assert!(n > 0);
    }
    assert_eq!(
        check(
            store,
            &all,
            &sys,
            TicketFilter {
                org: Some(OrgId(w.org_b.id.0 + 1000)),
                ..base()
            }
        )
        .await,
        0
    );
    for &kind in TicketKind::ALL {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                kind: Some(kind),
                ..base()
            },
        )
        .await;
        assert!(n > 0, "{kind}");
    }
    for status in [Status::Open, Status::WaitingOnCustomer, Status::Resolved] {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                status: Some(status),
                ..base()
            },
        )
        .await;
        assert!(n > 0, "{status}");
    }
    for &priority in Priority::ALL {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                priority: Some(priority),
                ..base()
            },
        )
        .await;
        assert!(n > 0, "{priority}");
    }
    for &outcome in OutcomeKind::ALL {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                sla_outcome: Some(outcome),
                ..base()
            },
        )
        .await;
        assert!(n > 0, "{outcome}");
    }
    for before in [T0 - 1, T0 + 30 * MINUTE, T0 + 60 * MINUTE + 1] {
        let n = check(
            store,
            &all,
            &sys,
            TicketFilter {
                deadline_before: Some(ts(before)),
                ..base()
            },
        )
        .await;
        assert_eq!(n == 0, before < T0, "{before}");
    }
    let n = check(
        store,
        &all,
        &sys,
        TicketFilter {
            assignee: Some(w.agent.id),
            ..base()
        },
    )
    .await;
    assert!(n > 0);
    assert_eq!(
        check(
            store,
            &all,
            &sys,
            TicketFilter {
                assignee: Some(PersonId(w.admin_a.id.0)),
                ..base()
            }
        )
        .await,
        0
    );

    // Subject search: case-insensitive, and %, _ and \ are literal characters.
    let subjects = |hits: Vec<Ticket>| hits.into_iter().map(|t| t.subject).collect::<Vec<_>>();
    let one_page = |f: TicketFilter| async move {
        let f = TicketFilter {
            order: TicketOrder::Newest,
            ..f
        };
        store
            .list_tickets(&sys, &f, None, 500)
            .await
            .expect("list")
            .items
    };
    for (text, want) in [
        (
            "korting",
            vec!["Korting 1000 op licenties", "Korting 100% op licenties"],
        ),
        ("KORTING 100%", vec!["Korting 100% op licenties"]),
        ("%", vec!["Korting 100% op licenties"]),
        ("a_b", vec!["Bestand a_b.txt kwijt"]),
        ("_", vec!["Bestand a_b.txt kwijt"]),
        ("c:\\temp", vec!["Pad C:\\Temp\\loket vol"]),
        ("\\", vec!["Pad C:\\Temp\\loket vol"]),
        ("geen enkel onderwerp", vec![]),
    ] {
        assert_eq!(
            subjects(one_page(search(text)).await),
            want,
            "search {text:?}"
        );
        check(store, &all, &sys, search(text)).await;
    }
    let vpn = check(store, &all, &sys, search("vpn")).await;
    assert!(vpn > 5);

    // Several filters at once.
    let combo = TicketFilter {
        org: Some(w.org_a.id),
        kind: Some(TicketKind::Question),
        status: Some(Status::Open),
        assignee: Some(w.agent.id),
        ..base()
    };
    assert!(check(store, &all, &sys, combo).await > 0);
    let combo = TicketFilter {
        priority: Some(Priority::Urgent),
        sla_outcome: Some(OutcomeKind::Running),
        deadline_before: Some(ts(T0 + 2 * HOUR)),
        subject: Some("storing".into()),
        ..base()
    };
    check(store, &all, &sys, combo).await;

    // Vendor staff see everything; a customer only its own, whatever it asks for.
    assert_eq!(check(store, &all, &w.vendor(), base()).await, 50);
    let ca = w.customer_a();
    let own = all.iter().filter(|t| t.org_id == w.org_a.id).count();
    assert_eq!(check(store, &all, &ca, base()).await, own);
    assert_eq!(
        check(
            store,
            &all,
            &ca,
            TicketFilter {
                org: Some(w.org_a.id),
                ..base()
            }
        )
        .await,
        own
    );
    assert!(
        check(
            store,
            &all,
            &ca,
            TicketFilter {
                kind: Some(TicketKind::Rfc),
                ..base()
            }
        )
        .await
            > 0
    );
    assert!(check(store, &all, &ca, search("korting")).await > 0);
    for order in [TicketOrder::Queue, TicketOrder::Newest] {
        let other = TicketFilter {
            org: Some(w.org_b.id),
            order,
            ..base()
        };
        let page = store
            .list_tickets(&ca, &other, None, 7)
            .await
            .expect("list");
        assert!(page.items.is_empty());
        assert_eq!(page.next, None);
    }
    let cb = w.customer_b();
    let listed = all_pages(
        store,
        &cb,
        &TicketFilter {
            order: TicketOrder::Newest,
            ..base()
        },
        7,
    )
    .await;
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|t| t.org_id == w.org_b.id));
}

/// The shape check the API runs before a listing: every `next` passes it (see `all_pages`),
/// and these do not.
#[test]
fn cursor_shapes() {
    for good in ["q1_2", "n7", "q1234567890123456789_1"] {
        assert!(store::is_cursor(good), "{good}");
    }
    for bad in [
        "",
        "q",
        "n",
        "x1",
        "q1",
        "q_1",
        "q1_",
        "n-1",
        "n12345678901234567890",
        "q1_2_3",
        "nä",
    ] {
        assert!(!store::is_cursor(bad), "{bad}");
    }
}
