//! Ticket alerts (`ticket_alerts`): which at-risk or missed-target mail went out for which
//! ticket, bound and deadline, recorded in the transaction that queues its mails. The unique
//! key (ticket, kind, bound, deadline) makes each alert go once, however many runs or
//! instances try; a moved deadline is a new alert. Which targets are due and who is mailed is
//! decided by the caller (desk).

use jiff::Timestamp;

use crate::audit::audit_in_tx;
use crate::notifications::thread_mails_in_tx;
use crate::{Millis, OrgId, Result, Store, ThreadMail, TicketId, instant, millis};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// The target's deadline lies within the at-risk window.
    AtRisk,
    /// The target's deadline passed while the ticket was open.
    Missed,
}

impl AlertKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::AtRisk => "at_risk",
            AlertKind::Missed => "missed",
        }
    }
}

/// A target of an open ticket whose clock runs, with a deadline in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTarget {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The target's index among the ticket's bounds.
    pub bound: i64,
    /// Its percent, in basis points.
    pub percent_bp: i64,
    /// Its deadline.
    pub deadline: Timestamp,
}

/// An alert to send: the ticket's target and deadline it is about, and the mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The ticket's customer.
    pub org_id: OrgId,
    /// At risk or missed.
    pub kind: AlertKind,
    /// The target's index among the ticket's bounds.
    pub bound: i64,
    /// The deadline it is about.
    pub deadline: Timestamp,
    /// The mails, one per recipient, in the ticket's thread.
    pub mails: Vec<ThreadMail>,
}

type DueRow = (i64, i64, i64, Millis);

impl Store {
    /// The targets not met yet of open tickets whose clock is not paused, with a deadline in
    /// `[from, until)` and no alert of their kind at `now` (missed once the deadline is not
    /// after `now`, else at risk) sent for that deadline yet, soonest first, at most `limit`:
    /// alerts sent before never crowd out those still due.
    pub async fn targets_due(
        &self,
        from: Timestamp,
        until: Timestamp,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueTarget>> {
        let sql = "SELECT g.ticket_id, g.bound, g.percent_bp, g.deadline \
                   FROM ticket_targets g JOIN tickets t ON t.id = g.ticket_id \
                   WHERE t.status NOT IN ('resolved', 'closed') AND t.paused = 0 \
                   AND g.outcome IN ('running', 'missed') AND g.deadline IS NOT NULL \
                   AND g.deadline >= $1 AND g.deadline < $2 \
                   AND NOT EXISTS (SELECT 1 FROM ticket_alerts a \
                     WHERE a.ticket_id = g.ticket_id AND a.bound = g.bound \
                     AND a.deadline = g.deadline \
                     AND a.kind = CASE WHEN g.deadline <= $4 THEN 'missed' ELSE 'at_risk' END) \
                   ORDER BY g.deadline, g.ticket_id, g.bound LIMIT $3";
        let rows: Vec<DueRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(millis(from))
            .bind(millis(until))
            .bind(i64::from(limit))
            .bind(millis(now))
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|(ticket, bound, percent_bp, deadline)| {
                Ok(DueTarget {
                    ticket_id: TicketId(ticket),
                    bound,
                    percent_bp,
                    deadline: instant(deadline)?,
                })
            })
            .collect()
    }

    /// Records an alert and queues its mails in one transaction, audited. `Ok(false)` (and
    /// nothing queued) when this alert went out before, also when another run records it at
    /// the same moment.
    pub async fn send_alert(&self, a: &NewAlert, now: Timestamp) -> Result<bool> {
        let now = millis(now);
        let insert = "INSERT INTO ticket_alerts \
                      (ticket_id, org_id, kind, bound, deadline, sent_at, mails) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7) \
                      ON CONFLICT (ticket_id, kind, bound, deadline) DO NOTHING RETURNING id";
        let mails = i64::try_from(a.mails.len()).unwrap_or(i64::MAX);
        let sent = in_tx!(self, tx, _lock => {
            let id: Option<i64> = sqlx::query_scalar(insert)
                .bind(a.ticket_id.0)
                .bind(a.org_id.0)
                .bind(a.kind.as_str())
                .bind(a.bound)
                .bind(millis(a.deadline))
                .bind(now)
                .bind(mails)
                .fetch_optional(&mut *tx)
                .await?;
            match id {
                None => false,
                Some(id) => {
                    thread_mails_in_tx!(tx, a.ticket_id.0, &a.mails, now);
                    let detail = serde_json::json!({
                        "alert_id": id,
                        "ticket": a.ticket_id.0,
                        "kind": a.kind.as_str(),
                        "bound": a.bound,
                        "deadline": millis(a.deadline),
                        "mails": mails,
                    });
                    audit_in_tx!(tx, now, None::<i64>, Some(a.org_id.0), "ticket.alert", detail)?;
                    true
                }
            }
        });
        Ok(sent)
    }

    /// The alerts sent about a ticket, as (kind word, bound, deadline), in the order sent.
    pub async fn ticket_alerts(&self, ticket: TicketId) -> Result<Vec<(String, i64, Timestamp)>> {
        let sql =
            "SELECT kind, bound, deadline FROM ticket_alerts WHERE ticket_id = $1 ORDER BY id";
        let rows: Vec<(String, i64, Millis)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(ticket.0)
            .fetch_all(p)
            .await?);
        rows.into_iter()
            .map(|(k, b, d)| Ok((k, b, instant(d)?)))
            .collect()
    }
}
