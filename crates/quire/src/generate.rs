//! `quire pages generate "…" --slug x`: the page agent from the command line. Starts a run on
//! the page (created when missing) with the compiler as the only check (there is no browser
//! here), follows its event stream, prints each attempt's diagnostics and the version it saved,
//! and writes the final source to a file when asked. Ctrl-C stops the run. Exits 0 when an
//! attempt built, 1 otherwise.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use quire_compiler::{Diagnostic, render_diagnostics};
use quire_server::agent::model::EventReader;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client::{ApiClient, RemoteArgs};

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// What the page should be, or what to change in it.
    pub prompt: String,
    /// The page's slug; the page is created when the project has none of that slug.
    #[arg(long)]
    pub slug: String,
    /// The page's name when it is created [default: the slug]
    #[arg(long)]
    pub name: Option<String>,
    /// Write a new page instead of changing the page's current source.
    #[arg(long)]
    pub new: bool,
    /// Let the model read the project's function code (by default it sees their slugs and
    /// names only).
    #[arg(long)]
    pub share_function_code: bool,
    /// Also write the final source to this file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the model's answers as they stream.
    #[arg(long)]
    pub show_answer: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

pub async fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.remote)?;
    let page_path = client.project_path(&format!("/pages/{}", args.slug));
    let (status, text) = client.send_raw(Method::GET, &page_path, None).await?;
    if !status.is_success() && status != StatusCode::NOT_FOUND {
        bail!("the server answered {status}: {text}");
    }
    let new_page = if status == StatusCode::NOT_FOUND {
        let name = args.name.clone().unwrap_or_else(|| args.slug.clone());
        client
            .post(
                &client.project_path("/pages"),
                &json!({ "name": name, "slug": args.slug }),
            )
            .await?;
        eprintln!("Created page {:?}.", args.slug);
        true
    } else {
        args.new
    };
    let run = client
        .post(
            &format!("{page_path}/agent/runs"),
            &json!({
                "prompt": args.prompt,
                "new_page": new_page,
                "share_function_code": args.share_function_code,
                "check": "compiler",
            }),
        )
        .await?;
    let run_id = run["id"]
        .as_str()
        .context("the server's run has no id")?
        .to_owned();
    eprintln!(
        "Asking {} (up to {} attempts); Ctrl-C stops.",
        run["model"].as_str().unwrap_or("the model"),
        run["max_attempts"]
    );
    let events_path = client.project_path(&format!("/agent/runs/{run_id}/events"));
    let mut response = client.stream(&events_path).await?;
    let mut follow = Follow {
        show_answer: args.show_answer,
        source: None,
        outcome: None,
    };
    let mut lines = EventReader::default();
    loop {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk,
            _ = tokio::signal::ctrl_c() => {
                client.post(&client.project_path(&format!("/agent/runs/{run_id}/stop")), &json!({})).await?;
                eprintln!("\nStopping…");
                continue;
            }
        };
        let Some(chunk) = chunk.context("the run's event stream broke off")? else {
            break;
        };
        for data in lines.push(&chunk) {
            let event: Value = serde_json::from_str(&data).context("an event is not JSON")?;
            follow.event(&event, &args.slug);
        }
        if follow.outcome.is_some() {
            break;
        }
    }
    let Some(ok) = follow.outcome else {
        bail!("the run's event stream ended before the run did; see the page's versions");
    };
    if let (true, Some(output), Some(source)) = (ok, &args.output, &follow.source) {
        std::fs::write(output, source)
            .with_context(|| format!("could not write {}", output.display()))?;
        eprintln!("Wrote {}.", output.display());
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What the stream has said so far.
struct Follow {
    show_answer: bool,
    /// The last attempt's page.
    source: Option<String>,
    /// `Some(true)` once done, `Some(false)` once failed or stopped.
    outcome: Option<bool>,
}

impl Follow {
    fn event(&mut self, event: &Value, slug: &str) {
        let attempt = &event["attempt"];
        match event["type"].as_str().unwrap_or_default() {
            "attempt" => eprintln!("Attempt {attempt}: asking…"),
            "delta" if self.show_answer => {
                eprint!("{}", event["text"].as_str().unwrap_or_default());
                let _ = std::io::stderr().flush();
            }
            "retrying" => eprintln!(
                "  the endpoint failed ({}); trying again in {} ms",
                event["reason"].as_str().unwrap_or_default(),
                event["wait_ms"]
            ),
            "no_code" => eprintln!("  the answer held no code"),
            "compiled" => {
                self.source = event["source"].as_str().map(str::to_owned);
                let diagnostics: Vec<Diagnostic> =
                    serde_json::from_value(event["diagnostics"].clone()).unwrap_or_default();
                if self.show_answer {
                    eprintln!();
                }
                if event["ok"].as_bool() == Some(true) {
                    eprintln!("  builds");
                } else {
                    eprintln!("  does not build:");
                }
                eprint!("{}", render_diagnostics(&diagnostics));
            }
            "saved" => eprintln!("  saved as version {}", event["version"]),
            "done" => {
                println!(
                    "Version {} of {slug:?} builds. It is a draft: look at it in the studio, then `quire pages publish {slug} {}`. {}",
                    event["version"],
                    event["version"],
                    tokens(&event["usage"])
                );
                self.outcome = Some(true);
            }
            "failed" => {
                eprintln!(
                    "The run failed: {}. {}",
                    event["message"].as_str().unwrap_or_default(),
                    tokens(&event["usage"])
                );
                self.outcome = Some(false);
            }
            "stopped" => {
                eprintln!(
                    "Stopped; the versions saved so far stay as drafts. {}",
                    tokens(&event["usage"])
                );
                self.outcome = Some(false);
            }
            _ => {}
        }
    }
}

fn tokens(usage: &Value) -> String {
    match (
        usage["prompt_tokens"].as_u64(),
        usage["completion_tokens"].as_u64(),
    ) {
        (Some(prompt), Some(answer)) => format!("Tokens: {prompt} prompt, {answer} answer."),
        _ => "Token counts unknown (the endpoint sent none).".to_owned(),
    }
}
