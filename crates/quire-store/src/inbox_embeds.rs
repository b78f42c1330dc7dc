//! Embedded inboxes: a token that opens a project's inbox (or one number's) inside another
//! site's page. Only the token's SHA-256 and a short hint are kept. Creating, changing and
//! revoking one is audited in the same transaction and moves [`Store::generation`], since
//! the server caches embeds by token.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, Tx, now_ms};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxEmbed {
    pub id: String,
    pub project_id: String,
    pub name: String,
    /// The token's first characters, to tell embeds apart in a list.
    pub token_hint: String,
    /// The one number it shows (Meta's phone number id); `None`: every number of the project.
    pub phone_number_id: Option<String>,
    /// Origins that may frame it; a `*.` label stands for any subdomain.
    pub allowed_origins: Vec<String>,
    /// `light`, `dark` or `system`.
    pub theme: String,
    pub expires_at: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl FromRow<'_, AnyRow> for InboxEmbed {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let origins: String = row.try_get("allowed_origins")?;
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            name: row.try_get("name")?,
            token_hint: row.try_get("token_hint")?,
            phone_number_id: row.try_get("phone_number_id")?,
            allowed_origins: serde_json::from_str(&origins).map_err(|e| {
                sqlx::Error::ColumnDecode {
                    index: "allowed_origins".to_owned(),
                    source: Box::new(e),
                }
            })?,
            theme: row.try_get("theme")?,
            expires_at: row.try_get("expires_at")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            revoked_at: row.try_get("revoked_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    }
}

/// An embed to create; the caller made the token and hashed it.
pub struct NewInboxEmbed<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub token_hint: &'a str,
    pub phone_number_id: Option<&'a str>,
    pub allowed_origins: &'a [String],
    pub theme: &'a str,
    pub expires_at: Option<i64>,
}

/// What to change; `None` leaves a field as it is. `expires_at: Some(None)` removes the expiry.
#[derive(Default)]
pub struct InboxEmbedChanges<'a> {
    pub name: Option<&'a str>,
    pub allowed_origins: Option<&'a [String]>,
    pub theme: Option<&'a str>,
    pub expires_at: Option<Option<i64>>,
}

const COLUMNS: &str = "id, project_id, name, token_hint, phone_number_id, allowed_origins, theme, \
     expires_at, created_by, created_at, updated_at, revoked_at, last_used_at";

/// How often an embed's `last_used_at` is written at most.
const USE_TOUCH_INTERVAL_MS: i64 = 60_000;

fn origins_json(origins: &[String]) -> String {
    serde_json::to_string(origins).unwrap_or_else(|_| "[]".to_owned())
}

async fn embed_in(
    tx: &mut Tx<'_>,
    project_id: &str,
    embed_id: &str,
) -> Result<InboxEmbed, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM inbox_embeds WHERE project_id = $1 AND id = $2"
    ))
    .bind(project_id)
    .bind(embed_id)
    .fetch_all(&mut **tx)
    .await?
    .pop()
    .ok_or_else(|| StoreError::NotFound {
        what: format!("embedded inbox {embed_id}"),
    })
}

async fn audit(
    tx: &mut Tx<'_>,
    action: &str,
    embed: &InboxEmbed,
    actor_id: &str,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    insert_audit(
        tx,
        &NewAuditEntry::new(
            action,
            Some(&embed.project_id),
            Some(actor_id),
            Some(&embed.id),
            details,
        ),
    )
    .await
}

impl Store {
    /// Adds an embed (audited as `inbox_embed.create`, without its token).
    pub async fn create_inbox_embed(
        &self,
        new: &NewInboxEmbed<'_>,
        actor_id: &str,
    ) -> Result<InboxEmbed, StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO inbox_embeds (id, project_id, name, token_hash, token_hint, phone_number_id, \
             allowed_origins, theme, expires_at, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(new.id)
        .bind(new.project_id)
        .bind(new.name)
        .bind(new.token_hash)
        .bind(new.token_hint)
        .bind(new.phone_number_id)
        .bind(origins_json(new.allowed_origins))
        .bind(new.theme)
        .bind(new.expires_at)
        .bind(actor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let embed = embed_in(&mut tx, new.project_id, new.id).await?;
        let details = serde_json::json!({
            "name": embed.name,
            "phone_number_id": embed.phone_number_id,
            "allowed_origins": embed.allowed_origins,
            "expires_at": embed.expires_at,
        });
        audit(&mut tx, "inbox_embed.create", &embed, actor_id, details).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(embed)
    }

    /// A project's embeds, newest first, revoked ones included.
    pub async fn inbox_embeds(&self, project_id: &str) -> Result<Vec<InboxEmbed>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM inbox_embeds WHERE project_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The embed `embed_id` of `project_id`.
    pub async fn inbox_embed(
        &self,
        project_id: &str,
        embed_id: &str,
    ) -> Result<Option<InboxEmbed>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM inbox_embeds WHERE project_id = $1 AND id = $2"
        ))
        .bind(project_id)
        .bind(embed_id)
        .fetch_all(&self.pool)
        .await?
        .pop())
    }

    /// The embed whose token hashes to `token_hash`, revoked or expired ones included (the
    /// caller says which it is).
    pub async fn inbox_embed_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<InboxEmbed>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM inbox_embeds WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_all(&self.pool)
        .await?
        .pop())
    }

    /// Changes an embed (audited as `inbox_embed.update` with the fields changed). A revoked
    /// embed stays revoked.
    pub async fn update_inbox_embed(
        &self,
        project_id: &str,
        embed_id: &str,
        changes: &InboxEmbedChanges<'_>,
        actor_id: &str,
    ) -> Result<InboxEmbed, StoreError> {
        let mut tx = self.begin().await?;
        let current = embed_in(&mut tx, project_id, embed_id).await?;
        sqlx::query(
            "UPDATE inbox_embeds SET name = $1, allowed_origins = $2, theme = $3, expires_at = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(changes.name.unwrap_or(&current.name))
        .bind(origins_json(
            changes.allowed_origins.unwrap_or(&current.allowed_origins),
        ))
        .bind(changes.theme.unwrap_or(&current.theme))
        .bind(changes.expires_at.unwrap_or(current.expires_at))
        .bind(now_ms())
        .bind(embed_id)
        .execute(&mut *tx)
        .await?;
        let embed = embed_in(&mut tx, project_id, embed_id).await?;
        let fields_changed: Vec<&str> = [
            ("name", embed.name != current.name),
            (
                "allowed_origins",
                embed.allowed_origins != current.allowed_origins,
            ),
            ("theme", embed.theme != current.theme),
            ("expires_at", embed.expires_at != current.expires_at),
        ]
        .into_iter()
        .filter_map(|(field, differs)| differs.then_some(field))
        .collect();
        let details = serde_json::json!({ "name": embed.name, "changed": fields_changed });
        audit(&mut tx, "inbox_embed.update", &embed, actor_id, details).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(embed)
    }

    /// Revokes an embed at once (audited as `inbox_embed.revoke`); revoking it again changes
    /// nothing.
    pub async fn revoke_inbox_embed(
        &self,
        project_id: &str,
        embed_id: &str,
        actor_id: &str,
    ) -> Result<InboxEmbed, StoreError> {
        let mut tx = self.begin().await?;
        let current = embed_in(&mut tx, project_id, embed_id).await?;
        if current.revoked_at.is_some() {
            return Ok(current);
        }
        let now = now_ms();
        sqlx::query("UPDATE inbox_embeds SET revoked_at = $1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(embed_id)
            .execute(&mut *tx)
            .await?;
        let embed = embed_in(&mut tx, project_id, embed_id).await?;
        let details = serde_json::json!({ "name": embed.name });
        audit(&mut tx, "inbox_embed.revoke", &embed, actor_id, details).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(embed)
    }

    /// Notes that embed `embed_id` was used at `at`; written at most once a minute.
    pub async fn touch_inbox_embed(&self, embed_id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE inbox_embeds SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at)
        .bind(embed_id)
        .bind(at - USE_TOUCH_INTERVAL_MS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records, in the audit log, something done through embed `embed` (such as a reply):
    /// the embed is the actor, named in the details.
    pub async fn audit_embed_action(
        &self,
        embed: &InboxEmbed,
        action: &str,
        target: &str,
        details: serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut details = details;
        if let Some(map) = details.as_object_mut() {
            map.insert("embed_id".to_owned(), embed.id.clone().into());
            map.insert("embed_name".to_owned(), embed.name.clone().into());
        }
        let mut tx = self.begin().await?;
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(action, Some(&embed.project_id), None, Some(target), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
