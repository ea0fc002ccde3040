//! Reports over HTTP and their renderings (the report itself is `desk::report`).

pub mod charts;
pub mod http;
