//! `Idempotency-Key` on POST: the first processed response for a key (not a 4xx refusal) is
//! stored and replayed for the same method, path, query and body; the same key with other
//! parameters is refused. Requests with the same key wait for each other, so a retry racing
//! its original never runs twice.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::negotiation::read;

#[derive(Clone)]
pub struct StoredResponse {
    fingerprint: u64,
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

type Slot = Arc<tokio::sync::Mutex<Option<StoredResponse>>>;
/// Each key with when it was first used.
type Slots = HashMap<String, (Instant, Slot)>;

/// How often (in requests with a key) expired keys are swept out.
const SWEEP_EVERY: u64 = 1024;

pub struct IdempotencyCache {
    /// Each key with when it was first used, and how many keyed requests came so far.
    slots: Mutex<(Slots, u64)>,
    /// Persona keeps a key for at least 24 hours; after that it may be reused.
    ttl: Duration,
}

/// What to do with a request that carries a key.
pub enum Outcome {
    Replay(StoredResponse),
    /// The key was used with other parameters.
    Mismatch,
    /// First use: run the request, then [`Reservation::store`] its response.
    Run(Reservation),
}

pub struct Reservation {
    guard: tokio::sync::OwnedMutexGuard<Option<StoredResponse>>,
    fingerprint: u64,
}

impl Reservation {
    pub fn store(mut self, status: StatusCode, content_type: Option<HeaderValue>, body: Bytes) {
        *self.guard = Some(StoredResponse {
            fingerprint: self.fingerprint,
            status,
            content_type,
            body,
        });
    }
}

pub fn fingerprint(method: &str, path: &str, query: &str, body: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    (method, path, query, body).hash(&mut hasher);
    hasher.finish()
}

impl IdempotencyCache {
    pub fn new(ttl: Duration) -> Self {
        IdempotencyCache {
            slots: Mutex::new((HashMap::new(), 0)),
            ttl,
        }
    }

    pub async fn begin(&self, key: &str, fingerprint: u64) -> Outcome {
        let slot = {
            let mut guard = self
                .slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (slots, uses) = &mut *guard;
            let now = Instant::now();
            *uses += 1;
            if *uses % SWEEP_EVERY == 0 {
                slots.retain(|_, (first_used, _)| now.duration_since(*first_used) < self.ttl);
            }
            let entry = slots
                .entry(key.to_string())
                .or_insert_with(|| (now, Slot::default()));
            if now.duration_since(entry.0) >= self.ttl {
                *entry = (now, Slot::default());
            }
            entry.1.clone()
        };
        let guard = slot.lock_owned().await;
        match guard.as_ref() {
            Some(stored) if stored.fingerprint == fingerprint => Outcome::Replay(stored.clone()),
            Some(_) => Outcome::Mismatch,
            None => Outcome::Run(Reservation { guard, fingerprint }),
        }
    }
}

/// The route layer around every operation: a POST with a key is run once per key, then
/// replayed. Being a route layer, it never sees a request for a path or method the API does
/// not have.
pub async fn replay_or_run(
    State(cache): State<Arc<IdempotencyCache>>,
    request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(String::from);
    match key {
        Some(key) if request.method() == Method::POST => keyed(&cache, &key, request, next).await,
        _ => next.run(request).await,
    }
}

async fn keyed(cache: &IdempotencyCache, key: &str, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match read(body).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let print = fingerprint(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        &bytes,
    );
    match cache.begin(key, print).await {
        Outcome::Replay(stored) => {
            let mut response = (stored.status, stored.body).into_response();
            if let Some(content_type) = stored.content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            response
        }
        Outcome::Mismatch => {
            ApiError::conflict("this Idempotency-Key was already used with different parameters")
                .into_response()
        }
        Outcome::Run(reservation) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            // A refusal (4xx) changed nothing, so it leaves the key free for the corrected
            // request, as Stripe does; what was processed (2xx, or a 5xx from processing it)
            // is kept and replayed.
            if !parts.status.is_client_error() {
                reservation.store(
                    parts.status,
                    parts.headers.get(header::CONTENT_TYPE).cloned(),
                    bytes.clone(),
                );
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_replay_mismatch_and_expire() {
        let cache = IdempotencyCache::new(Duration::from_millis(50));
        let Outcome::Run(reservation) = cache.begin("k", 1).await else {
            panic!("first use runs")
        };
        reservation.store(StatusCode::CREATED, None, Bytes::from_static(b"{}"));
        assert!(
            matches!(cache.begin("k", 1).await, Outcome::Replay(stored) if stored.status == StatusCode::CREATED)
        );
        assert!(matches!(cache.begin("k", 2).await, Outcome::Mismatch));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(
            matches!(cache.begin("k", 2).await, Outcome::Run(_)),
            "an expired key may be used again"
        );
    }
}
