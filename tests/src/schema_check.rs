//! Checks a JSON value against a schema of the spec, strictly: besides types, `required`,
//! `nullable`, `enum` and formats, an object may only have the keys its schema lists unless
//! the schema allows others. That catches a server sending what the spec does not describe,
//! which decoding into our (lenient, forward-compatible) types would let through.

use chrono::{DateTime, NaiveDate};
use serde_json::{Value, json};

use xtask::document::Document;

/// Every way `value` departs from `schema`, each with the JSON path where it does.
pub fn violations(schema: &Value, value: &Value) -> Vec<String> {
    violations_in(crate::document(), schema, value)
}

/// As [`violations`], with the schema's references read in `document`: the whole spec, for
/// what the client's view of it leaves out (the webhook deliveries' envelopes).
pub fn violations_in(document: &Document, schema: &Value, value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(document, schema, value, "$", &mut found);
    found
}

fn check(document: &Document, schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let schema = document.resolve(schema);
    if let Some(reference) = schema.get("$ref") {
        panic!("{reference} resolves");
    }
    if schema.get("allOf").is_some() {
        // The members' properties and keywords are the schema's own (what typify merges too).
        return check(document, &document.merged(schema), value, at, found);
    }
    if value.is_null() {
        // OAS 3.0.3: a schema that constrains no type (`{}`, or only a description) takes
        // any value, null included; otherwise null needs `nullable: true`.
        let constrains_type = ["type", "oneOf", "anyOf", "allOf", "properties", "enum"]
            .iter()
            .any(|keyword| schema.get(keyword).is_some());
        if schema.get("nullable") != Some(&Value::Bool(true)) && constrains_type {
            found.push(format!("{at}: null, but the schema is not nullable"));
        }
        return;
    }
    if let Some(mapping) = schema
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object)
    {
        // OAS 3.0.3: the discriminator picks the one option to check. An open union
        // (`x-open-union`) also takes a tag it does not map, as the client's `Other` does.
        let tag = schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str)
            .unwrap_or("type");
        let Some(kind) = value.get(tag).and_then(Value::as_str) else {
            return found.push(format!("{at}: no `{tag}` to pick a oneOf option by"));
        };
        match mapping.get(kind) {
            Some(target) => check(document, &json!({ "$ref": target }), value, at, found),
            None if schema.get("x-open-union") == Some(&Value::Bool(true)) => {}
            None => found.push(format!(
                "{at}: `{tag}` '{kind}' is not in the discriminator's mapping"
            )),
        }
        return;
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|option| violations_in(document, option, value).is_empty())
            .count();
        if matching != 1 {
            found.push(format!(
                "{at}: matches {matching} of the oneOf options, not exactly one"
            ));
        }
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(object) = value.as_object() else {
                return found.push(format!("{at}: expected an object, got {value}"));
            };
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = required.as_str().unwrap_or_default();
                if !object.contains_key(name) {
                    found.push(format!("{at}: missing required `{name}`"));
                }
            }
            for (key, child) in object {
                match properties.and_then(|properties| properties.get(key)) {
                    Some(child_schema) => {
                        check(document, child_schema, child, &format!("{at}.{key}"), found)
                    }
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(true)) => {}
                        Some(extra) if extra.is_object() => {
                            check(document, extra, child, &format!("{at}.{key}"), found)
                        }
                        _ => found.push(format!("{at}: `{key}` is not in the schema")),
                    },
                }
            }
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return found.push(format!("{at}: expected an array, got {value}"));
            };
            for (index, item) in items.iter().enumerate() {
                check(
                    document,
                    &schema["items"],
                    item,
                    &format!("{at}[{index}]"),
                    found,
                );
            }
        }
        Some("string") => match value.as_str() {
            None => found.push(format!("{at}: expected a string, got {value}")),
            Some(text) => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") if DateTime::parse_from_rfc3339(text).is_err() => {
                    found.push(format!("{at}: '{text}' is not a date-time"))
                }
                Some("date") if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                    found.push(format!("{at}: '{text}' is not a date"))
                }
                _ => {}
            },
        },
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            found.push(format!("{at}: expected an integer, got {value}"))
        }
        Some("number") if !value.is_number() => {
            found.push(format!("{at}: expected a number, got {value}"))
        }
        Some("boolean") if !value.is_boolean() => {
            found.push(format!("{at}: expected a boolean, got {value}"))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::violations;

    #[test]
    fn finds_unknown_keys_wrong_types_missing_required_and_bad_formats() {
        let schema = json!({"$ref": "#/components/schemas/InquirySession"});
        let session = json!({
            "type": "inquiry-session",
            "attributes": {"status": "new", "created-at": "yesterday", "is-vpn": "no", "mystery": 1}
        });
        let found = violations(&schema, &session);
        assert_eq!(
            found,
            vec![
                "$: missing required `id`",
                "$.attributes.created-at: 'yesterday' is not a date-time",
                "$.attributes.is-vpn: expected a boolean, got \"no\"",
            ],
            "an attributes object allows unknown keys (additionalProperties: {{}}), the rest is checked"
        );
        let found = violations(
            &json!({"$ref": "#/components/schemas/ErrorSource"}),
            &json!({"pointer": "/data", "line": 3}),
        );
        assert_eq!(found, vec!["$: `line` is not in the schema"]);
    }
}
