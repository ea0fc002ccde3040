//! Schema drift between the SQLite and PostgreSQL migrations.

use std::collections::BTreeSet;

use sqlx::Connection;

use testkit::TestDb;

/// (table, column, nullable)
type Columns = BTreeSet<(String, String, bool)>;

async fn sqlite_columns(url: &str) -> Columns {
    let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk \
         FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .expect("columns");
    c.close().await.expect("close");
    // A primary key column is never NULL in practice (PostgreSQL makes that explicit).
    rows.into_iter()
        .map(|(t, col, notnull, pk)| (t, col, notnull == 0 && pk == 0))
        .collect()
}

async fn postgres_columns(url: &str) -> Columns {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .expect("columns");
    c.close().await.expect("close");
    rows.into_iter()
        .map(|(t, col, nullable)| (t, col, nullable == "YES"))
        .collect()
}

fn show(c: &Columns) -> Vec<String> {
    c.iter()
        .map(|(t, col, null)| format!("{t}.{col}{}", if *null { " NULL" } else { "" }))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_same_on_both_backends() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let lite = TestDb::sqlite().await;
    let (a, b) = (
        sqlite_columns(&lite.url).await,
        postgres_columns(&pg.url).await,
    );
    lite.destroy().await;
    pg.destroy().await;
    assert!(a.len() > 50, "expected the whole schema, got {a:?}");
    let only_sqlite: Columns = a.difference(&b).cloned().collect();
    let only_pg: Columns = b.difference(&a).cloned().collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ:\n  only in SQLite:     {:?}\n  only in PostgreSQL: {:?}",
        show(&only_sqlite),
        show(&only_pg)
    );
    // The table names alone agree too (a table without columns is impossible, but be plain).
    let tables = |c: &Columns| c.iter().map(|x| x.0.clone()).collect::<BTreeSet<_>>();
    assert_eq!(tables(&a), tables(&b));
}
