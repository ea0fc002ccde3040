//! People: e-mail rules, the administrator limit, scoping.

use store::{PersonId, Role, Scope, Store};

use crate::fixtures::*;

pub async fn case_people(store: &Store) {
    let w = World::new(store).await;
    let new = new_person(
        "  Carla.Jansen@AADORP.nl ",
        "Carla Jansen",
        Role::CustomerViewer,
        Some(w.org_a.id),
    );
    let carla = store
        .create_person(&new, Some(3), T0)
        .await
        .expect("create");
    assert_eq!(carla.email, "carla.jansen@aadorp.nl");
    assert_eq!(carla.role, Role::CustomerViewer);
    assert_eq!(carla.org_id, Some(w.org_a.id));
    assert!(carla.active);
    assert_eq!(carla.created_at, T0);
    assert_eq!(
        store
            .get_person(&Scope::System, carla.id)
            .await
            .expect("get"),
        carla
    );

    // Sign-in finds the person whatever the case of the address, with the hash.
    let (found, hash) = store
        .person_for_sign_in("CARLA.jansen@aadorp.NL")
        .await
        .expect("sign in")
        .expect("found");
    assert_eq!(found, carla);
    assert_eq!(hash, new.password_hash);
    assert_eq!(
        store
            .person_for_sign_in("nobody@aadorp.nl")
            .await
            .expect("none"),
        None
    );
    store
        .set_password(carla.id, "$argon2id$new")
        .await
        .expect("set password");
    let (_, hash) = store
        .person_for_sign_in("carla.jansen@aadorp.nl")
        .await
        .expect("sign in")
        .expect("found");
    assert_eq!(hash.as_deref(), Some("$argon2id$new"));

    // The same address in another case, even for another customer, is taken.
    let before = store.count_people().await.expect("count");
    assert_conflict(
        store
            .create_person(
                &new_person(
                    "carla.jansen@Aadorp.NL",
                    "Carla 2",
                    Role::CustomerViewer,
                    Some(w.org_b.id),
                ),
                None,
                T0,
            )
            .await,
        "email",
    );
    assert_eq!(store.count_people().await.expect("count"), before);

    // The vendor's staff and other customers are invisible to a customer.
    let ca = w.customer_a();
    assert_eq!(store.get_person(&ca, carla.id).await.expect("own"), carla);
    assert_not_found(store.get_person(&ca, w.admin_b.id).await);
    assert_not_found(store.get_person(&ca, w.agent.id).await);
    assert_not_found(
        store
            .get_person(&Scope::System, PersonId(carla.id.0 + 1000))
            .await,
    );
    assert_eq!(
        store
            .get_person(&w.vendor(), w.admin_b.id)
            .await
            .expect("vendor"),
        w.admin_b
    );

    let names = |people: Vec<store::Person>| people.into_iter().map(|p| p.id).collect::<Vec<_>>();
    // By name: Anna de Vries, Carla Jansen.
    let own = vec![w.admin_a.id, carla.id];
    assert_eq!(
        names(store.list_people(&ca, None).await.expect("list")),
        own
    );
    assert_eq!(
        names(
            store
                .list_people(&ca, Some(w.org_a.id))
                .await
                .expect("list")
        ),
        own
    );
    assert!(
        store
            .list_people(&ca, Some(w.org_b.id))
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        names(
            store
                .list_people(&w.customer_b(), None)
                .await
                .expect("list")
        ),
        vec![w.admin_b.id]
    );
    // The vendor sees everyone, or one customer's people.
    assert_eq!(
        names(store.list_people(&w.vendor(), None).await.expect("list")),
        vec![w.admin_a.id, w.admin_b.id, carla.id, w.agent.id]
    );
    assert_eq!(
        names(
            store
                .list_people(&Scope::System, Some(w.org_a.id))
                .await
                .expect("list")
        ),
        own
    );
}

pub async fn case_administrator_limit(store: &Store) {
    let w = World::new(store).await;
    let org = w.org_a.id;
    // World made one administrator of A (Anna); the agreement allows 3.
    let admin = |n: u32| {
        new_person(
            &format!("beheer{n}@aadorp.nl"),
            &format!("Beheerder {n}"),
            Role::CustomerAdmin,
            Some(org),
        )
    };
    let second = store
        .create_person(&admin(2), Some(3), T0)
        .await
        .expect("2nd");
    store
        .create_person(&admin(3), Some(3), T0)
        .await
        .expect("3rd");
    assert_eq!(store.count_admins(org).await.expect("count"), 3);
    let people = store.count_people().await.expect("count");
    assert_rejected(store.create_person(&admin(4), Some(3), T0).await, "role");
    assert_eq!(store.count_admins(org).await.expect("count"), 3);
    assert_eq!(store.count_people().await.expect("count"), people);
    assert_eq!(
        store
            .person_for_sign_in("beheer4@aadorp.nl")
            .await
            .expect("lookup"),
        None
    );
    // Other customers' administrators do not count, and viewers are not limited.
    store
        .create_person(
            &new_person(
                "beheer2@bolder.nl",
                "Bolder 2",
                Role::CustomerAdmin,
                Some(w.org_b.id),
            ),
            Some(3),
            T0,
        )
        .await
        .expect("B's 2nd admin");
    let viewer = store
        .create_person(
            &new_person(
                "kijker@aadorp.nl",
                "Kijker",
                Role::CustomerViewer,
                Some(org),
            ),
            Some(3),
            T0,
        )
        .await
        .expect("viewer");

    // Promoting a viewer respects the limit too, and changes nothing when refused.
    assert_rejected(
        store
            .set_role(&Scope::System, viewer.id, Role::CustomerAdmin, Some(3))
            .await,
        "role",
    );
    assert_eq!(
        store
            .get_person(&Scope::System, viewer.id)
            .await
            .expect("get")
            .role,
        Role::CustomerViewer
    );
    // Re-saving an administrator as administrator does not count them twice.
    let same = store
        .set_role(&w.customer_a(), second.id, Role::CustomerAdmin, Some(3))
        .await
        .expect("re-save admin at the limit");
    assert_eq!(same.role, Role::CustomerAdmin);
    assert_eq!(store.count_admins(org).await.expect("count"), 3);
    // Demote one, then the viewer may be promoted, then the limit holds again.
    let demoted = store
        .set_role(&Scope::System, second.id, Role::CustomerViewer, Some(3))
        .await
        .expect("demote");
    assert_eq!(demoted.role, Role::CustomerViewer);
    assert_eq!(store.count_admins(org).await.expect("count"), 2);
    let promoted = store
        .set_role(&Scope::System, viewer.id, Role::CustomerAdmin, Some(3))
        .await
        .expect("promote");
    assert_eq!(promoted.role, Role::CustomerAdmin);
    assert_eq!(
        store
            .get_person(&Scope::System, viewer.id)
            .await
            .expect("get")
            .role,
        Role::CustomerAdmin
    );
    assert_eq!(store.count_admins(org).await.expect("count"), 3);
    assert_rejected(
        store
            .set_role(&Scope::System, second.id, Role::CustomerAdmin, Some(3))
            .await,
        "role",
    );
    // Without a limit (none given), the store does not refuse.
    store
        .create_person(&admin(5), None, T0)
        .await
        .expect("no limit given");
    assert_eq!(store.count_admins(org).await.expect("count"), 4);

    // Another customer cannot change A's people.
    assert_not_found(
        store
            .set_role(&w.customer_b(), second.id, Role::CustomerAdmin, None)
            .await,
    );
    assert_eq!(
        store
            .get_person(&Scope::System, second.id)
            .await
            .expect("get")
            .role,
        Role::CustomerViewer
    );
}

/// The limit holds when administrators are created at the same time.
pub async fn case_administrator_limit_concurrent(store: &Store) {
    let w = World::new(store).await;
    let org = w.org_a.id;
    // Anna is the first; 12 more try at once with a limit of 3.
    let mut tasks = Vec::new();
    for n in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_person(
                    &new_person(
                        &format!("gelijktijdig{n}@aadorp.nl"),
                        &format!("Gelijktijdig {n}"),
                        Role::CustomerAdmin,
                        Some(org),
                    ),
                    Some(3),
                    T0,
                )
                .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => created += 1,
            Err(store::StoreError::Rejected { field: "role", .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(created, 2, "exactly two more administrators fit");
    assert_eq!(store.count_admins(org).await.expect("count"), 3);

    // The same for promotions: B has one administrator (Bram); 12 viewers are promoted at once.
    let org = w.org_b.id;
    let mut viewers = Vec::new();
    for n in 0..12 {
        let v = person(
            store,
            &format!("kijker{n}@bolder.nl"),
            &format!("Kijker {n}"),
            Role::CustomerViewer,
            Some(org),
        )
        .await;
        viewers.push(v.id);
    }
    let mut tasks = Vec::new();
    for id in viewers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .set_role(&Scope::System, id, Role::CustomerAdmin, Some(3))
                .await
        }));
    }
    let mut promoted = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => promoted += 1,
            Err(store::StoreError::Rejected { field: "role", .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(promoted, 2, "exactly two promotions fit");
    assert_eq!(store.count_admins(org).await.expect("count"), 3);
}
