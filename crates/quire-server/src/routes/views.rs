//! The JSON shapes the API returns for stored records.

use quire_store::{ApiToken, AuditEntry, Member, Membership, Project, User};
use serde::Serialize;
use utoipa::ToSchema;

use crate::validate::timestamp;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// The caller's role in the project.
    #[schema(example = "owner")]
    pub role: String,
    pub created_at: String,
}

impl ProjectView {
    pub fn new(project: &Project, role: quire_store::Role) -> Self {
        Self {
            id: project.id.clone(),
            slug: project.slug.clone(),
            name: project.name.clone(),
            role: role.to_string(),
            created_at: timestamp(project.created_at),
        }
    }
}

impl From<&Membership> for ProjectView {
    fn from(membership: &Membership) -> Self {
        Self::new(&membership.project, membership.role)
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub user: UserView,
    pub role: String,
    pub since: String,
}

impl From<&Member> for MemberView {
    fn from(member: &Member) -> Self {
        Self {
            user: UserView {
                id: member.user_id.clone(),
                email: member.email.clone(),
                name: member.name.clone(),
            },
            role: member.role.to_string(),
            since: timestamp(member.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub hint: String,
    pub project_id: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(token: &ApiToken) -> Self {
        Self {
            id: token.id.clone(),
            name: token.name.clone(),
            hint: token.hint.clone(),
            project_id: token.project_id.clone(),
            created_at: timestamp(token.created_at),
            expires_at: token.expires_at.map(timestamp),
            last_used_at: token.last_used_at.map(timestamp),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: String,
    /// The project the entry belongs to; `None` for account events such as sign-ins.
    pub project_id: Option<String>,
    pub actor_id: Option<String>,
    /// The actor's name and e-mail, while their account exists.
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(entry: &AuditEntry) -> Self {
        Self {
            id: entry.id,
            at: timestamp(entry.at),
            project_id: entry.project_id.clone(),
            actor_id: entry.actor_id.clone(),
            actor_name: entry.actor_name.clone(),
            actor_email: entry.actor_email.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            details: entry.details.clone(),
        }
    }
}
