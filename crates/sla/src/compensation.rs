//! Compensation (SLA §6.2, SLA-RULES §7): overrun months, the escalation from a request for
//! an interim incident consultation to a discount, the discount ladder, amounts and the ledger.
//!
//! Everything here is a value: an [`Escalation`] changes only by its transitions, each of which
//! returns a new value or a [`CompensationError`] naming the rule that refused. Dates and months
//! are in the agreement calendar's local time (Europe/Amsterdam for the SLA).

mod escalation;
mod ledger;
mod overrun;

pub use escalation::{
    Act, Claim, CompensationError, Consulting, Discount, Discounting, EndReason, Ended, Escalation,
    FollowUp, FollowUpRecord, Request, Stage, next_working_day, plan_follow_up, proposal_month,
    proposed_progress, working_days_before,
};
pub use ledger::{
    DiscountEntry, LedgerEntry, LedgerError, LedgerSum, ReversalEntry, discount_cents, sum_ledger,
};
pub use overrun::{
    Judgement, MonthVerdict, MonthWithoutOverrun, failed_incident_targets, judge_month,
};
