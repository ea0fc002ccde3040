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
    // An empty SQLite path is refused before anything is opened.
    assert!(matches!(
        Store::connect("sqlite:").await,
        Err(StoreError::Url(_))
    ));
    // Unreachable or malformed databases error (rather than hang or panic).
    let dir = std::env::temp_dir().join("loket-store-it-does-not-exist/nor-this");
    let missing_dir = format!("sqlite:{}", dir.join("x.db").display());
    assert!(Store::connect(&missing_dir).await.is_err());
    // PROBE
    let m = Store::connect("sqlite::memory:").await.unwrap();
    let mut hs = vec![];
    for _ in 0..8 {
        let m = m.clone();
        hs.push(tokio::spawn(async move {
            m.count_people().await.map_err(|e| e.to_string())
        }));
    }
    for h in hs {
        eprintln!("PROBE mem {:?}", h.await.unwrap());
    }
    assert!(Store::connect("postgres://[::1").await.is_err());
    assert!(
        Store::connect("postgres://loket:loket@127.0.0.1:notaport/none")
            .await
            .is_err()
    );
    if store.backend() == "postgres" {
        // Right server, wrong password / database: errors.
        let wrong_db = crate::harness::with_database(url, "loket_t_no_such_database");
        assert!(Store::connect(&wrong_db).await.is_err());
    }
    // The store given is still fine.
    store.ping().await.expect("ping");
}
