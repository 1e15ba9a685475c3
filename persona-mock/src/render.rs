//! Records as Persona sends them: every attribute present (`null` when unset), kebab-case keys,
//! JSON:API relationships; sparse fieldsets and `include` applied.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::families::inquiry_templates::TEMPLATE_FIELDS;
use crate::families::verifications;
use crate::records::{includes, resource_type, time};
use crate::store::{Child, Event, Inquiry, Session, Store, Subject};

/// What the query asked for: `include=...` and `fields[type]=...`.
#[derive(Default, Debug)]
pub struct View {
    pub include: BTreeSet<String>,
    /// `None`: every attribute; otherwise only these (for the primary type).
    pub fields: Option<BTreeSet<String>>,
}

impl View {
    /// What a query asks of a resource of a type: `include` may name any of the type's
    /// relationships in the spec (one that links nothing includes nothing).
    pub fn new(
        json_type: &str,
        include: Option<&str>,
        fields: Option<&str>,
    ) -> Result<View, ApiError> {
        let include = match resource_type(json_type) {
            Some(kind) => includes(kind, include)?,
            None => BTreeSet::new(),
        };
        let fields = fields.map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(String::from)
                .collect()
        });
        Ok(View { include, fields })
    }

    /// Keeps the attributes and relationships named in the sparse fieldset.
    fn apply(&self, mut resource: Value) -> Value {
        if let Some(wanted) = &self.fields {
            for part in ["attributes", "relationships"] {
                if let Some(map) = resource.get_mut(part).and_then(Value::as_object_mut) {
                    map.retain(|key, _| wanted.contains(key));
                }
            }
            if resource["relationships"]
                .as_object()
                .is_some_and(Map::is_empty)
            {
                resource
                    .as_object_mut()
                    .expect("a resource is an object")
                    .remove("relationships");
            }
        }
        resource
    }
}

fn optional_time(at: Option<DateTime<Utc>>) -> Value {
    at.map(time).unwrap_or(Value::Null)
}

fn link(kind: &str, id: Option<&str>) -> Value {
    match id {
        Some(id) => json!({"data": {"type": kind, "id": id}}),
        None => json!({"data": null}),
    }
}

fn links(items: impl IntoIterator<Item = (String, String)>) -> Value {
    let data: Vec<Value> = items
        .into_iter()
        .map(|(kind, id)| json!({"type": kind, "id": id}))
        .collect();
    json!({"data": data})
}

/// The value of a field: what was set, else the template's default, else `null`.
fn field_value(inquiry: &Inquiry, key: &str, default: Option<&str>) -> Value {
    inquiry
        .fields
        .get(key)
        .cloned()
        .unwrap_or_else(|| default.map_or(Value::Null, |value| json!(value)))
}

pub fn inquiry(inquiry: &Inquiry, view: &View) -> Value {
    let redacted = inquiry.redacted_at.is_some();
    let fields: Map<String, Value> = TEMPLATE_FIELDS
        .iter()
        .map(|field| {
            let value = if redacted {
                Value::Null
            } else {
                field_value(inquiry, field.key, field.default)
            };
            (
                field.key.to_string(),
                json!({"type": field.kind, "value": value}),
            )
        })
        .collect();
    // API version 2023-01-05 also repeats the personal fields as top-level attributes.
    let top = |key: &str| {
        if redacted {
            Value::Null
        } else {
            inquiry.fields.get(key).cloned().unwrap_or(Value::Null)
        }
    };
    let resource = json!({
        "type": "inquiry",
        "id": inquiry.id,
        "attributes": {
            "status": inquiry.status.as_str(),
            "reference-id": inquiry.reference_id,
            "note": inquiry.note,
            "behaviors": {
                "request-spoof-attempts": null, "user-agent-spoof-attempts": null, "distraction-events": null,
                "hesitation-baseline": null, "hesitation-count": null, "hesitation-time": null,
                "shortcut-copies": null, "shortcut-pastes": null, "autofill-cancels": null, "autofill-starts": null,
                "devtools-open": null, "completion-time": null, "hesitation-percentage": null, "behavior-threat-level": null
            },
            "tags": inquiry.tags,
            "creator": "API",
            "reviewer-comment": inquiry.reviewer_comment,
            "updated-at": time(inquiry.updated_at),
            "created-at": time(inquiry.created_at),
            "started-at": optional_time(inquiry.started_at),
            "expires-at": optional_time(inquiry.expires_at),
            "completed-at": optional_time(inquiry.completed_at),
            "failed-at": optional_time(inquiry.failed_at),
            "marked-for-review-at": optional_time(inquiry.marked_for_review_at),
            "decisioned-at": optional_time(inquiry.decisioned_at),
            "expired-at": optional_time(inquiry.expired_at),
            "redacted-at": optional_time(inquiry.redacted_at),
            "previous-step-name": previous_step(inquiry),
            "next-step-name": next_step(inquiry),
            "name-first": top("name-first"),
            "name-middle": top("name-middle"),
            "name-last": top("name-last"),
            "birthdate": top("birthdate"),
            "address-street-1": top("address-street-1"),
            "address-street-2": top("address-street-2"),
            "address-city": top("address-city"),
            "address-subdivision": top("address-subdivision"),
            "address-subdivision-abbr": null,
            "address-postal-code": top("address-postal-code"),
            "address-postal-code-abbr": null,
            "social-security-number": top("social-security-number"),
            "identification-number": top("identification-number"),
            "email-address": top("email-address"),
            "phone-number": top("phone-number"),
            "fields": fields
        },
        "relationships": {
            "account": link("account", Some(&inquiry.account_id)),
            "template": link("template", None),
            "inquiry-template": link("inquiry-template", Some(&inquiry.template_id)),
            "inquiry-template-version": link("inquiry-template-version", Some(&inquiry.template_version_id)),
            "transaction": link("transaction", None),
            "reviewer": link("user", None),
            "reports": links([]),
            "verifications": children(inquiry, "verifications"),
            "sessions": links(inquiry.session_ids.iter().map(|id| ("inquiry-session".to_string(), id.clone()))),
            "documents": children(inquiry, "documents"),
            "selfies": children(inquiry, "selfies")
        }
    });
    view.apply(resource)
}

/// The records the inquiry's verifications made that it holds under a relationship.
fn held<'a>(inquiry: &'a Inquiry, relationship: &'a str) -> impl Iterator<Item = &'a Child> {
    inquiry
        .children
        .iter()
        .filter(move |child| verifications::is_held_as(child.json_type, relationship))
}

fn children(inquiry: &Inquiry, relationship: &str) -> Value {
    links(held(inquiry, relationship).map(|child| (child.json_type.to_string(), child.id.clone())))
}

fn next_step(inquiry: &Inquiry) -> &'static str {
    match inquiry.status.as_str() {
        "created" => "start",
        "pending" => "verification_government_id",
        _ => "success",
    }
}

fn previous_step(inquiry: &Inquiry) -> Option<&'static str> {
    match inquiry.status.as_str() {
        "created" => None,
        "pending" => Some("start"),
        _ => Some("verification_government_id"),
    }
}

pub fn session(session: &Session, view: &View) -> Value {
    let resource = json!({
        "type": "inquiry-session",
        "id": session.id,
        "attributes": {
            "status": session.status.as_str(),
            "created-at": time(session.created_at),
            "started-at": optional_time(session.started_at),
            "expired-at": optional_time(session.expired_at),
            "ip-address": null, "user-agent": null, "os-name": null, "os-full-version": null,
            "device-type": null, "device-name": null, "browser-name": null, "browser-full-version": null,
            "mobile-sdk-name": null, "mobile-sdk-full-version": null, "device-handoff-method": null,
            "is-proxy": null, "is-tor": null, "is-datacenter": null, "is-vpn": null, "threat-level": null,
            "country-code": null, "country-name": null, "region-code": null, "region-name": null,
            "latitude": null, "longitude": null, "gps-latitude": null, "gps-longitude": null, "gps-precision": null,
            "ip-connection-type": null, "ip-isp": null, "network-organization": null
        },
        "relationships": {
            "inquiry": link("inquiry", Some(&session.inquiry_id)),
            "device": link("device", None),
            "network": link("network", None)
        }
    });
    view.apply(resource)
}

/// The `included` array for an inquiry: the related objects named in `include`.
pub fn inquiry_included(store: &Store, inquiry: &Inquiry, view: &View) -> Option<Value> {
    if view.include.is_empty() {
        return None;
    }
    let every = View::default();
    let mut included = Vec::new();
    for path in &view.include {
        match path.as_str() {
            "account" => included.extend(
                store
                    .records
                    .get(&inquiry.account_id)
                    .ok()
                    .map(|account| account.render(account.kind, None)),
            ),
            "inquiry-template" | "inquiry-template-version" => {
                let id = if path == "inquiry-template" {
                    &inquiry.template_id
                } else {
                    &inquiry.template_version_id
                };
                included.extend(
                    store
                        .records
                        .get(id)
                        .ok()
                        .map(|record| record.render(record.kind, None)),
                )
            }
            "sessions" => included.extend(
                inquiry
                    .session_ids
                    .iter()
                    .filter_map(|id| store.session(id).ok())
                    .map(|s| session(s, &every)),
            ),
            "verifications" | "documents" | "selfies" => included.extend(
                held(inquiry, path)
                    .filter_map(|child| store.records.get(&child.id).ok())
                    .map(|child| child.render(child.kind, None)),
            ),
            _ => {}
        }
    }
    Some(Value::Array(included))
}

pub fn session_included(store: &Store, session: &Session, view: &View) -> Option<Value> {
    if !view.include.contains("inquiry") {
        return None;
    }
    Some(json!(
        store
            .inquiry(&session.inquiry_id)
            .map(|found| inquiry(found, &View::default()))
            .into_iter()
            .collect::<Vec<_>>()
    ))
}

/// An event, with the object it is about as its payload.
pub fn event(store: &Store, event: &Event, view: &View) -> Value {
    let every = View::default();
    let object = match &event.subject {
        Subject::Inquiry(id) => store.inquiry(id).map(|found| inquiry(found, &every)),
        Subject::Session(id) => store.session(id).map(|found| session(found, &every)),
        Subject::Record(id) => store
            .records
            .get(id)
            .map(|found| found.render(found.kind, None)),
    };
    let resource = json!({
        "type": "event",
        "id": event.id,
        "attributes": {
            "name": event.name,
            "created-at": time(event.created_at),
            "payload": {"data": object.unwrap_or(Value::Null)}
        }
    });
    view.apply(resource)
}

/// A single-resource document: `{data, included?}`.
pub fn document(data: Value, included: Option<Value>) -> Value {
    let mut document = json!({"data": data});
    if let Some(included) = included {
        document["included"] = included;
    }
    document
}
