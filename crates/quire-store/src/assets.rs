//! Page assets: a project's images, fonts and data files by name. Bytes are kept once per
//! SHA-256; a name points at its current content; a page version records the contents it was
//! built with (see [`crate::NewPageVersion::with_assets`]). A content goes once no asset and
//! no version refers to it. Uploads, replacements and deletions are audited in their own
//! transaction.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, Tx, new_id, now_ms};

/// One of a project's assets: its name and the content it points at now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    pub id: String,
    pub project_id: String,
    pub name: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    /// When the name last got new content (its creation, if never).
    pub updated_at: i64,
}

impl FromRow<'_, AnyRow> for Asset {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            name: row.try_get("name")?,
            sha256: row.try_get("sha256")?,
            size: row.try_get("size")?,
            content_type: row.try_get("content_type")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// An asset's bytes and the type they were found to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetContent {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Content to keep under a name; the caller checked the bytes and hashed them.
pub struct NewAsset<'a> {
    pub project_id: &'a str,
    pub name: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub content_type: &'a str,
}

/// What [`Store::put_asset`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutAsset {
    pub asset: Asset,
    /// The name existed and now points at the new content.
    pub replaced: bool,
}

const ASSET_COLUMNS: &str = "a.id, a.project_id, a.name, a.sha256, c.size, c.content_type, \
     a.created_by, a.created_at, a.updated_at";

async fn asset_in(
    tx: &mut Tx<'_>,
    project_id: &str,
    name_or_id: &str,
) -> Result<Option<Asset>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ASSET_COLUMNS} FROM assets a JOIN asset_contents c ON c.sha256 = a.sha256 \
         WHERE a.project_id = $1 AND (a.name = $2 OR a.id = $2) ORDER BY a.name = $2 DESC"
    ))
    .bind(project_id)
    .bind(name_or_id)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .next())
}

/// Deletes `sha256`'s content when no asset and no version refers to it any more.
async fn drop_if_unused(tx: &mut Tx<'_>, sha256: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM asset_contents WHERE sha256 = $1 \
         AND NOT EXISTS (SELECT 1 FROM assets WHERE sha256 = $1) \
         AND NOT EXISTS (SELECT 1 FROM page_version_assets WHERE sha256 = $1)",
    )
    .bind(sha256)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Keeps `new`'s bytes under its name: a new asset, or the name's new content (the old
    /// content stays while a page version refers to it). With `project_limit`, the project's
    /// assets together (this one counted at its new size) may take at most that many bytes,
    /// else [`StoreError::OverQuota`] and nothing changes. Audited as `asset.upload` or
    /// `asset.replace`.
    pub async fn put_asset(
        &self,
        new: &NewAsset<'_>,
        actor_id: &str,
        project_limit: Option<i64>,
    ) -> Result<PutAsset, StoreError> {
        let size = i64::try_from(new.bytes.len()).unwrap_or(i64::MAX);
        let mut tx = self.begin().await?;
        let existing = sqlx::query_as::<_, Asset>(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets a JOIN asset_contents c ON c.sha256 = a.sha256 \
             WHERE a.project_id = $1 AND a.name = $2"
        ))
        .bind(new.project_id)
        .bind(new.name)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(limit) = project_limit {
            let others: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(c.size), 0) AS BIGINT) FROM assets a \
                 JOIN asset_contents c ON c.sha256 = a.sha256 \
                 WHERE a.project_id = $1 AND a.name <> $2",
            )
            .bind(new.project_id)
            .bind(new.name)
            .fetch_one(&mut *tx)
            .await?;
            if others.saturating_add(size) > limit {
                return Err(StoreError::OverQuota {
                    used: others,
                    size,
                    limit,
                });
            }
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO asset_contents (sha256, bytes, size, content_type, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(new.sha256)
        .bind(new.bytes)
        .bind(size)
        .bind(new.content_type)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let (id, action) = if let Some(old) = &existing {
            sqlx::query("UPDATE assets SET sha256 = $1, updated_at = $2 WHERE id = $3")
                .bind(new.sha256)
                .bind(now)
                .bind(&old.id)
                .execute(&mut *tx)
                .await?;
            if old.sha256 != new.sha256 {
                drop_if_unused(&mut tx, &old.sha256).await?;
            }
            (old.id.clone(), "asset.replace")
        } else {
            let id = new_id();
            sqlx::query(
                "INSERT INTO assets (id, project_id, name, sha256, created_by, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(&id)
            .bind(new.project_id)
            .bind(new.name)
            .bind(new.sha256)
            .bind(actor_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (id, "asset.upload")
        };
        let asset = asset_in(&mut tx, new.project_id, &id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("asset {id}"),
            })?;
        let details = serde_json::json!({
            "name": asset.name,
            "sha256": asset.sha256,
            "size": asset.size,
            "content_type": asset.content_type,
            "previous_sha256": existing.as_ref().map(|old| &old.sha256),
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                action,
                Some(new.project_id),
                Some(actor_id),
                Some(&asset.id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(PutAsset {
            asset,
            replaced: existing.is_some(),
        })
    }

    /// A project's assets by name.
    pub async fn assets(&self, project_id: &str) -> Result<Vec<Asset>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets a JOIN asset_contents c ON c.sha256 = a.sha256 \
             WHERE a.project_id = $1 ORDER BY a.name"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The asset named `name_or_id`, or with that id (a name wins).
    pub async fn asset(
        &self,
        project_id: &str,
        name_or_id: &str,
    ) -> Result<Option<Asset>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let asset = asset_in(&mut tx, project_id, name_or_id).await?;
        tx.commit().await?;
        Ok(asset)
    }

    /// Deletes the asset named `name_or_id` (or with that id); its content stays while a page
    /// version refers to it. Audited as `asset.delete`.
    pub async fn delete_asset(
        &self,
        project_id: &str,
        name_or_id: &str,
        actor_id: &str,
    ) -> Result<Asset, StoreError> {
        let mut tx = self.begin().await?;
        let asset = asset_in(&mut tx, project_id, name_or_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("asset {name_or_id}"),
            })?;
        sqlx::query("DELETE FROM assets WHERE id = $1")
            .bind(&asset.id)
            .execute(&mut *tx)
            .await?;
        drop_if_unused(&mut tx, &asset.sha256).await?;
        let details = serde_json::json!({ "name": asset.name, "sha256": asset.sha256 });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "asset.delete",
                Some(project_id),
                Some(actor_id),
                Some(&asset.id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(asset)
    }

    /// The bytes and type of the content with this SHA-256 (lowercase hex).
    pub async fn asset_content(&self, sha256: &str) -> Result<Option<AssetContent>, StoreError> {
        let row: Option<(Vec<u8>, String)> =
            sqlx::query_as("SELECT bytes, content_type FROM asset_contents WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(bytes, content_type)| AssetContent {
            bytes,
            content_type,
        }))
    }

    /// The contents a version was built with, by the name it imported them as.
    pub async fn version_assets(
        &self,
        version_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, sha256 FROM page_version_assets WHERE version_id = $1 ORDER BY name",
        )
        .bind(version_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Which pages use which asset names: (asset name, page slug, page name) for each page
    /// whose head or published version was built with an asset of that name, by name and slug.
    pub async fn asset_users(
        &self,
        project_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT u.name, p.slug, p.name FROM pages p \
             JOIN page_versions v ON v.page_id = p.id \
             AND (v.number = p.head_version OR v.number = p.published_version) \
             JOIN page_version_assets u ON u.version_id = v.id \
             WHERE p.project_id = $1 ORDER BY u.name, p.slug",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes the contents no asset and no version refers to any more (left by deleted
    /// pages and projects). Answers how many went.
    pub async fn prune_asset_contents(&self) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let pruned = sqlx::query(
            "DELETE FROM asset_contents WHERE \
             NOT EXISTS (SELECT 1 FROM assets a WHERE a.sha256 = asset_contents.sha256) \
             AND NOT EXISTS (SELECT 1 FROM page_version_assets v \
             WHERE v.sha256 = asset_contents.sha256)",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(pruned)
    }
}

/// Records, in a save's transaction, the contents (name, SHA-256) its version was built with.
/// A content deleted since the compile read it (its asset deleted meanwhile) fails the save
/// with [`StoreError::AssetGone`].
pub(crate) async fn record_version_assets(
    tx: &mut Tx<'_>,
    version_id: &str,
    used: &[(String, String)],
) -> Result<(), StoreError> {
    for (name, sha256) in used {
        let recorded = sqlx::query(
            "INSERT INTO page_version_assets (version_id, name, sha256) SELECT $1, $2, $3 \
             WHERE EXISTS (SELECT 1 FROM asset_contents WHERE sha256 = $3)",
        )
        .bind(version_id)
        .bind(name)
        .bind(sha256)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if recorded == 0 {
            return Err(StoreError::AssetGone { name: name.clone() });
        }
    }
    Ok(())
}
