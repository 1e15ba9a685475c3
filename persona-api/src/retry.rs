//! When and how long to wait before trying a request again.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How the client retries failed requests: exponential backoff with jitter on 429, 500, 502,
/// 503, 504 and connection failures, honouring `Retry-After` and (on 429) `RateLimit-Reset`,
/// bounded in attempts and in total time.
///
/// A POST is retried only with an `Idempotency-Key`; the client adds one to every POST that has
/// none, and every attempt sends the same key, so a retried create never creates twice. A PATCH
/// is retried only when the caller set a key.
///
/// ```
/// use std::time::Duration;
/// use persona_api::{Client, RetryPolicy};
///
/// let patient = RetryPolicy::default().max_attempts(6).max_elapsed(Duration::from_secs(120));
/// let client = Client::builder("persona_sandbox_test_key").retry_policy(patient).build()?;
/// let no_retries = Client::builder("persona_sandbox_test_key").retry_policy(RetryPolicy::none()).build()?;
/// # Ok::<(), persona_api::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 0.5 s doubling up to 10 s, at most 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Every request is sent once.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the second attempt; it doubles each time, with jitter.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest single wait the backoff grows to.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts later than this after the first attempt began.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn elapsed_limit(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait after failed attempt `attempt` (1-based): half the exponential step plus a
    /// random part of the other half, so concurrent clients spread out.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(random_fraction())
    }
}

/// Statuses worth retrying: rate limited, and server errors that are usually transient.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// How long the server asked us to wait: `Retry-After` seconds, or on 429 `RateLimit-Reset`.
pub(crate) fn server_wait(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let seconds = |name: &str| crate::error::header_number(headers, name).map(Duration::from_secs);
    seconds("retry-after").or_else(|| {
        (status == StatusCode::TOO_MANY_REQUESTS)
            .then(|| seconds("ratelimit-reset"))
            .flatten()
    })
}

/// 64 unpredictable bits without a dependency: std's per-process random SipHash keys, which
/// change with every `RandomState`.
pub(crate) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

fn random_fraction() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random idempotency key in the shape of a UUID v4.
pub(crate) fn idempotency_key() -> String {
    let (high, low) = (random_u64(), random_u64());
    let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(400));
        for (attempt, step) in [(1, 100), (2, 200), (3, 400), (4, 400), (30, 400)] {
            let wait = policy.backoff(attempt);
            assert!(
                wait >= Duration::from_millis(step / 2) && wait <= Duration::from_millis(step),
                "attempt {attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn the_server_says_how_long_to_wait() {
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-reset", "7".parse().unwrap());
        assert_eq!(
            server_wait(StatusCode::TOO_MANY_REQUESTS, &headers),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            server_wait(StatusCode::SERVICE_UNAVAILABLE, &headers),
            None,
            "the window reset says nothing about a 503"
        );
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(
            server_wait(StatusCode::SERVICE_UNAVAILABLE, &headers),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn idempotency_keys_are_unique_uuids() {
        let keys: std::collections::HashSet<String> =
            (0..1000).map(|_| idempotency_key()).collect();
        assert_eq!(keys.len(), 1000);
        let key = keys.iter().next().unwrap();
        assert_eq!(key.len(), 36);
        assert_eq!(&key[14..15], "4");
    }
}
