//! API tokens: the secret is shown once at creation; only its SHA-256 and a short hint are kept.

use sqlx::FromRow;

use crate::{Store, StoreError, new_id, now_ms};

#[derive(Clone, Debug, FromRow)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    /// A token limited to one project acts as its user in that project only.
    pub project_id: Option<String>,
    pub name: String,
    pub hint: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewApiToken<'a> {
    pub user_id: &'a str,
    pub project_id: Option<&'a str>,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub hint: &'a str,
    pub expires_at: Option<i64>,
}

const COLUMNS: &str =
    "id, user_id, project_id, name, hint, created_at, expires_at, last_used_at, revoked_at";

impl Store {
    pub async fn create_api_token(&self, new: &NewApiToken<'_>) -> Result<ApiToken, StoreError> {
        let token = ApiToken {
            id: new_id(),
            user_id: new.user_id.to_owned(),
            project_id: new.project_id.map(str::to_owned),
            name: new.name.to_owned(),
            hint: new.hint.to_owned(),
            created_at: now_ms(),
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, project_id, name, token_hash, hint, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(&token.user_id)
        .bind(&token.project_id)
        .bind(&token.name)
        .bind(new.token_hash)
        .bind(&token.hint)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&self.pool)
        .await?;
        self.changed().await;
        Ok(token)
    }

    /// The token with this hash, whether or not it is still usable; the caller says why not.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn touch_api_token(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn list_api_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a token of `user_id`; answers whether one was revoked.
    pub async fn revoke_api_token(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        self.changed().await;
        Ok(done.rows_affected() == 1)
    }
}
