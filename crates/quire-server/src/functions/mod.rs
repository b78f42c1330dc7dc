//! What the server keeps of a function apart from running it (that is [`crate::invoke`]): the
//! bounds of its code and settings, and its secrets sealed at rest ([`seal`]).

pub mod seal;

/// Wall-clock limit of a function unless it sets its own, and the most it may set.
pub const DEFAULT_TIMEOUT_MS: i64 = 30_000;
pub const MAX_TIMEOUT_MS: i64 = 30_000;
pub const MIN_TIMEOUT_MS: i64 = 10;
/// Memory limit of a function unless it sets its own, and the bounds it may set.
pub const DEFAULT_MEMORY_MB: i64 = 128;
pub const MAX_MEMORY_MB: i64 = 512;
pub const MIN_MEMORY_MB: i64 = 8;
/// Function source is at most this many bytes.
pub const MAX_CODE_BYTES: usize = 1024 * 1024;
