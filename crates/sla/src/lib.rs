//! The SLA engine of loket: calendars, business time, policies, ticket clocks and compliance.
//!
//! Pure: no I/O, no async, no system clock. Every function takes the instants it needs.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod availability;
pub mod calendar;
pub mod civil;
pub mod clock;
pub mod compensation;
pub mod compliance;
pub mod duration;
pub mod holidays;
pub mod ical;
pub mod policy;
pub mod rfc3339;
pub mod ticket;
pub mod words;

pub use availability::{
    Availability, AvailabilityRules, DetectorEvent, DetectorState, ExcludedCause, HourBucket,
    MaintenanceWindow, MinuteBucket, Outage, OutageDetector, PlannedMaintenance,
    monthly_availability, notice_given,
};
pub use calendar::{Calendar, CalendarError, CalendarSpec, Window};
pub use clock::{ClockError, Outcome, TargetClock, TicketClocks, compute};
pub use compensation::{
    CompensationError, Discount, Escalation, Judgement, LedgerEntry, MonthVerdict,
    MonthWithoutOverrun, discount_cents, judge_month, sum_ledger,
};
pub use compliance::{Compliance, Month, TargetKey, monthly};
pub use duration::{Lang, PolicyDuration, WORKING_DAY};
pub use holidays::{Holiday, HolidayRules, HolidaySet, LiberationDay};
pub use policy::{Bound, Measure, Percent, Policy, PolicyError};
pub use ticket::{Channel, EventKind, OutcomeKind, Priority, Status, TicketEvent, TicketKind};
