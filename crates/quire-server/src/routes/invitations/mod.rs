//! Invitations: the only way into a project through the API. Owners and admins invite an
//! e-mail address with a role and hand over the one-time link; its holder opens it (public),
//! then accepts signed in, or creates the invited address's account with it. No answer says
//! whether an address has an account.

pub mod accept;
pub mod create;
pub mod list;
pub mod revoke;
pub mod show;

use quire_store::Invitation;
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors::ApiError;
use crate::validate::timestamp;

/// Days an invitation link works unless the inviter says otherwise, and at most.
pub const DEFAULT_DAYS: u32 = 7;
pub const MAX_DAYS: u32 = 30;

/// A pending invitation, as its project's owners and admins see it.
#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    #[schema(example = "member")]
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
}

impl From<&Invitation> for InvitationView {
    fn from(invitation: &Invitation) -> Self {
        Self {
            id: invitation.id.clone(),
            email: invitation.email.clone(),
            role: invitation.role.to_string(),
            invited_by: invitation.invited_by.clone(),
            created_at: timestamp(invitation.created_at),
            expires_at: timestamp(invitation.expires_at),
        }
    }
}

/// The answer for a link that cannot be used, whatever the reason.
fn not_valid() -> ApiError {
    ApiError::not_found(
        "this invitation link is not valid: it is unknown, used, revoked or expired; ask the project's owner for a new one",
    )
}
