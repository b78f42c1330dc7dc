//! The key-value store behind `env.KV`, one namespace per project. Expired entries are
//! invisible to every read and are deleted by [`Store::kv_sweep_expired`] and [`Store::kv_sweep_project`] (the
//! server's KV calls one as it writes) or when a read finds them.

use crate::{Store, StoreError, now_ms};

impl Store {
    /// The live value of `key` in `project_id`'s namespace.
    pub async fn kv_get(&self, project_id: &str, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT value, expires_at FROM kv WHERE project_id = $1 AND key = $2")
                .bind(project_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        let now = now_ms();
        match row {
            Some((value, expires_at)) if expires_at.is_none_or(|at| at > now) => Ok(Some(value)),
            Some(_) => {
                sqlx::query(
                    "DELETE FROM kv WHERE project_id = $1 AND key = $2 AND expires_at <= $3",
                )
                .bind(project_id)
                .bind(key)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Stores `value` under `key`, replacing any earlier value; `expires_at` in Unix ms.
    pub async fn kv_put(
        &self,
        project_id: &str,
        key: &str,
        value: &str,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO kv (project_id, key, value, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(project_id)
        .bind(key)
        .bind(value)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes `key`; an absent key is not an error.
    pub async fn kv_delete(&self, project_id: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM kv WHERE project_id = $1 AND key = $2")
            .bind(project_id)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Up to `limit` live keys of the project that start with `prefix`, in byte order.
    pub async fn kv_list(
        &self,
        project_id: &str,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT key FROM kv WHERE project_id = $1 AND substr(key, 1, length(CAST($2 AS TEXT))) = $2 \
             AND (expires_at IS NULL OR expires_at > $3) ORDER BY key LIMIT $4",
        )
        .bind(project_id)
        .bind(prefix)
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes the expired entries of one project; answers how many.
    pub async fn kv_sweep_project(&self, project_id: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "DELETE FROM kv WHERE project_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2",
        )
        .bind(project_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Deletes every expired entry (of all projects); answers how many.
    pub async fn kv_sweep_expired(&self) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1")
                .bind(now_ms())
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
