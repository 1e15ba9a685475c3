//! Any header and body: the verifier never panics, and never accepts without the secret.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use persona_api::webhooks::{WebhookEvent, WebhookVerifier};

fuzz_target!(|input: (&str, &[u8])| {
    let (header, body) = input;
    let verifier = WebhookVerifier::new(["wbhsec_fuzz_secret"]).expect("a secret");
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    // The fuzzer cannot compute an HMAC-SHA256 of the secret: acceptance would be a forgery.
    assert!(
        verifier.verify_at(header, body, now).is_err(),
        "accepted a header made without the secret"
    );
    let _ = WebhookEvent::from_body(body);
});
