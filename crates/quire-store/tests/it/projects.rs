//! Projects, members and the audit log.

use quire_store::{AuditFilter, NewAuditEntry, Role, StoreError};

use crate::each_backend;

#[tokio::test]
async fn creating_a_project_makes_its_creator_the_owner() {
    each_backend(|store| async move {
        let user = store
            .create_user("owner@example.com", "Owner", "h")
            .await
            .unwrap();
        let project = store
            .create_project("acme", "Acme", &user.id)
            .await
            .unwrap();
        let by_slug = store.project("acme").await.unwrap().unwrap();
        assert_eq!(by_slug.id, project.id);
        assert_eq!(
            store.project(&project.id).await.unwrap().unwrap().slug,
            "acme"
        );
        let membership = store.membership("acme", &user.id).await.unwrap().unwrap();
        assert_eq!(membership.role, Role::Owner);
        assert_eq!(store.memberships(&user.id).await.unwrap().len(), 1);

        let clash = store
            .create_project("acme", "Again", &user.id)
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert!(clash.to_string().contains("acme"), "{clash}");

        let log = store.audit_log(&project.id, None, 10).await.unwrap();
        assert_eq!(log[0].action, "project.create");
    })
    .await;
}

#[tokio::test]
async fn a_project_always_keeps_an_owner() {
    each_backend(|store| async move {
        let owner = store.create_user("a@example.com", "A", "h").await.unwrap();
        let second = store.create_user("b@example.com", "B", "h").await.unwrap();
        let project = store.create_project("p", "P", &owner.id).await.unwrap();

        assert!(matches!(
            store
                .set_member_role(&project.id, &owner.id, Role::Admin, &owner.id)
                .await,
            Err(StoreError::LastOwner)
        ));
        assert!(matches!(
            store.remove_member(&project.id, &owner.id, &owner.id).await,
            Err(StoreError::LastOwner)
        ));
        assert_eq!(
            store
                .membership(&project.id, &owner.id)
                .await
                .unwrap()
                .unwrap()
                .role,
            Role::Owner,
            "nothing changed"
        );

        assert_eq!(
            store
                .set_member_role(&project.id, &second.id, Role::Member, &owner.id)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .set_member_role(&project.id, &second.id, Role::Owner, &owner.id)
                .await
                .unwrap(),
            Some(Role::Member)
        );
        store
            .set_member_role(&project.id, &owner.id, Role::Admin, &owner.id)
            .await
            .unwrap();
        let members = store.members(&project.id).await.unwrap();
        let roles: Vec<_> = members.iter().map(|m| (m.email.as_str(), m.role)).collect();
        assert_eq!(
            roles,
            [
                ("a@example.com", Role::Admin),
                ("b@example.com", Role::Owner)
            ]
        );

        store
            .remove_member(&project.id, &owner.id, &second.id)
            .await
            .unwrap();
        assert!(
            store
                .membership(&project.id, &owner.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store
                .remove_member(&project.id, &owner.id, &second.id)
                .await,
            Err(StoreError::NotFound { .. })
        ));

        let actions: Vec<_> = store
            .audit_log(&project.id, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "member.remove",
                "member.role_change",
                "member.role_change",
                "member.add",
                "project.create"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    each_backend(|store| async move {
        let user = store.create_user("x@example.com", "X", "h").await.unwrap();
        store
            .record_audit(&NewAuditEntry::new(
                "login.success",
                None,
                Some(&user.id),
                None,
                serde_json::json!({}),
            ))
            .await
            .unwrap();
        assert_eq!(
            store.audit_log_for_actor(&user.id, 5).await.unwrap()[0].action,
            "login.success"
        );
        for statement in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"] {
            let error = sqlx::query(statement)
                .execute(store.pool())
                .await
                .unwrap_err();
            assert!(
                error.to_string().contains("append-only"),
                "{statement}: {error}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn renaming_a_project_keeps_its_slug_and_is_audited() {
    each_backend(|store| async move {
        let owner = store.create_user("r@example.com", "R", "h").await.unwrap();
        let project = store.create_project("p", "Old", &owner.id).await.unwrap();
        let renamed = store
            .rename_project(&project.id, "New", &owner.id)
            .await
            .unwrap();
        assert_eq!((renamed.slug.as_str(), renamed.name.as_str()), ("p", "New"));
        store
            .rename_project(&project.id, "New", &owner.id)
            .await
            .unwrap();
        let log = store.audit_log(&project.id, None, 10).await.unwrap();
        assert_eq!(log[0].action, "project.rename");
        assert_eq!(
            log[0].details,
            serde_json::json!({ "from": "Old", "to": "New" })
        );
        assert_eq!(
            log[1].action, "project.create",
            "an unchanged name records nothing"
        );
        assert!(matches!(
            store.rename_project("nope", "X", &owner.id).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_filters_by_action_actor_and_time() {
    each_backend(|store| async move {
        let ada = store
            .create_user("ada@example.com", "Ada", "h")
            .await
            .unwrap();
        let bob = store
            .create_user("bob@example.com", "Bob", "h")
            .await
            .unwrap();
        let project = store.create_project("p", "P", &ada.id).await.unwrap();
        for (action, actor) in [
            ("token.create", &ada.id),
            ("token.revoke", &bob.id),
            ("tokenXcreate", &bob.id),
            ("page.publish", &bob.id),
        ] {
            store
                .record_audit(&NewAuditEntry::new(
                    action,
                    Some(&project.id),
                    Some(actor),
                    None,
                    serde_json::json!({}),
                ))
                .await
                .unwrap();
        }
        let id = project.id.clone();
        let kind = AuditFilter {
            action: Some("token."),
            ..AuditFilter::default()
        };
        assert_eq!(
            actions(&store, &id, kind).await,
            ["token.revoke", "token.create"]
        );
        let exact = AuditFilter {
            action: Some("token.create"),
            ..AuditFilter::default()
        };
        assert_eq!(actions(&store, &id, exact).await, ["token.create"]);
        let wildcard = AuditFilter {
            action: Some("token_create"),
            ..AuditFilter::default()
        };
        assert!(
            actions(&store, &id, wildcard).await.is_empty(),
            "_ is no wildcard"
        );
        let by_ada = store
            .audit_log_filtered(
                &id,
                &AuditFilter {
                    actor_id: Some(&ada.id),
                    ..AuditFilter::default()
                },
                50,
            )
            .await
            .unwrap();
        assert_eq!(
            by_ada.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["token.create", "project.create"]
        );
        assert_eq!(by_ada[0].actor_name.as_deref(), Some("Ada"));
        assert_eq!(by_ada[0].actor_email.as_deref(), Some("ada@example.com"));
        let all = store.audit_log(&id, None, 50).await.unwrap();
        let newest = all[0].at;
        let future = AuditFilter {
            since: Some(newest + 1),
            ..AuditFilter::default()
        };
        assert!(actions(&store, &id, future).await.is_empty());
        let past = AuditFilter {
            until: Some(all.last().unwrap().at),
            ..AuditFilter::default()
        };
        assert!(actions(&store, &id, past).await.is_empty());
        let window = AuditFilter {
            since: Some(all.last().unwrap().at),
            until: Some(newest + 1),
            ..AuditFilter::default()
        };
        assert_eq!(actions(&store, &id, window).await.len(), 5);
    })
    .await;
}

async fn actions(
    store: &quire_store::Store,
    project_id: &str,
    filter: AuditFilter<'_>,
) -> Vec<String> {
    store
        .audit_log_filtered(project_id, &filter, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}
