//! Persona's behaviour per product, on top of the generic store (`generic.rs`): what a create
//! sets beyond what was sent, and what a product's verbs do. A product without a module here
//! keeps the generic behaviour.

pub mod webhooks;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::records::Record;

/// What Persona sets on a record it makes, beyond what the request sent.
pub fn created(record: &mut Record, now: DateTime<Utc>) {
    if record.kind.json_type == webhooks::TYPE {
        webhooks::created(record, now);
    }
}

/// Runs a product's verb on a record (`disable` a webhook); `false` when the product has no
/// behaviour of its own for it.
pub fn act(
    record: &mut Record,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    match record.kind.json_type {
        webhooks::TYPE => webhooks::act(record, verb, body, now),
        _ => Ok(false),
    }
}
