//! One attempt of a request, inside a `tracing` span when the `tracing` feature is on.
//!
//! The span has the operation, method, path template, attempt, status and `Request-Id`; never
//! the key (headers are not recorded) and never a body.

use progenitor_client::OperationInfo;

#[cfg(not(feature = "tracing"))]
pub(crate) async fn send_attempt(
    client: &reqwest::Client,
    request: reqwest::Request,
    _info: &OperationInfo,
    _attempt: u32,
) -> reqwest::Result<reqwest::Response> {
    client.execute(request).await
}

#[cfg(feature = "tracing")]
pub(crate) async fn send_attempt(
    client: &reqwest::Client,
    request: reqwest::Request,
    info: &OperationInfo,
    attempt: u32,
) -> reqwest::Result<reqwest::Response> {
    use tracing::Instrument;

    let span = tracing::info_span!(
        "persona_api.request",
        operation = info.operation_id,
        method = %request.method(),
        path = %path_template(request.url().path()),
        attempt,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
    );
    let outcome = client.execute(request).instrument(span.clone()).await;
    match &outcome {
        Ok(response) => {
            span.record("status", response.status().as_u16());
            if let Some(id) = crate::response_headers::request_id(response.headers()) {
                span.record("request_id", id);
            }
        }
        Err(error) => {
            span.in_scope(|| {
                tracing::warn!(
                    timeout = error.is_timeout(),
                    connect = error.is_connect(),
                    "attempt failed"
                )
            });
        }
    }
    outcome
}

/// The path with object ids (segments like `inq_Q4u...`) replaced by `{id}`, so spans of one
/// operation group together and carry no identifiers.
#[cfg(any(feature = "tracing", test))]
pub(crate) fn path_template(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let is_id = segment.split_once('_').is_some_and(|(prefix, rest)| {
                !prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_lowercase())
                    && !rest.is_empty()
            });
            if is_id { "{id}" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_leave_the_path_template() {
        assert_eq!(
            super::path_template("/api/v1/inquiries/inq_Qk4u/approve"),
            "/api/v1/inquiries/{id}/approve"
        );
        assert_eq!(
            super::path_template("/api/v1/inquiry-sessions/expire-all"),
            "/api/v1/inquiry-sessions/expire-all"
        );
        assert_eq!(
            super::path_template("/api/v1/inquiries/inq_1/perform-simulate-actions"),
            "/api/v1/inquiries/{id}/perform-simulate-actions"
        );
    }
}
