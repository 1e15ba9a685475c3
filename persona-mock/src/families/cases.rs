//! Cases: a case holds objects (inquiries, accounts, reports, transactions, verifications),
//! given when it is made (`meta.object-ids`) or added and removed later, each in the
//! relationship that holds its type (an id the sandbox does not have is refused, as nothing
//! could say its type); `set-status` sets its status (`Resolved` also sets
//! `resolved-at`), and `assign` records when it was assigned. The sandbox has no users, so an
//! assignee's email address is taken but no user id is shown.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::records::{Link, Record, points_at, time};
use crate::store::Store;

/// The JSON:API type.
pub const TYPE: &str = "case";

pub fn created(store: &Store, record: &mut Record, body: &Value) -> Result<(), ApiError> {
    for (name, link) in objects(store, record, body)? {
        record.link_many(name, link);
    }
    Ok(())
}

pub fn act(
    store: &mut Store,
    id: &str,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if verb == "add-objects" {
        let links = objects(store, store.records.get(id)?, body)?;
        let record = store.records.get_mut(id)?;
        for (name, link) in links {
            record.link_many(name, link);
        }
        return Ok(true);
    }
    let record = store.records.get_mut(id)?;
    match verb {
        "remove-objects" => {
            for id in object_ids(body) {
                record.unlink(&id);
            }
        }
        "set-status" => {
            let status = body["meta"]["status"].as_str().unwrap_or_default();
            record.attributes.insert("status".into(), json!(status));
            let resolved = status.eq_ignore_ascii_case("resolved").then(|| time(now));
            record
                .attributes
                .insert("resolved-at".into(), resolved.unwrap_or(Value::Null));
        }
        "assign" => {
            record.attributes.insert("assigned-at".into(), time(now));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn object_ids(body: &Value) -> Vec<String> {
    body["meta"]["object-ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_str().map(String::from))
        .collect()
}

/// The links `meta.object-ids` asks for, each in the to-many relationship that holds objects
/// of its type, all checked before any is made: an id the sandbox does not have, or of a kind
/// a case does not hold, is refused by name.
fn objects(
    store: &Store,
    case: &Record,
    body: &Value,
) -> Result<Vec<(&'static str, Link)>, ApiError> {
    object_ids(body)
        .into_iter()
        .map(|id| {
            let refused = |why: &str| {
                ApiError::unprocessable(format!("meta.object-ids: {id} {why}"), "/meta/object-ids")
            };
            let json_type = store
                .records
                .get(&id)
                .map_err(|_| refused("is no object of the sandbox"))?
                .kind
                .json_type;
            let relationship = case
                .kind
                .relationships
                .iter()
                .find(|relationship| {
                    relationship.many
                        && relationship
                            .target
                            .is_some_and(|target| points_at(target, json_type))
                })
                .ok_or_else(|| refused("is no kind of object a case holds"))?;
            Ok((relationship.name, Link::new(json_type, &id)))
        })
        .collect()
}
