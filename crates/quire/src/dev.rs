//! `quire dev`: the local loop. Watches the project folder's `pages/` and `functions/`.
//!
//! - A saved page is compiled on the server without a version (`POST …/preview` with
//!   `announce`): its diagnostics print here with code frames, and every open preview of the
//!   page — the studio's, and the dev preview this prints the URL of — loads the build at once
//!   through the live event `page.previewed`.
//! - A saved function is loaded in QuickJS here (its load error printed with line and column)
//!   and, with `--deploy`, saved and deployed.
//! - Keys: `s` saves versions of what changed (conflict-checked, as `quire push`), `p`
//!   publishes what `s` saved, `o` opens the preview, `q` quits. When standard input is not a
//!   terminal, its characters are the keys.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use notify::{EventKind, RecursiveMode, Watcher as _};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::client::ApiClient;
use crate::project::{Kind, Project, sha256_hex};
use crate::sync::{FolderArgs, Pushed, publish, push_one};

/// How long to wait after a file event for the rest of an editor's save.
const SETTLE: Duration = Duration::from_millis(15);

/// Watch the project folder: preview pages as they are saved, check functions.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Also save and deploy a function each time its file is saved and loads.
    #[arg(long)]
    pub deploy: bool,
}

enum Input {
    Changed(PathBuf),
    Key(char),
}

struct Dev {
    project: Project,
    client: ApiClient,
    deploy: bool,
    /// The hash of each file as last handled, so an editor's several events for one save, or
    /// a save without changes, do nothing.
    handled: HashMap<PathBuf, String>,
    /// What `s` saved this session, for `p`.
    saved: Vec<(Kind, String, i64)>,
    /// The page last saved, whose preview `o` opens.
    current: Option<String>,
    runtime: Option<quire_functions::Runtime>,
}

pub async fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    let (project, client) = args.folder.open()?;
    let (sender, mut inputs) = mpsc::unbounded_channel();
    let _watcher = watch(&project, sender.clone())?;
    let _mode = crate::terminal::InputMode::set(true);
    read_keys(sender);
    let pages = project.slugs(Kind::Page)?;
    let mut dev = Dev {
        current: pages.first().cloned(),
        project,
        client,
        deploy: args.deploy,
        handled: HashMap::new(),
        saved: Vec::new(),
        runtime: None,
    };
    println!(
        "Watching {} for saved pages and functions.",
        dev.project.root.display()
    );
    for slug in &pages {
        println!(
            "  {}: {}",
            dev.shown(Kind::Page, slug),
            dev.preview_url(slug)
        );
    }
    println!("Keys: s save versions of what changed, p publish them, o open the preview, q quit.");
    for slug in &pages {
        dev.page_saved(slug).await;
    }
    let quit = tokio::signal::ctrl_c();
    tokio::pin!(quit);
    loop {
        let first = tokio::select! {
            input = inputs.recv() => input,
            _ = &mut quit => None,
        };
        let Some(first) = first else { break };
        let mut batch = vec![first];
        if matches!(batch[0], Input::Changed(_)) {
            tokio::time::sleep(SETTLE).await;
        }
        while let Ok(more) = inputs.try_recv() {
            batch.push(more);
        }
        let mut changed: Vec<PathBuf> = Vec::new();
        let mut keys = Vec::new();
        for input in batch {
            match input {
                Input::Changed(path) if !changed.contains(&path) => changed.push(path),
                Input::Changed(_) => {}
                Input::Key(key) => keys.push(key),
            }
        }
        for path in changed {
            dev.file_saved(&path).await;
        }
        for key in keys {
            if !dev.key(key).await {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Watches `pages/` and `functions/` (made if missing), sending each path an event names.
fn watch(
    project: &Project,
    sender: mpsc::UnboundedSender<Input>,
) -> anyhow::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Remove(_) | EventKind::Access(_)) {
            return;
        }
        for path in event.paths {
            let _ = sender.send(Input::Changed(path));
        }
    })
    .context("cannot watch files on this system")?;
    for kind in [Kind::Page, Kind::Function] {
        let dir = project.root.join(kind.folder());
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not make {}", dir.display()))?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", dir.display()))?;
    }
    Ok(watcher)
}

/// Reads keys from standard input on a thread of its own, until it ends.
fn read_keys(sender: mpsc::UnboundedSender<Input>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdin.read(&mut byte) {
            if sender.send(Input::Key(char::from(byte[0]))).is_err() {
                return;
            }
        }
    });
}

impl Dev {
    fn shown(&self, kind: Kind, slug: &str) -> String {
        self.project.shown(&self.project.file(kind, slug))
    }

    /// The dev preview of page `slug`: the app's full-window preview that follows `quire dev`.
    fn preview_url(&self, slug: &str) -> String {
        format!(
            "{}/p/{}/pages/{}/dev",
            self.client.base(),
            self.project.config.project,
            slug
        )
    }

    async fn file_saved(&mut self, path: &Path) {
        let Some((kind, slug)) = self.project.classify(path) else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let sha = sha256_hex(&text);
        if self.handled.get(path) == Some(&sha) {
            return;
        }
        match kind {
            Kind::Page => self.page_saved(&slug).await,
            Kind::Function => self.function_saved(&slug, &text).await,
        }
    }

    /// Compiles page `slug` on the server and shows it in every open preview.
    async fn page_saved(&mut self, slug: &str) {
        let path = self.project.file(Kind::Page, slug);
        let shown = self.shown(Kind::Page, slug);
        let Ok(source) = std::fs::read_to_string(&path) else {
            return;
        };
        self.handled.insert(path.clone(), sha256_hex(&source));
        self.current = Some(slug.to_owned());
        let started = Instant::now();
        let mut body = json!({ "source": source, "announce": true });
        if let Some(preview) = &self.project.config.preview
            && !preview.context.is_empty()
        {
            body["context"] = Value::Object(preview.context.clone());
        }
        let answer = self
            .client
            .send_raw(
                Method::POST,
                &self.client.project_path(&format!("/pages/{slug}/preview")),
                Some((body.to_string(), "application/json")),
            )
            .await;
        let (status, text) = match answer {
            Ok(answer) => answer,
            Err(error) => {
                eprintln!("{shown}: {error:#}");
                return;
            }
        };
        if status == StatusCode::NOT_FOUND {
            println!(
                "{shown}: page {slug:?} is not on the server yet: press s to save it (the preview starts then)"
            );
            return;
        }
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            eprintln!(
                "{shown}: the server answered {status}: {}",
                answer["error"]["message"].as_str().unwrap_or(&text)
            );
            return;
        }
        crate::pages::print_diagnostics(&answer["build"]["diagnostics"], Path::new(&shown));
        let took = started.elapsed().as_millis();
        if answer["build"]["ok"] == true {
            println!("{shown}: built in {took} ms; the open previews show it");
        } else {
            eprintln!("{shown}: does not build; the previews keep the last good render");
        }
    }

    /// Loads function `slug`'s code here; with `--deploy`, saves and deploys it when it loads.
    async fn function_saved(&mut self, slug: &str, code: &str) {
        let path = self.project.file(Kind::Function, slug);
        self.handled.insert(path, sha256_hex(code));
        let shown = self.shown(Kind::Function, slug);
        let runtime = self.runtime.get_or_insert_with(|| {
            quire_functions::Runtime::new(quire_functions::RuntimeConfig::default())
        });
        if let Err(error) = runtime.validate(code).await {
            let position = match &error {
                quire_functions::LoadError::Syntax { line, column, .. } => {
                    format!(":{line}:{column}")
                }
                _ => String::new(),
            };
            eprintln!("{shown}{position}: error: {error}");
            return;
        }
        if !self.deploy {
            println!("{shown}: loads (deploy with s then p, or run with --deploy)");
            return;
        }
        let state = self.project.state();
        let pushed = match state {
            Ok(mut state) => {
                push_one(
                    &self.project,
                    &self.client,
                    &mut state,
                    Kind::Function,
                    slug,
                    false,
                )
                .await
            }
            Err(error) => Err(error),
        };
        match pushed {
            Ok(Pushed::Saved { version, ok: true }) => {
                if let Err(error) =
                    publish(&self.project, &self.client, Kind::Function, slug, version).await
                {
                    eprintln!("{shown}: {error:#}");
                }
            }
            Ok(_) => {}
            Err(error) => eprintln!("{shown}: {error:#}"),
        }
    }

    /// Handles a key; answers false to quit.
    async fn key(&mut self, key: char) -> bool {
        match key.to_ascii_lowercase() {
            's' => {
                if let Err(error) = self.save().await {
                    eprintln!("{error:#}");
                }
            }
            'p' => self.publish_saved().await,
            'o' => self.open(),
            'q' | '\u{3}' | '\u{4}' => return false,
            _ => {}
        }
        true
    }

    /// Saves a version of every page and function whose file changed since the last pull or
    /// push, as `quire push` does.
    async fn save(&mut self) -> anyhow::Result<()> {
        let mut state = self.project.state()?;
        let mut any = false;
        for kind in [Kind::Page, Kind::Function] {
            for slug in self.project.slugs(kind)? {
                let pushed =
                    push_one(&self.project, &self.client, &mut state, kind, &slug, false).await?;
                if let Pushed::Saved { version, ok } = pushed {
                    any = true;
                    if ok {
                        self.saved.retain(|(k, s, _)| *k != kind || *s != slug);
                        self.saved.push((kind, slug.clone(), version));
                    }
                }
                if kind == Kind::Page && matches!(pushed, Pushed::Saved { .. }) {
                    // A new page has a preview now.
                    self.page_saved(&slug).await;
                }
            }
        }
        if !any {
            println!("Nothing to save: every file is as last pulled or saved.");
        }
        Ok(())
    }

    async fn publish_saved(&mut self) {
        if self.saved.is_empty() {
            println!("Nothing to publish: press s first to save versions of what changed.");
            return;
        }
        for (kind, slug, version) in std::mem::take(&mut self.saved) {
            if let Err(error) = publish(&self.project, &self.client, kind, &slug, version).await {
                eprintln!("{}: {error:#}", self.shown(kind, &slug));
            }
        }
    }

    fn open(&self) {
        let Some(slug) = &self.current else {
            println!("No page to open: add one in pages/.");
            return;
        };
        let url = self.preview_url(slug);
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        match std::process::Command::new(opener)
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(_) => println!("Opened {url}"),
            Err(_) => println!("Open {url} in your browser."),
        }
    }
}
