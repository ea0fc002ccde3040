//! People with accounts (`people`): vendor staff and customers' people, their roles,
//! passwords and languages.

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use crate::{Millis, OrgId, PersonId, Result, Role, Scope, Store, StoreError, unique_violation};

pub(crate) const PERSON_COLUMNS: &str = "id, email, name, role, org_id, lang, active, created_at";

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their id.
    pub id: PersonId,
    /// Their personal e-mail address (lower case), unique.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their organization (customer roles only).
    pub org_id: Option<OrgId>,
    /// Their language, `nl` or `en`.
    pub lang: String,
    /// Whether they may sign in.
    pub active: bool,
    /// When the account was created.
    pub created_at: Millis,
}

/// Input for a new person.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Personal e-mail address (stored in lower case).
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Organization (required for customer roles, absent for vendor roles).
    pub org_id: Option<OrgId>,
    /// Language, `nl` or `en`.
    pub lang: String,
    /// Argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRecord {
    id: i64,
    email: String,
    name: String,
    role: String,
    org_id: Option<i64>,
    lang: String,
    active: i64,
    created_at: i64,
}

impl TryFrom<PersonRecord> for Person {
    type Error = StoreError;

    fn try_from(r: PersonRecord) -> Result<Self, StoreError> {
        Ok(Person {
            id: PersonId(r.id),
            email: r.email,
            name: r.name,
            role: r.role.parse().map_err(StoreError::Corrupt)?,
            org_id: r.org_id.map(OrgId),
            lang: r.lang,
            active: r.active != 0,
            created_at: r.created_at,
        })
    }
}

impl Store {
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

    /// Changes a person's role; granting a customer's administrator role checks its limit and
    /// demoting the vendor's last administrator is refused, both in the same transaction.
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
            if current.role == Role::Admin && role != Role::Admin {
                // Hold every active administrator, so two demotions cannot pass each other.
                let admins: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT id FROM people WHERE role = 'admin' AND active = 1 ORDER BY id{lock}"
                )))
                .fetch_all(&mut *tx)
                .await?;
                if admins.iter().all(|id| *id == person.0) {
                    return Err(StoreError::Conflict {
                        field: "role",
                        message: "this is the last administrator; make someone else one first"
                            .to_string(),
                    });
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
}

fn admin_limit(max: u32) -> StoreError {
    StoreError::Rejected {
        field: "role",
        message: format!(
            "this customer has {max} administrators already, the most its agreement allows"
        ),
    }
}
