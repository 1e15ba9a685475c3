//! Persona's rate limit: a fixed window of one minute that starts at the first request, shared
//! by every key of the environment.

use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct RateLimiter {
    limit: u32,
    window: Mutex<Option<(Instant, u32)>>,
}

/// What the `RateLimit-*` headers say after a request.
#[derive(Clone, Copy, Debug)]
pub struct RateStatus {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
}

impl RateLimiter {
    pub fn new(limit: u32) -> Self {
        RateLimiter {
            limit,
            window: Mutex::new(None),
        }
    }

    /// Counts one request.
    pub fn take(&self, now: Instant) -> RateStatus {
        self.status(now, true)
    }

    /// The current state without counting (for responses that did not reach the limiter).
    pub fn peek(&self, now: Instant) -> RateStatus {
        self.status(now, false)
    }

    fn status(&self, now: Instant, count: bool) -> RateStatus {
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (started, used) = match *window {
            Some((started, used)) if now.duration_since(started) < WINDOW => (started, used),
            _ => (now, 0),
        };
        let allowed = used < self.limit;
        let used = if count && allowed { used + 1 } else { used };
        if count {
            *window = Some((started, used));
        }
        let reset = WINDOW.saturating_sub(now.duration_since(started));
        RateStatus {
            allowed: allowed || !count,
            limit: self.limit,
            remaining: self.limit.saturating_sub(used),
            reset_seconds: reset.as_secs_f64().ceil() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_past_the_limit_is_refused_until_the_window_resets() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert_eq!(limiter.take(start).remaining, 1);
        assert_eq!(limiter.take(start).remaining, 0);
        let refused = limiter.take(start + Duration::from_secs(10));
        assert!(!refused.allowed);
        assert_eq!(refused.reset_seconds, 50);
        assert!(limiter.take(start + WINDOW).allowed);
    }
}
