//! Organizations and agreement versions.

use store::{AgreementId, NewAgreement, OrgId, Role, Scope, Store};

use crate::fixtures::*;

pub async fn case_organizations(store: &Store) {
    let a = store.create_org("Gemeente Aadorp", T0).await.expect("a");
    let b = store
        .create_org("Bakkerij Bolder", T0 + 1)
        .await
        .expect("b");
    assert_ne!(a.id, b.id);
    assert_eq!(a.name, "Gemeente Aadorp");
    assert_eq!(a.created_at, T0);

    assert_conflict(store.create_org("Gemeente Aadorp", T0 + 2).await, "name");

    // Everyone of the vendor sees both, by name; the failed insert left nothing behind.
    let all = store.list_orgs(&Scope::System).await.expect("list");
    assert_eq!(all, vec![b.clone(), a.clone()]);
    let agent = person(store, "sanne@loket.nl", "Sanne", Role::Agent, None).await;
    assert_eq!(store.list_orgs(&scope_of(&agent)).await.expect("list"), all);
    assert_eq!(
        store.get_org(&scope_of(&agent), b.id).await.expect("get"),
        b
    );

    // A customer sees only its own organization.
    let anna = person(
        store,
        "anna@aadorp.nl",
        "Anna",
        Role::CustomerViewer,
        Some(a.id),
    )
    .await;
    let customer_a = scope_of(&anna);
    assert_eq!(
        store.list_orgs(&customer_a).await.expect("list"),
        vec![a.clone()]
    );
    assert_eq!(store.get_org(&customer_a, a.id).await.expect("own"), a);
    assert_not_found(store.get_org(&customer_a, b.id).await);
    assert_not_found(store.get_org(&Scope::System, OrgId(b.id.0 + 1000)).await);
}

pub async fn case_agreement_versions(store: &Store) {
    let w = World::new(store).await;
    // World gave each customer a standard agreement from T0 - 30 days; add two versions.
    let v2_from = T0 + 10 * DAY;
    let v3_from = T0 + 40 * DAY;
    let vendor_admin = person(store, "wim@loket.nl", "Wim", Role::Admin, None).await;
    let v3 = store
        .add_agreement(
            &scope_of(&vendor_admin),
            &NewAgreement {
                org_id: w.org_a.id,
                name: "Plus 2026-Q2".into(),
                policy: "[incident.P1]\nresolve = \"4 hours\"\n".into(),
                effective_from: v3_from,
                document_ref: None,
            },
            T0 + 2 * HOUR,
        )
        .await
        .expect("v3");
    assert_eq!(v3.created_by, Some(vendor_admin.id));
    // Recorded later but in force earlier: order is by effective date, not insertion.
    let v2 = store
        .add_agreement(
            &Scope::System,
            &NewAgreement {
                org_id: w.org_a.id,
                name: "Plus 2026".into(),
                policy: "[incident.P1]\nresolve = \"8 hours\"\n".into(),
                effective_from: v2_from,
                document_ref: Some("DOC-2026-014".into()),
            },
            T0 + 3 * HOUR,
        )
        .await
        .expect("v2");
    assert_eq!(v2.created_by, None);

    let versions = store
        .agreements(&Scope::System, w.org_a.id)
        .await
        .expect("versions");
    assert_eq!(
        versions,
        vec![w.agreement_a.clone(), v2.clone(), v3.clone()]
    );

    let v1 = &w.agreement_a;
    let in_force = |at| store.agreement_in_force(&Scope::System, w.org_a.id, at);
    assert_eq!(in_force(v1.effective_from - 1).await.expect("before"), None);
    assert_eq!(
        in_force(v1.effective_from).await.expect("v1"),
        Some(v1.clone())
    );
    assert_eq!(in_force(T0).await.expect("v1"), Some(v1.clone()));
    assert_eq!(in_force(v2_from - 1).await.expect("v1"), Some(v1.clone()));
    assert_eq!(in_force(v2_from).await.expect("v2"), Some(v2.clone()));
    assert_eq!(in_force(v3_from - 1).await.expect("v2"), Some(v2.clone()));
    assert_eq!(in_force(v3_from).await.expect("v3"), Some(v3.clone()));
    assert_eq!(
        in_force(v3_from + 400 * DAY).await.expect("v3"),
        Some(v3.clone())
    );
    // Customer B's own history is untouched by A's versions.
    assert_eq!(
        store
            .agreement_in_force(&Scope::System, w.org_b.id, v3_from)
            .await
            .expect("b"),
        Some(w.agreement_b.clone())
    );

    // Two versions from the same instant: the one recorded last wins.
    let v3b = store
        .add_agreement(
            &Scope::System,
            &NewAgreement {
                org_id: w.org_a.id,
                name: "Plus 2026-Q2 (gecorrigeerd)".into(),
                policy: String::new(),
                effective_from: v3_from,
                document_ref: None,
            },
            T0 + 4 * HOUR,
        )
        .await
        .expect("v3b");
    assert_eq!(in_force(v3_from).await.expect("v3b"), Some(v3b));

    // Customers: their own agreements, nobody else's.
    let ca = w.customer_a();
    assert_eq!(store.get_agreement(&ca, v2.id).await.expect("own"), v2);
    assert_eq!(
        store
            .agreement_in_force(&ca, w.org_a.id, T0)
            .await
            .expect("own"),
        Some(v1.clone())
    );
    assert_not_found(store.get_agreement(&ca, w.agreement_b.id).await);
    assert_not_found(store.agreements(&ca, w.org_b.id).await);
    assert_not_found(store.agreement_in_force(&ca, w.org_b.id, T0).await);
    assert_not_found(
        store
            .get_agreement(&Scope::System, AgreementId(v3.id.0 + 1000))
            .await,
    );
    // A customer cannot add a version to another customer's agreement.
    assert_not_found(
        store
            .add_agreement(
                &ca,
                &NewAgreement {
                    org_id: w.org_b.id,
                    name: "Gratis".into(),
                    policy: String::new(),
                    effective_from: T0,
                    document_ref: None,
                },
                T0,
            )
            .await,
    );
    assert_eq!(
        store
            .agreements(&Scope::System, w.org_b.id)
            .await
            .expect("b")
            .len(),
        1
    );
}
