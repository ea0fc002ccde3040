//! The injected clock: nothing in the service reads the system time except through this.

use std::sync::Mutex;

use jiff::Timestamp;

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved, for tests and demos.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock standing at `at`.
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map_or_else(|e| *e.into_inner(), |t| *t)
    }
}
