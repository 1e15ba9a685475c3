//! Persona's behaviour per product, on top of the generic store (`generic.rs`): what a create
//! sets beyond what was sent, and what a product's verbs do. A product without a module here
//! keeps the generic behaviour.

pub mod accounts;
pub mod api_keys;
pub mod cases;
pub mod connect;
pub mod importers;
pub mod inquiries;
pub mod inquiry_templates;
pub mod lists;
pub mod relations;
pub mod reports;
pub mod transactions;
pub mod verifications;
pub mod webhooks;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::records::Record;
use crate::store::Store;

/// What a record shows that its product works out from its state when it is rendered (an
/// inquiry's fields with its template's defaults), for an attribute nothing set.
pub fn derived(record: &Record, attribute: &str) -> Option<Value> {
    match record.kind.json_type {
        inquiries::TYPE => inquiries::derived(record, attribute),
        _ => None,
    }
}

/// Whether a record may be made, before it is: a refusal by a product's rule (a second account
/// with a reference id), or `Some(id)` of the record an upsert finds instead.
pub fn admit(store: &Store, record: &Record, body: &Value) -> Result<Option<String>, ApiError> {
    match record.kind.json_type {
        accounts::TYPE => accounts::admit(store, record, body),
        json_type if json_type.starts_with(reports::TYPE_PREFIX) => {
            reports::admit(store, record).map(|()| None)
        }
        _ => Ok(None),
    }
}

/// What Persona sets on a record it makes, beyond what the request's attributes gave (the
/// rest of its body, such as a case's objects, included), and what it does with other records
/// (a list item joins its list, an import makes its rows); what else happened to it, for the
/// events of its type (`ready`, `matched` for a report). A refusal comes before any change.
pub fn created(
    store: &mut Store,
    record: &mut Record,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<&'static str>, ApiError> {
    Ok(match record.kind.json_type {
        webhooks::TYPE => {
            webhooks::created(record, now);
            Vec::new()
        }
        cases::TYPE => {
            cases::created(store, record, body)?;
            Vec::new()
        }
        connect::CONNECTION | connect::SHARE_TOKEN => {
            connect::created(record, now);
            Vec::new()
        }
        json_type if json_type.starts_with(reports::TYPE_PREFIX) => {
            reports::created(record, &mut store.reports, now)
        }
        json_type if json_type.starts_with(lists::ITEM_PREFIX) => {
            lists::item_created(store, record)?;
            Vec::new()
        }
        json_type if json_type.starts_with(importers::TYPE_PREFIX) => {
            importers::created(store, record, now)?;
            Vec::new()
        }
        _ => Vec::new(),
    })
}

/// What a product's verb did to the record it acted on.
pub struct Acted {
    /// Whether the record changed; `false` too when the product has no behaviour of its own
    /// for the verb.
    pub changed: bool,
    /// The answer's `meta`, where the verb made something the answer names (an account
    /// action's workflow run).
    pub meta: Option<Value>,
}

impl From<bool> for Acted {
    fn from(changed: bool) -> Acted {
        Acted {
            changed,
            meta: None,
        }
    }
}

/// Runs a product's verb on a record (`disable` a webhook). The record's own event for the
/// verb is the caller's to announce; a verb that changes or makes other records announces
/// theirs.
pub fn act(
    store: &mut Store,
    id: &str,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Acted, ApiError> {
    let json_type = store.records.get(id)?.kind.json_type;
    let record = store.records.get_mut(id)?;
    let changed = match json_type {
        // Accounts' verbs may answer with a meta of their own (`run-action`).
        accounts::TYPE => return accounts::act(store, id, verb, body, now),
        webhooks::TYPE => webhooks::act(record, verb, body, now),
        cases::TYPE => cases::act(store, id, verb, body, now),
        api_keys::TYPE => api_keys::act(record, verb, body, now),
        connect::CONNECTION | connect::SHARE_TOKEN => connect::act(record, verb, body, now),
        transactions::TYPE => transactions::act(store, id, verb, body, now),
        json_type if json_type.starts_with(reports::TYPE_PREFIX) => {
            reports::act(store, id, verb, now)
        }
        _ => Ok(false),
    }?;
    Ok(Acted::from(changed))
}
