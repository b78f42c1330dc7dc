//! The server's API tests: the real router driven with `oneshot`, plus one real server.

mod accounts;
mod authorization;
mod ops;
mod projects;
mod server;
