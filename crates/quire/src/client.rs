//! A small client of Quire's REST API for the remote CLI commands (`quire pages …`,
//! `quire functions …`), authenticated with an API token.

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::Value;

/// Where the server is and who is calling.
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// The Quire server's URL [default: the project folder's (quire.json), else
    /// `http://127.0.0.1:8787`]
    #[arg(long, env = "QUIRE_URL")]
    pub url: Option<String>,
    /// An API token (`quire token create`) [default: the one `quire login` kept for the server]
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The project (id or slug) [default: the project folder's (quire.json), else default]
    #[arg(long, env = "QUIRE_PROJECT")]
    pub project: Option<String>,
}

pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: String,
    pub project: String,
}

impl ApiClient {
    /// A client as `remote` says, the project folder around the current directory (if any)
    /// filling in the server and project it leaves out.
    pub fn new(remote: &RemoteArgs) -> anyhow::Result<Self> {
        let folder = crate::project::Project::find(None).ok().map(|p| p.config);
        let url = remote
            .url
            .clone()
            .or_else(|| folder.as_ref().map(|c| c.server.clone()))
            .unwrap_or_else(|| "http://127.0.0.1:8787".to_owned());
        let project = remote
            .project
            .clone()
            .or_else(|| folder.map(|c| c.project))
            .unwrap_or_else(|| "default".to_owned());
        Self::connect(&url, remote.token.clone(), &project)
    }

    /// A client of the server at `url` for `project`, with `token` or else the one `quire
    /// login` kept for that server.
    pub fn connect(url: &str, token: Option<String>, project: &str) -> anyhow::Result<Self> {
        let base = url.trim_end_matches('/').to_owned();
        let token = match token {
            Some(token) => token,
            None => crate::credentials::token_for(&base)?.with_context(|| {
                format!(
                    "you are not signed in to {base}: run `quire login`, or pass --token (or QUIRE_TOKEN)"
                )
            })?,
        };
        Ok(Self {
            http: reqwest::Client::new(),
            base,
            token,
            project: project.to_owned(),
        })
    }

    /// The server's URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `/api/v1/projects/{project}` followed by `rest`.
    pub fn project_path(&self, rest: &str) -> String {
        format!("/api/v1/projects/{}{rest}", self.project)
    }

    /// Sends a request and returns the JSON body (or `Value::Null` for an empty one).
    /// An error response becomes an error carrying the server's own message.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, text) = self
            .send_raw(
                method,
                path,
                body.map(|b| (b.to_string(), "application/json")),
            )
            .await?;
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or(text);
            bail!("the server answered {status}: {message}");
        }
        if text.is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text).context("the server's answer is not JSON")
        }
    }

    /// Sends a request with a raw body and returns the status and body text, whatever the status.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(String, &str)>,
    ) -> anyhow::Result<(reqwest::StatusCode, String)> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some((body, content_type)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        let response = request.send().await.with_context(|| {
            format!(
                "cannot reach the Quire server at {}; is it running? (set --url or QUIRE_URL)",
                self.base
            )
        })?;
        let status = response.status();
        Ok((
            status,
            response
                .text()
                .await
                .context("cannot read the server's answer")?,
        ))
    }

    /// Opens a server-sent event stream; an error response becomes an error carrying the
    /// server's message.
    pub async fn stream(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .with_context(|| format!("cannot reach the Quire server at {}", self.base))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or(text);
            bail!("the server answered {status}: {message}");
        }
        Ok(response)
    }

    /// Posts raw bytes (a page asset) and returns the JSON answer; an error response becomes
    /// an error carrying the server's message.
    pub async fn post_bytes(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("cannot reach the Quire server at {}", self.base))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .context("cannot read the server's answer")?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or(&text);
            bail!("the server answered {status}: {message}");
        }
        Ok(body)
    }

    /// The bytes at `url` (an asset's content on the usercontent origin; no credentials).
    pub async fn download(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!("{url} answered {status}");
        }
        Ok(response.bytes().await?.to_vec())
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(Method::PUT, path, Some(body)).await
    }
}
