//! Projects: the unit of ownership for pages, functions and members.

pub mod create;
pub mod get;
pub mod list;
pub mod update;
