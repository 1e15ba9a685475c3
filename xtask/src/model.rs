//! The API as the generator sees it, read once from the spec: its operations, the kinds of id
//! and their prefixes, the open enums and the request and response bodies. Every table the
//! other crates need (`emit.rs`) is written from this model, never from the generated Rust or
//! from a list kept by hand.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::TaskError;
use crate::document::{Document, MULTIPART};
use crate::shapes;

/// What the spec says about the API, in document order.
#[derive(Debug)]
pub struct Model {
    pub operations: Vec<Operation>,
    /// The cargo feature of each product that has operations (`x-persona-products`):
    /// `Accounts` as `accounts`.
    pub features: BTreeMap<String, String>,
    /// What each of those products is for, in our words (`x-persona-products`).
    pub abouts: BTreeMap<String, String>,
    pub ids: Vec<IdKind>,
    pub open_enums: Vec<OpenEnum>,
    pub open_unions: Vec<OpenUnion>,
    pub resources: Vec<Resource>,
    pub links: Vec<Link>,
    /// Every webhook event of the spec, by name.
    pub events: Vec<Event>,
}

/// A webhook event: `account.archived`, of the Accounts product, about an `Account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub product: String,
    /// The Rust type of the object it is about, when the spec names its schema.
    pub payload: Option<String>,
}

/// A relationship schema typed by the kind of id it holds: `allOf` a generic relationship
/// schema (`ToOneRelationship`), with `data`'s `id` (or its items' `id`) an id kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// `AccountLink`.
    pub schema: String,
    /// The generic relationship schema it narrows: `ToOneRelationship`.
    pub base: String,
    /// The id kind of what it points at: `AccountId`.
    pub kind: String,
}

/// A JSON:API resource: a schema with a `type` of its own and `attributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The kind of its `id`, when the spec requires one and names its kind.
    pub id_kind: Option<String>,
    /// The schema's name: `Inquiry`.
    pub schema: String,
    /// Its `type` on the wire: `inquiry`.
    pub json_type: String,
    /// The attributes each later API version removes (`x-removed-in`), by version.
    pub removed_in: std::collections::BTreeMap<String, Vec<String>>,
    pub attributes: Vec<shapes::Attribute>,
    pub relationships: Vec<shapes::Relationship>,
    /// Its `relationships` take any name (an open map), beside the ones listed.
    pub open_relationships: bool,
    /// The prefix the spec's examples give its ids (`case_`), for a type without an id kind.
    pub example_prefix: Option<String>,
}

/// A kind of id, from a schema marked `x-id-prefix`: `InquiryId`, `inq_`, "an inquiry".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdKind {
    /// The schema's name, which is also the Rust type's.
    pub name: String,
    pub prefix: String,
    /// What an id of this kind identifies, with its article (`x-id-noun`): for error messages.
    pub noun: String,
    pub description: String,
}

/// A set of values Persona documents as open (`x-open-enum: true`): unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    pub name: String,
    pub description: String,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// As Persona spells it: `needs_review`.
    pub wire: String,
    /// As a Rust variant: `NeedsReview`.
    pub variant: String,
    /// From the schema's `x-enum-descriptions`.
    pub description: Option<String>,
}

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `listInquiries`.
    pub id: String,
    /// The Persona product it belongs to (`x-persona-product`): `Inquiries`.
    pub product: String,
    /// Lower case, as in the document: `get`.
    pub method: String,
    /// The path template: `/inquiries/{inquiry-id}`.
    pub path: String,
    /// Each path parameter, and the kind of id it takes when the spec names one.
    pub path_ids: Vec<PathId>,
    /// The wire names of its query parameters: `filter[status]`, `page[after]`, `include`.
    pub query: Vec<String>,
    /// The wire names of the query and header parameters it requires.
    pub required: Vec<String>,
    /// The Rust type of the request body: its schema's name, or the one progenitor gives a
    /// schema written in place (`CreateAccountBody`).
    pub body: Option<String>,
    /// The envelope-free builder of its request body (`requests::NewAccount`): the name the
    /// spec gives (`x-rust-builder` on the operation or on the body's schema), else one derived
    /// from the operation's id (`createAccount` as `NewAccount`, `updateAccount` as
    /// `AccountUpdate`, `addCaseObjects` as `AddCaseObjects`).
    pub builder: Option<String>,
    /// The attribute names its body takes in `data.attributes`, sorted.
    pub body_attributes: Vec<String>,
    /// Whether the spec requires a request body.
    pub body_required: bool,
    /// Where its JSON body's strings must match a pattern: `(JSON pointer, pattern)`.
    pub body_patterns: Vec<(String, String)>,
    /// The `meta` its success body must carry (a workflow run's id, say), at its plainest.
    pub success_meta: Option<Value>,
    /// Whether its success body's `data` is an array (a list, or a search).
    pub answers_many: bool,
    /// Whether its success body has `links` (to neighbouring pages).
    pub answers_links: bool,
    /// A success body: the spec's first example of one, else the plainest its schema allows.
    pub success_plainest: Option<Value>,
    /// The values each query parameter with an enum takes, by name.
    pub query_values: BTreeMap<String, Vec<String>>,
    /// Set when the body can also be a multipart upload (the importers): its parts.
    pub upload: Option<Upload>,
    /// Each documented response, in the spec's order.
    pub responses: Vec<Response>,
    /// Set when the operation returns a page of one kind of resource and takes a cursor.
    pub page: Option<Page>,
    /// The JSON:API type of the resource its success holds in `data` (one, or a page of them).
    pub resource: Option<String>,
    /// Every JSON:API type its success `data` can hold: the one resource, or each kind of a
    /// union (`report/watchlist`, ...).
    pub types: Vec<String>,
    /// The schema of each of those types, in the same order (`webhook-with-secret`).
    pub schemas: Vec<String>,
    /// Whether its shape is written in our overlays (`x-shape-from: overlay`), not taken from
    /// the bundle as it is: the inquiry family and events, which persona-mock serves so far.
    pub shape_from_overlay: bool,
    /// What it acts on, and what it does, as the CLI names it: `inquiry` and `approve`.
    pub command: Command,
    /// The security schemes a request authenticates with (`bearerAuth`): its own `security`,
    /// else the document's; none when it takes requests from anyone (creating a relay).
    pub security: Vec<String>,
}

/// An operation as a noun and a verb: `persona inquiry approve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The resource the path starts from, in the singular: `/inquiry-sessions/..` is
    /// `inquiry-session`, `/verification/selfies/..` is `verification`.
    pub noun: String,
    /// The operation id without the noun's words: `markInquiryForReview` is
    /// `mark-for-review`, `retrieveSelfieVerification` is `retrieve-selfie`.
    pub verb: String,
}

impl Command {
    fn read(operation_id: &str, path: &str) -> Command {
        let top = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        let noun: Vec<&str> = top.split('-').collect();
        let noun: Vec<String> = noun
            .iter()
            .enumerate()
            .map(|(at, word)| {
                if at + 1 == noun.len() {
                    singular(word)
                } else {
                    word.to_string()
                }
            })
            .collect();
        let words: Vec<String> = crate::kebab_case(operation_id)
            .split('-')
            .map(str::to_string)
            .collect();
        // The noun's words where they stand in the id, in the singular or the plural; the
        // first word is always the verb's.
        let found = (1..words.len()).find(|&start| {
            words.len() >= start + noun.len()
                && noun
                    .iter()
                    .zip(&words[start..])
                    .all(|(noun_word, word)| singular(word) == *noun_word)
        });
        let verb: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|(at, _)| found.is_none_or(|start| *at < start || *at >= start + noun.len()))
            .map(|(_, word)| word.as_str())
            .collect();
        Command {
            noun: noun.join("-"),
            verb: verb.join("-"),
        }
    }
}

/// A path segment's or an id's word in the singular: `inquiries`, `addresses`, `passes` and
/// `lists` as `inquiry`, `address`, `pass` and `list`.
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("sses") {
        format!("{stem}ss")
    } else if word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_string()
    } else {
        word.to_string()
    }
}

/// A multipart body: each part by its form name, the members of the body's JSON:API
/// document in brackets as Persona reads them (`data[attributes][list-id]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub parts: Vec<UploadPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPart {
    /// `data[attributes][file]`.
    pub name: String,
    /// The member's own name: `file`, `list-id`.
    pub member: String,
    pub required: bool,
    /// A file (`format: binary`), else text.
    pub is_file: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `200`, `404`, `5XX`.
    pub status: String,
    /// The Rust type of the JSON body, named as the request body's is.
    pub schema: Option<String>,
    /// What a JSON:API document body holds in `data`, when it is one schema by name.
    pub data: Option<Data>,
}

/// The `data` of a document: one object of a schema, or an array of them (a page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    /// The schema of the object (or of each item), by name.
    pub item: String,
    pub many: bool,
}

impl Response {
    pub fn is_success(&self) -> bool {
        self.status.starts_with('2')
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathId {
    /// The wire name: `inquiry-id`.
    pub name: String,
    /// The id kind's name (`InquiryId`), when the spec has one for this parameter.
    pub kind: Option<String>,
}

/// A paged list: the schema of the page and of its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub list: String,
    pub item: String,
}

/// The query parameter whose value is the cursor for the next page, as `links.next` carries it.
pub const NEXT_PAGE_CURSOR: &str = "page[after]";

impl Model {
    pub fn read(document: &Document) -> Result<Model, TaskError> {
        let ids = id_kinds(document)?;
        let open_enums = open_enums(document)?;
        let open_unions = open_unions(document)?;
        let resources = resources(document, &ids);
        let links = links(document, &ids);
        let operations = document
            .operations()
            .map(|operation| read_operation(document, &operation, &ids, &resources))
            .collect::<Result<Vec<_>, _>>()?;
        let declared = &document.root["x-persona-products"];
        let (mut features, mut abouts) = (BTreeMap::new(), BTreeMap::new());
        for operation in &operations {
            let product = &declared[&operation.product];
            let (Some(feature), Some(about)) =
                (product["feature"].as_str(), product["about"].as_str())
            else {
                return Err(TaskError::Unsupported(vec![format!(
                    "{}: its product {} has no feature and about in x-persona-products",
                    operation.id, operation.product
                )]));
            };
            features.insert(operation.product.clone(), feature.to_string());
            abouts.insert(operation.product.clone(), about.to_string());
        }
        let events = document.root["x-events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|event| {
                let text = |key: &str| event[key].as_str().unwrap_or_default().to_string();
                Event {
                    name: text("name"),
                    product: text("product"),
                    payload: schema_name(&event["payload"]).map(crate::pascal_case),
                }
            })
            .collect();
        Ok(Model {
            events,
            operations,
            features,
            abouts,
            ids,
            open_enums,
            open_unions,
            resources,
            links,
        })
    }

    /// How many operations a product has.
    pub fn operations_of(&self, product: &str) -> usize {
        self.operations
            .iter()
            .filter(|operation| operation.product == product)
            .count()
    }

    /// The cargo feature that turns an operation on.
    pub fn feature_of(&self, operation: &Operation) -> &str {
        &self.features[&operation.product]
    }

    /// Each request builder with the body types it builds, in the order of the operations
    /// (the first is the one it holds its parts as), and the operations it serves.
    pub fn builders(&self) -> Vec<(&str, Vec<&str>, Vec<&Operation>)> {
        let mut builders: Vec<(&str, Vec<&str>, Vec<&Operation>)> = Vec::new();
        for operation in &self.operations {
            let (Some(builder), Some(body)) = (&operation.builder, &operation.body) else {
                continue;
            };
            let index = match builders.iter().position(|(name, ..)| name == builder) {
                Some(index) => index,
                None => {
                    builders.push((builder, Vec::new(), Vec::new()));
                    builders.len() - 1
                }
            };
            let (_, bodies, operations) = &mut builders[index];
            if !bodies.contains(&body.as_str()) {
                bodies.push(body);
            }
            operations.push(operation);
        }
        builders.sort_by_key(|(name, ..)| *name);
        builders
    }

    /// Every schema that is a request or response body of some operation, by name.
    pub fn body_schemas(&self) -> BTreeSet<&str> {
        self.operations
            .iter()
            .flat_map(|operation| {
                let responses = operation.responses.iter();
                operation
                    .body
                    .iter()
                    .chain(responses.filter_map(|response| response.schema.as_ref()))
            })
            .map(String::as_str)
            .collect()
    }

    /// The open unions whose every kind is a resource with an id kind, as `included` holds
    /// them, each with its kinds grouped by id kind (`VerificationId`: the six verification
    /// kinds).
    pub fn included_unions(&self) -> Vec<(&OpenUnion, BTreeMap<&str, Vec<&UnionMember>>)> {
        let id_kind = |member: &UnionMember| {
            self.resources
                .iter()
                .find(|resource| resource.schema == member.schema)
                .and_then(|resource| resource.id_kind.as_deref())
        };
        self.open_unions
            .iter()
            .filter_map(|union| {
                let mut by_kind: BTreeMap<&str, Vec<&UnionMember>> = BTreeMap::new();
                for member in &union.members {
                    by_kind.entry(id_kind(member)?).or_default().push(member);
                }
                Some((union, by_kind))
            })
            .collect()
    }

    /// The id kind a schema name stands for, if it is one.
    pub fn id_kind(&self, schema: &str) -> Option<&IdKind> {
        self.ids.iter().find(|kind| kind.name == schema)
    }
}

fn component_schemas(document: &Document) -> impl Iterator<Item = (&String, &Value)> {
    document
        .root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn model_error(schema: &str, problem: &str) -> TaskError {
    TaskError::Unsupported(vec![format!("components/schemas/{schema}: {problem}")])
}

/// The builder's name a body gets when the spec names none: what it makes (`NewAccount`), what
/// it changes (`AccountUpdate`), else what it does (`AddCaseObjects`).
fn derived_builder(operation_id: &str) -> String {
    let name = crate::pascal_case(operation_id);
    if let Some(made) = name.strip_prefix("Create") {
        format!("New{made}")
    } else if let Some(changed) = name.strip_prefix("Update") {
        format!("{changed}Update")
    } else {
        name
    }
}

fn text<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Value::as_str)
}

fn id_kinds(document: &Document) -> Result<Vec<IdKind>, TaskError> {
    component_schemas(document)
        .filter_map(|(name, schema)| Some((name, schema, text(schema, "x-id-prefix")?)))
        .map(|(name, schema, prefix)| {
            if prefix.is_empty() || !prefix.ends_with('_') {
                return Err(model_error(
                    name,
                    "x-id-prefix must end with `_`, as `inq_`",
                ));
            }
            let noun = text(schema, "x-id-noun")
                .ok_or_else(|| model_error(name, "an id kind needs x-id-noun, as `an inquiry`"))?;
            Ok(IdKind {
                name: name.clone(),
                prefix: prefix.to_string(),
                noun: noun.to_string(),
                description: text(schema, "description").unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn open_enums(document: &Document) -> Result<Vec<OpenEnum>, TaskError> {
    component_schemas(document)
        .filter(|(_, schema)| schema.get("x-open-enum").and_then(Value::as_bool) == Some(true))
        .map(|(name, schema)| {
            let values = schema
                .get("enum")
                .and_then(Value::as_array)
                .filter(|values| !values.is_empty())
                .ok_or_else(|| model_error(name, "x-open-enum needs a non-empty enum"))?;
            let descriptions = schema.get("x-enum-descriptions");
            // A value without letters (`*`) has its Rust name from the spec.
            let variant_names = schema.get("x-enum-variant-names");
            let values = values
                .iter()
                .map(|value| {
                    let wire = value
                        .as_str()
                        .ok_or_else(|| model_error(name, "an open enum's values are strings"))?;
                    Ok(EnumValue {
                        wire: wire.to_string(),
                        variant: variant_names
                            .and_then(|names| text(names, wire))
                            .map_or_else(|| crate::pascal_case(wire), str::to_string),
                        description: descriptions
                            .and_then(|descriptions| text(descriptions, wire))
                            .map(str::to_string),
                    })
                })
                .collect::<Result<Vec<_>, TaskError>>()?;
            if let Some(unnamed) = values.iter().find(|value| value.variant.is_empty()) {
                return Err(model_error(
                    name,
                    &format!(
                        "the value `{}` has no Rust name: give it one in x-enum-variant-names",
                        unnamed.wire
                    ),
                ));
            }
            let mut variants = BTreeSet::new();
            if let Some(clash) = values.iter().find(|value| !variants.insert(&value.variant)) {
                return Err(model_error(
                    name,
                    &format!("two values are the Rust variant {}", clash.variant),
                ));
            }
            Ok(OpenEnum {
                name: name.clone(),
                description: text(schema, "description").unwrap_or_default().to_string(),
                values,
            })
        })
        .collect()
}

/// A union the spec marks `x-open-union: true`: `oneOf` members chosen by a discriminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenUnion {
    /// The Rust name typify gives the component (`document-government-id` as
    /// `DocumentGovernmentId`).
    pub name: String,
    pub description: Option<String>,
    /// The discriminating member: `type`.
    pub tag: String,
    /// Each tag value with the component that holds its payload, in the spec's order.
    pub members: Vec<UnionMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionMember {
    /// The tag's value: `verification/selfie`.
    pub value: String,
    /// The component that holds the payload, by name.
    pub schema: String,
    /// Its Rust name: `VerificationSelfie`.
    pub payload: String,
}

/// The spec's open unions, or what is wrong with one.
fn open_unions(document: &Document) -> Result<Vec<OpenUnion>, TaskError> {
    let mut unions = Vec::new();
    for (name, schema) in component_schemas(document) {
        if schema.get("x-open-union") != Some(&Value::Bool(true)) {
            continue;
        }
        let problem = |what: &str| model_error(name, what);
        let discriminator = schema
            .get("discriminator")
            .ok_or_else(|| problem("x-open-union needs a discriminator"))?;
        let tag = text(discriminator, "propertyName")
            .ok_or_else(|| problem("the discriminator needs a propertyName"))?;
        let mapping = discriminator["mapping"]
            .as_object()
            .ok_or_else(|| problem("the discriminator needs a mapping"))?;
        let members = mapping
            .iter()
            .map(|(value, target)| {
                let component = target
                    .as_str()
                    .and_then(|target| target.strip_prefix("#/components/schemas/"))
                    .ok_or_else(|| problem(&format!("mapping '{value}' must name a component")))?;
                Ok(UnionMember {
                    value: value.clone(),
                    schema: component.to_string(),
                    payload: crate::pascal_case(component),
                })
            })
            .collect::<Result<Vec<_>, TaskError>>()?;
        unions.push(OpenUnion {
            name: crate::pascal_case(name),
            description: text(schema, "description").map(str::to_string),
            tag: tag.to_string(),
            members,
        });
    }
    Ok(unions)
}

/// Every resource schema: one whose `type` names it (by example or a one-value enum) and that
/// has `attributes`.
pub(crate) fn resources(document: &Document, ids: &[IdKind]) -> Vec<Resource> {
    let samples = shapes::Samples::read(document);
    let mut resources: Vec<Resource> = component_schemas(document)
        .filter_map(|(name, schema)| {
            let schema = document.merged(schema);
            let properties = schema.get("properties")?;
            let type_ = document.resolve(properties.get("type")?);
            let json_type = type_
                .get("enum")
                .and_then(|values| values.get(0))
                .or_else(|| type_.get("example"))
                .and_then(Value::as_str)?;
            let attributes = document.merged(properties.get("attributes")?);
            let mut removed_in = std::collections::BTreeMap::<String, Vec<String>>::new();
            for (attribute, property) in attributes.get("properties").and_then(Value::as_object)? {
                for version in property
                    .get("x-removed-in")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    removed_in
                        .entry(version.to_string())
                        .or_default()
                        .push(attribute.clone());
                }
            }
            let id_kind = schema["required"]
                .as_array()
                .is_some_and(|required| required.iter().any(|member| member == "id"))
                .then(|| schema_name(properties.get("id")?))
                .flatten()
                .filter(|kind| ids.iter().any(|id| id.name == *kind))
                .map(str::to_string);
            Some(Resource {
                id_kind,
                schema: name.clone(),
                json_type: json_type.to_string(),
                removed_in,
                attributes: shapes::attributes(document, json_type, &attributes, &samples),
                example_prefix: samples
                    .prefix(json_type)
                    .or_else(|| shapes::example_prefix(document.resolve(properties.get("id")?)))
                    .map(str::to_string),
                relationships: properties
                    .get("relationships")
                    .map(|schema| shapes::relationships(document, schema))
                    .unwrap_or_default(),
                open_relationships: properties
                    .get("relationships")
                    .is_some_and(|schema| shapes::open_relationships(document, schema)),
            })
        })
        .collect();
    target_by_id_kind(&mut resources, ids);
    resources
}

/// Names the target of each relationship whose schema names only its id kind: the one type
/// with ids of that kind (an inquiry's `account`), or the family of the types that share it
/// (`report` for `rep_`).
fn target_by_id_kind(resources: &mut [Resource], ids: &[IdKind]) {
    let types_of = |kind: &str| -> BTreeSet<String> {
        let prefix = ids.iter().find(|id| id.name == kind).map(|id| &id.prefix);
        resources
            .iter()
            .filter(|resource| match &resource.id_kind {
                Some(own) => own == kind,
                None => resource
                    .example_prefix
                    .as_ref()
                    .is_some_and(|own| Some(own) == prefix),
            })
            .map(|resource| resource.json_type.clone())
            .collect()
    };
    let targets: Vec<Vec<Option<String>>> = resources
        .iter()
        .map(|resource| {
            resource
                .relationships
                .iter()
                .map(
                    |relationship| match (&relationship.target, &relationship.id_kind) {
                        (None, Some(kind)) => one_type_or_family(types_of(kind)),
                        (target, _) => target.clone(),
                    },
                )
                .collect()
        })
        .collect();
    for (resource, targets) in resources.iter_mut().zip(targets) {
        for (relationship, target) in resource.relationships.iter_mut().zip(targets) {
            relationship.target = target;
        }
    }
}

/// The family all of a set of types are of (`report/watchlist` and `report/profile` are
/// `report`s; a family of one in the spec is still a family in Persona), else its one type.
fn one_type_or_family(types: BTreeSet<String>) -> Option<String> {
    let families: BTreeSet<Option<&str>> = types
        .iter()
        .map(|json_type| json_type.split_once('/').map(|(family, _)| family))
        .collect();
    match (Vec::from_iter(families).as_slice(), types.len()) {
        ([Some(family)], _) => Some(family.to_string()),
        (_, 1) => types.first().cloned(),
        _ => None,
    }
}

/// Every relationship schema narrowed to one id kind.
fn links(document: &Document, ids: &[IdKind]) -> Vec<Link> {
    component_schemas(document)
        .filter_map(|(name, schema)| {
            let base = schema
                .get("allOf")?
                .as_array()?
                .iter()
                .find_map(schema_name)?;
            let data = schema.get("properties")?.get("data")?;
            let item = data.get("items").unwrap_or(data);
            let kind = schema_name(item.get("properties")?.get("id")?)?;
            ids.iter().any(|id| id.name == kind).then(|| Link {
                schema: name.clone(),
                base: base.to_string(),
                kind: kind.to_string(),
            })
        })
        .collect()
}

/// The resources a success body can hold in `data`, one or a page of them: one resource, or
/// each kind of a union of them.
fn data_resources<'a>(
    document: &Document,
    body: &Value,
    resources: &'a [Resource],
) -> Vec<&'a Resource> {
    let data = &document.merged(body)["properties"]["data"];
    let resolved = document.resolve(data);
    let item = if text(resolved, "type") == Some("array") {
        &resolved["items"]
    } else {
        data
    };
    let kinds = match crate::document::union_members(document.resolve(item)) {
        Some(members) => members.iter().collect(),
        None => vec![item],
    };
    kinds
        .into_iter()
        .filter_map(schema_name)
        .filter_map(|name| resources.iter().find(|resource| resource.schema == name))
        .collect()
}

/// What a body holds in `data`: a schema by name (`data: {$ref: Inquiry}`), or an array of one
/// (`data: {type: array, items: {$ref: Inquiry}}`); `None` for a body without `data` or whose
/// `data` is written in place.
fn document_data(document: &Document, body: &Value) -> Option<Data> {
    let schema = document.merged(body);
    let data = schema.get("properties")?.get("data")?;
    if let Some(name) = schema_name(data) {
        return Some(Data {
            item: name.to_string(),
            many: false,
        });
    }
    (text(data, "type") == Some("array")).then_some(())?;
    Some(Data {
        item: schema_name(data.get("items")?)?.to_string(),
        many: true,
    })
}

/// The Rust type of a body (`role` is `Body` or `Response`): its schema's name, or for a schema
/// written in place the name progenitor gives it (`CreateAccountBody`, `ListAccountsResponse`).
pub(crate) fn type_name(schema: &Value, operation_id: &str, role: &str) -> String {
    match schema_name(schema) {
        Some(name) => name.to_string(),
        None => format!("{}{role}", crate::pascal_case(operation_id)),
    }
}

/// The name of the component a `$ref` points at: `#/components/schemas/Inquiry` as `Inquiry`.
fn schema_name(node: &Value) -> Option<&str> {
    text(node, "$ref")?.strip_prefix("#/components/schemas/")
}

fn read_operation(
    document: &Document,
    operation: &crate::document::Operation<'_>,
    ids: &[IdKind],
    resources: &[Resource],
) -> Result<Operation, TaskError> {
    let node = operation.node;
    let id = text(node, "operationId").ok_or_else(|| {
        TaskError::Unsupported(vec![format!(
            "{} {} has no operationId",
            operation.method, operation.path
        )])
    })?;
    let product = text(node, "x-persona-product")
        .ok_or_else(|| TaskError::Unsupported(vec![format!("{id} names no x-persona-product")]))?;
    let parameters: Vec<&Value> = operation
        .shared_parameters
        .iter()
        .chain(
            node.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .map(|parameter| document.resolve(parameter))
        .collect();
    let in_ = |place: &'static str| {
        parameters
            .iter()
            .copied()
            .filter(move |parameter| text(parameter, "in") == Some(place))
            .filter_map(|parameter| text(parameter, "name"))
    };
    let path_ids = parameters
        .iter()
        .filter(|parameter| text(parameter, "in") == Some("path"))
        .map(|parameter| PathId {
            name: text(parameter, "name").unwrap_or_default().to_string(),
            // The parameter's schema names the id kind it takes.
            kind: parameter
                .get("schema")
                .and_then(schema_name)
                .filter(|schema| ids.iter().any(|kind| kind.name == *schema))
                .map(str::to_string),
        })
        .collect();
    let query: Vec<String> = in_("query").map(str::to_string).collect();
    let query_values: BTreeMap<String, Vec<String>> = parameters
        .iter()
        .filter(|parameter| text(parameter, "in") == Some("query"))
        .filter_map(|parameter| {
            let values = document.merged(&parameter["schema"])["enum"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            Some((text(parameter, "name")?.to_string(), values))
        })
        .collect();
    let required: Vec<String> = parameters
        .iter()
        .filter(|parameter| parameter["required"] == true && text(parameter, "in") != Some("path"))
        .filter_map(|parameter| text(parameter, "name"))
        .map(str::to_string)
        .collect();
    // A body schema written in place is the type progenitor names after the operation.
    let body = document
        .request_body(node)
        .map(|(_, schema)| type_name(schema, id, "Body"));
    let builder = document.request_body(node).map(|(_, schema)| {
        text(node, "x-rust-builder")
            .or_else(|| text(document.resolve(schema), "x-rust-builder"))
            .map_or_else(|| derived_builder(id), str::to_string)
    });
    let body_attributes = document
        .request_body(node)
        .map(|(_, schema)| shapes::body_attributes(document, schema))
        .unwrap_or_default();
    let body_patterns = document
        .request_body(node)
        .map(|(_, schema)| shapes::body_patterns(document, schema))
        .unwrap_or_default();
    let body_required = node
        .get("requestBody")
        .is_some_and(|body| document.resolve(body)["required"] == true);
    let upload = node
        .get("requestBody")
        .and_then(|body| document.resolve(body)["content"][MULTIPART].get("schema"))
        .map(|schema| read_upload(document, schema, id))
        .transpose()?;
    let (mut success_schemas, mut success_examples) = (Vec::new(), Vec::new());
    let responses: Vec<Response> = node
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, response)| {
            let schema = document
                .resolve(response)
                .pointer("/content/application~1json/schema");
            if status.starts_with('2') {
                success_schemas.extend(schema);
                success_examples.extend(document.json_examples(response).into_values());
            }
            Response {
                status: status.clone(),
                schema: schema.map(|schema| type_name(schema, id, "Response")),
                data: schema.and_then(|schema| document_data(document, schema)),
            }
        })
        .collect();
    let page = if query.iter().any(|name| name == NEXT_PAGE_CURSOR) {
        responses
            .iter()
            .filter(|response| response.is_success())
            .filter_map(|response| response.schema.as_ref())
            .find_map(|list| {
                Some(Page {
                    list: list.clone(),
                    item: page_item(document, list)?,
                })
            })
    } else {
        None
    };
    let answered = success_schemas
        .iter()
        .map(|body| data_resources(document, body, resources))
        .find(|answered| !answered.is_empty())
        .unwrap_or_default();
    let types: Vec<String> = answered
        .iter()
        .map(|resource| resource.json_type.clone())
        .collect();
    let schemas = answered
        .iter()
        .map(|resource| resource.schema.clone())
        .collect();
    let success_meta = success_schemas.first().and_then(|body| {
        let body = document.merged(body);
        let required = body["required"].as_array()?;
        required
            .iter()
            .any(|member| member == "meta")
            .then(|| shapes::plainest(document, &document.merged(&body["properties"]["meta"])))
    });
    let answers_many = success_schemas.first().is_some_and(|body| {
        let data = &document.merged(body)["properties"]["data"];
        text(document.resolve(data), "type") == Some("array")
    });
    let answers_links = success_schemas
        .first()
        .is_some_and(|body| document.merged(body)["properties"].get("links").is_some());
    let success_plainest = success_examples.into_iter().next().or_else(|| {
        success_schemas
            .first()
            .map(|body| shapes::plainest(document, &document.merged(body)))
    });
    let resource = match &types[..] {
        [only] => Some(only.clone()),
        _ => None,
    };
    let requirements = node.get("security").unwrap_or(&document.root["security"]);
    let security = requirements
        .get(0)
        .and_then(Value::as_object)
        .map(|schemes| schemes.keys().cloned().collect())
        .unwrap_or_default();
    Ok(Operation {
        security,
        command: Command::read(id, operation.path),
        id: id.to_string(),
        product: product.to_string(),
        shape_from_overlay: node["x-shape-from"] == "overlay",
        resource,
        types,
        schemas,
        method: operation.method.to_string(),
        path: operation.path.to_string(),
        path_ids,
        query,
        required,
        body,
        builder,
        body_attributes,
        body_patterns,
        body_required,
        success_meta,
        answers_many,
        answers_links,
        success_plainest,
        query_values,
        upload,
        responses,
        page,
    })
}

/// The parts of a multipart body: its object members flattened into bracketed names, down to
/// the strings, which are files when `format: binary`.
fn read_upload(document: &Document, schema: &Value, operation: &str) -> Result<Upload, TaskError> {
    fn walk(
        document: &Document,
        schema: &Value,
        name: &str,
        required: bool,
        parts: &mut Vec<UploadPart>,
    ) -> Result<(), String> {
        let schema = document.merged(schema);
        match text(&schema, "type") {
            Some("object") => {
                let needed: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                for (member, property) in schema["properties"].as_object().into_iter().flatten() {
                    let part = if name.is_empty() {
                        member.clone()
                    } else {
                        format!("{name}[{member}]")
                    };
                    let required = required && needed.contains(&member.as_str());
                    walk(document, property, &part, required, parts)?;
                }
                Ok(())
            }
            Some("string") => {
                let member = name
                    .rsplit('[')
                    .next()
                    .unwrap_or(name)
                    .trim_end_matches(']');
                parts.push(UploadPart {
                    name: name.to_string(),
                    member: member.to_string(),
                    required,
                    is_file: text(&schema, "format") == Some("binary"),
                });
                Ok(())
            }
            other => Err(format!("{name} is {other:?}: a part is a string or a file")),
        }
    }
    let mut parts = Vec::new();
    walk(document, schema, "", true, &mut parts).map_err(|problem| {
        TaskError::Unsupported(vec![format!("{operation}'s upload: {problem}")])
    })?;
    if parts.iter().filter(|part| part.is_file).count() != 1 {
        return Err(TaskError::Unsupported(vec![format!(
            "{operation}'s upload has {} files: the emitter writes uploads of one",
            parts.iter().filter(|part| part.is_file).count()
        )]));
    }
    Ok(Upload { parts })
}

/// The item schema of a page: a document whose `data` is an array of one schema by name, with
/// `links` to follow.
fn page_item(document: &Document, list: &str) -> Option<String> {
    let schema = document.merged(
        document
            .root
            .pointer(&format!("/components/schemas/{list}"))?,
    );
    let properties = schema.get("properties")?;
    properties.get("links")?;
    let data = document.resolve(properties.get("data")?);
    if text(data, "type") != Some("array") {
        return None;
    }
    schema_name(data.get("items")?).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(root: Value) -> Result<Model, TaskError> {
        Model::read(&Document { root })
    }

    fn spec() -> Value {
        json!({
            "x-persona-products": { "Things": { "feature": "things", "about": "Things." } },
            "paths": {
                "/things": {
                    "get": {
                        "operationId": "listThings",
                        "x-persona-product": "Things",
                        "parameters": [
                            { "name": "page[after]", "in": "query", "schema": { "type": "string" } },
                            { "$ref": "#/components/parameters/FilterStatus" }
                        ],
                        "responses": { "200": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/ThingList" } } } } }
                    }
                },
                "/things/{thing-id}": {
                    "parameters": [{ "name": "thing-id", "in": "path", "required": true,
                                     "schema": { "$ref": "#/components/schemas/ThingId" } }],
                    "patch": {
                        "operationId": "updateThing",
                        "x-persona-product": "Things",
                        "requestBody": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/ThingUpdate" } } } },
                        "responses": { "200": { "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/ThingDocument" } } } } }
                    }
                }
            },
            "components": {
                "parameters": { "FilterStatus": { "name": "filter[status]", "in": "query" } },
                "schemas": {
                    "ThingId": { "type": "string", "x-id-prefix": "thg_", "x-id-noun": "a thing",
                                 "description": "A thing's id." },
                    "ThingStatus": { "type": "string", "enum": ["new", "needs_review"],
                                     "x-open-enum": true,
                                     "x-enum-descriptions": { "new": "Just made." } },
                    "Thing": { "type": "object", "properties": {
                        "type": { "type": "string", "example": "thing" },
                        "attributes": { "type": "object", "properties": {
                            "colour": { "type": "string" },
                            "owner-name": { "type": "string", "x-removed-in": ["2025-12-08"] } } } } },
                    "ThingList": { "type": "object", "properties": {
                        "data": { "type": "array", "items": { "$ref": "#/components/schemas/Thing" } },
                        "links": { "type": "object" } } },
                    "ThingDocument": { "type": "object" },
                    "ThingUpdate": { "type": "object" },
                    "ToOne": { "type": "object" },
                    "ThingLink": { "allOf": [{ "$ref": "#/components/schemas/ToOne" }],
                        "properties": { "data": { "properties": {
                            "id": { "$ref": "#/components/schemas/ThingId" } } } } }
                }
            }
        })
    }

    #[test]
    fn a_value_without_letters_is_named_by_the_spec_or_refused() {
        let mut document = spec();
        let status = &mut document["components"]["schemas"]["ThingStatus"];
        status["enum"] = json!(["new", "*"]);
        assert!(
            model(document.clone())
                .unwrap_err()
                .to_string()
                .contains("`*` has no Rust name"),
            "an unnamed value is refused"
        );
        document["components"]["schemas"]["ThingStatus"]["x-enum-variant-names"] =
            json!({"*": "All"});
        assert_eq!(
            model(document).unwrap().open_enums[0].values[1].variant,
            "All"
        );
    }

    #[test]
    fn operations_ids_and_enums_are_read_from_the_spec() {
        let model = model(spec()).unwrap();
        assert_eq!(
            model.ids,
            [IdKind {
                name: "ThingId".into(),
                prefix: "thg_".into(),
                noun: "a thing".into(),
                description: "A thing's id.".into(),
            }]
        );
        let values = &model.open_enums[0].values;
        assert_eq!(
            (values[1].variant.as_str(), values[0].description.as_deref()),
            ("NeedsReview", Some("Just made."))
        );
        let [list, update] = &model.operations[..] else {
            panic!("two operations: {:?}", model.operations);
        };
        assert_eq!(list.query, ["page[after]", "filter[status]"]);
        assert_eq!(list.product, "Things");
        assert_eq!(
            list.page,
            Some(Page {
                list: "ThingList".into(),
                item: "Thing".into()
            })
        );
        assert_eq!(update.page, None);
        assert_eq!(
            list.responses[0].data,
            Some(Data {
                item: "Thing".into(),
                many: true
            }),
            "a page's items"
        );
        assert_eq!(
            update.responses[0].data, None,
            "ThingDocument holds no data"
        );
        assert_eq!(list.resource.as_deref(), Some("thing"));
        assert_eq!(update.resource, None, "ThingDocument holds no data");
        assert_eq!(
            model.links,
            [Link {
                schema: "ThingLink".into(),
                base: "ToOne".into(),
                kind: "ThingId".into()
            }]
        );
        assert_eq!(
            model.resources[0].removed_in["2025-12-08"],
            ["owner-name"],
            "{:?}",
            model.resources
        );
        assert_eq!(update.path_ids[0].kind.as_deref(), Some("ThingId"));
        assert_eq!(
            model.body_schemas().into_iter().collect::<Vec<_>>(),
            ["ThingDocument", "ThingList", "ThingUpdate"]
        );
    }

    #[test]
    fn an_operation_is_a_noun_and_a_verb() {
        let command = |id: &str, path: &str| {
            let command = Command::read(id, path);
            format!("{} {}", command.noun, command.verb)
        };
        assert_eq!(command("listInquiries", "/inquiries"), "inquiry list");
        assert_eq!(
            command(
                "markInquiryForReview",
                "/inquiries/{inquiry-id}/mark-for-review"
            ),
            "inquiry mark-for-review"
        );
        assert_eq!(
            command("expireAllInquirySessions", "/inquiry-sessions/expire-all"),
            "inquiry-session expire-all"
        );
        assert_eq!(
            command(
                "retrieveEcbsvDatabaseVerification",
                "/verification/database-ecbsvs/{verification-id}"
            ),
            "verification retrieve-ecbsv-database"
        );
        assert_eq!(
            command("createPrivacyPass", "/privacy-passes"),
            "privacy-pass create"
        );
        assert_eq!(command("listLists", "/lists"), "list list");
        assert_eq!(
            command("createShareToken", "/connect/share-tokens"),
            "connect create-share-token",
            "a noun the id does not name leaves it whole"
        );
        assert_eq!(
            command("createEmailAddressListItem", "/list-item/email-addresses"),
            "list-item create-email-address"
        );
    }

    #[test]
    fn an_id_kind_without_its_noun_or_a_clashing_enum_is_refused_by_name() {
        let mut root = spec();
        root["components"]["schemas"]["ThingId"]
            .as_object_mut()
            .unwrap()
            .remove("x-id-noun");
        let error = model(root).unwrap_err().to_string();
        assert!(
            error.contains("ThingId: an id kind needs x-id-noun"),
            "{error}"
        );

        let mut root = spec();
        root["components"]["schemas"]["ThingStatus"]["enum"] =
            json!(["needs_review", "needs-review"]);
        let error = model(root).unwrap_err().to_string();
        assert!(
            error.contains("two values are the Rust variant NeedsReview"),
            "{error}"
        );
    }

    #[test]
    fn a_link_named_only_by_its_id_kind_points_at_the_type_or_family_of_that_kind() {
        let resource = |json_type: &str, id_kind: &str, links: &[&str]| Resource {
            id_kind: Some(id_kind.into()),
            schema: json_type.into(),
            json_type: json_type.into(),
            removed_in: BTreeMap::new(),
            attributes: Vec::new(),
            relationships: links
                .iter()
                .map(|kind| shapes::Relationship {
                    name: kind.to_lowercase(),
                    many: false,
                    nullable: true,
                    target: None,
                    id_kind: Some(kind.to_string()),
                })
                .collect(),
            open_relationships: false,
            example_prefix: None,
        };
        let id = |name: &str, prefix: &str| IdKind {
            name: name.into(),
            prefix: prefix.into(),
            noun: String::new(),
            description: String::new(),
        };
        let ids = [
            id("AccountId", "act_"),
            id("DocumentId", "doc_"),
            id("InquiryId", "inq_"),
            id("TagId", "tag_"),
        ];
        let mut resources = vec![
            resource(
                "inquiry",
                "InquiryId",
                &["AccountId", "DocumentId", "TagId"],
            ),
            resource("account", "AccountId", &[]),
            resource("document/generic", "DocumentId", &[]),
            resource("document/government-id", "DocumentId", &[]),
        ];
        target_by_id_kind(&mut resources, &ids);
        let targets: Vec<Option<&str>> = resources[0]
            .relationships
            .iter()
            .map(|link| link.target.as_deref())
            .collect();
        // A tag is no resource here: nothing says what it points at.
        assert_eq!(targets, [Some("account"), Some("document"), None]);
    }
}
