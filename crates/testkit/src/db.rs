//! Fresh databases per test: a SQLite file in its own temporary directory, or a PostgreSQL
//! database `loket_<suite>_t_<unique>` created through `TEST_DATABASE_URL` and dropped
//! afterwards. Without `TEST_DATABASE_URL` the PostgreSQL half says once that it is skipped
//! and passes, or fails when `CI` is set or `LOKET_REQUIRE_POSTGRES=1`.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use store::Store;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (always available).
    Sqlite,
    /// A PostgreSQL database (when `TEST_DATABASE_URL` is set).
    Postgres,
}

/// A fresh, migrated database and the store connected to it.
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// The URL the store was connected with.
    pub url: String,
    /// Which database it is.
    pub backend: Backend,
    cleanup: Cleanup,
}

/// How to remove a test database.
enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// The package whose tests run (cargo sets `CARGO_PKG_NAME` for them), as a name part:
/// `store`, `web`.
fn suite() -> String {
    std::env::var("CARGO_PKG_NAME")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "test".into())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A name no other test (of this or another concurrent run) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}_{n}_{nanos}", std::process::id())
}

/// Writes past the test harness's output capture, so the line is seen in a normal run.
pub fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `TEST_DATABASE_URL`, or `None` after saying (once) that PostgreSQL is skipped; panics
/// instead of skipping when `CI` is set or `LOKET_REQUIRE_POSTGRES=1`.
pub fn postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Some(url);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    let required = std::env::var("LOKET_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !(ci || required),
        "TEST_DATABASE_URL is not set, but PostgreSQL is required here (CI or \
         LOKET_REQUIRE_POSTGRES=1); run `source scripts/services.sh; start_postgres` first"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        notice(&format!(
            "{} it: TEST_DATABASE_URL is not set: the PostgreSQL tests are SKIPPED (they pass \
             without running). Run `source scripts/services.sh; start_postgres` first, or set \
             LOKET_REQUIRE_POSTGRES=1 to make this an error.",
            suite()
        ));
    });
    None
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestDb {
    /// A fresh SQLite database in a new temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique(&format!("loket-{}-it-", suite())));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let url = format!("sqlite:{}", dir.join("loket.db").display());
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                panic!("connect {url}: {e}");
            }
        };
        TestDb {
            store,
            url,
            backend: Backend::Sqlite,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when `TEST_DATABASE_URL` is unset.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_url()?;
        let name = unique(&format!("loket_{}_t_", suite()));
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect TEST_DATABASE_URL: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        let cleanup = Cleanup::Postgres { admin_url, name };
        match Store::connect(&url).await {
            Ok(store) => Some(TestDb {
                store,
                url,
                backend: Backend::Postgres,
                cleanup,
            }),
            Err(e) => {
                cleanup.run().await;
                panic!("connect {url}: {e}");
            }
        }
    }

    /// A fresh database of `backend`, or `None` if that backend is not available.
    pub async fn open(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    /// Closes the store and removes the database (best effort).
    pub async fn destroy(self) {
        self.store.close().await;
        self.cleanup.run().await;
    }
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Dir(dir) => {
                if let Err(e) = std::fs::remove_dir_all(&dir) {
                    notice(&format!("could not remove {}: {e}", dir.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let dropped = async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await?;
                    admin.close().await
                }
                .await;
                if let Err(e) = dropped {
                    notice(&format!("could not drop database {name}: {e}"));
                }
            }
        }
    }
}

/// Runs `case` with the store and URL of a fresh database of `backend` and removes the
/// database afterwards, also when the case panics (the panic is passed on). Skips (see
/// [`postgres_url`]) when the backend is not available.
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(Store, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = TestDb::open(backend).await else {
        return;
    };
    let outcome = tokio::spawn(case(db.store.clone(), db.url.clone())).await;
    db.destroy().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(e) => panic!("test task failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5432/loket_test", "x"),
            "postgres://u:p@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgresql://h:1", "x"), "postgresql://h:1/x");
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique("t_"), unique("t_"));
    }

    #[tokio::test]
    async fn a_run_cleans_up_its_database() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        run(Backend::Sqlite, |store, url| async move {
            store.ping().await.expect("ping");
            let _ = tx.send(url);
        })
        .await;
        let url = rx.await.expect("the case ran");
        let file = url.strip_prefix("sqlite:").expect("a sqlite URL");
        let dir = std::path::Path::new(file).parent().expect("its directory");
        assert!(!dir.exists(), "{} is removed", dir.display());
    }
}
