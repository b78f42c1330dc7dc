//! Administration on the server's own database: accounts and API tokens. These work without a
//! running server, so a locked-out owner can always get back in.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{Context, bail};
use quire_server::auth::{password, tokens};
use quire_store::{NewApiToken, NewAuditEntry, Role, Store};

use crate::lock::DataDirLock;
use crate::settings::Settings;

/// The audit log's actor for what the operator does on the server's command line: no
/// account did it.
const CLI_ACTOR: &str = "cli";

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a generated password unless one is given on stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Also add the account to this project (id or slug)…
        #[arg(long)]
        project: Option<String>,
        /// …with this role.
        #[arg(long, default_value = "member", requires = "project")]
        role: String,
    },
    /// Set a new password (generated unless given on stdin); ends the account's sessions.
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account and print it (shown once).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Limit the token to one project (id or slug).
        #[arg(long)]
        project: Option<String>,
        /// Days until the token stops working, 1 to 3650 (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
}

/// The store, with the data directory locked shared for as long as the command runs: a
/// restore swapping the database must not happen under it (a server may run alongside).
async fn open(settings: &Settings) -> anyhow::Result<(DataDirLock, Store)> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    let lock = DataDirLock::shared(&settings.data_dir)?;
    Ok((lock, Store::connect(&settings.database_url).await?))
}

fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let given = line.trim_end_matches(['\r', '\n']).to_owned();
    password::check_strength(&given).map_err(anyhow::Error::msg)?;
    Ok((given, false))
}

pub async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<ExitCode> {
    let (_lock, store) = open(settings).await?;
    match command {
        UserCommand::Add {
            email,
            name,
            password_stdin,
            project,
            role,
        } => {
            quire_server::validate::email("email", &email)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let role: Role = role.parse()?;
            let project = match &project {
                Some(p) => Some(
                    store
                        .project(p)
                        .await?
                        .with_context(|| format!("no project {p:?}"))?,
                ),
                None => None,
            };
            let (password, generated) = new_password(password_stdin)?;
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
            let user = store
                .create_user(&email, &name, &password::hash(password.clone()).await)
                .await?;
            if let Some(project) = project {
                store
                    .set_member_role(&project.id, &user.id, role, CLI_ACTOR)
                    .await?;
                println!("added {} to {} as {role}", user.email, project.slug);
            }
            println!("created {} ({})", user.email, user.id);
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::Passwd {
            email,
            password_stdin,
        } => {
            let Some(user) = store.user_by_email(&email).await? else {
                bail!("no account with e-mail {email:?}")
            };
            let (password, generated) = new_password(password_stdin)?;
            store
                .set_password(&user.id, &password::hash(password.clone()).await, None)
                .await?;
            store
                .record_audit(&NewAuditEntry::new(
                    "user.password_change",
                    None,
                    Some(&user.id),
                    Some(&user.id),
                    serde_json::json!({ "via": "cli" }),
                ))
                .await?;
            println!(
                "changed the password of {}; their sessions have ended",
                user.email
            );
            if generated {
                println!("password: {password}");
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let (_lock, store) = open(settings).await?;
    let TokenCommand::Create {
        email,
        name,
        project,
        expires_in_days,
    } = command;
    let Some(user) = store.user_by_email(&email).await? else {
        bail!("no account with e-mail {email:?}; create it with `quire user add --email {email}`")
    };
    let project_id = match &project {
        Some(p) => {
            let membership = store
                .membership(p, &user.id)
                .await?
                .with_context(|| format!("{email} is not a member of a project {p:?}"))?;
            Some(membership.project.id)
        }
        None => None,
    };
    let (token, hint) = tokens::new_api_token();
    let hash = tokens::sha256_hex(&token);
    let expires_at =
        expires_in_days.map(|days| quire_store::now_ms() + i64::from(days) * 86_400_000);
    let new = NewApiToken {
        user_id: &user.id,
        project_id: project_id.as_deref(),
        name: &name,
        token_hash: &hash,
        hint: &hint,
        expires_at,
    };
    let created = store.create_api_token(&new).await?;
    store
        .record_audit(&NewAuditEntry::new(
            "token.create",
            project_id.as_deref(),
            Some(&user.id),
            Some(&created.id),
            serde_json::json!({ "name": name, "via": "cli" }),
        ))
        .await?;
    store.close().await;
    eprintln!(
        "created token {name:?} for {} (shown once; keep it secret):",
        user.email
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
