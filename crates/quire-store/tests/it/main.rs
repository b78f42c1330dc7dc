//! The store suite: every test runs on `SQLite` and, when `QUIRE_TEST_DATABASE_URL` is set, on
//! `PostgreSQL` too, so both backends keep the same semantics.

mod accounts;
mod assets;
mod backup;
mod changes;
mod events;
mod functions;
mod inbox;
mod invitations;
mod json_columns;
mod pages;
mod projects;
mod sqlite;

use quire_store::testing::TestDatabase;

/// Runs `check` against every configured backend.
async fn each_backend<F, Fut>(check: F)
where
    F: Fn(quire_store::Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = TestDatabase::all().await;
    if databases.len() == 1 {
        eprintln!(
            "note: {} is not set; PostgreSQL was not tested",
            quire_store::testing::POSTGRES_URL_VAR
        );
    }
    for database in &databases {
        check(database.store.clone()).await;
    }
}
