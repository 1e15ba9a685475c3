//! Importers: an import reads its CSV file at once and makes a record per row, as Persona's
//! importers do in the background: accounts (`importer/account`), or items of the list it
//! names (`importer/list-item/email-address` makes `list-item/email-address`s). Each column is
//! an attribute of what a row makes, by its kebab-case name (`match_type` is `match-type`); a
//! column that is not one is refused (422 naming it) before anything is made. A row with no
//! value counts as an error, a row like a record already there (an item of the list with the
//! same attributes, an account with the same reference id) as a duplicate, and the import is
//! `ready` with its counts. The file comes as a multipart part, or base64 in JSON's
//! `file.data`, as Persona takes it.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::records::{Record, resource_type, time};
use crate::resource_types::Attribute;
use crate::store::Store;

use super::{accounts, lists};

/// Every importer's JSON:API type starts so: `importer/account`.
pub const TYPE_PREFIX: &str = "importer/";
const FILE_POINTER: &str = "/data/attributes/file";

/// Runs the import `record` is: makes its rows' records (announced), and sets its status and
/// counts.
pub fn created(store: &mut Store, record: &mut Record, now: DateTime<Utc>) -> Result<(), ApiError> {
    let made_type = record.kind.json_type.trim_start_matches(TYPE_PREFIX);
    let kind = resource_type(made_type).ok_or_else(ApiError::not_found)?;
    let list_id = match record.attributes.remove("list-id") {
        Some(Value::String(id)) => {
            lists::checked_list(store, &id, made_type, "/data/attributes/list-id")?;
            Some(id)
        }
        _ => None,
    };
    let file = record.attributes.remove("file").unwrap_or(Value::Null);
    let (columns, rows) = rows(&file)?;
    let mut attributes = Vec::new();
    for column in &columns {
        let attribute = kind.attributes.iter().find(|known| known.name == column);
        let Some(attribute) = attribute else {
            return Err(ApiError::unprocessable(
                format!(
                    "data.attributes.file: the column {} is not an attribute of a {made_type}",
                    column.replace('-', "_")
                ),
                FILE_POINTER,
            ));
        };
        attributes.push(attribute);
    }
    let mut held = list_id
        .as_deref()
        .map(|id| lists::held(store, id))
        .unwrap_or_default();
    let (mut made, mut errors, mut duplicates) = (Vec::new(), 0, 0);
    for cells in rows {
        let row: Option<Map<String, Value>> = attributes
            .iter()
            .zip(&cells)
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(attribute, cell)| Some((attribute.name.to_string(), typed(attribute, cell)?)))
            .collect();
        let Some(row) = row.filter(|row| !row.is_empty()) else {
            errors += 1;
            continue;
        };
        let duplicate = match row.get("reference-id").and_then(Value::as_str) {
            Some(reference) if made_type == accounts::TYPE => {
                accounts::by_reference(store, reference).is_some()
            }
            _ => held.iter().any(|item| {
                row.iter()
                    .all(|(name, value)| item.get(name) == Some(value))
            }),
        };
        if duplicate {
            duplicates += 1;
            continue;
        }
        let mut new = Record::new(kind, now)?;
        new.attributes = row.clone();
        if let Some(list_id) = &list_id {
            lists::add(store, list_id, &new)?;
        }
        held.push(row);
        made.push(new.id.clone());
        store.records.insert(new);
    }
    for id in &made {
        store.announce(kind.json_type, id, "created", now);
    }
    for (name, value) in [
        ("status", json!("ready")),
        ("completed-at", time(now)),
        ("successful-count", json!(made.len())),
        ("error-count", json!(errors)),
        ("duplicate-count", json!(duplicates)),
    ] {
        record.attributes.insert(name.into(), value);
    }
    Ok(())
}

/// A cell as its attribute's type has it, by the table's fallback for the attribute: a list
/// (`tags`) split at commas, a number or a flag parsed; `None` when it does not parse.
fn typed(attribute: &Attribute, cell: &str) -> Option<Value> {
    match attribute.fallback.as_bytes().first() {
        Some(b'[') => Some(json!(
            cell.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .collect::<Vec<_>>()
        )),
        Some(b'0'..=b'9' | b'-') if attribute.integer => cell.parse::<i64>().ok().map(Value::from),
        Some(b'0'..=b'9' | b'-') => cell.parse::<f64>().ok().map(Value::from),
        Some(b't' | b'f') => cell.parse::<bool>().ok().map(Value::from),
        _ => Some(Value::String(cell.to_string())),
    }
}

/// The file's columns, by kebab-case name (the first line names them), and its rows' cells.
fn rows(file: &Value) -> Result<(Vec<String>, Vec<Vec<String>>), ApiError> {
    let unreadable = |problem: String| {
        ApiError::unprocessable(format!("data.attributes.file: {problem}"), FILE_POINTER)
    };
    let encoded = file["data"]
        .as_str()
        .ok_or_else(|| unreadable("no file was sent".to_string()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|error| unreadable(format!("not base64: {error}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let columns = reader
        .headers()
        .map_err(|error| unreadable(format!("not CSV: {error}")))?
        .iter()
        .map(|column| column.to_ascii_lowercase().replace('_', "-"))
        .collect();
    let rows = reader
        .records()
        .map(|row| {
            row.map(|row| row.iter().map(str::to_string).collect())
                .map_err(|error| unreadable(format!("not CSV: {error}")))
        })
        .collect::<Result<_, _>>()?;
    Ok((columns, rows))
}
