//! Pages: create, list, settings, the inbox mount point, publish, unpublish and delete. Their
//! versions are in `page_versions`, the artifacts those built in `artifacts`. Only
//! `publish_page` and `unpublish_page` move what a page serves. Every change is recorded in
//! the audit log in the same transaction, and saves, publishing and unpublishing in the live
//! event stream too.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::events::{Audience, NewEvent};
use crate::page_versions::{NewPageVersion, PageVersion, insert_version, read_dependencies};
use crate::{Store, StoreError, Tx, new_id, now_ms, parse_column};

/// The one place a page can be mounted today: the sidebar beside an inbox conversation.
pub const INBOX_MOUNT_POINT: &str = "inbox_conversation_sidebar";

text_enum! {
    /// Whether a page serves a version.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PageStatus { Draft = "draft", Published = "published" }
    error UnknownPageStatus = "unknown page status {0:?}: draft or published";
}

#[derive(Clone, Debug)]
pub struct Page {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub status: PageStatus,
    /// The number of the newest version, `None` before the first save.
    pub head_version: Option<i64>,
    /// The number of the version the page serves, `None` while a draft.
    pub published_version: Option<i64>,
    pub inbox_mount: bool,
    /// `INBOX_MOUNT_POINT` when `inbox_mount`, else `None`.
    pub mount_point: Option<String>,
    /// The head version's dependencies: name → npm range.
    pub dependencies: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const PAGE_COLUMNS: &str = "id, project_id, name, slug, description, status, head_version, \
     published_version, inbox_mount, mount_point, dependencies, created_at, updated_at";

impl FromRow<'_, AnyRow> for Page {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            name: row.try_get("name")?,
            slug: row.try_get("slug")?,
            description: row.try_get("description")?,
            status: parse_column(row, "status")?,
            head_version: row.try_get("head_version")?,
            published_version: row.try_get("published_version")?,
            inbox_mount: row.try_get::<i64, _>("inbox_mount")? != 0,
            mount_point: row.try_get("mount_point")?,
            dependencies: read_dependencies(&row.try_get::<String, _>("dependencies")?),
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

#[derive(Clone, Debug)]
pub struct NewPage<'a> {
    pub project_id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub inbox_mount: bool,
}

/// A settings change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PageChanges<'a> {
    pub name: Option<&'a str>,
    pub slug: Option<&'a str>,
    pub description: Option<&'a str>,
    pub inbox_mount: Option<bool>,
}

impl Store {
    /// Creates a page (and its first version, when `first` is given) in one transaction.
    /// Answers the page and the first version.
    pub async fn create_page(
        &self,
        new: &NewPage<'_>,
        first: Option<&NewPageVersion<'_>>,
        actor_id: &str,
    ) -> Result<(Page, Option<PageVersion>), StoreError> {
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin().await?;
        if new.inbox_mount {
            ensure_mount_free(&mut tx, new.project_id, None).await?;
        }
        sqlx::query(
            "INSERT INTO pages (id, project_id, name, slug, description, status, inbox_mount, \
             mount_point, dependencies, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, '{}', $8, $8)",
        )
        .bind(&id)
        .bind(new.project_id)
        .bind(new.name)
        .bind(new.slug)
        .bind(new.description)
        .bind(i64::from(new.inbox_mount))
        .bind(new.inbox_mount.then_some(INBOX_MOUNT_POINT))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|error| page_conflict(error, new.slug))?;
        let details = serde_json::json!({ "slug": new.slug, "name": new.name });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "page.create",
                Some(new.project_id),
                Some(actor_id),
                Some(&id),
                details,
            ),
        )
        .await?;
        let version = match first {
            Some(version) => {
                Some(insert_version(&mut tx, new.project_id, &id, version, actor_id, None).await?)
            }
            None => None,
        };
        let page = page_in_tx(&mut tx, &id).await?;
        if let Some(version) = &version {
            self.append_event(&mut tx, &page_saved(&page.project_id, version))
                .await?;
        }
        tx.commit().await?;
        if version.is_some() {
            self.announce_events(&page.project_id);
        }
        Ok((page, version))
    }

    /// The pages of a project, by name.
    pub async fn pages(&self, project_id: &str) -> Result<Vec<Page>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE project_id = $1 ORDER BY name, slug"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The page of a project named by id or slug.
    pub async fn page(
        &self,
        project_id: &str,
        id_or_slug: &str,
    ) -> Result<Option<Page>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE project_id = $1 AND (id = $2 OR slug = $2)"
        ))
        .bind(project_id)
        .bind(id_or_slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The page that holds `mount_point` in a project, published or not.
    pub async fn page_at_mount(
        &self,
        project_id: &str,
        mount_point: &str,
    ) -> Result<Option<Page>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE project_id = $1 AND mount_point = $2"
        ))
        .bind(project_id)
        .bind(mount_point)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The page members and embeds see at `mount_point`: only a published one.
    pub async fn published_page_at_mount(
        &self,
        project_id: &str,
        mount_point: &str,
    ) -> Result<Option<Page>, StoreError> {
        Ok(self
            .page_at_mount(project_id, mount_point)
            .await?
            .filter(|page| page.status == PageStatus::Published))
    }

    /// Changes a page's settings. Taking a mount point another page holds is a `Conflict`
    /// that names that page.
    pub async fn update_page(
        &self,
        page_id: &str,
        changes: &PageChanges<'_>,
        actor_id: &str,
    ) -> Result<Page, StoreError> {
        let mut tx = self.begin().await?;
        let before = page_in_tx(&mut tx, page_id).await?;
        let inbox_mount = changes.inbox_mount.unwrap_or(before.inbox_mount);
        if inbox_mount && !before.inbox_mount {
            ensure_mount_free(&mut tx, &before.project_id, Some(page_id)).await?;
        }
        let slug = changes.slug.unwrap_or(&before.slug);
        sqlx::query(
            "UPDATE pages SET name = $1, slug = $2, description = $3, inbox_mount = $4, \
             mount_point = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(changes.name.unwrap_or(&before.name))
        .bind(slug)
        .bind(changes.description.unwrap_or(&before.description))
        .bind(i64::from(inbox_mount))
        .bind(inbox_mount.then_some(INBOX_MOUNT_POINT))
        .bind(now_ms())
        .bind(page_id)
        .execute(&mut *tx)
        .await
        .map_err(|error| page_conflict(error, slug))?;
        let mut details = serde_json::Map::new();
        if let Some(name) = changes.name.filter(|n| *n != before.name) {
            details.insert(
                "name".into(),
                serde_json::json!({ "from": before.name, "to": name }),
            );
        }
        if let Some(slug) = changes.slug.filter(|s| *s != before.slug) {
            details.insert(
                "slug".into(),
                serde_json::json!({ "from": before.slug, "to": slug }),
            );
        }
        if changes.description.is_some_and(|d| d != before.description) {
            details.insert("description".into(), serde_json::Value::Bool(true));
        }
        if inbox_mount != before.inbox_mount {
            details.insert(
                "inbox_mount".into(),
                serde_json::json!({ "from": before.inbox_mount, "to": inbox_mount }),
            );
        }
        if !details.is_empty() {
            insert_audit(
                &mut tx,
                &NewAuditEntry::new(
                    "page.update",
                    Some(&before.project_id),
                    Some(actor_id),
                    Some(page_id),
                    serde_json::Value::Object(details),
                ),
            )
            .await?;
        }
        let page = page_in_tx(&mut tx, page_id).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Makes the page serve version `number`, which must exist and have built (else
    /// `NotFound`). Publishing an older number is a rollback.
    pub async fn publish_page(
        &self,
        page_id: &str,
        number: i64,
        actor_id: &str,
    ) -> Result<Page, StoreError> {
        let mut tx = self.begin().await?;
        let before = page_in_tx(&mut tx, page_id).await?;
        let updated = sqlx::query(
            "UPDATE pages SET published_version = $1, status = 'published', updated_at = $2 \
             WHERE id = $3 AND EXISTS (SELECT 1 FROM page_versions \
             WHERE page_id = $3 AND number = $1 AND build_ok = 1)",
        )
        .bind(number)
        .bind(now_ms())
        .bind(page_id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("a version {number} of page {:?} that built", before.slug),
            });
        }
        let rollback = before.published_version.is_some_and(|p| number < p);
        let details = serde_json::json!({
            "version": number,
            "previous": before.published_version,
            "rollback": rollback,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "page.publish",
                Some(&before.project_id),
                Some(actor_id),
                Some(page_id),
                details,
            ),
        )
        .await?;
        let page = page_in_tx(&mut tx, page_id).await?;
        let event = NewEvent::new(
            &page.project_id,
            "page.published",
            Audience::Members,
            serde_json::json!({ "page_id": page_id, "version": number }),
        );
        self.append_event(&mut tx, &event).await?;
        tx.commit().await?;
        self.announce_events(&page.project_id);
        Ok(page)
    }

    /// Stops serving the page: it becomes a draft again. Its versions stay.
    pub async fn unpublish_page(&self, page_id: &str, actor_id: &str) -> Result<Page, StoreError> {
        let mut tx = self.begin().await?;
        let before = page_in_tx(&mut tx, page_id).await?;
        sqlx::query(
            "UPDATE pages SET published_version = NULL, status = 'draft', updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(page_id)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({ "previous": before.published_version });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "page.unpublish",
                Some(&before.project_id),
                Some(actor_id),
                Some(page_id),
                details,
            ),
        )
        .await?;
        let page = page_in_tx(&mut tx, page_id).await?;
        let event = NewEvent::new(
            &page.project_id,
            "page.unpublished",
            Audience::Members,
            serde_json::json!({ "page_id": page_id }),
        );
        self.append_event(&mut tx, &event).await?;
        tx.commit().await?;
        self.announce_events(&page.project_id);
        Ok(page)
    }

    /// Deletes a page and its versions. An artifact goes with them only when no other
    /// version (of any page) built the same bytes. Answers how many versions went.
    pub async fn delete_page(&self, page_id: &str, actor_id: &str) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let page = page_in_tx(&mut tx, page_id).await?;
        let built: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT artifact_sha256 FROM page_versions \
             WHERE page_id = $1 AND artifact_sha256 IS NOT NULL",
        )
        .bind(page_id)
        .fetch_all(&mut *tx)
        .await?;
        let versions = sqlx::query("DELETE FROM page_versions WHERE page_id = $1")
            .bind(page_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM pages WHERE id = $1")
            .bind(page_id)
            .execute(&mut *tx)
            .await?;
        for sha256 in &built {
            sqlx::query(
                "DELETE FROM artifacts WHERE sha256 = $1 \
                 AND NOT EXISTS (SELECT 1 FROM page_versions WHERE artifact_sha256 = $1)",
            )
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
        }
        let versions = i64::try_from(versions).unwrap_or(i64::MAX);
        let details = serde_json::json!({
            "slug": page.slug,
            "name": page.name,
            "versions": versions,
            "published_version": page.published_version,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "page.delete",
                Some(&page.project_id),
                Some(actor_id),
                Some(page_id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(versions)
    }
}

/// The live event of a saved version: for owners and admins, who see drafts.
pub(crate) fn page_saved<'a>(project_id: &'a str, version: &PageVersion) -> NewEvent<'a> {
    NewEvent::new(
        project_id,
        "page.saved",
        Audience::Editors,
        serde_json::json!({
            "page_id": version.page_id,
            "version": version.number,
            "build_ok": version.build_ok,
        }),
    )
}

pub(crate) async fn page_in_tx(tx: &mut Tx<'_>, page_id: &str) -> Result<Page, StoreError> {
    sqlx::query_as(&format!("SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1"))
        .bind(page_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("page {page_id}"),
        })
}

/// Refuses to mount a second page: the conflict names the page that holds the mount point.
async fn ensure_mount_free(
    tx: &mut Tx<'_>,
    project_id: &str,
    except_page: Option<&str>,
) -> Result<(), StoreError> {
    let holder: Option<(String, String)> = sqlx::query_as(
        "SELECT name, slug FROM pages WHERE project_id = $1 AND mount_point = $2 AND id <> $3",
    )
    .bind(project_id)
    .bind(INBOX_MOUNT_POINT)
    .bind(except_page.unwrap_or(""))
    .fetch_optional(&mut **tx)
    .await?;
    match holder {
        Some((name, slug)) => Err(mount_taken(&name, &slug)),
        None => Ok(()),
    }
}

fn mount_taken(name: &str, slug: &str) -> StoreError {
    StoreError::MountPointTaken {
        mount_point: INBOX_MOUNT_POINT.to_owned(),
        page_name: name.to_owned(),
        page_slug: slug.to_owned(),
    }
}

/// A unique-key clash on insert or update, named for people.
fn page_conflict(error: sqlx::Error, slug: &str) -> StoreError {
    let on_mount_point = match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            db.constraint().is_some_and(|c| c.contains("mount_point"))
                || db.message().contains("mount_point")
        }
        _ => false,
    };
    match StoreError::from(error) {
        // Another transaction mounted a page between the check and this write.
        StoreError::Conflict { .. } if on_mount_point => StoreError::MountPointTaken {
            mount_point: INBOX_MOUNT_POINT.to_owned(),
            page_name: "another page".to_owned(),
            page_slug: "mounted a moment ago".to_owned(),
        },
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("a page with slug {slug:?} in this project"),
        },
        other => other,
    }
}
