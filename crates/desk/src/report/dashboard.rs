//! The live dashboard: tickets at risk of missing a target within the next business hours,
//! the budget left this month, and the trend over the last twelve months.

use serde::{Deserialize, Serialize};
use sla::{Month, Priority, TicketKind};
use store::{OrgId, Scope};

use super::{ALL_CUSTOMERS, TargetLine, sections};
use crate::Desk;
use crate::DeskError;
use crate::time::rfc3339;

/// One month of one target pair (90% and 100% bound) for the trend chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The share that met the percentile bound, in basis points; `None` with nothing counted.
    pub share_bp: Option<u32>,
    /// The share that met the hard (100%) bound, in basis points.
    pub hard_share_bp: Option<u32>,
    /// How many were counted.
    pub counted: u32,
}

/// Months in the trend, the current one included.
pub const TREND_MONTHS: usize = 12;
/// Most tickets listed as at risk.
pub const AT_RISK_LIMIT: u32 = 200;

/// The live view of one customer, or of all customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// When it was computed (RFC 3339).
    pub now: String,
    /// The customer; absent for all customers.
    pub organization_id: Option<i64>,
    /// The customer's name, or `all customers`.
    pub customer: String,
    /// The look-ahead in business hours.
    pub horizon_hours: u32,
    /// The instant the look-ahead ends (RFC 3339).
    pub horizon_until: String,
    /// Open tickets whose next deadline falls within the look-ahead, soonest first.
    pub at_risk: Vec<AtRisk>,
    /// The month so far, `YYYY-MM`.
    pub month: String,
    /// This month's targets so far, with the budget left.
    pub budget: Vec<TargetLine>,
    /// Per target pair, the last twelve months (oldest first, this month last).
    pub trend: Vec<TrendSeries>,
}

/// A ticket at risk of missing a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    /// The ticket.
    pub ticket_id: i64,
    /// Its customer.
    pub organization_id: i64,
    /// Its kind.
    pub kind: String,
    /// Its priority (incidents).
    pub priority: Option<String>,
    /// Its subject.
    pub subject: String,
    /// The next deadline (RFC 3339).
    pub deadline: String,
    /// Business seconds left until it.
    pub business_seconds_left: i64,
}

/// Twelve months of one target pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendSeries {
    /// `incident` or `question`.
    pub kind: String,
    /// The incident priority.
    pub priority: Option<String>,
    /// The percentile bound's share, in basis points (9000).
    pub percent_bp: u32,
    /// The time the percentile bound allows.
    pub within: String,
    /// The time the hard bound allows.
    pub hard_within: String,
    /// One point per month.
    pub points: Vec<TrendPoint>,
}

impl Desk {
    /// The dashboard for `scope`: a customer sees its own; staff one customer or all.
    pub async fn dashboard(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        horizon_hours: u32,
    ) -> Result<Dashboard, DeskError> {
        let org = crate::access::visible_org(scope, org)?;
        let standard = self.policies.standard()?;
        let cal = &standard.calendar;
        let now = self.clock.now();
        let until_at = self.at_risk_until("hours", horizon_hours)?;
        let now_s = now.as_second();
        let orgs = match org {
            Some(o) => vec![self.store.get_org(scope, o).await?],
            None => self.store.list_orgs(scope).await?,
        };
        let due = self
            .store
            .tickets_due(scope, org, now, until_at, AT_RISK_LIMIT)
            .await?;
        let mut at_risk = Vec::with_capacity(due.len());
        for t in due {
            let Some(deadline) = t.clocks.next_deadline else {
                continue;
            };
            let left = cal
                .elapsed_seconds(now_s, deadline.as_second())
                .map_err(|e| DeskError::Internal(e.into()))?;
            at_risk.push(AtRisk {
                ticket_id: t.id.0,
                organization_id: t.org_id.0,
                priority: t
                    .priority
                    .filter(|_| t.kind == TicketKind::Incident)
                    .map(|p| p.as_str().to_string()),
                kind: t.kind.as_str().to_string(),
                subject: t.subject,
                deadline: rfc3339(deadline),
                business_seconds_left: left,
            });
        }

        let this = Month::containing(cal, now_s);
        let (trend, budget) = self.trend(scope, org, &orgs, this).await?;
        let customer = match org {
            Some(_) => orgs.first().map(|o| o.name.clone()).unwrap_or_default(),
            None => ALL_CUSTOMERS.to_string(),
        };
        Ok(Dashboard {
            now: rfc3339(now),
            organization_id: org.map(|o| o.0),
            customer,
            horizon_hours,
            horizon_until: rfc3339(until_at),
            at_risk,
            month: this.to_string(),
            budget,
            trend,
        })
    }

    /// What the printed form of `report` shows beside its figures: the twelve months of
    /// compliance ending with its month, and the agreement (with the calendar) it is read in.
    pub async fn printable_context(
        &self,
        scope: &Scope,
        report: &super::MonthlyReport,
    ) -> Result<(Vec<TrendSeries>, std::sync::Arc<crate::policies::Compiled>), DeskError> {
        let org = report.organization_id.map(OrgId);
        let orgs = match org {
            Some(o) => vec![self.store.get_org(scope, o).await?],
            None => self.store.list_orgs(scope).await?,
        };
        let month: Month = report.month.parse().map_err(DeskError::internal)?;
        let (trend, _) = self.trend(scope, org, &orgs, month).await?;
        Ok((trend, self.policies.standard()?))
    }

    /// Twelve months of compliance ending with `last`, per target pair (incident priorities
    /// and questions), from one pass over their targets; and the lines of `last` itself.
    pub async fn trend(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        orgs: &[store::Organization],
        last: Month,
    ) -> Result<(Vec<TrendSeries>, Vec<TargetLine>), DeskError> {
        let standard = self.policies.standard()?;
        let this = last;
        let mut months = vec![this];
        for _ in 1..TREND_MONTHS {
            months.insert(0, months[0].prev());
        }
        let keys: Vec<i64> = months.iter().map(|m| m.key()).collect();
        let counts = self.store.report_counts_by_month(scope, org, &keys).await?;
        let mut per_month: Vec<Vec<TargetLine>> = Vec::with_capacity(TREND_MONTHS);
        for i in 0..months.len() {
            let c: Vec<store::ReportCount> = counts
                .iter()
                .filter(|(p, _)| *p == i)
                .map(|(_, c)| c.clone())
                .collect();
            let s = sections(&standard.policy, orgs, org.is_none(), &c)?;
            per_month.push(s.into_iter().last().map(|s| s.targets).unwrap_or_default());
        }
        let mut trend = Vec::new();
        let pairs = Priority::ALL
            .iter()
            .map(|p| (TicketKind::Incident, Some(*p)))
            .chain([(TicketKind::Question, None)]);
        for (kind, priority) in pairs {
            let set = standard
                .policy
                .targets
                .for_ticket(kind, priority.unwrap_or(Priority::Normal));
            let (Some(first), Some(hard)) = (set.bounds.first(), set.bounds.get(1)) else {
                continue;
            };
            let find = |lines: &[TargetLine], bound: i64| {
                lines
                    .iter()
                    .find(|l| {
                        l.kind == kind.as_str()
                            && l.priority.as_deref() == priority.map(|p| p.as_str())
                            && l.bound == bound
                    })
                    .cloned()
            };
            let points = months
                .iter()
                .zip(&per_month)
                .map(|(mo, lines)| {
                    let a = find(lines, 0);
                    let b = find(lines, 1);
                    TrendPoint {
                        month: mo.to_string(),
                        share_bp: a.as_ref().and_then(|l| l.share_bp),
                        hard_share_bp: b.as_ref().and_then(|l| l.share_bp),
                        counted: a.map_or(0, |l| l.counted),
                    }
                })
                .collect();
            trend.push(TrendSeries {
                kind: kind.as_str().to_string(),
                priority: priority.map(|p| p.as_str().to_string()),
                percent_bp: first.percent.basis_points(),
                within: first.within.to_string(),
                hard_within: hard.within.to_string(),
                points,
            });
        }
        let lines = per_month.pop().unwrap_or_default();
        Ok((trend, lines))
    }
}
