//! `quire compile`: one page file → one HTML artifact on disk, its lock beside it, diagnostics
//! on stderr (or as JSON on stdout), progress while packages are fetched for the first time.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use quire_compiler::{CompileInput, Compiler, Diagnostic, PAGE_FILE, render_diagnostics};
use quire_compiler::{Lock, PackageStore, Progress, ProgressEvent, RegistryConfig};

/// Compile a page's TSX file into a self-contained HTML artifact.
#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// The page's source file (TSX).
    pub input: PathBuf,
    /// Where to write the HTML [default: the input with the extension .html]
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The lock to reuse, written back after a successful compile
    /// [default: <input stem>.lock.json beside the input]
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Pin a package's version range, e.g. `--dep date-fns@^4` (repeatable)
    #[arg(long = "dep", value_name = "NAME@RANGE")]
    pub deps: Vec<String>,
    /// The npm package store [default: `$QUIRE_DATA_DIR/npm`, else `./quire-data/npm`]
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Print the diagnostics as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: CompileArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let source = std::fs::read_to_string(&args.input)
        .with_context(|| format!("could not read the page {}", args.input.display()))?;
    let output_path = args
        .output
        .clone()
        .unwrap_or_else(|| args.input.with_extension("html"));
    let lock_path = args
        .lock
        .clone()
        .unwrap_or_else(|| default_lock_path(&args.input));
    let lock = read_lock(&lock_path)?;
    let dependencies = parse_deps(&args.deps)?;

    let compiler = local_compiler(args.store.clone())?;

    let progress = CliProgress::new();
    let input = CompileInput {
        source,
        dependencies,
        lock: lock.clone(),
        // A page compiled alone has no project, so no assets: importing one is an error.
        assets: BTreeMap::new(),
    };
    let output = compiler.compile(&input, &progress).await;
    progress.finish();

    let shown = args.input.display().to_string();
    let diagnostics: Vec<Diagnostic> = output
        .diagnostics
        .iter()
        .cloned()
        .map(|mut d| {
            if d.file == PAGE_FILE {
                d.file.clone_from(&shown);
            }
            d
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diagnostics)?);
    } else if !diagnostics.is_empty() {
        eprint!("{}", render_diagnostics(&diagnostics));
    }
    let Some(artifact) = output.artifact.as_ref().filter(|_| output.ok()) else {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "could not compile {shown}: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::FAILURE);
    };
    std::fs::write(&output_path, &artifact.html)
        .with_context(|| format!("could not write {}", output_path.display()))?;
    if let Some(new_lock) = &output.lock
        && lock.as_ref() != Some(new_lock)
    {
        let json = serde_json::to_string_pretty(new_lock)? + "\n";
        std::fs::write(&lock_path, json)
            .with_context(|| format!("could not write the lock {}", lock_path.display()))?;
    }
    eprintln!(
        "compiled {shown} → {} ({}, sha256 {}…) in {}",
        output_path.display(),
        kilobytes(artifact.html.len()),
        &artifact.sha256[..8],
        millis(started.elapsed()),
    );
    Ok(ExitCode::SUCCESS)
}

fn default_lock_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "page".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}.lock.json"))
}

/// A compiler over the npm package store `store` (default: [`default_store_dir`]), its cache
/// beside the store.
pub(crate) fn local_compiler(store: Option<PathBuf>) -> anyhow::Result<Compiler> {
    let store_dir = store.unwrap_or_else(default_store_dir);
    let cache_dir = store_dir
        .parent()
        .unwrap_or(Path::new("."))
        .join("compiler-cache");
    let packages = PackageStore::open(&store_dir, RegistryConfig::from_environment())
        .with_context(|| format!("could not open the package store {}", store_dir.display()))?;
    Ok(Compiler::new(packages, cache_dir))
}

fn default_store_dir() -> PathBuf {
    std::env::var_os("QUIRE_DATA_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("quire-data"), PathBuf::from)
        .join("npm")
}

pub(crate) fn read_lock(path: &Path) -> anyhow::Result<Option<Lock>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "the lock {} is not valid JSON; delete it to resolve the packages again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read the lock {}", path.display())),
    }
}

/// `name@range` pairs; the `@` of a scope is not a separator (`@scope/pkg@^1`).
fn parse_deps(deps: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for dep in deps {
        let split = dep.get(1..).and_then(|rest| rest.find('@')).map(|i| i + 1);
        let (name, range) = match split {
            Some(i) => (&dep[..i], &dep[i + 1..]),
            None => (dep.as_str(), ""),
        };
        anyhow::ensure!(
            !name.is_empty(),
            "--dep {dep:?} names no package; write it as name@range, e.g. --dep date-fns@^4"
        );
        map.insert(name.to_owned(), range.to_owned());
    }
    Ok(map)
}

fn kilobytes(bytes: usize) -> String {
    let kb = (bytes + 512) / 1024;
    format!("{kb} KB")
}

fn millis(elapsed: Duration) -> String {
    format!("{} ms", elapsed.as_millis())
}

/// Shows package downloads: a spinner on a terminal, one line per package otherwise.
struct CliProgress {
    bar: Mutex<Option<ProgressBar>>,
    terminal: bool,
}

impl CliProgress {
    fn new() -> Self {
        Self {
            bar: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        let mut bar = self
            .bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bar = bar.get_or_insert_with(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        f(bar);
    }

    fn finish(&self) {
        if let Some(bar) = self
            .bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            bar.finish_and_clear();
        }
    }
}

impl Progress for CliProgress {
    fn event(&self, event: ProgressEvent) {
        if !self.terminal {
            match event {
                ProgressEvent::Downloaded { name, version } => {
                    eprintln!("fetched {name}@{version}");
                }
                ProgressEvent::Retrying { url, reason, .. } => {
                    eprintln!("retrying {url} ({reason})");
                }
                _ => {}
            }
            return;
        }
        match event {
            ProgressEvent::Resolving { name } => {
                self.with_bar(|b| b.set_message(format!("resolving {name}")));
            }
            ProgressEvent::Downloading {
                name,
                version,
                bytes,
            } => self.with_bar(|b| {
                b.set_message(format!(
                    "downloading {name}@{version} ({})",
                    kilobytes(usize::try_from(bytes).unwrap_or(usize::MAX))
                ));
            }),
            ProgressEvent::Downloaded { name, version } => {
                self.with_bar(|b| b.println(format!("fetched {name}@{version}")));
            }
            ProgressEvent::Retrying { url, reason, .. } => {
                self.with_bar(|b| b.println(format!("retrying {url} ({reason})")));
            }
            ProgressEvent::Materialized { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deps_split_at_the_version_at_sign() {
        let deps = parse_deps(&[
            "date-fns@^4".into(),
            "@tanstack/react-query@5.0.0".into(),
            "clsx".into(),
        ])
        .unwrap();
        assert_eq!(deps["date-fns"], "^4");
        assert_eq!(deps["@tanstack/react-query"], "5.0.0");
        assert_eq!(deps["clsx"], "");
    }

    #[test]
    fn lock_defaults_beside_the_input() {
        assert_eq!(
            default_lock_path(Path::new("pages/home.tsx")),
            Path::new("pages/home.lock.json")
        );
    }

    #[test]
    fn sizes_read_as_kilobytes() {
        assert_eq!(kilobytes(225_644), "220 KB");
    }
}
