//! The monthly processing of claimed discounts (each complete month raises, holds or ends the
//! discount), the ledger entry of a discount, and reversals.

use serde::{Deserialize, Serialize};
use sla::Month;
use sla::compensation::{Discount, DiscountEntry, MonthVerdict, Stage};
use store::{Append, DiscountId, NewDiscount, NewStep, OrgId, Scope, StepKind, StoreError};

use super::mail::Note;
use super::steps::ended_step;
use super::{MAX_TEXT, MonthRecord};
use crate::{Caller, Desk, DeskError};

/// What one run of the monthly processing did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonthlyRun {
    /// Customers whose escalation took a month step, with the months decided.
    pub processed: Vec<(i64, Vec<String>)>,
    /// Customers that could not be processed, and why (e.g. no monthly fee in the agreement).
    pub failed: Vec<(i64, String)>,
}

impl Desk {
    /// The ledger entry of a discount: the fee of the agreement version in force for the
    /// invoice month, the amount rounded half to even (by the engine), and the hash of the
    /// published report that shows the overrun month it rests on.
    pub(crate) async fn discount_entry(
        &self,
        org: OrgId,
        discount: &Discount,
    ) -> Result<NewDiscount, DeskError> {
        let cal = &self.policies.standard()?.calendar;
        let (start, _) = discount
            .invoice_month
            .span(cal)
            .map_err(|e| DeskError::invalid("invoice_month", e.to_string()))?;
        let agreement = self.agreement_for(org, start).await?;
        let Some(fee) = agreement.policy.compensation.monthly_fee_cents else {
            return Err(DeskError::Conflict {
                field: "monthly_fee_cents",
                message: format!(
                    "the agreement in force for {} states no monthly fee (compensation.monthly_fee_cents); add an agreement version that does",
                    discount.invoice_month
                ),
            });
        };
        let entry = DiscountEntry::new(0, discount, fee, None)
            .ok_or_else(|| DeskError::internal("a discount above 100%"))?;
        let sha = self.judge(org, discount.rests_on).await?.report_sha256;
        let cents = |v: u64| i64::try_from(v).map_err(|_| DeskError::internal("fee out of range"));
        Ok(NewDiscount {
            invoice_month: entry.invoice_month.to_string(),
            percent: i64::from(entry.percent),
            fee_cents: cents(entry.fee_cents)?,
            amount_cents: cents(entry.amount_cents)?,
            overrun_month: entry.overrun_month.to_string(),
            report_sha256: sha,
        })
    }

    /// Processes every customer's claimed discount (the system, or a service manager or
    /// administrator by hand): each complete month since the last one processed is judged and
    /// raises the discount for the invoice after it, holds it, or ends the escalation, as the
    /// agreement says. Safe to run again and from several instances: a month is decided once.
    pub async fn month_ended(&self, caller: Option<&Caller>) -> Result<MonthlyRun, DeskError> {
        if let Some(c) = caller {
            c.require(
                &[store::Role::ServiceManager, store::Role::Admin],
                "only a service manager or administrator runs the monthly processing",
            )?;
        }
        let latest = self.store.latest_escalations(&Scope::System).await?;
        let mut run = MonthlyRun::default();
        for e in latest.iter().filter(|e| e.ended_at.is_none()) {
            match self.process_customer(e.org_id).await {
                Ok(months) if months.is_empty() => {}
                Ok(months) => run.processed.push((e.org_id.0, months)),
                // Another instance got there first.
                Err(DeskError::Conflict {
                    field: "escalation",
                    ..
                }) => {}
                Err(e2) => {
                    tracing::warn!(org = %e.org_id, error = %e2, "compensation month not processed");
                    run.failed.push((e.org_id.0, e2.to_string()));
                }
            }
        }
        Ok(run)
    }

    /// The complete months of one customer's claimed discount not yet processed.
    async fn process_customer(&self, org: OrgId) -> Result<Vec<String>, DeskError> {
        let r = self.replay(&Scope::System, org).await?;
        let policy = &r.agreement.policy.compensation;
        let mut esc = r.esc.clone();
        let (mut steps, mut discounts, mut notes, mut months) = (vec![], vec![], vec![], vec![]);
        let mut ends = false;
        while let Stage::Discounting(d) = esc.stage() {
            let month: Month = d.next_month;
            let judged = self.judge(org, month).await?;
            if !judged.ended {
                break;
            }
            let verdict = MonthVerdict {
                month,
                overrun: judged.overrun,
            };
            let (next, discount) = esc
                .month_ended(verdict, policy)
                .map_err(|e| super::refused("month", e))?;
            let record = MonthRecord {
                month: month.to_string(),
                overrun: judged.overrun,
                report_sha256: judged.report_sha256.clone(),
                percent: discount.map(|d| d.percent),
            };
            steps.push(NewStep {
                kind: StepKind::Month,
                month_key: Some(month.key()),
                detail: serde_json::to_value(&record).map_err(DeskError::internal)?,
                meeting: None,
            });
            months.push(month.to_string());
            if let Some(d) = discount {
                discounts.push(self.discount_entry(org, &d).await?);
                notes.push(Note::new(
                    "month",
                    vec![
                        ("month", month.to_string()),
                        ("percent", d.percent.to_string()),
                        ("invoice", d.invoice_month.to_string()),
                    ],
                ));
            }
            if matches!(next.stage(), Stage::Idle) {
                steps.push(ended_step("month_without_overrun", month.to_string())?);
                notes.push(Note::new(
                    "ended",
                    vec![("how", "@mail.escalation.how.month_without_overrun".into())],
                ));
                ends = true;
            }
            esc = next;
        }
        if steps.is_empty() {
            return Ok(months);
        }
        let mails = self.escalation_mails(org, &notes).await?;
        let append = Append {
            org_id: org,
            escalation: r.running.as_ref().map(|e| e.id),
            after_seq: r.seq(),
            steps,
            ends,
            discounts,
            mails,
        };
        self.store
            .append_escalation(&Scope::System, &append, self.now_ms())
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => DeskError::Conflict {
                    field: "escalation",
                    message: "processed meanwhile".into(),
                },
                other => other.into(),
            })?;
        Ok(months)
    }

    /// Undoes a discount entry with a reason (the service desk): a reversal entry, never an
    /// edit.
    pub async fn reverse_discount(
        &self,
        caller: &Caller,
        id: DiscountId,
        reason: &str,
    ) -> Result<store::Reversal, DeskError> {
        let entry = self.store.get_discount(&caller.scope, id).await?;
        caller.require_vendor()?;
        crate::limits::check("reason", reason, MAX_TEXT)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::invalid("reason", "a reversal needs a reason"));
        }
        let note = Note::new(
            "reversal",
            vec![
                ("percent", entry.percent.to_string()),
                ("invoice", entry.invoice_month.clone()),
                ("reason", reason.to_string()),
            ],
        );
        let mails = self.escalation_mails(entry.org_id, &[note]).await?;
        Ok(self
            .store
            .reverse_discount(&caller.scope, id, reason, &mails, self.now_ms())
            .await?)
    }
}
