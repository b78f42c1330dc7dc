//! `quire pull` and `quire push`: a project folder's pages and functions, all at once.
//!
//! Each file's last pulled or pushed version is recorded in `.quire/state.json` with its
//! bytes' hash. `push` sends the files whose bytes changed since, each saved on top of the
//! recorded version: a page whose head moved on the server meanwhile is refused by the server
//! (409 `head_moved`), a function's is refused here, and either way the message names the file
//! and who saved the newer version; `--force` saves on top of whatever is there. `pull` does
//! not overwrite a file with edits not pushed yet, unless `--force`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::client::ApiClient;
use crate::pages::{Saved, print_diagnostics, publish_version, save_page};
use crate::project::{Kind, Project, State, Synced, sha256_hex};

/// Which project folder, and who is calling.
#[derive(Debug, Clone, clap::Args)]
pub struct FolderArgs {
    /// The project folder [default: the one holding the current directory]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// An API token [default: the one `quire login` kept for the folder's server]
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl FolderArgs {
    pub fn open(&self) -> anyhow::Result<(Project, ApiClient)> {
        let project = Project::find(self.dir.as_deref())?;
        let client = ApiClient::connect(
            &project.config.server,
            self.token.clone(),
            &project.config.project,
        )?;
        Ok((project, client))
    }
}

/// Bring the project's pages and functions down into the folder.
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Overwrite files with edits that were not pushed.
    #[arg(long)]
    pub force: bool,
}

/// Send every page and function whose file changed up, as new versions.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Save even when someone saved a newer version on the server since your pull: theirs
    /// stays in the page's or function's history, yours becomes the newest.
    #[arg(long)]
    pub force: bool,
    /// Then publish the pages that built and deploy the functions that load.
    #[arg(long)]
    pub publish: bool,
}

/// A project item on the server: its newest version and that version's text.
struct Remote {
    slug: String,
    version: i64,
    text: String,
}

async fn remote_items(client: &ApiClient, kind: Kind) -> anyhow::Result<Vec<Remote>> {
    let folder = kind.folder();
    let list = client
        .get(&client.project_path(&format!("/{folder}")))
        .await?;
    let mut items = Vec::new();
    for item in list.as_array().into_iter().flatten() {
        let slug = item["slug"].as_str().unwrap_or_default().to_owned();
        let detail = client
            .get(&client.project_path(&format!("/{folder}/{slug}")))
            .await?;
        let (version, text) = match kind {
            Kind::Page => (&detail["head"]["number"], &detail["head"]["source"]),
            Kind::Function => (&detail["head_version"], &detail["code"]),
        };
        if let (Some(version), Some(text)) = (version.as_i64(), text.as_str()) {
            items.push(Remote {
                slug,
                version,
                text: text.to_owned(),
            });
        }
    }
    Ok(items)
}

fn records(state: &mut State, kind: Kind) -> &mut std::collections::BTreeMap<String, Synced> {
    match kind {
        Kind::Page => &mut state.pages,
        Kind::Function => &mut state.functions,
    }
}

pub async fn pull(args: &PullArgs) -> anyhow::Result<ExitCode> {
    let (project, client) = args.folder.open()?;
    let mut state = project.state()?;
    let mut kept = 0;
    for kind in [Kind::Page, Kind::Function] {
        for remote in remote_items(&client, kind).await? {
            let path = project.file(kind, &remote.slug);
            let shown = project.shown(&path);
            let theirs = sha256_hex(&remote.text);
            if let Ok(local) = std::fs::read_to_string(&path) {
                let mine = sha256_hex(&local);
                let recorded = records(&mut state, kind)
                    .get(&remote.slug)
                    .map(|r| r.sha256.clone());
                if mine != theirs && recorded.as_deref() != Some(mine.as_str()) && !args.force {
                    eprintln!(
                        "{shown}: kept: it has edits that were not pushed (version {} is on the server); push them with `quire push`, or overwrite them with `quire pull --force`",
                        remote.version
                    );
                    kept += 1;
                    continue;
                }
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &remote.text)
                .with_context(|| format!("could not write {}", path.display()))?;
            records(&mut state, kind).insert(
                remote.slug.clone(),
                Synced {
                    version: remote.version,
                    sha256: theirs,
                },
            );
            project.save_state(&state)?;
            println!("{shown}: version {}", remote.version);
            if kind == Kind::Page {
                crate::page_assets::pull(&client, &path, &remote.text).await?;
            }
        }
    }
    Ok(if kept == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The outcome of pushing one file.
pub enum Pushed {
    /// Its bytes are what was last pulled or pushed.
    Unchanged,
    /// Saved as `version`; `ok`: it builds (a page) or loads (a function).
    Saved { version: i64, ok: bool },
    /// Not saved: someone saved a newer version (the message says who).
    Refused,
}

/// Pushes the file of `slug` of `kind` if its bytes changed since the last pull or push,
/// printing what happened; records the new version.
pub async fn push_one(
    project: &Project,
    client: &ApiClient,
    state: &mut State,
    kind: Kind,
    slug: &str,
    force: bool,
) -> anyhow::Result<Pushed> {
    let path = project.file(kind, slug);
    let shown = project.shown(&path);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let sha256 = sha256_hex(&text);
    let recorded = records(state, kind).get(slug).cloned();
    if recorded.as_ref().is_some_and(|r| r.sha256 == sha256) {
        return Ok(Pushed::Unchanged);
    }
    let base = if force {
        None
    } else {
        Some(recorded.as_ref().map_or(0, |r| r.version))
    };
    let (version, ok) = match kind {
        Kind::Page => match save_page(client, slug, None, &text, base).await? {
            Saved::Conflict { message } => {
                eprintln!("{shown}: not pushed: {message}");
                eprintln!(
                    "  Your file is unchanged. Merge their version (`quire pages pull {slug} -o theirs.tsx`) into it and run `quire push --force`, or overwrite theirs with `quire push --force`."
                );
                return Ok(Pushed::Refused);
            }
            Saved::Version {
                created,
                number,
                ok,
                diagnostics,
                ..
            } => {
                print_diagnostics(&diagnostics, std::path::Path::new(&shown));
                let what = if ok { "built" } else { "did not build" };
                let new = if created { " (a new page)" } else { "" };
                println!("{shown}: saved version {number}{new}: {what}");
                (number, ok)
            }
        },
        Kind::Function => {
            if let Some(message) = function_moved(client, slug, base).await? {
                eprintln!("{shown}: not pushed: {message}");
                eprintln!(
                    "  Your file is unchanged. Merge their version (`quire pull --force` after keeping a copy of yours) or overwrite it with `quire push --force`."
                );
                return Ok(Pushed::Refused);
            }
            let uploaded = crate::functions::upload(client, slug, &text).await?;
            let ok = uploaded.load_error.is_null();
            if !ok {
                eprintln!(
                    "{}",
                    crate::functions::load_error_line(&shown, &uploaded.load_error)
                );
            }
            let what = if ok { "loads" } else { "does not load" };
            let new = if uploaded.created {
                " (a new function)"
            } else {
                ""
            };
            println!("{shown}: saved version {}{new}: {what}", uploaded.version);
            (uploaded.version, ok)
        }
    };
    records(state, kind).insert(slug.to_owned(), Synced { version, sha256 });
    project.save_state(state)?;
    Ok(Pushed::Saved { version, ok })
}

/// Why function `slug` may not be saved on top of `base`: its head is another version
/// (naming who saved it). `None` when it may (or does not exist yet, or `base` is `None`).
async fn function_moved(
    client: &ApiClient,
    slug: &str,
    base: Option<i64>,
) -> anyhow::Result<Option<String>> {
    let Some(base) = base else { return Ok(None) };
    let path = client.project_path(&format!("/functions/{slug}"));
    let (status, text) = client.send_raw(Method::GET, &path, None).await?;
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let detail: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let head = detail["head_version"].as_i64().unwrap_or_default();
    if !status.is_success() || head == base {
        return Ok(None);
    }
    let versions = client.get(&format!("{path}/versions")).await?;
    let newest = versions
        .as_array()
        .and_then(|all| all.iter().find(|v| v["number"] == head))
        .cloned()
        .unwrap_or(Value::Null);
    let author = match newest["author_id"].as_str() {
        Some(id) => member_name(client, id).await,
        None => None,
    }
    .unwrap_or_else(|| "someone whose account is gone".to_owned());
    let since = if base == 0 {
        "and you never pulled it".to_owned()
    } else {
        format!("after version {base}, which you pulled")
    };
    Ok(Some(format!(
        "version {head} was saved by {author} at {} {since}; nothing was saved",
        newest["created_at"].as_str().unwrap_or("?")
    )))
}

async fn member_name(client: &ApiClient, user_id: &str) -> Option<String> {
    let members = client.get(&client.project_path("/members")).await.ok()?;
    members
        .as_array()?
        .iter()
        .find(|m| m["user"]["id"] == user_id)
        .and_then(|m| m["user"]["name"].as_str())
        .map(str::to_owned)
}

pub async fn push(args: &PushArgs) -> anyhow::Result<ExitCode> {
    let (project, client) = args.folder.open()?;
    let mut state = project.state()?;
    let pages = project.slugs(Kind::Page);
    if let Some(first) = pages.first() {
        crate::page_assets::push(&client, &project.file(Kind::Page, first)).await?;
    }
    let mut failed = false;
    let mut pushed = 0;
    for (kind, slugs) in [
        (Kind::Page, pages),
        (Kind::Function, project.slugs(Kind::Function)),
    ] {
        for slug in slugs {
            match push_one(&project, &client, &mut state, kind, &slug, args.force).await? {
                Pushed::Unchanged => {}
                Pushed::Refused => failed = true,
                Pushed::Saved { version, ok } => {
                    pushed += 1;
                    failed |= !ok;
                    if args.publish && ok {
                        publish(&project, &client, kind, &slug, version).await?;
                    }
                }
            }
        }
    }
    if pushed == 0 && !failed {
        println!("Nothing to push: every file is as last pulled or pushed.");
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Publishes a page's `version`, or deploys a function's head.
pub async fn publish(
    project: &Project,
    client: &ApiClient,
    kind: Kind,
    slug: &str,
    version: i64,
) -> anyhow::Result<bool> {
    let shown = project.shown(&project.file(kind, slug));
    match kind {
        Kind::Page => {
            let number = publish_version(client, slug, Some(version)).await?;
            println!("{shown}: published version {number}");
            Ok(true)
        }
        Kind::Function => {
            let result = crate::functions::deploy_head(client, slug).await?;
            if result["status"] == "deployed" {
                println!("{shown}: deployed version {}", result["version"]);
                Ok(true)
            } else {
                eprintln!(
                    "{}",
                    crate::functions::load_error_line(&shown, &result["error"])
                );
                Ok(false)
            }
        }
    }
}
