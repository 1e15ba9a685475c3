//! What a request's `Persona-Version` and `Key-Inflection` headers ask for, and the rewriting
//! of bodies they need: handlers and the store only see kebab-case 2023-01-05, and responses
//! are reshaped into the version and inflection asked for.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, Response, header};
use persona_api::ApiVersion;
use persona_api::inflection::Inflection;
use serde_json::Value;

use crate::error::ApiError;
use crate::generic;
use crate::operations;

/// The largest request body the sandbox reads.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Every version Persona's API has had.
const PERSONA_VERSIONS: [&str; 8] = [
    "2025-12-08",
    "2025-10-27",
    "2023-01-05",
    "2022-09-01",
    "2021-08-18",
    "2021-07-05",
    "2021-02-21",
    "2020-05-18",
];

/// The attributes `version` removes from resources of `json_type`, as the spec marks them
/// (`x-removed-in`; the table is `operations::REMOVED_IN`, written from the spec's model).
fn removed_in(version: ApiVersion, json_type: &str) -> &'static [&'static str] {
    operations::REMOVED_IN
        .iter()
        .find(|(removed_in, type_, _)| *removed_in == version.as_str() && *type_ == json_type)
        .map_or(&[], |(_, _, attributes)| attributes)
}

/// What a request asked for with its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub version: ApiVersion,
    pub inflection: Inflection,
}

impl Negotiated {
    /// Whether bodies need rewriting: anything but the kebab-case 2023-01-05 handlers speak.
    pub fn rewrites(self) -> bool {
        self.version != ApiVersion::V2023_01_05 || self.inflection != Inflection::Kebab
    }
}

/// The version and inflection to answer in, or why the headers are refused. A missing version
/// is the account's default (2023-01-05); a version the sandbox cannot render is refused
/// rather than answered in the wrong shapes.
pub fn negotiate(headers: &HeaderMap) -> Result<Negotiated, ApiError> {
    let version = match headers.get("persona-version") {
        None => ApiVersion::default(),
        Some(version) => {
            let version = version.to_str().unwrap_or_default();
            if !PERSONA_VERSIONS.contains(&version) {
                return Err(ApiError::bad_request(format!(
                    "Persona-Version '{version}' is not an API version (known: {})",
                    PERSONA_VERSIONS.join(", ")
                )));
            }
            version.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "persona-mock serves API versions 2023-01-05 and 2025-12-08 (sent Persona-Version {version})"
                ))
            })?
        }
    };
    let inflection = match headers.get("key-inflection") {
        None => Inflection::Kebab,
        Some(name) => {
            let name = name.to_str().unwrap_or_default();
            Inflection::from_name(name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Key-Inflection '{name}' is not one of kebab, camel, snake"
                ))
            })?
        }
    };
    Ok(Negotiated {
        version,
        inflection,
    })
}

/// The request as the handlers read it: keys in kebab-case; an attribute the version asked
/// for removed from the operation's resource type (in 2025-12-08, an inquiry's personal data
/// at the top of its attributes) is refused, as Persona's closed attributes refuse it. Other
/// types keep theirs: an account is still created with `name-first`.
pub async fn prepared_request(
    request: Request<Body>,
    negotiated: Negotiated,
) -> Result<Request<Body>, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read(body).await?;
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        // Not JSON: the handler refuses it by name.
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    };
    Inflection::normalize(&mut value);
    let removed = generic::operation_of(&parts.method, parts.uri.path())
        .and_then(|operation| operation.resource)
        .map_or(&[][..], |json_type| {
            removed_in(negotiated.version, json_type)
        });
    if let Some(attributes) = value.pointer("/data/attributes").and_then(Value::as_object)
        && let Some(key) = removed.iter().find(|key| attributes.contains_key(**key))
    {
        return Err(ApiError::bad_request(format!(
            "data.attributes.{key}: from API version {}, personal data goes in data.attributes.fields",
            negotiated.version.as_str()
        )));
    }
    Ok(Request::from_parts(parts, Body::from(value.to_string())))
}

/// The response in the version and inflection asked for.
pub async fn shaped_response(response: Response<Body>, negotiated: Negotiated) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return Response::from_parts(parts, body);
    }
    // The sandbox's own JSON bodies are small; one that cannot be read goes out empty.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            drop_removed_attributes(&mut value, negotiated.version);
            negotiated.inflection.apply(&mut value);
            Bytes::from(value.to_string())
        }
        Err(_) => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// Removes what `version` removes from every resource in a document (its data, included
/// objects, event payloads), by the resource's type: an inquiry's personal data stays in
/// `fields` only in 2025-12-08.
fn drop_removed_attributes(value: &mut Value, version: ApiVersion) {
    match value {
        Value::Object(object) => {
            let removed = object
                .get("type")
                .and_then(Value::as_str)
                .map_or(&[][..], |json_type| removed_in(version, json_type));
            if let Some(Value::Object(attributes)) = object.get_mut("attributes") {
                for key in removed {
                    attributes.remove(*key);
                }
            }
            object
                .values_mut()
                .for_each(|value| drop_removed_attributes(value, version));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|value| drop_removed_attributes(value, version)),
        _ => {}
    }
}

/// A request body, or a refusal naming the size limit.
pub async fn read(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::bad_request(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            ))
        })
}
