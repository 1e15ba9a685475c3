//! The client's `tracing` spans record the request but never the key or a body.
//!
//! A binary of its own, with a global subscriber: tracing caches each callsite's interest
//! process-wide, and with a single registered subscriber it computes that interest on whichever
//! thread reaches a callsite first. A scoped subscriber in the shared contract binary therefore
//! lost its spans whenever a parallel test (with no subscriber) got there first.

use std::sync::{Arc, Mutex};

use persona_api::NewInquiry;
use persona_api_tests::create_inquiry;

/// Everything the subscriber writes, kept for the assertions.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn spans_record_the_request_but_never_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .finish(),
    )
    .expect("the only subscriber in this binary");

    let mock = persona_mock::MockServer::start().await.expect("starts");
    let client = persona_api::Client::builder("persona_sandbox_SPANSECRET")
        .base_url(mock.base_url())
        .build()
        .expect("valid");
    let id = create_inquiry(
        &client,
        NewInquiry::from_template(mock.template_id()).name_first("Zelda"),
    )
    .await
    .expect("creates");
    client
        .retrieve_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("retrieves");

    let output =
        String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    assert!(output.contains("persona_api.request"), "{output}");
    assert!(
        output.contains("operation=\"retrieve_inquiry\"")
            || output.contains("operation=retrieve_inquiry"),
        "{output}"
    );
    assert!(output.contains("path=/api/v1/inquiries/{id}"), "{output}");
    assert!(
        output.contains("status=200")
            && output.contains("status=201")
            && output.contains("attempt=1"),
        "{output}"
    );
    assert!(
        output.contains("request_id=req_") || output.contains("request_id=\"req_"),
        "{output}"
    );
    for secret in ["SPANSECRET", "Zelda", id.as_str()] {
        assert!(
            !output.contains(secret),
            "span output contains {secret}: {output}"
        );
    }
}
