//! What verifying a webhook costs: `Persona-Signature` over the guide's inquiry as an event
//! body, against the floor of one HMAC-SHA256 of the same bytes computed directly.
//!
//! `cargo bench -p persona-api --features webhooks --bench webhooks`, then `cargo xtask bench-report`.

use std::time::{Duration, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use persona_api::webhooks::{WebhookEvent, WebhookVerifier};
use std::hint::black_box;

const SECRET: &str = "wbhsec_bench";
const AT: u64 = 1_700_000_000;

fn event_body() -> Vec<u8> {
    let inquiry: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/inquiry.json")).expect("fixture");
    serde_json::to_vec(&serde_json::json!({"data": {"type": "event", "id": "evt_1", "attributes": {
        "name": "inquiry.approved", "created-at": "2025-03-10T19:58:02.120Z", "payload": {"data": inquiry["data"]}
    }}}))
    .expect("serializes")
}

fn hmac_hex(body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(format!("{AT}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn webhooks(c: &mut Criterion) {
    let body = event_body();
    let header = format!("t={AT},v1={}", hmac_hex(&body));
    let verifier = WebhookVerifier::new([SECRET]).expect("a secret");
    let now = UNIX_EPOCH + Duration::from_secs(AT);
    let mut group = c.benchmark_group("webhook");
    group.bench_function(BenchmarkId::new("hmac_only", "inquiry_event"), |b| {
        b.iter(|| hmac_hex(black_box(&body)))
    });
    group.bench_function(BenchmarkId::new("verify", "inquiry_event"), |b| {
        b.iter(|| {
            verifier
                .verify_at(black_box(&header), black_box(&body), now)
                .expect("verifies")
        })
    });
    group.bench_function(BenchmarkId::new("verify_and_read", "inquiry_event"), |b| {
        b.iter(|| {
            verifier
                .verify_event_at(black_box(&header), black_box(&body), now)
                .expect("verifies")
        })
    });
    group.bench_function(BenchmarkId::new("read_only", "inquiry_event"), |b| {
        b.iter(|| WebhookEvent::from_body(black_box(&body)).expect("reads"))
    });
    group.finish();
}

criterion_group!(benches, webhooks);
criterion_main!(benches);
