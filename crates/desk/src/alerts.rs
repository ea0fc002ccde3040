//! Alerts of tickets at risk and of missed targets (SLA-RULES §10): while a ticket is open and
//! its clock runs, a target whose deadline comes within the at-risk window
//! ([`DEFAULT_AT_RISK_HOURS`] business hours of the standard calendar, as on the queue) mails
//! the ticket's assignee, or the desk's on-duty list while it has none; a target whose deadline
//! passed (within [`MISSED_LOOKBACK`]) mails them again that it was missed. Each mail is in the
//! reader's language, with an HTML part, threaded on the ticket and marked auto-generated.
//!
//! Each alert goes once per ticket, kind, bound and deadline: the store records it in the
//! transaction that queues its mails under a unique key, so two runs (or two instances) send
//! it once, and a moved deadline (a priority change, a pause) makes a new one due. The job
//! runs under a lease ([`Desk::alerts_under_lease`]), so one instance does the work.

use std::collections::HashMap;

use jiff::Timestamp;
use store::{AlertKind, NewAlert, Person, Scope, TicketId};

use crate::notify::{self, Notice, Reader};
use crate::tickets::DEFAULT_AT_RISK_HOURS;
use crate::{Desk, DeskError};

/// The lease the alert job runs under.
pub const ALERT_LEASE: &str = "ticket-alerts";

/// How far back a missed deadline is still mailed (a job that did not run for longer, or a
/// first run on old data, does not flood the desk with old misses).
pub const MISSED_LOOKBACK: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The most targets one run looks at.
const RUN_LIMIT: u32 = 1000;

/// What one run of the alerts sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertRun {
    /// At-risk alerts sent.
    pub at_risk: usize,
    /// Missed-target alerts sent.
    pub missed: usize,
    /// Mails queued in all.
    pub mails: usize,
}

impl Desk {
    /// One run of the alerts at the injected clock's time: every target of an open, running
    /// ticket whose deadline lies within the at-risk window, or passed within
    /// [`MISSED_LOOKBACK`], gets its alert if it did not before (its mails queued in the
    /// transaction that records it). Idempotent, also at the same moment elsewhere.
    pub async fn send_alerts(&self) -> Result<AlertRun, DeskError> {
        let now = self.clock.now();
        let until = self.at_risk_until("hours", DEFAULT_AT_RISK_HOURS)?;
        let lookback = i64::try_from(MISSED_LOOKBACK.as_millis()).unwrap_or(i64::MAX / 2);
        let from = Timestamp::from_millisecond(now.as_millisecond().saturating_sub(lookback))
            .map_err(DeskError::internal)?;
        // The window's end is exclusive; a deadline exactly at `now` has passed.
        let until = until.max(now + jiff::SignedDuration::from_millis(1));
        let due = self.store.targets_due(from, until, now, RUN_LIMIT).await?;
        let mut run = AlertRun::default();
        if due.is_empty() {
            return Ok(run);
        }
        let on_duty: Vec<Person> = self.store.on_duty().await?;
        let mut customers: HashMap<i64, String> = HashMap::new();
        for target in due {
            let kind = if target.deadline <= now {
                AlertKind::Missed
            } else {
                AlertKind::AtRisk
            };
            let ticket = self
                .store
                .get_ticket(&Scope::System, target.ticket_id)
                .await?;
            let compiled = self.compiled(ticket.agreement_id).await?;
            let customer = match customers.get(&ticket.org_id.0) {
                Some(c) => c.clone(),
                None => {
                    let c = self
                        .store
                        .get_org(&Scope::System, ticket.org_id)
                        .await?
                        .name;
                    customers.insert(ticket.org_id.0, c.clone());
                    c
                }
            };
            let readers = self.alert_readers(ticket.assignee_id, &on_duty).await?;
            let notice = match kind {
                AlertKind::AtRisk => Notice::AtRisk {
                    bound: target.bound,
                    percent_bp: target.percent_bp,
                    deadline: target.deadline,
                },
                AlertKind::Missed => Notice::Missed {
                    bound: target.bound,
                    percent_bp: target.percent_bp,
                    deadline: target.deadline,
                },
            };
            let cx = notify::Context {
                calendar: &compiled.calendar,
                customer: &customer,
                now,
            };
            let mails = notify::compose(&self.links, &notice, &ticket, &readers, cx);
            let alert = NewAlert {
                ticket_id: ticket.id,
                org_id: ticket.org_id,
                kind,
                bound: target.bound,
                deadline: target.deadline,
                mails,
            };
            if self.store.send_alert(&alert, now).await? {
                match kind {
                    AlertKind::AtRisk => run.at_risk += 1,
                    AlertKind::Missed => run.missed += 1,
                }
                run.mails += alert.mails.len();
            }
        }
        Ok(run)
    }

    /// Runs [`Desk::send_alerts`] when this instance (`owner`) holds the alert lease, taken or
    /// renewed until `now + ttl`; `None` when another instance holds it.
    pub async fn alerts_under_lease(
        &self,
        owner: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<AlertRun>, DeskError> {
        let now = self.now_ms();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        if !self
            .store
            .try_lease(ALERT_LEASE, owner, now, now.saturating_add(ttl))
            .await?
        {
            return Ok(None);
        }
        self.send_alerts().await.map(Some)
    }

    /// The alerts sent about a ticket, as (kind, bound, deadline), for the service desk.
    pub async fn ticket_alerts(
        &self,
        ticket: TicketId,
    ) -> Result<Vec<(String, i64, Timestamp)>, DeskError> {
        Ok(self.store.ticket_alerts(ticket).await?)
    }

    /// Who an alert goes to: the assignee while active; else the active people on duty; each
    /// address once.
    async fn alert_readers(
        &self,
        assignee: Option<store::PersonId>,
        on_duty: &[Person],
    ) -> Result<Vec<Reader>, DeskError> {
        if let Some(a) = assignee {
            let p = self.store.get_person(&Scope::System, a).await?;
            if p.active {
                return Ok(vec![Reader::of(&p)]);
            }
        }
        let mut out: Vec<Reader> = Vec::new();
        for p in on_duty.iter().filter(|p| p.active) {
            if !out.iter().any(|r| r.email.eq_ignore_ascii_case(&p.email)) {
                out.push(Reader::of(p));
            }
        }
        Ok(out)
    }
}
