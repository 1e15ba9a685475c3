//! `cargo xtask import-schema <bundle> <component>...`: components of one of Persona's OpenAPI
//! 3.1 bundles, brought into our spec's 3.0 dialect, printed as YAML to paste under
//! `components/schemas`.
//!
//! Structure only: property names, types and formats, `nullable` for 3.1's `type: [.., null]`
//! and `null` union members, enums (`const` as a one-value enum), `required`, `items`, unions,
//! and `additionalProperties` for `unevaluatedProperties` (with `allOf` members merged first,
//! since 3.0's `additionalProperties` does not see into them). Descriptions, titles and
//! examples are left out: our spec carries its own words. A `$ref` to another component stays
//! a `$ref` of the same name; the output lists the ones not imported alongside.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::document::{Document, is_null_schema, union_members};
use crate::{TaskError, pascal_case};

/// Keywords that mean the same in 3.0 and 3.1 and are structure, copied as they are.
const KEPT: [&str; 14] = [
    "format",
    "required",
    "enum",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "readOnly",
    "writeOnly",
    "deprecated",
];

/// How the imported schemas will be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// As Persona wrote them, names included.
    AsPublished,
    /// For reading responses: our names (PascalCase), every property optional and nullable
    /// (sparse fieldsets leave any out), objects open and values unenumerated (Persona adds
    /// keys and values without a version change).
    Responses,
}

pub fn run(bundle: &Path, names: &[&str], intended: Use) -> Result<String, TaskError> {
    let document = Document::load(bundle)?;
    let mut imported = Map::new();
    let mut referenced = BTreeSet::new();
    for name in names {
        let schema = document
            .root
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| {
                TaskError::Reference(format!(
                    "{}: no component '{name}' under components/schemas",
                    bundle.display()
                ))
            })?;
        let mut converted = to_openapi_30(&document, schema, &mut referenced);
        let name = match intended {
            Use::AsPublished => name.to_string(),
            Use::Responses => {
                for_reading(&mut converted);
                rename_references(&mut converted);
                pascal_case(name)
            }
        };
        imported.insert(name, converted);
    }
    if intended == Use::Responses {
        referenced = referenced.iter().map(|name| pascal_case(name)).collect();
    }
    let yaml = serde_yaml_ng::to_string(&imported)
        .map_err(|error| TaskError::Yaml(format!("cannot write the imported schemas: {error}")))?;
    let missing: Vec<String> = referenced
        .into_iter()
        .filter(|name| !imported.contains_key(name))
        .collect();
    Ok(if missing.is_empty() {
        yaml
    } else {
        format!(
            "# refers to components not imported here: {}\n{yaml}",
            missing.join(", ")
        )
    })
}

/// Loosens a converted schema for reading responses (see [`Use::Responses`]).
fn for_reading(schema: &mut Value) {
    let Value::Object(object) = schema else {
        return;
    };
    object.remove("required");
    object.remove("enum");
    let has_properties = object.contains_key("properties");
    match object.get("additionalProperties") {
        Some(Value::Bool(false)) => {
            object.insert("additionalProperties".into(), Value::Object(Map::new()));
        }
        None if has_properties => {
            object.insert("additionalProperties".into(), Value::Object(Map::new()));
        }
        _ => {}
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for property in properties.values_mut() {
            for_reading(property);
            nullable(property);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = object.get_mut(key) {
            for_reading(inner);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = object.get_mut(key) {
            members.iter_mut().for_each(for_reading);
        }
    }
}

/// Makes a property schema take `null` (3.0 ignores a `$ref`'s siblings, hence the `allOf`).
fn nullable(property: &mut Value) {
    let Value::Object(object) = property else {
        return;
    };
    if object.is_empty() {
        return;
    }
    if object.contains_key("$ref") {
        let reference = std::mem::take(object);
        object.insert("allOf".into(), Value::Array(vec![Value::Object(reference)]));
    }
    object.insert("nullable".into(), Value::Bool(true));
}

/// `#/components/schemas/verification-selfie` as `#/components/schemas/VerificationSelfie`.
fn rename_references(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/components/schemas/")
            {
                *reference = format!("#/components/schemas/{}", pascal_case(name));
            }
            object.values_mut().for_each(rename_references);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_references),
        _ => {}
    }
}

/// One 3.1 schema as 3.0, recording the components its `$ref`s name.
fn to_openapi_30(document: &Document, schema: &Value, referenced: &mut BTreeSet<String>) -> Value {
    let Some(object) = schema.as_object() else {
        return schema.clone();
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        if let Some(name) = reference.strip_prefix("#/components/schemas/") {
            referenced.insert(name.to_string());
        }
        return Value::Object(Map::from_iter([(
            "$ref".to_string(),
            Value::String(reference.to_string()),
        )]));
    }
    // 3.0's additionalProperties cannot see into allOf members, so a closed schema made of
    // members becomes one schema first.
    let schema = if object.contains_key("unevaluatedProperties") && object.contains_key("allOf") {
        document.merged(schema)
    } else {
        schema.clone()
    };
    let mut out = Map::new();
    let mut nullable = false;

    match schema.get("type") {
        Some(Value::Array(types)) => {
            let named: Vec<&Value> = types.iter().filter(|name| *name != "null").collect();
            nullable = named.len() < types.len();
            match named.as_slice() {
                [only] => {
                    out.insert("type".into(), (*only).clone());
                }
                several => {
                    let members = several
                        .iter()
                        .map(|name| {
                            Value::Object(Map::from_iter([("type".into(), (*name).clone())]))
                        })
                        .collect();
                    out.insert("anyOf".into(), Value::Array(members));
                }
            }
        }
        Some(Value::String(name)) if name == "null" => nullable = true,
        Some(name) => {
            out.insert("type".into(), name.clone());
        }
        None => {}
    }
    if let Some(value) = schema.get("const") {
        out.insert("enum".into(), Value::Array(vec![value.clone()]));
    }
    for key in KEPT {
        if let Some(value) = schema.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && values.iter().any(Value::is_null)
    {
        values.retain(|value| !value.is_null());
        nullable = true;
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let converted = properties
            .iter()
            .map(|(name, property)| (name.clone(), to_openapi_30(document, property, referenced)))
            .collect();
        out.insert("properties".into(), Value::Object(converted));
    }
    if let Some(items) = schema.get("items") {
        out.insert("items".into(), to_openapi_30(document, items, referenced));
    }
    let extra = schema
        .get("additionalProperties")
        .or_else(|| schema.get("unevaluatedProperties"));
    if let Some(extra) = extra {
        out.insert(
            "additionalProperties".into(),
            to_openapi_30(document, extra, referenced),
        );
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        let converted = members
            .iter()
            .map(|member| to_openapi_30(document, member, referenced))
            .collect();
        out.insert("allOf".into(), Value::Array(converted));
    }
    if let Some(members) = union_members(&schema) {
        let keyword = if schema.get("oneOf").is_some() {
            "oneOf"
        } else {
            "anyOf"
        };
        let (nulls, others): (Vec<&Value>, Vec<&Value>) =
            members.iter().partition(|member| is_null_schema(member));
        nullable |= !nulls.is_empty();
        let others: Vec<Value> = others
            .into_iter()
            .map(|member| to_openapi_30(document, member, referenced))
            .collect();
        match <[Value; 1]>::try_from(others) {
            // `null | X` is X, nullable; 3.0 cannot put `nullable` beside a `$ref`, so a
            // reference goes in an allOf.
            Ok([only]) if only.get("$ref").is_some() => {
                out.insert("allOf".into(), Value::Array(vec![only]));
            }
            Ok([Value::Object(only)]) => out.extend(only),
            Ok([only]) => {
                out.insert(keyword.into(), Value::Array(vec![only]));
            }
            Err(others) => {
                out.insert(keyword.into(), Value::Array(others));
            }
        }
    }
    if nullable {
        out.insert("nullable".into(), Value::Bool(true));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(schemas: Value) -> Document {
        Document {
            root: json!({"openapi": "3.1.0", "components": {"schemas": schemas}}),
        }
    }

    #[test]
    fn a_closed_31_schema_becomes_its_30_twin_without_prose() {
        let document = bundle(json!({
            "shared": {"type": "object", "properties": {"status": {"type": "string", "description": "Possible values: a, b."}}},
            "check": {"type": "object"},
            "verification": {
                "type": "object", "title": "A verification", "description": "prose",
                "properties": {
                    "type": {"type": "string", "const": "verification/government-id"},
                    "attributes": {
                        "unevaluatedProperties": false,
                        "allOf": [
                            {"$ref": "#/components/schemas/shared"},
                            {"type": "object", "required": ["name-first"], "properties": {
                                "name-first": {"type": ["string", "null"], "examples": ["JANE"]},
                                "birthdate": {"type": ["string", "null"], "format": "date"},
                                "checks": {"type": "array", "items": {"$ref": "#/components/schemas/check"}},
                                "document": {"oneOf": [{"$ref": "#/components/schemas/document"}, {"type": "null"}]},
                                "score": {"type": ["number", "integer", "null"]},
                                "level": {"enum": ["low", "high", null]},
                            }},
                        ],
                    },
                },
            },
        }));
        let mut referenced = BTreeSet::new();
        let converted = to_openapi_30(
            &document,
            &document.root["components"]["schemas"]["verification"],
            &mut referenced,
        );
        assert_eq!(
            converted,
            json!({
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["verification/government-id"]},
                    "attributes": {
                        "type": "object",
                        "required": ["name-first"],
                        "additionalProperties": false,
                        "properties": {
                            "status": {"type": "string"},
                            "name-first": {"type": "string", "nullable": true},
                            "birthdate": {"type": "string", "format": "date", "nullable": true},
                            "checks": {"type": "array", "items": {"$ref": "#/components/schemas/check"}},
                            "document": {"allOf": [{"$ref": "#/components/schemas/document"}], "nullable": true},
                            "score": {"anyOf": [{"type": "number"}, {"type": "integer"}], "nullable": true},
                            "level": {"enum": ["low", "high"], "nullable": true},
                        },
                    },
                },
            })
        );
        assert_eq!(
            referenced,
            BTreeSet::from(["check".to_string(), "document".to_string()])
        );
    }

    #[test]
    fn an_unknown_component_is_named() {
        let dir = std::env::temp_dir().join(format!("import-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("bundle.json");
        std::fs::write(
            &path,
            r#"{"components": {"schemas": {"a": {"type": "string"}}}}"#,
        )
        .expect("writes");
        let error = run(&path, &["a", "b"], Use::AsPublished).expect_err("b is not there");
        assert!(error.to_string().contains("no component 'b'"), "{error}");
        assert_eq!(
            run(&path, &["a"], Use::AsPublished).expect("imports"),
            "a:\n  type: string\n"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn for_responses_every_property_is_optional_nullable_open_and_unenumerated() {
        let mut schema = json!({
            "type": "object", "additionalProperties": false, "required": ["status"],
            "properties": {
                "status": {"type": "string", "enum": ["passed", "failed"]},
                "photo": {"$ref": "#/components/schemas/file-upload"},
                "checks": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            },
        });
        for_reading(&mut schema);
        rename_references(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object", "additionalProperties": {},
                "properties": {
                    "status": {"type": "string", "nullable": true},
                    "photo": {"allOf": [{"$ref": "#/components/schemas/FileUpload"}], "nullable": true},
                    "checks": {"type": "array", "nullable": true, "items": {
                        "type": "object", "additionalProperties": {},
                        "properties": {"name": {"type": "string", "nullable": true}},
                    }},
                },
            })
        );
        assert_eq!(
            pascal_case("report/politically-exposed-person"),
            "ReportPoliticallyExposedPerson"
        );
    }
}
