//! Saved views of the agent queue: per person, named, replaced by name, deleted by their owner.

use store::Store;

use crate::fixtures::*;

pub async fn case_saved_views(store: &Store) {
    let w = World::new(store).await;
    let agent = w.agent.id;
    let other = w.admin_a.id;
    assert!(store.views(agent).await.expect("none yet").is_empty());

    let urgent = store
        .save_view(agent, "Urgent", "kind=incident&priority=urgent", T0)
        .await
        .expect("save");
    assert_eq!(urgent.person_id, agent);
    assert_eq!(urgent.name, "Urgent");
    assert_eq!(urgent.query, "kind=incident&priority=urgent");
    assert_eq!(urgent.created_at, T0);
    let mine = store
        .save_view(agent, "Mijn ‘werk’ & zo", "mine=1&q=printer%20%25", T0 + 1)
        .await
        .expect("save");
    assert_ne!(mine.id, urgent.id);
    // Another person may use the same name; it is theirs alone.
    let theirs = store
        .save_view(other, "Urgent", "priority=urgent", T0 + 2)
        .await
        .expect("save");

    // By name; text read back as written.
    let listed = store.views(agent).await.expect("views");
    assert_eq!(listed, vec![mine.clone(), urgent.clone()]);
    assert_eq!(
        store.views(other).await.expect("views"),
        vec![theirs.clone()]
    );

    // Saving under a name again replaces the query, keeping the id and creation time.
    let replaced = store
        .save_view(agent, "Urgent", "priority=urgent&outcome=missed", T0 + HOUR)
        .await
        .expect("replace");
    assert_eq!(replaced.id, urgent.id);
    assert_eq!(replaced.created_at, T0);
    assert_eq!(replaced.query, "priority=urgent&outcome=missed");
    assert_eq!(
        store.views(agent).await.expect("views"),
        vec![mine.clone(), replaced.clone()]
    );

    // Only the owner deletes; a second delete finds nothing.
    assert!(
        !store
            .delete_view(other, urgent.id)
            .await
            .expect("not theirs")
    );
    assert_eq!(store.views(agent).await.expect("views").len(), 2);
    assert!(store.delete_view(agent, urgent.id).await.expect("delete"));
    assert!(!store.delete_view(agent, urgent.id).await.expect("gone"));
    assert!(!store.delete_view(agent, 999_999).await.expect("unknown"));
    assert_eq!(store.views(agent).await.expect("views"), vec![mine]);
    assert_eq!(store.views(other).await.expect("views"), vec![theirs]);
}
