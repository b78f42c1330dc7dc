//! Outbound HTTP for `fetch`, behind Quire's SSRF guard: http(s) only; every address (IP
//! literals and every address a host name resolves to) must be public; redirects are followed
//! by hand, at most [`MAX_REDIRECTS`], each hop checked again. Host names resolve in
//! [`GuardedResolver`], inside the connector, so the address that was checked is the address
//! connected to (no DNS rebinding between check and connect).

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::FetchPolicy;

/// Redirect hops `fetch` follows before giving up, as browsers do (they allow 20).
pub const MAX_REDIRECTS: usize = 10;

/// A `fetch` failure, thrown into JavaScript as a `TypeError` with this message.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("fetch refused: {0}")]
    Refused(String),
    #[error("fetch failed: {0}")]
    Network(String),
    #[error("fetch response body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("fetch followed {MAX_REDIRECTS} redirects without reaching a response")]
    TooManyRedirects,
    #[error("fetch was asked not to follow redirects (redirect: \"error\") and got one")]
    RedirectRefused,
    /// The per-invocation request budget is spent.
    #[error("fetch refused: this call already made {limit} outbound requests, the limit")]
    RequestLimit { limit: u32 },
}

/// How `fetch` treats a redirect (`Request.redirect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectMode {
    Follow,
    Manual,
    Error,
}

#[derive(Debug)]
pub struct FetchRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub redirect: RedirectMode,
}

#[derive(Debug)]
pub struct FetchResponse {
    pub status: u16,
    pub status_text: String,
    pub url: String,
    pub redirected: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why an address is not reachable from functions, or `None` if it is public.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b) {
        (0, _) => "unspecified",
        (127, _) => "loopback",
        (10, _) | (172, 16..=31) | (192, 168) => "private (RFC 1918)",
        (169, 254) => "link-local",
        (100, 64..=127) => "shared (CGNAT)",
        (198, 18..=19) => "benchmarking",
        (192, 0) if c == 0 => "IETF protocol assignment",
        (192, 0) if c == 2 => "documentation",
        (198, 51) if c == 100 => "documentation",
        (203, 0) if c == 113 => "documentation",
        (192, 88) if c == 99 => "6to4 relay",
        (224..=239, _) => "multicast",
        (255, 255) if ip == Ipv4Addr::BROADCAST => "broadcast",
        (240..=255, _) => "reserved",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Every range that embeds an IPv4 address (mapped, translated, compatible, NAT64, 6to4,
    // Teredo) is refused whole, whatever the address inside: a public IPv4 address is
    // reachable as itself, and the gateway that would translate it may sit inside.
    Some(match seg[0] {
        0 if seg[1..5] == [0, 0, 0, 0] && seg[5] == 0xffff => "IPv4-mapped",
        0 if seg[1..4] == [0, 0, 0] && seg[4] == 0xffff && seg[5] == 0 => "IPv4-translated",
        0 if seg[1..6] == [0, 0, 0, 0, 0] => "IPv4-compatible",
        0x64 if seg[1] == 0xff9b => "NAT64",
        0x100 if seg[1..4] == [0, 0, 0] => "discard-only",
        0x2002 => "6to4",
        0x2001 if seg[1] == 0 => "Teredo",
        0x2001 if seg[1] == 0xdb8 => "documentation",
        0x2001 if seg[1] < 0x200 => "IETF protocol assignment",
        0x3fff if seg[1] < 0x1000 => "documentation",
        s if s & 0xfe00 == 0xfc00 => "unique local (ULA)",
        s if s & 0xffc0 == 0xfe80 => "link-local",
        s if s & 0xffc0 == 0xfec0 => "site-local",
        s if s & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

/// The reason a DNS answer was refused; found again in reqwest's error chain.
#[derive(Debug)]
struct Refusal(String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Refusal {}

/// Resolves host names for reqwest and refuses the whole answer if any address is not public.
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                // The refusal itself, not a box of it, so `network_error` finds it by type.
                .map_err(|err| Refusal(format!("could not resolve {host}: {err}")))?
                .collect();
            if addrs.is_empty() {
                return Err(Box::new(Refusal(format!("{host} has no address"))) as _);
            }
            for addr in &addrs {
                if let Some(reason) = forbidden_reason(addr.ip()) {
                    return Err(Box::new(Refusal(format!(
                        "{host} resolves to {}, a {reason} address; functions may only reach public addresses",
                        addr.ip()
                    ))) as _);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The shared outbound client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would be the address checked instead of the real destination.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver))
            .connect_timeout(Duration::from_secs(10))
            .user_agent("Quire-Functions")
            .build()
            .expect("the fetch client's static configuration is valid");
        Self {
            client,
            policy: Arc::new(policy),
        }
    }

    /// Checks the URL's scheme and, for IP literals, the address. Host names are checked by
    /// the resolver at connect time.
    fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "{url}: only http and https URLs can be fetched"
            )));
        }
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => return Err(FetchError::Refused(format!("{url} has no host"))),
        };
        if let Some(reason) = forbidden_reason(ip) {
            let port = url.port_or_known_default().unwrap_or(0);
            let test_exception = ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                && self.policy.loopback_ports_for_tests.contains(&port);
            if !test_exception {
                return Err(FetchError::Refused(format!(
                    "{ip} is a {reason} address; functions may only reach public addresses"
                )));
            }
        }
        Ok(())
    }

    /// Performs a request, following redirects per `request.redirect`. `take_permit` is
    /// called before every hop and ends the fetch when the invocation's budget is spent.
    pub async fn fetch(
        &self,
        request: FetchRequest,
        max_body: usize,
        take_permit: &(dyn Fn() -> Result<(), FetchError> + Sync),
    ) -> Result<FetchResponse, FetchError> {
        let mut url = Url::parse(&request.url)
            .map_err(|err| FetchError::Refused(format!("invalid URL {}: {err}", request.url)))?;
        let mut method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| FetchError::Refused(format!("invalid method {}", request.method)))?;
        let mut headers = request.headers;
        let mut body = request.body;
        let mut hops = 0;
        loop {
            self.check_url(&url)?;
            take_permit()?;
            let mut builder = self.client.request(method.clone(), url.clone());
            for (name, value) in &headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = &body {
                builder = builder.body(body.clone());
            }
            let response = builder.send().await.map_err(network_error)?;
            let status = response.status();
            if status.is_redirection()
                && request.redirect != RedirectMode::Manual
                && let Some(location) = response.headers().get(reqwest::header::LOCATION)
            {
                if request.redirect == RedirectMode::Error {
                    return Err(FetchError::RedirectRefused);
                }
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects);
                }
                let location = location.to_str().map_err(|_| {
                    FetchError::Network("redirect Location is not valid text".to_owned())
                })?;
                let next = url.join(location).map_err(|err| {
                    FetchError::Network(format!("invalid redirect Location {location}: {err}"))
                })?;
                let code = status.as_u16();
                if code == 303 && method != reqwest::Method::HEAD
                    || (code == 301 || code == 302) && method == reqwest::Method::POST
                {
                    method = reqwest::Method::GET;
                    body = None;
                    headers.retain(|(name, _)| {
                        !name.eq_ignore_ascii_case("content-type")
                            && !name.eq_ignore_ascii_case("content-length")
                    });
                }
                if next.origin() != url.origin() {
                    headers.retain(|(name, _)| {
                        !name.eq_ignore_ascii_case("authorization")
                            && !name.eq_ignore_ascii_case("cookie")
                    });
                }
                url = next;
                continue;
            }
            return read_response(response, hops > 0, max_body).await;
        }
    }
}

async fn read_response(
    mut response: reqwest::Response,
    redirected: bool,
    max_body: usize,
) -> Result<FetchResponse, FetchError> {
    let status = response.status();
    let url = response.url().to_string();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if body.len() + chunk.len() > max_body {
            return Err(FetchError::BodyTooLarge { limit: max_body });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(FetchResponse {
        status: status.as_u16(),
        status_text: status.canonical_reason().unwrap_or("").to_owned(),
        url,
        redirected,
        headers,
        body,
    })
}

/// Turns reqwest's error into ours, surfacing the guard's refusal if that was the cause.
fn network_error(err: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<Refusal>() {
            return FetchError::Refused(refusal.0.clone());
        }
        source = current.source();
    }
    FetchError::Network(err.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_public_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::7f00:1",
            "ff02::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(forbidden_reason(ip).is_some(), "{ip} should be refused");
        }
    }

    #[test]
    fn each_special_purpose_range_is_refused_with_its_name() {
        for (ip, reason) in [
            ("0.1.2.3", "unspecified"),
            ("127.255.0.1", "loopback"),
            ("172.20.0.1", "private (RFC 1918)"),
            ("169.254.169.254", "link-local"),
            ("100.100.100.200", "shared (CGNAT)"),
            ("192.0.0.8", "IETF protocol assignment"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("192.88.99.1", "6to4 relay"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
            // RFC 2765's IPv4-translated form of 127.0.0.1 and of a public address.
            ("::ffff:0:7f00:1", "IPv4-translated"),
            ("::ffff:0:808:808", "IPv4-translated"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("64:ff9b::a9fe:a9fe", "NAT64"),
            ("64:ff9b::808:808", "NAT64"),
            ("64:ff9b:1::a00:1", "NAT64"),
            ("2002:c0a8:101::1", "6to4"),
            ("2002:808:808::1", "6to4"),
            ("2001:0:4136:e378::1", "Teredo"),
            ("2001:2::1", "IETF protocol assignment"),
            ("2001:db8::1", "documentation"),
            ("3fff:abc::1", "documentation"),
            ("100::1", "discard-only"),
            ("fd00:ec2::254", "unique local (ULA)"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff05::2", "multicast"),
        ] {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_reason(parsed), Some(reason), "{ip}");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2001:200::1",
            "3fff:1000::1",
            "192.0.1.1",
            "192.88.98.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_reason(ip), None, "{ip} should be allowed");
        }
    }
}
