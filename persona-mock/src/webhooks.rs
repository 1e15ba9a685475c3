//! Webhook delivery, as Persona delivers: every event the sandbox records is POSTed to every
//! endpoint whose filter takes it, signed with `Persona-Signature`, and retried on anything but
//! 200, 201, 202 or 204 (or no answer within 5 seconds), up to 7 more times with growing
//! delays, scaled down so tests run in seconds.
//!
//! First attempts go out in the order of the events, one endpoint at a time; a retry runs on
//! its own, so it may arrive after later events, as with Persona (order by `created-at`, and
//! deduplicate on the event id). A slow or dead endpoint delays only its own deliveries.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use persona_api::inflection::Inflection;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// Persona's waits before each retry, in seconds (about n^6: 3 s, then 64 s, ... 33 hours).
const PERSONA_RETRY_SECONDS: [u64; 7] = [3, 64, 729, 4_096, 15_625, 46_656, 117_649];
/// How long an endpoint has to answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// The sandbox's default scale for those waits: 1/50,000, so all seven take under 4 seconds.
pub const DEFAULT_RETRY_SCALE: f64 = 1.0 / 50_000.0;

/// An endpoint to deliver to: its URL and secret, and what Persona's webhook settings say.
#[derive(Debug, Clone)]
pub struct WebhookEndpoint {
    url: String,
    secrets: Vec<String>,
    events: Option<BTreeSet<String>>,
    inflection: Inflection,
}

impl WebhookEndpoint {
    /// Every event, signed with `secret`, in kebab-case.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> WebhookEndpoint {
        WebhookEndpoint {
            url: url.into(),
            secrets: vec![secret.into()],
            events: None,
            inflection: Inflection::Kebab,
        }
    }

    /// Also signs with `secret`, as Persona does while a secret is rotated: the header then
    /// carries one `t=..,v1=..` group per secret.
    pub fn also_signed_with(mut self, secret: impl Into<String>) -> WebhookEndpoint {
        self.secrets.push(secret.into());
        self
    }

    /// Only these events (such as `inquiry.approved`), as a webhook's enabled events.
    pub fn only(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> WebhookEndpoint {
        self.events = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The key inflection of the payloads, as a webhook's own setting.
    pub fn inflection(mut self, inflection: Inflection) -> WebhookEndpoint {
        self.inflection = inflection;
        self
    }

    fn wants(&self, event_name: &str) -> bool {
        self.events
            .as_ref()
            .is_none_or(|names| names.contains(event_name))
    }
}

/// One event delivered (or being delivered) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub url: String,
    pub event_id: String,
    pub event_name: String,
    /// The body sent, the same on every attempt.
    pub body: String,
    /// Each attempt's HTTP status, or `None` when no answer came.
    pub attempts: Vec<Option<u16>>,
}

impl Delivery {
    /// Whether an attempt was answered with 200, 201, 202 or 204.
    pub fn succeeded(&self) -> bool {
        self.attempts
            .iter()
            .any(|status| matches!(status, Some(200 | 201 | 202 | 204)))
    }
}

/// What has been delivered so far, for tests to look at and wait on.
#[derive(Default)]
pub struct Deliveries {
    log: Mutex<Vec<Delivery>>,
    changed: Notify,
}

impl Deliveries {
    /// Every delivery so far, in the order first attempts went out.
    pub fn all(&self) -> Vec<Delivery> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Waits until a delivery of `event_name` has succeeded, and returns it: no sleeping in
    /// tests.
    pub async fn succeeded(&self, event_name: &str) -> Delivery {
        loop {
            let changed = self.changed.notified();
            if let Some(found) = self
                .all()
                .into_iter()
                .find(|delivery| delivery.event_name == event_name && delivery.succeeded())
            {
                return found;
            }
            changed.await;
        }
    }

    fn start(&self, delivery: Delivery) -> usize {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        log.push(delivery);
        log.len() - 1
    }

    fn attempted(&self, index: usize, status: Option<u16>) {
        if let Some(delivery) = self
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get_mut(index)
        {
            delivery.attempts.push(status);
        }
        self.changed.notify_waiters();
    }
}

/// An event ready to send: its id, name and document (`{"data": event}`, kebab-case JSON),
/// kept as text while it waits, which takes a tenth of the memory of a parsed document.
pub struct Outgoing {
    pub id: String,
    pub name: String,
    pub document: String,
}

/// An event for one endpoint, with the endpoint's settings when the event happened.
type Queued = (Arc<WebhookEndpoint>, Arc<Outgoing>);

/// Hands events to one queue per endpoint; each queue sends first attempts in order. The
/// endpoints are those given at start-up and the webhooks made through the API, whose settings
/// (events, secrets, inflection) travel with each event, as they were when it happened.
pub struct Dispatcher {
    fixed: Vec<Arc<WebhookEndpoint>>,
    /// By endpoint: `start-up/<n>`, or a webhook's id; started on the first event.
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Queued>>>,
    client: reqwest::Client,
    retry_scale: f64,
    deliveries: Arc<Deliveries>,
}

impl Dispatcher {
    pub fn new(
        endpoints: Vec<WebhookEndpoint>,
        retry_scale: f64,
        deliveries: Arc<Deliveries>,
    ) -> Dispatcher {
        // Without TCP_NODELAY a POST's headers and body can wait on each other's ACK.
        let client = reqwest::Client::builder()
            .timeout(ANSWER_WITHIN)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Dispatcher {
            fixed: endpoints.into_iter().map(Arc::new).collect(),
            queues: Mutex::new(HashMap::new()),
            client,
            retry_scale,
            deliveries,
        }
    }

    /// Whether an endpoint was given at start-up (otherwise events are rendered for delivery
    /// only while a webhook made through the API is enabled).
    pub fn has_fixed_endpoints(&self) -> bool {
        !self.fixed.is_empty()
    }

    /// Sends `event` to the start-up endpoints and to `registered`, the enabled webhooks made
    /// through the API, by id. Runs on the server's runtime, where the queues are spawned.
    pub fn send(&self, event: Outgoing, registered: &[(String, WebhookEndpoint)]) {
        let event = Arc::new(event);
        let fixed = self
            .fixed
            .iter()
            .enumerate()
            .map(|(index, endpoint)| (format!("start-up/{index}"), endpoint.clone()));
        let registered = registered
            .iter()
            .map(|(id, endpoint)| (id.clone(), Arc::new(endpoint.clone())));
        let mut queues = self
            .queues
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, endpoint) in fixed.chain(registered) {
            if !endpoint.wants(&event.name) {
                continue;
            }
            let queue = queues.entry(key).or_insert_with(|| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(run_queue(
                    receiver,
                    self.client.clone(),
                    self.retry_scale,
                    self.deliveries.clone(),
                ));
                sender
            });
            // A closed queue means the server is shutting down.
            let _ = queue.send((endpoint, event.clone()));
        }
    }
}

async fn run_queue(
    mut events: mpsc::UnboundedReceiver<Queued>,
    client: reqwest::Client,
    retry_scale: f64,
    deliveries: Arc<Deliveries>,
) {
    while let Some((endpoint, event)) = events.recv().await {
        let body = match endpoint.inflection {
            Inflection::Kebab => event.document.clone(),
            other => {
                let mut document: Value =
                    serde_json::from_str(&event.document).unwrap_or(Value::Null);
                other.apply(&mut document);
                document.to_string()
            }
        };
        let index = deliveries.start(Delivery {
            url: endpoint.url.clone(),
            event_id: event.id.clone(),
            event_name: event.name.clone(),
            body: body.clone(),
            attempts: Vec::new(),
        });
        let first_attempted_at = unix_seconds();
        let status = attempt(&client, &endpoint, &body, 1, first_attempted_at).await;
        deliveries.attempted(index, status);
        if !answered_well(status) {
            tokio::spawn(retry(
                endpoint.clone(),
                client.clone(),
                body,
                first_attempted_at,
                retry_scale,
                deliveries.clone(),
                index,
            ));
        }
    }
}

async fn retry(
    endpoint: Arc<WebhookEndpoint>,
    client: reqwest::Client,
    body: String,
    first_attempted_at: u64,
    retry_scale: f64,
    deliveries: Arc<Deliveries>,
    index: usize,
) {
    for (retry, seconds) in PERSONA_RETRY_SECONDS.iter().enumerate() {
        tokio::time::sleep(Duration::from_secs_f64(*seconds as f64 * retry_scale)).await;
        let number = retry as u32 + 2;
        let status = attempt(&client, &endpoint, &body, number, first_attempted_at).await;
        deliveries.attempted(index, status);
        if answered_well(status) {
            return;
        }
    }
}

/// One POST; its status, or `None` when no answer came in time.
async fn attempt(
    client: &reqwest::Client,
    endpoint: &WebhookEndpoint,
    body: &str,
    number: u32,
    first_attempted_at: u64,
) -> Option<u16> {
    let now = unix_seconds();
    let signature = endpoint
        .secrets
        .iter()
        .map(|secret| persona_api::webhooks::sign(secret, body.as_bytes(), now))
        .collect::<Vec<_>>()
        .join(" ");
    let attempts = 1 + PERSONA_RETRY_SECONDS.len() as u32;
    client
        .post(&endpoint.url)
        .header("Content-Type", "application/json")
        .header(persona_api::webhooks::SIGNATURE_HEADER, signature)
        .header("Persona-Webhook-Attempts-Made", number.to_string())
        .header(
            "Persona-Webhook-Attempts-Left",
            (attempts - number).to_string(),
        )
        .header(
            "Persona-Webhook-First-Attempted-At",
            first_attempted_at.to_string(),
        )
        .body(body.to_string())
        .send()
        .await
        .ok()
        .map(|response| response.status().as_u16())
}

fn answered_well(status: Option<u16>) -> bool {
    matches!(status, Some(200 | 201 | 202 | 204))
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The event document Persona delivers, as text: what `GET /events/{id}` answers.
pub fn document(event: Value) -> String {
    json!({ "data": event }).to_string()
}
