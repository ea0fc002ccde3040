//! Flat database rows and their conversion into the model, shared by both backends.

use crate::StoreError;
use crate::model::*;

#[derive(sqlx::FromRow)]
pub(crate) struct AgreementRecord {
    id: i64,
    org_id: i64,
    name: String,
    policy: String,
    effective_from: i64,
    document_ref: Option<String>,
    created_at: i64,
    created_by: Option<i64>,
}

impl From<AgreementRecord> for Agreement {
    fn from(r: AgreementRecord) -> Self {
        Agreement {
            id: AgreementId(r.id),
            org_id: OrgId(r.org_id),
            name: r.name,
            policy: r.policy,
            effective_from: r.effective_from,
            document_ref: r.document_ref,
            created_at: r.created_at,
            created_by: r.created_by.map(PersonId),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRecord {
    id: i64,
    email: String,
    name: String,
    role: String,
    org_id: Option<i64>,
    lang: String,
    active: i64,
    created_at: i64,
}

impl TryFrom<PersonRecord> for Person {
    type Error = StoreError;

    fn try_from(r: PersonRecord) -> Result<Self, StoreError> {
        Ok(Person {
            id: PersonId(r.id),
            email: r.email,
            name: r.name,
            role: r.role.parse().map_err(StoreError::Corrupt)?,
            org_id: r.org_id.map(OrgId),
            lang: r.lang,
            active: r.active != 0,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TicketRecord {
    id: i64,
    pub(crate) org_id: i64,
    agreement_id: i64,
    kind: String,
    priority: Option<String>,
    status: String,
    channel: String,
    subject: String,
    reporter_id: i64,
    assignee_id: Option<i64>,
    received_at: i64,
    created_at: i64,
    updated_at: i64,
    clock_start: i64,
    next_deadline: Option<i64>,
    queue_at: Option<i64>,
    sla_outcome: String,
    paused: i64,
    event_count: i64,
}

impl TryFrom<TicketRecord> for Ticket {
    type Error = StoreError;

    fn try_from(r: TicketRecord) -> Result<Self, StoreError> {
        Ok(Ticket {
            id: TicketId(r.id),
            org_id: OrgId(r.org_id),
            agreement_id: AgreementId(r.agreement_id),
            kind: r.kind,
            priority: r.priority,
            status: r.status,
            channel: r.channel,
            subject: r.subject,
            reporter_id: PersonId(r.reporter_id),
            assignee_id: r.assignee_id.map(PersonId),
            received_at: r.received_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            clocks: Derived {
                clock_start: r.clock_start,
                next_deadline: r.next_deadline,
                queue_at: r.queue_at,
                sla_outcome: r.sla_outcome,
                paused: r.paused != 0,
                targets: Vec::new(),
            },
            event_count: r.event_count,
        })
    }
}

#[derive(Clone, sqlx::FromRow)]
pub(crate) struct TargetRecord {
    pub(crate) ticket_id: i64,
    bound: i64,
    percent_bp: i64,
    within: String,
    deadline: Option<i64>,
    outcome: String,
    decided_at: Option<i64>,
    business_used: i64,
    budget: i64,
    pub(crate) priority: Option<String>,
    decided_month: Option<i64>,
    bin: Option<i64>,
}

impl From<TargetRecord> for TargetRow {
    fn from(r: TargetRecord) -> Self {
        TargetRow {
            bound: r.bound,
            percent_bp: r.percent_bp,
            within: r.within,
            deadline: r.deadline,
            outcome: r.outcome,
            decided_at: r.decided_at,
            business_used: r.business_used,
            budget: r.budget,
            decided_month: r.decided_month,
            bin: r.bin,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRecord {
    id: i64,
    ticket_id: i64,
    at: i64,
    actor_id: Option<i64>,
    kind: String,
    data: String,
    recorded_at: i64,
}

impl TryFrom<EventRecord> for Event {
    type Error = StoreError;

    fn try_from(r: EventRecord) -> Result<Self, StoreError> {
        Ok(Event {
            id: r.id,
            ticket_id: TicketId(r.ticket_id),
            at: r.at,
            actor_id: r.actor_id.map(PersonId),
            kind: r.kind,
            data: serde_json::from_str(&r.data)
                .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", r.id)))?,
            recorded_at: r.recorded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttachmentRecord {
    id: i64,
    ticket_id: i64,
    org_id: i64,
    event_id: Option<i64>,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: i64,
    created_at: i64,
    event_data: Option<String>,
}

impl AttachmentRecord {
    /// Whether the event it came with is an internal note.
    pub(crate) fn internal(&self) -> Result<bool, StoreError> {
        match &self.event_data {
            None => Ok(false),
            Some(d) => {
                let v: serde_json::Value = serde_json::from_str(d)
                    .map_err(|e| StoreError::Corrupt(format!("event data: {e}")))?;
                Ok(v.get("internal").and_then(|v| v.as_bool()) == Some(true))
            }
        }
    }
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Self {
        Attachment {
            id: AttachmentId(r.id),
            ticket_id: TicketId(r.ticket_id),
            org_id: OrgId(r.org_id),
            event_id: r.event_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: PersonId(r.uploaded_by),
            created_at: r.created_at,
        }
    }
}
