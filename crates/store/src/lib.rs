//! loket's system of record: schema, migrations and scoped queries, on SQLite or PostgreSQL.
//!
//! One `Store` serves both databases with the same SQL (placeholders `$n`, `RETURNING`,
//! row values), dispatched once per call on the backend chosen from the URL. Every query
//! that can return customer data takes a [`Scope`] and filters on it here, not in handlers.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod model;
mod records;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};

pub use model::*;
use records::{
    AgreementRecord, AttachmentRecord, EventRecord, PersonRecord, TargetRecord, TicketRecord,
};

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
            Db::Sqlite($p) => $body,
            Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` in one transaction (`$tx`), committing when it completes; an early return
/// through `?` rolls back. `$lock` is the row-lock clause of the backend (empty on SQLite,
/// whose write transactions are exclusive already).
macro_rules! in_tx {
    ($store:expr, $tx:ident, $lock:ident => $body:expr) => {
        match &$store.db {
            Db::Sqlite(p) => {
                let _writer = $store.write_lock.lock().await;
                let mut $tx = p
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(StoreError::from)?;
                let $lock = "";
                let out = $body;
                $tx.commit().await.map_err(StoreError::from)?;
                out
            }
            Db::Postgres(p) => {
                let mut $tx = p.begin().await.map_err(StoreError::from)?;
                let $lock = " FOR UPDATE";
                let out = $body;
                $tx.commit().await.map_err(StoreError::from)?;
                out
            }
        }
    };
}

const INSERT_EVENT: &str = "INSERT INTO ticket_events \
    (ticket_id, at, actor_id, kind, data, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) \
    RETURNING id";

const INSERT_TARGETS: &str = "INSERT INTO ticket_targets (ticket_id, bound, percent_bp, within, \
    deadline, outcome, decided_at, business_used, budget, priority, decided_month, bin, org_id) \
    VALUES";

const TARGET_COLUMNS: &str = "ticket_id, bound, percent_bp, within, deadline, outcome, \
    decided_at, business_used, budget, priority, decided_month, bin";

const UPSERT_TOTALS: &str = "INSERT INTO report_totals \
    (month, org_id, kind, priority, bound, percent_bp, within, outcome, bin, n) VALUES";

const UPSERT_TOTALS_END: &str = " ON CONFLICT (month, org_id, kind, priority, bound, percent_bp, \
    within, outcome, bin) DO UPDATE SET n = report_totals.n + excluded.n";

/// Appends one event row inside the transaction `$tx`; yields its id.
macro_rules! insert_event {
    ($tx:expr, $ticket:expr, $e:expr, $now:expr) => {
        sqlx::query_scalar::<_, i64>(INSERT_EVENT)
            .bind($ticket)
            .bind($e.at)
            .bind($e.actor_id.map(|a| a.0))
            .bind(&$e.kind)
            .bind($e.data.to_string())
            .bind($now)
            .fetch_one(&mut *$tx)
            .await
            .map_err(StoreError::from)
    };
}

const INSERT_ATTACHMENT: &str = "INSERT INTO ticket_attachments (ticket_id, org_id, event_id, \
    file_name, content_type, size, sha256, data, uploaded_by, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

const ATTACHMENT_COLUMNS: &str = "a.id, a.ticket_id, a.org_id, a.event_id, a.file_name, \
    a.content_type, a.size, a.sha256, a.uploaded_by, a.created_at";

/// Stores one attachment row inside the transaction `$tx`; `$meta` is the [`Attachment`]
/// made by [`attachment_meta`], returned with its new id.
macro_rules! insert_attachment {
    ($tx:expr, $meta:expr, $data:expr) => {{
        let mut meta: Attachment = $meta;
        let id: i64 = sqlx::query_scalar(INSERT_ATTACHMENT)
            .bind(meta.ticket_id.0)
            .bind(meta.org_id.0)
            .bind(meta.event_id)
            .bind(&meta.file_name)
            .bind(&meta.content_type)
            .bind(meta.size)
            .bind(&meta.sha256)
            .bind($data)
            .bind(meta.uploaded_by.0)
            .bind(meta.created_at)
            .fetch_one(&mut *$tx)
            .await
            .map_err(StoreError::from)?;
        meta.id = AttachmentId(id);
        meta
    }};
}

/// Writes a ticket's target rows inside the transaction `$tx` (one statement), replacing
/// earlier ones when `$replace` is true.
macro_rules! write_targets {
    ($tx:expr, $ticket:expr, $org:expr, $priority:expr, $targets:expr, $replace:expr) => {{
        if $replace {
            sqlx::query("DELETE FROM ticket_targets WHERE ticket_id = $1")
                .bind($ticket)
                .execute(&mut *$tx)
                .await
                .map_err(StoreError::from)?;
        }
        let targets: &[TargetRow] = $targets;
        if !targets.is_empty() {
            let values = (0..targets.len())
                .map(|i| {
                    let b = i * 13;
                    let p: Vec<String> = (1..=13).map(|k| format!("${}", b + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{INSERT_TARGETS} {values}");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in targets {
                q = q
                    .bind($ticket)
                    .bind(t.bound)
                    .bind(t.percent_bp)
                    .bind(t.within.clone())
                    .bind(t.deadline)
                    .bind(t.outcome.clone())
                    .bind(t.decided_at)
                    .bind(t.business_used)
                    .bind(t.budget)
                    .bind($priority)
                    .bind(t.decided_month)
                    .bind(t.bin)
                    .bind($org);
            }
            q.execute(&mut *$tx).await.map_err(StoreError::from)?;
        }
    }};
}

/// Adds `$deltas` (`(key, change)`, keys sorted so concurrent writers lock rows in one
/// order) to the report totals inside the transaction `$tx`.
macro_rules! apply_totals {
    ($tx:expr, $deltas:expr) => {{
        let deltas: &[(reports::TotalKey, i64)] = $deltas;
        if !deltas.is_empty() {
            let values = (0..deltas.len())
                .map(|i| {
                    let b = i * 10;
                    let p: Vec<String> = (1..=10).map(|k| format!("${}", b + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{UPSERT_TOTALS} {values}{UPSERT_TOTALS_END}");
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (k, n) in deltas {
                q = q
                    .bind(k.month)
                    .bind(k.org_id)
                    .bind(k.kind.clone())
                    .bind(k.priority.clone())
                    .bind(k.bound)
                    .bind(k.percent_bp)
                    .bind(k.within.clone())
                    .bind(k.outcome.clone())
                    .bind(k.bin)
                    .bind(*n);
            }
            q.execute(&mut *$tx).await.map_err(StoreError::from)?;
        }
    }};
}

/// Runs a `QueryBuilder`'s SQL with its arguments on whichever pool is in use and fetches
/// every row.
macro_rules! fetch_built {
    ($store:expr, $q:expr) => {
        on_pool!($store, p => {
            let mut query = sqlx::query_as(AssertSqlSafe($q.sql.clone()));
            for arg in &$q.args {
                query = match arg {
                    Arg::Int(v) => query.bind(*v),
                    Arg::Text(v) => query.bind(v.clone()),
                };
            }
            query.fetch_all(p).await?
        })
    };
}

// Declared after the macros above, which it uses.
mod availability;
mod packed;

pub use availability::*;
pub use packed::{HOUR_CELL_BYTES, MINUTE_CELL_BYTES, MINUTE_ROW_BYTES};
mod heartbeats;

pub(crate) fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub(crate) const TICKET_COLUMNS: &str = "id, org_id, agreement_id, kind, priority, status, channel, subject, \
     reporter_id, assignee_id, received_at, created_at, updated_at, clock_start, next_deadline, \
     queue_at, sla_outcome, paused, event_count";

mod reports;
pub use reports::{MAX_MISS_REASON, PublishedReport, TotalKey};

const PERSON_COLUMNS: &str = "id, email, name, role, org_id, lang, active, created_at";

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
            let pool = SqlitePoolOptions::new()
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

    // ----- organizations ---------------------------------------------------------------

    /// Creates a customer organization.
    pub async fn create_org(&self, name: &str, now: Millis) -> Result<Organization> {
        let sql = "INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id";
        let id: Result<i64, sqlx::Error> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(name)
            .bind(now)
            .fetch_one(p)
            .await);
        match id {
            Ok(id) => Ok(Organization {
                id: OrgId(id),
                name: name.to_string(),
                created_at: now,
            }),
            Err(e) if unique_violation(&e) => Err(StoreError::Conflict {
                field: "name",
                message: format!("an organization named `{name}` exists already"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The organizations the scope may see, by name.
    pub async fn list_orgs(&self, scope: &Scope) -> Result<Vec<Organization>> {
        let sql = "SELECT id, name, created_at FROM organizations \
                   WHERE ($1 IS NULL OR id = $1) ORDER BY name, id";
        let org = scope.org().map(|o| o.0);
        let rows: Vec<(i64, String, i64)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(org).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at)| Organization {
                id: OrgId(id),
                name,
                created_at,
            })
            .collect())
    }

    /// One organization, if the scope may see it.
    pub async fn get_org(&self, scope: &Scope, id: OrgId) -> Result<Organization> {
        if !scope.may_see(id) {
            return Err(StoreError::NotFound("organization"));
        }
        let sql = "SELECT id, name, created_at FROM organizations WHERE id = $1";
        let row: Option<(i64, String, i64)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).fetch_optional(p).await?);
        let (id, name, created_at) = row.ok_or(StoreError::NotFound("organization"))?;
        Ok(Organization {
            id: OrgId(id),
            name,
            created_at,
        })
    }

    // ----- agreements ------------------------------------------------------------------

    /// Records a new version of a customer's agreement.
    pub async fn add_agreement(
        &self,
        scope: &Scope,
        new: &NewAgreement,
        now: Millis,
    ) -> Result<Agreement> {
        self.get_org(scope, new.org_id).await?;
        let sql = "INSERT INTO agreements \
                   (org_id, name, policy, effective_from, document_ref, created_at, created_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let actor = scope.person().map(|p| p.0);
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(new.org_id.0)
            .bind(&new.name)
            .bind(&new.policy)
            .bind(new.effective_from)
            .bind(&new.document_ref)
            .bind(now)
            .bind(actor)
            .fetch_one(p)
            .await?);
        Ok(Agreement {
            id: AgreementId(id),
            org_id: new.org_id,
            name: new.name.clone(),
            policy: new.policy.clone(),
            effective_from: new.effective_from,
            document_ref: new.document_ref.clone(),
            created_at: now,
            created_by: scope.person(),
        })
    }

    /// Every version of a customer's agreement, oldest first.
    pub async fn agreements(&self, scope: &Scope, org: OrgId) -> Result<Vec<Agreement>> {
        self.get_org(scope, org).await?;
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE org_id = $1 ORDER BY effective_from, id";
        let rows: Vec<AgreementRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(org.0).fetch_all(p).await?);
        Ok(rows.into_iter().map(Agreement::from).collect())
    }

    /// The agreement version in force for a customer at an instant (the latest that started
    /// at or before it).
    pub async fn agreement_in_force(
        &self,
        scope: &Scope,
        org: OrgId,
        at: Millis,
    ) -> Result<Option<Agreement>> {
        if *scope != Scope::System {
            self.get_org(scope, org).await?;
        }
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE org_id = $1 AND effective_from <= $2 \
                   ORDER BY effective_from DESC, id DESC LIMIT 1";
        let row: Option<AgreementRecord> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(org.0)
            .bind(at)
            .fetch_optional(p)
            .await?);
        Ok(row.map(Agreement::from))
    }

    /// One agreement version, if the scope may see its customer.
    pub async fn get_agreement(&self, scope: &Scope, id: AgreementId) -> Result<Agreement> {
        let sql = "SELECT id, org_id, name, policy, effective_from, document_ref, created_at, \
                   created_by FROM agreements WHERE id = $1";
        let row: Option<AgreementRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).fetch_optional(p).await?);
        match row.map(Agreement::from) {
            Some(a) if scope.may_see(a.org_id) => Ok(a),
            _ => Err(StoreError::NotFound("agreement")),
        }
    }

    // ----- people ----------------------------------------------------------------------

    /// Creates a person. For a customer administrator, `max_admins` is the limit of the
    /// customer's agreement, checked in the same transaction as the insert.
    pub async fn create_person(
        &self,
        new: &NewPerson,
        max_admins: Option<u32>,
        now: Millis,
    ) -> Result<Person> {
        let email = new.email.trim().to_lowercase();
        let insert = "INSERT INTO people \
                      (email, name, role, org_id, password_hash, lang, active, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id";
        let count = "SELECT COUNT(*) FROM people \
                     WHERE org_id = $1 AND role = 'customer_admin' AND active = 1";
        let id: i64 = in_tx!(self, tx, lock => {
            if let (Role::CustomerAdmin, Some(org), Some(max)) = (new.role, new.org_id, max_admins) {
                // Hold the organization's row, so concurrent grants count one after another.
                sqlx::query(AssertSqlSafe(format!("SELECT id FROM organizations WHERE id = $1{lock}")))
                    .bind(org.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let n: i64 = sqlx::query_scalar(count).bind(org.0).fetch_one(&mut *tx).await?;
                if n >= i64::from(max) {
                    return Err(admin_limit(max));
                }
            }
            let id: i64 = sqlx::query_scalar(insert)
                .bind(&email)
                .bind(&new.name)
                .bind(new.role.as_str())
                .bind(new.org_id.map(|o| o.0))
                .bind(&new.password_hash)
                .bind(&new.lang)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Conflict {
                            field: "email",
                            message: format!(
                                "`{email}` belongs to another person already; accounts are personal"
                            ),
                        }
                    } else {
                        e.into()
                    }
                })?;
            id
        });
        Ok(Person {
            id: PersonId(id),
            email,
            name: new.name.clone(),
            role: new.role,
            org_id: new.org_id,
            lang: new.lang.clone(),
            active: true,
            created_at: now,
        })
    }

    /// Changes a customer person's role; granting the administrator role checks the limit
    /// in the same transaction.
    pub async fn set_role(
        &self,
        scope: &Scope,
        person: PersonId,
        role: Role,
        max_admins: Option<u32>,
    ) -> Result<Person> {
        let current = self.get_person(scope, person).await?;
        let count = "SELECT COUNT(*) FROM people \
                     WHERE org_id = $1 AND role = 'customer_admin' AND active = 1 AND id <> $2";
        let update = "UPDATE people SET role = $1 WHERE id = $2";
        in_tx!(self, tx, lock => {
            if let (Role::CustomerAdmin, Some(org), Some(max)) = (role, current.org_id, max_admins) {
                // Hold the organization's row, so concurrent grants count one after another.
                sqlx::query(AssertSqlSafe(format!("SELECT id FROM organizations WHERE id = $1{lock}")))
                    .bind(org.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let n: i64 = sqlx::query_scalar(count)
                    .bind(org.0)
                    .bind(person.0)
                    .fetch_one(&mut *tx)
                    .await?;
                if n >= i64::from(max) {
                    return Err(admin_limit(max));
                }
            }
            sqlx::query(update).bind(role.as_str()).bind(person.0).execute(&mut *tx).await?;
        });
        Ok(Person { role, ..current })
    }

    /// One person, if the scope may see them (customers see their own organization's people).
    pub async fn get_person(&self, scope: &Scope, id: PersonId) -> Result<Person> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1");
        let row: Option<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(p)
            .await?);
        let person = row.map(Person::try_from).transpose()?;
        match (person, scope.org()) {
            (Some(p), Some(org)) if p.org_id != Some(org) => Err(StoreError::NotFound("person")),
            (Some(p), _) => Ok(p),
            (None, _) => Err(StoreError::NotFound("person")),
        }
    }

    /// The people the scope may see, optionally of one organization, by name.
    pub async fn list_people(&self, scope: &Scope, org: Option<OrgId>) -> Result<Vec<Person>> {
        let org = match (scope.org(), org) {
            (Some(own), Some(asked)) if own != asked => return Ok(Vec::new()),
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE ($1 IS NULL OR org_id = $1) \
             AND ($2 = 0 OR org_id IS NOT NULL) ORDER BY name, id"
        );
        let customers_only = i64::from(scope.org().is_some());
        let rows: Vec<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.map(|o| o.0))
            .bind(customers_only)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// Number of active customer administrators of an organization.
    pub async fn count_admins(&self, org: OrgId) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM people \
                   WHERE org_id = $1 AND role = 'customer_admin' AND active = 1";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).bind(org.0).fetch_one(p).await?))
    }

    /// Number of people with accounts (used on first start).
    pub async fn count_people(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM people";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).fetch_one(p).await?))
    }

    /// A person and their password hash, by e-mail address, for signing in.
    pub async fn person_for_sign_in(
        &self,
        email: &str,
    ) -> Result<Option<(Person, Option<String>)>> {
        let sql = format!("SELECT {PERSON_COLUMNS}, password_hash FROM people WHERE email = $1");
        let email = email.trim().to_lowercase();
        let row = on_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(&email).fetch_optional(p).await?;
            match row {
                Some(r) => {
                    let hash: Option<String> = r.try_get("password_hash")?;
                    let rec: PersonRecord = sqlx::FromRow::from_row(&r)?;
                    Some((rec, hash))
                }
                None => None,
            }
        });
        row.map(|(rec, hash)| Person::try_from(rec).map(|p| (p, hash)))
            .transpose()
    }

    /// Sets a person's password hash.
    pub async fn set_password(&self, person: PersonId, hash: &str) -> Result<()> {
        let sql = "UPDATE people SET password_hash = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(sql).bind(hash).bind(person.0).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Sets a person's language (`nl` or `en`).
    pub async fn set_lang(&self, person: PersonId, lang: &str) -> Result<()> {
        let sql = "UPDATE people SET lang = $1 WHERE id = $2";
        on_pool!(self, p => sqlx::query(sql).bind(lang).bind(person.0).execute(p).await.map(|_| ())?);
        Ok(())
    }

    // ----- sessions and tokens ----------------------------------------------------------

    /// Stores a new session (by the hash of its secret).
    pub async fn create_session(
        &self,
        token_hash: &str,
        person: PersonId,
        now: Millis,
        expires_at: Millis,
    ) -> Result<()> {
        let sql = "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4)";
        on_pool!(self, p => sqlx::query(sql)
            .bind(token_hash)
            .bind(person.0)
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// The active person a live session belongs to.
    pub async fn session_person(&self, token_hash: &str, now: Millis) -> Result<Option<Person>> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN people pe ON pe.id = s.person_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND pe.active = 1 \
             AND s.created_at >= pe.sessions_valid_after",
            prefixed(PERSON_COLUMNS, "pe")
        );
        let row: Option<PersonRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(p)
            .await?);
        row.map(Person::try_from).transpose()
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        on_pool!(self, p => sqlx::query(sql).bind(token_hash).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Ends every session and revokes every API token of a person ("sign out everywhere").
    pub async fn end_all_sessions(&self, person: PersonId, now: Millis) -> Result<()> {
        in_tx!(self, tx, _lock => {
            sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE people SET sessions_valid_after = $1 WHERE id = $2")
                .bind(now + 1)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(person.0)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Stores a new API token (by the hash of its secret).
    pub async fn create_token(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<ApiToken> {
        let sql = "INSERT INTO api_tokens (person_id, name, token_hash, created_at) \
                   VALUES ($1, $2, $3, $4) RETURNING id";
        let id: i64 = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(person.0)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .fetch_one(p)
            .await?);
        Ok(ApiToken {
            id: TokenId(id),
            person_id: person,
            name: name.to_string(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// A person's API tokens, newest first.
    pub async fn tokens(&self, person: PersonId) -> Result<Vec<ApiToken>> {
        let sql = "SELECT id, person_id, name, created_at, last_used_at, revoked_at \
                   FROM api_tokens WHERE person_id = $1 ORDER BY id DESC";
        let rows: Vec<TokenRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(person.0).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(
                |(id, person_id, name, created_at, last_used_at, revoked_at)| ApiToken {
                    id: TokenId(id),
                    person_id: PersonId(person_id),
                    name,
                    created_at,
                    last_used_at,
                    revoked_at,
                },
            )
            .collect())
    }

    /// Revokes one of a person's tokens; `false` if they have no such live token.
    pub async fn revoke_token(&self, person: PersonId, id: TokenId, now: Millis) -> Result<bool> {
        let sql = "UPDATE api_tokens SET revoked_at = $1 \
                   WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL";
        let done = on_pool!(self, p => sqlx::query(sql)
            .bind(now)
            .bind(id.0)
            .bind(person.0)
            .execute(p)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// The active person a live API token belongs to; records its use.
    pub async fn token_person(&self, token_hash: &str, now: Millis) -> Result<Option<Person>> {
        let sql = format!(
            "SELECT {}, t.last_used_at FROM api_tokens t JOIN people pe ON pe.id = t.person_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND pe.active = 1",
            prefixed(PERSON_COLUMNS, "pe")
        );
        // Record use at most once a minute, so reading with a token is not a write each time.
        let touch = "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2";
        let row: Option<PersonRecord> = on_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?;
            match row {
                Some(r) => {
                    let last: Option<i64> = r.try_get("last_used_at")?;
                    if last.is_none_or(|l| now - l >= 60_000) {
                        sqlx::query(touch).bind(now).bind(token_hash).execute(p).await?;
                    }
                    Some(sqlx::FromRow::from_row(&r)?)
                }
                None => None,
            }
        });
        row.map(Person::try_from).transpose()
    }

    /// Records a failed sign-in under a throttling key (an account or a client address).
    pub async fn record_sign_in_failure(&self, key: &str, at: Millis) -> Result<()> {
        let sql = "INSERT INTO sign_in_attempts (key, at) VALUES ($1, $2)";
        on_pool!(self, p => sqlx::query(sql).bind(key).bind(at).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Failed sign-ins under a key since an instant.
    pub async fn sign_in_failures(&self, key: &str, since: Millis) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM sign_in_attempts WHERE key = $1 AND at >= $2";
        Ok(on_pool!(self, p => sqlx::query_scalar(sql).bind(key).bind(since).fetch_one(p).await?))
    }

    /// Forgets the failed sign-ins under a key (after a success).
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<()> {
        let sql = "DELETE FROM sign_in_attempts WHERE key = $1";
        on_pool!(self, p => sqlx::query(sql).bind(key).execute(p).await.map(|_| ())?);
        Ok(())
    }

    // ----- tickets ---------------------------------------------------------------------

    /// Creates a ticket with its first event and derived clocks, in one transaction.
    pub async fn create_ticket(
        &self,
        new: &NewTicket,
        first: &NewEvent,
        update: &TicketUpdate,
    ) -> Result<Ticket> {
        // One round trip for all rows: a data-modifying CTE on PostgreSQL (atomic by itself),
        // several statements in one call inside a write transaction on SQLite (whose single
        // writer makes `MAX(id)` the ticket just inserted).
        let c = &update.clocks;
        let n = c.targets.len();
        let ticket_values =
            "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, 1)";
        let columns = "(org_id, agreement_id, kind, priority, status, channel, subject, reporter_id, \
            assignee_id, received_at, created_at, updated_at, clock_start, next_deadline, queue_at, \
            sla_outcome, paused, event_count)";
        let event_values = |id: &str| format!("({id}, $17, $18, $19, $20, $11)");
        let target_values = |id: &str| {
            (0..n)
                .map(|i| {
                    let b = 21 + i * 10;
                    let p: Vec<String> = (b..b + 8).map(|k| format!("${k}")).collect();
                    format!("({id}, {}, $4, ${}, ${}, $1)", p.join(", "), b + 8, b + 9)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Targets decided already at filing (rare: a call registered after the fact) count
        // in the report totals at once.
        let totals: Vec<(reports::TotalKey, i64)> = reports::deltas(
            Vec::new(),
            c.targets
                .iter()
                .filter_map(|t| {
                    reports::total_key(new.org_id, &new.kind, update.priority.as_deref(), t)
                })
                .collect(),
        );
        let totals_sql = if totals.is_empty() {
            String::new()
        } else {
            let values = (0..totals.len())
                .map(|i| {
                    let b = 21 + n * 10 + i * 10;
                    let p: Vec<String> = (b..b + 10).map(|k| format!("${k}")).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{UPSERT_TOTALS} {values}{UPSERT_TOTALS_END}")
        };
        let event_columns = "(ticket_id, at, actor_id, kind, data, recorded_at)";
        let target_columns = format!("({TARGET_COLUMNS}, org_id)");
        let sql = match self.db {
            Db::Postgres(_) => {
                let targets = if n == 0 {
                    String::new()
                } else {
                    format!(
                        ", x AS (INSERT INTO ticket_targets {target_columns} SELECT * FROM (VALUES {}) AS v)",
                        target_values("(SELECT id FROM t)")
                    )
                };
                let totals = if totals_sql.is_empty() {
                    String::new()
                } else {
                    format!(", y AS ({totals_sql})")
                };
                format!(
                    "WITH t AS (INSERT INTO tickets {columns} VALUES {ticket_values} RETURNING id), \
                     e AS (INSERT INTO ticket_events {event_columns} VALUES {}){targets}{totals} \
                     SELECT id FROM t",
                    event_values("(SELECT id FROM t)")
                )
            }
            Db::Sqlite(_) => {
                let last = "(SELECT MAX(id) FROM tickets)";
                let targets = if n == 0 {
                    String::new()
                } else {
                    format!(
                        "INSERT INTO ticket_targets {target_columns} VALUES {};",
                        target_values(last)
                    )
                };
                let totals = if totals_sql.is_empty() {
                    String::new()
                } else {
                    format!("{totals_sql};")
                };
                format!(
                    "INSERT INTO tickets {columns} VALUES {ticket_values}; \
                     INSERT INTO ticket_events {event_columns} VALUES {}; {targets} {totals} \
                     SELECT MAX(id) FROM tickets",
                    event_values(last)
                )
            }
        };
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q
                    .bind(new.org_id.0)
                    .bind(new.agreement_id.0)
                    .bind(&new.kind)
                    .bind(&update.priority)
                    .bind(&update.status)
                    .bind(&new.channel)
                    .bind(&new.subject)
                    .bind(new.reporter_id.0)
                    .bind(update.assignee_id.map(|a| a.0))
                    .bind(new.received_at)
                    .bind(new.created_at)
                    .bind(c.clock_start)
                    .bind(c.next_deadline)
                    .bind(c.queue_at)
                    .bind(&c.sla_outcome)
                    .bind(i64::from(c.paused))
                    .bind(first.at)
                    .bind(first.actor_id.map(|a| a.0))
                    .bind(&first.kind)
                    .bind(first.data.to_string());
                for t in &c.targets {
                    q = q
                        .bind(t.bound)
                        .bind(t.percent_bp)
                        .bind(&t.within)
                        .bind(t.deadline)
                        .bind(&t.outcome)
                        .bind(t.decided_at)
                        .bind(t.business_used)
                        .bind(t.budget)
                        .bind(t.decided_month)
                        .bind(t.bin);
                }
                for (k, d) in &totals {
                    q = q
                        .bind(k.month)
                        .bind(k.org_id)
                        .bind(k.kind.clone())
                        .bind(k.priority.clone())
                        .bind(k.bound)
                        .bind(k.percent_bp)
                        .bind(k.within.clone())
                        .bind(k.outcome.clone())
                        .bind(k.bin)
                        .bind(*d);
                }
                q
            }};
        }
        let id: i64 = match &self.db {
            Db::Postgres(p) => {
                bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)))
                    .fetch_one(p)
                    .await?
            }
            Db::Sqlite(p) => {
                // BEGIN … COMMIT travel in the same call; a failure rolls back before the
                // connection returns to the pool.
                let _writer = self.write_lock.lock().await;
                let mut conn = p.acquire().await?;
                let sql = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
                let ids: std::result::Result<Vec<i64>, sqlx::Error> =
                    bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)))
                        .fetch_all(&mut *conn)
                        .await;
                match ids {
                    Ok(ids) => ids
                        .last()
                        .copied()
                        .ok_or_else(|| StoreError::Corrupt("no ticket id".into()))?,
                    Err(e) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                        return Err(e.into());
                    }
                }
            }
        };
        Ok(Ticket {
            id: TicketId(id),
            org_id: new.org_id,
            agreement_id: new.agreement_id,
            kind: new.kind.clone(),
            priority: update.priority.clone(),
            status: update.status.clone(),
            channel: new.channel.clone(),
            subject: new.subject.clone(),
            reporter_id: new.reporter_id,
            assignee_id: update.assignee_id,
            received_at: new.received_at,
            created_at: new.created_at,
            updated_at: new.created_at,
            clocks: update.clocks.clone(),
            event_count: 1,
        })
    }

    /// Appends an event to a ticket the scope may see and stores the state `compute` derives
    /// from the ticket and its whole history (the new event included), in one transaction
    /// that holds the ticket's row, so concurrent events never compute from a stale history.
    pub async fn record_event<E, F>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        now: Millis,
        compute: F,
    ) -> Result<Ticket, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        self.update_ticket(scope, ticket, Some(event), None, now, compute)
            .await
            .map(|(t, _)| t)
    }

    /// [`Store::record_event`] with a file attached to the new event, in the same
    /// transaction: both are stored or neither is. Customer scopes may not attach a file
    /// to an internal note.
    pub async fn record_event_with_attachment<E, F>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: &NewEvent,
        attachment: &NewAttachment,
        now: Millis,
        compute: F,
    ) -> Result<(Ticket, Attachment), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        check_attachment(attachment)?;
        if scope.org().is_some() && is_internal_data(&event.data) {
            return Err(StoreError::Rejected {
                field: "file",
                message: "internal notes are for the service desk".into(),
            }
            .into());
        }
        let (t, a) = self
            .update_ticket(scope, ticket, Some(event), Some(attachment), now, compute)
            .await?;
        let a = a.ok_or_else(|| StoreError::Corrupt("attachment not stored".into()))?;
        Ok((t, a))
    }

    /// Recomputes a ticket's derived state from its unchanged history (time has passed: a
    /// deadline may have gone by), in one transaction that holds the ticket's row.
    pub async fn refresh_ticket<E, F>(&self, ticket: TicketId, compute: F) -> Result<Ticket, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        let current = self.get_ticket(&Scope::System, ticket).await?;
        self.update_ticket(
            &Scope::System,
            ticket,
            None,
            None,
            current.updated_at,
            compute,
        )
        .await
        .map(|(t, _)| t)
    }

    /// Open tickets whose next running deadline lies before `now`, so their stored outcome
    /// may be stale: the oldest first, at most `limit`.
    pub async fn tickets_past_deadline(&self, now: Millis, limit: u32) -> Result<Vec<TicketId>> {
        let sql = "SELECT id FROM tickets WHERE next_deadline < $1 ORDER BY next_deadline LIMIT $2";
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?);
        Ok(ids.into_iter().map(TicketId).collect())
    }

    async fn update_ticket<E, F>(
        &self,
        scope: &Scope,
        ticket: TicketId,
        event: Option<&NewEvent>,
        attachment: Option<&NewAttachment>,
        now: Millis,
        compute: F,
    ) -> Result<(Ticket, Option<Attachment>), E>
    where
        E: From<StoreError>,
        F: FnOnce(&Ticket, &[Event]) -> Result<TicketUpdate, E>,
    {
        let select =
            |lock: &str| format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1{lock}");
        let update = "UPDATE tickets SET status = $1, priority = $2, assignee_id = $3, \
            updated_at = $4, clock_start = $5, next_deadline = $6, queue_at = $7, \
            sla_outcome = $8, paused = $9, event_count = event_count + $11 WHERE id = $10";
        let events = "SELECT id, ticket_id, at, actor_id, kind, data, recorded_at \
            FROM ticket_events WHERE ticket_id = $1 ORDER BY id";
        let targets = format!(
            "SELECT {TARGET_COLUMNS} FROM ticket_targets WHERE ticket_id = $1 ORDER BY bound"
        );
        let result: Result<(Ticket, Option<Attachment>), E> = in_tx!(self, tx, lock => {
            let row: Option<TicketRecord> = sqlx::query_as(AssertSqlSafe(select(lock)))
                .bind(ticket.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            let mut current = match row {
                Some(r) if scope.may_see(OrgId(r.org_id)) => Ticket::try_from(r)?,
                _ => return Err(StoreError::NotFound("ticket").into()),
            };
            let t: Vec<TargetRecord> = sqlx::query_as(AssertSqlSafe(targets))
                .bind(ticket.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            let counted: Vec<reports::TotalKey> = t
                .iter()
                .filter_map(|r| {
                    let priority = r.priority.clone();
                    let row = TargetRow::from(r.clone());
                    reports::total_key(current.org_id, &current.kind, priority.as_deref(), &row)
                })
                .collect();
            current.clocks.targets = t.into_iter().map(TargetRow::from).collect();
            let mut stored = None;
            if let Some(event) = event {
                let event_id = insert_event!(tx, ticket.0, event, now)?;
                if let Some(new) = attachment {
                    let meta = attachment_meta(ticket, current.org_id, Some(event_id), new);
                    stored = Some(insert_attachment!(tx, meta, &new.data));
                }
            }
            let history: Vec<EventRecord> = sqlx::query_as(events)
                .bind(ticket.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            let history = history
                .into_iter()
                .map(Event::try_from)
                .collect::<Result<Vec<_>>>()?;
            let next = compute(&current, &history)?;
            let c = &next.clocks;
            sqlx::query(update)
                .bind(&next.status)
                .bind(&next.priority)
                .bind(next.assignee_id.map(|a| a.0))
                .bind(now)
                .bind(c.clock_start)
                .bind(c.next_deadline)
                .bind(c.queue_at)
                .bind(&c.sla_outcome)
                .bind(i64::from(c.paused))
                .bind(ticket.0)
                .bind(i64::from(event.is_some()))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            write_targets!(tx, ticket.0, current.org_id.0, &next.priority, &c.targets, true);
            let now_counted: Vec<reports::TotalKey> = c
                .targets
                .iter()
                .filter_map(|row| {
                    reports::total_key(current.org_id, &current.kind, next.priority.as_deref(), row)
                })
                .collect();
            apply_totals!(tx, &reports::deltas(counted, now_counted));
            Ok((
                Ticket {
                    status: next.status,
                    priority: next.priority,
                    assignee_id: next.assignee_id,
                    updated_at: now,
                    clocks: next.clocks,
                    event_count: current.event_count + i64::from(event.is_some()),
                    ..current
                },
                stored,
            ))
        });
        result
    }

    /// One ticket, if the scope may see it.
    pub async fn get_ticket(&self, scope: &Scope, id: TicketId) -> Result<Ticket> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        );
        let row: Option<TicketRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_optional(p)
            .await?);
        let mut ticket = Ticket::try_from(row.ok_or(StoreError::NotFound("ticket"))?)?;
        ticket.clocks.targets = self
            .targets_of(&[ticket.id])
            .await?
            .remove(&ticket.id)
            .unwrap_or_default();
        Ok(ticket)
    }

    /// The history of a ticket the scope may see, oldest first; internal notes are left out
    /// for customer scopes.
    pub async fn ticket_events(&self, scope: &Scope, id: TicketId) -> Result<Vec<Event>> {
        self.get_ticket(scope, id).await?;
        let sql = "SELECT id, ticket_id, at, actor_id, kind, data, recorded_at \
                   FROM ticket_events WHERE ticket_id = $1 ORDER BY id";
        let rows: Vec<EventRecord> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id.0).fetch_all(p).await?);
        let events = rows
            .into_iter()
            .map(Event::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(match scope {
            Scope::Customer { .. } => events.into_iter().filter(|e| !is_internal(e)).collect(),
            _ => events,
        })
    }

    pub(crate) async fn targets_of(
        &self,
        ids: &[TicketId],
    ) -> Result<std::collections::HashMap<TicketId, Vec<TargetRow>>> {
        let mut out: std::collections::HashMap<TicketId, Vec<TargetRow>> = Default::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let list = ids
            .iter()
            .map(|i| i.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM ticket_targets WHERE ticket_id IN ({list}) \
             ORDER BY ticket_id, bound"
        );
        let rows: Vec<TargetRecord> =
            on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await?);
        for r in rows {
            out.entry(TicketId(r.ticket_id))
                .or_default()
                .push(TargetRow::from(r));
        }
        Ok(out)
    }

    /// A page of the tickets the scope may see, filtered and ordered, after `cursor`.
    pub async fn list_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<Ticket>> {
        let limit = limit.clamp(1, 500);
        let org = match (scope.org(), filter.org) {
            (Some(own), Some(asked)) if own != asked => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let cursor = cursor.map(|c| Cursor::parse(c, filter.order)).transpose()?;
        let mut q = QueryBuilder::new(format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1 = 1"));
        if let Some(o) = org {
            q.push_i64(" AND org_id = ", o.0);
        }
        for (column, value) in [
            ("kind", &filter.kind),
            ("status", &filter.status),
            ("priority", &filter.priority),
            ("sla_outcome", &filter.sla_outcome),
        ] {
            if let Some(v) = value {
                q.push_text(&format!(" AND {column} = "), v);
            }
        }
        if let Some(before) = filter.deadline_before {
            q.push_i64(" AND next_deadline <= ", before);
        }
        if let Some(a) = filter.assignee {
            q.push_i64(" AND assignee_id = ", a.0);
        }
        if let Some(text) = &filter.subject {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            q.push_text(" AND LOWER(subject) LIKE ", &pattern);
            q.sql.push_str(" ESCAPE '\\'");
        }
        match (filter.order, cursor) {
            (TicketOrder::Queue, c) => {
                q.sql.push_str(" AND queue_at IS NOT NULL");
                if let Some(Cursor::Queue(at, id)) = c {
                    q.push_i64(" AND (queue_at > ", at);
                    q.push_i64(" OR (queue_at = ", at);
                    q.push_i64(" AND id > ", id);
                    q.sql.push_str("))");
                }
                q.sql.push_str(" ORDER BY queue_at, id");
            }
            (TicketOrder::Newest, c) => {
                if let Some(Cursor::Newest(id)) = c {
                    q.push_i64(" AND id < ", id);
                }
                q.sql.push_str(" ORDER BY id DESC");
            }
        }
        q.push_i64(" LIMIT ", i64::from(limit) + 1);
        let rows: Vec<TicketRecord> = fetch_built!(self, q);
        let mut items = rows
            .into_iter()
            .map(Ticket::try_from)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|t| match filter.order {
                TicketOrder::Queue => {
                    Cursor::Queue(t.clocks.queue_at.unwrap_or(0), t.id.0).encode()
                }
                TicketOrder::Newest => Cursor::Newest(t.id.0).encode(),
            })
        } else {
            None
        };
        let ids: Vec<TicketId> = items.iter().map(|t| t.id).collect();
        let mut targets = self.targets_of(&ids).await?;
        for t in &mut items {
            t.clocks.targets = targets.remove(&t.id).unwrap_or_default();
        }
        Ok(Page { items, next })
    }

    // ----- audit -----------------------------------------------------------------------

    /// Appends an entry to the audit trail.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let sql = "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
                   VALUES ($1, $2, $3, $4, $5)";
        on_pool!(self, p => sqlx::query(sql)
            .bind(entry.at)
            .bind(entry.actor_id.map(|a| a.0))
            .bind(entry.org_id.map(|o| o.0))
            .bind(&entry.action)
            .bind(entry.detail.to_string())
            .execute(p)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// The audit trail the scope may see, newest first, at most `limit` entries.
    pub async fn audit_log(&self, scope: &Scope, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = "SELECT at, actor_id, org_id, action, detail FROM audit_log \
                   WHERE ($1 IS NULL OR org_id = $1) ORDER BY id DESC LIMIT $2";
        let rows: Vec<AuditRow> = on_pool!(self, p => sqlx::query_as(sql)
                .bind(scope.org().map(|o| o.0))
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?);
        rows.into_iter()
            .map(|(at, actor, org, action, detail)| {
                Ok(AuditEntry {
                    at,
                    actor_id: actor.map(PersonId),
                    org_id: org.map(OrgId),
                    action,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }

    // ----- saved views -----------------------------------------------------------------

    /// Saves a filter query of the agent queue under a name for a person; saving again under
    /// the same name replaces the query (the view keeps its id and creation time).
    pub async fn save_view(
        &self,
        person: PersonId,
        name: &str,
        query: &str,
        now: Millis,
    ) -> Result<SavedView> {
        let sql = "INSERT INTO saved_views (person_id, name, query, created_at) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (person_id, name) DO UPDATE SET query = excluded.query \
                   RETURNING id, created_at";
        let (id, created_at): (i64, i64) = on_pool!(self, p => sqlx::query_as(sql)
            .bind(person.0)
            .bind(name)
            .bind(query)
            .bind(now)
            .fetch_one(p)
            .await?);
        Ok(SavedView {
            id,
            person_id: person,
            name: name.to_string(),
            query: query.to_string(),
            created_at,
        })
    }

    /// A person's saved views, by name.
    pub async fn views(&self, person: PersonId) -> Result<Vec<SavedView>> {
        let sql = "SELECT id, name, query, created_at FROM saved_views \
                   WHERE person_id = $1 ORDER BY name, id";
        let rows: Vec<(i64, String, String, i64)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(person.0).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, query, created_at)| SavedView {
                id,
                person_id: person,
                name,
                query,
                created_at,
            })
            .collect())
    }

    /// Deletes one of a person's saved views; `false` if they have no view with that id.
    pub async fn delete_view(&self, person: PersonId, id: i64) -> Result<bool> {
        let sql = "DELETE FROM saved_views WHERE id = $1 AND person_id = $2";
        let done = on_pool!(self, p => sqlx::query(sql)
            .bind(id)
            .bind(person.0)
            .execute(p)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    // ----- attachments -----------------------------------------------------------------

    /// Attaches a file to a ticket the scope may see, optionally to one of its events
    /// (customer scopes may not attach to an internal note).
    pub async fn add_attachment(
        &self,
        scope: &Scope,
        ticket: TicketId,
        new: &NewAttachment,
    ) -> Result<Attachment> {
        check_attachment(new)?;
        let owner = "SELECT org_id FROM tickets WHERE id = $1";
        let event_sql = "SELECT data FROM ticket_events WHERE id = $1 AND ticket_id = $2";
        let stored = in_tx!(self, tx, _lock => {
            let org: Option<i64> = sqlx::query_scalar(owner)
                .bind(ticket.0)
                .fetch_optional(&mut *tx)
                .await?;
            let org = match org {
                Some(o) if scope.may_see(OrgId(o)) => OrgId(o),
                _ => return Err(StoreError::NotFound("ticket")),
            };
            if let Some(event) = new.event_id {
                let data: Option<String> = sqlx::query_scalar(event_sql)
                    .bind(event)
                    .bind(ticket.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let data = data.ok_or(StoreError::NotFound("event"))?;
                let data: serde_json::Value = serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("event data: {e}")))?;
                if scope.org().is_some() && is_internal_data(&data) {
                    return Err(StoreError::NotFound("event"));
                }
            }
            let meta = attachment_meta(ticket, org, new.event_id, new);
            insert_attachment!(tx, meta, &new.data)
        });
        Ok(stored)
    }

    /// The attachments of a ticket the scope may see, oldest first, without their bytes;
    /// those of internal notes are left out for customer scopes.
    pub async fn attachments(&self, scope: &Scope, ticket: TicketId) -> Result<Vec<Attachment>> {
        self.get_ticket(scope, ticket).await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, e.data AS event_data FROM ticket_attachments a \
             LEFT JOIN ticket_events e ON e.id = a.event_id \
             WHERE a.ticket_id = $1 AND ($2 IS NULL OR a.org_id = $2) ORDER BY a.id"
        );
        let rows: Vec<AttachmentRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(ticket.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_all(p)
            .await?);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if scope.org().is_some() && r.internal()? {
                continue;
            }
            out.push(Attachment::from(r));
        }
        Ok(out)
    }

    /// One attachment of a ticket the scope may see, with its bytes.
    pub async fn attachment_data(
        &self,
        scope: &Scope,
        ticket: TicketId,
        id: AttachmentId,
    ) -> Result<(Attachment, Vec<u8>)> {
        self.get_ticket(scope, ticket).await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, e.data AS event_data, a.data AS bytes \
             FROM ticket_attachments a LEFT JOIN ticket_events e ON e.id = a.event_id \
             WHERE a.id = $1 AND a.ticket_id = $2 AND ($3 IS NULL OR a.org_id = $3)"
        );
        let row = on_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(id.0)
                .bind(ticket.0)
                .bind(scope.org().map(|o| o.0))
                .fetch_optional(p)
                .await?;
            match row {
                Some(r) => {
                    let bytes: Vec<u8> = r.try_get("bytes")?;
                    let rec: AttachmentRecord = sqlx::FromRow::from_row(&r)?;
                    Some((rec, bytes))
                }
                None => None,
            }
        });
        match row {
            Some((rec, bytes)) if scope.org().is_none() || !rec.internal()? => {
                Ok((Attachment::from(rec), bytes))
            }
            _ => Err(StoreError::NotFound("attachment")),
        }
    }
}

/// The metadata of a new attachment row (id 0 until stored): size and SHA-256 of the bytes.
fn attachment_meta(
    ticket: TicketId,
    org: OrgId,
    event: Option<i64>,
    new: &NewAttachment,
) -> Attachment {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(&new.data);
    let mut sha256 = String::with_capacity(64);
    for b in digest {
        let _ = write!(sha256, "{b:02x}");
    }
    Attachment {
        id: AttachmentId(0),
        ticket_id: ticket,
        org_id: org,
        event_id: event,
        file_name: new.file_name.clone(),
        content_type: new.content_type.clone(),
        size: i64::try_from(new.data.len()).unwrap_or(i64::MAX),
        sha256,
        uploaded_by: new.uploaded_by,
        created_at: new.created_at,
    }
}

/// The rules every stored attachment keeps, whoever calls.
fn check_attachment(new: &NewAttachment) -> Result<()> {
    let name = &new.file_name;
    let bad_name = name.trim().is_empty()
        || name.chars().count() > 200
        || name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        || name == "."
        || name == "..";
    if bad_name {
        return Err(StoreError::Rejected {
            field: "file",
            message:
                "a file name of 1 to 200 characters without a path or control characters is needed"
                    .into(),
        });
    }
    if new.data.len() > MAX_ATTACHMENT_BYTES {
        return Err(StoreError::Rejected {
            field: "file",
            message: format!("a file of at most {MAX_ATTACHMENT_BYTES} bytes"),
        });
    }
    if new.content_type.is_empty()
        || new.content_type.len() > 255
        || new.content_type.chars().any(|c| c.is_control())
    {
        return Err(StoreError::Rejected {
            field: "file",
            message: "a media type of 1 to 255 characters is needed".into(),
        });
    }
    Ok(())
}

/// A person's named filter of the agent queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedView {
    /// Its id.
    pub id: i64,
    /// Whose view it is (only they see it).
    pub person_id: PersonId,
    /// The name they gave it, unique per person.
    pub name: String,
    /// The queue's filter as a URL query (`kind=incident&mine=1`), without a cursor.
    pub query: String,
    /// When it was first saved.
    pub created_at: Millis,
}

/// A token row: id, person, name, created, last used, revoked.
type TokenRow = (i64, i64, String, i64, Option<i64>, Option<i64>);
/// An audit row: at, actor, organization, action, detail.
type AuditRow = (i64, Option<i64>, Option<i64>, String, String);

fn admin_limit(max: u32) -> StoreError {
    StoreError::Rejected {
        field: "role",
        message: format!(
            "this customer has {max} administrators already, the most its agreement allows"
        ),
    }
}

fn is_internal(e: &Event) -> bool {
    is_internal_data(&e.data)
}

fn is_internal_data(data: &serde_json::Value) -> bool {
    data.get("internal").and_then(|v| v.as_bool()) == Some(true)
}

fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A listing position, opaque to callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Queue(i64, i64),
    Newest(i64),
}

impl Cursor {
    fn encode(self) -> String {
        match self {
            Cursor::Queue(at, id) => format!("q{at}_{id}"),
            Cursor::Newest(id) => format!("n{id}"),
        }
    }

    fn parse(s: &str, order: TicketOrder) -> Result<Cursor> {
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
