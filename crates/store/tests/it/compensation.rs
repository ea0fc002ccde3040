//! Escalations and the discount ledger: steps appended in order, one running escalation per
//! customer, scoping, and a ledger the database itself refuses to change.

use serde_json::json;
use store::{Append, NewDiscount, NewMail, NewStep, Scope, StepKind, Store, StoreError};
use testkit::fixtures::{assert_conflict, assert_not_found};

use crate::fixtures::*;

fn step(kind: StepKind, detail: serde_json::Value) -> NewStep {
    NewStep {
        kind,
        month_key: None,
        detail,
        meeting: None,
    }
}

fn fee(invoice_month: &str, percent: i64) -> NewDiscount {
    NewDiscount {
        invoice_month: invoice_month.into(),
        percent,
        fee_cents: 125_000,
        amount_cents: 125_000 * percent / 100,
        overrun_month: "2026-03".into(),
        report_sha256: Some("ab".repeat(32)),
    }
}

/// Runs `sql` on its own connection and returns the database's refusal, if any.
async fn raw(url: &str, sql: &str) -> Result<(), String> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect pg");
        let r = sqlx::raw_sql(sql).execute(&mut c).await;
        c.close().await.expect("close");
        r.map(|_| ()).map_err(|e| e.to_string())
    } else {
        let mut c = sqlx::SqliteConnection::connect(url)
            .await
            .expect("connect sqlite");
        let r = sqlx::raw_sql(sql).execute(&mut c).await;
        c.close().await.expect("close");
        r.map(|_| ()).map_err(|e| e.to_string())
    }
}

pub async fn case_escalations_and_ledger(store: &Store, url: &str) {
    let w = World::new(store).await;
    let a = w.customer_a();
    let mail = NewMail {
        to_address: "anna@aadorp.nl".into(),
        subject: "Verzoek".into(),
        body_text: "…".into(),
    };
    let request = Append {
        org_id: w.org_a.id,
        escalation: None,
        after_seq: 0,
        steps: vec![step(StepKind::Request, json!({ "months": ["2026-03"] }))],
        ends: false,
        discounts: vec![],
        mails: vec![mail.clone()],
    };
    // Another customer cannot write into A's escalations, nor read them.
    assert_not_found(store.append_escalation(&w.customer_b(), &request, T0).await);
    let id = store
        .append_escalation(&a, &request, T0)
        .await
        .expect("request");
    // One running escalation per customer.
    assert_conflict(
        store.append_escalation(&a, &request, T0).await,
        "escalation",
    );
    // A step appended after one the writer did not see is a conflict, not a fork.
    let consultation = Append {
        escalation: Some(id),
        steps: vec![step(
            StepKind::Consultation,
            json!({ "held_on": "2026-04-08" }),
        )],
        ..request.clone()
    };
    assert_conflict(
        store
            .append_escalation(&w.vendor(), &consultation, T0 + 1)
            .await,
        "escalation",
    );
    let consultation = Append {
        after_seq: 1,
        ..consultation
    };
    store
        .append_escalation(&w.vendor(), &consultation, T0 + 1)
        .await
        .expect("consultation");
    let claim = Append {
        escalation: Some(id),
        after_seq: 2,
        steps: vec![step(StepKind::Claim, json!({}))],
        discounts: vec![fee("2026-08", 5)],
        mails: vec![],
        ..request.clone()
    };
    store
        .append_escalation(&a, &claim, T0 + 2)
        .await
        .expect("claim");
    // A month is decided once per escalation.
    let month = |seq: i64| Append {
        escalation: Some(id),
        after_seq: seq,
        steps: vec![NewStep {
            kind: StepKind::Month,
            month_key: Some(202608),
            detail: json!({ "overrun": true }),
            meeting: None,
        }],
        discounts: vec![fee("2026-09", 10)],
        mails: vec![],
        ..request.clone()
    };
    store
        .append_escalation(&Scope::System, &month(3), T0 + 3)
        .await
        .expect("month");
    assert!(
        store
            .append_escalation(&Scope::System, &month(4), T0 + 4)
            .await
            .is_err(),
        "a month decided twice"
    );

    let all = store.escalations(&a, w.org_a.id).await.expect("read");
    assert_eq!(all.len(), 1);
    let kinds: Vec<(i64, StepKind)> = all[0].steps.iter().map(|s| (s.seq, s.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (1, StepKind::Request),
            (2, StepKind::Consultation),
            (3, StepKind::Claim),
            (4, StepKind::Month)
        ]
    );
    assert_eq!(all[0].steps[1].actor_id, Some(w.agent.id));
    assert_eq!(all[0].steps[1].detail, json!({ "held_on": "2026-04-08" }));
    assert_eq!(all[0].steps[3].month_key, Some(202608));
    assert_not_found(store.escalations(&w.customer_b(), w.org_a.id).await);
    assert!(
        store
            .escalations(&w.customer_b(), w.org_b.id)
            .await
            .expect("own")
            .is_empty()
    );
    assert_eq!(
        store.latest_escalations(&w.vendor()).await.expect("all")[0].id,
        id
    );
    assert!(
        store
            .latest_escalations(&w.customer_b())
            .await
            .expect("b")
            .is_empty()
    );
    let queued = store.get_mail(store::MailId(1)).await.expect("mail");
    assert_eq!(queued.to_address, "anna@aadorp.nl");

    // The ledger, scoped, with a reversal.
    let ledger = store.ledger(&w.vendor(), None, None).await.expect("ledger");
    assert_eq!(
        ledger
            .iter()
            .map(|d| (d.invoice_month.as_str(), d.percent, d.amount_cents))
            .collect::<Vec<_>>(),
        vec![("2026-08", 5, 6_250), ("2026-09", 10, 12_500)]
    );
    assert_eq!(ledger[0].created_by, Some(w.admin_a.id));
    assert_eq!(ledger[1].created_by, None);
    assert_not_found(store.ledger(&w.customer_b(), Some(w.org_a.id), None).await);
    assert!(
        store
            .ledger(&w.customer_b(), None, None)
            .await
            .expect("b")
            .is_empty()
    );
    assert_eq!(
        store
            .ledger(&a, None, Some("2026-09"))
            .await
            .expect("month")
            .len(),
        1
    );
    let first = ledger[0].id;
    assert!(matches!(
        store.reverse_discount(&a, first, "fout", &[], T0 + 5).await,
        Err(StoreError::Rejected { .. })
    ));
    let reversal = store
        .reverse_discount(&w.vendor(), first, "dubbel geboekt", &[mail], T0 + 5)
        .await
        .expect("reverse");
    assert_conflict(
        store
            .reverse_discount(&w.vendor(), first, "nog eens", &[], T0 + 6)
            .await,
        "discount",
    );
    let read = store.get_discount(&a, first).await.expect("read");
    assert_eq!(read.reversal, Some(reversal));
    assert_not_found(store.get_discount(&w.customer_b(), first).await);
    let actions: Vec<String> = store
        .audit_log(&a, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "escalation.request",
        "escalation.consultation",
        "escalation.claim",
        "escalation.month",
        "ledger.discount",
        "ledger.reversal",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }

    // The database refuses to change the ledger, whoever asks.
    for sql in [
        "UPDATE discount_entries SET amount_cents = 0".to_string(),
        format!("DELETE FROM discount_entries WHERE id = {}", ledger[1].id.0),
        "UPDATE discount_reversals SET reason = 'anders'".to_string(),
        "DELETE FROM discount_reversals".to_string(),
    ] {
        let e = raw(url, &sql).await.expect_err(&sql);
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    if url.starts_with("postgres") {
        let e = raw(url, "TRUNCATE discount_reversals, discount_entries")
            .await
            .expect_err("truncate");
        assert!(e.contains("append-only"), "{e}");
    }
    let after = store.ledger(&w.vendor(), None, None).await.expect("ledger");
    assert_eq!(after.len(), 2);
    assert_eq!(after[1].amount_cents, 12_500);
    assert!(after[0].reversal.is_some());
    // Ending an escalation frees the customer for a new one.
    let end = Append {
        escalation: Some(id),
        after_seq: 4,
        steps: vec![step(StepKind::Ended, json!({ "how": "closed" }))],
        ends: true,
        discounts: vec![],
        mails: vec![],
        ..request.clone()
    };
    store
        .append_escalation(&w.vendor(), &end, T0 + 7)
        .await
        .expect("end");
    assert_conflict(
        store.append_escalation(&w.vendor(), &end, T0 + 8).await,
        "escalation",
    );
    store
        .append_escalation(&a, &request, T0 + 9)
        .await
        .expect("a new request");
    assert_eq!(
        store.escalations(&a, w.org_a.id).await.expect("read").len(),
        2
    );
}
