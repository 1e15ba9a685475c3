//! What the sandbox holds before the first request: the templates and types users pick in
//! Persona's dashboard (an account type, a case template, a report template of each kind, a
//! transaction type, a workflow ...). The API reads them and points at them, but cannot make
//! them, so the sandbox starts with one of each, under an id that is the same in every run.
//!
//! Which kinds these are follows from the tables, not from a list: a type that a POST points
//! at (a body's `case-template-id`, a path's `{workflow-id}`) and that no operation creates.
//! A pointer into a family (a report's `report-template-id`) stands for the whole family: a
//! report template of every kind. Inquiry templates are the inquiry family's to seed
//! (`families/inquiry_templates.rs`), with the fields its inquiries take; the verification
//! templates and the account action, which are no resource of the API, are their families'
//! (`families/verifications.rs`, `families/accounts.rs`).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::ApiError;
use crate::families::{accounts, verifications};
use crate::ids::stable_id;
use crate::operations::{ALL, Operation};
use crate::records::{Record, family, resource_type, target_types};
use crate::resource_types::{ResourceType, TYPES};
use crate::store::Store;

/// A template or type the sandbox starts with (`MockServer::templates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxTemplate {
    /// Its JSON:API type: `case-template`, `report-template/watchlist`.
    pub json_type: &'static str,
    /// Its id, the same in every run: `ctmpl_...`.
    pub id: String,
}

/// Every kind the sandbox starts with one of, sorted by type: worked out from the static tables
/// once, since every generic create consults it.
pub fn kinds() -> &'static [&'static ResourceType] {
    static KINDS: LazyLock<Vec<&'static ResourceType>> = LazyLock::new(derive_kinds);
    &KINDS
}

fn derive_kinds() -> Vec<&'static ResourceType> {
    let made: BTreeSet<&str> = ALL
        .iter()
        .filter(|operation| creates(operation) || operation.from_overlay)
        .flat_map(|operation| operation.types.iter().copied())
        .collect();
    // The inquiry family's templates (the overlay's operations) are its own to seed.
    let pointed_at: BTreeSet<&str> = ALL
        .iter()
        .filter(|operation| operation.method == "post" && !operation.from_overlay)
        .flat_map(|operation| {
            pointers(operation).filter_map(move |name| pointed_type(operation, name))
        })
        .flat_map(target_types)
        .collect();
    TYPES
        .iter()
        .filter(|kind| pointed_at.contains(kind.json_type) && !made.contains(kind.json_type))
        .filter(|kind| kind.prefix.is_some())
        // A type's first entry speaks for it; the others are its shapes in some answers.
        .filter(|kind| resource_type(kind.json_type) == Some(*kind))
        .collect()
}

/// The sandbox's templates and types, one of each kind, sorted by type: the records it is
/// seeded with, and the verification templates the simulate actions take.
pub fn templates() -> Vec<SandboxTemplate> {
    let mut templates: Vec<SandboxTemplate> = kinds()
        .iter()
        .filter_map(|kind| {
            Some(SandboxTemplate {
                json_type: kind.json_type,
                id: id_of(kind)?,
            })
        })
        .chain(verifications::templates())
        .chain([accounts::sandbox_action()])
        .collect();
    templates.sort_by_key(|template| template.json_type);
    templates
}

/// The id of the sandbox's one record of a kind, the same in every run.
fn id_of(kind: &ResourceType) -> Option<String> {
    Some(stable_id(kind.prefix?, kind.json_type))
}

/// Adds the sandbox's templates and types to a new store.
pub fn seed(store: &mut Store, now: DateTime<Utc>) {
    for &kind in kinds() {
        let (Ok(mut record), Some(id)) = (Record::new(kind, now), id_of(kind)) else {
            continue;
        };
        record.id = id;
        if record.has_attribute("name") {
            let noun = kind.json_type.replace(['-', '/'], " ");
            record
                .attributes
                .insert("name".into(), json!(format!("Sandbox {noun}")));
        }
        store.records.insert(record);
    }
}

/// A create's body points at a sandbox object by `<kind>-id`: refused, naming it, unless the
/// sandbox has it (of the kind's family: a report template of any kind). Refused as an
/// invalid attribute (422), the answer every one of Persona's creates documents; a 404 is
/// for the path's own id.
pub fn check_pointers(
    store: &Store,
    operation: &Operation,
    body: &serde_json::Value,
) -> Result<(), ApiError> {
    for name in operation
        .body_attributes
        .iter()
        .filter(|name| name.ends_with("-id"))
    {
        let Some(sent) = body
            .pointer(&format!("/data/attributes/{name}"))
            .and_then(|value| value.as_str())
        else {
            continue;
        };
        let Some(wanted) = pointed_type(operation, name) else {
            continue;
        };
        let kinds_of_family: Vec<&str> = target_types(wanted)
            .filter(|json_type| kinds().iter().any(|kind| kind.json_type == *json_type))
            .collect();
        if kinds_of_family.is_empty() {
            continue;
        }
        let found = store
            .records
            .get(sent)
            .is_ok_and(|record| kinds_of_family.contains(&record.kind.json_type));
        if !found {
            let known: Vec<String> = templates()
                .into_iter()
                .filter(|object| kinds_of_family.contains(&object.json_type))
                .map(|object| object.id)
                .collect();
            return Err(ApiError::unprocessable(
                format!(
                    "data.attributes.{name}: the sandbox has no {} '{sent}' (it has {})",
                    family(wanted),
                    known.join(", ")
                ),
                &format!("/data/attributes/{name}"),
            ));
        }
    }
    Ok(())
}

/// Whether an operation makes records of its type: a POST to a collection.
fn creates(operation: &Operation) -> bool {
    operation.method == "post" && !operation.path.contains('{') && !operation.many
}

/// What a POST names by id: its body's `<kind>-id` attributes and its path's `{<kind>-id}`.
fn pointers(operation: &Operation) -> impl Iterator<Item = &'static str> {
    let in_path = operation
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'));
    operation.body_attributes.iter().copied().chain(in_path)
}

/// What a `<kind>-id` names, a type or a family (a report's `report-template-id` takes a report
/// template of any kind): the target of the relationship of that name of the type the
/// operation answers with, else the type of that name.
fn pointed_type(operation: &Operation, name: &str) -> Option<&'static str> {
    let base = name.strip_suffix("-id")?;
    operation
        .types
        .iter()
        .filter_map(|json_type| resource_type(json_type))
        .flat_map(|kind| kind.relationships)
        .find(|relationship| relationship.name == base && !relationship.many)
        .and_then(|relationship| relationship.target)
        .or_else(|| resource_type(base).map(|kind| kind.json_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_starts_with_what_users_pick_in_the_dashboard() {
        let kinds: Vec<&str> = kinds().iter().map(|kind| kind.json_type).collect();
        for expected in [
            "account-type",
            "case-template",
            "report-template/watchlist",
            "report-template/adverse-media",
            "transaction-type",
            "workflow",
        ] {
            assert!(
                kinds.contains(&expected),
                "{expected} missing from {kinds:?}"
            );
        }
        // What the API makes, or the inquiry family seeds itself, is not seeded here.
        for made in [
            "account",
            "case",
            "report/watchlist",
            "inquiry-template",
            "template",
            "webhook",
        ] {
            assert!(!kinds.contains(&made), "{made} seeded: {kinds:?}");
        }
    }

    #[test]
    fn ids_are_the_same_in_every_run_and_carry_the_prefix() {
        let (first, second) = (templates(), templates());
        assert_eq!(first, second);
        let case_template = first
            .iter()
            .find(|object| object.json_type == "case-template")
            .unwrap();
        assert!(
            case_template.id.starts_with("ctmpl_"),
            "{}",
            case_template.id
        );
        let selfie_template = first
            .iter()
            .find(|object| object.json_type == "verification-template/selfie")
            .unwrap();
        assert!(selfie_template.id.starts_with("vtmpl_"));
        let action = first
            .iter()
            .find(|object| object.json_type == "account-action")
            .unwrap();
        assert!(action.id.starts_with("accac_"), "{}", action.id);
        let ids: BTreeSet<&str> = first.iter().map(|object| object.id.as_str()).collect();
        assert_eq!(ids.len(), first.len(), "two objects share an id");
    }
}
