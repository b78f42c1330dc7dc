//! Users, sessions and API tokens.

use quire_store::{NewApiToken, Session, StoreError, now_ms};

use crate::each_backend;

#[tokio::test]
async fn emails_are_unique_regardless_of_case() {
    each_backend(|store| async move {
        let user = store
            .create_user("Ada@Example.com", "Ada", "hash")
            .await
            .unwrap();
        assert_eq!(user.email, "ada@example.com");
        let clash = store
            .create_user("ADA@example.com", "Other", "hash")
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert_eq!(store.count_users().await.unwrap(), 1);
        let found = store
            .user_by_email(" ada@EXAMPLE.com ")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, user.id);
        assert_eq!(
            store.find_user(&user.id).await.unwrap().unwrap().email,
            user.email
        );
    })
    .await;
}

fn session(id_hash: &str, user_id: &str, expires_in_ms: i64) -> Session {
    Session {
        id_hash: id_hash.to_owned(),
        user_id: user_id.to_owned(),
        created_at: now_ms(),
        expires_at: now_ms() + expires_in_ms,
    }
}

#[tokio::test]
async fn a_new_session_replaces_the_old_one_and_expired_ones_are_invisible() {
    each_backend(|store| async move {
        let user = store
            .create_user("s@example.com", "S", "hash")
            .await
            .unwrap();
        store
            .create_session(&session("first", &user.id, 60_000), None)
            .await
            .unwrap();
        store
            .create_session(&session("second", &user.id, 60_000), Some("first"))
            .await
            .unwrap();
        assert!(
            store.session("first").await.unwrap().is_none(),
            "login must rotate the session"
        );
        assert_eq!(
            store.session("second").await.unwrap().unwrap().user_id,
            user.id
        );

        store
            .create_session(&session("stale", &user.id, -1), None)
            .await
            .unwrap();
        assert!(store.session("stale").await.unwrap().is_none());

        store.delete_session("second").await.unwrap();
        assert!(store.session("second").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn changing_a_password_ends_every_session() {
    each_backend(|store| async move {
        let user = store
            .create_user("p@example.com", "P", "old")
            .await
            .unwrap();
        store
            .create_session(&session("a", &user.id, 60_000), None)
            .await
            .unwrap();
        store.set_password(&user.id, "new", None).await.unwrap();
        assert!(store.session("a").await.unwrap().is_none());
        assert_eq!(
            store
                .user_by_id(&user.id)
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            "new"
        );
        let missing = store.set_password("nobody", "x", None).await.unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }));
    })
    .await;
}

#[tokio::test]
async fn a_password_change_or_sign_out_elsewhere_can_keep_the_callers_session() {
    each_backend(|store| async move {
        let user = store
            .create_user("k@example.com", "K", "old")
            .await
            .unwrap();
        let other = store.create_user("o@example.com", "O", "h").await.unwrap();
        for id in ["a", "b", "c"] {
            store
                .create_session(&session(id, &user.id, 60_000), None)
                .await
                .unwrap();
        }
        store
            .create_session(&session("theirs", &other.id, 60_000), None)
            .await
            .unwrap();
        store
            .set_password(&user.id, "new", Some("a"))
            .await
            .unwrap();
        assert!(store.session("a").await.unwrap().is_some());
        assert!(store.session("b").await.unwrap().is_none());
        assert!(store.session("c").await.unwrap().is_none());
        store
            .create_session(&session("d", &user.id, 60_000), None)
            .await
            .unwrap();
        assert_eq!(store.delete_sessions(&user.id, Some("d")).await.unwrap(), 1);
        assert!(store.session("d").await.unwrap().is_some());
        assert_eq!(store.delete_sessions(&user.id, None).await.unwrap(), 1);
        assert!(store.session("d").await.unwrap().is_none());
        assert!(store.session("theirs").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn tokens_are_found_by_hash_and_revoked_by_their_owner_only() {
    each_backend(|store| async move {
        let owner = store.create_user("t@example.com", "T", "h").await.unwrap();
        let other = store.create_user("o@example.com", "O", "h").await.unwrap();
        let new = NewApiToken {
            user_id: &owner.id,
            project_id: None,
            name: "ci",
            token_hash: "abc",
            hint: "quire_pat_ab",
            expires_at: None,
        };
        let token = store.create_api_token(&new).await.unwrap();
        let found = store.api_token_by_hash("abc").await.unwrap().unwrap();
        assert_eq!(
            (found.id.as_str(), found.name.as_str()),
            (token.id.as_str(), "ci")
        );
        assert!(found.last_used_at.is_none());
        store.touch_api_token(&token.id).await.unwrap();
        assert!(
            store
                .api_token_by_hash("abc")
                .await
                .unwrap()
                .unwrap()
                .last_used_at
                .is_some()
        );

        assert!(
            !store.revoke_api_token(&other.id, &token.id).await.unwrap(),
            "another user cannot revoke it"
        );
        assert_eq!(store.list_api_tokens(&owner.id).await.unwrap().len(), 1);
        assert!(store.revoke_api_token(&owner.id, &token.id).await.unwrap());
        assert!(
            !store.revoke_api_token(&owner.id, &token.id).await.unwrap(),
            "revoking twice changes nothing"
        );
        assert!(store.list_api_tokens(&owner.id).await.unwrap().is_empty());
        assert!(
            store
                .api_token_by_hash("abc")
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some()
        );
    })
    .await;
}
