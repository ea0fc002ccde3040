//! Saved views (`saved_views`): a person's named filters of the agent queue.

use crate::{Millis, PersonId, Result, Store};

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

impl Store {
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
}
