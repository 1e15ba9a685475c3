//! Webhook deliveries end to end: signed bodies in Persona's shape, verified and read into
//! typed events.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use persona_api::webhooks::{EventObject, WebhookError, WebhookVerifier};
use persona_api::{InquirySessionStatus, InquiryStatus};
use persona_api_tests::spec;
use serde_json::json;

fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[test]
fn the_specs_webhook_body_reads_as_a_typed_inquiry_event() {
    let body =
        serde_json::to_vec(&spec()["components"]["examples"]["EventInquiryApproved"]["value"])
            .expect("JSON");
    let verifier = WebhookVerifier::new(["wbhsec_test"]).expect("a secret");
    let event = verifier
        .verify_event(&signature("wbhsec_test", now(), &body), &body)
        .expect("verifies");
    assert_eq!(
        (event.id.as_str(), event.name.as_str()),
        ("evt_Lq3mXn8RtV2cZw6BjY4pKd9F", "inquiry.approved")
    );
    match &event.object {
        EventObject::Inquiry(inquiry) => {
            assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Approved));
            assert_eq!(inquiry.attributes.name_first.as_deref(), Some("Jane"));
        }
        other => panic!("expected an inquiry, got {other:?}"),
    }
}

#[test]
fn session_payloads_are_typed_and_unknown_events_are_kept() {
    let verifier = WebhookVerifier::new(["wbhsec_test"]).expect("a secret");
    let session = serde_json::to_vec(&json!({"data": {"type": "event", "id": "evt_2", "attributes": {
        "name": "inquiry-session.expired", "created-at": "2025-03-11T19:47:47.000Z",
        "payload": {"data": {"type": "inquiry-session", "id": "iqse_1", "attributes": {"status": "expired"}}}
    }}}))
    .expect("JSON");
    let event = verifier
        .verify_event(&signature("wbhsec_test", now(), &session), &session)
        .expect("verifies");
    assert!(
        matches!(&event.object, EventObject::InquirySession(s) if s.attributes.status == Some(InquirySessionStatus::Expired))
    );

    let future = serde_json::to_vec(&json!({"data": {"type": "event", "id": "evt_3", "attributes": {
        "name": "verification.quantum-passed", "payload": {"data": {"type": "verification/quantum", "id": "ver_1", "attributes": {"score": 1}}}
    }}}))
    .expect("JSON");
    let event = verifier
        .verify_event(&signature("wbhsec_test", now(), &future), &future)
        .expect("verifies");
    assert_eq!(event.name, "verification.quantum-passed");
    assert!(
        matches!(&event.object, EventObject::Other(object) if object.type_ == "verification/quantum")
    );
}

#[test]
fn a_signed_body_that_is_not_an_event_names_where() {
    let verifier = WebhookVerifier::new(["wbhsec_test"]).expect("a secret");
    let body = br#"{"data": {"type": "event", "id": 7}}"#;
    match verifier.verify_event(&signature("wbhsec_test", now(), body), body) {
        Err(WebhookError::InvalidPayload { path, .. }) => assert_eq!(path, "data.id"),
        other => panic!("expected an invalid payload, got {other:?}"),
    }
}

#[test]
fn the_tolerance_is_configurable() {
    let body = b"{}";
    let header = signature("wbhsec_test", now() - 120, body);
    let strict = WebhookVerifier::new(["wbhsec_test"])
        .expect("a secret")
        .tolerance(Duration::from_secs(60));
    assert!(matches!(
        strict.verify(&header, body),
        Err(WebhookError::StaleTimestamp { .. })
    ));
    assert_eq!(
        WebhookVerifier::new(["wbhsec_test"])
            .expect("a secret")
            .verify(&header, body),
        Ok(())
    );
}

#[test]
fn sign_gives_the_header_an_independent_hmac_gives() {
    let body =
        serde_json::to_vec(&spec()["components"]["examples"]["EventInquiryApproved"]["value"])
            .expect("JSON");
    for timestamp in [0, 1_700_000_000, now()] {
        assert_eq!(
            persona_api::webhooks::sign("wbhsec_test", &body, timestamp),
            signature("wbhsec_test", timestamp, &body)
        );
    }
}

#[test]
fn camel_case_and_snake_case_deliveries_read_the_values_a_kebab_case_one_does() {
    use persona_api::inflection::Inflection;
    use persona_api::webhooks::WebhookEvent;

    let mut kebab = spec()["components"]["examples"]["EventInquiryApproved"]["value"].clone();
    kebab["data"]["attributes"]["payload"]["data"]["attributes"]["reference-id"] = json!("user-42");
    let read = |inflection: Inflection| {
        let mut body = kebab.clone();
        inflection.apply(&mut body);
        let bytes = serde_json::to_vec(&body).expect("JSON");
        let event = WebhookEvent::from_body(&bytes).expect("reads");
        let EventObject::Inquiry(inquiry) = &event.object else {
            panic!(
                "{inflection:?}: expected an inquiry, got {:?}",
                event.object
            )
        };
        (
            event.id.clone(),
            event.name.clone(),
            event.created_at,
            inquiry.attributes.reference_id.clone(),
            inquiry.attributes.created_at,
            inquiry.attributes.status.clone(),
            inquiry.attributes.name_first.clone(),
        )
    };
    let expected = read(Inflection::Kebab);
    assert_eq!(expected.3.as_deref(), Some("user-42"));
    assert!(expected.2.is_some() && expected.4.is_some(), "{expected:?}");
    assert_eq!(read(Inflection::Camel), expected, "camelCase");
    assert_eq!(read(Inflection::Snake), expected, "snake_case");
}

/// Every event of the spec, from Persona's example of it, in each of the three inflections:
/// read with its name, its object typed as the model says that event's is (or kept whole when
/// the client has no schema for it), and written back with nothing lost.
#[test]
fn every_event_of_the_spec_reads_typed_in_each_inflection() {
    use persona_api::inflection::Inflection;
    use persona_api::webhooks::WebhookEvent;

    let document = xtask::document::Document::load(
        &persona_api_tests::workspace_root().join("openapi/persona.yaml"),
    )
    .expect("the spec is readable");
    let events = &persona_api_tests::model().events;
    assert_eq!(events.len(), 130, "every event of Persona's bundle");
    let (mut typed, mut kept) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    let mut reads = 0;
    for event in events {
        let delivery = &document.root["x-webhooks"][&event.name]["post"]["requestBody"]["content"]
            ["application/json"];
        let examples = document.examples(delivery);
        assert!(!examples.is_empty(), "{} has no example", event.name);
        for (example_name, example) in examples {
            for inflection in [Inflection::Kebab, Inflection::Camel, Inflection::Snake] {
                let at = format!("{} `{example_name}` in {}", event.name, inflection.name());
                let mut body = example.clone();
                inflection.apply(&mut body);
                // What the reader sees: the body as sent, its keys in kebab-case when they
                // were not (a field named `email_address` comes back as `email-address`).
                let mut sent = body.clone();
                inflection.to_kebab(&mut sent);
                let sent = &sent["data"]["attributes"]["payload"]["data"];
                let read = WebhookEvent::from_body(&serde_json::to_vec(&body).expect("JSON"))
                    .unwrap_or_else(|error| panic!("{at}: {error}"));
                assert_eq!(read.name, event.name, "{at}");
                let debug = format!("{:?}", read.object);
                match &event.payload {
                    Some(payload) => {
                        assert!(
                            debug.starts_with(&format!("{payload}(")),
                            "{at}: {debug:.80}"
                        );
                        typed.insert(&event.name);
                    }
                    None => {
                        assert!(debug.starts_with("Other("), "{at}: {debug:.80}");
                        kept.insert(&event.name);
                    }
                }
                let written = serde_json::to_value(&read.object).expect("serializes");
                let differences = persona_api_tests::decode::lost(sent, &written);
                assert!(differences.is_empty(), "{at} lost: {differences:?}");
                reads += 1;
            }
        }
    }
    // Every event's object is a schema the client has a type for; 131 examples (one event
    // has two), each in 3 inflections.
    assert_eq!((typed.len(), kept.len(), reads), (130, 0, 131 * 3));
}
