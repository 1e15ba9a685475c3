//! A server on 127.0.0.1 that records every request and answers with the spec's own example
//! response for the operation the request belongs to.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::loopback::{self, Loopback};
use crate::operations;

/// One request as the server saw it, in a form that snapshots well.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The path below the base URL, percent-encoding kept as sent.
    pub path: String,
    /// `name=value` in the order sent, percent-decoded.
    pub query: Vec<String>,
    /// By lower-case name; `authorization` redacted, `host` (it has the port) left out.
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

pub struct RecordingServer {
    server: Loopback,
    recorded: Arc<Mutex<Vec<RecordedRequest>>>,
}

/// The path prefix the server expects, as Persona's base URL has.
pub const BASE_PATH: &str = "/api/v1";

impl RecordingServer {
    /// Starts on an ephemeral port of 127.0.0.1; stops when dropped.
    pub async fn start() -> RecordingServer {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let state = recorded.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let body = read_body(&headers, body).await;
                    record_and_answer(&state, method, uri, headers, body)
                }
            },
        );
        RecordingServer {
            server: loopback::serve(app).await,
            recorded,
        }
    }

    pub fn base_url(&self) -> String {
        self.server.url(BASE_PATH)
    }

    /// Takes the requests recorded so far, oldest first.
    pub fn take(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut self.recorded.lock().expect("not poisoned"))
    }
}

/// A body as it snapshots well: JSON as it is; a form as its fields; a multipart body as its
/// parts, read by multer (axum's own reader of them), not by code of ours; anything else as
/// text.
async fn read_body(headers: &HeaderMap, body: Bytes) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type == "application/x-www-form-urlencoded" {
        let fields: serde_json::Map<String, Value> = form_urlencoded::parse(&body)
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect();
        return Some(Value::Object(fields));
    }
    if let Ok(boundary) = multer::parse_boundary(content_type) {
        let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut parts = Vec::new();
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().map(str::to_string);
                    let file_name = field.file_name().map(str::to_string);
                    let media_type = field.content_type().map(ToString::to_string);
                    let text = field.text().await.unwrap_or_else(|error| error.to_string());
                    parts.push(serde_json::json!({
                        "name": name, "file-name": file_name, "content-type": media_type, "text": text,
                    }));
                }
                Ok(None) => return Some(serde_json::json!({ "multipart": parts })),
                Err(error) => return Some(Value::String(format!("not multipart: {error}"))),
            }
        }
    }
    Some(
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into())),
    )
}

fn record_and_answer(
    recorded: &Mutex<Vec<RecordedRequest>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Option<Value>,
) -> Response {
    let path = uri
        .path()
        .strip_prefix(BASE_PATH)
        .unwrap_or(uri.path())
        .to_string();
    let query = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let header_map: BTreeMap<String, String> = headers
        .iter()
        .filter(|(name, _)| *name != header::HOST)
        .map(|(name, value)| {
            let text = value.to_str().unwrap_or("<not ASCII>");
            let value = if name == header::AUTHORIZATION {
                redact_bearer(text)
            } else if name.as_str() == "idempotency-key" && is_uuid_v4(text) {
                // A key the client made up; random, so only its shape is pinned.
                "[uuid v4]".to_string()
            } else if let Some((media, _)) = text.split_once("; boundary=") {
                // The boundary is random too.
                format!("{media}; boundary=[boundary]")
            } else {
                text.to_string()
            };
            (name.as_str().to_string(), value)
        })
        .collect();
    recorded
        .lock()
        .expect("not poisoned")
        .push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query,
            headers: header_map,
            body,
        });

    let Some(operation) = operations()
        .iter()
        .find(|operation| operation.matches(method.as_str(), &path))
    else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"errors": [{"title": "Record not found"}]})),
        )
            .into_response();
    };
    let status = StatusCode::from_u16(operation.success_status).expect("valid status");
    let example = operation
        .response_examples
        .first()
        .map(|(_, example)| example);
    if operation.response_media_type == "application/json" {
        let example = example.expect("every JSON answer has an example");
        (status, axum::Json(example.clone())).into_response()
    } else {
        // A PDF Persona gives no example of is answered with no bytes.
        let bytes = example
            .and_then(Value::as_str)
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        (
            status,
            [(header::CONTENT_TYPE, operation.response_media_type.clone())],
            bytes,
        )
            .into_response()
    }
}

fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| {
            if [8, 13, 18, 23].contains(&index) {
                *byte == b'-'
            } else {
                byte.is_ascii_hexdigit()
            }
        })
        && bytes[14] == b'4'
}

/// Keeps the scheme and the key's environment prefix, so a snapshot shows which key was sent
/// without holding it.
fn redact_bearer(value: &str) -> String {
    match value.strip_prefix("Bearer ") {
        Some(key) if key.starts_with("persona_sandbox_") => {
            "Bearer persona_sandbox_[redacted]".to_string()
        }
        Some(key) if key.starts_with("persona_production_") => {
            "Bearer persona_production_[redacted]".to_string()
        }
        Some(_) => "Bearer [redacted]".to_string(),
        None => "[redacted]".to_string(),
    }
}
