//! What one call sets for itself: every builder's `.retry_policy(..)` and `.timeout(..)`.
//!
//! The builder's `send()` runs the call inside [`CallOptions::scope`], and the client's `exec`
//! hook, which makes the attempts, reads them with [`CallOptions::current`]. progenitor hands
//! the hook a `reqwest::Request`, whose extensions reqwest keeps to itself, so a task-local is
//! what carries them the few frames from one to the other.

use std::future::Future;
use std::time::Duration;

use crate::RetryPolicy;

tokio::task_local! {
    static CURRENT: CallOptions;
}

/// The settings one call overrides; unset, the client's apply.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
}

impl CallOptions {
    /// Runs `call` with these options in force for its `exec` hook.
    pub(crate) async fn scope<F: Future>(self, call: F) -> F::Output {
        CURRENT.scope(self, call).await
    }

    /// The options of the call being made, or none outside a call.
    pub(crate) fn current() -> CallOptions {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_options_hold_inside_their_call_only() {
        let options = CallOptions {
            retry: Some(RetryPolicy::none()),
            timeout: Some(Duration::from_millis(5)),
        };
        let seen = options.scope(async { CallOptions::current() }).await;
        assert_eq!(seen.timeout, Some(Duration::from_millis(5)));
        assert_eq!(seen.retry, Some(RetryPolicy::none()));
        assert_eq!(CallOptions::current().timeout, None);
    }
}
