//! `quire serve`: opens the store, makes the first owner on a new install, binds both
//! listeners and serves until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use anyhow::Context;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::settings::{self, LogFormat, Settings};

#[derive(Debug, clap::Args)]
#[expect(
    clippy::doc_markdown,
    reason = "clap prints these doc comments as --help text, where backticks would show"
)]
pub struct ServeArgs {
    /// Also seed demo content on start: a demo project with functions, an Orders dashboard and
    /// an inbox whose Page tab shows each contact's orders.
    #[arg(long)]
    demo: bool,
    /// Address of the app [env: QUIRE_LISTEN]
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Address of the usercontent origin [env: QUIRE_USERCONTENT_LISTEN]
    #[arg(long)]
    usercontent_listen: Option<std::net::SocketAddr>,
}

pub async fn run(mut settings: Settings, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A URL that was derived from the default address follows the address given here (the
    // server signs artifact URLs with it); one configured explicitly stays.
    if let Some(listen) = args.listen {
        if settings.public_url == settings::url_of(settings.listen) {
            settings.public_url = settings::url_of(listen);
        }
        settings.listen = listen;
    }
    if let Some(listen) = args.usercontent_listen {
        if settings.usercontent_url == settings::url_of(settings.usercontent_listen) {
            settings.usercontent_url = settings::url_of(listen);
        }
        settings.usercontent_listen = listen;
    }
    init_logging(&settings)?;
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    // Held while serving: `quire restore` refuses to swap the database under a running server.
    let _lock = crate::lock::DataDirLock::shared(&settings.data_dir)?;

    let store = quire_store::Store::connect(&settings.database_url).await?;
    tracing::info!(database = %quire_store::redact_url(&settings.database_url), "database ready");
    let first = quire_server::bootstrap::ensure_first_owner(
        &store,
        settings.admin_email.as_deref(),
        settings.admin_password.as_deref(),
    )
    .await?;
    if args.demo {
        quire_server::bootstrap::seed_demo(&store).await?;
    }

    let app = bind(settings.listen, "QUIRE_LISTEN").await?;
    let usercontent = bind(settings.usercontent_listen, "QUIRE_USERCONTENT_LISTEN").await?;
    let metrics = match settings.metrics_listen {
        Some(address) => Some(bind(address, "QUIRE_METRICS_LISTEN").await?),
        None => None,
    };
    let packages = quire_compiler::PackageStore::open(
        settings.data_dir.join("npm"),
        settings.npm_registry_config(),
    )?;
    let compiler = quire_compiler::Compiler::new(packages, settings.data_dir.join("cache"));
    // Warm calls run on the thread that took the request (main.rs gives it the stack).
    let functions = quire_functions::Runtime::new(quire_functions::RuntimeConfig {
        inline_calls: true,
        ..quire_functions::RuntimeConfig::default()
    });
    let state = quire_server::AppState::new(store, settings.server_config()?, compiler, functions);
    if args.demo {
        quire_server::bootstrap::seed_demo_page(&state).await?;
        quire_server::bootstrap::seed_demo_inbox(&state).await?;
    }

    println!("Quire is running");
    println!("  app          {}", settings.public_url);
    println!("  usercontent  {}", settings.usercontent_url);
    if let Some(address) = settings.metrics_listen {
        println!("  metrics      http://{address}/metrics");
    }
    println!("  data         {}", settings.data_dir.display());
    if let Some(first) = first {
        println!(
            "\nFirst start: created the owner {} and the project {:?}.",
            first.email, first.project_slug
        );
        if let Some(password) = first.generated_password {
            println!(
                "  password     {password}\n  (shown once; change it with `quire user passwd --email {}`)",
                first.email
            );
        }
    }
    if args.demo {
        let app = settings.public_url.trim_end_matches('/');
        println!("\nThe demo project:");
        println!("  dashboard    {app}/p/demo/pages/orders");
        println!("  inbox        {app}/p/demo/inbox (open a conversation, then its Page tab)");
    }
    println!("\nPress Ctrl-C to stop.");

    quire_server::serve(
        state,
        quire_server::Listeners {
            app,
            usercontent,
            metrics,
        },
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

async fn bind(address: std::net::SocketAddr, variable: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}; if another program uses it, choose another address with {variable} or a flag"))
}

fn init_logging(settings: &Settings) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&settings.log)
        .with_context(|| format!("QUIRE_LOG={:?} is not a valid log filter", settings.log))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
