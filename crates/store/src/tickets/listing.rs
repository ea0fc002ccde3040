//! Listing tickets: filtered keyset pages, and the open tickets whose deadline has passed.

use jiff::Timestamp;

use super::{TICKET_COLUMNS, TicketRecord};
use crate::{
    Cursor, Page, QueryBuilder, Result, Scope, Store, Ticket, TicketFilter, TicketId, TicketOrder,
    escape_like, millis,
};

impl Store {
    /// Open tickets whose next running deadline lies before `now`, so their stored outcome
    /// may be stale: the oldest first, at most `limit`.
    pub async fn tickets_past_deadline(&self, now: Timestamp, limit: u32) -> Result<Vec<TicketId>> {
        let sql = "SELECT id FROM tickets WHERE next_deadline < $1 ORDER BY next_deadline LIMIT $2";
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(millis(now))
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?);
        Ok(ids.into_iter().map(TicketId).collect())
    }

    /// A page of the tickets the scope may see, filtered and ordered, after `cursor`.
    pub async fn list_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<Ticket>> {
        let limit = limit.clamp(1, 500);
        let org = match (scope.org(), filter.org) {
            (Some(own), Some(asked)) if own != asked => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let cursor = cursor.map(|c| Cursor::parse(c, filter.order)).transpose()?;
        let mut q = QueryBuilder::new(format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE 1 = 1"));
        if let Some(o) = org {
            q.push_i64(" AND org_id = ", o.0);
        }
        for (column, value) in [
            ("kind", filter.kind.map(|k| k.as_str())),
            ("status", filter.status.map(|s| s.as_str())),
            ("priority", filter.priority.map(|p| p.as_str())),
            ("sla_outcome", filter.sla_outcome.map(|o| o.as_str())),
        ] {
            if let Some(v) = value {
                q.push_text(&format!(" AND {column} = "), v);
            }
        }
        if let Some(before) = filter.deadline_before {
            q.push_i64(" AND next_deadline <= ", millis(before));
        }
        if let Some(a) = filter.assignee {
            q.push_i64(" AND assignee_id = ", a.0);
        }
        if let Some(text) = &filter.subject {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            q.push_text(" AND LOWER(subject) LIKE ", &pattern);
            q.sql.push_str(" ESCAPE '\\'");
        }
        match (filter.order, cursor) {
            (TicketOrder::Queue, c) => {
                q.sql.push_str(" AND queue_at IS NOT NULL");
                if let Some(Cursor::Queue(at, id)) = c {
                    q.push_i64(" AND (queue_at > ", at);
                    q.push_i64(" OR (queue_at = ", at);
                    q.push_i64(" AND id > ", id);
                    q.sql.push_str("))");
                }
                q.sql.push_str(" ORDER BY queue_at, id");
            }
            (TicketOrder::Newest, c) => {
                if let Some(Cursor::Newest(id)) = c {
                    q.push_i64(" AND id < ", id);
                }
                q.sql.push_str(" ORDER BY id DESC");
            }
        }
        q.push_i64(" LIMIT ", i64::from(limit) + 1);
        let rows: Vec<TicketRecord> = fetch_built!(self, q);
        let mut items = rows
            .into_iter()
            .map(Ticket::try_from)
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|t| match filter.order {
                TicketOrder::Queue => {
                    Cursor::Queue(t.clocks.queue_at.unwrap_or(0), t.id.0).encode()
                }
                TicketOrder::Newest => Cursor::Newest(t.id.0).encode(),
            })
        } else {
            None
        };
        let ids: Vec<TicketId> = items.iter().map(|t| t.id).collect();
        let mut targets = self.targets_of(&ids).await?;
        for t in &mut items {
            t.clocks.targets = targets.remove(&t.id).unwrap_or_default();
        }
        Ok(Page { items, next })
    }
}
