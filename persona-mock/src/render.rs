//! Events as Persona sends them: the event's name and time, and as its payload the object it
//! is about, rendered as its record renders (`records.rs`); sparse fieldsets applied.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::records::{includes, resource_type, time};
use crate::store::{Event, Store};

/// What the query asked of an event: `fields[event]=...`.
#[derive(Default, Debug)]
pub struct View {
    /// `None`: every attribute; otherwise only these.
    fields: Option<BTreeSet<String>>,
}

impl View {
    /// What a query asks of a resource of a type, refused when its `include` names what is no
    /// relationship of the type in the spec (an event has none to include).
    pub fn new(
        json_type: &str,
        include: Option<&str>,
        fields: Option<&str>,
    ) -> Result<View, ApiError> {
        if let Some(kind) = resource_type(json_type) {
            includes(kind, include)?;
        }
        let fields = fields.map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(String::from)
                .collect()
        });
        Ok(View { fields })
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

/// An event, with the object it is about as its payload.
pub fn event(store: &Store, event: &Event, view: &View) -> Value {
    let object = store
        .records
        .get(&event.object_id)
        .map(|found| found.render(found.kind, None));
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
