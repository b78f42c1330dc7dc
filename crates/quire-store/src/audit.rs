//! The append-only audit log. Database triggers refuse UPDATE and DELETE on it.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::{Store, StoreError, now_ms};

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub project_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    /// What the action changed, as recorded; `null` when the stored text does not read as JSON.
    pub details: serde_json::Value,
}

impl FromRow<'_, AnyRow> for AuditEntry {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let details: String = row.try_get("details")?;
        Ok(Self {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            project_id: row.try_get("project_id")?,
            actor_id: row.try_get("actor_id")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        })
    }
}

/// The actions about an account rather than a project, which [`Store::account_audit_log`]
/// shows to the account's holder: sign-ins (and failed ones on their address), their API
/// tokens, the invitations they accepted and password changes.
pub const ACCOUNT_ACTIONS: [&str; 6] = [
    "login.success",
    "login.failure",
    "token.create",
    "token.revoke",
    "invitation.accept",
    "user.password_change",
];

/// What to record: `action` is a dotted verb such as `login.failure` or `member.role_change`.
pub struct NewAuditEntry<'a> {
    pub action: &'a str,
    pub project_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub target: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> NewAuditEntry<'a> {
    pub fn new(
        action: &'a str,
        project_id: Option<&'a str>,
        actor_id: Option<&'a str>,
        target: Option<&'a str>,
        details: serde_json::Value,
    ) -> Self {
        Self {
            action,
            project_id,
            actor_id,
            target,
            details,
        }
    }
}

pub(crate) async fn insert_audit(
    conn: &mut sqlx::AnyConnection,
    entry: &NewAuditEntry<'_>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (at, project_id, actor_id, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(now_ms())
        .bind(entry.project_id)
        .bind(entry.actor_id)
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.details.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    pub async fn record_audit(&self, entry: &NewAuditEntry<'_>) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert_audit(&mut conn, entry).await
    }

    /// The newest entries of a project first; `before` pages back by id.
    pub async fn audit_log(
        &self,
        project_id: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, project_id, actor_id, action, target, details FROM audit_log \
             WHERE project_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(project_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Entries about a user that belong to no project (logins), newest first.
    pub async fn audit_log_for_actor(
        &self,
        actor_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, project_id, actor_id, action, target, details FROM audit_log \
             WHERE actor_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(actor_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The entries of [`ACCOUNT_ACTIONS`] that `user_id` did or that concern them (a failed
    /// sign-in on their address), newest first; `before` pages back by id.
    pub async fn account_audit_log(
        &self,
        user_id: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let actions = (4..4 + ACCOUNT_ACTIONS.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, at, project_id, actor_id, action, target, details FROM audit_log \
             WHERE (actor_id = $1 OR target = $1) AND id < $2 AND action IN ({actions}) \
             ORDER BY id DESC LIMIT $3"
        );
        let mut query = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit);
        for action in ACCOUNT_ACTIONS {
            query = query.bind(action);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }
}
