//! `Store::generation`: what callers may cache moves it; hot-path writes leave it alone; on
//! `PostgreSQL` another instance's change reaches a store that follows changes.

use std::time::Duration;

use quire_store::testing::TestDatabase;
use quire_store::{NewApiToken, NewFunction, Role, Store};

use crate::each_backend;

/// Follows a store's generation through a test: `expect(moved, what)` checks whether the
/// last write moved it.
struct Generation<'a> {
    store: &'a Store,
    last: u64,
}

impl<'a> Generation<'a> {
    fn of(store: &'a Store) -> Self {
        Self {
            last: store.generation(),
            store,
        }
    }

    fn expect(&mut self, moved: bool, what: &str) {
        let now = self.store.generation();
        assert_eq!(now != self.last, moved, "{what}");
        self.last = now;
    }
}

#[tokio::test]
async fn account_and_membership_writes_move_the_generation() {
    each_backend(|store| async move {
        let mut generation = Generation::of(&store);
        let owner = store.create_user("o@example.com", "O", "h").await.unwrap();
        generation.expect(true, "create_user");
        let member = store.create_user("m@example.com", "M", "h").await.unwrap();
        let project = store
            .create_project("acme", "Acme", &owner.id)
            .await
            .unwrap();
        generation.expect(true, "create_project");
        store
            .set_member_role(&project.id, &member.id, Role::Member, &owner.id)
            .await
            .unwrap();
        generation.expect(true, "set_member_role");
        store
            .remove_member(&project.id, &member.id, &owner.id)
            .await
            .unwrap();
        generation.expect(true, "remove_member");
        store.set_password(&member.id, "h2", None).await.unwrap();
        generation.expect(true, "set_password");
        store.delete_session("no-such-session").await.unwrap();
        generation.expect(true, "delete_session");

        let new_token = NewApiToken {
            user_id: &owner.id,
            project_id: None,
            name: "t",
            token_hash: "hash-of-t",
            hint: "t…",
            expires_at: None,
        };
        let token = store.create_api_token(&new_token).await.unwrap();
        generation.expect(true, "create_api_token");
        store.touch_api_token(&token.id).await.unwrap();
        generation.expect(false, "touch_api_token is a hot-path write");
        assert!(store.revoke_api_token(&owner.id, &token.id).await.unwrap());
        generation.expect(true, "revoke_api_token");
    })
    .await;
}

#[tokio::test]
async fn function_and_secret_writes_move_the_generation_and_kv_and_records_do_not() {
    each_backend(|store| async move {
        let owner = store.create_user("o@example.com", "O", "h").await.unwrap();
        let project = store
            .create_project("acme", "Acme", &owner.id)
            .await
            .unwrap();
        let mut generation = Generation::of(&store);
        let new = NewFunction {
            project_id: &project.id,
            name: "F",
            slug: "f",
            code: "async function handler() { return 1; }",
            load_error: None,
            public_endpoint: false,
            timeout_ms: 30_000,
            memory_mb: 128,
            author_id: &owner.id,
        };
        let function = store.create_function(&new).await.unwrap();
        generation.expect(true, "create_function");
        store
            .put_function_code(
                &function.id,
                "async function handler() { return 2; }",
                None,
                &owner.id,
            )
            .await
            .unwrap();
        generation.expect(true, "put_function_code");
        store
            .deploy_function(&function.id, 2, None, &owner.id)
            .await
            .unwrap();
        generation.expect(true, "deploy_function");
        store
            .set_function_secret(&project.id, &function.id, "KEY", "sealed", &owner.id)
            .await
            .unwrap();
        generation.expect(true, "set_function_secret");
        store
            .delete_function_secret(&project.id, &function.id, "KEY", &owner.id)
            .await
            .unwrap();
        generation.expect(true, "delete_function_secret");
        store.kv_put(&project.id, "k", "v", None).await.unwrap();
        generation.expect(false, "KV is a hot-path write");
        store
            .delete_function(&function.id, &owner.id)
            .await
            .unwrap();
        generation.expect(true, "delete_function");
    })
    .await;
}

#[tokio::test]
async fn on_postgres_a_change_by_another_instance_reaches_a_following_store() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!(
            "note: {} is not set; skipped",
            quire_store::testing::POSTGRES_URL_VAR
        );
        return;
    };
    let follower = Store::connect(&database.url).await.unwrap();
    follower.follow_changes().await.unwrap();
    let before = follower.generation();
    database
        .store
        .create_user("x@example.com", "X", "h")
        .await
        .unwrap();
    // Waits for the announcement; a broken LISTEN fails here after a generous bound.
    for _ in 0..200 {
        if follower.generation() != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the follower never saw the other instance's change");
}
