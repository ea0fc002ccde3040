//! The assessment of an RFC (SLA-SEMANTICS §8): the service desk's substantive answer to a
//! change request, with the decision, the design it refers to, the impact on functionality and
//! on security and privacy, the cost and the planned release.
//!
//! An assessment is a public answer of the service desk: it is stored as a public response on
//! the ticket (the same event a public reply is, with the assessment in its data), so it stops
//! the RFC's response clock exactly as a reply does, and it is mailed, in the same
//! transaction, to the reporter and the customer's administrators, each in their language.
//! Only vendor staff assess, only RFCs, and not a closed ticket; the latest assessment counts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sla::{Lang, Status, TicketKind};
use store::{Event, EventType, NewEvent, Role, Scope, Ticket, TicketId, TicketUpdate};

use crate::i18n::Tr;
use crate::notify::{self, AssessmentWords, Notice, Reader};
use crate::tickets::derive;
use crate::time::stored;
use crate::{Caller, Desk, DeskError, limits};

/// The most hours an estimate may name.
pub const MAX_ESTIMATE_HOURS: u32 = 100_000;

/// The largest amount, in euro cents (a billion euros).
pub const MAX_AMOUNT_CENTS: i64 = 100_000_000_000;

/// What the service desk decided about an RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Decision {
    /// It will be implemented.
    WillDo,
    /// It will not be implemented.
    WontDo,
    /// It needs a separate quote first.
    NeedsQuote,
}

impl Decision {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::WillDo => "will_do",
            Decision::WontDo => "wont_do",
            Decision::NeedsQuote => "needs_quote",
        }
    }

    /// The decision from its word.
    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::WillDo, Decision::WontDo, Decision::NeedsQuote]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// What an RFC costs the customer beyond the agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Cost {
    /// No extra cost.
    None,
    /// Charged on subsequent calculation (nacalculatie), with an estimate.
    SubsequentCalculation,
    /// A separate quote with an amount.
    Quote,
}

impl Cost {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Cost::None => "none",
            Cost::SubsequentCalculation => "subsequent_calculation",
            Cost::Quote => "quote",
        }
    }

    /// The cost from its word.
    pub fn parse(s: &str) -> Option<Cost> {
        [Cost::None, Cost::SubsequentCalculation, Cost::Quote]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// An assessment as recorded: what the service desk answers to an RFC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentInput {
    /// The decision.
    pub decision: Decision,
    /// The functional and technical design it refers to (a reference or URL).
    pub design: String,
    /// The impact on functionality.
    pub impact_functionality: String,
    /// The impact on security and privacy.
    pub impact_security: String,
    /// The cost.
    pub cost: Cost,
    /// On subsequent calculation: the estimate in hours (this, `estimate_cents` or both).
    pub estimate_hours: Option<u32>,
    /// On subsequent calculation: the estimate in euro cents (this, `estimate_hours` or both).
    pub estimate_cents: Option<i64>,
    /// A quote: its amount in euro cents.
    pub amount_cents: Option<i64>,
    /// The release it is planned for (free text).
    pub planned_release: String,
}

/// An assessment on a ticket, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The event it was recorded as.
    pub event_id: i64,
    /// When.
    pub at: Timestamp,
    /// Who assessed it.
    pub by: Option<store::PersonId>,
    /// What it says.
    pub input: AssessmentInput,
}

/// An amount in euro cents in words: `1234,50` (nl) or `1234.50` (en).
pub fn euros(cents: i64, lang: Lang) -> String {
    let sep = if lang == Lang::En { '.' } else { ',' };
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}{sep}{:02}", c / 100, c % 100)
}

impl AssessmentInput {
    /// The assessment with only the figures its cost has: an estimate (hours, euros or both)
    /// on subsequent calculation, an amount with a quote, none otherwise; others are dropped.
    pub fn normalized(mut self) -> AssessmentInput {
        match self.cost {
            Cost::None => {
                self.estimate_hours = None;
                self.estimate_cents = None;
                self.amount_cents = None;
            }
            Cost::SubsequentCalculation => self.amount_cents = None,
            Cost::Quote => {
                self.estimate_hours = None;
                self.estimate_cents = None;
            }
        }
        self
    }

    /// Checks the rules an assessment keeps; the error names the field.
    pub fn check(&self) -> Result<(), DeskError> {
        limits::check("design", &self.design, limits::ASSESSMENT_DESIGN)?;
        limits::check(
            "impact_functionality",
            &self.impact_functionality,
            limits::ASSESSMENT_TEXT,
        )?;
        limits::check(
            "impact_security",
            &self.impact_security,
            limits::ASSESSMENT_TEXT,
        )?;
        limits::check(
            "planned_release",
            &self.planned_release,
            limits::ASSESSMENT_RELEASE,
        )?;
        if self.impact_functionality.trim().is_empty() {
            return Err(DeskError::invalid(
                "impact_functionality",
                "an assessment names the impact on functionality",
            ));
        }
        if self.impact_security.trim().is_empty() {
            return Err(DeskError::invalid(
                "impact_security",
                "an assessment names the impact on security and privacy",
            ));
        }
        // Every figure given is in range, whether the cost uses it or not.
        let cents_ok = |c: i64| (1..=MAX_AMOUNT_CENTS).contains(&c);
        if self
            .estimate_hours
            .is_some_and(|h| !(1..=MAX_ESTIMATE_HOURS).contains(&h))
        {
            return Err(DeskError::invalid(
                "estimate_hours",
                format!("an estimate of 1 to {MAX_ESTIMATE_HOURS} hours"),
            ));
        }
        if self.estimate_cents.is_some_and(|c| !cents_ok(c)) {
            return Err(DeskError::invalid(
                "estimate_cents",
                format!("an estimate of 1 to {MAX_AMOUNT_CENTS} euro cents"),
            ));
        }
        if self.amount_cents.is_some_and(|c| !cents_ok(c)) {
            return Err(DeskError::invalid(
                "amount_cents",
                format!("an amount of 1 to {MAX_AMOUNT_CENTS} euro cents"),
            ));
        }
        match self.cost {
            Cost::SubsequentCalculation
                if self.estimate_hours.is_none() && self.estimate_cents.is_none() =>
            {
                Err(DeskError::invalid(
                    "estimate_hours",
                    "subsequent calculation needs an estimate in hours or in euros",
                ))
            }
            Cost::Quote if self.amount_cents.is_none() => Err(DeskError::invalid(
                "amount_cents",
                "a quote has an amount in euro cents",
            )),
            _ => Ok(()),
        }
    }

    /// The assessment in words, one line per part, in `t`'s language.
    pub fn words(&self, t: Tr) -> String {
        let none = t.get("assessment.none");
        let or_none = |s: &str| {
            if s.trim().is_empty() {
                none.to_string()
            } else {
                s.trim().to_string()
            }
        };
        let line = |key: &str, value: &str| format!("{}: {value}", t.get(key));
        [
            line(
                "assessment.decision",
                t.get(&format!("assessment.decision.{}", self.decision.as_str())),
            ),
            line("assessment.design", &or_none(&self.design)),
            line(
                "assessment.impact_functionality",
                self.impact_functionality.trim(),
            ),
            line("assessment.impact_security", self.impact_security.trim()),
            line("assessment.cost", &self.cost_words(t)),
            line(
                "assessment.planned_release",
                &or_none(&self.planned_release),
            ),
        ]
        .join("\n")
    }

    /// The cost in words: its kind and the estimate or amount.
    pub fn cost_words(&self, t: Tr) -> String {
        let kind = t.get(&format!("assessment.cost.{}", self.cost.as_str()));
        let mut detail = Vec::new();
        if let Some(h) = self.estimate_hours {
            detail.push(t.fill(
                "assessment.cost.estimate_hours",
                &[("hours", &h.to_string())],
            ));
        }
        if let Some(c) = self.estimate_cents {
            detail.push(t.fill(
                "assessment.cost.estimate_euros",
                &[("euros", &euros(c, t.0))],
            ));
        }
        if let Some(c) = self.amount_cents {
            detail.push(t.fill("assessment.cost.amount", &[("euros", &euros(c, t.0))]));
        }
        if detail.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} ({})", detail.join(", "))
        }
    }

    /// The stored form (in the event's data).
    fn to_json(&self) -> serde_json::Value {
        json!({
            "decision": self.decision.as_str(),
            "design": self.design.trim(),
            "impact_functionality": self.impact_functionality.trim(),
            "impact_security": self.impact_security.trim(),
            "cost": self.cost.as_str(),
            "estimate_hours": self.estimate_hours,
            "estimate_cents": self.estimate_cents,
            "amount_cents": self.amount_cents,
            "planned_release": self.planned_release.trim(),
        })
    }

    /// The assessment in an event's data, if it holds one.
    pub fn from_event(data: &serde_json::Value) -> Option<AssessmentInput> {
        let a = data.get("assessment")?;
        let text = |k: &str| {
            a.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        Some(AssessmentInput {
            decision: Decision::parse(&text("decision"))?,
            design: text("design"),
            impact_functionality: text("impact_functionality"),
            impact_security: text("impact_security"),
            cost: Cost::parse(&text("cost"))?,
            estimate_hours: a
                .get("estimate_hours")
                .and_then(|v| v.as_u64())
                .and_then(|h| u32::try_from(h).ok()),
            estimate_cents: a.get("estimate_cents").and_then(|v| v.as_i64()),
            amount_cents: a.get("amount_cents").and_then(|v| v.as_i64()),
            planned_release: text("planned_release"),
        })
    }
}

/// The assessment among a ticket's events: the latest.
fn latest(ticket: TicketId, events: &[Event]) -> Option<Assessment> {
    events
        .iter()
        .rev()
        .filter(|e| e.kind == EventType::Commented)
        .find_map(|e| {
            AssessmentInput::from_event(&e.data).map(|input| Assessment {
                ticket_id: ticket,
                event_id: e.id,
                at: e.at,
                by: e.actor_id,
                input,
            })
        })
}

impl Desk {
    /// Records the service desk's assessment of an RFC: a public response (it stops the RFC's
    /// response clock as a reply does), mailed to the reporter and the customer's
    /// administrators in the same transaction.
    pub async fn assess(
        &self,
        caller: &Caller,
        id: TicketId,
        input: AssessmentInput,
    ) -> Result<(Ticket, Assessment), DeskError> {
        let ticket = self.store.get_ticket(&caller.scope, id).await?;
        if !caller.role().is_vendor() {
            return Err(DeskError::Forbidden(
                "the service desk assesses RFCs; customers read the assessment".into(),
            ));
        }
        if ticket.kind != TicketKind::Rfc {
            return Err(DeskError::Conflict {
                field: "kind",
                message: format!(
                    "only an RFC is assessed; this ticket is a {}",
                    ticket.kind.as_str()
                ),
            });
        }
        if ticket.status == Status::Closed {
            return Err(DeskError::Conflict {
                field: "status",
                message: "the ticket is closed; an assessment goes on an open RFC".into(),
            });
        }
        input.check()?;
        let input = input.normalized();
        let now = stored(self.clock.now());
        let reporter = self
            .store
            .get_person(&Scope::System, ticket.reporter_id)
            .await?;
        let words = AssessmentWords {
            nl: input.words(Tr(Lang::Nl)),
            en: input.words(Tr(Lang::En)),
        };
        let body = if Tr::for_code(&reporter.lang).0 == Lang::En {
            words.en.clone()
        } else {
            words.nl.clone()
        };
        let event = NewEvent {
            at: now,
            actor_id: Some(caller.person.id),
            kind: EventType::Commented,
            data: json!({
                "body": body,
                "internal": false,
                "response": true,
                "assessment": input.to_json(),
            }),
        };
        let notice = Notice::Assessment { body: words };
        let assignee = match ticket.assignee_id {
            Some(a) => Some(self.store.get_person(&Scope::System, a).await?),
            None => None,
        };
        let mut readers =
            notify::readers(&notice, caller.person.id, &reporter, assignee.as_ref(), &[]);
        let admins = self
            .store
            .list_people(&Scope::System, Some(ticket.org_id))
            .await?;
        for p in admins
            .iter()
            .filter(|p| p.active && p.role == Role::CustomerAdmin && p.id != caller.person.id)
        {
            if !readers
                .iter()
                .any(|r| r.email.eq_ignore_ascii_case(&p.email))
            {
                readers.push(Reader::of(p));
            }
        }
        let agreement = self
            .store
            .get_agreement(&Scope::System, ticket.agreement_id)
            .await?;
        let compiled = self.policies.get(&agreement)?;
        let seen = ticket.status;
        let compute = |current: &Ticket, history: &[Event]| {
            if current.status != seen {
                return Err(DeskError::Conflict {
                    field: "status",
                    message:
                        "the ticket changed while you were assessing it; reload it and try again"
                            .into(),
                });
            }
            let next = if current.status == Status::New {
                Status::Open
            } else {
                current.status
            };
            Ok::<_, DeskError>(TicketUpdate {
                status: next,
                priority: current.priority,
                assignee_id: current.assignee_id,
                clocks: derive(history, next, &compiled, now)?,
            })
        };
        let links = &self.links;
        let calendar = &compiled.calendar;
        let mails = notify::mailer(links, &notice, &readers, calendar, now);
        let (updated, _) = self
            .store
            .record_event_mailing(&caller.scope, id, &event, None, now, compute, mails)
            .await?;
        let events = self.store.ticket_events(&caller.scope, id).await?;
        let assessment = latest(id, &events)
            .ok_or_else(|| DeskError::internal("the assessment was not stored"))?;
        Ok((updated, assessment))
    }

    /// The latest assessment of a ticket the caller may see; 404 when it has none.
    pub async fn assessment(&self, caller: &Caller, id: TicketId) -> Result<Assessment, DeskError> {
        let events = self.store.ticket_events(&caller.scope, id).await?;
        latest(id, &events).ok_or(DeskError::NotFound("assessment"))
    }
}
