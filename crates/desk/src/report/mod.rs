//! The monthly service-level report: per customer and for all customers, for each target of
//! the agreement, how many tickets counted in the month, met, missed, and the budget left.
//!
//! Tickets are assigned to months by SLA-RULES §4: a target counts in the month its
//! outcome was decided (met: resolved; missed: the deadline passed), which is exactly the
//! stored `decided_at`. Months are calendar months in Europe/Amsterdam (the standard calendar).
//! A published month is frozen ([`publish`]); later changes show as corrections.

pub mod dashboard;
pub mod publish;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sla::{Bound, Compliance, Month, Percent, PolicyDuration, Priority, TicketKind};
use store::{OrgId, ReportCount, Scope, TicketId};

use crate::DeskError;
use crate::time::rfc3339;
use crate::{Caller, Desk};

/// The monthly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Its first instant (RFC 3339, UTC): midnight in Amsterdam.
    pub from: String,
    /// The first instant after it.
    pub to: String,
    /// The customer the report is about; absent for all customers together.
    pub organization_id: Option<i64>,
    /// Per customer (one for a customer's report), then all of them together (only in the
    /// report for all customers, with no `organization_id`).
    pub sections: Vec<ReportSection>,
    /// Every target missed in the month, oldest first.
    pub missed: Vec<MissedLine>,
    /// How long the incidents counted in the month took, per priority, against the bounds.
    #[serde(default)]
    pub distribution: Vec<Distribution>,
    /// Changes, since they were published, to the figures of earlier published months.
    #[serde(default)]
    pub corrections: Vec<publish::CorrectionLine>,
    /// Availability in the month per environment of the report's customers (SLA §8.2).
    #[serde(default)]
    pub availability: Vec<crate::availability::AvailabilityFigure>,
    /// When and by whom the report was frozen, with its hash; absent for a live report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<publish::Publication>,
    /// A customer's report: its compensation in the month (escalation state, meetings held,
    /// the discount on the month's invoice). Live data read when the report is served, also
    /// beside a published report: it follows `publication`, is never part of the frozen body
    /// and is not covered by its hash. Absent in the report for all customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<crate::compensation::CompensationSection>,
}

/// How long the incidents of one priority whose 90% target was decided in the month took,
/// in twelfths of each ticket's own 100% bound, and one bin beyond it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Distribution {
    /// The incident priority.
    pub priority: String,
    /// The 90% bound in business seconds (for calendar spans: as counted from the month's start).
    pub bound_90_seconds: i64,
    /// The 100% bound in business seconds.
    pub bound_100_seconds: i64,
    /// The width of one bin in business seconds under the standard agreement (a twelfth of
    /// its 100% bound).
    pub bin_seconds: i64,
    /// Incidents per bin: bin `i` took `[i/12, (i+1)/12)` of their own 100% bound; the last
    /// holds those beyond it.
    pub bins: Vec<u32>,
    /// Of those, still open (plotted at their time so far).
    pub open: u32,
}

/// Bins of a distribution up to the 100% bound (one more holds what lies beyond it).
pub const DISTRIBUTION_BINS: i64 = 12;

/// The targets of one customer, or of all together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportSection {
    /// The customer; absent for all customers together.
    pub organization_id: Option<i64>,
    /// The customer's name, or `all customers`.
    pub customer: String,
    /// One line per target: incident priorities with their bounds, questions, RFCs.
    pub targets: Vec<TargetLine>,
}

/// How one target fared in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetLine {
    /// `incident`, `question` or `rfc`.
    pub kind: String,
    /// The incident priority (incidents only).
    pub priority: Option<String>,
    /// Index of the bound in the target set (0: the percentile bound, 1: the hard one).
    pub bound: i64,
    /// The share that must meet it, in basis points (9000 is 90%).
    pub percent_bp: u32,
    /// The time allowed, as the agreement writes it.
    pub within: String,
    /// Targets decided in the month.
    pub counted: u32,
    /// Of those, met.
    pub met: u32,
    /// Of those, missed.
    pub missed: u32,
    /// The share that met it, in basis points; absent with nothing counted.
    pub share_bp: Option<u32>,
    /// Whether at least `percent_bp` met it (vacuously true with nothing counted).
    pub holds: bool,
    /// How many more could miss this month, with no more meeting it, before it fails.
    pub budget: u32,
}

/// A target a ticket missed in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissedLine {
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
    /// The bound missed.
    pub bound: i64,
    /// Its percent, in basis points.
    pub percent_bp: u32,
    /// Its time allowed.
    pub within: String,
    /// The deadline that passed (RFC 3339).
    pub deadline: Option<String>,
    /// When the miss was decided (RFC 3339): the instant that puts it in this month.
    pub decided_at: String,
    /// Why it overran, as recorded by the service desk.
    pub reason: Option<String>,
}

/// What identifies a line: kind, priority (incidents), bound, percent, within.
pub(crate) type LineKey = (String, Option<String>, i64, u32, String);

pub(crate) fn bad_stored(what: &str) -> DeskError {
    DeskError::Internal(anyhow::anyhow!("stored target: {what}"))
}

/// The lines of the standard agreement, in the report's order, with nothing counted yet.
pub(crate) fn standard_keys(policy: &sla::Policy) -> Vec<LineKey> {
    let mut keys = Vec::new();
    let mut push = |kind: TicketKind, priority: Option<Priority>| {
        let p = priority.unwrap_or(Priority::Normal);
        for (i, b) in policy.targets.for_ticket(kind, p).bounds.iter().enumerate() {
            keys.push((
                kind.as_str().to_string(),
                priority.map(|p| p.as_str().to_string()),
                i as i64,
                b.percent.basis_points(),
                b.within.to_string(),
            ));
        }
    };
    for &p in Priority::ALL {
        push(TicketKind::Incident, Some(p));
    }
    push(TicketKind::Question, None);
    push(TicketKind::Rfc, None);
    keys
}

pub(crate) fn line_key(c: &ReportCount) -> Result<LineKey, DeskError> {
    let incident = c.kind == TicketKind::Incident;
    Ok((
        c.kind.as_str().to_string(),
        c.priority
            .filter(|_| incident)
            .map(|p| p.as_str().to_string()),
        c.bound,
        u32::try_from(c.percent_bp).map_err(|_| bad_stored("percent"))?,
        c.within.clone(),
    ))
}

/// The lines of one section: the standard ones (counted or not), then any others the
/// counts hold (customers with agreements of their own), in key order.
pub(crate) fn section_lines(
    standard: &[LineKey],
    counts: &BTreeMap<LineKey, (u32, u32)>,
) -> Result<Vec<TargetLine>, DeskError> {
    let extra = counts.keys().filter(|k| !standard.contains(k));
    standard
        .iter()
        .chain(extra)
        .map(|key| {
            let (met, missed) = counts.get(key).copied().unwrap_or_default();
            let bound = Bound {
                percent: Percent::from_basis_points(key.3).ok_or_else(|| bad_stored("percent"))?,
                within: key
                    .4
                    .parse::<PolicyDuration>()
                    .map_err(|_| bad_stored("within"))?,
            };
            let c = Compliance::from_counts(bound, met, missed);
            Ok(TargetLine {
                kind: key.0.clone(),
                priority: key.1.clone(),
                bound: key.2,
                percent_bp: key.3,
                within: key.4.clone(),
                counted: c.counted,
                met: c.met,
                missed: c.missed,
                share_bp: c.share_basis_points(),
                holds: c.holds,
                budget: c.budget,
            })
        })
        .collect()
}

/// The name of the all-customers section.
pub const ALL_CUSTOMERS: &str = "all customers";

impl Desk {
    /// The monthly report as `scope` may see it, computed now from the tickets.
    pub async fn report_for(
        &self,
        scope: &Scope,
        org: Option<OrgId>,
        month: Month,
    ) -> Result<MonthlyReport, DeskError> {
        let org = crate::access::visible_org(scope, org)?;
        let standard = self.policies.standard()?;
        let (from, to) = month
            .span(&standard.calendar)
            .map_err(|e| DeskError::invalid("month", e.to_string()))?;
        let orgs = match org {
            Some(o) => vec![self.store.get_org(scope, o).await?],
            None => self.store.list_orgs(scope).await?,
        };
        let counts = self.store.report_counts(scope, org, month.key()).await?;
        let missed = self.store.missed_targets(scope, org, from, to).await?;
        let bins = self.store.report_bins(scope, org, month.key()).await?;
        let open: Vec<(Option<Priority>, u32)> = missed
            .iter()
            .filter(|m| m.open && m.bound == 0 && m.kind == TicketKind::Incident)
            .map(|m| (m.priority, 1))
            .collect();
        let sections = sections(&standard.policy, &orgs, org.is_none(), &counts)?;
        let missed = missed
            .into_iter()
            .map(|m| {
                Ok(MissedLine {
                    ticket_id: m.ticket_id.0,
                    organization_id: m.org_id.0,
                    priority: m
                        .priority
                        .filter(|_| m.kind == TicketKind::Incident)
                        .map(|p| p.as_str().to_string()),
                    kind: m.kind.as_str().to_string(),
                    subject: m.subject,
                    bound: m.bound,
                    percent_bp: u32::try_from(m.percent_bp).map_err(|_| bad_stored("percent"))?,
                    within: m.within,
                    deadline: m.deadline.map(rfc3339),
                    decided_at: rfc3339(m.decided_at),
                    reason: m.reason,
                })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        let distribution = distribution(&standard, from, &bins, &open)?;
        let corrections = self.corrections(scope, org, month, &orgs).await?;
        let mut availability = Vec::new();
        for o in &orgs {
            availability.extend(self.customer_availability(scope, o.id, month).await?);
        }
        Ok(MonthlyReport {
            month: month.to_string(),
            from: rfc3339(from),
            to: rfc3339(to),
            organization_id: org.map(|o| o.0),
            sections,
            missed,
            distribution,
            corrections,
            availability,
            publication: None,
            compensation: None,
        })
    }
}

/// The sections of a report from its counts: one per customer in `orgs`, then (with `total`)
/// all of them together.
pub(crate) fn sections(
    policy: &sla::Policy,
    orgs: &[store::Organization],
    total: bool,
    counts: &[ReportCount],
) -> Result<Vec<ReportSection>, DeskError> {
    let keys = standard_keys(policy);
    let mut per_org: BTreeMap<OrgId, BTreeMap<LineKey, (u32, u32)>> = BTreeMap::new();
    let mut all: BTreeMap<LineKey, (u32, u32)> = BTreeMap::new();
    let as_u32 = |v: i64| u32::try_from(v).map_err(|_| bad_stored("count"));
    for c in counts {
        let key = line_key(c)?;
        let (met, missed) = (as_u32(c.met)?, as_u32(c.missed)?);
        let e = per_org
            .entry(c.org_id)
            .or_default()
            .entry(key.clone())
            .or_default();
        e.0 += met;
        e.1 += missed;
        let t = all.entry(key).or_default();
        t.0 += met;
        t.1 += missed;
    }
    let mut out = Vec::new();
    let none = BTreeMap::new();
    for o in orgs {
        out.push(ReportSection {
            organization_id: Some(o.id.0),
            customer: o.name.clone(),
            targets: section_lines(&keys, per_org.get(&o.id).unwrap_or(&none))?,
        });
    }
    if total {
        out.push(ReportSection {
            organization_id: None,
            customer: ALL_CUSTOMERS.into(),
            targets: section_lines(&keys, &all)?,
        });
    }
    Ok(out)
}

/// The distribution of resolution times per incident priority: the stored bins (twelfths of
/// each ticket's own 100% bound), labelled with the standard agreement's bounds as counted
/// from the month's start (exact for business durations; calendar spans vary a little).
fn distribution(
    standard: &crate::Compiled,
    month_start: Timestamp,
    bins: &[(Priority, i64, i64)],
    open: &[(Option<Priority>, u32)],
) -> Result<Vec<Distribution>, DeskError> {
    let start = month_start.as_second();
    let mut out = Vec::new();
    for &p in Priority::ALL {
        let bounds = &standard
            .policy
            .targets
            .for_ticket(TicketKind::Incident, p)
            .bounds;
        let budget = |i: usize| -> Result<i64, DeskError> {
            let b = bounds
                .get(i)
                .or(bounds.last())
                .ok_or_else(|| bad_stored("bounds"))?;
            standard
                .calendar
                .budget_second(start, &b.within)
                .map_err(|e| DeskError::Internal(e.into()))
        };
        let (b90, b100) = (budget(0)?, budget(1)?);
        let mut counts = vec![0u32; DISTRIBUTION_BINS as usize + 1];
        for (_, bin, n) in bins.iter().filter(|(q, _, _)| *q == p) {
            let i = usize::try_from((*bin).clamp(0, DISTRIBUTION_BINS)).unwrap_or_default();
            counts[i] += u32::try_from(*n).map_err(|_| bad_stored("count"))?;
        }
        out.push(Distribution {
            priority: p.as_str().to_string(),
            bound_90_seconds: b90,
            bound_100_seconds: b100,
            bin_seconds: (b100 + DISTRIBUTION_BINS - 1) / DISTRIBUTION_BINS,
            bins: counts,
            open: open
                .iter()
                .filter(|(q, _)| *q == Some(p))
                .map(|(_, n)| n)
                .sum(),
        });
    }
    Ok(out)
}

/// The header of the CSV export: one table, its first column naming what a row is (see
/// [`MonthlyReport::to_csv`]).
pub const CSV_HEADER: &str = "section,customer,kind,priority,percent,within,counted,met,missed,\
share_percent,holds,budget,date,state,follow_ups,progress,proposed,fee_eur,amount_eur,\
overrun_month,report_sha256,reason";

/// How many columns [`CSV_HEADER`] names.
pub const CSV_COLUMNS: usize = 22;

/// One CSV field: quoted when needed; text a spreadsheet would run as a formula is defused.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Basis points as a percent with two decimals (`9050` → `90.50`).
pub fn bp_percent(bp: u32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

/// A whole percentage as the CSV writes percentages (`5` → `5.00`).
fn whole_percent(p: i64) -> String {
    format!("{p}.00")
}

/// One CSV row from its cells by column name; the others stay empty.
fn csv_row(out: &mut String, cells: &[(&str, String)]) {
    let row: Vec<String> = CSV_HEADER
        .split(',')
        .map(|column| {
            cells
                .iter()
                .find(|(c, _)| *c == column)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect();
    out.push_str(&row.join(","));
    out.push('\n');
}

impl MonthlyReport {
    /// The report as CSV: a header, then one row per target per section (`target`); in a
    /// customer's report then its compensation: the escalation state at the end of the month
    /// (`escalation`), each meeting held in the month (`meeting`), each discount on the
    /// month's invoice and each reversal (`discount`, negative amounts) and the standing
    /// discount (`discount_total`).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push('\n');
        for s in &self.sections {
            for t in &s.targets {
                csv_row(
                    &mut out,
                    &[
                        ("section", "target".into()),
                        ("customer", csv_field(&s.customer)),
                        ("kind", t.kind.clone()),
                        ("priority", t.priority.clone().unwrap_or_default()),
                        ("percent", bp_percent(t.percent_bp)),
                        ("within", csv_field(&t.within)),
                        ("counted", t.counted.to_string()),
                        ("met", t.met.to_string()),
                        ("missed", t.missed.to_string()),
                        (
                            "share_percent",
                            t.share_bp.map(bp_percent).unwrap_or_default(),
                        ),
                        ("holds", t.holds.to_string()),
                        ("budget", t.budget.to_string()),
                    ],
                );
            }
        }
        if let Some(c) = &self.compensation {
            let customer = self
                .sections
                .iter()
                .find(|s| s.organization_id == Some(c.organization_id))
                .map(|s| csv_field(&s.customer))
                .unwrap_or_default();
            let st = &c.state;
            csv_row(
                &mut out,
                &[
                    ("section", "escalation".into()),
                    ("customer", customer.clone()),
                    ("kind", "escalation".into()),
                    (
                        "percent",
                        st.percent
                            .map(|p| whole_percent(p.into()))
                            .unwrap_or_default(),
                    ),
                    ("date", c.state_on.clone()),
                    ("state", st.state.as_str().into()),
                    ("follow_ups", st.follow_ups_without_progress.to_string()),
                    ("overrun_month", st.months.join(" ")),
                ],
            );
            for m in &c.meetings {
                let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
                csv_row(
                    &mut out,
                    &[
                        ("section", "meeting".into()),
                        ("customer", customer.clone()),
                        ("kind", m.kind.clone()),
                        ("date", m.held_on.clone()),
                        (
                            "state",
                            m.escalation_meeting
                                .map(|e| e.as_str().to_string())
                                .unwrap_or_default(),
                        ),
                        ("progress", flag(m.progress)),
                        ("proposed", flag(m.proposed)),
                    ],
                );
            }
            for l in &c.discounts {
                csv_row(
                    &mut out,
                    &[
                        ("section", "discount".into()),
                        ("customer", customer.clone()),
                        ("kind", l.kind.clone()),
                        ("percent", whole_percent(l.percent)),
                        ("fee_eur", crate::compensation::euros(l.fee_cents, '.')),
                        (
                            "amount_eur",
                            crate::compensation::euros(l.amount_cents, '.'),
                        ),
                        ("overrun_month", l.overrun_month.clone()),
                        ("report_sha256", l.report_sha256.clone().unwrap_or_default()),
                        ("reason", csv_field(l.reason.as_deref().unwrap_or(""))),
                    ],
                );
            }
            csv_row(
                &mut out,
                &[
                    ("section", "discount_total".into()),
                    ("customer", customer),
                    ("kind", "total".into()),
                    (
                        "amount_eur",
                        crate::compensation::euros(c.discount_cents, '.'),
                    ),
                ],
            );
        }
        out
    }
}

impl Desk {
    /// Records why a ticket missed its target: the vendor's staff only.
    pub async fn record_miss_reason(
        &self,
        caller: &Caller,
        ticket: TicketId,
        reason: &str,
    ) -> Result<String, DeskError> {
        if !caller.role().is_vendor() {
            // A customer may see the ticket, but not write the service desk's account of it.
            self.store.get_ticket(&caller.scope, ticket).await?;
            return Err(DeskError::Forbidden(
                "the service desk records why a target was missed".into(),
            ));
        }
        crate::limits::check("reason", reason, crate::limits::MISS_REASON)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::invalid("reason", "give a reason"));
        }
        let recorded = self
            .store
            .set_miss_reason(
                &caller.scope,
                ticket,
                reason,
                caller.person.id,
                self.now_ms(),
            )
            .await?;
        if !recorded {
            return Err(DeskError::invalid(
                "reason",
                "this ticket has not missed a target",
            ));
        }
        Ok(reason.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_csv_row_has_every_column() {
        assert_eq!(CSV_HEADER.split(',').count(), CSV_COLUMNS);
        let mut out = String::new();
        csv_row(&mut out, &[("section", "x".into()), ("reason", "y".into())]);
        assert_eq!(out, format!("x{}y\n", ",".repeat(CSV_COLUMNS - 1)));
        assert_eq!(whole_percent(5), "5.00");
    }
}
