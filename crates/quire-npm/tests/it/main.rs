//! Integration tests of quire-npm against a fixture registry the suite serves itself.

mod fixture;
mod flaky_network;
mod install;
mod real_registry;
mod security;
mod tarballs;
