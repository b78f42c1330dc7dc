//! `quire pages …` against a real `quire serve`: push creates and compiles a page, a push
//! that does not build exits 1 with the diagnostic, publish serves a version, pull writes the
//! source back. The server fetches React from the configured npm registry on first compile.

use crate::{quire, start, stderr, stdout, token_for};

const PAGE: &str = r#"import React from "react";
import { createRoot } from "react-dom/client";
function App() { return <h1>Orders</h1>; }
createRoot(document.getElementById("root")!).render(<App />);
"#;

const BROKEN: &str =
    "import React from \"react\";\nfunction App() {\n  return <h1>Orders</h1;\n}\n";

/// Hard-links the packages the tests' shared npm store already holds into the server's store,
/// so the first compile need not fetch React again. Answers whether that store had React.
fn seed_npm_store(data_dir: &std::path::Path) -> bool {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/tmp/quire-test-npm-store");
    let store = data_dir.join("npm");
    std::fs::create_dir_all(&store).unwrap();
    for part in ["packages", "packuments"] {
        if shared.join(part).is_dir() {
            let copied = std::process::Command::new("cp")
                .arg("-al")
                .arg(shared.join(part))
                .arg(&store)
                .status()
                .unwrap();
            assert!(copied.success(), "copy the shared npm store's {part}");
        }
    }
    ["react", "react-dom", "scheduler"].iter().all(|name| {
        store
            .join("packuments")
            .join(format!("{name}.json"))
            .is_file()
    })
}

/// A server with an owner, and their token for `quire pages`.
struct Session {
    data: tempfile::TempDir,
    server: crate::Server,
    token: String,
}

impl Session {
    async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut envs = vec![
            ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
            ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
        ];
        if seed_npm_store(data.path()) {
            // Everything the pages need is in the store: work offline (a closed port), so a
            // flaky network cannot fail the test.
            envs.push(("QUIRE_NPM_REGISTRY", "http://127.0.0.1:9/"));
        }
        let server = start(data.path(), &envs).await;
        let token = token_for(data.path(), "boss@example.com");
        Self {
            data,
            server,
            token,
        }
    }

    /// `quire pages <args>` run in `dir`.
    fn pages(&self, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
        quire(self.data.path())
            .arg("pages")
            .args(args)
            .env("QUIRE_URL", &self.server.app)
            .env("QUIRE_TOKEN", &self.token)
            .env("QUIRE_PROJECT", "default")
            .current_dir(dir)
            .output()
            .unwrap()
    }
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one session at the command line: each step builds on the last"
)]
async fn push_publish_list_and_pull_a_page() {
    let session = Session::start().await;
    let (data, server, token) = (&session.data, &session.server, &session.token);
    let work = tempfile::tempdir().unwrap();
    let pages = |args: &[&str]| session.pages(work.path(), args);

    let empty = pages(&["list"]);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert!(stdout(&empty).contains("No pages"), "{}", stdout(&empty));

    let file = work.path().join("orders.tsx");
    std::fs::write(&file, PAGE).unwrap();
    let created = pages(&["push", "orders.tsx"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    assert!(out.contains("Created page \"orders\""), "{out}");
    assert!(
        out.contains("Saved version 1 of \"orders\": built"),
        "{out}"
    );

    std::fs::write(&file, BROKEN).unwrap();
    let failed = pages(&["push", "orders.tsx"]);
    assert_eq!(failed.status.code(), Some(1), "a failed build exits 1");
    let err = stderr(&failed);
    assert!(err.contains("error["), "{err}");
    assert!(
        err.contains("orders.tsx:3:"),
        "the diagnostic names the local file: {err}"
    );
    assert!(err.contains("</h1"), "with a code frame: {err}");
    assert!(err.contains("did not build"), "{err}");

    let published = pages(&["publish", "orders", "1"]);
    assert!(published.status.success(), "{}", stderr(&published));
    assert!(
        stdout(&published).contains("Published version 1 of \"orders\""),
        "{}",
        stdout(&published)
    );
    // The published artifact, through a real usercontent listener (and not the app's).
    let http = reqwest::Client::new();
    let frame: serde_json::Value = http
        .post(format!(
            "{}/api/v1/projects/default/pages/orders/frame",
            server.app
        ))
        .bearer_auth(token)
        .json(&serde_json::json!({ "mode": "regular" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = frame["url"].as_str().unwrap_or_else(|| panic!("{frame}"));
    let url = url.split('#').next().unwrap();
    assert!(!url.starts_with(&server.app), "{url}");
    let artifact = http.get(url).send().await.unwrap();
    assert_eq!(artifact.status(), 200);
    assert!(
        artifact.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox allow-scripts"),
    );
    assert!(artifact.text().await.unwrap().contains("<div id=\"root\">"));
    let path = &url[url.find("/a/").unwrap()..];
    let on_app = http
        .get(format!("{}{path}", server.app))
        .send()
        .await
        .unwrap();
    assert_eq!(
        on_app.status(),
        404,
        "the app origin never serves artifacts"
    );

    let refused = pages(&["publish", "orders"]);
    assert!(!refused.status.success(), "the head did not build");
    assert!(
        stderr(&refused).contains("did not build"),
        "{}",
        stderr(&refused)
    );

    let listed = pages(&["list"]);
    let listing = stdout(&listed);
    let row = listing
        .lines()
        .find(|line| line.starts_with("orders"))
        .unwrap_or_else(|| panic!("{listing}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["orders", "orders", "published", "2", "1"],
        "{listing}"
    );

    let pulled = pages(&["pull", "orders", "-o", "back.tsx"]);
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    assert_eq!(
        std::fs::read_to_string(work.path().join("back.tsx")).unwrap(),
        BROKEN,
        "pull writes the newest saved source"
    );

    // Fixed and pushed with --publish: version 3 is built and served.
    std::fs::write(&file, PAGE).unwrap();
    let fixed = pages(&["push", "orders.tsx", "--publish"]);
    assert!(fixed.status.success(), "{}", stderr(&fixed));
    assert!(
        stdout(&fixed).contains("Published version 3 of \"orders\""),
        "{}",
        stdout(&fixed)
    );

    // A push from a version that is no longer the head is refused and saves nothing.
    let stale = pages(&["push", "orders.tsx", "--base-version", "2"]);
    assert!(!stale.status.success(), "{}", stdout(&stale));
    assert!(
        stderr(&stale).contains("version 3 was saved by"),
        "{}",
        stderr(&stale)
    );
    let current = pages(&["push", "orders.tsx", "--base-version", "3"]);
    assert!(current.status.success(), "{}", stderr(&current));
    assert!(
        stdout(&current).contains("Saved version 4 of \"orders\""),
        "{}",
        stdout(&current)
    );
    std::fs::write(work.path().join("orders.ts"), PAGE).unwrap();
    let not_tsx = pages(&["push", "orders.ts"]);
    assert!(!not_tsx.status.success());
    assert!(
        stderr(&not_tsx).contains("pages are written in TSX"),
        "{}",
        stderr(&not_tsx)
    );

    let unsure = pages(&["delete", "orders"]);
    assert!(!unsure.status.success());
    assert!(
        stderr(&unsure).contains("with its 4 saved version(s)")
            && stderr(&unsure).contains("--yes"),
        "{}",
        stderr(&unsure)
    );
    let deleted = pages(&["delete", "orders", "--yes"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(
        stdout(&deleted).contains("Deleted page \"orders\""),
        "{}",
        stdout(&deleted)
    );
    assert!(
        !pages(&["pull", "orders"]).status.success(),
        "the page is gone"
    );

    let unknown = pages(&["pull", "nope"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("404"), "{}", stderr(&unknown));
    let bad_token = quire(data.path())
        .args([
            "pages",
            "list",
            "--url",
            &server.app,
            "--token",
            "quire_pat_wrong",
        ])
        .output()
        .unwrap();
    assert!(!bad_token.status.success());
    assert!(
        stderr(&bad_token).contains("not valid"),
        "{}",
        stderr(&bad_token)
    );
}

#[tokio::test]
async fn push_and_pull_carry_the_assets_folder() {
    let session = Session::start().await;
    let work = tempfile::tempdir().unwrap();
    let pages = |dir: &std::path::Path, args: &[&str]| session.pages(dir, args);
    let source = "import data from \"./data.json\";\nconsole.log(data.title);\n";
    std::fs::write(work.path().join("card.tsx"), source).unwrap();
    std::fs::create_dir(work.path().join("assets")).unwrap();
    let json = br#"{"title": "From the folder"}"#;
    std::fs::write(work.path().join("assets/data.json"), json).unwrap();

    let pushed = pages(work.path(), &["push", "card.tsx"]);
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    assert!(
        stdout(&pushed).contains("Uploaded assets/data.json."),
        "{}",
        stdout(&pushed)
    );
    assert!(stdout(&pushed).contains("built"), "{}", stdout(&pushed));
    // Unchanged bytes are not sent again.
    let again = pages(work.path(), &["push", "card.tsx"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!stdout(&again).contains("Uploaded"), "{}", stdout(&again));

    let elsewhere = tempfile::tempdir().unwrap();
    let pulled = pages(elsewhere.path(), &["pull", "card"]);
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    assert_eq!(
        std::fs::read(elsewhere.path().join("assets/data.json")).unwrap(),
        json
    );
    assert!(
        stdout(&pulled).contains("Wrote assets/data.json."),
        "{}",
        stdout(&pulled)
    );
}
