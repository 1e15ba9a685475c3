//! Raw responses against the spec's schemas, the getting-started guide's curl command, errors
//! in Persona's format, and the version and inflection headers.

use std::collections::BTreeSet;

use persona_api::types::{self, SimulateActionType};
use persona_api::{Client, RetryPolicy};
use persona_api_tests::fixtures::guide;
use persona_api_tests::schema_check::violations;
use persona_api_tests::{TEST_API_KEY, create_jane_doe, operation, operations};
use persona_mock::MockServer;
use serde_json::{Value, json};

use super::{actions, api_error, sandbox};

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
    let verification_template = mock
        .template_of("verification-template/government-id")
        .expect("the sandbox has a government-id verification template");
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
            // Included, what the verification made is checked against the spec too.
            format!("{inquiry_path}/perform-simulate-actions?include=verifications,documents"),
            Some(
                json!({"meta": {"simulate-actions": [{"type": "complete_inquiry"}, {"type": "create_passed_verification", "data": {"verification-template-id": verification_template}}]}}),
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
    let served = operations()
        .iter()
        .filter(|operation| operation.shape_from_overlay)
        .count();
    assert_eq!(
        seen.len(),
        served,
        "every served operation's response is checked"
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

/// A request with the given headers besides the key; its status and JSON body.
async fn with_headers(
    mock: &MockServer,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", mock.base_url()))
        .bearer_auth(TEST_API_KEY);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sends");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn error_details(body: &Value) -> &str {
    body["errors"][0]["details"].as_str().unwrap_or_default()
}

/// Every object key anywhere in a document.
fn keys(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(key, item)| std::iter::once(key.clone()).chain(keys(item)))
            .collect(),
        Value::Array(items) => items.iter().flat_map(keys).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn a_version_the_sandbox_does_not_render_is_refused_by_name() {
    let mock = MockServer::start().await.expect("starts");
    let (status, _) = with_headers(
        &mock,
        reqwest::Method::GET,
        "/inquiries",
        &[("Persona-Version", "2023-01-05")],
        None,
    )
    .await;
    assert_eq!(status, 200);
    for (version, says) in [
        ("AAA", "Persona-Version 'AAA' is not an API version"),
        (
            "2022-09-01",
            "serves API versions 2023-01-05 and 2025-12-08",
        ),
    ] {
        let (status, body) = with_headers(
            &mock,
            reqwest::Method::GET,
            "/inquiries",
            &[("Persona-Version", version)],
            None,
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(error_details(&body).contains(says), "{body}");
    }
    let (status, body) = with_headers(
        &mock,
        reqwest::Method::GET,
        "/inquiries",
        &[("Key-Inflection", "pascal")],
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        error_details(&body).contains("Key-Inflection 'pascal'"),
        "{body}"
    );
}

#[tokio::test]
async fn requests_and_responses_speak_the_inflection_asked_for() {
    let mock = MockServer::start().await.expect("starts");
    let (status, created) = with_headers(
        &mock,
        reqwest::Method::POST,
        "/inquiries?include=inquiry-template",
        &[("Key-Inflection", "camel")],
        Some(json!({"data": {"attributes": {
            "inquiryTemplateId": mock.template_id(),
            "referenceId": "user-1",
            "fields": {"nameFirst": "Jane", "addressStreet1": "600 California St"},
        }}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let attributes = &created["data"]["attributes"];
    assert_eq!(attributes["referenceId"], "user-1", "{created}");
    assert_eq!(attributes["nameFirst"], "Jane", "{created}");
    assert_eq!(attributes["addressStreet1"], "600 California St");
    assert_eq!(
        created["data"]["type"], "inquiry",
        "values are not inflected"
    );
    let kebab: Vec<String> = keys(&created)
        .into_iter()
        .filter(|key| key.contains('-'))
        .collect();
    assert!(kebab.is_empty(), "kebab-case keys left: {kebab:?}");

    let id = created["data"]["id"].as_str().expect("an id");
    let (status, snake) = with_headers(
        &mock,
        reqwest::Method::GET,
        &format!("/inquiries/{id}"),
        &[("Key-Inflection", "snake")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{snake}");
    assert_eq!(snake["data"]["attributes"]["reference_id"], "user-1");
    assert_eq!(
        snake["data"]["attributes"]["address_street_1"],
        "600 California St"
    );
    let (_, kebab) = with_headers(
        &mock,
        reqwest::Method::GET,
        &format!("/inquiries/{id}"),
        &[],
        None,
    )
    .await;
    assert_eq!(
        kebab["data"]["attributes"]["reference-id"], "user-1",
        "kebab-case by default"
    );
}

#[tokio::test]
async fn a_method_the_api_does_not_have_is_not_found_whatever_its_idempotency_key() {
    let mock = MockServer::start().await.expect("starts");
    let path = format!("/inquiry-templates/{}", mock.template_id());
    for body in [json!({"a": 1}), json!({"a": 2})] {
        let (status, answer) = with_headers(
            &mock,
            reqwest::Method::POST,
            &path,
            &[("Idempotency-Key", "same-key")],
            Some(body),
        )
        .await;
        assert_eq!(status, 404, "{answer}");
        assert_eq!(answer["errors"][0]["title"], "Record not found");
    }
}

#[tokio::test]
async fn a_filter_or_page_parameter_the_list_does_not_have_is_refused_by_name() {
    let mock = MockServer::start().await.expect("starts");
    let (status, body) = with_headers(
        &mock,
        reqwest::Method::GET,
        "/inquiry-sessions?filter%5Binquiry_id%5D=inq_x",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_details(&body),
        "filter[inquiry_id] is not a parameter of this list (filter parameters: filter[inquiry-id])"
    );
    for path in [
        "/inquiry-sessions?filter%5Binquiry-id%5D=inq_x",
        "/inquiries?filter%5Bstatus%5D=created&filter%5Breference-id%5D=user-1",
        "/events?filter%5Bname%5D=inquiry.created",
    ] {
        let (status, body) = with_headers(&mock, reqwest::Method::GET, path, &[], None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    for (path, says) in [
        (
            "/inquiry-templates?filter%5Bstatus%5D=active",
            "filter[status] is not a parameter of this list (filter parameters: none)",
        ),
        (
            "/events?page%5B%5D=true",
            "page[] is not a parameter of this list (page parameters: page[after], page[before], page[size])",
        ),
        (
            "/inquiry-templates?fields%5B%5D=name",
            "fields[] names no type: a sparse fieldset is fields[<type>]",
        ),
    ] {
        let (status, body) = with_headers(&mock, reqwest::Method::GET, path, &[], None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(error_details(&body), says, "{path}");
    }
}

/// A sparse fieldset may name any type the answer can include, a link's own type or one of
/// the family it points into (an inquiry's documents are `document/...` of any kind), and
/// shapes what is included.
#[tokio::test]
async fn a_sparse_fieldset_names_any_type_a_relationship_can_include() {
    let mock = MockServer::start().await.expect("starts");
    let (_, created) = with_headers(
        &mock,
        reqwest::Method::POST,
        "/inquiries",
        &[],
        Some(json!({ "data": { "attributes": {
            "inquiry-template-id": mock.template_id() } } })),
    )
    .await;
    let id = created["data"]["id"].as_str().expect("an inquiry");
    let (status, resumed) = with_headers(
        &mock,
        reqwest::Method::POST,
        &format!("/inquiries/{id}/resume"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{resumed}");

    let (status, body) = with_headers(
        &mock,
        reqwest::Method::GET,
        &format!("/inquiries/{id}?include=sessions&fields%5Binquiry-session%5D=status"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let session = &body["included"][0];
    assert_eq!(session["type"], "inquiry-session", "{body}");
    assert_eq!(keys(&session["attributes"]), ["status"], "{body}");

    for query in [
        "include=documents&fields%5Bdocument%2Fgovernment-id%5D=status",
        "include=verifications&fields%5Bverification%2Fgovernment-id%5D=status",
        "include=reports&fields%5Breport%2Fwatchlist%5D=status",
        "include=inquiry-template&fields%5Binquiry-template%5D=name",
    ] {
        let path = format!("/inquiries/{id}?{query}");
        let (status, body) = with_headers(&mock, reqwest::Method::GET, &path, &[], None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}

/// Walks the mock's operation table (written from the spec's model): every list takes each
/// filter its operation declares and refuses any other, naming the declared ones.
#[tokio::test]
async fn every_list_takes_the_filters_the_spec_gives_it_and_no_other() {
    let mock = MockServer::start().await.expect("starts");
    let lists = persona_mock::operations::ALL
        .iter()
        .filter(|operation| operation.method == "get" && !operation.pages.is_empty());
    let mut walked = 0;
    for operation in lists {
        walked += 1;
        for filter in operation.filters {
            let path = format!("{}?filter%5B{filter}%5D=x", operation.path);
            let (_, body) = with_headers(&mock, reqwest::Method::GET, &path, &[], None).await;
            assert!(
                !body.to_string().contains("is not a parameter"),
                "{}: filter[{filter}] was refused: {body}",
                operation.id
            );
        }
        let path = format!("{}?filter%5Bnot-a-filter%5D=x", operation.path);
        let (status, body) = with_headers(&mock, reqwest::Method::GET, &path, &[], None).await;
        assert_eq!(status, 400, "{}: {body}", operation.id);
        let declared = operation
            .filters
            .iter()
            .map(|filter| format!("filter[{filter}]"))
            .collect::<Vec<_>>();
        let declared = if declared.is_empty() {
            "none".to_string()
        } else {
            declared.join(", ")
        };
        assert_eq!(
            error_details(&body),
            format!(
                "filter[not-a-filter] is not a parameter of this list (filter parameters: {declared})"
            ),
            "{}",
            operation.id
        );
    }
    assert_eq!(walked, 21, "the lists of the spec");
}

#[tokio::test]
async fn each_request_is_answered_in_the_version_it_asks_for() {
    use persona_api::ApiVersion;
    let mock = MockServer::start().await.expect("starts");
    let newer = mock
        .client_builder()
        .api_version(ApiVersion::V2025_12_08)
        .build()
        .expect("valid");
    let inquiry = newer
        .create_inquiry()
        .body(persona_api_tests::jane_doe(mock.template_id()))
        .send()
        .await
        .expect("creates")
        .into_inner()
        .data;
    assert_eq!(
        inquiry.attributes.name_first, None,
        "not at the top in 2025-12-08"
    );
    let fields = inquiry.attributes.fields.as_ref().expect("fields");
    assert_eq!(fields["name-first"].value, json!("Jane"), "but in fields");

    let default_client = mock.client_builder().build().expect("valid");
    let as_older = default_client
        .retrieve_inquiry()
        .inquiry_id(&inquiry.id)
        .send()
        .await
        .expect("retrieves")
        .into_inner()
        .data;
    assert_eq!(as_older.attributes.name_first.as_deref(), Some("Jane"));
    let as_newer = default_client
        .retrieve_inquiry()
        .inquiry_id(&inquiry.id)
        .persona_version(ApiVersion::V2025_12_08)
        .send()
        .await
        .expect("retrieves")
        .into_inner()
        .data;
    assert_eq!(
        as_newer.attributes.name_first, None,
        "a call's own version wins"
    );

    let path = format!("/inquiries/{}", inquiry.id);
    let (status, body) = with_headers(
        &mock,
        reqwest::Method::GET,
        &path,
        &[("Persona-Version", "2025-12-08")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let attributes = body["data"]["attributes"].as_object().expect("attributes");
    for personal in ["name-first", "name-last", "birthdate", "address-city"] {
        assert!(!attributes.contains_key(personal), "{personal}: {body}");
    }
    let (_, older) = with_headers(&mock, reqwest::Method::GET, &path, &[], None).await;
    assert_eq!(
        older["data"]["attributes"]["name-first"], "Jane",
        "no header: the account's default, 2023-01-05"
    );

    let (status, refused) = with_headers(
        &mock,
        reqwest::Method::POST,
        "/inquiries",
        &[("Persona-Version", "2025-12-08")],
        Some(json!({"data": {"attributes": {"inquiry-template-id": mock.template_id(), "name-first": "Jane"}}})),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        error_details(&refused)
            .starts_with("data.attributes.name-first: from API version 2025-12-08"),
        "{refused}"
    );

    // The check is by resource type: 2025-12-08 still takes an account's name-first.
    let (status, body) = with_headers(
        &mock,
        reqwest::Method::POST,
        "/accounts",
        &[("Persona-Version", "2025-12-08")],
        Some(json!({"data": {"attributes": {"name-first": "Jane"}}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["attributes"]["name-first"], "Jane", "{body}");
}

#[tokio::test]
async fn null_is_refused_where_the_spec_does_not_allow_it_and_taken_where_it_does() {
    let mock = MockServer::start().await.expect("starts");
    let (status, created) = with_headers(
        &mock,
        reqwest::Method::POST,
        "/inquiries",
        &[],
        Some(json!({
            "data": {"attributes": {"inquiry-template-id": mock.template_id(), "note": null}},
            "meta": {"expiration-after-create-interval-seconds": null}
        })),
    )
    .await;
    assert_eq!(status, 201, "nullable in the spec: {created}");
    let id = created["data"]["id"].as_str().expect("an id");
    for (path, body, named) in [
        (
            format!("/inquiries/{id}/add-tag"),
            json!({"meta": {"tag-id": null, "tag-name": "vip"}}),
            "meta.tag-id",
        ),
        (
            format!("/inquiries/{id}/generate-one-time-link"),
            json!({"meta": {"expires-in-seconds": null}}),
            "meta.expires-in-seconds",
        ),
        (
            "/inquiries".to_string(),
            json!({"data": {"attributes": {"inquiry-template-id": mock.template_id()}}, "meta": {"auto-create-inquiry-session": null}}),
            "meta.auto-create-inquiry-session",
        ),
    ] {
        let (status, refused) =
            with_headers(&mock, reqwest::Method::POST, &path, &[], Some(body)).await;
        assert_eq!(status, 400, "{path}: {refused}");
        assert!(
            error_details(&refused).starts_with(&format!("{named}: invalid type: null")),
            "{path}: {refused}"
        );
    }
}
