//! `Idempotency-Key` on POST: the first response for a key is stored and replayed for the same
//! method, path, query and body; the same key with other parameters is refused. Requests with
//! the same key wait for each other, so a retry racing its original never runs twice.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};

#[derive(Clone)]
pub struct StoredResponse {
    fingerprint: u64,
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

type Slot = Arc<tokio::sync::Mutex<Option<StoredResponse>>>;

#[derive(Default)]
pub struct IdempotencyCache {
    slots: Mutex<HashMap<String, Slot>>,
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
    pub async fn begin(&self, key: &str, fingerprint: u64) -> Outcome {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(key.to_string()).or_default().clone()
        };
        let guard = slot.lock_owned().await;
        match guard.as_ref() {
            Some(stored) if stored.fingerprint == fingerprint => Outcome::Replay(stored.clone()),
            Some(_) => Outcome::Mismatch,
            None => Outcome::Run(Reservation { guard, fingerprint }),
        }
    }
}
