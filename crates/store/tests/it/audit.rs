//! The audit trail.

use serde_json::json;
use store::{AuditEntry, Scope, Store};

use crate::fixtures::*;

pub async fn case_audit(store: &Store) {
    let w = World::new(store).await;
    let entries = [
        AuditEntry {
            at: T0,
            actor_id: Some(w.admin_a.id),
            org_id: Some(w.org_a.id),
            action: "person.created".into(),
            detail: json!({ "email": "kees@aadorp.nl", "role": "customer_viewer" }),
        },
        AuditEntry {
            at: T0 + 1,
            actor_id: None,
            org_id: None,
            action: "system.started".into(),
            detail: json!({}),
        },
        AuditEntry {
            at: T0 + 2,
            actor_id: Some(w.agent.id),
            org_id: Some(w.org_b.id),
            action: "agreement.added".into(),
            detail: json!({ "name": "Plus", "limits": [1, 2.5, null], "nested": { "ok": true } }),
        },
        // Recorded later but stamped earlier: the trail is in the order of recording.
        AuditEntry {
            at: T0 - HOUR,
            actor_id: Some(w.agent.id),
            org_id: Some(w.org_a.id),
            action: "ticket.priority_changed".into(),
            detail: json!({ "from": "P3", "to": "P1", "reason": "productie ligt stil — ‘spoed’" }),
        },
    ];
    for e in &entries {
        store.audit(e).await.expect("audit");
    }
    let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();
    assert_eq!(
        store.audit_log(&Scope::System, 100).await.expect("log"),
        newest_first
    );
    assert_eq!(
        store.audit_log(&w.vendor(), 100).await.expect("log"),
        newest_first
    );
    assert_eq!(
        store.audit_log(&Scope::System, 2).await.expect("log"),
        newest_first[..2].to_vec()
    );
    assert_eq!(
        store.audit_log(&w.customer_a(), 100).await.expect("log"),
        vec![entries[3].clone(), entries[0].clone()]
    );
    assert_eq!(
        store.audit_log(&w.customer_a(), 1).await.expect("log"),
        vec![entries[3].clone()]
    );
    assert_eq!(
        store.audit_log(&w.customer_b(), 100).await.expect("log"),
        vec![entries[2].clone()]
    );
}
