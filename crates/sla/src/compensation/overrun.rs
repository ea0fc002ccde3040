//! Overrun months: a month in which an incident resolution target did not hold.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};
use crate::compliance::{Compliance, Month, TargetKey};
use crate::ticket::TicketKind;

/// What a complete month without overrun does to a running discount (a policy switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthWithoutOverrun {
    /// It ends the escalation: no further discount; a later overrun needs a new request.
    #[default]
    Ends,
    /// It keeps the percentage for the next invoice; the escalation goes on.
    Holds,
}

impl MonthWithoutOverrun {
    /// The machine word used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            MonthWithoutOverrun::Ends => "ends",
            MonthWithoutOverrun::Holds => "holds",
        }
    }
}

/// A month that has ended, and whether it was an overrun month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthVerdict {
    /// The month judged.
    pub month: Month,
    /// Whether at least one incident resolution target did not hold in it.
    pub overrun: bool,
}

/// How a month stands for compensation at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// The month has not ended yet, so it is neither an overrun month nor free of overrun.
    NotYetJudged {
        /// When the month ends and can be judged.
        ends_at: Timestamp,
    },
    /// The month has ended.
    Judged {
        /// The verdict.
        verdict: MonthVerdict,
        /// The incident targets that did not hold (empty when there was no overrun).
        failed: Vec<TargetKey>,
    },
}

impl Judgement {
    /// The verdict, once the month has ended.
    pub fn verdict(&self) -> Option<MonthVerdict> {
        match self {
            Judgement::NotYetJudged { .. } => None,
            Judgement::Judged { verdict, .. } => Some(*verdict),
        }
    }
}

/// The incident targets (any priority, any bound) that did not hold; questions and RFCs never count.
pub fn failed_incident_targets(results: &[(TargetKey, Compliance)]) -> Vec<TargetKey> {
    results
        .iter()
        .filter(|(key, c)| key.kind == TicketKind::Incident && !c.holds)
        .map(|(key, _)| *key)
        .collect()
}

/// Judges one customer's month from its target results (as [`crate::compliance::monthly`]
/// gives them, or as a published report states them) at the instant `now`.
pub fn judge_month(
    cal: &Calendar,
    month: Month,
    results: &[(TargetKey, Compliance)],
    now: Timestamp,
) -> Result<Judgement, CalendarError> {
    let (_, ends_at) = month.span(cal)?;
    if now < ends_at {
        return Ok(Judgement::NotYetJudged { ends_at });
    }
    let failed = failed_incident_targets(results);
    Ok(Judgement::Judged {
        verdict: MonthVerdict {
            month,
            overrun: !failed.is_empty(),
        },
        failed,
    })
}
