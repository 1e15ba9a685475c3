//! Checks a spec for what progenitor 0.15 cannot take, before progenitor sees it.
//!
//! progenitor panics (`response_types.len() <= 1`, `todo!`) or misreads some constructs; each
//! check here turns one of them into a sentence that names the construct and its JSON path.

use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every problem found, in document order; empty when progenitor can take the spec.
pub fn problems(document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match document.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0.") => {}
        Some(version) => found.push(format!(
            "openapi: `{version}`: progenitor reads OpenAPI 3.0.x only; write the spec as 3.0.3"
        )),
        None => found.push("openapi: the version field is missing".to_string()),
    }
    broken_refs(document, document, "", &mut found);
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item
            .iter()
            .filter(|(method, _)| METHODS.contains(&method.as_str()))
        {
            let at = format!("paths.{path}.{method}");
            check_operation(document, operation, &at, &mut found);
        }
    }
    found
}

fn check_operation(document: &Value, operation: &Value, at: &str, found: &mut Vec<String>) {
    for (index, parameter) in array(operation, "parameters").iter().enumerate() {
        let parameter = resolve(document, parameter);
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
        if parameter.get("style").and_then(Value::as_str) == Some("deepObject") {
            found.push(format!(
                "{at}.parameters[{index}] (`{name}`): `style: deepObject` is rejected; \
                 declare one parameter per key with a literal name such as `page[after]`"
            ));
        }
        if parameter.get("in").and_then(Value::as_str) == Some("cookie") {
            found.push(format!(
                "{at}.parameters[{index}] (`{name}`): cookie parameters are rejected"
            ));
        }
    }
    if let Some(body) = operation.get("requestBody") {
        let media_types = object_keys(resolve(document, body).get("content"));
        if media_types.len() > 1 {
            found.push(format!(
                "{at}.requestBody: {} media types ({}); progenitor takes one per operation (it hits a todo!)",
                media_types.len(),
                media_types.join(", ")
            ));
        }
        if media_types
            .iter()
            .any(|media_type| media_type == "multipart/form-data")
        {
            found.push(format!("{at}.requestBody: multipart/form-data is rejected"));
        }
    }
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        found.push(format!("{at}.responses: missing"));
        return;
    };
    if responses.contains_key("default") {
        found.push(format!(
            "{at}.responses.default: a `default` response makes progenitor panic; \
             list the codes, with `5XX` for server errors"
        ));
    }
    let mut successes: Vec<(&str, Value)> = Vec::new();
    let mut failures: Vec<(&str, Value)> = Vec::new();
    for (code, response) in responses
        .iter()
        .filter(|(code, _)| code.as_str() != "default")
    {
        let body_type = response_body_type(document, response);
        if code.starts_with('2') {
            successes.push((code, body_type));
        } else {
            failures.push((code, body_type));
        }
    }
    for (kind, bodies) in [("success", &successes), ("error", &failures)] {
        if let Some((first_code, first_type)) = bodies.first()
            && let Some((other_code, _)) =
                bodies.iter().find(|(_, body_type)| body_type != first_type)
        {
            found.push(format!(
                "{at}.responses: {kind} responses {first_code} and {other_code} have different bodies; \
                 progenitor panics unless every {kind} response shares one schema"
            ));
        }
    }
}

/// What progenitor keys a response's type on: the schema of each media type (`$ref`s resolved
/// to their target name), or nothing for a response without a body.
fn response_body_type(document: &Value, response: &Value) -> Value {
    let response = resolve(document, response);
    match response.get("content").and_then(Value::as_object) {
        Some(content) => content
            .iter()
            .map(|(media_type, entry)| {
                (
                    media_type.clone(),
                    entry.get("schema").cloned().unwrap_or(Value::Null),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        None => Value::Null,
    }
}

/// Reports every `$ref` that does not point at something in this document.
fn broken_refs(document: &Value, node: &Value, at: &str, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                match reference.strip_prefix('#') {
                    Some(pointer) if document.pointer(pointer).is_some() => {}
                    Some(_) => found.push(format!(
                        "{}: `$ref: {reference}` points at nothing",
                        display_path(at)
                    )),
                    None => found.push(format!(
                        "{}: `$ref: {reference}` is external; bundle it into this document",
                        display_path(at)
                    )),
                }
            }
            for (key, child) in map {
                broken_refs(document, child, &format!("{at}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                broken_refs(document, child, &format!("{at}[{index}]"), found);
            }
        }
        _ => {}
    }
}

fn display_path(at: &str) -> &str {
    at.strip_prefix('.').unwrap_or(at)
}

/// Follows a local `$ref` (one hop is all our components use); anything else is returned as is.
fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(node)
}

fn array<'a>(node: &'a Value, key: &str) -> &'a [Value] {
    node.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn object_keys(node: Option<&Value>) -> Vec<String> {
    node.and_then(Value::as_object)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::problems;
    use serde_json::json;

    fn spec_with(operation: serde_json::Value) -> serde_json::Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"post": operation}},
            "components": {"schemas": {
                "A": {"type": "object"},
                "B": {"type": "object"}
            }}
        })
    }

    fn json_body(schema: &str) -> serde_json::Value {
        json!({"description": "d", "content": {"application/json": {"schema": {"$ref": schema}}}})
    }

    #[test]
    fn a_clean_operation_has_no_problems() {
        let spec = spec_with(json!({"responses": {
            "200": json_body("#/components/schemas/A"),
            "400": json_body("#/components/schemas/B"),
            "5XX": json_body("#/components/schemas/B")
        }}));
        assert_eq!(problems(&spec), Vec::<String>::new());
    }

    #[test]
    fn openapi_3_1_is_named() {
        let mut spec =
            spec_with(json!({"responses": {"200": json_body("#/components/schemas/A")}}));
        spec["openapi"] = json!("3.1.0");
        let found = problems(&spec);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("openapi: `3.1.0`: progenitor reads OpenAPI 3.0.x only"),
            "{found:?}"
        );
    }

    #[test]
    fn a_default_response_is_named_with_its_operation() {
        let spec = spec_with(json!({"responses": {
            "200": json_body("#/components/schemas/A"),
            "default": json_body("#/components/schemas/B")
        }}));
        let found = problems(&spec);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("paths./things.post.responses.default: a `default` response"));
    }

    #[test]
    fn two_error_schemas_are_named_by_code() {
        let spec = spec_with(json!({"responses": {
            "200": json_body("#/components/schemas/A"),
            "400": json_body("#/components/schemas/A"),
            "404": json_body("#/components/schemas/B")
        }}));
        let found = problems(&spec);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("error responses 400 and 404 have different bodies"),
            "{found:?}"
        );
    }

    #[test]
    fn a_broken_ref_is_named_with_its_location() {
        let spec =
            spec_with(json!({"responses": {"200": json_body("#/components/schemas/Missing")}}));
        let found = problems(&spec);
        assert_eq!(
            found,
            vec![
                "paths./things.post.responses.200.content.application/json.schema: \
                 `$ref: #/components/schemas/Missing` points at nothing"
                    .to_string()
            ]
        );
    }

    #[test]
    fn deep_object_and_two_body_media_types_are_named() {
        let spec = spec_with(json!({
            "parameters": [{"name": "page", "in": "query", "style": "deepObject", "schema": {"type": "object"}}],
            "requestBody": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/A"}},
                "multipart/form-data": {"schema": {"$ref": "#/components/schemas/A"}}
            }},
            "responses": {"200": json_body("#/components/schemas/A")}
        }));
        let found = problems(&spec);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("parameters[0] (`page`): `style: deepObject`"));
        assert!(found[1].contains("requestBody: 2 media types"));
        assert!(found[2].contains("multipart/form-data is rejected"));
    }
}
