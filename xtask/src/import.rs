//! `cargo xtask import --from <bundle.json>`: the whole of one of Persona's published OpenAPI
//! 3.1 bundles as the OpenAPI 3.0 document our generator reads (`openapi/persona.yaml`), with
//! our overlays (`openapi/overlay/*.yaml`) applied.
//!
//! Only structure comes from the bundle: paths, parameters, bodies, responses, schemas (names,
//! types, formats, nullability, required, enums, unions), webhook events and examples as data.
//! Persona's prose (every `description`, `summary`, `externalDocs` and tag text) is left
//! behind; what the document says in words is ours, from the overlays. What progenitor or
//! OpenAPI 3.0 cannot take is normalized here, each rule once for the whole document:
//!
//! - `type: [T, "null"]` is `type: T` with `nullable: true`; a union of several types has no
//!   `type` (any value);
//! - a `oneOf`/`anyOf` member `{type: null}` is `nullable: true` on the union (which takes the
//!   `type` its members share, since 3.0 reads `nullable` only beside one), and a union left
//!   with one member is `allOf: [member]`;
//! - an `anyOf` of components is a `oneOf`: typify reads an `anyOf` as a struct holding every
//!   member flattened, and serde's flatten hands the first member the fields it names, so the
//!   others read nothing (a report request read as no report at all); a `oneOf` is an enum
//!   that reads the first member that fits, which is what a client of an `anyOf` needs;
//! - `const: v` is `enum: [v]`; a schema's `examples: [v, ..]` is `example: v`;
//! - a string with a `contentMediaType` (a multipart body's file) is `format: binary`, 3.0's
//!   word for a file;
//! - `unevaluatedProperties` is dropped (3.0 has none); a `pattern` is kept as `x-pattern`,
//!   which the generator does not read (a client reads what Persona sends, and typify would
//!   check each value with a regex) but persona-mock does, to refuse a request as Persona
//!   would; and dropped too is
//!   a `format` its type does not have in 3.0 (`object` as `json`), and an `enum` whose values
//!   are one Rust name (`bearer`, `Bearer`);
//! - a `$ref` with siblings is `allOf: [{$ref}]` beside them (3.0 ignores a `$ref`'s siblings);
//! - an object with properties and `additionalProperties: true` has `additionalProperties: {}`,
//!   the form under which typify keeps the keys it does not name;
//! - a component union whose discriminator maps each tag to a component is an open union
//!   (`x-open-union`, `oneOf`), whatever Persona wrote (`anyOf` in places);
//! - a `deepObject` query parameter is one literal parameter per member (`filter[status]`,
//!   `page[after]`), and `fields` one `fields[<type>]` per JSON:API type the operation answers
//!   with, since progenitor refuses `deepObject`;
//! - every error response (4xx, 5xx and `default`, which progenitor refuses and becomes `5XX`)
//!   has the one error schema of `overlay/_common.yaml`, since progenitor refuses an operation
//!   whose errors have different schemas;
//! - a path parameter named for an id kind of ours (`account-id`, `AccountId`) is of that kind;
//! - `Idempotency-Key` leaves the reads (Persona ignores it on a GET), and the header
//!   parameters `_common.yaml` names are ours (`Persona-Version`) or leave (`Key-Inflection`);
//! - `webhooks` (3.1 only) is `x-webhooks`, so one document describes the events too, and
//!   the names a webhook subscribes to are one open component, `WebhookEventName`;
//! - a success body written in place whose `data` is one resource (or a page of them) is the
//!   component named for it (`AccountDocument`, `AccountList`), shared by every operation
//!   that answers with that shape;
//! - a `default` is kept as data, `x-default` (as typify reads it, the client would send it
//!   unasked and read an absent member as present), and the values a description lists after
//!   `Possible values:` as `x-possible-values`.
//!
//! Each operation gets our id and one-line summary: from its product's overlay when it names
//! the operation, else derived from Persona's id (`list-all-inquiries` as `listInquiries`,
//! "List inquiries."). A product without an overlay, an overlay entry the bundle does not have,
//! two operations with one id, or a schema keyword the rules do not know is an error that
//! names it: nothing is dropped silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::document::Document;
use crate::{TaskError, io, read, write_or_check};

/// The document the generator will read, relative to the workspace root.
pub const IMPORTED_PATH: &str = "openapi/persona.yaml";
/// Our overlays, one per product, and `_common.yaml`.
pub const OVERLAY_DIR: &str = "openapi/overlay";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// What `_common.yaml` gives the whole document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    info: Value,
    /// Components of ours that several products use (the one error body, the JSON:API
    /// pieces), by section: `schemas`, `parameters`, `responses`, `examples`.
    components: Map<String, Value>,
    /// Header parameters the bundle repeats per operation, and the parameter of ours each one
    /// is (`None`: the client owns the header, and the parameter leaves the operations).
    #[serde(rename = "header-parameters")]
    header_parameters: BTreeMap<String, Option<String>>,
    /// The headers every response of ours has: wire name, and the bundle's header component.
    #[serde(rename = "response-headers")]
    response_headers: BTreeMap<String, String>,
    /// Our words for each response status (`"200": One object.`).
    responses: BTreeMap<String, String>,
    /// Components whose Rust name would clash with another type's, and the name they take.
    #[serde(default)]
    renames: BTreeMap<String, String>,
}

/// One product's overlay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductOverlay {
    /// The bundle's `x-persona-product` value: `Inquiries`.
    product: String,
    /// What the product is for, in one line of ours (the feature table of the docs).
    about: String,
    /// The cargo feature of persona-api that turns the product on, when its name in kebab case
    /// (`api-keys` for `API Keys`) would not do.
    #[serde(default)]
    feature: Option<String>,
    /// Operations by Persona's id, with our id and summary.
    #[serde(default)]
    operations: BTreeMap<String, OperationOverlay>,
    /// Path items whose operations are ours: each replaces the bundle's at the same path.
    #[serde(default)]
    paths: Map<String, Value>,
    /// The components our operations use, by section, as `_common.yaml`'s.
    #[serde(default)]
    components: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OperationOverlay {
    operation_id: Option<String>,
    summary: Option<String>,
    /// The name of its request body's builder, where the one derived from the operation's id
    /// would not do: one that bodies of the same shape share (`Tag`), written to the operation
    /// as `x-rust-builder`.
    builder: Option<String>,
}

fn import_error(message: impl Into<String>) -> TaskError {
    TaskError::Reference(message.into())
}

/// `cargo xtask import --from <bundle> [--check]`.
pub fn run(bundle: &Path, check: bool) -> Result<String, TaskError> {
    let root = crate::workspace_root();
    let bundle = Document::load(bundle)?;
    let overlays = load_overlays(&root.join(OVERLAY_DIR))?;
    let document = import(&bundle, &overlays)?;
    let yaml = to_yaml(&document)?;
    let path = root.join(IMPORTED_PATH);
    let stale = write_or_check(&path, &yaml, check)?;
    let operations = count_operations(&document);
    let events = document["x-webhooks"].as_object().map_or(0, Map::len);
    match (check, stale) {
        (true, true) => Err(TaskError::Stale {
            path: IMPORTED_PATH.to_string(),
            source: "the bundle and openapi/overlay/".to_string(),
            command: "cargo xtask import --from <bundle>".to_string(),
        }),
        (true, false) => Ok(format!(
            "{IMPORTED_PATH} is up to date ({operations} operations, {events} webhook events)"
        )),
        (false, true) => Ok(format!(
            "wrote {IMPORTED_PATH} ({operations} operations, {events} webhook events, {} lines): changed",
            yaml.lines().count()
        )),
        (false, false) => Ok(format!(
            "{IMPORTED_PATH}: unchanged ({operations} operations, {events} webhook events)"
        )),
    }
}

/// The overlays, by file: `_common.yaml` and one per product.
pub struct Overlays {
    common: Common,
    products: Vec<ProductOverlay>,
}

pub fn load_overlays(dir: &Path) -> Result<Overlays, TaskError> {
    let parse = |path: &Path| -> Result<Value, TaskError> {
        serde_yaml_ng::from_str(&read(path)?)
            .map_err(|error| import_error(format!("{}: {error}", path.display())))
    };
    let common_path = dir.join("_common.yaml");
    let common = serde_json::from_value(parse(&common_path)?)
        .map_err(|error| import_error(format!("{}: {error}", common_path.display())))?;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .filter(|path| path != &common_path)
        .collect();
    files.sort();
    let products = files
        .iter()
        .map(|path| {
            serde_json::from_value(parse(path)?)
                .map_err(|error| import_error(format!("{}: {error}", path.display())))
        })
        .collect::<Result<_, _>>()?;
    Ok(Overlays { common, products })
}

fn count_operations(document: &Value) -> usize {
    document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .count()
        })
        .sum()
}

/// The document as YAML in its JSON form (YAML 1.2 is a superset of JSON), with a header of
/// ours. Block-style YAML would leave strings such as `2023-01-05` unquoted, and YAML 1.1
/// readers (PyYAML under the spec validator and schemathesis, js-yaml under Spectral) would
/// read them as dates.
pub fn to_yaml(document: &Value) -> Result<String, TaskError> {
    let body = serde_json::to_string_pretty(document)
        .map_err(|error| TaskError::Yaml(error.to_string()))?;
    Ok(format!(
        "# @generated by `cargo xtask import --from <Persona's bundle>` with openapi/overlay/.\n\
         # Do not edit: change an overlay, or import a newer bundle.\n{body}\n"
    ))
}

/// The bundle, normalized and overlaid: see the module docs for each rule.
pub fn import(bundle: &Document, overlays: &Overlays) -> Result<Value, TaskError> {
    let mut importer = Importer {
        bundle,
        overlays,
        used: BTreeSet::new(),
        ids: BTreeMap::new(),
    };
    let root = &bundle.root;
    let mut paths = Map::new();
    for (path, item) in root["paths"].as_object().into_iter().flatten() {
        let item = match importer.our_path_item(path, item)? {
            Some(ours) => ours,
            None => importer.path_item(path, item)?,
        };
        paths.insert(path.clone(), item);
    }
    for overlay in &overlays.products {
        if let Some(path) = overlay
            .paths
            .keys()
            .find(|path| root["paths"].get(*path).is_none())
        {
            return Err(import_error(format!(
                "overlay {} has the path {path}, which the bundle does not have",
                overlay.product
            )));
        }
    }
    let mut webhooks = Map::new();
    for (event, item) in root["webhooks"].as_object().into_iter().flatten() {
        webhooks.insert(event.clone(), importer.path_item(event, item)?);
    }
    importer.check_overlays_used()?;

    let components = &root["components"];
    let mut schemas = Map::new();
    for (name, schema) in components["schemas"].as_object().into_iter().flatten() {
        let ours = overlays.common.renames.get(name).unwrap_or(name);
        let schema = open_union(schema_node(schema, &format!("components/schemas/{name}"))?);
        schemas.insert(ours.clone(), schema);
    }
    for renamed in overlays.common.renames.keys() {
        if components["schemas"].get(renamed).is_none() {
            return Err(import_error(format!(
                "overlay/_common.yaml renames {renamed}, which the bundle does not have"
            )));
        }
    }
    let mut out_components = Map::new();
    out_components.insert("schemas".into(), Value::Object(schemas));
    out_components.insert(
        "securitySchemes".into(),
        strip_prose(&components["securitySchemes"]),
    );
    out_components.insert("headers".into(), importer.headers(&components["headers"])?);
    out_components.insert("examples".into(), examples_of(&components["examples"]));
    let mut bodies = Map::new();
    for (name, body) in components["requestBodies"]
        .as_object()
        .into_iter()
        .flatten()
    {
        bodies.insert(name.clone(), importer.request_body(body, name)?);
    }
    out_components.insert("requestBodies".into(), Value::Object(bodies));
    let superseded = merge_our_components(&mut out_components, overlays)?;
    for header in overlays.common.response_headers.values() {
        if out_components["headers"].get(header).is_none() {
            return Err(import_error(format!(
                "overlay/_common.yaml `response-headers` names {header}, which the bundle does \
                 not have"
            )));
        }
    }

    // Every tag an operation names, declared once (names only: a tag's text is prose).
    let tags: BTreeSet<&str> = paths
        .values()
        .flat_map(|item| METHODS.iter().filter_map(|method| item.get(*method)))
        .flat_map(|operation| operation["tags"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let tags: Vec<Value> = tags
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    let mut document = json!({
        "openapi": "3.0.3",
        "info": overlays.common.info,
        "servers": root["servers"],
        "security": root["security"],
        "tags": tags,
        "x-persona-products": products(overlays),
        "paths": paths,
        "x-webhooks": webhooks,
        "components": out_components,
    });
    rename_references(&mut document, &overlays.common.renames);
    rename_references(&mut document, &superseded);
    name_documents(&mut document);
    name_webhook_event_names(&mut document);
    derive_id_kinds(&mut document)?;
    type_path_ids(&mut document);
    type_body_ids(&mut document);
    crate::document::drop_unreferenced_components(&mut document);
    Ok(document)
}

/// The component of the names a webhook can subscribe to.
const WEBHOOK_EVENT_NAME: &str = "WebhookEventName";

/// Gives the names a webhook subscribes to (the enum with `*`, every other value an event of
/// `x-webhooks` or named like one) one open component, `WebhookEventName`: Persona adds
/// events without a version change, so a client must be able to send one its enum does not
/// list yet, and `*` gets a Rust name (`All`), which the generator cannot derive from it.
fn name_webhook_event_names(document: &mut Value) {
    fn is_subscription(node: &Map<String, Value>, events: &BTreeSet<String>) -> bool {
        let Some(values) = node.get("enum").and_then(Value::as_array) else {
            return false;
        };
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        names.contains(&"*")
            && names.iter().any(|name| events.contains(*name))
            && names.iter().all(|name| *name == "*" || name.contains('.'))
    }
    fn replace(node: &mut Value, events: &BTreeSet<String>, found: &mut Option<Value>) {
        match node {
            Value::Object(map) if is_subscription(map, events) => {
                found.get_or_insert_with(|| map["enum"].clone());
                *node = json!({ "$ref": format!("#/components/schemas/{WEBHOOK_EVENT_NAME}") });
            }
            Value::Object(map) => map
                .values_mut()
                .for_each(|child| replace(child, events, found)),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|child| replace(child, events, found)),
            _ => {}
        }
    }
    let events: BTreeSet<String> = document["x-webhooks"]
        .as_object()
        .map(|webhooks| webhooks.keys().cloned().collect())
        .unwrap_or_default();
    let mut found = None;
    replace(&mut document["components"], &events, &mut found);
    replace(&mut document["paths"], &events, &mut found);
    if let Some(values) = found {
        document["components"]["schemas"][WEBHOOK_EVENT_NAME] = json!({
            "description": "The name of a webhook event (`inquiry.approved`), or `*` for every \
                event. Persona adds events without a version change.",
            "type": "string",
            "enum": values,
            "x-open-enum": true,
            "x-enum-variant-names": { "*": "All" },
        });
    }
}

/// Gives the success bodies written in place one name for what they hold: a body whose `data`
/// is one `account` is the component `AccountDocument`, a page of them `AccountList`, shared by
/// every operation that answers with the same shape (eleven answer with an account, for
/// instance), instead of a type per operation. A name that would hold two different shapes, or
/// that a component has already, is not given.
fn name_documents(document: &mut Value) {
    let mut shapes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for schema in imported_success_bodies(document) {
        if let Some(name) = document_name(schema) {
            shapes.entry(name).or_default().insert(schema.to_string());
        }
    }
    let existing = &document["components"]["schemas"];
    let named: BTreeMap<String, Value> = shapes
        .into_iter()
        .filter(|(name, shapes)| shapes.len() == 1 && existing.get(name).is_none())
        .filter_map(|(name, shapes)| {
            let shape = shapes.into_iter().next()?;
            Some((name, serde_json::from_str(&shape).ok()?))
        })
        .collect();
    for schema in imported_success_bodies(document) {
        if let Some(name) = document_name(schema).filter(|name| named.contains_key(name)) {
            *schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        }
    }
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        schemas.extend(named);
    }
}

/// The JSON schemas of the success responses of the operations imported as they are.
fn imported_success_bodies(document: &mut Value) -> Vec<&mut Value> {
    let mut bodies = Vec::new();
    for operation in imported_operations(document) {
        let responses = operation["responses"].as_object_mut().into_iter().flatten();
        for (status, response) in responses {
            if let Some(schema) = response.pointer_mut("/content/application~1json/schema")
                && status.starts_with('2')
            {
                bodies.push(schema);
            }
        }
    }
    bodies
}

/// The operations taken from the bundle as they are: not those whose shape an overlay writes.
fn imported_operations(document: &mut Value) -> impl Iterator<Item = &mut Value> {
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object_mut().into_iter().flatten())
        .filter(|(method, operation)| {
            METHODS.contains(&method.as_str()) && operation["x-shape-from"] != "overlay"
        })
        .map(|(_, operation)| operation)
}

/// Gives each family of resource types whose ids share one prefix an id kind, unless our
/// overlays define it (`AccountId`): `case` ids are `CaseId`s (`case_`), and the report
/// templates of every kind are `ReportTemplateId`s (`rptp_`). A family whose examples show
/// several prefixes (list items of each kind) has none. The prefix is the model's, from the
/// spec's examples; a kind nothing refers to is dropped with the other unreferenced
/// components.
fn derive_id_kinds(document: &mut Value) -> Result<(), TaskError> {
    let mut families: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in crate::model::resources(
        &Document {
            root: document.clone(),
        },
        &[],
    ) {
        let family = match resource.json_type.split_once('/') {
            Some((family, _)) => family.to_string(),
            None => resource.json_type.clone(),
        };
        let prefixes = families.entry(family).or_default();
        prefixes.extend(resource.example_prefix);
    }
    let schemas = document["components"]["schemas"]
        .as_object_mut()
        .ok_or_else(|| import_error("no components/schemas"))?;
    let defined: BTreeSet<String> = schemas
        .values()
        .filter_map(|schema| schema.get("x-id-prefix")?.as_str().map(str::to_string))
        .collect();
    for (family, prefixes) in families {
        let Ok([prefix]) = <[String; 1]>::try_from(Vec::from_iter(prefixes)) else {
            continue;
        };
        if defined.contains(&prefix) {
            continue;
        }
        let name = format!("{}Id", crate::pascal_case(&family));
        if schemas.contains_key(&name) {
            return Err(import_error(format!(
                "the id kind of {family} would be {name}, which the spec has already"
            )));
        }
        let words = family.replace('-', " ");
        let article = if words.starts_with(['a', 'e', 'i', 'o']) {
            "an"
        } else {
            "a"
        };
        let mut capitalised = article.to_string();
        capitalised[..1].make_ascii_uppercase();
        schemas.insert(
            name,
            json!({
                "description": format!("{capitalised} {words}'s id (`{prefix}...`)."),
                "x-id-prefix": prefix,
                "x-id-noun": format!("{article} {words}"),
                "type": "string",
            }),
        );
    }
    Ok(())
}

/// The names of the spec's id kinds (`x-id-prefix`): ours, and those `derive_id_kinds` added.
fn id_kinds(document: &Value) -> BTreeSet<String> {
    document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, schema)| schema.get("x-id-prefix").is_some())
        .map(|(name, _)| name.clone())
        .collect()
}

/// Types the path ids of the operations imported as they are with the spec's id kinds:
/// `{account-id}` is an `AccountId` (`x-id-prefix`), checked before sending.
fn type_path_ids(document: &mut Value) {
    let kinds = id_kinds(document);
    for operation in imported_operations(document) {
        let parameters = operation["parameters"].as_array_mut().into_iter().flatten();
        for parameter in parameters.filter(|parameter| parameter["in"] == "path") {
            let kind = parameter["name"].as_str().map(crate::pascal_case);
            if let Some(kind) = kind.filter(|kind| kinds.contains(kind)) {
                parameter["schema"] = json!({ "$ref": format!("#/components/schemas/{kind}") });
            }
        }
    }
}

/// Types the ids a request body takes with the id kind of their name, as `type_path_ids` does
/// for paths: `case-template-id` is a `CaseTemplateId`, each of `account-ids` an `AccountId`,
/// so a builder checks them before sending. Walks every request body and the schemas it
/// refers to; a string with an enum, a format or a pattern is left as it is.
fn type_body_ids(document: &mut Value) {
    let kinds = id_kinds(document);
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    let mut pending: Vec<String> = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let content = &item[method]["requestBody"]["content"];
            for media in content
                .as_object()
                .into_iter()
                .flatten()
                .map(|(media, _)| media)
            {
                pending.push(format!(
                    "/paths/{}/{method}/requestBody/content/{}/schema",
                    escape(path),
                    escape(media)
                ));
            }
        }
    }
    // Every schema node a body reaches, once: its properties are rewritten below.
    let mut reached = BTreeSet::new();
    while let Some(pointer) = pending.pop() {
        let Some(node) = document.pointer(&pointer) else {
            continue;
        };
        if !reached.insert(pointer.clone()) {
            continue;
        }
        if let Some(name) = node["$ref"].as_str().and_then(|to| to.strip_prefix('#')) {
            pending.push(name.to_string());
        }
        for (key, value) in node["properties"].as_object().into_iter().flatten() {
            if value.is_object() {
                pending.push(format!("{pointer}/properties/{}", escape(key)));
            }
        }
        for key in ["items", "additionalProperties"] {
            if node[key].is_object() {
                pending.push(format!("{pointer}/{key}"));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for index in 0..node[key].as_array().map_or(0, Vec::len) {
                pending.push(format!("{pointer}/{key}/{index}"));
            }
        }
    }
    let plain_string = |schema: &Value| {
        schema["type"] == "string"
            && ["enum", "format", "pattern", "x-pattern", "$ref", "allOf"]
                .iter()
                .all(|keyword| schema.get(keyword).is_none())
    };
    for pointer in reached {
        let Some(properties) = document
            .pointer_mut(&pointer)
            .and_then(|node| node.get_mut("properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            let (single, many) = (name.strip_suffix("-id"), name.strip_suffix("-ids"));
            let kind = single
                .or(many)
                .map(|base| format!("{}Id", crate::pascal_case(base)));
            let Some(kind) = kind.filter(|kind| kinds.contains(kind)) else {
                continue;
            };
            let reference = json!({ "$ref": format!("#/components/schemas/{kind}") });
            let target = if many.is_some() {
                property.get_mut("items")
            } else {
                Some(&mut *property)
            };
            let Some(target) = target.filter(|target| plain_string(target)) else {
                continue;
            };
            // `type` beside the `allOf`, as our overlays write it: `nullable` needs one.
            let mut typed = json!({ "type": "string", "allOf": [reference] });
            for kept in ["nullable", "description"] {
                if let Some(value) = target.get(kept) {
                    typed[kept] = value.clone();
                }
            }
            *target = typed;
        }
    }
}

/// `AccountDocument` for a body whose `data` is a `$ref` to `account`, `AccountList` for one
/// whose `data` is an array of them; `None` for any other body, or one that is a `$ref`.
fn document_name(schema: &Value) -> Option<String> {
    if schema.get("$ref").is_some() {
        return None;
    }
    let data = &schema["properties"]["data"];
    let (target, suffix) = match data.get("$ref") {
        Some(reference) => (reference, "Document"),
        None if data["type"] == "array" => (data["items"].get("$ref")?, "List"),
        None => return None,
    };
    let name = target.as_str()?.strip_prefix("#/components/schemas/")?;
    Some(format!("{}{suffix}", crate::pascal_case(name)))
}

/// Each product with its cargo feature (its overlay's `feature`, else its name in kebab case)
/// and what it is for.
fn products(overlays: &Overlays) -> Value {
    let products: Map<String, Value> = overlays
        .products
        .iter()
        .map(|overlay| {
            let feature = overlay
                .feature
                .clone()
                .unwrap_or_else(|| overlay.product.to_ascii_lowercase().replace(' ', "-"));
            let entry = json!({ "feature": feature, "about": overlay.about });
            (overlay.product.clone(), entry)
        })
        .collect();
    Value::Object(products)
}

/// Adds the components of `_common.yaml` and each product's overlay to the bundle's. A schema
/// of ours with the Rust name of one of the bundle's (`Inquiry` for `inquiry`) supersedes it:
/// the bundle's goes, and the returned map points its references at ours. Any other name both
/// have, or two overlays give, is an error.
fn merge_our_components(
    components: &mut Map<String, Value>,
    overlays: &Overlays,
) -> Result<BTreeMap<String, String>, TaskError> {
    let mut superseded = BTreeMap::new();
    let sources = std::iter::once(("_common", &overlays.common.components)).chain(
        overlays
            .products
            .iter()
            .map(|overlay| (overlay.product.as_str(), &overlay.components)),
    );
    let mut ours = BTreeSet::new();
    for (source, sections) in sources {
        for (section, entries) in sections {
            if !MERGED_SECTIONS.contains(&section.as_str()) {
                return Err(import_error(format!(
                    "overlay {source} has components `{section}`, which the import does not merge"
                )));
            }
            let existing = components
                .entry(section.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("a components section is a map");
            for (name, entry) in entries.as_object().into_iter().flatten() {
                let clash = |what: &str| {
                    import_error(format!(
                        "overlay {source} defines {section} {name}, which {what} has too"
                    ))
                };
                if !ours.insert((section.clone(), name.clone())) {
                    return Err(clash("another overlay"));
                }
                if section == "schemas" {
                    let bundles = existing
                        .keys()
                        .filter(|theirs| {
                            *theirs != name
                                && crate::pascal_case(theirs) == crate::pascal_case(name)
                        })
                        .cloned()
                        .collect::<Vec<_>>();
                    for theirs in bundles {
                        existing.remove(&theirs);
                        superseded.insert(theirs, name.clone());
                    }
                }
                let mut entry = entry.clone();
                if section == "responses" {
                    add_common_headers(&mut entry, &overlays.common.response_headers);
                }
                if existing.insert(name.clone(), entry).is_some() {
                    return Err(clash("the bundle"));
                }
            }
        }
    }
    Ok(superseded)
}

/// The component sections an overlay may add to.
const MERGED_SECTIONS: [&str; 4] = ["schemas", "parameters", "responses", "examples"];

/// Gives a response of ours without `headers` the ones every response has.
fn add_common_headers(response: &mut Value, common: &BTreeMap<String, String>) {
    if response.get("$ref").is_some() || response.get("headers").is_some() {
        return;
    }
    let headers: Map<String, Value> = common
        .iter()
        .map(|(wire, component)| {
            (
                wire.clone(),
                json!({ "$ref": format!("#/components/headers/{component}") }),
            )
        })
        .collect();
    response["headers"] = Value::Object(headers);
}

/// Points every `$ref` at a renamed component by its new name.
fn rename_references(node: &mut Value, renames: &BTreeMap<String, String>) {
    let rename = |reference: &mut String| {
        if let Some(name) = reference.strip_prefix("#/components/schemas/")
            && let Some(ours) = renames.get(name)
        {
            *reference = format!("#/components/schemas/{ours}");
        }
    };
    match node {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get_mut("$ref") {
                rename(reference);
            }
            // A discriminator's mapping names its schemas by reference too.
            if let Some(mapping) = object
                .get_mut("discriminator")
                .and_then(|discriminator| discriminator.get_mut("mapping"))
                .and_then(Value::as_object_mut)
            {
                for reference in mapping.values_mut() {
                    if let Value::String(reference) = reference {
                        rename(reference);
                    }
                }
            }
            object
                .values_mut()
                .for_each(|value| rename_references(value, renames));
        }
        Value::Array(values) => values
            .iter_mut()
            .for_each(|value| rename_references(value, renames)),
        _ => {}
    }
}

struct Importer<'a> {
    bundle: &'a Document,
    overlays: &'a Overlays,
    /// The overlay entries applied, as (product, Persona's id).
    used: BTreeSet<(String, String)>,
    /// Our operation ids, and where each was given.
    ids: BTreeMap<String, String>,
}

impl Importer<'_> {
    fn resolve<'b>(&'b self, node: &'b Value) -> &'b Value {
        self.bundle.resolve(node)
    }

    /// The path item an overlay gives for `path`, checked against the bundle's: the same
    /// methods, each in the overlay's product; its responses get the common headers.
    fn our_path_item(&mut self, path: &str, item: &Value) -> Result<Option<Value>, TaskError> {
        let Some(overlay) = self
            .overlays
            .products
            .iter()
            .find(|overlay| overlay.paths.contains_key(path))
        else {
            return Ok(None);
        };
        let mut ours = overlay.paths[path].clone();
        let methods = |item: &Value| -> BTreeSet<&str> {
            METHODS
                .iter()
                .copied()
                .filter(|method| item.get(*method).is_some())
                .collect()
        };
        if methods(&ours) != methods(item) {
            return Err(import_error(format!(
                "overlay {} gives {path} the methods {:?}; the bundle has {:?}",
                overlay.product,
                methods(&ours),
                methods(item)
            )));
        }
        for method in METHODS {
            let (Some(theirs), Some(operation)) = (item.get(method), ours.get_mut(method)) else {
                continue;
            };
            let where_ = format!("{method} {path}");
            for (key, product) in [
                ("bundle", &theirs["x-persona-product"]),
                ("overlay", &operation["x-persona-product"]),
            ] {
                if product != overlay.product.as_str() {
                    return Err(import_error(format!(
                        "{where_}: the {key} puts it in product {}, its overlay is {}",
                        product.as_str().unwrap_or("(none)"),
                        overlay.product
                    )));
                }
            }
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Some(twin) = self.ids.insert(id.clone(), where_.clone()) {
                return Err(import_error(format!(
                    "{where_} and {twin} would both be {id}"
                )));
            }
            operation["x-persona-operation"] = theirs["operationId"].clone();
            // Where the operation's shape is written: ours, not the bundle's.
            operation["x-shape-from"] = json!("overlay");
            for (_, response) in operation["responses"].as_object_mut().into_iter().flatten() {
                add_common_headers(response, &self.overlays.common.response_headers);
            }
        }
        Ok(Some(ours))
    }

    fn path_item(&mut self, path: &str, item: &Value) -> Result<Value, TaskError> {
        let mut out = Map::new();
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.insert(method.to_string(), self.operation(path, method, operation)?);
            }
        }
        Ok(Value::Object(out))
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        operation: &Value,
    ) -> Result<Value, TaskError> {
        let where_ = format!("{method} {path}");
        let persona_id = operation["operationId"]
            .as_str()
            .ok_or_else(|| import_error(format!("{where_} has no operationId")))?;
        let product = operation["x-persona-product"].as_str().ok_or_else(|| {
            import_error(format!(
                "{where_} ({persona_id}) names no x-persona-product"
            ))
        })?;
        let overlay = self
            .overlays
            .products
            .iter()
            .find(|overlay| overlay.product == product)
            .ok_or_else(|| {
                import_error(format!(
                    "{where_} ({persona_id}) is in product {product}, which has no overlay in \
                     {OVERLAY_DIR}/: add one"
                ))
            })?;
        let named = overlay.operations.get(persona_id);
        if named.is_some() {
            self.used
                .insert((product.to_string(), persona_id.to_string()));
        }
        let id = named
            .and_then(|named| named.operation_id.clone())
            .unwrap_or_else(|| derived_id(persona_id));
        let summary = named
            .and_then(|named| named.summary.clone())
            .unwrap_or_else(|| derived_summary(persona_id));
        if let Some(twin) = self.ids.insert(id.clone(), where_.clone()) {
            return Err(import_error(format!(
                "{where_} and {twin} would both be {id}: name one in overlay {product}"
            )));
        }

        let mut out = Map::new();
        out.insert("operationId".into(), json!(id));
        out.insert("summary".into(), json!(summary));
        out.insert("x-persona-product".into(), json!(product));
        out.insert("x-persona-operation".into(), json!(persona_id));
        if let Some(builder) = named.and_then(|named| named.builder.as_ref()) {
            out.insert("x-rust-builder".into(), json!(builder));
        }
        if let Some(tags) = operation.get("tags") {
            out.insert("tags".into(), tags.clone());
        }
        if let Some(deprecated) = operation.get("deprecated") {
            out.insert("deprecated".into(), deprecated.clone());
        }
        // An operation that authenticates otherwise than the document's default (none for
        // creating a relay, a Privacy Pass token for reading its claim).
        if let Some(security) = operation.get("security") {
            out.insert("security".into(), security.clone());
        }
        let response_types = self.response_types(operation);
        let mut parameters = Vec::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            parameters.extend(self.parameters(parameter, method, &response_types, &where_)?);
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = operation.get("requestBody") {
            out.insert("requestBody".into(), self.request_body(body, &where_)?);
        }
        let mut responses = Map::new();
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            let status = if status == "default" {
                "5XX"
            } else {
                status.as_str()
            };
            responses.insert(
                status.to_string(),
                self.response(status, response, &where_)?,
            );
        }
        out.insert("responses".into(), Value::Object(responses));
        Ok(Value::Object(out))
    }

    /// The JSON:API types a success answers with in `data`, for `fields[<type>]`.
    fn response_types(&self, operation: &Value) -> BTreeSet<String> {
        let mut types = BTreeSet::new();
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            if !status.starts_with('2') {
                continue;
            }
            let response = self.resolve(response);
            let schema = &response["content"]["application/json"]["schema"];
            let data = &self.resolve(schema)["properties"]["data"];
            let data = self.resolve(data);
            let resource = if data["type"] == "array" {
                &data["items"]
            } else {
                data
            };
            self.collect_types(resource, &mut types, 0);
        }
        types
    }

    fn collect_types(&self, schema: &Value, types: &mut BTreeSet<String>, depth: usize) {
        if depth > 8 {
            return;
        }
        let schema = self.resolve(schema);
        let type_ = &schema["properties"]["type"];
        for value in type_
            .get("const")
            .into_iter()
            .chain(type_["enum"].as_array().into_iter().flatten())
        {
            if let Some(name) = value.as_str() {
                types.insert(name.to_string());
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for member in schema[key].as_array().into_iter().flatten() {
                self.collect_types(member, types, depth + 1);
            }
        }
    }

    fn parameters(
        &self,
        parameter: &Value,
        method: &str,
        response_types: &BTreeSet<String>,
        where_: &str,
    ) -> Result<Vec<Value>, TaskError> {
        let parameter = self.resolve(parameter);
        let name = parameter["name"].as_str().unwrap_or_default();
        let place = format!("{where_} parameter {name}");
        // Persona ignores an idempotency key on a read, and the client sends its own on writes.
        if method == "get" && name.eq_ignore_ascii_case("Idempotency-Key") {
            return Ok(Vec::new());
        }
        if parameter["in"] == "header"
            && let Some(ours) = self.overlays.common.header_parameters.get(name)
        {
            return Ok(ours
                .iter()
                .map(|ours| json!({ "$ref": format!("#/components/parameters/{ours}") }))
                .collect());
        }
        let copy = |name: String, schema: &Value, required: bool| -> Result<Value, TaskError> {
            let mut out = Map::new();
            out.insert("name".into(), json!(name));
            out.insert("in".into(), parameter["in"].clone());
            if required {
                out.insert("required".into(), json!(true));
            }
            out.insert("schema".into(), schema_node(schema, &place)?);
            Ok(Value::Object(out))
        };
        let required = parameter["required"] == true;
        if parameter["style"] != "deepObject" {
            return Ok(vec![copy(
                name.to_string(),
                &parameter["schema"],
                required,
            )?]);
        }
        let schema = self.resolve(&parameter["schema"]);
        if schema["properties"].is_object() {
            return self
                .bundle
                .deep_object_members(name, schema, required)
                .into_iter()
                .map(|(named, member_schema, required)| copy(named, &member_schema, required))
                .collect();
        }
        // A map such as `fields` (type -> attribute names): one parameter per type answered.
        let values = &schema["additionalProperties"];
        if values.is_object() {
            return response_types
                .iter()
                .map(|type_| copy(format!("{name}[{type_}]"), values, false))
                .collect();
        }
        Err(import_error(format!(
            "{place}: a deepObject with neither properties nor a value schema"
        )))
    }

    fn request_body(&self, body: &Value, where_: &str) -> Result<Value, TaskError> {
        let body = self.resolve(body);
        let mut out = Map::new();
        if body["required"] == true {
            out.insert("required".into(), json!(true));
        }
        out.insert(
            "content".into(),
            self.content(&body["content"], &format!("{where_} body"))?,
        );
        Ok(Value::Object(out))
    }

    fn content(&self, content: &Value, where_: &str) -> Result<Value, TaskError> {
        let mut out = Map::new();
        for (media, media_type) in content.as_object().into_iter().flatten() {
            let mut entry = Map::new();
            if let Some(schema) = media_type.get("schema") {
                entry.insert(
                    "schema".into(),
                    schema_node(schema, &format!("{where_} {media}"))?,
                );
            }
            if let Some(examples) = media_type.get("examples") {
                entry.insert("examples".into(), examples_of(examples));
            }
            if let Some(example) = media_type.get("example") {
                entry.insert("example".into(), example.clone());
            }
            if let Some(encoding) = media_type.get("encoding") {
                entry.insert("encoding".into(), strip_prose(encoding));
            }
            out.insert(media.clone(), Value::Object(entry));
        }
        Ok(Value::Object(out))
    }

    fn response(&self, status: &str, response: &Value, where_: &str) -> Result<Value, TaskError> {
        let response = self.resolve(response);
        let description = self.overlays.common.responses.get(status).ok_or_else(|| {
            import_error(format!(
                "{where_} answers {status}, which overlay/_common.yaml `responses` has no words for"
            ))
        })?;
        let mut out = Map::new();
        out.insert("description".into(), json!(description));
        if let Some(headers) = response.get("headers") {
            out.insert("headers".into(), self.headers(headers)?);
        }
        if let Some(content) = response.get("content") {
            let mut content = self.content(content, &format!("{where_} {status}"))?;
            if !status.starts_with('2') && !status.starts_with('3') {
                // One error schema for every error: progenitor refuses differing ones.
                for (_, media_type) in content.as_object_mut().into_iter().flatten() {
                    media_type["schema"] = json!({ "$ref": "#/components/schemas/ErrorBody" });
                }
            }
            out.insert("content".into(), content);
        }
        Ok(Value::Object(out))
    }

    fn headers(&self, headers: &Value) -> Result<Value, TaskError> {
        let mut out = Map::new();
        for (name, header) in headers.as_object().into_iter().flatten() {
            if header.get("$ref").is_some() {
                out.insert(name.clone(), header.clone());
                continue;
            }
            let mut entry = Map::new();
            if let Some(schema) = header.get("schema") {
                entry.insert(
                    "schema".into(),
                    schema_node(schema, &format!("header {name}"))?,
                );
            }
            out.insert(name.clone(), Value::Object(entry));
        }
        Ok(Value::Object(out))
    }

    fn check_overlays_used(&self) -> Result<(), TaskError> {
        let unused: Vec<String> = self
            .overlays
            .products
            .iter()
            .flat_map(|overlay| {
                overlay
                    .operations
                    .keys()
                    .filter(|id| {
                        !self
                            .used
                            .contains(&(overlay.product.clone(), (*id).clone()))
                    })
                    .map(|id| format!("{}: {id}", overlay.product))
            })
            .collect();
        if unused.is_empty() {
            Ok(())
        } else {
            Err(import_error(format!(
                "overlay entries name operations the bundle does not have in their product: {}",
                unused.join(", ")
            )))
        }
    }
}

/// Words of Persona's ids that say nothing in a Rust method name.
const FILLER: [&str; 4] = ["a", "an", "the", "all"];

/// `list-all-inquiries` as `listInquiries`; `create-an-account` as `createAccount`.
fn derived_id(persona_id: &str) -> String {
    let mut id = String::new();
    for word in persona_words(persona_id) {
        if id.is_empty() {
            id.push_str(&word.to_ascii_lowercase());
        } else {
            id.push_str(&crate::pascal_case(&word.to_ascii_lowercase()));
        }
    }
    id
}

/// `list-all-inquiries` as "List inquiries."
fn derived_summary(persona_id: &str) -> String {
    let words = persona_words(persona_id).collect::<Vec<_>>().join(" ");
    let mut characters = words.chars();
    match characters.next() {
        Some(first) => format!("{}{}.", first.to_ascii_uppercase(), characters.as_str()),
        None => String::new(),
    }
}

/// The words of an id in kebab or camel case, without the filler.
fn persona_words(persona_id: &str) -> impl Iterator<Item = String> + '_ {
    let mut spaced = String::new();
    for character in persona_id.chars() {
        if character.is_ascii_uppercase() {
            spaced.push('-');
        }
        spaced.push(character.to_ascii_lowercase());
    }
    spaced
        .split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty() && !FILLER.contains(word))
        .map(str::to_string)
        .collect::<Vec<_>>()
        .into_iter()
}

/// Schema keywords OpenAPI 3.0 has, kept as they are (after the rules below).
const SCHEMA_KEYWORDS: [&str; 23] = [
    "type",
    "properties",
    "additionalProperties",
    "$ref",
    "example",
    "required",
    "allOf",
    "oneOf",
    "anyOf",
    "items",
    "format",
    "title",
    "default",
    "discriminator",
    "deprecated",
    "maximum",
    "minimum",
    "enum",
    "minItems",
    "maxItems",
    "nullable",
    "not",
    "readOnly",
];

/// The formats OpenAPI 3.0 gives each type.
const KNOWN_FORMATS: [(&str, &str); 11] = [
    ("string", "date-time"),
    ("string", "date"),
    ("string", "binary"),
    ("string", "byte"),
    ("string", "uri"),
    ("string", "email"),
    ("string", "uuid"),
    ("integer", "int32"),
    ("integer", "int64"),
    ("number", "float"),
    ("number", "double"),
];

/// Keywords of the bundle that carry prose, or Persona's tooling hints, and stay behind.
const LEFT_BEHIND: [&str; 5] = [
    "x-remove-from-fern",
    "x-remove-from-github",
    "x-inheritable",
    "x-polymorphic",
    "$comment",
];

/// The `type` every member of a schema's union states, when they state one and the same.
fn shared_member_type(schema: &Map<String, Value>) -> Option<Value> {
    let members: Vec<&Value> = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(*key)?.as_array())
        .flatten()
        .collect();
    let first = members.first()?.get("type")?;
    members
        .iter()
        .all(|member| member.get("type") == Some(first))
        .then(|| first.clone())
}

/// One schema in OpenAPI 3.0, by the rules in the module docs.
fn schema_node(schema: &Value, place: &str) -> Result<Value, TaskError> {
    let Some(object) = schema.as_object() else {
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in object {
        match key.as_str() {
            "type" => match value {
                Value::Array(types) => {
                    let named: Vec<&Value> =
                        types.iter().filter(|type_| *type_ != "null").collect();
                    nullable |= named.len() < types.len();
                    if let [only] = named[..] {
                        out.insert("type".into(), only.clone());
                    }
                }
                Value::String(type_) if type_ == "null" => nullable = true,
                _ => {
                    out.insert("type".into(), value.clone());
                }
            },
            "const" => {
                out.insert("enum".into(), json!([value]));
            }
            "examples" => {
                if let Some(first) = value.as_array().and_then(|values| values.first()) {
                    out.entry("example").or_insert_with(|| first.clone());
                }
            }
            "example" => {
                out.insert("example".into(), value.clone());
            }
            "contentMediaType" => {
                out.entry("format").or_insert_with(|| "binary".into());
            }
            // As `pattern`, the types would check every value with a regex engine, where a
            // client reads what Persona sends: the mock's request check reads it instead.
            "pattern" => {
                out.insert("x-pattern".into(), value.clone());
            }
            "unevaluatedProperties" => {}
            "properties" => {
                let mut properties = Map::new();
                for (name, property) in value.as_object().into_iter().flatten() {
                    properties.insert(
                        name.clone(),
                        schema_node(property, &format!("{place}.{name}"))?,
                    );
                }
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), schema_node(value, &format!("{place}.{key}"))?);
            }
            "allOf" | "oneOf" | "anyOf" => {
                let mut members = Vec::new();
                for member in value.as_array().into_iter().flatten() {
                    if member.get("type") == Some(&json!("null"))
                        && member.as_object().is_some_and(|m| m.len() == 1)
                    {
                        nullable = true;
                    } else {
                        members.push(schema_node(member, &format!("{place}.{key}"))?);
                    }
                }
                let key = if members.len() == 1 {
                    "allOf"
                } else if key == "anyOf"
                    && members.iter().all(|member| member.get("$ref").is_some())
                {
                    "oneOf"
                } else {
                    key.as_str()
                };
                if let Some(Value::Array(existing)) = out.get_mut(key) {
                    existing.extend(members);
                } else {
                    out.insert(key.to_string(), Value::Array(members));
                }
            }
            known if SCHEMA_KEYWORDS.contains(&known) || known == "x-persona-product" => {
                out.insert(key.clone(), value.clone());
            }
            "description" => {
                // The prose stays behind; the values it lists are data.
                if let Some(values) = value.as_str().and_then(crate::document::possible_values) {
                    out.insert("x-possible-values".into(), json!(values));
                }
            }
            dropped if LEFT_BEHIND.contains(&dropped) => {}
            unknown => {
                return Err(import_error(format!(
                    "{place}: the schema keyword `{unknown}` has no rule in the import (xtask/src/import.rs)"
                )));
            }
        }
    }
    if nullable {
        out.insert("nullable".into(), json!(true));
        // 3.0 reads `nullable` only beside a `type`: a union whose members all state one type
        // takes it (`{data: null}` of a relationship whose targets are objects).
        if out.get("type").is_none()
            && let Some(shared) = shared_member_type(&out)
        {
            out.insert("type".into(), shared);
        }
    }
    // A default is what the server does without the member. As typify reads it, the client
    // would send it unasked (so every update would reset the member to it) and read an
    // absent member as present: it is kept as data, `x-default`.
    if let Some(default) = out.remove("default") {
        out.insert("x-default".into(), default);
    }
    // Values that are one Rust variant (`bearer`, `Bearer`) cannot be an enum: any string.
    let clash = out
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| {
            let mut variants = BTreeSet::new();
            values
                .iter()
                .filter_map(Value::as_str)
                .any(|value| !variants.insert(crate::pascal_case(value).to_ascii_lowercase()))
        });
    if clash {
        out.remove("enum");
    }
    // A format the type does not have in OpenAPI 3.0 (`object` as `json`, `integer` as
    // `integer`) says nothing more than the type, and typify refuses it.
    let format = (
        out.get("type").and_then(Value::as_str),
        out.get("format").and_then(Value::as_str),
    );
    if let (type_, Some(format)) = format
        && !KNOWN_FORMATS.contains(&(type_.unwrap_or_default(), format))
    {
        out.remove("format");
    }
    // typify keeps the keys an object does not name only for a schema of them, not for `true`.
    if out.contains_key("properties") && out.get("additionalProperties") == Some(&json!(true)) {
        out.insert("additionalProperties".into(), json!({}));
    }
    // OpenAPI 3.0 ignores a `$ref`'s siblings: keep them by putting the reference in an allOf.
    if out.contains_key("$ref") && out.len() > 1 {
        let reference = out.remove("$ref").unwrap_or_default();
        let mut members = vec![json!({ "$ref": reference })];
        if let Some(Value::Array(existing)) = out.remove("allOf") {
            members.extend(existing);
        }
        out.insert("allOf".into(), Value::Array(members));
    }
    Ok(Value::Object(out))
}

/// Named examples with their values as data; their summaries and descriptions stay behind.
fn examples_of(examples: &Value) -> Value {
    let mut out = Map::new();
    for (name, example) in examples.as_object().into_iter().flatten() {
        let kept = match example.get("$ref") {
            Some(reference) => json!({ "$ref": reference }),
            None => json!({ "value": example["value"] }),
        };
        out.insert(name.clone(), kept);
    }
    Value::Object(out)
}

/// A component union whose discriminator maps each tag to a component is an open union
/// (`x-open-union`, a `oneOf`): the member its `type` names, or the object kept whole for a
/// tag this version does not know. Persona writes some as `anyOf`, which typify reads as a
/// struct of every member at once, and the rest become untagged enums that try each member.
fn open_union(mut schema: Value) -> Value {
    let by_components = schema["discriminator"]["mapping"]
        .as_object()
        .is_some_and(|mapping| {
            mapping.values().all(|target| {
                target
                    .as_str()
                    .is_some_and(|target| target.starts_with("#/components/schemas/"))
            })
        });
    if let Some(object) = schema.as_object_mut()
        && by_components
    {
        if let Some(members) = object.remove("anyOf") {
            object.insert("oneOf".into(), members);
        }
        object.insert("x-open-union".into(), json!(true));
    }
    schema
}

/// A node without its prose (`description`) and the bundle's tooling extensions.
fn strip_prose(node: &Value) -> Value {
    match node {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(key, _)| key.as_str() != "description" && !key.starts_with("x-fern"))
                .map(|(key, value)| (key.clone(), strip_prose(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_bodys_ids_take_the_kind_of_their_name() {
        let mut document = json!({
            "paths": { "/cases": { "post": { "requestBody": { "content": { "application/json": {
                "schema": { "properties": { "data": { "properties": { "attributes": {
                    "$ref": "#/components/schemas/case-attributes" } } } } } } } } } } },
            "components": { "schemas": {
                "CaseTemplateId": { "type": "string", "x-id-prefix": "ctmpl_" },
                "AccountId": { "type": "string", "x-id-prefix": "act_" },
                "case-attributes": { "properties": {
                    "case-template-id": { "type": "string", "description": "Its template." },
                    "account-ids": { "type": "array", "items": { "type": "string" } },
                    "case-queue-id": { "type": "string", "nullable": true },
                    "account-id": { "type": "string", "format": "uuid" }
                } }
            } }
        });
        type_body_ids(&mut document);
        let properties = &document["components"]["schemas"]["case-attributes"]["properties"];
        assert_eq!(
            properties["case-template-id"],
            json!({ "type": "string", "allOf": [{ "$ref": "#/components/schemas/CaseTemplateId" }],
                    "description": "Its template." })
        );
        assert_eq!(
            properties["account-ids"]["items"],
            json!({ "type": "string", "allOf": [{ "$ref": "#/components/schemas/AccountId" }] })
        );
        // No kind of that name, or a string of its own format: left as it is.
        assert_eq!(
            properties["case-queue-id"],
            json!({ "type": "string", "nullable": true })
        );
        assert_eq!(properties["account-id"]["format"], "uuid");
    }

    #[test]
    fn a_family_of_types_whose_ids_share_one_prefix_gets_an_id_kind() {
        let resource = |json_type: &str, id: &str| {
            json!({ "properties": {
                "type": { "type": "string", "enum": [json_type] },
                "id": { "type": "string", "example": id },
                "attributes": { "type": "object", "properties": {} } } })
        };
        let mut document = json!({ "components": { "schemas": {
            "case": resource("case", "case_1"),
            "report-watchlist": resource("report/watchlist", "rep_1"),
            "report-template-watchlist": resource("report-template/watchlist", "rptp_1"),
            "report-template-profile": resource("report-template/profile", "rptp_2"),
            "list-item-name": resource("list-item/name", "lin_1"),
            "list-item-country": resource("list-item/country", "lic_1"),
            "ReportId": { "type": "string", "x-id-prefix": "rep_", "x-id-noun": "a report" }
        } } });
        derive_id_kinds(&mut document).expect("derives");
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["CaseId"],
            json!({ "description": "A case's id (`case_...`).", "x-id-prefix": "case_",
                    "x-id-noun": "a case", "type": "string" })
        );
        assert_eq!(schemas["ReportTemplateId"]["x-id-prefix"], "rptp_");
        // Ours stands; a family of several prefixes has none.
        assert_eq!(
            schemas["ReportId"],
            json!({ "type": "string", "x-id-prefix": "rep_", "x-id-noun": "a report" })
        );
        assert!(schemas.get("ListItemId").is_none(), "{schemas}");
    }

    fn overlays(products: &[(&str, &str)]) -> Overlays {
        Overlays {
            common: Common {
                info: json!({ "title": "ours", "version": "2023-01-05" }),
                components: serde_json::from_value(
                    json!({ "schemas": { "ErrorBody": { "type": "object" } } }),
                )
                .unwrap(),
                header_parameters: [
                    ("Key-Inflection".to_string(), None),
                    ("Persona-Version".to_string(), Some("Version".to_string())),
                ]
                .into(),
                response_headers: [("Request-Id".to_string(), "request-id".to_string())].into(),
                responses: [
                    ("200", "One object."),
                    ("400", "Refused."),
                    ("5XX", "Failed."),
                ]
                .into_iter()
                .map(|(status, words)| (status.to_string(), words.to_string()))
                .collect(),
                renames: [("size".to_string(), "thing-size".to_string())].into(),
            },
            products: products
                .iter()
                .map(|(product, overlay)| {
                    let mut overlay: Value = serde_yaml_ng::from_str(overlay).unwrap();
                    overlay["product"] = json!(product);
                    overlay["about"] = json!("What things are for.");
                    serde_json::from_value::<ProductOverlay>(overlay).unwrap()
                })
                .collect(),
        }
    }

    fn bundle() -> Value {
        json!({
            "openapi": "3.1.0",
            "servers": [{ "url": "https://api.example/api/v1" }],
            "security": [{ "bearerAuth": [] }],
            "paths": {
                "/things": {
                    "get": {
                        "operationId": "list-all-things",
                        "description": "Persona's words.",
                        "x-persona-product": "Things",
                        "parameters": [
                            { "$ref": "#/components/parameters/page" },
                            { "in": "header", "name": "Key-Inflection", "schema": { "type": "string" } },
                            { "in": "header", "name": "Persona-Version", "schema": { "type": "string" } },
                            { "in": "query", "name": "fields", "style": "deepObject",
                              "schema": { "type": "object", "additionalProperties": { "type": "string" } } },
                            { "in": "query", "name": "filter", "style": "deepObject", "required": true,
                              "schema": { "type": "object", "required": ["key"], "properties": {
                                  "key": { "type": "string" }, "since": { "type": "string" } } } }
                        ],
                        "responses": {
                            "200": { "description": "Persona's words.", "content": { "application/json": {
                                "schema": { "type": "object", "properties": { "data": {
                                    "type": "array", "items": { "$ref": "#/components/schemas/thing" } } } } } } },
                            "400": { "description": "Persona's words.", "content": { "application/json": {
                                "schema": { "type": "object", "properties": { "errors": { "type": "array" } } } } } },
                            "default": { "description": "Persona's words." }
                        }
                    }
                }
            },
            "webhooks": {
                "thing.created": { "post": {
                    "operationId": "webhook-thing-created",
                    "x-persona-product": "Things",
                    "responses": { "200": { "description": "Persona's words." } }
                } }
            },
            "components": {
                "headers": { "request-id": { "schema": { "type": "string" } } },
                "parameters": {
                    "page": { "in": "query", "name": "page", "style": "deepObject", "schema": {
                        "type": "object", "properties": { "after": { "type": "string", "examples": ["thg_1"] } } } }
                },
                "schemas": {
                    "thing": { "type": "object", "unevaluatedProperties": false, "properties": {
                        "type": { "type": "string", "const": "thing" },
                        "description": { "type": ["string", "null"], "description": "Persona's words." },
                        "size": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/size" }] },
                        "parent": { "$ref": "#/components/schemas/size", "description": "Persona's words." }
                    } },
                    "size": { "type": ["integer", "string"] }
                }
            }
        })
    }

    #[test]
    fn the_events_a_webhook_subscribes_to_are_one_open_component() {
        let subscription =
            json!({ "type": "string", "enum": ["*", "thing.created", "thing.redacted"] });
        let mut document = json!({
            "x-webhooks": { "thing.created": {} },
            "paths": { "/webhooks": { "post": { "requestBody": { "content": { "application/json": {
                "schema": { "properties": { "events": { "type": "array", "items": subscription } } }
            } } } } } },
            "components": { "schemas": {
                "webhook": { "properties": { "events": { "items": subscription } } },
                // One event name alone is a payload's discriminator, not a subscription.
                "thing-created": { "properties": { "name": { "enum": ["thing.created"] } } }
            } }
        });
        name_webhook_event_names(&mut document);
        let reference = json!({ "$ref": "#/components/schemas/WebhookEventName" });
        assert_eq!(
            document["components"]["schemas"]["webhook"]["properties"]["events"]["items"],
            reference
        );
        assert_eq!(
            document.pointer("/paths/~1webhooks/post/requestBody/content/application~1json/schema/properties/events/items"),
            Some(&reference)
        );
        let names = &document["components"]["schemas"]["WebhookEventName"];
        assert_eq!(names["enum"], subscription["enum"]);
        assert_eq!(names["x-open-enum"], true);
        assert_eq!(names["x-enum-variant-names"]["*"], "All");
        assert_eq!(
            document["components"]["schemas"]["thing-created"]["properties"]["name"]["enum"],
            json!(["thing.created"])
        );
    }

    #[test]
    fn structure_comes_over_normalized_and_prose_stays_behind() {
        let imported =
            import(&Document { root: bundle() }, &overlays(&[("Things", "{}")])).unwrap();
        let operation = &imported["paths"]["/things"]["get"];
        assert_eq!(operation["operationId"], "listThings");
        assert_eq!(operation["summary"], "List things.");
        assert_eq!(operation["x-persona-operation"], "list-all-things");
        let names: Vec<&str> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|parameter| parameter["name"].as_str())
            .collect();
        // The client owns Key-Inflection; Persona-Version is our parameter.
        assert_eq!(
            names,
            [
                "page[after]",
                "fields[thing]",
                "filter[key]",
                "filter[since]"
            ]
        );
        assert_eq!(
            operation["parameters"].as_array().unwrap().len(),
            5,
            "{operation:#}"
        );
        // A required deepObject's members are required as its schema lists them.
        assert_eq!(operation["parameters"][3]["required"], true);
        assert_eq!(operation["parameters"][4].get("required"), None);
        assert_eq!(
            operation["parameters"][1],
            json!({ "$ref": "#/components/parameters/Version" })
        );
        assert_eq!(operation["parameters"][0]["schema"]["example"], "thg_1");
        assert_eq!(
            operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        assert_eq!(operation["responses"]["5XX"]["description"], "Failed.");
        assert!(operation.get("description").is_none());

        let thing = &imported["components"]["schemas"]["thing"];
        assert!(thing.get("unevaluatedProperties").is_none());
        assert_eq!(thing["properties"]["type"]["enum"], json!(["thing"]));
        // A property named `description` is structure; its own description is prose.
        assert_eq!(
            thing["properties"]["description"],
            json!({ "type": "string", "nullable": true })
        );
        // `size` is renamed by the overlay, and every reference follows.
        assert_eq!(
            thing["properties"]["size"],
            json!({ "allOf": [{ "$ref": "#/components/schemas/thing-size" }], "nullable": true })
        );
        assert_eq!(
            thing["properties"]["parent"],
            json!({ "$ref": "#/components/schemas/thing-size" })
        );
        assert_eq!(imported["components"]["schemas"]["thing-size"], json!({}));
        assert_eq!(
            imported["x-webhooks"]["thing.created"]["post"]["operationId"],
            "webhookThingCreated"
        );
        assert!(!to_yaml(&imported).unwrap().contains("Persona's words"));
    }

    /// An overlay whose operation and schema are ours.
    const OURS: &str = r##"
paths:
  /things:
    get:
      operationId: listThings
      x-persona-product: Things
      summary: Every thing.
      responses:
        "200":
          description: The things.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Thing" } }
components:
  schemas:
    Thing: { type: object, properties: { type: { type: string } } }
"##;

    #[test]
    fn an_operation_of_ours_replaces_the_bundles_and_our_schema_supersedes_its_twin() {
        let ours = overlays(&[("Things", OURS)]);
        let imported = import(&Document { root: bundle() }, &ours).unwrap();
        let operation = &imported["paths"]["/things"]["get"];
        assert_eq!(operation["summary"], "Every thing.");
        assert_eq!(operation["x-persona-operation"], "list-all-things");
        assert_eq!(operation["x-shape-from"], "overlay");
        assert_eq!(
            operation["responses"]["200"]["headers"]["Request-Id"]["$ref"],
            "#/components/headers/request-id"
        );
        let schemas = imported["components"]["schemas"].as_object().unwrap();
        // `thing` is superseded by `Thing`; `thing-size` was used only by `thing`.
        assert!(schemas.contains_key("Thing"), "{schemas:?}");
        assert!(!schemas.contains_key("thing"), "{schemas:?}");
        assert!(!schemas.contains_key("thing-size"), "{schemas:?}");

        let elsewhere = overlays(&[(
            "Things",
            &OURS.replace("x-persona-product: Things", "x-persona-product: Others"),
        )]);
        let error = import(&Document { root: bundle() }, &elsewhere)
            .unwrap_err()
            .to_string();
        assert!(error.contains("product Others"), "{error}");
        let extra = overlays(&[("Things", &OURS.replace("  /things:", "  /others:"))]);
        let error = import(&Document { root: bundle() }, &extra)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("/others, which the bundle does not have"),
            "{error}"
        );
    }

    #[test]
    fn overlays_name_operations_and_every_gap_is_an_error_that_names_it() {
        let named = overlays(&[(
            "Things",
            "operations: { list-all-things: { operationId: listThings, summary: \"Every thing, newest first.\" } }",
        )]);
        let imported = import(&Document { root: bundle() }, &named).unwrap();
        assert_eq!(
            imported["paths"]["/things"]["get"]["summary"],
            "Every thing, newest first."
        );

        let error = import(&Document { root: bundle() }, &overlays(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("product Things, which has no overlay"),
            "{error}"
        );

        let stale = overlays(&[(
            "Things",
            "operations: { delete-a-thing: { summary: Gone. } }",
        )]);
        let error = import(&Document { root: bundle() }, &stale)
            .unwrap_err()
            .to_string();
        assert!(error.contains("Things: delete-a-thing"), "{error}");

        let mut odd = bundle();
        odd["components"]["schemas"]["size"]["prefixItems"] = json!([]);
        let error = import(&Document { root: odd }, &overlays(&[("Things", "{}")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("components/schemas/size: the schema keyword `prefixItems`"),
            "{error}"
        );
    }

    #[test]
    fn the_values_a_description_lists_and_the_default_are_kept_as_data() {
        let schema = json!({
            "type": "string",
            "default": "css",
            "description": "Persona's words.\n\nPossible values:\n- `html`\n- css\n\nMore words."
        });
        assert_eq!(
            schema_node(&schema, "here").unwrap(),
            json!({ "type": "string", "x-possible-values": ["html", "css"], "x-default": "css" })
        );
    }

    #[test]
    fn ids_and_summaries_are_derived_from_personas_ids() {
        assert_eq!(derived_id("create-an-inquiry"), "createInquiry");
        assert_eq!(derived_id("runAccountAction"), "runAccountAction");
        assert_eq!(derived_summary("redact-a-case"), "Redact case.");
    }
}

#[cfg(test)]
mod imported {
    use serde_json::Value;

    /// The checked-in document is OpenAPI 3.0 in the shape `openapiv3` reads, and progenitor
    /// generates a client from every operation whose body is JSON (the multipart and
    /// form-encoded bodies are for an emitter of their own: progenitor takes JSON only).
    #[test]
    fn the_checked_in_document_is_one_progenitor_generates_from() {
        let path = crate::workspace_root().join(super::IMPORTED_PATH);
        let text = crate::read(&path).unwrap();
        let mut document: Value = serde_yaml_ng::from_str(&text).unwrap();
        let mut not_json = Vec::new();
        for (_, item) in document["paths"].as_object_mut().unwrap() {
            let operations = item.as_object_mut().unwrap().iter_mut();
            for (_, operation) in
                operations.filter(|(key, _)| super::METHODS.contains(&key.as_str()))
            {
                let id = operation["operationId"].as_str().unwrap().to_string();
                let Some(content) = operation.pointer_mut("/requestBody/content") else {
                    continue;
                };
                let content = content.as_object_mut().unwrap();
                if content.keys().any(|media| media != "application/json") {
                    not_json.push(id);
                    content.retain(|media, _| media == "application/json");
                    if content.is_empty() {
                        operation.as_object_mut().unwrap().remove("requestBody");
                    }
                }
            }
        }
        assert_eq!(
            not_json,
            [
                "importAccount",
                "importEmailAddressLists",
                "importGeolocationLists",
                "importGovernmentIdNumberLists",
                "importIpAddressLists",
                "importNameLists",
                "importPhoneNumberLists",
                "createAuthorization",
                "createAccessToken",
            ]
        );
        let spec: openapiv3::OpenAPI = serde_json::from_value(document).unwrap();
        assert_eq!(spec.operations().count(), 209);
        let settings = progenitor::GenerationSettings::new();
        let outcome = std::panic::catch_unwind(|| {
            progenitor::Generator::new(&settings)
                .generate_tokens(&spec)
                .map(|tokens| tokens.to_string().len())
        });
        match outcome {
            Ok(Ok(size)) => assert!(size > 0),
            Ok(Err(error)) => panic!("progenitor refused it: {error}"),
            Err(_) => panic!("progenitor panicked on it"),
        }
    }
}
