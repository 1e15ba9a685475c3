//! Every example, ours and Persona's, and the getting-started guide's bodies are valid for the
//! Rust types generated from our schemas.

use std::collections::BTreeSet;

use persona_api_tests::decode::decode;
use persona_api_tests::fixtures::{guide, persona_examples, persona_operations};
use persona_api_tests::{operations, spec};

#[test]
fn the_spec_has_exactly_personas_operations() {
    let ours: BTreeSet<(String, String)> = operations()
        .iter()
        .map(|operation| (operation.method.clone(), operation.path.clone()))
        .collect();
    let theirs = persona_operations();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 209, "every operation of Persona's bundle");
}

/// Our operations have examples of both bodies; the ones taken from Persona's bundle have its
/// examples of every JSON answer (it publishes none for 31 JSON request bodies and the 2 forms).
#[test]
fn every_operation_has_request_and_response_examples() {
    let mut without_request_example = 0;
    for operation in operations() {
        assert!(
            !operation.response_examples.is_empty() || operation.response_schema.is_none(),
            "{} has no response example",
            operation.id
        );
        if !operation.shape_from_overlay {
            if operation.request_schema.is_some() && operation.request_examples.is_empty() {
                without_request_example += 1;
            }
            continue;
        }
        if operation.request_schema.is_some() {
            assert!(
                !operation.request_examples.is_empty(),
                "{} has no request example",
                operation.id
            );
        }
    }
    // 31 JSON bodies, and the 2 OAuth forms.
    assert_eq!(without_request_example, 33);
}

#[test]
fn our_examples_decode_into_their_types() {
    for operation in operations() {
        let pairs = [
            (&operation.request_schema, &operation.request_examples),
            (&operation.response_schema, &operation.response_examples),
        ];
        for (schema, examples) in pairs {
            let Some(schema) = schema else { continue };
            for (name, example) in examples {
                decode(schema, example).unwrap_or_else(|error| {
                    panic!(
                        "{} example `{name}` is not a {schema}: {error}",
                        operation.id
                    )
                });
            }
        }
    }
    // Error examples are shared components; each must be an ErrorBody.
    for (name, response) in spec()["components"]["responses"]
        .as_object()
        .expect("responses")
    {
        for example in response["content"]["application/json"]["examples"]
            .as_object()
            .into_iter()
            .flat_map(|map| map.values())
        {
            let example = persona_api_tests::resolve(example);
            if let Some(schema) =
                persona_api_tests::ref_name(&response["content"]["application/json"]["schema"])
            {
                decode(schema, &example["value"])
                    .unwrap_or_else(|error| panic!("response {name}: {error}"));
            }
        }
    }
}

#[test]
fn persona_examples_decode_into_our_types() {
    let mut decoded = 0;
    let mut failures = Vec::new();
    for operation in operations() {
        let (requests, responses) = persona_examples(&operation.method, &operation.path);
        let pairs = [
            (&operation.request_schema, requests),
            (&operation.response_schema, responses),
        ];
        for (schema, examples) in pairs {
            let Some(schema) = schema else { continue };
            for (name, example) in examples {
                match decode(schema, &example) {
                    Ok(_) => decoded += 1,
                    Err(error) => {
                        failures.push(format!("{} `{name}` ({schema}): {error}", operation.id))
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{decoded} decoded, {} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Persona publishes 271 JSON examples for the operations the client has (the PDFs have
    // none): all of them must have been read.
    assert_eq!(decoded, 271);
}

#[test]
fn the_seed_request_round_trips_exactly() {
    let request: persona_api::types::CreateInquiryRequest =
        serde_json::from_value(guide().request.clone())
            .expect("the seed request is a CreateInquiryRequest");
    assert_eq!(
        serde_json::to_value(&request).expect("serializes"),
        guide().request
    );
}

#[test]
fn the_seed_error_is_our_bad_request_example() {
    let example = &spec()["components"]["examples"]["ErrorWrongTemplatePrefix"]["value"];
    assert_eq!(example, &guide().error);
    decode("ErrorBody", &guide().error).expect("the seed error is an ErrorBody");
}
