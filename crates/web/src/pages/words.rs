//! The SLA state of a ticket in words, as pages show it (`klok gestart ma 30 nov 09:00 ·
//! 90%-termijn ma 13:00 · nog 2 u 10 m`), catalog texts with placeholders, and the compiled
//! agreements of a page's tickets. The labels of stored words are `render::words`.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use sla::words::{self};
use sla::{Calendar, Lang, OutcomeKind, Percent, PolicyDuration, TicketKind};
use store::{AgreementId, Scope, TargetRow, Ticket};

use crate::AppState;
use crate::error::ApiError;
use desk::Compiled;
use desk::i18n::Tr;

/// A catalog text with `{name}` placeholders filled in.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

/// An instant in whole seconds (rounded down).
pub(crate) fn secs(at: Timestamp) -> i64 {
    at.as_second()
}

pub(crate) use desk::time::rfc3339;

/// The compiled agreements of the tickets on one page, each looked up once.
#[derive(Default)]
pub struct Agreements(HashMap<AgreementId, Arc<Compiled>>);

impl Agreements {
    /// The compiled agreement (policy and calendar) a ticket is measured under.
    pub async fn of(&mut self, app: &AppState, id: AgreementId) -> Result<Arc<Compiled>, ApiError> {
        if let Some(c) = self.0.get(&id) {
            return Ok(c.clone());
        }
        let a = app.store.get_agreement(&Scope::System, id).await?;
        let c = app.policies.get(&a)?;
        self.0.insert(id, c.clone());
        Ok(c)
    }
}

// ----- the SLA state in words ---------------------------------------------------------------

/// Where a ticket's SLA stands, in words, with a style class that only repeats the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaState {
    /// E.g. `klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m`.
    pub words: String,
    /// `state-missed`, `state-risk`, `state-met` or empty.
    pub class: &'static str,
}

/// Basis points as a percentage in words.
pub(crate) fn percent(bp: i64) -> String {
    u32::try_from(bp)
        .ok()
        .and_then(Percent::from_basis_points)
        .map_or_else(|| format!("{bp}bp"), |p| p.to_string())
}

/// Whether a target's deadline has passed as of `now` (a stored `running` whose deadline lies
/// behind us is missed: the refresher may not have caught up yet).
pub(crate) fn passed(r: &TargetRow, now_s: i64) -> bool {
    r.outcome == OutcomeKind::Missed
        || (r.outcome == OutcomeKind::Running && r.deadline.is_some_and(|d| secs(d) <= now_s))
}

/// A deadline near the clock start: only weekday and time on the clock start's day.
pub(crate) fn deadline_words(
    calendar: &Calendar,
    deadline_s: i64,
    start_s: i64,
    now_s: i64,
    lang: Lang,
) -> String {
    if words::same_local_day(calendar, deadline_s, start_s) {
        words::format_local_weekday_time(calendar, deadline_s, lang)
    } else {
        words::format_local_short(calendar, deadline_s, now_s, lang)
    }
}

/// Business seconds left before a running target's deadline, exactly as of `now`.
pub(crate) fn business_left(r: &TargetRow, calendar: &Calendar, now_s: i64) -> i64 {
    match r.deadline {
        Some(d) => calendar
            .elapsed_seconds(now_s, secs(d))
            .unwrap_or(r.budget - r.business_used),
        // Paused: nothing has run since the last event.
        None => r.budget - r.business_used,
    }
}

/// The SLA state of a ticket in plain words, as of `now`: when its clock started, each passed
/// deadline, and the first running bound's deadline with the business time left, e.g.
/// `klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m`; once every target
/// is met, `opgelost binnen de termijn`.
pub fn sla_words(t: Tr, ticket: &Ticket, calendar: &Calendar, now: Timestamp) -> String {
    sla_state(t, ticket, calendar, now).words
}

/// [`sla_words`] with a style class (missed, at risk: under a quarter of the time left, met).
pub fn sla_state(t: Tr, ticket: &Ticket, calendar: &Calendar, now: Timestamp) -> SlaState {
    let lang = t.0;
    let now_s = now.as_second();
    let start_s = secs(ticket.clocks.clock_start);
    let targets = &ticket.clocks.targets;
    if targets.is_empty() {
        return SlaState {
            words: t.get("sla.no_targets").to_string(),
            class: "",
        };
    }
    if targets.iter().all(|r| r.outcome == OutcomeKind::Met) {
        let key = if ticket.kind == TicketKind::Incident {
            "sla.met_resolution"
        } else {
            "sla.met_response"
        };
        return SlaState {
            words: t.get(key).to_string(),
            class: "state-met",
        };
    }
    let at = words::format_local_short(calendar, start_s, now_s, lang);
    let clock = if start_s <= now_s {
        fill(t.get("sla.clock_started"), &[("at", &at)])
    } else {
        fill(t.get("sla.clock_starts"), &[("at", &at)])
    };
    let mut parts = vec![clock];
    if ticket.clocks.paused {
        parts.push(t.get("sla.paused").to_string());
    }
    let mut class = "";
    let mut running_shown = false;
    for r in targets {
        let p = percent(r.percent_bp);
        if passed(r, now_s) {
            let at = r
                .deadline
                .map(|d| deadline_words(calendar, secs(d), start_s, now_s, lang))
                .unwrap_or_default();
            parts.push(fill(t.get("sla.target_passed"), &[("p", &p), ("at", &at)]));
            class = "state-missed";
        } else if r.outcome == OutcomeKind::Met {
            parts.push(fill(t.get("sla.target_met"), &[("p", &p)]));
        } else if !running_shown {
            running_shown = true;
            let left = business_left(r, calendar, now_s);
            match r.deadline {
                Some(d) => {
                    let at = deadline_words(calendar, secs(d), start_s, now_s, lang);
                    parts.push(fill(t.get("sla.target"), &[("p", &p), ("at", &at)]));
                }
                None => parts.push(fill(t.get("sla.target_paused"), &[("p", &p)])),
            }
            let left_words = words::hours_minutes(left, lang);
            parts.push(fill(t.get("sla.left"), &[("d", &left_words)]));
            if class.is_empty() && left.saturating_mul(4) < r.budget {
                class = "state-risk";
            }
        }
    }
    SlaState {
        words: parts.join(" · "),
        class,
    }
}

/// The SLA states of a page of tickets, as of now (each agreement looked up once).
pub async fn sla_states(
    app: &AppState,
    t: Tr,
    tickets: &[Ticket],
) -> Result<Vec<SlaState>, ApiError> {
    let now = app.clock.now();
    let mut agreements = Agreements::default();
    let mut out = Vec::with_capacity(tickets.len());
    for ticket in tickets {
        let c = agreements.of(app, ticket.agreement_id).await?;
        out.push(sla_state(t, ticket, &c.calendar, now));
    }
    Ok(out)
}

/// `90% binnen 4 uur` for a stored bound.
pub(crate) fn bound_label(t: Tr, r: &TargetRow) -> String {
    let within = r
        .within
        .parse::<PolicyDuration>()
        .map_or_else(|_| r.within.clone(), |d| d.describe(t.0));
    fill(
        t.get("ticket.bound"),
        &[("p", &percent(r.percent_bp)), ("d", &within)],
    )
}

/// A file size in words: bytes, KB or MB (1024-based), with the language's decimal mark.
pub(crate) fn size_words(bytes: i64, lang: sla::Lang) -> String {
    let (value, unit) = if bytes < 1024 {
        return format!("{bytes} B");
    } else if bytes < 1024 * 1024 {
        (bytes as f64 / 1024.0, "KB")
    } else {
        (bytes as f64 / (1024.0 * 1024.0), "MB")
    };
    let text = format!("{value:.1}");
    let text = if lang == Lang::Nl {
        text.replace('.', ",")
    } else {
        text
    };
    format!("{text} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    use desk::Policies;
    use desk::tickets::derive;
    use serde_json::json;
    use sla::Status;
    use store::{Derived, Event, EventType, OrgId, PersonId, TicketId};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A ticket filed at `filed` with the clocks stored then (as `file_ticket` stores them).
    fn filed(kind: &str, priority: Option<&str>, filed: &str, compiled: &Compiled) -> Ticket {
        let received = at(filed);
        let history = [Event {
            id: 1,
            ticket_id: TicketId(1),
            at: received,
            actor_id: None,
            kind: EventType::Created,
            data: json!({ "kind": kind, "priority": priority }),
            recorded_at: received,
        }];
        let clocks: Derived = derive(&history, Status::New, compiled, at(filed)).unwrap();
        Ticket {
            id: TicketId(1),
            org_id: OrgId(1),
            agreement_id: AgreementId(1),
            kind: kind.parse().unwrap(),
            priority: priority.map(|p| p.parse().unwrap()),
            status: Status::New,
            channel: sla::Channel::Web,
            subject: "MEXTRA start niet".into(),
            reporter_id: PersonId(1),
            assignee_id: None,
            received_at: received,
            created_at: received,
            updated_at: received,
            clocks,
            event_count: 1,
        }
    }

    #[test]
    fn friday_evening_urgent_ticket_in_words() {
        let compiled = Policies::default().standard().unwrap();
        let cal = &compiled.calendar;
        let nl = Tr(Lang::Nl);
        let en = Tr(Lang::En);
        let ticket = filed(
            "incident",
            Some("urgent"),
            "2026-11-27T18:15:00+01:00",
            &compiled,
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-28T11:00:00+01:00")),
            "klok start ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 4 u 0 m"
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-30T09:00:00+01:00")),
            "klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 4 u 0 m"
        );
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-30T10:50:00+01:00")),
            "klok gestart ma 30 nov 09:00 · 90%-termijn ma 13:00 · nog 2 u 10 m"
        );
        assert_eq!(
            sla_words(en, &ticket, cal, at("2026-11-30T10:50:00+01:00")),
            "clock started Mon 30 Nov 09:00 · 90% target Mon 13:00 · 2 h 10 m left"
        );
        // Past 13:00 the stored clocks still say running; the words know better.
        let late = sla_state(nl, &ticket, cal, at("2026-11-30T14:00:00+01:00"));
        assert_eq!(
            late.words,
            "klok gestart ma 30 nov 09:00 · 90%-termijn verstreken ma 13:00 · 100%-termijn ma 15:00 · nog 1 u 0 m"
        );
        assert_eq!(late.class, "state-missed");
        let risky = sla_state(nl, &ticket, cal, at("2026-11-30T12:30:00+01:00"));
        assert_eq!(risky.class, "state-risk");
    }

    #[test]
    fn met_and_other_kinds_in_words() {
        let compiled = Policies::default().standard().unwrap();
        let cal = &compiled.calendar;
        let nl = Tr(Lang::Nl);
        let mut ticket = filed("question", None, "2026-11-23T10:00:00+01:00", &compiled);
        assert_eq!(
            sla_words(nl, &ticket, cal, at("2026-11-23T10:00:00+01:00")),
            "klok gestart ma 23 nov 10:00 · 90%-termijn do 26 nov 10:00 · nog 25 u 30 m"
        );
        for r in &mut ticket.clocks.targets {
            r.outcome = OutcomeKind::Met;
        }
        let met = sla_state(nl, &ticket, cal, at("2026-11-24T10:00:00+01:00"));
        assert_eq!(met.words, "beantwoord binnen de termijn");
        assert_eq!(met.class, "state-met");
        assert_eq!(
            sla_words(Tr(Lang::En), &ticket, cal, at("2027-01-04T10:00:00+01:00")),
            "answered within the target"
        );
    }
}
