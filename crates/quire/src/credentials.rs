//! `quire login` and the API tokens it keeps: one per server, in `credentials.json` in the
//! user's config directory (`$QUIRE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/quire`, else
//! `~/.config/quire`), readable by the user only (0600, in a 0700 directory), never in a
//! project folder. The remote commands use the token kept for their server when none is given.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use reqwest::header;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const FILE: &str = "credentials.json";

/// Sign in to a server and keep an API token for it.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The server's URL [default: asked, or the quire.json's server]
    #[arg(long, env = "QUIRE_URL")]
    pub url: Option<String>,
    /// Your e-mail address [default: asked]
    #[arg(long)]
    pub email: Option<String>,
    /// Keep this API token instead of signing in (one from `quire token create` or the
    /// account screen).
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct Credentials {
    /// Server URL (no trailing slash) → what is kept for it.
    servers: BTreeMap<String, Kept>,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    token: String,
    /// Who signed in, when known.
    email: Option<String>,
}

/// The user's Quire config directory.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("QUIRE_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(dir).join("quire"));
    }
    let home = var("HOME").context(
        "cannot find your config directory: HOME is not set; set QUIRE_CONFIG_DIR to a directory for Quire's credentials",
    )?;
    Ok(PathBuf::from(home).join(".config").join("quire"))
}

fn server_key(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

fn read() -> anyhow::Result<Credentials> {
    let path = config_dir()?.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not valid JSON; delete it and run `quire login` again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// The token kept for the server at `url`, if any.
pub fn token_for(url: &str) -> anyhow::Result<Option<String>> {
    Ok(read()?
        .servers
        .remove(&server_key(url))
        .map(|kept| kept.token))
}

fn keep(url: &str, kept: Kept) -> anyhow::Result<PathBuf> {
    let dir = config_dir()?;
    let mut credentials = read()?;
    credentials.servers.insert(server_key(url), kept);
    write_private(&dir, &serde_json::to_string_pretty(&credentials)?)
}

/// Writes the credentials file readable and writable by its owner only.
fn write_private(dir: &std::path::Path, text: &str) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("could not make {}", dir.display()))?;
    let path = dir.join(FILE);
    let temporary = dir.join(format!(".{FILE}.{}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("could not write {}", temporary.display()))?;
    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(path)
}

/// Asks `question` on the terminal (or reads a line from piped input); `hidden` turns the
/// terminal's echo off (a password).
fn ask(question: &str, hidden: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    eprint!("{question}");
    std::io::stderr().flush()?;
    let terminal = stdin.is_terminal();
    let mut line = String::new();
    {
        let _mode = hidden.then(|| crate::terminal::InputMode::set(false));
        stdin.lock().read_line(&mut line)?;
    }
    if hidden && terminal {
        eprintln!();
    }
    if line.is_empty() && !terminal {
        bail!("standard input ended before the answer to {question:?}");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(args: LoginArgs) -> anyhow::Result<ExitCode> {
    let from_project = crate::project::Project::find(None)
        .ok()
        .map(|project| project.config.server);
    let url = if let Some(url) = args.url.or(from_project) {
        url
    } else {
        let typed = ask("Server URL [http://127.0.0.1:8787]: ", false)?;
        if typed.trim().is_empty() {
            "http://127.0.0.1:8787".to_owned()
        } else {
            typed.trim().to_owned()
        }
    };
    let url = server_key(&url);
    let http = reqwest::Client::new();
    if let Some(token) = args.token {
        let me = get_me(&http, &url, &token).await?;
        let email = me["email"].as_str().map(str::to_owned);
        let path = keep(&url, Kept { token, email })?;
        println!(
            "Signed in to {url} as {}; the token is kept in {}.",
            me["email"].as_str().unwrap_or("?"),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let email = match args.email {
        Some(email) => email,
        None => ask("E-mail: ", false)?,
    };
    let password = ask("Password: ", true)?;
    let token = create_token(&http, &url, &email, &password).await?;
    let path = keep(
        &url,
        Kept {
            token,
            email: Some(email.clone()),
        },
    )?;
    println!(
        "Signed in to {url} as {email}; an API token for this machine is kept in {} (readable by you only).",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn get_me(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let response = http
        .get(format!("{url}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("cannot reach the Quire server at {url}; is it running?"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "{url} refused the token ({status}: {}); make a new one with `quire token create` or on your account screen",
            body["error"]["message"].as_str().unwrap_or("no message")
        );
    }
    Ok(body["user"].clone())
}

/// Signs in with the password, makes an API token named after this machine, and ends the
/// session again.
async fn create_token(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .with_context(|| format!("cannot reach the Quire server at {url}; is it running?"))?;
    let status = response.status();
    let cookie: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next().map(str::to_owned))
        .collect();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "{url} did not sign you in ({status}): {}",
            body["error"]["message"]
                .as_str()
                .unwrap_or("wrong e-mail address or password")
        );
    }
    let csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
    let cookie = cookie.join("; ");
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_owned());
    let name: String = format!("quire CLI on {host}").chars().take(80).collect();
    let response = http
        .post(format!("{url}/api/v1/tokens"))
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": name }))
        .send()
        .await?;
    let status = response.status();
    let created: Value = response.json().await.unwrap_or(Value::Null);
    // The session was only for making the token.
    let _ = http
        .post(format!("{url}/api/v1/auth/logout"))
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await;
    if !status.is_success() {
        bail!(
            "signed in, but {url} made no API token ({status}): {}",
            created["error"]["message"].as_str().unwrap_or("no message")
        );
    }
    created["token"]
        .as_str()
        .map(str::to_owned)
        .context("the server's answer has no token")
}
