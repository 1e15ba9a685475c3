//! Cases: a case holds objects (inquiries, accounts, reports, transactions, verifications),
//! given when it is made (`meta.object-ids`) or added and removed later, each in the
//! relationship whose kind of id it is; `set-status` sets its status (`Resolved` also sets
//! `resolved-at`), and `assign` records when it was assigned. The sandbox has no users, so an
//! assignee's email address is taken but no user id is shown.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::records::{Link, Record, resource_type, time};

/// The JSON:API type.
pub const TYPE: &str = "case";

pub fn created(record: &mut Record, body: &Value, _now: DateTime<Utc>) -> Result<(), ApiError> {
    for id in object_ids(body) {
        link(record, &id)?;
    }
    Ok(())
}

pub fn act(
    record: &mut Record,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    match verb {
        "add-objects" => {
            for id in object_ids(body) {
                link(record, &id)?;
            }
        }
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

/// The to-many relationship that holds ids of this one's kind, by its target's prefix.
fn relationship_for(record: &Record, id: &str) -> Option<(&'static str, &'static str)> {
    record.kind.relationships.iter().find_map(|relationship| {
        let target = relationship.target?;
        let prefix = resource_type(target)?.prefix?;
        (relationship.many && id.starts_with(prefix)).then_some((relationship.name, target))
    })
}

fn link(record: &mut Record, id: &str) -> Result<(), ApiError> {
    let (name, target) = relationship_for(record, id).ok_or_else(|| {
        ApiError::unprocessable(
            format!("meta.object-ids: {id} is no kind of object a case holds"),
            "/meta/object-ids",
        )
    })?;
    record.link_many(name, Link::new(target, id));
    Ok(())
}
