//! Relations between accounts and transactions (`add-relation`, `remove-relation`, shared by
//! both products): the target, an account or a transaction that exists, is linked under
//! `related-objects`, once however often it is added, under the relation schema key the
//! request names (a later add under another key moves it there). `GET
//! /accounts/{id}/relations?filter[key]=..` lists the ones under a key. The sandbox has no
//! relation schemas to check a key against: any key is taken.

use serde_json::Value;

use crate::error::ApiError;
use crate::records::{Link, Record};
use crate::store::Store;

use super::{accounts, transactions};

/// The relationship relations are kept in: a transaction's schema names it so.
const RELATIONSHIP: &str = "related-objects";
const TARGET_POINTER: &str = "/meta/target-object-id";

/// Runs `add-relation` or `remove-relation` on the record `id`; `false` for another verb.
pub fn act(store: &mut Store, id: &str, verb: &str, body: &Value) -> Result<bool, ApiError> {
    if verb != "add-relation" && verb != "remove-relation" {
        return Ok(false);
    }
    let target = body["meta"]["target-object-id"]
        .as_str()
        .unwrap_or_default();
    if verb == "remove-relation" {
        unlink(store.records.get_mut(id)?, target);
        return Ok(true);
    }
    let target_type = match store.records.get(target) {
        Ok(record) if [accounts::TYPE, transactions::TYPE].contains(&record.kind.json_type) => {
            record.kind.json_type
        }
        _ => {
            return Err(ApiError::unprocessable(
                format!("meta.target-object-id: no account or transaction {target} to relate to"),
                TARGET_POINTER,
            ));
        }
    };
    if target == id {
        return Err(ApiError::unprocessable(
            format!("meta.target-object-id: {id} cannot be related to itself"),
            TARGET_POINTER,
        ));
    }
    let key = body["meta"]["relation-schema-key"].clone();
    let record = store.records.get_mut(id)?;
    record.unshown.insert(target.to_string(), key);
    record.link_many(RELATIONSHIP, Link::new(target_type, target));
    Ok(true)
}

/// The ids `record` is related to under `key`, in the order they were added.
pub fn related<'a>(record: &'a Record, key: &str) -> Vec<&'a str> {
    record
        .linked_ids(RELATIONSHIP)
        .into_iter()
        .filter(|id| record.unshown.get(*id).and_then(Value::as_str) == Some(key))
        .collect()
}

fn unlink(record: &mut Record, target: &str) {
    record.unshown.remove(target);
    record.unlink(target);
}
