//! Overrun months (SLA-RULES §7): a customer's ended month in which an incident resolution
//! target did not hold, judged on its published report when there is one, else on the
//! figures as they stand.

use serde::{Deserialize, Serialize};
use sla::compensation::{Judgement, judge_month};
use sla::policy::priority_index;
use sla::{
    Bound, Compliance, Measure, Month, Percent, PolicyDuration, Priority, TargetKey, TicketKind,
};
use store::{OrgId, Scope};

use super::MAX_MONTHS;
use crate::report::publish;
use crate::time::rfc3339;
use crate::{Caller, Desk, DeskError};

/// An incident resolution target that did not hold in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailedTarget {
    /// The incident priority.
    pub priority: String,
    /// Index of the bound (0: the percentile bound, 1: the hard one).
    pub bound: i64,
    /// The share that must meet it, in basis points.
    pub percent_bp: u32,
    /// The time allowed.
    pub within: String,
    /// Met in the month.
    pub met: u32,
    /// Missed in the month.
    pub missed: u32,
}

/// How a customer's month stands for compensation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrunMonth {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Whether it has ended (only an ended month is judged).
    pub ended: bool,
    /// Whether it is an overrun month (false while it has not ended).
    pub overrun: bool,
    /// The incident resolution targets that did not hold.
    pub failed: Vec<FailedTarget>,
    /// The SHA-256 of the published report it was judged on; absent: the live figures.
    pub report_sha256: Option<String>,
    /// When the month ends (RFC 3339).
    pub ends_at: String,
}

/// One report line: priority, bound, percent, within, met, missed.
type Line = (Priority, i64, u32, String, u32, u32);

fn lines_of_report(report: &crate::report::MonthlyReport, org: OrgId) -> Option<Vec<Line>> {
    let section = report
        .sections
        .iter()
        .find(|s| s.organization_id == Some(org.0))?;
    Some(
        section
            .targets
            .iter()
            .filter(|t| t.kind == TicketKind::Incident.as_str())
            .filter_map(|t| {
                let p: Priority = t.priority.as_deref()?.parse().ok()?;
                Some((p, t.bound, t.percent_bp, t.within.clone(), t.met, t.missed))
            })
            .collect(),
    )
}

impl Desk {
    /// The months `from` to `to` (inclusive, at most [`MAX_MONTHS`]) of a customer, judged.
    pub async fn overrun_months(
        &self,
        caller: &Caller,
        org: OrgId,
        from: Month,
        to: Month,
    ) -> Result<Vec<OverrunMonth>, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        if to < from {
            return Err(DeskError::invalid(
                "to",
                "the last month lies before the first",
            ));
        }
        let mut out = Vec::new();
        let mut m = from;
        while m <= to {
            if out.len() == MAX_MONTHS {
                return Err(DeskError::invalid(
                    "to",
                    format!("at most {MAX_MONTHS} months at a time"),
                ));
            }
            out.push(self.judge(org, m).await?);
            m = m.next();
        }
        Ok(out)
    }

    /// Judges one month of a customer (the caller's access checked by the caller).
    pub(crate) async fn judge(&self, org: OrgId, month: Month) -> Result<OverrunMonth, DeskError> {
        let standard = self.policies.standard()?;
        let cal = &standard.calendar;
        let (start, _) = month
            .span(cal)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        let key = month.to_string();
        let mut published = None;
        for scope_org in [Some(org), None] {
            if let Some(p) = self
                .store
                .published_report(&Scope::System, scope_org, &key)
                .await?
            {
                let report = publish::frozen(&p)?;
                if let Some(lines) = lines_of_report(&report, org) {
                    published = Some((lines, p.sha256.clone()));
                    break;
                }
            }
        }
        let (lines, sha) = match published {
            Some((lines, sha)) => (lines, Some(sha)),
            None => {
                let counts = self
                    .store
                    .report_counts(&Scope::System, Some(org), month.key())
                    .await?;
                let lines = counts
                    .into_iter()
                    .filter(|c| c.kind == TicketKind::Incident)
                    .filter_map(|c| {
                        Some((
                            c.priority?,
                            c.bound,
                            u32::try_from(c.percent_bp).ok()?,
                            c.within,
                            u32::try_from(c.met).ok()?,
                            u32::try_from(c.missed).ok()?,
                        ))
                    })
                    .collect();
                (lines, None)
            }
        };
        // Incident targets count when they measure the resolution (the agreement in force
        // in the month may measure something else).
        let agreement = self.agreement_for(org, start).await?;
        let mut results: Vec<(TargetKey, Compliance)> = Vec::new();
        let mut by_key = Vec::new();
        for (p, bound, percent_bp, within, met, missed) in &lines {
            let set = &agreement.policy.targets.incident[priority_index(*p)];
            if set.measured_until != Measure::Resolution {
                continue;
            }
            let (Some(percent), Ok(within_d)) = (
                Percent::from_basis_points(*percent_bp),
                within.parse::<PolicyDuration>(),
            ) else {
                return Err(DeskError::internal(format!("report line {p} {within}")));
            };
            let key = TargetKey {
                kind: TicketKind::Incident,
                priority: Some(*p),
                bound: usize::try_from(*bound).unwrap_or_default(),
            };
            let c = Compliance::from_counts(
                Bound {
                    percent,
                    within: within_d,
                },
                *met,
                *missed,
            );
            results.push((key, c));
            by_key.push((
                key,
                (*p, *bound, *percent_bp, within.clone(), *met, *missed),
            ));
        }
        let judgement = judge_month(cal, month, &results, self.clock.now())
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        let (_, end) = month
            .span(cal)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        Ok(match judgement {
            Judgement::NotYetJudged { .. } => OverrunMonth {
                month: key,
                ended: false,
                overrun: false,
                failed: Vec::new(),
                report_sha256: sha,
                ends_at: rfc3339(end),
            },
            Judgement::Judged { verdict, failed } => OverrunMonth {
                month: key,
                ended: true,
                overrun: verdict.overrun,
                failed: by_key
                    .into_iter()
                    .filter(|(k, _)| failed.contains(k))
                    .map(
                        |(_, (p, bound, percent_bp, within, met, missed))| FailedTarget {
                            priority: p.as_str().to_string(),
                            bound,
                            percent_bp,
                            within,
                            met,
                            missed,
                        },
                    )
                    .collect(),
                report_sha256: sha,
                ends_at: rfc3339(end),
            },
        })
    }
}
