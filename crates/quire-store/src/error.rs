//! The store's one error type. A unique-key clash becomes `Conflict` so the API can answer 409.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {url}: use sqlite://<path> or postgres://<user>@<host>/<db>")]
    UnsupportedUrl { url: String },
    #[error("cannot connect to the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error(
        "the asset {name:?} was deleted while the page was being built; nothing was saved. Save again: the import of a missing asset is then reported at its line"
    )]
    AssetGone { name: String },
    #[error(
        "the mount point {mount_point} is held by page {page_name:?} ({page_slug}); a project mounts one page there: unmount that page first"
    )]
    MountPointTaken {
        mount_point: String,
        page_name: String,
        page_slug: String,
    },
    #[error(
        "the page's head is version {head}, not the version {base} this save started from; nothing was saved"
    )]
    HeadMoved {
        /// The version the save started from (0: before the first save).
        base: i64,
        /// The head now.
        head: i64,
        /// Who saved the head, when their account still exists.
        author: Option<String>,
        /// When the head was saved, Unix milliseconds.
        saved_at: i64,
    },
    #[error(
        "the project's assets take {used} bytes; {size} more would pass the limit of {limit}: delete assets it no longer needs"
    )]
    OverQuota {
        /// What the project's other assets take, in bytes.
        used: i64,
        /// The new content's size.
        size: i64,
        limit: i64,
    },
    #[error("a project must keep at least one owner: make another member an owner first")]
    LastOwner,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// From the delivery writer's own `SQLite` connection (see `exec.rs`).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        match &error {
            rusqlite::Error::SqliteFailure(failure, message)
                if matches!(
                    failure.extended_code,
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                Self::Conflict {
                    what: message
                        .clone()
                        .unwrap_or_else(|| "a record with this key".to_owned()),
                }
            }
            rusqlite::Error::QueryReturnedNoRows => Self::NotFound {
                what: "record".to_owned(),
            },
            _ => Self::Sqlite(error),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict {
                what: db
                    .constraint()
                    .map_or_else(|| "a record with this key".to_owned(), str::to_owned),
            },
            sqlx::Error::RowNotFound => Self::NotFound {
                what: "record".to_owned(),
            },
            _ => Self::Database(error),
        }
    }
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// Whether the database refused what it was given (a constraint, a value, a row that is
    /// not there) rather than failing whatever it is given (unreachable, timed out, closed).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Conflict { .. }
                | Self::NotFound { .. }
                | Self::Database(sqlx::Error::Database(_))
                | Self::Sqlite(rusqlite::Error::SqliteFailure(..))
        )
    }

    /// Work not done because the database failed (`reason`), for callers that share one
    /// failure.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::Database(sqlx::Error::Io(std::io::Error::other(reason.into())))
    }
}
