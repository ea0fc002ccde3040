//! Action items: what a meeting agreed, with an owner of either side (an account is not
//! required; one of another customer is refused) and a due date, tracked until done. An item
//! not done is overdue from the day after its due date, by the injected clock in the
//! agreement's zone.

use jiff::civil::Date;
use store::{ActionItem, ActionItemId, MeetingId, MeetingStatus, NewActionItem, OrgId};

use super::schedule::local_today;
use super::{CUSTOMER_COMPLETERS, text};
use crate::limits;
use crate::time::stored;
use crate::{Caller, Desk, DeskError};

/// An action item with whether it is overdue now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedItem {
    /// The item.
    pub item: ActionItem,
    /// Not done, and its due date has passed (today in the agreement's zone is later).
    pub overdue: bool,
}

/// Whether an item is overdue on `today`: not done and due before it.
pub fn overdue(item: &ActionItem, today: Date) -> bool {
    item.done_at.is_none() && item.due_on < today
}

impl Desk {
    /// Records an action item of a meeting (vendor staff). Its owner is named; an account
    /// given must be vendor staff or the meeting's customer's.
    pub async fn add_action_item(
        &self,
        caller: &Caller,
        meeting: MeetingId,
        new: &NewActionItem,
    ) -> Result<TrackedItem, DeskError> {
        caller.require_vendor()?;
        let m = self.store.get_meeting(&caller.scope, meeting).await?;
        if m.status == MeetingStatus::Cancelled {
            return Err(DeskError::invalid("id", "the meeting was cancelled"));
        }
        if let Some(p) = new.owner_person_id {
            self.meeting_person(m.org_id, p, "owner_person_id").await?;
        }
        let new = NewActionItem {
            what: text("what", &new.what, limits::ACTION_ITEM, false)?,
            owner_name: text("owner_name", &new.owner_name, limits::MEETING_TEXT, false)?,
            owner_person_id: new.owner_person_id,
            due_on: new.due_on,
        };
        let now = stored(self.clock.now());
        let item = self
            .store
            .add_action_item(&caller.scope, meeting, &new, now)
            .await?;
        self.tracked(item).await
    }

    /// Marks an action item done (vendor staff, or the customer's administrator), once.
    pub async fn complete_action_item(
        &self,
        caller: &Caller,
        id: ActionItemId,
        note: Option<&str>,
    ) -> Result<TrackedItem, DeskError> {
        let item = self.store.get_action_item(&caller.scope, id).await?;
        if !caller.role().is_vendor() {
            caller.require(
                &CUSTOMER_COMPLETERS,
                "only the service desk or the customer's administrator marks action items done",
            )?;
        }
        let note = match note {
            Some(n) => Some(text("note", n, limits::ACTION_ITEM, true)?),
            None => None,
        };
        let now = stored(self.clock.now());
        let item = self
            .store
            .complete_action_item(&caller.scope, item.id, note.as_deref(), now)
            .await?;
        self.tracked(item).await
    }

    /// Moves the due date of an action item not done (vendor staff); the reminder of the new
    /// date is due again. A done item keeps its date (a conflict).
    pub async fn move_action_item(
        &self,
        caller: &Caller,
        id: ActionItemId,
        due_on: Date,
    ) -> Result<TrackedItem, DeskError> {
        caller.require_vendor()?;
        let now = stored(self.clock.now());
        let item = self
            .store
            .move_action_item(&caller.scope, id, due_on, now)
            .await?;
        self.tracked(item).await
    }

    /// A customer's action items the caller may see, by due date: all, or only those not
    /// done (`open_only`), each with whether it is overdue now.
    pub async fn action_items(
        &self,
        caller: &Caller,
        org: OrgId,
        meeting: Option<MeetingId>,
        open_only: bool,
    ) -> Result<Vec<TrackedItem>, DeskError> {
        let items = self
            .store
            .action_items(&caller.scope, org, meeting, open_only)
            .await?;
        let today = self.today_of(org).await?;
        Ok(items
            .into_iter()
            .map(|item| TrackedItem {
                overdue: overdue(&item, today),
                item,
            })
            .collect())
    }

    /// Today in the zone of a customer's agreement, by the injected clock.
    pub async fn today_of(&self, org: OrgId) -> Result<Date, DeskError> {
        let now = self.clock.now();
        let compiled = self.customer_calendar(org, now).await?;
        Ok(local_today(&compiled.calendar, now))
    }

    async fn tracked(&self, item: ActionItem) -> Result<TrackedItem, DeskError> {
        let today = self.today_of(item.org_id).await?;
        Ok(TrackedItem {
            overdue: overdue(&item, today),
            item,
        })
    }
}
