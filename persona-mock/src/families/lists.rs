//! Lists: a list item is made in the list its create names (`list-id`), which must be a list
//! of the item's kind (an email address item in an email address list), and the list links
//! it in `list-items`. The importers make items the same way (`importers.rs`).

use serde_json::Value;

use crate::error::ApiError;
use crate::records::{Link, Record};
use crate::store::Store;

/// Every list item's JSON:API type starts so: `list-item/email-address`.
pub const ITEM_PREFIX: &str = "list-item/";
const ITEMS: &str = "list-items";

/// The list `list_id` names, refused with 422 at `pointer` unless it is a list of the kind
/// of item `item_type` is.
pub fn checked_list(
    store: &Store,
    list_id: &str,
    item_type: &str,
    pointer: &str,
) -> Result<(), ApiError> {
    let wanted = format!("list/{}", item_type.trim_start_matches(ITEM_PREFIX));
    match store.records.get(list_id) {
        Ok(list) if list.kind.json_type == wanted => Ok(()),
        Ok(list) => Err(ApiError::unprocessable(
            format!(
                "{}: {list_id} is a {}, not a {wanted}",
                ApiError::dotted(pointer),
                list.kind.json_type
            ),
            pointer,
        )),
        Err(_) => Err(ApiError::unprocessable(
            format!("{}: no list {list_id}", ApiError::dotted(pointer)),
            pointer,
        )),
    }
}

/// A new list item: its list checked, then linked to it. The `list-id` it was made with is
/// the list's link, not an attribute of its own.
pub fn item_created(store: &mut Store, item: &mut Record) -> Result<(), ApiError> {
    let Some(Value::String(list_id)) = item.attributes.remove("list-id") else {
        return Ok(());
    };
    checked_list(
        store,
        &list_id,
        item.kind.json_type,
        "/data/attributes/list-id",
    )?;
    add(store, &list_id, item)
}

/// Links `item` into the list `list_id`, checked before.
pub fn add(store: &mut Store, list_id: &str, item: &Record) -> Result<(), ApiError> {
    let list = store.records.get_mut(list_id)?;
    list.link_many(ITEMS, Link::new(item.kind.json_type, &item.id));
    Ok(())
}

/// The attributes of the items `list_id` holds: what an import compares a row with.
pub fn held(store: &Store, list_id: &str) -> Vec<serde_json::Map<String, Value>> {
    let Ok(list) = store.records.get(list_id) else {
        return Vec::new();
    };
    list.linked_ids(ITEMS)
        .into_iter()
        .filter_map(|id| store.records.get(id).ok())
        .map(|item| item.attributes.clone())
        .collect()
}
