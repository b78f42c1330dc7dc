//! Projects and their members. Every project keeps at least one owner; the checks and the
//! change happen in one transaction so two concurrent demotions cannot leave none.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::audit::{NewAuditEntry, insert_audit};
use crate::{Store, StoreError, new_id, now_ms, parse_column};

#[derive(Clone, Debug, FromRow)]
pub struct Project {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub created_at: i64,
}

text_enum! {
    /// A member's role; the order is the order of power (`Member < Admin < Owner`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Role { Member = "member", Admin = "admin", Owner = "owner" }
    error UnknownRole = "unknown role {0:?}: use owner, admin or member";
}

/// A user's place in one project.
#[derive(Clone, Debug)]
pub struct Membership {
    pub project: Project,
    pub role: Role,
}

/// A project's member, as listed to its owners and admins.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
}

impl FromRow<'_, AnyRow> for Membership {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            project: Project {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
            },
            role: parse_column(row, "role")?,
        })
    }
}

impl FromRow<'_, AnyRow> for Member {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            user_id: row.try_get("user_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: parse_column(row, "role")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

impl Store {
    /// Creates a project with `owner_id` as its owner, and records it in the audit log.
    pub async fn create_project(
        &self,
        slug: &str,
        name: &str,
        owner_id: &str,
    ) -> Result<Project, StoreError> {
        let project = Project {
            id: new_id(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            created_at: now_ms(),
        };
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO projects (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&project.id)
            .bind(&project.slug)
            .bind(&project.name)
            .bind(project.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|error| match StoreError::from(error) {
                StoreError::Conflict { .. } => StoreError::Conflict {
                    what: format!("a project with slug {slug:?}"),
                },
                other => other,
            })?;
        sqlx::query("INSERT INTO memberships (project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&project.id)
            .bind(owner_id)
            .bind(Role::Owner.as_str())
            .bind(project.created_at)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({ "slug": slug, "name": name });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "project.create",
                Some(&project.id),
                Some(owner_id),
                Some(&project.id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(project)
    }

    /// Renames a project (its slug stays), and records it in the audit log; `NotFound` when
    /// there is no such project.
    pub async fn rename_project(
        &self,
        project_id: &str,
        name: &str,
        actor_id: &str,
    ) -> Result<Project, StoreError> {
        let mut tx = self.begin().await?;
        let previous: Option<String> =
            sqlx::query_scalar("SELECT name FROM projects WHERE id = $1")
                .bind(project_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(previous) = previous else {
            return Err(StoreError::NotFound {
                what: format!("project {project_id}"),
            });
        };
        sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(project_id)
            .execute(&mut *tx)
            .await?;
        let project: Project =
            sqlx::query_as("SELECT id, slug, name, created_at FROM projects WHERE id = $1")
                .bind(project_id)
                .fetch_one(&mut *tx)
                .await?;
        if previous != name {
            let details = serde_json::json!({ "from": previous, "to": name });
            insert_audit(
                &mut tx,
                &NewAuditEntry::new(
                    "project.rename",
                    Some(project_id),
                    Some(actor_id),
                    Some(project_id),
                    details,
                ),
            )
            .await?;
        }
        tx.commit().await?;
        self.changed().await;
        Ok(project)
    }

    /// The project named by id or slug.
    pub async fn project(&self, id_or_slug: &str) -> Result<Option<Project>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, slug, name, created_at FROM projects WHERE id = $1 OR slug = $1",
        )
        .bind(id_or_slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The projects `user_id` belongs to, with the user's role in each.
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug, p.name, p.created_at, m.role FROM projects p \
             JOIN memberships m ON m.project_id = p.id WHERE m.user_id = $1 ORDER BY p.created_at, p.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The role of `user_id` in the project named by id or slug, with the project.
    pub async fn membership(
        &self,
        project: &str,
        user_id: &str,
    ) -> Result<Option<Membership>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug, p.name, p.created_at, m.role FROM projects p \
             JOIN memberships m ON m.project_id = p.id WHERE (p.id = $1 OR p.slug = $1) AND m.user_id = $2",
        )
        .bind(project)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn members(&self, project_id: &str) -> Result<Vec<Member>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 ORDER BY m.created_at, u.email",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds `user_id` with `role`, or changes their role. Refuses to demote the last owner.
    /// Answers the previous role (`None` when the user was added). This is the operator's
    /// path (`quire user add --project`); the API adds people only through invitations.
    pub async fn set_member_role(
        &self,
        project_id: &str,
        user_id: &str,
        role: Role,
        actor_id: &str,
    ) -> Result<Option<Role>, StoreError> {
        self.write_member_role(project_id, user_id, role, actor_id, true)
            .await
    }

    /// Changes the role of someone who is already a member (`NotFound` for anyone else).
    /// Refuses to demote the last owner. Answers the previous role.
    pub async fn change_member_role(
        &self,
        project_id: &str,
        user_id: &str,
        role: Role,
        actor_id: &str,
    ) -> Result<Role, StoreError> {
        self.write_member_role(project_id, user_id, role, actor_id, false)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("member {user_id}"),
            })
    }

    async fn write_member_role(
        &self,
        project_id: &str,
        user_id: &str,
        role: Role,
        actor_id: &str,
        add: bool,
    ) -> Result<Option<Role>, StoreError> {
        let mut tx = self.begin().await?;
        let previous = current_role(&mut tx, project_id, user_id).await?;
        if previous.is_none() && !add {
            return Err(StoreError::NotFound {
                what: format!("member {user_id}"),
            });
        }
        if previous == Some(Role::Owner) && role != Role::Owner {
            ensure_another_owner(&mut tx, project_id, user_id).await?;
        }
        write_membership(&mut tx, project_id, user_id, role, previous.is_some()).await?;
        if previous != Some(role) {
            let action = if previous.is_some() {
                "member.role_change"
            } else {
                "member.add"
            };
            let details =
                serde_json::json!({ "from": previous.map(Role::as_str), "to": role.as_str() });
            insert_audit(
                &mut tx,
                &NewAuditEntry::new(
                    action,
                    Some(project_id),
                    Some(actor_id),
                    Some(user_id),
                    details,
                ),
            )
            .await?;
        }
        tx.commit().await?;
        self.changed().await;
        Ok(previous)
    }

    /// Removes `user_id` from the project. Refuses to remove the last owner.
    pub async fn remove_member(
        &self,
        project_id: &str,
        user_id: &str,
        actor_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let Some(previous) = current_role(&mut tx, project_id, user_id).await? else {
            return Err(StoreError::NotFound {
                what: format!("member {user_id}"),
            });
        };
        if previous == Role::Owner {
            ensure_another_owner(&mut tx, project_id, user_id).await?;
        }
        sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({ "role": previous.as_str() });
        insert_audit(
            &mut tx,
            &NewAuditEntry::new(
                "member.remove",
                Some(project_id),
                Some(actor_id),
                Some(user_id),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        self.changed().await;
        Ok(())
    }
}

/// Inserts the membership, or updates its role when `exists`.
pub(crate) async fn write_membership(
    tx: &mut crate::Tx<'_>,
    project_id: &str,
    user_id: &str,
    role: Role,
    exists: bool,
) -> Result<(), StoreError> {
    let statement = if exists {
        "UPDATE memberships SET role = $1 WHERE project_id = $2 AND user_id = $3"
    } else {
        "INSERT INTO memberships (role, project_id, user_id, created_at) VALUES ($1, $2, $3, $4)"
    };
    let mut query = sqlx::query(statement)
        .bind(role.as_str())
        .bind(project_id)
        .bind(user_id);
    if !exists {
        query = query.bind(now_ms());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

pub(crate) async fn current_role(
    tx: &mut crate::Tx<'_>,
    project_id: &str,
    user_id: &str,
) -> Result<Option<Role>, StoreError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project_id)
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    role.map(|r| {
        r.parse()
            .map_err(|e: UnknownRole| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
    })
    .transpose()
}

async fn ensure_another_owner(
    tx: &mut crate::Tx<'_>,
    project_id: &str,
    user_id: &str,
) -> Result<(), StoreError> {
    let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND role = 'owner' AND user_id <> $2")
        .bind(project_id)
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    if others == 0 {
        return Err(StoreError::LastOwner);
    }
    Ok(())
}
