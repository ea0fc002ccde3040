//! Integration tests of the probe crate: real local targets, one test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod heartbeat;
mod http;
mod monitor;
mod scheduler;
mod support;
mod tcp;
mod tls;
