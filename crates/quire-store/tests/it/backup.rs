//! Backups (`VACUUM INTO`, checked) and restores (staged, checked, then swapped in with the old
//! files set aside) on `SQLite`; on `PostgreSQL`, the advice to use its own tools.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use quire_store::backup::{self, BackupError, SecretKeyRecord};
use quire_store::testing::TestDatabase;
use quire_store::{NewFunction, Store};

fn database_file(url: &str) -> PathBuf {
    let path = url.strip_prefix("sqlite://").unwrap();
    PathBuf::from(path.split('?').next().unwrap())
}

fn key() -> SecretKeyRecord {
    SecretKeyRecord {
        fingerprint: "0123456789abcdef".to_owned(),
        key: Some("k".repeat(64)),
    }
}

/// Files in `dir` other than the ones named.
fn others(dir: &Path, named: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !named.contains(&name.as_str()))
        .collect()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one backup followed from the live database to the restored one and the one set aside"
)]
async fn a_backup_is_a_checked_copy_that_restores_over_newer_data_without_losing_it() {
    let db = TestDatabase::sqlite().await;
    let ann = db
        .store
        .create_user("ann@example.com", "Ann", "h")
        .await
        .unwrap();
    let project = db.store.create_project("p", "P", &ann.id).await.unwrap();
    let function = db
        .store
        .create_function(&NewFunction {
            project_id: &project.id,
            name: "F",
            slug: "f",
            code: "async function handler() { return 1; }",
            load_error: None,
            public_endpoint: false,
            timeout_ms: 1000,
            memory_mb: 16,
            author_id: &ann.id,
        })
        .await
        .unwrap();
    db.store
        .set_function_secret(&project.id, &function.id, "TOKEN", "sealed", &ann.id)
        .await
        .unwrap();
    // A WhatsApp connection's app secret and access token are sealed with the same key.
    db.store
        .create_whatsapp_connection(
            &quire_store::NewWhatsappConnection {
                id: "wa",
                project_id: &project.id,
                name: "Support",
                phone_number_id: "106540352242922",
                display_phone_number: None,
                verify_token: "verify-me",
                app_secret_sealed: "sealed",
                access_token_sealed: Some("sealed"),
            },
            &ann.id,
        )
        .await
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("quire.backup");
    let written = backup::backup(&db.url, &target, Some(&key()))
        .await
        .unwrap();
    assert_eq!(written.path, target);
    assert_eq!(written.source, database_file(&db.url));
    assert_eq!(written.bytes, std::fs::metadata(&target).unwrap().len());
    assert_eq!(backup::integrity_check(&target).await.unwrap(), ["ok"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup holds the secret key");
    }
    let again = backup::backup(&db.url, &target, Some(&key())).await;
    assert!(
        matches!(again, Err(BackupError::TargetExists { .. })),
        "{again:?}"
    );
    assert_eq!(
        others(out.path(), &["quire.backup"]),
        Vec::<String>::new(),
        "no partial file is left behind"
    );

    // Written after the backup: gone from the restored database, kept in the one set aside.
    db.store
        .create_user("bob@example.com", "Bob", "h")
        .await
        .unwrap();
    let staged = backup::stage_restore(&target, &db.url).await.unwrap();
    let file = staged.file();
    assert_eq!(file.secret_key.as_ref(), Some(&key()));
    assert_eq!(
        file.sealed_secrets, 3,
        "a function secret and a connection's two"
    );
    assert_eq!(
        file.quire_version.as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(file.made_at.is_some());
    assert!(
        !format!("{file:?}").contains(&"k".repeat(64)),
        "Debug hides the key"
    );
    let database = database_file(&db.url);
    assert!(staged.existing().contains(&database));
    // As after a crash: Bob is still in the write-ahead log. It must move with its database;
    // left beside the restored one, SQLite would replay it there.
    assert!(
        staged
            .existing()
            .contains(&database.with_file_name("quire.db-wal"))
    );
    let set_aside = staged.commit("replaced-test").unwrap();
    let aside = database.with_file_name("quire.db.replaced-test");
    assert!(set_aside.contains(&aside), "{set_aside:?}");
    assert!(set_aside.contains(&database.with_file_name("quire.db.replaced-test-wal")));
    assert!(!database.with_file_name("quire.db-wal").exists());

    let restored = Store::connect(&db.url).await.unwrap();
    assert!(
        restored
            .user_by_email("ann@example.com")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        restored
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let manifest: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'quire_backup'")
            .fetch_one(restored.pool())
            .await
            .unwrap();
    assert_eq!(manifest, 0, "the restore drops the backup's own table");
    restored.close().await;
    let before = Store::connect(&format!("sqlite://{}", aside.display()))
        .await
        .unwrap();
    assert!(
        before
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_some()
    );
    before.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_writers_write_is_consistent() {
    let db = TestDatabase::sqlite().await;
    let owner = db
        .store
        .create_user("w@example.com", "W", "h")
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (written, mut progress) = tokio::sync::mpsc::unbounded_channel();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (store, owner, stop, written) = (
                db.store.clone(),
                owner.id.clone(),
                stop.clone(),
                written.clone(),
            );
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    store
                        .create_project(&format!("w{writer}-{n}"), "P", &owner)
                        .await
                        .unwrap();
                    n += 1;
                    let _ = written.send(());
                }
            })
        })
        .collect();
    for _ in 0..20 {
        progress.recv().await.unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("online.backup");
    backup::backup(&db.url, &target, None).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    assert_eq!(backup::integrity_check(&target).await.unwrap(), ["ok"]);
    let copy = Store::connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let projects = copy.memberships(&owner.id).await.unwrap().len();
    assert!(
        projects >= 20,
        "the copy holds what was written before it: {projects}"
    );
    copy.close().await;
    let staged = backup::stage_restore(&target, &db.url).await.unwrap();
    assert_eq!(staged.file().secret_key, None, "made without a key");
}

#[tokio::test]
async fn files_that_are_not_quire_backups_are_refused_before_anything_changes() {
    let db = TestDatabase::sqlite().await;
    let database = database_file(&db.url);
    let dir = database.parent().unwrap().to_owned();
    let before = others(&dir, &[]);
    let out = tempfile::tempdir().unwrap();

    let missing = backup::stage_restore(&out.path().join("nope"), &db.url).await;
    assert!(
        matches!(missing, Err(BackupError::NoBackup { .. })),
        "{missing:?}"
    );
    let garbage = out.path().join("garbage");
    std::fs::write(
        &garbage,
        "this is not a database, just some text ".repeat(100),
    )
    .unwrap();
    let error = backup::stage_restore(&garbage, &db.url).await.unwrap_err();
    assert!(
        error.to_string().contains("is not an SQLite database"),
        "{error}"
    );
    let empty = out.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let error = backup::stage_restore(&empty, &db.url).await.unwrap_err();
    assert!(error.to_string().contains("not one of Quire's"), "{error}");

    let newer = out.path().join("newer");
    backup::backup(&db.url, &newer, None).await.unwrap();
    let copy = Store::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999999, 'from the future', 1, x'00', 0)",
    )
    .execute(copy.pool())
    .await
    .unwrap();
    copy.close().await;
    let error = backup::stage_restore(&newer, &db.url).await.unwrap_err();
    assert!(
        error.to_string().contains("newer Quire") && error.to_string().contains("99999999"),
        "{error}"
    );

    let nowhere = backup::backup(&db.url, &out.path().join("no/such/dir/b"), None).await;
    assert!(
        matches!(nowhere, Err(BackupError::NoDirectory { .. })),
        "{nowhere:?}"
    );
    let no_database =
        backup::backup("sqlite:///no/such/quire.db", &out.path().join("b"), None).await;
    assert!(
        matches!(no_database, Err(BackupError::NoDatabase { .. })),
        "{no_database:?}"
    );

    assert_eq!(others(&dir, &[]), before, "the data directory is as it was");
    assert!(
        db.store
            .user_by_email("x@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn postgres_gets_the_commands_of_its_own_tools_with_the_password_hidden() {
    let url = "postgres://quire:hunter2@db.internal/quire";
    let out = tempfile::tempdir().unwrap();
    let error = backup::backup(url, &out.path().join("b"), None)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("pg_dump"), "{error}");
    assert!(error.contains("quire:***@db.internal/quire"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    let error = backup::stage_restore(&out.path().join("b"), url)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("pg_restore") && !error.contains("hunter2"),
        "{error}"
    );
    assert_eq!(others(out.path(), &[]), Vec::<String>::new());
}
