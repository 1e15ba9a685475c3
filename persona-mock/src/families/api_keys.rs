//! API keys: `expire` sets when the key stops working, the seconds the request asks from now
//! (`0` expires it at once). The sandbox does not refuse requests signed with an expired key:
//! its requests are authorized by the key it was started with.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::error::ApiError;
use crate::records::{Record, time};

/// The JSON:API type.
pub const TYPE: &str = "api-key";

pub fn act(
    record: &mut Record,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if verb != "expire" {
        return Ok(false);
    }
    let seconds = body["meta"]["expires-in-seconds"]
        .as_i64()
        .filter(|seconds| (0..=i64::from(i32::MAX)).contains(seconds))
        .ok_or_else(|| {
            ApiError::unprocessable(
                format!(
                    "meta.expires-in-seconds must be a whole number of seconds from 0 (sent {})",
                    body["meta"]["expires-in-seconds"]
                ),
                "/meta/expires-in-seconds",
            )
        })?;
    record
        .attributes
        .insert("expires-at".into(), time(now + Duration::seconds(seconds)));
    Ok(true)
}
