//! The steps people take: the request, the consultation, the follow-ups and the claim. Each is
//! checked by the engine against the replayed escalation, then stored with its mails in one
//! transaction.

use serde::{Deserialize, Serialize};
use sla::Month;
use sla::compensation::{Act, FollowUpRecord, MonthVerdict, Stage, proposal_month};
use store::{Append, NewDiscount, NewStep, OrgId, PersonId, Role, StepKind};

use super::mail::Note;
use super::meeting::MeetingInput;
use super::{ClaimRecord, EndedRecord, FollowUpRecordData, Replayed, RequestRecord, refused};
use crate::{Caller, Desk, DeskError};

use super::meeting::text;

/// A request for a consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInput {
    /// The overrun months it is about.
    pub months: Vec<Month>,
    /// The customer administrator it is made for, when the service desk records it.
    pub on_behalf_of: Option<PersonId>,
}

/// A claim of a discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimInput {
    /// The customer administrator it is made for, when the service desk records it.
    pub on_behalf_of: Option<PersonId>,
}

/// A recorded follow-up: the escalation after it, and the proposal it was decided beside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpOutcome {
    /// What the system proposed.
    pub proposal: super::Proposal,
    /// The escalation after the follow-up.
    pub escalation: super::EscalationView,
}

/// Steps to store with what goes with them.
struct Batch {
    steps: Vec<NewStep>,
    ends: bool,
    discounts: Vec<NewDiscount>,
    notes: Vec<Note>,
}

impl Desk {
    /// Who acts for the customer: a customer administrator of `org` themselves, or the
    /// service desk naming the administrator it acts for. Viewers may not.
    async fn acting_admin(
        &self,
        caller: &Caller,
        org: OrgId,
        on_behalf_of: Option<PersonId>,
        what: &str,
    ) -> Result<(store::Person, Option<PersonId>), DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        match caller.role() {
            Role::CustomerAdmin => match on_behalf_of {
                Some(p) if p != caller.person.id => Err(DeskError::invalid(
                    "on_behalf_of",
                    "a customer administrator acts for themselves",
                )),
                _ => Ok((caller.person.clone(), None)),
            },
            Role::CustomerViewer => Err(DeskError::Forbidden(format!(
                "only a customer administrator may {what}"
            ))),
            _ => {
                let Some(p) = on_behalf_of else {
                    return Err(DeskError::invalid(
                        "on_behalf_of",
                        format!("name the customer administrator the service desk may {what} for"),
                    ));
                };
                let admin = self.customer_admin_of("on_behalf_of", org, p).await?;
                Ok((admin, Some(caller.person.id)))
            }
        }
    }

    /// Stores steps with their mails; a concurrent writer makes this a conflict.
    async fn store_steps(
        &self,
        caller: &Caller,
        org: OrgId,
        r: &Replayed,
        batch: Batch,
    ) -> Result<(), DeskError> {
        let mails = self.escalation_mails(org, &batch.notes).await?;
        let append = Append {
            org_id: org,
            escalation: r.running.as_ref().map(|e| e.id),
            after_seq: r.seq(),
            steps: batch.steps,
            ends: batch.ends,
            discounts: batch.discounts,
            mails,
        };
        self.store
            .append_escalation(&caller.scope, &append, self.now_ms())
            .await?;
        Ok(())
    }

    /// Requests an interim incident consultation about ended overrun months: a customer
    /// administrator for their own customer, or the service desk recording a request by phone.
    pub async fn request_consultation(
        &self,
        caller: &Caller,
        org: OrgId,
        input: RequestInput,
    ) -> Result<super::EscalationView, DeskError> {
        let (admin, recorded_by) = self
            .acting_admin(caller, org, input.on_behalf_of, "request a consultation")
            .await?;
        if input.months.is_empty() {
            return Err(DeskError::invalid("months", "name the overrun month(s)"));
        }
        let mut verdicts = Vec::new();
        for (i, m) in input.months.iter().enumerate() {
            let judged = self.judge(org, *m).await?;
            let field = format!("months[{i}]");
            if !judged.ended {
                return Err(DeskError::invalid(
                    field,
                    format!("{m} has not ended yet; a month is judged after it ends"),
                ));
            }
            if !judged.overrun {
                return Err(DeskError::invalid(
                    field,
                    format!("{m} is not an overrun month: every incident resolution target held"),
                ));
            }
            verdicts.push(MonthVerdict {
                month: *m,
                overrun: true,
            });
        }
        let r = self.replay(&caller.scope, org).await?;
        let act = Act {
            at: crate::time::stored(self.clock.now()),
            by: format!("person {}", admin.id),
            recorded_by: recorded_by.map(|p| format!("person {p}")),
        };
        let next = r
            .esc
            .request(act, &verdicts, &r.agreement.calendar)
            .map_err(|e| refused("months", e))?;
        let Stage::Requested(req) = next.stage() else {
            return Err(DeskError::internal("a request that did not request"));
        };
        let months: Vec<String> = req.months.iter().map(Month::to_string).collect();
        let record = RequestRecord {
            months: months.clone(),
            by: admin.id.0,
            by_name: admin.name.clone(),
            recorded_by: recorded_by.map(|p| p.0),
            channel: if recorded_by.is_some() {
                "phone"
            } else {
                "portal"
            }
            .into(),
        };
        let step = NewStep {
            kind: StepKind::Request,
            month_key: None,
            detail: serde_json::to_value(&record).map_err(DeskError::internal)?,
            meeting: None,
        };
        let note = Note::new("request", vec![("months", months.join(", "))]);
        // A new request opens a new escalation.
        let fresh = Replayed { running: None, ..r };
        self.store_steps(
            caller,
            org,
            &fresh,
            Batch {
                steps: vec![step],
                ends: false,
                discounts: vec![],
                notes: vec![note],
            },
        )
        .await?;
        self.escalation(caller, org).await
    }

    /// Records the consultation (the service desk): its meeting record, and plans the
    /// follow-up one month later on a working day.
    pub async fn record_consultation(
        &self,
        caller: &Caller,
        org: OrgId,
        input: MeetingInput,
    ) -> Result<super::EscalationView, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        caller.require_vendor()?;
        let r = self.replay(&caller.scope, org).await?;
        let (policy, cal) = (&r.agreement.policy.compensation, &r.agreement.calendar);
        let next = r
            .esc
            .consultation_held(input.held_on, policy, cal)
            .map_err(|e| refused("held_on", e))?;
        let Stage::Consulting(c) = next.stage() else {
            return Err(DeskError::internal("a consultation that did not consult"));
        };
        self.check_step_meeting(caller, org, &input).await?;
        let record = self
            .consultation_record(
                caller,
                org,
                &input,
                &c.request.months,
                Some(c.next_follow_up),
            )
            .await?;
        let note = Note::new(
            "consultation",
            vec![
                ("date", input.held_on.to_string()),
                ("next", c.next_follow_up.to_string()),
            ],
        );
        let meeting = self.step_meeting(org, &input, &record).await?;
        let step = NewStep {
            kind: StepKind::Consultation,
            month_key: None,
            detail: serde_json::to_value(&record).map_err(DeskError::internal)?,
            meeting: Some(meeting),
        };
        self.store_steps(
            caller,
            org,
            &r,
            Batch {
                steps: vec![step],
                ends: false,
                discounts: vec![],
                notes: vec![note],
            },
        )
        .await?;
        self.escalation(caller, org).await
    }

    /// Records a follow-up and its progress decision (the service desk), with the system's
    /// proposal beside it: progress ends the escalation, no progress plans the next one.
    pub async fn record_follow_up(
        &self,
        caller: &Caller,
        org: OrgId,
        input: MeetingInput,
        progress: bool,
        why: &str,
    ) -> Result<FollowUpOutcome, DeskError> {
        self.store.get_org(&caller.scope, org).await?;
        caller.require_vendor()?;
        let r = self.replay(&caller.scope, org).await?;
        let (policy, cal) = (&r.agreement.policy.compensation, &r.agreement.calendar);
        let month = proposal_month(input.held_on);
        let record = |why: &str| FollowUpRecord {
            held_on: input.held_on,
            progress,
            recorded_by: format!("person {}", caller.person.id),
            why: why.to_string(),
        };
        if !matches!(r.esc.stage(), Stage::Consulting(_)) {
            // Out of order: the engine refuses before it needs the month's verdict, so the
            // refusal does not depend on what the rest of the record says.
            let unjudged = MonthVerdict {
                month,
                overrun: false,
            };
            return Err(
                match r.esc.follow_up_held(record(why), unjudged, policy, cal) {
                    Err(e) => refused("held_on", e),
                    Ok(_) => DeskError::internal("a follow-up outside the consultation stage"),
                },
            );
        }
        let why = text("why", why)?;
        self.check_step_meeting(caller, org, &input).await?;
        let judged = self.judge(org, month).await?;
        let verdict = MonthVerdict {
            month,
            overrun: judged.overrun,
        };
        let next = r
            .esc
            .follow_up_held(record(&why), verdict, policy, cal)
            .map_err(|e| refused("held_on", e))?;
        let months = match r.esc.stage() {
            Stage::Consulting(c) => c.request.months.clone(),
            _ => Vec::new(),
        };
        let meeting = self
            .consultation_record(caller, org, &input, &months, next.next_follow_up())
            .await?;
        let step_meeting = self.step_meeting(org, &input, &meeting).await?;
        let proposed = sla::compensation::proposed_progress(verdict);
        let data = FollowUpRecordData {
            meeting,
            progress,
            why,
            recorded_by: caller.person.id.0,
            proposed,
            proposal_month: month.to_string(),
            proposal_month_overrun: verdict.overrun,
        };
        let word = |b: bool| {
            if b {
                "@mail.escalation.yes"
            } else {
                "@mail.escalation.no"
            }
        };
        let next_words = next
            .next_follow_up()
            .map(|d| d.to_string())
            .unwrap_or_default();
        let mut notes = vec![Note::new(
            "follow_up",
            vec![
                ("date", input.held_on.to_string()),
                ("progress", word(progress).into()),
                ("proposed", word(proposed).into()),
                ("next", next_words),
            ],
        )];
        let mut steps = vec![NewStep {
            kind: StepKind::FollowUp,
            month_key: None,
            detail: serde_json::to_value(&data).map_err(DeskError::internal)?,
            meeting: Some(step_meeting),
        }];
        if progress {
            steps.push(ended_step("progress", input.held_on.to_string())?);
            notes.push(Note::new(
                "ended",
                vec![("how", "@mail.escalation.how.progress".into())],
            ));
        }
        self.store_steps(
            caller,
            org,
            &r,
            Batch {
                steps,
                ends: progress,
                discounts: vec![],
                notes,
            },
        )
        .await?;
        Ok(FollowUpOutcome {
            proposal: super::Proposal {
                progress: proposed,
                month: month.to_string(),
                month_overrun: verdict.overrun,
            },
            escalation: self.escalation(caller, org).await?,
        })
    }

    /// Claims the discount once entitled: a customer administrator, or the service desk on
    /// their behalf. Books the first discount on the next month's invoice.
    pub async fn claim(
        &self,
        caller: &Caller,
        org: OrgId,
        input: ClaimInput,
    ) -> Result<super::EscalationView, DeskError> {
        let (admin, recorded_by) = self
            .acting_admin(caller, org, input.on_behalf_of, "claim a discount")
            .await?;
        let r = self.replay(&caller.scope, org).await?;
        let (policy, cal) = (&r.agreement.policy.compensation, &r.agreement.calendar);
        let act = Act {
            at: crate::time::stored(self.clock.now()),
            by: format!("person {}", admin.id),
            recorded_by: recorded_by.map(|p| format!("person {p}")),
        };
        let (_, discount) = r
            .esc
            .claim(act, policy, cal)
            .map_err(|e| refused("claim", e))?;
        let entry = self.discount_entry(org, &discount).await?;
        let record = ClaimRecord {
            by: admin.id.0,
            by_name: admin.name.clone(),
            recorded_by: recorded_by.map(|p| p.0),
            invoice_month: discount.invoice_month.to_string(),
            percent: discount.percent,
        };
        let note = Note::new(
            "claim",
            vec![
                ("percent", discount.percent.to_string()),
                ("invoice", discount.invoice_month.to_string()),
            ],
        );
        let step = NewStep {
            kind: StepKind::Claim,
            month_key: None,
            detail: serde_json::to_value(&record).map_err(DeskError::internal)?,
            meeting: None,
        };
        self.store_steps(
            caller,
            org,
            &r,
            Batch {
                steps: vec![step],
                ends: false,
                discounts: vec![entry],
                notes: vec![note],
            },
        )
        .await?;
        self.escalation(caller, org).await
    }
}

/// The step that ends an escalation.
pub(crate) fn ended_step(how: &str, on: String) -> Result<NewStep, DeskError> {
    let record = EndedRecord {
        how: how.to_string(),
        on,
    };
    Ok(NewStep {
        kind: StepKind::Ended,
        month_key: None,
        detail: serde_json::to_value(&record).map_err(DeskError::internal)?,
        meeting: None,
    })
}
