//! What a request's `Persona-Version` and `Key-Inflection` headers ask for, and the rewriting
//! of bodies that camelCase or snake_case needs: handlers and the store only see kebab-case.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, Response, header};
use persona_api::PERSONA_VERSION;
use persona_api::inflection::Inflection;
use serde_json::Value;

use crate::error::ApiError;

/// The largest request body the sandbox reads.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Every version Persona's API has had; the sandbox answers in [`PERSONA_VERSION`]'s shapes.
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

/// The inflection to answer in, or why the headers are refused. A version other than the one
/// the sandbox renders is refused rather than answered in the wrong shapes.
pub fn negotiate(headers: &HeaderMap) -> Result<Inflection, ApiError> {
    if let Some(version) = headers.get("persona-version") {
        let version = version.to_str().unwrap_or_default();
        if !PERSONA_VERSIONS.contains(&version) {
            return Err(ApiError::bad_request(format!(
                "Persona-Version '{version}' is not an API version (known: {})",
                PERSONA_VERSIONS.join(", ")
            )));
        }
        if version != PERSONA_VERSION {
            return Err(ApiError::bad_request(format!(
                "persona-mock serves API version {PERSONA_VERSION} only (sent Persona-Version {version})"
            )));
        }
    }
    match headers.get("key-inflection") {
        None => Ok(Inflection::Kebab),
        Some(name) => {
            let name = name.to_str().unwrap_or_default();
            Inflection::from_name(name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Key-Inflection '{name}' is not one of kebab, camel, snake"
                ))
            })
        }
    }
}

/// The request with its JSON body's keys in kebab-case. A body that is not JSON goes on as it
/// came, for the handler to refuse by name.
pub async fn kebab_request(request: Request<Body>) -> Result<Request<Body>, ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = read(body).await?;
    let bytes = rewrite_json(bytes, Inflection::normalize);
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The response with its JSON body's keys in `inflection`.
pub async fn inflected_response(
    response: Response<Body>,
    inflection: Inflection,
) -> Response<Body> {
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
    let bytes = rewrite_json(bytes, |value| inflection.apply(value));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
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

fn rewrite_json(bytes: Bytes, rewrite: impl FnOnce(&mut Value)) -> Bytes {
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            rewrite(&mut value);
            Bytes::from(value.to_string())
        }
        Err(_) => bytes,
    }
}
