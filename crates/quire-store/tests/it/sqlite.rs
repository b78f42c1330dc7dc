//! `SQLite`'s settings and its behaviour under concurrent writers.

use quire_store::testing::TestDatabase;

#[tokio::test]
async fn runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout() {
    let db = TestDatabase::sqlite().await;
    let mut conn = db.store.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert!(timeout >= 5000, "busy_timeout is {timeout} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_writers_never_see_sqlite_busy() {
    let db = TestDatabase::sqlite().await;
    let owner = db
        .store
        .create_user("w@example.com", "W", "h")
        .await
        .unwrap();
    let writers: Vec<_> = (0..50)
        .map(|i| {
            let (store, owner) = (db.store.clone(), owner.id.clone());
            tokio::spawn(async move { store.create_project(&format!("p{i}"), "P", &owner).await })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().expect("a concurrent write failed");
    }
    assert_eq!(db.store.memberships(&owner.id).await.unwrap().len(), 50);
}
