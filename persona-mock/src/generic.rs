//! Every operation without a handler of its own, served from the emitted tables: each is a
//! route of its own (so idempotency and the event feed wrap it as they wrap the others), and
//! what it does follows from its shape. A POST to a collection creates, a GET lists or retrieves, a PATCH updates, a DELETE
//! redacts (or archives a type without `redacted-at`), and the tag actions change `tags`.
//! A product's own behaviour (`families/`) runs on its creates and verbs; other verbs answer
//! with the record as it is.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::routing::{MethodFilter, MethodRouter, on};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::bodies;
use crate::error::ApiError;
use crate::families;
use crate::operations::{ALL, EVENTS, Operation};
use crate::records::{
    Link, Record, family, includes, points_at, resource_type, shape, target_types, time,
};
use crate::resource_types::ResourceType;
use crate::routes::{BASE_PATH, Query, Reply, Shared, json_body, list_page, ok};
use crate::sandbox;
use crate::store::Store;

/// The operation a request is for, by its method and its path (with the base path): where
/// several templates fit, the one with the most literal segments (`/accounts/search` before
/// `/accounts/{account-id}`).
pub fn operation_of(method: &Method, path: &str) -> Option<&'static Operation> {
    best_of(ALL, method, path)
}

/// Of `operations`, the one a request is for, as [`operation_of`] finds it.
pub fn best_of<'a>(
    operations: impl IntoIterator<Item = &'a Operation>,
    method: &Method,
    path: &str,
) -> Option<&'a Operation> {
    let path = path.strip_prefix(BASE_PATH)?;
    let segments: Vec<&str> = path.split('/').collect();
    operations
        .into_iter()
        .filter(|operation| operation.method.eq_ignore_ascii_case(method.as_str()))
        .filter_map(|operation| {
            let template: Vec<&str> = operation.path.split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (part, segment) in template.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, operation))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, operation)| operation)
}

/// What an operation does, read off its method and path.
enum Role<'a> {
    Create,
    List,
    Retrieve(&'a str),
    Update(&'a str),
    Remove(&'a str),
    /// A verb on one record: `/accounts/{account-id}/add-tag`.
    Act(&'a str, &'a str),
    /// The records one record is related to: `/accounts/{account-id}/relations`.
    Linked(&'a str),
}

fn role<'a>(operation: &Operation, path: &'a str) -> Option<Role<'a>> {
    let template: Vec<&str> = operation.path.split('/').collect();
    let segments: Vec<&'a str> = path.split('/').collect();
    if segments.len() != template.len() {
        return None;
    }
    let first_id = template
        .iter()
        .position(|part| part.starts_with('{'))
        .and_then(|index| segments.get(index).copied());
    let last_is_id = template.last().is_some_and(|part| part.starts_with('{'));
    Some(match (operation.method, first_id, last_is_id) {
        ("get", None, _) => Role::List,
        ("post", None, _) => Role::Create,
        ("get", Some(id), true) => Role::Retrieve(id),
        ("patch", Some(id), true) => Role::Update(id),
        ("delete", Some(id), true) => Role::Remove(id),
        ("get", Some(id), false) if operation.many => Role::Linked(id),
        ("post" | "get", Some(id), false) => Role::Act(id, segments.last()?),
        _ => return None,
    })
}

/// The route of an operation no handler of its own serves: its method, to [`serve`].
pub fn route(operation: &'static Operation) -> MethodRouter<Arc<Shared>> {
    let method = Method::from_bytes(operation.method.to_ascii_uppercase().as_bytes())
        .ok()
        .and_then(|method| MethodFilter::try_from(method).ok())
        .unwrap_or(MethodFilter::GET);
    on(
        method,
        move |state: State<Arc<Shared>>,
              uri: Uri,
              headers: HeaderMap,
              query: RawQuery,
              bytes: Bytes| serve(operation, state, uri, headers, query, bytes),
    )
}

/// Serves an operation from the tables.
async fn serve(
    operation: &'static Operation,
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    // Nested under the base path, the route sees the path below it.
    let path = uri.path();
    let path = path.strip_prefix(BASE_PATH).unwrap_or(path);
    let role = role(operation, path).ok_or_else(ApiError::not_found)?;
    let query = Query::from(raw);
    checked_query(operation, &query)?;
    if let Some(missing) = operation
        .required_headers
        .iter()
        .find(|name| !headers.contains_key(**name))
    {
        return Err(ApiError::bad_request(format!(
            "the {missing} header is required by {}",
            operation.id
        )));
    }
    let body = checked_body(operation, &headers, bytes).await?;
    if let Some(plainest) = operation.plainest {
        // Tokens, relays, rate limits: an answer of the right shape, not a record.
        let document: Value = serde_json::from_str(plainest).unwrap_or_default();
        return ok(success_status(operation), document);
    }
    if let Role::Retrieve(id)
    | Role::Update(id)
    | Role::Remove(id)
    | Role::Act(id, _)
    | Role::Linked(id) = role
    {
        checked_id(operation, path, id)?;
    }
    let mut store = shared.store();
    match role {
        Role::Create if operation.many => {
            // A search without a query lists; the query languages come product by product.
            if body.get("query").is_some_and(|query| !query.is_null()) {
                return Err(ApiError::bad_request(format!(
                    "persona-mock does not run {}'s query yet: send none to list",
                    operation.id
                )));
            }
            list(&store, operation, &query, path, |_| true)
        }
        Role::Create => {
            let now = Utc::now();
            sandbox::check_pointers(&store, operation, &body)?;
            let mut record = create(&store, operation, &body)?;
            if let Some(existing) = families::admit(&store, &record, &body)? {
                // An upsert that finds the record answers with it, as it is.
                return answer_as(&store, operation, &query, &existing, StatusCode::OK, None);
            }
            let mut happened = vec!["created"];
            happened.extend(families::created(&mut store, &mut record, &body, now)?);
            let (id, json_type) = (record.id.clone(), record.kind.json_type);
            store.records.insert(record);
            for happening in happened {
                store.announce(json_type, &id, happening, now);
            }
            answer(&store, operation, &query, &id)
        }
        Role::List => list(&store, operation, &query, path, |_| true),
        Role::Linked(id) => {
            // The one such list is an account's relations under a key (`filter[key]`).
            let parent = store.records.get(id)?;
            let key = query.get("filter[key]").unwrap_or_default();
            let related: BTreeSet<&str> = families::relations::related(parent, key)
                .into_iter()
                .collect();
            list(
                &store,
                operation,
                &query.without("filter[key]"),
                path,
                |record| related.contains(record.id.as_str()),
            )
        }
        Role::Retrieve(id) => answer(&store, operation, &query, id),
        Role::Update(id) => {
            let attributes = attributes_of(operation, &body)?;
            // A new status is its own event where the type has one (`transaction.status-updated`,
            // for `status` or an account's `account-status`), beside the fields' update.
            let sets_status = attributes.keys().any(|name| name.ends_with("status"));
            let now = Utc::now();
            let record = record_mut(&mut store, operation, id)?;
            record.attributes.extend(attributes);
            record.updated_at = now;
            let json_type = record.kind.json_type;
            store.announce(json_type, id, "updated-fields", now);
            if sets_status {
                store.announce(json_type, id, "status-updated", now);
            }
            answer(&store, operation, &query, id)
        }
        Role::Remove(id) => {
            let now = Utc::now();
            let record = record_mut(&mut store, operation, id)?;
            let happening = remove(record, operation.id.starts_with("archive"), now);
            let json_type = record.kind.json_type;
            store.announce(json_type, id, happening, now);
            answer(&store, operation, &query, id)
        }
        Role::Act(id, verb) => {
            let now = Utc::now();
            if let Some(made) = made_by_acting(&store, operation, id)? {
                let (made_id, json_type) = (made.id.clone(), made.kind.json_type);
                store.records.insert(made);
                store.announce(json_type, &made_id, "created", now);
                return answer(&store, operation, &query, &made_id);
            }
            if verb == "clone" {
                let copy = cloned(&mut store, operation, id, &body, now)?;
                return answer(&store, operation, &query, &copy);
            }
            record_mut(&mut store, operation, id)?;
            let families::Acted { mut changed, meta } =
                families::act(&mut store, id, verb, &body, now)?;
            let record = store.records.get_mut(id)?;
            if !changed && (verb.ends_with("-tag") || verb == "set-tags") {
                retag(record, verb, &body)?;
                changed = true;
            }
            if changed {
                record.updated_at = now;
            }
            // A verb the mock does not carry out yet announces nothing.
            let json_type = record.kind.json_type;
            if let Some(happening) = past_of(json_type, verb).filter(|_| changed) {
                store.announce(json_type, id, happening, now);
            }
            answer_with(&store, operation, &query, id, meta)
        }
    }
}

/// The types a sparse fieldset of an operation may name: those it answers with, and those its
/// types' relationships can include.
fn fieldset_types(operation: &Operation) -> BTreeSet<&'static str> {
    let included = operation
        .types
        .iter()
        .filter_map(|json_type| resource_type(json_type))
        .flat_map(|kind| kind.relationships.iter().filter_map(|link| link.target))
        .flat_map(target_types);
    operation
        .fieldsets
        .iter()
        .copied()
        .chain(included)
        .collect()
}

/// The query, refused for a parameter the operation does not take, a required one missing, or
/// a value outside the set a parameter takes.
pub(crate) fn checked_query(operation: &Operation, query: &Query) -> Result<(), ApiError> {
    query.only_known(operation)?;
    query.page()?;
    // A sparse fieldset for a type the operation answers with or can include, naming what
    // that type has. The types are worked out only for a request that has one: a family
    // target (`verification`) stands for dozens.
    let mut known: Option<BTreeSet<&str>> = None;
    for (key, names) in query.pairs() {
        let Some(json_type) = key
            .strip_prefix("fields[")
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            continue;
        };
        let known = known.get_or_insert_with(|| fieldset_types(operation));
        if !known.contains(json_type) {
            return Err(ApiError::bad_request(format!(
                "{key} names no type {} answers with (fields of: {})",
                operation.id,
                Vec::from_iter(known.iter().copied()).join(", ")
            )));
        }
        if let Some(kind) = resource_type(json_type) {
            checked_fieldset(kind, key, names)?;
        }
    }
    if let Some(missing) = operation
        .required
        .iter()
        .find(|name| query.get(name).is_none())
    {
        return Err(ApiError::bad_request(format!(
            "{missing} is required by {}",
            operation.id
        )));
    }
    for (name, values) in operation.values {
        for (_, sent) in query.pairs().filter(|(key, _)| key == name) {
            if let Some(outside) = sent.split(',').find(|value| !values.contains(value)) {
                return Err(ApiError::bad_request(format!(
                    "{name} takes {} (sent '{outside}')",
                    values.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// A path id, refused unless it has the prefix of the type its parameter names
/// (`{workflow-id}`: a workflow), else of a type the operation answers with: a malformed id
/// is a bad request, a well-formed unknown one is not found.
fn checked_id(operation: &Operation, path: &str, id: &str) -> Result<(), ApiError> {
    let template: Vec<&str> = operation.path.split('/').collect();
    let name = path
        .split('/')
        .position(|segment| segment == id)
        .and_then(|index| template.get(index))
        .map_or("the id", |part| part.trim_matches(['{', '}']));
    let named = name
        .strip_suffix("-id")
        .and_then(resource_type)
        .map(|kind| kind.json_type);
    let prefixes: BTreeSet<&str> = match named {
        Some(json_type) => vec![json_type],
        None => operation.types.to_vec(),
    }
    .into_iter()
    .filter_map(|json_type| resource_type(json_type)?.prefix)
    .collect();
    if prefixes.is_empty() || prefixes.iter().any(|prefix| id.starts_with(prefix)) {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "{name} '{id}' does not start with {}",
        prefixes.into_iter().collect::<Vec<_>>().join(" or ")
    )))
}

/// The request body, refused unless it decodes as persona-api's type for the operation (a
/// missing one where the spec requires it, a member of the wrong type, an unknown member);
/// `{}` for a body that may be left out and was. A form is read as an object of its fields; an
/// upload must have the parts the operation requires, and its file is not kept.
async fn checked_body(
    operation: &Operation,
    headers: &HeaderMap,
    bytes: Bytes,
) -> Result<Value, ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if let Some(required) = operation.upload
        && media.starts_with("multipart/form-data")
    {
        return upload(media, bytes, required).await;
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if operation.body_required {
            Err(ApiError::bad_request(format!(
                "{} needs a request body",
                operation.id
            )))
        } else {
            Ok(json!({}))
        };
    }
    let body = if media.starts_with("application/x-www-form-urlencoded") {
        let fields: Map<String, Value> = form_urlencoded::parse(&bytes)
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect();
        Value::Object(fields)
    } else {
        json_body(&bytes)?
    };
    if let Some(Err(problem)) = bodies::check(operation.id, &body) {
        return Err(ApiError::bad_request(problem));
    }
    checked_patterns(operation, &body)?;
    Ok(body)
}

/// Every pattern the spec gives a request string, compiled once rather than per request.
/// Every one is a pattern the engine reads (a test below says so).
static PATTERNS: LazyLock<HashMap<&'static str, regex_lite::Regex>> = LazyLock::new(|| {
    ALL.iter()
        .flat_map(|operation| operation.body_patterns)
        .filter_map(|(_, pattern)| Some((*pattern, regex_lite::Regex::new(pattern).ok()?)))
        .collect()
});

/// The body's strings where the spec gives a pattern (a social security number's), each
/// refused by its path unless it matches.
fn checked_patterns(operation: &Operation, body: &Value) -> Result<(), ApiError> {
    for (pointer, pattern) in operation.body_patterns {
        let Some(value) = body.pointer(pointer).and_then(Value::as_str) else {
            continue;
        };
        let Some(regex) = PATTERNS.get(pattern) else {
            continue;
        };
        if !regex.is_match(value) {
            return Err(ApiError::bad_request(format!(
                "{}: '{value}' does not match the pattern {pattern}",
                ApiError::dotted(pointer)
            )));
        }
    }
    Ok(())
}

/// A multipart upload's parts as `data.attributes` (`data[attributes][list-id]` as
/// `list-id`; a file as `{filename, data}`, its bytes in base64, as a JSON body sends it),
/// refused when a part the operation requires is missing.
async fn upload(media: &str, bytes: Bytes, required: &[&str]) -> Result<Value, ApiError> {
    let malformed =
        |error: multer::Error| ApiError::bad_request(format!("the multipart body: {error}"));
    let boundary = multer::parse_boundary(media).map_err(malformed)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let (mut names, mut attributes) = (BTreeSet::new(), Map::new());
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content = field.bytes().await.map_err(malformed)?;
        if let Some(member) = name
            .strip_prefix("data[attributes][")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            // A file as a JSON body carries it: base64 beside its name.
            let value = match file_name {
                Some(file_name) => json!({
                    "filename": file_name,
                    "data": base64::engine::general_purpose::STANDARD.encode(&content),
                }),
                None => Value::String(String::from_utf8_lossy(&content).into_owned()),
            };
            attributes.insert(member.to_string(), value);
        }
        names.insert(name);
    }
    match required.iter().find(|part| !names.contains(**part)) {
        Some(missing) => Err(ApiError::bad_request(format!(
            "the upload has no {missing} part"
        ))),
        None => Ok(json!({ "data": { "attributes": attributes } })),
    }
}

/// A new record of the operation's type (the body's `data.type` where it answers with one of
/// several), with the attributes the body gives; an attribute named for a relationship of the
/// type (`account-id` for `account`) links it, as the type of what it names.
fn create(store: &Store, operation: &Operation, body: &Value) -> Result<Record, ApiError> {
    let json_type = match (operation.types, body.pointer("/data/type")) {
        ([only], None) => *only,
        (types, Some(Value::String(sent))) if types.contains(&sent.as_str()) => sent.as_str(),
        (types, sent) => {
            return Err(ApiError::bad_request(format!(
                "data.type must be one of {} (sent {})",
                types.join(", "),
                sent.map_or("none".to_string(), Value::to_string)
            )));
        }
    };
    let mut record = Record::of_type(json_type, Utc::now())?;
    let kind = record.kind;
    for (name, value) in attributes_of(operation, body)? {
        let linked = name.strip_suffix("-id").and_then(|relationship| {
            kind.relationships
                .iter()
                .find(|known| known.name == relationship && !known.many)
        });
        match (linked, value.as_str()) {
            (Some(relationship), Some(id)) => {
                let target = match store.records.get(id) {
                    Ok(linked) => linked.kind.json_type,
                    Err(_) => relationship.target.unwrap_or(relationship.name),
                };
                record.link_one(relationship.name, Link::new(target, id));
            }
            _ => {
                record.attributes.insert(name, value);
            }
        }
    }
    Ok(record)
}

/// An action on a record that answers with a record of another type (`trigger` a workflow
/// makes a workflow run): a new record of the answer's type, linked to the one acted on.
fn made_by_acting(
    store: &Store,
    operation: &Operation,
    parent_id: &str,
) -> Result<Option<Record>, ApiError> {
    let parent = store.records.get(parent_id)?;
    if operation.types.contains(&parent.kind.json_type) {
        return Ok(None);
    }
    // The body is the action's input (a workflow's trigger fields), not the new record's
    // attributes: persona-api's type for it has already checked its shape.
    let mut made = create(store, operation, &Value::Null)?;
    let link = made
        .kind
        .relationships
        .iter()
        .find(|link| {
            !link.many
                && link
                    .target
                    .is_some_and(|target| points_at(target, parent.kind.json_type))
        })
        .ok_or_else(ApiError::not_found)?;
    made.link_one(link.name, Link::new(parent.kind.json_type, parent_id));
    Ok(Some(made))
}

/// `clone`: a new record of the same type with the attributes and links of the one named (a
/// webhook's or API key's), made as a create makes it, so what must be its own (a webhook's
/// secret) is; announced as created. Its id.
fn cloned(
    store: &mut Store,
    operation: &Operation,
    id: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let original = record_mut(store, operation, id)?;
    let mut copy = Record::new(original.kind, now)?;
    copy.attributes = original.attributes.clone();
    copy.relationships = original.relationships.clone();
    let happened = families::created(store, &mut copy, body, now)?;
    let (copy_id, json_type) = (copy.id.clone(), copy.kind.json_type);
    store.records.insert(copy);
    for happening in std::iter::once("created").chain(happened) {
        store.announce(json_type, &copy_id, happening, now);
    }
    Ok(copy_id)
}

/// The body's `data.attributes`, each a name the operation takes.
fn attributes_of(operation: &Operation, body: &Value) -> Result<Map<String, Value>, ApiError> {
    let attributes = match body.pointer("/data/attributes") {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(attributes)) => attributes,
        Some(_) => {
            return Err(ApiError::bad_request("data.attributes must be an object"));
        }
    };
    if let Some(unknown) = attributes
        .keys()
        .find(|name| !operation.body_attributes.contains(&name.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "data.attributes.{unknown} is not an attribute of {}",
            operation.id
        )));
    }
    Ok(attributes.clone())
}

fn record_mut<'a>(
    store: &'a mut Store,
    operation: &Operation,
    id: &str,
) -> Result<&'a mut Record, ApiError> {
    let record = store.records.get_mut(id)?;
    if operation.types.contains(&record.kind.json_type) {
        Ok(record)
    } else {
        Err(ApiError::not_found())
    }
}

/// The spec's event for a verb on a type, by how Persona names them: `assign` as `assigned`,
/// `add-relation` as `added-relation`, `add-tag` as `tag-added`, `set-status` as
/// `status-updated`, `set-tags` as `updated-tags`.
fn past_of(json_type: &str, verb: &str) -> Option<&'static str> {
    fn past(word: &str) -> String {
        if word.ends_with('e') {
            format!("{word}d")
        } else {
            format!("{word}ed")
        }
    }
    let mut candidates = vec![past(verb)];
    if let Some((action, object)) = verb.split_once('-') {
        candidates.push(format!("{}-{object}", past(action)));
        candidates.push(format!("{object}-{}", past(action)));
        candidates.push(format!("{object}-updated"));
        candidates.push(format!("updated-{object}"));
    }
    candidates.into_iter().find_map(|happening| {
        let name = format!("{json_type}.{happening}");
        EVENTS
            .binary_search(&name.as_str())
            .ok()
            .map(|index| &EVENTS[index][json_type.len() + 1..])
    })
}

/// DELETE: a type with `redacted-at` is redacted and stays readable, as Persona keeps
/// redacted objects, unless the operation archives (`archiveEmailAddressListItem`: a list
/// item has both); any other is archived where its type has a status. What happened, for its
/// event.
fn remove(record: &mut Record, archives: bool, now: DateTime<Utc>) -> &'static str {
    if !archives && record.redact(now) {
        return "redacted";
    }
    record.updated_at = now;
    for (name, value) in [("status", json!("archived")), ("archived-at", time(now))] {
        if record.has_attribute(name) {
            record.attributes.insert(name.into(), value);
        }
    }
    "archived"
}

/// `add-tag`, `remove-tag` and `set-tags` by `meta.tag-name`, as Persona's bodies carry them.
fn retag(record: &mut Record, verb: &str, body: &Value) -> Result<(), ApiError> {
    let names = |value: &Value| -> Vec<String> {
        match value {
            Value::String(name) => vec![name.clone()],
            Value::Array(names) => names
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        }
    };
    let sent = names(&body["meta"]["tag-name"]);
    if sent.is_empty() && body["meta"].get("tag-id").is_some() {
        return Err(ApiError::bad_request(
            "persona-mock knows tags by name only; send meta.tag-name",
        ));
    }
    if sent.is_empty() && verb != "set-tags" {
        return Err(ApiError::unprocessable(
            "meta.tag-name is required",
            "/meta/tag-name",
        ));
    }
    let mut tags = names(&record.attribute("tags"));
    match verb {
        "add-tag" => {
            for name in sent {
                if !tags.contains(&name) {
                    tags.push(name);
                }
            }
        }
        "remove-tag" => tags.retain(|name| !sent.contains(name)),
        _ => tags = sent,
    }
    record.attributes.insert("tags".into(), json!(tags));
    record.updated_at = Utc::now();
    Ok(())
}

/// One record as a document, with what `include` asked for and the `meta` the operation's
/// success carries, in the operation's success status.
fn answer(store: &Store, operation: &Operation, query: &Query, id: &str) -> Reply {
    answer_with(store, operation, query, id, None)
}

/// [`answer`] with a `meta` of the verb's own, where it made something the answer names.
pub(crate) fn answer_with(
    store: &Store,
    operation: &Operation,
    query: &Query,
    id: &str,
    meta: Option<Value>,
) -> Reply {
    answer_as(store, operation, query, id, success_status(operation), meta)
}

fn answer_as(
    store: &Store,
    operation: &Operation,
    query: &Query,
    id: &str,
    status: StatusCode,
    meta: Option<Value>,
) -> Reply {
    let record = store.records.get(id)?;
    if !operation.types.contains(&record.kind.json_type) {
        return Err(ApiError::not_found());
    }
    let include = includes(record.kind, query.get("include"))?;
    let data = record.render(shape_in(operation, record), fields(query, record).as_ref());
    let mut document = json!({ "data": data });
    if !include.is_empty() {
        let included: Vec<Value> = include
            .iter()
            .flat_map(|relationship| record.linked_ids(relationship))
            .filter_map(|linked| store.records.get(linked).ok())
            .map(|linked| linked.render(linked.kind, fields(query, linked).as_ref()))
            .collect();
        document["included"] = json!(included);
    }
    // The verb's own meta, else the plainest the operation's schema allows.
    let meta = meta.or_else(|| Some(serde_json::from_str(operation.meta?).unwrap_or_default()));
    if let Some(meta) = meta {
        document["meta"] = meta;
    }
    ok(status, document)
}

/// What a record looks like in an operation's answer: the schema the operation gives its type.
fn shape_in(operation: &Operation, record: &Record) -> &'static ResourceType {
    operation
        .types
        .iter()
        .zip(operation.schemas)
        .find(|(json_type, _)| **json_type == record.kind.json_type)
        .and_then(|(json_type, schema)| shape(json_type, schema))
        .unwrap_or(record.kind)
}

fn success_status(operation: &Operation) -> StatusCode {
    StatusCode::from_u16(operation.status).unwrap_or(StatusCode::OK)
}

/// A page of the records of the operation's types that `wanted` keeps, newest first, narrowed
/// by its filters.
pub(crate) fn list(
    store: &Store,
    operation: &Operation,
    query: &Query,
    path: &str,
    wanted: impl Fn(&Record) -> bool,
) -> Reply {
    let page = query.page()?;
    let filters = filters(operation, query)?;
    let matching: Vec<&Record> = store
        .records
        .of_types(operation.types)
        .filter(|record| wanted(record))
        .filter(|record| filters.iter().all(|filter| filter.holds(record)))
        .collect();
    // Only the page asked for is rendered: a list is paged through without rendering every
    // record on every page.
    let render = |record: &&Record| rendered(operation, query, record);
    if !operation.links {
        let data: Vec<Value> = matching.iter().map(render).collect();
        return ok(success_status(operation), json!({ "data": data }));
    }
    list_page(query, path, &page, matching, |record| &record.id, render)
}

/// A filter of a list, read against the types the list holds.
enum Filter {
    Id(Vec<String>),
    CreatedFrom(DateTime<Utc>),
    CreatedUntil(DateTime<Utc>),
    /// An attribute's value is one of these.
    Attribute(String, Vec<String>),
    /// A relationship (`account` for `filter[account-id]`) links one of these ids.
    Link(String, Vec<String>),
}

impl Filter {
    fn holds(&self, record: &Record) -> bool {
        match self {
            Filter::Id(ids) => ids.contains(&record.id),
            Filter::CreatedFrom(at) => record.created_at >= *at,
            Filter::CreatedUntil(at) => record.created_at <= *at,
            Filter::Attribute(name, wanted) => {
                let value = match record.attribute(name) {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                wanted.contains(&value)
            }
            Filter::Link(relationship, wanted) => record
                .linked_ids(relationship)
                .iter()
                .any(|id| wanted.iter().any(|wanted| wanted == id)),
        }
    }
}

/// The query's filters (each one the operation declares: `only_known` refused any other): on
/// the id, the creation time, `<relationship>-id`, or an attribute. A filter the mock cannot
/// apply is refused, never ignored.
fn filters(operation: &Operation, query: &Query) -> Result<Vec<Filter>, ApiError> {
    let kinds: Vec<&ResourceType> = operation
        .types
        .iter()
        .zip(operation.schemas)
        .filter_map(|(json_type, schema)| shape(json_type, schema))
        .collect();
    let has_attribute = |name: &str| {
        kinds.iter().any(|kind| {
            kind.attributes
                .iter()
                .any(|attribute| attribute.name == name)
        })
    };
    let has_relationship = |name: &str| {
        kinds
            .iter()
            .any(|kind| kind.relationships.iter().any(|link| link.name == name))
    };
    let mut filters = Vec::new();
    for (key, value) in query.pairs() {
        let Some(name) = key
            .strip_prefix("filter[")
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            continue;
        };
        let values: Vec<String> = value
            .split(',')
            .map(|item| item.trim().to_string())
            .collect();
        let time = || {
            DateTime::parse_from_rfc3339(value)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "{key} must be an ISO 8601 date-time (sent '{value}')"
                    ))
                })
        };
        // `account-id` filters on `account`, or on the to-many `accounts`.
        let relationship = name.strip_suffix("-id").and_then(|base| {
            [base.to_string(), format!("{base}s")]
                .into_iter()
                .find(|name| has_relationship(name))
        });
        // `inquiry-id` of a list of inquiries names the records themselves.
        let own_id = name
            .strip_suffix("-id")
            .is_some_and(|base| operation.types.iter().any(|kind| family(kind) == base));
        filters.push(match (name, relationship) {
            ("id", _) => Filter::Id(values),
            (_, None) if own_id => Filter::Id(values),
            ("created-at-start", _) => Filter::CreatedFrom(time()?),
            ("created-at-end", _) => Filter::CreatedUntil(time()?),
            (_, Some(relationship)) if !has_attribute(name) => Filter::Link(relationship, values),
            // An attribute of the type, or one its create took (a report's `reference-id`).
            (_, _) if !name.contains('[') && !name.contains(']') => {
                Filter::Attribute(name.to_string(), values)
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{key} is not a filter persona-mock applies to {} yet",
                    operation.id
                )));
            }
        });
    }
    Ok(filters)
}

/// A sparse fieldset, refused when it is empty or names what the type does not have.
fn checked_fieldset(kind: &ResourceType, key: &str, names: &str) -> Result<(), ApiError> {
    let names: Vec<&str> = names
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    let has = |field: &str| {
        kind.attributes
            .iter()
            .any(|attribute| attribute.name == field)
            || kind
                .relationships
                .iter()
                .any(|relationship| relationship.name == field)
    };
    match names.iter().find(|field| !has(field)) {
        Some(unknown) => Err(ApiError::bad_request(format!(
            "{key}: a {} has no attribute or relationship '{unknown}'",
            kind.json_type
        ))),
        None if names.is_empty() => Err(ApiError::bad_request(format!(
            "{key} names no field: leave it out for every field"
        ))),
        None => Ok(()),
    }
}

/// A record as a list of the operation shows it: in the schema the operation gives its type,
/// with the sparse fieldset asked for.
pub(crate) fn rendered(operation: &Operation, query: &Query, record: &Record) -> Value {
    record.render(shape_in(operation, record), fields(query, record).as_ref())
}

/// The sparse fieldset asked for the record's type (checked with the query).
fn fields(query: &Query, record: &Record) -> Option<BTreeSet<String>> {
    query
        .list(&format!("fields[{}]", record.kind.json_type))
        .map(|names| names.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::{ALL, PATTERNS};

    #[test]
    fn every_pattern_of_the_spec_is_one_the_engine_reads() {
        for operation in ALL {
            for (pointer, pattern) in operation.body_patterns {
                assert!(
                    regex_lite::Regex::new(pattern).is_ok(),
                    "{} {pointer}: {pattern}",
                    operation.id
                );
                assert!(PATTERNS.contains_key(pattern), "{pattern} compiled once");
            }
        }
    }
}
