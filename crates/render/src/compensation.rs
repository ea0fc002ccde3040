//! The compensation section of a customer's report in words (SLA §6.2): where the escalation
//! stood at the end of the month, the meetings held in it and the discount on the month's
//! invoice, for the report page and the printable report alike.

use desk::compensation::{CompensationSection, EscalationMeeting, EscalationState};
use desk::i18n::Tr;
use desk::meetings::kind_label;
use sla::{Month, words};

use super::report::month_label;
use super::words::money;

/// A meeting held in the month, in words.
pub struct MeetingRow {
    /// The day it was held: `vr 8 mei 2026`.
    pub date: String,
    /// Its kind, and its title when it has one.
    pub kind: String,
    /// Consultation or follow-up of the escalation; empty for another meeting.
    pub role: String,
    /// A follow-up's progress decision with loket's proposal; else empty.
    pub decision: String,
}

/// A discount on the month's invoice, or its reversal, in words.
pub struct DiscountRow {
    /// `korting` or `terugboeking`.
    pub kind: String,
    /// Whether it undoes a discount.
    pub reversal: bool,
    /// `5%`.
    pub percent: String,
    /// The monthly fee: `€ 1.234,50`.
    pub fee: String,
    /// The amount (negative for a reversal).
    pub amount: String,
    /// The overrun month it rests on: `maart 2026`.
    pub overrun: String,
    /// The hash of the published report showing that overrun; empty: live figures.
    pub report_sha256: String,
    /// Why it was reversed.
    pub reason: String,
}

/// The whole section in words.
pub struct CompensationView {
    /// The day the state is taken at.
    pub state_on: String,
    /// The state word (`none`, `requested`, …), for styling and tests.
    pub state: &'static str,
    /// The state in a sentence.
    pub state_words: String,
    /// The overrun months it is about, in words; empty with none.
    pub months: String,
    /// The meetings held in the month.
    pub meetings: Vec<MeetingRow>,
    /// The discounts on the month's invoice.
    pub discounts: Vec<DiscountRow>,
    /// The standing discount on the month's invoice.
    pub total: String,
}

/// A `YYYY-MM-DD` date in words (`vr 8 mei 2026`); the text itself when it is no date.
fn day_words(t: Tr, date: &str) -> String {
    match date.parse::<jiff::civil::Date>() {
        Ok(d) => words::format_day(
            sla::civil::days_from_civil(
                i64::from(d.year()),
                i64::from(d.month()),
                i64::from(d.day()),
            ),
            t.0,
        ),
        Err(_) => date.to_string(),
    }
}

/// A date or a month (`YYYY-MM`) in words.
fn day_or_month(t: Tr, s: &str) -> String {
    if s.parse::<Month>().is_ok() {
        month_label(t, s)
    } else {
        day_words(t, s)
    }
}

fn opt(t: Tr, s: Option<&String>) -> String {
    s.map(|d| day_words(t, d)).unwrap_or_default()
}

/// The state in a sentence.
fn state_words(t: Tr, c: &CompensationSection) -> String {
    let s = &c.state;
    let n = s.follow_ups_without_progress.to_string();
    match s.state {
        EscalationState::None => t.get("rc.state.none").to_string(),
        EscalationState::Requested => t.fill(
            "rc.state.requested",
            &[("date", &opt(t, s.requested_on.as_ref()))],
        ),
        EscalationState::ConsultationHeld => t.fill(
            "rc.state.consultation_held",
            &[
                ("date", &opt(t, s.consultation_on.as_ref())),
                ("next", &opt(t, s.next_follow_up.as_ref())),
            ],
        ),
        EscalationState::FollowUp => t.fill(
            "rc.state.follow_up",
            &[("n", &n), ("next", &opt(t, s.next_follow_up.as_ref()))],
        ),
        EscalationState::Entitled => t.fill(
            "rc.state.entitled",
            &[("date", &opt(t, s.entitled_from.as_ref())), ("n", &n)],
        ),
        EscalationState::Claimed => t.fill(
            "rc.state.claimed",
            &[
                ("date", &opt(t, s.claimed_on.as_ref())),
                ("percent", &s.percent.unwrap_or_default().to_string()),
                (
                    "invoice",
                    &month_label(t, s.percent_invoice_month.as_deref().unwrap_or_default()),
                ),
            ],
        ),
        EscalationState::Ended => {
            let how = s.ended_how.as_deref().unwrap_or_default();
            let how = match how {
                "progress" | "month_without_overrun" | "closed" => {
                    t.get(&format!("esc.how.{how}")).to_string()
                }
                other => other.to_string(),
            };
            t.fill(
                "rc.state.ended",
                &[
                    ("how", &how),
                    (
                        "on",
                        &day_or_month(t, s.ended_on.as_deref().unwrap_or_default()),
                    ),
                ],
            )
        }
    }
}

/// The section in words.
pub fn view(c: &CompensationSection, t: Tr) -> CompensationView {
    let yes_no = |b: bool| t.get(if b { "esc.yes" } else { "esc.no" });
    let meetings = c
        .meetings
        .iter()
        .map(|m| {
            let kind = m
                .kind
                .parse::<store::MeetingKind>()
                .map_or_else(|_| m.kind.clone(), |k| kind_label(k, t).to_string());
            MeetingRow {
                date: day_words(t, &m.held_on),
                kind: if m.title.is_empty() {
                    kind
                } else {
                    format!("{kind}: {}", m.title)
                },
                role: match m.escalation_meeting {
                    Some(EscalationMeeting::Consultation) => t.get("esc.step.consultation"),
                    Some(EscalationMeeting::FollowUp) => t.get("esc.step.follow_up"),
                    None => "",
                }
                .to_string(),
                decision: match (m.progress, m.proposed) {
                    (Some(p), proposed) => {
                        let mut s = format!("{}: {}", t.get("esc.progress"), yes_no(p));
                        if let Some(q) = proposed {
                            s.push_str(&format!(" ({}: {})", t.get("esc.proposed"), yes_no(q)));
                        }
                        s
                    }
                    (None, _) => String::new(),
                },
            }
        })
        .collect();
    let discounts = c
        .discounts
        .iter()
        .map(|l| {
            let reversal = l.kind == "reversal";
            DiscountRow {
                kind: t
                    .get(if reversal {
                        "esc.kind.reversal"
                    } else {
                        "esc.kind.discount"
                    })
                    .to_string(),
                reversal,
                percent: format!("{}%", l.percent),
                fee: money(t, l.fee_cents),
                amount: money(t, l.amount_cents),
                overrun: month_label(t, &l.overrun_month),
                report_sha256: l.report_sha256.clone().unwrap_or_default(),
                reason: l.reason.clone().unwrap_or_default(),
            }
        })
        .collect();
    CompensationView {
        state_on: day_words(t, &c.state_on),
        state: c.state.state.as_str(),
        state_words: state_words(t, c),
        months: c
            .state
            .months
            .iter()
            .map(|m| month_label(t, m))
            .collect::<Vec<_>>()
            .join(", "),
        meetings,
        discounts,
        total: money(t, c.discount_cents),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sla::Lang;

    #[test]
    fn dates_and_months_in_words() {
        assert_eq!(day_words(Tr(Lang::Nl), "2026-05-08"), "vr 8 mei 2026");
        assert_eq!(day_words(Tr(Lang::En), "2026-05-08"), "Fri 8 May 2026");
        assert_eq!(day_or_month(Tr(Lang::En), "2026-06"), "June 2026");
        assert_eq!(money(Tr(Lang::Nl), -6_172), "€ -61,72");
    }
}
