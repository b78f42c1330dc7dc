//! A project's members and their roles. Everyone in the project reads; owners and admins
//! change roles and remove (only owners touch an owner); people join through invitations (`routes::invitations`).

pub mod list;
pub mod put;
pub mod remove;

use quire_store::{Member, Membership};

use crate::errors::ApiError;
use crate::state::AppState;

/// The member named by user id or e-mail, or `no_such_member` for anyone else.
async fn find_member(state: &AppState, project_id: &str, user: &str) -> Result<Member, ApiError> {
    let email = user.trim().to_lowercase();
    state
        .store
        .members(project_id)
        .await?
        .into_iter()
        .find(|m| m.user_id == user || m.email == email)
        .ok_or_else(no_such_member)
}

/// One answer for every user who is not a member, whether or not they have an account.
/// The message does not echo the name asked for, so every such answer is the same.
fn no_such_member() -> ApiError {
    ApiError::not_found(
        "no such member in this project; to add someone, invite them (POST …/invitations)",
    )
}

/// An admin asking for what only owners may do.
fn only_owners(membership: &Membership, what: &str) -> ApiError {
    ApiError::forbidden(format!(
        "you are {} in project {:?}; only owners {what}",
        membership.role, membership.project.slug
    ))
}
