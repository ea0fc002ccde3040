//! Compensation (SLA-SEMANTICS §7), one story per rule, on the injected clock: overrun months
//! judged after they end in Amsterdam time, the request, the consultation with its follow-up
//! planned on a working day, follow-ups with the system's proposal, entitlement after two
//! follow-ups and three months, the claim, the ladder to the cap, the month without overrun
//! that ends it, progress, a reversal, other switches, and a published month corrected
//! afterwards. Expected amounts are worked out by hand here, not by the engine.

use desk::compensation::{
    ActionItem, Attendee, ClaimInput, CsvDialect, MeetingInput, RequestInput, Side,
};
use desk::{Caller, DeskError};
use jiff::civil::Date;
use serde_json::json;
use sla::Month;
use store::{DiscountId, OrgId, PersonId};

use crate::harness::App;
use crate::world::World;

/// The world with callers for the desk's services, and customer A's agreement with a fee.
pub struct Story {
    pub w: World,
    pub a: OrgId,
    pub a_admin: Caller,
    pub a_viewer: Caller,
    pub b_admin: Caller,
    pub agent: Caller,
    pub manager: Caller,
}

async fn caller(app: &App, token: &str) -> Caller {
    app.state
        .authenticate(Some(token), None)
        .await
        .expect("caller")
}

/// The world on Monday 2 February 2026 (its two incidents resolved at once), customer A under
/// an agreement that adds `policy` from 1 January 2026.
pub async fn story(app: &App, policy: &str) -> Story {
    app.set_time("2026-02-02T09:00:00Z");
    let w = app.world().await;
    let agent = w.agent.bearer();
    app.set_time("2026-02-02T09:30:00Z");
    for t in [w.a.ticket, w.b.ticket] {
        app.post(
            &agent,
            &format!("/api/v1/tickets/{t}/status"),
            json!({ "status": "resolved" }),
        )
        .await
        .expect(200);
    }
    app.post(
        &w.admin.bearer(),
        &format!("/api/v1/organizations/{}/agreements", w.a.id),
        json!({ "name": "Met abonnementsprijs", "policy": policy,
                "effective_from": "2026-01-01T00:00:00+01:00" }),
    )
    .await
    .expect(201);
    Story {
        a: OrgId(w.a.id),
        a_admin: caller(app, &w.a.admin.token).await,
        a_viewer: caller(app, &w.a.viewer.token).await,
        b_admin: caller(app, &w.b.admin.token).await,
        agent: caller(app, &w.agent.token).await,
        manager: caller(app, &w.manager.token).await,
        w,
    }
}

pub fn month(s: &str) -> Month {
    s.parse().expect("month")
}

pub fn date(s: &str) -> Date {
    s.parse().expect("date")
}

/// An urgent incident of customer A filed on `day` (a working day) at 09:00 UTC and never
/// resolved: both bounds are missed that day, so the month is an overrun month.
pub async fn miss(app: &App, s: &Story, day: &str) -> i64 {
    app.set_time(&format!("{day}T09:00:00Z"));
    let id = app
        .file(
            &s.w.a.admin.bearer(),
            json!({ "kind": "incident", "priority": "urgent", "subject": format!("Storing {day}") }),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    app.set_time(&format!("{day}T17:00:00Z"));
    while app.state.refresh_clocks().await.expect("refresh") >= 500 {}
    id
}

pub fn meeting(s: &Story, held_on: &str) -> MeetingInput {
    MeetingInput {
        held_on: date(held_on),
        meeting_id: None,
        attendees: vec![
            Attendee {
                name: "Jan Beheer".into(),
                side: Side::Customer,
                person_id: Some(s.w.a.admin.id),
            },
            Attendee {
                name: "M. Manager".into(),
                side: Side::Vendor,
                person_id: Some(s.w.manager.id),
            },
            Attendee {
                name: "Piet Zonder Account".into(),
                side: Side::Customer,
                person_id: None,
            },
        ],
        incidents: None,
        agreements: vec![ActionItem {
            description: "Piket voor urgente storingen inrichten".into(),
            owner: "M. Manager".into(),
            owner_person_id: Some(s.w.manager.id),
            due_on: "2026-05-01".into(),
            done: false,
        }],
        minutes: Some("Oorzaken besproken.".into()),
    }
}

pub fn assert_invalid<T: std::fmt::Debug>(r: Result<T, DeskError>, field: &str) {
    match r {
        Err(DeskError::Invalid { field: f, .. }) if f == field => {}
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

pub fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, DeskError>) {
    assert!(matches!(r, Err(DeskError::Forbidden(_))), "{r:?}");
}

pub fn assert_not_found<T: std::fmt::Debug>(r: Result<T, DeskError>) {
    assert!(matches!(r, Err(DeskError::NotFound(_))), "{r:?}");
}

pub fn assert_conflict<T: std::fmt::Debug>(r: Result<T, DeskError>) {
    assert!(matches!(r, Err(DeskError::Conflict { .. })), "{r:?}");
}

pub fn request(months: &[&str]) -> RequestInput {
    RequestInput {
        months: months.iter().map(|m| month(m)).collect(),
        on_behalf_of: None,
    }
}

/// The ledger of customer A as (invoice month, percent, amount, overrun month).
pub async fn ledger(app: &App, s: &Story) -> Vec<(String, i64, i64, String)> {
    let v = app.state.escalation(&s.manager, s.a).await.expect("view");
    v.ledger
        .iter()
        .filter(|l| l.kind == "discount")
        .map(|l| {
            (
                l.invoice_month.clone(),
                l.percent,
                l.amount_cents,
                l.overrun_month.clone(),
            )
        })
        .collect()
}

/// The standard ladder: every rule from the overrun month to the month that ends it.
pub async fn compensation_ladder_to_the_cap_and_its_end(app: App) {
    let s = story(&app, "[compensation]\nmonthly_fee_cents = 123450\n").await;
    let d = &app.state;
    let march = miss(&app, &s, "2026-03-02").await;

    // A month is judged once it has ended in Amsterdam: March ends at 22:00 UTC (CEST).
    app.set_time("2026-03-31T21:59:59Z");
    let judged = d
        .overrun_months(&s.a_viewer, s.a, month("2026-02"), month("2026-03"))
        .await
        .expect("months");
    assert_eq!(
        judged
            .iter()
            .map(|m| (m.month.as_str(), m.ended, m.overrun))
            .collect::<Vec<_>>(),
        vec![("2026-02", true, false), ("2026-03", false, false)]
    );
    assert_invalid(
        d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
            .await,
        "months[0]",
    );
    app.set_time("2026-03-31T22:00:00Z");
    let march_judged = &d
        .overrun_months(&s.a_admin, s.a, month("2026-03"), month("2026-03"))
        .await
        .expect("march")[0];
    assert!(march_judged.ended && march_judged.overrun);
    assert_eq!(
        march_judged
            .failed
            .iter()
            .map(|f| (f.priority.as_str(), f.bound, f.missed))
            .collect::<Vec<_>>(),
        vec![("urgent", 0, 1), ("urgent", 1, 1)]
    );
    assert_eq!(march_judged.report_sha256, None, "live figures");

    // The request: a customer administrator, about ended overrun months only.
    assert_invalid(
        d.request_consultation(&s.a_admin, s.a, request(&["2026-02"]))
            .await,
        "months[0]",
    );
    assert_invalid(
        d.request_consultation(&s.a_admin, s.a, request(&[])).await,
        "months",
    );
    assert_forbidden(
        d.request_consultation(&s.a_viewer, s.a, request(&["2026-03"]))
            .await,
    );
    let v = d
        .request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
        .await
        .expect("request");
    assert_eq!(
        (v.stage.as_str(), v.months.clone()),
        ("requested", vec!["2026-03".to_string()])
    );
    assert_eq!(v.timeline[0].detail["channel"], "portal");
    assert_eq!(v.timeline[0].by, Some(s.w.a.admin.id));
    assert_conflict(
        d.request_consultation(&s.a_admin, s.a, request(&["2026-03"]))
            .await,
    );
    // A tactical meeting's agenda names the running escalation, for both sides.
    let planned = app
        .post(
            &s.w.agent.bearer(),
            &format!("/api/v1/organizations/{}/meetings", s.a.0),
            json!({ "kind": "tactical", "starts_at": "2026-04-14T08:00:00Z",
                    "duration_minutes": 60 }),
        )
        .await
        .expect(201);
    let tactical = planned.json["meeting"]["id"].as_i64().expect("meeting id");
    for who in [s.w.a.admin.bearer(), s.w.manager.bearer()] {
        let agenda = app
            .get(&who, &format!("/api/v1/meetings/{tactical}/agenda"))
            .await
            .expect(200);
        let open = &agenda.json["open_escalation"];
        assert_eq!(open["stage"], "requested");
        let since: jiff::Timestamp = open["since"]
            .as_str()
            .expect("since")
            .parse()
            .expect("instant");
        assert_eq!(
            since,
            v.timeline[0].at.parse::<jiff::Timestamp>().expect("at")
        );
    }

    // The consultation: the service desk records it; by default it discusses every incident
    // that missed a target in March; the follow-up is one month later on a working day.
    app.set_time("2026-04-08T12:00:00Z");
    assert_forbidden(
        d.record_consultation(&s.a_admin, s.a, meeting(&s, "2026-04-08"))
            .await,
    );
    let mut stranger = meeting(&s, "2026-04-08");
    stranger.attendees[0].person_id = Some(s.w.b.admin.id);
    assert_invalid(
        d.record_consultation(&s.agent, s.a, stranger).await,
        "attendees[0].person_id",
    );
    let mut wrong_side = meeting(&s, "2026-04-08");
    wrong_side.agreements[0].owner_person_id = Some(s.w.b.viewer.id);
    assert_invalid(
        d.record_consultation(&s.agent, s.a, wrong_side).await,
        "agreements[0].owner_person_id",
    );
    assert_invalid(
        d.record_consultation(&s.agent, s.a, meeting(&s, "2026-04-09"))
            .await,
        "held_on",
    );
    let v = d
        .record_consultation(&s.agent, s.a, meeting(&s, "2026-04-08"))
        .await
        .expect("consultation");
    assert_eq!(v.stage, "consulting");
    assert_eq!(v.next_follow_up.as_deref(), Some("2026-05-08"));
    let proposal = v.proposal.clone().expect("proposal");
    assert_eq!(
        (proposal.progress, proposal.month.as_str()),
        (false, "2026-03")
    );
    let held = &v.timeline[1];
    assert_eq!(
        (held.step.as_str(), held.by),
        ("consultation", Some(s.w.agent.id))
    );
    assert_eq!(held.detail["incidents"][0]["ticket_id"], march);
    assert_eq!(held.detail["incidents"].as_array().map(Vec::len), Some(1));
    assert_eq!(held.detail["attendees"][2]["name"], "Piet Zonder Account");

    // Follow-ups: the system proposes "no progress" after an overrun month (April).
    miss(&app, &s, "2026-04-13").await;
    miss(&app, &s, "2026-05-04").await;
    app.set_time("2026-05-08T12:00:00Z");
    assert_invalid(
        d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
            .await,
        "claim",
    );
    assert_invalid(
        d.record_follow_up(&s.agent, s.a, meeting(&s, "2026-05-08"), false, " ")
            .await,
        "why",
    );
    let v = d
        .record_follow_up(
            &s.agent,
            s.a,
            meeting(&s, "2026-05-08"),
            false,
            "Nog 1 storing te laat",
        )
        .await
        .expect("follow-up 1")
        .escalation;
    let f = &v.timeline[2].detail;
    assert_eq!(
        (
            f["proposed"].clone(),
            f["proposal_month"].clone(),
            f["progress"].clone()
        ),
        (json!(false), json!("2026-04"), json!(false))
    );
    // 8 June 2026 is a Monday.
    assert_eq!(v.next_follow_up.as_deref(), Some("2026-06-08"));
    assert_eq!(v.entitled_from, None);
    app.set_time("2026-06-08T12:00:00Z");
    let v = d
        .record_follow_up(
            &s.agent,
            s.a,
            meeting(&s, "2026-06-08"),
            false,
            "Geen voortgang",
        )
        .await
        .expect("follow-up 2")
        .escalation;
    assert_eq!(v.follow_ups_without_progress, 2);
    // Entitled three calendar months after the consultation of 8 April.
    assert_eq!(v.entitled_from.as_deref(), Some("2026-07-08"));
    assert!(!v.may_claim);
    app.set_time("2026-06-09T12:00:00Z");
    assert_invalid(
        d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
            .await,
        "claim",
    );

    // The claim: the customer's administrator (the desk only on an administrator's behalf).
    app.set_time("2026-07-08T12:00:00Z");
    assert_forbidden(
        d.claim(&s.a_viewer, s.a, ClaimInput { on_behalf_of: None })
            .await,
    );
    assert_invalid(
        d.claim(&s.agent, s.a, ClaimInput { on_behalf_of: None })
            .await,
        "on_behalf_of",
    );
    assert_invalid(
        d.claim(
            &s.agent,
            s.a,
            ClaimInput {
                on_behalf_of: Some(PersonId(s.w.a.viewer.id)),
            },
        )
        .await,
        "on_behalf_of",
    );
    let v = d
        .claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
        .await
        .expect("claim");
    assert_eq!((v.stage.as_str(), v.percent), ("discounting", Some(5)));
    assert_conflict(
        d.claim(&s.a_admin, s.a, ClaimInput { on_behalf_of: None })
            .await,
    );

    // Each further overrun month raises the next invoice's discount by 5 points, to 50%.
    // (Fee € 1,234.50; amounts rounded half to even: 5% is 6172.5 cents → 6172.)
    let overruns = [
        "2026-08-03",
        "2026-09-07",
        "2026-10-05",
        "2026-11-02",
        "2026-12-07",
        "2027-01-04",
        "2027-02-01",
        "2027-03-01",
        "2027-04-05",
        "2027-05-03",
    ];
    for day in overruns {
        miss(&app, &s, day).await;
        let next = month(&day[..7]).next();
        app.set_time(&format!("{next}-02T12:00:00Z"));
        let before = ledger(&app, &s).await.len();
        d.month_ended(None).await.expect("month");
        d.month_ended(None).await.expect("again: nothing new");
        assert_eq!(ledger(&app, &s).await.len(), before + 1, "{day}");
    }
    let expected: Vec<(String, i64, i64, String)> = [
        ("2026-08", 5, 6_172, "2026-05"),
        ("2026-09", 10, 12_345, "2026-08"),
        ("2026-10", 15, 18_518, "2026-09"),
        ("2026-11", 20, 24_690, "2026-10"),
        ("2026-12", 25, 30_862, "2026-11"),
        ("2027-01", 30, 37_035, "2026-12"),
        ("2027-02", 35, 43_208, "2027-01"),
        ("2027-03", 40, 49_380, "2027-02"),
        ("2027-04", 45, 55_552, "2027-03"),
        ("2027-05", 50, 61_725, "2027-04"),
        ("2027-06", 50, 61_725, "2027-05"),
    ]
    .iter()
    .map(|(i, p, a, o)| (i.to_string(), *p, *a, o.to_string()))
    .collect();
    assert_eq!(ledger(&app, &s).await, expected);

    // June 2027 has no overrun: the escalation ends, no further discount.
    app.set_time("2027-07-01T08:00:00Z");
    d.month_ended(None).await.expect("june");
    let v = d.escalation(&s.a_viewer, s.a).await.expect("view");
    assert_eq!(v.stage, "idle");
    assert_eq!(v.last_ended.as_deref(), Some("month_without_overrun"));
    assert_eq!(v.timeline.last().map(|t| t.step.as_str()), Some("ended"));
    assert_eq!(ledger(&app, &s).await.len(), expected.len());
    let overview = d.overview(&s.manager).await.expect("overview");
    assert_eq!(overview.len(), 2);
    assert!(overview.iter().all(|o| o.stage == "idle"));

    // A reversal: the service desk, with a reason; once.
    let v = d.escalation(&s.manager, s.a).await.expect("view");
    let second = DiscountId(v.ledger[1].entry_id);
    assert_forbidden(d.reverse_discount(&s.a_admin, second, "fout").await);
    assert_invalid(d.reverse_discount(&s.manager, second, "  ").await, "reason");
    d.reverse_discount(&s.manager, second, "Factuur september al gecrediteerd")
        .await
        .expect("reverse");
    assert_conflict(d.reverse_discount(&s.manager, second, "nog eens").await);
    let sep = d
        .ledger_export(&s.manager, month("2026-09"))
        .await
        .expect("export");
    assert_eq!(
        sep.lines
            .iter()
            .map(|l| (l.kind.as_str(), l.amount_cents))
            .collect::<Vec<_>>(),
        vec![("discount", 12_345), ("reversal", -12_345)]
    );
    assert_eq!(sep.total_cents, 0);
    let oct = d
        .ledger_export(&s.manager, month("2026-10"))
        .await
        .expect("export");
    assert_eq!(oct.total_cents, 18_518);
    let rfc = oct.to_csv(CsvDialect::Rfc4180);
    assert!(
        rfc.contains(",Klant A,") && rfc.contains(",1234.50,185.18,2026-09,"),
        "{rfc}"
    );
    let nl = oct.to_csv(CsvDialect::Nl);
    assert!(
        nl.starts_with('\u{feff}') && nl.contains(";1234,50;185,18;2026-09;"),
        "{nl}"
    );
    // Customer B sees none of it.
    assert!(
        d.ledger_export(&s.b_admin, month("2026-10"))
            .await
            .expect("b")
            .lines
            .is_empty()
    );
    // Both sides were mailed on each step.
    // (The tickets' own mails are threaded on a ticket; the escalation's are not.)
    let mut first = d.store.get_mail(store::MailId(1)).await.expect("mail");
    let mut next = 1;
    while first.ticket_id.is_some() {
        next += 1;
        first = d.store.get_mail(store::MailId(next)).await.expect("mail");
    }
    assert!(first.subject.starts_with("Klant A: "), "{}", first.subject);
}
