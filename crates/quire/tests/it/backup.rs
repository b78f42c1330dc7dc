//! `quire backup` and `quire restore` end to end: a backup taken while the server runs restores
//! into a new data directory whose server has the same pages, accounts and tokens, and whose
//! functions still decrypt their secrets; what would lose data or could not decrypt is refused.

use std::path::Path;
use std::process::{Output, Stdio};

use crate::{feed, quire, start, stderr, stdout, token_for};

const READS_A_SECRET: &str = "async function handler(request, env) {
  return { length: env.API_KEY ? env.API_KEY.length : 0 };
}
";
const SECRET: &str = "kept-through-a-restore";
const PAGE: &str = "document.body.textContent = 'kept through a restore';\n";
const ENVS: &[(&str, &str)] = &[
    ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
    ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
    // The page imports nothing: no npm registry is needed, and a closed port proves it.
    ("QUIRE_NPM_REGISTRY", "http://127.0.0.1:9/"),
];

/// `quire --data-dir <data_dir> <args…>`, with extra environment.
fn run(data_dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    quire(data_dir)
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .unwrap()
}

fn failed_with(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stdout(output));
    assert!(stderr(output).contains(message), "{}", stderr(output));
}

/// `quire functions <args…>` against the server at `app`. Standard input carries the secret,
/// for `secret set`; the other commands do not read it.
fn functions(data_dir: &Path, app: &str, token: &str, work: &Path, args: &[&str]) -> Output {
    quire(data_dir)
        .arg("functions")
        .args(args)
        .env("QUIRE_URL", app)
        .env("QUIRE_TOKEN", token)
        .env("QUIRE_PROJECT", "default")
        .current_dir(work)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(|child| feed(child, &format!("{SECRET}\n")))
        .unwrap()
}

async fn api(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one operator's session: each step builds on the last"
)]
async fn a_backup_restores_pages_and_function_secrets_and_nothing_is_lost_on_the_way() {
    let (old, new, work) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let server = start(old.path(), ENVS).await;
    let token = token_for(old.path(), "boss@example.com");
    std::fs::write(work.path().join("reads.js"), READS_A_SECRET).unwrap();
    let call = |args: &[&str]| functions(old.path(), &server.app, &token, work.path(), args);
    assert!(call(&["deploy", "reads.js"]).status.success());
    let set = call(&["secret", "set", "reads", "API_KEY"]);
    assert!(set.status.success(), "{}", stderr(&set));
    let pages = format!("{}/api/v1/projects/default/pages", server.app);
    let body = serde_json::json!({ "name": "Orders", "slug": "orders", "source": PAGE });
    let (status, _) = api(reqwest::Method::POST, pages.clone(), &token, Some(body)).await;
    assert_eq!(status, 201);

    // Online: the server keeps running while the backup is taken.
    let file = work.path().join("quire.backup");
    let file_arg = file.to_str().unwrap();
    let backup = run(old.path(), &["backup", file_arg], &[]);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let said = stdout(&backup);
    assert!(
        said.contains(&format!("wrote {}", file.canonicalize().unwrap().display()))
            && said.contains(" bytes")
            && said.contains("integrity check ok")
            && said.contains("It holds the secret key"),
        "{said}"
    );
    failed_with(
        &run(old.path(), &["backup", file_arg], &[]),
        "already exists",
    );
    failed_with(
        &run(old.path(), &["restore", file_arg], &[]),
        "is running on",
    );
    // Written after the backup: not in it.
    let later = serde_json::json!({ "name": "Later", "slug": "later", "source": PAGE });
    let (status, _) = api(reqwest::Method::POST, pages, &token, Some(later)).await;
    assert_eq!(status, 201);

    let restore = run(new.path(), &["restore", file_arg], &[]);
    assert!(restore.status.success(), "{}", stderr(&restore));
    let said = stdout(&restore);
    assert!(
        said.contains("integrity check ok") && said.contains("secret key: the backup's"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(new.path().join("secret.key")).unwrap(),
        std::fs::read(old.path().join("secret.key")).unwrap(),
    );
    failed_with(
        &run(new.path(), &["restore", file_arg], &[]),
        "already holds data",
    );

    // The restored server: same accounts and tokens, the page, and a secret that decrypts.
    let mut restored = start(new.path(), &ENVS[2..]).await;
    let invoked = functions(
        new.path(),
        &restored.app,
        &token,
        work.path(),
        &["invoke", "reads", "--payload", "{}"],
    );
    assert!(invoked.status.success(), "{}", stderr(&invoked));
    let answer: serde_json::Value = serde_json::from_str(stdout(&invoked).trim()).unwrap();
    assert_eq!(answer, serde_json::json!({ "length": SECRET.len() }));
    let pages = format!("{}/api/v1/projects/default/pages", restored.app);
    let (status, page) = api(
        reqwest::Method::GET,
        format!("{pages}/orders"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["head"]["source"], PAGE);
    let (status, _) = api(reqwest::Method::GET, format!("{pages}/later"), &token, None).await;
    assert_eq!(status, 404, "made after the backup");
    restored.child.kill().unwrap();
    restored.child.wait().unwrap();

    // --force over a stopped server's data: the old database is set aside, not deleted.
    let forced = run(new.path(), &["restore", file_arg, "--force"], &[]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let aside = stdout(&forced)
        .lines()
        .find_map(|line| line.strip_prefix("set aside: "))
        .unwrap_or_else(|| panic!("{}", stdout(&forced)))
        .to_owned();
    assert!(Path::new(&aside).is_file(), "{aside}");

    // A configured key is not put in the backup: the operator is warned, and a restore
    // refuses to start secrets on a key that cannot open them.
    let key = std::fs::read_to_string(old.path().join("secret.key")).unwrap();
    let configured = work.path().join("configured.backup");
    let configured_arg = configured.to_str().unwrap();
    let backup = run(
        old.path(),
        &["backup", configured_arg],
        &[("QUIRE_SECRET_KEY", key.trim())],
    );
    assert!(backup.status.success(), "{}", stderr(&backup));
    assert!(
        stderr(&backup).contains("warning") && stderr(&backup).contains("NOT in this backup"),
        "{}",
        stderr(&backup)
    );
    let elsewhere = tempfile::tempdir().unwrap();
    failed_with(
        &run(elsewhere.path(), &["restore", configured_arg], &[]),
        "sealed with a key that is not in it",
    );
    let other_key = "ab".repeat(32);
    failed_with(
        &run(
            elsewhere.path(),
            &["restore", file_arg],
            &[("QUIRE_SECRET_KEY", &other_key)],
        ),
        "unset QUIRE_SECRET_KEY",
    );
    let with_key = run(
        elsewhere.path(),
        &["restore", configured_arg],
        &[("QUIRE_SECRET_KEY", key.trim())],
    );
    assert!(with_key.status.success(), "{}", stderr(&with_key));
    assert!(
        !elsewhere.path().join("secret.key").exists(),
        "the configured key stays the one in use"
    );
    for output in [&backup, &with_key, &forced, &restore] {
        assert!(!stdout(output).contains(key.trim()) && !stderr(output).contains(key.trim()));
    }
    drop(server);
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let (data, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let made = run(
        data.path(),
        &["user", "add", "--email", "ann@example.com"],
        &[],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let at = |name: &str| work.path().join(name).to_str().unwrap().to_owned();

    failed_with(
        &run(
            &work.path().join("nothing-here"),
            &["backup", &at("b")],
            &[],
        ),
        "there is no data directory",
    );
    failed_with(
        &run(data.path(), &["backup", &at("no/such/dir/b")], &[]),
        "there is no directory",
    );
    std::fs::write(work.path().join("a-file"), "x").unwrap();
    failed_with(
        &run(data.path(), &["backup", &at("a-file/b")], &[]),
        "there is no directory",
    );
    let postgres = [(
        "QUIRE_DATABASE_URL",
        "postgres://quire:hunter2@db.internal/quire",
    )];
    let pg = run(data.path(), &["backup", &at("b")], &postgres);
    failed_with(&pg, "pg_dump");
    assert!(
        stderr(&pg).contains("quire:***@db.internal") && !stderr(&pg).contains("hunter2"),
        "{}",
        stderr(&pg)
    );
    failed_with(
        &run(data.path(), &["restore", &at("b")], &postgres),
        "pg_restore",
    );

    let fresh = work.path().join("fresh");
    failed_with(
        &run(&fresh, &["restore", &at("missing")], &[]),
        "there is no file at",
    );
    std::fs::write(work.path().join("notes.txt"), "not a database ".repeat(100)).unwrap();
    failed_with(
        &run(&fresh, &["restore", &at("notes.txt")], &[]),
        "is not an SQLite database",
    );
    let listed: Vec<_> = std::fs::read_dir(&fresh)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name != "quire.lock")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(listed, Vec::<String>::new(), "nothing written");
}

#[test]
fn account_and_token_commands_wait_for_a_restore_to_finish() {
    let data = tempfile::tempdir().unwrap();
    let ann = run(
        data.path(),
        &["user", "add", "--email", "ann@example.com"],
        &[],
    );
    assert!(ann.status.success(), "{}", stderr(&ann));

    // What `quire restore` holds while it swaps the database.
    let restoring = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data.path().join("quire.lock"))
        .unwrap();
    restoring.try_lock().unwrap();
    for args in [
        &["user", "add", "--email", "bob@example.com"][..],
        &["user", "passwd", "--email", "ann@example.com"][..],
        &[
            "token",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "ci",
        ][..],
    ] {
        failed_with(
            &run(data.path(), args, &[]),
            "a `quire restore` is replacing the database",
        );
    }
    drop(restoring);

    // Nothing was written meanwhile: Bob is new now.
    let bob = run(
        data.path(),
        &["user", "add", "--email", "bob@example.com"],
        &[],
    );
    assert!(bob.status.success(), "{}", stderr(&bob));
}
