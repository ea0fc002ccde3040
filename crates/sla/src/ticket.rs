//! The ticket vocabulary the engine reasons about: kinds, priorities, statuses and events.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::duration::Lang;

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal / $nl:literal / $en:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The machine word used in files and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// The word for people, in Dutch or English.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Nl) => $nl, ($name::$variant, Lang::En) => $en),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownWord {
                        what: stringify!($name),
                        got: s.to_string(),
                        allowed: [$($word),+].join(", "),
                    }),
                }
            }
        }
    };
}
pub(crate) use word_enum;

/// A word that is not one of the allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{got}` is not a {what}; allowed: {allowed}")]
pub struct UnknownWord {
    pub(crate) what: &'static str,
    pub(crate) got: String,
    pub(crate) allowed: String,
}

word_enum! {
    /// What a ticket is.
    TicketKind {
        /// A disruption (incident, storing); has a priority.
        Incident = "incident" / "incident" / "incident",
        /// A user-support question (gebruikersondersteuning).
        Question = "question" / "vraag" / "question",
        /// A request for change (wijzigingsverzoek).
        Rfc = "rfc" / "wijzigingsverzoek" / "change request",
    }
}

word_enum! {
    /// Priority of an incident (SLA §6.1).
    Priority {
        /// Urgent: working is impossible.
        Urgent = "urgent" / "Urgent" / "Urgent",
        /// Hoog: working is seriously hindered.
        High = "high" / "Hoog" / "High",
        /// Normaal: a difficult situation, delay acceptable.
        Normal = "normal" / "Normaal" / "Normal",
        /// Laag: delay is possible.
        Low = "low" / "Laag" / "Low",
    }
}

word_enum! {
    /// Status of a ticket.
    Status {
        /// Filed, not yet picked up.
        New = "new" / "nieuw" / "new",
        /// Being worked on.
        Open = "open" / "open" / "open",
        /// Waiting for the customer to answer.
        WaitingOnCustomer = "waiting_on_customer" / "wacht op klant" / "waiting on customer",
        /// Resolved by the service desk.
        Resolved = "resolved" / "opgelost" / "resolved",
        /// Closed for good.
        Closed = "closed" / "gesloten" / "closed",
        /// Reopened after a resolution.
        Reopened = "reopened" / "heropend" / "reopened",
    }
}

impl Status {
    /// Whether a ticket with this status is still open: neither resolved nor closed.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

word_enum! {
    /// How a ticket reached the service desk.
    Channel {
        /// The customer portal.
        Web = "web" / "portaal" / "portal",
        /// The JSON API.
        Api = "api" / "API" / "API",
        /// A phone call registered by an agent.
        Phone = "phone" / "telefoon" / "phone",
        /// E-mail.
        Email = "email" / "e-mail" / "e-mail",
    }
}

word_enum! {
    /// Where an SLA target (or a ticket as a whole) stands, without the instant it was decided:
    /// the word of an [`Outcome`](crate::Outcome) as stored and sent.
    OutcomeKind {
        /// Neither met nor missed yet.
        Running = "running" / "loopt" / "running",
        /// Met.
        Met = "met" / "gehaald" / "met",
        /// Missed.
        Missed = "missed" / "gemist" / "missed",
    }
}

/// What happened to a ticket, as far as its SLA clocks are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The ticket was received (for a phone call: when the call came in).
    Created {
        /// The ticket's kind.
        kind: TicketKind,
        /// The incident priority (ignored for other kinds).
        priority: Option<Priority>,
    },
    /// The priority changed; the targets of the current priority apply from the clock start.
    PriorityChanged {
        /// The new priority.
        to: Priority,
    },
    /// The status changed (statuses the policy names pause the clock).
    StatusChanged {
        /// The new status.
        to: Status,
    },
    /// A substantive public response by the service desk (an answer, an assessment,
    /// or a request for clarification).
    Responded,
    /// The ticket was resolved.
    Resolved,
    /// A resolved ticket was reopened; its clock continues.
    Reopened,
}

/// One event of a ticket's history, at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketEvent {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}
