//! A local Persona sandbox: Persona's API of version 2023-01-05 on 127.0.0.1, with state.
//!
//! What stripe-mock is to Stripe: point a client at it to test an integration without an
//! account or the network. It answers every operation of `openapi/persona.yaml`, parsing
//! requests into the same generated types `persona-api` uses. The inquiry family behaves as
//! Persona's docs describe (statuses and their transitions, the sandbox's simulate actions);
//! every other product keeps what is created, lists, updates, tags and redacts it, from tables
//! the spec's model gives (a webhook registered through the API is delivered to). Throughout:
//! cursor pagination newest first, `include` and sparse fieldsets, idempotency keys, the rate
//! limit and its headers, `Request-Id`, errors in Persona's format. Faults can be injected for
//! client tests.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mock = persona_mock::MockServer::start().await?;
//! let client = mock.client_builder().build().unwrap();
//! let templates = client.list_inquiry_templates().send().await.unwrap().into_inner();
//! assert!(templates.data.iter().any(|template| template.id == mock.template_id()));
//! # Ok(())
//! # }
//! ```

/// Each operation's request body as persona-api's generated type (written by
/// `cargo xtask generate`).
#[rustfmt::skip]
mod bodies;
mod error;
mod events;
mod families;
mod faults;
mod generic;
mod idempotency;
mod ids;
mod negotiation;
/// Every operation of the spec, with the query parameters each takes and the resource types it
/// answers with (written by `cargo xtask generate`).
#[rustfmt::skip]
pub mod operations;
mod pdf;
mod rate_limit;
mod records;
mod render;
/// Every resource type of the spec, with its attributes and relationships (written by
/// `cargo xtask generate`).
#[rustfmt::skip]
mod resource_types;
mod routes;
mod sandbox;
mod scheduled;
mod search;
mod server;
mod store;
mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use faults::{Fault, Faults};
pub use routes::BASE_PATH;
pub use sandbox::SandboxTemplate;
pub use webhooks::{DEFAULT_RETRY_SCALE, Deliveries, Delivery, WebhookEndpoint};

/// The template id the mock accepts out of the box (the one in the getting-started guide's
/// response). The guide's placeholder `itmpl_YOURTEMPLATEID` is accepted too.
pub const DEFAULT_TEMPLATE_ID: &str = "itmpl_zxDohzpCMnKNnj4no2dDuah8";
/// How long the sandbox keeps an idempotency key by default.
pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// An obviously fake sandbox key, accepted like any `persona_sandbox_` key.
pub const SANDBOX_API_KEY: &str = "persona_sandbox_test_key";
/// Persona's default: 300 requests a minute per environment.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 300;

/// A running sandbox; it stops when dropped.
pub struct MockServer {
    base_url: String,
    template_id: String,
    templates: Vec<SandboxTemplate>,
    front: Arc<server::Front>,
    shared: Arc<routes::Shared>,
    deliveries: Arc<Deliveries>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Settings for [`MockServer`]; see [`MockServer::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .start() is called"]
pub struct MockServerBuilder {
    listen: SocketAddr,
    rate_limit_per_minute: u32,
    template_id: String,
    idempotency_ttl: Duration,
    webhooks: Vec<WebhookEndpoint>,
    webhook_retry_scale: f64,
    report_delay: Duration,
}

impl MockServer {
    /// Starts on 127.0.0.1 and an ephemeral port with default settings.
    pub async fn start() -> std::io::Result<MockServer> {
        MockServer::builder().start().await
    }

    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            template_id: DEFAULT_TEMPLATE_ID.to_string(),
            idempotency_ttl: DEFAULT_IDEMPOTENCY_TTL,
            webhooks: Vec::new(),
            webhook_retry_scale: DEFAULT_RETRY_SCALE,
            report_delay: Duration::ZERO,
        }
    }

    /// The base URL to give a client, ending in `/api/v1` like Persona's.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A client builder for this sandbox: its base URL and [`SANDBOX_API_KEY`]. Add settings,
    /// then `.build()`.
    pub fn client_builder(&self) -> persona_api::ClientBuilder {
        persona_api::Client::builder(SANDBOX_API_KEY).base_url(self.base_url())
    }

    /// The id of the inquiry template new inquiries can use.
    pub fn template_id(&self) -> &str {
        &self.template_id
    }

    /// Every template and type the sandbox starts with, one of each kind (the inquiry
    /// template, an account type, a case template, a report template of each kind, a
    /// transaction type, a workflow ...). Ids other than the inquiry template's are the same
    /// in every run; an id the sandbox does not have is refused, naming it.
    pub fn templates(&self) -> &[SandboxTemplate] {
        &self.templates
    }

    /// The id of the sandbox's template or type of a JSON:API type: `case-template`,
    /// `report-template/watchlist`, `account-type`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = persona_mock::MockServer::start().await?;
    /// let watchlist = mock.template_of("report-template/watchlist").unwrap();
    /// assert!(watchlist.starts_with("rptp_"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn template_of(&self, json_type: &str) -> Option<&str> {
        self.templates
            .iter()
            .find(|template| template.json_type == json_type)
            .map(|template| template.id.as_str())
    }

    /// The webhook deliveries so far, and a way to wait for one.
    pub fn webhooks(&self) -> &Deliveries {
        &self.deliveries
    }

    /// Fault injection for this server.
    pub fn faults(&self) -> &Faults {
        &self.front.faults
    }

    /// How many requests arrived so far, faulted and refused ones included: a retry test's
    /// count of attempts.
    pub fn requests_received(&self) -> u64 {
        self.front
            .received
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many inquiries the sandbox holds.
    pub fn inquiry_count(&self) -> usize {
        self.shared
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .records
            .of_types(&[families::inquiries::TYPE])
            .count()
    }
}

impl MockServerBuilder {
    /// Where to listen. Default: 127.0.0.1 and a port the system picks.
    pub fn listen(mut self, address: SocketAddr) -> Self {
        self.listen = address;
        self
    }

    /// Requests allowed per minute before 429. Default: 300, as Persona.
    pub fn rate_limit_per_minute(mut self, limit: u32) -> Self {
        self.rate_limit_per_minute = limit;
        self
    }

    /// How long an idempotency key and its stored response are kept. Default: 24 hours, as
    /// Persona keeps them at least.
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.idempotency_ttl = ttl;
        self
    }

    /// The id of the template the sandbox starts with. Default: [`DEFAULT_TEMPLATE_ID`].
    pub fn template_id(mut self, id: impl Into<String>) -> Self {
        self.template_id = id.into();
        self
    }

    /// Delivers every event to this endpoint, signed, as Persona does; call again for more.
    pub fn webhook(mut self, endpoint: WebhookEndpoint) -> Self {
        self.webhooks.push(endpoint);
        self
    }

    /// How much shorter than Persona's the waits between delivery attempts are: Persona waits
    /// 3 s, 64 s ... 33 hours; the default, [`DEFAULT_RETRY_SCALE`], makes all seven retries
    /// take under 4 seconds. `1.0` waits as long as Persona.
    pub fn webhook_retry_scale(mut self, scale: f64) -> Self {
        self.webhook_retry_scale = scale.max(0.0);
        self
    }

    /// How long a new report stays `pending` before it runs (`ready`, `has-match`, its
    /// `report/<kind>.ready` event delivered), as Persona's take a while. Default: zero, so a
    /// test reads a finished report in the create's answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = persona_mock::MockServer::builder()
    ///     .report_delay(std::time::Duration::from_millis(200))
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn report_delay(mut self, delay: Duration) -> Self {
        self.report_delay = delay;
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        if families::inquiries::check_prefix("inquiry_template_id", &self.template_id, "itmpl")
            .is_err()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "template id must start with itmpl_ (got '{}')",
                    self.template_id
                ),
            ));
        }
        let listener = tokio::net::TcpListener::bind(self.listen).await?;
        let address = listener.local_addr()?;
        let report_delay = chrono::TimeDelta::from_std(self.report_delay).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("report delay {:?} is too long", self.report_delay),
            )
        })?;
        let mut store = store::Store::with_templates(&self.template_id, chrono::Utc::now());
        store.reports.delay = report_delay;
        let shared = Arc::new(routes::Shared {
            store: Mutex::new(store),
        });
        let deliveries = Arc::new(Deliveries::default());
        let dispatcher =
            webhooks::Dispatcher::new(self.webhooks, self.webhook_retry_scale, deliveries.clone());
        let feed = Arc::new(events::EventFeed::new(shared.clone(), dispatcher));
        if !report_delay.is_zero() {
            scheduled::start(&feed);
        }
        let front = Arc::new(server::Front {
            router: routes::router(shared.clone())
                .route_layer(axum::middleware::from_fn_with_state(
                    Arc::new(idempotency::IdempotencyCache::new(self.idempotency_ttl)),
                    idempotency::replay_or_run,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    feed,
                    events::deliver_new_events,
                )),
            received: Default::default(),
            faults: Arc::new(Faults::default()),
            rate: rate_limit::RateLimiter::new(self.rate_limit_per_minute),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, front.clone(), stopped));
        let inquiry_template = SandboxTemplate {
            json_type: "inquiry-template",
            id: self.template_id.clone(),
        };
        Ok(MockServer {
            base_url: format!("http://{address}{BASE_PATH}"),
            templates: std::iter::once(inquiry_template)
                .chain(sandbox::templates())
                .collect(),
            template_id: self.template_id,
            front,
            shared,
            deliveries,
            _shutdown: shutdown,
        })
    }
}
