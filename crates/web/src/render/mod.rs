//! Pure renderers: domain values in, text or bytes out. The iCalendar feed of planned
//! maintenance, the embeddable HTML snippet, the report's SVG charts, the printable report and
//! the words (labels) they share with the pages. Nothing here touches HTTP: no axum, no
//! request, no response; nothing here imports `pages` or `api`.

pub mod charts;
pub mod ical;
pub mod report;
pub mod snippet;
pub mod words;
