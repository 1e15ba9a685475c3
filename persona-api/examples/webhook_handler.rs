//! An axum endpoint that verifies Persona's webhooks and acts on inquiry events, tried end to
//! end against persona-mock.
//!
//! `cargo run -p persona-api --example webhook_handler --features webhooks`
//!
//! It serves `POST /webhooks/persona` on 127.0.0.1, starts a persona-mock that delivers its
//! events there, drives an inquiry to approved, and prints what the handler did. In your
//! service, keep the handler and the router; the secret comes from `PERSONA_WEBHOOK_SECRET` (a
//! `wbhsec_...` value; give both during a rotation). Its tests run with `cargo test`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use persona_api::prelude::*;
use persona_api::types::SimulateActionType::{ApproveInquiry, CompleteInquiry, StartInquiry};
use persona_api::webhooks::{EventObject, SIGNATURE_HEADER, WebhookError, WebhookVerifier};
use persona_api::{InquiryStatus, SimulateActions};

/// What the handler needs: the verifier, and what it has done (a database, in a service).
struct Handler {
    verifier: WebhookVerifier,
    /// Event ids already acted on: Persona may deliver an event more than once.
    seen: Mutex<HashSet<String>>,
    /// The events acted on, in the order they arrived.
    acted_on: Mutex<Vec<String>>,
}

/// Verifies the raw body (before any JSON parsing), then handles the event. Persona retries
/// anything but a 2xx, so answer 2xx once the event is safely recorded, and 400 to a bad
/// signature (a retry will not fix it).
async fn persona_webhook(
    State(handler): State<Arc<Handler>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let event = match handler.verifier.verify_event(signature, &body) {
        Ok(event) => event,
        Err(error @ WebhookError::InvalidPayload { .. }) => {
            eprintln!("handler: signed but unreadable delivery: {error}");
            return StatusCode::UNPROCESSABLE_ENTITY;
        }
        Err(error) => {
            eprintln!("handler: refused: {error}");
            return StatusCode::BAD_REQUEST;
        }
    };
    // Deliveries may repeat and arrive out of order: deduplicate on the event id, and order
    // by `created_at` where order matters.
    let first_time = handler
        .seen
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(event.id.to_string());
    if !first_time {
        return StatusCode::OK;
    }
    if let (EventObject::Inquiry(inquiry), "inquiry.approved" | "inquiry.declined") =
        (&event.object, event.name.as_str())
    {
        let approved = inquiry.attributes.status == Some(InquiryStatus::Approved);
        let decision = if approved {
            "grant access"
        } else {
            "deny access"
        };
        println!("handler: {} {} -> {decision}", event.id, inquiry.id);
    }
    handler
        .acted_on
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(event.name);
    StatusCode::OK
}

/// Serves the handler on 127.0.0.1; returns its URL.
async fn serve(handler: Arc<Handler>) -> std::io::Result<String> {
    let app = Router::new()
        .route("/webhooks/persona", post(persona_webhook))
        .with_state(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/persona", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// Creates an inquiry on `mock` and drives it to approved; returns when the approval was
/// delivered.
async fn approve_an_inquiry(
    mock: &persona_mock::MockServer,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = mock.client_builder().build()?;
    let inquiry = client
        .create_inquiry()
        .body(persona_api::NewInquiry::from_template(mock.template_id()).name_first("Jane"))
        .send()
        .await?
        .into_data();
    for action in [StartInquiry, CompleteInquiry, ApproveInquiry] {
        client
            .simulate_inquiry_actions()
            .inquiry_id(&inquiry.id)
            .body(SimulateActions::new([action]))
            .send()
            .await?;
    }
    tokio::time::timeout(
        Duration::from_secs(10),
        mock.webhooks().succeeded("inquiry.approved"),
    )
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("PERSONA_WEBHOOK_SECRET")
        .unwrap_or_else(|_| "wbhsec_example_only".to_string());
    let handler = Arc::new(Handler {
        verifier: WebhookVerifier::new([secret.as_str()])?,
        seen: Mutex::default(),
        acted_on: Mutex::default(),
    });
    let url = serve(handler.clone()).await?;
    println!("handler listening on {url}");
    let mock = persona_mock::MockServer::builder()
        .webhook(persona_mock::WebhookEndpoint::new(&url, &secret))
        .start()
        .await?;
    approve_an_inquiry(&mock).await?;
    println!(
        "handler acted on: {:?}",
        handler.acted_on.lock().map_err(|_| "poisoned")?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::middleware::Next;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn handler(secret: &str) -> Arc<Handler> {
        Arc::new(Handler {
            verifier: WebhookVerifier::new([secret]).expect("a secret"),
            seen: Mutex::default(),
            acted_on: Mutex::default(),
        })
    }

    #[tokio::test]
    async fn the_handler_receives_an_inquirys_life_verified_and_in_order() {
        let handler = handler("wbhsec_test");
        let url = serve(handler.clone()).await.expect("serves");
        let mock = persona_mock::MockServer::builder()
            .webhook(persona_mock::WebhookEndpoint::new(&url, "wbhsec_test"))
            .start()
            .await
            .expect("starts");
        approve_an_inquiry(&mock)
            .await
            .expect("approved and delivered");
        assert_eq!(
            *handler.acted_on.lock().expect("not poisoned"),
            [
                "account.created",
                "inquiry.created",
                "inquiry.started",
                "inquiry.completed",
                "inquiry.approved"
            ],
            "an inquiry that names no account lands on a new one"
        );
    }

    #[tokio::test]
    async fn a_retried_delivery_is_acted_on_once() {
        let handler = handler("wbhsec_test");
        // The service fails once after recording the event, as a crash before answering would.
        let failed_once = Arc::new(AtomicBool::new(false));
        let app = Router::new()
            .route("/webhooks/persona", post(persona_webhook))
            .with_state(handler.clone())
            .layer(axum::middleware::from_fn(move |request, next: Next| {
                let failed_once = failed_once.clone();
                async move {
                    let response = next.run(request).await;
                    if failed_once.swap(true, Ordering::SeqCst) {
                        response
                    } else {
                        axum::response::IntoResponse::into_response(
                            StatusCode::INTERNAL_SERVER_ERROR,
                        )
                    }
                }
            }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let url = format!(
            "http://{}/webhooks/persona",
            listener.local_addr().expect("an address")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mock = persona_mock::MockServer::builder()
            .webhook(
                persona_mock::WebhookEndpoint::new(&url, "wbhsec_test").only(["inquiry.created"]),
            )
            .start()
            .await
            .expect("starts");
        let client = mock.client_builder().build().expect("valid");
        client
            .create_inquiry()
            .body(persona_api::NewInquiry::from_template(mock.template_id()))
            .send()
            .await
            .expect("creates");
        let delivery = tokio::time::timeout(
            Duration::from_secs(10),
            mock.webhooks().succeeded("inquiry.created"),
        )
        .await
        .expect("delivered");
        assert_eq!(delivery.attempts, [Some(500), Some(200)], "retried");
        assert_eq!(
            *handler.acted_on.lock().expect("not poisoned"),
            ["inquiry.created"],
            "the same event id twice, acted on once"
        );
    }
}
