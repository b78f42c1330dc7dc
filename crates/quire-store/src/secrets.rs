//! Function secrets. The store keeps them sealed (the server encrypts before and decrypts after);
//! names are listable, values only come back sealed, for the invocation that needs them.

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, now_ms};

/// A secret's name and when it was last set; never its value.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SecretName {
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    /// Sets (or replaces) the sealed value of secret `name`. Audited as `function.secret_set`
    /// with the name only.
    pub async fn set_function_secret(
        &self,
        project_id: &str,
        function_id: &str,
        name: &str,
        sealed: &str,
        actor_id: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO function_secrets (function_id, name, sealed, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (function_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(function_id)
        .bind(name)
        .bind(sealed)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.secret_set",
                Some(project_id),
                Some(actor_id),
                Some(function_id),
                serde_json::json!({ "name": name }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }

    /// Removes secret `name`; `NotFound` if the function has no such secret.
    pub async fn delete_function_secret(
        &self,
        project_id: &str,
        function_id: &str,
        name: &str,
        actor_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let removed =
            sqlx::query("DELETE FROM function_secrets WHERE function_id = $1 AND name = $2")
                .bind(function_id)
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: format!("secret {name:?}"),
            });
        }
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "function.secret_delete",
                Some(project_id),
                Some(actor_id),
                Some(function_id),
                serde_json::json!({ "name": name }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }

    /// The names of a function's secrets, sorted.
    pub async fn function_secret_names(
        &self,
        function_id: &str,
    ) -> Result<Vec<SecretName>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, created_at, updated_at FROM function_secrets WHERE function_id = $1 ORDER BY name",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// `(name, sealed value)` of every secret of a function, for an invocation.
    pub async fn function_secrets_sealed(
        &self,
        function_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, sealed FROM function_secrets WHERE function_id = $1 ORDER BY name",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
