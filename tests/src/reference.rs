//! The reference material beside the repository (`../shared/reference`): Persona's
//! getting-started guide (the seed) and Persona's own published 2023-01-05 spec.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::Examples;

fn reference_dir() -> PathBuf {
    crate::workspace_root().join("../shared/reference")
}

/// The request, response and error bodies of the getting-started guide, exactly as printed.
pub struct Seed {
    pub request: Value,
    pub response: Value,
    pub error: Value,
    /// The full text, for tests that replay its curl command.
    pub text: String,
}

pub fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let text = std::fs::read_to_string(reference_dir().join("seed-getting-started.txt"))
            .expect("../shared/reference/seed-getting-started.txt is readable");
        let request = between(&text, "--data '", "'");
        // The guide prints the response as `{{ ... }}`: the JSON starts at the second brace.
        let response = &text[text.find("{{").expect("the response") + 1..];
        let error_start = text.find("Response error handling").expect("error section");
        let error = between(&text[error_start..], "guidance.", "Questions?");
        Seed {
            request: first_json(request),
            response: first_json(response),
            error: first_json(error),
            text,
        }
    })
}

/// The text strictly between the first `start` and the next `end` after it; the JSON inside
/// starts at its first `{`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("seed has {start:?}"))
        + start.len();
    let to = from
        + text[from..]
            .find(end)
            .unwrap_or_else(|| panic!("seed has {end:?} after {start:?}"));
    let inner = &text[from..to];
    &inner[inner.find('{').expect("a JSON object")..]
}

/// The first JSON value in `text`; the guide prints the response as `{{ ... }}`, so a brace
/// may follow it.
fn first_json(text: &str) -> Value {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    values.next().expect("a JSON value").expect("valid JSON")
}

/// Persona's own OpenAPI 3.1 bundle for API version 2023-01-05.
fn persona_spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = reference_dir().join("persona-openapi/2023-01-05.openapi-bundled.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        serde_json::from_str(&text).expect("Persona's bundle is JSON")
    })
}

fn persona_resolve(node: &Value) -> &Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => persona_spec()
            .pointer(reference.trim_start_matches('#'))
            .expect("Persona's $ref resolves"),
        None => node,
    }
}

/// `(METHOD, path)` of every operation in Persona's spec whose path is in one of `families`
/// (a family is a first segment such as `/inquiries`).
pub fn persona_operations(families: &[&str]) -> std::collections::BTreeSet<(String, String)> {
    let paths = persona_spec()["paths"].as_object().expect("paths");
    paths
        .iter()
        .filter(|(path, _)| {
            families
                .iter()
                .any(|family| *path == family || path.starts_with(&format!("{family}/")))
        })
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|method| {
                    ["get", "post", "patch", "delete", "put"].contains(&method.as_str())
                })
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Persona's examples for one operation: `(request examples, success response examples)`.
pub fn persona_examples(method: &str, path: &str) -> (Examples, Examples) {
    let operation = &persona_spec()["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "Persona's spec has {method} {path}");
    let json_examples = |content: &Value| -> Examples {
        content["application/json"]["examples"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(name, example)| {
                        (name.clone(), persona_resolve(example)["value"].clone())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let requests = operation
        .get("requestBody")
        .map(|body| json_examples(&persona_resolve(body)["content"]));
    let responses = operation["responses"]
        .as_object()
        .expect("responses")
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .flat_map(|(_, response)| json_examples(&persona_resolve(response)["content"]))
        .collect();
    (requests.unwrap_or_default(), responses)
}
