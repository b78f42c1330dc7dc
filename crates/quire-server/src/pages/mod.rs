//! The pages service: the page logic that routes, the bootstrap and the bridge share. Which
//! page and version a viewer may open ([`access`]), compiling a source into what the store keeps
//! as a version ([`build`]), and the rules page input meets ([`rules`]). Routes keep only HTTP.

mod access;
mod build;
pub mod public_links;
mod rules;

pub use access::{Mode, is_editor, load, load_for_inbox, load_with_head_lock, version_for_mode};
pub use build::{Built, compile, compile_over_head};
pub use rules::{
    check_source_size, validate_dependencies, validate_description, validate_page_fields,
};
