//! The monthly report in words: the view the report page and the printable report share, its
//! charts, and the printable report (A4) as one HTML document.

use sla::{Month, PolicyDuration, words};

use super::charts::{ChartWords, distribution_svg, trend_svg};
use super::words::{kind_label, percent_words, priority_label};
use desk::i18n::Tr;
use desk::report::dashboard::TrendSeries;
use desk::report::{ALL_CUSTOMERS, MonthlyReport, TargetLine, bp_percent};

/// The print stylesheet, served at `/static/report.css` and inlined in files.
pub const PRINT_CSS: &str = include_str!("../static/report.css");

/// One target line, in words.
pub struct RowView {
    /// What is measured: "Incident, Urgent" or "Vraag".
    pub target: String,
    /// The bound: "90% binnen 4 uur".
    pub bound: String,
    /// Counted, met, missed.
    pub counted: u32,
    /// Met.
    pub met: u32,
    /// Missed.
    pub missed: u32,
    /// The share met, or a dash.
    pub share: String,
    /// Whether the bound holds.
    pub holds: bool,
    /// The budget left.
    pub budget: u32,
}

/// One section (customer or all) in words.
pub struct SectionView {
    /// The customer's name.
    pub customer: String,
    /// Its lines.
    pub rows: Vec<RowView>,
}

/// A missed target in words.
pub struct MissedView {
    /// The ticket id.
    pub ticket_id: i64,
    /// Its customer's name.
    pub customer: String,
    /// Its subject.
    pub subject: String,
    /// What it missed.
    pub target: String,
    /// When the miss was decided, local time.
    pub decided: String,
    /// The reason recorded, or empty.
    pub reason: String,
}

/// A correction in words.
pub struct CorrectionView {
    /// The month corrected.
    pub month: String,
    /// The customer.
    pub customer: String,
    /// The target.
    pub target: String,
    /// "12 / 1" as published.
    pub before: String,
    /// "11 / 2" now.
    pub after: String,
}

/// A chart with its caption.
pub struct ChartView {
    /// The caption.
    pub caption: String,
    /// The SVG markup.
    pub svg: String,
}

/// The whole report in words, for the screen and the printable version.
pub struct ReportView {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// "oktober 2026".
    pub month_label: String,
    /// The customer, or all customers.
    pub customer: String,
    /// The organization id, when one customer.
    pub organization: Option<i64>,
    /// Publication words: when and the hash; empty when live.
    pub published_at: String,
    /// SHA-256 of the published report.
    pub sha256: String,
    /// The sections.
    pub sections: Vec<SectionView>,
    /// The missed targets.
    pub missed: Vec<MissedView>,
    /// Corrections to earlier published months.
    pub corrections: Vec<CorrectionView>,
    /// Distribution charts, one per priority.
    pub distribution: Vec<ChartView>,
    /// Trend charts.
    pub trend: Vec<ChartView>,
    /// Availability per environment.
    pub availability: Vec<AvailabilityRow>,
    /// A customer's compensation in the month (live, beside the figures).
    pub compensation: Option<super::compensation::CompensationView>,
}

/// One environment's availability in the report.
pub struct AvailabilityRow {
    /// The customer.
    pub customer: String,
    /// The environment.
    pub environment: String,
    /// Availability, e.g. `99,873%`.
    pub percent: String,
    /// The target.
    pub target: String,
    /// Counted downtime in words.
    pub counted: String,
    /// Downtime allowed in words.
    pub allowed: String,
    /// Whether the target holds.
    pub holds: bool,
}

/// A month (`YYYY-MM`) in words: `oktober 2026`.
pub fn month_label(t: Tr, month: &str) -> String {
    let Ok(m) = month.parse::<Month>() else {
        return month.to_string();
    };
    format!("{} {}", t.get(&format!("month.{}", m.month)), m.year)
}

/// What a target measures in words: `Incident, Urgent` or `Vraag`.
pub fn target_words(t: Tr, kind: &str, priority: Option<&str>) -> String {
    match priority {
        Some(p) => format!("{}, {}", kind_label(t, kind), priority_label(t, p)),
        None => kind_label(t, kind),
    }
}

/// A bound in words: `90% binnen 4 uur`.
pub fn within_words(t: Tr, percent_bp: u32, within: &str) -> String {
    let w = within
        .parse::<PolicyDuration>()
        .map_or_else(|_| within.to_string(), |d| d.describe(t.0));
    format!(
        "{}% {} {w}",
        bp_percent(percent_bp).trim_end_matches(".00"),
        t.get("report.within")
    )
}

/// One target line in words.
pub fn row(t: Tr, l: &TargetLine) -> RowView {
    RowView {
        target: target_words(t, &l.kind, l.priority.as_deref()),
        bound: within_words(t, l.percent_bp, &l.within),
        counted: l.counted,
        met: l.met,
        missed: l.missed,
        share: l
            .share_bp
            .map_or_else(|| "–".into(), |bp| format!("{}%", bp_percent(bp))),
        holds: l.holds,
        budget: l.budget,
    }
}

/// A section's customer in words (all customers named in the reader's language).
pub fn customer_name(t: Tr, name: &str) -> String {
    if name == ALL_CUSTOMERS {
        t.get("report.all_customers").to_string()
    } else {
        name.to_string()
    }
}

/// Trend charts of the series, one per target pair.
pub fn trend_charts(t: Tr, series: &[TrendSeries]) -> Vec<ChartView> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let title = target_words(t, &s.kind, s.priority.as_deref());
            let first = within_words(t, s.percent_bp, &s.within);
            let second = within_words(t, 10_000, &s.hard_within);
            let svg = trend_svg(
                &format!("trend-{i}"),
                &s.points,
                s.percent_bp,
                ChartWords {
                    title: &title,
                    first: &first,
                    second: &second,
                    none: t.get("report.none"),
                },
            );
            ChartView {
                caption: format!("{title}: {}", t.get("report.trend_caption")),
                svg,
            }
        })
        .collect()
}

/// The report in words, with its charts (`trend` may be empty).
pub fn view(
    report: &MonthlyReport,
    t: Tr,
    trend: &[TrendSeries],
    calendar: &sla::Calendar,
) -> ReportView {
    let names: std::collections::HashMap<i64, &str> = report
        .sections
        .iter()
        .filter_map(|s| s.organization_id.map(|o| (o, s.customer.as_str())))
        .collect();
    let local = |rfc: &str| -> String {
        match rfc.parse::<jiff::Timestamp>() {
            Ok(ts) => words::format_local(calendar, ts.as_second(), t.0),
            Err(_) => rfc.to_string(),
        }
    };
    let customer = match report.organization_id {
        Some(o) => names.get(&o).copied().unwrap_or_default().to_string(),
        None => t.get("report.all_customers").to_string(),
    };
    let distribution = report
        .distribution
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let title = target_words(t, "incident", Some(&d.priority));
            let first = format!("90% {}", t.get("report.bound"));
            let second = format!("100% {}", t.get("report.bound"));
            let svg = distribution_svg(
                &format!("dist-{i}"),
                d,
                ChartWords {
                    title: &title,
                    first: &first,
                    second: &second,
                    none: t.get("report.none"),
                },
                t.get("report.beyond"),
            );
            let total: u32 = d.bins.iter().sum();
            ChartView {
                caption: format!(
                    "{title}: {} ({total} {}, {} {})",
                    t.get("report.distribution_caption"),
                    t.get("report.incidents"),
                    d.open,
                    t.get("report.still_open")
                ),
                svg,
            }
        })
        .collect();
    ReportView {
        month: report.month.clone(),
        month_label: month_label(t, &report.month),
        customer,
        organization: report.organization_id,
        published_at: report
            .publication
            .as_ref()
            .map(|p| local(&p.published_at))
            .unwrap_or_default(),
        sha256: report
            .publication
            .as_ref()
            .map(|p| p.sha256.clone())
            .unwrap_or_default(),
        sections: report
            .sections
            .iter()
            .map(|s| SectionView {
                customer: customer_name(t, &s.customer),
                rows: s.targets.iter().map(|l| row(t, l)).collect(),
            })
            .collect(),
        missed: report
            .missed
            .iter()
            .map(|m| MissedView {
                ticket_id: m.ticket_id,
                customer: names
                    .get(&m.organization_id)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                subject: m.subject.clone(),
                target: format!(
                    "{}: {}",
                    target_words(t, &m.kind, m.priority.as_deref()),
                    within_words(t, m.percent_bp, &m.within)
                ),
                decided: local(&m.decided_at),
                reason: m.reason.clone().unwrap_or_default(),
            })
            .collect(),
        corrections: report
            .corrections
            .iter()
            .map(|c| CorrectionView {
                month: month_label(t, &c.month),
                customer: customer_name(t, &c.customer),
                target: format!(
                    "{}: {}",
                    target_words(t, &c.kind, c.priority.as_deref()),
                    within_words(t, c.percent_bp, &c.within)
                ),
                before: format!("{} / {}", c.published_met, c.published_missed),
                after: format!("{} / {}", c.met, c.missed),
            })
            .collect(),
        distribution,
        trend: trend_charts(t, trend),
        availability: report
            .availability
            .iter()
            .map(|f| AvailabilityRow {
                customer: f.customer.clone(),
                environment: f.environment.clone(),
                percent: percent_words(f.availability_ppm, t),
                target: percent_words(f.target_ppm, t),
                counted: words::business_duration(f.counted_downtime_seconds, t.0),
                allowed: words::business_duration(f.allowed_downtime_seconds, t.0),
                holds: f.holds,
            })
            .collect(),
        compensation: report
            .compensation
            .as_ref()
            .map(|c| super::compensation::view(c, t)),
    }
}

#[derive(askama::Template)]
#[template(path = "report_print.html")]
struct PrintPage<'a> {
    t: Tr,
    r: &'a ReportView,
    css: &'a str,
}

/// The printable report with its trend charts as a standalone HTML document, times in the
/// calendar's zone: with `inline_css` the stylesheet is embedded (a file to keep or mail), else
/// linked (served, under the CSP).
pub fn printable(
    report: &MonthlyReport,
    t: Tr,
    trend: &[TrendSeries],
    calendar: &sla::Calendar,
    inline_css: bool,
) -> String {
    use askama::Template;
    let r = view(report, t, trend, calendar);
    let css = if inline_css {
        format!("<style>{PRINT_CSS}</style>")
    } else {
        "<link rel=\"stylesheet\" href=\"/static/report.css\">".to_string()
    };
    PrintPage {
        t,
        r: &r,
        css: &css,
    }
    .render()
    .unwrap_or_else(|e| format!("<!doctype html><p>{e}</p>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sla::Lang;

    #[test]
    fn months_are_named_in_both_languages() {
        assert_eq!(month_label(Tr(Lang::Nl), "2026-10"), "oktober 2026");
        assert_eq!(month_label(Tr(Lang::En), "2026-03"), "March 2026");
    }
}
