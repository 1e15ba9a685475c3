//! Inquiry templates and their versions, records of the generic store: the sandbox starts with
//! its templates, each linking its newest published version, and importing translations makes
//! a draft version of a template, as Persona's dashboard does when someone edits one.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::records::{Link, Record, time};
use crate::store::Store;

pub const TYPE: &str = "inquiry-template";
pub const VERSION: &str = "inquiry-template-version";
/// The relationship through which a template names the version new inquiries use.
const PUBLISHED: &str = "latest-published-version";
/// Where a version keeps its translations: Persona shows them only through
/// `/inquiry-templates/{id}/translations`, not as an attribute.
const TRANSLATIONS: &str = "translations";

/// A field of the sandbox's templates: its key, its kind, and the value an inquiry has when
/// nothing set it.
pub struct FieldSpec {
    pub key: &'static str,
    pub kind: &'static str,
    pub default: Option<&'static str>,
}

/// The fields of the mock's templates: those of the getting-started guide's response.
pub const TEMPLATE_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "current-government-id",
        kind: "government_id",
        default: None,
    },
    FieldSpec {
        key: "selected-country-code",
        kind: "string",
        default: Some("US"),
    },
    FieldSpec {
        key: "selected-id-class",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-street-1",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-street-2",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-city",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-subdivision",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-postal-code",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "address-country-code",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "birthdate",
        kind: "date",
        default: None,
    },
    FieldSpec {
        key: "email-address",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "identification-class",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "identification-number",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "name-first",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "name-middle",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "name-last",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "phone-number",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "social-security-number",
        kind: "string",
        default: None,
    },
    FieldSpec {
        key: "current-selfie",
        kind: "selfie",
        default: None,
    },
];

/// How a template defines one of its fields, in the shape of Persona's field-schema kind for
/// it: a document or selfie field is a `relation-schema` whose `config.target` names the kind
/// of object it holds; other fields have their own kind and a `default-value`.
fn field_schema(field: &FieldSpec) -> Value {
    let key = field.key.replace('-', "_");
    let relation_target = match field.kind {
        "government_id" => Some("document-government-id"),
        "selfie" => Some("selfie"),
        _ => None,
    };
    match relation_target {
        Some(target) => json!({
            "type": "relation-schema",
            "key": key,
            "label": field.key,
            "config": {"required": false, "target": target}
        }),
        None => json!({
            "type": field.kind,
            "key": key,
            "label": field.key,
            "default-value": field.default,
            "config": {"required": false}
        }),
    }
}

/// Adds a template with this id and name, and its published version, unless the store has it.
pub fn seed(store: &mut Store, id: &str, name: &str, now: DateTime<Utc>) {
    if store.records.get(id).is_ok() {
        return;
    }
    // Both types are in the table whenever the spec has the inquiry family.
    let (Ok(mut template), Ok(version)) = (
        Record::of_type(TYPE, now),
        new_version(
            id,
            name,
            "Published by persona-mock",
            Some(now),
            json!([]),
            now,
        ),
    ) else {
        return;
    };
    template.id = id.to_string();
    let field_schemas: Vec<Value> = TEMPLATE_FIELDS.iter().map(field_schema).collect();
    template.attributes.extend([
        ("name".to_string(), json!(name)),
        ("status".to_string(), json!("active")),
        ("embedded-flow-domain-allowlist".to_string(), json!([])),
        ("hosted-flow-subdomains".to_string(), json!([])),
        (
            "hosted-flow-redirect-uri-schemes".to_string(),
            json!(["https"]),
        ),
        ("field-schemas".to_string(), json!(field_schemas)),
    ]);
    template.link_one(PUBLISHED, Link::new(VERSION, &version.id));
    store.records.insert(template);
    store.records.insert(version);
}

/// A version of a template: published at `published_at`, or a draft.
fn new_version(
    template_id: &str,
    name_display: &str,
    description: &str,
    published_at: Option<DateTime<Utc>>,
    translations: Value,
    now: DateTime<Utc>,
) -> Result<Record, ApiError> {
    let mut version = Record::of_type(VERSION, now)?;
    let published = published_at.is_some();
    version.attributes.extend([
        ("name-display".to_string(), json!(name_display)),
        ("description".to_string(), json!(description)),
        (
            "status".to_string(),
            json!(if published { "published" } else { "draft" }),
        ),
        ("live".to_string(), json!(published)),
        ("last-updater".to_string(), Value::Null),
        ("enabled-locales".to_string(), json!(["en-US"])),
        (
            "published-at".to_string(),
            published_at.map_or(Value::Null, time),
        ),
        ("theme".to_string(), json!({})),
    ]);
    version.link_one(TYPE, Link::new(TYPE, template_id));
    version.unshown.insert(TRANSLATIONS.into(), translations);
    Ok(version)
}

/// The version new inquiries of a template use: its newest published one.
pub fn published_version<'a>(store: &'a Store, template_id: &str) -> Result<&'a Record, ApiError> {
    let version_id = store
        .records
        .get_of_type(TYPE, template_id)?
        .linked_id(PUBLISHED)
        .ok_or_else(ApiError::not_found)?;
    store.records.get(version_id)
}

/// The template a version is of; 404 for an id that is no version.
pub fn template_of_version(store: &Store, version_id: &str) -> Result<String, ApiError> {
    store
        .records
        .get_of_type(VERSION, version_id)?
        .linked_id(TYPE)
        .map(String::from)
        .ok_or_else(ApiError::not_found)
}

/// Persona's answer to `GET /inquiry-templates/{id}/translations`: the published version's.
pub fn translations(store: &Store, template_id: &str) -> Result<Value, ApiError> {
    let version = published_version(store, template_id)?;
    Ok(json!({"data": {
        "type": "inquiry-template-translations",
        "id": version.id,
        "attributes": {TRANSLATIONS: version.unshown[TRANSLATIONS]},
    }}))
}

/// Imports translations into a new draft version of the template: the published version's,
/// each replaced by an imported one for the same step, component and attribute. The draft's id.
pub fn import_translations(
    store: &mut Store,
    template_id: &str,
    imported: Vec<Value>,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let published = published_version(store, template_id)?;
    let slot = |translation: &Value| {
        ["step", "component", "attribute-name"].map(|key| translation[key].clone())
    };
    let mut translations: Vec<Value> = published.unshown[TRANSLATIONS]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for incoming in imported {
        translations.retain(|existing| slot(existing) != slot(&incoming));
        translations.push(incoming);
    }
    let name_display = published.attribute("name-display");
    let draft = new_version(
        template_id,
        name_display.as_str().unwrap_or_default(),
        "Imported translations",
        None,
        json!(translations),
        now,
    )?;
    let id = draft.id.clone();
    store.records.insert(draft);
    Ok(id)
}
