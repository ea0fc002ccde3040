//! The meeting types: kinds, statuses and sides as stored words, attendees, meetings and the
//! inputs that plan, change and minute them.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{AttendeeId, EscalationId, MeetingId, OrgId, PersonId, StepKind};

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown {} `{s}`", stringify!($name)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// The level of a meeting (SLA §5.1).
    MeetingKind {
        /// Ketenpartneroverleg: the contract owners.
        Strategic = "strategic",
        /// Service-level overleg: the service managers, on the monthly report.
        Tactical = "tactical",
        /// Tussentijds incidentoverleg: after targets were missed.
        Interim = "interim",
    }
);

word_enum!(
    /// Where a meeting stands.
    MeetingStatus {
        /// Planned, not yet held.
        Planned = "planned",
        /// Held: its minutes are recorded.
        Held = "held",
        /// Called off.
        Cancelled = "cancelled",
    }
);

word_enum!(
    /// Which side of the agreement an attendee is on.
    Side {
        /// The vendor (the service desk's side).
        Vendor = "vendor",
        /// The customer.
        Customer = "customer",
    }
);

/// Someone invited to or present at a meeting; an account is not required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// Its id.
    pub id: AttendeeId,
    /// Their name.
    pub name: String,
    /// Their e-mail address, if known (invitations go there).
    pub email: Option<String>,
    /// Their side.
    pub side: Side,
    /// Their role, in words (e.g. "contract owner").
    pub role: String,
    /// Their account, if they have one.
    pub person_id: Option<PersonId>,
    /// Whether they were there; `None` until the minutes say.
    pub present: Option<bool>,
}

/// An attendee to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttendee {
    /// Their name.
    pub name: String,
    /// Their e-mail address, if known.
    pub email: Option<String>,
    /// Their side.
    pub side: Side,
    /// Their role, in words.
    pub role: String,
    /// Their account, if they have one.
    pub person_id: Option<PersonId>,
}

/// A meeting with a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Its id.
    pub id: MeetingId,
    /// The customer.
    pub org_id: OrgId,
    /// Strategic, tactical or interim.
    pub kind: MeetingKind,
    /// Its title (may be empty: then the kind names it).
    pub title: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// How long it is planned to take, in minutes.
    pub duration_minutes: i64,
    /// Where (may be empty).
    pub location: String,
    /// The link to join online (may be empty).
    pub online_url: String,
    /// Planned, held or cancelled.
    pub status: MeetingStatus,
    /// The minutes (empty until held).
    pub minutes: String,
    /// What was decided, one text each.
    pub decisions: Vec<String>,
    /// How often its time, place or status changed since the first invitation.
    pub sequence: i64,
    /// Whether it was planned from the customer's schedule of its kind.
    pub from_schedule: bool,
    /// When it was planned.
    pub created_at: Timestamp,
    /// Who planned it (none: the schedule did, for the system).
    pub created_by: Option<PersonId>,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Who changed it last.
    pub updated_by: Option<PersonId>,
    /// Who is invited or attended, in the order added.
    pub attendees: Vec<Attendee>,
    /// The escalation step (a consultation or follow-up) it is the record of, if any.
    pub escalation_step: Option<MeetingStep>,
}

/// The step of an escalation a meeting is the record of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingStep {
    /// The escalation.
    pub escalation_id: EscalationId,
    /// The step's place in it, from 1.
    pub seq: i64,
    /// `consultation` or `follow_up`.
    pub kind: StepKind,
}

impl Meeting {
    /// When it is planned to end.
    pub fn ends_at(&self) -> Timestamp {
        self.starts_at
            .checked_add(jiff::SignedDuration::from_mins(self.duration_minutes))
            .unwrap_or(self.starts_at)
    }
}

/// A meeting to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// The customer.
    pub org_id: OrgId,
    /// Its kind.
    pub kind: MeetingKind,
    /// Its title (may be empty).
    pub title: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// How long, in minutes.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
    /// Who is invited.
    pub attendees: Vec<NewAttendee>,
    /// Whether the schedule planned it.
    pub from_schedule: bool,
}

/// A planned meeting's new time and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingChange {
    /// Its title.
    pub title: String,
    /// When it starts.
    pub starts_at: Timestamp,
    /// How long, in minutes.
    pub duration_minutes: i64,
    /// Where.
    pub location: String,
    /// The link to join online.
    pub online_url: String,
}

/// The minutes of a held meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes {
    /// What was discussed, as text.
    pub text: String,
    /// What was decided.
    pub decisions: Vec<String>,
    /// The attendees who were there (the others were not).
    pub present: Vec<AttendeeId>,
}

/// The next meeting of a schedule, planned in the same transaction as the change that makes
/// the schedule move on (see [`Store::set_schedule`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledNext {
    /// Which occurrence of the schedule it is (0: the anchor date).
    pub occurrence: u32,
    /// Its date, a working day, in the agreement's calendar.
    pub on: jiff::civil::Date,
    /// The meeting.
    pub meeting: NewMeeting,
}
