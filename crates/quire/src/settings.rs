//! Every configuration key in one place: defaults, then `quire.toml`, then `QUIRE_*`
//! environment variables, then command-line flags. `KEYS` documents them all; `--help`,
//! `quire config` and the README table come from it.

use std::fmt;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// One documented key: its name in `quire.toml`, its environment variable, its default.
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "data_dir",
        env: "QUIRE_DATA_DIR",
        default: "./quire-data",
        help: "where the SQLite database, package store, artifact cache and secret key live",
    },
    Key {
        name: "database_url",
        env: "QUIRE_DATABASE_URL",
        default: "sqlite://<data_dir>/quire.db",
        help: "sqlite://… or postgres://user:pass@host/db (PostgreSQL for several instances)",
    },
    Key {
        name: "listen",
        env: "QUIRE_LISTEN",
        default: "127.0.0.1:8787",
        help: "address of the app (UI and API)",
    },
    Key {
        name: "usercontent_listen",
        env: "QUIRE_USERCONTENT_LISTEN",
        default: "127.0.0.1:8788",
        help: "address of the usercontent origin that serves page artifacts",
    },
    Key {
        name: "metrics_listen",
        env: "QUIRE_METRICS_LISTEN",
        default: "(none: metrics are not served)",
        help: "address of a listener for Prometheus' `GET /metrics`, e.g. 127.0.0.1:9187; keep it off public networks",
    },
    Key {
        name: "public_url",
        env: "QUIRE_PUBLIC_URL",
        default: "http://<listen>",
        help: "the app's URL as browsers see it; https:// turns on Secure cookies and HSTS",
    },
    Key {
        name: "usercontent_url",
        env: "QUIRE_USERCONTENT_URL",
        default: "http://<usercontent_listen>",
        help: "the usercontent origin's URL as browsers see it; must differ from public_url",
    },
    Key {
        name: "admin_email",
        env: "QUIRE_ADMIN_EMAIL",
        default: "admin@localhost",
        help: "e-mail of the owner created on first start",
    },
    Key {
        name: "admin_password",
        env: "QUIRE_ADMIN_PASSWORD",
        default: "(generated and printed once)",
        help: "password of the owner created on first start",
    },
    Key {
        name: "secret_key",
        env: "QUIRE_SECRET_KEY",
        default: "(generated into <data_dir>/secret.key)",
        help: "64 hex characters; signs artifact URLs and encrypts function secrets and WhatsApp credentials. Share it between instances",
    },
    Key {
        name: "npm_registry",
        env: "QUIRE_NPM_REGISTRY",
        default: "(npm's own configuration)",
        help: "npm registry that page imports are fetched from",
    },
    Key {
        name: "session_ttl_hours",
        env: "QUIRE_SESSION_TTL_HOURS",
        default: "336",
        help: "how long a sign-in lasts",
    },
    Key {
        name: "shutdown_grace_secs",
        env: "QUIRE_SHUTDOWN_GRACE_SECS",
        default: "10",
        help: "how long shutdown waits for requests in flight",
    },
    Key {
        name: "invoke_rate_per_viewer",
        env: "QUIRE_INVOKE_RATE_PER_VIEWER",
        default: "600",
        help: "function calls per minute one person or token may make, in bursts of up to as many; 0: no limit",
    },
    Key {
        name: "invoke_rate_per_project",
        env: "QUIRE_INVOKE_RATE_PER_PROJECT",
        default: "6000",
        help: "function calls per minute a project takes from all callers together; 0: no limit",
    },
    Key {
        name: "login_failures_per_address",
        env: "QUIRE_LOGIN_FAILURES_PER_ADDRESS",
        default: "30",
        help: "failed sign-ins per minute from one client address (the connection's peer), whatever the e-mail; 0: no limit",
    },
    Key {
        name: "embed_rate_per_minute",
        env: "QUIRE_EMBED_RATE_PER_MINUTE",
        default: "1200",
        help: "API calls per minute one embedded inbox may make, all its viewers together; 0: no limit",
    },
    Key {
        name: "public_link_rate_per_minute",
        env: "QUIRE_PUBLIC_LINK_RATE_PER_MINUTE",
        default: "600",
        help: "function calls per minute through one public link, and from one client address through any; 0: no limit",
    },
    Key {
        name: "function_concurrency_per_project",
        env: "QUIRE_FUNCTION_CONCURRENCY_PER_PROJECT",
        default: "4 per CPU, at least 8",
        help: "function calls one project may run at once; the next ones wait for a place; 0: no limit",
    },
    Key {
        name: "function_queue_wait_ms",
        env: "QUIRE_FUNCTION_QUEUE_WAIT_MS",
        default: "5000",
        help: "how long a call over its project's share waits for a place before it gets 429",
    },
    Key {
        name: "whatsapp_api_url",
        env: "QUIRE_WHATSAPP_API_URL",
        default: quire_server::DEFAULT_WHATSAPP_API_URL,
        help: "the WhatsApp Cloud API's base URL with its version; inbox replies are posted to <this>/<phone number id>/messages",
    },
    Key {
        name: "asset_max_bytes",
        env: "QUIRE_ASSET_MAX_BYTES",
        default: "5242880",
        help: "the largest page asset (image, font, data file) one upload may carry, in bytes (5 MiB)",
    },
    Key {
        name: "project_assets_max_bytes",
        env: "QUIRE_PROJECT_ASSETS_MAX_BYTES",
        default: "104857600",
        help: "what one project's page assets may take together, in bytes (100 MiB)",
    },
    Key {
        name: "ai_url",
        env: "QUIRE_AI_URL",
        default: "(none: the page agent is off)",
        help: "the page agent's model: an OpenAI-compatible API's base URL, e.g. http://127.0.0.1:11434/v1 for Ollama (requests go to <this>/chat/completions)",
    },
    Key {
        name: "ai_model",
        env: "QUIRE_AI_MODEL",
        default: "(none)",
        help: "the model the page agent asks, e.g. qwen2.5-coder:14b; needed with ai_url",
    },
    Key {
        name: "ai_api_key",
        env: "QUIRE_AI_API_KEY",
        default: "(none)",
        help: "sent as a bearer token to ai_url when the endpoint needs one; never logged or sent to a browser",
    },
    Key {
        name: "agent_max_attempts",
        env: "QUIRE_AGENT_MAX_ATTEMPTS",
        default: "5",
        help: "attempts one page agent run makes before it stops with the last problems",
    },
    Key {
        name: "agent_runs_per_hour",
        env: "QUIRE_AGENT_RUNS_PER_HOUR",
        default: "60",
        help: "page agent runs one person may start per hour; 0: no limit",
    },
    Key {
        name: "log",
        env: "QUIRE_LOG",
        default: "info",
        help: "log filter, e.g. `info,quire_server=debug`",
    },
    Key {
        name: "log_format",
        env: "QUIRE_LOG_FORMAT",
        default: "text",
        help: "`text` for people, `json` for log collectors",
    },
];

/// The keys as a table, for `quire serve --help`.
pub fn help_table() -> String {
    let mut text =
        String::from("Configuration (defaults → quire.toml → QUIRE_* environment → flags):\n");
    for key in KEYS {
        let _ = write!(
            text,
            "  {:<28} {}\n  {:<28} {} (default: {})\n",
            key.env, key.name, "", key.help, key.default
        );
    }
    text
}

/// `quire.toml`: every key optional, unknown keys refused (a typo should not pass silently).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    usercontent_listen: Option<SocketAddr>,
    metrics_listen: Option<SocketAddr>,
    public_url: Option<String>,
    usercontent_url: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    secret_key: Option<String>,
    npm_registry: Option<String>,
    session_ttl_hours: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    invoke_rate_per_viewer: Option<u32>,
    invoke_rate_per_project: Option<u32>,
    login_failures_per_address: Option<u32>,
    embed_rate_per_minute: Option<u32>,
    public_link_rate_per_minute: Option<u32>,
    function_concurrency_per_project: Option<u64>,
    function_queue_wait_ms: Option<u64>,
    whatsapp_api_url: Option<String>,
    asset_max_bytes: Option<u64>,
    project_assets_max_bytes: Option<u64>,
    ai_url: Option<String>,
    ai_model: Option<String>,
    ai_api_key: Option<String>,
    agent_max_attempts: Option<u64>,
    agent_runs_per_hour: Option<u32>,
    log: Option<String>,
    log_format: Option<LogFormat>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `QUIRE_LOG_FORMAT` when set, else the file's, else text.
    fn from_env_or(env: Option<&str>, from_file: Option<Self>) -> anyhow::Result<Self> {
        Ok(match env {
            Some("text") => Self::Text,
            Some("json") => Self::Json,
            Some(other) => bail!("QUIRE_LOG_FORMAT={other:?} is not known: use text or json"),
            None => from_file.unwrap_or_default(),
        })
    }
}

/// The effective configuration.
#[derive(Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub usercontent_listen: SocketAddr,
    pub metrics_listen: Option<SocketAddr>,
    pub public_url: String,
    pub usercontent_url: String,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub secret_key: Option<String>,
    pub npm_registry: Option<String>,
    pub session_ttl: Duration,
    pub shutdown_grace: Duration,
    pub invoke_rate_per_viewer: u32,
    pub invoke_rate_per_project: u32,
    pub login_failures_per_address: u32,
    pub embed_rate_per_minute: u32,
    pub public_link_rate_per_minute: u32,
    pub function_concurrency_per_project: usize,
    pub function_queue_wait: Duration,
    pub whatsapp_api_url: String,
    pub asset_max_bytes: u64,
    pub project_assets_max_bytes: u64,
    /// The page agent's model endpoint; `None` when `ai_url` is not set.
    pub ai: Option<quire_server::ModelEndpoint>,
    pub agent_max_attempts: u32,
    pub agent_runs_per_hour: u32,
    pub log: String,
    pub log_format: LogFormat,
}

/// Flags that override everything else.
#[derive(Debug, Default, Clone, clap::Args)]
#[expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]
pub struct Overrides {
    /// Data directory [env: QUIRE_DATA_DIR]
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (default: ./quire.toml when present)
    #[arg(long, global = true, env = "QUIRE_CONFIG")]
    pub config: Option<PathBuf>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> anyhow::Result<Self> {
        Self::load_from(overrides, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// Loads with `env` standing in for the process environment (tests pass their own).
    #[expect(
        clippy::too_many_lines,
        reason = "one statement per setting: the list is the point"
    )]
    pub fn load_from(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let file = read_file(overrides.config.as_deref())?;
        let text =
            |key: &str, from_file: Option<String>| -> Option<String> { env(key).or(from_file) };
        let number = |key: &str, from_file: Option<u64>, default: u64| -> anyhow::Result<u64> {
            match env(key) {
                Some(value) => value
                    .parse()
                    .with_context(|| format!("{key}={value:?} is not a whole number")),
                None => Ok(from_file.unwrap_or(default)),
            }
        };
        let rate = |key: &str, from_file: Option<u32>, default: u32| -> anyhow::Result<u32> {
            let rate = number(key, from_file.map(u64::from), u64::from(default))?;
            u32::try_from(rate).with_context(|| format!("{key}={rate} is too large"))
        };
        let address = |key: &str, from_file: Option<SocketAddr>| -> anyhow::Result<_> {
            env(key).map_or(Ok(from_file), |value| {
                value.parse().map(Some).with_context(|| {
                    format!("{key}={value:?} is not an address like 127.0.0.1:8787")
                })
            })
        };
        let default_address = |text: &str| -> SocketAddr { text.parse().expect("a valid address") };

        let (function_concurrency_per_project, function_queue_wait) = function_share(
            &number,
            file.function_concurrency_per_project,
            file.function_queue_wait_ms,
        )?;
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env("QUIRE_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./quire-data"));
        let listen = address("QUIRE_LISTEN", file.listen)?
            .unwrap_or_else(|| default_address("127.0.0.1:8787"));
        let usercontent_listen = address("QUIRE_USERCONTENT_LISTEN", file.usercontent_listen)?
            .unwrap_or_else(|| default_address("127.0.0.1:8788"));
        let metrics_listen = address("QUIRE_METRICS_LISTEN", file.metrics_listen)?;
        let database_url = text("QUIRE_DATABASE_URL", file.database_url).unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", data_dir.join("quire.db").display())
        });
        let public_url = trim_slash(
            &text("QUIRE_PUBLIC_URL", file.public_url).unwrap_or_else(|| url_of(listen)),
        );
        let usercontent_url = trim_slash(
            &text("QUIRE_USERCONTENT_URL", file.usercontent_url)
                .unwrap_or_else(|| url_of(usercontent_listen)),
        );
        let log_format =
            LogFormat::from_env_or(env("QUIRE_LOG_FORMAT").as_deref(), file.log_format)?;
        let mut settings = Self {
            database_url,
            listen,
            usercontent_listen,
            metrics_listen,
            public_url,
            usercontent_url,
            admin_email: text("QUIRE_ADMIN_EMAIL", file.admin_email),
            admin_password: text("QUIRE_ADMIN_PASSWORD", file.admin_password),
            secret_key: text("QUIRE_SECRET_KEY", file.secret_key),
            npm_registry: text("QUIRE_NPM_REGISTRY", file.npm_registry),
            session_ttl: Duration::from_secs(
                3600 * number("QUIRE_SESSION_TTL_HOURS", file.session_ttl_hours, 336)?,
            ),
            shutdown_grace: Duration::from_secs(number(
                "QUIRE_SHUTDOWN_GRACE_SECS",
                file.shutdown_grace_secs,
                10,
            )?),
            invoke_rate_per_viewer: rate(
                "QUIRE_INVOKE_RATE_PER_VIEWER",
                file.invoke_rate_per_viewer,
                quire_server::DEFAULT_INVOKE_RATE_PER_VIEWER,
            )?,
            invoke_rate_per_project: rate(
                "QUIRE_INVOKE_RATE_PER_PROJECT",
                file.invoke_rate_per_project,
                quire_server::DEFAULT_INVOKE_RATE_PER_PROJECT,
            )?,
            login_failures_per_address: rate(
                "QUIRE_LOGIN_FAILURES_PER_ADDRESS",
                file.login_failures_per_address,
                quire_server::DEFAULT_LOGIN_FAILURES_PER_ADDRESS,
            )?,
            embed_rate_per_minute: rate(
                "QUIRE_EMBED_RATE_PER_MINUTE",
                file.embed_rate_per_minute,
                quire_server::DEFAULT_EMBED_RATE_PER_MINUTE,
            )?,
            public_link_rate_per_minute: rate(
                "QUIRE_PUBLIC_LINK_RATE_PER_MINUTE",
                file.public_link_rate_per_minute,
                quire_server::DEFAULT_PUBLIC_LINK_RATE_PER_MINUTE,
            )?,
            function_concurrency_per_project,
            function_queue_wait,
            whatsapp_api_url: trim_slash(
                &text("QUIRE_WHATSAPP_API_URL", file.whatsapp_api_url)
                    .unwrap_or_else(|| quire_server::DEFAULT_WHATSAPP_API_URL.to_owned()),
            ),
            asset_max_bytes: number(
                "QUIRE_ASSET_MAX_BYTES",
                file.asset_max_bytes,
                quire_server::DEFAULT_ASSET_MAX_BYTES,
            )?,
            project_assets_max_bytes: number(
                "QUIRE_PROJECT_ASSETS_MAX_BYTES",
                file.project_assets_max_bytes,
                quire_server::DEFAULT_PROJECT_ASSETS_MAX_BYTES,
            )?,
            ai: model_endpoint(
                text("QUIRE_AI_URL", file.ai_url),
                text("QUIRE_AI_MODEL", file.ai_model),
                text("QUIRE_AI_API_KEY", file.ai_api_key),
            )?,
            agent_max_attempts: agent_attempts(number(
                "QUIRE_AGENT_MAX_ATTEMPTS",
                file.agent_max_attempts,
                u64::from(quire_server::DEFAULT_AGENT_MAX_ATTEMPTS),
            )?)?,
            agent_runs_per_hour: rate(
                "QUIRE_AGENT_RUNS_PER_HOUR",
                file.agent_runs_per_hour,
                quire_server::DEFAULT_AGENT_RUNS_PER_HOUR,
            )?,
            log: text("QUIRE_LOG", file.log).unwrap_or_else(|| "info".to_owned()),
            log_format,
            data_dir,
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&mut self) -> anyhow::Result<()> {
        for (name, url) in [
            ("public_url", &mut self.public_url),
            ("usercontent_url", &mut self.usercontent_url),
        ] {
            *url = origin(name, url)?;
        }
        if self.public_url == self.usercontent_url {
            bail!(
                "public_url and usercontent_url are both {}: pages must be served from a different origin than the app",
                self.public_url
            );
        }
        quire_store::Backend::from_url(&self.database_url)?;
        base_url("whatsapp_api_url", &self.whatsapp_api_url)?;
        for (name, bytes) in [
            ("asset_max_bytes", self.asset_max_bytes),
            ("project_assets_max_bytes", self.project_assets_max_bytes),
        ] {
            if bytes == 0 {
                bail!(
                    "{name} is 0, which would refuse every asset: give a number of bytes, or leave it out for the default"
                );
            }
        }
        Ok(())
    }

    /// The 32-byte key: `QUIRE_SECRET_KEY`, else the one in the data directory (made on first use).
    pub fn secret_key_bytes(&self) -> anyhow::Result<[u8; 32]> {
        let path = self.secret_key_file();
        if self.secret_key.is_none() && !path.exists() {
            write_private(&path, &hex::encode(rand::random::<[u8; 32]>()))?;
        }
        self.existing_secret_key()?
            .with_context(|| format!("the secret key at {} vanished", path.display()))
    }

    /// The key as it stands, making none: `QUIRE_SECRET_KEY`, else the data directory's file,
    /// else `None` (the first `quire serve` makes one).
    pub fn existing_secret_key(&self) -> anyhow::Result<Option<[u8; 32]>> {
        let text = if let Some(given) = &self.secret_key {
            given.clone()
        } else {
            let path = self.secret_key_file();
            if !path.exists() {
                return Ok(None);
            }
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the secret key at {}", path.display()))?
        };
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.map(Some).context("the secret key must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`")
    }

    /// Where the key lives when `secret_key` is not configured.
    pub fn secret_key_file(&self) -> PathBuf {
        self.data_dir.join("secret.key")
    }

    /// The npm registry: `npm_registry` when set, else npm's own configuration.
    pub fn npm_registry_config(&self) -> quire_compiler::RegistryConfig {
        let mut registry = quire_compiler::RegistryConfig::from_environment();
        if let Some(url) = &self.npm_registry {
            registry.url.clone_from(url);
        }
        registry
    }

    pub fn server_config(&self) -> anyhow::Result<quire_server::ServerConfig> {
        Ok(quire_server::ServerConfig {
            public_url: self.public_url.clone(),
            usercontent_url: self.usercontent_url.clone(),
            session_ttl: self.session_ttl,
            shutdown_grace: self.shutdown_grace,
            secret_key: self.secret_key_bytes()?,
            invoke_rate_per_viewer: self.invoke_rate_per_viewer,
            invoke_rate_per_project: self.invoke_rate_per_project,
            login_failures_per_address: self.login_failures_per_address,
            embed_rate_per_minute: self.embed_rate_per_minute,
            public_link_rate_per_minute: self.public_link_rate_per_minute,
            record_batch_window: quire_server::DEFAULT_RECORD_BATCH_WINDOW,
            function_concurrency_per_project: self.function_concurrency_per_project,
            function_queue_wait: self.function_queue_wait,
            whatsapp_api_url: self.whatsapp_api_url.clone(),
            asset_max_bytes: self.asset_max_bytes,
            project_assets_max_bytes: self.project_assets_max_bytes,
            agent: quire_server::AgentConfig {
                model: self.ai.clone(),
                max_attempts: self.agent_max_attempts,
                runs_per_hour: self.agent_runs_per_hour,
                ..quire_server::AgentConfig::off()
            },
        })
    }
}

/// The page agent's endpoint: none without a URL; a URL needs a model.
fn model_endpoint(
    url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
) -> anyhow::Result<Option<quire_server::ModelEndpoint>> {
    let Some(url) = url else {
        return Ok(None);
    };
    let url = trim_slash(&url);
    let valid = reqwest::Url::parse(&url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !valid {
        bail!(
            "ai_url {url:?} must be an http:// or https:// URL of an OpenAI-compatible API, such as http://127.0.0.1:11434/v1"
        );
    }
    let Some(model) = model else {
        bail!(
            "ai_url is set but ai_model is not: set QUIRE_AI_MODEL to the model to ask, e.g. qwen2.5-coder:14b"
        );
    };
    Ok(Some(quire_server::ModelEndpoint {
        url,
        model,
        api_key,
    }))
}

fn agent_attempts(attempts: u64) -> anyhow::Result<u32> {
    match u32::try_from(attempts) {
        Ok(attempts @ 1..=20) => Ok(attempts),
        _ => bail!("agent_max_attempts is {attempts}: give 1 to 20"),
    }
}

/// Calls one project may run at once, and how long the next one waits for a place.
fn function_share(
    number: &impl Fn(&str, Option<u64>, u64) -> anyhow::Result<u64>,
    concurrency_in_file: Option<u64>,
    wait_in_file: Option<u64>,
) -> anyhow::Result<(usize, Duration)> {
    let workers = quire_functions::RuntimeConfig::default().workers;
    let concurrency = number(
        "QUIRE_FUNCTION_CONCURRENCY_PER_PROJECT",
        concurrency_in_file,
        u64::try_from(quire_server::default_function_concurrency(workers)).unwrap_or(u64::MAX),
    )?;
    let wait_ms = number(
        "QUIRE_FUNCTION_QUEUE_WAIT_MS",
        wait_in_file,
        u64::try_from(quire_server::DEFAULT_FUNCTION_QUEUE_WAIT.as_millis()).unwrap_or(u64::MAX),
    )?;
    Ok((
        usize::try_from(concurrency)
            .context("QUIRE_FUNCTION_CONCURRENCY_PER_PROJECT is too large")?,
        Duration::from_millis(wait_ms),
    ))
}

fn read_file(explicit: Option<&Path>) -> anyhow::Result<FileSettings> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None if Path::new("quire.toml").exists() => PathBuf::from("quire.toml"),
        None => return Ok(FileSettings::default()),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "{} is not valid: the keys are listed by `quire serve --help`",
            path.display()
        )
    })
}

/// The URL a listener is reached at when none is configured.
pub fn url_of(listen: std::net::SocketAddr) -> String {
    reqwest::Url::parse(&format!("http://{listen}"))
        .expect("a socket address makes a valid URL")
        .origin()
        .ascii_serialization()
}

/// `url` as the origin it must be (`scheme://host[:port]`, the form browsers send and CSP
/// takes), or an error naming the setting. Anything more (a path, a query, credentials, a
/// space) is refused: the usercontent origin goes into the app's Content-Security-Policy.
fn origin(name: &str, url: &str) -> anyhow::Result<String> {
    let parsed = reqwest::Url::parse(url).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.username().is_empty()
            && u.password().is_none()
            && u.path() == "/"
            && u.query().is_none()
            && u.fragment().is_none()
    });
    match parsed {
        Some(parsed) => Ok(parsed.origin().ascii_serialization()),
        None => bail!(
            "{name} {url:?} must be an origin: http:// or https://, a host and an optional port, with nothing after it (such as https://pages.example.com)"
        ),
    }
}

/// Checks that `url` is an http(s) base URL that a path can follow: a host, maybe a path, and
/// nothing else (no credentials, query or fragment).
fn base_url(name: &str, url: &str) -> anyhow::Result<()> {
    let valid = reqwest::Url::parse(url).ok().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.username().is_empty()
            && u.password().is_none()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    if !valid {
        bail!(
            "{name} {url:?} must be an http:// or https:// URL with a host and an optional path, such as {}",
            quire_server::DEFAULT_WHATSAPP_API_URL
        );
    }
    Ok(())
}

fn trim_slash(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// `quire config`: the effective settings, secrets hidden.
impl fmt::Display for Settings {
    #[expect(
        clippy::too_many_lines,
        reason = "one line per setting: the list is the point"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| {
            if value.is_some() {
                "\"***\""
            } else {
                "(not set)"
            }
        };
        writeln!(
            f,
            "data_dir                = {:?}",
            self.data_dir.display().to_string()
        )?;
        writeln!(
            f,
            "database_url            = {:?}",
            quire_store::redact_url(&self.database_url)
        )?;
        writeln!(f, "listen                  = \"{}\"", self.listen)?;
        writeln!(
            f,
            "usercontent_listen      = \"{}\"",
            self.usercontent_listen
        )?;
        match self.metrics_listen {
            Some(address) => writeln!(f, "metrics_listen          = \"{address}\"")?,
            None => writeln!(f, "metrics_listen          = (not set)")?,
        }
        writeln!(f, "public_url              = {:?}", self.public_url)?;
        writeln!(f, "usercontent_url         = {:?}", self.usercontent_url)?;
        writeln!(
            f,
            "admin_email             = {:?}",
            self.admin_email
                .as_deref()
                .unwrap_or(quire_server::bootstrap::DEFAULT_ADMIN_EMAIL)
        )?;
        writeln!(
            f,
            "admin_password          = {}",
            hidden(&self.admin_password)
        )?;
        writeln!(f, "secret_key              = {}", hidden(&self.secret_key))?;
        writeln!(
            f,
            "npm_registry            = {}",
            self.npm_registry
                .as_deref()
                .map_or("(npm's own configuration)".to_owned(), |r| format!("{r:?}"))
        )?;
        writeln!(
            f,
            "session_ttl_hours       = {}",
            self.session_ttl.as_secs() / 3600
        )?;
        writeln!(
            f,
            "shutdown_grace_secs     = {}",
            self.shutdown_grace.as_secs()
        )?;
        writeln!(
            f,
            "invoke_rate_per_viewer  = {}",
            self.invoke_rate_per_viewer
        )?;
        writeln!(
            f,
            "invoke_rate_per_project = {}",
            self.invoke_rate_per_project
        )?;
        writeln!(
            f,
            "login_failures_per_address = {}",
            self.login_failures_per_address
        )?;
        writeln!(
            f,
            "embed_rate_per_minute   = {}",
            self.embed_rate_per_minute
        )?;
        writeln!(
            f,
            "public_link_rate_per_minute = {}",
            self.public_link_rate_per_minute
        )?;
        writeln!(
            f,
            "function_concurrency_per_project = {}",
            self.function_concurrency_per_project
        )?;
        writeln!(
            f,
            "function_queue_wait_ms  = {}",
            self.function_queue_wait.as_millis()
        )?;
        writeln!(f, "whatsapp_api_url        = {:?}", self.whatsapp_api_url)?;
        writeln!(f, "asset_max_bytes         = {}", self.asset_max_bytes)?;
        writeln!(
            f,
            "project_assets_max_bytes = {}",
            self.project_assets_max_bytes
        )?;
        writeln!(
            f,
            "ai_url                  = {:?}",
            self.ai.as_ref().map(|ai| ai.url.as_str())
        )?;
        writeln!(
            f,
            "ai_model                = {:?}",
            self.ai.as_ref().map(|ai| ai.model.as_str())
        )?;
        writeln!(
            f,
            "ai_api_key              = {}",
            hidden(&self.ai.as_ref().and_then(|ai| ai.api_key.clone()))
        )?;
        writeln!(f, "agent_max_attempts      = {}", self.agent_max_attempts)?;
        writeln!(f, "agent_runs_per_hour     = {}", self.agent_runs_per_hour)?;
        writeln!(f, "log                     = {:?}", self.log)?;
        write!(
            f,
            "log_format              = \"{}\"",
            if self.log_format == LogFormat::Json {
                "json"
            } else {
                "text"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn defaults_then_file_then_environment_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quire.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nlog = \"debug\"\ndata_dir = \"/from/file\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            config: Some(file.clone()),
            data_dir: None,
        };

        let from_file = Settings::load_from(&overrides, env_of(&[])).unwrap();
        assert_eq!(from_file.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(from_file.public_url, "http://127.0.0.1:9000");
        assert_eq!(
            from_file.usercontent_url, "http://127.0.0.1:8788",
            "the default"
        );
        assert_eq!(from_file.log, "debug");
        assert_eq!(
            from_file.database_url,
            "sqlite:///from/file/quire.db?mode=rwc"
        );

        let from_env = Settings::load_from(
            &overrides,
            env_of(&[("QUIRE_LOG", "warn"), ("QUIRE_DATA_DIR", "/from/env")]),
        )
        .unwrap();
        assert_eq!(from_env.log, "warn");
        assert_eq!(from_env.data_dir, PathBuf::from("/from/env"));
        assert_eq!(from_file.metrics_listen, None, "metrics are off by default");
        let metrics = Settings::load_from(
            &overrides,
            env_of(&[("QUIRE_METRICS_LISTEN", "127.0.0.1:9187")]),
        )
        .unwrap();
        assert_eq!(
            metrics.metrics_listen,
            Some("127.0.0.1:9187".parse().unwrap())
        );

        let flagged = Overrides {
            config: Some(file),
            data_dir: Some(PathBuf::from("/from/flag")),
        };
        let from_flag =
            Settings::load_from(&flagged, env_of(&[("QUIRE_DATA_DIR", "/from/env")])).unwrap();
        assert_eq!(from_flag.data_dir, PathBuf::from("/from/flag"));
    }

    #[test]
    fn a_projects_share_of_the_functions_follows_the_cpus_unless_set() {
        let overrides = Overrides::default();
        let default = Settings::load_from(&overrides, env_of(&[])).unwrap();
        let cpus = quire_functions::RuntimeConfig::default().workers;
        assert_eq!(default.function_concurrency_per_project, (4 * cpus).max(8));
        assert_eq!(default.function_queue_wait, Duration::from_secs(5));
        let set = Settings::load_from(
            &overrides,
            env_of(&[
                ("QUIRE_FUNCTION_CONCURRENCY_PER_PROJECT", "3"),
                ("QUIRE_FUNCTION_QUEUE_WAIT_MS", "250"),
                (
                    "QUIRE_SECRET_KEY",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ]),
        )
        .unwrap();
        let config = set.server_config().unwrap();
        assert_eq!(config.function_concurrency_per_project, 3);
        assert_eq!(config.function_queue_wait, Duration::from_millis(250));
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let error = Settings::load_from(
            &Overrides {
                config: Some(file),
                data_dir: None,
            },
            env_of(&[]),
        )
        .err()
        .unwrap();
        assert!(
            format!("{error:#}").contains("unknown field `lisen`"),
            "{error:#}"
        );

        let cases: &[(&'static [(&'static str, &'static str)], &str)] = &[
            (&[("QUIRE_LISTEN", "localhost")], "not an address"),
            (&[("QUIRE_METRICS_LISTEN", ":9187")], "not an address"),
            (
                &[("QUIRE_DATABASE_URL", "mysql://x")],
                "unsupported database URL",
            ),
            (
                &[
                    ("QUIRE_PUBLIC_URL", "http://a"),
                    ("QUIRE_USERCONTENT_URL", "http://a"),
                ],
                "different origin",
            ),
            (
                &[(
                    "QUIRE_USERCONTENT_URL",
                    "https://pages.example.com; script-src *",
                )],
                "must be an origin",
            ),
            (
                &[("QUIRE_PUBLIC_URL", "https://quire.example.com/app?x=1")],
                "must be an origin",
            ),
            (
                &[("QUIRE_USERCONTENT_URL", "ftp://pages.example.com")],
                "must be an origin",
            ),
            (&[("QUIRE_SESSION_TTL_HOURS", "soon")], "not a whole number"),
            (&[("QUIRE_LOG_FORMAT", "xml")], "use text or json"),
            (
                &[("QUIRE_WHATSAPP_API_URL", "graph.facebook.com")],
                "whatsapp_api_url \"graph.facebook.com\" must be an http:// or https:// URL",
            ),
            (
                &[("QUIRE_WHATSAPP_API_URL", "http://127.0.0.1:9/v21.0?x=1")],
                "must be an http:// or https:// URL",
            ),
        ];
        for (env, message) in cases {
            let error = Settings::load_from(&Overrides::default(), env_of(env))
                .err()
                .unwrap();
            assert!(format!("{error:#}").contains(message), "{env:?}: {error:#}");
        }
    }

    #[test]
    fn the_sign_in_limit_per_address_comes_from_the_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "login_failures_per_address = 0\n").unwrap();
        let overrides = Overrides {
            config: Some(file),
            data_dir: Some(dir.path().to_owned()),
        };
        let default = Settings::load_from(&Overrides::default(), env_of(&[])).unwrap();
        assert_eq!(default.login_failures_per_address, 30);
        let from_file = Settings::load_from(&overrides, env_of(&[])).unwrap();
        assert_eq!(from_file.login_failures_per_address, 0, "0 turns it off");
        let from_env = Settings::load_from(
            &overrides,
            env_of(&[("QUIRE_LOGIN_FAILURES_PER_ADDRESS", "7")]),
        )
        .unwrap();
        assert_eq!(
            from_env.server_config().unwrap().login_failures_per_address,
            7
        );
    }

    #[test]
    fn replies_go_to_the_cloud_api_unless_another_base_url_is_set() {
        let default = Settings::load_from(&Overrides::default(), env_of(&[])).unwrap();
        assert_eq!(default.whatsapp_api_url, "https://graph.facebook.com/v21.0");
        let stand_in = Settings::load_from(
            &Overrides::default(),
            env_of(&[
                ("QUIRE_WHATSAPP_API_URL", "http://127.0.0.1:9090/v21.0/"),
                (
                    "QUIRE_SECRET_KEY",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(
            stand_in.server_config().unwrap().whatsapp_api_url,
            "http://127.0.0.1:9090/v21.0"
        );
    }

    #[test]
    fn the_page_agent_is_off_without_a_url_needs_a_model_with_one_and_hides_its_key() {
        let off = Settings::load_from(&Overrides::default(), env_of(&[])).unwrap();
        assert!(off.ai.is_none());
        assert_eq!(off.agent_max_attempts, 5);
        let no_model = Settings::load_from(
            &Overrides::default(),
            env_of(&[("QUIRE_AI_URL", "http://127.0.0.1:11434/v1")]),
        )
        .err()
        .unwrap();
        assert!(
            no_model.to_string().contains("QUIRE_AI_MODEL"),
            "{no_model}"
        );
        let on = Settings::load_from(
            &Overrides::default(),
            env_of(&[
                ("QUIRE_AI_URL", "http://127.0.0.1:11434/v1/"),
                ("QUIRE_AI_MODEL", "qwen2.5-coder:7b"),
                ("QUIRE_AI_API_KEY", "sk-very-secret-key-123"),
                ("QUIRE_AGENT_MAX_ATTEMPTS", "3"),
            ]),
        )
        .unwrap();
        let ai = on.ai.as_ref().unwrap();
        assert_eq!(ai.url, "http://127.0.0.1:11434/v1");
        assert_eq!(on.agent_max_attempts, 3);
        assert!(!on.to_string().contains("sk-very-secret-key-123"));
        assert!(!format!("{ai:?}").contains("sk-very-secret-key-123"));
        let zero = Settings::load_from(
            &Overrides::default(),
            env_of(&[("QUIRE_AGENT_MAX_ATTEMPTS", "0")]),
        );
        assert!(zero.is_err(), "at least one attempt");
    }

    #[test]
    fn urls_are_kept_as_origins() {
        let settings = Settings::load_from(
            &Overrides::default(),
            env_of(&[
                ("QUIRE_PUBLIC_URL", "HTTPS://Quire.Example.com:443/"),
                ("QUIRE_USERCONTENT_URL", "http://pages.example.com:8080"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.public_url, "https://quire.example.com");
        assert_eq!(settings.usercontent_url, "http://pages.example.com:8080");
    }

    #[test]
    fn the_secret_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Overrides {
            config: None,
            data_dir: Some(dir.path().to_owned()),
        };
        let settings = Settings::load_from(&overrides, env_of(&[])).unwrap();
        let first = settings.secret_key_bytes().unwrap();
        assert_eq!(
            settings.secret_key_bytes().unwrap(),
            first,
            "stable across starts"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let shown = settings.to_string();
        assert!(
            !shown.contains(&hex::encode(first)),
            "quire config never shows the key"
        );
        let bad = Settings::load_from(&overrides, env_of(&[("QUIRE_SECRET_KEY", "abc")])).unwrap();
        assert!(
            bad.secret_key_bytes()
                .unwrap_err()
                .to_string()
                .contains("64 hex characters")
        );
    }
}

#[cfg(test)]
mod documentation {
    #[test]
    fn the_readme_documents_every_key() {
        let readme = include_str!("../../../README.md");
        for key in super::KEYS {
            assert!(
                readme.contains(&format!("`{}`", key.env)),
                "README.md does not document {}",
                key.env
            );
            assert!(
                readme.contains(&format!("`{}`", key.name)),
                "README.md does not document the quire.toml key {}",
                key.name
            );
        }
    }
}
