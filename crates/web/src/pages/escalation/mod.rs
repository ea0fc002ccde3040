//! Pages: the escalation (SLA §6.2, SLA-RULES §7). The customer's page (`/portal/escalation`:
//! where they stand, the request and the claim), the service manager's overview
//! (`/desk/escalations`) and the vendor's page of one customer (`/desk/escalations/{org}`:
//! the request by phone, the consultation, the follow-ups, the claim on an administrator's
//! behalf, reversals and the ledger export). The forms call the same desk services as the
//! API; this module turns their answers into words.
//!
//! `customer` and `vendor` hold the handlers, `meeting` reads the meeting forms; here is what
//! both sides' pages show of an escalation.

mod customer;
mod meeting;
mod vendor;

use axum::Router;
use axum::routing::{get, post};
use desk::DeskError;
use desk::compensation::{EscalationView, TimelineEntry};
use desk::i18n::Tr;
use render::words::money;
use serde_json::Value;
use sla::{Lang, Month, words};
use store::OrgId;

use super::error::{PageError, api};
use crate::AppState;

/// Where an escalation stands, in words.
pub struct Standing {
    /// `idle`, `requested`, `consulting` or `discounting`.
    pub stage: String,
    /// The stage in words.
    pub stage_words: String,
    /// The overrun months it is about.
    pub months: String,
    /// The planned date of the next follow-up.
    pub next_follow_up: Option<String>,
    /// Follow-ups without progress so far.
    pub follow_ups: u32,
    /// From when a discount may be claimed.
    pub entitled_from: Option<String>,
    /// Whether a discount may be claimed today.
    pub may_claim: bool,
    /// The latest discount, `"5%"`.
    pub percent: Option<String>,
    /// How the previous escalation ended, and the last month it settled.
    pub last_ended: Option<String>,
    /// From when the discount may be claimed, in words, while it may not yet.
    pub claim_later: Option<String>,
}

/// One step of the timeline, in words.
pub struct StepRow {
    /// The step's name.
    pub step: String,
    /// When it was recorded, local time.
    pub when: String,
    /// Who recorded it.
    pub who: String,
    /// What it recorded, line by line.
    pub what: Vec<String>,
    /// The interim meeting it was recorded against (its page `/meetings/{id}`).
    pub meeting: Option<i64>,
}

/// One line of the ledger, in words.
pub struct LedgerRow {
    /// The discount entry.
    pub entry_id: i64,
    /// `korting` / `terugboeking`.
    pub kind: String,
    /// The invoice month, `YYYY-MM`.
    pub invoice: String,
    /// `5%`.
    pub percent: String,
    /// `€ 61,72`.
    pub amount: String,
    /// The overrun month it rests on.
    pub overrun: String,
    /// Why it was reversed.
    pub reason: String,
    /// When it was booked, local time.
    pub booked: String,
    /// A discount not reversed yet.
    pub reversible: bool,
}

/// What both sides' pages show of an escalation.
pub struct Shown {
    /// Where it stands.
    pub standing: Standing,
    /// Every step, oldest first.
    pub timeline: Vec<StepRow>,
    /// The discounts and reversals.
    pub ledger: Vec<LedgerRow>,
}

fn yes_no(t: Tr, b: bool) -> &'static str {
    t.get(if b { "esc.yes" } else { "esc.no" })
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn list(v: &Value, k: &str) -> Vec<Value> {
    v.get(k)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Amsterdam local time of an RFC 3339 instant.
fn local(app: &AppState, rfc: &str, lang: Lang) -> String {
    let cal = app.policies.standard().ok();
    match (rfc.parse::<jiff::Timestamp>(), cal) {
        (Ok(ts), Some(c)) => words::format_local(&c.calendar, ts.as_second(), lang),
        _ => rfc.to_string(),
    }
}

fn how_words(t: Tr, how: &str) -> String {
    match how {
        "progress" | "month_without_overrun" | "closed" => t.get(&format!("esc.how.{how}")).into(),
        other => other.to_string(),
    }
}

/// The lines of a meeting's record.
fn meeting_lines(t: Tr, m: &Value, out: &mut Vec<String>) {
    out.push(format!("{}: {}", t.get("esc.held_on"), s(m, "held_on")));
    let people: Vec<String> = list(m, "attendees")
        .iter()
        .map(|a| s(a, "name").to_string())
        .collect();
    out.push(format!("{}: {}", t.get("esc.attendees"), people.join(", ")));
    for i in list(m, "incidents") {
        let priority = match i.get("corrected_to").and_then(Value::as_str) {
            Some(p) => t.fill(
                "esc.priority_corrected",
                &[("p", priority_label(t, p).as_str())],
            ),
            None => t.get("esc.priority_right").to_string(),
        };
        let id = i
            .get("ticket_id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let reason = s(&i, "reason");
        out.push(format!(
            "{} #{id}: {}{}",
            t.get("esc.incidents"),
            if reason.is_empty() {
                String::new()
            } else {
                format!("{reason}; ")
            },
            priority
        ));
    }
    for a in list(m, "agreements") {
        out.push(format!(
            "{}: {} ({}, {})",
            t.get("esc.agreements"),
            s(&a, "description"),
            s(&a, "owner"),
            s(&a, "due_on")
        ));
    }
    if let Some(minutes) = m.get("minutes").and_then(Value::as_str) {
        out.push(format!("{}: {minutes}", t.get("esc.minutes")));
    }
    if let Some(next) = m.get("next_follow_up").and_then(Value::as_str) {
        out.push(format!("{}: {next}", t.get("esc.next_follow_up")));
    }
}

fn priority_label(t: Tr, p: &str) -> String {
    p.parse::<sla::Priority>()
        .map_or_else(|_| p.to_string(), |p| p.label(t.0).to_string())
}

/// One step in words.
fn step_row(app: &AppState, t: Tr, e: &TimelineEntry) -> StepRow {
    let d = &e.detail;
    let mut what = Vec::new();
    match e.step.as_str() {
        "request" => {
            let months: Vec<String> = list(d, "months")
                .iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect();
            what.push(format!("{}: {}", t.get("esc.months"), months.join(", ")));
            let channel = if s(d, "channel") == "phone" {
                "esc.via_phone"
            } else {
                "esc.via_portal"
            };
            what.push(format!("{} ({})", s(d, "by_name"), t.get(channel)));
        }
        "consultation" => meeting_lines(t, d, &mut what),
        "follow_up" => {
            let b = |k: &str| d.get(k).and_then(Value::as_bool).unwrap_or_default();
            what.push(format!(
                "{}: {} ({}: {}, {})",
                t.get("esc.progress"),
                yes_no(t, b("progress")),
                t.get("esc.proposed"),
                yes_no(t, b("proposed")),
                t.fill("esc.proposal_rests", &[("month", s(d, "proposal_month"))]),
            ));
            what.push(format!("{}: {}", t.get("esc.follow_up.why"), s(d, "why")));
            if let Some(m) = d.get("meeting") {
                meeting_lines(t, m, &mut what);
            }
        }
        "claim" => {
            let percent = d.get("percent").and_then(Value::as_u64).unwrap_or_default();
            what.push(format!(
                "{percent}% {}",
                t.fill("esc.on_invoice", &[("invoice", s(d, "invoice_month"))])
            ));
            what.push(s(d, "by_name").to_string());
        }
        "month" => {
            let overrun = d
                .get("overrun")
                .and_then(Value::as_bool)
                .unwrap_or_default();
            let mut line = format!(
                "{}: {}",
                s(d, "month"),
                t.get(if overrun {
                    "esc.overrun_yes"
                } else {
                    "esc.overrun_no"
                })
            );
            if let Some(p) = d.get("percent").and_then(Value::as_u64) {
                line.push_str(&format!(", {p}%"));
            }
            what.push(line);
        }
        "ended" => what.push(format!("{} ({})", how_words(t, s(d, "how")), s(d, "on"))),
        _ => {}
    }
    let step = match e.step.as_str() {
        k @ ("request" | "consultation" | "follow_up" | "claim" | "month" | "ended") => {
            t.get(&format!("esc.step.{k}")).to_string()
        }
        other => other.to_string(),
    };
    StepRow {
        step,
        when: local(app, &e.at, t.0),
        who: e
            .by_name
            .clone()
            .unwrap_or_else(|| t.get("esc.system").to_string()),
        what,
        meeting: e.meeting_id,
    }
}

/// An escalation in words.
pub fn shown(app: &AppState, t: Tr, v: &EscalationView) -> Shown {
    let stage = match v.stage.as_str() {
        k @ ("idle" | "requested" | "consulting" | "discounting") => {
            t.get(&format!("esc.stage.{k}")).to_string()
        }
        other => other.to_string(),
    };
    let reversed: Vec<i64> = v
        .ledger
        .iter()
        .filter(|l| l.kind == "reversal")
        .map(|l| l.entry_id)
        .collect();
    Shown {
        standing: Standing {
            stage: v.stage.clone(),
            stage_words: stage,
            months: v.months.join(", "),
            next_follow_up: v.next_follow_up.clone(),
            follow_ups: v.follow_ups_without_progress,
            entitled_from: v.entitled_from.clone(),
            may_claim: v.may_claim,
            percent: v.percent.map(|p| format!("{p}%")),
            claim_later: v
                .entitled_from
                .as_ref()
                .filter(|_| !v.may_claim)
                .map(|d| t.fill("esc.claim.later", &[("date", d.as_str())])),
            last_ended: v.last_ended.as_ref().map(|how| {
                let through = v.settled_through.clone().unwrap_or_default();
                format!("{}; {} {through}", how_words(t, how), t.get("esc.settled"))
            }),
        },
        timeline: v.timeline.iter().map(|e| step_row(app, t, e)).collect(),
        ledger: v
            .ledger
            .iter()
            .map(|l| LedgerRow {
                entry_id: l.entry_id,
                kind: t
                    .get(if l.kind == "reversal" {
                        "esc.kind.reversal"
                    } else {
                        "esc.kind.discount"
                    })
                    .to_string(),
                invoice: l.invoice_month.clone(),
                percent: format!("{}%", l.percent),
                amount: money(t, l.amount_cents),
                overrun: l.overrun_month.clone(),
                reason: l.reason.clone().unwrap_or_default(),
                booked: local(app, &l.booked_at, t.0),
                reversible: l.kind == "discount" && !reversed.contains(&l.entry_id),
            })
            .collect(),
    }
}

/// A month to choose in a request form.
pub struct MonthChoice {
    /// `YYYY-MM`.
    pub value: String,
    /// Whether it is ticked.
    pub checked: bool,
}

/// The ended overrun months of the last year a new request may be about (after the months
/// the ended escalations settled).
pub async fn requestable(
    app: &AppState,
    caller: &desk::Caller,
    org: OrgId,
    v: &EscalationView,
    ticked: &[String],
) -> Result<Vec<MonthChoice>, DeskError> {
    let standard = app.policies.standard()?;
    let last = Month::containing(&standard.calendar, app.clock.now().as_second()).prev();
    let mut first = last;
    for _ in 0..11 {
        first = first.prev();
    }
    let settled: Option<Month> = v.settled_through.as_deref().and_then(|m| m.parse().ok());
    Ok(app
        .overrun_months(caller, org, first, last)
        .await?
        .into_iter()
        .filter(|m| m.ended && m.overrun)
        .filter(|m| {
            settled.is_none_or(|s| m.month.parse::<Month>().is_ok_and(|mm| mm.key() > s.key()))
        })
        .map(|m| MonthChoice {
            checked: ticked.contains(&m.month),
            value: m.month,
        })
        .collect())
}

/// A refusal of a form's step, in the person's language, for the form to show; anything that
/// is not about the form (not found, not allowed, a fault) becomes the error page.
pub fn form_error(t: Tr, e: DeskError) -> Result<String, PageError> {
    if let DeskError::TooLong { field, max } = &e {
        return Ok(format!(
            "{} ({field})",
            crate::pages::form::too_long(t, *max)
        ));
    }
    let key = match &e {
        DeskError::Invalid { field, .. } => {
            let f = field.as_str();
            if f == "months" {
                "esc.error.months"
            } else if f.starts_with("months[") {
                "esc.error.month"
            } else if f == "on_behalf_of" {
                "esc.error.on_behalf"
            } else if f == "held_on" {
                "esc.error.held_on"
            } else if f.starts_with("attendees") {
                "esc.error.attendees"
            } else if f.starts_with("agreements") {
                "esc.error.agreement"
            } else if f.starts_with("incidents") {
                "esc.error.incident"
            } else if f == "why" {
                "esc.error.why"
            } else if f == "reason" {
                "esc.error.reason"
            } else if f == "claim" {
                "esc.error.claim"
            } else if f == "minutes" {
                "esc.error.text"
            } else {
                ""
            }
        }
        DeskError::Conflict { .. } => "esc.error.conflict",
        _ => return Err(api(t)(e)),
    };
    Ok(if key.is_empty() {
        match e {
            DeskError::Invalid { field, rule } => {
                format!("{} ({field}: {rule})", t.get("esc.error.other"))
            }
            _ => t.get("esc.error.other").to_string(),
        }
    } else {
        t.get(key).to_string()
    })
}

/// The notice after a redirect (`?notice=…`), in words.
pub fn notice(t: Tr, q: Option<&str>) -> Option<String> {
    let f = super::form::Fields::query(q);
    match f.text("notice") {
        k @ ("request" | "claim" | "consultation" | "follow_up" | "reversal") => {
            Some(t.get(&format!("esc.notice.{k}")).to_string())
        }
        _ => None,
    }
}

/// This part's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/escalation", get(customer::page))
        .route("/portal/escalation/request", post(customer::request))
        .route("/portal/escalation/claim", post(customer::claim))
        .route("/desk/escalations", get(vendor::overview))
        .route("/desk/escalations/{org}", get(vendor::page))
        .route("/desk/escalations/{org}/request", post(vendor::request))
        .route(
            "/desk/escalations/{org}/consultation",
            post(vendor::consultation),
        )
        .route(
            "/desk/escalations/{org}/follow-ups",
            post(vendor::follow_up),
        )
        .route("/desk/escalations/{org}/claim", post(vendor::claim))
        .route(
            "/desk/escalations/{org}/discounts/{id}/reversal",
            post(vendor::reversal),
        )
}
