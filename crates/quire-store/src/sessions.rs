//! Browser sessions. Only the SHA-256 of a session id is stored; the server derives the
//! session's CSRF token from the id, so nothing else is kept.

use sqlx::FromRow;

use crate::{Store, StoreError, now_ms};

#[derive(Clone, Debug, FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    /// Stores a new session; `replaces` (the hash of the cookie the browser sent, if any) is
    /// deleted in the same transaction, so a login always rotates the session.
    pub async fn create_session(
        &self,
        session: &Session,
        replaces: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if let Some(old) = replaces {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(&session.id_hash)
            .bind(&session.user_id)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&mut *tx)
            .await?;
        // Expired sessions are swept here rather than by a background job: logins are rare
        // enough to be cheap and frequent enough to keep the table small.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }

    /// The live session with this id hash, if it has not expired.
    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id_hash, user_id, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        self.changed().await;
        Ok(())
    }

    /// Ends every session of `user_id` but `except` (a session id hash); answers how many ended.
    pub async fn delete_sessions(
        &self,
        user_id: &str,
        except: Option<&str>,
    ) -> Result<u64, StoreError> {
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(except.unwrap_or(""))
            .execute(&self.pool)
            .await?
            .rows_affected();
        self.changed().await;
        Ok(ended)
    }
}
