//! The `quire` binary end to end: first start, sign-in over HTTP, admin commands, SIGTERM.

mod backup;
mod crash;
mod functions;
mod pages;
mod webhook_crash;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_quire");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn quire(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("QUIRE_DATABASE_URL")
        .env("QUIRE_LOG", "warn");
    command
}

struct Server {
    child: Child,
    app: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn start(data_dir: &std::path::Path, envs: &[(&str, &str)]) -> Server {
    let (app_port, uc_port) = (free_port(), free_port());
    let child = quire(data_dir)
        .arg("serve")
        .args([
            "--listen",
            &format!("127.0.0.1:{app_port}"),
            "--usercontent-listen",
            &format!("127.0.0.1:{uc_port}"),
        ])
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        app: format!("http://127.0.0.1:{app_port}"),
    };
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if reqwest::get(format!("{}/readyz", server.app))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("quire serve did not become ready within 60 s");
}

#[tokio::test]
async fn first_start_creates_an_owner_who_can_sign_in_and_sigterm_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let mut server = start(
        data.path(),
        &[
            ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
            ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
        ],
    )
    .await;

    let client = reqwest::Client::new();
    let login = client
        .post(format!("{}/api/v1/auth/login", server.app))
        .json(&serde_json::json!({ "email": "boss@example.com", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me: serde_json::Value = client
        .get(format!("{}/api/v1/me", server.app))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["projects"][0]["slug"], "default",
        "a first project to start in"
    );
    assert_eq!(me["projects"][0]["role"], "owner");

    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "quire serve did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    let mut output = String::new();
    std::io::Read::read_to_string(server.child.stdout.as_mut().unwrap(), &mut output).unwrap();
    assert!(
        output.contains("Quire is running") && output.contains("boss@example.com"),
        "{output}"
    );
    assert!(
        !output.contains("a long enough password"),
        "a given password is never printed"
    );
}

#[tokio::test]
async fn a_generated_first_password_is_printed_once() {
    let data = tempfile::tempdir().unwrap();
    let mut server = start(data.path(), &[]).await;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut output = String::new();
    std::io::Read::read_to_string(server.child.stdout.as_mut().unwrap(), &mut output).unwrap();
    let password = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("password"))
        .map(str::trim)
        .expect("the password is printed");
    assert!(password.len() >= 20, "{password}");

    let again = start(data.path(), &[]).await;
    drop(again);
}

#[test]
fn admin_commands_make_accounts_and_tokens() {
    let data = tempfile::tempdir().unwrap();
    let add = quire(data.path())
        .args(["user", "add", "--email", "ann@example.com"])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let stdout = String::from_utf8_lossy(&add.stdout);
    assert!(
        stdout.contains("created ann@example.com") && stdout.contains("password: "),
        "{stdout}"
    );

    let again = quire(data.path())
        .args(["user", "add", "--email", "ANN@example.com"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let weak = quire(data.path())
        .args([
            "user",
            "passwd",
            "--email",
            "ann@example.com",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let weak = feed(weak, "short\n");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("at least 10"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );

    let token = quire(data.path())
        .args([
            "token",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "laptop",
        ])
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    assert!(
        String::from_utf8_lossy(&token.stdout)
            .trim()
            .starts_with("quire_pat_")
    );

    let unknown = quire(data.path())
        .args(["token", "create", "--email", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("quire user add"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

#[test]
fn config_prints_the_effective_settings_with_secrets_hidden() {
    let data = tempfile::tempdir().unwrap();
    let output = quire(data.path())
        .arg("config")
        .env("QUIRE_ADMIN_PASSWORD", "super secret value")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        text.contains("listen                  = \"127.0.0.1:8787\""),
        "{text}"
    );
    assert!(
        text.contains("admin_password          = \"***\"")
            && text.contains("invoke_rate_per_project = 6000")
            && !text.contains("super secret value"),
        "{text}"
    );
    let help = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for key in [
        "QUIRE_DATA_DIR",
        "QUIRE_DATABASE_URL",
        "QUIRE_USERCONTENT_URL",
        "QUIRE_SECRET_KEY",
    ] {
        assert!(help.contains(key), "serve --help documents {key}");
    }
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A new API token for `email`, made with `quire token create` on the server's database.
fn token_for(data_dir: &std::path::Path, email: &str) -> String {
    let token = quire(data_dir)
        .args(["token", "create", "--email", email, "--name", "cli"])
        .output()
        .unwrap();
    assert!(token.status.success(), "{}", stderr(&token));
    stdout(&token).trim().to_owned()
}

fn feed(mut child: Child, input: &str) -> std::process::Output {
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn adding_an_account_to_a_project_on_the_command_line_is_audited_as_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        data.path().join("quire.db").display()
    );
    let store = quire_store::Store::connect(&url).await.unwrap();
    let owner = store
        .create_user("owner@example.com", "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    store.close().await;

    let add = quire(data.path())
        .args([
            "user",
            "add",
            "--email",
            "bob@example.com",
            "--project",
            "p",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let store = quire_store::Store::connect(&url).await.unwrap();
    let added = &store.audit_log(&project.id, None, 1).await.unwrap()[0];
    assert_eq!(added.action, "member.add");
    assert_eq!(
        added.actor_id.as_deref(),
        Some("cli"),
        "the operator, not the project's owner"
    );
    store.close().await;
}
