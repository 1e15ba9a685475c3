//! An OpenAPI document as JSON, ours (3.0, YAML) or one of Persona's bundles (3.1, JSON), with
//! what the fixture and drift tasks read of it: local `$ref`s, operations, JSON examples.

use std::path::Path;

use serde_json::{Map, Value};

use crate::TaskError;

/// Whether the client covers an operation: every operation whose request, if it has one, can
/// be JSON or is a form (the two OAuth operations).
pub fn in_scope(operation: &Value) -> bool {
    operation
        .pointer("/requestBody/content")
        .is_none_or(|content| content.get(JSON).is_some() || content.get(FORM).is_some())
}

pub const JSON: &str = "application/json";
pub const FORM: &str = "application/x-www-form-urlencoded";
pub const MULTIPART: &str = "multipart/form-data";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A set of operations by method and path, which another document's operations are checked
/// against.
pub struct Scope(std::collections::BTreeSet<(String, String)>);

impl Scope {
    pub fn contains(&self, operation: &Operation<'_>) -> bool {
        self.0
            .contains(&(operation.method.to_string(), operation.path.to_string()))
    }
}

pub struct Document {
    pub root: Value,
}

/// One operation: its method (lower case, as in the document), path and node.
pub struct Operation<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub node: &'a Value,
    /// Parameters declared on the path item, which apply to every operation under it.
    pub shared_parameters: &'a [Value],
}

impl Document {
    /// What the generator reads of the document: the operations [in scope](in_scope) and the
    /// components they use.
    ///
    /// The webhook events stay as what the model reads of them (`x-events`: each event's name,
    /// product and a `$ref` to the schema of the object it is about), so the client has the
    /// types of those objects but not of the delivery envelopes.
    pub fn client_view(mut self) -> Document {
        self.keep_operations(in_scope);
        let events = self.events();
        if let Some(root) = self.root.as_object_mut() {
            root.remove("x-webhooks");
            root.insert("x-events".into(), Value::Array(events));
        }
        drop_unreferenced_components(&mut self.root);
        self
    }

    /// Each event of `x-webhooks`: `{name, product, payload}`, `payload` the reference of its
    /// `data.attributes.payload.data` when that is a schema by name.
    fn events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        for (name, item) in self.root["x-webhooks"].as_object().into_iter().flatten() {
            let delivery = &item["post"];
            let member =
                |schema: &Value, name: &str| self.merged(schema)["properties"][name].clone();
            let body = &delivery["requestBody"]["content"][JSON]["schema"];
            let payload = member(&member(&member(body, "data"), "attributes"), "payload");
            let object = member(&payload, "data");
            events.push(serde_json::json!({
                "name": name,
                "product": delivery["x-persona-product"],
                "payload": object.get("$ref").map(|reference| serde_json::json!({ "$ref": reference })),
            }));
        }
        events
    }

    /// Of a client view, what progenitor reads: one media type per body, since it takes no
    /// more. A body that can be JSON or a multipart upload (the importers) is JSON there; the
    /// upload is written from the model ([`crate::model::Upload`]).
    pub fn progenitor_view(mut self) -> Document {
        for (_, item) in self.root["paths"].as_object_mut().into_iter().flatten() {
            for method in METHODS {
                if let Some(content) = item
                    .get_mut(method)
                    .and_then(|operation| operation.pointer_mut("/requestBody/content"))
                    .and_then(Value::as_object_mut)
                    && content.contains_key(JSON)
                {
                    content.retain(|media, _| media == JSON);
                }
            }
        }
        drop_unreferenced_components(&mut self.root);
        self
    }

    /// Leaves out the operations `keep` refuses, and the path items left with none.
    fn keep_operations(&mut self, keep: impl Fn(&Value) -> bool) {
        if let Some(paths) = self.root.get_mut("paths").and_then(Value::as_object_mut) {
            for (_, item) in paths.iter_mut() {
                if let Some(item) = item.as_object_mut() {
                    item.retain(|key, operation| {
                        !METHODS.contains(&key.as_str()) || keep(operation)
                    });
                }
            }
            paths.retain(|_, item| METHODS.iter().any(|method| item.get(*method).is_some()));
        }
    }

    /// The operations of the document by method and path: for a [client
    /// view](Document::client_view), what the client covers, to pick from a bundle.
    pub fn scope(&self) -> Scope {
        Scope(
            self.operations()
                .map(|operation| (operation.method.to_string(), operation.path.to_string()))
                .collect(),
        )
    }

    /// Of a client view, the operations whose shape our overlays write (`x-shape-from`), and
    /// the components they use.
    pub fn overlay_view(mut self) -> Document {
        self.keep_operations(|operation| operation["x-shape-from"] == "overlay");
        // The events' objects are the bundle's schemas, not ours.
        if let Some(root) = self.root.as_object_mut() {
            root.remove("x-events");
        }
        drop_unreferenced_components(&mut self.root);
        self
    }

    /// Reads a JSON or YAML document (YAML anchors are expanded).
    pub fn load(path: &Path) -> Result<Document, TaskError> {
        let text = crate::read(path)?;
        let root = if path.extension().is_some_and(|ext| ext == "json") {
            serde_json::from_str(&text)
                .map_err(|error| TaskError::Reference(format!("{}: {error}", path.display())))?
        } else {
            serde_yaml_ng::from_str(&text)
                .map_err(|error| TaskError::Reference(format!("{}: {error}", path.display())))?
        };
        Ok(Document { root })
    }

    /// An operation's request body, as the client sends it: the media type (JSON, else a
    /// form) and its schema.
    pub fn request_body<'a>(&'a self, operation: &'a Value) -> Option<(&'static str, &'a Value)> {
        let content = &self.resolve(operation.get("requestBody")?)["content"];
        [JSON, FORM]
            .into_iter()
            .find_map(|media| Some((media, content.get(media)?.get("schema")?)))
    }

    /// The members of a `deepObject` parameter's schema by their literal names, which is how
    /// our spec names them (progenitor refuses `deepObject`): `filter[status]`, and
    /// `filter[identifier][key]` for a member that is an object itself. Each with its schema,
    /// and required when its object is and lists it. Empty for a schema without properties.
    pub fn deep_object_members(
        &self,
        name: &str,
        schema: &Value,
        required: bool,
    ) -> Vec<(String, Value, bool)> {
        let mut members = Vec::new();
        let mut pending = vec![(name.to_string(), self.merged(schema), required)];
        while let Some((prefix, object, object_required)) = pending.pop() {
            let listed = |member: &str| {
                object["required"]
                    .as_array()
                    .is_some_and(|names| names.iter().any(|name| name == member))
            };
            for (member, member_schema) in object["properties"].as_object().into_iter().flatten() {
                let named = format!("{prefix}[{member}]");
                let member_schema = self.merged(member_schema);
                let required = object_required && listed(member);
                if member_schema["properties"].is_object() {
                    pending.push((named, member_schema, required));
                } else {
                    members.push((named, member_schema, required));
                }
            }
        }
        members.sort_by(|left, right| left.0.cmp(&right.0));
        members
    }

    /// Follows local `$ref`s until a node that is not one; an unresolvable one is returned as
    /// it is (the preflight reports broken references).
    pub fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix('#'))
                .and_then(|pointer| self.root.pointer(pointer))
            {
                Some(target) => node = target,
                None => break,
            }
        }
        node
    }

    /// The schema with `$ref`s followed and `allOf` members merged (properties, required, and
    /// the first of any other keyword), a `$ref`'s siblings with it.
    pub fn merged(&self, schema: &Value) -> Value {
        // In 3.1 a `$ref`'s siblings count (`required` beside it, say): they are one more member.
        if let Some(object) = schema.as_object()
            && object.contains_key("$ref")
            && object.len() > 1
        {
            let mut siblings = object.clone();
            let reference = siblings.remove("$ref");
            return self.merged(&serde_json::json!({
                "allOf": [{ "$ref": reference }, Value::Object(siblings)]
            }));
        }
        let schema = self.resolve(schema);
        let Some(members) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        let mut result = schema.clone();
        let Some(object) = result.as_object_mut() else {
            return result;
        };
        object.remove("allOf");
        for member in members {
            let member = self.merged(member);
            for (key, value) in member.as_object().into_iter().flatten() {
                match (key.as_str(), object.get_mut(key)) {
                    ("properties", Some(Value::Object(properties))) => {
                        properties.extend(value.as_object().cloned().unwrap_or_default());
                    }
                    ("required", Some(Value::Array(required))) => {
                        required.extend(value.as_array().cloned().unwrap_or_default());
                    }
                    (_, None) => {
                        object.insert(key.clone(), value.clone());
                    }
                    _ => {}
                }
            }
        }
        result
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> impl Iterator<Item = Operation<'_>> {
        self.root
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .flat_map(move |(path, item)| {
                let item = self.resolve(item);
                let shared = item
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                METHODS.iter().filter_map(move |method| {
                    item.get(*method).map(|node| Operation {
                        method,
                        path,
                        node,
                        shared_parameters: shared,
                    })
                })
            })
    }

    /// The JSON examples of a request body or response, by name (`example` as "example").
    pub fn json_examples(&self, holder: &Value) -> Map<String, Value> {
        self.examples(&self.resolve(holder)["content"]["application/json"])
    }

    /// The examples of one media type's content, by name (`example` as "example").
    pub fn examples(&self, content: &Value) -> Map<String, Value> {
        let mut found: Map<String, Value> = content
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, example)| (name.clone(), self.resolve(example)["value"].clone()))
            .collect();
        if let Some(example) = content.get("example") {
            found.insert("example".to_string(), example.clone());
        }
        found
    }
}

/// The members of a `oneOf`/`anyOf`, if the schema is one.
pub fn union_members(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
}

/// `{type: null}`: 3.1's way of adding `null` to a union.
pub fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The values a description lists after `Possible values:`, in order: either `- value` lines
/// after it, or `a (meaning), b (meaning).` on the same line. Persona documents such sets as
/// open (it may add values).
pub fn possible_values(description: &str) -> Option<Vec<String>> {
    let rest = &description[description.find("Possible values:")? + "Possible values:".len()..];
    let first_line = rest.lines().next().unwrap_or("").trim();
    let mut values: Vec<String> = if first_line.is_empty() {
        rest.lines()
            .skip(1)
            .map(str::trim)
            .skip_while(|line| line.is_empty())
            .take_while(|line| line.starts_with("- "))
            .map(|line| first_token(&line[2..]))
            .collect()
    } else {
        first_line
            .trim_end_matches('.')
            .split(',')
            .filter_map(|item| item.split_whitespace().next())
            .map(|value| {
                value
                    .trim_matches(|c: char| c == '`' || c == '.')
                    .to_string()
            })
            .collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    values.retain(|value| seen.insert(value.clone()));
    (!values.is_empty()).then_some(values)
}

/// The value a `Possible values:` line starts with: a backticked span (`` `never` — prose``),
/// else its first word.
fn first_token(line: &str) -> String {
    let line = line.trim();
    match line.strip_prefix('`').and_then(|rest| rest.split_once('`')) {
        Some((value, _)) => value.to_string(),
        None => line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// Leaves out the components that nothing under `paths` or `x-webhooks` refers to, directly or
/// through other components.
pub fn drop_unreferenced_components(document: &mut Value) {
    let mut referenced = std::collections::BTreeSet::new();
    let mut pending = Vec::new();
    for key in ["paths", "x-webhooks", "x-events"] {
        collect_references(&document[key], &mut pending);
    }
    while let Some(reference) = pending.pop() {
        if !referenced.insert(reference.clone()) {
            continue;
        }
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|at| document.pointer(at))
        {
            collect_references(target, &mut pending);
        }
    }
    let Some(components) = document["components"].as_object_mut() else {
        return;
    };
    for (section, entries) in components.iter_mut() {
        if section == "securitySchemes" {
            continue;
        }
        if let Some(entries) = entries.as_object_mut() {
            entries.retain(|name, _| {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                referenced.contains(&format!("#/components/{section}/{escaped}"))
            });
        }
    }
}

fn collect_references(node: &Value, into: &mut Vec<String>) {
    match node {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                into.push(reference.clone());
            }
            // A discriminator's mapping names its schemas by reference too.
            let mapping = object
                .get("discriminator")
                .and_then(|discriminator| discriminator.get("mapping"))
                .and_then(Value::as_object);
            into.extend(
                mapping
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, reference)| reference.as_str().map(str::to_string)),
            );
            object
                .values()
                .for_each(|value| collect_references(value, into));
        }
        Value::Array(values) => values
            .iter()
            .for_each(|value| collect_references(value, into)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn possible_values_lists_are_open_enums() {
        assert_eq!(
            possible_values("The status\n\nPossible values:\n- new\n- `active`\n\nDo not assume."),
            Some(vec!["new".to_string(), "active".to_string()])
        );
        assert_eq!(
            possible_values("Direction. Possible values: asc (ascending), desc (descending)."),
            Some(vec!["asc".to_string(), "desc".to_string()])
        );
        assert_eq!(possible_values("No list here."), None);
    }
}
