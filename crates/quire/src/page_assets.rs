//! The `assets/` folder beside a page's file, carried by `quire pages push` and `pull`: push
//! uploads each file there whose bytes the project's asset of that name does not have yet;
//! pull writes the assets the page imports there. Neither deletes: another page may use an
//! asset this folder lacks, and the folder may hold files the page does not use.

use std::path::Path;

use anyhow::Context as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::client::ApiClient;

/// The folder of assets beside `page_file`.
fn folder(page_file: &Path) -> std::path::PathBuf {
    page_file
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("assets")
}

/// The project's assets by name, with their SHA-256 and URL.
async fn listed(client: &ApiClient) -> anyhow::Result<Vec<Value>> {
    let list = client.get(&client.project_path("/assets")).await?;
    Ok(list["assets"].as_array().cloned().unwrap_or_default())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Uploads the files of the `assets/` folder beside `page_file` that are new or changed.
/// Answers how many went up.
pub async fn push(client: &ApiClient, page_file: &Path) -> anyhow::Result<usize> {
    let dir = folder(page_file);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let on_server = listed(client).await?;
    let mut uploaded = 0;
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has a name that is not UTF-8", path.display()))?;
        let bytes =
            std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        let sha = sha256_hex(&bytes);
        let same = on_server
            .iter()
            .any(|a| a["name"] == name && a["sha256"].as_str() == Some(sha.as_str()));
        if same {
            continue;
        }
        let query: String = url_encoded(name);
        client
            .post_bytes(
                &client.project_path(&format!("/assets?name={query}")),
                bytes,
            )
            .await
            .with_context(|| format!("could not upload {}", path.display()))?;
        println!("Uploaded assets/{name}.");
        uploaded += 1;
    }
    Ok(uploaded)
}

/// Writes the assets `source` imports to the `assets/` folder beside `page_file`, except
/// those it already holds with the same bytes. Answers how many were written.
pub async fn pull(client: &ApiClient, page_file: &Path, source: &str) -> anyhow::Result<usize> {
    let imported = quire_compiler::imported_assets(source);
    if imported.is_empty() {
        return Ok(0);
    }
    let dir = folder(page_file);
    let on_server = listed(client).await?;
    let mut written = 0;
    for name in imported {
        let Some(asset) = on_server.iter().find(|a| a["name"] == name.as_str()) else {
            eprintln!("The page imports ./{name}, which the project has no asset of.");
            continue;
        };
        let path = dir.join(&name);
        let want = asset["sha256"].as_str().unwrap_or_default();
        if std::fs::read(&path).is_ok_and(|bytes| sha256_hex(&bytes) == want) {
            continue;
        }
        let url = asset["url"].as_str().unwrap_or_default();
        let bytes = client
            .download(url)
            .await
            .with_context(|| format!("could not download the asset {name}"))?;
        if sha256_hex(&bytes) != want {
            anyhow::bail!(
                "the asset {name} downloaded from {url} is not the content the project lists; try again"
            );
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not make {}", dir.display()))?;
        std::fs::write(&path, bytes)
            .with_context(|| format!("could not write {}", path.display()))?;
        println!("Wrote assets/{name}.");
        written += 1;
    }
    Ok(written)
}

/// `name` for a query string (asset names are letters, digits, `.`, `_` and `-`; anything
/// else is escaped, for the server to refuse with its own message).
fn url_encoded(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
