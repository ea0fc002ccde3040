//! The types every table group shares: instants, ids, roles, scopes and pages. The rows of
//! each group and the inputs it takes live in that group's module.

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
id_type!(
    /// A customer's monitored environment.
    EnvironmentId
);
id_type!(
    /// A monitor of an environment.
    MonitorId
);
id_type!(
    /// An outage.
    OutageId
);
id_type!(
    /// An announcement of planned maintenance.
    MaintenanceId
);
id_type!(
    /// A mail in the outbox.
    MailId
);
id_type!(
    /// A customer's escalation (from a request for a consultation to its end).
    EscalationId
);
id_type!(
    /// A discount entry of the compensation ledger.
    DiscountId
);
id_type!(
    /// A reversal entry of the compensation ledger.
    ReversalId
);
id_type!(
    /// A meeting with a customer.
    MeetingId
);
id_type!(
    /// An attendee of a meeting.
    AttendeeId
);
id_type!(
    /// An action item agreed in a meeting.
    ActionItemId
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

/// A page of a listing: the rows and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass this to get the next page; `None` on the last page.
    pub next: Option<String>,
}
