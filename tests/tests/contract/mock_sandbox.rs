//! persona-mock against the contract: every operation through the generated client, every raw
//! response against the spec's schemas, the getting-started guide's curl command, and the
//! behaviours Persona documents (errors, pagination, idempotency, rate limits, faults).

use std::collections::BTreeSet;

use futures::StreamExt;
use persona_api::types::{self, SimulateActionType};
use persona_api::{Clearable, Client, Error, InquirySessionStatus, InquiryStatus, RetryPolicy};
use persona_api_tests::fixtures::guide;
use persona_api_tests::schema_check::violations;
use persona_api_tests::{TEST_API_KEY, create_jane_doe, jane_doe, operation, operations};
use persona_mock::{Fault, MockServer};
use reqwest::Method;
use serde_json::{Value, json};

/// A mock and a client that does not retry: these tests look at the mock's own answers.
async fn sandbox() -> (MockServer, Client) {
    let mock = MockServer::start().await.expect("the mock starts");
    let client = client_for(&mock);
    (mock, client)
}

fn client_for(mock: &MockServer) -> Client {
    Client::builder(TEST_API_KEY)
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid settings")
}

fn actions(kinds: &[SimulateActionType]) -> types::SimulateActionsRequest {
    let actions: Vec<types::SimulateAction> = kinds
        .iter()
        .map(|kind| {
            types::SimulateAction::builder()
                .type_(*kind)
                .try_into()
                .expect("action")
        })
        .collect();
    types::SimulateActionsRequest::builder()
        .meta(types::SimulateActionsRequestMeta::builder().simulate_actions(actions))
        .try_into()
        .expect("request")
}

/// The status, title and details of the error response a call got.
fn api_error<T: std::fmt::Debug, E: Into<Error>>(
    result: Result<T, E>,
) -> (u16, String, Option<String>) {
    let error: Error = result.map_err(Into::into).expect_err("an error response");
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected an API error, got {error:?}"));
    let first = api.errors.first().expect("one error");
    (
        api.status.as_u16(),
        first.title.clone().unwrap_or_default(),
        first.details.clone(),
    )
}

#[tokio::test]
async fn every_operation_works_through_the_client() {
    let (mock, c) = sandbox().await;
    let mut seen = BTreeSet::new();
    let mut saw = |id: &str| {
        seen.insert(id.to_string());
    };

    let created = c
        .create_inquiry()
        .body(jane_doe(mock.template_id()))
        .send()
        .await
        .expect("creates");
    assert_eq!(created.status().as_u16(), 201);
    let inquiry = created.into_inner().data;
    let id = inquiry.id.as_str();
    assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Created));
    saw("createInquiry");

    let retrieved = c
        .retrieve_inquiry()
        .inquiry_id(id)
        .include("inquiry-template,sessions")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(
        retrieved.data.attributes.name_first.as_deref(),
        Some("Jane")
    );
    assert_eq!(
        retrieved.included.expect("included")[0].type_,
        "inquiry-template"
    );
    saw("retrieveInquiry");

    let list = c
        .list_inquiries()
        .filter_status("created")
        .send()
        .await
        .expect("lists")
        .into_inner();
    assert_eq!(list.data.len(), 1);
    saw("listInquiries");

    let update = types::UpdateInquiryRequest::builder().data(
        types::UpdateInquiryRequestData::builder().attributes(
            types::UpdateInquiryAttributes::builder().note(Some("called back".to_string().into())),
        ),
    );
    let updated = c
        .update_inquiry()
        .inquiry_id(id)
        .body(update)
        .send()
        .await
        .expect("updates")
        .into_inner();
    assert_eq!(updated.data.attributes.note.as_deref(), Some("called back"));
    saw("updateInquiry");

    let tag = |name: &str| {
        types::InquiryTagRequest::builder()
            .meta(types::InquiryTagRequestMeta::builder().tag_name(name.to_string()))
    };
    c.add_inquiry_tag()
        .inquiry_id(id)
        .body(tag("vip"))
        .send()
        .await
        .expect("adds a tag");
    c.add_inquiry_tag()
        .inquiry_id(id)
        .body(tag("manual"))
        .send()
        .await
        .expect("adds a tag");
    let removed = c
        .remove_inquiry_tag()
        .inquiry_id(id)
        .body(tag("vip"))
        .send()
        .await
        .expect("removes")
        .into_inner();
    assert_eq!(
        removed.data.attributes.tags,
        Some(vec![Some("manual".to_string())])
    );
    let set = types::SetInquiryTagsRequest::builder().meta(
        types::SetInquiryTagsRequestMeta::builder()
            .tag_name(vec!["a".to_string(), "b".to_string()]),
    );
    let tagged = c
        .set_inquiry_tags()
        .inquiry_id(id)
        .body(set)
        .send()
        .await
        .expect("sets")
        .into_inner();
    assert_eq!(
        tagged.data.attributes.tags,
        Some(vec![Some("a".to_string()), Some("b".to_string())])
    );
    saw("addInquiryTag");
    saw("removeInquiryTag");
    saw("setInquiryTags");

    let link = c
        .generate_inquiry_one_time_link()
        .inquiry_id(id)
        .send()
        .await
        .expect("links")
        .into_inner();
    assert!(
        link.meta
            .one_time_link
            .starts_with("https://withpersona.com/verify?code=otl_")
    );
    saw("generateInquiryOneTimeLink");

    let sessions = c
        .list_inquiry_sessions()
        .filter_inquiry_id(id)
        .send()
        .await
        .expect("lists sessions")
        .into_inner();
    assert_eq!(sessions.data.len(), 1);
    let session_id = sessions.data[0].id.clone();
    saw("listInquirySessions");
    let session_body = types::CreateInquirySessionRequest::builder().data(
        types::CreateInquirySessionRequestData::builder().attributes(
            types::CreateInquirySessionRequestDataAttributes::builder().inquiry_id(id.to_string()),
        ),
    );
    let new_session = c
        .create_inquiry_session()
        .body(session_body)
        .send()
        .await
        .expect("opens a session");
    assert_eq!(new_session.status().as_u16(), 201);
    saw("createInquirySession");
    let session = c
        .retrieve_inquiry_session()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(
        session.data.attributes.status,
        Some(InquirySessionStatus::New)
    );
    saw("retrieveInquirySession");
    let session_link = c
        .generate_inquiry_session_one_time_link()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("links")
        .into_inner();
    assert!(session_link.meta.one_time_link.contains("otl_"));
    saw("generateInquirySessionOneTimeLink");
    let expired = c
        .expire_inquiry_session()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("expires")
        .into_inner();
    assert_eq!(
        expired.data.attributes.status,
        Some(InquirySessionStatus::Expired)
    );
    saw("expireInquirySession");
    let expire_all = types::ExpireAllInquirySessionsRequest::builder().meta(
        types::ExpireAllInquirySessionsRequestMeta::builder().inquiry_ids(vec![id.to_string()]),
    );
    let all = c
        .expire_all_inquiry_sessions()
        .body(expire_all)
        .send()
        .await
        .expect("expires all")
        .into_inner();
    assert_eq!(all.data.len(), 1, "only the session still open is expired");
    saw("expireAllInquirySessions");

    let expired = c
        .expire_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("expires")
        .into_inner();
    assert_eq!(expired.data.attributes.status, Some(InquiryStatus::Expired));
    saw("expireInquiry");
    let resumed = c
        .resume_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("resumes")
        .into_inner();
    assert_eq!(resumed.data.attributes.status, Some(InquiryStatus::Pending));
    assert!(resumed.meta.session_token.starts_with("eyJ"));
    saw("resumeInquiry");

    let completed = c
        .simulate_inquiry_actions()
        .inquiry_id(id)
        .body(actions(&[SimulateActionType::CompleteInquiry]))
        .send()
        .await
        .expect("simulates");
    assert_eq!(
        completed.into_inner().data.attributes.status,
        Some(InquiryStatus::Completed)
    );
    saw("simulateInquiryActions");
    let review = c
        .mark_inquiry_for_review()
        .inquiry_id(id)
        .send()
        .await
        .expect("marks")
        .into_inner();
    assert_eq!(
        review.data.attributes.status,
        Some(InquiryStatus::NeedsReview)
    );
    saw("markInquiryForReview");
    let declined = c
        .decline_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("declines")
        .into_inner();
    assert_eq!(
        declined.data.attributes.status,
        Some(InquiryStatus::Declined)
    );
    saw("declineInquiry");
    // An optional nested object takes `Some(..)` of the built value: typify builders do not
    // convert a builder into an `Option`.
    let meta: types::InquiryDecisionRequestMeta = types::InquiryDecisionRequestMeta::builder()
        .comment("second look".to_string())
        .try_into()
        .expect("meta");
    let decision = types::InquiryDecisionRequest::builder().meta(Some(meta));
    let approved = c
        .approve_inquiry()
        .inquiry_id(id)
        .body(decision)
        .send()
        .await
        .expect("approves")
        .into_inner();
    assert_eq!(
        approved.data.attributes.status,
        Some(InquiryStatus::Approved)
    );
    assert_eq!(
        approved.data.attributes.reviewer_comment.as_deref(),
        Some("second look")
    );
    saw("approveInquiry");

    let search = types::SearchInquiriesRequest::builder().query(types::SearchQuery::Predicate(
        types::SearchPredicate {
            attribute: "status".to_string(),
            operator: types::SearchOperator::Eq,
            value: types::SearchValue::String("approved".to_string()),
        },
    ));
    let found = c
        .search_inquiries()
        .body(search)
        .send()
        .await
        .expect("searches")
        .into_inner();
    assert_eq!(
        found
            .data
            .iter()
            .map(|inquiry| inquiry.id.as_str())
            .collect::<Vec<_>>(),
        vec![id]
    );
    saw("searchInquiries");

    let pdf = c
        .print_inquiry_pdf()
        .inquiry_id(id)
        .send()
        .await
        .expect("prints");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let mut stream = pdf.into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("a chunk"));
    }
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
    saw("printInquiryPdf");

    let redacted = c
        .redact_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("redacts")
        .into_inner();
    assert!(redacted.data.attributes.redacted_at.is_some());
    assert_eq!(redacted.data.attributes.name_first, None, "PII is gone");
    saw("redactInquiry");

    let templates = c
        .list_inquiry_templates()
        .send()
        .await
        .expect("lists templates")
        .into_inner();
    assert!(
        templates
            .data
            .iter()
            .any(|template| template.id == mock.template_id())
    );
    saw("listInquiryTemplates");
    let template = c
        .retrieve_inquiry_template()
        .inquiry_template_id(mock.template_id())
        .include("latest-published-version")
        .send()
        .await;
    assert_eq!(
        template
            .expect("retrieves")
            .into_inner()
            .included
            .expect("included")
            .len(),
        1
    );
    saw("retrieveInquiryTemplate");
    let translation: types::Translation =
        serde_json::from_value(json!({"step": "start", "component": "title", "attribute-name": "text", "locale-values": [{"locale": "fr", "value": "Bonjour"}]}))
            .expect("translation");
    let import = types::ImportTranslationsRequest::builder().data(
        types::ImportTranslationsRequestData::builder().attributes(
            types::ImportTranslationsRequestDataAttributes::builder()
                .translations(vec![translation]),
        ),
    );
    let draft = c
        .import_inquiry_template_translations()
        .inquiry_template_id(mock.template_id())
        .body(import)
        .send()
        .await
        .expect("imports")
        .into_inner();
    assert_eq!(
        draft.data.attributes.status,
        Some(persona_api::InquiryTemplateVersionStatus::Draft)
    );
    saw("importInquiryTemplateTranslations");
    let translations = c
        .retrieve_inquiry_template_translations()
        .inquiry_template_id(mock.template_id())
        .send()
        .await
        .expect("translations");
    assert!(
        translations
            .into_inner()
            .data
            .attributes
            .translations
            .is_empty(),
        "imports land in a draft, not the published version"
    );
    saw("retrieveInquiryTemplateTranslations");
    let versions = c
        .list_inquiry_template_versions()
        .filter_inquiry_template_id(mock.template_id())
        .send()
        .await
        .expect("lists versions")
        .into_inner();
    assert_eq!(versions.data.len(), 2);
    assert_eq!(versions.data[0].id, draft.data.id, "newest first");
    saw("listInquiryTemplateVersions");

    let events = c
        .list_events()
        .filter_object_id(id)
        .send()
        .await
        .expect("lists events")
        .into_inner();
    let names: Vec<&str> = events
        .data
        .iter()
        .filter_map(|event| event.attributes.name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "inquiry.redacted",
            "inquiry.approved",
            "inquiry.declined",
            "inquiry.marked-for-review",
            "inquiry.completed",
            "inquiry.started",
            "inquiry.expired",
            "inquiry.created"
        ],
        "newest first"
    );
    saw("listEvents");
    let event = c
        .retrieve_event()
        .event_id(&events.data[1].id)
        .send()
        .await
        .expect("retrieves an event")
        .into_inner();
    let payload = event
        .data
        .attributes
        .payload
        .and_then(|payload| payload.data)
        .expect("a payload");
    assert_eq!(
        (payload.type_.as_str(), payload.id.as_str()),
        ("inquiry", id)
    );
    saw("retrieveEvent");

    let all: BTreeSet<String> = operations()
        .iter()
        .map(|operation| operation.id.clone())
        .collect();
    assert_eq!(seen, all, "every operation of the spec is exercised");
}

/// Sends raw HTTP and checks the status and body against the operation's documented response.
struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    async fn call(
        &self,
        operation_id: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let operation = operation(operation_id);
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TEST_API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("sends");
        assert_eq!(
            response.status().as_u16(),
            operation.success_status,
            "{operation_id}"
        );
        for header in [
            "request-id",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ] {
            assert!(
                response.headers().contains_key(header),
                "{operation_id} lacks {header}"
            );
        }
        if operation.response_media_type != "application/json" {
            assert_eq!(
                response.headers()["content-type"],
                operation.response_media_type.as_str()
            );
            return Value::Null;
        }
        let json: Value = response.json().await.expect("JSON");
        let schema = json!({"$ref": format!("#/components/schemas/{}", operation.response_schema.as_deref().expect("a JSON schema"))});
        let found = violations(&schema, &json);
        assert!(
            found.is_empty(),
            "{operation_id} response departs from the spec:\n{}",
            found.join("\n")
        );
        json
    }
}

#[tokio::test]
async fn every_raw_response_conforms_to_the_spec() {
    use reqwest::Method;
    let mock = MockServer::start().await.expect("starts");
    let raw = Raw {
        http: reqwest::Client::new(),
        base: mock.base_url().to_string(),
    };
    let template = mock.template_id();
    let created = raw
        .call(
            "createInquiry",
            Method::POST,
            "/inquiries?include=account,inquiry-template,inquiry-template-version,sessions",
            Some(json!({"data": {"attributes": {"inquiry-template-id": template, "fields": {"name-first": "Jane"}}}, "meta": {"auto-create-inquiry-session": true}})),
        )
        .await;
    let id = created["data"]["id"].as_str().expect("id").to_string();
    let session = created["data"]["relationships"]["sessions"]["data"][0]["id"]
        .as_str()
        .expect("a session")
        .to_string();
    let inquiry_path = format!("/inquiries/{id}");
    let calls: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "listInquiries",
            Method::GET,
            "/inquiries?page[size]=5".into(),
            None,
        ),
        (
            "retrieveInquiry",
            Method::GET,
            format!("{inquiry_path}?include=sessions"),
            None,
        ),
        (
            "updateInquiry",
            Method::PATCH,
            inquiry_path.clone(),
            Some(json!({"data": {"attributes": {"note": "n"}}})),
        ),
        (
            "addInquiryTag",
            Method::POST,
            format!("{inquiry_path}/add-tag"),
            Some(json!({"meta": {"tag-name": "t"}})),
        ),
        (
            "removeInquiryTag",
            Method::POST,
            format!("{inquiry_path}/remove-tag"),
            Some(json!({"meta": {"tag-name": "t"}})),
        ),
        (
            "setInquiryTags",
            Method::POST,
            format!("{inquiry_path}/set-tags"),
            Some(json!({"meta": {"tag-name": ["a"]}})),
        ),
        (
            "generateInquiryOneTimeLink",
            Method::POST,
            format!("{inquiry_path}/generate-one-time-link"),
            None,
        ),
        (
            "listInquirySessions",
            Method::GET,
            format!("/inquiry-sessions?filter[inquiry-id]={id}"),
            None,
        ),
        (
            "createInquirySession",
            Method::POST,
            "/inquiry-sessions".into(),
            Some(json!({"data": {"attributes": {"inquiry-id": id}}})),
        ),
        (
            "retrieveInquirySession",
            Method::GET,
            format!("/inquiry-sessions/{session}?include=inquiry"),
            None,
        ),
        (
            "generateInquirySessionOneTimeLink",
            Method::POST,
            format!("/inquiry-sessions/{session}/generate-one-time-link"),
            None,
        ),
        (
            "expireInquirySession",
            Method::POST,
            format!("/inquiry-sessions/{session}/expire"),
            None,
        ),
        (
            "expireAllInquirySessions",
            Method::POST,
            "/inquiry-sessions/expire-all".into(),
            Some(json!({"meta": {"inquiry-ids": [id]}})),
        ),
        (
            "expireInquiry",
            Method::POST,
            format!("{inquiry_path}/expire"),
            None,
        ),
        (
            "resumeInquiry",
            Method::POST,
            format!("{inquiry_path}/resume"),
            None,
        ),
        (
            "simulateInquiryActions",
            Method::POST,
            format!("{inquiry_path}/perform-simulate-actions"),
            Some(
                json!({"meta": {"simulate-actions": [{"type": "complete_inquiry"}, {"type": "create_passed_verification", "data": {"verification-template-id": "vtmpl_1"}}]}}),
            ),
        ),
        (
            "markInquiryForReview",
            Method::POST,
            format!("{inquiry_path}/mark-for-review"),
            None,
        ),
        (
            "declineInquiry",
            Method::POST,
            format!("{inquiry_path}/decline"),
            None,
        ),
        (
            "approveInquiry",
            Method::POST,
            format!("{inquiry_path}/approve"),
            Some(json!({"meta": {"comment": "ok"}})),
        ),
        (
            "searchInquiries",
            Method::POST,
            "/inquiries/search".into(),
            Some(
                json!({"query": {"not": {"attribute": "status", "operator": "eq", "value": "declined"}}}),
            ),
        ),
        (
            "printInquiryPdf",
            Method::GET,
            format!("{inquiry_path}/print"),
            None,
        ),
        ("redactInquiry", Method::DELETE, inquiry_path.clone(), None),
        (
            "listInquiryTemplates",
            Method::GET,
            "/inquiry-templates".into(),
            None,
        ),
        (
            "retrieveInquiryTemplate",
            Method::GET,
            format!("/inquiry-templates/{template}?include=latest-published-version"),
            None,
        ),
        (
            "retrieveInquiryTemplateTranslations",
            Method::GET,
            format!("/inquiry-templates/{template}/translations"),
            None,
        ),
        (
            "importInquiryTemplateTranslations",
            Method::POST,
            format!("/inquiry-templates/{template}/translations"),
            Some(
                json!({"data": {"attributes": {"translations": [{"step": "start", "component": "title", "attribute-name": "text", "locale-values": [{"locale": "fr", "value": "Salut"}]}]}}}),
            ),
        ),
        (
            "listInquiryTemplateVersions",
            Method::GET,
            format!("/inquiry-template-versions?filter[inquiry-template-id]={template}"),
            None,
        ),
    ];
    let mut seen: BTreeSet<&str> = BTreeSet::from(["createInquiry"]);
    for (operation_id, method, path, body) in calls {
        raw.call(operation_id, method, &path, body).await;
        seen.insert(operation_id);
    }
    let events = raw
        .call(
            "listEvents",
            Method::GET,
            &format!("/events?filter[object-id]={id}&page[size]=3"),
            None,
        )
        .await;
    let event_id = events["data"][0]["id"].as_str().expect("an event");
    raw.call(
        "retrieveEvent",
        Method::GET,
        &format!("/events/{event_id}"),
        None,
    )
    .await;
    seen.extend(["listEvents", "retrieveEvent"]);
    assert_eq!(
        seen.len(),
        operations().len(),
        "every operation's response is checked"
    );
}

/// The key structure of a JSON value, with scalars reduced to their JSON type.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().take(1).map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("boolean"),
        Value::Null => Value::Null,
    }
}

#[tokio::test]
async fn the_guides_curl_command_works_against_the_mock() {
    let mock = MockServer::start().await.expect("starts");
    // Replays the curl command of the guide with only its URL changed.
    let curl = &guide().curl;
    assert_eq!(curl.url, "https://api.withpersona.com/api/v1/inquiries");
    let mut request = reqwest::Client::new().request(
        curl.method.parse().expect("an HTTP method"),
        curl.url
            .replace("https://api.withpersona.com/api/v1", mock.base_url()),
    );
    for (name, value) in &curl.headers {
        request = request.header(name, value);
    }
    let data = &curl.data;
    let response = request.body(data.to_string()).send().await.expect("sends");
    assert!(response.status().is_success(), "{}", response.status());
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        shape(&body),
        shape(&guide().response),
        "the mock answers in the shape the guide shows"
    );
    assert_eq!(body["data"]["attributes"]["name-first"], "Jane");

    let bad = data.replace("itmpl_YOURTEMPLATEID", "itm_zxDohzpCMnKNnj4no2dDuah8");
    let response = reqwest::Client::new()
        .post(format!("{}/inquiries", mock.base_url()))
        .bearer_auth(TEST_API_KEY)
        .header("content-type", "application/json")
        .body(bad)
        .send()
        .await
        .expect("sends");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        guide().error,
        "the guide's error, exactly"
    );
}

#[tokio::test]
async fn errors_come_in_personas_format_and_name_what_is_wrong() {
    let (mock, c) = sandbox().await;
    let (status, title, _) = api_error(
        c.retrieve_inquiry()
            .inquiry_id("inq_doesnotexist")
            .send()
            .await,
    );
    assert_eq!((status, title.as_str()), (404, "Record not found"));

    let production = Client::builder("persona_production_k")
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid settings");
    let (status, title, details) = api_error(production.list_inquiries().send().await);
    assert_eq!(
        (status, title.as_str()),
        (401, "Must be authenticated to access this endpoint")
    );
    assert!(details.expect("details").contains("sandbox"));

    let missing_template: types::CreateInquiryRequest =
        serde_json::from_value(json!({"data": {"attributes": {"note": "x"}}})).expect("request");
    let (status, _, details) = api_error(c.create_inquiry().body(missing_template).send().await);
    assert_eq!(status, 400);
    assert!(
        details
            .expect("details")
            .contains("must include one of inquiry_template_id")
    );

    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    c.redact_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("redacts");
    let (status, _, details) = api_error(c.redact_inquiry().inquiry_id(&id).send().await);
    assert_eq!(
        (status, details.as_deref()),
        (409, Some("Inquiry already redacted"))
    );

    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    c.approve_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("approves");
    let (status, _, details) = api_error(c.resume_inquiry().inquiry_id(&id).send().await);
    assert_eq!(
        (status, details.as_deref()),
        (409, Some("Cannot resume an inquiry that is approved"))
    );
    let (status, title, _) = api_error(
        c.simulate_inquiry_actions()
            .inquiry_id(&id)
            .body(actions(&[SimulateActionType::StartInquiry]))
            .send()
            .await,
    );
    assert_eq!((status, title.as_str()), (422, "Record invalid"));

    let raw = reqwest::Client::new();
    for (body, expected) in [
        ("{\"data\": ", "the request body is not valid JSON"),
        (
            "{\"data\": {\"attributes\": {\"inquiry-template-id\": 7}}}",
            "data.attributes.inquiry-template-id: invalid type: integer `7`, expected a string",
        ),
    ] {
        let response = raw
            .post(format!("{}/inquiries", mock.base_url()))
            .bearer_auth(TEST_API_KEY)
            .body(body)
            .send()
            .await
            .expect("sends");
        assert_eq!(response.status().as_u16(), 400);
        let error: Value = response.json().await.expect("JSON");
        assert!(
            error["errors"][0]["details"]
                .as_str()
                .expect("details")
                .starts_with(expected),
            "{error}"
        );
    }
    let response = raw
        .get(format!("{}/inquiries", mock.base_url()))
        .send()
        .await
        .expect("sends");
    assert_eq!(response.status().as_u16(), 401, "no key");
}

/// The `page[after]` / `page[before]` cursor in a `links` URL.
fn cursor(link: &str) -> (String, String) {
    let query = link.split_once('?').expect("a query").1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name.starts_with("page[a") || name.starts_with("page[b"))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .expect("a cursor")
}

#[tokio::test]
async fn listing_pages_newest_first_through_links() {
    let (mock, c) = sandbox().await;
    let mut created = Vec::new();
    for _ in 0..25 {
        created.push(
            create_jane_doe(&c, mock.template_id())
                .await
                .expect("creates"),
        );
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut request = c.list_inquiries().page_size(10).filter_status("created");
        if let Some(cursor) = &after {
            request = request.page_after(cursor.as_str());
        }
        let page = request.send().await.expect("lists").into_inner();
        pages += 1;
        seen.extend(page.data.iter().map(|inquiry| inquiry.id.clone()));
        match page.links.and_then(|links| links.next) {
            Some(next) => {
                assert!(
                    next.starts_with("/api/v1/inquiries?")
                        && next.contains("filter%5Bstatus%5D=created"),
                    "{next}"
                );
                after = Some(cursor(&next).1);
            }
            None => break,
        }
    }
    created.reverse();
    assert_eq!(
        (pages, &seen),
        (3, &created),
        "three pages, newest first, each inquiry once"
    );

    let last_page = c
        .list_inquiries()
        .page_size(10)
        .page_after(seen[19].as_str())
        .send()
        .await
        .expect("lists")
        .into_inner();
    let prev = last_page
        .links
        .and_then(|links| links.prev)
        .expect("a previous page");
    let (name, before) = cursor(&prev);
    assert_eq!(
        (name.as_str(), before.as_str()),
        ("page[before]", seen[20].as_str())
    );
    let back = c
        .list_inquiries()
        .page_size(10)
        .page_before(before)
        .send()
        .await
        .expect("lists")
        .into_inner();
    assert_eq!(
        back.data
            .iter()
            .map(|inquiry| inquiry.id.clone())
            .collect::<Vec<_>>(),
        seen[10..20].to_vec()
    );

    let (status, _, details) = api_error(c.list_inquiries().page_after("inq_unknown").send().await);
    assert_eq!(status, 400);
    assert!(details.expect("details").contains("page[after]"));
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response() {
    let (mock, c) = sandbox().await;
    let first = c
        .create_inquiry()
        .idempotency_key("key-1")
        .body(jane_doe(mock.template_id()))
        .send()
        .await
        .expect("creates")
        .into_inner();
    let again = c
        .create_inquiry()
        .idempotency_key("key-1")
        .body(jane_doe(mock.template_id()))
        .send()
        .await
        .expect("replays")
        .into_inner();
    assert_eq!(first.data.id, again.data.id);
    assert_eq!(mock.inquiry_count(), 1);

    let mut other = jane_doe(mock.template_id());
    other.data.attributes.note = Some("different".to_string());
    let (status, _, details) = api_error(
        c.create_inquiry()
            .idempotency_key("key-1")
            .body(other)
            .send()
            .await,
    );
    assert_eq!(status, 409);
    assert!(details.expect("details").contains("different parameters"));
    assert_eq!(mock.inquiry_count(), 1);
}

#[tokio::test]
async fn the_rate_limit_is_announced_and_enforced() {
    let mock = MockServer::builder()
        .rate_limit_per_minute(3)
        .start()
        .await
        .expect("starts");
    let c = client_for(&mock);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = c.list_inquiry_templates().send().await.expect("allowed");
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert!(
            response.headers()["request-id"]
                .to_str()
                .expect("ASCII")
                .starts_with("req_")
        );
        remaining.push(
            response.headers()["ratelimit-remaining"]
                .to_str()
                .expect("ASCII")
                .to_string(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let error: Error = c
        .list_inquiry_templates()
        .send()
        .await
        .expect_err("limited")
        .into();
    let api = error.api().expect("an API error");
    assert_eq!(api.status.as_u16(), 429);
    let reset = api.rate_limit.expect("rate limit headers").reset;
    assert!((1..=60).contains(&reset.as_secs()));
    assert_eq!(api.errors[0].title.as_deref(), Some("Rate limit exceeded"));
}

#[tokio::test]
async fn injected_faults_fail_delay_and_drop() {
    let (mock, c) = sandbox().await;
    mock.faults().inject_next(1, Fault::Status(503));
    let (status, title, _) = api_error(c.list_inquiry_templates().send().await);
    assert_eq!((status, title.as_str()), (503, "Service unavailable"));

    mock.faults().inject_next(1, Fault::DropConnection);
    let dropped: Error = c
        .list_inquiry_templates()
        .send()
        .await
        .expect_err("dropped")
        .into();
    assert!(matches!(dropped, Error::Transport(_)), "{dropped:?}");

    let impatient = Client::builder(TEST_API_KEY)
        .base_url(mock.base_url())
        .timeout(std::time::Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid");
    mock.faults()
        .inject_next(1, Fault::Delay(std::time::Duration::from_millis(500)));
    let late: Error = impatient
        .list_inquiry_templates()
        .send()
        .await
        .expect_err("times out")
        .into();
    assert!(matches!(late, Error::Timeout(_)), "{late:?}");
    mock.faults().clear();
    c.list_inquiry_templates()
        .send()
        .await
        .expect("healthy again");
}

#[tokio::test]
async fn concurrent_creates_are_all_kept() {
    let (mock, c) = sandbox().await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            let body = jane_doe(mock.template_id());
            tokio::spawn(async move {
                c.create_inquiry()
                    .body(body)
                    .send()
                    .await
                    .expect("creates")
                    .into_inner()
                    .data
                    .id
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.expect("joins"));
    }
    assert_eq!((ids.len(), mock.inquiry_count()), (20, 20));
}

#[tokio::test]
async fn search_combines_predicates() {
    let (mock, c) = sandbox().await;
    let mut ids = Vec::new();
    for reference in ["a", "b", "c"] {
        let mut body = jane_doe(mock.template_id());
        body.data.attributes.reference_id = Some(reference.to_string());
        ids.push(
            c.create_inquiry()
                .body(body)
                .send()
                .await
                .expect("creates")
                .into_inner()
                .data
                .id,
        );
    }
    c.approve_inquiry()
        .inquiry_id(&ids[1])
        .send()
        .await
        .expect("approves");
    let query: types::SearchInquiriesRequest = serde_json::from_value(json!({
        "query": {"or": [
            {"attribute": "status", "operator": "eq", "value": "approved"},
            {"and": [{"attribute": "reference_id", "operator": "eq", "value": "c"}, {"not": {"attribute": "created_at", "operator": "lt", "value": "2000-01-01"}}]}
        ]},
        "sort": {"attribute": "created_at", "direction": "asc"}
    }))
    .expect("query");
    let found = c
        .search_inquiries()
        .body(query)
        .send()
        .await
        .expect("searches")
        .into_inner();
    assert_eq!(
        found
            .data
            .iter()
            .map(|inquiry| inquiry.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[1].clone(), ids[2].clone()]
    );

    let unknown: types::SearchInquiriesRequest = serde_json::from_value(
        json!({"query": {"attribute": "name_first", "operator": "eq", "value": "Jane"}}),
    )
    .expect("query");
    let (status, _, details) = api_error(c.search_inquiries().body(unknown).send().await);
    assert_eq!(status, 400);
    assert!(
        details
            .expect("details")
            .contains("'name_first' is not searchable")
    );
}

#[tokio::test]
async fn sparse_fieldsets_and_include_shape_the_response() {
    let (mock, c) = sandbox().await;
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let sparse = c
        .retrieve_inquiry()
        .inquiry_id(&id)
        .fields_inquiry("status,created-at")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(sparse.data.attributes.status, Some(InquiryStatus::Created));
    assert!(sparse.data.attributes.created_at.is_some());
    assert!(sparse.data.attributes.name_first.is_none() && sparse.data.relationships.is_none());

    let (status, _, details) = api_error(
        c.retrieve_inquiry()
            .inquiry_id(&id)
            .include("reviewer-notes")
            .send()
            .await,
    );
    assert_eq!(status, 400);
    assert!(
        details
            .expect("details")
            .contains("unknown relationship 'reviewer-notes'")
    );
}

#[tokio::test]
async fn an_update_leaves_sets_or_clears_each_attribute() {
    let (mock, c) = sandbox().await;
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let update = |attributes: types::builder::UpdateInquiryAttributes| {
        c.update_inquiry()
            .inquiry_id(&id)
            .body(
                types::UpdateInquiryRequest::builder()
                    .data(types::UpdateInquiryRequestData::builder().attributes(attributes)),
            )
            .send()
    };
    let set = update(
        types::UpdateInquiryAttributes::builder()
            .note(Some("called back".to_string().into()))
            .redirect_uri(Some("https://example.com/done".to_string().into())),
    )
    .await
    .expect("sets")
    .into_inner();
    assert_eq!(set.data.attributes.note.as_deref(), Some("called back"));

    // Only the note is named, as null: it is cleared.
    let cleared = update(types::UpdateInquiryAttributes::builder().note(Some(Clearable::Clear)))
        .await
        .expect("clears")
        .into_inner();
    assert_eq!(cleared.data.attributes.note, None);
    let (_, raw) = raw_request(&mock, Method::GET, &format!("/inquiries/{id}"), None, None).await;
    assert_eq!(raw["data"]["attributes"]["note"], Value::Null);

    // Nothing named: nothing changes. `fields` cleared sets every value given to null.
    let untouched = update(types::UpdateInquiryAttributes::builder())
        .await
        .expect("no change")
        .into_inner();
    assert_eq!(
        untouched.data.attributes.name_first.as_deref(),
        Some("Jane")
    );
    let no_fields =
        update(types::UpdateInquiryAttributes::builder().fields(Some(Clearable::Clear)))
            .await
            .expect("clears the fields")
            .into_inner();
    let fields = no_fields
        .data
        .attributes
        .fields
        .expect("fields are rendered");
    for name in ["name-first", "name-last", "birthdate"] {
        assert_eq!(fields[name].value, Value::Null, "{name}");
    }
}

/// Everything the sandbox holds, as its lists show it: inquiries, sessions, events.
async fn sandbox_state(mock: &MockServer) -> Value {
    let mut state = serde_json::Map::new();
    for list in ["inquiries", "inquiry-sessions", "events"] {
        let path = format!("/{list}?page%5Bsize%5D=100");
        let (_, body) = raw_request(mock, Method::GET, &path, None, None).await;
        state.insert(list.to_string(), body["data"].clone());
    }
    Value::Object(state)
}

/// A request to the mock with the test key, bypassing the client: its status and JSON body
/// (`null` when there is none).
async fn raw_request(
    mock: &MockServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", mock.base_url()))
        .bearer_auth(TEST_API_KEY);
    if let Some(body) = body {
        request = request.json(body);
    }
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("sends");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_refused_request_changes_nothing_for_every_mutating_operation() {
    let (mock, c) = sandbox().await;
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let (status, session) = raw_request(
        &mock,
        Method::POST,
        "/inquiry-sessions",
        Some(&json!({"data": {"attributes": {"inquiry-id": id}}})),
        None,
    )
    .await;
    assert_eq!(status, 201, "opens a session: {session}");
    let template = mock.template_id().to_string();
    let unknown = "inq_doesnotexist";
    // One refused request per mutating operation: bad input, an unknown id, or a wrong state.
    let refused: Vec<(Method, String, Value)> = vec![
        (
            reqwest::Method::POST,
            "/inquiries".into(),
            json!({"data": {"attributes": {"inquiry-template-id": "itm_wrongprefix"}}}),
        ),
        (
            reqwest::Method::POST,
            "/inquiries".into(),
            json!({"data": {"attributes": {"inquiry-template-id": template, "fields": {"no-such-field": 1}}}}),
        ),
        (
            reqwest::Method::PATCH,
            format!("/inquiries/{id}"),
            json!({"data": {"attributes": {"note": "x", "fields": {"no-such-field": 1}}}}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/inquiries/{unknown}"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{id}/perform-simulate-actions"),
            json!({"meta": {"simulate-actions": [{"type": "start_inquiry"}, {"type": "start_inquiry"}]}}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{id}/perform-simulate-actions"),
            json!({"meta": {"simulate-actions": [{"type": "start_inquiry"}, {"type": "create_passed_verification", "data": {"verification-template-id": "wrong_1"}}]}}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/resume"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/approve"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/decline"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/mark-for-review"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/expire"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{unknown}/generate-one-time-link"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{id}/add-tag"),
            json!({"meta": {}}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{id}/remove-tag"),
            json!({"meta": {}}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiries/{id}/set-tags"),
            json!({"meta": {"tag-name": "not a list"}}),
        ),
        (
            reqwest::Method::POST,
            "/inquiry-sessions".into(),
            json!({"data": {"attributes": {"inquiry-id": unknown}}}),
        ),
        (
            reqwest::Method::POST,
            "/inquiry-sessions/expire-all".into(),
            json!({"meta": {"inquiry-ids": [id, unknown]}}),
        ),
        (
            reqwest::Method::POST,
            "/inquiry-sessions/iqse_doesnotexist/expire".into(),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            "/inquiry-sessions/iqse_doesnotexist/generate-one-time-link".into(),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/inquiry-templates/{template}/translations"),
            json!({"data": {"attributes": {"translations": [{"step": "start", "component": "title", "attribute-name": "text", "locale-values": [{"locale": "fr"}]}]}}}),
        ),
    ];
    let before = sandbox_state(&mock).await;
    assert!(
        before["inquiry-sessions"]
            .as_array()
            .is_some_and(|s| s.len() == 1),
        "one session open"
    );
    for (method, path, body) in refused {
        let (status, _) = raw_request(&mock, method.clone(), &path, Some(&body), None).await;
        assert!(
            (400..500).contains(&status),
            "{method} {path} was not refused: {status}"
        );
        assert_eq!(
            sandbox_state(&mock).await,
            before,
            "{method} {path} ({status}) changed the sandbox"
        );
    }
}

#[tokio::test]
async fn a_refusal_leaves_the_idempotency_key_free_and_a_success_keeps_it() {
    let (mock, _c) = sandbox().await;
    let bad = json!({"data": {"attributes": {"inquiry-template-id": "itm_wrongprefix"}}});
    let good = json!({"data": {"attributes": {"inquiry-template-id": mock.template_id()}}});
    assert_eq!(
        raw_request(&mock, Method::POST, "/inquiries", Some(&bad), Some("k"))
            .await
            .0,
        400
    );
    let (status, created) =
        raw_request(&mock, Method::POST, "/inquiries", Some(&good), Some("k")).await;
    assert_eq!(
        status, 201,
        "the corrected request runs under the same key: {created}"
    );
    let (status, replayed) =
        raw_request(&mock, Method::POST, "/inquiries", Some(&good), Some("k")).await;
    assert_eq!(
        (status, &replayed["data"]["id"]),
        (201, &created["data"]["id"]),
        "replayed"
    );
    let other = json!({"data": {"attributes": {"inquiry-template-id": mock.template_id(), "note": "other"}}});
    assert_eq!(
        raw_request(&mock, Method::POST, "/inquiries", Some(&other), Some("k"))
            .await
            .0,
        409,
        "same key, other parameters"
    );
    assert_eq!(mock.inquiry_count(), 1);
}

#[tokio::test]
async fn asking_for_a_session_token_and_a_one_time_link_opens_one_session() {
    let (mock, _c) = sandbox().await;
    let (status, created) = raw_request(
        &mock,
        Method::POST,
        "/inquiries",
        Some(&json!({
            "data": {"attributes": {"inquiry-template-id": mock.template_id()}},
            "meta": {"auto-create-inquiry-session": true, "auto-create-one-time-link": true}
        })),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["meta"]["session-token"].is_string(), "{created}");
    assert!(created["meta"]["one-time-link"].is_string(), "{created}");
    assert_eq!(
        sandbox_state(&mock).await["inquiry-sessions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
