//! Sign-in sessions (`sessions`) and personal API tokens (`api_tokens`), both stored by the
//! hash of their secret.

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use crate::people::{PERSON_COLUMNS, PersonRecord};
use crate::{Millis, Person, PersonId, Result, Store, TokenId, prefixed};

/// A personal API token's public part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Its id.
    pub id: TokenId,
    /// Its owner.
    pub person_id: PersonId,
    /// A name its owner chose.
    pub name: String,
    /// When it was created.
    pub created_at: Millis,
    /// When it was last used.
    pub last_used_at: Option<Millis>,
    /// When it was revoked.
    pub revoked_at: Option<Millis>,
}

/// A token row: id, person, name, created, last used, revoked.
type TokenRow = (i64, i64, String, i64, Option<i64>, Option<i64>);

impl Store {
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
}
