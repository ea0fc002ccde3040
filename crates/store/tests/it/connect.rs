//! Connecting, migrations, bad URLs.

use sqlx::Connection;
use store::{Scope, Store, StoreError};

use crate::fixtures::*;

/// Rows in `_sqlx_migrations` of the database at `url`.
async fn applied_migrations(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.expect("connect pg");
        let n = sqlx::query_scalar(sql)
            .fetch_one(&mut c)
            .await
            .expect("count");
        c.close().await.expect("close");
        n
    } else {
        let mut c = sqlx::SqliteConnection::connect(url)
            .await
            .expect("connect sqlite");
        let n = sqlx::query_scalar(sql)
            .fetch_one(&mut c)
            .await
            .expect("count");
        c.close().await.expect("close");
        n
    }
}

/// Number of migration files of a backend.
fn migration_files(backend: &str) -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let n = std::fs::read_dir(&dir)
        .expect("migrations dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    i64::try_from(n).expect("count")
}

pub async fn case_connect_and_migrate(store: &Store, url: &str) {
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(store.backend(), backend);
    store.ping().await.expect("ping");
    // The schema is there and empty.
    assert_eq!(store.count_people().await.expect("count people"), 0);
    assert!(
        store
            .list_orgs(&Scope::System)
            .await
            .expect("orgs")
            .is_empty()
    );
    let expected = migration_files(backend);
    assert!(expected >= 1);
    assert_eq!(applied_migrations(url).await, expected);

    let org = store.create_org("Gemeente Aadorp", T0).await.expect("org");

    // A second store on the same database: migrations are not re-run, data is shared.
    let again = Store::connect(url).await.expect("connect twice");
    assert_eq!(applied_migrations(url).await, expected);
    assert_eq!(
        again.list_orgs(&Scope::System).await.expect("orgs"),
        vec![org.clone()]
    );
    let other = again.create_org("Bakkerij Bolder", T0).await.expect("org");
    again.close().await;
    let orgs = store.list_orgs(&Scope::System).await.expect("orgs");
    assert_eq!(orgs, vec![other, org]);
}

pub async fn case_bad_urls(store: &Store, url: &str) {
    let scratch = std::env::temp_dir().join(format!(
        "loket-store-it-urls-{}-{}",
        std::process::id(),
        store.backend()
    ));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    // Not `sqlite:PATH`, not a bare `….db` path, not `postgres://`: refused before anything
    // is opened or created.
    let bare = scratch.join("loket");
    for garbage in [
        String::new(),
        "sqlite:".into(),
        "sqlite://".into(),
        "mysql://loket@localhost/loket".into(),
        "postgress://loket@localhost/loket".into(),
        "http://example.org/loket".into(),
        bare.display().to_string(),
    ] {
        match Store::connect(&garbage).await {
            Err(StoreError::Url(u)) => assert_eq!(u, garbage),
            other => panic!("{garbage:?}: expected a URL error, got {other:?}"),
        }
    }
    assert!(!bare.exists(), "a garbage URL created a database file");
    // A bare path ending in `.db` is SQLite, as documented.
    let bare_db = scratch.join("loket.db");
    let s = Store::connect(&bare_db.display().to_string())
        .await
        .expect("bare .db path");
    assert_eq!(s.backend(), "sqlite");
    s.close().await;
    assert!(bare_db.exists());
    std::fs::remove_dir_all(&scratch).expect("remove scratch dir");

    // Unopenable or malformed databases error (rather than hang or panic).
    let missing_dir = scratch.join("no/such/dir/x.db");
    assert!(
        Store::connect(&format!("sqlite:{}", missing_dir.display()))
            .await
            .is_err()
    );
    assert!(Store::connect("postgres://[::1").await.is_err());
    assert!(
        Store::connect("postgres://loket:loket@127.0.0.1:notaport/none")
            .await
            .is_err()
    );
    if store.backend() == "postgres" {
        // The right server, a database that does not exist.
        let wrong_db = testkit::db::with_database(url, "loket_t_no_such_database");
        assert!(Store::connect(&wrong_db).await.is_err());
    }
    // The store given is still fine.
    store.ping().await.expect("ping");
}

/// `sqlite::memory:` must give every connection of the pool the same (migrated) database,
/// or be refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_memory_url_is_one_database_or_refused() {
    let Ok(store) = Store::connect("sqlite::memory:").await else {
        return; // refusing is fine
    };
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.count_people().await }));
    }
    for t in tasks {
        assert_eq!(
            t.await.expect("task").expect("schema on every connection"),
            0
        );
    }
}
