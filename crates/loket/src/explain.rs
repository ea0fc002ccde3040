//! `loket sla explain`: a readable timeline of one ticket's clock start and deadlines.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, anyhow};
use desk::i18n::Tr;
use sla::words::{self, ClockStartReason};
use sla::{Calendar, Lang, Measure, Policy, PolicyDuration, Priority, TicketKind};

use crate::{Failure, policy, write_stdout};

/// Most skipped closing days named in the clock-start line.
const SKIPPED_LIMIT: usize = 5;

/// What to explain.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// When the ticket was received, RFC 3339.
    pub opened: &'a str,
    /// The ticket's kind.
    pub kind: TicketKind,
    /// The incident priority.
    pub priority: Option<Priority>,
    /// The language of the text.
    pub lang: Lang,
    /// A customer policy file.
    pub policy: Option<&'a Path>,
}

/// Runs the command and prints the timeline.
pub fn command(request: &Request<'_>) -> Result<(), Failure> {
    let priority = match (request.kind, request.priority) {
        (TicketKind::Incident, Some(p)) => p,
        (TicketKind::Incident, None) => {
            return Err(anyhow!("an incident needs --priority urgent|high|normal|low").into());
        }
        (kind, Some(_)) => {
            return Err(anyhow!(
                "--priority applies to incidents only; a {} has no priority",
                kind.as_str()
            )
            .into());
        }
        // Other kinds ignore the priority; any value selects their single target set.
        (_, None) => Priority::Normal,
    };
    let opened = sla::rfc3339::parse(request.opened.trim()).context("--opened")?;
    let (policy, calendar) = policy::load(request.policy)?;
    let text = timeline(
        &policy,
        &calendar,
        opened,
        request.kind,
        priority,
        request.lang,
    )?;
    write_stdout(&text)
}

/// The timeline text: title, receipt, clock start, and one line per bound.
pub fn timeline(
    policy: &Policy,
    calendar: &Calendar,
    opened: i64,
    kind: TicketKind,
    priority: Priority,
    lang: Lang,
) -> anyhow::Result<String> {
    let reason = words::clock_start_reason(calendar, opened).map_err(out_of_range)?;
    let start = calendar.clock_start_second(opened).map_err(out_of_range)?;
    let set = policy.targets.for_ticket(kind, priority);

    let t = Tr(lang);
    let mut title = capitalize(kind.label(lang));
    if kind == TicketKind::Incident {
        let word = t.get("cli.priority");
        let _ = write!(title, ", {word} {}", priority.label(lang));
    }
    let _ = write!(title, " — {}", policy.name);

    let start_note = if reason == ClockStartReason::Open {
        t.get("cli.at_once").to_string()
    } else {
        let mut note = t.get("cli.next_opening").to_string();
        let skipped = words::closures_between(calendar, opened, start, SKIPPED_LIMIT + 1)
            .map_err(out_of_range)?;
        if !skipped.is_empty() {
            let shown: Vec<String> = skipped
                .iter()
                .take(SKIPPED_LIMIT)
                .map(|(day, why)| {
                    format!("{}, {}", words::format_day(*day, lang), why.detail(lang))
                })
                .collect();
            let more = if skipped.len() > SKIPPED_LIMIT {
                ", …"
            } else {
                ""
            };
            let word = t.get("cli.skipped");
            let _ = write!(note, "; {word}: {}{more}", shown.join("; "));
        }
        note
    };

    let (received_label, start_label, until_label) = (
        t.get("cli.received"),
        t.get("cli.clock_starts"),
        t.get("cli.runs_until"),
    );
    let until = match set.measured_until {
        Measure::Resolution => t.get("cli.until.resolution"),
        Measure::FirstResponse => t.get("cli.until.first_response"),
    };

    let mut rows: Vec<(String, String, String, String)> = Vec::with_capacity(set.bounds.len());
    for bound in &set.bounds {
        let label = t.fill("cli.bound", &[("percent", &bound.percent.to_string())]);
        let due = calendar
            .due_second(start, &bound.within)
            .map_err(out_of_range)?;
        let note = match bound.within {
            PolicyDuration::Business(_) => String::new(),
            _ => {
                let budget = calendar
                    .budget_second(start, &bound.within)
                    .map_err(out_of_range)?;
                let word = t.get("cli.business_time");
                format!("  ({} {word})", words::business_duration(budget, lang))
            }
        };
        rows.push((
            label,
            bound.within.describe(lang),
            words::format_local(calendar, due, lang),
            note,
        ));
    }

    let label_width = [received_label, start_label, until_label]
        .iter()
        .map(|l| l.chars().count())
        .chain(rows.iter().map(|r| r.0.chars().count()))
        .max()
        .unwrap_or(0)
        + 1;
    let label_width = label_width.max(13);
    let duration_width = rows
        .iter()
        .map(|r| r.1.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(16);

    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{received_label:<label_width$}{}  ({})",
        words::format_local(calendar, opened, lang),
        reason.describe(lang)
    );
    let _ = writeln!(
        out,
        "{start_label:<label_width$}{}  ({start_note})",
        words::format_local(calendar, start, lang)
    );
    for (label, duration, due, note) in &rows {
        let _ = writeln!(
            out,
            "{label:<label_width$}{duration:<duration_width$}{due}{note}"
        );
    }
    let _ = writeln!(out, "{until_label:<label_width$}{until}");
    Ok(out)
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A calendar failure (an instant outside the calendar's years) as a user error.
fn out_of_range(e: sla::CalendarError) -> anyhow::Error {
    anyhow::Error::new(e)
}
