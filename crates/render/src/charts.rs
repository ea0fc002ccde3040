//! Charts of the report as SVG, drawn on the server: compliance per month against the target
//! lines, and the distribution of resolution times against the two bounds.

use std::fmt::Write;

use desk::report::Distribution;
use desk::report::dashboard::TrendPoint;

/// Labels a chart needs, in the reader's language.
#[derive(Debug, Clone, Copy)]
pub struct ChartWords<'a> {
    /// The chart's title (also its accessible name).
    pub title: &'a str,
    /// The percentile series, e.g. "within 4 hours (90%)".
    pub first: &'a str,
    /// The hard series, e.g. "within 6 hours (100%)".
    pub second: &'a str,
    /// What an empty month shows, e.g. "none".
    pub none: &'a str,
}

const W: i64 = 640;
const H: i64 = 240;
const LEFT: i64 = 44;
const RIGHT: i64 = 12;
const TOP: i64 = 28;
const BOTTOM: i64 = 40;
const FIRST: &str = "#2f6f9f";
const SECOND: &str = "#9fc3df";
const TARGET: &str = "#b3261e";
const GRID: &str = "#d9d9d9";
const INK: &str = "#1f1f1f";

/// Text safe inside SVG/HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open_svg(out: &mut String, id: &str, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {W} {H}\" \
         width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\
         <text x=\"{LEFT}\" y=\"16\" font-size=\"13\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        esc(title),
        esc(desc),
        esc(title)
    );
}

/// The y coordinate of a share in basis points on a 0–100% axis.
fn y_of(bp: u32) -> i64 {
    let plot = H - TOP - BOTTOM;
    H - BOTTOM - i64::from(bp.min(10_000)) * plot / 10_000
}

fn percent(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:01}%", bp / 100, (bp % 100) / 10)
    }
}

/// Compliance per month: for each month a bar for the percentile bound and one for the hard
/// bound, with the two target lines (`target_bp`, e.g. 90%, and 100%).
pub fn trend_svg(id: &str, points: &[TrendPoint], target_bp: u32, words: ChartWords) -> String {
    let mut desc = String::new();
    for p in points {
        let _ = write!(
            desc,
            "{}: {}; ",
            p.month,
            match (p.share_bp, p.hard_share_bp) {
                (Some(a), Some(b)) => format!("{} / {} ({})", percent(a), percent(b), p.counted),
                (Some(a), None) => format!("{} ({})", percent(a), p.counted),
                _ => words.none.to_string(),
            }
        );
    }
    let mut out = String::new();
    open_svg(&mut out, id, words.title, desc.trim_end_matches("; "));
    for bp in (0..=10_000).step_by(2_000) {
        let y = y_of(bp);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{GRID}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            W - RIGHT,
            LEFT - 4,
            y + 3,
            percent(bp)
        );
    }
    let n = points.len().max(1) as i64;
    let slot = (W - LEFT - RIGHT) / n;
    let bar = (slot * 2 / 5).max(2);
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + i as i64 * slot + (slot - 2 * bar) / 2;
        for (j, (share, colour)) in [(p.share_bp, FIRST), (p.hard_share_bp, SECOND)]
            .into_iter()
            .enumerate()
        {
            if let Some(bp) = share {
                let y = y_of(bp);
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{bar}\" height=\"{}\" fill=\"{colour}\"/>",
                    x + j as i64 * bar,
                    H - BOTTOM - y
                );
            }
        }
        if p.share_bp.is_none() {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                x + bar,
                H - BOTTOM - 4,
                esc(words.none)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            x + bar,
            H - BOTTOM + 14,
            esc(&p.month)
        );
    }
    for bp in [target_bp, 10_000] {
        let y = y_of(bp);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{TARGET}\" \
             stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
            W - RIGHT
        );
    }
    legend(&mut out, &[(FIRST, words.first), (SECOND, words.second)]);
    out.push_str("</svg>");
    out
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    let mut x = LEFT;
    let y = H - 12;
    for (colour, label) in items {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{y}\" font-size=\"10\" fill=\"{INK}\">{}</text>",
            y - 9,
            x + 14,
            esc(label)
        );
        x += 14 + 7 * label.chars().count() as i64 + 16;
    }
}

/// Business seconds as hours for an axis label (`1.5 h`, `85 h`).
fn hours(seconds: i64) -> String {
    let tenths = seconds * 10 / 3600;
    if tenths % 10 == 0 {
        format!("{} h", tenths / 10)
    } else {
        format!("{}.{} h", tenths / 10, tenths % 10)
    }
}

/// The distribution of resolution times: a bar per bin, the last for those beyond the 100%
/// bound, and the two bounds as vertical lines.
pub fn distribution_svg(id: &str, d: &Distribution, words: ChartWords, beyond: &str) -> String {
    let total: u32 = d.bins.iter().sum();
    let top = d.bins.iter().copied().max().unwrap_or(0).max(1);
    let mut desc = format!("{total}: ");
    for (i, n) in d.bins.iter().enumerate() {
        let from = i as i64 * d.bin_seconds;
        if i + 1 == d.bins.len() {
            let _ = write!(desc, "{beyond} {}: {n}", hours(d.bound_100_seconds));
        } else {
            let _ = write!(
                desc,
                "{}–{}: {n}; ",
                hours(from),
                hours(from + d.bin_seconds)
            );
        }
    }
    let mut out = String::new();
    open_svg(&mut out, id, words.title, &desc);
    let bins = d.bins.len().max(1) as i64;
    let slot = (W - LEFT - RIGHT) / bins;
    let plot = H - TOP - BOTTOM;
    for (i, &n) in d.bins.iter().enumerate() {
        let h = i64::from(n) * plot / i64::from(top);
        let x = LEFT + i as i64 * slot;
        let colour = if i + 1 == d.bins.len() { TARGET } else { FIRST };
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"{colour}\"/>",
            x + 1,
            H - BOTTOM - h,
            slot - 2
        );
        if n > 0 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"{INK}\">{n}</text>",
                x + slot / 2,
                H - BOTTOM - h - 3
            );
        }
    }
    // Axis labels at every other bin edge, and the bounds as lines where they fall.
    for i in (0..bins).step_by(2) {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            LEFT + i * slot,
            H - BOTTOM + 14,
            hours(i * d.bin_seconds)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{INK}\"/>",
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM
    );
    for (secs, label) in [
        (d.bound_90_seconds, words.first),
        (d.bound_100_seconds, words.second),
    ] {
        let x = LEFT + secs * slot / d.bin_seconds.max(1);
        let _ = write!(
            out,
            "<line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\" stroke=\"{TARGET}\" \
             stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{TARGET}\">{}</text>",
            H - BOTTOM,
            x + 3,
            TOP + 10,
            esc(label)
        );
    }
    legend(&mut out, &[(FIRST, words.first), (TARGET, beyond)]);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> ChartWords<'static> {
        ChartWords {
            title: "Urgent <P1>",
            first: "90% within 4 h",
            second: "100% within 6 h",
            none: "none",
        }
    }

    #[test]
    fn bars_stand_at_their_share_and_target_lines_at_the_targets() {
        let points = vec![
            TrendPoint {
                month: "2026-09".into(),
                share_bp: Some(10_000),
                hard_share_bp: Some(10_000),
                counted: 3,
            },
            TrendPoint {
                month: "2026-10".into(),
                share_bp: Some(5_000),
                hard_share_bp: Some(7_500),
                counted: 4,
            },
            TrendPoint {
                month: "2026-11".into(),
                share_bp: None,
                hard_share_bp: None,
                counted: 0,
            },
        ];
        let svg = trend_svg("t", &points, 9_000, words());
        // Plot: y 28 (100%) to 200 (0%); 50% is y 114, 75% y 71, 90% y 46 (heights round down).
        assert!(svg.contains("y=\"114\" width=\"") && svg.contains("height=\"86\""));
        assert!(svg.contains("y=\"71\""));
        assert!(svg.contains("<line x1=\"44\" y1=\"46\" x2=\"628\" y2=\"46\" stroke=\"#b3261e\""));
        assert!(svg.contains("<line x1=\"44\" y1=\"28\" x2=\"628\" y2=\"28\" stroke=\"#b3261e\""));
        assert!(svg.contains("Urgent &lt;P1&gt;"), "titles are escaped");
        assert!(svg.contains("2026-11: none"));
        assert_eq!(
            svg.matches("<rect").count(),
            1 + 4 + 2,
            "background, 4 bars, legend"
        );
    }

    #[test]
    fn the_last_bin_holds_those_beyond_the_hard_bound_and_bounds_are_lines() {
        let d = Distribution {
            priority: "urgent".into(),
            bound_90_seconds: 4 * 3600,
            bound_100_seconds: 6 * 3600,
            bin_seconds: 1800,
            bins: vec![4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2],
            open: 1,
        };
        let svg = distribution_svg("d", &d, words(), "beyond");
        // 13 bins over 584 px: slot 44; the 4-hour line at bin 8 → x 44 + 8 × 44 = 396.
        assert!(svg.contains("<line x1=\"396\" y1=\"28\" x2=\"396\""));
        assert!(svg.contains("<line x1=\"572\" y1=\"28\" x2=\"572\""));
        assert!(
            svg.contains("height=\"172\" fill=\"#2f6f9f\""),
            "the tallest bar fills the plot"
        );
        assert!(svg.contains("beyond 6 h: 2"));
        assert!(svg.contains("0 h–0.5 h: 4"));
    }
}
