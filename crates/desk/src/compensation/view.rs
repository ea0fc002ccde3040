//! What both sides see of an escalation (where it stands, its timeline, its discounts) and the
//! service manager's overview of every customer.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sla::compensation::{EndReason, Stage};
use store::{EscalationId, OrgId, Role, RunningHead, Scope};

use super::export::LedgerLine;
use super::{OVERVIEW_DAYS, Replay, local_date};
use crate::time::rfc3339;
use crate::{Caller, Desk, DeskError};

/// One step of an escalation's timeline: who, when and what (with why, where the step has
/// one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// The escalation.
    pub escalation_id: i64,
    /// Its place in the escalation, from 1.
    pub seq: i64,
    /// `request`, `consultation`, `follow_up`, `claim`, `month` or `ended`.
    pub step: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// Who recorded it (absent: the monthly processing).
    pub by: Option<i64>,
    /// Their name.
    pub by_name: Option<String>,
    /// The interim meeting a consultation or follow-up was recorded against (its page is
    /// `/meetings/{id}`).
    pub meeting_id: Option<i64>,
    /// What the step recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}

/// Where a customer's escalation stands, what happened, and the discounts it gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EscalationView {
    /// The customer.
    pub organization_id: i64,
    /// `idle`, `requested`, `consulting` or `discounting`.
    pub stage: String,
    /// The running escalation.
    pub escalation_id: Option<i64>,
    /// The overrun months the running escalation is about, `YYYY-MM`.
    pub months: Vec<String>,
    /// The planned date of the next follow-up.
    pub next_follow_up: Option<String>,
    /// Follow-ups held without progress so far.
    pub follow_ups_without_progress: u32,
    /// From when a discount may be claimed, once enough follow-ups found no progress.
    pub entitled_from: Option<String>,
    /// Whether a discount may be claimed today.
    pub may_claim: bool,
    /// The percentage of the latest discount, once claimed.
    pub percent: Option<u32>,
    /// How the latest ended escalation ended: `progress`, `month_without_overrun`, `closed`.
    pub last_ended: Option<String>,
    /// The last month the ended escalations dealt with: a new request is about a later one.
    pub settled_through: Option<String>,
    /// Every step of every escalation of the customer, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The customer's discounts and reversals, in the order they were booked.
    pub ledger: Vec<LedgerLine>,
    /// Between consultation and claim: the progress the system would propose at a follow-up
    /// held today, and the month it rests on.
    pub proposal: Option<Proposal>,
}

/// The system's proposal for a follow-up's progress decision (SLA-RULES §7): progress when the
/// latest complete month before the follow-up was not an overrun month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    /// The proposed decision.
    pub progress: bool,
    /// The month it rests on, `YYYY-MM`.
    pub month: String,
    /// Whether that month was an overrun month.
    pub month_overrun: bool,
}

/// One customer in the service manager's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewLine {
    /// The customer.
    pub organization_id: i64,
    /// Its name.
    pub customer: String,
    /// `idle`, `requested`, `consulting` or `discounting`.
    pub stage: String,
    /// The planned date of the next follow-up.
    pub next_follow_up: Option<String>,
    /// Whether that follow-up falls within the next five weeks (or is overdue).
    pub follow_up_due: bool,
    /// Whether the customer may claim a discount today and has not: a claim to handle.
    pub claim_open: bool,
    /// The claim of the running escalation, when made (RFC 3339).
    pub claimed_at: Option<String>,
    /// The percentage of the latest discount.
    pub percent: Option<u32>,
}

pub(crate) fn stage_word(s: &Stage) -> &'static str {
    match s {
        Stage::Idle => "idle",
        Stage::Requested(_) => "requested",
        Stage::Consulting(_) => "consulting",
        Stage::Discounting(_) => "discounting",
    }
}

/// Above this many escalations to replay, the overview reads all running ones' steps at once.
const STALE_ONE_BY_ONE: usize = 16;

impl Desk {
    /// The date today in Amsterdam.
    pub(crate) fn today(&self) -> Result<Date, DeskError> {
        local_date(&self.policies.standard()?.calendar, self.clock.now())
    }

    /// A customer's escalation as both sides see it: its stage, its timeline and its discounts.
    /// Another customer's is "not found".
    pub async fn escalation(
        &self,
        caller: &Caller,
        org: OrgId,
    ) -> Result<EscalationView, DeskError> {
        let r = self.replay(&caller.scope, org).await?;
        let policy = &r.agreement.policy.compensation;
        let esc = &r.esc;
        let today = self.today()?;
        let entitled = esc
            .entitled_from(policy)
            .map_err(|e| DeskError::internal(e.to_string()))?;
        let (months, follow_ups) = match esc.stage() {
            Stage::Idle => (Vec::new(), 0),
            Stage::Requested(q) => (q.months.clone(), 0),
            Stage::Consulting(c) => (c.request.months.clone(), c.follow_ups.len()),
            Stage::Discounting(d) => (d.request.months.clone(), d.follow_ups.len()),
        };
        let people = self.store.list_people(&Scope::System, None).await?;
        let name = |id: Option<store::PersonId>| {
            id.and_then(|id| people.iter().find(|p| p.id == id))
                .map(|p| p.name.clone())
        };
        let timeline = r
            .records
            .iter()
            .flat_map(|e| {
                e.steps.iter().map(|s| TimelineEntry {
                    escalation_id: e.id.0,
                    seq: s.seq,
                    step: s.kind.as_str().to_string(),
                    at: rfc3339(s.at),
                    by: s.actor_id.map(|p| p.0),
                    by_name: name(s.actor_id),
                    meeting_id: s.meeting_id.map(|m| m.0),
                    detail: s.detail.clone(),
                })
            })
            .collect();
        let ledger = self
            .store
            .ledger(&caller.scope, Some(org), None)
            .await?
            .iter()
            .flat_map(|d| super::export::lines_of(d, ""))
            .collect();
        let ended = esc.last_ended();
        let proposal = match esc.stage() {
            Stage::Consulting(_) => {
                let month = sla::compensation::proposal_month(today);
                let judged = self.judge(org, month).await?;
                Some(Proposal {
                    progress: !judged.overrun,
                    month: month.to_string(),
                    month_overrun: judged.overrun,
                })
            }
            _ => None,
        };
        Ok(EscalationView {
            organization_id: org.0,
            stage: stage_word(esc.stage()).into(),
            escalation_id: r.running.as_ref().map(|e| e.id.0),
            months: months.iter().map(ToString::to_string).collect(),
            next_follow_up: esc.next_follow_up().map(|d| d.to_string()),
            follow_ups_without_progress: u32::try_from(follow_ups).unwrap_or(u32::MAX),
            entitled_from: entitled.map(|d| d.to_string()),
            may_claim: entitled.is_some_and(|d| d <= today),
            percent: esc.percent(),
            last_ended: ended.map(|e| {
                match e.how {
                    EndReason::Progress { .. } => "progress",
                    EndReason::MonthWithoutOverrun { .. } => "month_without_overrun",
                    EndReason::Closed { .. } => "closed",
                }
                .to_string()
            }),
            settled_through: ended.map(|e| e.settled_through.to_string()),
            timeline,
            ledger,
            proposal,
        })
    }

    /// Every customer's escalation at a glance, for the vendor's service managers and
    /// administrators: the stage, follow-ups due within five weeks, and claims to handle.
    pub async fn overview(&self, caller: &Caller) -> Result<Vec<OverviewLine>, DeskError> {
        caller.require(
            &[Role::ServiceManager, Role::Admin],
            "the overview of escalations is for service managers and administrators",
        )?;
        let today = self.today()?;
        let horizon = today
            .checked_add(jiff::Span::new().days(OVERVIEW_DAYS))
            .map_err(|e| DeskError::internal(e.to_string()))?;
        // Three queries however many customers (the customers, the running escalations'
        // heads, the agreement versions); the steps only of escalations that changed since
        // they were last replayed: one query each, or one for all when many did.
        let orgs = self.store.list_orgs(&caller.scope).await?;
        let heads: HashMap<i64, RunningHead> = self
            .store
            .running_escalation_heads(&caller.scope)
            .await?
            .into_iter()
            .map(|h| (h.org_id.0, h))
            .collect();
        let mut versions: HashMap<i64, Vec<store::Agreement>> = HashMap::new();
        if !heads.is_empty() {
            for a in self.store.all_agreements(&caller.scope).await? {
                versions.entry(a.org_id.0).or_default().push(a);
            }
        }
        // The version in force when each escalation opened, as `agreement_for` picks it.
        let agreement_of = |h: &RunningHead| {
            versions
                .get(&h.org_id.0)
                .and_then(|v| v.iter().rev().find(|a| a.effective_from <= h.opened_at))
        };
        let mut ready: HashMap<EscalationId, Arc<Replay>> = HashMap::new();
        let mut stale: Vec<&RunningHead> = Vec::new();
        for h in heads.values() {
            match self.replays.get(h, agreement_of(h).map(|a| a.id)) {
                Some(r) => {
                    ready.insert(h.id, r);
                }
                None => stale.push(h),
            }
        }
        let mut steps: HashMap<EscalationId, Vec<store::EscalationStep>> = HashMap::new();
        if stale.len() > STALE_ONE_BY_ONE {
            for r in self.store.running_escalations(&caller.scope).await? {
                steps.insert(r.id, r.steps);
            }
        } else {
            for h in &stale {
                steps.insert(
                    h.id,
                    self.store.escalation_steps(&caller.scope, h.id).await?,
                );
            }
        }
        for h in stale {
            let a = agreement_of(h);
            let compiled = match a {
                Some(a) => self.policies.get(a)?,
                None => self.policies.standard()?,
            };
            let list = steps.remove(&h.id).unwrap_or_default();
            let r = self
                .replays
                .replay(h.id, &list, a.map(|a| a.id), &compiled)?;
            ready.insert(h.id, r);
        }
        let mut out = Vec::with_capacity(orgs.len());
        for o in orgs {
            let Some(h) = heads.get(&o.id.0) else {
                out.push(OverviewLine {
                    organization_id: o.id.0,
                    customer: o.name,
                    stage: "idle".into(),
                    next_follow_up: None,
                    follow_up_due: false,
                    claim_open: false,
                    claimed_at: None,
                    percent: None,
                });
                continue;
            };
            let a = agreement_of(h);
            let r = ready
                .get(&h.id)
                .ok_or_else(|| DeskError::internal("a running escalation was not replayed"))?;
            let compiled = match a {
                Some(a) => self.policies.get(a)?,
                None => self.policies.standard()?,
            };
            let next = r.esc.next_follow_up();
            let entitled = r
                .esc
                .entitled_from(&compiled.policy.compensation)
                .map_err(|e| DeskError::internal(e.to_string()))?;
            out.push(OverviewLine {
                organization_id: o.id.0,
                customer: o.name,
                stage: stage_word(r.esc.stage()).into(),
                next_follow_up: next.map(|d| d.to_string()),
                follow_up_due: next.is_some_and(|d| d <= horizon),
                claim_open: entitled.is_some_and(|d| d <= today),
                claimed_at: r.claimed_at.clone(),
                percent: r.esc.percent(),
            });
        }
        Ok(out)
    }
}
