//! What a resource looks like on the wire, for persona-mock to render any type from a table:
//! each attribute with whether it may be `null` and a value of its type, each relationship with
//! its arity and target. Values come from Persona's own examples where one shows the
//! attribute, so a rendered record satisfies the spec's schemas without a renderer per type.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::document::Document;

/// An attribute of a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// On the wire, kebab-case: `created-at`.
    pub name: String,
    pub nullable: bool,
    /// A whole number: a request's `2.0` is rendered `2`.
    pub integer: bool,
    /// What the mock renders when nothing set it and it may not be `null`: an empty array or
    /// object, `false`, `0`, an enum's first value, or for a string the value an example of
    /// the spec gives it (a status such as `Open`), so no example's person or tag shows up.
    pub fallback: Value,
}

/// A relationship of a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub name: String,
    /// To-many: `data` is an array.
    pub many: bool,
    /// A to-one whose `data` may be `null`.
    pub nullable: bool,
    /// What it points at: the one type its schema's `type` allows or whose ids are of its id
    /// kind (`account`), else the family it points into (`report`, for a report of any kind);
    /// `None` when the spec does not say.
    pub target: Option<String>,
    /// The id kind its own schema gives its ids (`DocumentId`), which names the target when
    /// `type` does not.
    pub id_kind: Option<String>,
}

/// What the spec's examples show of each resource type: every attribute's first value that is
/// not `null`, and the prefix of its ids.
pub struct Samples {
    values: BTreeMap<(String, String), Value>,
    prefixes: BTreeMap<String, String>,
}

impl Samples {
    /// Walks the whole document: examples sit in `components/examples`, in responses and in
    /// schemas, and any object with a `type` and `attributes` is a resource.
    pub fn read(document: &Document) -> Samples {
        let (mut values, mut prefixes) = (BTreeMap::new(), BTreeMap::new());
        let mut pending = vec![&document.root];
        while let Some(node) = pending.pop() {
            match node {
                Value::Object(object) => {
                    if let (Some(Value::String(json_type)), Some(Value::Object(attributes))) =
                        (object.get("type"), object.get("attributes"))
                    {
                        for (name, value) in attributes.iter().filter(|(_, value)| !value.is_null())
                        {
                            values
                                .entry((json_type.clone(), name.clone()))
                                .or_insert_with(|| value.clone());
                        }
                    }
                    // A resource or a relationship's linkage: some types' ids show only where
                    // others point at them (`rptp_` of a report's template).
                    if let Some(Value::String(json_type)) = object.get("type") {
                        let prefix = object
                            .get("id")
                            .and_then(Value::as_str)
                            .and_then(|id| Some(&id[..=id.find('_')?]));
                        if let Some(prefix) = prefix {
                            prefixes
                                .entry(json_type.clone())
                                .or_insert_with(|| prefix.to_string());
                        }
                    }
                    pending.extend(object.values());
                }
                Value::Array(items) => pending.extend(items),
                _ => {}
            }
        }
        Samples { values, prefixes }
    }

    /// The prefix of the ids the examples give a type (`case_`), for the types whose id
    /// kind the spec does not name.
    pub fn prefix(&self, json_type: &str) -> Option<&str> {
        self.prefixes.get(json_type).map(String::as_str)
    }
}

/// The prefix of the example an `id` schema gives (`rptp_`), for a type no example object
/// shows.
pub fn example_prefix(id: &Value) -> Option<&str> {
    let example = id
        .get("example")
        .or_else(|| id.get("examples")?.get(0))?
        .as_str()?;
    Some(&example[..=example.find('_')?])
}

/// The attributes of a resource type's `attributes` schema, by name.
pub fn attributes(
    document: &Document,
    json_type: &str,
    schema: &Value,
    samples: &Samples,
) -> Vec<Attribute> {
    document.merged(schema)["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let property = document.merged(property);
            Attribute {
                name: name.clone(),
                nullable: property["nullable"] == true,
                integer: property["type"] == "integer",
                fallback: fallback(
                    document,
                    &property,
                    samples.values.get(&(json_type.to_string(), name.clone())),
                ),
            }
        })
        .collect()
}

/// Whether a resource type's `relationships` schema is an open map, taking relationships of
/// any name (the overlay's loose `relationships` of the types it writes itself).
pub fn open_relationships(document: &Document, schema: &Value) -> bool {
    let merged = document.merged(schema);
    let named = merged["properties"]
        .as_object()
        .is_some_and(|properties| !properties.is_empty());
    !named
        && merged
            .get("additionalProperties")
            .is_some_and(|any| any != false)
}

/// The relationships a resource type's `relationships` schema lists (none when it is an open
/// map), with the target their `type` allows; the model names the rest by their id kind.
pub fn relationships(document: &Document, schema: &Value) -> Vec<Relationship> {
    document.merged(schema)["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let data = document.merged(&document.merged(property)["properties"]["data"]);
            let many = data["type"] == "array";
            let item = if many {
                document.merged(&data["items"])
            } else {
                data.clone()
            };
            // A one-value `enum` names the target. An `example` shows one type the link may
            // point at, not the only one: of a family (`verification-template/aamva`), it
            // names the family; else (the shared `ResourceIdentifier`'s `account`) nothing.
            let type_ = document.merged(&item["properties"]["type"]);
            let target = match type_["enum"].as_array() {
                Some(values) if values.len() == 1 => values[0].as_str().map(str::to_string),
                _ => type_["example"]
                    .as_str()
                    .and_then(|example| example.split_once('/'))
                    .map(|(family, _)| family.to_string()),
            };
            // A link schema narrows the shared one by its id alone (`DocumentLinks` is a
            // to-many whose ids are `DocumentId`s); the merge keeps the shared `id`, so read
            // the link's own.
            let own = &document.resolve(property)["properties"]["data"];
            let id_kind = own
                .get("items")
                .unwrap_or(own)
                .pointer("/properties/id/$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
                .map(str::to_string);
            Relationship {
                name: name.clone(),
                many,
                nullable: data["nullable"] == true,
                target,
                id_kind,
            }
        })
        .collect()
}

/// The attribute names a request body takes in `data.attributes`, over every kind when `data`
/// is a union (`createReport`), sorted; empty for a body without them.
pub fn body_attributes(document: &Document, body: &Value) -> Vec<String> {
    let data = document.merged(&document.merged(body)["properties"]["data"]);
    let kinds = match crate::document::union_members(&data) {
        Some(members) => members.iter().map(|kind| document.merged(kind)).collect(),
        None => vec![data],
    };
    let mut names: Vec<String> = kinds
        .iter()
        .flat_map(|kind| {
            document.merged(&kind["properties"]["attributes"])["properties"]
                .as_object()
                .map(|properties| properties.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Where a request body's strings must match a pattern (Persona's `pattern`, kept as
/// `x-pattern`): `(JSON pointer, pattern)`, through objects and each member of a union, not
/// into arrays; sorted, each once.
pub fn body_patterns(document: &Document, body: &Value) -> Vec<(String, String)> {
    fn walk(document: &Document, schema: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
        // Bodies nest a few levels (`/data/attributes/query/..`); the bound keeps a
        // self-referring schema from recursing for ever.
        if pointer.matches('/').count() > 8 {
            return;
        }
        let schema = document.merged(schema);
        if let Some(pattern) = schema.get("x-pattern").and_then(Value::as_str) {
            out.push((pointer.to_string(), pattern.to_string()));
        }
        for member in crate::document::union_members(&schema)
            .into_iter()
            .flatten()
        {
            walk(document, member, pointer, out);
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            let name = name.replace('~', "~0").replace('/', "~1");
            walk(document, property, &format!("{pointer}/{name}"), out);
        }
    }
    let mut out = Vec::new();
    walk(document, body, "", &mut out);
    out.sort();
    out.dedup();
    out
}

/// An attribute's fallback: the plainest value of its schema, of the example's kind where the
/// schema says no type (the spec's sample documents' value, else, for an untyped schema, its
/// own example), and a string as the example gives it.
fn fallback(document: &Document, schema: &Value, example: Option<&Value>) -> Value {
    let untyped = schema.get("type").is_none();
    let example = example.or_else(|| schema.get("example").filter(|_| untyped));
    let kind = schema["type"].as_str().or(match example {
        Some(Value::Array(_)) => Some("array"),
        Some(Value::Object(_)) => Some("object"),
        Some(Value::String(_)) => Some("string"),
        Some(Value::Bool(_)) => Some("boolean"),
        Some(Value::Number(_)) => Some("number"),
        _ => None,
    });
    match (kind, example) {
        (Some("string"), Some(example @ Value::String(_))) if schema.get("enum").is_none() => {
            example.clone()
        }
        (Some(kind), _) if schema.get("type").is_none() => {
            let mut typed = schema.clone();
            typed["type"] = json!(kind);
            plainest(document, &typed)
        }
        _ => plainest(document, schema),
    }
}

/// The simplest value a schema accepts: `null` where it may be, its first enum value or a
/// string's example, else the zero of its type, with an object's required members filled in.
pub fn plainest(document: &Document, schema: &Value) -> Value {
    if schema["nullable"] == true {
        return Value::Null;
    }
    if let Some(value) = schema["enum"].get(0) {
        return value.clone();
    }
    if let Some(example @ Value::String(_)) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = crate::document::union_members(schema).and_then(|members| members.first())
    {
        return plainest(document, &document.merged(first));
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("date-time")) => json!("2023-01-01T00:00:00.000Z"),
        (Some("string"), Some("date")) => json!("2023-01-01"),
        (Some("string"), _) => json!(""),
        (Some("integer" | "number"), _) => json!(0),
        (Some("boolean"), _) => json!(false),
        (Some("array"), _) => json!([]),
        (Some("object"), _) | (None, _) => {
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            let members = required
                .iter()
                .filter_map(Value::as_str)
                .map(|member| {
                    let property = document.merged(&schema["properties"][member]);
                    (member.to_string(), plainest(document, &property))
                })
                .collect();
            Value::Object(members)
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_fall_back_to_the_plainest_of_their_schema_and_strings_to_examples() {
        let document = Document {
            root: json!({
                "components": { "examples": { "thing": { "value": { "data": {
                    "type": "thing", "id": "thg_1abc",
                    "attributes": { "colour": "green", "size": null,
                                    "labels": ["vip"], "count": 3 } } } } } }
            }),
        };
        let samples = Samples::read(&document);
        assert_eq!(samples.prefix("thing"), Some("thg_"));
        let schema = json!({ "properties": {
            "colour": { "type": "string" },
            "size": { "type": "integer", "nullable": true },
            "labels": {},
            "count": { "type": "integer" },
            "status": { "type": "string", "enum": ["new", "old"] },
            "made-at": { "type": "string", "format": "date-time" },
            "box": { "type": "object", "required": ["open"],
                     "properties": { "open": { "type": "boolean" } } }
        }});
        let attributes = attributes(&document, "thing", &schema, &samples);
        let shown: Vec<(&str, bool, &Value)> = attributes
            .iter()
            .map(|attribute| {
                (
                    attribute.name.as_str(),
                    attribute.nullable,
                    &attribute.fallback,
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("box", false, &json!({ "open": false })),
                ("colour", false, &json!("green")),
                ("count", false, &json!(0)),
                ("labels", false, &json!([])),
                ("made-at", false, &json!("2023-01-01T00:00:00.000Z")),
                ("size", true, &json!(null)),
                ("status", false, &json!("new")),
            ]
        );
    }

    #[test]
    fn relationships_take_their_target_from_an_enum_or_a_family_example_and_their_own_id_kind() {
        let document = Document {
            root: json!({ "components": { "schemas": {
                "ResourceIdentifier": { "properties": {
                    "id": { "type": "string", "example": "act_1" },
                    "type": { "type": "string", "example": "account" } } },
                "ToManyRelationship": { "properties": { "data": { "type": "array",
                    "items": { "$ref": "#/components/schemas/ResourceIdentifier" } } } },
                "DocumentLinks": {
                    "allOf": [{ "$ref": "#/components/schemas/ToManyRelationship" }],
                    "properties": { "data": { "items": { "properties": {
                        "id": { "$ref": "#/components/schemas/DocumentId" } } } } } }
            } } }),
        };
        let schema = json!({ "properties": {
            "accounts": { "properties": { "data": { "type": "array", "items": {
                "properties": { "type": { "type": "string", "enum": ["account"] } } } } } },
            "documents": { "$ref": "#/components/schemas/DocumentLinks" },
            "template": { "properties": { "data": { "nullable": true, "properties": {
                "type": { "type": "string", "example": "verification-template/aamva" } } } } }
        }});
        assert_eq!(
            relationships(&document, &schema),
            [
                Relationship {
                    name: "accounts".into(),
                    many: true,
                    nullable: false,
                    target: Some("account".into()),
                    id_kind: None,
                },
                Relationship {
                    name: "documents".into(),
                    many: true,
                    nullable: false,
                    target: None,
                    id_kind: Some("DocumentId".into()),
                },
                Relationship {
                    name: "template".into(),
                    many: false,
                    nullable: true,
                    target: Some("verification-template".into()),
                    id_kind: None,
                },
            ]
        );
    }
}
