//! The rows the store keeps and the inputs it takes, as types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A customer organization.
    OrgId
);
id_type!(
    /// A person (vendor staff or a customer's person).
    PersonId
);
id_type!(
    /// A version of a customer's agreement.
    AgreementId
);
id_type!(
    /// A ticket.
    TicketId
);
id_type!(
    /// A personal API token.
    TokenId
);
id_type!(
    /// A file attached to a ticket.
    AttachmentId
);

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Vendor: service-desk agent.
    Agent,
    /// Vendor: service manager (classifies, reports, consultations).
    ServiceManager,
    /// Vendor: administrator (customers, agreements, people).
    Admin,
    /// Customer: administrator (MEXTRA-beheerder), may file incidents.
    CustomerAdmin,
    /// Customer: reads the organization's tickets and reports.
    CustomerViewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Agent,
        Role::ServiceManager,
        Role::Admin,
        Role::CustomerAdmin,
        Role::CustomerViewer,
    ];

    /// The word stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::ServiceManager => "service_manager",
            Role::Admin => "admin",
            Role::CustomerAdmin => "customer_admin",
            Role::CustomerViewer => "customer_viewer",
        }
    }

    /// Whether the role belongs to the vendor's staff.
    pub fn is_vendor(self) -> bool {
        matches!(self, Role::Agent | Role::ServiceManager | Role::Admin)
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// On whose behalf a query runs: decides which customer data it may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The system itself (start-up, demo data, background work): sees everything.
    System,
    /// A member of the vendor's staff: sees every customer.
    Vendor {
        /// Who.
        person: PersonId,
        /// Their role.
        role: Role,
    },
    /// A customer's person: sees only their own organization.
    Customer {
        /// Who.
        person: PersonId,
        /// Their organization.
        org: OrgId,
        /// Their role.
        role: Role,
    },
}

impl Scope {
    /// The only organization this scope may see, or `None` for all.
    pub fn org(&self) -> Option<OrgId> {
        match self {
            Scope::Customer { org, .. } => Some(*org),
            _ => None,
        }
    }

    /// The acting person, if any.
    pub fn person(&self) -> Option<PersonId> {
        match self {
            Scope::System => None,
            Scope::Vendor { person, .. } | Scope::Customer { person, .. } => Some(*person),
        }
    }

    /// Whether this scope may see rows of `org`.
    pub fn may_see(&self, org: OrgId) -> bool {
        self.org().is_none_or(|o| o == org)
    }
}

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

/// A version of a customer's agreement, in force from `effective_from` until the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Its id.
    pub id: AgreementId,
    /// The customer.
    pub org_id: OrgId,
    /// A name for people.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: the standard agreement).
    pub policy: String,
    /// From when it is in force.
    pub effective_from: Millis,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
    /// When it was recorded.
    pub created_at: Millis,
    /// Who recorded it.
    pub created_by: Option<PersonId>,
}

/// Input for a new agreement version.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    /// The customer.
    pub org_id: OrgId,
    /// A name for people.
    pub name: String,
    /// The policy file laid over the standard agreement (empty: standard).
    pub policy: String,
    /// From when it is in force.
    pub effective_from: Millis,
    /// Reference to the signed document.
    pub document_ref: Option<String>,
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their id.
    pub id: PersonId,
    /// Their personal e-mail address (lower case), unique.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their organization (customer roles only).
    pub org_id: Option<OrgId>,
    /// Their language, `nl` or `en`.
    pub lang: String,
    /// Whether they may sign in.
    pub active: bool,
    /// When the account was created.
    pub created_at: Millis,
}

/// Input for a new person.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Personal e-mail address (stored in lower case).
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Organization (required for customer roles, absent for vendor roles).
    pub org_id: Option<OrgId>,
    /// Language, `nl` or `en`.
    pub lang: String,
    /// Argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

/// A ticket's current state, with the clock fields the engine derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The customer.
    pub org_id: OrgId,
    /// The agreement it is measured under.
    pub agreement_id: AgreementId,
    /// `incident`, `question` or `rfc`.
    pub kind: String,
    /// Incident priority.
    pub priority: Option<String>,
    /// Current status.
    pub status: String,
    /// How it came in.
    pub channel: String,
    /// Subject line.
    pub subject: String,
    /// The customer administrator it was filed by or for.
    pub reporter_id: PersonId,
    /// The agent it is assigned to.
    pub assignee_id: Option<PersonId>,
    /// When it was received (for a phone call: when the call came in).
    pub received_at: Millis,
    /// When it was recorded.
    pub created_at: Millis,
    /// When it last changed.
    pub updated_at: Millis,
    /// The derived clock fields.
    pub clocks: Derived,
    /// Number of events in its history.
    pub event_count: i64,
}

/// What the SLA engine derived from a ticket's history; never edited by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    /// When the clocks started.
    pub clock_start: Millis,
    /// The earliest deadline of a running target.
    pub next_deadline: Option<Millis>,
    /// Position in the agent queue (earliest unmet deadline); `None` once resolved or closed.
    pub queue_at: Option<Millis>,
    /// `missed` if any target was missed, else `running` if any runs, else `met`.
    pub sla_outcome: String,
    /// Whether a pausing status holds.
    pub paused: bool,
    /// One row per bound.
    pub targets: Vec<TargetRow>,
}

/// One bound's clock, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRow {
    /// Index of the bound in the target set.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time allowed, in policy-file form (e.g. `4 hours`).
    pub within: String,
    /// When the time runs out.
    pub deadline: Option<Millis>,
    /// `running`, `met` or `missed`.
    pub outcome: String,
    /// When the outcome was decided.
    pub decided_at: Option<Millis>,
    /// Business seconds used.
    pub business_used: i64,
    /// Business seconds allowed.
    pub budget: i64,
    /// The month the outcome was decided in, `YYYYMM` in Europe/Amsterdam (decided ones).
    pub decided_month: Option<i64>,
    /// For bound 0 of incidents: the twelfth of the 100% bound the time used falls in
    /// (0–11, 12 beyond the bound); `None` otherwise.
    pub bin: Option<i64>,
}

/// Input for a new ticket (its first event is recorded with it).
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The customer.
    pub org_id: OrgId,
    /// The agreement in force at receipt.
    pub agreement_id: AgreementId,
    /// Kind.
    pub kind: String,
    /// Incident priority.
    pub priority: Option<String>,
    /// Channel.
    pub channel: String,
    /// Subject line.
    pub subject: String,
    /// The customer administrator.
    pub reporter_id: PersonId,
    /// When it was received.
    pub received_at: Millis,
    /// When it is recorded.
    pub created_at: Millis,
}

/// One event of a ticket's append-only history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its id, increasing.
    pub id: i64,
    /// The ticket.
    pub ticket_id: TicketId,
    /// When it happened.
    pub at: Millis,
    /// Who did it.
    pub actor_id: Option<PersonId>,
    /// What happened (`created`, `commented`, `priority_changed`, …).
    pub kind: String,
    /// The details (who, what, why) as JSON.
    pub data: serde_json::Value,
    /// When it was recorded.
    pub recorded_at: Millis,
}

/// Input for a new event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// When it happened.
    pub at: Millis,
    /// Who did it.
    pub actor_id: Option<PersonId>,
    /// What happened.
    pub kind: String,
    /// The details as JSON.
    pub data: serde_json::Value,
}

/// The new state of a ticket after an event.
#[derive(Debug, Clone)]
pub struct TicketUpdate {
    /// Status.
    pub status: String,
    /// Priority.
    pub priority: Option<String>,
    /// Assignee.
    pub assignee_id: Option<PersonId>,
    /// Derived clock fields.
    pub clocks: Derived,
}

/// Ordering of a ticket listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOrder {
    /// Open tickets by time to breach (the agent queue), earliest first.
    #[default]
    Queue,
    /// All tickets, newest first.
    Newest,
}

/// Filters on a ticket listing; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this organization.
    pub org: Option<OrgId>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this priority.
    pub priority: Option<String>,
    /// Only this overall SLA outcome.
    pub sla_outcome: Option<String>,
    /// Only tickets whose next running deadline falls at or before this instant.
    pub deadline_before: Option<Millis>,
    /// Only tickets whose subject contains this text (case-insensitive for ASCII).
    pub subject: Option<String>,
    /// Only tickets assigned to this person.
    pub assignee: Option<PersonId>,
    /// Ordering.
    pub order: TicketOrder,
}

/// A page of a listing: the rows and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass this to get the next page; `None` on the last page.
    pub next: Option<String>,
}

/// A personal API token's public part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Its id.
    pub id: TokenId,
    /// Its owner.
    pub person_id: PersonId,
    /// A name its owner chose.
    pub name: String,
    /// When it was created.
    pub created_at: Millis,
    /// When it was last used.
    pub last_used_at: Option<Millis>,
    /// When it was revoked.
    pub revoked_at: Option<Millis>,
}

/// An entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: Millis,
    /// Who.
    pub actor_id: Option<PersonId>,
    /// Which customer it concerns.
    pub org_id: Option<OrgId>,
    /// What, e.g. `person.created`.
    pub action: String,
    /// Details as JSON.
    pub detail: serde_json::Value,
}

/// Largest file the store keeps as one attachment (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A file attached to a ticket: its metadata (the bytes are read only on request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The ticket's customer.
    pub org_id: OrgId,
    /// The comment event it came with, if any.
    pub event_id: Option<i64>,
    /// The file's name (sanitised by the caller: no path, no control characters).
    pub file_name: String,
    /// The media type the uploader declared.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: PersonId,
    /// When.
    pub created_at: Millis,
}

/// Input for a new attachment.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// The event of the same ticket it belongs to (ignored when the store records the
    /// event and the attachment together).
    pub event_id: Option<i64>,
    /// The file's name.
    pub file_name: String,
    /// The declared media type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Who uploads it.
    pub uploaded_by: PersonId,
    /// When.
    pub created_at: Millis,
}

/// Met and missed targets of one kind of line of the monthly report, for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCount {
    /// The customer.
    pub org_id: OrgId,
    /// The ticket kind.
    pub kind: String,
    /// The priority stored on the tickets (incidents).
    pub priority: Option<String>,
    /// Index of the bound in the target set.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time the bound allows, as written in the agreement.
    pub within: String,
    /// Targets met in the period.
    pub met: i64,
    /// Targets missed in the period.
    pub missed: i64,
}

/// A target a ticket missed in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedTarget {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its customer.
    pub org_id: OrgId,
    /// Its kind.
    pub kind: String,
    /// Its subject.
    pub subject: String,
    /// Its priority.
    pub priority: Option<String>,
    /// Index of the bound missed.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time the bound allows.
    pub within: String,
    /// The deadline that passed.
    pub deadline: Option<Millis>,
    /// When the miss was decided (the deadline, or when it was recorded).
    pub decided_at: Millis,
    /// Why it overran, as recorded by the vendor's staff.
    pub reason: Option<String>,
    /// Whether the ticket is still open.
    pub open: bool,
}
