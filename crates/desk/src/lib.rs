//! loket's application layer: who may do what, what an event means for the SLA clocks, the
//! reports, availability figures, maintenance, monitoring, publishing and the mail outbox;
//! between the edges (HTTP, command line, background jobs) and the store, free of HTTP.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod access;
pub mod alerts;
pub mod assessment;
pub mod availability;
pub mod clock;
pub mod compensation;
#[cfg(feature = "demo")]
pub mod demo;
mod error;
pub mod i18n;
pub mod imap;
pub mod inbound;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod meetings;
pub mod monitoring;
pub mod notify;
pub mod people;
pub mod policies;
pub mod recipients;
pub mod reminders;
pub mod report;
pub mod status;
pub mod tickets;
pub mod time;

use std::sync::Arc;

pub use access::Caller;
pub use error::DeskError;
pub use policies::{Compiled, Policies};

use store::{Millis, Store};

use crate::clock::Clock;

/// The service desk: the store, the injected clock and the compiled agreements; every
/// service is a method on it.
#[derive(Clone)]
pub struct Desk(Arc<Parts>);

/// What a [`Desk`] is made of.
pub struct Parts {
    /// The system of record.
    pub store: Store,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Compiled agreements.
    pub policies: Policies,
    /// Running escalations replayed, for the overview.
    pub replays: compensation::Replays,
    /// How incoming mail is read (`Desk::set_inbound_settings`).
    pub inbound: inbound::SettingsCell,
    /// Where links in mails point, and the domain of their `Message-ID`s.
    pub links: notify::Links,
}

impl std::ops::Deref for Desk {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl Desk {
    /// The desk over a store with a clock.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Desk {
        Desk::with_links(store, clock, notify::Links::default())
    }

    /// The desk over a store with a clock, its mails linking to `links`.
    pub fn with_links(store: Store, clock: Arc<dyn Clock>, links: notify::Links) -> Desk {
        Desk(Arc::new(Parts {
            store,
            clock,
            policies: Policies::default(),
            replays: compensation::Replays::default(),
            inbound: inbound::SettingsCell::default(),
            links,
        }))
    }

    /// The current instant in milliseconds.
    pub fn now_ms(&self) -> Millis {
        self.clock.now().as_millisecond()
    }
}
