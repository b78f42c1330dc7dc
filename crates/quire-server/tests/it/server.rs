//! One real server on port 0: both listeners answer over TCP, and shutdown drains cleanly.

use std::time::Duration;

use quire_server::{AppState, Listeners, ServerConfig};
use quire_store::testing::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn http_get(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

async fn http_post_json(address: std::net::SocketAddr, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

fn app_state(database: &TestDatabase, config: ServerConfig) -> AppState {
    AppState::new(
        database.store.clone(),
        config,
        quire_test_utils::compiler(),
        quire_test_utils::functions(),
    )
}

/// A real server on two listeners, running until [`Running::stop`].
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    fn start(state: AppState, listeners: Listeners) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(quire_server::serve(state, listeners, async move {
            let _ = stopped.await;
        }));
        Self { stop, server }
    }

    /// Shuts the server down as a signal would and waits for it to finish.
    async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .expect("shutdown finishes")
            .unwrap()
            .expect("the server stops without error");
    }
}

#[tokio::test]
async fn serves_every_listener_and_shuts_down_gracefully() {
    let database = TestDatabase::sqlite().await;
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app_address, usercontent_address, metrics_address) = (
        app.local_addr().unwrap(),
        usercontent.local_addr().unwrap(),
        metrics.local_addr().unwrap(),
    );
    let config = ServerConfig::local(app_address.port(), usercontent_address.port());
    let state = app_state(&database, config);
    let server = Running::start(
        state,
        Listeners {
            app,
            usercontent,
            metrics: Some(metrics),
        },
    );

    assert!(
        http_get(metrics_address, "/metrics")
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        http_get(app_address, "/metrics")
            .await
            .starts_with("HTTP/1.1 404")
    );
    assert!(
        http_get(app_address, "/readyz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    let me = http_get(app_address, "/api/v1/me").await;
    assert!(
        me.starts_with("HTTP/1.1 401") && me.contains("\"unauthorized\""),
        "{me}"
    );
    assert!(
        http_get(usercontent_address, "/api/v1/me")
            .await
            .starts_with("HTTP/1.1 404")
    );

    server.stop().await;
    for address in [app_address, metrics_address] {
        assert!(
            TcpStream::connect(address).await.is_err(),
            "{address} is no longer accepting"
        );
    }
}

fn without_metrics(app: TcpListener, usercontent: TcpListener) -> Listeners {
    Listeners {
        app,
        usercontent,
        metrics: None,
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body off a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .expect("a content-length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    (head.to_ascii_lowercase(), body)
}

#[tokio::test]
async fn the_usercontent_listener_sends_whole_artifacts_to_a_slow_reader() {
    let database = TestDatabase::sqlite().await;
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent_address = usercontent.local_addr().unwrap();
    let config = ServerConfig::local(app.local_addr().unwrap().port(), usercontent_address.port());
    let state = app_state(&database, config);
    // Over a megabyte, far more than a socket buffer holds: sends are partial and resume.
    let html = (0..40_000).fold(String::new(), |mut html, i| {
        use std::fmt::Write as _;
        let _ = writeln!(html, "<p data-row=\"{i}\">row {}</p>", i * 7919 % 10007);
        html
    });
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(html.as_bytes()))
    };
    // Stored as a preview's is, just now: older and unreferenced, pruning at start-up takes it.
    database
        .store
        .put_artifact(&quire_store::NewArtifact {
            sha256: &sha,
            html: &html,
        })
        .await
        .unwrap();
    let signed = quire_server::artifacts::sign_url(
        &state,
        &sha,
        "page",
        "regular",
        quire_server::artifacts::now_secs(),
        &[],
    );
    let path = &signed.url[signed.url.find("/a/").unwrap()..];
    let server = Running::start(state, without_metrics(app, usercontent));

    // A small receive window, so the server waits on the socket again and again.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(usercontent_address).await.unwrap();
    let request = |encoding: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {usercontent_address}\r\n{encoding}\r\n")
    };
    // Three requests on one connection: identity, gzip, identity again (now from the cache).
    for encoding in ["", "Accept-Encoding: gzip\r\n", ""] {
        stream
            .write_all(request(encoding).as_bytes())
            .await
            .unwrap();
        let (head, body) = read_response(&mut stream).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        for header in [
            "content-security-policy: sandbox allow-scripts",
            "x-content-type-options: nosniff",
            "cache-control: private, max-age=",
            ", immutable\r\n",
            "vary: accept-encoding",
        ] {
            assert!(head.contains(header), "{header} in {head}");
        }
        let body = if encoding.is_empty() {
            assert!(!head.contains("content-encoding"), "{head}");
            body
        } else {
            assert!(head.contains("content-encoding: gzip"), "{head}");
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
                .unwrap();
            plain
        };
        assert!(body == html.as_bytes(), "the artifact, byte for byte");
    }
    // And the connection still serves what is not an artifact.
    stream
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {usercontent_address}\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    assert!(
        read_response(&mut stream)
            .await
            .0
            .starts_with("http/1.1 200")
    );

    server.stop().await;
}

#[tokio::test]
async fn invocation_records_still_queued_at_shutdown_are_written() {
    let database = TestDatabase::sqlite().await;
    let url = database.url.clone();
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = ServerConfig {
        // The background writer never gets to these records: only shutdown can write them.
        record_batch_window: Duration::from_hours(1),
        ..ServerConfig::local(
            app.local_addr().unwrap().port(),
            usercontent.local_addr().unwrap().port(),
        )
    };
    let state = app_state(&database, config);
    let test_app = quire_test_utils::TestApp::with_state(state.clone(), database);
    let owner = test_app.user("owner@example.com").await;
    test_app
        .store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    let client = test_app.token_client(&owner, None).await;
    let created = client
        .post(
            "/api/v1/projects/acme/functions",
            &serde_json::json!({
                "name": "Hi",
                "slug": "hi",
                "code": "async function handler() { return { hi: true }; }",
            }),
        )
        .await;
    let function_id = created.json()["id"].as_str().unwrap().to_owned();
    let deployed = client
        .post(
            "/api/v1/projects/acme/functions/hi/deploy",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(deployed.status, axum::http::StatusCode::OK);

    let server = Running::start(state, without_metrics(app, usercontent));
    for _ in 0..5 {
        let called = client
            .post(
                "/api/v1/projects/acme/functions/hi/invoke",
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(called.json(), serde_json::json!({ "hi": true }));
    }
    server.stop().await;

    let reopened = quire_store::Store::connect(&url).await.unwrap();
    let written = reopened
        .function_invocations(&function_id, None, 100)
        .await
        .unwrap();
    assert_eq!(written.len(), 5, "every answered call has its record");
}

#[tokio::test]
async fn the_served_app_limits_failed_sign_ins_by_the_peer_address() {
    let database = TestDatabase::sqlite().await;
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_address = app.local_addr().unwrap();
    let config = ServerConfig {
        login_failures_per_address: 2,
        ..ServerConfig::local(app_address.port(), usercontent.local_addr().unwrap().port())
    };
    let state = app_state(&database, config);
    let server = Running::start(state, without_metrics(app, usercontent));
    let attempt = |n: usize| {
        let body = format!(r#"{{"email":"guess{n}@example.com","password":"wrong password"}}"#);
        async move { http_post_json(app_address, "/api/v1/auth/login", &body).await }
    };
    for n in 0..2 {
        let answer = attempt(n).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    // Each attempt came over a new connection, from a new port: the address is what counts.
    let refused = attempt(2).await;
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after:"),
        "{refused}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_open_event_stream_does_not_hold_shutdown_up() {
    let database = TestDatabase::sqlite().await;
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_address = app.local_addr().unwrap();
    let grace = Duration::from_secs(30);
    let config = ServerConfig {
        shutdown_grace: grace,
        ..ServerConfig::local(app_address.port(), usercontent.local_addr().unwrap().port())
    };
    let state = app_state(&database, config);
    let test_app = quire_test_utils::TestApp::with_state(state.clone(), database);
    let owner = test_app.user("owner@example.com").await;
    test_app
        .store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    let client = test_app.token_client(&owner, None).await;
    let quire_test_utils::Auth::Bearer(token) = &client.auth else {
        unreachable!("a token client sends a bearer token")
    };
    let server = Running::start(state, without_metrics(app, usercontent));

    let mut stream = TcpStream::connect(app_address).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /api/v1/projects/acme/events HTTP/1.1\r\nHost: {app_address}\r\n\
                 Authorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");

    let started = std::time::Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < grace / 2,
        "shutdown took {:?}: the stream held it up",
        started.elapsed()
    );
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("the stream's connection closes")
        .unwrap();
}
