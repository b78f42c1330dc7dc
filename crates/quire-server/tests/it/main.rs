//! The server's API tests: the real router driven with `oneshot`, plus one real server.

mod accounts;
mod agent;
mod assets;
mod audit;
mod authorization;
mod events;
mod fairness;
mod functions;
mod inbox;
mod invitations;
mod ops;
mod pages;
mod projects;
mod public_links;
mod server;
mod ui;
