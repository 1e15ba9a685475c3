//! Errors in Persona's format: `{"errors": [{"title", "details", "source": {"pointer"}}]}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: &'static str,
    pub details: Option<String>,
    pub pointer: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, title: &'static str, details: Option<String>) -> Self {
        ApiError {
            status,
            title,
            details,
            pointer: None,
        }
    }

    pub fn bad_request(details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", Some(details.into()))
    }

    pub fn unauthorized(details: Option<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Must be authenticated to access this endpoint",
            details,
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Record not found", None)
    }

    pub fn conflict(details: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", Some(details.into()))
    }

    /// A JSON pointer as the errors' prose names the member: `/data/attributes/list-id` as
    /// `data.attributes.list-id`.
    pub fn dotted(pointer: &str) -> String {
        pointer.trim_start_matches('/').replace('/', ".")
    }

    pub fn unprocessable(details: impl Into<String>, pointer: &str) -> Self {
        ApiError {
            pointer: Some(pointer.to_string()),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Record invalid",
                Some(details.into()),
            )
        }
    }

    pub fn rate_limited(limit: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded",
            Some(format!(
                "You have exceeded the rate limit of {limit} requests / min"
            )),
        )
    }

    /// An injected failure: the title Persona (or a proxy in front of it) would give the status.
    pub fn injected(status: StatusCode) -> Self {
        let title = match status.as_u16() {
            429 => "Rate limit exceeded",
            500 => "Internal server error",
            502 => "Bad gateway",
            503 => "Service unavailable",
            504 => "Gateway timeout",
            _ => "Injected failure",
        };
        Self::new(status, title, Some("injected by persona-mock".to_string()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"title": self.title});
        if let Some(details) = self.details {
            error["details"] = json!(details);
        }
        if let Some(pointer) = self.pointer {
            error["source"] = json!({"pointer": pointer});
        }
        (self.status, axum::Json(json!({"errors": [error]}))).into_response()
    }
}
