//! Any resource type of the spec, kept and rendered from the emitted table (`resource_types`):
//! a record is its type, its id, the attributes and relationships it was given and its times;
//! rendering fills in the rest of the type's attributes, so no type needs a renderer of its own.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::families;
use crate::ids::new_id;
use crate::resource_types::{ResourceType, TYPES};

/// A resource of a type the spec describes.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: &'static ResourceType,
    pub id: String,
    /// What requests set, by kebab-case name.
    pub attributes: Map<String, Value>,
    /// Linkage by relationship name, in the order the links were made.
    pub relationships: Vec<(&'static str, Linkage)>,
    /// What the sandbox keeps about the record that Persona does not show in it: the schema
    /// key each relation was added under (`relations.rs`), by the related id.
    pub unshown: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One link of a relationship, `{type, id}` on the wire: kept as its two parts rather than a
/// JSON object, since a record holds several and each object is a map allocation of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub json_type: &'static str,
    pub id: String,
}

impl Link {
    pub fn new(json_type: &'static str, id: impl Into<String>) -> Link {
        Link {
            json_type,
            id: id.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({ "type": self.json_type, "id": self.id })
    }
}

/// What a relationship links: one record, or several in order.
#[derive(Debug, Clone)]
pub enum Linkage {
    One(Link),
    Many(Vec<Link>),
}

impl Linkage {
    /// Its links, one or several.
    pub fn links(&self) -> &[Link] {
        match self {
            Linkage::One(link) => std::slice::from_ref(link),
            Linkage::Many(links) => links,
        }
    }

    pub fn links_mut(&mut self) -> &mut [Link] {
        match self {
            Linkage::One(link) => std::slice::from_mut(link),
            Linkage::Many(links) => links,
        }
    }

    /// The relationship's `data` as Persona writes it.
    fn to_json(&self) -> Value {
        match self {
            Linkage::One(link) => link.to_json(),
            Linkage::Many(links) => Value::Array(links.iter().map(Link::to_json).collect()),
        }
    }
}

/// The table's entry that speaks for a JSON:API type.
pub fn resource_type(json_type: &str) -> Option<&'static ResourceType> {
    let first = TYPES.partition_point(|kind| kind.json_type < json_type);
    TYPES.get(first).filter(|kind| kind.json_type == json_type)
}

/// The family a JSON:API type belongs to, named as its events and errors name it:
/// `report-template` for `report-template/watchlist`, `verification` for
/// `verification/government-id`; a type without one is its own.
pub fn family(json_type: &str) -> &str {
    json_type
        .split_once('/')
        .map_or(json_type, |(head, _)| head)
}

/// Whether a relationship's target (a type, or a family such as `report`) takes a type.
pub fn points_at(target: &str, json_type: &str) -> bool {
    target == json_type || family(json_type) == target
}

/// The types a relationship's target stands for, each once: the type it names, or every type
/// of the family it names.
pub fn target_types(target: &'static str) -> impl Iterator<Item = &'static str> {
    // The table is sorted by type, so a type's other schemas follow its first.
    let mut previous = None;
    TYPES
        .iter()
        .map(|kind| kind.json_type)
        .filter(move |json_type| points_at(target, json_type))
        .filter(move |json_type| previous.replace(*json_type) != Some(*json_type))
}

/// The entry of a type's schema: what the type looks like in one operation's answer.
pub fn shape(json_type: &str, schema: &str) -> Option<&'static ResourceType> {
    let first = TYPES.partition_point(|kind| kind.json_type < json_type);
    TYPES[first..]
        .iter()
        .take_while(|kind| kind.json_type == json_type)
        .find(|kind| kind.schema == schema)
}

/// The relationship paths an `include` list names, each refused by name unless it is one of
/// the type's relationships in the spec.
pub fn includes(kind: &ResourceType, include: Option<&str>) -> Result<BTreeSet<String>, ApiError> {
    let known: Vec<&str> = kind
        .relationships
        .iter()
        .map(|relationship| relationship.name)
        .collect();
    let mut paths = BTreeSet::new();
    for path in include
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
    {
        if !known.contains(&path) {
            return Err(ApiError::bad_request(format!(
                "include: unknown relationship '{path}' of a {} (known: {})",
                kind.json_type,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        paths.insert(path.to_string());
    }
    Ok(paths)
}

impl Record {
    /// A new record with a fresh id of the type's prefix.
    pub fn new(kind: &'static ResourceType, now: DateTime<Utc>) -> Result<Record, ApiError> {
        let prefix = kind.prefix.ok_or_else(|| {
            ApiError::bad_request(format!(
                "persona-mock cannot make a {}: the spec gives its ids no prefix",
                kind.json_type
            ))
        })?;
        Ok(Record {
            kind,
            id: new_id(prefix),
            attributes: Map::new(),
            relationships: Vec::new(),
            unshown: Map::new(),
            created_at: now,
            updated_at: now,
        })
    }

    /// A new record of the type the table has for a JSON:API type: `workflow-run`.
    pub fn of_type(json_type: &str, now: DateTime<Utc>) -> Result<Record, ApiError> {
        Record::new(
            resource_type(json_type).ok_or_else(ApiError::not_found)?,
            now,
        )
    }

    pub fn has_attribute(&self, name: &str) -> bool {
        self.kind
            .attributes
            .iter()
            .any(|attribute| attribute.name == name)
    }

    /// The value an attribute renders as: what was set (a whole number as an integer where
    /// the type says so); else what its product works out from its state (`families::derived`);
    /// else the record's own times; else `null` where the type allows it,
    /// and the table's fallback where it does not.
    pub fn attribute(&self, name: &str) -> Value {
        self.attribute_as(self.kind, name)
    }

    fn attribute_as(&self, shape: &ResourceType, name: &str) -> Value {
        let attribute = shape
            .attributes
            .iter()
            .find(|attribute| attribute.name == name);
        match (self.attributes.get(name), attribute) {
            (Some(Value::Number(number)), Some(attribute)) if attribute.integer => {
                return match number.as_f64() {
                    Some(whole) if whole.fract() == 0.0 && number.as_i64().is_none() => {
                        json!(whole as i64)
                    }
                    _ => Value::Number(number.clone()),
                };
            }
            (Some(Value::Null), Some(attribute)) if !attribute.nullable => {}
            (Some(value), _) => return value.clone(),
            (None, _) => {}
        }
        if let Some(value) = families::derived(self, name) {
            return value;
        }
        match name {
            "created-at" => return time(self.created_at),
            "updated-at" => return time(self.updated_at),
            _ => {}
        }
        match attribute {
            Some(attribute) if !attribute.nullable => {
                serde_json::from_str(attribute.fallback).unwrap_or(Value::Null)
            }
            _ => Value::Null,
        }
    }

    /// Redacts a record of a type with `redacted-at`: its personal attributes (everything
    /// that may be `null`) cleared, the time of redaction set. `false`, changing nothing, for
    /// a type without `redacted-at`.
    pub fn redact(&mut self, now: DateTime<Utc>) -> bool {
        if !self.has_attribute("redacted-at") {
            return false;
        }
        let kind = self.kind;
        self.attributes.retain(|name, _| {
            kind.attributes
                .iter()
                .any(|attribute| attribute.name == name && !attribute.nullable)
        });
        self.attributes.insert("redacted-at".into(), time(now));
        self.updated_at = now;
        true
    }

    /// What a relationship links, if anything.
    pub fn linkage(&self, relationship: &str) -> Option<&Linkage> {
        self.relationships
            .iter()
            .find(|(name, _)| *name == relationship)
            .map(|(_, linkage)| linkage)
    }

    /// The ids a relationship links to.
    pub fn linked_ids(&self, relationship: &str) -> Vec<&str> {
        self.linkage(relationship)
            .map(|linkage| {
                linkage
                    .links()
                    .iter()
                    .map(|link| link.id.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The id a to-one relationship links to (the first of a to-many's).
    pub fn linked_id(&self, relationship: &str) -> Option<&str> {
        let link = self.linkage(relationship)?.links().first()?;
        Some(link.id.as_str())
    }

    /// Sets a to-one relationship, replacing what it linked.
    pub fn link_one(&mut self, relationship: &'static str, link: Link) {
        match self
            .relationships
            .iter_mut()
            .find(|(name, _)| *name == relationship)
        {
            Some((_, existing)) => *existing = Linkage::One(link),
            None => self.relationships.push((relationship, Linkage::One(link))),
        }
    }

    /// Adds a link to a to-many relationship, unless it links that id already.
    pub fn link_many(&mut self, relationship: &'static str, link: Link) {
        let position = match self
            .relationships
            .iter()
            .position(|(name, _)| *name == relationship)
        {
            Some(position) => position,
            None => {
                self.relationships
                    .push((relationship, Linkage::Many(Vec::new())));
                self.relationships.len() - 1
            }
        };
        if let Linkage::Many(links) = &mut self.relationships[position].1
            && !links.iter().any(|linked| linked.id == link.id)
        {
            links.push(link);
        }
    }

    /// Removes the links to an id from the to-many relationships.
    pub fn unlink(&mut self, id: &str) {
        for (_, linkage) in &mut self.relationships {
            if let Linkage::Many(links) = linkage {
                links.retain(|link| link.id != id);
            }
        }
    }

    /// The resource as Persona sends it in the shape of one of its type's schemas: every
    /// attribute of that schema, its relationships (an unset to-many as `[]`, an unset to-one
    /// as `null` where the schema allows it and left out where it does not; where the schema
    /// takes any, every link the record holds), restricted to `fields` when a sparse fieldset
    /// names some.
    pub fn render(&self, shape: &ResourceType, fields: Option<&BTreeSet<String>>) -> Value {
        let wanted = |name: &str| fields.is_none_or(|fields| fields.contains(name));
        let attributes: Map<String, Value> = shape
            .attributes
            .iter()
            .filter(|attribute| wanted(attribute.name))
            .map(|attribute| {
                let value = self.attribute_as(shape, attribute.name);
                (attribute.name.to_string(), value)
            })
            .collect();
        let mut relationships: Map<String, Value> = shape
            .relationships
            .iter()
            .filter(|relationship| wanted(relationship.name))
            .filter_map(|relationship| {
                let data = match self.linkage(relationship.name) {
                    Some(linkage) => linkage.to_json(),
                    None if relationship.many => json!([]),
                    None if relationship.nullable => Value::Null,
                    None => return None,
                };
                Some((relationship.name.to_string(), json!({ "data": data })))
            })
            .collect();
        if shape.open_relationships {
            for (name, linkage) in &self.relationships {
                if wanted(name) && !relationships.contains_key(*name) {
                    relationships.insert(name.to_string(), json!({ "data": linkage.to_json() }));
                }
            }
        }
        let mut resource = json!({
            "type": self.kind.json_type,
            "id": self.id,
            "attributes": attributes,
        });
        if !relationships.is_empty() {
            resource["relationships"] = Value::Object(relationships);
        }
        resource
    }
}

/// A time as Persona writes them: `2023-01-05T12:00:00.000Z`.
pub fn time(at: DateTime<Utc>) -> Value {
    json!(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_every_type_renders_what_it_was_given_and_its_fallbacks() {
        assert!(
            TYPES
                .windows(2)
                .all(|pair| pair[0].json_type <= pair[1].json_type),
            "resource_types::TYPES must be sorted by type for the binary search"
        );
        let now = Utc::now();
        let account = resource_type("account").expect("the spec has accounts");
        let webhook = resource_type("webhook").expect("the spec has webhooks");
        assert!(
            shape("webhook", "webhook")
                .is_some_and(|listed| listed.attributes.len() < webhook.attributes.len()),
            "a webhook in a list has no secret; the one that speaks for the type does"
        );
        let mut record = Record::new(account, now).unwrap();
        assert!(record.id.starts_with("act_"), "{}", record.id);
        record
            .attributes
            .insert("reference-id".into(), json!("user-1"));
        let rendered = record.render(account, None);
        assert_eq!(rendered["attributes"]["reference-id"], "user-1");
        assert_eq!(rendered["attributes"]["created-at"], time(now));
        assert_eq!(rendered["attributes"]["name-first"], Value::Null);
        let fields = BTreeSet::from(["reference-id".to_string()]);
        let sparse = record.render(account, Some(&fields));
        assert_eq!(
            sparse["attributes"].as_object().unwrap().len(),
            1,
            "{sparse}"
        );
        for kind in TYPES {
            for attribute in kind.attributes {
                assert!(
                    serde_json::from_str::<Value>(attribute.fallback).is_ok(),
                    "{}.{}: its fallback is not JSON",
                    kind.json_type,
                    attribute.name
                );
            }
        }
    }
}
