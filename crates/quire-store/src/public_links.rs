//! Public links: a token that shows one page's published version to people without an
//! account. Only the token's SHA-256 and a short hint are kept. Creating and revoking one is
//! audited in the same transaction and moves [`Store::generation`], since the server caches
//! links by token.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, Tx, now_ms};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicLink {
    pub id: String,
    pub project_id: String,
    pub page_id: String,
    /// The token's first characters, to tell links apart in a list.
    pub token_hint: String,
    /// The slugs of the functions the page may call through the link.
    pub functions: Vec<String>,
    /// Origins that may frame the page besides Quire's own; a `*.` label stands for any
    /// subdomain.
    pub allowed_origins: Vec<String>,
    pub expires_at: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

fn json_list(row: &AnyRow, column: &str) -> Result<Vec<String>, sqlx::Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(e),
    })
}

impl FromRow<'_, AnyRow> for PublicLink {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            page_id: row.try_get("page_id")?,
            token_hint: row.try_get("token_hint")?,
            functions: json_list(row, "functions")?,
            allowed_origins: json_list(row, "allowed_origins")?,
            expires_at: row.try_get("expires_at")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            revoked_at: row.try_get("revoked_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    }
}

/// A link to create; the caller made the token and hashed it.
pub struct NewPublicLink<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub page_id: &'a str,
    pub token_hash: &'a str,
    pub token_hint: &'a str,
    pub functions: &'a [String],
    pub allowed_origins: &'a [String],
    pub expires_at: Option<i64>,
}

const COLUMNS: &str = "id, project_id, page_id, token_hint, functions, allowed_origins, expires_at, \
     created_by, created_at, revoked_at, last_used_at";

/// How often a link's `last_used_at` is written at most.
const USE_TOUCH_INTERVAL_MS: i64 = 60_000;

fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

async fn link_in(
    tx: &mut Tx<'_>,
    project_id: &str,
    link_id: &str,
) -> Result<PublicLink, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM public_links WHERE project_id = $1 AND id = $2"
    ))
    .bind(project_id)
    .bind(link_id)
    .fetch_all(&mut **tx)
    .await?
    .pop()
    .ok_or_else(|| StoreError::NotFound {
        what: format!("public link {link_id}"),
    })
}

impl Store {
    /// Adds a link (audited as `public_link.create`, without its token).
    pub async fn create_public_link(
        &self,
        new: &NewPublicLink<'_>,
        actor_id: &str,
    ) -> Result<PublicLink, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO public_links (id, project_id, page_id, token_hash, token_hint, functions, \
             allowed_origins, expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new.id)
        .bind(new.project_id)
        .bind(new.page_id)
        .bind(new.token_hash)
        .bind(new.token_hint)
        .bind(to_json(new.functions))
        .bind(to_json(new.allowed_origins))
        .bind(new.expires_at)
        .bind(actor_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let link = link_in(&mut tx, new.project_id, new.id).await?;
        let details = serde_json::json!({
            "page_id": link.page_id,
            "functions": link.functions,
            "allowed_origins": link.allowed_origins,
            "expires_at": link.expires_at,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "public_link.create",
                Some(new.project_id),
                Some(actor_id),
                Some(new.id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(link)
    }

    /// A page's links, newest first, revoked ones included.
    pub async fn public_links(&self, page_id: &str) -> Result<Vec<PublicLink>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM public_links WHERE page_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(page_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The link whose token hashes to `token_hash`, revoked or expired ones included.
    pub async fn public_link_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<PublicLink>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM public_links WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_all(&self.pool)
        .await?
        .pop())
    }

    /// Revokes link `link_id` of `page_id` at once (audited as `public_link.revoke`); `None`
    /// when the page has no such link. Revoking it again changes nothing.
    pub async fn revoke_public_link(
        &self,
        project_id: &str,
        page_id: &str,
        link_id: &str,
        actor_id: &str,
    ) -> Result<Option<PublicLink>, StoreError> {
        let mut tx = self.begin().await?;
        let Some(current) = link_in(&mut tx, project_id, link_id)
            .await
            .ok()
            .filter(|link| link.page_id == page_id)
        else {
            return Ok(None);
        };
        if current.revoked_at.is_some() {
            return Ok(Some(current));
        }
        sqlx::query("UPDATE public_links SET revoked_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(link_id)
            .execute(&mut *tx)
            .await?;
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "public_link.revoke",
                Some(project_id),
                Some(actor_id),
                Some(link_id),
                serde_json::json!({ "page_id": page_id }),
            ),
        )
        .await?;
        let link = link_in(&mut tx, project_id, link_id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(Some(link))
    }

    /// Notes that link `link_id` was used at `at`; written at most once a minute.
    pub async fn touch_public_link(&self, link_id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE public_links SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at)
        .bind(link_id)
        .bind(at - USE_TOUCH_INTERVAL_MS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
