//! One handler per operation of the spec: parse the request into persona-api's types, apply
//! it to the store, render the response.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use chrono::{DateTime, Utc};
use persona_api::InquiryStatus;
use persona_api::types;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::families::{inquiries, inquiry_templates};
use crate::generic;
use crate::operations::{self, Operation};
use crate::render::{self, View};
use crate::search;
use crate::store::{Page, PageRequest, Store, paginate};

/// Where Persona's API lives below the host; list links are relative to the host, like Persona's.
pub const BASE_PATH: &str = "/api/v1";

pub struct Shared {
    pub store: Mutex<Store>,
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

type AppState = State<Arc<Shared>>;

pub(crate) type Reply = Result<Response, ApiError>;

pub fn router(shared: Arc<Shared>) -> Router {
    use operations::*;
    // The operations with a handler of their own: the inquiry family's, whose bodies are
    // decoded into persona-api's types, and the events. Every other operation is served from
    // the spec's tables (`generic.rs`).
    let own: [(&Operation, MethodRouter<Arc<Shared>>); 24] = [
        (&LIST_INQUIRIES, get(list_inquiries)),
        (&CREATE_INQUIRY, post(create_inquiry)),
        (&SEARCH_INQUIRIES, post(search_inquiries)),
        (&UPDATE_INQUIRY, patch(update_inquiry)),
        (&REDACT_INQUIRY, delete(redact_inquiry)),
        (&APPROVE_INQUIRY, post(approve_inquiry)),
        (&DECLINE_INQUIRY, post(decline_inquiry)),
        (&MARK_INQUIRY_FOR_REVIEW, post(mark_inquiry_for_review)),
        (&EXPIRE_INQUIRY, post(expire_inquiry)),
        (&RESUME_INQUIRY, post(resume_inquiry)),
        (
            &GENERATE_INQUIRY_ONE_TIME_LINK,
            post(generate_inquiry_one_time_link),
        ),
        (&PRINT_INQUIRY_PDF, get(print_inquiry)),
        (&ADD_INQUIRY_TAG, post(add_inquiry_tag)),
        (&REMOVE_INQUIRY_TAG, post(remove_inquiry_tag)),
        (&SET_INQUIRY_TAGS, post(set_inquiry_tags)),
        (&SIMULATE_INQUIRY_ACTIONS, post(simulate_inquiry_actions)),
        (&CREATE_INQUIRY_SESSION, post(create_session)),
        (&EXPIRE_ALL_INQUIRY_SESSIONS, post(expire_all_sessions)),
        (&EXPIRE_INQUIRY_SESSION, post(expire_session)),
        (
            &GENERATE_INQUIRY_SESSION_ONE_TIME_LINK,
            post(generate_session_one_time_link),
        ),
        (
            &RETRIEVE_INQUIRY_TEMPLATE_TRANSLATIONS,
            get(retrieve_translations),
        ),
        (
            &IMPORT_INQUIRY_TEMPLATE_TRANSLATIONS,
            post(import_translations),
        ),
        (&LIST_EVENTS, get(list_events)),
        (&RETRIEVE_EVENT, get(retrieve_event)),
    ];
    let mut own: HashMap<&str, MethodRouter<Arc<Shared>>> = own
        .into_iter()
        .map(|(operation, route)| (operation.id, route))
        .collect();
    // The same path takes each of its methods' routes, merged.
    let api = ALL
        .iter()
        .fold(Router::new(), |api, operation| {
            let route = own
                .remove(operation.id)
                .unwrap_or_else(|| generic::route(operation));
            api.route(operation.path, route)
        })
        .method_not_allowed_fallback(|| async { ApiError::not_found() })
        .with_state(shared);
    Router::new()
        .nest(BASE_PATH, api)
        .fallback(|| async { ApiError::not_found() })
}

/// Query pairs in the order sent.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn from(raw: Option<String>) -> Query {
        Query(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// The query without the parameter `name`: for a handler that applies it itself.
    pub(crate) fn without(&self, name: &str) -> Query {
        Query(
            self.0
                .iter()
                .filter(|(key, _)| key != name)
                .cloned()
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|value| {
            value
                .split(',')
                .map(|item| item.trim().to_string())
                .filter(|item| !item.is_empty())
                .collect()
        })
    }

    /// Refuses a `filter[..]` or `page[..]` the spec does not give the operation, or a
    /// `fields[..]` without a type, rather than ignoring it and answering with everything: a
    /// misspelt filter should not look like an empty one.
    pub(crate) fn only_known(&self, operation: &Operation) -> Result<(), ApiError> {
        for (key, _) in &self.0 {
            // A sparse fieldset names its type: `fields[inquiry]`.
            let fieldset_type = key.strip_prefix("fields").map(|rest| {
                rest.strip_prefix('[')
                    .and_then(|rest| rest.strip_suffix(']'))
            });
            if let Some(None | Some("")) = fieldset_type {
                return Err(ApiError::bad_request(format!(
                    "{key} names no type: a sparse fieldset is fields[<type>]"
                )));
            }
            for (family, known) in [("filter", operation.filters), ("page", operation.pages)] {
                let Some(rest) = key.strip_prefix(family) else {
                    continue;
                };
                if !rest.is_empty() && !rest.starts_with('[') {
                    continue;
                }
                let name = rest
                    .strip_prefix('[')
                    .and_then(|rest| rest.strip_suffix(']'));
                if name.is_none_or(|name| !known.contains(&name)) {
                    let known = known
                        .iter()
                        .map(|name| format!("{family}[{name}]"))
                        .collect::<Vec<_>>();
                    return Err(ApiError::bad_request(format!(
                        "{key} is not a parameter of this list ({family} parameters: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn page(&self) -> Result<PageRequest, ApiError> {
        let size = self
            .get("page[size]")
            .map(|size| {
                size.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "page[size] must be a whole number (sent '{size}')"
                    ))
                })
            })
            .transpose()?;
        PageRequest::new(
            self.get("page[after]").map(String::from),
            self.get("page[before]").map(String::from),
            size,
        )
    }

    /// The link to a neighbouring page: this query with the cursor replaced.
    fn link(&self, path: &str, cursor_name: &str, cursor: Option<String>) -> Value {
        let Some(cursor) = cursor else {
            return Value::Null;
        };
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self
            .0
            .iter()
            .filter(|(key, _)| key != "page[after]" && key != "page[before]")
        {
            query.append_pair(key, value);
        }
        query.append_pair(cursor_name, &cursor);
        json!(format!("{BASE_PATH}{path}?{}", query.finish()))
    }
}

/// Decodes a JSON body into a generated type; errors name the JSON path, as Persona's do.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    typed(&json_body(bytes)?)
}

/// The body as JSON, or a refusal saying it is not.
pub(crate) fn json_body(bytes: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(format!("the request body is not valid JSON: {error}"))
    })
}

/// A JSON value as a generated type; errors name the JSON path.
fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|error| ApiError::bad_request(format!("{}: {}", error.path(), error.inner())))
}

/// A body that may be left out entirely (approve, decline, one-time links).
fn optional_body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        body(&Bytes::from_static(b"{}"))
    } else {
        body(bytes)
    }
}

pub(crate) fn ok(status: StatusCode, document: Value) -> Reply {
    Ok((status, axum::Json(document)).into_response())
}

/// `one-time-link` and its short form, as every response with a link has them.
fn link_meta(link: Option<&str>) -> serde_json::Map<String, Value> {
    let short = link.map(|link| link.replace("/verify?code=", "/o/"));
    let mut meta = serde_json::Map::new();
    meta.insert("one-time-link".into(), json!(link));
    meta.insert("one-time-link-short".into(), json!(short));
    meta
}

/// One page of a list, newest first, as a list document whose links repeat this query.
pub(crate) fn list_page<T>(
    query: &Query,
    path: &str,
    page: &PageRequest,
    items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    render: impl Fn(&T) -> Value,
) -> Reply {
    let Page {
        items,
        prev_cursor,
        next_cursor,
    } = paginate(items, id_of, page)?;
    let data: Vec<Value> = items.iter().map(render).collect();
    ok(
        StatusCode::OK,
        json!({"data": data, "links": {
            "prev": query.link(path, "page[before]", prev_cursor),
            "next": query.link(path, "page[after]", next_cursor),
        }}),
    )
}

/// Runs one of the inquiry family's changes and answers as the operation does (`generic.rs`):
/// with the record the change names, what `include` asks for, and the change's `meta`.
fn respond(
    shared: &Shared,
    operation: &'static Operation,
    raw: Option<String>,
    change: impl FnOnce(&mut Store, DateTime<Utc>) -> Result<(String, Option<Value>), ApiError>,
) -> Reply {
    let query = Query::from(raw);
    generic::checked_query(operation, &query)?;
    let mut store = shared.store();
    let (id, meta) = change(&mut store, Utc::now())?;
    generic::answer_with(&store, operation, &query, &id, meta)
}

/// [`respond`] for a change that answers with the inquiry it was given and no `meta`.
fn change_inquiry(
    shared: &Shared,
    operation: &'static Operation,
    id: String,
    raw: Option<String>,
    change: impl FnOnce(&mut Store, &str, DateTime<Utc>) -> Result<(), ApiError>,
) -> Reply {
    respond(shared, operation, raw, |store, now| {
        change(store, &id, now)?;
        Ok((id, None))
    })
}

async fn create_inquiry(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let request: types::CreateInquiryRequest = body(&bytes)?;
    respond(&shared, &operations::CREATE_INQUIRY, raw, |store, now| {
        let (id, created) = inquiries::create(store, request, now)?;
        let asked = created.session_token.is_some() || created.one_time_link.is_some();
        let meta = asked.then(|| {
            let mut meta = link_meta(created.one_time_link.as_deref());
            meta.insert("session-token".into(), json!(created.session_token));
            Value::Object(meta)
        });
        Ok((id, meta))
    })
}

async fn list_inquiries(State(shared): AppState, RawQuery(raw): RawQuery) -> Reply {
    let operation = &operations::LIST_INQUIRIES;
    let query = Query::from(raw);
    generic::checked_query(operation, &query)?;
    let filters = query.pairs().filter(|(key, _)| key.starts_with("filter["));
    if query.get("filter[note]").is_some() && filters.count() > 1 {
        return Err(ApiError::bad_request(
            "filter[note] must be the only filter",
        ));
    }
    generic::list(&shared.store(), operation, &query, "/inquiries", |_| true)
}

async fn search_inquiries(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let query = Query::from(raw);
    let operation = &operations::SEARCH_INQUIRIES;
    generic::checked_query(operation, &query)?;
    let request: types::SearchInquiriesRequest = optional_body(&bytes)?;
    if let Some(search_query) = &request.query {
        search::validate(search_query, "query")?;
    }
    // Page settings in the body take precedence over the query string.
    let from_query = query.page()?;
    let page = match &request.page {
        Some(page) => PageRequest::new(
            page.after.clone().or(from_query.after),
            page.before.clone().or(from_query.before),
            page.size
                .map(|size| i64::from(size.get()))
                .or(Some(from_query.size as i64)),
        )?,
        None => from_query,
    };
    let store = shared.store();
    let mut matching: Vec<_> = store
        .records
        .of_types(&[inquiries::TYPE])
        .filter(|inquiry| {
            request
                .query
                .as_ref()
                .is_none_or(|q| search::matches(q, inquiry))
        })
        .collect();
    search::sort(&mut matching, request.sort.as_ref())?;
    list_page(
        &query,
        "/inquiries/search",
        &page,
        matching,
        |inquiry| &inquiry.id,
        |inquiry| generic::rendered(operation, &query, inquiry),
    )
}

async fn update_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::UpdateInquiryRequest = typed(&json_body(&bytes)?)?;
    change_inquiry(
        &shared,
        &operations::UPDATE_INQUIRY,
        id,
        raw,
        |store, id, now| inquiries::update(store, id, request, now),
    )
}

async fn redact_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    change_inquiry(
        &shared,
        &operations::REDACT_INQUIRY,
        id,
        raw,
        inquiries::redact,
    )
}

/// The reviewer's comment a decision may carry.
fn comment(bytes: &Bytes) -> Result<Option<String>, ApiError> {
    let request: types::InquiryDecisionRequest = optional_body(bytes)?;
    Ok(request.meta.and_then(|meta| meta.comment))
}

async fn approve_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let comment = comment(&bytes)?;
    change_inquiry(
        &shared,
        &operations::APPROVE_INQUIRY,
        id,
        raw,
        |store, id, now| inquiries::decide(store, id, InquiryStatus::Approved, comment, now),
    )
}

async fn decline_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let comment = comment(&bytes)?;
    change_inquiry(
        &shared,
        &operations::DECLINE_INQUIRY,
        id,
        raw,
        |store, id, now| inquiries::decide(store, id, InquiryStatus::Declined, comment, now),
    )
}

async fn mark_inquiry_for_review(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let operation = &operations::MARK_INQUIRY_FOR_REVIEW;
    change_inquiry(&shared, operation, id, raw, |store, id, now| {
        inquiries::decide(store, id, InquiryStatus::NeedsReview, None, now)
    })
}

async fn expire_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    change_inquiry(
        &shared,
        &operations::EXPIRE_INQUIRY,
        id,
        raw,
        inquiries::expire,
    )
}

async fn resume_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    respond(&shared, &operations::RESUME_INQUIRY, raw, |store, now| {
        let token = inquiries::resume(store, &id, now)?;
        Ok((id, Some(json!({"session-token": token}))))
    })
}

async fn generate_inquiry_one_time_link(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    // Decoding checks `expires-in-seconds` (a positive integer) and names it when it is not.
    let _: types::GenerateOneTimeLinkRequest = optional_body(&bytes)?;
    let operation = &operations::GENERATE_INQUIRY_ONE_TIME_LINK;
    respond(&shared, operation, raw, |store, now| {
        let link = inquiries::generate_one_time_link(store, &id, now)?;
        Ok((id, Some(Value::Object(link_meta(Some(&link))))))
    })
}

async fn print_inquiry(State(shared): AppState, Path(id): Path<String>) -> Reply {
    let lines = inquiries::print_lines(&shared.store(), &id)?;
    Ok((
        [(header::CONTENT_TYPE, "application/pdf")],
        crate::pdf::one_page(&lines),
    )
        .into_response())
}

async fn add_inquiry_tag(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::InquiryTagRequest = body(&bytes)?;
    change_inquiry(
        &shared,
        &operations::ADD_INQUIRY_TAG,
        id,
        raw,
        |store, id, now| inquiries::add_tag(store, id, request, now),
    )
}

async fn remove_inquiry_tag(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::InquiryTagRequest = body(&bytes)?;
    let operation = &operations::REMOVE_INQUIRY_TAG;
    change_inquiry(&shared, operation, id, raw, |store, id, now| {
        inquiries::remove_tag(store, id, request, now)
    })
}

async fn set_inquiry_tags(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::SetInquiryTagsRequest = body(&bytes)?;
    change_inquiry(
        &shared,
        &operations::SET_INQUIRY_TAGS,
        id,
        raw,
        |store, id, now| inquiries::set_tags(store, id, request, now),
    )
}

async fn simulate_inquiry_actions(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::SimulateActionsRequest = body(&bytes)?;
    let operation = &operations::SIMULATE_INQUIRY_ACTIONS;
    change_inquiry(&shared, operation, id, raw, |store, id, now| {
        inquiries::simulate(store, id, request, now)
    })
}

async fn create_session(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let request: types::CreateInquirySessionRequest = body(&bytes)?;
    respond(
        &shared,
        &operations::CREATE_INQUIRY_SESSION,
        raw,
        |store, now| Ok((inquiries::create_session(store, request, now)?, None)),
    )
}

async fn expire_all_sessions(
    State(shared): AppState,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let query = Query::from(raw);
    let operation = &operations::EXPIRE_ALL_INQUIRY_SESSIONS;
    generic::checked_query(operation, &query)?;
    let request: types::ExpireAllInquirySessionsRequest = body(&bytes)?;
    let mut store = shared.store();
    let expired =
        inquiries::expire_all_sessions(&mut store, &request.meta.inquiry_ids, Utc::now())?;
    let data: Vec<Value> = expired
        .iter()
        .filter_map(|id| store.records.get(id).ok())
        .map(|session| generic::rendered(operation, &query, session))
        .collect();
    ok(StatusCode::OK, json!({"data": data}))
}

async fn expire_session(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let operation = &operations::EXPIRE_INQUIRY_SESSION;
    change_inquiry(&shared, operation, id, raw, inquiries::expire_session)
}

async fn generate_session_one_time_link(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let operation = &operations::GENERATE_INQUIRY_SESSION_ONE_TIME_LINK;
    respond(&shared, operation, raw, |store, _| {
        let link = inquiries::session_link(store, &id)?;
        Ok((id, Some(Value::Object(link_meta(Some(&link))))))
    })
}

async fn retrieve_translations(State(shared): AppState, Path(id): Path<String>) -> Reply {
    let store = shared.store();
    ok(
        StatusCode::OK,
        inquiry_templates::translations(&store, &id)?,
    )
}

async fn import_translations(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::ImportTranslationsRequest = body(&bytes)?;
    let imported = request
        .data
        .attributes
        .translations
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let operation = &operations::IMPORT_INQUIRY_TEMPLATE_TRANSLATIONS;
    respond(&shared, operation, raw, |store, now| {
        let draft = inquiry_templates::import_translations(store, &id, imported, now)?;
        Ok((draft, None))
    })
}

fn event_view(query: &Query) -> Result<View, ApiError> {
    View::new("event", query.get("include"), query.get("fields[event]"))
}

async fn list_events(State(shared): AppState, RawQuery(raw): RawQuery) -> Reply {
    let query = Query::from(raw);
    let view = event_view(&query)?;
    let page = query.page()?;
    query.only_known(&operations::LIST_EVENTS)?;
    let names = query.list("filter[name]");
    let ids = query.list("filter[id]");
    let object_id = query.get("filter[object-id]");
    let store = shared.store();
    let matching: Vec<_> = store
        .events
        .newest_first()
        .filter(|event| {
            names
                .as_ref()
                .is_none_or(|names| names.iter().any(|name| name == event.name))
        })
        .filter(|event| ids.as_ref().is_none_or(|ids| ids.contains(&event.id)))
        .filter(|event| object_id.is_none_or(|wanted| event.object_id == wanted))
        .collect();
    list_page(
        &query,
        "/events",
        &page,
        matching,
        |event| &event.id,
        |event| render::event(&store, event, &view),
    )
}

async fn retrieve_event(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = event_view(&Query::from(raw))?;
    let store = shared.store();
    let event = store.events.get(&id)?;
    ok(
        StatusCode::OK,
        render::document(render::event(&store, event, &view), None),
    )
}
