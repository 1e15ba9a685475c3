//! Webhooks as a resource: a webhook made through the API gets a secret of its own and the
//! sandbox's signed deliveries of the events it enables, exactly as an endpoint given at
//! start-up does. `disable`, `enable` and `archive` set its status (only an enabled webhook is
//! delivered to); `rotate-secret` signs with a new secret and, for the seconds the request
//! asks (an hour when it names none), with the old one too, as Persona does during a rotation.

use chrono::{DateTime, Duration, Utc};
use persona_api::inflection::Inflection;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::new_id;
use crate::records::{Record, time};
use crate::store::Store;
use crate::webhooks::WebhookEndpoint;

/// The JSON:API type.
pub const TYPE: &str = "webhook";
/// The prefix of a webhook's secret, as Persona's examples show it.
const SECRET_PREFIX: &str = "wbhsec_";
/// How long a rotated-out secret keeps signing when the request names no time. Persona's docs
/// give no default; an hour is ours.
const DEFAULT_ROTATION_SECONDS: i64 = 60 * 60;

/// A new webhook is enabled, with a secret of its own.
pub fn created(record: &mut Record, _now: DateTime<Utc>) {
    let secret = new_id(SECRET_PREFIX);
    record.attributes.insert("status".into(), json!("enabled"));
    record.attributes.insert("secret".into(), json!(secret));
    record.attributes.insert(
        "secrets".into(),
        json!([{ "value": secret, "expires-at": null }]),
    );
}

pub fn act(
    record: &mut Record,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let status = match verb {
        "enable" => "enabled",
        "disable" => "disabled",
        "archive" => "archived",
        "rotate-secret" => {
            rotate(record, body, now);
            return Ok(true);
        }
        _ => return Ok(false),
    };
    if record.attribute("status") == "archived" {
        return Err(ApiError::conflict(format!(
            "webhook {} is archived: it cannot be {status}",
            record.id
        )));
    }
    record.attributes.insert("status".into(), json!(status));
    Ok(true)
}

/// A new secret; the ones still signing keep signing until the rotation's end.
fn rotate(record: &mut Record, body: &Value, now: DateTime<Utc>) {
    let seconds = body["meta"]["expires-in-seconds"]
        .as_i64()
        .unwrap_or(DEFAULT_ROTATION_SECONDS);
    let until = time(now + Duration::seconds(seconds));
    let secret = new_id(SECRET_PREFIX);
    let mut secrets = vec![json!({ "value": secret, "expires-at": null })];
    for old in signing(record, now) {
        secrets.push(json!({ "value": old, "expires-at": until }));
    }
    record.attributes.insert("secret".into(), json!(secret));
    record
        .attributes
        .insert("secrets".into(), Value::Array(secrets));
}

/// The secrets that sign at `now`, newest first.
fn signing(record: &Record, now: DateTime<Utc>) -> Vec<String> {
    let secrets = record.attribute("secrets");
    secrets
        .as_array()
        .into_iter()
        .flatten()
        .filter(|secret| {
            secret["expires-at"]
                .as_str()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .is_none_or(|at| at > now)
        })
        .filter_map(|secret| secret["value"].as_str().map(String::from))
        .collect()
}

/// The webhooks made through the API that are enabled now, by id, each as the endpoint
/// delivery sends to: its URL, the secrets that sign, its enabled events and key inflection.
pub fn endpoints(store: &Store, now: DateTime<Utc>) -> Vec<(String, WebhookEndpoint)> {
    store
        .records
        .of_types(&[TYPE])
        .filter(|record| record.attribute("status") == "enabled")
        .filter_map(|record| {
            let url = record.attribute("url");
            let mut secrets = signing(record, now).into_iter();
            let mut endpoint = WebhookEndpoint::new(url.as_str()?, secrets.next()?);
            for older in secrets {
                endpoint = endpoint.also_signed_with(older);
            }
            let events: Vec<String> = record
                .attribute("enabled-events")
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|name| name.as_str().map(String::from))
                .collect();
            endpoint = endpoint.only(events);
            if let Some(inflection) = record
                .attribute("api-key-inflection")
                .as_str()
                .and_then(Inflection::from_name)
            {
                endpoint = endpoint.inflection(inflection);
            }
            Some((record.id.clone(), endpoint))
        })
        .collect()
}
