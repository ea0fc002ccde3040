//! Sessions, API tokens and sign-in throttling.

use store::{Role, Store, TokenId};

use crate::fixtures::*;

pub async fn case_sessions(store: &Store) {
    let w = World::new(store).await;
    let anna = &w.admin_a;
    let expires = T0 + 8 * HOUR;
    store
        .create_session("sess-anna-1", anna.id, T0, expires)
        .await
        .expect("session");
    store
        .create_session("sess-bram-1", w.admin_b.id, T0, expires)
        .await
        .expect("session");

    let who = |hash: &'static str, at| store.session_person(hash, at);
    assert_eq!(
        who("sess-anna-1", T0).await.expect("lookup"),
        Some(anna.clone())
    );
    assert_eq!(
        who("sess-anna-1", expires - 1).await.expect("lookup"),
        Some(anna.clone())
    );
    assert_eq!(who("sess-anna-1", expires).await.expect("expired"), None);
    assert_eq!(
        who("sess-anna-1", expires + DAY).await.expect("expired"),
        None
    );
    assert_eq!(who("sess-unknown", T0).await.expect("unknown"), None);
    assert_eq!(
        who("sess-bram-1", T0).await.expect("lookup"),
        Some(w.admin_b.clone())
    );

    // Ending one session.
    store
        .create_session("sess-anna-2", anna.id, T0 + 1, expires)
        .await
        .expect("session");
    store.delete_session("sess-anna-2").await.expect("delete");
    assert_eq!(who("sess-anna-2", T0 + 2).await.expect("deleted"), None);
    assert_eq!(
        who("sess-anna-1", T0 + 2).await.expect("other untouched"),
        Some(anna.clone())
    );

    // Signing out everywhere ends sessions and revokes tokens of that person only.
    let token = store
        .create_token(anna.id, "rapportage", "tok-anna-1", T0)
        .await
        .expect("token");
    assert_eq!(
        store
            .token_person("tok-anna-1", T0 + 5)
            .await
            .expect("token"),
        Some(anna.clone())
    );
    store
        .create_session("sess-anna-3", anna.id, T0 + 50, expires)
        .await
        .expect("session");
    let out = T0 + 100;
    store.end_all_sessions(anna.id, out).await.expect("end all");
    assert_eq!(who("sess-anna-1", out + 1).await.expect("ended"), None);
    assert_eq!(who("sess-anna-3", out + 1).await.expect("ended"), None);
    assert_eq!(
        store
            .token_person("tok-anna-1", out + 1)
            .await
            .expect("revoked"),
        None
    );
    let tokens = store.tokens(anna.id).await.expect("tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].id, token.id);
    assert_eq!(tokens[0].revoked_at, Some(out));
    assert_eq!(
        who("sess-bram-1", out + 1).await.expect("someone else's"),
        Some(w.admin_b.clone())
    );
    // A session made before the sign-out but stored after it (a racing sign-in) is dead too.
    store
        .create_session("sess-anna-race", anna.id, out - 10, expires)
        .await
        .expect("session");
    assert_eq!(who("sess-anna-race", out + 1).await.expect("stale"), None);
    // Sessions and tokens made afterwards work.
    store
        .create_session("sess-anna-4", anna.id, out + 1, expires)
        .await
        .expect("session");
    assert_eq!(
        who("sess-anna-4", out + 2).await.expect("new session"),
        Some(anna.clone())
    );
    store
        .create_token(anna.id, "nieuw", "tok-anna-2", out + 1)
        .await
        .expect("token");
    assert_eq!(
        store
            .token_person("tok-anna-2", out + 2)
            .await
            .expect("new token"),
        Some(anna.clone())
    );
}

pub async fn case_tokens(store: &Store) {
    let w = World::new(store).await;
    let sanne = &w.agent;
    let anna = &w.admin_a;
    let t1 = store
        .create_token(sanne.id, "monitoring", "tok-sanne-1", T0)
        .await
        .expect("token");
    assert_eq!(t1.person_id, sanne.id);
    assert_eq!(t1.name, "monitoring");
    assert_eq!((t1.last_used_at, t1.revoked_at), (None, None));
    assert_eq!(
        store.tokens(sanne.id).await.expect("tokens"),
        vec![t1.clone()]
    );

    // Use is recorded (the store may skip re-recording within a minute; uses here are
    // further apart).
    assert_eq!(
        store
            .token_person("tok-sanne-1", T0 + 10)
            .await
            .expect("use"),
        Some(sanne.clone())
    );
    assert_eq!(
        store.tokens(sanne.id).await.expect("tokens")[0].last_used_at,
        Some(T0 + 10)
    );
    assert_eq!(
        store.token_person("tok-nobody", T0).await.expect("unknown"),
        None
    );
    // An unknown hash records nothing.
    assert_eq!(
        store.tokens(sanne.id).await.expect("tokens")[0].last_used_at,
        Some(T0 + 10)
    );

    // Newest first.
    let t2 = store
        .create_token(sanne.id, "backup", "tok-sanne-2", T0 + 20)
        .await
        .expect("token");
    let ids: Vec<TokenId> = store
        .tokens(sanne.id)
        .await
        .expect("tokens")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, vec![t2.id, t1.id]);
    assert!(store.tokens(anna.id).await.expect("none").is_empty());

    // Someone else cannot revoke it.
    assert!(
        !store
            .revoke_token(anna.id, t1.id, T0 + 2 * MINUTE)
            .await
            .expect("revoke")
    );
    assert_eq!(
        store
            .token_person("tok-sanne-1", T0 + 3 * MINUTE)
            .await
            .expect("still"),
        Some(sanne.clone())
    );
    // The owner can, once.
    assert!(
        store
            .revoke_token(sanne.id, t1.id, T0 + 4 * MINUTE)
            .await
            .expect("revoke")
    );
    assert!(
        !store
            .revoke_token(sanne.id, t1.id, T0 + 5 * MINUTE)
            .await
            .expect("again")
    );
    assert_eq!(
        store
            .token_person("tok-sanne-1", T0 + 6 * MINUTE)
            .await
            .expect("revoked"),
        None
    );
    let tokens = store.tokens(sanne.id).await.expect("tokens");
    assert_eq!(tokens[1].revoked_at, Some(T0 + 4 * MINUTE));
    assert_eq!(tokens[1].last_used_at, Some(T0 + 3 * MINUTE));
    // The other token is untouched.
    assert_eq!(tokens[0].revoked_at, None);
    assert_eq!(
        store
            .token_person("tok-sanne-2", T0 + 60)
            .await
            .expect("other"),
        Some(sanne.clone())
    );
    assert!(
        !store
            .revoke_token(sanne.id, TokenId(t2.id.0 + 1000), T0)
            .await
            .expect("unknown")
    );

    // A vendor role works the same; a customer's token too.
    let wim = person(store, "wim@loket.nl", "Wim", Role::Admin, None).await;
    store
        .create_token(wim.id, "cli", "tok-wim", T0)
        .await
        .expect("token");
    assert_eq!(
        store.token_person("tok-wim", T0).await.expect("use"),
        Some(wim)
    );
}

pub async fn case_sign_in_failures(store: &Store) {
    let key = "account:anna@aadorp.nl";
    let ip = "ip:192.0.2.17";
    for at in [T0, T0 + 10 * MINUTE, T0 + 20 * MINUTE] {
        store.record_sign_in_failure(key, at).await.expect("record");
    }
    store
        .record_sign_in_failure(ip, T0 + 15 * MINUTE)
        .await
        .expect("record");

    assert_eq!(
        store.sign_in_failures(key, T0 - HOUR).await.expect("count"),
        3
    );
    assert_eq!(store.sign_in_failures(key, T0).await.expect("count"), 3);
    assert_eq!(store.sign_in_failures(key, T0 + 1).await.expect("count"), 2);
    assert_eq!(
        store
            .sign_in_failures(key, T0 + 10 * MINUTE)
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        store
            .sign_in_failures(key, T0 + 20 * MINUTE + 1)
            .await
            .expect("count"),
        0
    );
    assert_eq!(store.sign_in_failures(ip, T0).await.expect("count"), 1);
    assert_eq!(
        store
            .sign_in_failures("ip:198.51.100.1", T0)
            .await
            .expect("count"),
        0
    );

    store.clear_sign_in_failures(key).await.expect("clear");
    assert_eq!(store.sign_in_failures(key, 0).await.expect("count"), 0);
    assert_eq!(store.sign_in_failures(ip, 0).await.expect("count"), 1);
    store
        .record_sign_in_failure(key, T0 + HOUR)
        .await
        .expect("record");
    assert_eq!(store.sign_in_failures(key, 0).await.expect("count"), 1);
}
