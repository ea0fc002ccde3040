//! Reports over HTTP (the report itself is `desk::report`; its charts and printable form are
//! drawn by `crate::render`).

pub mod http;
