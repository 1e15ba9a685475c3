//! Accounts: a reference id names one account. A create with a reference id another account
//! has is refused (409, naming that account), unless it asks to upsert by reference id
//! (`meta.upsert-by`), which answers with the account there is. An inquiry lands on an
//! account (`Store::account_for`): the one it names, the one with its reference id, or a new
//! one.
//!
//! `consolidate` moves what the source accounts hold onto the target: their inquiries, and
//! every record that links to them (reports, cases, transactions, relations). Their
//! attributes stay where they are, as Persona's docs say. Which account gets which event is
//! our choice, as the docs do not say: the target gets `account.consolidated`, each source
//! `account.consolidated-with`. Relations are shared with transactions (`relations.rs`).
//!
//! `run-action` runs an account action, which in Persona starts a workflow: the sandbox has
//! one account action (listed with its templates), which starts a run of the sandbox's
//! workflow, answered in `meta.workflow-run-id` and readable at `/workflow-runs/{id}`. An
//! action id the sandbox lacks is refused (422), naming the one it has.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids::stable_id;
use crate::operations::RUN_ACCOUNT_ACTION;
use crate::records::{Link, Record};
use crate::sandbox::{self, SandboxTemplate};
use crate::store::Store;

use super::{Acted, relations};

/// The JSON:API type.
pub const TYPE: &str = "account";

/// The account with this reference id, if there is one.
pub fn by_reference(store: &Store, reference: &str) -> Option<String> {
    store
        .records
        .of_types(&[TYPE])
        .find(|record| record.attribute("reference-id") == reference)
        .map(|record| record.id.clone())
}

/// Whether a new account may be made: `Some(id)` of the account an upsert finds instead.
pub fn admit(store: &Store, record: &Record, body: &Value) -> Result<Option<String>, ApiError> {
    let Some(reference) = record
        .attributes
        .get("reference-id")
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let Some(existing) = by_reference(store, reference) else {
        return Ok(None);
    };
    if body["meta"]["upsert-by"] == "reference-id" {
        return Ok(Some(existing));
    }
    Err(ApiError::conflict(format!(
        "an account with reference-id '{reference}' exists: {existing} (send meta.upsert-by: reference-id to get it instead)"
    )))
}

/// The sandbox's account action. Account actions are no resource of the API, so its id's
/// prefix comes from the pattern Persona's spec gives `run-action`'s `account-action-id`.
pub fn sandbox_action() -> SandboxTemplate {
    let prefix = RUN_ACCOUNT_ACTION
        .body_patterns
        .iter()
        .find(|(pointer, _)| pointer.ends_with("/account-action-id"))
        .and_then(|(_, pattern)| pattern.strip_prefix('^')?.split('[').next())
        .unwrap_or_default();
    SandboxTemplate {
        json_type: "account-action",
        id: stable_id(prefix, "account-action"),
    }
}

/// Runs the account action the body names on an account: a run of the sandbox's workflow,
/// announced as created. The `meta` of the answer, naming the run.
fn run_action(
    store: &mut Store,
    account_id: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    const POINTER: &str = "/data/account-action-id";
    store.records.get(account_id)?;
    let action = sandbox_action();
    let sent = body.pointer(POINTER).and_then(Value::as_str);
    if sent != Some(action.id.as_str()) {
        return Err(ApiError::unprocessable(
            format!(
                "data.account-action-id: the sandbox has no account action '{}' (it has {})",
                sent.unwrap_or_default(),
                action.id
            ),
            POINTER,
        ));
    }
    let workflow = sandbox::templates()
        .into_iter()
        .find(|template| template.json_type == "workflow")
        .ok_or_else(ApiError::not_found)?;
    let mut run = Record::of_type("workflow-run", now)?;
    run.link_one("workflow", Link::new(workflow.json_type, workflow.id));
    let (run_id, json_type) = (run.id.clone(), run.kind.json_type);
    store.records.insert(run);
    store.announce(json_type, &run_id, "created", now);
    Ok(json!({ "workflow-run-id": run_id }))
}

pub fn act(
    store: &mut Store,
    id: &str,
    verb: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Acted, ApiError> {
    match verb {
        "run-action" => {
            return Ok(Acted {
                changed: false,
                meta: Some(run_action(store, id, body, now)?),
            });
        }
        "consolidate" => {}
        _ => return relations::act(store, id, verb, body).map(Acted::from),
    }
    let sources = source_accounts(store, id, body)?;
    // What linked a source account (an inquiry, a case) now links the one it became.
    for record in store.records.values_mut() {
        let mut relinked = false;
        for (_, linkage) in &mut record.relationships {
            for link in linkage.links_mut() {
                if sources.contains(&link.id) {
                    link.id = id.to_string();
                    relinked = true;
                }
            }
        }
        if relinked {
            record.updated_at = now;
        }
    }
    for source in &sources {
        store.announce(TYPE, source, "consolidated-with", now);
    }
    Ok(Acted::from(true))
}

/// The accounts `meta.source-account-ids` names, each refused by name unless it is another
/// account the sandbox has.
fn source_accounts(store: &Store, target: &str, body: &Value) -> Result<Vec<String>, ApiError> {
    const POINTER: &str = "/meta/source-account-ids";
    let ids: Vec<String> = body["meta"]["source-account-ids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|id| id.as_str().unwrap_or_default().to_string())
        .collect();
    if ids.is_empty() {
        return Err(ApiError::unprocessable(
            "meta.source-account-ids: name at least one account to consolidate",
            POINTER,
        ));
    }
    for source in &ids {
        let is_account = store.records.get_of_type(TYPE, source).is_ok();
        if !is_account || source == target {
            return Err(ApiError::unprocessable(
                format!("meta.source-account-ids: {source} is not another account the sandbox has"),
                POINTER,
            ));
        }
    }
    Ok(ids)
}
