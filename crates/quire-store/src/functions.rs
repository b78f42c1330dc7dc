//! Functions of a project: immutable code versions, the deploy state (`draft`, `deployed`,
//! `error`), limits, and the public-endpoint switch. Every change is one transaction with its
//! audit entry. The version that serves calls is `deployed_version`, which a later failed deploy
//! or a new draft leaves in place.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, new_id, now_ms, parse_column};

text_enum! {
    /// Where a function stands: its head is a draft, the head is deployed, or the last deploy failed.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum FunctionStatus { Draft = "draft", Deployed = "deployed", Error = "error" }
    error UnknownFunctionStatus = "unknown function status {0:?}";
}

#[derive(Clone, Debug)]
pub struct Function {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: String,
    pub status: FunctionStatus,
    pub head_version: i64,
    pub deployed_version: Option<i64>,
    /// Why the last deploy failed (status `error`).
    pub deploy_error: Option<String>,
    pub public_endpoint: bool,
    pub timeout_ms: i64,
    pub memory_mb: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FromRow<'_, AnyRow> for Function {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            name: row.try_get("name")?,
            slug: row.try_get("slug")?,
            status: parse_column(row, "status")?,
            head_version: row.try_get("head_version")?,
            deployed_version: row.try_get("deployed_version")?,
            deploy_error: row.try_get("deploy_error")?,
            public_endpoint: row.try_get::<i64, _>("public_endpoint")? != 0,
            timeout_ms: row.try_get("timeout_ms")?,
            memory_mb: row.try_get("memory_mb")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// One immutable version of a function's code.
#[derive(Clone, Debug, FromRow)]
pub struct FunctionVersion {
    pub id: String,
    pub function_id: String,
    pub number: i64,
    pub code: String,
    pub author_id: Option<String>,
    pub created_at: i64,
    /// Why the code does not load, as found when it was saved or deployed.
    pub load_error: Option<String>,
}

pub struct NewFunction<'a> {
    pub project_id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub code: &'a str,
    /// The load error found when the code was checked, kept with version 1.
    pub load_error: Option<&'a str>,
    pub public_endpoint: bool,
    pub timeout_ms: i64,
    pub memory_mb: i64,
    pub author_id: &'a str,
}

/// Settings to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct FunctionChanges<'a> {
    pub name: Option<&'a str>,
    pub slug: Option<&'a str>,
    pub public_endpoint: Option<bool>,
    pub timeout_ms: Option<i64>,
    pub memory_mb: Option<i64>,
}

const COLUMNS: &str = "id, project_id, name, slug, status, head_version, deployed_version, \
     deploy_error, public_endpoint, timeout_ms, memory_mb, created_at, updated_at";
const VERSION_COLUMNS: &str = "id, function_id, number, code, author_id, created_at, load_error";

fn slug_conflict(error: sqlx::Error, slug: &str) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("a function with slug {slug:?} in this project"),
        },
        other => other,
    }
}

async fn function_in(
    conn: &mut sqlx::AnyConnection,
    function_id: &str,
) -> Result<Function, StoreError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM functions WHERE id = $1"))
        .bind(function_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("function {function_id}"),
        })
}

async fn insert_version(
    conn: &mut sqlx::AnyConnection,
    function_id: &str,
    number: i64,
    code: &str,
    author_id: &str,
    load_error: Option<&str>,
) -> Result<FunctionVersion, StoreError> {
    let version = FunctionVersion {
        id: new_id(),
        function_id: function_id.to_owned(),
        number,
        code: code.to_owned(),
        author_id: Some(author_id.to_owned()),
        created_at: now_ms(),
        load_error: load_error.map(str::to_owned),
    };
    sqlx::query(
        "INSERT INTO function_versions (id, function_id, number, code, author_id, created_at, load_error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&version.id)
    .bind(&version.function_id)
    .bind(version.number)
    .bind(&version.code)
    .bind(&version.author_id)
    .bind(version.created_at)
    .bind(&version.load_error)
    .execute(conn)
    .await?;
    Ok(version)
}

impl Store {
    /// Creates a function in `draft` with its code as version 1.
    pub async fn create_function(&self, new: &NewFunction<'_>) -> Result<Function, StoreError> {
        let now = now_ms();
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO functions (id, project_id, name, slug, status, head_version, public_endpoint, \
             timeout_ms, memory_mb, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(new.project_id)
        .bind(new.name)
        .bind(new.slug)
        .bind(i64::from(new.public_endpoint))
        .bind(new.timeout_ms)
        .bind(new.memory_mb)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| slug_conflict(e, new.slug))?;
        insert_version(&mut tx, &id, 1, new.code, new.author_id, new.load_error).await?;
        let details = serde_json::json!({ "slug": new.slug, "name": new.name });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.create",
                Some(new.project_id),
                Some(new.author_id),
                Some(&id),
                details,
            ),
        )
        .await?;
        let function = function_in(&mut tx, &id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(function)
    }

    /// The function of `project_id` named by id or slug.
    pub async fn function(
        &self,
        project_id: &str,
        id_or_slug: &str,
    ) -> Result<Option<Function>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM functions WHERE project_id = $1 AND (id = $2 OR slug = $2)"
        ))
        .bind(project_id)
        .bind(id_or_slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The project's functions, by slug.
    pub async fn functions(&self, project_id: &str) -> Result<Vec<Function>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM functions WHERE project_id = $1 ORDER BY slug"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Changes a function's settings (name, slug, public endpoint, limits).
    pub async fn update_function(
        &self,
        function_id: &str,
        changes: &FunctionChanges<'_>,
        actor_id: &str,
    ) -> Result<Function, StoreError> {
        let mut tx = self.begin().await?;
        let current = function_in(&mut tx, function_id).await?;
        let name = changes.name.unwrap_or(&current.name);
        let slug = changes.slug.unwrap_or(&current.slug);
        let public_endpoint = changes.public_endpoint.unwrap_or(current.public_endpoint);
        let timeout_ms = changes.timeout_ms.unwrap_or(current.timeout_ms);
        let memory_mb = changes.memory_mb.unwrap_or(current.memory_mb);
        sqlx::query(
            "UPDATE functions SET name = $1, slug = $2, public_endpoint = $3, timeout_ms = $4, \
             memory_mb = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(name)
        .bind(slug)
        .bind(i64::from(public_endpoint))
        .bind(timeout_ms)
        .bind(memory_mb)
        .bind(now_ms())
        .bind(function_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| slug_conflict(e, slug))?;
        let details = serde_json::json!({
            "name": changes.name,
            "slug": changes.slug,
            "public_endpoint": changes.public_endpoint,
            "timeout_ms": changes.timeout_ms,
            "memory_mb": changes.memory_mb,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.update",
                Some(&current.project_id),
                Some(actor_id),
                Some(function_id),
                details,
            ),
        )
        .await?;
        let function = function_in(&mut tx, function_id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(function)
    }

    /// Stores `code` as the new head version (audited as `function.code_save`). The status
    /// becomes `draft`, unless the code is exactly what is deployed, in which case the function
    /// stays `deployed`.
    pub async fn put_function_code(
        &self,
        function_id: &str,
        code: &str,
        load_error: Option<&str>,
        author_id: &str,
    ) -> Result<(Function, FunctionVersion), StoreError> {
        let mut tx = self.begin().await?;
        let current = function_in(&mut tx, function_id).await?;
        let number = current.head_version + 1;
        let version =
            insert_version(&mut tx, function_id, number, code, author_id, load_error).await?;
        let deployed_code: Option<String> = match current.deployed_version {
            Some(deployed) => {
                sqlx::query_scalar(
                    "SELECT code FROM function_versions WHERE function_id = $1 AND number = $2",
                )
                .bind(function_id)
                .bind(deployed)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let (status, deployed_version) = if deployed_code.as_deref() == Some(code) {
            (FunctionStatus::Deployed, Some(number))
        } else {
            (FunctionStatus::Draft, current.deployed_version)
        };
        sqlx::query(
            "UPDATE functions SET head_version = $1, status = $2, deployed_version = $3, \
             deploy_error = NULL, updated_at = $4 WHERE id = $5",
        )
        .bind(number)
        .bind(status.as_str())
        .bind(deployed_version)
        .bind(now_ms())
        .bind(function_id)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({ "version": number, "loads": load_error.is_none() });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.code_save",
                Some(&current.project_id),
                Some(author_id),
                Some(function_id),
                details,
            ),
        )
        .await?;
        let function = function_in(&mut tx, function_id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok((function, version))
    }

    /// Records a deploy of `version`: on success it becomes the deployed version; on failure
    /// the status is `error` with `load_error`, and the version deployed before keeps serving.
    /// Audited as `function.deploy` either way.
    pub async fn deploy_function(
        &self,
        function_id: &str,
        version: i64,
        load_error: Option<&str>,
        actor_id: &str,
    ) -> Result<Function, StoreError> {
        let mut tx = self.begin().await?;
        let current = function_in(&mut tx, function_id).await?;
        let exists = sqlx::query(
            "UPDATE function_versions SET load_error = $1 WHERE function_id = $2 AND number = $3",
        )
        .bind(load_error)
        .bind(function_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if exists == 0 {
            return Err(StoreError::NotFound {
                what: format!("version {version} of function {:?}", current.slug),
            });
        }
        let (status, deployed_version) = match load_error {
            None => (FunctionStatus::Deployed, Some(version)),
            Some(_) => (FunctionStatus::Error, current.deployed_version),
        };
        // A deploy of an older version while a newer head exists leaves the head a draft.
        let status = if status == FunctionStatus::Deployed && version != current.head_version {
            FunctionStatus::Draft
        } else {
            status
        };
        sqlx::query(
            "UPDATE functions SET status = $1, deployed_version = $2, deploy_error = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(deployed_version)
        .bind(load_error)
        .bind(now_ms())
        .bind(function_id)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "version": version,
            "status": status.as_str(),
            "error": load_error,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.deploy",
                Some(&current.project_id),
                Some(actor_id),
                Some(function_id),
                details,
            ),
        )
        .await?;
        let function = function_in(&mut tx, function_id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(function)
    }

    /// Deletes a function with its versions, secrets and invocation records.
    pub async fn delete_function(
        &self,
        function_id: &str,
        actor_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = function_in(&mut tx, function_id).await?;
        sqlx::query("DELETE FROM functions WHERE id = $1")
            .bind(function_id)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({ "slug": current.slug, "name": current.name });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.delete",
                Some(&current.project_id),
                Some(actor_id),
                Some(function_id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }

    pub async fn function_version(
        &self,
        function_id: &str,
        number: i64,
    ) -> Result<Option<FunctionVersion>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM function_versions WHERE function_id = $1 AND number = $2"
        ))
        .bind(function_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A function's versions, newest first.
    pub async fn function_versions(
        &self,
        function_id: &str,
    ) -> Result<Vec<FunctionVersion>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM function_versions WHERE function_id = $1 ORDER BY number DESC"
        ))
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
