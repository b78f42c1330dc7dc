//! User accounts. E-mail addresses are stored lower-cased, so look-ups ignore case.

use sqlx::FromRow;

use crate::{Store, StoreError, new_id, now_ms};

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, name, password_hash, created_at";

impl Store {
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let user = User {
            id: new_id(),
            email: email.trim().to_lowercase(),
            name: name.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: now_ms(),
        };
        let mut conn = self.pool.acquire().await?;
        insert_user(&mut conn, &user).await?;
        self.changed().await;
        Ok(user)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Finds a user by id or e-mail, the two ways the API and CLI name one.
    pub async fn find_user(&self, id_or_email: &str) -> Result<Option<User>, StoreError> {
        if id_or_email.contains('@') {
            self.user_by_email(id_or_email).await
        } else {
            self.user_by_id(id_or_email).await
        }
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Sets the name people see for the user.
    pub async fn set_user_name(&self, user_id: &str, name: &str) -> Result<(), StoreError> {
        self.set_user_text("UPDATE users SET name = $1 WHERE id = $2", user_id, name)
            .await
    }

    /// Changes the user's sign-in address (stored lower-cased). `Conflict` when another
    /// account has it.
    pub async fn set_user_email(&self, user_id: &str, email: &str) -> Result<(), StoreError> {
        let email = email.trim().to_lowercase();
        self.set_user_text("UPDATE users SET email = $1 WHERE id = $2", user_id, &email)
            .await
    }

    /// Runs `update` (`$1` the value, `$2` the user's id) and says when no such user exists.
    async fn set_user_text(
        &self,
        update: &'static str,
        user_id: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let updated = sqlx::query(update)
            .bind(value)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {user_id}"),
            });
        }
        self.changed().await;
        Ok(())
    }

    /// Sets a new password hash and ends every session of the user but `keep_session` (the id
    /// hash of the session that changed it, if any).
    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {user_id}"),
            });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }
}

/// Inserts `user` (its e-mail already lower-cased); `Conflict` when the address is taken.
pub(crate) async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    user: &User,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(conn)
        .await
        .map_err(|error| match StoreError::from(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("a user with e-mail {}", user.email),
            },
            other => other,
        })?;
    Ok(())
}

impl Store {
    /// The oldest account, which first start made the owner of everything.
    pub async fn first_user_id(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM users ORDER BY created_at, id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
