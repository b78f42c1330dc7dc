//! Backups and restores.
//!
//! On `SQLite` a backup is `VACUUM INTO`: `SQLite`'s online copy, one consistent snapshot taken
//! in a read transaction while the server keeps writing. The copy goes to a temporary file
//! beside the target, gets a `quire_backup` table saying what it is (and the secret key, when
//! the caller puts it in), must pass `PRAGMA integrity_check`, and only then takes the target's
//! name, atomically and never over an existing file. The result is one self-contained `SQLite`
//! file in rollback-journal mode, readable by any `sqlite3`.
//!
//! A restore stages first: the backup is copied beside the database, checked the same way and
//! described ([`Staged::file`]) without touching the live files. Only [`Staged::commit`] sets
//! the current database (with its write-ahead log) aside under a new name and moves the copy
//! in, so a restore never destroys data and a stale `-wal` never meets the restored file.
//!
//! On `PostgreSQL` both answer with the commands of `PostgreSQL`'s own tools instead.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};

use crate::{Backend, SQLITE_MIGRATIONS, StoreError, now_ms, redact_url};

/// The table a backup describes itself in; a restore drops it again.
const MANIFEST: &str = "quire_backup";
/// The layout of that table; a newer layout is refused by an older Quire.
const FORMAT: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL ({url}); back it up with PostgreSQL's own tool, e.g. `pg_dump --format=custom --file=quire.dump \"$QUIRE_DATABASE_URL\"`, and keep the secret key (QUIRE_SECRET_KEY) with the dump: the secrets in it (function secrets, WhatsApp credentials) cannot be decrypted without it"
    )]
    PostgresBackup { url: String },
    #[error(
        "the database is PostgreSQL ({url}); restore a `pg_dump` file with PostgreSQL's own tool while every `quire serve` is stopped, e.g. `pg_restore --clean --if-exists --dbname=\"$QUIRE_DATABASE_URL\" quire.dump`, then start the servers with the secret key the dump was made under"
    )]
    PostgresRestore { url: String },
    #[error("there is no SQLite database at {}", path.display())]
    NoDatabase { path: PathBuf },
    #[error(
        "{} already exists; a backup never overwrites a file: choose a new name or move that file away",
        path.display()
    )]
    TargetExists { path: PathBuf },
    #[error("there is no file at {}", path.display())]
    NoBackup { path: PathBuf },
    #[error("{} is not an SQLite database ({reason})", path.display())]
    NotSqlite { path: PathBuf, reason: String },
    #[error("{} is an SQLite database but not one of Quire's (it has no Quire migrations)", path.display())]
    NotQuire { path: PathBuf },
    #[error(
        "{} was made by a newer Quire ({what}); restore it with that version of Quire or a later one",
        path.display()
    )]
    Newer { path: PathBuf, what: String },
    #[error("{} failed SQLite's integrity check: {}", path.display(), problems.join("; "))]
    Corrupt {
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("there is no directory {} to write the backup in: create it first", path.display())]
    NoDirectory { path: PathBuf },
    #[error("{what} {}: {error}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("SQLite failed on {}: {error}", path.display())]
    Sqlite { path: PathBuf, error: sqlx::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a backup records about the key that the secrets in it are sealed with.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKeyRecord {
    /// A fingerprint of the key (a hash of it, never the key), so a restore can tell whether
    /// the key it will run with opens these secrets.
    pub fingerprint: String,
    /// The key itself, as the caller encodes it, when the backup carries it.
    pub key: Option<String>,
}

impl fmt::Debug for SecretKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeyRecord")
            .field("fingerprint", &self.fingerprint)
            .field("key", &self.key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A backup [`backup`] wrote and checked.
#[derive(Debug)]
pub struct Written {
    /// The database file it copied.
    pub source: PathBuf,
    pub path: PathBuf,
    pub bytes: u64,
}

/// A backup file as a restore found it: it passed the integrity check and is Quire's.
#[derive(Debug)]
pub struct BackupFile {
    pub path: PathBuf,
    pub bytes: u64,
    /// When it was made (Unix milliseconds); `None` for a plain copy of a database.
    pub made_at: Option<i64>,
    /// The Quire version that made it; `None` for a plain copy of a database.
    pub quire_version: Option<String>,
    /// What it says about the secret key; `None` for a plain copy of a database.
    pub secret_key: Option<SecretKeyRecord>,
    /// How many secrets it holds sealed under that key: function secrets and WhatsApp
    /// connections' app secrets and access tokens.
    pub sealed_secrets: i64,
}

/// Copies the database at `database_url` into the new file `target`, with `key` (when there
/// is one) recorded in it, and checks the copy. On `PostgreSQL`: [`BackupError::PostgresBackup`].
pub async fn backup(
    database_url: &str,
    target: &Path,
    key: Option<&SecretKeyRecord>,
) -> Result<Written, BackupError> {
    let source = sqlite_options(database_url, Operation::Backup)?;
    let database = source.get_filename().to_owned();
    if !database.is_file() {
        return Err(BackupError::NoDatabase { path: database });
    }
    if target.exists() {
        return Err(BackupError::TargetExists {
            path: target.to_owned(),
        });
    }
    let directory = parent_of(target);
    if !directory.is_dir() {
        return Err(BackupError::NoDirectory {
            path: directory.to_owned(),
        });
    }
    let partial = tempfile::Builder::new()
        .prefix(".quire-backup-")
        .suffix(".partial")
        .tempfile_in(directory)
        .map_err(|source| BackupError::Io {
            what: "cannot write a backup in",
            path: directory.to_owned(),
            // tempfile's message repeats the random file name; the kind says it all.
            error: source.kind().into(),
        })?
        .into_temp_path();
    let partial_name = partial.to_str().ok_or_else(|| BackupError::Io {
        what: "SQLite needs a UTF-8 file name, not",
        path: target.to_owned(),
        error: std::io::ErrorKind::InvalidInput.into(),
    })?;

    let on_source = |source| BackupError::Sqlite {
        path: database.clone(),
        error: source,
    };
    let mut conn = SqliteConnection::connect_with(&source.create_if_missing(false))
        .await
        .map_err(on_source)?;
    sqlx::query("VACUUM INTO $1")
        .bind(partial_name)
        .execute(&mut conn)
        .await
        .map_err(on_source)?;
    conn.close().await.map_err(on_source)?;

    let mut copy = open(&partial).await?;
    let finished = finish_copy(&mut copy, &partial, key).await;
    // Closed before anything else, on success and failure alike: `SQLite`'s side files go with it.
    let closed = copy.close().await;
    let problems = finished?;
    closed.map_err(|error| BackupError::Sqlite {
        path: partial.to_path_buf(),
        error,
    })?;
    if problems != ["ok"] {
        return Err(BackupError::Corrupt {
            path: target.to_owned(),
            problems,
        });
    }
    sync(&partial)?;
    partial.persist_noclobber(target).map_err(|error| {
        if error.error.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::TargetExists {
                path: target.to_owned(),
            }
        } else {
            BackupError::Io {
                what: "cannot write",
                path: target.to_owned(),
                error: error.error,
            }
        }
    })?;
    sync_directory(directory);
    let bytes = metadata_len(target)?;
    Ok(Written {
        source: database,
        path: target.to_owned(),
        bytes,
    })
}

/// A checked copy of a backup beside the database, ready to take its place.
#[derive(Debug)]
pub struct Staged {
    file: BackupFile,
    copy: tempfile::TempPath,
    database: PathBuf,
}

/// Copies `backup` beside the database at `database_url` and checks it, changing nothing
/// else. On `PostgreSQL`: [`BackupError::PostgresRestore`].
pub async fn stage_restore(backup: &Path, database_url: &str) -> Result<Staged, BackupError> {
    let database = sqlite_options(database_url, Operation::Restore)?
        .get_filename()
        .to_owned();
    if !backup.is_file() {
        return Err(BackupError::NoBackup {
            path: backup.to_owned(),
        });
    }
    let directory = parent_of(&database);
    std::fs::create_dir_all(directory).map_err(|source| BackupError::Io {
        what: "cannot create the database's directory",
        path: directory.to_owned(),
        error: source,
    })?;
    let copy = tempfile::Builder::new()
        .prefix(".quire-restore-")
        .suffix(".partial")
        .tempfile_in(directory)
        .map_err(|source| BackupError::Io {
            what: "cannot write in",
            path: directory.to_owned(),
            error: source.kind().into(),
        })?
        .into_temp_path();
    std::fs::copy(backup, &copy).map_err(|source| BackupError::Io {
        what: "cannot read",
        path: backup.to_owned(),
        error: source,
    })?;

    // The copy is ours alone: an `SQLite` error here is about what the file is.
    let mut conn = open(&copy)
        .await
        .map_err(|error| not_sqlite(error, backup))?;
    let checked = check_staged(&mut conn, &copy, backup).await;
    // Closed before anything else, on success and failure alike: `SQLite`'s side files go with it.
    let closed = conn.close().await;
    let file = checked?;
    closed.map_err(|error| BackupError::Sqlite {
        path: copy.to_path_buf(),
        error,
    })?;
    sync(&copy)?;
    Ok(Staged {
        file,
        copy,
        database,
    })
}

/// The backup copy's last steps: one file without a write-ahead log (a backup travels alone),
/// the manifest, then `SQLite`'s integrity check, whose answer this returns.
async fn finish_copy(
    copy: &mut SqliteConnection,
    path: &Path,
    key: Option<&SecretKeyRecord>,
) -> Result<Vec<String>, BackupError> {
    let failed = |error| BackupError::Sqlite {
        path: path.to_owned(),
        error,
    };
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut *copy)
        .await
        .map_err(failed)?;
    write_manifest(copy, key).await.map_err(failed)?;
    integrity(copy, path).await
}

/// Checks a staged copy of `backup` and describes it; then drops the manifest, which is the
/// backup's and not the database's. A backup in WAL mode (a plain copy) is turned into one
/// file first, so no side file outlives the check.
async fn check_staged(
    conn: &mut SqliteConnection,
    copy: &Path,
    backup: &Path,
) -> Result<BackupFile, BackupError> {
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut *conn)
        .await
        .map_err(|error| {
            not_sqlite(
                BackupError::Sqlite {
                    path: copy.to_owned(),
                    error,
                },
                backup,
            )
        })?;
    let problems = integrity(conn, copy)
        .await
        .map_err(|error| not_sqlite(error, backup))?;
    if problems != ["ok"] {
        return Err(BackupError::Corrupt {
            path: backup.to_owned(),
            problems,
        });
    }
    let file = describe(conn, backup).await?;
    sqlx::query(&format!("DROP TABLE IF EXISTS {MANIFEST}"))
        .execute(&mut *conn)
        .await
        .map_err(|error| BackupError::Sqlite {
            path: copy.to_owned(),
            error,
        })?;
    Ok(file)
}

/// An `SQLite` error on the private copy of `backup` is about what that file is.
fn not_sqlite(error: BackupError, backup: &Path) -> BackupError {
    match error {
        BackupError::Sqlite { error, .. } => BackupError::NotSqlite {
            path: backup.to_owned(),
            reason: error
                .as_database_error()
                .map_or_else(|| error.to_string(), |e| e.message().to_owned()),
        },
        other => other,
    }
}

impl Staged {
    /// The backup as checked.
    pub fn file(&self) -> &BackupFile {
        &self.file
    }

    /// The database file the restore replaces.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// The database files (the database, its `-wal` and `-shm`) that are there now.
    pub fn existing(&self) -> Vec<PathBuf> {
        database_files(&self.database)
            .into_iter()
            .filter(|path| path.exists())
            .collect()
    }

    /// Sets the current database files aside (`quire.db` → `quire.db.<suffix>`, its `-wal`
    /// with it, so `SQLite` still opens them together) and moves the checked copy into place.
    /// The caller makes sure no server has the database open. Answers the names set aside.
    pub fn commit(self, suffix: &str) -> Result<Vec<PathBuf>, BackupError> {
        let mut set_aside = Vec::new();
        let aside_name = format!(
            "{}.{suffix}",
            self.database.file_name().unwrap_or_default().display()
        );
        for (path, ending) in database_files(&self.database)
            .into_iter()
            .zip(["", "-wal", "-shm"])
        {
            if !path.exists() {
                continue;
            }
            let aside = path.with_file_name(format!("{aside_name}{ending}"));
            if aside.exists() {
                return Err(BackupError::TargetExists { path: aside });
            }
            std::fs::rename(&path, &aside).map_err(|source| BackupError::Io {
                what: "cannot set aside",
                path: path.clone(),
                error: source,
            })?;
            set_aside.push(aside);
        }
        self.copy
            .persist_noclobber(&self.database)
            .map_err(|error| BackupError::Io {
                what: "cannot move the restored database to",
                path: self.database.clone(),
                error: error.error,
            })?;
        sync_directory(parent_of(&self.database));
        Ok(set_aside)
    }
}

/// `PRAGMA integrity_check` on the `SQLite` database file at `path`: `["ok"]` when sound,
/// else `SQLite`'s list of problems. Opens the file without creating it; safe while a server
/// has it open.
pub async fn integrity_check(path: &Path) -> Result<Vec<String>, BackupError> {
    if !path.is_file() {
        return Err(BackupError::NoDatabase {
            path: path.to_owned(),
        });
    }
    let mut conn = open(path).await?;
    let problems = integrity(&mut conn, path).await?;
    conn.close().await.map_err(|source| BackupError::Sqlite {
        path: path.to_owned(),
        error: source,
    })?;
    Ok(problems)
}

#[derive(Clone, Copy)]
enum Operation {
    Backup,
    Restore,
}

/// The `SQLite` options of `database_url`, or the advice for `PostgreSQL`.
fn sqlite_options(
    database_url: &str,
    operation: Operation,
) -> Result<SqliteConnectOptions, BackupError> {
    match (Backend::from_url(database_url)?, operation) {
        (Backend::Sqlite, _) => SqliteConnectOptions::from_str(database_url)
            .map(|options| options.busy_timeout(Duration::from_secs(10)))
            .map_err(|source| BackupError::Sqlite {
                path: PathBuf::from(redact_url(database_url)),
                error: source,
            }),
        (Backend::Postgres, Operation::Backup) => Err(BackupError::PostgresBackup {
            url: redact_url(database_url),
        }),
        (Backend::Postgres, Operation::Restore) => Err(BackupError::PostgresRestore {
            url: redact_url(database_url),
        }),
    }
}

/// A read-write connection to an existing file (never creating one).
async fn open(path: &Path) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|source| BackupError::Sqlite {
            path: path.to_owned(),
            error: source,
        })
}

async fn integrity(conn: &mut SqliteConnection, path: &Path) -> Result<Vec<String>, BackupError> {
    sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(conn)
        .await
        .map_err(|source| BackupError::Sqlite {
            path: path.to_owned(),
            error: source,
        })
}

async fn write_manifest(
    conn: &mut SqliteConnection,
    key: Option<&SecretKeyRecord>,
) -> Result<(), sqlx::Error> {
    let made_at = now_ms().to_string();
    let entries = [
        ("format", Some(FORMAT)),
        ("quire_version", Some(env!("CARGO_PKG_VERSION"))),
        ("made_at", Some(made_at.as_str())),
        (
            "secret_key_fingerprint",
            key.map(|k| k.fingerprint.as_str()),
        ),
        ("secret_key", key.and_then(|k| k.key.as_deref())),
    ];
    let mut tx = conn.begin().await?;
    sqlx::query(&format!(
        "CREATE TABLE {MANIFEST} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
    ))
    .execute(&mut *tx)
    .await?;
    for (name, value) in entries {
        if let Some(value) = value {
            sqlx::query(&format!(
                "INSERT INTO {MANIFEST} (name, value) VALUES ($1, $2)"
            ))
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// Reads what a checked copy is: Quire's, not newer than this Quire, and its manifest.
/// `path` names the operator's file in messages.
async fn describe(conn: &mut SqliteConnection, path: &Path) -> Result<BackupFile, BackupError> {
    let failed = |source| BackupError::Sqlite {
        path: path.to_owned(),
        error: source,
    };
    if !has_table(conn, "_sqlx_migrations").await.map_err(failed)?
        || !has_table(conn, "function_secrets").await.map_err(failed)?
    {
        return Err(BackupError::NotQuire {
            path: path.to_owned(),
        });
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    if let Some(unknown) = applied
        .iter()
        .find(|version| !SQLITE_MIGRATIONS.iter().any(|m| m.version == **version))
    {
        return Err(BackupError::Newer {
            path: path.to_owned(),
            what: format!("it has database migration {unknown}, which this Quire does not know"),
        });
    }
    let mut manifest = HashMap::new();
    if has_table(conn, MANIFEST).await.map_err(failed)? {
        let rows = sqlx::query(&format!("SELECT name, value FROM {MANIFEST}"))
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
        for row in rows {
            let name: String = row.try_get(0).map_err(failed)?;
            let value: String = row.try_get(1).map_err(failed)?;
            manifest.insert(name, value);
        }
    }
    if let Some(format) = manifest.get("format").filter(|f| f.as_str() != FORMAT) {
        return Err(BackupError::Newer {
            path: path.to_owned(),
            what: format!("its backup format is {format}; this Quire reads {FORMAT}"),
        });
    }
    let mut sealed_secrets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM function_secrets")
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)?;
    // Backups made before the inbox have no WhatsApp connections.
    if has_table(conn, "whatsapp_connections")
        .await
        .map_err(failed)?
    {
        let connection_secrets: i64 = sqlx::query_scalar(
            "SELECT COUNT(app_secret_sealed) + COUNT(access_token_sealed) FROM whatsapp_connections",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)?;
        sealed_secrets += connection_secrets;
    }
    Ok(BackupFile {
        path: path.to_owned(),
        bytes: metadata_len(path)?,
        made_at: manifest.get("made_at").and_then(|at| at.parse().ok()),
        quire_version: manifest.remove("quire_version"),
        secret_key: manifest
            .remove("secret_key_fingerprint")
            .map(|fingerprint| SecretKeyRecord {
                fingerprint,
                key: manifest.remove("secret_key"),
            }),
        sealed_secrets,
    })
}

async fn has_table(conn: &mut SqliteConnection, name: &str) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(name)
            .fetch_one(conn)
            .await?;
    Ok(count > 0)
}

/// `quire.db`, `quire.db-wal`, `quire.db-shm`.
fn database_files(database: &Path) -> [PathBuf; 3] {
    let name = database
        .file_name()
        .unwrap_or_default()
        .display()
        .to_string();
    [
        database.to_owned(),
        database.with_file_name(format!("{name}-wal")),
        database.with_file_name(format!("{name}-shm")),
    ]
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn metadata_len(path: &Path) -> Result<u64, BackupError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| BackupError::Io {
            what: "cannot read",
            path: path.to_owned(),
            error: source,
        })
}

/// Flushes a file's bytes to disk before it is renamed into place.
fn sync(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|source| BackupError::Io {
            what: "cannot flush",
            path: path.to_owned(),
            error: source,
        })
}

/// Flushes a directory entry (a rename) to disk, where the platform allows it.
fn sync_directory(directory: &Path) {
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
}
