//! Signing in and out with a password and a session cookie.

pub mod login;
pub mod logout;
