//! `quire backup <file>`: an online copy of the `SQLite` database (`VACUUM INTO`, consistent
//! while the server keeps serving), checked with `PRAGMA integrity_check`, with the secret
//! key that decrypts its secrets inside (function secrets, WhatsApp app secrets and access tokens) when the key lives in the data directory.
//! When the key is configured (`QUIRE_SECRET_KEY`), only its fingerprint goes in, and the
//! operator is told to keep the key. On `PostgreSQL` it names the `pg_dump` command instead.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use quire_store::backup::{BackupError, SecretKeyRecord};

use crate::lock::DataDirLock;
use crate::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write; it must not exist yet.
    pub file: PathBuf,
}

pub async fn run(settings: &Settings, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let sqlite =
        quire_store::Backend::from_url(&settings.database_url)? == quire_store::Backend::Sqlite;
    if sqlite && !settings.data_dir.is_dir() {
        bail!(
            "there is no data directory at {}: nothing to back up. Point --data-dir (or QUIRE_DATA_DIR) at the server's",
            settings.data_dir.display()
        );
    }
    let _lock = if sqlite {
        Some(DataDirLock::shared(&settings.data_dir)?)
    } else {
        None
    };
    let key = settings.existing_secret_key()?;
    let record = key.map(|key| SecretKeyRecord {
        fingerprint: fingerprint(&key),
        key: settings.secret_key.is_none().then(|| hex::encode(key)),
    });

    let written = match quire_store::backup::backup(
        &settings.database_url,
        &args.file,
        record.as_ref(),
    )
    .await
    {
        Ok(written) => written,
        Err(BackupError::NoDatabase { path }) => bail!(
            "there is no database at {}: nothing to back up. Is {} the server's data directory?",
            path.display(),
            settings.data_dir.display()
        ),
        Err(error) => return Err(error.into()),
    };

    let shown = std::fs::canonicalize(&written.path).unwrap_or(written.path);
    println!(
        "wrote {} ({}): an online copy of {} (SQLite VACUUM INTO), integrity check ok",
        shown.display(),
        size(written.bytes),
        std::fs::canonicalize(&written.source)
            .unwrap_or(written.source)
            .display()
    );
    match (&record, &settings.secret_key) {
        (Some(record), None) => println!(
            "It holds the secret key from {} (fingerprint {}), which decrypts the secrets in it: keep the file as private as the data directory.",
            settings.secret_key_file().display(),
            record.fingerprint
        ),
        (Some(record), Some(_)) => eprintln!(
            "warning: the secret key is configured (QUIRE_SECRET_KEY or secret_key in quire.toml) and is NOT in this backup. \
             Keep that key with the backup: without it the secrets in it cannot be decrypted. Key fingerprint: {}.",
            record.fingerprint
        ),
        (None, _) => println!(
            "There is no secret key yet (the first `quire serve` makes one), so there are no secrets to decrypt."
        ),
    }
    println!(
        "Not included: the npm package store and the compile cache under {}; they fill again on the next compile.",
        std::fs::canonicalize(&settings.data_dir)
            .unwrap_or_else(|_| settings.data_dir.clone())
            .display()
    );
    println!("Restore with `quire restore {}`.", shown.display());
    Ok(ExitCode::SUCCESS)
}

/// A short public name for a key: a hash of it, never the key. Equal keys, equal fingerprints.
pub fn fingerprint(key: &[u8; 32]) -> String {
    let hash = quire_server::auth::tokens::sha256_hex(&format!(
        "quire secret key fingerprint\0{}",
        hex::encode(key)
    ));
    hash[..16].to_owned()
}

/// `1.4 MiB (1,468,006 bytes)`.
pub fn size(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "a size shown to one decimal place"
    )]
    let value = bytes as f64;
    let short = if bytes >= 1 << 30 {
        format!("{:.1} GiB", value / f64::from(1u32 << 30))
    } else if bytes >= 1 << 20 {
        format!("{:.1} MiB", value / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", value / 1024.0)
    };
    format!("{short}, {grouped} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_at_a_glance() {
        assert_eq!(size(49_152), "48.0 KiB, 49,152 bytes");
        assert_eq!(size(1_468_006), "1.4 MiB, 1,468,006 bytes");
        assert_eq!(size(512), "0.5 KiB, 512 bytes");
    }

    #[test]
    fn a_fingerprint_names_a_key_without_showing_it() {
        let key = [7u8; 32];
        assert_eq!(fingerprint(&key), fingerprint(&[7u8; 32]));
        assert_ne!(fingerprint(&key), fingerprint(&[8u8; 32]));
        assert!(!hex::encode(key).contains(&fingerprint(&key)));
    }
}
