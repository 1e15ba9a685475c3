//! Inquiries and their sessions, records of the generic store with the inquiry family's rules:
//! the status machine and the events Persona sends for it, the sessions that follow it, the
//! sandbox's simulate actions, tags and redaction; and what an inquiry shows that is worked out
//! when it is rendered (its template's fields, its step names).

use chrono::{DateTime, Duration, Utc};
use persona_api::types::{self, SimulateActionType};
use persona_api::{Clearable, InquiryId, InquirySessionStatus, InquiryStatus};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::families::inquiry_templates::{self, TEMPLATE_FIELDS};
use crate::families::{accounts, verifications};
use crate::ids::new_id;
use crate::operations::REMOVED_IN;
use crate::records::{Link, Record, time};
use crate::store::Store;

pub const TYPE: &str = "inquiry";
pub const SESSION: &str = "inquiry-session";

/// How long an inquiry stays open after it is created, as Persona's default.
const EXPIRES_AFTER: Duration = Duration::hours(24);
/// Persona's default cap on sessions per inquiry.
const MAX_SESSIONS_PER_INQUIRY: usize = 25;
/// Where an inquiry keeps the field values that were set, by key: its template supplies the
/// rest when it is rendered, so an inquiry holds only what it was given.
const FIELDS: &str = "fields";
/// Kept for the hosted flow, which the sandbox does not run; Persona does not show it.
const REDIRECT_URI: &str = "redirect-uri";
/// The relationships in which an inquiry holds what its verifications made.
const CHILDREN: [&str; 3] = ["verifications", "documents", "selfies"];

/// Whether an attribute is one of the personal fields API version 2023-01-05 repeats at the top
/// of an inquiry: the ones the spec marks as removed in a later version.
fn repeats_a_field(name: &str) -> bool {
    REMOVED_IN
        .iter()
        .any(|(_, json_type, names)| *json_type == TYPE && names.contains(&name))
}

/// What a create answers besides the inquiry: the tokens asked for in `meta`.
#[derive(Default)]
pub struct CreatedMeta {
    pub session_token: Option<String>,
    pub one_time_link: Option<String>,
}

fn status(inquiry: &Record) -> InquiryStatus {
    InquiryStatus::from(inquiry.attribute("status").as_str().unwrap_or_default())
}

fn session_status(session: &Record) -> InquirySessionStatus {
    InquirySessionStatus::from(session.attribute("status").as_str().unwrap_or_default())
}

fn is_redacted(inquiry: &Record) -> bool {
    inquiry
        .attributes
        .get("redacted-at")
        .is_some_and(|at| !at.is_null())
}

/// The inquiry, refusing changes once it is redacted.
fn writable<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Record, ApiError> {
    let inquiry = store.records.get_mut_of_type(TYPE, id)?;
    if is_redacted(inquiry) {
        return Err(ApiError::conflict("Inquiry has been redacted"));
    }
    Ok(inquiry)
}

/// Makes an inquiry from a create request: on its template's published version (or the version
/// named), on the account named or found by reference id (else a new one), with the fields
/// sent; and its first session when `meta` asks for a session token or a one-time link.
pub fn create(
    store: &mut Store,
    request: types::CreateInquiryRequest,
    now: DateTime<Utc>,
) -> Result<(String, CreatedMeta), ApiError> {
    let attributes = request.data.attributes;
    let (template_id, template_version_id) = match (
        &attributes.inquiry_template_id,
        &attributes.inquiry_template_version_id,
        &attributes.template_id,
    ) {
        (Some(id), None, None) => {
            check_prefix("inquiry_template_id", id, "itmpl")?;
            let version = inquiry_templates::published_version(store, id)?;
            (id.to_string(), version.id.clone())
        }
        (None, Some(id), None) => {
            check_prefix("inquiry_template_version_id", id, "itmplv")?;
            (
                inquiry_templates::template_of_version(store, id)?,
                id.to_string(),
            )
        }
        (None, None, Some(id)) => {
            check_prefix("template_id", id, "tmpl")?;
            return Err(ApiError::unprocessable(
                format!(
                    "legacy template {id} does not exist in persona-mock; use an inquiry template (itmpl_)"
                ),
                "/data/attributes/template-id",
            ));
        }
        (None, None, None) => {
            return Err(ApiError::bad_request(
                "data.attributes must include one of inquiry_template_id, inquiry_template_version_id or template_id",
            ));
        }
        _ => {
            return Err(ApiError::bad_request(
                "data.attributes must include only one of inquiry_template_id, inquiry_template_version_id or template_id",
            ));
        }
    };
    if let Some(account_id) = &attributes.account_id {
        check_prefix("account_id", account_id, "act")?;
    }
    // Which account it lands on is settled now; a new one is made only once nothing can
    // refuse the inquiry any more.
    let account = account_for(
        store,
        attributes.account_id.as_deref(),
        attributes.reference_id.as_deref(),
    )?;
    let fields = attributes
        .fields
        .as_ref()
        .map(field_values)
        .unwrap_or_default();
    check_field_names(&fields)?;
    let mut inquiry = Record::of_type(TYPE, now)?;
    let account_id = match account {
        Some(id) => id,
        None => new_account(store, attributes.reference_id.as_deref(), now)?,
    };
    inquiry.attributes.extend([
        ("status".to_string(), json!(InquiryStatus::Created.as_str())),
        ("creator".to_string(), json!("API")),
        (
            "tags".to_string(),
            json!(attributes.tags.unwrap_or_default()),
        ),
        ("expires-at".to_string(), time(now + EXPIRES_AFTER)),
    ]);
    for (name, value) in [
        ("reference-id", attributes.reference_id),
        ("note", attributes.note),
    ] {
        if let Some(value) = value {
            inquiry.attributes.insert(name.to_string(), json!(value));
        }
    }
    inquiry.unshown.insert(FIELDS.into(), Value::Object(fields));
    if let Some(redirect_uri) = attributes.redirect_uri {
        inquiry
            .unshown
            .insert(REDIRECT_URI.into(), json!(redirect_uri));
    }
    inquiry.link_one("account", Link::new(accounts::TYPE, account_id));
    inquiry.link_one(
        inquiry_templates::TYPE,
        Link::new(inquiry_templates::TYPE, template_id),
    );
    inquiry.link_one(
        inquiry_templates::VERSION,
        Link::new(inquiry_templates::VERSION, template_version_id),
    );
    let id = inquiry.id.clone();
    store.records.insert(inquiry);
    store.announce(TYPE, &id, "created", now);
    let mut created = CreatedMeta::default();
    let meta = request.meta.unwrap_or_default();
    // Asking for a session token, a one-time link or both opens one session.
    let wants_session = meta.auto_create_inquiry_session == Some(true);
    let wants_link = meta.auto_create_one_time_link == Some(true);
    if wants_session || wants_link {
        let (session_id, token) = open_session(store, &id, now)?;
        created.session_token = wants_session.then_some(token);
        created.one_time_link = wants_link.then(|| one_time_link(&session_id));
    }
    Ok((id, created))
}

/// The account an inquiry lands on: the one named by `account-id` (which must exist), else
/// the one with its reference id; `None` when a new one is to be made (`new_account`), as
/// Persona makes one for every inquiry that names none.
fn account_for(
    store: &Store,
    account_id: Option<&str>,
    reference_id: Option<&str>,
) -> Result<Option<String>, ApiError> {
    if let Some(id) = account_id {
        return match store.records.get_of_type(accounts::TYPE, id) {
            Ok(_) => Ok(Some(id.to_string())),
            Err(_) => Err(ApiError::unprocessable(
                format!("data.attributes.account-id: no account {id}"),
                "/data/attributes/account-id",
            )),
        };
    }
    Ok(reference_id.and_then(|reference| accounts::by_reference(store, reference)))
}

/// A new account (with the inquiry's reference id), announced; its id.
fn new_account(
    store: &mut Store,
    reference_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let mut account = Record::of_type(accounts::TYPE, now)?;
    if let Some(reference) = reference_id {
        account
            .attributes
            .insert("reference-id".into(), json!(reference));
    }
    let id = account.id.clone();
    store.records.insert(account);
    store.announce(accounts::TYPE, &id, "created", now);
    Ok(id)
}

pub fn update(
    store: &mut Store,
    id: &str,
    request: types::UpdateInquiryRequest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let attributes = request.data.attributes;
    let fields = match &attributes.fields {
        Some(Clearable::Set(fields)) => Some(field_values(fields)),
        _ => None,
    };
    if let Some(fields) = &fields {
        check_field_names(fields)?;
    }
    let inquiry = writable(store, id)?;
    if let Some(note) = attributes.note {
        inquiry
            .attributes
            .insert("note".into(), json!(note.into_value()));
    }
    if let Some(Value::Object(set)) = inquiry.unshown.get_mut(FIELDS) {
        match attributes.fields {
            Some(Clearable::Set(_)) => set.extend(fields.unwrap_or_default()),
            Some(Clearable::Clear) => set.values_mut().for_each(|value| *value = Value::Null),
            None => {}
        }
    }
    if !attributes.tags.is_empty() {
        inquiry
            .attributes
            .insert("tags".into(), json!(attributes.tags));
    }
    if let Some(redirect_uri) = attributes.redirect_uri {
        inquiry
            .unshown
            .insert(REDIRECT_URI.into(), json!(redirect_uri.into_value()));
    }
    inquiry.updated_at = now;
    Ok(())
}

/// Clears what identifies the person (fields, reference id, note, reviewer comment) and
/// redacts the inquiry's children with it: the verifications it ran and what they captured.
pub fn redact(store: &mut Store, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let inquiry = store.records.get_mut_of_type(TYPE, id)?;
    if is_redacted(inquiry) {
        return Err(ApiError::conflict("Inquiry already redacted"));
    }
    inquiry.unshown.insert(FIELDS.into(), json!({}));
    for name in ["reference-id", "note", "reviewer-comment"] {
        inquiry.attributes.remove(name);
    }
    inquiry.attributes.insert("redacted-at".into(), time(now));
    inquiry.updated_at = now;
    let children: Vec<String> = CHILDREN
        .iter()
        .flat_map(|relationship| inquiry.linked_ids(relationship))
        .map(String::from)
        .collect();
    store.announce(TYPE, id, "redacted", now);
    for child in children {
        if let Ok(child) = store.records.get_mut(&child) {
            child.redact(now);
        }
    }
    Ok(())
}

/// A reviewer's decision (approve, decline) or a mark for review, with its comment.
pub fn decide(
    store: &mut Store,
    id: &str,
    to: InquiryStatus,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let inquiry = writable(store, id)?;
    let from = status(inquiry);
    if to == InquiryStatus::NeedsReview
        && matches!(from, InquiryStatus::Approved | InquiryStatus::Declined)
    {
        return Err(ApiError::conflict(format!(
            "Cannot mark an inquiry for review once it is {from}"
        )));
    }
    if let Some(comment) = comment {
        inquiry
            .attributes
            .insert("reviewer-comment".into(), json!(comment));
    }
    transition(store, id, to, now)
}

pub fn expire(store: &mut Store, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    writable(store, id)?;
    transition(store, id, InquiryStatus::Expired, now)?;
    let sessions: Vec<String> = sessions_of(store, id)?;
    for session in sessions {
        expire_session(store, &session, now)?;
    }
    Ok(())
}

/// A session token to continue the inquiry; an expired inquiry becomes pending again.
pub fn resume(store: &mut Store, id: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
    match status(writable(store, id)?) {
        InquiryStatus::Created | InquiryStatus::Pending => {}
        InquiryStatus::Expired => {
            transition(store, id, InquiryStatus::Pending, now)?;
            store
                .records
                .get_mut(id)?
                .attributes
                .insert("expires-at".into(), time(now + EXPIRES_AFTER));
        }
        other => {
            return Err(ApiError::conflict(format!(
                "Cannot resume an inquiry that is {other}"
            )));
        }
    }
    Ok(open_session(store, id, now)?.1)
}

pub fn generate_one_time_link(
    store: &mut Store,
    id: &str,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    if status(writable(store, id)?) == InquiryStatus::Expired {
        return Err(ApiError::conflict(
            "Cannot generate a one-time link for an expired inquiry; resume it first",
        ));
    }
    let (session_id, _) = open_session(store, id, now)?;
    Ok(one_time_link(&session_id))
}

pub fn add_tag(
    store: &mut Store,
    id: &str,
    tag: types::InquiryTagRequest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let name = tag_name(tag.meta)?;
    retag(store, id, now, |tags| {
        if !tags.contains(&name) {
            tags.push(name);
        }
    })
}

pub fn remove_tag(
    store: &mut Store,
    id: &str,
    tag: types::InquiryTagRequest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let name = tag_name(tag.meta)?;
    retag(store, id, now, |tags| {
        tags.retain(|existing| *existing != name)
    })
}

pub fn set_tags(
    store: &mut Store,
    id: &str,
    tags: types::SetInquiryTagsRequest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if !tags.meta.tag_id.is_empty() {
        return Err(ApiError::unprocessable(
            "persona-mock knows tags by name only; send meta.tag-name",
            "/meta/tag-id",
        ));
    }
    retag(store, id, now, |current| *current = tags.meta.tag_name)
}

/// Changes an inquiry's tags; announces `inquiry.updated-tags` when they changed.
fn retag(
    store: &mut Store,
    id: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut Vec<String>),
) -> Result<(), ApiError> {
    let inquiry = writable(store, id)?;
    let before: Vec<String> = serde_json::from_value(inquiry.attribute("tags")).unwrap_or_default();
    let mut tags = before.clone();
    change(&mut tags);
    inquiry.attributes.insert("tags".into(), json!(tags));
    inquiry.updated_at = now;
    if tags != before {
        store.announce(TYPE, id, "updated-tags", now);
    }
    Ok(())
}

/// Applies the actions in order, all or none: every action is checked against the status
/// the ones before it lead to, and the first that is not allowed refuses the request,
/// naming its position, before anything changes.
pub fn simulate(
    store: &mut Store,
    id: &str,
    request: types::SimulateActionsRequest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    enum Step {
        MoveTo(InquiryStatus),
        AddVerification {
            passed: bool,
            kind: &'static verifications::Simulated,
            template: String,
        },
    }
    let mut status = status(writable(store, id)?);
    let mut steps = Vec::new();
    for (index, action) in request.meta.simulate_actions.into_iter().enumerate() {
        let pointer = format!("/meta/simulate-actions/{index}");
        let from = status.clone();
        let allowed_from_open = matches!(from, InquiryStatus::Created | InquiryStatus::Pending);
        let (to, allowed) = match action.type_ {
            SimulateActionType::StartInquiry => {
                (InquiryStatus::Pending, from == InquiryStatus::Created)
            }
            SimulateActionType::CompleteInquiry => (InquiryStatus::Completed, allowed_from_open),
            SimulateActionType::FailInquiry => (InquiryStatus::Failed, allowed_from_open),
            SimulateActionType::ExpireInquiry => (InquiryStatus::Expired, allowed_from_open),
            SimulateActionType::MarkForReviewInquiry => (
                InquiryStatus::NeedsReview,
                !matches!(from, InquiryStatus::Approved | InquiryStatus::Declined),
            ),
            SimulateActionType::ApproveInquiry => (InquiryStatus::Approved, true),
            SimulateActionType::DeclineInquiry => (InquiryStatus::Declined, true),
            SimulateActionType::CreatePassedVerification
            | SimulateActionType::CreateFailedVerification => {
                let passed = action.type_ == SimulateActionType::CreatePassedVerification;
                let template = action
                    .data
                    .map(|data| data.verification_template_id)
                    .ok_or_else(|| {
                        ApiError::unprocessable(
                            "verification actions need data.verification-template-id",
                            &format!("{pointer}/data"),
                        )
                    })?;
                let kind = verifications::kind_of(
                    &template,
                    &format!("{pointer}/data/verification-template-id"),
                )?;
                steps.push(Step::AddVerification {
                    passed,
                    kind,
                    template,
                });
                continue;
            }
        };
        if !allowed {
            return Err(ApiError::unprocessable(
                format!("cannot move an inquiry that is {from} to {to}"),
                &format!("{pointer}/type"),
            ));
        }
        status = to.clone();
        steps.push(Step::MoveTo(to));
    }
    for step in steps {
        match step {
            Step::MoveTo(to) => transition(store, id, to, now)?,
            Step::AddVerification {
                passed,
                kind,
                template,
            } => {
                let inquiry = store.records.get(id)?;
                let no_fields = Map::new();
                let fields = inquiry
                    .unshown
                    .get(FIELDS)
                    .and_then(Value::as_object)
                    .unwrap_or(&no_fields);
                let run = kind.run(id, fields, &template, passed, now)?;
                for (record, happening) in run.happenings() {
                    store.announce(record.kind.json_type, &record.id, happening, now);
                }
                let inquiry = store.records.get_mut(id)?;
                for record in [Some(&run.verification), run.capture.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    let json_type = record.kind.json_type;
                    for relationship in CHILDREN
                        .into_iter()
                        .filter(|relationship| verifications::is_held_as(json_type, relationship))
                    {
                        inquiry.link_many(relationship, Link::new(json_type, &record.id));
                    }
                }
                inquiry.updated_at = now;
                store.records.insert(run.verification);
                if let Some(capture) = run.capture {
                    store.records.insert(capture);
                }
            }
        }
    }
    Ok(())
}

/// The ids of an inquiry's sessions, oldest first.
fn sessions_of(store: &Store, inquiry_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(store
        .records
        .get_of_type(TYPE, inquiry_id)?
        .linked_ids("sessions")
        .into_iter()
        .map(String::from)
        .collect())
}

/// Opens a session on an inquiry; returns its id and token.
fn open_session(
    store: &mut Store,
    inquiry_id: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), ApiError> {
    let inquiry = store.records.get_of_type(TYPE, inquiry_id)?;
    if inquiry.linked_ids("sessions").len() >= MAX_SESSIONS_PER_INQUIRY {
        return Err(ApiError::unprocessable(
            format!("an inquiry can have at most {MAX_SESSIONS_PER_INQUIRY} sessions"),
            "/data/attributes/inquiry-id",
        ));
    }
    let mut session = Record::of_type(SESSION, now)?;
    session
        .attributes
        .insert("status".into(), json!(InquirySessionStatus::New.as_str()));
    session.link_one(TYPE, Link::new(TYPE, inquiry_id));
    let id = session.id.clone();
    store
        .records
        .get_mut(inquiry_id)?
        .link_many("sessions", Link::new(SESSION, &id));
    store.records.insert(session);
    // A JWT-shaped opaque token, as Persona's session tokens are.
    let token = format!("eyJhbGciOiJIUzI1NiJ9.{}.{}", new_id(""), new_id(""));
    Ok((id, token))
}

pub fn create_session(
    store: &mut Store,
    request: types::CreateInquirySessionRequest,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let inquiry_id = request.data.attributes.inquiry_id;
    check_prefix("inquiry_id", &inquiry_id, "inq")?;
    writable(store, &inquiry_id)?;
    Ok(open_session(store, &inquiry_id, now)?.0)
}

pub fn expire_session(store: &mut Store, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let session = store.records.get_mut_of_type(SESSION, id)?;
    if session_status(session) != InquirySessionStatus::Expired {
        session.attributes.extend([
            (
                "status".to_string(),
                json!(InquirySessionStatus::Expired.as_str()),
            ),
            ("expired-at".to_string(), time(now)),
        ]);
        session.updated_at = now;
        store.announce(SESSION, id, "expired", now);
    }
    Ok(())
}

/// Expires the open sessions of each inquiry, all or none: an unknown inquiry refuses the
/// request (422) before any session changes. Returns the ids of the sessions it expired.
pub fn expire_all_sessions(
    store: &mut Store,
    inquiry_ids: &[InquiryId],
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let mut session_ids = Vec::new();
    for (index, inquiry_id) in inquiry_ids.iter().enumerate() {
        // The ids are in the body, so an unknown one is a 422 that points at it (the
        // operation documents no 404).
        let sessions = sessions_of(store, inquiry_id).map_err(|_| {
            ApiError::unprocessable(
                format!("no inquiry {inquiry_id}"),
                &format!("/meta/inquiry-ids/{index}"),
            )
        })?;
        session_ids.extend(sessions);
    }
    let mut expired = Vec::new();
    for session_id in session_ids {
        if session_status(store.records.get(&session_id)?) != InquirySessionStatus::Expired {
            expire_session(store, &session_id, now)?;
            expired.push(session_id);
        }
    }
    Ok(expired)
}

pub fn session_link(store: &Store, id: &str) -> Result<String, ApiError> {
    if session_status(store.records.get_of_type(SESSION, id)?) == InquirySessionStatus::Expired {
        return Err(ApiError::conflict(
            "Cannot generate a one-time link for an expired session",
        ));
    }
    Ok(one_time_link(id))
}

/// Sets the status and the time that goes with it, announces the event Persona sends, and
/// moves the inquiry's sessions along ([`sessions_follow`]).
fn transition(
    store: &mut Store,
    id: &str,
    to: InquiryStatus,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (happening, stamp) = match to {
        InquiryStatus::Pending => ("started", Some("started-at")),
        InquiryStatus::Completed => ("completed", Some("completed-at")),
        InquiryStatus::Failed => ("failed", Some("failed-at")),
        InquiryStatus::Expired => ("expired", Some("expired-at")),
        InquiryStatus::NeedsReview => ("marked-for-review", Some("marked-for-review-at")),
        InquiryStatus::Approved => ("approved", Some("decisioned-at")),
        InquiryStatus::Declined => ("declined", Some("decisioned-at")),
        _ => ("transitioned", None),
    };
    store.announce(TYPE, id, happening, now);
    let inquiry = store.records.get_mut(id)?;
    if let Some(stamp) = stamp {
        // Started once: resuming an expired inquiry keeps when it was first started.
        let started_before = stamp == "started-at" && inquiry.attributes.contains_key(stamp);
        if !started_before {
            inquiry.attributes.insert(stamp.into(), time(now));
        }
    }
    inquiry
        .attributes
        .insert("status".into(), json!(to.as_str()));
    inquiry.updated_at = now;
    sessions_follow(store, id, &to, now)
}

/// What an inquiry's sessions do when it moves to `to`: starting it opens its newest session
/// not yet opened (`inquiry-session.started`); a decision cancels the sessions still open
/// (`inquiry-session.canceled`), since nobody can go on in them.
fn sessions_follow(
    store: &mut Store,
    inquiry_id: &str,
    to: &InquiryStatus,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let sessions = sessions_of(store, inquiry_id)?;
    let status_of = |id: &String| store.records.get(id).map(session_status).ok();
    let (targets, status, happening): (Vec<String>, _, _) = match to {
        InquiryStatus::Pending => (
            sessions
                .iter()
                .rev()
                .find(|id| status_of(id) == Some(InquirySessionStatus::New))
                .cloned()
                .into_iter()
                .collect(),
            InquirySessionStatus::Active,
            "started",
        ),
        InquiryStatus::Approved | InquiryStatus::Declined => (
            sessions
                .iter()
                .filter(|id| {
                    matches!(
                        status_of(id),
                        Some(InquirySessionStatus::New | InquirySessionStatus::Active)
                    )
                })
                .cloned()
                .collect(),
            InquirySessionStatus::Canceled,
            "canceled",
        ),
        _ => return Ok(()),
    };
    for id in targets {
        let session = store.records.get_mut(&id)?;
        if status == InquirySessionStatus::Active {
            session.attributes.insert("started-at".into(), time(now));
        }
        session
            .attributes
            .insert("status".into(), json!(status.as_str()));
        session.updated_at = now;
        store.announce(SESSION, &id, happening, now);
    }
    Ok(())
}

/// What an inquiry shows that is worked out from its state when it is rendered: its template's
/// fields with the values set (else the template's defaults; every value `null` once
/// redacted), the personal fields API version 2023-01-05 repeats at the top, its step names,
/// and the behavioural signals the hosted flow would collect (none in the sandbox).
pub fn derived(inquiry: &Record, name: &str) -> Option<Value> {
    let set = inquiry.unshown.get(FIELDS).and_then(Value::as_object);
    let value_of = |key: &str| set.and_then(|set| set.get(key)).cloned();
    match name {
        "fields" => {
            let redacted = is_redacted(inquiry);
            let fields: Map<String, Value> = TEMPLATE_FIELDS
                .iter()
                .map(|field| {
                    let value = match (redacted, value_of(field.key)) {
                        (true, _) => Value::Null,
                        (false, Some(value)) => value,
                        (false, None) => field.default.map_or(Value::Null, |value| json!(value)),
                    };
                    (
                        field.key.to_string(),
                        json!({"type": field.kind, "value": value}),
                    )
                })
                .collect();
            Some(Value::Object(fields))
        }
        "next-step-name" => Some(json!(match status(inquiry) {
            InquiryStatus::Created => "start",
            InquiryStatus::Pending => "verification_government_id",
            _ => "success",
        })),
        "previous-step-name" => Some(match status(inquiry) {
            InquiryStatus::Created => Value::Null,
            InquiryStatus::Pending => json!("start"),
            _ => json!("verification_government_id"),
        }),
        "behaviors" => Some(json!({
            "request-spoof-attempts": null, "user-agent-spoof-attempts": null,
            "distraction-events": null, "hesitation-baseline": null, "hesitation-count": null,
            "hesitation-time": null, "shortcut-copies": null, "shortcut-pastes": null,
            "autofill-cancels": null, "autofill-starts": null, "devtools-open": null,
            "completion-time": null, "hesitation-percentage": null,
            "behavior-threat-level": null
        })),
        name if repeats_a_field(name) => Some(value_of(name).unwrap_or(Value::Null)),
        _ => None,
    }
}

/// What the printed inquiry says: its id, status and creation, and the person's name and
/// birthdate unless it is redacted.
pub fn print_lines(store: &Store, id: &str) -> Result<Vec<String>, ApiError> {
    let inquiry = store.records.get_of_type(TYPE, id)?;
    let mut lines = vec![
        format!("Inquiry {}", inquiry.id),
        format!("Status: {}", status(inquiry)),
        format!("Created: {}", inquiry.created_at.to_rfc3339()),
    ];
    if !is_redacted(inquiry) {
        for key in ["name-first", "name-last", "birthdate"] {
            if let Some(value) = derived(inquiry, key).filter(|value| !value.is_null()) {
                lines.push(format!(
                    "{key}: {}",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), String::from)
                ));
            }
        }
    }
    Ok(lines)
}

/// Persona's message for an id with the wrong prefix, as in the getting-started guide.
pub fn check_prefix(field: &str, id: &str, prefix: &str) -> Result<(), ApiError> {
    if id
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with('_'))
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "data.attributes.{field} must start with {prefix} (sent '{id}')"
        )))
    }
}

/// Template field values by name, standard and custom alike, as they were sent.
fn field_values(fields: &types::FieldValues) -> Map<String, Value> {
    match serde_json::to_value(fields) {
        Ok(Value::Object(values)) => values,
        _ => Map::new(),
    }
}

fn check_field_names(fields: &Map<String, Value>) -> Result<(), ApiError> {
    match fields.keys().find(|key| {
        !TEMPLATE_FIELDS
            .iter()
            .any(|field| field.key == key.as_str())
    }) {
        Some(unknown) => Err(ApiError::unprocessable(
            format!("{unknown} is not a field of this inquiry template"),
            &format!("/data/attributes/fields/{unknown}"),
        )),
        None => Ok(()),
    }
}

fn tag_name(meta: types::InquiryTagRequestMeta) -> Result<String, ApiError> {
    match (meta.tag_name, meta.tag_id) {
        (Some(name), _) if !name.trim().is_empty() => Ok(name),
        (None, Some(_)) => Err(ApiError::unprocessable(
            "persona-mock knows tags by name only; send meta.tag-name",
            "/meta/tag-id",
        )),
        _ => Err(ApiError::unprocessable(
            "Tag name can't be blank",
            "/meta/tag-name",
        )),
    }
}

fn one_time_link(session_id: &str) -> String {
    let code = session_id
        .split_once('_')
        .map_or(session_id, |(_, code)| code);
    format!("https://withpersona.com/verify?code=otl_{code}")
}
