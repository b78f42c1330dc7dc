//! `quire dev`: the local loop. Watches the project folder's `pages/` and `functions/`.
//!
//! - A saved page is compiled on the server without a version (`POST …/preview` with
//!   `announce`): its diagnostics print here with code frames, and every open preview of the
//!   page — the studio's, and the dev preview this prints the URL of — loads the build at once
//!   through the live event `page.previewed`.
//! - A saved function is loaded in `QuickJS` here (its load error printed with line and column)
//!   and, with `--deploy`, saved and deployed.
//! - A deleted file changes nothing on the server; `quire dev` says so.
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
pub(crate) const SETTLE: Duration = Duration::from_millis(15);
/// How long a file that went missing may take to come back before it counts as deleted. An
/// editor that saves by renaming writes the new file within milliseconds; on a loaded machine
/// (a test run beside a build) 200 ms was once not enough, and a deletion only prints a note.
const DELETE_SETTLE: Duration = Duration::from_secs(1);

/// Watch the project folder: preview pages as they are saved, check functions.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    #[command(flatten)]
    pub folder: FolderArgs,
    /// Also save and deploy a function each time its file is saved and loads.
    #[arg(long)]
    pub deploy: bool,
    /// No server: compile here (packages from the local store) and serve the preview on this
    /// machine, its function calls run here (secrets from `QUIRE_SECRET_<NAME>`).
    #[arg(long)]
    pub offline: bool,
    /// Where the offline preview listens (its artifacts get a second port beside it).
    #[arg(long, default_value = "127.0.0.1:8790", requires = "offline")]
    pub listen: std::net::SocketAddr,
    /// The npm package store for offline compiles [default: `$QUIRE_DATA_DIR/npm`, else
    /// `./quire-data/npm`]
    #[arg(long, value_name = "DIR", requires = "offline")]
    pub store: Option<PathBuf>,
}

enum Input {
    Changed(PathBuf),
    Key(char),
}

struct Dev {
    project: Project,
    client: ApiClient,
    deploy: bool,
    /// What `s` saved this session, for `p`.
    saved: Vec<(Kind, String, i64)>,
    /// The page last saved, whose preview `o` opens.
    current: Option<String>,
    runtime: Option<quire_functions::Runtime>,
}

pub async fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    if args.offline {
        let project = Project::find(args.folder.dir.as_deref())?;
        return crate::offline::run(project, args.listen, args.store).await;
    }
    let (project, client) = args.folder.open()?;
    let mut dev = Dev {
        current: project.slugs(Kind::Page).first().cloned(),
        project,
        client,
        deploy: args.deploy,
        saved: Vec::new(),
        runtime: None,
    };
    println!(
        "Watching {} for saved pages and functions.",
        dev.project.root.display()
    );
    let project = dev.project.clone();
    follow(
        &project,
        &mut dev,
        "Keys: s save versions of what changed, p publish them, o open the preview, q quit.",
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// What a dev loop does with saved files and keys.
pub(crate) trait Handler {
    /// Where page `slug`'s preview is.
    fn preview_url(&self, slug: &str) -> String;
    /// `slug` of `kind` was saved with `text`, other bytes than last time (or it is the first
    /// look at a page).
    async fn saved(&mut self, kind: Kind, slug: &str, text: &str);
    /// The file of `slug` of `kind` was deleted.
    fn deleted(&mut self, kind: Kind, slug: &str);
    /// A key was pressed; answers false to quit.
    async fn key(&mut self, key: char) -> bool;
}

/// The dev loop: prints each page's preview URL and `keys`, shows every page once, then hands
/// `handler` each file saved with new bytes (an editor's several events for one save settle
/// first) and each key, until a key quits or Ctrl-C.
pub(crate) async fn follow(
    project: &Project,
    handler: &mut impl Handler,
    keys: &str,
) -> anyhow::Result<()> {
    let (sender, mut inputs) = mpsc::unbounded_channel();
    let _watcher = watch(project, sender.clone())?;
    let _mode = crate::terminal::InputMode::set(true);
    read_keys(sender);
    let pages = project.slugs(Kind::Page);
    for slug in &pages {
        let shown = project.shown(&project.file(Kind::Page, slug));
        println!("  {shown}: {}", handler.preview_url(slug));
    }
    println!("{keys}");
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    for slug in &pages {
        let path = project.file(Kind::Page, slug);
        if let Ok(text) = std::fs::read_to_string(&path) {
            seen.insert(path, sha256_hex(&text));
            handler.saved(Kind::Page, slug, &text).await;
        }
    }
    let quit = tokio::signal::ctrl_c();
    tokio::pin!(quit);
    loop {
        let first = tokio::select! {
            input = inputs.recv() => input,
            _ = &mut quit => None,
        };
        let Some(first) = first else { return Ok(()) };
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
            let Some((kind, slug)) = project.classify(&path) else {
                continue;
            };
            let text = match read_settled(&path).await {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    seen.remove(&path);
                    handler.deleted(kind, &slug);
                    continue;
                }
                Err(_) => continue,
            };
            let sha = sha256_hex(&text);
            if seen.get(&path) != Some(&sha) {
                seen.insert(path, sha);
                handler.saved(kind, &slug, &text).await;
            }
        }
        for key in keys {
            if !handler.key(key).await {
                return Ok(());
            }
        }
    }
}

/// The file at `path`, read once its events settled. A file that is not there is looked for
/// once more a moment later: an editor that saves by renaming may not have written it yet.
async fn read_settled(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tokio::time::sleep(DELETE_SETTLE).await;
            std::fs::read_to_string(path)
        }
        read => read,
    }
}

/// Watches `pages/` and `functions/` (made if missing), sending each path an event names.
fn watch(
    project: &Project,
    sender: mpsc::UnboundedSender<Input>,
) -> anyhow::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
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

    /// Compiles page `slug` on the server and shows it in every open preview.
    async fn page_saved(&mut self, slug: &str) {
        let path = self.project.file(Kind::Page, slug);
        let shown = self.shown(Kind::Page, slug);
        let Ok(source) = std::fs::read_to_string(&path) else {
            return;
        };
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
        let shown = self.shown(Kind::Function, slug);
        let runtime = self.runtime.get_or_insert_with(|| {
            quire_functions::Runtime::new(quire_functions::RuntimeConfig::default())
        });
        if let Err(error) = runtime.validate(code).await {
            eprintln!("{shown}{}: error: {error}", position(&error));
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
}

impl Handler for Dev {
    /// The dev preview of page `slug`: the app's full-window preview that follows `quire dev`.
    fn preview_url(&self, slug: &str) -> String {
        format!(
            "{}/p/{}/pages/{}/dev",
            self.client.base(),
            self.project.config.project,
            slug
        )
    }

    async fn saved(&mut self, kind: Kind, slug: &str, text: &str) {
        match kind {
            Kind::Page => self.page_saved(slug).await,
            Kind::Function => self.function_saved(slug, text).await,
        }
    }

    fn deleted(&mut self, kind: Kind, slug: &str) {
        let what = match kind {
            Kind::Page => "page",
            Kind::Function => "function",
        };
        println!(
            "{}: deleted here; the {what} {slug:?} stays on the server (s and quire push never \
             delete): delete it in the app, or with quire {what}s delete, if you mean to",
            self.shown(kind, slug)
        );
        if self.current.as_deref() == Some(slug) && kind == Kind::Page {
            self.current = None;
        }
    }

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
}

impl Dev {
    /// Saves a version of every page and function whose file changed since the last pull or
    /// push, as `quire push` does.
    async fn save(&mut self) -> anyhow::Result<()> {
        let mut state = self.project.state()?;
        let mut any = false;
        for kind in [Kind::Page, Kind::Function] {
            for slug in self.project.slugs(kind) {
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
        open_in_browser(&self.preview_url(slug));
    }
}

/// `:line:column` of a load error that has them.
pub(crate) fn position(error: &quire_functions::LoadError) -> String {
    match error {
        quire_functions::LoadError::Syntax { line, column, .. } => format!(":{line}:{column}"),
        _ => String::new(),
    }
}

/// Opens `url` in the user's browser, or says to.
pub(crate) fn open_in_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(_) => println!("Opened {url}"),
        Err(_) => println!("Open {url} in your browser."),
    }
}
