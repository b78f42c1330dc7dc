//! The caller's own account: changing its password and signing out of every session. Who the
//! caller is (`GET /me`) and the account's audit entries (`GET /me/audit`) live in `me.rs`
//! and `audit/account.rs`.

pub mod password;
pub mod sign_out_everywhere;
