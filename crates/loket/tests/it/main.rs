//! Integration tests of the loket command line, driving the real binary (one test binary).

mod deadlines;
mod explain;
mod holidays;
mod mail;
mod policy;
mod reports;
mod serve;
mod support;
