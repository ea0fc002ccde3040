//! Files attached to tickets (`ticket_attachments`), optionally to one of their events.

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Row};

use crate::tickets::is_internal_data;
use crate::{
    AttachmentId, OrgId, PersonId, Result, Scope, Store, StoreError, TicketId, instant, millis,
};

/// Largest file the store keeps as one attachment (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A file attached to a ticket: its metadata (the bytes are read only on request).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub created_at: Timestamp,
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
    pub created_at: Timestamp,
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

impl TryFrom<AttachmentRecord> for Attachment {
    type Error = StoreError;

    fn try_from(r: AttachmentRecord) -> Result<Self, StoreError> {
        Ok(Attachment {
            id: AttachmentId(r.id),
            ticket_id: TicketId(r.ticket_id),
            org_id: OrgId(r.org_id),
            event_id: r.event_id,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: PersonId(r.uploaded_by),
            created_at: instant(r.created_at)?,
        })
    }
}

pub(crate) const INSERT_ATTACHMENT: &str = "INSERT INTO ticket_attachments (ticket_id, org_id, event_id, \
    file_name, content_type, size, sha256, data, uploaded_by, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

pub(crate) const ATTACHMENT_COLUMNS: &str = "a.id, a.ticket_id, a.org_id, a.event_id, a.file_name, \
    a.content_type, a.size, a.sha256, a.uploaded_by, a.created_at";

/// Stores one attachment row inside the transaction `$tx`; `$meta` is the [`Attachment`]
/// made by [`attachment_meta`], returned with its new id.
macro_rules! insert_attachment {
    ($tx:expr, $meta:expr, $data:expr) => {{
        let mut meta: $crate::Attachment = $meta;
        let id: i64 = sqlx::query_scalar($crate::attachments::INSERT_ATTACHMENT)
            .bind(meta.ticket_id.0)
            .bind(meta.org_id.0)
            .bind(meta.event_id)
            .bind(&meta.file_name)
            .bind(&meta.content_type)
            .bind(meta.size)
            .bind(&meta.sha256)
            .bind($data)
            .bind(meta.uploaded_by.0)
            .bind(millis(meta.created_at))
            .fetch_one(&mut *$tx)
            .await
            .map_err($crate::StoreError::from)?;
        meta.id = $crate::AttachmentId(id);
        meta
    }};
}
pub(crate) use insert_attachment;

impl Store {
    /// Attaches a file to a ticket the scope may see, optionally to one of its events
    /// (customer scopes may not attach to an internal note).
    pub async fn add_attachment(
        &self,
        scope: &Scope,
        ticket: TicketId,
        new: &NewAttachment,
    ) -> Result<Attachment> {
        check_attachment(new)?;
        let owner = "SELECT org_id FROM tickets WHERE id = $1";
        let event_sql = "SELECT data FROM ticket_events WHERE id = $1 AND ticket_id = $2";
        let stored = in_tx!(self, tx, _lock => {
            let org: Option<i64> = sqlx::query_scalar(owner)
                .bind(ticket.0)
                .fetch_optional(&mut *tx)
                .await?;
            let org = match org {
                Some(o) if scope.may_see(OrgId(o)) => OrgId(o),
                _ => return Err(StoreError::NotFound("ticket")),
            };
            if let Some(event) = new.event_id {
                let data: Option<String> = sqlx::query_scalar(event_sql)
                    .bind(event)
                    .bind(ticket.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let data = data.ok_or(StoreError::NotFound("event"))?;
                let data: serde_json::Value = serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("event data: {e}")))?;
                if scope.org().is_some() && is_internal_data(&data) {
                    return Err(StoreError::NotFound("event"));
                }
            }
            let meta = attachment_meta(ticket, org, new.event_id, new);
            insert_attachment!(tx, meta, &new.data)
        });
        Ok(stored)
    }

    /// The attachments of a ticket the scope may see, oldest first, without their bytes;
    /// those of internal notes are left out for customer scopes.
    pub async fn attachments(&self, scope: &Scope, ticket: TicketId) -> Result<Vec<Attachment>> {
        self.get_ticket(scope, ticket).await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, e.data AS event_data FROM ticket_attachments a \
             LEFT JOIN ticket_events e ON e.id = a.event_id \
             WHERE a.ticket_id = $1 AND ($2 IS NULL OR a.org_id = $2) ORDER BY a.id"
        );
        let rows: Vec<AttachmentRecord> = on_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(ticket.0)
            .bind(scope.org().map(|o| o.0))
            .fetch_all(p)
            .await?);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if scope.org().is_some() && r.internal()? {
                continue;
            }
            out.push(Attachment::try_from(r)?);
        }
        Ok(out)
    }

    /// One attachment of a ticket the scope may see, with its bytes.
    pub async fn attachment_data(
        &self,
        scope: &Scope,
        ticket: TicketId,
        id: AttachmentId,
    ) -> Result<(Attachment, Vec<u8>)> {
        self.get_ticket(scope, ticket).await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, e.data AS event_data, a.data AS bytes \
             FROM ticket_attachments a LEFT JOIN ticket_events e ON e.id = a.event_id \
             WHERE a.id = $1 AND a.ticket_id = $2 AND ($3 IS NULL OR a.org_id = $3)"
        );
        let row = on_pool!(self, p => {
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(id.0)
                .bind(ticket.0)
                .bind(scope.org().map(|o| o.0))
                .fetch_optional(p)
                .await?;
            match row {
                Some(r) => {
                    let bytes: Vec<u8> = r.try_get("bytes")?;
                    let rec: AttachmentRecord = sqlx::FromRow::from_row(&r)?;
                    Some((rec, bytes))
                }
                None => None,
            }
        });
        match row {
            Some((rec, bytes)) if scope.org().is_none() || !rec.internal()? => {
                Ok((Attachment::try_from(rec)?, bytes))
            }
            _ => Err(StoreError::NotFound("attachment")),
        }
    }
}

/// The metadata of a new attachment row (id 0 until stored): size and SHA-256 of the bytes.
pub(crate) fn attachment_meta(
    ticket: TicketId,
    org: OrgId,
    event: Option<i64>,
    new: &NewAttachment,
) -> Attachment {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let digest = Sha256::digest(&new.data);
    let mut sha256 = String::with_capacity(64);
    for b in digest {
        let _ = write!(sha256, "{b:02x}");
    }
    Attachment {
        id: AttachmentId(0),
        ticket_id: ticket,
        org_id: org,
        event_id: event,
        file_name: new.file_name.clone(),
        content_type: new.content_type.clone(),
        size: i64::try_from(new.data.len()).unwrap_or(i64::MAX),
        sha256,
        uploaded_by: new.uploaded_by,
        created_at: new.created_at,
    }
}

/// The rules every stored attachment keeps, whoever calls.
pub(crate) fn check_attachment(new: &NewAttachment) -> Result<()> {
    let name = &new.file_name;
    let bad_name = name.trim().is_empty()
        || name.chars().count() > 200
        || name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        || name == "."
        || name == "..";
    if bad_name {
        return Err(StoreError::Rejected {
            field: "file",
            message:
                "a file name of 1 to 200 characters without a path or control characters is needed"
                    .into(),
        });
    }
    if new.data.len() > MAX_ATTACHMENT_BYTES {
        return Err(StoreError::Rejected {
            field: "file",
            message: format!("a file of at most {MAX_ATTACHMENT_BYTES} bytes"),
        });
    }
    if new.content_type.is_empty()
        || new.content_type.len() > 255
        || new.content_type.chars().any(|c| c.is_control())
    {
        return Err(StoreError::Rejected {
            field: "file",
            message: "a media type of 1 to 255 characters is needed".into(),
        });
    }
    Ok(())
}
