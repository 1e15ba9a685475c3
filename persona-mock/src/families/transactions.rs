//! Transactions: `label` makes a transaction label (the label and model version sent) and
//! links it as the transaction's `transaction-label`, replacing the one before; relations are
//! shared with accounts (`relations.rs`). `redact-biometrics` answers with the transaction as
//! it is: the sandbox keeps no biometric data to delete.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::records::{Link, Record};
use crate::store::Store;

use super::relations;

/// The JSON:API type.
pub const TYPE: &str = "transaction";
const LABEL: &str = "transaction-label";

pub fn act(
    store: &mut Store,
    id: &str,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if verb != "label" {
        return relations::act(store, id, verb, body);
    }
    let mut label = Record::of_type(LABEL, now)?;
    for (name, sent) in [("model-label", "label"), ("model-version", "model-version")] {
        if let Some(value) = body["meta"].get(sent).filter(|value| !value.is_null()) {
            label.attributes.insert(name.into(), value.clone());
        }
    }
    let link = Link::new(LABEL, &label.id);
    store.records.insert(label);
    store.records.get_mut(id)?.link_one(LABEL, link);
    Ok(true)
}
