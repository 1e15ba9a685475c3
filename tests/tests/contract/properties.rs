//! Property tests, run in CI: generated and mutated inputs for the two entry points that read
//! untrusted bytes, the webhook verifier and the response decoder. `fuzz/` has the same two
//! as fuzz targets for longer runs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use persona_api::types::InquiryDocument;
use persona_api::webhooks::{WebhookError, WebhookEvent, WebhookVerifier};
use persona_api_tests::fixtures::guide;
use proptest::prelude::*;
use serde_json::{Value, json};

const SECRET: &str = "wbhsec_property_secret";
const NOW: u64 = 1_700_000_000;

fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new([SECRET]).expect("a secret")
}

/// Header-like text: the alphabet of real headers, so the parser's paths are reached.
fn header_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("t=".to_string()),
            Just("v1=".to_string()),
            Just(",".to_string()),
            Just(" ".to_string()),
            Just("=".to_string()),
            "[0-9]{1,12}",
            "[0-9a-f]{1,64}",
            "[ -~]{0,8}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_headers_never_panic_and_never_verify(header in header_text(), body in prop::collection::vec(any::<u8>(), 0..64)) {
        prop_assert!(verifier().verify_at(&header, &body, at(NOW)).is_err());
    }

    #[test]
    fn well_formed_but_unsigned_headers_never_verify(timestamp in NOW - 100..NOW + 100, signature in "[0-9a-f]{64}", body in "[ -~]{0,64}") {
        let header = format!("t={timestamp},v1={signature}");
        prop_assert_eq!(verifier().verify_at(&header, body.as_bytes(), at(NOW)), Err(WebhookError::SignatureMismatch));
    }

    #[test]
    fn a_changed_body_or_signature_never_verifies(body in "[ -~]{1,64}", flip in any::<prop::sample::Index>(), in_body in any::<bool>()) {
        let signature = sign(SECRET, NOW, body.as_bytes());
        let good = format!("t={NOW},v1={signature}");
        prop_assert_eq!(verifier().verify_at(&good, body.as_bytes(), at(NOW)), Ok(()));
        if in_body {
            let mut changed = body.into_bytes();
            let index = flip.index(changed.len());
            changed[index] ^= 0x01;
            prop_assert_eq!(verifier().verify_at(&good, &changed, at(NOW)), Err(WebhookError::SignatureMismatch));
        } else {
            let mut changed = signature.into_bytes();
            let index = flip.index(changed.len());
            changed[index] = if changed[index] == b'0' { b'1' } else { b'0' };
            let header = format!("t={NOW},v1={}", String::from_utf8(changed).expect("hex"));
            prop_assert_eq!(verifier().verify_at(&header, body.as_bytes(), at(NOW)), Err(WebhookError::SignatureMismatch));
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic_the_event_reader(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = WebhookEvent::from_body(&body);
    }

    #[test]
    fn an_undecodable_body_becomes_a_bounded_error_naming_a_path(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_value().prop_map(|value| serde_json::to_vec(&json!({"data": value})).expect("serializes")),
        // Keys and values chosen by a hostile server end up in the path and the message.
        ("[a-z\u{80}-\u{10FFFF}]{100,2000}", "[ -~]{0,3000}").prop_map(|(key, value)| {
            serde_json::to_vec(&json!({"data": {key.clone(): {key: value}, "type": 7}})).expect("serializes")
        }),
    ]) {
        if let Err(error) = serde_json::from_slice::<InquiryDocument>(&body) {
            let generated = persona_api::generated::Error::<persona_api::types::ErrorBody>::InvalidResponsePayload(body.clone().into(), error);
            let error = persona_api::Error::from(generated);
            let shown = error.to_string();
            prop_assert!(shown.chars().count() <= 700, "{} characters: {}", shown.chars().count(), shown);
            match error {
                persona_api::Error::Decode(decode) => {
                    prop_assert!(!decode.path.is_empty());
                    prop_assert!(decode.snippet.chars().count() <= 122, "{}", decode.snippet);
                }
                other => prop_assert!(false, "expected a decode error, got {other:?}"),
            }
        }
    }
}

/// A JSON value of bounded depth, to drop into a response.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z-]{1,10}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Changes Persona may make without a new API version, each of which must still decode.
#[derive(Debug, Clone)]
enum CompatibleChange {
    UnknownAttribute(String, Value),
    UnknownStatus(String),
    NullAttribute(prop::sample::Index),
    MissingAttribute(prop::sample::Index),
    UnknownIncludedType(String, Value),
    NullArray(prop::sample::Index),
}

fn compatible_change() -> impl Strategy<Value = CompatibleChange> {
    prop_oneof![
        ("zz-[a-z-]{1,10}", json_value())
            .prop_map(|(name, value)| CompatibleChange::UnknownAttribute(name, value)),
        "[a-z_]{1,16}".prop_map(CompatibleChange::UnknownStatus),
        any::<prop::sample::Index>().prop_map(CompatibleChange::NullAttribute),
        any::<prop::sample::Index>().prop_map(CompatibleChange::MissingAttribute),
        ("[a-z]{1,8}/[a-z-]{1,8}", json_value())
            .prop_map(|(kind, value)| CompatibleChange::UnknownIncludedType(kind, value)),
        any::<prop::sample::Index>().prop_map(CompatibleChange::NullArray),
    ]
}

fn apply(document: &mut Value, change: &CompatibleChange) {
    let attributes = document["data"]["attributes"]
        .as_object_mut()
        .expect("attributes");
    // Persona's `fields` entries always have their two keys, and `status` is an enum the
    // forward-compatible type accepts as any string; neither is touched by null/missing.
    let keys: Vec<String> = attributes
        .keys()
        .filter(|key| *key != "fields")
        .cloned()
        .collect();
    match change {
        CompatibleChange::UnknownAttribute(name, value) => {
            attributes.insert(name.clone(), value.clone());
        }
        CompatibleChange::UnknownStatus(status) => {
            attributes.insert("status".into(), json!(status));
        }
        CompatibleChange::NullAttribute(index) => {
            attributes.insert(index.get(&keys).clone(), Value::Null);
        }
        CompatibleChange::MissingAttribute(index) => {
            attributes.remove(index.get(&keys));
        }
        CompatibleChange::UnknownIncludedType(kind, attributes) => {
            document["included"] =
                json!([{"type": kind, "id": "x_1", "attributes": {"anything": attributes}}]);
        }
        CompatibleChange::NullArray(index) => {
            let relationships = [
                "reports",
                "verifications",
                "sessions",
                "documents",
                "selfies",
            ];
            document["data"]["relationships"][*index.get(&relationships)]["data"] = Value::Null;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn compatible_changes_to_an_inquiry_still_decode(changes in prop::collection::vec(compatible_change(), 1..6)) {
        let mut document = guide().response.clone();
        for change in &changes {
            apply(&mut document, change);
        }
        let decoded = serde_json::from_value::<InquiryDocument>(document.clone());
        prop_assert!(decoded.is_ok(), "{:?} after {:?}", decoded.err(), changes);
    }

    #[test]
    fn arbitrary_values_in_any_attribute_never_panic(index in any::<prop::sample::Index>(), value in json_value()) {
        let mut document = guide().response.clone();
        let attributes = document["data"]["attributes"].as_object_mut().expect("attributes");
        let keys: Vec<String> = attributes.keys().cloned().collect();
        attributes.insert(index.get(&keys).clone(), value);
        let _ = serde_json::from_value::<InquiryDocument>(document);
    }
}
