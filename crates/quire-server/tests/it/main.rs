//! The server's API tests: the real router driven with `oneshot`, plus one real server.

mod accounts;
mod authorization;
mod fairness;
mod functions;
mod ops;
mod pages;
mod projects;
mod server;
mod ui;
