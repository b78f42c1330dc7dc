//! `quire functions …` against a real `quire serve`: deploy creates and deploys a function, a
//! deploy of code that does not load exits 1 with the file, line and column, invoke prints the
//! function's answer (exit 1 on an error status), and a secret set from standard input reaches
//! the function without ever being printed.

use std::process::{Command, Output, Stdio};

use crate::{Server, feed, quire, start, stderr, stdout, token_for};

const ORDER: &str = r#"async function handler(request, env) {
  const { id } = await request.json();
  if (id === "missing") return new Response(JSON.stringify({ error: "no order " + id }), { status: 404 });
  return { id, name: "Order " + id, signed: env.SIGNING_KEY ? env.SIGNING_KEY.length : 0 };
}
"#;

const BROKEN: &str = "async function handler(request) {\n  const x = 1;\n  return {{ x;\n}\n";

/// A running server with the first owner's API token, and a working directory for files.
struct Cli {
    data: tempfile::TempDir,
    work: tempfile::TempDir,
    server: Server,
    token: String,
}

impl Cli {
    async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let server = start(
            data.path(),
            &[
                ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
                ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
            ],
        )
        .await;
        let token = token_for(data.path(), "boss@example.com");
        Self {
            data,
            work,
            server,
            token,
        }
    }

    fn functions(&self, args: &[&str]) -> Command {
        let mut command = quire(self.data.path());
        command
            .arg("functions")
            .args(args)
            .env("QUIRE_URL", &self.server.app)
            .env("QUIRE_TOKEN", &self.token)
            .env("QUIRE_PROJECT", "default")
            .current_dir(self.work.path());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.functions(args).output().unwrap()
    }

    fn write(&self, name: &str, code: &str) {
        std::fs::write(self.work.path().join(name), code).unwrap();
    }
}

#[tokio::test]
async fn deploy_then_invoke_and_a_load_error_exits_1_with_the_line() {
    let cli = Cli::start().await;
    let empty = cli.run(&["list"]);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert!(
        stdout(&empty).contains("no functions yet"),
        "{}",
        stdout(&empty)
    );

    cli.write("order.js", ORDER);
    let deployed = cli.run(&[
        "deploy",
        "order.js",
        "--slug",
        "order",
        "--timeout-ms",
        "2000",
    ]);
    assert!(deployed.status.success(), "{}", stderr(&deployed));
    let out = stdout(&deployed);
    assert!(out.contains("created function order"), "{out}");
    assert!(out.contains("deployed order version 1"), "{out}");

    let invoked = cli.run(&["invoke", "order", "--payload", r#"{"id":"42"}"#]);
    assert!(invoked.status.success(), "{}", stderr(&invoked));
    let answer: serde_json::Value = serde_json::from_str(stdout(&invoked).trim()).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({ "id": "42", "name": "Order 42", "signed": 0 })
    );
    let missing = cli.run(&["invoke", "order", "--payload", r#"{"id":"missing"}"#]);
    assert_eq!(missing.status.code(), Some(1), "an error status exits 1");
    assert!(
        stdout(&missing).contains("no order missing"),
        "{}",
        stdout(&missing)
    );
    assert!(stderr(&missing).contains("404"), "{}", stderr(&missing));
    let bad_payload = cli.run(&["invoke", "order", "--payload", "{id:"]);
    assert_eq!(bad_payload.status.code(), Some(1));
    assert!(
        stderr(&bad_payload).contains("not valid JSON"),
        "{}",
        stderr(&bad_payload)
    );

    cli.write("order.js", BROKEN);
    let failed = cli.run(&["deploy", "order.js", "--slug", "order"]);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "code that does not load exits 1"
    );
    let err = stderr(&failed);
    assert!(err.contains("order.js:3:"), "file and line: {err}");
    assert!(err.contains("not deployed"), "{err}");
    let still = cli.run(&["invoke", "order", "--payload", r#"{"id":"8"}"#]);
    assert!(still.status.success(), "the deployed version keeps serving");
    let listed = cli.run(&["list"]);
    assert!(
        stdout(&listed).contains("order\terror\tv2 (deployed: 1)"),
        "{}",
        stdout(&listed)
    );
    let logs = cli.run(&["logs", "order"]);
    assert!(logs.status.success(), "{}", stderr(&logs));
    assert!(
        stdout(&logs).contains("ms\tapi\t404 function_error: no order missing"),
        "{}",
        stdout(&logs)
    );

    let unsure = cli.run(&["delete", "order"]);
    assert!(!unsure.status.success(), "deleting asks for --yes");
    assert!(
        stderr(&unsure).contains("with its 2 saved version(s)")
            && stderr(&unsure).contains("--yes"),
        "{}",
        stderr(&unsure)
    );
    let deleted = cli.run(&["delete", "order", "--yes"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(
        stdout(&deleted).contains("Deleted function \"order\""),
        "{}",
        stdout(&deleted)
    );
    let gone = cli.run(&["invoke", "order", "--payload", "{}"]);
    assert!(!gone.status.success(), "the function is gone");
}

#[tokio::test]
async fn a_secret_set_from_stdin_reaches_the_function_and_is_never_printed() {
    let cli = Cli::start().await;
    cli.write("order.js", ORDER);
    let deployed = cli.run(&["deploy", "order.js"]);
    assert!(
        deployed.status.success(),
        "the slug defaults to the file name: {}",
        stderr(&deployed)
    );
    let secret = "hunter2-but-longer";
    let set = feed(
        cli.functions(&["secret", "set", "order", "SIGNING_KEY"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        &format!("{secret}\n"),
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let listed = cli.run(&["secret", "list", "order"]);
    assert!(
        stdout(&listed).contains("SIGNING_KEY"),
        "{}",
        stdout(&listed)
    );
    let signed = cli.run(&["invoke", "order", "--payload", r#"{"id":"7"}"#]);
    let answer: serde_json::Value = serde_json::from_str(stdout(&signed).trim()).unwrap();
    assert_eq!(
        answer["signed"],
        secret.len(),
        "the trailing newline was dropped"
    );
    let empty = feed(
        cli.functions(&["secret", "set", "order", "OTHER"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        "",
    );
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        stderr(&empty).contains("standard input was empty"),
        "{}",
        stderr(&empty)
    );
    let removed = cli.run(&["secret", "delete", "order", "SIGNING_KEY"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let logs = cli.run(&["logs", "order"]);
    for output in [&deployed, &set, &listed, &signed, &removed, &logs] {
        assert!(!stdout(output).contains(secret) && !stderr(output).contains(secret));
    }
}
