//! The caller's own account: its name, its sign-in address, its password and signing out of every session. Who the
//! caller is (`GET /me`) and the account's audit entries (`GET /me/audit`) live in `me.rs`
//! and `audit/account.rs`.

pub mod email;
pub mod name;
pub mod password;
pub mod sign_out_everywhere;
