//! One handler per operation of the spec: parse the request into persona-api's types, apply
//! it to the store, render the response.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, Utc};
use persona_api::InquiryStatus;
use persona_api::types;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::families::inquiry_templates;
use crate::generic;
use crate::operations::{self, Operation};
use crate::render::{self, View};
use crate::search;
use crate::store::{InquiryFilter, Page, PageRequest, Store, paginate, sessions_of};

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
    // The inquiry family's own handlers; every other operation is served from the spec's
    // tables (`generic.rs`).
    let handled: [(&str, MethodRouter<Arc<Shared>>); 22] = [
        ("/inquiries", get(list_inquiries).post(create_inquiry)),
        ("/inquiries/search", post(search_inquiries)),
        (
            "/inquiries/{id}",
            get(retrieve_inquiry)
                .patch(update_inquiry)
                .delete(redact_inquiry),
        ),
        ("/inquiries/{id}/approve", post(approve_inquiry)),
        ("/inquiries/{id}/decline", post(decline_inquiry)),
        (
            "/inquiries/{id}/mark-for-review",
            post(mark_inquiry_for_review),
        ),
        ("/inquiries/{id}/expire", post(expire_inquiry)),
        ("/inquiries/{id}/resume", post(resume_inquiry)),
        (
            "/inquiries/{id}/generate-one-time-link",
            post(generate_inquiry_one_time_link),
        ),
        ("/inquiries/{id}/print", get(print_inquiry)),
        ("/inquiries/{id}/add-tag", post(add_inquiry_tag)),
        ("/inquiries/{id}/remove-tag", post(remove_inquiry_tag)),
        ("/inquiries/{id}/set-tags", post(set_inquiry_tags)),
        (
            "/inquiries/{id}/perform-simulate-actions",
            post(simulate_inquiry_actions),
        ),
        ("/inquiry-sessions", get(list_sessions).post(create_session)),
        ("/inquiry-sessions/expire-all", post(expire_all_sessions)),
        ("/inquiry-sessions/{id}", get(retrieve_session)),
        ("/inquiry-sessions/{id}/expire", post(expire_session)),
        (
            "/inquiry-sessions/{id}/generate-one-time-link",
            post(generate_session_one_time_link),
        ),
        (
            "/inquiry-templates/{id}/translations",
            get(retrieve_translations).post(import_translations),
        ),
        ("/events", get(list_events)),
        ("/events/{id}", get(retrieve_event)),
    ];
    let mut api = Router::new();
    let mut handled_paths = Vec::new();
    for (path, route) in handled {
        handled_paths.push(path);
        api = api.route(path, route);
    }
    let api = operations::ALL
        .iter()
        .filter(|operation| {
            !handled_paths
                .iter()
                .any(|path| same_route(path, operation.path))
        })
        .fold(api, |api, operation| {
            api.route(operation.path, generic::route(operation))
        })
        .method_not_allowed_fallback(|| async { ApiError::not_found() })
        .with_state(shared);
    Router::new()
        .nest(BASE_PATH, api)
        .fallback(|| async { ApiError::not_found() })
}

/// Whether two path templates match the same paths, whatever their parameters are named.
fn same_route(left: &str, right: &str) -> bool {
    fn segments(path: &str) -> impl Iterator<Item = &str> {
        path.split('/').map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
    }
    segments(left).eq(segments(right))
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

    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.get(name)
            .map(|value| {
                DateTime::parse_from_rfc3339(value)
                    .map(|at| at.with_timezone(&Utc))
                    .map_err(|_| {
                        ApiError::bad_request(format!(
                            "{name} must be an ISO 8601 date-time (sent '{value}')"
                        ))
                    })
            })
            .transpose()
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

fn inquiry_document(store: &Store, id: &str, view: &View) -> Result<Value, ApiError> {
    let inquiry = store.inquiry(id)?;
    Ok(render::document(
        render::inquiry(inquiry, view),
        render::inquiry_included(store, inquiry, view),
    ))
}

fn inquiry_view(query: &Query) -> Result<View, ApiError> {
    View::new(
        "inquiry",
        query.get("include"),
        query.get("fields[inquiry]"),
    )
}

async fn create_inquiry(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let query = Query::from(raw);
    let view = inquiry_view(&query)?;
    let request: types::CreateInquiryRequest = body(&bytes)?;
    let mut store = shared.store();
    let (id, meta) = store.create_inquiry(request, Utc::now())?;
    let mut document = inquiry_document(&store, &id, &view)?;
    if meta.session_token.is_some() || meta.one_time_link.is_some() {
        let mut created = link_meta(meta.one_time_link.as_deref());
        created.insert("session-token".into(), json!(meta.session_token));
        document["meta"] = Value::Object(created);
    }
    ok(StatusCode::CREATED, document)
}

async fn list_inquiries(State(shared): AppState, RawQuery(raw): RawQuery) -> Reply {
    let query = Query::from(raw);
    let view = inquiry_view(&query)?;
    let page = query.page()?;
    query.only_known(&operations::LIST_INQUIRIES)?;
    let filter = InquiryFilter {
        inquiry_ids: query.list("filter[inquiry-id]"),
        account_ids: query.list("filter[account-id]"),
        template_ids: query.list("filter[inquiry-template-id]"),
        legacy_template_ids: query.list("filter[template-id]"),
        statuses: query.list("filter[status]"),
        note: query.get("filter[note]").map(String::from),
        reference_id: query.get("filter[reference-id]").map(String::from),
        created_at_start: query.time("filter[created-at-start]")?,
        created_at_end: query.time("filter[created-at-end]")?,
    };
    if filter.note.is_some()
        && query
            .0
            .iter()
            .filter(|(key, _)| key.starts_with("filter["))
            .count()
            > 1
    {
        return Err(ApiError::bad_request(
            "filter[note] must be the only filter",
        ));
    }
    let store = shared.store();
    let matching: Vec<_> = store
        .inquiries
        .newest_first()
        .filter(|inquiry| filter.matches(inquiry))
        .collect();
    list_page(
        &query,
        "/inquiries",
        &page,
        matching,
        |inquiry| &inquiry.id,
        |inquiry| render::inquiry(inquiry, &view),
    )
}

async fn search_inquiries(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let query = Query::from(raw);
    let view = inquiry_view(&query)?;
    let request: types::SearchInquiriesRequest = optional_body(&bytes)?;
    query.only_known(&operations::SEARCH_INQUIRIES)?;
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
        .inquiries
        .newest_first()
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
        |inquiry| render::inquiry(inquiry, &view),
    )
}

async fn retrieve_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = inquiry_view(&Query::from(raw))?;
    ok(
        StatusCode::OK,
        inquiry_document(&shared.store(), &id, &view)?,
    )
}

/// Runs a change on one inquiry and answers with the inquiry as it is afterwards.
fn change_inquiry(
    shared: &Shared,
    id: &str,
    raw: Option<String>,
    change: impl FnOnce(&mut Store, DateTime<Utc>) -> Result<(), ApiError>,
) -> Reply {
    let view = inquiry_view(&Query::from(raw))?;
    let mut store = shared.store();
    change(&mut store, Utc::now())?;
    ok(StatusCode::OK, inquiry_document(&store, id, &view)?)
}

async fn update_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::UpdateInquiryRequest = typed(&json_body(&bytes)?)?;
    change_inquiry(&shared, &id, raw, |store, now| {
        store.update_inquiry(&id, request, now)
    })
}

async fn redact_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    change_inquiry(&shared, &id, raw, |store, now| {
        store.redact_inquiry(&id, now)
    })
}

async fn approve_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::InquiryDecisionRequest = optional_body(&bytes)?;
    let comment = request.meta.and_then(|meta| meta.comment);
    change_inquiry(&shared, &id, raw, |store, now| {
        store.decide(&id, InquiryStatus::Approved, comment, now)
    })
}

async fn decline_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::InquiryDecisionRequest = optional_body(&bytes)?;
    let comment = request.meta.and_then(|meta| meta.comment);
    change_inquiry(&shared, &id, raw, |store, now| {
        store.decide(&id, InquiryStatus::Declined, comment, now)
    })
}

async fn mark_inquiry_for_review(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    change_inquiry(&shared, &id, raw, |store, now| {
        store.decide(&id, InquiryStatus::NeedsReview, None, now)
    })
}

async fn expire_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    change_inquiry(&shared, &id, raw, |store, now| {
        store.expire_inquiry(&id, now)
    })
}

async fn resume_inquiry(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = inquiry_view(&Query::from(raw))?;
    let mut store = shared.store();
    let token = store.resume_inquiry(&id, Utc::now())?;
    let mut document = inquiry_document(&store, &id, &view)?;
    document["meta"] = json!({"session-token": token});
    ok(StatusCode::OK, document)
}

async fn generate_inquiry_one_time_link(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let view = inquiry_view(&Query::from(raw))?;
    // Decoding checks `expires-in-seconds` (a positive integer) and names it when it is not.
    let _: types::GenerateOneTimeLinkRequest = optional_body(&bytes)?;
    let mut store = shared.store();
    let link = store.generate_one_time_link(&id, Utc::now())?;
    let mut document = inquiry_document(&store, &id, &view)?;
    document["meta"] = Value::Object(link_meta(Some(&link)));
    ok(StatusCode::OK, document)
}

async fn print_inquiry(State(shared): AppState, Path(id): Path<String>) -> Reply {
    let store = shared.store();
    let inquiry = store.inquiry(&id)?;
    let mut lines = vec![
        format!("Inquiry {}", inquiry.id),
        format!("Status: {}", inquiry.status),
        format!("Created: {}", inquiry.created_at.to_rfc3339()),
    ];
    if inquiry.redacted_at.is_none() {
        for key in ["name-first", "name-last", "birthdate"] {
            if let Some(value) = inquiry.fields.get(key) {
                lines.push(format!(
                    "{key}: {}",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), String::from)
                ));
            }
        }
    }
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
    change_inquiry(&shared, &id, raw, |store, now| {
        store.add_tag(&id, request, now)
    })
}

async fn remove_inquiry_tag(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::InquiryTagRequest = body(&bytes)?;
    change_inquiry(&shared, &id, raw, |store, now| {
        store.remove_tag(&id, request, now)
    })
}

async fn set_inquiry_tags(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::SetInquiryTagsRequest = body(&bytes)?;
    change_inquiry(&shared, &id, raw, |store, now| {
        store.set_tags(&id, request, now)
    })
}

async fn simulate_inquiry_actions(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let request: types::SimulateActionsRequest = body(&bytes)?;
    change_inquiry(&shared, &id, raw, |store, now| {
        store.simulate(&id, request, now)
    })
}

fn session_view(query: &Query) -> Result<View, ApiError> {
    View::new(
        "inquiry-session",
        query.get("include"),
        query.get("fields[inquiry-session]"),
    )
}

fn session_document(store: &Store, id: &str, view: &View) -> Result<Value, ApiError> {
    let session = store.session(id)?;
    Ok(render::document(
        render::session(session, view),
        render::session_included(store, session, view),
    ))
}

async fn list_sessions(State(shared): AppState, RawQuery(raw): RawQuery) -> Reply {
    let query = Query::from(raw);
    let view = session_view(&query)?;
    let page = query.page()?;
    query.only_known(&operations::LIST_INQUIRY_SESSIONS)?;
    let store = shared.store();
    let matching = sessions_of(&store, query.get("filter[inquiry-id]"));
    list_page(
        &query,
        "/inquiry-sessions",
        &page,
        matching,
        |session| &session.id,
        |session| render::session(session, &view),
    )
}

async fn create_session(State(shared): AppState, RawQuery(raw): RawQuery, bytes: Bytes) -> Reply {
    let view = session_view(&Query::from(raw))?;
    let request: types::CreateInquirySessionRequest = body(&bytes)?;
    let mut store = shared.store();
    let id = store.create_session(request, Utc::now())?;
    ok(StatusCode::CREATED, session_document(&store, &id, &view)?)
}

async fn expire_all_sessions(
    State(shared): AppState,
    RawQuery(raw): RawQuery,
    bytes: Bytes,
) -> Reply {
    let view = session_view(&Query::from(raw))?;
    let request: types::ExpireAllInquirySessionsRequest = body(&bytes)?;
    let mut store = shared.store();
    let expired = store.expire_all_sessions(&request.meta.inquiry_ids, Utc::now())?;
    let data: Vec<Value> = expired
        .iter()
        .filter_map(|id| store.session(id).ok())
        .map(|session| render::session(session, &view))
        .collect();
    ok(StatusCode::OK, json!({"data": data}))
}

async fn retrieve_session(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = session_view(&Query::from(raw))?;
    ok(
        StatusCode::OK,
        session_document(&shared.store(), &id, &view)?,
    )
}

async fn expire_session(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = session_view(&Query::from(raw))?;
    let mut store = shared.store();
    store.expire_session(&id, Utc::now())?;
    ok(StatusCode::OK, session_document(&store, &id, &view)?)
}

async fn generate_session_one_time_link(
    State(shared): AppState,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let view = session_view(&Query::from(raw))?;
    let mut store = shared.store();
    let link = store.session_link(&id)?;
    let mut document = session_document(&store, &id, &view)?;
    document["meta"] = Value::Object(link_meta(Some(&link)));
    ok(StatusCode::OK, document)
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
    let mut store = shared.store();
    let draft_id = inquiry_templates::import_translations(&mut store, &id, imported, Utc::now())?;
    let draft = store.records.get(&draft_id)?;
    ok(
        StatusCode::OK,
        render::document(draft.render(draft.kind, None), None),
    )
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
        .filter(|event| {
            object_id.is_none_or(|wanted| match &event.subject {
                crate::store::Subject::Inquiry(id)
                | crate::store::Subject::Session(id)
                | crate::store::Subject::Record(id) => id == wanted,
            })
        })
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
