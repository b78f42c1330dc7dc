//! The registry client: abbreviated packuments (cached on disk, revalidated with `ETag`, used
//! as they are when the registry cannot be reached) and size-capped tarball downloads.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, ETAG, IF_NONE_MATCH};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::config::RegistryConfig;
use crate::error::NpmError;
use crate::fsutil;
use crate::progress::{Progress, ProgressEvent};

/// The abbreviated metadata format: only what installers need.
const ABBREVIATED: &str =
    "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
/// The largest packument accepted; the biggest real abbreviated ones are a few tens of MiB.
const MAX_PACKUMENT_BYTES: u64 = 128 * 1024 * 1024;

/// What the installer reads from a packument.
#[derive(Debug, Deserialize)]
pub(crate) struct Packument {
    #[serde(rename = "dist-tags", default)]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, VersionMeta>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct VersionMeta {
    #[serde(default)]
    pub dist: Dist,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Dist {
    pub tarball: Option<String>,
    pub integrity: Option<String>,
}

pub(crate) struct Registry {
    client: reqwest::Client,
    config: RegistryConfig,
    /// Where requests go. Set at construction, or on first network use when npm itself must be
    /// asked (a process start that an install from the store never pays).
    endpoint: tokio::sync::OnceCell<Endpoint>,
    cache_dir: PathBuf,
}

struct Endpoint {
    /// `None` when nothing is configured: the store then works only from its cache.
    base: Option<Url>,
    auth_token: Option<String>,
}

impl Endpoint {
    fn parse(config: &RegistryConfig) -> Result<Self, NpmError> {
        let base = if config.url.trim().is_empty() {
            None
        } else {
            let raw = format!("{}/", config.url.trim().trim_end_matches('/'));
            let url = Url::parse(&raw).map_err(|error| NpmError::InvalidRegistryUrl {
                url: config.url.clone(),
                reason: error.to_string(),
            })?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(NpmError::InvalidRegistryUrl {
                    url: config.url.clone(),
                    reason: "only http and https are supported".to_owned(),
                });
            }
            Some(url)
        };
        Ok(Self {
            base,
            auth_token: config.auth_token.clone(),
        })
    }

    fn display(&self) -> String {
        self.base
            .as_ref()
            .map_or_else(|| "(none configured)".to_owned(), Url::to_string)
    }

    /// Adds the token only for URLs on the registry's own origin.
    fn authorize(&self, request: reqwest::RequestBuilder, url: &str) -> reqwest::RequestBuilder {
        let same_origin = |base: &Url| {
            Url::parse(url).is_ok_and(|u| {
                u.scheme() == base.scheme()
                    && u.host_str() == base.host_str()
                    && u.port_or_known_default() == base.port_or_known_default()
            })
        };
        match (&self.auth_token, &self.base) {
            (Some(token), Some(base)) if same_origin(base) => {
                request.header(AUTHORIZATION, format!("Bearer {token}"))
            }
            _ => request,
        }
    }
}

impl Registry {
    pub(crate) fn new(config: &RegistryConfig, cache_dir: PathBuf) -> Result<Self, NpmError> {
        let endpoint = tokio::sync::OnceCell::new();
        if !config.defers_to_npm() {
            let _ = endpoint.set(Endpoint::parse(config)?);
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("quire-npm/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_mins(1))
            .build()
            .map_err(|source| NpmError::RegistryUnreachable {
                url: config.url.clone(),
                source,
            })?;
        Ok(Self {
            client,
            config: config.clone(),
            endpoint,
            cache_dir,
        })
    }

    async fn endpoint(&self) -> Result<&Endpoint, NpmError> {
        self.endpoint
            .get_or_try_init(|| async {
                let asked =
                    tokio::task::spawn_blocking(RegistryConfig::from_environment_asking_npm)
                        .await
                        .unwrap_or_else(|_| self.config.clone());
                Endpoint::parse(&asked)
            })
            .await
    }

    /// The packument of `name`: fresh from the registry when it answers, else from the cache.
    pub(crate) async fn packument(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> Result<Packument, NpmError> {
        progress.event(ProgressEvent::Resolving {
            name: name.to_owned(),
        });
        let escaped = name.replace('/', "%2f");
        let body_path = self.cache_dir.join(format!("{escaped}.json"));
        let etag_path = self.cache_dir.join(format!("{escaped}.etag"));
        let cached = || -> Option<Packument> {
            let bytes = std::fs::read(&body_path).ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let endpoint = self.endpoint().await?;
        let Some(base) = &endpoint.base else {
            return cached().ok_or(NpmError::NoRegistryConfigured);
        };
        let url = format!("{base}{escaped}");
        let have_cache = body_path.exists();
        let etag = have_cache
            .then(|| std::fs::read_to_string(&etag_path).ok())
            .flatten();
        let request = || {
            let request = self.client.get(&url).header(ACCEPT, ABBREVIATED);
            let request = match &etag {
                Some(etag) => request.header(IF_NONE_MATCH, etag.trim()),
                None => request,
            };
            endpoint.authorize(request, &url)
        };
        // With a cached copy to fall back on, one try is enough: offline installs stay fast.
        let attempts = if have_cache { 1 } else { ATTEMPTS };
        let answer = match self
            .fetch(
                &url,
                request,
                MAX_PACKUMENT_BYTES,
                attempts,
                progress,
                |_| {},
            )
            .await
        {
            Ok(answer) => answer,
            Err(source) => {
                tracing::debug!(%name, error = %source, "registry unreachable; trying the packument cache");
                return cached().ok_or_else(|| NpmError::RegistryUnreachable {
                    url: base.to_string(),
                    source,
                });
            }
        };
        let (body, etag) = match answer {
            Answer::NotModified => {
                if let Some(packument) = cached() {
                    return Ok(packument);
                }
                // The cache vanished between the check and now: ask again without the ETag.
                let _ = std::fs::remove_file(&etag_path);
                return Box::pin(self.packument(name, progress)).await;
            }
            Answer::Status(StatusCode::NOT_FOUND) => {
                return Err(NpmError::PackageNotFound {
                    name: name.to_owned(),
                    registry: endpoint.display(),
                });
            }
            Answer::Status(status) => {
                if status.is_server_error()
                    && let Some(packument) = cached()
                {
                    tracing::warn!(%name, %status, "registry failed; using the cached packument");
                    return Ok(packument);
                }
                return Err(NpmError::RegistryStatus {
                    url,
                    status: status.as_u16(),
                });
            }
            Answer::TooLarge => {
                return Err(NpmError::InvalidPackument {
                    name: name.to_owned(),
                    reason: "it is larger than 128 MiB".to_owned(),
                });
            }
            Answer::Body { bytes, etag } => (bytes, etag),
        };
        let packument: Packument =
            serde_json::from_slice(&body).map_err(|error| NpmError::InvalidPackument {
                name: name.to_owned(),
                reason: error.to_string(),
            })?;
        fsutil::write_atomic(&body_path, &body)?;
        match etag {
            Some(etag) => fsutil::write_atomic(&etag_path, etag.as_bytes())?,
            None => {
                let _ = std::fs::remove_file(&etag_path);
            }
        }
        Ok(packument)
    }

    /// Downloads a tarball into memory, refusing more than `limit` bytes.
    pub(crate) async fn tarball(
        &self,
        name: &str,
        version: &str,
        url: &str,
        limit: u64,
        progress: &dyn Progress,
    ) -> Result<Vec<u8>, NpmError> {
        let endpoint = self.endpoint().await?;
        let request = || endpoint.authorize(self.client.get(url), url);
        let report = |bytes| {
            progress.event(ProgressEvent::Downloading {
                name: name.to_owned(),
                version: version.to_owned(),
                bytes,
            });
        };
        let answer = self
            .fetch(url, request, limit, ATTEMPTS, progress, report)
            .await
            .map_err(|source| NpmError::RegistryUnreachable {
                url: url.to_owned(),
                source,
            })?;
        match answer {
            Answer::Body { bytes, .. } => Ok(bytes),
            Answer::TooLarge => Err(NpmError::ArchiveTooLarge {
                name: name.to_owned(),
                version: version.to_owned(),
                limit,
            }),
            Answer::NotModified => Err(NpmError::RegistryStatus {
                url: url.to_owned(),
                status: StatusCode::NOT_MODIFIED.as_u16(),
            }),
            Answer::Status(status) => Err(NpmError::RegistryStatus {
                url: url.to_owned(),
                status: status.as_u16(),
            }),
        }
    }

    /// GETs `url` (the request built afresh for each try), trying up to `attempts` times while
    /// the failure is one that passes: a dropped connection, a timeout, 408, 429 or a 5xx.
    async fn fetch(
        &self,
        url: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
        limit: u64,
        attempts: u32,
        progress: &dyn Progress,
        mut on_progress: impl FnMut(u64),
    ) -> Result<Answer, reqwest::Error> {
        let mut attempt = 1;
        loop {
            let outcome = fetch_once(request(), limit, &mut on_progress).await;
            let reason = match &outcome {
                Err(error) if is_transient(error) => error.to_string(),
                Ok(Answer::Status(status)) if is_transient_status(*status) => status.to_string(),
                _ => return outcome,
            };
            if attempt >= attempts {
                return outcome;
            }
            let delay = RETRY_DELAY * 4u32.pow(attempt - 1);
            tracing::warn!(%url, attempt, %reason, ?delay, "npm registry request failed; retrying");
            progress.event(ProgressEvent::Retrying {
                url: url.to_owned(),
                attempt,
                reason,
            });
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// How many times a request whose failure may pass is tried in all (npm's default too).
const ATTEMPTS: u32 = 3;
/// The wait before the first retry; each later one waits four times longer.
const RETRY_DELAY: Duration = Duration::from_millis(250);

/// What one GET brought back.
enum Answer {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    /// The body passed the size limit (reading stopped there).
    TooLarge,
    NotModified,
    /// Any other status than success or 304.
    Status(StatusCode),
}

async fn fetch_once(
    request: reqwest::RequestBuilder,
    limit: u64,
    on_progress: &mut impl FnMut(u64),
) -> Result<Answer, reqwest::Error> {
    let mut response = request.send().await?;
    match response.status() {
        StatusCode::NOT_MODIFIED => return Ok(Answer::NotModified),
        status if !status.is_success() => return Ok(Answer::Status(status)),
        _ => {}
    }
    if response.content_length().is_some_and(|len| len > limit) {
        return Ok(Answer::TooLarge);
    }
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut bytes = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(0).min(limit)).unwrap_or(0),
    );
    while let Some(chunk) = response.chunk().await? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Ok(Answer::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
        on_progress(bytes.len() as u64);
    }
    Ok(Answer::Body { bytes, etag })
}

/// Failures that another try may not meet: the connection dropped or stalled on the way.
fn is_transient(error: &reqwest::Error) -> bool {
    error.is_timeout()
        || error.is_connect()
        || error.is_request()
        || error.is_body()
        || error.is_decode()
}

fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

#[cfg(test)]
mod deferral {
    use super::*;

    fn config(url: &str, ask_npm: bool) -> RegistryConfig {
        RegistryConfig {
            url: url.to_owned(),
            auth_token: None,
            ask_npm,
        }
    }

    #[test]
    fn npm_is_asked_only_when_no_url_is_configured_and_only_on_first_network_use() {
        let dir = tempfile::tempdir().unwrap();
        let deferred = Registry::new(&config("", true), dir.path().to_owned()).unwrap();
        assert!(
            deferred.endpoint.get().is_none(),
            "nothing resolved at open"
        );
        let configured = Registry::new(
            &config("http://registry.test/", true),
            dir.path().to_owned(),
        )
        .unwrap();
        let endpoint = configured
            .endpoint
            .get()
            .expect("a configured URL is used at once");
        assert_eq!(endpoint.display(), "http://registry.test/");
        let unset = Registry::new(&config("", false), dir.path().to_owned()).unwrap();
        assert!(
            unset.endpoint.get().is_some_and(|e| e.base.is_none()),
            "no URL and no npm: cache only"
        );
    }

    #[test]
    fn a_bad_url_is_still_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Registry::new(
                &config("ftp://registry.test/", false),
                dir.path().to_owned()
            ),
            Err(NpmError::InvalidRegistryUrl { .. })
        ));
    }
}
