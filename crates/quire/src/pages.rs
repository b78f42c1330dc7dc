//! `quire pages list|push|pull|publish|delete|generate` (`generate` in `generate.rs`): a project's pages from the command line, through the
//! server's API with an API token. `push` saves a local TSX file as a page's new version
//! (creating the page if needed), prints the build's diagnostics and exits 1 when it failed.
//! Both carry the `assets/` folder beside the file (see `page_assets`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use quire_compiler::{Diagnostic, PAGE_FILE, render_diagnostics};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::{ApiClient, RemoteArgs};

#[derive(Debug, clap::Subcommand)]
pub enum PagesCommand {
    /// List the project's pages.
    List {
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Save a local .tsx file as a page's new version (the page is created if needed) and
    /// show its build; exits 1 when the build failed. Files in an assets/ folder beside it
    /// are uploaded first as the project's assets, those whose bytes changed.
    Push {
        /// The page's source file.
        file: PathBuf,
        /// The page's slug [default: the file's name without .tsx]
        #[arg(long)]
        slug: Option<String>,
        /// The page's name when it is created [default: the slug]
        #[arg(long)]
        name: Option<String>,
        /// Publish the new version when it built.
        #[arg(long)]
        publish: bool,
        /// The version this file was edited from (as `pull` printed it): the push is refused,
        /// and nothing saved, when someone saved another version since [default: no check]
        #[arg(long, value_name = "VERSION")]
        base_version: Option<i64>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Write a page's newest saved source to a file, and the assets it imports to an assets/
    /// folder beside it.
    Pull {
        /// The page (slug or id).
        page: String,
        /// Where to write it [default: <slug>.tsx]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a page and every version of it (owners and admins).
    Delete {
        /// The page (slug or id).
        page: String,
        /// Delete without asking: the page cannot be brought back.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Have the page agent write the page (or change it), fixing what the compiler reports,
    /// up to the server's attempts; each attempt that builds is saved as a draft version.
    Generate(crate::generate::GenerateArgs),
    /// Publish a page's newest version, or the version given (an older one rolls back).
    Publish {
        /// The page (slug or id).
        page: String,
        /// The version number to publish [default: the newest]
        #[arg(value_name = "VERSION")]
        number: Option<i64>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

pub async fn run(command: PagesCommand) -> anyhow::Result<ExitCode> {
    match command {
        PagesCommand::List { remote } => list(&ApiClient::new(&remote)?).await,
        PagesCommand::Push {
            file,
            slug,
            name,
            publish,
            base_version,
            remote,
        } => {
            push(
                &ApiClient::new(&remote)?,
                &file,
                &Target {
                    slug,
                    name: name.as_deref(),
                    base_version,
                },
                publish,
            )
            .await
        }
        PagesCommand::Pull {
            page,
            output,
            remote,
        } => pull(&ApiClient::new(&remote)?, &page, output).await,
        PagesCommand::Publish {
            page,
            number,
            remote,
        } => publish(&ApiClient::new(&remote)?, &page, number).await,
        PagesCommand::Generate(args) => crate::generate::generate(args).await,
        PagesCommand::Delete { page, yes, remote } => {
            delete(&ApiClient::new(&remote)?, &page, yes).await
        }
    }
}

async fn delete(client: &ApiClient, page: &str, yes: bool) -> anyhow::Result<ExitCode> {
    let path = client.project_path(&format!("/pages/{page}"));
    let found = client.get(&path).await?;
    let slug = text(&found["slug"]);
    let versions = found["head_version"].as_i64().unwrap_or(0);
    let published = if found["published_version"].is_null() {
        ""
    } else {
        ", and everyone who opens it will find it gone"
    };
    if !yes {
        bail!(
            "this deletes page {slug:?} with its {versions} saved version(s){published}; it cannot be undone. Run again with --yes to delete it"
        );
    }
    client.send(Method::DELETE, &path, None).await?;
    println!("Deleted page {slug:?} and its {versions} version(s).");
    Ok(ExitCode::SUCCESS)
}

async fn list(client: &ApiClient) -> anyhow::Result<ExitCode> {
    let pages = client.get(&client.project_path("/pages")).await?;
    let pages = pages.as_array().cloned().unwrap_or_default();
    if pages.is_empty() {
        println!(
            "No pages in project {:?} yet; create one with `quire pages push page.tsx`.",
            client.project
        );
        return Ok(ExitCode::SUCCESS);
    }
    let version = |v: &Value| v.as_i64().map_or_else(|| "-".to_owned(), |n| n.to_string());
    let rows: Vec<[String; 5]> = pages
        .iter()
        .map(|page| {
            [
                text(&page["slug"]),
                text(&page["name"]),
                text(&page["status"]),
                version(&page["head_version"]),
                version(&page["published_version"]),
            ]
        })
        .collect();
    let header = ["SLUG", "NAME", "STATUS", "HEAD", "PUBLISHED"].map(str::to_owned);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

/// Which page a push saves to, and from which version.
struct Target<'a> {
    slug: Option<String>,
    name: Option<&'a str>,
    base_version: Option<i64>,
}

/// What a save of a page's source came to.
pub enum Saved {
    /// A version was stored (`created`: the page too); `ok` says whether it built.
    Version {
        created: bool,
        number: i64,
        ok: bool,
        size: i64,
        diagnostics: Value,
    },
    /// Refused: the head is no longer the base version. `message` names who saved it.
    Conflict { message: String },
}

/// Saves `source` as page `slug`'s new version on top of `base_version` (`None`: on top of
/// any head), creating the page (named `name`, default the slug) when it does not exist.
pub async fn save_page(
    client: &ApiClient,
    slug: &str,
    name: Option<&str>,
    source: &str,
    base_version: Option<i64>,
) -> anyhow::Result<Saved> {
    let path = client.project_path(&format!("/pages/{slug}"));
    let (status, text) = client.send_raw(Method::GET, &path, None).await?;
    let (created, saved) = if status == StatusCode::NOT_FOUND {
        let body = json!({ "name": name.unwrap_or(slug), "slug": slug, "source": source });
        let created = client.post(&client.project_path("/pages"), &body).await?;
        (true, created["first"].clone())
    } else if status.is_success() {
        let body = json!({ "source": source, "base_version": base_version });
        let (status, text) = client
            .send_raw(
                Method::PUT,
                &format!("{path}/source"),
                Some((body.to_string(), "application/json")),
            )
            .await?;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status == StatusCode::CONFLICT && answer["error"]["code"] == "head_moved" {
            return Ok(Saved::Conflict {
                message: error_message(&text),
            });
        }
        if !status.is_success() {
            bail!("the server answered {status}: {}", error_message(&text));
        }
        (false, answer)
    } else {
        bail!("the server answered {status}: {}", error_message(&text));
    };
    Ok(Saved::Version {
        created,
        number: saved["version"]["number"].as_i64().unwrap_or_default(),
        ok: saved["build"]["ok"].as_bool().unwrap_or(false),
        size: saved["build"]["artifact"]["size"].as_i64().unwrap_or(0),
        diagnostics: saved["build"]["diagnostics"].clone(),
    })
}

/// Prints a build's diagnostics on stderr, named after the local `file`.
pub fn print_diagnostics(value: &Value, file: &Path) {
    match diagnostics(value, file) {
        Some(diagnostics) => eprint!("{}", render_diagnostics(&diagnostics)),
        None => eprintln!("{value:#}"),
    }
}

async fn push(
    client: &ApiClient,
    file: &Path,
    target: &Target<'_>,
    publish_after: bool,
) -> anyhow::Result<ExitCode> {
    if file.extension().and_then(|e| e.to_str()) != Some("tsx") {
        bail!(
            "{} is not a .tsx file: pages are written in TSX (TypeScript with JSX), one file that exports a React component; rename it to end in .tsx",
            file.display()
        );
    }
    let source = std::fs::read_to_string(file)
        .with_context(|| format!("could not read the page {}", file.display()))?;
    let slug = match target.slug.clone() {
        Some(slug) => slug,
        None => file
            .file_stem()
            .and_then(|stem| stem.to_str())
            .map(str::to_owned)
            .context("cannot take a slug from the file name; pass --slug")?,
    };
    crate::page_assets::push(client, file).await?;
    let saved = save_page(client, &slug, target.name, &source, target.base_version).await?;
    let (created, number, ok, size, diagnostics) = match saved {
        Saved::Version {
            created,
            number,
            ok,
            size,
            diagnostics,
        } => (created, number, ok, size, diagnostics),
        Saved::Conflict { message } => {
            bail!("the server answered 409 Conflict: {message}")
        }
    };
    if created {
        println!("Created page {slug:?}.");
    }
    print_diagnostics(&diagnostics, file);
    if !ok {
        eprintln!(
            "Saved version {number} of {slug:?}, but it did not build: fix the errors above and push again. The published version is unchanged."
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("Saved version {number} of {slug:?}: built ({size} bytes).");
    if publish_after {
        let published = publish_version(client, &slug, Some(number)).await?;
        println!("Published version {published} of {slug:?}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Publishes `version` of `page` (default: the newest) and answers the published number.
pub async fn publish_version(
    client: &ApiClient,
    page: &str,
    version: Option<i64>,
) -> anyhow::Result<i64> {
    let body = version.map_or_else(|| json!({}), |number| json!({ "version": number }));
    let published = client
        .post(
            &client.project_path(&format!("/pages/{page}/publish")),
            &body,
        )
        .await?;
    Ok(published["published_version"].as_i64().unwrap_or_default())
}

async fn pull(client: &ApiClient, page: &str, output: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let found = client
        .get(&client.project_path(&format!("/pages/{page}")))
        .await?;
    let Some(source) = found["head"]["source"].as_str() else {
        bail!("page {page:?} has no saved source yet (or you are not one of its editors)");
    };
    let output = output.unwrap_or_else(|| PathBuf::from(format!("{}.tsx", text(&found["slug"]))));
    std::fs::write(&output, source)
        .with_context(|| format!("could not write {}", output.display()))?;
    crate::page_assets::pull(client, &output, source).await?;
    let number = &found["head"]["number"];
    println!(
        "Wrote version {number} of {:?} to {}; push your edits with --base-version {number} so that nobody's later save is overwritten.",
        text(&found["slug"]),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn publish(client: &ApiClient, page: &str, version: Option<i64>) -> anyhow::Result<ExitCode> {
    let number = publish_version(client, page, version).await?;
    println!("Published version {number} of {page:?}.");
    Ok(ExitCode::SUCCESS)
}

/// The server's diagnostics, named after the local file; `None` if they are not in the shape
/// this version of the CLI knows.
fn diagnostics(value: &Value, file: &Path) -> Option<Vec<Diagnostic>> {
    let mut diagnostics: Vec<Diagnostic> = serde_json::from_value(value.clone()).ok()?;
    for diagnostic in &mut diagnostics {
        if diagnostic.file == PAGE_FILE {
            diagnostic.file = file.display().to_string();
        }
    }
    Some(diagnostics)
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.to_owned())
}
