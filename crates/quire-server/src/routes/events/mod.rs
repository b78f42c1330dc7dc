//! A project's live events, as server-sent events (see `crate::live`).

pub mod stream;
