//! Rate limits: one bucket per key (a viewer, a project, an e-mail address), kept in memory.
//!
//! A bucket holds a minute's allowance and refills at that rate, so a caller may spend the
//! whole allowance at once and then one call per `60 s / allowance`. The buckets are kept as
//! the time each becomes full again (the generic cell rate algorithm), one `Instant` per key.
//! Each instance keeps its own buckets: behind a load balancer the limits are per instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::errors::ApiError;

/// Keys kept before the buckets that are full again are forgotten.
const MAX_KEYS: usize = 100_000;
const WINDOW: Duration = Duration::from_mins(1);

pub struct RateLimiter {
    /// Calls per minute; 0 turns the limit off.
    per_minute: u32,
    /// When each key's bucket is full again.
    full_at: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            full_at: Mutex::default(),
        }
    }

    /// Takes one call from `key`'s bucket, or answers how long until one is free.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.spend(key, true)
    }

    /// Whether `key`'s bucket has a call left, without taking it.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.spend(key, false)
    }

    fn spend(&self, key: &str, take: bool) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let interval = WINDOW / self.per_minute;
        let now = Instant::now();
        let mut full_at = self.full_at.lock().expect("rate limiter lock");
        let current = full_at.get(key).copied().unwrap_or(now).max(now);
        // The bucket is empty when refilling it would take longer than the window allows.
        let earliest = current.saturating_duration_since(now + WINDOW.saturating_sub(interval));
        if !earliest.is_zero() {
            return Err(earliest);
        }
        if take {
            if let Some(slot) = full_at.get_mut(key) {
                *slot = current + interval;
            } else {
                if full_at.len() >= MAX_KEYS {
                    full_at.retain(|_, at| *at > now);
                }
                full_at.insert(key.to_owned(), current + interval);
            }
        }
        Ok(())
    }
}

/// A 429 answer with `Retry-After` in whole seconds (at least one).
pub fn refused(wait: Duration, message: impl Into<String>) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::too_many_requests(secs.max(1), message)
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
}
