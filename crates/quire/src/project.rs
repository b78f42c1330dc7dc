//! A project folder on disk, as `quire init` writes it and `quire pull|push|dev` use it:
//!
//! ```text
//! quire.json        {"server", "project", "preview": {"context": {…}}}
//! pages/<slug>.tsx  one file per page; pages/assets/ holds the project's assets they import
//! functions/<slug>.js
//! kapso.d.ts, tsconfig.json   so an editor's TypeScript knows `kapso` and React's JSX
//! .quire/state.json the versions last pulled or pushed (each save's base version); ignored by git
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub const CONFIG_FILE: &str = "quire.json";
const STATE_FILE: &str = ".quire/state.json";
const KAPSO_D_TS: &str = include_str!("../../../bridge/kapso.d.ts");

/// `quire.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Quire server's URL.
    pub server: String,
    /// The project (slug or id).
    pub project: String,
    /// What `quire dev`'s previews show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewConfig {
    /// Values `kapso.getContext()` answers in the preview, over the server's: `context`,
    /// `vars` and `metadata`.
    #[serde(default)]
    pub context: serde_json::Map<String, serde_json::Value>,
}

/// What was last pulled or pushed, per file: the save's base version and the bytes' hash.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub pages: BTreeMap<String, Synced>,
    #[serde(default)]
    pub functions: BTreeMap<String, Synced>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Synced {
    pub version: i64,
    pub sha256: String,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A project folder: where it is and its `quire.json`.
#[derive(Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

/// The kinds of files a project folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Function,
}

impl Kind {
    pub fn folder(self) -> &'static str {
        match self {
            Self::Page => "pages",
            Self::Function => "functions",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Page => "tsx",
            Self::Function => "js",
        }
    }
}

impl Project {
    /// The project folder `dir`, or the nearest one holding `dir` (default: the current
    /// directory).
    pub fn find(dir: Option<&Path>) -> anyhow::Result<Self> {
        let start = match dir {
            Some(dir) => dir.to_path_buf(),
            None => std::env::current_dir()?,
        };
        let start = start
            .canonicalize()
            .with_context(|| format!("there is no folder {}", start.display()))?;
        let mut at = Some(start.as_path());
        while let Some(dir) = at {
            let file = dir.join(CONFIG_FILE);
            if file.is_file() {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("could not read {}", file.display()))?;
                let config = serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{} is not a Quire project file: it needs {{\"server\": \"https://…\", \"project\": \"slug\"}}",
                        file.display()
                    )
                })?;
                return Ok(Self {
                    root: dir.to_path_buf(),
                    config,
                });
            }
            at = dir.parent();
        }
        bail!(
            "{} is not in a Quire project folder (no {CONFIG_FILE} here or above); make one with `quire init`",
            start.display()
        )
    }

    pub fn state(&self) -> anyhow::Result<State> {
        let path = self.root.join(STATE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is damaged; delete it and run `quire pull` to record the versions again",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
        }
    }

    pub fn save_state(&self, state: &State) -> anyhow::Result<()> {
        let path = self.root.join(STATE_FILE);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, serde_json::to_string_pretty(state)? + "\n")
            .with_context(|| format!("could not write {}", path.display()))
    }

    /// The file of `slug` of `kind`.
    pub fn file(&self, kind: Kind, slug: &str) -> PathBuf {
        self.root
            .join(kind.folder())
            .join(format!("{slug}.{}", kind.extension()))
    }

    /// `path` as the user knows it: relative to the project folder.
    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The slugs of `kind` with a file in the folder, sorted.
    pub fn slugs(&self, kind: Kind) -> Vec<String> {
        let dir = self.root.join(kind.folder());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut slugs: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.is_file()
                    && path.extension().and_then(|e| e.to_str()) == Some(kind.extension())
            })
            .filter_map(|path| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
            .collect();
        slugs.sort();
        slugs
    }

    /// Which kind of file `path` is, and its slug; `None` for any other file.
    pub fn classify(&self, path: &Path) -> Option<(Kind, String)> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let mut parts = relative.components();
        let folder = parts.next()?.as_os_str().to_str()?;
        let name = Path::new(parts.next()?.as_os_str());
        if parts.next().is_some() {
            return None;
        }
        let kind = [Kind::Page, Kind::Function]
            .into_iter()
            .find(|kind| kind.folder() == folder)?;
        if name.extension().and_then(|e| e.to_str()) != Some(kind.extension()) {
            return None;
        }
        Some((kind, name.file_stem()?.to_str()?.to_owned()))
    }
}

/// Make a project folder.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder [default: the current one]
    pub dir: Option<PathBuf>,
    /// The Quire server's URL.
    #[arg(long, env = "QUIRE_URL", default_value = "http://127.0.0.1:8787")]
    pub url: String,
    /// The project (slug or id).
    #[arg(long, env = "QUIRE_PROJECT", default_value = "default")]
    pub project: String,
}

const HELLO_PAGE: &str = r#"import React, { useState } from "react";
import { createRoot } from "react-dom/client";

function App() {
  const [answer, setAnswer] = useState<string>("");
  async function ask() {
    const result = await kapso.invokeFunction({ slug: "hello", payload: { name: "Quire" } });
    setAnswer(JSON.stringify(result));
  }
  return (
    <main style={{ fontFamily: "system-ui", padding: 24 }}>
      <h1>Hello</h1>
      <p>Edit pages/hello.tsx and save it while quire dev runs: this preview follows.</p>
      <button onClick={ask}>Call functions/hello.js</button>
      <pre>{answer}</pre>
    </main>
  );
}

const root = document.getElementById("root");
if (root) createRoot(root).render(<App />);
"#;

const HELLO_FUNCTION: &str = r#"// A function of the project: `quire dev --deploy` deploys it when you save.
async function handler(request, env) {
  const { name } = await request.json();
  return new Response(JSON.stringify({ greeting: `Hello, ${name}!` }), {
    headers: { "content-type": "application/json" },
  });
}
"#;

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022", "DOM", "DOM.Iterable"],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "jsx": "react-jsx",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "allowJs": true
  },
  "include": ["pages", "functions", "kapso.d.ts"]
}
"#;

const GITIGNORE: &str = "# Quire's local record of the versions last pulled, and `quire dev --offline`'s builds\n.quire/\nnode_modules/\n";

pub fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let root = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if root.join(CONFIG_FILE).exists() {
        bail!(
            "{} is a Quire project folder already ({CONFIG_FILE} exists); `quire pull` brings its pages and functions down",
            root.display()
        );
    }
    let config = Config {
        server: args.url.trim_end_matches('/').to_owned(),
        project: args.project.clone(),
        preview: Some(PreviewConfig {
            context: serde_json::Map::new(),
        }),
    };
    let files = [
        (CONFIG_FILE, serde_json::to_string_pretty(&config)? + "\n"),
        ("pages/hello.tsx", HELLO_PAGE.to_owned()),
        ("functions/hello.js", HELLO_FUNCTION.to_owned()),
        ("kapso.d.ts", KAPSO_D_TS.to_owned()),
        ("tsconfig.json", TSCONFIG.to_owned()),
        (".gitignore", GITIGNORE.to_owned()),
    ];
    for (name, text) in files {
        let path = root.join(name);
        if path.exists() {
            println!("kept {name} (it exists)");
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("could not make {}", dir.display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("could not write {}", path.display()))?;
        println!("wrote {name}");
    }
    let signed_in = crate::credentials::token_for(&config.server)
        .ok()
        .flatten()
        .is_some();
    println!(
        "\nA Quire project folder for project {:?} on {}. Next:{}\n  quire pull   bring the project's pages and functions down\n  quire dev    edit, save, see the preview change",
        config.project,
        config.server,
        if signed_in {
            ""
        } else {
            "\n  quire login  sign in to the server"
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_classified_by_folder_and_extension() {
        let project = Project {
            root: PathBuf::from("/w"),
            config: Config {
                server: "http://x".into(),
                project: "p".into(),
                preview: None,
            },
        };
        assert_eq!(
            project.classify(Path::new("/w/pages/orders.tsx")),
            Some((Kind::Page, "orders".into()))
        );
        assert_eq!(
            project.classify(Path::new("/w/functions/hello.js")),
            Some((Kind::Function, "hello".into()))
        );
        assert_eq!(project.classify(Path::new("/w/pages/assets/a.png")), None);
        assert_eq!(project.classify(Path::new("/w/pages/x.js")), None);
        assert_eq!(project.classify(Path::new("/elsewhere/pages/x.tsx")), None);
    }
}
