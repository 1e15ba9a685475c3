//! What the contract tests share: the spec and its operations, the fixtures taken from the
//! reference material (`tests/fixtures/`), a registry that decodes JSON into the Rust type of a schema name, and
//! a server on 127.0.0.1 that records what the client sends.

pub mod decode;
#[rustfmt::skip]
mod decoders;
#[rustfmt::skip]
pub mod id_kinds;
#[rustfmt::skip]
pub mod included_kinds;
pub mod fixed_server;
pub mod fixtures;
pub mod loopback;
pub mod recording_server;
pub mod schema_check;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use xtask::document::Document;

/// A fake sandbox key: the tests never talk to Persona.
pub const TEST_API_KEY: &str = persona_mock::SANDBOX_API_KEY;

/// The getting-started guide's request: Jane Doe, born 1994-04-12, from `template_id`.
pub fn jane_doe(template_id: &str) -> persona_api::NewInquiry {
    persona_api::NewInquiry::from_template(template_id)
        .name_first("Jane")
        .name_last("Doe")
        .birthdate(chrono::NaiveDate::from_ymd_opt(1994, 4, 12).expect("a valid date"))
}

/// Creates an inquiry from `body` and returns its id.
pub async fn create_inquiry(
    client: &persona_api::Client,
    body: persona_api::NewInquiry,
) -> Result<persona_api::InquiryId, persona_api::Error> {
    use persona_api::Envelope;
    Ok(client
        .create_inquiry()
        .body(body)
        .send()
        .await?
        .into_data()
        .id)
}

/// Creates Jane Doe's inquiry and returns its id.
pub async fn create_jane_doe(
    client: &persona_api::Client,
    template_id: &str,
) -> Result<persona_api::InquiryId, persona_api::Error> {
    create_inquiry(client, jane_doe(template_id)).await
}

pub fn workspace_root() -> PathBuf {
    xtask::workspace_root()
}

/// The spec, as the generator reads it: the operations the client covers.
fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        xtask::client_document().unwrap_or_else(|error| panic!("the spec is readable: {error}"))
    })
}

/// The spec as JSON.
pub fn spec() -> &'static Value {
    &document().root
}

/// Follows local `$ref`s to what they name; a reference that resolves to nothing fails the test.
pub fn resolve(node: &Value) -> &Value {
    let target = document().resolve(node);
    if let Some(reference) = target.get("$ref") {
        panic!("{reference} resolves");
    }
    target
}

/// The component name a `$ref` points at (`#/components/schemas/InquiryList` gives `InquiryList`).
pub fn ref_name(node: &Value) -> Option<&str> {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.rsplit('/').next())
}

/// Examples by name: `(name, JSON value)`.
pub type Examples = Vec<(String, Value)>;

/// One operation of the spec, with what the tests need of it.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// The Persona product it belongs to (`x-persona-product`): `Inquiries`.
    pub product: String,
    pub method: String,
    pub path: String,
    pub success_status: u16,
    /// The Rust type of the JSON request body, if the operation takes one.
    pub request_schema: Option<String>,
    /// The Rust type of the JSON success body; `None` for the PDF.
    pub response_schema: Option<String>,
    /// Whether our overlays write its shape (the inquiry family and events): those persona-mock
    /// serves so far, and whose requests are pinned by hand.
    pub shape_from_overlay: bool,
    pub response_media_type: String,
    /// Examples of the request body, by name.
    pub request_examples: Examples,
    /// Examples of the success response, by name.
    pub response_examples: Examples,
}

impl Operation {
    /// Whether `path` (a concrete request path below the base URL) is an instance of this
    /// operation's template.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let template: Vec<&str> = self.path.split('/').collect();
        let concrete: Vec<&str> = path.split('/').collect();
        self.method.eq_ignore_ascii_case(method)
            && template.len() == concrete.len()
            && template
                .iter()
                .zip(&concrete)
                .all(|(expected, actual)| expected.starts_with('{') || expected == actual)
    }
}

/// The generator's model of the spec.
pub fn model() -> &'static xtask::model::Model {
    static MODEL: OnceLock<xtask::model::Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        xtask::model::Model::read(document())
            .unwrap_or_else(|error| panic!("the spec reads into the model: {error}"))
    })
}

/// Every operation of the spec, in document order.
pub fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        // The product and body types of each operation, as the generator's model reads them.
        document()
            .operations()
            .zip(&model().operations)
            .map(|(operation, modelled)| {
                describe(operation.path, operation.method, operation.node, modelled)
            })
            .collect()
    })
}

/// Where an operation's snapshots live: one folder per product, so that a change to one
/// product shows as a diff in its own place (`snapshots/inquiries/`).
pub fn product_snapshots(operation: &Operation) -> String {
    product_folder(&operation.product)
}

/// A product's snapshot folder: `snapshots/api-keys` for Persona's API Keys.
pub fn product_folder(product: &str) -> String {
    format!("snapshots/{}", xtask::product_slug(product))
}

fn describe(
    path: &str,
    method: &str,
    operation: &Value,
    modelled: &xtask::model::Operation,
) -> Operation {
    let id = operation["operationId"]
        .as_str()
        .expect("operationId")
        .to_string();
    let (status, response) = operation["responses"]
        .as_object()
        .expect("responses")
        .iter()
        .find(|(code, _)| code.starts_with('2'))
        .unwrap_or_else(|| panic!("{id} has a success response"));
    let response = resolve(response);
    let (media_type, content) = response["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .expect("content");
    let request = operation.get("requestBody").map(resolve);
    let request_content = request.map(|body| &body["content"]["application/json"]);
    let response_schema = modelled
        .responses
        .iter()
        .find(|modelled| &modelled.status == status)
        .and_then(|modelled| modelled.schema.clone());
    Operation {
        id,
        product: modelled.product.clone(),
        method: method.to_uppercase(),
        path: path.to_string(),
        success_status: status.parse().expect("numeric success status"),
        request_schema: modelled.body.clone(),
        response_schema,
        shape_from_overlay: modelled.shape_from_overlay,
        response_media_type: media_type.clone(),
        request_examples: request_content.map(examples).unwrap_or_default(),
        response_examples: examples(content),
    }
}

fn examples(content: &Value) -> Examples {
    document().examples(content).into_iter().collect()
}

pub fn operation(id: &str) -> &'static Operation {
    operations()
        .iter()
        .find(|operation| operation.id == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// The least JSON a schema of the spec takes: each required member, the schema's example or
/// first enum value where it has one, an id of its kind's prefix (`lst_made_up`), else the
/// least value of its type. For the request bodies
/// Persona publishes no example of.
pub fn least_instance(schema: &Value) -> Value {
    least_at(schema, 0)
}

/// A schema that requires itself (a search's nested query) is cut at this depth.
const LEAST_DEPTH: usize = 12;

fn least_at(schema: &Value, depth: usize) -> Value {
    if depth > LEAST_DEPTH {
        return Value::Object(serde_json::Map::new());
    }
    let least_instance = |schema: &Value| least_at(schema, depth + 1);
    let schema = resolve(schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(prefix) = schema["x-id-prefix"].as_str() {
        return Value::from(format!("{prefix}made_up"));
    }
    if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
        return least_instance(only);
    }
    if let Some(members) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for member in members {
            if let Value::Object(object) = least_instance(member) {
                merged.extend(object);
            }
        }
        return Value::Object(merged);
    }
    for union in ["oneOf", "anyOf"] {
        if let Some(first) = schema[union].as_array().and_then(|members| members.first()) {
            return least_instance(first);
        }
    }
    match schema["type"].as_str() {
        Some("string") => Value::from(match schema["format"].as_str() {
            Some("date-time") => "2024-01-01T00:00:00.000Z",
            Some("date") => "2024-01-01",
            _ => "made_up",
        }),
        Some("integer") | Some("number") => Value::from(0),
        Some("boolean") => Value::from(false),
        Some("array") => Value::Array(Vec::new()),
        _ => {
            let required = schema["required"].as_array().into_iter().flatten();
            let members = required
                .filter_map(Value::as_str)
                .map(|name| {
                    let member = &schema["properties"][name];
                    (name.to_string(), least_instance(member))
                })
                .collect();
            Value::Object(members)
        }
    }
}
