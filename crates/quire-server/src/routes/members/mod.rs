//! A project's members and their roles. Everyone in the project reads; owners change.

pub mod list;
pub mod put;
pub mod remove;
