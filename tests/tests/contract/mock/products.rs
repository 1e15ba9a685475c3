//! The products beyond the inquiry family, which persona-mock serves from the spec's tables
//! (`generic.rs`): every create with Persona's example body answers within its schema and the
//! record comes back by id and in its list; and the generic store's refusals name what is wrong.

use persona_api::prelude::*;
use persona_api::types;
use persona_api_tests::schema_check::violations;
use persona_api_tests::{TEST_API_KEY, operation, operations, resolve};
use persona_mock::MockServer;
use reqwest::Method;
use serde_json::{Value, json};

use super::sandbox;

pub(super) struct Raw {
    http: reqwest::Client,
    base: String,
}

impl Raw {
    pub(super) fn new(mock: &MockServer) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            base: mock.base_url().to_string(),
        }
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TEST_API_KEY);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("sends");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A body whose ids of templates and types (`case-template-id`) name the sandbox's own, as a
/// user's would: Persona's examples name ones of Persona's account. Where several of the
/// sandbox's share a prefix (report templates), the one of the body's kind.
fn pointing_at_the_sandbox(mock: &MockServer, mut body: Value) -> Value {
    let kind = body["data"]["type"]
        .as_str()
        .and_then(|json_type| json_type.split_once('/'))
        .map(|(_, kind)| format!("/{kind}"));
    let Some(attributes) = body
        .pointer_mut("/data/attributes")
        .and_then(Value::as_object_mut)
    else {
        return body;
    };
    for (name, value) in attributes.iter_mut() {
        let Some(prefix) = value.as_str().and_then(|id| id.split_inclusive('_').next()) else {
            continue;
        };
        let mut candidates = mock
            .templates()
            .iter()
            .filter(|template| name.ends_with("-id") && template.id.starts_with(prefix));
        let ours = candidates.clone().find(|template| {
            kind.as_deref()
                .is_some_and(|kind| template.json_type.ends_with(kind))
        });
        if let Some(template) = ours.or_else(|| candidates.next()) {
            *value = json!(template.id);
        }
    }
    body
}

/// A body whose list is one the test makes first, of the kind the path makes items of (a
/// list item's, an importer's), and whose file is an empty CSV: Persona's examples name a
/// list of Persona's account and carry no file.
async fn with_what_the_user_makes_first(raw: &Raw, path: &str, mut body: Value) -> Value {
    let Some(attributes) = body
        .pointer_mut("/data/attributes")
        .and_then(Value::as_object_mut)
    else {
        return body;
    };
    if attributes.contains_key("list-id") {
        let lists = path
            .trim_start_matches("/importer")
            .replacen("/list-item/", "/list/", 1);
        let (status, list) = raw
            .send(
                Method::POST,
                &lists,
                Some(&json!({ "data": { "attributes": { "name": "made first" } } })),
            )
            .await;
        assert_eq!(status, 201, "{lists}: {list}");
        attributes.insert("list-id".into(), list["data"]["id"].clone());
    }
    if attributes.contains_key("file") {
        attributes.insert(
            "file".into(),
            json!({ "filename": "empty.csv", "data": "" }),
        );
    }
    body
}

/// The status the mock answers an operation with: 201 for a create that documents it beside
/// 200 (which Persona keeps for an upsert that finds the record).
fn mock_status(operation_id: &str) -> u16 {
    mock_operation(operation_id).status
}

/// An operation as the mock's table has it.
fn mock_operation(operation_id: &str) -> &'static persona_mock::operations::Operation {
    persona_mock::operations::ALL
        .iter()
        .find(|operation| operation.id == operation_id)
        .expect("the mock's table has every operation")
}

/// The body's schema of an operation's answer with `status`, wherever the spec writes it.
fn response_schema(operation: &persona_api_tests::Operation, status: u16) -> Value {
    let path = operation.path.replace('~', "~0").replace('/', "~1");
    json!({ "$ref": format!(
        "#/paths/{path}/{}/responses/{status}/content/application~1json/schema",
        operation.method.to_lowercase(),
    )})
}

fn assert_conforms(operation: &persona_api_tests::Operation, body: &Value) {
    assert_conforms_as(operation, operation.success_status, body);
}

pub(super) fn assert_conforms_as(
    operation: &persona_api_tests::Operation,
    status: u16,
    body: &Value,
) {
    let found = violations(&response_schema(operation, status), body);
    assert!(
        found.is_empty(),
        "{}'s answer departs from the spec:\n{}\n{body}",
        operation.id,
        found.join("\n")
    );
}

/// The creates of the spec beyond the inquiry family that answer with a record.
const CREATES_WITH_A_RECORD: usize = 37;

#[tokio::test]
async fn every_create_beyond_the_inquiry_family_answers_within_its_schema_and_reads_back() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let mut created = Vec::new();
    // A create answers with one record (not a search's page, not a token).
    let makes_a_record = |id: &str| {
        let operation = mock_operation(id);
        !operation.many && !operation.types.is_empty()
    };
    for create in operations().iter().filter(|operation| {
        operation.method == "POST"
            && !operation.shape_from_overlay
            && makes_a_record(&operation.id)
            && !operation.path.contains('{')
            && operation.request_schema.is_some()
            && operation.response_media_type == "application/json"
    }) {
        // Persona's example body, else the least body the schema takes.
        let example = match create.request_examples.first() {
            Some((_, example)) => example.clone(),
            None => {
                let path = create.path.replace('~', "~0").replace('/', "~1");
                let body =
                    format!("#/paths/{path}/post/requestBody/content/application~1json/schema");
                let mut least = persona_api_tests::least_instance(&json!({ "$ref": body }));
                // A body that does not require `data` still makes its record from it; where
                // `data` is one of several kinds (a report), the first of them, named.
                if least.get("data").is_none() {
                    let data = json!({ "$ref": format!("{body}/properties/data") });
                    let member = match resolve(&data)["oneOf"].as_array() {
                        Some(members) => &members[0],
                        None => &data,
                    };
                    least["data"] = persona_api_tests::least_instance(member);
                    if let Some(kind) = resolve(member)["properties"]["type"]["enum"].get(0) {
                        least["data"]["type"] = kind.clone();
                    }
                    // The mock runs a report on a template, as Persona does, though the
                    // schema leaves it out: any report template's prefix, which
                    // `pointing_at_the_sandbox` turns into the one of the report's kind.
                    let a_report = resolve(&data)["oneOf"].is_array();
                    if let Some(template) = mock.templates().iter().find(|template| {
                        a_report && template.json_type.starts_with("report-template/")
                    }) {
                        let prefix = template.id.split_inclusive('_').next().unwrap_or_default();
                        least["data"]["attributes"]["report-template-id"] = json!(prefix);
                    }
                }
                least
            }
        };
        let example = pointing_at_the_sandbox(&mock, example);
        let example = with_what_the_user_makes_first(&raw, &create.path, example).await;
        let (status, body) = raw.send(Method::POST, &create.path, Some(&example)).await;
        assert_eq!(status, mock_status(&create.id), "{}: {body}", create.id);
        assert_conforms_as(create, status, &body);
        let Some(id) = body["data"]["id"].as_str() else {
            continue;
        };
        // The record comes back from the operation that retrieves its path's records.
        let retrieve = operations().iter().find(|operation| {
            operation.method == "GET"
                && operation.path.starts_with(&format!("{}/{{", create.path))
                && operation.path.matches('{').count() == 1
                && operation.path.ends_with('}')
        });
        if let Some(retrieve) = retrieve {
            let path = format!("{}/{id}", create.path);
            let (status, read) = raw.send(Method::GET, &path, None).await;
            assert_eq!(status, 200, "{}: {read}", retrieve.id);
            assert_conforms(retrieve, &read);
            assert_eq!(read["data"]["id"], id, "{}", retrieve.id);
        }
        created.push(create.id.as_str());
    }
    assert_eq!(
        created.len(),
        CREATES_WITH_A_RECORD,
        "creates with a record in their answer: {created:?}"
    );
}

#[tokio::test]
async fn an_account_is_created_found_tagged_updated_and_redacted_through_the_client() {
    let (_mock, client) = sandbox().await;
    let body: types::CreateAccountBody = serde_json::from_value(json!({
        "data": { "attributes": { "reference-id": "user-1", "name-first": "Ada" } }
    }))
    .expect("a create body");
    let account = client
        .create_account()
        .body(body)
        .send()
        .await
        .expect("created")
        .into_data();
    let id = account.id.to_string();
    assert!(id.starts_with("act_"), "{id}");

    let listed = client
        .list_accounts()
        .filter_reference_id("user-1")
        .send()
        .await
        .expect("listed")
        .into_inner();
    assert_eq!(listed.data.len(), 1);
    let listed = client
        .list_accounts()
        .filter_reference_id("someone-else")
        .send()
        .await
        .expect("listed")
        .into_inner();
    assert!(listed.data.is_empty(), "the filter applies");

    let tag: types::AddAccountTagBody =
        serde_json::from_value(json!({ "meta": { "tag-name": "vip" } })).expect("a tag body");
    let tagged = client
        .add_account_tag()
        .account_id(id.as_str())
        .body(tag)
        .send()
        .await
        .expect("tagged")
        .into_inner();
    let tagged = serde_json::to_value(&tagged).expect("JSON");
    assert_eq!(tagged["data"]["attributes"]["tags"], json!(["vip"]));

    let update: types::UpdateAccountBody = serde_json::from_value(json!({
        "data": { "attributes": { "name-last": "Lovelace" } }
    }))
    .expect("an update body");
    client
        .update_account()
        .account_id(id.as_str())
        .body(update)
        .send()
        .await
        .expect("updated");

    let redacted = client
        .redact_account()
        .account_id(id.as_str())
        .send()
        .await
        .expect("redacted")
        .into_inner();
    let redacted = serde_json::to_value(&redacted).expect("JSON");
    let attributes = &redacted["data"]["attributes"];
    assert!(attributes["redacted-at"].is_string(), "{attributes}");
    assert_eq!(attributes["name-last"], Value::Null, "personal data goes");
    let read = client
        .retrieve_account()
        .account_id(id.as_str())
        .send()
        .await
        .expect("a redacted account stays readable")
        .into_inner();
    let read = serde_json::to_value(&read).expect("JSON");
    assert_eq!(read["data"]["attributes"]["name-first"], Value::Null);
}

#[tokio::test]
async fn the_generic_store_refuses_by_name() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let detail = |body: &Value| {
        body["errors"][0]["details"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    let (status, body) = raw
        .send(Method::GET, "/accounts/inq_notanaccount", None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(detail(&body).contains("act_"), "names the prefix: {body}");

    let (status, body) = raw
        .send(Method::GET, "/accounts/act_doesnotexist1234567890", None)
        .await;
    assert_eq!(status, 404, "a well-formed unknown id: {body}");

    let (status, body) = raw
        .send(Method::GET, "/accounts?filter[colour]=red", None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(detail(&body).contains("filter[colour]"), "{body}");

    let (status, body) = raw
        .send(
            Method::POST,
            "/accounts",
            Some(&json!({ "data": { "attributes": { "favourite-colour": "red" } } })),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(detail(&body).contains("favourite-colour"), "{body}");

    let (status, body) = raw
        .send(
            Method::POST,
            "/cases",
            Some(&json!({ "data": { "attributes": 7 } })),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = raw.send(Method::GET, "/devices", None).await;
    assert_eq!(status, 400, "a required filter: {body}");
    assert!(
        detail(&body).contains("filter[inquiry-session-id]"),
        "{body}"
    );

    let (status, body) = raw
        .send(Method::GET, "/lists?filter[status]=gone", None)
        .await;
    assert_eq!(status, 400, "a value outside the set: {body}");
    assert!(detail(&body).contains("active, archived"), "{body}");

    let (status, body) = raw
        .send(
            Method::GET,
            "/accounts?fields[account]=favourite-colour",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(detail(&body).contains("favourite-colour"), "{body}");

    // A refused request changes nothing.
    let (_, accounts) = raw.send(Method::GET, "/accounts", None).await;
    assert_eq!(accounts["data"], json!([]));
}

#[tokio::test]
async fn a_webhook_shows_its_secret_when_made_and_not_in_the_list() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let create = operation("createWebhook");
    let list = operation("listWebhooks");
    let (status, made) = raw
        .send(
            Method::POST,
            "/webhooks",
            Some(&json!({ "data": { "attributes": {
                "url": "https://example.test/hook", "enabled-events": ["inquiry.approved"] } } })),
        )
        .await;
    assert_eq!(status, mock_status("createWebhook"), "{made}");
    assert_conforms_as(create, status, &made);
    assert!(made["data"]["attributes"].get("secret").is_some(), "{made}");
    let (_, listed) = raw.send(Method::GET, "/webhooks", None).await;
    assert_conforms(list, &listed);
    assert_eq!(listed["data"][0]["id"], made["data"]["id"]);
    assert!(
        listed["data"][0]["attributes"].get("secret").is_none(),
        "{listed}"
    );
}

#[tokio::test]
async fn an_upload_needs_the_parts_its_operation_requires() {
    let mock = MockServer::start().await.expect("the mock starts");
    let http = reqwest::Client::new();
    let url = format!("{}/importer/list-item/names", mock.base_url());
    let file = || {
        reqwest::multipart::Part::bytes(b"name_first,name_last\nAda,Lovelace\n".to_vec())
            .file_name("names.csv")
    };
    let without_list = reqwest::multipart::Form::new().part("data[attributes][file]", file());
    let response = http
        .post(&url)
        .bearer_auth(TEST_API_KEY)
        .multipart(without_list)
        .send()
        .await
        .expect("sends");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert!(
        body.to_string().contains("data[attributes][list-id]"),
        "{body}"
    );

    let (_, list) = Raw::new(&mock)
        .send(
            Method::POST,
            "/list/names",
            Some(&json!({ "data": { "attributes": { "name": "blocked names" } } })),
        )
        .await;
    let list = list["data"]["id"].as_str().expect("a list").to_string();
    let whole = reqwest::multipart::Form::new()
        .part("data[attributes][file]", file())
        .text("data[attributes][list-id]", list);
    let response = http
        .post(&url)
        .bearer_auth(TEST_API_KEY)
        .multipart(whole)
        .send()
        .await
        .expect("sends");
    assert_eq!(
        response.status().as_u16(),
        201,
        "{:?}",
        response.text().await
    );
}

/// The names of the events recorded about one object, oldest first.
pub(super) async fn events_about(raw: &Raw, id: &str) -> Vec<String> {
    let (status, events) = raw
        .send(
            Method::GET,
            &format!("/events?filter[object-id]={id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{events}");
    let mut names: Vec<String> = events["data"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|event| {
            event["attributes"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    names.reverse();
    names
}

#[tokio::test]
async fn the_other_products_announce_what_happens_with_the_specs_events() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let (_, account) = raw
        .send(
            Method::POST,
            "/accounts",
            Some(&json!({ "data": { "attributes": { "reference-id": "user-7" } } })),
        )
        .await;
    let id = account["data"]["id"].as_str().expect("an id");
    let path = format!("/accounts/{id}");
    raw.send(
        Method::POST,
        &format!("{path}/add-tag"),
        Some(&json!({ "meta": { "tag-name": "vip" } })),
    )
    .await;
    raw.send(
        Method::PATCH,
        &path,
        Some(&json!({ "data": { "attributes": { "name-first": "Ada" } } })),
    )
    .await;
    raw.send(Method::DELETE, &path, None).await;
    assert_eq!(
        events_about(&raw, id).await,
        [
            "account.created",
            "account.tag-added",
            "account.updated-fields",
            "account.redacted"
        ]
    );
    let (_, event) = raw
        .send(Method::GET, "/events?filter[name]=account.created", None)
        .await;
    assert_eq!(event["data"][0]["attributes"]["payload"]["data"]["id"], id);
}

#[tokio::test]
async fn a_report_is_ready_at_once_and_a_sanctioned_name_matches() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let create = operation("createReport");
    let template = mock
        .template_of("report-template/watchlist")
        .expect("a watchlist report template");
    let report = |name_last: &str| {
        json!({ "data": { "type": "report/watchlist", "attributes": {
            "report-template-id": template,
            "query": { "name-first": "Ada", "name-last": name_last } } } })
    };
    let (status, clean) = raw
        .send(Method::POST, "/reports", Some(&report("Lovelace")))
        .await;
    assert_eq!(status, 201, "{clean}");
    assert_conforms_as(create, status, &clean);
    let attributes = &clean["data"]["attributes"];
    assert_eq!(attributes["status"], "ready", "{clean}");
    assert_eq!(attributes["has-match"], false);
    assert_eq!(attributes["name-last"], "Lovelace", "the query it ran on");
    assert!(attributes["completed-at"].is_string());
    let id = clean["data"]["id"].as_str().expect("an id");
    assert_eq!(events_about(&raw, id).await, ["report/watchlist.ready"]);

    let (_, matched) = raw
        .send(Method::POST, "/reports", Some(&report("sanctioned")))
        .await;
    assert_eq!(
        matched["data"]["attributes"]["has-match"], true,
        "{matched}"
    );
    let id = matched["data"]["id"].as_str().expect("an id");
    assert_eq!(
        events_about(&raw, id).await,
        ["report/watchlist.ready", "report/watchlist.matched"]
    );
}

#[tokio::test]
async fn a_reference_id_names_one_account_and_an_inquiry_lands_on_it() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let account = json!({ "data": { "attributes": { "reference-id": "user-9" } } });
    let (status, made) = raw.send(Method::POST, "/accounts", Some(&account)).await;
    assert_eq!(status, 201, "{made}");
    let id = made["data"]["id"].as_str().expect("an id").to_string();

    let (status, again) = raw.send(Method::POST, "/accounts", Some(&account)).await;
    assert_eq!(status, 409, "{again}");
    assert!(
        again.to_string().contains(&id),
        "names the account: {again}"
    );
    let upsert = json!({ "data": { "attributes": { "reference-id": "user-9" } },
                         "meta": { "upsert-by": "reference-id" } });
    let (status, found) = raw.send(Method::POST, "/accounts", Some(&upsert)).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["data"]["id"], id.as_str());

    let inquiry = |attributes: Value| {
        let mut attributes = attributes;
        attributes["inquiry-template-id"] = json!(mock.template_id());
        json!({ "data": { "attributes": attributes } })
    };
    let (status, by_reference) = raw
        .send(
            Method::POST,
            "/inquiries?include=account",
            Some(&inquiry(json!({ "reference-id": "user-9" }))),
        )
        .await;
    assert_eq!(status, 201, "{by_reference}");
    assert_eq!(
        by_reference["data"]["relationships"]["account"]["data"]["id"],
        id.as_str(),
        "the account with its reference id"
    );
    assert_eq!(
        by_reference["included"][0]["attributes"]["reference-id"], "user-9",
        "the account itself is included: {by_reference}"
    );

    let (status, by_id) = raw
        .send(
            Method::POST,
            "/inquiries",
            Some(&inquiry(json!({ "account-id": id }))),
        )
        .await;
    assert_eq!(status, 201, "{by_id}");
    assert_eq!(
        by_id["data"]["relationships"]["account"]["data"]["id"],
        id.as_str()
    );

    let (status, unknown) = raw
        .send(
            Method::POST,
            "/inquiries",
            Some(&inquiry(
                json!({ "account-id": "act_NoSuchAccount1234567890ab" }),
            )),
        )
        .await;
    assert_eq!(status, 422, "{unknown}");
    assert!(unknown.to_string().contains("account-id"), "{unknown}");

    let (_, fresh) = raw
        .send(Method::POST, "/inquiries", Some(&inquiry(json!({}))))
        .await;
    let fresh_account = fresh["data"]["relationships"]["account"]["data"]["id"]
        .as_str()
        .expect("an account");
    assert_ne!(fresh_account, id);
    let (status, _) = raw
        .send(Method::GET, &format!("/accounts/{fresh_account}"), None)
        .await;
    assert_eq!(status, 200, "an inquiry without an account gets a new one");
    assert_eq!(events_about(&raw, fresh_account).await, ["account.created"]);
}

#[tokio::test]
async fn a_case_holds_its_objects_and_takes_a_status_and_an_assignee() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let (_, account) = raw
        .send(
            Method::POST,
            "/accounts",
            Some(&json!({ "data": { "attributes": {} } })),
        )
        .await;
    let account = account["data"]["id"]
        .as_str()
        .expect("an account")
        .to_string();
    let (_, report) = raw
        .send(
            Method::POST,
            "/reports",
            Some(
                &json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": mock.template_of("report-template/watchlist"), "query": { "name-last": "Sanctioned" } } } }),
            ),
        )
        .await;
    let report = report["data"]["id"].as_str().expect("a report").to_string();

    let (status, case) = raw
        .send(
            Method::POST,
            "/cases",
            Some(
                &json!({ "data": { "attributes": { "case-template-id": mock.template_of("case-template") } },
                          "meta": { "object-ids": [account, report] } }),
            ),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    assert_conforms_as(operation("createCase"), status, &case);
    let relationships = &case["data"]["relationships"];
    assert_eq!(relationships["accounts"]["data"][0]["id"], account.as_str());
    assert_eq!(relationships["reports"]["data"][0]["id"], report.as_str());
    assert_eq!(
        relationships["reports"]["data"][0]["type"],
        "report/watchlist"
    );
    let id = case["data"]["id"].as_str().expect("a case").to_string();

    let (status, refused) = raw
        .send(
            Method::POST,
            &format!("/cases/{id}/add-objects"),
            Some(&json!({ "meta": { "object-ids": ["wbh_NotSomethingACaseHolds1"] } })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused.to_string().contains("wbh_NotSomethingACaseHolds1"),
        "{refused}"
    );
    // An account the sandbox does not have: its type, and so its relationship, is unknown.
    let (status, refused) = raw
        .send(
            Method::POST,
            &format!("/cases/{id}/add-objects"),
            Some(&json!({ "meta": { "object-ids": [account, "act_NoSuchAccountInTheSandbox"] } })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("act_NoSuchAccountInTheSandbox is no object"),
        "{refused}"
    );

    let (_, removed) = raw
        .send(
            Method::POST,
            &format!("/cases/{id}/remove-objects"),
            Some(&json!({ "meta": { "object-ids": [account] } })),
        )
        .await;
    assert_eq!(
        removed["data"]["relationships"]["accounts"]["data"],
        json!([])
    );

    let (status, resolved) = raw
        .send(
            Method::POST,
            &format!("/cases/{id}/set-status"),
            Some(&json!({ "meta": { "status": "Resolved" } })),
        )
        .await;
    assert_eq!(status, 200, "{resolved}");
    assert_conforms_as(operation("setCaseStatus"), status, &resolved);
    assert_eq!(resolved["data"]["attributes"]["status"], "Resolved");
    assert!(resolved["data"]["attributes"]["resolved-at"].is_string());

    let (_, assigned) = raw
        .send(
            Method::POST,
            &format!("/cases/{id}/assign"),
            Some(&json!({ "meta": { "user-email-address": "reviewer@example.test" } })),
        )
        .await;
    assert!(
        assigned["data"]["attributes"]["assigned-at"].is_string(),
        "{assigned}"
    );
    assert_eq!(
        events_about(&raw, &id).await,
        ["case.created", "case.status-updated", "case.assigned"]
    );
}

#[tokio::test]
async fn the_sandbox_starts_with_the_templates_and_types_users_pick_in_the_dashboard() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    for (json_type, path, operation_id) in [
        ("account-type", "/account-types", "retrieveAccountType"),
        ("case-template", "/case-templates", "retrieveCaseTemplate"),
        (
            "transaction-type",
            "/transaction-types",
            "retrieveTransactionType",
        ),
    ] {
        let id = mock.template_of(json_type).expect(json_type);
        let (status, body) = raw.send(Method::GET, &format!("{path}/{id}"), None).await;
        assert_eq!(status, 200, "{json_type}: {body}");
        assert_conforms_as(operation(operation_id), status, &body);
        assert_eq!(body["data"]["id"], id);
    }
    let again = MockServer::start().await.expect("a second mock starts");
    assert_eq!(
        mock.templates(),
        again.templates(),
        "ids other than the inquiry template's are the same in every run"
    );
}

#[tokio::test]
async fn a_template_the_sandbox_lacks_is_refused_by_name_and_nothing_is_made() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let (status, refused) = raw
        .send(
            Method::POST,
            "/cases",
            Some(&json!({ "data": { "attributes": { "case-template-id": "ctmpl_NotInTheSandbox1" } } })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["errors"][0]["source"]["pointer"],
        "/data/attributes/case-template-id"
    );
    let message = refused.to_string();
    assert!(
        message.contains("case-template-id") && message.contains("ctmpl_NotInTheSandbox1"),
        "names the attribute and the id: {message}"
    );
    assert!(
        message.contains(mock.template_of("case-template").expect("a case template")),
        "names the one the sandbox has: {message}"
    );
    let (_, cases) = raw.send(Method::GET, "/cases", None).await;
    assert_eq!(cases["data"], json!([]), "a refused create makes nothing");

    let adverse_media = mock
        .template_of("report-template/adverse-media")
        .expect("an adverse-media report template");
    let (status, refused) = raw
        .send(
            Method::POST,
            "/reports",
            Some(
                &json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": adverse_media, "query": { "name-last": "Lovelace" } } } }),
            ),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let message = refused.to_string();
    assert!(
        message.contains("report-template/adverse-media") && message.contains("watchlist"),
        "names both kinds: {message}"
    );
    let (_, reports) = raw.send(Method::GET, "/reports", None).await;
    assert_eq!(reports["data"], json!([]), "a refused create makes nothing");
}

#[tokio::test]
async fn triggering_the_sandbox_workflow_makes_a_run_of_it() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let workflow = mock.template_of("workflow").expect("a workflow");
    let (status, run) = raw
        .send(
            Method::POST,
            &format!("/workflows/{workflow}/trigger"),
            Some(&json!({ "data": { "attributes": { "preferred-name": "Ada" } } })),
        )
        .await;
    assert_eq!(status, mock_status("createWorkflowRun"), "{run}");
    assert_conforms_as(operation("createWorkflowRun"), status, &run);
    assert_eq!(run["data"]["type"], "workflow-run");
    assert_eq!(
        run["data"]["relationships"]["workflow"]["data"]["id"],
        workflow
    );
    let id = run["data"]["id"].as_str().expect("a run id");
    let (status, read) = raw
        .send(Method::GET, &format!("/workflow-runs/{id}"), None)
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["data"]["id"], id);
    assert_eq!(events_about(&raw, id).await, ["workflow-run.created"]);

    let (status, refused) = raw
        .send(
            Method::POST,
            "/workflows/wfl_NotInTheSandbox1/trigger",
            Some(&json!({ "data": { "attributes": {} } })),
        )
        .await;
    assert_eq!(status, 404, "{refused}");
}

/// A new inquiry on the sandbox's template, with Ada Lovelace's name and birthdate; its id.
async fn new_ada_inquiry(raw: &Raw, mock: &MockServer) -> String {
    let (status, inquiry) = raw
        .send(
            Method::POST,
            "/inquiries",
            Some(&json!({ "data": { "attributes": {
                "inquiry-template-id": mock.template_id(),
                "fields": { "name-first": "Ada", "name-last": "Lovelace", "birthdate": "1815-12-10" } } } })),
        )
        .await;
    assert_eq!(status, 201, "{inquiry}");
    inquiry["data"]["id"].as_str().expect("an id").to_string()
}

#[tokio::test]
async fn a_simulated_verification_is_a_record_of_its_own_linked_both_ways() {
    let (mock, client) = sandbox().await;
    let raw = Raw::new(&mock);
    let template = mock
        .template_of("verification-template/government-id")
        .expect("the sandbox's government-id verification template");
    let inquiry = new_ada_inquiry(&raw, &mock).await;
    let (status, simulated) = raw
        .send(
            Method::POST,
            &format!("/inquiries/{inquiry}/perform-simulate-actions"),
            Some(&json!({ "meta": { "simulate-actions": [{
                "type": "create_failed_verification",
                "data": { "verification-template-id": template } }] } })),
        )
        .await;
    assert_eq!(status, 200, "{simulated}");
    let links = &simulated["data"]["relationships"]["verifications"]["data"];
    assert_eq!(links[0]["type"], "verification/government-id", "{links}");
    let id = links[0]["id"]
        .as_str()
        .expect("a verification id")
        .to_string();

    for (path, operation_id) in [
        ("/verifications", "retrieveVerification"),
        (
            "/verification/government-ids",
            "retrieveGovernmentIdVerification",
        ),
    ] {
        let (status, read) = raw.send(Method::GET, &format!("{path}/{id}"), None).await;
        assert_eq!(status, 200, "{path}: {read}");
        assert_conforms_as(operation(operation_id), status, &read);
        let verification = &read["data"];
        assert_eq!(verification["attributes"]["status"], "failed");
        assert_eq!(verification["attributes"]["name-last"], "Lovelace");
        let failed: Vec<&Value> = verification["attributes"]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|check| check["status"] == "failed")
            .map(|check| &check["name"])
            .collect();
        assert_eq!(failed, [&json!("id_inquiry_comparison")]);
        assert_eq!(
            verification["relationships"]["inquiry"]["data"]["id"],
            inquiry.as_str()
        );
        assert_eq!(
            verification["relationships"]["verification-template"]["data"]["id"],
            template
        );
    }
    let (status, _) = raw
        .send(Method::GET, &format!("/verification/selfies/{id}"), None)
        .await;
    assert_eq!(status, 404, "a government-id verification is no selfie");
    client
        .retrieve_verification()
        .verification_id(id.as_str())
        .send()
        .await
        .expect("the client reads it");
    assert_eq!(
        events_about(&raw, &id).await,
        [
            "verification.created",
            "verification.submitted",
            "verification.failed"
        ]
    );
    // What the ID verification captured: a document of its own, linked from both.
    let (_, verification) = raw
        .send(Method::GET, &format!("/verifications/{id}"), None)
        .await;
    let document = verification["data"]["relationships"]["document"]["data"]["id"]
        .as_str()
        .expect("the captured ID")
        .to_string();
    for (path, operation_id) in [
        ("/documents", "retrieveDocument"),
        ("/document/government-ids", "retrieveGovernmentIdDocument"),
    ] {
        let (status, read) = raw
            .send(Method::GET, &format!("{path}/{document}"), None)
            .await;
        assert_eq!(status, 200, "{path}: {read}");
        assert_conforms_as(operation(operation_id), status, &read);
        assert_eq!(read["data"]["type"], "document/government-id");
        assert_eq!(read["data"]["attributes"]["status"], "processed");
    }
    assert_eq!(
        events_about(&raw, &document).await,
        [
            "document.created",
            "document.submitted",
            "document.processed"
        ]
    );

    let (status, _) = raw
        .send(Method::DELETE, &format!("/inquiries/{inquiry}"), None)
        .await;
    assert_eq!(status, 200);
    let (_, redacted) = raw
        .send(Method::GET, &format!("/verifications/{id}"), None)
        .await;
    let attributes = &redacted["data"]["attributes"];
    assert!(attributes["redacted-at"].is_string(), "{redacted}");
    assert_eq!(
        attributes["name-last"],
        Value::Null,
        "redacted with its inquiry"
    );
}

/// Each kind the sandbox simulates runs from its own verification template, and the inquiry
/// holds what it made under Persona's relationship for it; an unknown template changes nothing.
#[tokio::test]
async fn each_verification_template_runs_its_kind_and_the_inquiry_holds_what_it_captured() {
    let (mock, _) = sandbox().await;
    let raw = Raw::new(&mock);
    let inquiry = new_ada_inquiry(&raw, &mock).await;
    let simulate = async |template: &str| {
        raw.send(
            Method::POST,
            &format!("/inquiries/{inquiry}/perform-simulate-actions?include=verifications,documents,selfies"),
            Some(&json!({ "meta": { "simulate-actions": [{
                "type": "create_passed_verification",
                "data": { "verification-template-id": template } }] } })),
        )
        .await
    };

    let (status, refused) = simulate("vtmpl_NotInTheSandbox1").await;
    assert_eq!(status, 422, "{refused}");
    let detail = refused.to_string();
    assert!(detail.contains("vtmpl_NotInTheSandbox1"), "{detail}");
    let government_id = mock
        .template_of("verification-template/government-id")
        .expect("the sandbox's government-id template");
    assert!(
        detail.contains(government_id),
        "names what the sandbox has: {detail}"
    );

    // kind, its retrieve, the relationship of the inquiry holding its capture, and the
    // capture's type
    for (kind, retrieve, held_as, captured) in [
        (
            "selfie",
            "retrieveSelfieVerification",
            Some("selfies"),
            "selfie/profile-and-center",
        ),
        ("database", "retrieveDatabaseVerification", None, ""),
        (
            "document",
            "retrieveDocumentVerification",
            Some("documents"),
            "document/generic",
        ),
    ] {
        let template = mock
            .template_of(&format!("verification-template/{kind}"))
            .expect("the sandbox has a template of each simulated kind");
        let (status, simulated) = simulate(template).await;
        assert_eq!(status, 200, "{kind}: {simulated}");
        let relationships = &simulated["data"]["relationships"];
        let verification = relationships["verifications"]["data"]
            .as_array()
            .and_then(|links| links.last())
            .expect("the new verification")
            .clone();
        assert_eq!(verification["type"], format!("verification/{kind}"));
        let id = verification["id"].as_str().expect("an id");
        let (status, read) = raw
            .send(Method::GET, &format!("/verification/{kind}s/{id}"), None)
            .await;
        assert_eq!(status, 200, "{kind}: {read}");
        assert_conforms_as(operation(retrieve), status, &read);
        let checks = read["data"]["attributes"]["checks"]
            .as_array()
            .expect("checks");
        assert!(
            checks.iter().all(|check| check["status"] == "passed"),
            "{kind}: {checks:?}"
        );
        if kind == "database" {
            assert_eq!(read["data"]["attributes"]["birthdate"], "1815-12-10");
        }
        let included: Vec<&Value> = simulated["included"]
            .as_array()
            .expect("included")
            .iter()
            .collect();
        assert!(
            included.iter().any(|object| object["id"] == id),
            "{kind}: included"
        );
        if let Some(held_as) = held_as {
            let capture = relationships[held_as]["data"]
                .as_array()
                .and_then(|links| links.last())
                .expect("what it captured");
            assert_eq!(capture["type"], captured, "{kind}");
            assert!(included.iter().any(|object| object["id"] == capture["id"]));
        }
    }
    let (_, read) = raw
        .send(Method::GET, &format!("/inquiries/{inquiry}"), None)
        .await;
    let held = |name: &str| {
        read["data"]["relationships"][name]["data"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(
        (held("verifications"), held("documents"), held("selfies")),
        (3, 1, 1),
        "the refused action added nothing"
    );
}

#[tokio::test]
async fn a_relay_starts_without_the_api_key_and_its_claim_takes_a_privacy_pass_token() {
    let mock = MockServer::start().await.expect("the mock starts");
    let http = reqwest::Client::new();
    let base = mock.base_url();
    // Anyone may start a relay: no Authorization at all.
    let started = http
        .post(format!("{base}/relays"))
        .json(&json!({ "data": { "attributes": {} } }))
        .send()
        .await
        .expect("sends");
    assert_ne!(started.status().as_u16(), 401, "{:?}", started.text().await);

    let claim = |authorization: &'static str| {
        http.post(format!(
            "{base}/relays/relay_AbcDeFGhIjKlMnOpQrStUvWxYz1/generate-claim"
        ))
        .header("Authorization", authorization)
        .header(
            "Persona-Relay-Secret",
            "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
        )
        .json(&json!({}))
        .send()
    };
    let with_the_key = claim("Bearer persona_sandbox_test_key")
        .await
        .expect("sends");
    assert_eq!(with_the_key.status().as_u16(), 401);
    let refused: Value = with_the_key.json().await.expect("an error document");
    let details = refused["errors"][0]["details"].as_str().unwrap_or_default();
    assert!(details.contains("PrivateToken token="), "{refused}");
    assert_conforms_as(operation("generateRelayClaim"), 401, &refused);

    let with_a_token = claim("PrivateToken token=\"sandbox-token\"")
        .await
        .expect("sends");
    assert_ne!(with_a_token.status().as_u16(), 401);
}

#[tokio::test]
async fn a_report_shows_its_query_where_its_kind_shows_each_member() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    // A business adverse media report takes `query.term` and shows it as `term`; its `query`
    // holds what the business is known by, which the request did not send.
    let body = json!({ "data": { "type": "report/business-adverse-media", "attributes": {
        "report-template-id": mock.template_of("report-template/business-adverse-media"),
        "query": { "term": "Sanctioned" } } } });
    let (status, report) = raw.send(Method::POST, "/reports", Some(&body)).await;
    assert_eq!(status, 201, "{report}");
    assert_conforms_as(operation("createReport"), status, &report);
    let attributes = &report["data"]["attributes"];
    assert_eq!(attributes["term"], "Sanctioned", "{report}");
    assert_eq!(attributes["query"], json!({}), "{report}");
    assert_eq!(
        attributes["has-match"], true,
        "the term is the sandbox's match"
    );
    let id = report["data"]["id"].as_str().expect("an id");
    let (_, again) = raw
        .send(Method::POST, &format!("/reports/{id}/run"), None)
        .await;
    assert_eq!(again["data"]["attributes"]["has-match"], true, "{again}");
}

#[tokio::test]
async fn a_request_string_with_a_pattern_is_refused_unless_it_matches() {
    let mock = MockServer::start().await.expect("the mock starts");
    let raw = Raw::new(&mock);
    let report = |ssn: &str| {
        json!({ "data": { "type": "report/synthetic", "attributes": {
            "report-template-id": mock.template_of("report-template/synthetic"),
            "query": { "name-first": "Ada", "name-last": "Lovelace", "birthdate": "1994-04-12",
                       "address-street-1": "1 Main St", "address-city": "Springfield",
                       "address-subdivision": "Illinois", "address-postal-code": "62701",
                       "address-country-code": "US", "social-security-number": ssn } } } })
    };
    let (status, refused) = raw
        .send(Method::POST, "/reports", Some(&report("123456789")))
        .await;
    assert_eq!(status, 400, "{refused}");
    let details = refused["errors"][0]["details"].as_str().unwrap_or_default();
    assert!(
        details.contains("data.attributes.query.social-security-number")
            && details.contains("123456789"),
        "{refused}"
    );
    let (_, reports) = raw.send(Method::GET, "/reports", None).await;
    assert_eq!(reports["data"], json!([]), "nothing was made");
    let (status, made) = raw
        .send(Method::POST, "/reports", Some(&report("123-45-6789")))
        .await;
    assert_eq!(status, 201, "{made}");
}
