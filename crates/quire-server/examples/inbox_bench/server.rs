//! The server under test: a real `quire serve` (the release binary, `QUIRE_BIN`) on loopback
//! with a data directory of its own, on `SQLite` or on a `PostgreSQL` database the benchmark
//! makes and drops; and the command-line and API calls that set it up as an operator would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::meta::Number;

pub const PROJECT: &str = "default";
const OWNER_EMAIL: &str = "owner@bench.example";
pub const PASSWORD: &str = "a long enough bench password";

/// Where the server keeps its data.
#[derive(Clone, Debug)]
pub enum Database {
    /// `quire.db` in the data directory.
    Sqlite,
    /// A database of its own on the server at `admin_url`, made for the run and dropped after.
    Postgres { admin_url: String, name: String },
}

impl Database {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// The URL the server (and the seed) use.
    pub fn url(&self, data_dir: &Path) -> String {
        match self {
            Self::Sqlite => format!("sqlite://{}?mode=rwc", data_dir.join("quire.db").display()),
            Self::Postgres { admin_url, name } => match admin_url.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => format!("{admin_url}/{name}"),
            },
        }
    }

    /// Makes the database empty: on `PostgreSQL` drops and creates it.
    pub async fn create(&self) -> anyhow::Result<()> {
        if let Self::Postgres { admin_url, name } = self {
            let mut admin = PgConnection::connect(admin_url).await.with_context(|| {
                format!("cannot connect to {admin_url} to create the benchmark's database")
            })?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await?;
        }
        Ok(())
    }

    /// Drops what [`Database::create`] made.
    pub async fn drop_it(&self) -> anyhow::Result<()> {
        if let Self::Postgres { admin_url, name } = self {
            let mut admin = PgConnection::connect(admin_url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
        }
        Ok(())
    }
}

pub struct Server {
    child: Child,
    binary: PathBuf,
    data_dir: PathBuf,
    pub database_url: String,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// The server's Prometheus metrics.
    metrics: String,
    pub http: reqwest::Client,
    /// The first owner's API token.
    pub owner_token: String,
}

impl Server {
    /// Starts `quire serve` on a fresh data directory under `work` and waits until it is
    /// ready; makes an API token for the first owner.
    pub async fn start(binary: &Path, work: &Path, database: &Database) -> anyhow::Result<Self> {
        let data_dir = work.join("data");
        std::fs::create_dir_all(&data_dir)?;
        let database_url = database.url(&data_dir);
        let port = free_port()?;
        let metrics_port = free_port()?;
        let log = std::fs::File::create(work.join("server.log"))?;
        let mut command = Command::new(binary);
        set_env(&mut command, &data_dir, &database_url);
        command
            .arg("serve")
            .env("QUIRE_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "QUIRE_USERCONTENT_LISTEN",
                format!("127.0.0.1:{}", free_port()?),
            )
            .env("QUIRE_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
            .env("QUIRE_ADMIN_EMAIL", OWNER_EMAIL)
            .env("QUIRE_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(log);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_mins(5))
            .tcp_nodelay(true)
            .build()?;
        let mut server = Self {
            child,
            binary: binary.to_owned(),
            data_dir,
            database_url,
            base: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            http,
            owner_token: String::new(),
        };
        server.wait_ready().await?;
        server.wait_quiet().await;
        server.owner_token = server.cli(
            &["token", "create", "--email", OWNER_EMAIL, "--name", "bench"],
            None,
        )?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_mins(3) {
            if let Some(status) = self.child.try_wait()? {
                bail!("quire serve exited ({status}) before it was ready; see its server.log");
            }
            if let Ok(answer) = self.http.get(format!("{}/readyz", self.base)).send().await
                && answer.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("quire serve was not ready within three minutes; see its server.log")
    }

    /// Waits until the server's start-up work is done: it builds and compresses its own UI
    /// after it starts answering, and that takes seconds of CPU that must not count as a
    /// phase's. Quiet: less than 2% of a CPU for two seconds (or two minutes have passed).
    pub async fn wait_quiet(&self) {
        let started = Instant::now();
        let mut quiet_for = 0;
        let mut before = self.cpu_seconds();
        while quiet_for < 2 && started.elapsed() < Duration::from_mins(2) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.cpu_seconds();
            quiet_for = if now - before < 0.02 {
                quiet_for + 1
            } else {
                0
            };
            before = now;
        }
    }

    /// Runs `quire <args>` on the server's data directory and database; answers its output.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
        use std::io::Write as _;
        let mut command = Command::new(&self.binary);
        set_env(&mut command, &self.data_dir, &self.database_url);
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("piped")
                .write_all(input.as_bytes())?;
        }
        drop(child.stdin.take());
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!(
                "quire {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8(output.stdout)?.trim().to_owned())
    }

    /// A member account of the project with an API token of its own; answers the token.
    pub fn member_token(&self, email: &str) -> anyhow::Result<String> {
        self.cli(
            &[
                "user",
                "add",
                "--email",
                email,
                "--project",
                PROJECT,
                "--role",
                "member",
                "--password-stdin",
            ],
            Some(&format!("{PASSWORD}\n")),
        )?;
        self.cli(
            &["token", "create", "--email", email, "--name", "bench"],
            None,
        )
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1/projects/{PROJECT}{path}", self.base)
    }

    /// Connects a WhatsApp number through the API, as an owner does in the settings.
    pub async fn connect_number(
        &self,
        name: &str,
        phone_number_id: &str,
        display_phone_number: &str,
        app_secret: &str,
    ) -> anyhow::Result<Number> {
        let answer = self
            .http
            .post(self.api("/whatsapp/connections"))
            .bearer_auth(&self.owner_token)
            .json(&json!({
                "name": name,
                "phone_number_id": phone_number_id,
                "display_phone_number": display_phone_number,
                "app_secret": app_secret,
            }))
            .send()
            .await?;
        let status = answer.status();
        let body: Value = answer.json().await?;
        if !status.is_success() {
            bail!("connecting a number answered {status}: {body}");
        }
        Ok(Number {
            connection_id: body["id"].as_str().context("a connection id")?.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            display: display_phone_number.to_owned(),
            app_secret: app_secret.to_owned(),
        })
    }

    /// The value of the unlabelled counter `name` in the server's metrics (0 before it is
    /// first counted).
    pub async fn counter(&self, name: &str) -> anyhow::Result<f64> {
        let text = self.http.get(&self.metrics).send().await?.text().await?;
        Ok(text
            .lines()
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0))
    }

    /// CPU seconds the server process has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        crate::machine::process_cpu_seconds(self.child.id())
    }

    /// The server's memory now, and its peak (see [`crate::machine::Memory`]).
    pub fn memory(&self) -> crate::machine::Memory {
        crate::machine::Memory::of(self.child.id())
    }

    /// Stops the server (SIGTERM, as an operator would) and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Drop kills it.
        Ok(())
    }
}

// A run that fails part-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The server's settings through its environment, and nothing from the caller's `QUIRE_*`.
fn set_env(command: &mut Command, data_dir: &Path, database_url: &str) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("QUIRE_") {
            command.env_remove(name);
        }
    }
    command
        .env("QUIRE_DATA_DIR", data_dir)
        .env("QUIRE_DATABASE_URL", database_url)
        .env(
            "QUIRE_LOG",
            std::env::var("SERVER_LOG").unwrap_or_else(|_| "warn".to_owned()),
        );
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
