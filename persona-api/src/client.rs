//! The client users hold: configuration, and the hook that puts auth and version headers on
//! every request the generated code builds.

use std::ops::Deref;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};

use crate::api_key::{ApiKey, Environment};
use crate::api_version::ApiVersion;
use crate::response_headers::server_wait;
use crate::retry::{self, AttemptOutcome, RetryPolicy};
use crate::{ConfigError, generated};

/// Persona's production and sandbox API; the key, not the URL, picks the environment.
pub const DEFAULT_BASE_URL: &str = "https://api.withpersona.com/api/v1";
/// The API version the client asks for unless told otherwise: the one the types are written for.
pub const PERSONA_VERSION: &str = "2023-01-05";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CRATE_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// What the generated client carries for the hooks: everything a request needs besides its URL.
#[derive(Clone, Debug)]
pub struct ClientContext {
    api_key: ApiKey,
    authorization: HeaderValue,
    user_agent: HeaderValue,
    timeout: Duration,
    overall_timeout: Option<Duration>,
    retry: RetryPolicy,
    api_version: ApiVersion,
}

/// A client for Persona's inquiry API.
///
/// Cheap to clone (the connection pool is shared) and `Send + Sync`, so build one and share it.
/// Every operation of the spec is a method returning a request builder, reached through
/// [`Deref`] to the generated client: `client.retrieve_inquiry().inquiry_id(id).send().await`.
///
/// Every request carries `Authorization: Bearer <key>`, `Persona-Version` (2023-01-05 unless
/// [`ClientBuilder::api_version`] says otherwise), `Key-Inflection: kebab` and a `User-Agent` naming this crate; every POST carries an
/// `Idempotency-Key` (yours, or one the client makes), and failed requests are retried as the
/// [`RetryPolicy`] says.
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
}

impl Client {
    /// A client for Persona's API with default settings.
    ///
    /// ```
    /// let client = persona_api::Client::new("persona_sandbox_test_key")?;
    /// assert_eq!(client.environment(), persona_api::Environment::Sandbox);
    /// # Ok::<(), persona_api::ConfigError>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder(api_key).build()
    }

    /// Settings beyond the key: base URL, timeout, user agent, your own `reqwest::Client`.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_string(),
            timeout: DEFAULT_TIMEOUT,
            overall_timeout: None,
            retry: RetryPolicy::default(),
            api_version: ApiVersion::default(),
            user_agent: None,
            http_client: None,
        }
    }

    /// Sandbox or production, as the API key says.
    pub fn environment(&self) -> Environment {
        self.api.inner().api_key.environment()
    }

    /// The URL that operation paths are appended to.
    pub fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The API version every request asks for.
    pub fn api_version(&self) -> ApiVersion {
        self.api.inner().api_version
    }
}

impl Deref for Client {
    type Target = generated::Client;

    fn deref(&self) -> &generated::Client {
        &self.api
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
///
/// ```
/// use std::time::Duration;
///
/// let client = persona_api::Client::builder("persona_sandbox_test_key")
///     .base_url("http://127.0.0.1:4010/api/v1")
///     .timeout(Duration::from_secs(5))
///     .user_agent("acme-onboarding/2.3")
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:4010/api/v1");
/// # Ok::<(), persona_api::ConfigError>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct ClientBuilder {
    api_key: String,
    base_url: String,
    timeout: Duration,
    overall_timeout: Option<Duration>,
    retry: RetryPolicy,
    api_version: ApiVersion,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
}

impl ClientBuilder {
    /// Where to send requests, for example a local `persona-mock`. Default: [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long one attempt may take, from sending to the last byte. Default: 30 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one call may take in all, retries and waits included. Default: no limit beyond
    /// the retry policy's.
    pub fn overall_timeout(mut self, timeout: Duration) -> Self {
        self.overall_timeout = Some(timeout);
        self
    }

    /// When to retry. Default: [`RetryPolicy::default`]; [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The API version to ask for: 2023-01-05 (the default) or 2025-12-08; see [`ApiVersion`]
    /// for what changes. A call's own `.persona_version(..)` wins for that call.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Your application's name and version, sent before this crate's own user agent.
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Use this `reqwest::Client` (its pool, proxy and TLS settings) instead of a new one. The
    /// timeout of this builder still applies to each request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let api_key = ApiKey::new(self.api_key)?;
        let base_url = checked_base_url(&self.base_url)?;
        let user_agent = match &self.user_agent {
            Some(product) => format!("{product} {CRATE_USER_AGENT}"),
            None => CRATE_USER_AGENT.to_string(),
        };
        let user_agent =
            HeaderValue::from_str(&user_agent).map_err(|_| ConfigError::InvalidUserAgent)?;
        let mut authorization =
            HeaderValue::try_from(format!("Bearer {}", api_key.expose_secret()))
                .map_err(|_| ConfigError::ApiKeyNotHeaderSafe)?;
        // Marks the value so that reqwest's and hyper's Debug output hide it.
        authorization.set_sensitive(true);
        let http_client = match self.http_client {
            Some(client) => client,
            None => reqwest_client_builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .map_err(|error| ConfigError::HttpClient(error.to_string()))?,
        };
        let context = ClientContext {
            api_key,
            authorization,
            user_agent,
            timeout: self.timeout,
            overall_timeout: self.overall_timeout,
            retry: self.retry,
            api_version: self.api_version,
        };
        Ok(Client {
            api: generated::Client::new_with_client(&base_url, http_client, context),
        })
    }
}

/// An absolute http(s) URL without a trailing slash (operation paths start with one).
fn checked_base_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// reqwest's builder with the TLS backend the features chose ready: with `rustls-ring`, ring
/// becomes the process's rustls provider unless the application installed one (reqwest without
/// its own provider needs one installed).
fn reqwest_client_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls-ring")]
    if rustls_crate::crypto::CryptoProvider::get_default().is_none() {
        // Err means another thread installed one meanwhile, which serves as well.
        let _ = rustls_crate::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
}

static PERSONA_VERSION_HEADER: HeaderName = HeaderName::from_static("persona-version");
static KEY_INFLECTION_HEADER: HeaderName = HeaderName::from_static("key-inflection");
static IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// progenitor sends `info.version` under this name on every request; Persona reads
/// `Persona-Version` instead, so the hook removes it.
static PROGENITOR_VERSION_HEADER: HeaderName = HeaderName::from_static("api-version");

impl ClientHooks<ClientContext> for generated::Client {
    /// Runs once per call, before the first attempt: everything set here is the same on every retry.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let context = self.inner();
        let is_post = request.method() == Method::POST;
        let headers = request.headers_mut();
        headers.remove(&PROGENITOR_VERSION_HEADER);
        headers.insert(AUTHORIZATION, context.authorization.clone());
        headers.insert(USER_AGENT, context.user_agent.clone());
        // Our types read the chosen version in kebab case: whatever the key's dashboard
        // defaults are, ask for exactly that (unless this call named its own version).
        if !headers.contains_key(&PERSONA_VERSION_HEADER) {
            headers.insert(
                PERSONA_VERSION_HEADER.clone(),
                HeaderValue::from_static(context.api_version.as_str()),
            );
        }
        headers.insert(
            KEY_INFLECTION_HEADER.clone(),
            HeaderValue::from_static("kebab"),
        );
        if is_post
            && !headers.contains_key(&IDEMPOTENCY_KEY_HEADER)
            && let Ok(key) = HeaderValue::try_from(retry::idempotency_key())
        {
            headers.insert(IDEMPOTENCY_KEY_HEADER.clone(), key);
        }
        Ok(())
    }

    /// Sends the attempts of one call, as the retry policy and timeouts allow.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let context = self.inner();
        // What this call set for itself (`.retry_policy(..)`, `.timeout(..)`), else the client's.
        let call = crate::call::CallOptions::current();
        let policy = call.retry.as_ref().unwrap_or(&context.retry);
        let timeout = call.timeout.unwrap_or(context.timeout);
        let started = Instant::now();
        let deadline = context.overall_timeout.map(|limit| started + limit);
        let may_retry = is_safe_to_repeat(&request);
        let mut pending = request;
        let mut attempt = 1;
        loop {
            let retry = if may_retry && attempt < policy.attempts() {
                pending.try_clone()
            } else {
                None
            };
            let remaining =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            *pending.timeout_mut() =
                Some(remaining.map_or(timeout, |remaining| remaining.min(timeout)));
            let outcome =
                crate::telemetry::send_attempt(self.client(), pending, info, attempt).await;
            let Some(retry) = retry else {
                return normalized(outcome).await;
            };
            let seen = match &outcome {
                Ok(response) => AttemptOutcome::Response {
                    status: response.status().as_u16(),
                    server_wait: server_wait(response.status(), response.headers()),
                },
                Err(error) if error.is_connect() || error.is_timeout() || error.is_request() => {
                    AttemptOutcome::NoResponse
                }
                Err(_) => AttemptOutcome::Unretryable,
            };
            let remaining =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            let Some(wait) = policy.decide(attempt, seen, started.elapsed(), remaining) else {
                return normalized(outcome).await;
            };
            drop(outcome);
            tokio::time::sleep(wait).await;
            pending = retry;
            attempt += 1;
        }
    }
}

/// GET, HEAD, PUT and DELETE may be repeated; POST and PATCH only under an idempotency key.
fn is_safe_to_repeat(request: &reqwest::Request) -> bool {
    match *request.method() {
        Method::POST | Method::PATCH => request.headers().contains_key(&IDEMPOTENCY_KEY_HEADER),
        _ => true,
    }
}

/// Gives an error response whose body is not JSON (an HTML page from a proxy, say) a body in
/// Persona's format, so the caller gets an API error with its real status rather than a
/// decoding error.
async fn normalized(
    outcome: reqwest::Result<reqwest::Response>,
) -> reqwest::Result<reqwest::Response> {
    let response = outcome?;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if response.status().as_u16() < 400 || is_json {
        return Ok(response);
    }
    let status = response.status();
    let mut headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    let title = status.canonical_reason().unwrap_or("Error");
    let details = crate::json_path::snippet(&body, 1, 1, 200);
    let mut error = serde_json::json!({"title": title});
    if !details.trim().is_empty() {
        error["details"] = serde_json::Value::String(details);
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.remove(reqwest::header::CONTENT_LENGTH);
    let mut rebuilt = http::Response::new(serde_json::json!({"errors": [error]}).to_string());
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_can_be_shared_across_tasks() {
        fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
        assert_shareable::<Client>();
    }

    #[test]
    fn debug_output_hides_the_key() {
        let client = Client::new("persona_sandbox_hunter2").unwrap();
        let printed = format!("{client:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("ApiKey(sandbox, redacted)"), "{printed}");
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        let client = Client::builder("persona_sandbox_k")
            .base_url("http://127.0.0.1:9/api/v1/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/api/v1");
        for (url, reason) in [
            ("not a url", "relative URL without a base"),
            ("ftp://example.com", "the scheme must be http or https"),
            (
                "https://example.com/api?x=1",
                "it must not have a query or fragment",
            ),
        ] {
            let error = Client::builder("persona_sandbox_k")
                .base_url(url)
                .build()
                .unwrap_err();
            assert_eq!(
                error,
                ConfigError::InvalidBaseUrl {
                    url: url.to_string(),
                    reason: reason.to_string()
                }
            );
        }
    }

    #[test]
    fn a_user_agent_with_a_newline_is_refused() {
        let error = Client::builder("persona_sandbox_k")
            .user_agent("app\n1.0")
            .build()
            .unwrap_err();
        assert_eq!(error, ConfigError::InvalidUserAgent);
    }
}
