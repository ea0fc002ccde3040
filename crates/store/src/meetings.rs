//! Meetings with a customer (`meetings`, `meeting_attendees`): planned with the invitation
//! mails in one transaction, rescheduled, minuted, cancelled, read. Action items live in
//! [`items`], recurring schedules in [`schedules`]. Which meeting may be planned, by whom and
//! when the schedule moves on is decided by the caller (desk); this module stores it.

use jiff::Timestamp;
use sqlx::AssertSqlSafe;

use crate::audit::audit_in_tx;
use crate::outbox::mail_in_tx;
use crate::{
    AttendeeId, EscalationId, MailAttachment, MailId, MeetingId, NewMail, OrgId, PersonId, Result,
    Scope, Store, StoreError, instant, millis, rejected, vendor_person, word,
};

pub(crate) mod items;
pub(crate) mod schedules;
mod types;

pub use types::*;

use schedules::schedule_next_in_tx;

/// A mail for one attendee, with its attachment.
pub type Invitation = (NewMail, Option<MailAttachment>);

/// The columns of a meeting, with the escalation step it is the record of (a consultation or
/// follow-up), read from `FROM meetings`.
pub(crate) const MEETING_COLUMNS: &str = "id, org_id, kind, title, starts_at, duration_minutes, \
    location, online_url, status, minutes, decisions, sequence, from_schedule, created_at, \
    created_by, updated_at, updated_by, \
    (SELECT s.escalation_id FROM escalation_steps s WHERE s.meeting_id = meetings.id) \
    AS step_escalation_id, \
    (SELECT s.seq FROM escalation_steps s WHERE s.meeting_id = meetings.id) AS step_seq, \
    (SELECT s.kind FROM escalation_steps s WHERE s.meeting_id = meetings.id) AS step_kind";

#[derive(sqlx::FromRow)]
pub(crate) struct MeetingRow {
    id: i64,
    org_id: i64,
    kind: String,
    title: String,
    starts_at: i64,
    duration_minutes: i64,
    location: String,
    online_url: String,
    status: String,
    minutes: String,
    decisions: String,
    sequence: i64,
    from_schedule: i64,
    created_at: i64,
    created_by: Option<i64>,
    updated_at: i64,
    updated_by: Option<i64>,
    step_escalation_id: Option<i64>,
    step_seq: Option<i64>,
    step_kind: Option<String>,
}

/// id, name, email, side, role, person_id, present
pub(crate) type AttendeeRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<i64>,
);

pub(crate) const ATTENDEE_SQL: &str = "SELECT id, name, email, side, role, person_id, present \
    FROM meeting_attendees WHERE meeting_id = $1 ORDER BY id";

impl MeetingRow {
    pub(crate) fn into_meeting(self, attendees: Vec<AttendeeRow>) -> Result<Meeting> {
        let decisions: Vec<String> = serde_json::from_str(&self.decisions)
            .map_err(|e| StoreError::Corrupt(format!("meeting {} decisions: {e}", self.id)))?;
        let attendees = attendees
            .into_iter()
            .map(|(id, name, email, side, role, person, present)| {
                Ok(Attendee {
                    id: AttendeeId(id),
                    name,
                    email,
                    side: word(&side)?,
                    role,
                    person_id: person.map(PersonId),
                    present: present.map(|p| p != 0),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let escalation_step = match (self.step_escalation_id, self.step_seq, self.step_kind) {
            (Some(escalation), Some(seq), Some(kind)) => Some(MeetingStep {
                escalation_id: EscalationId(escalation),
                seq,
                kind: word(&kind)?,
            }),
            _ => None,
        };
        Ok(Meeting {
            id: MeetingId(self.id),
            org_id: OrgId(self.org_id),
            kind: word(&self.kind)?,
            title: self.title,
            starts_at: instant(self.starts_at)?,
            duration_minutes: self.duration_minutes,
            location: self.location,
            online_url: self.online_url,
            status: word(&self.status)?,
            minutes: self.minutes,
            decisions,
            sequence: self.sequence,
            from_schedule: self.from_schedule != 0,
            created_at: instant(self.created_at)?,
            created_by: self.created_by.map(PersonId),
            updated_at: instant(self.updated_at)?,
            updated_by: self.updated_by.map(PersonId),
            attendees,
            escalation_step,
        })
    }
}

fn check_new(m: &NewMeeting) -> Result<()> {
    if m.duration_minutes <= 0 {
        return Err(rejected(
            "duration_minutes",
            "a meeting lasts at least a minute",
        ));
    }
    Ok(())
}

/// Inserts a meeting and its attendees in a transaction; evaluates to the new id.
macro_rules! insert_meeting_in_tx {
    ($tx:expr, $m:expr, $now:expr, $actor:expr) => {{
        let m: &$crate::NewMeeting = $m;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meetings (org_id, kind, title, starts_at, duration_minutes, location, \
             online_url, status, minutes, decisions, sequence, from_schedule, created_at, \
             created_by, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', '', '[]', 0, $8, $9, $10, $9, $10) \
             RETURNING id",
        )
        .bind(m.org_id.0)
        .bind(m.kind.as_str())
        .bind(m.title.trim())
        .bind(crate::millis(m.starts_at))
        .bind(m.duration_minutes)
        .bind(m.location.trim())
        .bind(m.online_url.trim())
        .bind(i64::from(m.from_schedule))
        .bind($now)
        .bind($actor)
        .fetch_one(&mut *$tx)
        .await?;
        for a in &m.attendees {
            $crate::meetings::insert_attendee_in_tx!($tx, id, m.org_id.0, a);
        }
        id
    }};
}
pub(crate) use insert_meeting_in_tx;

/// Inserts one attendee in a transaction.
macro_rules! insert_attendee_in_tx {
    ($tx:expr, $meeting:expr, $org:expr, $a:expr) => {{
        let a: &$crate::NewAttendee = $a;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meeting_attendees (meeting_id, org_id, name, email, side, role, \
             person_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind($meeting)
        .bind($org)
        .bind(a.name.trim())
        .bind(a.email.as_deref().map(str::trim))
        .bind(a.side.as_str())
        .bind(a.role.trim())
        .bind(a.person_id.map(|p| p.0))
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}
pub(crate) use insert_attendee_in_tx;

/// Reads one meeting with its attendees in a transaction, locking its row on PostgreSQL.
macro_rules! meeting_in_tx {
    ($tx:expr, $lock:expr, $id:expr, $org:expr) => {{
        let sql = format!(
            "SELECT {} FROM meetings WHERE id = $1 AND ($2 IS NULL OR org_id = $2){}",
            $crate::meetings::MEETING_COLUMNS,
            $lock
        );
        let row: Option<$crate::meetings::MeetingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind($id)
            .bind($org)
            .fetch_optional(&mut *$tx)
            .await?;
        let row = row.ok_or($crate::StoreError::NotFound("meeting"))?;
        let attendees: Vec<$crate::meetings::AttendeeRow> =
            sqlx::query_as($crate::meetings::ATTENDEE_SQL)
                .bind($id)
                .fetch_all(&mut *$tx)
                .await?;
        row.into_meeting(attendees)?
    }};
}
pub(crate) use meeting_in_tx;

/// Queues the invitation of every attendee with an address, composed by `compose`.
macro_rules! invite_in_tx {
    ($tx:expr, $meeting:expr, $only:expr, $compose:expr, $now:expr) => {{
        let meeting: &Meeting = $meeting;
        let only: Option<AttendeeId> = $only;
        let mut mails = Vec::new();
        for a in meeting
            .attendees
            .iter()
            .filter(|a| only.is_none_or(|o| o == a.id))
        {
            if a.email.as_deref().is_some_and(|e| !e.trim().is_empty()) {
                let (mail, attachment) = $compose(meeting, a);
                let id = mail_in_tx!($tx, mail, attachment.as_ref(), $now)?;
                mails.push(MailId(id));
            }
        }
        mails
    }};
}

impl Store {
    /// Plans a meeting (vendor staff) in one transaction: the meeting, its attendees, one
    /// invitation per attendee with an address (composed by `compose`), audited. Returns the
    /// meeting and the mails queued.
    pub async fn plan_meeting<F>(
        &self,
        scope: &Scope,
        new: &NewMeeting,
        now: Timestamp,
        compose: F,
    ) -> Result<(Meeting, Vec<MailId>)>
    where
        F: Fn(&Meeting, &Attendee) -> Invitation,
    {
        let actor = vendor_person(scope, "plan meetings")?;
        self.get_org(scope, new.org_id).await?;
        check_new(new)?;
        let now = millis(now);
        in_tx!(self, tx, lock => {
            let id = insert_meeting_in_tx!(tx, new, now, Some(actor.0));
            let meeting = meeting_in_tx!(tx, lock, id, None::<i64>);
            let mails = invite_in_tx!(tx, &meeting, None, compose, now);
            let detail = serde_json::json!({
                "meeting_id": id,
                "kind": new.kind.as_str(),
                "starts_at": crate::millis(new.starts_at),
                "attendees": meeting.attendees.len(),
                "invitations": mails.len(),
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(new.org_id.0), "meeting.planned", detail)?;
            Ok((meeting, mails))
        })
    }

    /// Adds an attendee to a meeting (vendor staff) and, when `invite` is given (a planned
    /// meeting), queues their invitation in the same transaction; audited.
    pub async fn add_attendee<F>(
        &self,
        scope: &Scope,
        id: MeetingId,
        new: &NewAttendee,
        now: Timestamp,
        invite: Option<F>,
    ) -> Result<(Meeting, Attendee, Vec<MailId>)>
    where
        F: Fn(&Meeting, &Attendee) -> Invitation,
    {
        let actor = vendor_person(scope, "invite attendees")?;
        let now = millis(now);
        in_tx!(self, tx, lock => {
            let before = meeting_in_tx!(tx, lock, id.0, scope.org().map(|o| o.0));
            let attendee = insert_attendee_in_tx!(tx, id.0, before.org_id.0, new);
            sqlx::query("UPDATE meetings SET updated_at = $1, updated_by = $2 WHERE id = $3")
                .bind(now)
                .bind(actor.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            let meeting = meeting_in_tx!(tx, lock, id.0, None::<i64>);
            let added = meeting
                .attendees
                .iter()
                .find(|a| a.id.0 == attendee)
                .cloned()
                .ok_or(StoreError::NotFound("attendee"))?;
            let mails = match &invite {
                Some(compose) => invite_in_tx!(tx, &meeting, Some(added.id), compose, now),
                None => Vec::new(),
            };
            let detail = serde_json::json!({
                "meeting_id": id.0,
                "attendee_id": attendee,
                "side": new.side.as_str(),
                "invitations": mails.len(),
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(meeting.org_id.0), "meeting.attendee_added", detail)?;
            Ok((meeting, added, mails))
        })
    }

    /// Moves a planned meeting or changes its place (vendor staff); raises its sequence so
    /// calendars take the change; with `notify` (a planned meeting), the updated invitation of
    /// every attendee with an address is queued in the same transaction; audited. Returns the
    /// meeting and the mails queued.
    pub async fn change_meeting<F>(
        &self,
        scope: &Scope,
        id: MeetingId,
        change: &MeetingChange,
        now: Timestamp,
        notify: Option<F>,
    ) -> Result<(Meeting, Vec<MailId>)>
    where
        F: Fn(&Meeting, &Attendee) -> Invitation,
    {
        let actor = vendor_person(scope, "change meetings")?;
        if change.duration_minutes <= 0 {
            return Err(rejected(
                "duration_minutes",
                "a meeting lasts at least a minute",
            ));
        }
        let now = millis(now);
        in_tx!(self, tx, lock => {
            let before = meeting_in_tx!(tx, lock, id.0, scope.org().map(|o| o.0));
            sqlx::query(
                "UPDATE meetings SET title = $1, starts_at = $2, duration_minutes = $3, \
                 location = $4, online_url = $5, sequence = sequence + 1, updated_at = $6, \
                 updated_by = $7 WHERE id = $8",
            )
            .bind(change.title.trim())
            .bind(millis(change.starts_at))
            .bind(change.duration_minutes)
            .bind(change.location.trim())
            .bind(change.online_url.trim())
            .bind(now)
            .bind(actor.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            let detail = serde_json::json!({
                "meeting_id": id.0,
                "starts_at": [millis(before.starts_at), millis(change.starts_at)],
                "duration_minutes": [before.duration_minutes, change.duration_minutes],
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(before.org_id.0), "meeting.changed", detail)?;
            let meeting = meeting_in_tx!(tx, lock, id.0, None::<i64>);
            let mails = match &notify {
                Some(compose) => invite_in_tx!(tx, &meeting, None, compose, now),
                None => Vec::new(),
            };
            Ok((meeting, mails))
        })
    }

    /// Records a meeting's minutes (vendor staff): the text, the decisions and who was there;
    /// the meeting becomes held. With `next`, the schedule of its kind moves on to that
    /// meeting in the same transaction. Audited.
    pub async fn record_minutes(
        &self,
        scope: &Scope,
        id: MeetingId,
        minutes: &Minutes,
        now: Timestamp,
        next: Option<&ScheduledNext>,
    ) -> Result<Meeting> {
        let actor = vendor_person(scope, "record minutes")?;
        let decisions = serde_json::to_string(&minutes.decisions)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = millis(now);
        in_tx!(self, tx, lock => {
            let before = meeting_in_tx!(tx, lock, id.0, scope.org().map(|o| o.0));
            for p in &minutes.present {
                if !before.attendees.iter().any(|a| a.id == *p) {
                    return Err(rejected("present", format!("attendee {p} is not on this meeting")));
                }
            }
            let status_changed = before.status != MeetingStatus::Held;
            sqlx::query(
                "UPDATE meetings SET status = 'held', minutes = $1, decisions = $2, \
                 sequence = sequence + $3, updated_at = $4, updated_by = $5 WHERE id = $6",
            )
            .bind(minutes.text.trim())
            .bind(&decisions)
            .bind(i64::from(status_changed))
            .bind(now)
            .bind(actor.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            for a in &before.attendees {
                sqlx::query("UPDATE meeting_attendees SET present = $1 WHERE id = $2")
                    .bind(i64::from(minutes.present.contains(&a.id)))
                    .bind(a.id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let detail = serde_json::json!({
                "meeting_id": id.0,
                "decisions": minutes.decisions.len(),
                "present": minutes.present.iter().map(|a| a.0).collect::<Vec<_>>(),
            });
            audit_in_tx!(tx, now, Some(actor.0), Some(before.org_id.0), "meeting.minuted", detail)?;
            if let Some(next) = next {
                schedule_next_in_tx!(tx, next, id.0, now, actor.0);
            }
            Ok(meeting_in_tx!(tx, lock, id.0, None::<i64>))
        })
    }

    /// Calls off a meeting (vendor staff) and queues the cancellation of every attendee with
    /// an address (composed by `compose`) in the same transaction; with `next`, the schedule
    /// moves on as with [`Store::record_minutes`]. Audited. Returns the meeting and the mails
    /// queued.
    pub async fn cancel_meeting<F>(
        &self,
        scope: &Scope,
        id: MeetingId,
        now: Timestamp,
        next: Option<&ScheduledNext>,
        compose: F,
    ) -> Result<(Meeting, Vec<MailId>)>
    where
        F: Fn(&Meeting, &Attendee) -> Invitation,
    {
        let actor = vendor_person(scope, "cancel meetings")?;
        let now = millis(now);
        in_tx!(self, tx, lock => {
            let before = meeting_in_tx!(tx, lock, id.0, scope.org().map(|o| o.0));
            sqlx::query(
                "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, \
                 updated_at = $1, updated_by = $2 WHERE id = $3",
            )
            .bind(now)
            .bind(actor.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            let meeting = meeting_in_tx!(tx, lock, id.0, None::<i64>);
            let mails = invite_in_tx!(tx, &meeting, None, compose, now);
            let detail = serde_json::json!({ "meeting_id": id.0, "cancellations": mails.len() });
            audit_in_tx!(tx, now, Some(actor.0), Some(before.org_id.0), "meeting.cancelled", detail)?;
            if let Some(next) = next {
                schedule_next_in_tx!(tx, next, id.0, now, actor.0);
            }
            Ok((meeting, mails))
        })
    }

    /// One meeting the scope may see (another customer's is not found).
    pub async fn get_meeting(&self, scope: &Scope, id: MeetingId) -> Result<Meeting> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        );
        on_pool!(self, p => {
            let row: Option<MeetingRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.0)
                .bind(scope.org().map(|o| o.0))
                .fetch_optional(p)
                .await?;
            let row = row.ok_or(StoreError::NotFound("meeting"))?;
            let attendees: Vec<AttendeeRow> =
                sqlx::query_as(ATTENDEE_SQL).bind(id.0).fetch_all(p).await?;
            row.into_meeting(attendees)
        })
    }

    /// The meetings of a customer the scope may see, earliest first; optionally of one kind,
    /// one status, and starting before `before`.
    pub async fn list_meetings(
        &self,
        scope: &Scope,
        org: OrgId,
        kind: Option<MeetingKind>,
        status: Option<MeetingStatus>,
        before: Option<Timestamp>,
    ) -> Result<Vec<Meeting>> {
        self.get_org(scope, org).await?;
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE org_id = $1 \
             AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR status = $3) \
             AND ($4 IS NULL OR starts_at < $4) ORDER BY starts_at, id"
        );
        on_pool!(self, p => {
            let rows: Vec<MeetingRow> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(org.0)
                .bind(kind.map(MeetingKind::as_str))
                .bind(status.map(MeetingStatus::as_str))
                .bind(before.map(millis))
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let attendees: Vec<AttendeeRow> =
                    sqlx::query_as(ATTENDEE_SQL).bind(row.id).fetch_all(p).await?;
                out.push(row.into_meeting(attendees)?);
            }
            Ok(out)
        })
    }
}
