//! The injected clock: nothing in the service reads the system time, or waits, except through
//! this.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;

/// A wait handed out by [`Clock::pause`].
pub type Pause<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// Waits for `d` (a deliberate slow-down, such as after failed sign-ins).
    fn pause(&self, d: Duration) -> Pause<'_> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved, for tests and demos; its pauses return at once and
/// are only added up.
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<Timestamp>,
    paused: Mutex<Duration>,
}

impl FixedClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock {
            at: Mutex::new(at),
            paused: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        if let Ok(mut t) = self.at.lock() {
            *t = at;
        }
    }

    /// How long all pauses asked of this clock add up to.
    pub fn paused(&self) -> Duration {
        self.paused.lock().map_or_else(|e| *e.into_inner(), |d| *d)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.at.lock().map_or_else(|e| *e.into_inner(), |t| *t)
    }

    fn pause(&self, d: Duration) -> Pause<'_> {
        if let Ok(mut total) = self.paused.lock() {
            *total += d;
        }
        Box::pin(std::future::ready(()))
    }
}
