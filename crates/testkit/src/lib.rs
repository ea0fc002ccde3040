//! loket's shared test kit: what the store's conformance suite and the web suite both need.
//!
//! - [`db`]: a fresh, migrated database per test (a SQLite file in its own temporary
//!   directory, or a PostgreSQL database made through `TEST_DATABASE_URL` and dropped
//!   afterwards) and [`run`], which runs one story on one backend and cleans up also when the
//!   story panics. A suite declares each story twice, once per [`Backend`].
//! - [`clock`]: test instants from RFC 3339 text and, with the `desk` feature, the fixed clock
//!   the application services run on.
//! - [`fixtures`]: time units, assertions on store errors, and organizations, agreements and
//!   people made straight in the store.
//!
//! Dev-only: a `[dev-dependencies]` entry of `store` and `web`, never a normal dependency
//! (`cargo tree -p loket -e normal` does not show it), and never published.

pub mod clock;
pub mod db;
pub mod fixtures;

pub use db::{Backend, TestDb, run};
