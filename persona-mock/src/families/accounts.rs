//! Accounts: a reference id names one account. A create with a reference id another account
//! has is refused (409, naming that account), unless it asks to upsert by reference id
//! (`meta.upsert-by`), which answers with the account there is. An inquiry lands on an
//! account (`Store::account_for`): the one it names, the one with its reference id, or a new
//! one.

use serde_json::Value;

use crate::error::ApiError;
use crate::records::Record;
use crate::store::Store;

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
