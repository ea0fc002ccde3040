//! Stored words in the reader's language: the labels of ticket kinds, priorities, statuses,
//! channels and excluded causes (the word itself when it is unknown), and availability
//! percentages. Pages and the printable report share them.

use sla::availability::ExcludedCause;
use sla::{Lang, Priority, Status, TicketKind};

use desk::i18n::Tr;

/// The word for a stored kind, priority or status in the viewer's language.
pub fn kind_label(t: Tr, kind: &str) -> String {
    kind.parse::<TicketKind>()
        .map_or_else(|_| kind.to_string(), |k| k.label(t.0).to_string())
}

/// The word for a stored priority.
pub fn priority_label(t: Tr, priority: &str) -> String {
    priority
        .parse::<Priority>()
        .map_or_else(|_| priority.to_string(), |p| p.label(t.0).to_string())
}

/// The word for a stored status.
pub fn status_label(t: Tr, status: &str) -> String {
    status
        .parse::<Status>()
        .map_or_else(|_| status.to_string(), |s| s.label(t.0).to_string())
}

/// The word for a stored channel (phone, mail, portal, API).
pub fn channel_label(t: Tr, channel: &str) -> String {
    channel
        .parse::<sla::Channel>()
        .map_or_else(|_| channel.to_string(), |c| c.label(t.0).to_string())
}

/// The label of a stored cause word in a language (the word itself if unknown).
pub fn cause_label(cause: &str, lang: Lang) -> String {
    cause
        .parse::<ExcludedCause>()
        .map_or_else(|_| cause.to_string(), |c| c.label(lang).to_string())
}

/// Parts per million as a Dutch or English percent with three decimals.
pub fn percent_words(ppm: u32, t: Tr) -> String {
    let s = desk::availability::ppm_percent(ppm);
    match t.0 {
        Lang::Nl => format!("{}%", s.replace('.', ",")),
        Lang::En => format!("{s}%"),
    }
}

/// Euro cents as `€ 61,72` (Dutch) or `€ 61.72`; a reversal as `€ -61,72`.
pub fn money(t: Tr, cents: i64) -> String {
    format!(
        "€ {}",
        desk::compensation::euros(cents, if t.0 == Lang::Nl { ',' } else { '.' })
    )
}
