//! Contract tests: the generated client matches the spec, every example in the spec and in the
//! reference material decodes into our types, and every operation sends and reads the shapes
//! pinned in `snapshots/`. One test binary, so the suite links once (`spans.rs` is apart: it
//! needs a process of its own).

mod client_behaviour;
mod generated_code;
// Written by `cargo xtask generate`.
#[rustfmt::skip]
mod imported_requests;
mod mock;
mod properties;
mod requests;
mod responses;
mod spec_examples;
mod webhooks;
