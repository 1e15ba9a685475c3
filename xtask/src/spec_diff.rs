//! `cargo xtask spec-diff`: where our spec and one of Persona's published bundles disagree, over
//! every operation the client has, each difference explained by an entry of the allowlist
//! (`_common.yaml`, or the file of the product it is of); or, between two bundles, what
//! changes across the whole API, by product.
//!
//! Both documents are flattened into facts at stable locations, one per schema node:
//!
//! - `operation GET /inquiries`, `response GET /inquiries 200`;
//! - `parameter GET /inquiries query:page[size]` (header names in lower case);
//! - `request POST /inquiries data.attributes.fields` (request bodies, property by property;
//!   `[]` is an array's items, `*` a map's values);
//! - `resource inquiry attributes.tags[]` (the `data` of success responses, by JSON:API type,
//!   flattened once), and `response GET /inquiries 200 links.next` for the rest of a body.
//!
//! On a location both sides have, the facts compared are `type`, `nullable`, `required`, `enum`
//! (the values; Persona marks open sets with a `Possible values:` list in the description, we
//! with `x-open-enum: true` or, as imported, `x-possible-values`), `open`, `closed` (an object that refuses keys it does not name)
//! and `variants` (a union's members by their `type`). Each
//! difference is one line, `<location> <fact>: <left> ≠ <right>`; the part before the colon is
//! its key, which the allowlist names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::TaskError;
use crate::document::{Document, Operation, is_null_schema, union_members};

/// The allowlist of deliberate differences, relative to the workspace root.
/// The allowlist, one file per product (`inquiries.yaml`, named as the product's overlay) and
/// `_common.yaml` for what holds across products.
pub const ALLOWLIST_DIR: &str = "openapi/spec-diff-allow";
const COMMON_FILE: &str = "_common";
/// What the differences of a resource several products answer with are grouped under.
const SHARED: &str = "shared resources";

/// How deep a schema is followed; Persona's search queries are recursive.
const MAX_DEPTH: usize = 10;

/// What one schema node says.
#[derive(Debug, Default, Clone, PartialEq)]
struct Facts {
    types: BTreeSet<String>,
    nullable: bool,
    required: Option<bool>,
    enum_values: Option<BTreeSet<String>>,
    open: bool,
    variants: Option<BTreeSet<String>>,
    /// For an object with named properties: whether it refuses other keys.
    closed: Option<bool>,
}

/// Every fact of one document, by location, with the location it hangs from (`None` for an
/// operation or a resource).
type Flat = BTreeMap<String, (Facts, Option<String>)>;

/// A difference: its key (`<location> <fact>`) and what each side says.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub key: String,
    pub left: String,
    pub right: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ≠ {}", self.key, self.left, self.right)
    }
}

/// Flattens `document` over the operations whose path `scope` takes.
fn flatten(document: &Document, scope: &dyn Fn(&Operation<'_>) -> bool) -> Flat {
    let mut walker = Walker {
        document,
        flat: Flat::new(),
        resources: BTreeSet::new(),
    };
    for operation in document.operations().filter(|op| scope(op)) {
        let name = format!("{} {}", operation.method.to_uppercase(), operation.path);
        let operation_location = format!("operation {name}");
        walker
            .flat
            .insert(operation_location.clone(), (Facts::default(), None));
        let under_operation = Some(operation_location);
        let parameters = operation.shared_parameters.iter().chain(
            operation
                .node
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for parameter in parameters {
            for (param_name, schema, required) in parameter_facts(document, parameter) {
                walker.walk(
                    &schema,
                    Place::root(format!("parameter {name} {param_name}"), &under_operation),
                    Some(required),
                    0,
                );
            }
        }
        if let Some(body) = operation.node.get("requestBody") {
            let schema = &document.resolve(body)["content"]["application/json"]["schema"];
            if !schema.is_null() {
                walker.walk(
                    schema,
                    Place::root(format!("request {name}"), &under_operation),
                    None,
                    0,
                );
            }
        }
        let responses = operation.node.get("responses").and_then(Value::as_object);
        for (status, response) in responses.into_iter().flatten() {
            let location = format!("response {name} {status}");
            let schema = &document.resolve(response)["content"]["application/json"]["schema"];
            if status.starts_with('2') && !schema.is_null() {
                let place = Place::response_body(location, &under_operation);
                walker.walk(schema, place, None, 0);
            } else {
                let parent = under_operation.clone();
                walker.flat.insert(location, (Facts::default(), parent));
            }
        }
    }
    walker.flat
}

/// A parameter as `(in:name, schema, required)`; a `deepObject` query parameter is one per
/// member ([`Document::deep_object_members`]: `page[size]`), and `fields[*]` for a map. Header names are compared in lower case.
fn parameter_facts(document: &Document, parameter: &Value) -> Vec<(String, Value, bool)> {
    let parameter = document.resolve(parameter);
    let location = parameter["in"].as_str().unwrap_or("?");
    let raw = parameter["name"].as_str().unwrap_or("?");
    let required = parameter["required"].as_bool().unwrap_or(false);
    if parameter["style"].as_str() != Some("deepObject") {
        let name = if location == "header" {
            raw.to_lowercase()
        } else {
            raw.to_string()
        };
        return vec![(
            format!("{location}:{name}"),
            parameter["schema"].clone(),
            required,
        )];
    }
    let schema = document.merged(&parameter["schema"]);
    let mut expanded: Vec<(String, Value, bool)> = document
        .deep_object_members(raw, &schema, required)
        .into_iter()
        .map(|(name, child, required)| (format!("{location}:{name}"), child, required))
        .collect();
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        expanded.push((format!("{location}:{raw}[*]"), values.clone(), false));
    }
    expanded
}

/// Where a schema node is: its location and the location it hangs from.
struct Place {
    location: String,
    parent: Option<String>,
    /// A root's children are separated by a space (`request POST /x data`), others by a dot.
    is_root: bool,
    /// A success response's body, whose `data` is a resource.
    is_response_body: bool,
    /// A response body's `included`, whose items are resources.
    holds_resources: bool,
}

impl Place {
    fn root(location: String, parent: &Option<String>) -> Place {
        Place {
            location,
            parent: parent.clone(),
            is_root: true,
            is_response_body: false,
            holds_resources: false,
        }
    }

    fn response_body(location: String, parent: &Option<String>) -> Place {
        Place {
            is_response_body: true,
            ..Place::root(location, parent)
        }
    }

    fn child(&self, name: &str) -> Place {
        let separator = if self.is_root { " " } else { "." };
        self.below(format!("{}{separator}{name}", self.location))
    }

    /// One variant of a discriminated union: `field-schemas[]<string>`.
    fn tagged(&self, kind: &str) -> Place {
        self.below(format!("{}<{kind}>", self.location))
    }

    fn items(&self) -> Place {
        Place {
            holds_resources: self.holds_resources,
            ..self.below(format!("{}[]", self.location))
        }
    }

    fn below(&self, location: String) -> Place {
        Place {
            location,
            parent: Some(self.location.clone()),
            is_root: false,
            is_response_body: false,
            holds_resources: false,
        }
    }
}

/// Walks schemas into a [`Flat`]; the `data` of a response body becomes a resource, walked
/// once under its own name.
struct Walker<'a> {
    document: &'a Document,
    flat: Flat,
    /// The resource types walked so far.
    resources: BTreeSet<String>,
}

impl Walker<'_> {
    fn walk(&mut self, schema: &Value, place: Place, required: Option<bool>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = self.document.merged(schema);
        let mut facts = Facts {
            required,
            ..Facts::default()
        };
        let schema = collapse_nullable_union(self.document, schema, &mut facts);
        read_type(&schema, &mut facts);
        read_enum(&schema, &mut facts);
        if let Some(members) = union_members(&schema) {
            // A discriminator names the variants by their tag, and each tag's schema is walked
            // (`field-schemas[]<string>.config`), so both sides compare kind by kind.
            let mapping = schema
                .pointer("/discriminator/mapping")
                .and_then(Value::as_object);
            facts.variants = Some(match mapping {
                Some(mapping) => mapping.keys().cloned().collect(),
                None => members
                    .iter()
                    .map(|member| variant_name(self.document, member))
                    .collect(),
            });
            self.flat
                .insert(place.location.clone(), (facts, place.parent.clone()));
            for (kind, target) in mapping.into_iter().flatten() {
                let reference = serde_json::json!({ "$ref": target });
                if place.holds_resources {
                    // Included kinds are resources: each is walked once, under its own name.
                    self.walk_resource_once(kind, &reference);
                } else {
                    self.walk(&reference, place.tagged(kind), None, depth + 1);
                }
            }
            return;
        }
        if schema.get("properties").is_some() {
            let refuses = |keyword: &str| schema.get(keyword) == Some(&Value::Bool(false));
            facts.closed =
                Some(refuses("additionalProperties") || refuses("unevaluatedProperties"));
        }
        self.flat
            .insert(place.location.clone(), (facts, place.parent.clone()));

        let empty = serde_json::Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required_names: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, child) in properties {
            let is_required = Some(required_names.contains(name.as_str()));
            if place.is_response_body && name == "data" {
                self.walk_resource(child, place.child(name), is_required);
            } else if place.is_response_body && name == "included" {
                let included = Place {
                    holds_resources: true,
                    ..place.child(name)
                };
                self.walk(child, included, is_required, depth + 1);
            } else {
                self.walk(child, place.child(name), is_required, depth + 1);
            }
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            self.walk(values, place.child("*"), None, depth + 1);
        }
        if let Some(items) = schema.get("items") {
            self.walk(items, place.items(), None, depth + 1);
        }
    }

    /// Records the body's `data` as a pointer to a resource (`variants` holds its type), and
    /// walks the resource once under `resource <type>`.
    fn walk_resource(&mut self, schema: &Value, place: Place, required: Option<bool>) {
        let mut facts = Facts {
            required,
            ..Facts::default()
        };
        let mut schema =
            collapse_nullable_union(self.document, self.document.merged(schema), &mut facts);
        read_type(&schema, &mut facts);
        if let Some(items) = schema.get("items") {
            schema = collapse_nullable_union(
                self.document,
                self.document.merged(items),
                &mut Facts::default(),
            );
        }
        let resource = resource_type(&schema).unwrap_or_else(|| "?".to_string());
        facts.variants = Some(BTreeSet::from([resource.clone()]));
        self.flat.insert(place.location, (facts, place.parent));
        self.walk_resource_once(&resource, &schema);
    }

    /// Walks a resource under `resource <type>`, the first time that type is met.
    fn walk_resource_once(&mut self, resource: &str, schema: &Value) {
        if self.resources.insert(resource.to_string()) {
            self.walk(
                schema,
                Place::root(format!("resource {resource}"), &None),
                None,
                0,
            );
        }
    }
}

/// A union of `null` and one schema is that schema, nullable (3.1's way of writing
/// `nullable: true` around a `$ref`). Returns the schema to read further.
fn collapse_nullable_union(document: &Document, schema: Value, facts: &mut Facts) -> Value {
    let Some(members) = union_members(&schema) else {
        return schema;
    };
    let (nulls, others): (Vec<&Value>, Vec<&Value>) =
        members.iter().partition(|member| is_null_schema(member));
    if nulls.is_empty() {
        return schema;
    }
    facts.nullable = true;
    match others.as_slice() {
        [only] => {
            let mut inner = document.merged(only);
            // What the union says beside its members (its type, nullable) still applies.
            if let (Some(inner), Some(outer)) = (inner.as_object_mut(), schema.as_object()) {
                for (key, value) in outer {
                    if !["oneOf", "anyOf"].contains(&key.as_str()) {
                        inner.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
            inner
        }
        _ => {
            let mut rest = schema.clone();
            let key = if schema.get("oneOf").is_some() {
                "oneOf"
            } else {
                "anyOf"
            };
            rest[key] = Value::Array(others.into_iter().cloned().collect());
            rest
        }
    }
}

/// `type` (a string, or 3.1's list with `"null"`) and 3.0's `nullable`. A schema that
/// constrains nothing takes any value, `null` included, in both dialects.
fn read_type(schema: &Value, facts: &mut Facts) {
    let constrains = [
        "type",
        "enum",
        "const",
        "properties",
        "items",
        "oneOf",
        "anyOf",
    ];
    if !constrains
        .iter()
        .any(|keyword| schema.get(keyword).is_some())
    {
        facts.nullable = true;
    }
    match schema.get("type") {
        Some(Value::String(name)) if name == "null" => facts.nullable = true,
        Some(Value::String(name)) => {
            facts.types.insert(name.clone());
        }
        Some(Value::Array(names)) => {
            for name in names.iter().filter_map(Value::as_str) {
                if name == "null" {
                    facts.nullable = true;
                } else {
                    facts.types.insert(name.to_string());
                }
            }
        }
        _ => {}
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        facts.nullable = true;
    }
}

/// `enum` and `const` (closed unless `x-open-enum`), or a `Possible values:` list (open): in
/// the description (Persona's), or as the import keeps it, `x-possible-values` (ours).
fn read_enum(schema: &Value, facts: &mut Facts) {
    let text = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if values.iter().any(Value::is_null) {
            facts.nullable = true;
        }
        facts.enum_values = Some(values.iter().filter_map(text).collect());
        facts.open = schema.get("x-open-enum").and_then(Value::as_bool) == Some(true);
    } else if let Some(value) = schema.get("const") {
        facts.enum_values = Some(text(value).into_iter().collect());
    } else if let Some(values) = schema
        .get("x-possible-values")
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(text).collect::<Vec<_>>())
        .or_else(|| {
            schema
                .get("description")
                .and_then(Value::as_str)
                .and_then(crate::document::possible_values)
        })
    {
        facts.enum_values = Some(values.into_iter().collect());
        facts.open = true;
    }
}

/// A union member's name: the value of its `type` property if it fixes one (a JSON:API kind),
/// else the component it refers to, else its own `type`.
fn variant_name(document: &Document, member: &Value) -> String {
    let resolved = document.merged(member);
    resource_type(&resolved)
        .or_else(|| {
            member
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.rsplit('/').next())
                .map(str::to_string)
        })
        .or_else(|| {
            resolved
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "?".to_string())
}

/// The JSON:API type a resource schema fixes: its `type` property's `const`, single `enum`
/// value, or (in our spec, which keeps `type` an open string) its example.
fn resource_type(schema: &Value) -> Option<String> {
    let property = schema.get("properties")?.get("type")?;
    property
        .get("const")
        .or_else(|| {
            property
                .get("enum")
                .and_then(Value::as_array)
                .filter(|values| values.len() == 1)
                .and_then(|values| values.first())
        })
        .or_else(|| property.get("example"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Every difference between two flattened documents; a location missing on one side is
/// reported once, at its highest missing point.
fn compare(left: &Flat, right: &Flat, labels: (&str, &str)) -> Vec<Difference> {
    let mut differences = Vec::new();
    // Missing at its highest point: the other side has the location's parent (or it has none).
    let highest =
        |parent: &Option<String>, on: &Flat| parent.as_ref().is_none_or(|p| on.contains_key(p));
    for location in left.keys().chain(right.keys()).collect::<BTreeSet<_>>() {
        match (left.get(location), right.get(location)) {
            (Some((_, parent)), None) if highest(parent, right) => differences.push(Difference {
                key: location.clone(),
                left: "present".into(),
                right: format!("absent in {}", labels.1),
            }),
            (None, Some((_, parent))) if highest(parent, left) => differences.push(Difference {
                key: location.clone(),
                left: format!("absent in {}", labels.0),
                right: "present".into(),
            }),
            (Some((a, _)), Some((b, _))) => differences.extend(compare_facts(location, a, b)),
            _ => {}
        }
    }
    differences
}

fn compare_facts(location: &str, a: &Facts, b: &Facts) -> Vec<Difference> {
    let mut found = Vec::new();
    let mut differ = |fact: &str, left: String, right: String| {
        if left != right {
            found.push(Difference {
                key: format!("{location} {fact}"),
                left,
                right,
            });
        }
    };
    // A side that says nothing of the type (any value) is not compared on it.
    if !a.types.is_empty() && !b.types.is_empty() {
        differ("type", list(&a.types), list(&b.types));
    }
    differ("nullable", a.nullable.to_string(), b.nullable.to_string());
    if let (Some(x), Some(y)) = (a.required, b.required) {
        differ("required", x.to_string(), y.to_string());
    }
    let values = |facts: &Facts| facts.enum_values.as_ref().map_or("any".to_string(), list);
    differ("enum", values(a), values(b));
    if a.enum_values.is_some() && b.enum_values.is_some() {
        differ("open", a.open.to_string(), b.open.to_string());
    }
    if let (Some(x), Some(y)) = (a.closed, b.closed) {
        differ("closed", x.to_string(), y.to_string());
    }
    let variants = |facts: &Facts| facts.variants.as_ref().map_or("none".to_string(), list);
    differ("variants", variants(a), variants(b));
    found
}

fn list(values: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = values.iter().map(String::as_str).collect();
    format!("[{}]", shown.join(", "))
}

/// One deliberate difference, with why it is there.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowed {
    /// The difference's key; `*` matches any run of characters.
    pub key: String,
    /// What the two sides say (`true ≠ false`; `*` as in `key`), when only that direction is
    /// deliberate.
    #[serde(default)]
    pub values: Option<String>,
    pub reason: String,
    /// The product whose differences it may explain (its file's); `None` for every product's.
    #[serde(skip)]
    pub product: Option<String>,
}

impl Allowed {
    fn explains(&self, difference: &Difference, product: &str) -> bool {
        self.product.as_deref().is_none_or(|own| own == product)
            && matches(&self.key, &difference.key)
            && self.values.as_deref().is_none_or(|values| {
                matches(
                    values,
                    &format!("{} ≠ {}", difference.left, difference.right),
                )
            })
    }
}

/// Whether `key` matches `pattern`, in which `*` stands for any run of characters.
fn matches(pattern: &str, key: &str) -> bool {
    alternatives(pattern)
        .iter()
        .any(|pattern| matches_glob(pattern, key))
}

/// `a{b,c}d{e,f}` as `abde`, `abdf`, `acde`, `acdf`; braces without a comma are literal, as
/// in the path `/inquiries/{inquiry-id}`.
fn alternatives(pattern: &str) -> Vec<String> {
    let group = pattern.match_indices('{').find_map(|(open, _)| {
        let close = open + pattern[open..].find('}')?;
        pattern[open + 1..close]
            .contains(',')
            .then_some((open, close))
    });
    let Some((open, close)) = group else {
        return vec![pattern.to_string()];
    };
    let (before, choices, after) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let tails = alternatives(after);
    choices
        .split(',')
        .flat_map(|choice| {
            tails
                .iter()
                .map(move |tail| format!("{before}{choice}{tail}"))
        })
        .collect()
}

/// `*` matches any run of characters; `\\*` is a literal `*` (the key of a map's values).
fn matches_glob(pattern: &str, key: &str) -> bool {
    const LITERAL_STAR: char = '\u{1}';
    let pattern = pattern.replace("\\*", &LITERAL_STAR.to_string());
    let parts: Vec<String> = pattern
        .split('*')
        .map(|part| part.replace(LITERAL_STAR, "*"))
        .collect();
    let Some(mut rest) = key.strip_prefix(parts[0].as_str()) else {
        return false;
    };
    let parts = &parts[1..];
    for (index, part) in parts.iter().enumerate() {
        if index == parts.len() - 1 {
            return rest.ends_with(part.as_str());
        }
        match rest.find(part.as_str()) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The outcome of comparing our spec with a bundle under the allowlist.
pub struct Report {
    pub unexplained: Vec<Difference>,
    /// How many differences were allowed, by the product they are of.
    pub allowed: BTreeMap<String, usize>,
    pub unused: Vec<String>,
}

/// The differences between our document (a [client view](Document::client_view)) and a
/// bundle, over the operations ours has.
pub fn diff_documents(left: &Document, right: &Document, labels: (&str, &str)) -> Vec<Difference> {
    let scope = left.scope();
    let in_scope = |operation: &Operation<'_>| scope.contains(operation);
    compare(
        &flatten(left, &in_scope),
        &flatten(right, &in_scope),
        labels,
    )
}

/// Compares under an allowlist: which differences it does not explain, and which of its
/// entries explain nothing. `product_of` says which product a difference is of; an entry
/// of a product's file explains only that product's.
pub fn judge(
    differences: Vec<Difference>,
    allowlist: &[Allowed],
    product_of: &dyn Fn(&Difference) -> String,
) -> Report {
    let mut used = vec![false; allowlist.len()];
    let mut unexplained = Vec::new();
    let mut allowed: BTreeMap<String, usize> = BTreeMap::new();
    for difference in differences {
        let product = product_of(&difference);
        match allowlist
            .iter()
            .position(|entry| entry.explains(&difference, &product))
        {
            Some(index) => {
                used[index] = true;
                *allowed.entry(product).or_default() += 1;
            }
            None => unexplained.push(difference),
        }
    }
    let unused = allowlist
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(entry, _)| {
            let file = entry.product.as_deref().unwrap_or(COMMON_FILE);
            format!("{ALLOWLIST_DIR}/{file}.yaml: `{}`", entry.key)
        })
        .collect();
    Report {
        unexplained,
        allowed,
        unused,
    }
}

/// `cargo xtask spec-diff <bundle>`: our spec (every operation the client has) against
/// `bundle`, under the allowlist.
pub fn against_ours(bundle: &Path) -> Result<String, TaskError> {
    let ours = crate::client_document()?;
    let model = crate::model::Model::read(&ours)?;
    let theirs = Document::load(bundle)?;
    let allowlist = load_allowlist(&model)?;
    let differences = diff_documents(&ours, &theirs, ("ours", "Persona's"));
    let total = differences.len();
    let operations = products_by_operation(&[&ours]);
    let resources = products_by_resource(&model);
    let report = judge(differences, &allowlist, &|difference| {
        product_of(&difference.key, &operations, &resources)
            .map_or_else(|| SHARED.to_string(), crate::product_slug)
    });
    let mut text = String::new();
    for difference in &report.unexplained {
        writeln!(text, "{difference}").expect("writing to a String");
    }
    for entry in &report.unused {
        writeln!(text, "{entry} matches no difference; remove it").expect("writing to a String");
    }
    let mut entries: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &allowlist {
        *entries
            .entry(entry.product.as_deref().unwrap_or(COMMON_FILE))
            .or_default() += 1;
    }
    let mut table =
        String::from("| differences of | allowed | entries of its own |\n| --- | ---: | ---: |\n");
    for (product, allowed) in &report.allowed {
        let own = entries.get(product.as_str()).copied().unwrap_or_default();
        writeln!(table, "| {product} | {allowed} | {own} |").expect("writing to a String");
    }
    let allowed: usize = report.allowed.values().sum();
    let summary = format!(
        "{table}{} entries in {COMMON_FILE}.yaml, for every product\n\
         {total} differences between {} and {}: {allowed} allowed by {ALLOWLIST_DIR}/, {} not",
        entries.get(COMMON_FILE).copied().unwrap_or_default(),
        crate::SPEC_PATH,
        bundle.display(),
        report.unexplained.len()
    );
    if report.unexplained.is_empty() && report.unused.is_empty() {
        Ok(summary)
    } else {
        Err(TaskError::Drift(format!("{text}{summary}")))
    }
}

/// Every file of the allowlist: `_common.yaml`'s entries for every product, each product's
/// file's for its own. A file that names no product of the model is an error.
fn load_allowlist(model: &crate::model::Model) -> Result<Vec<Allowed>, TaskError> {
    let dir = crate::workspace_root().join(ALLOWLIST_DIR);
    let products: BTreeSet<String> = model
        .features
        .keys()
        .map(|product| crate::product_slug(product))
        .collect();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map_err(crate::io(&dir))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    let mut allowlist = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        let product = match stem {
            COMMON_FILE => None,
            product if products.contains(product) => Some(product.to_string()),
            other => {
                return Err(TaskError::Reference(format!(
                    "{ALLOWLIST_DIR}/{other}.yaml names no product (they are {})",
                    products.iter().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
        };
        let entries: Vec<Allowed> = serde_yaml_ng::from_str(&crate::read(&path)?)
            .map_err(|error| TaskError::Reference(format!("{}: {error}", path.display())))?;
        allowlist.extend(entries.into_iter().map(|entry| Allowed {
            product: product.clone(),
            ..entry
        }));
    }
    Ok(allowlist)
}

/// The product of each resource type that the operations of one product alone answer with.
fn products_by_resource(model: &crate::model::Model) -> BTreeMap<String, String> {
    let mut products: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for operation in &model.operations {
        if let Some(resource) = &operation.resource {
            products
                .entry(resource)
                .or_default()
                .insert(&operation.product);
        }
    }
    products
        .into_iter()
        .filter(|(_, products)| products.len() == 1)
        .filter_map(|(resource, products)| {
            Some((resource.to_string(), products.first()?.to_string()))
        })
        .collect()
}

/// `cargo xtask spec-diff <old> <new>`: what changes between two of Persona's bundles.
pub fn between_bundles(old: &Path, new: &Path) -> Result<String, TaskError> {
    let (old_document, new_document) = (Document::load(old)?, Document::load(new)?);
    let every_operation = |_: &Operation<'_>| true;
    let differences = compare(
        &flatten(&old_document, &every_operation),
        &flatten(&new_document, &every_operation),
        ("old", "new"),
    );
    let products = products_by_operation(&[&old_document, &new_document]);
    // A bundle has no model to say which product a resource is of.
    let no_resources = BTreeMap::new();
    let mut by_product: BTreeMap<&str, Vec<&Difference>> = BTreeMap::new();
    for difference in &differences {
        by_product
            .entry(
                product_of(&difference.key, &products, &no_resources).unwrap_or(SHARED_RESOURCES),
            )
            .or_default()
            .push(difference);
    }
    let mut text = String::new();
    for (product, differences) in &by_product {
        writeln!(text, "## {product} ({})", differences.len()).expect("writing to a String");
        for difference in differences {
            writeln!(text, "{difference}").expect("writing to a String");
        }
        writeln!(text).expect("writing to a String");
    }
    let summary: Vec<String> = by_product
        .iter()
        .map(|(product, differences)| format!("{product} {}", differences.len()))
        .collect();
    write!(
        text,
        "{} differences from {} to {} ({})",
        differences.len(),
        old.display(),
        new.display(),
        summary.join(", ")
    )
    .expect("writing to a String");
    Ok(text)
}

/// What a resource's facts are grouped under: a resource type is shared by products.
const SHARED_RESOURCES: &str = "resources (shared by products)";

/// Each operation's product (`x-persona-product`) by `METHOD /path`, from any of the documents.
fn products_by_operation(documents: &[&Document]) -> BTreeMap<String, String> {
    documents
        .iter()
        .flat_map(|document| document.operations())
        .filter_map(|operation| {
            let product = operation.node.get("x-persona-product")?.as_str()?;
            Some((
                format!("{} {}", operation.method.to_uppercase(), operation.path),
                product.to_string(),
            ))
        })
        .collect()
}

/// The product a difference's key is of: an operation's (`parameter GET /inquiries
/// query:page[size] type`), or a resource's (`resource case-template attributes.name`) when
/// one product's operations alone answer with it.
fn product_of<'a>(
    key: &str,
    operations: &'a BTreeMap<String, String>,
    resources: &'a BTreeMap<String, String>,
) -> Option<&'a str> {
    let mut words = key.split(' ');
    let (kind, second) = (words.next()?, words.next()?);
    let product = if kind == "resource" {
        resources.get(second)
    } else {
        operations.get(&format!("{second} {}", words.next()?))
    };
    product.map(String::as_str)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A one-operation document whose success body is `schema`.
    fn document(version: &str, schema: Value) -> Document {
        Document {
            root: json!({
                "openapi": version,
                "paths": {"/inquiries": {"get": {
                    "x-persona-product": "Inquiries",
                    "parameters": [{"in": "query", "name": "page", "style": "deepObject",
                        "schema": {"type": "object", "properties": {"size": {"type": "integer"}}}}],
                    "responses": {"200": {"content": {"application/json": {"schema": schema}}}}
                }}}
            }),
        }
    }

    #[test]
    fn differences_between_bundles_are_grouped_by_the_product_of_their_operation() {
        let bundle = |size: &str| Document {
            root: json!({
                "openapi": "3.1.0",
                "paths": {"/accounts": {"get": {
                    "x-persona-product": "Accounts",
                    "parameters": [{"in": "query", "name": "page", "style": "deepObject",
                        "schema": {"type": "object", "properties": {"size": {"type": size}}}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}
                }}}
            }),
        };
        let products = products_by_operation(&[&bundle("integer")]);
        let every_operation = |_: &Operation<'_>| true;
        let differences = compare(
            &flatten(&bundle("integer"), &every_operation),
            &flatten(&bundle("string"), &every_operation),
            ("old", "new"),
        );
        assert_eq!(
            keys(&differences),
            ["parameter GET /accounts query:page[size] type: [integer] ≠ [string]"]
        );
        let resources = BTreeMap::from([("account".to_string(), "Accounts".to_string())]);
        assert_eq!(
            product_of(&differences[0].key, &products, &resources),
            Some("Accounts")
        );
        assert_eq!(
            product_of(
                "resource account attributes.name type",
                &products,
                &resources
            ),
            Some("Accounts")
        );
        assert_eq!(
            product_of(
                "resource verification/selfie attributes",
                &products,
                &resources
            ),
            None,
            "a resource several products answer with is shared"
        );
    }

    fn keys(differences: &[Difference]) -> Vec<String> {
        differences.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn nullability_written_either_way_is_the_same() {
        let ours = document(
            "3.0.3",
            json!({"type": "object", "properties": {
                "note": {"type": "string", "nullable": true},
                "link": {"allOf": [{"type": "object"}], "nullable": true}}}),
        );
        let theirs = document(
            "3.1.0",
            json!({"type": "object", "properties": {
                "note": {"type": ["string", "null"]},
                "link": {"oneOf": [{"type": "null"}, {"type": "object"}]}}}),
        );
        assert_eq!(
            keys(&diff_documents(&ours, &theirs, ("ours", "Persona's"))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_difference_is_one_keyed_line_at_its_highest_point() {
        let ours = document(
            "3.0.3",
            json!({"type": "object", "required": ["tags"], "properties": {
                "tags": {"type": "array", "items": {"type": "string"}}}}),
        );
        let theirs = document(
            "3.1.0",
            json!({"type": "object", "properties": {
                "tags": {"type": "array", "items": {"type": ["string", "null"]}},
                "status": {"type": "string", "description": "Possible values:\n- created\n- approved\n\nMore."},
                "extra": {"type": "object", "properties": {"deep": {"type": "string"}}}}}),
        );
        assert_eq!(
            keys(&diff_documents(&ours, &theirs, ("ours", "Persona's"))),
            [
                "response GET /inquiries 200 extra: absent in ours ≠ present",
                "response GET /inquiries 200 status: absent in ours ≠ present",
                "response GET /inquiries 200 tags required: true ≠ false",
                "response GET /inquiries 200 tags[] nullable: false ≠ true",
            ]
        );
    }

    #[test]
    fn the_allowlist_explains_by_key_and_values_and_reports_unused_entries() {
        let difference = |key: &str, left: &str, right: &str| Difference {
            key: key.into(),
            left: left.into(),
            right: right.into(),
        };
        let allow = |key: &str, values: Option<&str>, product: Option<&str>| Allowed {
            key: key.into(),
            values: values.map(str::to_string),
            reason: "a reason".into(),
            product: product.map(str::to_string),
        };
        let report = judge(
            vec![
                difference("resource inquiry attributes.note nullable", "true", "false"),
                difference(
                    "resource inquiry attributes.tags[] nullable",
                    "false",
                    "true",
                ),
                difference("response GET /x 5XX", "present", "absent in Persona's"),
                difference("response GET /x 200 meta", "present", "absent in Persona's"),
                difference("response GET /y 200 meta", "present", "absent in Persona's"),
            ],
            &[
                allow("*nullable", Some("true ≠ false"), None),
                allow("response * 5XX", None, None),
                allow("parameter * header:gone", None, None),
                // A product's entry explains only that product's differences.
                allow("response * 200 meta", None, Some("xs")),
            ],
            &|difference| {
                let product = if difference.key.contains("/x") {
                    "xs"
                } else {
                    "ys"
                };
                product.to_string()
            },
        );
        assert_eq!(
            keys(&report.unexplained),
            [
                "resource inquiry attributes.tags[] nullable: false ≠ true",
                "response GET /y 200 meta: present ≠ absent in Persona's"
            ]
        );
        assert_eq!(
            report.allowed,
            BTreeMap::from([("xs".to_string(), 2), ("ys".to_string(), 1)])
        );
        assert_eq!(
            report.unused,
            ["openapi/spec-diff-allow/_common.yaml: `parameter * header:gone`"]
        );
    }

    #[test]
    fn patterns_take_stars_and_brace_alternatives() {
        assert!(matches("resource {account,user}", "resource user"));
        assert!(matches(
            "resource {report,document}/*",
            "resource document/generic"
        ));
        assert!(!matches(
            "resource {report,document}/*",
            "resource verification/selfie"
        ));
        assert!(matches("a{b,c}d{e,f}", "acdf"));
        assert!(!matches("resource {account,user}", "resource users"));
        assert_eq!(alternatives("x{1,2}"), ["x1", "x2"]);
        assert!(matches(r"resource * links.\*", "resource inquiry links.*"));
        assert!(!matches(
            r"resource * links.\*",
            "resource inquiry links.self"
        ));
        assert!(matches(
            "POST /inquiries/{inquiry-id}/{a,b}",
            "POST /inquiries/{inquiry-id}/b"
        ));
    }
}
