//! Data from the reference material, checked in under `tests/fixtures/` by
//! `cargo xtask fixtures --from <reference>`: the getting-started guide's curl command and
//! bodies, and Persona's own operations and examples (2023-01-05 bundle) in our scope. Compiled
//! in, so the tests need nothing beside the checkout.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::Examples;

/// The getting-started guide: its curl command, and the request, response and error bodies
/// exactly as printed.
#[derive(Debug, Deserialize)]
pub struct Guide {
    pub curl: CurlCommand,
    pub request: Value,
    pub response: Value,
    pub error: Value,
}

/// The guide's curl command, taken apart.
#[derive(Debug, Deserialize)]
pub struct CurlCommand {
    pub method: String,
    pub url: String,
    /// `(name, value)` in the order the command gives them.
    pub headers: Vec<(String, String)>,
    /// The `--data` argument, byte for byte.
    pub data: String,
}

pub fn guide() -> &'static Guide {
    static GUIDE: OnceLock<Guide> = OnceLock::new();
    GUIDE.get_or_init(|| {
        serde_json::from_str(include_str!("../fixtures/guide.json")).expect("guide.json is a Guide")
    })
}

#[derive(Debug, Deserialize)]
struct PersonaOperations {
    operations: Vec<PersonaOperation>,
}

/// One of Persona's operations with its examples.
#[derive(Debug, Deserialize)]
pub struct PersonaOperation {
    pub method: String,
    pub path: String,
    pub request_examples: serde_json::Map<String, Value>,
    /// Examples by success status, then by name.
    pub response_examples: std::collections::BTreeMap<String, serde_json::Map<String, Value>>,
}

fn persona() -> &'static [PersonaOperation] {
    static PERSONA: OnceLock<PersonaOperations> = OnceLock::new();
    &PERSONA
        .get_or_init(|| {
            serde_json::from_str(include_str!("../fixtures/persona-2023-01-05.json"))
                .expect("persona-2023-01-05.json lists operations")
        })
        .operations
}

/// `(METHOD, path)` of every operation of Persona's spec in our scope.
pub fn persona_operations() -> BTreeSet<(String, String)> {
    persona()
        .iter()
        .map(|operation| (operation.method.clone(), operation.path.clone()))
        .collect()
}

/// Persona's examples for one operation: `(request examples, success response examples)`.
pub fn persona_examples(method: &str, path: &str) -> (Examples, Examples) {
    let operation = persona()
        .iter()
        .find(|operation| operation.method.eq_ignore_ascii_case(method) && operation.path == path)
        .unwrap_or_else(|| panic!("Persona's spec has {method} {path}"));
    let pairs = |map: &serde_json::Map<String, Value>| -> Examples {
        map.iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    };
    (
        pairs(&operation.request_examples),
        operation
            .response_examples
            .values()
            .flat_map(pairs)
            .collect(),
    )
}
