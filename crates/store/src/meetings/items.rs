//! Action items (`action_items`): what a meeting agreed, who does it by when, and when it was
//! done and by whom, tracked until done.

use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::AssertSqlSafe;

use crate::audit::audit_in_tx;
use crate::{
    ActionItemId, MeetingId, OrgId, PersonId, Result, Scope, Store, StoreError, instant, millis,
};

/// Something a meeting agreed, with its owner and due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    /// Its id.
    pub id: ActionItemId,
    /// The meeting that agreed it.
    pub meeting_id: MeetingId,
    /// The customer.
    pub org_id: OrgId,
    /// What is to be done.
    pub what: String,
    /// Who does it, by name.
    pub owner_name: String,
    /// Their account, if they have one.
    pub owner_person_id: Option<PersonId>,
    /// By when (a date in the agreement's calendar).
    pub due_on: Date,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// Who recorded it.
    pub created_by: Option<PersonId>,
    /// When it was done.
    pub done_at: Option<Timestamp>,
    /// Who marked it done.
    pub done_by: Option<PersonId>,
    /// What was said when it was marked done.
    pub done_note: Option<String>,
}

/// An action item to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActionItem {
    /// What is to be done.
    pub what: String,
    /// Who does it, by name.
    pub owner_name: String,
    /// Their account, if they have one.
    pub owner_person_id: Option<PersonId>,
    /// By when.
    pub due_on: Date,
}

const ITEM_COLUMNS: &str = "id, meeting_id, org_id, what, owner_name, owner_person_id, due_on, \
    created_at, created_by, done_at, done_by, done_note";

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    meeting_id: i64,
    org_id: i64,
    what: String,
    owner_name: String,
    owner_person_id: Option<i64>,
    due_on: String,
    created_at: i64,
    created_by: Option<i64>,
    done_at: Option<i64>,
    done_by: Option<i64>,
    done_note: Option<String>,
}

impl ItemRow {
    fn into_item(self) -> Result<ActionItem> {
        Ok(ActionItem {
            id: ActionItemId(self.id),
            meeting_id: MeetingId(self.meeting_id),
            org_id: OrgId(self.org_id),
            what: self.what,
            owner_name: self.owner_name,
            owner_person_id: self.owner_person_id.map(PersonId),
            due_on: self
                .due_on
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("action item due date: {e}")))?,
            created_at: instant(self.created_at)?,
            created_by: self.created_by.map(PersonId),
            done_at: self.done_at.map(instant).transpose()?,
            done_by: self.done_by.map(PersonId),
            done_note: self.done_note,
        })
    }
}

impl Store {
    /// Records an action item of a meeting the scope may see, audited.
    pub async fn add_action_item(
        &self,
        scope: &Scope,
        meeting: MeetingId,
        new: &NewActionItem,
        now: Timestamp,
    ) -> Result<ActionItem> {
        let m = self.get_meeting(scope, meeting).await?;
        let now = millis(now);
        let actor = scope.person().map(|p| p.0);
        let sql = format!(
            "INSERT INTO action_items (meeting_id, org_id, what, owner_name, owner_person_id, \
             due_on, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING {ITEM_COLUMNS}"
        );
        let row: ItemRow = in_tx!(self, tx, _lock => {
            let row: ItemRow = sqlx::query_as(AssertSqlSafe(sql))
                .bind(meeting.0)
                .bind(m.org_id.0)
                .bind(new.what.trim())
                .bind(new.owner_name.trim())
                .bind(new.owner_person_id.map(|p| p.0))
                .bind(new.due_on.to_string())
                .bind(now)
                .bind(actor)
                .fetch_one(&mut *tx)
                .await?;
            let detail = serde_json::json!({
                "meeting_id": meeting.0,
                "action_item_id": row.id,
                "owner": new.owner_name.trim(),
                "due_on": new.due_on.to_string(),
            });
            audit_in_tx!(tx, now, actor, Some(m.org_id.0), "action_item.added", detail)?;
            row
        });
        row.into_item()
    }

    /// Marks an action item the scope may see done, once (a second time is a conflict);
    /// audited.
    pub async fn complete_action_item(
        &self,
        scope: &Scope,
        id: ActionItemId,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<ActionItem> {
        let item = self.get_action_item(scope, id).await?;
        if item.done_at.is_some() {
            return Err(StoreError::Conflict {
                field: "id",
                message: format!("action item {id} is already done"),
            });
        }
        let now = millis(now);
        let actor = scope.person().map(|p| p.0);
        let sql = format!(
            "UPDATE action_items SET done_at = $1, done_by = $2, done_note = $3 \
             WHERE id = $4 AND done_at IS NULL RETURNING {ITEM_COLUMNS}"
        );
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let row: ItemRow = in_tx!(self, tx, _lock => {
            let row: Option<ItemRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(now)
                .bind(actor)
                .bind(note)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::Conflict {
                    field: "id",
                    message: format!("action item {id} is already done"),
                });
            };
            let detail = serde_json::json!({ "action_item_id": id.0, "note": note });
            audit_in_tx!(tx, now, actor, Some(item.org_id.0), "action_item.done", detail)?;
            row
        });
        row.into_item()
    }

    /// One action item the scope may see.
    pub async fn get_action_item(&self, scope: &Scope, id: ActionItemId) -> Result<ActionItem> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM action_items WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        );
        let row: Option<ItemRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_optional(p)
            .await?);
        row.ok_or(StoreError::NotFound("action item"))?.into_item()
    }

    /// The action items not done that are due from `from` to `to` (inclusive), of meetings not
    /// cancelled, of every customer the scope may see, by due date: what reminders look at.
    pub async fn action_items_due(
        &self,
        scope: &Scope,
        from: Date,
        to: Date,
    ) -> Result<Vec<ActionItem>> {
        let sql = format!(
            "SELECT {} FROM action_items i JOIN meetings m ON m.id = i.meeting_id \
             WHERE i.done_at IS NULL AND i.due_on >= $1 AND i.due_on <= $2 \
             AND m.status <> 'cancelled' AND ($3 IS NULL OR i.org_id = $3) \
             ORDER BY i.due_on, i.id",
            crate::prefixed(ITEM_COLUMNS, "i")
        );
        let rows: Vec<ItemRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(scope.org().map(|o| o.0))
            .fetch_all(p)
            .await?);
        rows.into_iter().map(ItemRow::into_item).collect()
    }

    /// Moves the due date of an action item the scope may see that is not done (vendor staff);
    /// audited. A reminder of the new date is due again.
    pub async fn move_action_item(
        &self,
        scope: &Scope,
        id: ActionItemId,
        due_on: Date,
        now: Timestamp,
    ) -> Result<ActionItem> {
        let actor = crate::vendor_person(scope, "move action items")?;
        let item = self.get_action_item(scope, id).await?;
        let now = millis(now);
        let sql = format!(
            "UPDATE action_items SET due_on = $1 WHERE id = $2 AND done_at IS NULL \
             RETURNING {ITEM_COLUMNS}"
        );
        let row: ItemRow = in_tx!(self, tx, _lock => {
            let row: Option<ItemRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(due_on.to_string())
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::Conflict {
                    field: "id",
                    message: format!("action item {id} is done; its date stays"),
                });
            };
            let detail = serde_json::json!({
                "action_item_id": id.0,
                "due_on": [item.due_on.to_string(), due_on.to_string()],
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(item.org_id.0), "action_item.moved", detail)?;
            row
        });
        row.into_item()
    }

    /// The action items of a customer the scope may see (optionally of one meeting, or only
    /// those not done), by due date.
    pub async fn action_items(
        &self,
        scope: &Scope,
        org: OrgId,
        meeting: Option<MeetingId>,
        open_only: bool,
    ) -> Result<Vec<ActionItem>> {
        self.get_org(scope, org).await?;
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM action_items WHERE org_id = $1 \
             AND ($2 IS NULL OR meeting_id = $2) AND ($3 = 0 OR done_at IS NULL) \
             ORDER BY due_on, id"
        );
        let rows: Vec<ItemRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.0)
            .bind(meeting.map(|m| m.0))
            .bind(i64::from(open_only))
            .fetch_all(p)
            .await?);
        rows.into_iter().map(ItemRow::into_item).collect()
    }
}
