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
    /// The actor's name and e-mail while their account exists.
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
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
            actor_name: row.try_get("actor_name")?,
            actor_email: row.try_get("actor_email")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        })
    }
}

/// The actions about an account rather than a project, which [`Store::account_audit_log`]
/// shows to the account's holder: sign-ins (and failed ones on their address), their API
/// tokens, the invitations they accepted, password and name changes.
pub const ACCOUNT_ACTIONS: [&str; 9] = [
    "login.success",
    "login.failure",
    "token.create",
    "token.revoke",
    "invitation.accept",
    "user.password_change",
    "user.sessions_end",
    "user.rename",
    "user.email_change",
];

/// The columns every audit listing reads, with the actor's name and e-mail (`a` is the log,
/// `u` the actor's account).
const SELECT: &str = "SELECT a.id, a.at, a.project_id, a.actor_id, u.name AS actor_name, \
     u.email AS actor_email, a.action, a.target, a.details \
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id";

/// Which entries of a project's log to list; every field narrows it.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter<'a> {
    /// Entries with ids below this one (paging back).
    pub before: Option<i64>,
    /// An action (`token.create`), or every action of a kind when it ends in a dot (`token.`).
    pub action: Option<&'a str>,
    /// Entries by this account.
    pub actor_id: Option<&'a str>,
    /// Entries at or after this time, and before that one (Unix milliseconds).
    pub since: Option<i64>,
    pub until: Option<i64>,
}

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
        let filter = AuditFilter {
            before,
            ..AuditFilter::default()
        };
        self.audit_log_filtered(project_id, &filter, limit).await
    }

    /// The newest entries of a project that pass `filter`, first.
    pub async fn audit_log_filtered(
        &self,
        project_id: &str,
        filter: &AuditFilter<'_>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let escaped = filter
            .action
            .unwrap_or("")
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let action = match filter.action {
            Some(action) if !action.ends_with('.') => escaped,
            _ => format!("{escaped}%"),
        };
        let sql = format!(
            "{SELECT} WHERE a.project_id = $1 AND a.id < $2 AND a.action LIKE $3 ESCAPE '\\' \
             AND a.at >= $4 AND a.at < $5 AND ($6 = '' OR a.actor_id = $6) ORDER BY a.id DESC LIMIT $7"
        );
        Ok(sqlx::query_as(&sql)
            .bind(project_id)
            .bind(filter.before.unwrap_or(i64::MAX))
            .bind(action)
            .bind(filter.since.unwrap_or(i64::MIN))
            .bind(filter.until.unwrap_or(i64::MAX))
            .bind(filter.actor_id.unwrap_or(""))
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
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE a.actor_id = $1 ORDER BY a.id DESC LIMIT $2"
        ))
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
            "{SELECT} WHERE (a.actor_id = $1 OR a.target = $1) AND a.id < $2 \
             AND a.action IN ({actions}) ORDER BY a.id DESC LIMIT $3"
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
