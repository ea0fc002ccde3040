//! loket's system of record: schema, migrations and scoped queries, on SQLite or PostgreSQL.
//!
//! One `Store` serves both databases with the same SQL (placeholders `$n`, `RETURNING`,
//! row values), dispatched once per call on the backend chosen from the URL. Every query
//! that can return customer data takes a [`Scope`] and filters on it here, not in handlers.
//!
//! One module per table group, each with its own `impl Store` block, its rows and the
//! inputs it takes: `orgs`, `agreements`, `people`, `sessions` (sessions and API tokens),
//! `throttle` (failed sign-ins), `tickets` (with `tickets::write` and `tickets::listing`),
//! `audit`, `views` (saved views), `attachments`, `reports`, `compensation` (escalations and
//! the discount ledger), `inbound` (incoming mail and its outcomes); and for availability `monitors`
//! (environments and monitors), `probes` (probe results, their packed aggregates in `packed`,
//! push heartbeats), `outages`, `maintenance`, `outbox` (mail) and `leases` (job leases). This
//! file holds the [`Store`] itself, the connection, the macros that run one body on either
//! backend, and the query helpers. Every public type is re-exported here: callers write
//! `store::Ticket`, never a module path.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod model;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use model::*;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Nothing visible to the caller has that id.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule would be broken (e.g. a second person on one e-mail address).
    #[error("{field}: {message}")]
    Conflict {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The change breaks a rule the caller asked the store to keep (e.g. the administrator limit).
    #[error("{field}: {message}")]
    Rejected {
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A stored row could not be read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not understood.
    #[error("database URL `{0}`: expected sqlite:PATH or postgres://…")]
    Url(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store: a connection pool to SQLite or PostgreSQL with loket's schema.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    /// SQLite allows one writer at a time: writers queue here instead of in SQLite's
    /// busy handler, whose sleeps would waste most of the time under load.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Runs `$body` with `$p` bound to the pool of whichever backend is in use.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($p) => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` in one transaction (`$tx`), committing when it completes; an early return
/// through `?` rolls back. `$lock` is the row-lock clause of the backend (empty on SQLite,
/// whose write transactions are exclusive already).
macro_rules! in_tx {
    ($store:expr, $tx:ident, $lock:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite(p) => {
                let _writer = $store.write_lock.lock().await;
                let mut $tx = p
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err($crate::StoreError::from)?;
                let $lock = "";
                let out = $body;
                $tx.commit().await.map_err($crate::StoreError::from)?;
                out
            }
            $crate::Db::Postgres(p) => {
                let mut $tx = p.begin().await.map_err($crate::StoreError::from)?;
                let $lock = " FOR UPDATE";
                let out = $body;
                $tx.commit().await.map_err($crate::StoreError::from)?;
                out
            }
        }
    };
}

/// Runs a `QueryBuilder`'s SQL with its arguments on whichever pool is in use and fetches
/// every row.
macro_rules! fetch_built {
    ($store:expr, $q:expr) => {
        on_pool!($store, p => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe($q.sql.clone()));
            for arg in &$q.args {
                query = match arg {
                    $crate::Arg::Int(v) => query.bind(*v),
                    $crate::Arg::Text(v) => query.bind(v.clone()),
                };
            }
            query.fetch_all(p).await?
        })
    };
}

// Declared after the macros above, which they use.
mod agreements;
mod alerts;
mod attachments;
mod audit;
mod compensation;
mod inbound;
mod leases;
mod mail_threads;
mod maintenance;
mod meetings;
mod monitors;
mod notifications;
mod orgs;
mod outages;
mod outbox;
mod packed;
mod people;
mod probes;
mod recipients;
mod reminders;
mod reports;
mod sessions;
mod throttle;
mod tickets;
mod views;

pub use agreements::{Agreement, NewAgreement};
pub use alerts::{AlertKind, DueTarget, NewAlert};
pub use attachments::{Attachment, MAX_ATTACHMENT_BYTES, NewAttachment};
pub use audit::AuditEntry;
pub use compensation::{
    AgreedItem, Append, DiscountRecord, EscalationRecord, EscalationStep, MeetingLink, NewDiscount,
    NewStep, Reversal, RunningHead, StepKind, StepMeeting,
};
pub use inbound::{InboundMail, InboundMark};
pub use mail_threads::AddressStatus;
pub use maintenance::{Maintenance, MaintenanceRecipient, MaintenanceWhen, NewMaintenance};
pub use meetings::items::{ActionItem, NewActionItem};
pub use meetings::schedules::{NewSchedule, Schedule};
pub use meetings::{
    Attendee, Invitation, Meeting, MeetingChange, MeetingKind, MeetingStatus, MeetingStep, Minutes,
    NewAttendee, NewMeeting, ScheduledNext, Side,
};
pub use monitors::{Environment, MIN_INTERVAL_S, Monitor, MonitorKind, MonitorSettings};
pub use notifications::ThreadMail;
pub use orgs::Organization;
pub use outages::{NewOutage, OutageRecord, OutageSource};
pub use outbox::{MailAttachment, NewMail, OutboxMail};
pub use packed::{HOUR_CELL_BYTES, MINUTE_CELL_BYTES, MINUTE_ROW_BYTES};
pub use people::{NewPerson, Person};
pub use probes::{
    KEEP_MINUTES_MS, KEEP_RAW_MS, ProbeHour, ProbeMinute, ProbeResult, ProbeRow, Pruned, Recorded,
};
pub use recipients::{DIGEST_HEADER, DigestEntry, NotificationPrefs, TicketReaders};
pub use reminders::{NewReminder, ReminderKind, SentReminder};
pub use reports::{MissedTarget, PublishedReport, ReportCount, TotalKey};
pub use sessions::ApiToken;
pub use tickets::{
    Derived, Event, EventType, NewEvent, NewTicket, TargetRow, Ticket, TicketFilter, TicketOrder,
    TicketUpdate,
};
pub use views::SavedView;

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `sqlite:PATH` (or a bare path ending in `.db`) opens SQLite in WAL mode with foreign
    /// keys on; `postgres://…` opens PostgreSQL.
    pub async fn connect(url: &str) -> Result<Store> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Db::Postgres(pool)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .or_else(|| url.ends_with(".db").then_some(url))
                .unwrap_or_default();
            if path.is_empty() {
                return Err(StoreError::Url(url.to_string()));
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory");
            // An in-memory database exists per connection: keep exactly one, for good.
            let memory = path == ":memory:";
            // A connection to a file cannot be dropped by a server: no ping before each use
            // (one round trip to the connection's thread per query saved).
            let pool = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(if memory { 1 } else { 8 })
                .min_connections(u32::from(memory))
                .idle_timeout((!memory).then_some(Duration::from_secs(600)))
                .max_lifetime((!memory).then_some(Duration::from_secs(1800)))
                .connect_with(options)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Db::Sqlite(pool)
        };
        Ok(Store {
            db,
            write_lock: Default::default(),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ())?);
        Ok(())
    }
}

pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) fn rejected(field: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Rejected {
        field,
        message: message.into(),
    }
}

/// The acting member of the vendor's staff, or why the scope may not do this.
pub(crate) fn vendor_person(scope: &Scope, what: &str) -> Result<PersonId> {
    match scope {
        Scope::Vendor { person, .. } => Ok(*person),
        _ => Err(rejected(
            "scope",
            format!("only the vendor's staff may {what}"),
        )),
    }
}

/// The instant of stored milliseconds; one out of range is a corrupt row.
pub(crate) fn instant(ms: Millis) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(ms)
        .map_err(|e| StoreError::Corrupt(format!("instant {ms} ms: {e}")))
}

/// The stored milliseconds of an instant.
pub(crate) fn millis(t: jiff::Timestamp) -> Millis {
    t.as_millisecond()
}

/// A stored word as its enum (a ticket's kind, status, …); an unknown word is a corrupt row.
pub(crate) fn word<T>(s: &str) -> Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(format!("stored word: {e}")))
}

/// Milliseconds to whole seconds, rounded up.
pub(crate) fn ceil_seconds(ms: Millis) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

pub(crate) fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A listing position, opaque to callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    Queue(i64, i64),
    Newest(i64),
}

impl Cursor {
    pub(crate) fn encode(self) -> String {
        match self {
            Cursor::Queue(at, id) => format!("q{at}_{id}"),
            Cursor::Newest(id) => format!("n{id}"),
        }
    }

    pub(crate) fn parse(s: &str, order: TicketOrder) -> Result<Cursor> {
        let bad = || StoreError::Rejected {
            field: "cursor",
            message: format!(
                "`{s}` is not a cursor of this listing; pass the `next` value of the previous page"
            ),
        };
        match order {
            TicketOrder::Queue => {
                let (at, id) = s
                    .strip_prefix('q')
                    .and_then(|r| r.split_once('_'))
                    .ok_or_else(bad)?;
                Ok(Cursor::Queue(
                    at.parse().map_err(|_| bad())?,
                    id.parse().map_err(|_| bad())?,
                ))
            }
            TicketOrder::Newest => Ok(Cursor::Newest(
                s.strip_prefix('n')
                    .ok_or_else(bad)?
                    .parse()
                    .map_err(|_| bad())?,
            )),
        }
    }
}

/// Whether `s` has the shape of a listing cursor (`q<at>_<id>` for the queue, `n<id>` for
/// newest first; numbers of 1 to 19 digits), whichever listing it belongs to.
pub fn is_cursor(s: &str) -> bool {
    let number = |s: &str| (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    match s.split_at_checked(1) {
        Some(("q", rest)) => rest
            .split_once('_')
            .is_some_and(|(a, b)| number(a) && number(b)),
        Some(("n", rest)) => number(rest),
        _ => false,
    }
}

pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text with numbered placeholders and their values, for dynamic filters.
pub(crate) struct QueryBuilder {
    sql: String,
    args: Vec<Arg>,
}

impl QueryBuilder {
    pub(crate) fn new(sql: String) -> Self {
        QueryBuilder {
            sql,
            args: Vec::new(),
        }
    }

    pub(crate) fn push_i64(&mut self, prefix: &str, v: i64) {
        self.args.push(Arg::Int(v));
        self.sql.push_str(&format!("{prefix}${}", self.args.len()));
    }

    pub(crate) fn push_text(&mut self, prefix: &str, v: &str) {
        self.args.push(Arg::Text(v.to_string()));
        self.sql.push_str(&format!("{prefix}${}", self.args.len()));
    }
}
