//! An axum endpoint that verifies Persona's webhooks and acts on inquiry events.
//!
//! `cargo run -p persona-api --example webhook_handler --features webhooks`
//!
//! It serves `POST /webhooks/persona` on 127.0.0.1, then sends itself one correctly signed
//! delivery and one forged one, and prints what the handler did. In your service, keep the
//! handler and the router; the secret comes from `PERSONA_WEBHOOK_SECRET` (a `wbhsec_...`
//! value; give both during a rotation).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use persona_api::InquiryStatus;
use persona_api::webhooks::{EventObject, SIGNATURE_HEADER, WebhookError, WebhookVerifier};

/// Verifies the raw body (before any JSON parsing), then handles the event. Persona retries
/// anything but a 2xx, so answer 2xx once the event is safely recorded, and 400 to a bad
/// signature (a retry will not fix it).
async fn persona_webhook(
    State(verifier): State<Arc<WebhookVerifier>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let event = match verifier.verify_event(signature, &body) {
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
    // Deliveries may repeat and arrive out of order: deduplicate on event.id, order by created_at.
    match (&event.object, event.name.as_str()) {
        (EventObject::Inquiry(inquiry), "inquiry.approved" | "inquiry.declined") => {
            let decided = inquiry.attributes.status == Some(InquiryStatus::Approved);
            println!(
                "handler: {} {} -> {}",
                event.id,
                inquiry.id,
                if decided {
                    "grant access"
                } else {
                    "deny access"
                }
            );
        }
        (_, other) => println!("handler: {} {other}: nothing to do", event.id),
    }
    StatusCode::OK
}

/// What Persona does to sign a delivery (the example signs its own test deliveries).
fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("PERSONA_WEBHOOK_SECRET")
        .unwrap_or_else(|_| "wbhsec_example_only".to_string());
    let verifier = Arc::new(WebhookVerifier::new([secret.as_str()])?);
    let app = Router::new()
        .route("/webhooks/persona", post(persona_webhook))
        .with_state(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/persona", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("listening on {url}");

    let body = br#"{"data":{"type":"event","id":"evt_Lq3mXn8RtV2cZw6BjY4pKd9F","attributes":{"name":"inquiry.approved","created-at":"2025-03-10T19:58:02.120Z","payload":{"data":{"type":"inquiry","id":"inq_Qk4uUUDAt6ZZt2zKQNb6SR6J","attributes":{"status":"approved"}}}}}}"#;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let http = reqwest::Client::new();
    for (label, signature) in [
        ("signed", sign(&secret, now, body)),
        ("forged", sign("wbhsec_wrong", now, body)),
    ] {
        let status = http
            .post(&url)
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .send()
            .await?
            .status();
        println!("{label} delivery answered {status}");
    }
    Ok(())
}
