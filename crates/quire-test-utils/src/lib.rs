//! Test helpers for Quire's crates: `TestApp` drives the real router with `oneshot` over a
//! throw-away store, and `Client` sends requests as one kind of caller (anonymous, a browser
//! session with its CSRF token, or an API token).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use quire_server::{AppState, ServerConfig};
use quire_store::testing::TestDatabase;
use serde_json::Value;
use tower::ServiceExt;

pub use quire_store::testing;

/// The password `TestApp::user` gives every account it makes.
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub state: AppState,
    router: Router,
    usercontent: Router,
    metrics: Router,
    /// The database the app owns (and drops with it); `None` for [`TestApp::another_instance`].
    _database: Option<TestDatabase>,
    database_url: String,
}

impl TestApp {
    /// An app over a new `SQLite` database.
    pub async fn new() -> Self {
        Self::with_database(TestDatabase::sqlite().await)
    }

    pub fn with_database(database: TestDatabase) -> Self {
        Self::with_config(database, ServerConfig::local(8787, 8788))
    }

    /// An app with its own configuration (limits, URLs) over `database`.
    pub fn with_config(database: TestDatabase, config: ServerConfig) -> Self {
        let state = AppState::new(database.store.clone(), config, compiler(), functions());
        Self::with_state(state, database)
    }

    pub fn with_state(state: AppState, database: TestDatabase) -> Self {
        let database_url = database.url.clone();
        Self::over(state, Some(database), database_url)
    }

    fn over(state: AppState, database: Option<TestDatabase>, database_url: String) -> Self {
        Self {
            router: quire_server::router(state.clone()),
            usercontent: quire_server::usercontent_router(state.clone()),
            metrics: quire_server::metrics_router(state.clone()),
            state,
            _database: database,
            database_url,
        }
    }

    /// A second instance of this app's deployment: its own store connection, caches and live
    /// hub over the same database, with the same configuration (as two `quire serve` behind
    /// one load balancer). Drop it before this app, which owns the database.
    pub async fn another_instance(&self) -> Self {
        let store = quire_store::Store::connect(&self.database_url)
            .await
            .expect("connect a second instance to the test database");
        let state = AppState::new(store, self.state.config.clone(), compiler(), functions());
        Self::over(state, None, self.database_url.clone())
    }

    pub fn store(&self) -> &quire_store::Store {
        &self.state.store
    }

    /// Sends one request to the app origin.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        TestResponse::read(
            self.router
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible"),
        )
        .await
    }

    /// Sends one request to the app origin and answers the response as it comes, its body
    /// unread: for an event stream, which does not end.
    pub async fn open(&self, request: Request<Body>) -> axum::response::Response {
        self.router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible")
    }

    /// Sends one request to the usercontent origin.
    pub async fn send_usercontent(&self, request: Request<Body>) -> TestResponse {
        TestResponse::read(
            self.usercontent
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible"),
        )
        .await
    }

    /// Sends one request to the metrics listener.
    pub async fn send_metrics(&self, request: Request<Body>) -> TestResponse {
        TestResponse::read(
            self.metrics
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible"),
        )
        .await
    }

    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            auth: Auth::None,
        }
    }

    /// Creates an account with the password `PASSWORD`.
    pub async fn user(&self, email: &str) -> quire_store::User {
        let hash = quire_server::auth::password::hash(PASSWORD.to_owned()).await;
        self.store()
            .create_user(email, email.split('@').next().unwrap_or(email), &hash)
            .await
            .expect("create a test user")
    }

    /// Signs in through the API and returns a client carrying the session cookie and CSRF token.
    pub async fn login(&self, email: &str) -> Client<'_> {
        let response = self
            .anonymous()
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "login failed: {}",
            response.text()
        );
        let cookie = response
            .session_cookie()
            .expect("login sets the session cookie");
        let csrf = response.json()["csrf_token"]
            .as_str()
            .expect("login returns a csrf token")
            .to_owned();
        Client {
            app: self,
            auth: Auth::Session { cookie, csrf },
        }
    }

    /// A client authenticated with a new API token of `user` (limited to `project` if given).
    pub async fn token_client(
        &self,
        user: &quire_store::User,
        project: Option<&str>,
    ) -> Client<'_> {
        let (token, hint) = quire_server::auth::tokens::new_api_token();
        let hash = quire_server::auth::tokens::sha256_hex(&token);
        let new = quire_store::NewApiToken {
            user_id: &user.id,
            project_id: project,
            name: "test",
            token_hash: &hash,
            hint: &hint,
            expires_at: None,
        };
        self.store()
            .create_api_token(&new)
            .await
            .expect("create a test token");
        Client {
            app: self,
            auth: Auth::Bearer(token),
        }
    }
}

/// npm packages that tests compile against are kept here across runs (under `target/`), so
/// only the first run needs the registry.
pub fn npm_store_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tmp/quire-test-npm-store")
}

/// A compiler over the shared test package store, with the registry from the environment.
pub fn compiler() -> quire_compiler::Compiler {
    let store = quire_compiler::PackageStore::open(
        npm_store_dir(),
        quire_compiler::RegistryConfig::from_environment(),
    )
    .expect("open the test npm store");
    quire_compiler::Compiler::new(store, npm_store_dir().join("compiler-cache"))
}

/// A function runtime with two workers and the default (refusing) fetch policy.
pub fn functions() -> quire_functions::Runtime {
    quire_functions::Runtime::new(quire_functions::RuntimeConfig {
        workers: 2,
        ..Default::default()
    })
}

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Session { cookie: String, csrf: String },
    Bearer(String),
}

/// Sends requests as one caller.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub auth: Auth,
}

impl Client<'_> {
    /// A request with this caller's credentials; for sessions the CSRF header is set too.
    pub fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(path);
        match &self.auth {
            Auth::None => {}
            Auth::Session { cookie, csrf } => {
                builder = builder
                    .header(header::COOKIE, cookie.as_str())
                    .header("x-csrf-token", csrf.as_str());
            }
            Auth::Bearer(token) => {
                builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
        }
        match body {
            Some(json) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("a valid test request")
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> TestResponse {
        self.app.send(self.request(method, path, body)).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> TestResponse {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> TestResponse {
        self.send(Method::DELETE, path, None).await
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The response with its whole body; an event stream's body is left unread, as it does
    /// not end (read one with [`TestApp::open`]).
    async fn read(response: axum::response::Response) -> Self {
        let (parts, body) = response.into_parts();
        let streaming = parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let body = if streaming {
            Vec::new()
        } else {
            body.collect()
                .await
                .expect("read the response body")
                .to_bytes()
                .to_vec()
        };
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of header `name`, in order (to check that a header came exactly once); a
    /// value that is not text shows as `<not text>` rather than going missing.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("<not text>"))
            .collect()
    }

    /// `name=value` of the session cookie this response sets.
    pub fn session_cookie(&self) -> Option<String> {
        let set_cookie = self.header("set-cookie")?;
        set_cookie.split(';').next().map(str::to_owned)
    }

    /// The error code of an error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Replaces ids and times in API JSON so snapshots stay stable.
pub fn redact(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    let is_volatile = key == "id"
                        || key.ends_with("_id")
                        || key.ends_with("_at")
                        || key == "since"
                        || key == "at"
                        || key == "token"
                        || key == "csrf_token"
                        || key == "hint";
                    if is_volatile && !item.is_null() {
                        *item = Value::String(format!("[{key}]"));
                    } else {
                        walk(item);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}
