//! `cargo xtask fixtures --from <reference>`: the data the tests need from the reference
//! material, checked in under `tests/fixtures/` so that a clone with nothing beside it tests.
//!
//! Only data is taken: the getting-started guide's curl command (method, URL, headers, body)
//! and its response and error bodies, and, from Persona's published bundle, the operations in
//! our scope with their JSON examples. No descriptions or other prose.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::document::Document;
use crate::{TaskError, workspace_root, write_or_check};

/// Where the fixtures live, relative to the workspace root.
pub const FIXTURES_DIR: &str = "tests/fixtures";
/// The getting-started guide's curl command and bodies.
pub const GUIDE_FIXTURE: &str = "guide.json";
/// Persona's operations in our scope with their examples.
pub const PERSONA_FIXTURE: &str = "persona-2023-01-05.json";

/// The reference files the fixtures come from, relative to the reference directory.
const GUIDE_SOURCE: &str = "seed-getting-started.txt";
pub const BUNDLE_SOURCE: &str = "persona-openapi/2023-01-05.openapi-bundled.json";

/// Writes the fixtures from `reference`, or with `check` fails naming the first stale one.
pub fn run(reference: &Path, check: bool) -> Result<String, TaskError> {
    let guide = guide_fixture(&crate::read(&reference.join(GUIDE_SOURCE))?)?;
    let bundle = Document::load(&reference.join(BUNDLE_SOURCE))?;
    let ours = crate::client_document()?;
    let persona = persona_fixture(&bundle, &ours);
    let dir = workspace_root().join(FIXTURES_DIR);
    let mut changed = Vec::new();
    for (name, value) in [(GUIDE_FIXTURE, guide), (PERSONA_FIXTURE, persona)] {
        let path: PathBuf = dir.join(name);
        let text = serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n";
        if write_or_check(&path, &text, check)? {
            changed.push(format!("{FIXTURES_DIR}/{name}"));
        }
    }
    match (check, changed.is_empty()) {
        (true, false) => Err(TaskError::Stale {
            path: changed.join(", "),
            source: reference.display().to_string(),
            command: format!("cargo xtask fixtures --from {}", reference.display()),
        }),
        (true, true) => Ok(format!(
            "{FIXTURES_DIR} is up to date with {}",
            reference.display()
        )),
        (false, _) => Ok(format!(
            "wrote {FIXTURES_DIR}/{{{GUIDE_FIXTURE},{PERSONA_FIXTURE}}} from {}",
            reference.display()
        )),
    }
}

fn guide_error(what: &str) -> TaskError {
    TaskError::Reference(format!("{GUIDE_SOURCE}: {what}"))
}

/// The guide's first curl command, its printed response (`{{ ... }}`: the JSON starts at the
/// second brace) and the error body after "Response error handling".
fn guide_fixture(text: &str) -> Result<Value, TaskError> {
    let start = text
        .find("curl --request ")
        .ok_or_else(|| guide_error("no curl command"))?;
    let command = &text[start..];
    let data_start = command
        .find("--data '")
        .ok_or_else(|| guide_error("the curl command has no --data"))?
        + "--data '".len();
    let data_len = command[data_start..]
        .find("\n'")
        .ok_or_else(|| guide_error("the curl command's --data is not closed"))?
        + 1;
    let data = &command[data_start..data_start + data_len];
    let options = &command[..data_start];
    let method = options
        .split_whitespace()
        .nth(2)
        .ok_or_else(|| guide_error("the curl command has no method"))?;
    let url = options
        .split("--url ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| guide_error("the curl command has no --url"))?;
    let headers = options
        .split("--header '")
        .skip(1)
        .map(|header| {
            header[..header.find('\'').unwrap_or(header.len())]
                .split_once(": ")
                .map(|(name, value)| json!([name, value]))
                .ok_or_else(|| guide_error("a --header is not `name: value`"))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let response_start = text
        .find("{{")
        .ok_or_else(|| guide_error("no response body"))?
        + 1;
    let error_section = text
        .find("Response error handling")
        .ok_or_else(|| guide_error("no error section"))?;
    let error_start = error_section
        + text[error_section..]
            .find('{')
            .ok_or_else(|| guide_error("no error body"))?;
    Ok(json!({
        "curl": {"method": method, "url": url, "headers": headers, "data": data},
        "request": first_json(data, "the request body")?,
        "response": first_json(&text[response_start..], "the response body")?,
        "error": first_json(&text[error_start..], "the error body")?,
    }))
}

/// The first JSON value at the start of `text` (after white space); what follows is ignored.
fn first_json(text: &str, what: &str) -> Result<Value, TaskError> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .ok_or_else(|| guide_error(&format!("{what} is missing")))?
        .map_err(|error| guide_error(&format!("{what} is not JSON: {error}")))
}

/// Every operation of the bundle the client covers (those `ours` has), sorted, with its request
/// examples and the examples of its success responses.
fn persona_fixture(bundle: &Document, ours: &Document) -> Value {
    let scope = ours.scope();
    let operations: Vec<Value> = bundle
        .operations()
        .filter(|operation| scope.contains(operation))
        .map(|operation| {
            let node = operation.node;
            let requests = node
                .get("requestBody")
                .map(|body| bundle.json_examples(body))
                .unwrap_or_default();
            let mut responses = Map::new();
            if let Some(map) = node.get("responses").and_then(Value::as_object) {
                for (status, response) in map.iter().filter(|(code, _)| code.starts_with('2')) {
                    responses.insert(
                        status.clone(),
                        Value::Object(bundle.json_examples(response)),
                    );
                }
            }
            json!({
                "method": operation.method.to_uppercase(),
                "path": operation.path,
                "request_examples": requests,
                "response_examples": responses,
            })
        })
        .collect();
    json!({ "operations": operations })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guide in the layout of Persona's: a curl command, a response printed as `{{ ... }}`
    /// and an error after its heading.
    const GUIDE: &str = "Intro\ncurl --request POST \\\n--url https://example.test/api/v1/things \\\n\
        --header 'Persona-Version: 2023-01-05' \\\n--header 'content-type: application/json' \\\n\
        --data '\n{\"data\": {\"attributes\": {\"name\": \"x\"}}}\n'\nText\n{{\n\"data\": {\"id\": \"thg_1\"}\n}\n\
        Response error handling\nSome words.\n{\n\"errors\": [{\"title\": \"Bad request\"}]\n}\nMore words.";

    #[test]
    fn the_guide_is_taken_apart_into_data() {
        let fixture = guide_fixture(GUIDE).expect("a guide");
        assert_eq!(
            fixture["curl"],
            json!({
                "method": "POST",
                "url": "https://example.test/api/v1/things",
                "headers": [["Persona-Version", "2023-01-05"], ["content-type", "application/json"]],
                "data": "\n{\"data\": {\"attributes\": {\"name\": \"x\"}}}\n",
            })
        );
        assert_eq!(
            fixture["request"],
            json!({"data": {"attributes": {"name": "x"}}})
        );
        assert_eq!(fixture["response"], json!({"data": {"id": "thg_1"}}));
        assert_eq!(
            fixture["error"],
            json!({"errors": [{"title": "Bad request"}]})
        );
    }

    #[test]
    fn a_guide_without_its_parts_is_refused_by_name() {
        let error = guide_fixture("no command here").expect_err("refused");
        assert!(error.to_string().contains("no curl command"), "{error}");
        let cut = &GUIDE[..GUIDE.find("Response error handling").expect("heading")];
        let error = guide_fixture(cut).expect_err("refused");
        assert!(error.to_string().contains("no error section"), "{error}");
    }
}
