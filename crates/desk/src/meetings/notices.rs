//! Moving and calling off a meeting, with the mails that tell the attendees (SLA-RULES §7): a
//! planned meeting that moves or changes place sends every attendee with an address the
//! updated invitation (METHOD:REQUEST, same UID, the sequence one higher), one that is called
//! off sends the cancellation (METHOD:CANCEL); each queued in the transaction of the change.

use jiff::Timestamp;
use sla::Lang;
use store::{Attendee, Meeting, MeetingChange, MeetingId, MeetingStatus, PersonId, Scope};

use super::{WriteInvitation, check_duration, check_start, check_url, text};
use crate::i18n::Tr;
use crate::limits;
use crate::time::stored;
use crate::{Caller, Desk, DeskError};

/// What an iCalendar message asks of the calendar that receives it (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsMethod {
    /// Take the meeting, or its update (a higher `SEQUENCE` replaces the earlier one).
    Request,
    /// Drop the meeting.
    Cancel,
}

impl IcsMethod {
    /// The word in `METHOD:` and in the MIME type's `method=`.
    pub fn as_str(self) -> &'static str {
        match self {
            IcsMethod::Request => "REQUEST",
            IcsMethod::Cancel => "CANCEL",
        }
    }

    /// The method that describes a meeting as it stands: CANCEL once it is cancelled.
    pub fn of(m: &Meeting) -> IcsMethod {
        if m.status == MeetingStatus::Cancelled {
            IcsMethod::Cancel
        } else {
            IcsMethod::Request
        }
    }
}

/// What a mail about a meeting tells its attendee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// You are invited.
    Invitation,
    /// The meeting moved or its place changed.
    Update,
    /// The meeting is called off.
    Cancellation,
}

impl Notice {
    /// The catalog keys of the subject and the body.
    pub fn keys(self) -> (&'static str, &'static str) {
        match self {
            Notice::Invitation => ("mail.meeting.subject", "mail.meeting.body"),
            Notice::Update => ("mail.meeting.update.subject", "mail.meeting.update.body"),
            Notice::Cancellation => ("mail.meeting.cancel.subject", "mail.meeting.cancel.body"),
        }
    }

    /// The iCalendar method of the attached message.
    pub fn method(self) -> IcsMethod {
        match self {
            Notice::Cancellation => IcsMethod::Cancel,
            Notice::Invitation | Notice::Update => IcsMethod::Request,
        }
    }
}

impl Desk {
    /// The languages of the attendees with an account.
    async fn langs_of(&self, attendees: &[Attendee]) -> Result<Vec<(PersonId, Lang)>, DeskError> {
        let mut out = Vec::new();
        for p in attendees.iter().filter_map(|a| a.person_id) {
            let person = self.store.get_person(&Scope::System, p).await?;
            out.push((p, Tr::for_code(&person.lang).0));
        }
        Ok(out)
    }

    /// Moves a meeting or changes its title or place (vendor staff): a planned one, whose
    /// attendees with an address are mailed the updated invitation in the same transaction,
    /// or a held one whose record is corrected (no mail); a cancelled one stays as it was.
    /// Returns the meeting and the mails queued.
    pub async fn change_meeting(
        &self,
        caller: &Caller,
        id: MeetingId,
        change: &MeetingChange,
        write: &WriteInvitation,
    ) -> Result<(Meeting, usize), DeskError> {
        caller.require_vendor()?;
        let before = self.store.get_meeting(&caller.scope, id).await?;
        if before.status == MeetingStatus::Cancelled {
            return Err(DeskError::invalid(
                "id",
                "the meeting was cancelled; plan a new one",
            ));
        }
        let change = MeetingChange {
            title: text("title", &change.title, limits::MEETING_TEXT, true)?,
            starts_at: check_start("starts_at", change.starts_at)?,
            duration_minutes: check_duration(change.duration_minutes)?,
            location: text("location", &change.location, limits::MEETING_TEXT, true)?,
            online_url: check_url(&change.online_url)?,
        };
        let org = self.store.get_org(&caller.scope, before.org_id).await?;
        let compiled = self
            .customer_calendar(before.org_id, change.starts_at)
            .await?;
        let langs = self.langs_of(&before.attendees).await?;
        let now: Timestamp = stored(self.clock.now());
        let compose = |m: &Meeting, a: &Attendee| {
            self.compose_invitation(
                &compiled.calendar,
                m,
                a,
                &org.name,
                caller,
                &langs,
                write,
                Notice::Update,
            )
        };
        let planned = before.status == MeetingStatus::Planned;
        let (meeting, mails) = self
            .store
            .change_meeting(&caller.scope, id, &change, now, planned.then_some(compose))
            .await?;
        Ok((meeting, mails.len()))
    }

    /// Calls off a planned meeting (vendor staff) and mails its attendees with an address the
    /// cancellation in the same transaction; when its schedule planned it, the next one is
    /// planned. Cancelling a cancelled meeting changes nothing (and mails no one); a held one
    /// cannot be. Returns the meeting and the mails queued.
    pub async fn cancel_meeting(
        &self,
        caller: &Caller,
        id: MeetingId,
        write: &WriteInvitation,
    ) -> Result<(Meeting, usize), DeskError> {
        caller.require_vendor()?;
        let before = self.store.get_meeting(&caller.scope, id).await?;
        match before.status {
            MeetingStatus::Planned => {}
            // Cancelling twice changes nothing.
            MeetingStatus::Cancelled => return Ok((before, 0)),
            MeetingStatus::Held => {
                return Err(DeskError::invalid(
                    "id",
                    "the meeting was held; its minutes are recorded",
                ));
            }
        }
        let next = self.next_of_schedule(&caller.scope, &before).await?;
        let org = self.store.get_org(&caller.scope, before.org_id).await?;
        let compiled = self
            .customer_calendar(before.org_id, before.starts_at)
            .await?;
        let langs = self.langs_of(&before.attendees).await?;
        let now = stored(self.clock.now());
        let compose = |m: &Meeting, a: &Attendee| {
            self.compose_invitation(
                &compiled.calendar,
                m,
                a,
                &org.name,
                caller,
                &langs,
                write,
                Notice::Cancellation,
            )
        };
        let (meeting, mails) = self
            .store
            .cancel_meeting(&caller.scope, id, now, next.as_ref(), compose)
            .await?;
        Ok((meeting, mails.len()))
    }
}
