//! What the web benches share: running one measurement on SQLite and on PostgreSQL, raw SQL
//! for bulk loading, API tokens and percentiles.
// Each bench includes this module and uses a part of it.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use store::Store;

/// Runs `run` on a fresh SQLite file, then on a fresh PostgreSQL database when
/// `TEST_DATABASE_URL` is set; `name` tells the two apart in temporary names.
pub fn on_each_database<F, Fut>(name: &str, run: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let id = std::process::id();
        let dir = std::env::temp_dir().join(format!("loket-{name}-bench-{id}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        run(format!("sqlite:{}", dir.join("bench.db").display())).await;
        let _ = std::fs::remove_dir_all(&dir);
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) => {
                let db = format!("loket_{name}_bench_{id}");
                let admin = sqlx::PgPool::connect(&base).await.expect("pg");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
                    .execute(&admin)
                    .await
                    .expect("create database");
                let url = format!(
                    "{}/{db}",
                    base.rsplit_once('/').map_or(base.as_str(), |(b, _)| b)
                );
                run(url).await;
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {db} WITH (FORCE)"
                )))
                .execute(&admin)
                .await;
            }
            Err(_) => println!("\n(PostgreSQL skipped: TEST_DATABASE_URL is not set)"),
        }
    });
}

/// Runs statements straight on the database behind `url`, around the store.
pub async fn exec(url: &str, sql: &str) {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("pg");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .expect("load");
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .expect("load");
        pool.close().await;
    }
}

/// A new API token of `person`: its secret.
pub async fn token_for(store: &Store, person: store::PersonId) -> String {
    let secret = web::auth::new_secret().expect("secret");
    store
        .create_token(
            person,
            "bench",
            &web::auth::hash_secret(&secret),
            Timestamp::now().as_millisecond(),
        )
        .await
        .expect("token");
    secret
}

/// The `p`-th quantile (0–1) of sorted durations, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}
