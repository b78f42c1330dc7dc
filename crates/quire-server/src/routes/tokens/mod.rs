//! API tokens of the signed-in user: create (shown once), list, revoke.

pub mod create;
pub mod list;
pub mod revoke;
