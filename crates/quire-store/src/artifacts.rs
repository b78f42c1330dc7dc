//! The content-addressed artifacts (built HTML) that page versions and previews refer to:
//! stored once per SHA-256, and pruned when nothing refers to them any more.

use crate::{Store, StoreError, Tx, now_ms};

/// The built HTML a successful save produced, keyed by its SHA-256.
#[derive(Clone, Debug)]
pub struct NewArtifact<'a> {
    pub sha256: &'a str,
    pub html: &'a str,
}

impl Store {
    /// Keeps an artifact that no version refers to (yet): a preview's. It lives until
    /// [`Store::prune_artifacts`] finds it unreferenced and older than its cut-off.
    pub async fn put_artifact(&self, artifact: &NewArtifact<'_>) -> Result<(), StoreError> {
        self.put_artifacts(std::slice::from_ref(artifact)).await
    }

    /// [`Store::put_artifact`] for several at once, in one transaction: a preview and the
    /// shell its warm frame loads.
    pub async fn put_artifacts(&self, artifacts: &[NewArtifact<'_>]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        for artifact in artifacts {
            put(&mut tx, artifact, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the artifacts that no version refers to and that were last stored before
    /// `before` (Unix milliseconds): previews nobody saved. Answers how many went.
    pub async fn prune_artifacts(&self, before: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let pruned = sqlx::query(
            "DELETE FROM artifacts WHERE created_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM page_versions v WHERE v.artifact_sha256 = artifacts.sha256)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(pruned)
    }

    /// The HTML of the artifact with this SHA-256 (lowercase hex).
    pub async fn artifact_html(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT html FROM artifacts WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Stores an artifact, or marks an existing one as stored `now`: the row lock and the fresh
/// time keep a concurrent [`Store::prune_artifacts`] from deleting what a version is about to
/// refer to. Answers its size in bytes.
pub(crate) async fn put(
    tx: &mut Tx<'_>,
    artifact: &NewArtifact<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let size = i64::try_from(artifact.html.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO artifacts (sha256, html, size, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256) DO UPDATE SET created_at = excluded.created_at",
    )
    .bind(artifact.sha256)
    .bind(artifact.html)
    .bind(size)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(size)
}
