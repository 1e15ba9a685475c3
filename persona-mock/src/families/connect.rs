//! Connect: a connection's status follows Persona's rules. A new one is `pending`;
//! `deactivate` makes a `pending` or `active` one `inactive`, and `reactivate` makes an
//! `inactive` one `pending` again (the other organization accepts it before it is `active`,
//! which the sandbox has no one to do). A share token is `created` (expiring in the seconds it was made with, if any); `expire` makes it
//! `expired`, and `redeem` makes it `redeemed`, in the mode the request implies (`hydrate`
//! into the destination it names, else `clone`). A verb on a state that does not take it is
//! refused with 409, naming the state.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::records::{Record, time};

/// The JSON:API types.
pub const CONNECTION: &str = "connect/connection";
pub const SHARE_TOKEN: &str = "connect/share-token";

/// What a new connection or share token starts as; a share token asked to expire in some
/// seconds shows when.
pub fn created(record: &mut Record, now: DateTime<Utc>) {
    let status = if record.kind.json_type == CONNECTION {
        "pending"
    } else {
        "created"
    };
    record.attributes.insert("status".into(), json!(status));
    if let Some(seconds) = record
        .attributes
        .remove("expires-in-seconds")
        .and_then(|seconds| seconds.as_i64())
    {
        let expires = now + Duration::seconds(seconds.clamp(0, i64::from(i32::MAX)));
        record.attributes.insert("expires-at".into(), time(expires));
    }
}

pub fn act(
    record: &mut Record,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    // Each verb: the states it takes, and the state it leaves.
    let (from, to): (&[&str], &str) = match (record.kind.json_type, verb) {
        (CONNECTION, "deactivate") => (&["pending", "active"], "inactive"),
        (CONNECTION, "reactivate") => (&["inactive"], "pending"),
        (SHARE_TOKEN, "expire") => (&["created", "pending"], "expired"),
        (SHARE_TOKEN, "redeem") => (&["created"], "redeemed"),
        _ => return Ok(false),
    };
    let status = record.attribute("status");
    let status = status.as_str().unwrap_or_default();
    if !from.contains(&status) {
        return Err(ApiError::conflict(format!(
            "{} {} is {status}: only a {} one can be {to}",
            record.kind.json_type,
            record.id,
            from.join(" or ")
        )));
    }
    record.attributes.insert("status".into(), json!(to));
    match verb {
        "expire" => {
            record.attributes.insert("expires-at".into(), time(now));
        }
        "redeem" => {
            let hydrates = body
                .pointer("/data/attributes/destination-id")
                .is_some_and(|id| !id.is_null());
            let mode = if hydrates { "hydrate" } else { "clone" };
            record.attributes.insert("redeem-mode".into(), json!(mode));
            record.attributes.insert("redeemed-at".into(), time(now));
        }
        _ => {}
    }
    Ok(true)
}
