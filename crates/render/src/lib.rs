//! loket's pure renderers: domain values in, text or bytes out. iCalendar (the feed of planned
//! maintenance, meeting invitations and the per-customer meetings feed), the embeddable HTML
//! snippet, the report's SVG charts, the printable report, the printable minutes of a meeting
//! and the words (labels) they share with the pages. Nothing here touches HTTP: no axum, no
//! request, no response; the web server and the command line (`loket report`) both use it.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod charts;
pub mod compensation;
pub mod ical;
pub mod minutes;
pub mod report;
pub mod snippet;
pub mod words;
