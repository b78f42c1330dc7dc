//! `quire`: the command line. It loads configuration, sets up logging and calls the library
//! crates; the work itself lives in them.

mod admin;
mod backup;
mod client;
mod compile;
mod credentials;
mod dev;
mod functions;
mod generate;
mod lock;
mod offline;
mod page_assets;
mod pages;
mod project;
mod restore;
mod serve;
mod settings;
mod sync;
mod terminal;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use settings::{Overrides, Settings};

#[derive(Parser)]
#[command(
    name = "quire",
    version,
    about = "Quire: project pages, compiled on save, served sandboxed.",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: the app and the usercontent origin.
    #[command(after_long_help = settings::help_table())]
    Serve(serve::ServeArgs),
    /// Compile one TSX page into one self-contained HTML file.
    Compile(compile::CompileArgs),
    /// Manage accounts on this server's database.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Create API tokens on this server's database.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Print the effective configuration, secrets hidden.
    Config,
    /// A project's pages on a Quire server: list, push a .tsx file, pull, publish.
    #[command(subcommand)]
    Pages(pages::PagesCommand),
    /// A project's functions on a Quire server: list, deploy a .js file, invoke, secrets, logs.
    #[command(subcommand)]
    Functions(functions::FunctionsCommand),
    /// Sign in to a Quire server and keep an API token for it in your config directory.
    Login(credentials::LoginArgs),
    /// Make a project folder: pages/, functions/, quire.json, kapso.d.ts, tsconfig.json.
    Init(project::InitArgs),
    /// Bring the project's pages and functions down into the project folder.
    Pull(sync::PullArgs),
    /// Send every page and function whose file changed up as a new version; refused for a
    /// file someone changed on the server since your pull, unless --force.
    Push(sync::PushArgs),
    /// Watch the project folder: a saved page is compiled and shown in every open preview, a
    /// saved function is checked; keys save, publish, open the preview and quit.
    Dev(dev::DevArgs),
    /// Copy the database (online, while the server runs) and its secret key into one file.
    Backup(backup::BackupArgs),
    /// Put a backup back as the data directory's database; the server must be stopped.
    Restore(restore::RestoreArgs),
}

/// mimalloc instead of glibc's malloc: under load the executor threads contended on glibc's
/// arena locks (futex calls on a large share of frees).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Function calls run on these threads (see `RuntimeConfig::inline_calls`), so they get
    // the stack JavaScript needs.
    let stack = quire_functions::RuntimeConfig::default().caller_stack_bytes();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(stack)
        .build()
        .expect("start the async runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Compile(args) => compile::run(args).await,
        Command::Pages(command) => pages::run(command).await,
        Command::Functions(command) => functions::run(command).await,
        Command::Login(args) => credentials::run(args).await,
        Command::Init(args) => project::init(&args),
        Command::Pull(args) => sync::pull(&args).await,
        Command::Push(args) => sync::push(&args).await,
        Command::Dev(args) => dev::run(args).await,
        command => {
            let settings = Settings::load(&cli.overrides)?;
            match command {
                Command::Serve(args) => serve::run(settings, args).await,
                Command::User(command) => admin::user(&settings, command).await,
                Command::Token(command) => admin::token(&settings, command).await,
                Command::Backup(args) => backup::run(&settings, args).await,
                Command::Restore(args) => restore::run(&settings, args).await,
                Command::Config => {
                    println!("{settings}");
                    Ok(ExitCode::SUCCESS)
                }
                Command::Compile(_)
                | Command::Pages(_)
                | Command::Functions(_)
                | Command::Login(_)
                | Command::Init(_)
                | Command::Pull(_)
                | Command::Push(_)
                | Command::Dev(_) => {
                    unreachable!("handled above")
                }
            }
        }
    }
}
