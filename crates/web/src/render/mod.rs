//! Pure renderers: domain values in, text or bytes out. iCalendar (the feed of planned
//! maintenance, meeting invitations and the per-customer meetings feed), the embeddable HTML
//! snippet, the report's SVG charts, the printable report, the printable minutes of a meeting
//! and the words (labels) they share with the pages. Nothing here touches HTTP: no axum, no
//! request, no response; nothing here imports `pages` or `api`.

pub mod charts;
pub mod ical;
pub mod minutes;
pub mod report;
pub mod snippet;
pub mod words;
