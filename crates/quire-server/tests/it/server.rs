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

#[tokio::test]
async fn serves_both_origins_and_shuts_down_gracefully() {
    let database = TestDatabase::sqlite().await;
    let app = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let usercontent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app_address, usercontent_address) =
        (app.local_addr().unwrap(), usercontent.local_addr().unwrap());
    let config = ServerConfig::local(app_address.port(), usercontent_address.port());
    let state = AppState::new(
        database.store.clone(),
        config,
        quire_test_utils::compiler(),
        quire_test_utils::functions(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(quire_server::serve(
        state,
        Listeners { app, usercontent },
        async move {
            let _ = stopped.await;
        },
    ));

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

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("shutdown finishes")
        .unwrap();
    finished.expect("the server stops without error");
    assert!(
        TcpStream::connect(app_address).await.is_err(),
        "no longer accepting"
    );
}
