//! Integration tests of the SLA engine (one test binary, one module per theme).

mod availability;
mod calendar_rules;
mod clocks;
mod compensation;
mod compliance;
mod holidays;
mod properties;
mod robustness;
mod support;
