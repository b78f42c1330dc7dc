//! Rate limits: one bucket per key (a viewer, a project, an e-mail address, a client address),
//! kept in memory, and the key of a client address.
//!
//! A bucket holds a minute's allowance and refills at that rate, so a caller may spend the
//! whole allowance at once and then one call per `60 s / allowance`. The buckets are kept as
//! the time each becomes full again (the generic cell rate algorithm), one `Instant` per key.
//! Each instance keeps its own buckets: behind a load balancer the limits are per instance.
//!
//! Memory is bounded by time and size. A bucket that is full again is the same as none, so a
//! sweep once a window forgets those (a key is gone at most two windows after its last use).
//! Keys are kept as keyed 64-bit hashes, so an entry costs the same whatever the key's length.
//! At `max_keys` live buckets a new key is refused (as if its bucket were empty) until one is
//! full again: the keys seen already keep their allowance, and the map never grows.

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::errors::ApiError;

/// Live buckets kept by default before new keys are refused.
pub const MAX_KEYS: usize = 100_000;
const WINDOW: Duration = Duration::from_mins(1);

pub struct RateLimiter {
    /// Calls per window; 0 turns the limit off.
    per_minute: u32,
    /// The window the calls are counted over: a minute unless made with [`Self::per_window`].
    window: Duration,
    max_keys: usize,
    /// Hashes the keys with a per-process random key: nobody can aim for a collision.
    hasher: RandomState,
    buckets: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    /// When each key's bucket is full again, by the key's hash.
    full_at: HashMap<u64, Instant>,
    /// When the next sweep forgets the buckets that are full again.
    next_sweep: Option<Instant>,
    /// While the map is at its cap: the earliest time one of its buckets is full again (no
    /// sweep can free a place before then).
    first_free: Option<Instant>,
}

impl Buckets {
    fn sweep(&mut self, now: Instant) {
        self.full_at.retain(|_, at| *at > now);
        self.next_sweep = Some(now + WINDOW);
        self.first_free = None;
    }
}

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        Self::per_window(per_minute, WINDOW)
    }

    /// `calls` per `window`, in bursts of up to as many.
    pub fn per_window(calls: u32, window: Duration) -> Self {
        Self {
            per_minute: calls,
            window,
            max_keys: MAX_KEYS,
            hasher: RandomState::new(),
            buckets: Mutex::default(),
        }
    }

    /// The same limiter with a different cap on live buckets.
    #[must_use]
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// Takes one call from `key`'s bucket, or answers how long until one is free.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.spend(key, true, Instant::now())
    }

    /// Whether `key`'s bucket has a call left, without taking it.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.spend(key, false, Instant::now())
    }

    fn spend(&self, key: &str, take: bool, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let interval = self.window / self.per_minute;
        let hash = self.hasher.hash_one(key);
        let mut guard = self.buckets.lock().expect("rate limiter lock");
        let buckets = &mut *guard;
        if buckets.next_sweep.is_none_or(|at| at <= now) {
            buckets.sweep(now);
        }
        let Some(&current) = buckets.full_at.get(&hash) else {
            // A new key: its bucket is full, if there is room for it.
            if buckets.full_at.len() >= self.max_keys {
                if buckets.first_free.is_none_or(|at| at <= now) {
                    buckets.sweep(now);
                }
                if buckets.full_at.len() >= self.max_keys {
                    let full_at = &buckets.full_at;
                    let first_free = *buckets.first_free.get_or_insert_with(|| {
                        full_at.values().min().copied().unwrap_or(now + interval)
                    });
                    return Err(first_free.saturating_duration_since(now));
                }
            }
            if take {
                buckets.full_at.insert(hash, now + interval);
            }
            return Ok(());
        };
        let current = current.max(now);
        // The bucket is empty when refilling it would take longer than the window allows.
        let earliest =
            current.saturating_duration_since(now + self.window.saturating_sub(interval));
        if !earliest.is_zero() {
            return Err(earliest);
        }
        if take {
            buckets.full_at.insert(hash, current + interval);
        }
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets
            .lock()
            .expect("rate limiter lock")
            .full_at
            .len()
    }
}

/// A 429 answer with `Retry-After` in whole seconds (at least one).
pub fn refused(wait: Duration, message: impl Into<String>) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::too_many_requests(secs.max(1), message)
}

/// The address a request comes from: the connection's peer (`serve` records it), or none when
/// the router is driven without a connection (tests, embedders). There is no trusted proxy
/// setting: behind a reverse proxy every client has the proxy's address.
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Self(peer.map(|ConnectInfo(address)| address.ip())))
    }
}

impl ClientAddress {
    /// The limiter key of the address: an IPv4 address whole, an IPv6 one by its /64 network
    /// (one subscriber holds a whole /64, so single addresses would be free to change).
    pub fn key(&self) -> Option<String> {
        let address = self.0?.to_canonical();
        Some(match address {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_minutes_allowance_at_once_then_refuses_with_the_wait() {
        let limiter = RateLimiter::per_minute(3);
        for _ in 0..3 {
            limiter.take("ada").unwrap();
        }
        let wait = limiter.take("ada").unwrap_err();
        assert!(
            wait > Duration::from_secs(10) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.check("ada").is_err());
        limiter.take("grace").unwrap();
    }

    #[test]
    fn checking_takes_nothing_and_zero_means_no_limit() {
        let limiter = RateLimiter::per_minute(1);
        limiter.check("ada").unwrap();
        limiter.check("ada").unwrap();
        limiter.take("ada").unwrap();
        assert!(limiter.check("ada").is_err());
        let unlimited = RateLimiter::per_minute(0);
        for _ in 0..10_000 {
            unlimited.take("ada").unwrap();
        }
    }

    #[test]
    fn the_wait_is_whole_seconds_and_at_least_one() {
        use axum::response::IntoResponse;
        for (wait, header) in [(10, "1"), (2001, "3")] {
            let response = refused(Duration::from_millis(wait), "slow down").into_response();
            assert_eq!(response.status(), 429);
            assert_eq!(response.headers()["retry-after"], header);
        }
    }

    #[test]
    fn a_bucket_is_forgotten_once_its_window_has_passed() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        limiter.spend("ada", true, start).unwrap();
        limiter.spend("grace", true, start).unwrap();
        assert_eq!(limiter.len(), 2);
        limiter
            .spend("linus", false, start + WINDOW + Duration::from_secs(1))
            .unwrap();
        assert_eq!(
            limiter.len(),
            0,
            "both buckets were full again, and checking adds none"
        );
    }

    #[test]
    fn the_map_never_holds_more_than_its_cap_and_refuses_new_keys_at_it() {
        let limiter = RateLimiter::per_minute(2).with_max_keys(100);
        let start = Instant::now();
        for n in 0..100 {
            limiter.spend(&format!("user{n}"), true, start).unwrap();
        }
        for n in 100..1_000 {
            let key = format!("user{n}");
            let wait = limiter.spend(&key, false, start).unwrap_err();
            assert_eq!(wait, WINDOW / 2, "until the first bucket is full again");
            assert!(limiter.spend(&key, true, start).is_err());
        }
        assert_eq!(limiter.len(), 100);
        // The keys seen before the cap keep their allowance.
        limiter.spend("user7", true, start).unwrap();
        assert!(limiter.spend("user7", true, start).is_err());
        // Once buckets are full again, they make room.
        let later = start + WINDOW / 2;
        limiter.spend("newcomer", true, later).unwrap();
        assert_eq!(limiter.len(), 2, "user7 and the newcomer");
    }

    #[test]
    fn keys_of_any_length_cost_one_entry() {
        let limiter = RateLimiter::per_minute(1);
        let long = "a".repeat(1 << 20);
        limiter.take(&long).unwrap();
        assert!(limiter.take(&long).is_err());
        assert!(limiter.take(&long[1..]).is_ok(), "a different key");
        assert_eq!(limiter.len(), 2);
    }

    #[test]
    fn client_addresses_are_keyed_by_ipv4_address_or_ipv6_network() {
        let key = |text: &str| ClientAddress(Some(text.parse().unwrap())).key().unwrap();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), key("2001:db8:1:2::9"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(ClientAddress(None).key(), None);
    }
}
