//! When and how long to wait before trying a request again.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

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

    /// Whether to try again after attempt `attempt` (1-based) ended in `outcome`, `elapsed`
    /// after the first attempt began and with `remaining` left before the call's overall
    /// deadline, if it has one: the wait before the next attempt, or `None` to stop.
    ///
    /// ```
    /// use std::time::Duration;
    /// use persona_api::{AttemptOutcome, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default();
    /// let rate_limited = AttemptOutcome::Response { status: 429, server_wait: Some(Duration::from_secs(3)) };
    /// assert_eq!(policy.decide(1, rate_limited, Duration::ZERO, None), Some(Duration::from_secs(3)));
    /// let refused = AttemptOutcome::Response { status: 422, server_wait: None };
    /// assert_eq!(policy.decide(1, refused, Duration::ZERO, None), None);
    /// ```
    pub fn decide(
        &self,
        attempt: u32,
        outcome: AttemptOutcome,
        elapsed: Duration,
        remaining: Option<Duration>,
    ) -> Option<Duration> {
        self.decide_with_jitter(attempt, outcome, elapsed, remaining, random_fraction())
    }

    /// [`decide`](Self::decide) with the jitter given (a fraction in `[0, 1)`), so that it is a
    /// function of its arguments alone.
    fn decide_with_jitter(
        &self,
        attempt: u32,
        outcome: AttemptOutcome,
        elapsed: Duration,
        remaining: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.backoff(attempt, jitter);
        let wait = match outcome {
            AttemptOutcome::Response {
                status,
                server_wait,
            } if is_retryable_status(status) => {
                server_wait.map_or(backoff, |asked| asked.max(backoff))
            }
            AttemptOutcome::NoResponse => backoff,
            AttemptOutcome::Response { .. } | AttemptOutcome::Unretryable => return None,
        };
        let too_late =
            elapsed + wait > self.max_elapsed || remaining.is_some_and(|left| wait >= left);
        (!too_late).then_some(wait)
    }

    /// The wait after failed attempt `attempt` (1-based): half the exponential step plus the
    /// `jitter` fraction of the other half, so concurrent clients spread out.
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let step = self
            .initial_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A response arrived with this status; `server_wait` is what its `Retry-After` (or, on a
    /// 429, `RateLimit-Reset`) asked for.
    Response {
        status: u16,
        server_wait: Option<Duration>,
    },
    /// The connection failed or the attempt timed out before a response.
    NoResponse,
    /// A failure that repeating cannot mend, such as a request that could not be sent.
    Unretryable,
}

/// Statuses worth retrying: rate limited, and server errors that are usually transient.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
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
            assert_eq!(
                policy.backoff(attempt, 0.0),
                Duration::from_millis(step / 2)
            );
            assert_eq!(policy.backoff(attempt, 1.0), Duration::from_millis(step));
            let random = policy.backoff(attempt, random_fraction());
            assert!(
                random >= Duration::from_millis(step / 2) && random <= Duration::from_millis(step),
                "attempt {attempt}: {random:?}"
            );
        }
    }

    fn response(status: u16, server_wait: Option<u64>) -> AttemptOutcome {
        AttemptOutcome::Response {
            status,
            server_wait: server_wait.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_decision_follows_the_outcome_the_attempt_and_the_time_left() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_secs(1))
            .max_backoff(Duration::from_secs(8))
            .max_attempts(4)
            .max_elapsed(Duration::from_secs(30));
        let decide = |attempt, outcome, elapsed: u64, remaining: Option<u64>| {
            policy.decide_with_jitter(
                attempt,
                outcome,
                Duration::from_secs(elapsed),
                remaining.map(Duration::from_secs),
                0.0,
            )
        };
        let secs = |seconds: f64| Some(Duration::from_secs_f64(seconds));
        // Retryable statuses and lost connections wait the backoff (half a step at jitter 0).
        assert_eq!(decide(1, response(503, None), 0, None), secs(0.5));
        assert_eq!(decide(2, response(500, None), 1, None), secs(1.0));
        assert_eq!(decide(3, AttemptOutcome::NoResponse, 2, None), secs(2.0));
        // The server's wait wins when longer, never when shorter.
        assert_eq!(decide(1, response(429, Some(5)), 0, None), secs(5.0));
        assert_eq!(decide(3, response(503, Some(1)), 0, None), secs(2.0));
        // Refusals, successes and unsendable requests are final.
        for outcome in [
            response(400, None),
            response(409, Some(5)),
            response(201, None),
            AttemptOutcome::Unretryable,
        ] {
            assert_eq!(decide(1, outcome, 0, None), None, "{outcome:?}");
        }
        // The attempts, the policy's time and the call's deadline bound it.
        assert_eq!(
            decide(4, response(503, None), 0, None),
            None,
            "the 4th was the last"
        );
        assert_eq!(
            decide(1, response(429, Some(31)), 0, None),
            None,
            "past max_elapsed"
        );
        assert_eq!(
            decide(2, response(503, None), 30, None),
            None,
            "past max_elapsed"
        );
        assert_eq!(decide(1, response(503, None), 0, Some(1)), secs(0.5));
        assert_eq!(
            decide(2, response(503, None), 0, Some(1)),
            None,
            "past the deadline"
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
