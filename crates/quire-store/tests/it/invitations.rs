//! Invitations: created pending, listed, revoked, used once; an account made with one.

use quire_store::{NewAuditEntry, NewInvitation, Project, Role, Store, StoreError, User, now_ms};

use crate::each_backend;

fn invitation<'a>(
    project_id: &'a str,
    email: &'a str,
    role: Role,
    token_hash: &'a str,
    invited_by: &'a str,
) -> NewInvitation<'a> {
    NewInvitation {
        project_id,
        email,
        role,
        token_hash,
        invited_by,
        expires_at: now_ms() + 60_000,
    }
}

async fn actions(store: &Store, project_id: &str) -> Vec<String> {
    store
        .audit_log(project_id, None, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// Two accounts and project "p" owned by the first.
async fn two_accounts_and_a_project(
    store: &Store,
    owner: (&str, &str),
    other: (&str, &str),
) -> (User, User, Project) {
    let owner = store.create_user(owner.0, owner.1, "h").await.unwrap();
    let other = store.create_user(other.0, other.1, "h").await.unwrap();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    (owner, other, project)
}

#[tokio::test]
async fn an_invitation_is_pending_until_used_once() {
    each_backend(|store| async move {
        let (owner, bob, project) = two_accounts_and_a_project(
            &store,
            ("o@example.com", "Olga"),
            ("bob@example.com", "Bob"),
        )
        .await;

        let created = store
            .create_invitation(&invitation(
                &project.id,
                " Bob@Example.com ",
                Role::Admin,
                "h1",
                &owner.id,
            ))
            .await
            .unwrap();
        assert_eq!(created.email, "bob@example.com");
        assert_eq!(created.project_name, "P");
        assert_eq!(created.inviter_name.as_deref(), Some("Olga"));
        let found = store.pending_invitation("h1").await.unwrap().unwrap();
        assert_eq!(
            (found.id.as_str(), found.role),
            (created.id.as_str(), Role::Admin)
        );
        assert!(store.pending_invitation("h2").await.unwrap().is_none());
        assert_eq!(
            store.pending_invitations(&project.id).await.unwrap().len(),
            1
        );

        assert_eq!(
            store.accept_invitation(&created.id, &bob.id).await.unwrap(),
            Role::Admin
        );
        assert_eq!(
            store.membership("p", &bob.id).await.unwrap().unwrap().role,
            Role::Admin
        );
        // Used up: neither found nor accepted again, nor revocable.
        assert!(store.pending_invitation("h1").await.unwrap().is_none());
        assert!(
            store
                .pending_invitations(&project.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store.accept_invitation(&created.id, &owner.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            !store
                .revoke_invitation(&project.id, &created.id, &owner.id)
                .await
                .unwrap()
        );

        // An invitation never lowers a role: the owner accepting a member's invitation stays owner.
        let lower = store
            .create_invitation(&invitation(
                &project.id,
                "o@example.com",
                Role::Member,
                "h3",
                &owner.id,
            ))
            .await
            .unwrap();
        assert_eq!(
            store.accept_invitation(&lower.id, &owner.id).await.unwrap(),
            Role::Owner
        );

        assert_eq!(
            actions(&store, &project.id).await,
            [
                "invitation.accept",
                "invitation.create",
                "invitation.accept",
                "invitation.create",
                "project.create"
            ]
        );
        let accepted = &store.account_audit_log(&bob.id, None, 10).await.unwrap()[0];
        assert_eq!(accepted.action, "invitation.accept");
        assert_eq!(accepted.project_id.as_deref(), Some(project.id.as_str()));
    })
    .await;
}

#[tokio::test]
async fn revoked_and_expired_invitations_cannot_be_used() {
    each_backend(|store| async move {
        let (owner, bob, project) =
            two_accounts_and_a_project(&store, ("o@example.com", "O"), ("bob@example.com", "Bob"))
                .await;
        let other = store.create_project("q", "Q", &owner.id).await.unwrap();

        let revoked = store
            .create_invitation(&invitation(
                &project.id,
                "bob@example.com",
                Role::Member,
                "r",
                &owner.id,
            ))
            .await
            .unwrap();
        // Only the invitation's own project revokes it.
        assert!(
            !store
                .revoke_invitation(&other.id, &revoked.id, &owner.id)
                .await
                .unwrap()
        );
        assert!(
            store
                .revoke_invitation(&project.id, &revoked.id, &owner.id)
                .await
                .unwrap()
        );
        assert!(store.pending_invitation("r").await.unwrap().is_none());
        assert!(matches!(
            store.accept_invitation(&revoked.id, &bob.id).await,
            Err(StoreError::NotFound { .. })
        ));

        let mut expired = invitation(&project.id, "bob@example.com", Role::Member, "e", &owner.id);
        expired.expires_at = now_ms() - 1;
        let expired = store.create_invitation(&expired).await.unwrap();
        assert!(matches!(
            store.accept_invitation(&expired.id, &bob.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.pending_invitation("e").await.unwrap().is_none());
        assert!(
            store
                .pending_invitations(&project.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(store.membership("p", &bob.id).await.unwrap().is_none());
        assert_eq!(
            actions(&store, &project.id).await,
            [
                "invitation.create",
                "invitation.revoke",
                "invitation.create",
                "project.create"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn an_invitation_makes_an_account_only_for_a_free_address() {
    each_backend(|store| async move {
        let owner = store.create_user("o@example.com", "O", "h").await.unwrap();
        let project = store.create_project("p", "P", &owner.id).await.unwrap();
        let new = store
            .create_invitation(&invitation(
                &project.id,
                "new@example.com",
                Role::Member,
                "n",
                &owner.id,
            ))
            .await
            .unwrap();
        let user = store
            .accept_invitation_with_new_account(&new, "New", "hash")
            .await
            .unwrap();
        assert_eq!(user.email, "new@example.com");
        assert_eq!(
            store.membership("p", &user.id).await.unwrap().unwrap().role,
            Role::Member
        );
        // Used up: a second account cannot be made with it.
        store
            .create_user("gone@example.com", "G", "h")
            .await
            .unwrap();
        assert!(
            store
                .accept_invitation_with_new_account(&new, "Again", "hash")
                .await
                .is_err()
        );

        // The address has an account: nothing is written and the invitation stays pending.
        let taken = store
            .create_invitation(&invitation(
                &project.id,
                "O@example.com",
                Role::Admin,
                "t",
                &owner.id,
            ))
            .await
            .unwrap();
        let clash = store
            .accept_invitation_with_new_account(&taken, "Impostor", "hash")
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert!(store.pending_invitation("t").await.unwrap().is_some());
        assert_eq!(store.count_users().await.unwrap(), 3);
    })
    .await;
}

#[tokio::test]
async fn only_members_change_roles_through_the_strict_path() {
    each_backend(|store| async move {
        let (owner, outsider, project) =
            two_accounts_and_a_project(&store, ("o@example.com", "O"), ("x@example.com", "X"))
                .await;
        assert!(matches!(
            store
                .change_member_role(&project.id, &outsider.id, Role::Admin, &owner.id)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.membership("p", &outsider.id).await.unwrap().is_none());
        assert!(matches!(
            store
                .change_member_role(&project.id, &owner.id, Role::Admin, &owner.id)
                .await,
            Err(StoreError::LastOwner)
        ));
        store
            .set_member_role(&project.id, &outsider.id, Role::Member, "cli")
            .await
            .unwrap();
        assert_eq!(
            store
                .change_member_role(&project.id, &outsider.id, Role::Admin, &owner.id)
                .await
                .unwrap(),
            Role::Member
        );
        let log = store.audit_log(&project.id, None, 10).await.unwrap();
        assert_eq!(log[1].action, "member.add");
        assert_eq!(log[1].actor_id.as_deref(), Some("cli"));
    })
    .await;
}

#[tokio::test]
async fn the_account_view_shows_an_accounts_own_events_only() {
    each_backend(|store| async move {
        let (ada, bob, project) = two_accounts_and_a_project(
            &store,
            ("ada@example.com", "Ada"),
            ("bob@example.com", "Bob"),
        )
        .await;
        let entries = [
            ("login.success", Some(&ada.id), Some(&ada.id)),
            ("login.failure", None, Some(&ada.id)),
            ("login.failure", None, Some(&bob.id)),
            ("token.create", Some(&ada.id), None),
            ("token.revoke", Some(&bob.id), None),
            ("page.save", Some(&ada.id), None),
        ];
        for (action, actor, target) in entries {
            store
                .record_audit(&NewAuditEntry::new(
                    action,
                    Some(&project.id),
                    actor.map(String::as_str),
                    target.map(String::as_str),
                    serde_json::json!({}),
                ))
                .await
                .unwrap();
        }
        let mine: Vec<_> = store
            .account_audit_log(&ada.id, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.action))
            .collect();
        let names: Vec<_> = mine.iter().map(|(_, a)| a.as_str()).collect();
        assert_eq!(names, ["token.create", "login.failure", "login.success"]);
        let older = store
            .account_audit_log(&ada.id, Some(mine[0].0), 1)
            .await
            .unwrap();
        assert_eq!(older.len(), 1);
        assert_eq!(older[0].action, "login.failure");
    })
    .await;
}
