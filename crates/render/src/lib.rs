//! loket's pure renderers: domain values in, text or bytes out. The iCalendar feed of planned
//! maintenance, the embeddable HTML snippet, the report's SVG charts, the printable report and
//! the words (labels) they share with the pages. Nothing here touches HTTP: no axum, no
//! request, no response; the web server and the command line (`loket report`) both use it.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod charts;
pub mod ical;
pub mod report;
pub mod snippet;
pub mod words;
