//! Page artifacts on the usercontent origin: signed, expiring URLs and the one route that
//! serves them.
//!
//! A URL is `{usercontent_url}/a/{sha256}?p={page}&m={mode}&exp={unix seconds}[&fa={origins}]&sig={hex}`,
//! where `sig` is HMAC-SHA256, keyed by the server's secret key, over the path and the query
//! before `&sig=`. `fa` names the origins besides the app's that may frame the page (an
//! embedded inbox's sites, which frame the app that frames the page): `frame-ancestors`
//! checks every ancestor. The app origin never serves artifact bytes; the usercontent origin serves
//! nothing else, and serves them with a CSP sandbox so that a page never runs with an origin
//! (`allow-same-origin` is never granted).

mod artifact_cache;
pub(crate) mod encoding;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use artifact_cache::ArtifactCache;

use crate::state::AppState;

/// How long a signed artifact URL stays valid.
pub const URL_LIFETIME: Duration = Duration::from_mins(10);

/// An artifact no version refers to (a preview's) is kept this long after it was last
/// previewed: far longer than a URL to it works.
pub const UNSAVED_LIFETIME: Duration = Duration::from_hours(1);

/// How often the unsaved artifacts are looked for.
const PRUNE_EVERY: Duration = Duration::from_mins(10);

/// Deletes, every ten minutes, the artifacts of previews that nobody saved, and the asset
/// contents nothing refers to any more. Every instance
/// runs it; deleting what another instance just deleted costs nothing.
pub async fn run_pruning(store: quire_store::Store) {
    let mut every = tokio::time::interval(PRUNE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let lifetime = i64::try_from(UNSAVED_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        match store
            .prune_artifacts(quire_store::now_ms() - lifetime)
            .await
        {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "deleted the artifacts of unsaved previews"),
            Err(error) => {
                tracing::warn!(%error, "cannot delete the artifacts of unsaved previews; trying again in ten minutes");
            }
        }
        // Asset contents that deleted pages and projects left behind.
        match store.prune_asset_contents().await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "deleted asset contents nothing refers to"),
            Err(error) => {
                tracing::warn!(%error, "cannot delete unused asset contents; trying again in ten minutes");
            }
        }
    }
}

/// The sandbox every artifact runs in: scripts, forms, popups and modals, never an origin.
pub const SANDBOX: &str = "sandbox allow-scripts allow-forms allow-popups allow-modals";

type HmacSha256 = Hmac<Sha256>;

/// A signed URL and when it stops working (Unix seconds).
#[derive(Debug, Clone)]
pub struct SignedUrl {
    pub url: String,
    pub expires_at: i64,
}

/// Signs a URL for artifact `sha256` of `page_id`, opened in `mode`, valid from `now`
/// (Unix seconds) for `URL_LIFETIME`, which `framed_by` (origins, checked) may frame besides
/// the app.
pub fn sign_url(
    state: &AppState,
    sha256: &str,
    page_id: &str,
    mode: &str,
    now: i64,
    framed_by: &[String],
) -> SignedUrl {
    let expires_at = now + i64::try_from(URL_LIFETIME.as_secs()).unwrap_or(600);
    let mut unsigned = format!("/a/{sha256}?p={page_id}&m={mode}&exp={expires_at}");
    if !framed_by.is_empty() {
        unsigned.push_str("&fa=");
        unsigned.extend(url::form_urlencoded::byte_serialize(
            framed_by.join(" ").as_bytes(),
        ));
    }
    let sig = hex::encode(
        mac(&state.config.secret_key, &unsigned)
            .finalize()
            .into_bytes(),
    );
    SignedUrl {
        url: format!(
            "{}{unsigned}&sig={sig}",
            state.config.usercontent_url.trim_end_matches('/')
        ),
        expires_at,
    }
}

/// The origins a verified URL's `fa` names, when they can go in a policy as they are.
fn framed_by(query: &str) -> Option<String> {
    let (_, origins) =
        url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "fa")?;
    let fits = origins
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" .-:/*".contains(&b));
    (fits && !origins.trim().is_empty()).then(|| origins.into_owned())
}

fn mac(key: &[u8; 32], message: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    mac
}

/// Why a URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unsigned,
    BadSignature,
    Expired,
}

impl Refusal {
    fn message(self) -> &'static str {
        match self {
            Self::Unsigned => {
                "this artifact link is not signed; open the page in Quire to get a link\n"
            }
            Self::BadSignature => {
                "this artifact link's signature does not match; open the page in Quire again\n"
            }
            Self::Expired => "this artifact link has expired; reload the page in Quire\n",
        }
    }
}

/// Checks the signature and the expiry of `/a/{sha256}?{query}` at `now` (Unix seconds), and
/// answers the expiry.
pub fn verify(key: &[u8; 32], path: &str, query: &str, now: i64) -> Result<i64, Refusal> {
    verify_keyed(&mac(key, ""), path, query, now)
}

/// `verify` with an HMAC already keyed (keying costs two SHA-256 blocks; a clone, none).
fn verify_keyed(keyed: &HmacSha256, path: &str, query: &str, now: i64) -> Result<i64, Refusal> {
    let (unsigned, sig) = query.rsplit_once("&sig=").ok_or(Refusal::Unsigned)?;
    let mut tag = [0; 32];
    hex::decode_to_slice(sig, &mut tag).map_err(|_| Refusal::BadSignature)?;
    let mut mac = keyed.clone();
    for part in [path, "?", unsigned] {
        mac.update(part.as_bytes());
    }
    mac.verify_slice(&tag).map_err(|_| Refusal::BadSignature)?;
    // Signed by us, so the parameters are ours; a missing expiry is still refused.
    let expires_at: i64 = unsigned
        .split('&')
        .find_map(|pair| pair.strip_prefix("exp="))
        .and_then(|exp| exp.parse().ok())
        .ok_or(Refusal::Unsigned)?;
    if expires_at <= now {
        return Err(Refusal::Expired);
    }
    Ok(expires_at)
}

/// The `Cache-Control` of an artifact served at `now` by a URL that expires at `expires_at`
/// (Unix seconds). A cache keys the answer by its URL, whose `sha256` names the body: it never
/// changes, so it is `immutable`. The URL stops working at its expiry, and a cached copy must
/// stop then too, so it is fresh only until then; `private`, as the URL is one viewer's.
fn cache_control(expires_at: i64, now: i64) -> HeaderValue {
    let fresh = (expires_at - now).max(0);
    HeaderValue::from_str(&format!("private, max-age={fresh}, immutable"))
        .expect("digits and ASCII make a header value")
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    quire_store::now_ms() / 1000
}

/// The route `GET /a/{sha256}`, with its own cache of artifacts.
pub fn routes<S>(state: AppState) -> Router<S> {
    let csp = format!(
        "{SANDBOX}; frame-ancestors {}",
        state.config.public_url.trim_end_matches('/')
    );
    let origin = Origin {
        keyed: mac(&state.config.secret_key, ""),
        csp: HeaderValue::from_str(&csp).ok(),
        state,
        cache: ArtifactCache::default(),
    };
    Router::new()
        .route("/a/{sha256}", get(serve))
        .with_state(Arc::new(origin))
}

/// What the artifact route needs, prepared once.
struct Origin {
    state: AppState,
    cache: ArtifactCache,
    keyed: HmacSha256,
    csp: Option<HeaderValue>,
}

/// `GET /a/{sha256}` on the usercontent origin: the artifact, if the URL is signed and fresh,
/// compressed when the request accepts it.
async fn serve(
    State(origin): State<Arc<Origin>>,
    Path(sha256): Path<String>,
    request: Request,
) -> Response {
    let now = now_secs();
    let expires_at = match verify_keyed(
        &origin.keyed,
        request.uri().path(),
        request.uri().query().unwrap_or(""),
        now,
    ) {
        Ok(expires_at) => expires_at,
        Err(refusal) => return plain(StatusCode::FORBIDDEN, refusal.message()),
    };
    let store = &origin.state.store;
    let artifact = match origin
        .cache
        .get_or_load(&sha256, || store.artifact_html(&sha256))
        .await
    {
        Ok(Some(artifact)) => artifact,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such artifact\n"),
        Err(error) => {
            tracing::error!(%error, "could not read an artifact");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not read the artifact; try again\n",
            );
        }
    };
    let accepted = encoding::Accepted::parse(request.headers().get(header::ACCEPT_ENCODING));
    let (body, encoding) = artifact.body(accepted);
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.reserve(8);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // `frame-ancestors` ends the policy: the URL's own origins go at its end.
    let csp = match framed_by(request.uri().query().unwrap_or("")) {
        Some(also) => origin
            .csp
            .as_ref()
            .and_then(|csp| csp.to_str().ok())
            .and_then(|csp| HeaderValue::from_str(&format!("{csp} {also}")).ok()),
        None => origin.csp.clone(),
    };
    if let Some(csp) = csp {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, cache_control(expires_at, now));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(coding) = encoding.header() {
        headers.insert(header::CONTENT_ENCODING, coding);
    }
    response
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        message,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use hmac::Mac as _;

    use super::{Refusal, cache_control, mac, verify};

    fn signed(key: &[u8; 32], path: &str, unsigned: &str) -> String {
        let sig = hex::encode(
            mac(key, &format!("{path}?{unsigned}"))
                .finalize()
                .into_bytes(),
        );
        format!("{unsigned}&sig={sig}")
    }

    #[test]
    fn a_signed_fresh_url_passes_and_every_change_is_refused() {
        let key = [7; 32];
        let path = "/a/abc";
        let query = signed(&key, path, "p=page&m=regular&exp=1000");
        assert_eq!(verify(&key, path, &query, 999), Ok(1000));
        assert_eq!(verify(&key, path, &query, 1000), Err(Refusal::Expired));
        assert_eq!(
            verify(&[8; 32], path, &query, 999),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(&key, "/a/abd", &query, 999),
            Err(Refusal::BadSignature)
        );
        let longer = query.replace("exp=1000", "exp=9999");
        assert_eq!(verify(&key, path, &longer, 999), Err(Refusal::BadSignature));
        let other_mode = query.replace("m=regular", "m=preview");
        assert_eq!(
            verify(&key, path, &other_mode, 999),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(&key, path, "p=page&m=regular&exp=1000", 999),
            Err(Refusal::Unsigned)
        );
        assert_eq!(
            verify(&key, path, "p=x&sig=zz", 999),
            Err(Refusal::BadSignature)
        );
        let no_expiry = signed(&key, path, "p=page&m=regular");
        assert_eq!(verify(&key, path, &no_expiry, 999), Err(Refusal::Unsigned));
    }

    #[test]
    fn an_artifact_is_immutable_and_fresh_until_its_url_expires() {
        assert_eq!(cache_control(1600, 1000), "private, max-age=600, immutable");
        assert_eq!(cache_control(1000, 999), "private, max-age=1, immutable");
        assert_eq!(
            cache_control(1000, 1000),
            "private, max-age=0, immutable",
            "never fresh past the expiry"
        );
    }
}
