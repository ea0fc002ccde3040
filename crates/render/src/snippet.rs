//! The embeddable HTML snippet of upcoming maintenance, for the product's own sign-in page.

use sla::words;
use store::{Maintenance, Millis};

use desk::i18n::Tr;
use desk::time::rfc3339;

/// HTML-escapes text for element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A self-contained HTML fragment listing upcoming maintenance, for the product's own login
/// page: semantic markup with `loket-maintenance*` classes to style, no script, no style, no
/// outside resources; times in Amsterdam time with machine-readable `datetime`.
pub fn snippet_html(list: &[Maintenance], cal: &sla::Calendar, t: Tr) -> String {
    let mut out = format!(
        "<section class=\"loket-maintenance\" lang=\"{}\" aria-label=\"{}\">\n<h2 class=\"loket-maintenance-title\">{}</h2>\n",
        t.code(),
        escape_html(t.get("status.maintenance_title")),
        escape_html(t.get("status.maintenance_title"))
    );
    if list.is_empty() {
        out.push_str(&format!(
            "<p class=\"loket-maintenance-none\">{}</p>\n",
            escape_html(t.get("status.no_maintenance"))
        ));
    } else {
        out.push_str("<ul class=\"loket-maintenance-list\">\n");
        for m in list {
            let when = |ms: Millis| {
                format!(
                    "<time datetime=\"{}\">{}</time>",
                    rfc3339(ms),
                    escape_html(&words::format_local(cal, ms.div_euclid(1000), t.0))
                )
            };
            out.push_str(&format!(
                "<li>{} – {}: {}</li>\n",
                when(m.starts_at),
                when(m.ends_at),
                escape_html(&m.description)
            ));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&format!(
        "<p class=\"loket-maintenance-note\">{}</p>\n</section>\n",
        escape_html(t.get("status.times_note"))
    ));
    out
}
