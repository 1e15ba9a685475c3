//! The sandbox's state and its rules: inquiries, sessions, templates, and how each operation
//! changes them. Records are compact (only what was set); `render` turns them into Persona's
//! JSON.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use persona_api::types::{self, SimulateActionType};
use persona_api::{
    AccountId, Clearable, EventId, InquiryId, InquirySessionId, InquirySessionStatus, InquiryStatus,
};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::families::{accounts, inquiry_templates, reports, verifications};
use crate::ids::new_id;
use crate::operations::EVENTS;
use crate::records::{Record, family};

/// How long an inquiry stays open after it is created, as Persona's default.
const EXPIRES_AFTER: Duration = Duration::hours(24);
/// Persona's default cap on sessions per inquiry.
const MAX_SESSIONS_PER_INQUIRY: usize = 25;

pub struct Inquiry {
    pub id: String,
    pub status: InquiryStatus,
    pub reference_id: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub reviewer_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub marked_for_review_at: Option<DateTime<Utc>>,
    pub decisioned_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub redacted_at: Option<DateTime<Utc>>,
    pub template_id: String,
    pub template_version_id: String,
    pub account_id: String,
    pub redirect_uri: Option<String>,
    /// Field values that were set; the template supplies the rest when rendering.
    pub fields: Map<String, Value>,
    pub session_ids: Vec<String>,
    /// What simulate actions made (records of their own: verifications and what they
    /// captured), oldest first.
    pub children: Vec<Child>,
}

/// A record an inquiry's verifications made, as the inquiry links it.
#[derive(Clone)]
pub struct Child {
    pub json_type: &'static str,
    pub id: String,
}

/// What an event is about.
#[derive(Clone)]
pub enum Subject {
    Inquiry(String),
    Session(String),
    /// A record of the generic store (`records.rs`): an account, a report, a case ...
    Record(String),
}

/// An event, by reference: it renders the object as it is now, where Persona keeps a copy of
/// it as it was (a simplification that keeps memory flat under load).
pub struct Event {
    pub id: String,
    pub name: &'static str,
    pub created_at: DateTime<Utc>,
    pub subject: Subject,
}

/// Records the spec's event for what happened to a record, if the spec has one: named for its
/// type (`report/watchlist.ready`), else for its type's family (`verification.passed` for a
/// `verification/government-id`).
fn announce(
    events: &mut Collection<Event>,
    json_type: &str,
    id: &str,
    happening: &str,
    now: DateTime<Utc>,
) {
    let name = [json_type, family(json_type)].into_iter().find_map(|name| {
        let name = format!("{name}.{happening}");
        EVENTS
            .binary_search(&name.as_str())
            .ok()
            .map(|index| EVENTS[index])
    });
    if let Some(name) = name {
        record(events, name, Subject::Record(id.to_string()), now);
    }
}

pub(crate) fn record(
    events: &mut Collection<Event>,
    name: &'static str,
    subject: Subject,
    now: DateTime<Utc>,
) {
    let id = new_id(EventId::PREFIX);
    events.insert(
        id.clone(),
        Event {
            id,
            name,
            created_at: now,
            subject,
        },
    );
}

pub struct Session {
    pub id: String,
    pub inquiry_id: String,
    pub status: InquirySessionStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
}

/// Objects kept in creation order, found by id.
pub struct Collection<T> {
    by_id: HashMap<String, T>,
    order: Vec<String>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            by_id: HashMap::new(),
            order: Vec::new(),
        }
    }
}

impl<T> Collection<T> {
    pub(crate) fn insert(&mut self, id: String, value: T) {
        self.order.push(id.clone());
        self.by_id.insert(id, value);
    }

    pub fn get(&self, id: &str) -> Result<&T, ApiError> {
        self.by_id.get(id).ok_or_else(ApiError::not_found)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Result<&mut T, ApiError> {
        self.by_id.get_mut(id).ok_or_else(ApiError::not_found)
    }

    /// Every object, in no order, to change.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.by_id.values_mut()
    }

    /// Newest first, as Persona lists.
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        self.order.iter().rev().map(|id| &self.by_id[id])
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The ids inserted from position `start` on, oldest first.
    pub fn ids_from(&self, start: usize) -> &[String] {
        self.order.get(start..).unwrap_or_default()
    }
}

/// Every other product's records: one collection in creation order, and where each JSON:API
/// type's records are in it, so a type's records are found without walking every other
/// type's (an inquiry's account, a list of webhooks on each event).
#[derive(Default)]
pub struct Records {
    all: Collection<Record>,
    /// Positions in `all`, oldest first, by type.
    by_type: HashMap<&'static str, Vec<usize>>,
}

impl Records {
    pub(crate) fn insert(&mut self, record: Record) {
        self.by_type
            .entry(record.kind.json_type)
            .or_default()
            .push(self.all.len());
        self.all.insert(record.id.clone(), record);
    }

    pub fn get(&self, id: &str) -> Result<&Record, ApiError> {
        self.all.get(id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Result<&mut Record, ApiError> {
        self.all.get_mut(id)
    }

    /// Every record, in no order, to change.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut Record> {
        self.all.values_mut()
    }

    /// The records of these types, newest first, as Persona lists.
    pub fn of_types<'a>(&'a self, types: &[&str]) -> impl Iterator<Item = &'a Record> + use<'a> {
        let mut positions: Vec<usize> = types
            .iter()
            .filter_map(|json_type| self.by_type.get(json_type))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable_by(|left, right| right.cmp(left));
        let ids = self.all.ids_from(0);
        positions
            .into_iter()
            .filter_map(move |position| self.all.get(&ids[position]).ok())
    }
}

#[derive(Default)]
pub struct Store {
    pub inquiries: Collection<Inquiry>,
    pub sessions: Collection<Session>,
    pub events: Collection<Event>,
    /// Every other product's resources, of any type (`generic.rs` serves them).
    pub records: Records,
    /// When the reports made run.
    pub reports: reports::Schedule,
}

/// What create returns besides the inquiry: the tokens asked for in `meta`.
#[derive(Default)]
pub struct CreatedMeta {
    pub session_token: Option<String>,
    pub one_time_link: Option<String>,
}

impl Store {
    /// Records the event `<type>.<happening>` (`account.created`) about a record of the
    /// generic store, when the spec has one.
    pub fn announce(&mut self, json_type: &str, id: &str, happening: &str, now: DateTime<Utc>) {
        announce(&mut self.events, json_type, id, happening, now);
    }

    /// The account an inquiry lands on: the one named by `account-id` (which must exist), else
    /// the one with its reference id; `None` when a new one is to be made (`new_account`), as
    /// Persona makes one for every inquiry that names none.
    fn account_for(
        &self,
        account_id: Option<&str>,
        reference_id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        if let Some(id) = account_id {
            return match self.records.get(id) {
                Ok(account) if account.kind.json_type == accounts::TYPE => Ok(Some(id.to_string())),
                _ => Err(ApiError::unprocessable(
                    format!("data.attributes.account-id: no account {id}"),
                    "/data/attributes/account-id",
                )),
            };
        }
        Ok(reference_id.and_then(|reference| accounts::by_reference(self, reference)))
    }

    /// A new account with this id (and reference id), announced.
    fn new_account(
        &mut self,
        id: &str,
        reference_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let mut account = Record::of_type(accounts::TYPE, now)?;
        account.id = id.to_string();
        if let Some(reference) = reference_id {
            account
                .attributes
                .insert("reference-id".into(), Value::String(reference.to_string()));
        }
        self.records.insert(account);
        self.announce(accounts::TYPE, id, "created", now);
        Ok(())
    }

    /// A store with the mock's templates: `default_template_id` and the guide's placeholder,
    /// and the sandbox's other templates and types (`sandbox.rs`).
    pub fn with_templates(default_template_id: &str, now: DateTime<Utc>) -> Store {
        let mut store = Store::default();
        for (id, name) in [
            (default_template_id, "Government ID and selfie"),
            ("itmpl_YOURTEMPLATEID", "Getting-started guide placeholder"),
        ] {
            inquiry_templates::seed(&mut store, id, name, now);
        }
        crate::sandbox::seed(&mut store, now);
        store
    }

    pub fn create_inquiry(
        &mut self,
        request: types::CreateInquiryRequest,
        now: DateTime<Utc>,
    ) -> Result<(String, CreatedMeta), ApiError> {
        let attributes = request.data.attributes;
        let meta = request.meta;
        let (template_id, template_version_id) = match (
            &attributes.inquiry_template_id,
            &attributes.inquiry_template_version_id,
            &attributes.template_id,
        ) {
            (Some(id), None, None) => {
                check_prefix("inquiry_template_id", id, "itmpl")?;
                let version = inquiry_templates::published_version(self, id)?;
                (id.to_string(), version.id.clone())
            }
            (None, Some(id), None) => {
                check_prefix("inquiry_template_version_id", id, "itmplv")?;
                (
                    inquiry_templates::template_of_version(self, id)?,
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
        let account = self.account_for(
            attributes.account_id.as_deref(),
            attributes.reference_id.as_deref(),
        )?;
        let fields = attributes
            .fields
            .as_ref()
            .map(field_values)
            .unwrap_or_default();
        check_field_names(&fields)?;
        let id = new_id(InquiryId::PREFIX);
        let inquiry = Inquiry {
            id: id.clone(),
            status: InquiryStatus::Created,
            reference_id: attributes.reference_id,
            note: attributes.note,
            tags: attributes.tags.unwrap_or_default(),
            reviewer_comment: None,
            created_at: now,
            updated_at: now,
            started_at: None,
            expires_at: Some(now + EXPIRES_AFTER),
            completed_at: None,
            failed_at: None,
            marked_for_review_at: None,
            decisioned_at: None,
            expired_at: None,
            redacted_at: None,
            template_id,
            template_version_id,
            account_id: account.clone().unwrap_or_else(|| new_id(AccountId::PREFIX)),
            redirect_uri: attributes.redirect_uri,
            fields,
            session_ids: Vec::new(),
            children: Vec::new(),
        };
        if account.is_none() {
            let reference_id = inquiry.reference_id.clone();
            self.new_account(&inquiry.account_id, reference_id.as_deref(), now)?;
        }
        self.inquiries.insert(id.clone(), inquiry);
        record(
            &mut self.events,
            "inquiry.created",
            Subject::Inquiry(id.clone()),
            now,
        );
        let mut created = CreatedMeta::default();
        let meta = meta.unwrap_or_default();
        // Asking for a session token, a one-time link or both opens one session.
        let wants_session = meta.auto_create_inquiry_session == Some(true);
        let wants_link = meta.auto_create_one_time_link == Some(true);
        if wants_session || wants_link {
            let (session_id, token) = self.open_session(&id, now)?;
            created.session_token = wants_session.then_some(token);
            created.one_time_link = wants_link.then(|| one_time_link(&session_id));
        }
        Ok((id, created))
    }

    pub fn inquiry(&self, id: &str) -> Result<&Inquiry, ApiError> {
        self.inquiries.get(id)
    }

    pub fn update_inquiry(
        &mut self,
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
        let inquiry = writable(&mut self.inquiries, id)?;
        if let Some(note) = attributes.note {
            inquiry.note = note.into_value();
        }
        match attributes.fields {
            Some(Clearable::Set(_)) => inquiry.fields.extend(fields.unwrap_or_default()),
            Some(Clearable::Clear) => inquiry
                .fields
                .values_mut()
                .for_each(|value| *value = Value::Null),
            None => {}
        }
        if !attributes.tags.is_empty() {
            inquiry.tags = attributes.tags;
        }
        if let Some(redirect_uri) = attributes.redirect_uri {
            inquiry.redirect_uri = redirect_uri.into_value();
        }
        inquiry.updated_at = now;
        Ok(())
    }

    pub fn redact_inquiry(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let inquiry = self.inquiries.get_mut(id)?;
        if inquiry.redacted_at.is_some() {
            return Err(ApiError::conflict("Inquiry already redacted"));
        }
        inquiry.fields.clear();
        inquiry.reference_id = None;
        inquiry.note = None;
        inquiry.reviewer_comment = None;
        inquiry.redacted_at = Some(now);
        inquiry.updated_at = now;
        record(
            &mut self.events,
            "inquiry.redacted",
            Subject::Inquiry(id.to_string()),
            now,
        );
        // Its children with it: the verifications it ran and what they captured.
        for child in &inquiry.children {
            if let Ok(child) = self.records.get_mut(&child.id) {
                child.redact(now);
            }
        }
        Ok(())
    }

    pub fn decide(
        &mut self,
        id: &str,
        to: InquiryStatus,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let inquiry = writable(&mut self.inquiries, id)?;
        if to == InquiryStatus::NeedsReview
            && matches!(
                inquiry.status,
                InquiryStatus::Approved | InquiryStatus::Declined
            )
        {
            return Err(ApiError::conflict(format!(
                "Cannot mark an inquiry for review once it is {}",
                inquiry.status
            )));
        }
        if comment.is_some() {
            inquiry.reviewer_comment = comment;
        }
        transition(inquiry, &mut self.events, &mut self.sessions, to, now);
        Ok(())
    }

    pub fn expire_inquiry(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let inquiry = writable(&mut self.inquiries, id)?;
        transition(
            inquiry,
            &mut self.events,
            &mut self.sessions,
            InquiryStatus::Expired,
            now,
        );
        let session_ids = inquiry.session_ids.clone();
        for session_id in session_ids {
            self.expire_session(&session_id, now)?;
        }
        Ok(())
    }

    /// A session token to continue the inquiry; an expired inquiry becomes pending again.
    pub fn resume_inquiry(&mut self, id: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
        let inquiry = writable(&mut self.inquiries, id)?;
        match inquiry.status {
            InquiryStatus::Created | InquiryStatus::Pending => {}
            InquiryStatus::Expired => {
                transition(
                    inquiry,
                    &mut self.events,
                    &mut self.sessions,
                    InquiryStatus::Pending,
                    now,
                );
                inquiry.expires_at = Some(now + EXPIRES_AFTER);
            }
            ref other => {
                return Err(ApiError::conflict(format!(
                    "Cannot resume an inquiry that is {other}"
                )));
            }
        }
        Ok(self.open_session(id, now)?.1)
    }

    pub fn generate_one_time_link(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        if writable(&mut self.inquiries, id)?.status == InquiryStatus::Expired {
            return Err(ApiError::conflict(
                "Cannot generate a one-time link for an expired inquiry; resume it first",
            ));
        }
        let (session_id, _) = self.open_session(id, now)?;
        Ok(one_time_link(&session_id))
    }

    pub fn add_tag(
        &mut self,
        id: &str,
        tag: types::InquiryTagRequest,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let name = tag_name(tag.meta)?;
        self.retag(id, now, |tags| {
            if !tags.contains(&name) {
                tags.push(name);
            }
        })
    }

    pub fn remove_tag(
        &mut self,
        id: &str,
        tag: types::InquiryTagRequest,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let name = tag_name(tag.meta)?;
        self.retag(id, now, |tags| tags.retain(|existing| *existing != name))
    }

    pub fn set_tags(
        &mut self,
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
        self.retag(id, now, |current| *current = tags.meta.tag_name)
    }

    /// Changes an inquiry's tags; records `inquiry.updated-tags` when they changed.
    fn retag(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Vec<String>),
    ) -> Result<(), ApiError> {
        let inquiry = writable(&mut self.inquiries, id)?;
        let before = inquiry.tags.clone();
        change(&mut inquiry.tags);
        inquiry.updated_at = now;
        if inquiry.tags != before {
            record(
                &mut self.events,
                "inquiry.updated-tags",
                Subject::Inquiry(id.to_string()),
                now,
            );
        }
        Ok(())
    }

    /// Applies the actions in order, all or none: every action is checked against the status
    /// the ones before it lead to, and the first that is not allowed refuses the request,
    /// naming its position, before anything changes.
    pub fn simulate(
        &mut self,
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
        let mut status = writable(&mut self.inquiries, id)?.status.clone();
        let mut steps = Vec::new();
        for (index, action) in request.meta.simulate_actions.into_iter().enumerate() {
            let pointer = format!("/meta/simulate-actions/{index}");
            let from = status.clone();
            let allowed_from_open = matches!(from, InquiryStatus::Created | InquiryStatus::Pending);
            let (to, allowed) = match action.type_ {
                SimulateActionType::StartInquiry => {
                    (InquiryStatus::Pending, from == InquiryStatus::Created)
                }
                SimulateActionType::CompleteInquiry => {
                    (InquiryStatus::Completed, allowed_from_open)
                }
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
        let inquiry = writable(&mut self.inquiries, id)?;
        for step in steps {
            match step {
                Step::MoveTo(to) => {
                    transition(inquiry, &mut self.events, &mut self.sessions, to, now);
                }
                Step::AddVerification {
                    passed,
                    kind,
                    template,
                } => {
                    let run = kind.run(&inquiry.id, &inquiry.fields, &template, passed, now)?;
                    for (record, happening) in run.happenings() {
                        let json_type = record.kind.json_type;
                        announce(&mut self.events, json_type, &record.id, happening, now);
                    }
                    for record in [Some(run.verification), run.capture].into_iter().flatten() {
                        inquiry.children.push(Child {
                            json_type: record.kind.json_type,
                            id: record.id.clone(),
                        });
                        self.records.insert(record);
                    }
                    inquiry.updated_at = now;
                }
            }
        }
        Ok(())
    }

    /// Opens a session on an inquiry; returns its id and token.
    fn open_session(
        &mut self,
        inquiry_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, String), ApiError> {
        let inquiry = self.inquiries.get_mut(inquiry_id)?;
        if inquiry.session_ids.len() >= MAX_SESSIONS_PER_INQUIRY {
            return Err(ApiError::unprocessable(
                format!("an inquiry can have at most {MAX_SESSIONS_PER_INQUIRY} sessions"),
                "/data/attributes/inquiry-id",
            ));
        }
        let id = new_id(InquirySessionId::PREFIX);
        inquiry.session_ids.push(id.clone());
        self.sessions.insert(
            id.clone(),
            Session {
                id: id.clone(),
                inquiry_id: inquiry_id.to_string(),
                status: InquirySessionStatus::New,
                created_at: now,
                started_at: None,
                expired_at: None,
            },
        );
        // A JWT-shaped opaque token, as Persona's session tokens are.
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{}.{}", new_id(""), new_id(""));
        Ok((id, token))
    }

    pub fn create_session(
        &mut self,
        request: types::CreateInquirySessionRequest,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let inquiry_id = request.data.attributes.inquiry_id;
        check_prefix("inquiry_id", &inquiry_id, "inq")?;
        writable(&mut self.inquiries, &inquiry_id)?;
        Ok(self.open_session(&inquiry_id, now)?.0)
    }

    pub fn session(&self, id: &str) -> Result<&Session, ApiError> {
        self.sessions.get(id)
    }

    pub fn expire_session(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let session = self.sessions.get_mut(id)?;
        if session.status != InquirySessionStatus::Expired {
            session.status = InquirySessionStatus::Expired;
            session.expired_at = Some(now);
            record(
                &mut self.events,
                "inquiry-session.expired",
                Subject::Session(id.to_string()),
                now,
            );
        }
        Ok(())
    }

    /// Expires the open sessions of each inquiry, all or none: an unknown inquiry refuses the
    /// request (422) before any session changes. Returns the ids of the sessions it expired.
    pub fn expire_all_sessions(
        &mut self,
        inquiry_ids: &[InquiryId],
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, ApiError> {
        let mut session_ids = Vec::new();
        for (index, inquiry_id) in inquiry_ids.iter().enumerate() {
            // The ids are in the body, so an unknown one is a 422 that points at it (the
            // operation documents no 404).
            let inquiry = self.inquiries.get(inquiry_id).map_err(|_| {
                ApiError::unprocessable(
                    format!("no inquiry {inquiry_id}"),
                    &format!("/meta/inquiry-ids/{index}"),
                )
            })?;
            session_ids.extend(inquiry.session_ids.iter().cloned());
        }
        let mut expired = Vec::new();
        for session_id in session_ids {
            if self.sessions.get(&session_id)?.status != InquirySessionStatus::Expired {
                self.expire_session(&session_id, now)?;
                expired.push(session_id);
            }
        }
        Ok(expired)
    }

    pub fn session_link(&mut self, id: &str) -> Result<String, ApiError> {
        let session = self.sessions.get(id)?;
        if session.status == InquirySessionStatus::Expired {
            return Err(ApiError::conflict(
                "Cannot generate a one-time link for an expired session",
            ));
        }
        Ok(one_time_link(id))
    }
}

/// The inquiry, refusing changes once it is redacted.
fn writable<'a>(
    inquiries: &'a mut Collection<Inquiry>,
    id: &str,
) -> Result<&'a mut Inquiry, ApiError> {
    let inquiry = inquiries.get_mut(id)?;
    if inquiry.redacted_at.is_some() {
        return Err(ApiError::conflict("Inquiry has been redacted"));
    }
    Ok(inquiry)
}

/// What an inquiry's sessions do when it moves to `to`: starting it opens its newest session
/// not yet opened (`inquiry-session.started`); a decision cancels the sessions still open
/// (`inquiry-session.canceled`), since nobody can go on in them.
fn sessions_follow(
    sessions: &mut Collection<Session>,
    events: &mut Collection<Event>,
    session_ids: &[String],
    to: &InquiryStatus,
    now: DateTime<Utc>,
) {
    let status_of = |id: &String| sessions.get(id).map(|session| session.status.clone()).ok();
    let (targets, status, name): (Vec<String>, _, _) = match to {
        InquiryStatus::Pending => (
            session_ids
                .iter()
                .rev()
                .find(|id| status_of(id) == Some(InquirySessionStatus::New))
                .cloned()
                .into_iter()
                .collect(),
            InquirySessionStatus::Active,
            "inquiry-session.started",
        ),
        InquiryStatus::Approved | InquiryStatus::Declined => (
            session_ids
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
            "inquiry-session.canceled",
        ),
        _ => return,
    };
    for id in targets {
        if let Ok(session) = sessions.get_mut(&id) {
            if status == InquirySessionStatus::Active {
                session.started_at = Some(now);
            }
            session.status = status.clone();
            record(events, name, Subject::Session(id), now);
        }
    }
}

/// Sets the status and the timestamp that goes with it, records the event Persona sends, and
/// moves the inquiry's sessions along ([`sessions_follow`]).
fn transition(
    inquiry: &mut Inquiry,
    events: &mut Collection<Event>,
    sessions: &mut Collection<Session>,
    to: InquiryStatus,
    now: DateTime<Utc>,
) {
    let name = match to {
        InquiryStatus::Pending => "inquiry.started",
        InquiryStatus::Completed => "inquiry.completed",
        InquiryStatus::Failed => "inquiry.failed",
        InquiryStatus::Expired => "inquiry.expired",
        InquiryStatus::NeedsReview => "inquiry.marked-for-review",
        InquiryStatus::Approved => "inquiry.approved",
        InquiryStatus::Declined => "inquiry.declined",
        _ => "inquiry.transitioned",
    };
    record(events, name, Subject::Inquiry(inquiry.id.clone()), now);
    match to {
        InquiryStatus::Pending => inquiry.started_at = inquiry.started_at.or(Some(now)),
        InquiryStatus::Completed => inquiry.completed_at = Some(now),
        InquiryStatus::Failed => inquiry.failed_at = Some(now),
        InquiryStatus::Expired => inquiry.expired_at = Some(now),
        InquiryStatus::NeedsReview => inquiry.marked_for_review_at = Some(now),
        InquiryStatus::Approved | InquiryStatus::Declined => inquiry.decisioned_at = Some(now),
        _ => {}
    }
    sessions_follow(sessions, events, &inquiry.session_ids, &to, now);
    inquiry.status = to;
    inquiry.updated_at = now;
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
        !inquiry_templates::TEMPLATE_FIELDS
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
    format!(
        "https://withpersona.com/verify?code=otl_{}",
        &session_id[InquirySessionId::PREFIX.len()..]
    )
}

/// `page[...]` parameters, checked.
#[derive(Debug, Default, Clone)]
pub struct PageRequest {
    pub after: Option<String>,
    pub before: Option<String>,
    pub size: usize,
}

pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 100;

impl PageRequest {
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        size: Option<i64>,
    ) -> Result<PageRequest, ApiError> {
        let size = match size {
            None => DEFAULT_PAGE_SIZE,
            Some(size) if (1..=MAX_PAGE_SIZE as i64).contains(&size) => size as usize,
            Some(size) => {
                return Err(ApiError::bad_request(format!(
                    "page[size] must be between 1 and {MAX_PAGE_SIZE} (sent '{size}')"
                )));
            }
        };
        if after.is_some() && before.is_some() {
            return Err(ApiError::bad_request(
                "page[after] and page[before] cannot be used together",
            ));
        }
        Ok(PageRequest {
            after,
            before,
            size,
        })
    }
}

/// One page of `items` (already in display order) and the cursors of its neighbours.
pub struct Page<T> {
    pub items: Vec<T>,
    pub prev_cursor: Option<String>,
    pub next_cursor: Option<String>,
}

/// Cuts a page out of `items` by the ids in the cursor; every list and search uses it.
pub fn paginate<T>(
    items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    page: &PageRequest,
) -> Result<Page<T>, ApiError> {
    let position = |cursor: &str, name: &str| {
        items
            .iter()
            .position(|item| id_of(item) == cursor)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name} must be the id of an object in this list (sent '{cursor}')"
                ))
            })
    };
    let (start, end) = match (&page.after, &page.before) {
        (Some(after), _) => {
            let start = position(after, "page[after]")? + 1;
            (start, (start + page.size).min(items.len()))
        }
        (None, Some(before)) => {
            let end = position(before, "page[before]")?;
            (end.saturating_sub(page.size), end)
        }
        (None, None) => (0, page.size.min(items.len())),
    };
    let more_before = start > 0;
    let more_after = end < items.len();
    let mut items = items;
    items.truncate(end);
    let items: Vec<T> = items.into_iter().skip(start).collect();
    Ok(Page {
        prev_cursor: if more_before {
            items.first().map(|item| id_of(item).to_string())
        } else {
            None
        },
        next_cursor: if more_after {
            items.last().map(|item| id_of(item).to_string())
        } else {
            None
        },
        items,
    })
}

/// Filters of `GET /inquiries`, already parsed.
#[derive(Default)]
pub struct InquiryFilter {
    pub inquiry_ids: Option<Vec<String>>,
    pub account_ids: Option<Vec<String>>,
    pub template_ids: Option<Vec<String>>,
    pub legacy_template_ids: Option<Vec<String>>,
    pub statuses: Option<Vec<String>>,
    pub note: Option<String>,
    pub reference_id: Option<String>,
    pub created_at_start: Option<DateTime<Utc>>,
    pub created_at_end: Option<DateTime<Utc>>,
}

impl InquiryFilter {
    pub fn matches(&self, inquiry: &Inquiry) -> bool {
        let listed = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref()
                .is_none_or(|list| list.iter().any(|item| item == value))
        };
        listed(&self.inquiry_ids, &inquiry.id)
            && listed(&self.account_ids, &inquiry.account_id)
            && listed(&self.template_ids, &inquiry.template_id)
            && self.legacy_template_ids.is_none()
            && listed(&self.statuses, inquiry.status.as_str())
            && self
                .note
                .as_ref()
                .is_none_or(|note| inquiry.note.as_ref() == Some(note))
            && self
                .reference_id
                .as_ref()
                .is_none_or(|reference| inquiry.reference_id.as_ref() == Some(reference))
            && self
                .created_at_start
                .is_none_or(|start| inquiry.created_at >= start)
            && self
                .created_at_end
                .is_none_or(|end| inquiry.created_at <= end)
    }
}

/// Sessions in display order, optionally of one inquiry.
pub fn sessions_of<'a>(store: &'a Store, inquiry_id: Option<&str>) -> Vec<&'a Session> {
    store
        .sessions
        .newest_first()
        .filter(|session| inquiry_id.is_none_or(|id| session.inquiry_id == id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_types_records_come_newest_first_without_the_others() {
        let mut records = Records::default();
        let now = Utc::now();
        let mut made = Vec::new();
        for json_type in [
            "report/watchlist",
            "account",
            "report/adverse-media",
            "account",
        ] {
            let record = Record::of_type(json_type, now).expect("a record of a type of the spec");
            made.push(record.id.clone());
            records.insert(record);
        }
        let ids = |types: &[&str]| -> Vec<String> {
            records
                .of_types(types)
                .map(|record| record.id.clone())
                .collect()
        };
        assert_eq!(ids(&["account"]), [made[3].clone(), made[1].clone()]);
        assert_eq!(
            ids(&["report/watchlist", "report/adverse-media"]),
            [made[2].clone(), made[0].clone()]
        );
        assert!(ids(&["case"]).is_empty());
    }
}
