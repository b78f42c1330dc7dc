//! `quire functions list|deploy|invoke|secret|logs|delete`: a project's functions from the
//! command line, through the server's API with an API token. `deploy` uploads a local
//! JavaScript file (creating the function if needed) and deploys it, printing the load error
//! with its line and exiting 1 when the code does not load; `invoke` prints the function's
//! response and exits 1 on an error status; `delete` asks for `--yes` first.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::{ApiClient, RemoteArgs};

#[derive(Debug, clap::Subcommand)]
pub enum FunctionsCommand {
    /// List the project's functions.
    List {
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Upload a JavaScript file as a function's new code (the function is created if needed)
    /// and deploy it; exits 1 when the code does not load.
    Deploy {
        /// The function's code: `async function handler(request, env) { … }` or
        /// `export default { async fetch(request, env) { … } }`.
        file: PathBuf,
        /// The function's slug [default: the file's name without .js]
        #[arg(long)]
        slug: Option<String>,
        /// The function's name when it is created [default: the slug]
        #[arg(long)]
        name: Option<String>,
        /// Make the function reachable without credentials (`--public=false` makes it private).
        #[arg(long, num_args = 0..=1, default_missing_value = "true")]
        public: Option<bool>,
        /// Wall-clock limit per call in milliseconds (10 to 30000).
        #[arg(long)]
        timeout_ms: Option<i64>,
        /// Memory limit in MiB (8 to 512).
        #[arg(long)]
        memory_mb: Option<i64>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Call a deployed function with a JSON payload and print its response body; exits 1 when
    /// it answers an error status.
    Invoke {
        /// The function (slug or id).
        function: String,
        /// The JSON payload.
        #[arg(long, default_value = "{}")]
        payload: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// A function's secrets (write-only: values are never shown).
    #[command(subcommand)]
    Secret(SecretCommand),
    /// A function's recent invocations, newest first.
    Logs {
        /// The function (slug or id).
        function: String,
        /// How many invocations (1 to 200).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a function with its versions, secrets and history (owners and admins).
    Delete {
        /// The function (slug or id).
        function: String,
        /// Delete without asking: the function cannot be brought back.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum SecretCommand {
    /// Set a secret; the value is read from standard input (one trailing newline is dropped).
    Set {
        /// The function (slug or id).
        function: String,
        /// The secret's name, read by the function as `env.NAME`.
        name: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// List the names of a function's secrets.
    List {
        function: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Remove a secret.
    Delete {
        function: String,
        name: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

/// Settings `deploy` applies besides the code.
struct Settings {
    public: Option<bool>,
    timeout_ms: Option<i64>,
    memory_mb: Option<i64>,
}

impl Settings {
    fn json(&self) -> serde_json::Map<String, Value> {
        let mut map = serde_json::Map::new();
        if let Some(public) = self.public {
            map.insert("public_endpoint".to_owned(), json!(public));
        }
        if let Some(timeout) = self.timeout_ms {
            map.insert("timeout_ms".to_owned(), json!(timeout));
        }
        if let Some(memory) = self.memory_mb {
            map.insert("memory_mb".to_owned(), json!(memory));
        }
        map
    }
}

pub async fn run(command: FunctionsCommand) -> anyhow::Result<ExitCode> {
    match command {
        FunctionsCommand::List { remote } => list(&ApiClient::new(&remote)?).await,
        FunctionsCommand::Deploy {
            file,
            slug,
            name,
            public,
            timeout_ms,
            memory_mb,
            remote,
        } => {
            let settings = Settings {
                public,
                timeout_ms,
                memory_mb,
            };
            deploy(&ApiClient::new(&remote)?, &file, slug, name, &settings).await
        }
        FunctionsCommand::Invoke {
            function,
            payload,
            remote,
        } => invoke(&ApiClient::new(&remote)?, &function, &payload).await,
        FunctionsCommand::Secret(SecretCommand::Set {
            function,
            name,
            remote,
        }) => {
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .context("cannot read the secret's value from standard input")?;
            let value = value
                .strip_suffix('\n')
                .map_or(value.as_str(), |v| v.strip_suffix('\r').unwrap_or(v));
            if value.is_empty() {
                bail!(
                    "standard input was empty; pipe the value in, e.g. `printf %s \"$VALUE\" | quire functions secret set {function} {name}`"
                );
            }
            let api = ApiClient::new(&remote)?;
            api.put(
                &function_path(&api, &function, &format!("/secrets/{name}")),
                &json!({ "value": value }),
            )
            .await?;
            println!("secret {name} of {function} is set");
            Ok(ExitCode::SUCCESS)
        }
        FunctionsCommand::Secret(SecretCommand::List { function, remote }) => {
            let api = ApiClient::new(&remote)?;
            let names = api.get(&function_path(&api, &function, "/secrets")).await?;
            for secret in names.as_array().into_iter().flatten() {
                println!(
                    "{}\tset {}",
                    text(&secret["name"]),
                    text(&secret["updated_at"])
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FunctionsCommand::Secret(SecretCommand::Delete {
            function,
            name,
            remote,
        }) => {
            let api = ApiClient::new(&remote)?;
            api.send(
                Method::DELETE,
                &function_path(&api, &function, &format!("/secrets/{name}")),
                None,
            )
            .await?;
            println!("secret {name} of {function} is removed");
            Ok(ExitCode::SUCCESS)
        }
        FunctionsCommand::Logs {
            function,
            limit,
            remote,
        } => logs(&ApiClient::new(&remote)?, &function, limit).await,
        FunctionsCommand::Delete {
            function,
            yes,
            remote,
        } => delete(&ApiClient::new(&remote)?, &function, yes).await,
    }
}

async fn delete(api: &ApiClient, function: &str, yes: bool) -> anyhow::Result<ExitCode> {
    let path = function_path(api, function, "");
    let found = api.get(&path).await?;
    let slug = text(&found["slug"]);
    let versions = found["head_version"].as_i64().unwrap_or(0);
    let deployed = if found["deployed_version"].is_null() {
        ""
    } else {
        ", and the pages that call it will get errors"
    };
    if !yes {
        bail!(
            "this deletes function {slug:?} with its {versions} saved version(s), its secrets and \
             its history{deployed}; it cannot be undone. Run again with --yes to delete it"
        );
    }
    api.send(Method::DELETE, &path, None).await?;
    println!("Deleted function {slug:?} and its {versions} version(s).");
    Ok(ExitCode::SUCCESS)
}

fn function_path(api: &ApiClient, function: &str, rest: &str) -> String {
    api.project_path(&format!("/functions/{function}{rest}"))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

async fn list(api: &ApiClient) -> anyhow::Result<ExitCode> {
    let functions = api.get(&api.project_path("/functions")).await?;
    let functions = functions.as_array().cloned().unwrap_or_default();
    if functions.is_empty() {
        println!(
            "project {:?} has no functions yet; `quire functions deploy handler.js --slug my-function` adds one",
            api.project
        );
    }
    for function in functions {
        println!(
            "{}\t{}\tv{} (deployed: {})\t{}{}",
            text(&function["slug"]),
            text(&function["status"]),
            text(&function["head_version"]),
            text(&function["deployed_version"]),
            text(&function["name"]),
            if function["public_endpoint"] == true {
                "\tpublic"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn default_slug(file: &Path) -> anyhow::Result<String> {
    file.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .with_context(|| format!("cannot take a slug from {}; pass --slug", file.display()))
}

/// What uploading a function's code came to.
pub struct Uploaded {
    /// The function was made by this upload.
    pub created: bool,
    /// The new head version.
    pub version: i64,
    /// Why the code does not load (`{message, line, column}`), or null.
    pub load_error: Value,
}

/// Stores `code` as function `slug`'s new head version, making the function (named `name`,
/// default the slug) when it does not exist, and applies `settings`.
async fn upload_code(
    api: &ApiClient,
    slug: &str,
    name: Option<&str>,
    code: &str,
    settings: &Settings,
) -> anyhow::Result<Uploaded> {
    let path = function_path(api, slug, "");
    let (status, _) = api.send_raw(Method::GET, &path, None).await?;
    if status == StatusCode::NOT_FOUND {
        let mut body = settings.json();
        body.insert("name".to_owned(), json!(name.unwrap_or(slug)));
        body.insert("slug".to_owned(), json!(slug));
        body.insert("code".to_owned(), json!(code));
        let created = api
            .post(&api.project_path("/functions"), &Value::Object(body))
            .await?;
        return Ok(Uploaded {
            created: true,
            version: created["head_version"].as_i64().unwrap_or(1),
            load_error: created["load_error"].clone(),
        });
    }
    // Any other failure (no access, server down) is reported with the server's message.
    api.get(&path).await?;
    let detail = api
        .put(&format!("{path}/code"), &json!({ "code": code }))
        .await?;
    let changes = settings.json();
    if !changes.is_empty() {
        api.send(Method::PATCH, &path, Some(&Value::Object(changes)))
            .await?;
    }
    Ok(Uploaded {
        created: false,
        version: detail["head_version"].as_i64().unwrap_or_default(),
        load_error: detail["load_error"].clone(),
    })
}

/// Uploads `code` as function `slug`'s new version: the folder's `quire push` and `quire
/// dev`, without settings.
pub async fn upload(api: &ApiClient, slug: &str, code: &str) -> anyhow::Result<Uploaded> {
    let settings = Settings {
        public: None,
        timeout_ms: None,
        memory_mb: None,
    };
    upload_code(api, slug, None, code, &settings).await
}

/// `file:line:column: error: message` for a load error (`{message, line, column}`).
pub fn load_error_line(file: &str, error: &Value) -> String {
    let position = match (error["line"].as_u64(), error["column"].as_u64()) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        _ => String::new(),
    };
    format!("{file}{position}: error: {}", text(&error["message"]))
}

/// Deploys function `slug`'s head version; answers the deploy result (`status` is
/// `deployed` when the code loaded, else `error` says why).
pub async fn deploy_head(api: &ApiClient, slug: &str) -> anyhow::Result<Value> {
    api.post(&function_path(api, slug, "/deploy"), &json!({}))
        .await
}

async fn deploy(
    api: &ApiClient,
    file: &Path,
    slug: Option<String>,
    name: Option<String>,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let code = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the function's code from {}", file.display()))?;
    let slug = match slug {
        Some(slug) => slug,
        None => default_slug(file)?,
    };
    if upload_code(api, &slug, name.as_deref(), &code, settings)
        .await?
        .created
    {
        println!("created function {slug}");
    }
    let result = deploy_head(api, &slug).await?;
    if result["status"] == "deployed" {
        println!(
            "deployed {slug} version {}; invoke it with `quire functions invoke {slug} --payload '{{}}'`",
            text(&result["version"])
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{}",
        load_error_line(&file.display().to_string(), &result["error"])
    );
    eprintln!(
        "{slug} was not deployed (version {} is saved as a draft); fix the code and deploy again",
        text(&result["version"])
    );
    Ok(ExitCode::FAILURE)
}

async fn invoke(api: &ApiClient, function: &str, payload: &str) -> anyhow::Result<ExitCode> {
    serde_json::from_str::<Value>(payload).with_context(|| {
        format!("--payload is not valid JSON: {payload:?}; e.g. --payload '{{\"id\": \"123\"}}'")
    })?;
    let (status, body) = api
        .send_raw(
            Method::POST,
            &function_path(api, function, "/invoke"),
            Some((payload.to_owned(), "application/json")),
        )
        .await?;
    println!("{body}");
    if status.is_success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("the function answered {status}");
        Ok(ExitCode::FAILURE)
    }
}

async fn logs(api: &ApiClient, function: &str, limit: u32) -> anyhow::Result<ExitCode> {
    let records = api
        .get(&function_path(
            api,
            function,
            &format!("/invocations?limit={limit}"),
        ))
        .await?;
    for record in records.as_array().into_iter().flatten() {
        let mut outcome = text(&record["status"]);
        if record["ok"] != true {
            outcome = format!(
                "{outcome} {}: {}",
                text(&record["error"]["code"]),
                text(&record["error"]["message"])
            );
        }
        println!(
            "{}\tv{}\t{} ms\t{}\t{outcome}",
            text(&record["started_at"]),
            text(&record["version"]),
            text(&record["duration_ms"]),
            text(&record["via"]),
        );
        for line in record["logs"].as_str().unwrap_or_default().lines() {
            println!("    {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
