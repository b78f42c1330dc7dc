//! The audit log: a project's, for its owners and admins, and each account's own (sign-ins,
//! tokens, invitations accepted), for its holder. Both page back the same way; a project's
//! also filters by action, actor and time.

pub mod account;
pub mod list;

use serde::Deserialize;
use utoipa::IntoParams;

use crate::errors::ApiError;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries with ids below this one (for paging back).
    pub before: Option<i64>,
    /// At most this many entries (1 to 500, default 100).
    pub limit: Option<i64>,
}

impl AuditQuery {
    /// The page size asked for, checked.
    fn limit(&self) -> Result<i64, ApiError> {
        page_size(self.limit)
    }
}

/// A page size asked for, checked: 1 to 500, 100 when absent.
fn page_size(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("limit is {limit}; use 1 to 500"),
        ));
    }
    Ok(limit)
}
