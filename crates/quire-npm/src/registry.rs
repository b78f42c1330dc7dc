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
    /// `None` when nothing is configured: the store then works only from its cache.
    base: Option<Url>,
    auth_token: Option<String>,
    cache_dir: PathBuf,
}

impl Registry {
    pub(crate) fn new(config: &RegistryConfig, cache_dir: PathBuf) -> Result<Self, NpmError> {
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
            base,
            auth_token: config.auth_token.clone(),
            cache_dir,
        })
    }

    fn base_display(&self) -> String {
        self.base
            .as_ref()
            .map_or_else(|| "(none configured)".to_owned(), Url::to_string)
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
        let Some(base) = &self.base else {
            return cached().ok_or(NpmError::NoRegistryConfigured);
        };
        let url = format!("{base}{escaped}");
        let mut request = self.authorize(self.client.get(&url).header(ACCEPT, ABBREVIATED), &url);
        let have_cache = body_path.exists();
        if have_cache && let Ok(etag) = std::fs::read_to_string(&etag_path) {
            request = request.header(IF_NONE_MATCH, etag.trim());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(source) => {
                tracing::debug!(%name, error = %source, "registry unreachable; trying the packument cache");
                return cached().ok_or_else(|| NpmError::RegistryUnreachable {
                    url: base.to_string(),
                    source,
                });
            }
        };
        match response.status() {
            StatusCode::NOT_MODIFIED => {
                if let Some(packument) = cached() {
                    return Ok(packument);
                }
                // The cache vanished between the check and now: ask again without the ETag.
                let _ = std::fs::remove_file(&etag_path);
                return Box::pin(self.packument(name, progress)).await;
            }
            StatusCode::NOT_FOUND => {
                return Err(NpmError::PackageNotFound {
                    name: name.to_owned(),
                    registry: self.base_display(),
                });
            }
            status if status.is_server_error() => {
                if let Some(packument) = cached() {
                    tracing::warn!(%name, %status, "registry failed; using the cached packument");
                    return Ok(packument);
                }
                return Err(NpmError::RegistryStatus {
                    url,
                    status: status.as_u16(),
                });
            }
            status if !status.is_success() => {
                return Err(NpmError::RegistryStatus {
                    url,
                    status: status.as_u16(),
                });
            }
            _ => {}
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_PACKUMENT_BYTES, &url, |_| {})
            .await?
            .ok_or_else(|| NpmError::InvalidPackument {
                name: name.to_owned(),
                reason: "it is larger than 128 MiB".to_owned(),
            })?;
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
        let unreachable = |source| NpmError::RegistryUnreachable {
            url: url.to_owned(),
            source,
        };
        let response = self
            .authorize(self.client.get(url), url)
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(NpmError::RegistryStatus {
                url: url.to_owned(),
                status: response.status().as_u16(),
            });
        }
        let report = |bytes| {
            progress.event(ProgressEvent::Downloading {
                name: name.to_owned(),
                version: version.to_owned(),
                bytes,
            });
        };
        read_capped(response, limit, url, report)
            .await?
            .ok_or_else(|| NpmError::ArchiveTooLarge {
                name: name.to_owned(),
                version: version.to_owned(),
                limit,
            })
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

/// The body, or `None` once it passes `limit` bytes (reading stops there).
async fn read_capped(
    mut response: reqwest::Response,
    limit: u64,
    url: &str,
    mut on_progress: impl FnMut(u64),
) -> Result<Option<Vec<u8>>, NpmError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Ok(None);
    }
    let mut body = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(0).min(limit)).unwrap_or(0),
    );
    while let Some(chunk) =
        response
            .chunk()
            .await
            .map_err(|source| NpmError::RegistryUnreachable {
                url: url.to_owned(),
                source,
            })?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
        on_progress(body.len() as u64);
    }
    Ok(Some(body))
}
