//! Monitoring over HTTP (the rules are `desk::monitoring`).

pub mod api;
