//! Recurring meetings (`meeting_schedules`): per customer and kind, every N months from an
//! anchor date, with the meeting planned for the next occurrence. The dates are computed by
//! the caller (desk, with the agreement's calendar); this module keeps them.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use sqlx::AssertSqlSafe;

use super::{MeetingKind, ScheduledNext, insert_attendee_in_tx, insert_meeting_in_tx};
use crate::audit::audit_in_tx;
use crate::{
    MeetingId, OrgId, PersonId, Result, Scope, Store, StoreError, instant, millis, vendor_person,
    word,
};

/// A customer's recurring meeting of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The customer.
    pub org_id: OrgId,
    /// The kind of meeting.
    pub kind: MeetingKind,
    /// Every this many months (1–24).
    pub every_months: u32,
    /// The date the series counts from (occurrence 0).
    pub anchor_on: Date,
    /// Which occurrence is next.
    pub occurrence: u32,
    /// The local time the meetings start (agreement's time zone).
    pub local_time: Time,
    /// How long each takes, in minutes.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
    /// The date of the next meeting (a working day).
    pub next_on: Date,
    /// The meeting planned for it.
    pub next_meeting_id: Option<MeetingId>,
    /// When the schedule last changed.
    pub updated_at: Timestamp,
    /// Who changed it.
    pub updated_by: Option<PersonId>,
}

/// A schedule as set: the series; the first meeting is given as a [`ScheduledNext`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    /// The customer.
    pub org_id: OrgId,
    /// The kind.
    pub kind: MeetingKind,
    /// Every this many months.
    pub every_months: u32,
    /// The date the series counts from.
    pub anchor_on: Date,
    /// The local start time.
    pub local_time: Time,
    /// Minutes each.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
}

const SCHEDULE_COLUMNS: &str = "org_id, kind, every_months, anchor_on, occurrence, local_time, \
    duration_minutes, location, online_url, next_on, next_meeting_id, updated_at, updated_by";

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    org_id: i64,
    kind: String,
    every_months: i64,
    anchor_on: String,
    occurrence: i64,
    local_time: String,
    duration_minutes: i64,
    location: String,
    online_url: String,
    next_on: String,
    next_meeting_id: Option<i64>,
    updated_at: i64,
    updated_by: Option<i64>,
}

fn parsed<T: std::str::FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(format!("schedule {what} `{s}`: {e}")))
}

impl ScheduleRow {
    fn into_schedule(self) -> Result<Schedule> {
        let count = |what: &str, v: i64| {
            u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("schedule {what} {v}")))
        };
        Ok(Schedule {
            org_id: OrgId(self.org_id),
            kind: word(&self.kind)?,
            every_months: count("every_months", self.every_months)?,
            anchor_on: parsed("anchor_on", &self.anchor_on)?,
            occurrence: count("occurrence", self.occurrence)?,
            local_time: parsed("local_time", &self.local_time)?,
            duration_minutes: self.duration_minutes,
            location: self.location,
            online_url: self.online_url,
            next_on: parsed("next_on", &self.next_on)?,
            next_meeting_id: self.next_meeting_id.map(MeetingId),
            updated_at: instant(self.updated_at)?,
            updated_by: self.updated_by.map(PersonId),
        })
    }
}

/// Plans a schedule's next meeting and points the schedule at it, in a transaction: the
/// schedule must still point at `$previous` (the meeting just held or cancelled), so two
/// writers never plan the same occurrence twice.
macro_rules! schedule_next_in_tx {
    ($tx:expr, $next:expr, $previous:expr, $now:expr, $actor:expr) => {{
        let next: &$crate::ScheduledNext = $next;
        let id = $crate::meetings::insert_meeting_in_tx!($tx, &next.meeting, $now, Some($actor));
        let moved = sqlx::query(
            "UPDATE meeting_schedules SET occurrence = $1, next_on = $2, next_meeting_id = $3, \
             updated_at = $4, updated_by = $5 \
             WHERE org_id = $6 AND kind = $7 AND next_meeting_id = $8",
        )
        .bind(i64::from(next.occurrence))
        .bind(next.on.to_string())
        .bind(id)
        .bind($now)
        .bind($actor)
        .bind(next.meeting.org_id.0)
        .bind(next.meeting.kind.as_str())
        .bind($previous)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if moved != 1 {
            return Err($crate::StoreError::Conflict {
                field: "id",
                message: "the schedule moved on meanwhile; read the meeting again".into(),
            });
        }
        let detail = serde_json::json!({
            "meeting_id": id,
            "kind": next.meeting.kind.as_str(),
            "occurrence": next.occurrence,
            "on": next.on.to_string(),
        });
        $crate::audit::audit_in_tx!($tx, $now, Some($actor), Some(next.meeting.org_id.0), "meeting.scheduled", detail)?;
        id
    }};
}
pub(crate) use schedule_next_in_tx;

impl Store {
    /// Sets a customer's schedule of a kind (vendor staff) and plans its first meeting `first`
    /// in one transaction; a meeting the schedule had planned and that is still planned is
    /// moved to the new date instead of a second one being planned. Audited.
    pub async fn set_schedule(
        &self,
        scope: &Scope,
        new: &NewSchedule,
        first: &ScheduledNext,
        now: Timestamp,
    ) -> Result<Schedule> {
        let actor = vendor_person(scope, "set meeting schedules")?;
        self.get_org(scope, new.org_id).await?;
        let now = millis(now);
        let existing = "SELECT s.next_meeting_id FROM meeting_schedules s \
                        JOIN meetings m ON m.id = s.next_meeting_id \
                        WHERE s.org_id = $1 AND s.kind = $2 AND m.status = 'planned'";
        let upsert = "INSERT INTO meeting_schedules (org_id, kind, every_months, anchor_on, \
                      occurrence, local_time, duration_minutes, location, online_url, next_on, \
                      next_meeting_id, updated_at, updated_by) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                      ON CONFLICT (org_id, kind) DO UPDATE SET every_months = $3, anchor_on = $4, \
                      occurrence = $5, local_time = $6, duration_minutes = $7, location = $8, \
                      online_url = $9, next_on = $10, next_meeting_id = $11, updated_at = $12, \
                      updated_by = $13";
        in_tx!(self, tx, _lock => {
            let planned: Option<Option<i64>> = sqlx::query_scalar(existing)
                .bind(new.org_id.0)
                .bind(new.kind.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let m = &first.meeting;
            let meeting = match planned.flatten() {
                Some(id) => {
                    sqlx::query(
                        "UPDATE meetings SET starts_at = $1, duration_minutes = $2, \
                         location = $3, online_url = $4, sequence = sequence + 1, \
                         updated_at = $5, updated_by = $6 WHERE id = $7",
                    )
                    .bind(millis(m.starts_at))
                    .bind(m.duration_minutes)
                    .bind(m.location.trim())
                    .bind(m.online_url.trim())
                    .bind(now)
                    .bind(actor.0)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    for a in &m.attendees {
                        insert_attendee_in_tx!(tx, id, m.org_id.0, a);
                    }
                    id
                }
                None => insert_meeting_in_tx!(tx, m, now, Some(actor.0)),
            };
            sqlx::query(upsert)
                .bind(new.org_id.0)
                .bind(new.kind.as_str())
                .bind(i64::from(new.every_months))
                .bind(new.anchor_on.to_string())
                .bind(i64::from(first.occurrence))
                .bind(new.local_time.strftime("%H:%M").to_string())
                .bind(new.duration_minutes)
                .bind(new.location.trim())
                .bind(new.online_url.trim())
                .bind(first.on.to_string())
                .bind(meeting)
                .bind(now)
                .bind(actor.0)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({
                "kind": new.kind.as_str(),
                "every_months": new.every_months,
                "anchor_on": new.anchor_on.to_string(),
                "next_on": first.on.to_string(),
                "meeting_id": meeting,
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(new.org_id.0), "meeting.schedule_set", detail)?;
        });
        self.schedule(scope, new.org_id, new.kind)
            .await?
            .ok_or(StoreError::NotFound("schedule"))
    }

    /// A customer's schedule of a kind, if it has one.
    pub async fn schedule(
        &self,
        scope: &Scope,
        org: OrgId,
        kind: MeetingKind,
    ) -> Result<Option<Schedule>> {
        self.get_org(scope, org).await?;
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM meeting_schedules WHERE org_id = $1 AND kind = $2"
        );
        let row: Option<ScheduleRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.0)
            .bind(kind.as_str())
            .fetch_optional(p)
            .await?);
        row.map(ScheduleRow::into_schedule).transpose()
    }

    /// A customer's schedules, by kind.
    pub async fn schedules(&self, scope: &Scope, org: OrgId) -> Result<Vec<Schedule>> {
        self.get_org(scope, org).await?;
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM meeting_schedules WHERE org_id = $1 ORDER BY kind"
        );
        let rows: Vec<ScheduleRow> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(p)
            .await?);
        rows.into_iter().map(ScheduleRow::into_schedule).collect()
    }
}
