//! A page's immutable versions. A save is one transaction: it stores the version (the source
//! is kept even when the build failed), its artifact if it built, and moves the page's head,
//! unless the head moved since the version the author started from. The version's JSON
//! columns (dependencies, diagnostics, lock) are written and read here, so callers handle
//! typed values.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::artifacts::{self, NewArtifact};
use crate::audit::{NewAuditEntry, insert_audit};
use crate::pages::{PAGE_COLUMNS, Page, page_in_tx, page_saved};
use crate::{Store, StoreError, Tx, new_id, now_ms};

/// One saved version of a page. Never changes once stored.
#[derive(Clone, Debug)]
pub struct PageVersion {
    pub id: String,
    pub page_id: String,
    pub number: i64,
    pub source: String,
    /// Name → npm range.
    pub dependencies: BTreeMap<String, String>,
    pub author_id: Option<String>,
    /// The author's name; `None` once their account is gone.
    pub author_name: Option<String>,
    pub created_at: i64,
    pub build_ok: bool,
    /// The compiler's diagnostics as stored (an empty list when they do not read as JSON). The
    /// store passes them on without knowing their shape, so those of an older compiler come
    /// back as they were written.
    pub diagnostics: serde_json::Value,
    pub artifact_sha256: Option<String>,
    /// JSON text of the npm lock the build used, when it built; read with [`Self::lock`].
    lock: Option<String>,
    /// The artifact's size in bytes, when it built.
    pub artifact_size: Option<i64>,
    /// For a version the page agent saved: its record (run, attempt, prompt), as written.
    pub generation: Option<serde_json::Value>,
}

impl PageVersion {
    /// The npm lock the build used, read as the caller's lock type (the compiler's): `None`
    /// when it did not build or the stored lock does not read as one.
    pub fn lock<T: DeserializeOwned>(&self) -> Option<T> {
        read_lock(self.lock.as_deref())
    }
}

const VERSION_COLUMNS: &str = "v.id, v.page_id, v.number, v.source, v.dependencies, v.author_id, \
     u.name AS author_name, v.created_at, v.build_ok, v.diagnostics, v.artifact_sha256, v.lock, \
     a.size AS artifact_size, v.generation";

impl FromRow<'_, AnyRow> for PageVersion {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            page_id: row.try_get("page_id")?,
            number: row.try_get("number")?,
            source: row.try_get("source")?,
            dependencies: read_dependencies(&row.try_get::<String, _>("dependencies")?),
            author_id: row.try_get("author_id")?,
            author_name: row.try_get("author_name")?,
            created_at: row.try_get("created_at")?,
            build_ok: row.try_get::<i64, _>("build_ok")? != 0,
            diagnostics: read_diagnostics(&row.try_get::<String, _>("diagnostics")?),
            artifact_sha256: row.try_get("artifact_sha256")?,
            lock: row.try_get("lock")?,
            artifact_size: row.try_get("artifact_size")?,
            generation: row
                .try_get::<Option<String>, _>("generation")?
                .and_then(|json| serde_json::from_str(&json).ok()),
        })
    }
}

/// Dependencies as stored; text that does not read as a map is none.
pub(crate) fn read_dependencies(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn read_diagnostics(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|_| serde_json::Value::Array(Vec::new()))
}

fn read_lock<T: DeserializeOwned>(json: Option<&str>) -> Option<T> {
    json.and_then(|json| serde_json::from_str(json).ok())
}

/// A page's head version, in brief.
#[derive(Clone, Debug)]
pub struct PageHead {
    pub page_id: String,
    pub number: i64,
    pub build_ok: bool,
    pub saved_at: i64,
    /// Who saved it; `None` once their account is gone.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
}

impl FromRow<'_, AnyRow> for PageHead {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            page_id: row.try_get("page_id")?,
            number: row.try_get("number")?,
            build_ok: row.try_get::<i64, _>("build_ok")? != 0,
            saved_at: row.try_get("saved_at")?,
            author_id: row.try_get("author_id")?,
            author_name: row.try_get("author_name")?,
        })
    }
}

/// What a save stores: the source always, the build's outcome, the artifact when it built.
/// The diagnostics and the lock are the compiler's; the store writes them as JSON without
/// knowing their shape.
#[derive(Clone, Debug)]
pub struct NewPageVersion<'a> {
    source: &'a str,
    /// The JSON columns, as text already: serialized once, when given.
    dependencies: String,
    diagnostics: String,
    /// `Some` exactly when the build succeeded.
    artifact: Option<NewArtifact<'a>>,
    lock: Option<String>,
    /// The asset contents the build used: (name, SHA-256).
    assets: Vec<(String, String)>,
    /// The page agent's record of the version, as JSON text, when an agent run saved it.
    generation: Option<String>,
}

impl<'a> NewPageVersion<'a> {
    /// A version of `source` with `dependencies` (name → npm range) whose build reported
    /// `diagnostics`. Without [`Self::with_artifact`] it is a build that failed.
    pub fn new(
        source: &'a str,
        dependencies: &BTreeMap<String, String>,
        diagnostics: &(impl Serialize + ?Sized),
    ) -> Self {
        Self {
            source,
            dependencies: serde_json::to_string(dependencies).unwrap_or_else(|_| "{}".to_owned()),
            diagnostics: serde_json::to_string(diagnostics).unwrap_or_else(|_| "[]".to_owned()),
            artifact: None,
            lock: None,
            assets: Vec::new(),
            generation: None,
        }
    }

    /// Marks the version as written by the page agent, with its record (run, attempt,
    /// prompt).
    #[must_use]
    pub fn with_generation(self, generation: &impl Serialize) -> Self {
        Self {
            generation: serde_json::to_string(generation).ok(),
            ..self
        }
    }

    /// The artifact the build made: give one exactly when the build succeeded.
    #[must_use]
    pub fn with_artifact(self, artifact: NewArtifact<'a>) -> Self {
        Self {
            artifact: Some(artifact),
            ..self
        }
    }

    /// The asset contents the build used, as (name, SHA-256): kept with the version so a
    /// content stays while a version needs it.
    #[must_use]
    pub fn with_assets(self, assets: Vec<(String, String)>) -> Self {
        Self { assets, ..self }
    }

    /// The npm lock the build used (one that does not serialize is left out).
    #[must_use]
    pub fn with_lock(self, lock: &impl Serialize) -> Self {
        Self {
            lock: serde_json::to_string(lock).ok(),
            ..self
        }
    }
}

impl Store {
    /// The head version of each of a project's pages that has one: who saved it, when, and
    /// whether it built (what a list of pages shows beside each).
    pub async fn page_heads(&self, project_id: &str) -> Result<Vec<PageHead>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.id AS page_id, v.number, v.build_ok, v.created_at AS saved_at, \
             v.author_id, u.name AS author_name FROM pages p \
             JOIN page_versions v ON v.page_id = p.id AND v.number = p.head_version \
             LEFT JOIN users u ON u.id = v.author_id WHERE p.project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a new version of a page and makes it the head, in one transaction. The
    /// published version does not move. With `base` (the head number the author started
    /// from, 0 before the first save), a page whose head has moved since is left as it is and
    /// the answer is [`StoreError::HeadMoved`], naming the head and who saved it.
    pub async fn save_page_version(
        &self,
        page_id: &str,
        version: &NewPageVersion<'_>,
        actor_id: &str,
        base: Option<i64>,
    ) -> Result<PageVersion, StoreError> {
        let mut tx = self.begin().await?;
        let page = page_in_tx(&mut tx, page_id).await?;
        let saved =
            insert_version(&mut tx, &page.project_id, page_id, version, actor_id, base).await?;
        self.append_event(&mut tx, &page_saved(&page.project_id, &saved))
            .await?;
        tx.commit().await?;
        self.announce_events(&page.project_id);
        Ok(saved)
    }

    /// The page of a project named by id or slug, with the npm lock its head version built
    /// with (read as the caller's lock type, as [`PageVersion::lock`]): what the page's next
    /// version builds over, in one read.
    pub async fn page_with_head_lock<T: DeserializeOwned>(
        &self,
        project_id: &str,
        id_or_slug: &str,
    ) -> Result<Option<(Page, Option<T>)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PAGE_COLUMNS}, (SELECT v.lock FROM page_versions v \
             WHERE v.page_id = pages.id AND v.number = pages.head_version) AS head_lock \
             FROM pages WHERE project_id = $1 AND (id = $2 OR slug = $2)"
        ))
        .bind(project_id)
        .bind(id_or_slug)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let head_lock: Option<String> = row.try_get("head_lock")?;
        Ok(Some((
            Page::from_row(&row)?,
            read_lock(head_lock.as_deref()),
        )))
    }

    /// A page's versions, newest first.
    pub async fn page_versions(&self, page_id: &str) -> Result<Vec<PageVersion>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM page_versions v \
             LEFT JOIN artifacts a ON a.sha256 = v.artifact_sha256 \
             LEFT JOIN users u ON u.id = v.author_id \
             WHERE v.page_id = $1 ORDER BY v.number DESC"
        ))
        .bind(page_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Version `number` of a page.
    pub async fn page_version(
        &self,
        page_id: &str,
        number: i64,
    ) -> Result<Option<PageVersion>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM page_versions v \
             LEFT JOIN artifacts a ON a.sha256 = v.artifact_sha256 \
             LEFT JOIN users u ON u.id = v.author_id \
             WHERE v.page_id = $1 AND v.number = $2"
        ))
        .bind(page_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// Why a save from `base` was refused: the head as it is now, and who saved it.
async fn head_moved(tx: &mut Tx<'_>, page_id: &str, base: i64) -> Result<StoreError, StoreError> {
    let row: Option<(i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT v.number, v.created_at, u.name FROM pages p \
         JOIN page_versions v ON v.page_id = p.id AND v.number = p.head_version \
         LEFT JOIN users u ON u.id = v.author_id WHERE p.id = $1",
    )
    .bind(page_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((head, saved_at, author)) = row else {
        // No head yet: the page is gone, or `base` named a version before the first save.
        page_in_tx(tx, page_id).await?;
        return Ok(StoreError::HeadMoved {
            base,
            head: 0,
            author: None,
            saved_at: 0,
        });
    };
    Ok(StoreError::HeadMoved {
        base,
        head,
        author,
        saved_at,
    })
}

/// Inserts a version numbered one past the head, stores its artifact, moves the head and
/// records the save. The `UPDATE … RETURNING` takes the page's row lock first, so concurrent
/// saves of one page queue instead of claiming the same number.
pub(crate) async fn insert_version(
    tx: &mut Tx<'_>,
    project_id: &str,
    page_id: &str,
    version: &NewPageVersion<'_>,
    actor_id: &str,
    base: Option<i64>,
) -> Result<PageVersion, StoreError> {
    let now = now_ms();
    // The condition on the head sits in the UPDATE itself: on PostgreSQL a concurrent save
    // that committed first makes this one match no row, rather than stack on top of it.
    let number: Option<i64> = sqlx::query_scalar(
        "UPDATE pages SET head_version = COALESCE(head_version, 0) + 1, dependencies = $1, \
         updated_at = $2 WHERE id = $3 AND ($4 < 0 OR COALESCE(head_version, 0) = $4) \
         RETURNING head_version",
    )
    .bind(&version.dependencies)
    .bind(now)
    .bind(page_id)
    .bind(base.unwrap_or(-1))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(number) = number else {
        return Err(match base {
            Some(base) => head_moved(tx, page_id, base).await?,
            None => StoreError::NotFound {
                what: format!("page {page_id}"),
            },
        });
    };
    let mut artifact_size = None;
    if let Some(artifact) = &version.artifact {
        artifact_size = Some(artifacts::put(tx, artifact, now).await?);
    }
    let author_name: Option<String> = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(actor_id)
        .fetch_optional(&mut **tx)
        .await?;
    let saved = PageVersion {
        id: new_id(),
        page_id: page_id.to_owned(),
        number,
        source: version.source.to_owned(),
        dependencies: read_dependencies(&version.dependencies),
        author_id: Some(actor_id.to_owned()),
        author_name,
        created_at: now,
        build_ok: version.artifact.is_some(),
        diagnostics: read_diagnostics(&version.diagnostics),
        artifact_sha256: version.artifact.as_ref().map(|a| a.sha256.to_owned()),
        lock: version.lock.clone(),
        artifact_size,
        generation: version
            .generation
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok()),
    };
    sqlx::query(
        "INSERT INTO page_versions (id, page_id, number, source, dependencies, author_id, \
         created_at, build_ok, diagnostics, artifact_sha256, lock, generation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&saved.id)
    .bind(page_id)
    .bind(number)
    .bind(&saved.source)
    .bind(&version.dependencies)
    .bind(actor_id)
    .bind(now)
    .bind(i64::from(saved.build_ok))
    .bind(&version.diagnostics)
    .bind(saved.artifact_sha256.as_deref())
    .bind(saved.lock.as_deref())
    .bind(version.generation.as_deref())
    .execute(&mut **tx)
    .await?;
    crate::assets::record_version_assets(tx, &saved.id, &version.assets).await?;
    let details = serde_json::json!({
        "version": number,
        "build_ok": saved.build_ok,
        "artifact": saved.artifact_sha256,
    });
    insert_audit(
        tx,
        &NewAuditEntry::new(
            "page.save",
            Some(project_id),
            Some(actor_id),
            Some(page_id),
            details,
        ),
    )
    .await?;
    Ok(saved)
}
