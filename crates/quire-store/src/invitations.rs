//! Invitations to join a project. Owners and admins create them; whoever holds the link uses
//! one once, to join with an account they have or one made for the invited address. Only the
//! SHA-256 of the link's token is stored.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::projects::{current_role, write_membership};
use crate::users::insert_user;
use crate::{Role, Store, StoreError, User, new_id, now_ms, parse_column};

/// An invitation, with the names its link shows.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: String,
    pub project_id: String,
    pub project_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    /// `None` once the inviter's account is gone.
    pub inviter_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

pub struct NewInvitation<'a> {
    pub project_id: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: &'a str,
    pub expires_at: i64,
}

impl FromRow<'_, AnyRow> for Invitation {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            project_name: row.try_get("project_name")?,
            email: row.try_get("email")?,
            role: parse_column(row, "role")?,
            invited_by: row.try_get("invited_by")?,
            inviter_name: row.try_get("inviter_name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        })
    }
}

/// Invitations with the names their links show.
const SELECT: &str = "SELECT i.id, i.project_id, p.name AS project_name, i.email, i.role, \
     i.invited_by, u.name AS inviter_name, i.created_at, i.expires_at \
     FROM invitations i JOIN projects p ON p.id = i.project_id \
     LEFT JOIN users u ON u.id = i.invited_by";

/// Pending invitations: `$1` is the time now.
const PENDING: &str = "WHERE i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1";

impl Store {
    /// Stores an invitation and records `invitation.create` in the project's audit log.
    pub async fn create_invitation(
        &self,
        new: &NewInvitation<'_>,
    ) -> Result<Invitation, StoreError> {
        let id = new_id();
        let email = new.email.trim().to_lowercase();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO invitations (id, project_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(new.project_id)
        .bind(&email)
        .bind(new.role.as_str())
        .bind(new.token_hash)
        .bind(new.invited_by)
        .bind(now_ms())
        .bind(new.expires_at)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({ "email": email, "role": new.role.as_str() });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "invitation.create",
                Some(new.project_id),
                Some(new.invited_by),
                Some(&id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_as(&format!("{SELECT} WHERE i.id = $1"))
            .bind(&id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// The pending invitation whose link token has this hash.
    pub async fn pending_invitation(
        &self,
        token_hash: &str,
    ) -> Result<Option<Invitation>, StoreError> {
        Ok(
            sqlx::query_as(&format!("{SELECT} {PENDING} AND i.token_hash = $2"))
                .bind(now_ms())
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A project's pending invitations, oldest first.
    pub async fn pending_invitations(
        &self,
        project_id: &str,
    ) -> Result<Vec<Invitation>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} {PENDING} AND i.project_id = $2 ORDER BY i.created_at, i.id"
        ))
        .bind(now_ms())
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a pending invitation of the project; answers whether one was revoked.
    pub async fn revoke_invitation(
        &self,
        project_id: &str,
        id: &str,
        actor_id: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND project_id = $3 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "invitation.revoke",
                Some(project_id),
                Some(actor_id),
                Some(id),
                serde_json::json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Uses up the pending invitation `id` for the account `user_id`, who joins its project
    /// with the invited role (a member keeps a higher role they already have). Answers the
    /// role they hold now; `NotFound` when the invitation is no longer pending.
    pub async fn accept_invitation(&self, id: &str, user_id: &str) -> Result<Role, StoreError> {
        let mut tx = self.begin().await?;
        let role = claim(&mut tx, id, user_id, false).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(role)
    }

    /// Creates the account of the invited address and uses up the invitation for it, in one
    /// transaction: `Conflict` (and nothing written) when the address has an account already,
    /// `NotFound` when the invitation is no longer pending.
    pub async fn accept_invitation_with_new_account(
        &self,
        invitation: &Invitation,
        name: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let user = User {
            id: new_id(),
            email: invitation.email.clone(),
            name: name.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: now_ms(),
        };
        let mut tx = self.begin().await?;
        insert_user(&mut tx, &user).await?;
        claim(&mut tx, &invitation.id, &user.id, true).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(user)
    }
}

/// Marks the invitation used by `user_id`, writes the membership and the audit entry.
async fn claim(
    tx: &mut crate::Tx<'_>,
    id: &str,
    user_id: &str,
    account_created: bool,
) -> Result<Role, StoreError> {
    let now = now_ms();
    // The conditional update is the claim: of two concurrent accepts, one changes the row.
    let claimed = sqlx::query(
        "UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            what: "pending invitation".to_owned(),
        });
    }
    let row = sqlx::query("SELECT project_id, role FROM invitations WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let project_id: String = row.try_get("project_id")?;
    let invited: Role = parse_column(&row, "role")?;
    let previous = current_role(tx, &project_id, user_id).await?;
    let role = previous.map_or(invited, |previous| previous.max(invited));
    if previous != Some(role) {
        write_membership(tx, &project_id, user_id, role, previous.is_some()).await?;
    }
    let details = serde_json::json!({
        "role": role.as_str(),
        "from": previous.map(Role::as_str),
        "account_created": account_created,
    });
    insert_audit(
        tx,
        &NewAuditEntry::new(
            "invitation.accept",
            Some(&project_id),
            Some(user_id),
            Some(id),
            details,
        ),
    )
    .await?;
    Ok(role)
}
