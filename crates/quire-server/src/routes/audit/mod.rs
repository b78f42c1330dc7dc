//! A project's audit log, for its owners and admins.

pub mod list;
