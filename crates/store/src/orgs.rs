//! Customer organizations (`organizations`).

use serde::{Deserialize, Serialize};

use crate::{Millis, OrgId, Result, Scope, Store, StoreError, unique_violation};

/// A customer organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Its name, unique.
    pub name: String,
    /// When it was created.
    pub created_at: Millis,
}

impl Store {
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
}
