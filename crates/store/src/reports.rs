//! Report queries: targets decided per period, missed targets with their reasons, resolution
//! times, tickets at risk, and published (frozen) reports.

use jiff::Timestamp;
use sla::{OutcomeKind, Priority, TicketKind};
use sqlx::AssertSqlSafe;

use crate::notifications::thread_mails_in_tx;
use crate::tickets::{TICKET_COLUMNS, TicketRecord};
use crate::{
    Millis, OrgId, PersonId, QueryBuilder, Result, Scope, Store, StoreError, Ticket, TicketId,
    instant, millis, unique_violation, word,
};

/// One line of the stored report figures: what was decided, in which month, how often.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TotalKey {
    /// The month, `YYYYMM`.
    pub month: i64,
    /// The customer.
    pub org_id: i64,
    /// The ticket kind.
    pub kind: String,
    /// The incident priority (`""` for other kinds).
    pub priority: String,
    /// Index of the bound.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time the bound allows.
    pub within: String,
    /// `met` or `missed`.
    pub outcome: String,
    /// The distribution bin (bound 0 of incidents), else -1.
    pub bin: i64,
}

/// The totals line a decided target counts on; `None` while it runs (or for a target
/// written without its month).
pub(crate) fn total_key(
    org: OrgId,
    kind: TicketKind,
    priority: Option<Priority>,
    t: &crate::TargetRow,
) -> Option<TotalKey> {
    if t.outcome == OutcomeKind::Running {
        return None;
    }
    Some(TotalKey {
        month: t.decided_month?,
        org_id: org.0,
        kind: kind.as_str().to_string(),
        priority: match (kind, priority) {
            (TicketKind::Incident, Some(p)) => p.as_str().to_string(),
            _ => String::new(),
        },
        bound: t.bound,
        percent_bp: t.percent_bp,
        within: t.within.clone(),
        outcome: t.outcome.as_str().to_string(),
        bin: t.bin.unwrap_or(-1),
    })
}

/// The changes to the totals when the lines `before` become `after`, sorted, without zeros.
pub(crate) fn deltas(before: Vec<TotalKey>, after: Vec<TotalKey>) -> Vec<(TotalKey, i64)> {
    let mut d: std::collections::BTreeMap<TotalKey, i64> = Default::default();
    for k in before {
        *d.entry(k).or_default() -= 1;
    }
    for k in after {
        *d.entry(k).or_default() += 1;
    }
    d.into_iter().filter(|(_, n)| *n != 0).collect()
}

/// Met and missed targets of one kind of line of the monthly report, for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCount {
    /// The customer.
    pub org_id: OrgId,
    /// The ticket kind.
    pub kind: TicketKind,
    /// The priority stored on the tickets (incidents).
    pub priority: Option<Priority>,
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
    pub kind: TicketKind,
    /// Its subject.
    pub subject: String,
    /// Its priority.
    pub priority: Option<Priority>,
    /// Index of the bound missed.
    pub bound: i64,
    /// The bound's percent, in basis points.
    pub percent_bp: i64,
    /// The time the bound allows.
    pub within: String,
    /// The deadline that passed.
    pub deadline: Option<Timestamp>,
    /// When the miss was decided (the deadline, or when it was recorded).
    pub decided_at: Timestamp,
    /// Why it overran, as recorded by the vendor's staff.
    pub reason: Option<String>,
    /// Whether the ticket is still open.
    pub open: bool,
}

/// A frozen monthly report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The customer; `None` for all customers together.
    pub org_id: Option<OrgId>,
    /// The report exactly as published (JSON).
    pub body: String,
    /// The SHA-256 of `body`, hexadecimal.
    pub sha256: String,
    /// When it was published.
    pub published_at: Millis,
    /// Who published it.
    pub published_by: PersonId,
}

/// Who reads a report: the scope's own customer, the one asked for, or all; `Err(())` when a
/// customer asks for another customer's (nothing to show).
fn report_org(scope: &Scope, org: Option<OrgId>) -> std::result::Result<Option<OrgId>, ()> {
    match (scope.org(), org) {
        (Some(own), Some(asked)) if own != asked => Err(()),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

/// The scope key of a publication: the customer's id, or 0 for all customers together.
fn scope_key(org: Option<OrgId>) -> i64 {
    org.map_or(0, |o| o.0)
}

type PublishedRow = (String, Option<i64>, String, String, i64, i64);

fn published(row: PublishedRow) -> PublishedReport {
    let (month, org, body, sha256, at, by) = row;
    PublishedReport {
        month,
        org_id: org.map(OrgId),
        body,
        sha256,
        published_at: at,
        published_by: PersonId(by),
    }
}

impl Store {
    /// Met and missed targets decided in a month (`YYYYMM`), per customer, kind, priority and
    /// bound (the month-assignment rule: a target counts when its outcome was decided — met
    /// when resolved in time, missed when its deadline passed).
    pub async fn report_counts(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: i64,
    ) -> Result<Vec<ReportCount>> {
        Ok(self
            .report_counts_by_month(scope, org, &[month])
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect())
    }

    /// Like [`Store::report_counts`] for several months at once; each count comes with the
    /// index of its month in `months`.
    pub async fn report_counts_by_month(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        months: &[i64],
    ) -> Result<Vec<(usize, ReportCount)>> {
        let Ok(org) = report_org(scope, org) else {
            return Ok(Vec::new());
        };
        if months.is_empty() {
            return Ok(Vec::new());
        }
        let list = months
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut q = QueryBuilder::new(format!(
            "SELECT month, org_id, kind, priority, bound, percent_bp, within, \
             CAST(SUM(CASE WHEN outcome = 'met' THEN n ELSE 0 END) AS BIGINT) AS met, \
             CAST(SUM(CASE WHEN outcome = 'missed' THEN n ELSE 0 END) AS BIGINT) AS missed \
             FROM report_totals WHERE month IN ({list})"
        ));
        if let Some(o) = org {
            q.push_i64(" AND org_id = ", o.0);
        }
        q.sql.push_str(
            " GROUP BY month, org_id, kind, priority, bound, percent_bp, within \
             ORDER BY month, org_id, kind, priority, bound, percent_bp, within",
        );
        type Row = (i64, i64, String, String, i64, i64, String, i64, i64);
        let rows: Vec<Row> = fetch_built!(self, q);
        rows.into_iter()
            .filter(|r| r.7 != 0 || r.8 != 0)
            .map(
                |(month, org_id, kind, priority, bound, percent_bp, within, met, missed)| {
                    let i = months
                        .iter()
                        .position(|m| *m == month)
                        .ok_or_else(|| StoreError::Corrupt(format!("report month {month}")))?;
                    Ok((
                        i,
                        ReportCount {
                            org_id: OrgId(org_id),
                            kind: word(&kind)?,
                            priority: Some(priority)
                                .filter(|p| !p.is_empty())
                                .map(|p| word(&p))
                                .transpose()?,
                            bound,
                            percent_bp,
                            within,
                            met,
                            missed,
                        },
                    ))
                },
            )
            .collect()
    }

    /// Incidents whose 90% target was decided in a month, counted per priority and bin of
    /// the time they took (twelfths of their own 100% bound; 12: beyond it).
    pub async fn report_bins(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: i64,
    ) -> Result<Vec<(Priority, i64, i64)>> {
        let Ok(org) = report_org(scope, org) else {
            return Ok(Vec::new());
        };
        let mut q = QueryBuilder::new(
            "SELECT priority, bin, CAST(SUM(n) AS BIGINT) FROM report_totals \
             WHERE kind = 'incident' AND bound = 0 AND bin >= 0"
                .to_string(),
        );
        q.push_i64(" AND month = ", month);
        if let Some(o) = org {
            q.push_i64(" AND org_id = ", o.0);
        }
        q.sql
            .push_str(" GROUP BY priority, bin ORDER BY priority, bin");
        let rows: Vec<(String, i64, i64)> = fetch_built!(self, q);
        rows.into_iter()
            .map(|(p, bin, n)| Ok((word(&p)?, bin, n)))
            .collect()
    }

    /// Tickets with decided targets not yet counted in the report totals (written before
    /// they existed), at most `limit`: the clock refresher recomputes them.
    pub async fn tickets_uncounted(&self, limit: u32) -> Result<Vec<TicketId>> {
        let sql = "SELECT DISTINCT ticket_id FROM ticket_targets \
                   WHERE outcome <> 'running' AND decided_month IS NULL LIMIT $1";
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(sql)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?);
        Ok(ids.into_iter().map(TicketId).collect())
    }

    /// The targets missed in `[from, to)`, by decision instant, then ticket and bound, with
    /// the reason recorded on the ticket.
    pub async fn missed_targets(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<MissedTarget>> {
        let Ok(org) = report_org(scope, org) else {
            return Ok(Vec::new());
        };
        let mut q = QueryBuilder::new(
            "SELECT t.id, t.org_id, t.kind, t.subject, t.priority, g.bound, g.percent_bp, \
             g.within, g.deadline, g.decided_at, t.miss_reason, t.status \
             FROM ticket_targets g JOIN tickets t ON t.id = g.ticket_id \
             WHERE g.outcome = 'missed'"
                .to_string(),
        );
        q.push_i64(" AND g.decided_at >= ", millis(from));
        q.push_i64(" AND g.decided_at < ", millis(to));
        if let Some(o) = org {
            q.push_i64(" AND g.org_id = ", o.0);
        }
        q.sql.push_str(" ORDER BY g.decided_at, t.id, g.bound");
        type Row = (
            i64,
            i64,
            String,
            String,
            Option<String>,
            i64,
            i64,
            String,
            Option<i64>,
            i64,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = fetch_built!(self, q);
        rows.into_iter()
            .map(|r| {
                let status: sla::Status = word(&r.11)?;
                Ok(MissedTarget {
                    ticket_id: TicketId(r.0),
                    org_id: OrgId(r.1),
                    kind: word(&r.2)?,
                    subject: r.3,
                    priority: r.4.as_deref().map(word).transpose()?,
                    bound: r.5,
                    percent_bp: r.6,
                    within: r.7,
                    deadline: r.8.map(instant).transpose()?,
                    decided_at: instant(r.9)?,
                    reason: r.10,
                    open: status.is_open(),
                })
            })
            .collect()
    }

    /// Open tickets whose next deadline falls in `[from, until)`, soonest first: the ones at
    /// risk of missing a target.
    pub async fn tickets_due(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        from: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Ticket>> {
        let Ok(org) = report_org(scope, org) else {
            return Ok(Vec::new());
        };
        let mut q = QueryBuilder::new(format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE status NOT IN ('resolved', 'closed')"
        ));
        q.push_i64(" AND next_deadline >= ", millis(from));
        q.push_i64(" AND next_deadline < ", millis(until));
        if let Some(o) = org {
            q.push_i64(" AND org_id = ", o.0);
        }
        q.push_i64(" ORDER BY next_deadline, id LIMIT ", i64::from(limit));
        let rows: Vec<TicketRecord> = fetch_built!(self, q);
        let mut items = rows
            .into_iter()
            .map(Ticket::try_from)
            .collect::<Result<Vec<_>>>()?;
        let ids: Vec<TicketId> = items.iter().map(|t| t.id).collect();
        let mut targets = self.targets_of(&ids).await?;
        for t in &mut items {
            t.clocks.targets = targets.remove(&t.id).unwrap_or_default();
        }
        Ok(items)
    }

    /// Records why a ticket missed its target (replacing an earlier reason), with an audit
    /// entry, in one transaction; `false` (and nothing written) when the ticket has no missed
    /// target. The reason is stored as given.
    pub async fn set_miss_reason(
        &self,
        scope: &Scope,
        ticket: TicketId,
        reason: &str,
        by: PersonId,
        now: Millis,
    ) -> Result<bool> {
        let found = "SELECT org_id, (SELECT COUNT(*) FROM ticket_targets g \
                     WHERE g.ticket_id = tickets.id AND g.outcome = 'missed') \
                     FROM tickets WHERE id = $1 AND ($2 IS NULL OR org_id = $2)";
        let update = "UPDATE tickets SET miss_reason = $1, miss_reason_by = $2, \
                      miss_reason_at = $3 WHERE id = $4";
        let audit = "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
                     VALUES ($1, $2, $3, 'ticket.miss_reason', $4)";
        let detail = serde_json::json!({ "ticket": ticket.0, "reason": reason }).to_string();
        let recorded = in_tx!(self, tx, lock => {
            let sql = format!("{found}{lock}");
            let row: Option<(i64, i64)> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(ticket.0)
                .bind(scope.org().map(|o| o.0))
                .fetch_optional(&mut *tx)
                .await?;
            let (org, missed) = row.ok_or(StoreError::NotFound("ticket"))?;
            if missed > 0 {
                sqlx::query(update)
                    .bind(reason)
                    .bind(by.0)
                    .bind(now)
                    .bind(ticket.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(audit)
                    .bind(now)
                    .bind(by.0)
                    .bind(org)
                    .bind(&detail)
                    .execute(&mut *tx)
                    .await?;
            }
            missed > 0
        });
        Ok(recorded)
    }

    /// The reason recorded on a ticket for missing its target, if any, with who and when.
    pub async fn miss_reason(
        &self,
        scope: &Scope,
        ticket: TicketId,
    ) -> Result<Option<(String, Option<PersonId>, Millis)>> {
        let sql = "SELECT miss_reason, miss_reason_by, miss_reason_at FROM tickets \
                   WHERE id = $1 AND ($2 IS NULL OR org_id = $2)";
        let row: Option<(Option<String>, Option<i64>, Option<i64>)> = on_pool!(self, p => sqlx::query_as(sql)
                .bind(ticket.0)
                .bind(scope.org().map(|o| o.0))
                .fetch_optional(p)
                .await?);
        let (reason, by, at) = row.ok_or(StoreError::NotFound("ticket"))?;
        Ok(reason.map(|r| (r, by.map(PersonId), at.unwrap_or_default())))
    }

    /// Freezes a month's report for a customer (or all customers, `None`), with an audit
    /// entry and the `mails` that announce it, in one transaction. A month is published once
    /// per scope: again is a conflict (and nothing is mailed).
    #[allow(clippy::too_many_arguments)]
    pub async fn publish_report(
        &self,
        org: Option<OrgId>,
        month: &str,
        body: &str,
        sha256: &str,
        by: PersonId,
        now: Millis,
        mails: &[crate::ThreadMail],
    ) -> Result<PublishedReport> {
        let insert = "INSERT INTO published_reports \
                      (month, org_id, scope_key, body, sha256, published_at, published_by) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let audit = "INSERT INTO audit_log (at, actor_id, org_id, action, detail) \
                     VALUES ($1, $2, $3, 'report.published', $4)";
        let detail = serde_json::json!({ "month": month, "sha256": sha256 }).to_string();
        in_tx!(self, tx, _lock => {
            let done = sqlx::query(insert)
                .bind(month)
                .bind(org.map(|o| o.0))
                .bind(scope_key(org))
                .bind(body)
                .bind(sha256)
                .bind(now)
                .bind(by.0)
                .execute(&mut *tx)
                .await;
            match done {
                Err(e) if unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        field: "month",
                        message: format!("the report of {month} is published already"),
                    });
                }
                other => other?,
            };
            sqlx::query(audit)
                .bind(now)
                .bind(by.0)
                .bind(org.map(|o| o.0))
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            thread_mails_in_tx!(tx, None::<i64>, mails, now);
        });
        Ok(PublishedReport {
            month: month.to_string(),
            org_id: org,
            body: body.to_string(),
            sha256: sha256.to_string(),
            published_at: now,
            published_by: by,
        })
    }

    /// The published report of a month for a customer (or all customers, `None`), if the
    /// scope may see it: customers see only their own customer's.
    pub async fn published_report(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: &str,
    ) -> Result<Option<PublishedReport>> {
        if let Some(own) = scope.org()
            && org != Some(own)
        {
            return Ok(None);
        }
        let sql = "SELECT month, org_id, body, sha256, published_at, published_by \
                   FROM published_reports WHERE scope_key = $1 AND month = $2";
        let row: Option<PublishedRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(scope_key(org))
            .bind(month)
            .fetch_optional(p)
            .await?);
        Ok(row.map(published))
    }

    /// The reports published for a customer (or all customers, `None`) for months before
    /// `before` (`YYYY-MM`), newest first, at most `limit`.
    pub async fn published_before(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        before: &str,
        limit: u32,
    ) -> Result<Vec<PublishedReport>> {
        if let Some(own) = scope.org()
            && org != Some(own)
        {
            return Ok(Vec::new());
        }
        let sql = "SELECT month, org_id, body, sha256, published_at, published_by \
                   FROM published_reports WHERE scope_key = $1 AND month < $2 \
                   ORDER BY month DESC LIMIT $3";
        let rows: Vec<PublishedRow> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(scope_key(org))
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(published).collect())
    }

    /// Which reports are published (without their bodies), newest month first: a customer
    /// scope sees its own customer's.
    pub async fn publications(
        &self,
        scope: &Scope,
        limit: u32,
    ) -> Result<Vec<(String, Option<OrgId>, String, Millis)>> {
        let sql = "SELECT month, org_id, sha256, published_at FROM published_reports \
                   WHERE ($1 IS NULL OR org_id = $1) ORDER BY month DESC, scope_key LIMIT $2";
        let rows: Vec<(String, Option<i64>, String, i64)> = on_pool!(self, p => sqlx::query_as(sql)
                .bind(scope.org().map(|o| o.0))
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?);
        Ok(rows
            .into_iter()
            .map(|(m, o, s, at)| (m, o.map(OrgId), s, at))
            .collect())
    }
}
