//! `quire restore <file>`: puts a `quire backup` file back as the data directory's database.
//!
//! It refuses while a server runs on the data directory (the lock in [`crate::lock`]), checks
//! the file (`PRAGMA integrity_check`, a Quire database no newer than this binary) before
//! anything changes, and makes sure the key the server will start with decrypts the function
//! secrets in it: the key the backup carries is written to `<data_dir>/secret.key`; a
//! configured key must be the one the secrets were sealed with. A data directory that already
//! holds a database (or another key) is replaced only with `--force`, and even then nothing is
//! deleted: the old files are renamed `….replaced-<time>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use quire_store::backup::{BackupError, BackupFile};

use crate::backup::{fingerprint, size};
use crate::lock::DataDirLock;
use crate::settings::{Settings, write_private};

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The file `quire backup` wrote.
    pub file: PathBuf,
    /// Replace the database and secret key already in the data directory (they are renamed
    /// `….replaced-<time>`, not deleted).
    #[arg(long)]
    pub force: bool,
}

/// What happens to the secret key.
enum KeyPlan {
    /// The key the server will start with opens the backup's secrets (or there are none).
    Keep(String),
    /// Write the backup's key (hex) to `<data_dir>/secret.key`.
    Write { key: String, fingerprint: String },
}

pub async fn run(settings: &Settings, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    if quire_store::Backend::from_url(&settings.database_url)? == quire_store::Backend::Postgres {
        return Err(BackupError::PostgresRestore {
            url: quire_store::redact_url(&settings.database_url),
        }
        .into());
    }
    if !args.file.is_file() {
        return Err(BackupError::NoBackup { path: args.file }.into());
    }
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    let _lock = DataDirLock::exclusive(&settings.data_dir)?;
    let staged = quire_store::backup::stage_restore(&args.file, &settings.database_url).await?;
    let plan = plan_key(settings, staged.file())?;

    let key_file = settings.secret_key_file();
    let mut existing = staged.existing();
    if matches!(plan, KeyPlan::Write { .. }) && key_file.exists() {
        existing.push(key_file.clone());
    }
    if !existing.is_empty() && !args.force {
        let listed: Vec<String> = existing.iter().map(|path| describe(path)).collect();
        bail!(
            "{} already holds data: {}. A restore replaces it; run again with --force to set those files aside (renamed ….replaced-<time>, not deleted) and restore",
            settings.data_dir.display(),
            listed.join(", ")
        );
    }

    let suffix = format!("replaced-{}", now_for_file_names());
    let staged_key = settings.data_dir.join(".secret.key.restoring");
    if let KeyPlan::Write { key, .. } = &plan {
        let _ = std::fs::remove_file(&staged_key);
        write_private(&staged_key, key)?;
    }
    let database = staged.database().to_owned();
    let file = std::fs::canonicalize(&staged.file().path).unwrap_or(args.file.clone());
    let (bytes, made) = (staged.file().bytes, made(staged.file()));
    let mut set_aside = staged.commit(&suffix)?;
    let database = std::fs::canonicalize(&database).unwrap_or(database);
    if let KeyPlan::Write { .. } = &plan {
        if key_file.exists() {
            let aside = key_file.with_file_name(format!("secret.key.{suffix}"));
            std::fs::rename(&key_file, &aside)
                .with_context(|| format!("cannot set aside {}", key_file.display()))?;
            set_aside.push(aside);
        }
        std::fs::rename(&staged_key, &key_file)
            .with_context(|| format!("cannot write the secret key to {}", key_file.display()))?;
    }

    println!(
        "restored {} ({}{made}; integrity check ok) into {}",
        file.display(),
        size(bytes),
        database.display()
    );
    for path in &set_aside {
        println!("set aside: {}", path.display());
    }
    match plan {
        KeyPlan::Write { fingerprint, .. } => println!(
            "secret key: the backup's (fingerprint {fingerprint}), written to {}",
            key_file.display()
        ),
        KeyPlan::Keep(why) => println!("secret key: {why}"),
    }
    println!("Start the server with `quire serve`.");
    Ok(ExitCode::SUCCESS)
}

/// Decides the key, or refuses when the server would start with a key that cannot open the
/// backup's secrets.
fn plan_key(settings: &Settings, file: &BackupFile) -> anyhow::Result<KeyPlan> {
    let current = settings.existing_secret_key()?.map(|key| fingerprint(&key));
    let secrets = file.sealed_secrets;
    let configured = settings.secret_key.is_some();
    let Some(record) = &file.secret_key else {
        if secrets > 0 {
            eprintln!(
                "warning: {} does not say which secret key its {secrets} secret(s) are sealed with (it was not written by `quire backup`); they decrypt only if the server starts with that key",
                file.path.display()
            );
        }
        return Ok(KeyPlan::Keep(
            "unchanged; the backup does not carry one".to_owned(),
        ));
    };
    if current.as_deref() == Some(record.fingerprint.as_str()) {
        let source = if configured {
            "the configured key (QUIRE_SECRET_KEY)".to_owned()
        } else {
            format!("the key in {}", settings.secret_key_file().display())
        };
        return Ok(KeyPlan::Keep(format!(
            "{source} is the backup's (fingerprint {}) and opens its {secrets} secret(s)",
            record.fingerprint
        )));
    }
    if configured {
        if secrets == 0 {
            return Ok(KeyPlan::Keep(
                "the configured key (QUIRE_SECRET_KEY); the backup holds no secrets".to_owned(),
            ));
        }
        let hint = if record.key.is_some() {
            "The backup carries its own key: unset QUIRE_SECRET_KEY (and secret_key in quire.toml) so the restore writes it to the data directory, or configure that key"
        } else {
            "Set QUIRE_SECRET_KEY to the key the backup was made with and restore again"
        };
        bail!(
            "the configured secret key (fingerprint {}) is not the one this backup's {secrets} secret(s) are sealed with (fingerprint {}), so they could not be decrypted. {hint}",
            current.unwrap_or_default(),
            record.fingerprint
        );
    }
    match &record.key {
        Some(key) => Ok(KeyPlan::Write {
            key: key.clone(),
            fingerprint: record.fingerprint.clone(),
        }),
        None if secrets == 0 => Ok(KeyPlan::Keep(
            "unchanged; the backup holds no secrets".to_owned(),
        )),
        None => bail!(
            "this backup's {secrets} secret(s) are sealed with a key that is not in it (fingerprint {}; it was configured with QUIRE_SECRET_KEY when the backup was made). Set QUIRE_SECRET_KEY to that key and restore again",
            record.fingerprint
        ),
    }
}

/// `quire.db (1.2 MiB)`.
fn describe(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or_default();
    format!("{} ({})", path.display(), size(bytes))
}

/// `, made 2025-01-31 14:05 UTC by Quire 0.1.0`, or nothing for a plain database copy.
fn made(file: &BackupFile) -> String {
    let Some(at) = file
        .made_at
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
    else {
        return String::new();
    };
    let when = at
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default();
    match &file.quire_version {
        Some(version) => format!(", made {when} by Quire {version}"),
        None => format!(", made {when}"),
    }
}

/// `20250131T140512Z`: sorts by time, safe in any file system.
fn now_for_file_names() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| quire_store::now_ms().to_string())
}
