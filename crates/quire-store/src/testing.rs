//! Throw-away databases for tests: a temporary `SQLite` file, or a fresh schema in the
//! `PostgreSQL` named by `QUIRE_TEST_DATABASE_URL` (dropped again when the test ends).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::Store;

pub const POSTGRES_URL_VAR: &str = "QUIRE_TEST_DATABASE_URL";

pub struct TestDatabase {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(
        #[expect(dead_code, reason = "held only so the directory outlives the store")]
        tempfile::TempDir,
    ),
    Schema {
        base_url: String,
        schema: String,
    },
}

impl TestDatabase {
    /// A migrated store in a new `SQLite` file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("quire.db").display()
        );
        let store = Store::connect(&url)
            .await
            .expect("open the SQLite test database");
        Self {
            store,
            url,
            cleanup: Cleanup::Directory(dir),
        }
    }

    /// A migrated store in its own `PostgreSQL` schema, or `None` when no test database is set.
    pub async fn postgres() -> Option<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base_url = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|url| !url.is_empty())?;
        let schema = format!(
            "quire_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        run_admin(&base_url, &format!("CREATE SCHEMA {schema}")).await;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!(
            "{base_url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
        );
        let store = Store::connect(&url)
            .await
            .expect("open the PostgreSQL test schema");
        Some(Self {
            store,
            url,
            cleanup: Cleanup::Schema { base_url, schema },
        })
    }

    /// Both backends when `PostgreSQL` is configured, else `SQLite` alone.
    pub async fn all() -> Vec<Self> {
        let mut databases = vec![Self::sqlite().await];
        databases.extend(Self::postgres().await);
        databases
    }
}

async fn run_admin(base_url: &str, statement: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base_url)
        .await
        .expect("connect to QUIRE_TEST_DATABASE_URL");
    sqlx::query(statement)
        .execute(&mut conn)
        .await
        .expect("run an administrative statement on the test database");
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Schema { base_url, schema } = &self.cleanup {
            let base_url = base_url.clone();
            // The store's pool is still open here and may hold locks (a transaction that a
            // failing test abandoned): end its connections before dropping the schema.
            let terminate = format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{schema}' AND pid <> pg_backend_pid()"
            );
            let drop_schema = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            // Drop runs inside the test's runtime, which cannot block on itself: use a thread.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build a runtime");
                runtime.block_on(async {
                    run_admin(&base_url, &terminate).await;
                    run_admin(&base_url, &drop_schema).await;
                });
            })
            .join();
        }
    }
}
