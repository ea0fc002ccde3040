//! The recurring meeting per customer and kind (e.g. the tactical meeting every quarter):
//! occurrence `k` falls `k × N` months after the anchor date (same day, clamped to the month's
//! end), moved to the next working day of the agreement's calendar; the meeting starts at the
//! schedule's local time in the agreement's zone, so a series keeps its wall-clock time across
//! the DST change. Counting from the anchor rather than from the previous meeting keeps a
//! series on the 31st from drifting to the 28th.
//!
//! Setting a schedule plans its next meeting (the first occurrence on or after today); when
//! that meeting is held or cancelled, the next occurrence on or after today is planned in the
//! same transaction. A meeting the schedule plans has no attendees yet: they are invited
//! (and mailed) when added.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use sla::PolicyDuration;
use sla::compensation::plan_follow_up;
use sla::policy::Compensation;
use store::{Meeting, MeetingKind, NewMeeting, NewSchedule, OrgId, Schedule, ScheduledNext, Scope};

use super::{check_duration, check_url, text};
use crate::limits;
use crate::time::stored;
use crate::{Caller, Desk, DeskError};

/// The most months between two meetings of a schedule.
pub const MAX_EVERY_MONTHS: u32 = 24;

/// A schedule as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePlan {
    /// Every this many months (1–24).
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

/// The date of occurrence `k` of a series every `every` months from `anchor`: the same day
/// `k × every` months on, clamped to the month's end, moved to the next working day.
pub fn occurrence_date(
    cal: &sla::Calendar,
    anchor: Date,
    every: u32,
    k: u32,
) -> Result<Date, DeskError> {
    let months = every
        .checked_mul(k)
        .ok_or_else(|| DeskError::invalid("anchor_on", "the series runs out of the calendar"))?;
    let policy = Compensation {
        follow_up_after: PolicyDuration::Months(months),
        ..Compensation::default()
    };
    plan_follow_up(cal, &policy, anchor).map_err(|e| DeskError::invalid("anchor_on", e.to_string()))
}

/// The first occurrence from `from` on whose date is not before `today`, with its date.
pub fn first_from(
    cal: &sla::Calendar,
    anchor: Date,
    every: u32,
    from: u32,
    today: Date,
) -> Result<(u32, Date), DeskError> {
    let mut k = from;
    loop {
        let on = occurrence_date(cal, anchor, every, k)?;
        if on >= today {
            return Ok((k, on));
        }
        k = k.checked_add(1).ok_or_else(|| {
            DeskError::invalid("anchor_on", "the series runs out of the calendar")
        })?;
    }
}

/// The instant a local date and time fall on in the calendar's zone (a time in the DST gap
/// moves forward by the gap, one in the fold takes the earlier instant).
pub fn local_instant(cal: &sla::Calendar, on: Date, at: Time) -> Result<Timestamp, DeskError> {
    cal.time_zone()
        .to_timestamp(on.to_datetime(at))
        .map_err(|e| DeskError::invalid("local_time", e.to_string()))
}

/// Today in the calendar's zone.
pub fn local_today(cal: &sla::Calendar, now: Timestamp) -> Date {
    now.to_zoned_datetime(cal.time_zone().clone()).date()
}

impl Desk {
    /// Sets a customer's schedule of a kind (vendor staff) and plans its next meeting: the
    /// first occurrence on or after today. A meeting the schedule planned before and that is
    /// still planned is moved rather than doubled.
    pub async fn set_schedule(
        &self,
        caller: &Caller,
        org: OrgId,
        kind: MeetingKind,
        plan: &SchedulePlan,
    ) -> Result<Schedule, DeskError> {
        caller.require_vendor()?;
        self.store.get_org(&caller.scope, org).await?;
        if !(1..=MAX_EVERY_MONTHS).contains(&plan.every_months) {
            return Err(DeskError::invalid(
                "every_months",
                format!("from 1 to {MAX_EVERY_MONTHS} months"),
            ));
        }
        if !(1970..2200).contains(&plan.anchor_on.year()) {
            return Err(DeskError::invalid(
                "anchor_on",
                "a schedule starts in the years 1970 to 2199",
            ));
        }
        let new = NewSchedule {
            org_id: org,
            kind,
            every_months: plan.every_months,
            anchor_on: plan.anchor_on,
            local_time: plan.local_time,
            duration_minutes: check_duration(plan.duration_minutes)?,
            location: text("location", &plan.location, limits::MEETING_TEXT, true)?,
            online_url: check_url(&plan.online_url)?,
        };
        let now = stored(self.clock.now());
        let compiled = self.customer_calendar(org, now).await?;
        let cal = &compiled.calendar;
        let (k, on) = first_from(
            cal,
            new.anchor_on,
            new.every_months,
            0,
            local_today(cal, now),
        )?;
        let first = ScheduledNext {
            occurrence: k,
            on,
            meeting: scheduled_meeting(&new, cal, on)?,
        };
        Ok(self
            .store
            .set_schedule(&caller.scope, &new, &first, now)
            .await?)
    }

    /// A customer's schedules the caller may see.
    pub async fn schedules(&self, caller: &Caller, org: OrgId) -> Result<Vec<Schedule>, DeskError> {
        Ok(self.store.schedules(&caller.scope, org).await?)
    }

    /// A customer's schedule of a kind; none is "not found".
    pub async fn schedule(
        &self,
        caller: &Caller,
        org: OrgId,
        kind: MeetingKind,
    ) -> Result<Schedule, DeskError> {
        self.store
            .schedule(&caller.scope, org, kind)
            .await?
            .ok_or(DeskError::NotFound("schedule"))
    }

    /// The next meeting of the schedule that planned `meeting`, if it did: the first
    /// occurrence after the current one that is not before today.
    pub(crate) async fn next_of_schedule(
        &self,
        scope: &Scope,
        meeting: &Meeting,
    ) -> Result<Option<ScheduledNext>, DeskError> {
        let Some(s) = self
            .store
            .schedule(scope, meeting.org_id, meeting.kind)
            .await?
        else {
            return Ok(None);
        };
        if s.next_meeting_id != Some(meeting.id) {
            return Ok(None);
        }
        let now = stored(self.clock.now());
        let compiled = self.customer_calendar(meeting.org_id, now).await?;
        let cal = &compiled.calendar;
        let after = s.occurrence.saturating_add(1);
        let (k, on) = first_from(
            cal,
            s.anchor_on,
            s.every_months,
            after,
            local_today(cal, now),
        )?;
        let series = NewSchedule {
            org_id: s.org_id,
            kind: s.kind,
            every_months: s.every_months,
            anchor_on: s.anchor_on,
            local_time: s.local_time,
            duration_minutes: s.duration_minutes,
            location: s.location,
            online_url: s.online_url,
        };
        Ok(Some(ScheduledNext {
            occurrence: k,
            on,
            meeting: scheduled_meeting(&series, cal, on)?,
        }))
    }
}

/// The meeting a schedule plans on a date.
fn scheduled_meeting(
    s: &NewSchedule,
    cal: &sla::Calendar,
    on: Date,
) -> Result<NewMeeting, DeskError> {
    Ok(NewMeeting {
        org_id: s.org_id,
        kind: s.kind,
        title: String::new(),
        starts_at: local_instant(cal, on, s.local_time)?,
        duration_minutes: s.duration_minutes,
        location: s.location.clone(),
        online_url: s.online_url.clone(),
        attendees: Vec::new(),
        from_schedule: true,
    })
}
