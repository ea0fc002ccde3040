//! Small, realistic data shared by the cases: the common fixtures and assertions of the test
//! kit, pinned to this suite's calendar (everything exists from 30 days before [`T0`]), and
//! the store's own world of two customers and tickets with running clocks.

use jiff::Timestamp;
use serde_json::json;
use sla::{Channel, OutcomeKind, Priority, Status, TicketKind};
use store::{
    Agreement, Derived, EventType, Millis, NewEvent, NewTicket, OrgId, Organization, Person, Role,
    Scope, Store, TargetRow, Ticket, TicketUpdate,
};
use testkit::fixtures as kit;
pub use testkit::fixtures::{
    DAY, HOUR, MINUTE, assert_conflict, assert_not_found, assert_rejected, new_person, scope_of,
};

/// 2026-01-05T08:00:00Z, a Monday morning.
pub const T0: Millis = 1_767_600_000_000;

/// The instant of stored milliseconds.
pub fn ts(ms: Millis) -> Timestamp {
    Timestamp::from_millisecond(ms).expect("instant")
}

/// A customer organization, created 30 days before `T0`.
pub async fn org(store: &Store, name: &str) -> Organization {
    kit::org(store, name, T0 - 30 * DAY).await
}

/// The standard agreement of `org`, in force from 30 days before `T0`.
pub async fn agreement(store: &Store, org: OrgId) -> Agreement {
    kit::agreement(store, org, T0 - 30 * DAY).await
}

/// Creates a person without an administrator limit, 20 days before `T0`.
pub async fn person(
    store: &Store,
    email: &str,
    name: &str,
    role: Role,
    org: Option<OrgId>,
) -> Person {
    kit::person(store, email, name, role, org, T0 - 20 * DAY).await
}

/// Two customers with an agreement and an administrator each, and one vendor agent.
pub struct World {
    pub org_a: Organization,
    pub org_b: Organization,
    pub agreement_a: Agreement,
    pub agreement_b: Agreement,
    pub admin_a: Person,
    pub admin_b: Person,
    pub agent: Person,
}

impl World {
    pub async fn new(store: &Store) -> World {
        let org_a = org(store, "Gemeente Aadorp").await;
        let org_b = org(store, "Bakkerij Bolder").await;
        let agreement_a = agreement(store, org_a.id).await;
        let agreement_b = agreement(store, org_b.id).await;
        let admin_a = person(
            store,
            "anna@aadorp.nl",
            "Anna de Vries",
            Role::CustomerAdmin,
            Some(org_a.id),
        )
        .await;
        let admin_b = person(
            store,
            "bram@bolder.nl",
            "Bram Bolder",
            Role::CustomerAdmin,
            Some(org_b.id),
        )
        .await;
        let agent = person(store, "sanne@loket.nl", "Sanne Agent", Role::Agent, None).await;
        World {
            org_a,
            org_b,
            agreement_a,
            agreement_b,
            admin_a,
            admin_b,
            agent,
        }
    }

    pub fn customer_a(&self) -> Scope {
        scope_of(&self.admin_a)
    }

    pub fn customer_b(&self) -> Scope {
        scope_of(&self.admin_b)
    }

    pub fn vendor(&self) -> Scope {
        scope_of(&self.agent)
    }

    /// An incident of customer A received at `at`.
    pub fn incident_a(&self, subject: &str, at: Millis) -> NewTicket {
        NewTicket {
            org_id: self.org_a.id,
            agreement_id: self.agreement_a.id,
            kind: TicketKind::Incident,
            priority: Some(Priority::High),
            channel: Channel::Web,
            subject: subject.into(),
            reporter_id: self.admin_a.id,
            received_at: ts(at),
            created_at: ts(at + 1_000),
        }
    }
}

/// A `created` event at `at` by `actor`.
pub fn created_event(at: Millis, actor: &Person, subject: &str) -> NewEvent {
    NewEvent {
        at: ts(at),
        actor_id: Some(actor.id),
        kind: EventType::Created,
        data: json!({ "subject": subject, "channel": "web" }),
    }
}

/// A response and a resolution target with deadlines after `start`.
pub fn two_targets(start: Millis) -> Vec<TargetRow> {
    vec![
        TargetRow {
            bound: 0,
            percent_bp: 9_000,
            within: "4 hours".into(),
            deadline: Some(ts(start + 4 * HOUR)),
            outcome: OutcomeKind::Running,
            decided_at: None,
            business_used: 0,
            budget: 4 * 3_600,
            decided_month: None,
            bin: None,
        },
        TargetRow {
            bound: 1,
            percent_bp: 10_000,
            within: "2 days".into(),
            deadline: Some(ts(start + 2 * DAY)),
            outcome: OutcomeKind::Running,
            decided_at: None,
            business_used: 0,
            budget: 16 * 3_600,
            decided_month: None,
            bin: None,
        },
    ]
}

/// A fresh open ticket's state: clocks running from `start`.
pub fn open_state(start: Millis) -> TicketUpdate {
    TicketUpdate {
        status: Status::New,
        priority: Some(Priority::High),
        assignee_id: None,
        clocks: Derived {
            clock_start: ts(start),
            next_deadline: Some(ts(start + 4 * HOUR)),
            queue_at: Some(start + 4 * HOUR),
            sla_outcome: OutcomeKind::Running,
            paused: false,
            targets: two_targets(start),
        },
    }
}

/// Creates an open incident of customer A.
pub async fn open_ticket(store: &Store, w: &World, subject: &str, at: Millis) -> Ticket {
    store
        .create_ticket(
            &w.incident_a(subject, at),
            &created_event(at, &w.admin_a, subject),
            &open_state(at),
        )
        .await
        .expect("create ticket")
}
