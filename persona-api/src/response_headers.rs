//! What Persona's response headers say: the `Request-Id`, the `RateLimit-*` window, and how
//! long to wait before trying again. Read by errors, successes, retries and spans alike.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::ResponseValue;

/// The `RateLimit-*` headers of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub remaining: u32,
    /// Until the window resets.
    pub reset: Duration,
}

impl RateLimit {
    /// Reads the three headers; `None` unless all are present and numeric.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        let number = |name: &str| header_number(headers, name);
        Some(RateLimit {
            limit: u32::try_from(number("ratelimit-limit")?).unwrap_or(u32::MAX),
            remaining: u32::try_from(number("ratelimit-remaining")?).unwrap_or(u32::MAX),
            reset: Duration::from_secs(number("ratelimit-reset")?),
        })
    }
}

/// A header holding a whole number, such as `RateLimit-Reset: 42`.
fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Persona's `Request-Id` header.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("request-id")
        .and_then(|value| value.to_str().ok())
}

/// How long the server asked us to wait: `Retry-After` seconds, or on 429 `RateLimit-Reset`.
pub(crate) fn server_wait(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let seconds = |name: &str| header_number(headers, name).map(Duration::from_secs);
    seconds("retry-after").or_else(|| {
        (status == StatusCode::TOO_MANY_REQUESTS)
            .then(|| seconds("ratelimit-reset"))
            .flatten()
    })
}

/// `Request-Id` and rate-limit state of a successful response.
///
/// ```no_run
/// use persona_api::ResponseMetadata;
/// # async fn run(client: persona_api::Client) -> Result<(), persona_api::Error> {
/// let response = client.list_inquiry_templates().send().await?;
/// if let Some(limit) = response.rate_limit() {
///     println!("{} of {} requests left", limit.remaining, limit.limit);
/// }
/// println!("request {}", response.request_id().unwrap_or("?"));
/// # Ok(())
/// # }
/// ```
pub trait ResponseMetadata {
    fn request_id(&self) -> Option<&str>;
    fn rate_limit(&self) -> Option<RateLimit>;
}

impl<T> ResponseMetadata for ResponseValue<T> {
    fn request_id(&self) -> Option<&str> {
        request_id(self.headers())
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(self.headers())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_rate_limit_needs_all_three_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-limit", "300".parse().unwrap());
        headers.insert("ratelimit-remaining", "299".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&headers), None);
        headers.insert("ratelimit-reset", " 60 ".parse().unwrap());
        assert_eq!(
            RateLimit::from_headers(&headers),
            Some(RateLimit {
                limit: 300,
                remaining: 299,
                reset: Duration::from_secs(60)
            })
        );
    }
}
