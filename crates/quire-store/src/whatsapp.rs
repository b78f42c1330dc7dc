//! WhatsApp connections: a number of a project, with what its webhook and its replies need.
//! The app secret and the access token arrive sealed (the server encrypts them) and leave
//! sealed. Creating, changing and deleting a connection is audited in the same transaction and
//! moves [`Store::generation`], since the webhook caches a project's connections.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::exec::{Args, Exec};
use crate::{Store, StoreError, now_ms};

#[derive(Clone, Debug)]
pub struct WhatsappConnection {
    pub id: String,
    pub project_id: String,
    pub name: String,
    /// Meta's id of the number, named by every delivery; unique on the server.
    pub phone_number_id: String,
    /// The number as people read it (`15550783881`), when known.
    pub display_phone_number: Option<String>,
    /// What Meta's webhook handshake must echo (`hub.verify_token`).
    pub verify_token: String,
    pub app_secret_sealed: String,
    pub access_token_sealed: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_delivery_at: Option<i64>,
}

impl FromRow<'_, AnyRow> for WhatsappConnection {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            name: row.try_get("name")?,
            phone_number_id: row.try_get("phone_number_id")?,
            display_phone_number: row.try_get("display_phone_number")?,
            verify_token: row.try_get("verify_token")?,
            app_secret_sealed: row.try_get("app_secret_sealed")?,
            access_token_sealed: row.try_get("access_token_sealed")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            last_delivery_at: row.try_get("last_delivery_at")?,
        })
    }
}

/// A connection to create. The id is chosen by the caller, which seals the secrets for it.
pub struct NewWhatsappConnection<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub name: &'a str,
    pub phone_number_id: &'a str,
    pub display_phone_number: Option<&'a str>,
    pub verify_token: &'a str,
    pub app_secret_sealed: &'a str,
    pub access_token_sealed: Option<&'a str>,
}

/// What to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct WhatsappConnectionChanges<'a> {
    pub name: Option<&'a str>,
    pub display_phone_number: Option<&'a str>,
    pub app_secret_sealed: Option<&'a str>,
    pub access_token_sealed: Option<&'a str>,
}

const COLUMNS: &str = "id, project_id, name, phone_number_id, display_phone_number, verify_token, \
     app_secret_sealed, access_token_sealed, created_at, updated_at, last_delivery_at";

/// How often a connection's `last_delivery_at` is written at most: every delivery writes in
/// the same transaction, and one row written by all of them would queue them on its lock.
pub const DELIVERY_NOTED_EVERY_MS: i64 = 1000;

fn number_conflict(error: sqlx::Error, phone_number_id: &str) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("a WhatsApp connection for phone number id {phone_number_id:?}"),
        },
        other => other,
    }
}

async fn connection_in(
    conn: &mut sqlx::AnyConnection,
    connection_id: &str,
) -> Result<WhatsappConnection, StoreError> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM whatsapp_connections WHERE id = $1"
    ))
    .bind(connection_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| StoreError::NotFound {
        what: format!("WhatsApp connection {connection_id}"),
    })
}

/// Notes a delivery to `connection_id` at `at` (a no-op when one was noted within the last
/// second), in the delivery's transaction.
pub async fn note_delivery<'a>(
    db: impl Into<Exec<'a>>,
    connection_id: &str,
    at: i64,
) -> Result<(), StoreError> {
    let mut args = Args::with_capacity(3);
    args.bind(at)
        .bind(connection_id)
        .bind(at - DELIVERY_NOTED_EVERY_MS);
    db.into()
        .execute(
            "UPDATE whatsapp_connections SET last_delivery_at = $1 \
             WHERE id = $2 AND (last_delivery_at IS NULL OR last_delivery_at <= $3)",
            args,
        )
        .await?;
    Ok(())
}

impl Store {
    /// Adds a connection (audited as `whatsapp.connection_create`, without its secrets).
    pub async fn create_whatsapp_connection(
        &self,
        new: &NewWhatsappConnection<'_>,
        actor_id: &str,
    ) -> Result<WhatsappConnection, StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO whatsapp_connections (id, project_id, name, phone_number_id, display_phone_number, \
             verify_token, app_secret_sealed, access_token_sealed, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(new.id)
        .bind(new.project_id)
        .bind(new.name)
        .bind(new.phone_number_id)
        .bind(new.display_phone_number)
        .bind(new.verify_token)
        .bind(new.app_secret_sealed)
        .bind(new.access_token_sealed)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| number_conflict(e, new.phone_number_id))?;
        let details = serde_json::json!({
            "name": new.name,
            "phone_number_id": new.phone_number_id,
            "access_token": new.access_token_sealed.is_some(),
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "whatsapp.connection_create",
                Some(new.project_id),
                Some(actor_id),
                Some(new.id),
                details,
            ),
        )
        .await?;
        let connection = connection_in(&mut tx, new.id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(connection)
    }

    /// A project's connections, oldest first.
    pub async fn whatsapp_connections(
        &self,
        project_id: &str,
    ) -> Result<Vec<WhatsappConnection>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM whatsapp_connections WHERE project_id = $1 ORDER BY created_at, id"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The connection `connection_id` of `project_id`.
    pub async fn whatsapp_connection(
        &self,
        project_id: &str,
        connection_id: &str,
    ) -> Result<Option<WhatsappConnection>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM whatsapp_connections WHERE project_id = $1 AND id = $2"
        ))
        .bind(project_id)
        .bind(connection_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The connection of `project_id` for the number `phone_number_id`, if the project has it.
    pub async fn whatsapp_connection_for_number(
        &self,
        project_id: &str,
        phone_number_id: &str,
    ) -> Result<Option<WhatsappConnection>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM whatsapp_connections WHERE project_id = $1 AND phone_number_id = $2"
        ))
        .bind(project_id)
        .bind(phone_number_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Changes a connection (audited as `whatsapp.connection_update` with the names of the
    /// fields changed, never a secret).
    pub async fn update_whatsapp_connection(
        &self,
        connection_id: &str,
        changes: &WhatsappConnectionChanges<'_>,
        actor_id: &str,
    ) -> Result<WhatsappConnection, StoreError> {
        let mut tx = self.begin().await?;
        let current = connection_in(&mut tx, connection_id).await?;
        sqlx::query(
            "UPDATE whatsapp_connections SET name = $1, display_phone_number = $2, app_secret_sealed = $3, \
             access_token_sealed = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(changes.name.unwrap_or(&current.name))
        .bind(
            changes
                .display_phone_number
                .or(current.display_phone_number.as_deref()),
        )
        .bind(
            changes
                .app_secret_sealed
                .unwrap_or(&current.app_secret_sealed),
        )
        .bind(
            changes
                .access_token_sealed
                .or(current.access_token_sealed.as_deref()),
        )
        .bind(now_ms())
        .bind(connection_id)
        .execute(&mut *tx)
        .await?;
        let fields_set: Vec<&str> = [
            ("name", changes.name.is_some()),
            (
                "display_phone_number",
                changes.display_phone_number.is_some(),
            ),
            ("app_secret", changes.app_secret_sealed.is_some()),
            ("access_token", changes.access_token_sealed.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, set)| set.then_some(field))
        .collect();
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "whatsapp.connection_update",
                Some(&current.project_id),
                Some(actor_id),
                Some(connection_id),
                serde_json::json!({ "name": changes.name, "changed": fields_set }),
            ),
        )
        .await?;
        let connection = connection_in(&mut tx, connection_id).await?;
        tx.commit().await?;
        self.changed().await;
        Ok(connection)
    }

    /// Deletes a connection (audited as `whatsapp.connection_delete`). Its conversations stay,
    /// without a connection until the number is connected again.
    pub async fn delete_whatsapp_connection(
        &self,
        connection_id: &str,
        actor_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = connection_in(&mut tx, connection_id).await?;
        sqlx::query("DELETE FROM whatsapp_connections WHERE id = $1")
            .bind(connection_id)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({
            "name": current.name,
            "phone_number_id": current.phone_number_id,
        });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "whatsapp.connection_delete",
                Some(&current.project_id),
                Some(actor_id),
                Some(connection_id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }
}
