//! persona-api in production conditions, against persona-mock and its fault injection: typed
//! errors, retries that never create twice, timeouts, pagination streams, typed ids.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use persona_api::types;
use persona_api::{
    Client, Error, InquiryId, InquiryTemplateId, Paginate, ResponseMetadata, RetryPolicy,
};
use persona_api_tests::fixed_server::FixedServer;
use persona_api_tests::{TEST_API_KEY, create_jane_doe};
use persona_mock::{Fault, MockServer};
use serde_json::json;

/// Retries without long waits, so fault tests stay fast.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

async fn sandbox(policy: RetryPolicy) -> (MockServer, Client) {
    let mock = MockServer::start().await.expect("the mock starts");
    let client = mock
        .client_builder()
        .retry_policy(policy)
        .build()
        .expect("valid settings");
    (mock, client)
}

#[tokio::test]
async fn an_error_passed_on_with_question_mark_prints_personas_message_whatever_the_callers_error_type()
 {
    async fn retrieve(client: &Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        client
            .retrieve_inquiry()
            .inquiry_id("inq_doesnotexist")
            .send()
            .await?;
        Ok(())
    }
    let (_mock, client) = sandbox(RetryPolicy::none()).await;
    let error = retrieve(&client).await.expect_err("no such inquiry");
    assert_eq!(error.to_string(), "Record not found");
    let ours = error
        .downcast_ref::<Error>()
        .expect("the boxed error is persona_api::Error");
    let api = ours.api().expect("an API error");
    assert_eq!(api.status.as_u16(), 404);
    assert!(
        api.request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("req_")),
        "{api:?}"
    );
}

#[tokio::test]
async fn an_api_error_reads_like_the_guide_and_carries_the_response_facts() {
    let (mock, client) = sandbox(quick_retries()).await;
    // The guide's request with the guide's mistake (`itm_`), as a body read from JSON: ids read
    // from JSON are taken as sent, so it reaches the server, which refuses it. (Built with
    // `NewInquiry`, the id is refused before sending: see the body-id test.)
    let mut request = persona_api_tests::fixtures::guide().request.clone();
    request["data"]["attributes"]["inquiry-template-id"] = json!("itm_zxDohzpCMnKNnj4no2dDuah8");
    let body: types::CreateInquiryRequest =
        serde_json::from_value(request).expect("the guide's body");
    let error = client.create_inquiry().body(body).send().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Bad request: data.attributes.inquiry_template_id must start with itmpl (sent 'itm_zxDohzpCMnKNnj4no2dDuah8')"
    );
    let api = error.api().expect("an API error");
    assert_eq!(api.status.as_u16(), 400);
    assert!(
        api.request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("req_"))
    );
    assert_eq!(api.rate_limit.expect("rate limit").limit, 300);
    assert!(!api.is_retryable());

    let raw = reqwest::Client::new()
        .post(format!(
            "{}/inquiries/{}/add-tag",
            mock.base_url(),
            create_jane_doe(&client, mock.template_id())
                .await
                .expect("creates")
        ))
        .bearer_auth(TEST_API_KEY)
        .json(&json!({"meta": {}}))
        .send()
        .await
        .expect("sends");
    assert_eq!(raw.status().as_u16(), 422);
    let id = create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    let empty_tag: types::InquiryTagRequest =
        serde_json::from_value(json!({"meta": {}})).expect("request");
    let error: Error = client
        .add_inquiry_tag()
        .inquiry_id(&id)
        .body(empty_tag)
        .send()
        .await
        .unwrap_err();
    let detail = &error.api().expect("an API error").errors[0];
    assert_eq!(
        (detail.title.as_deref(), detail.pointer.as_deref()),
        (Some("Record invalid"), Some("/meta/tag-name"))
    );
}

#[tokio::test]
async fn successful_responses_expose_request_id_and_rate_limit() {
    let (_mock, client) = sandbox(quick_retries()).await;
    let response = client.list_inquiry_templates().send().await.expect("lists");
    assert!(
        response
            .request_id()
            .is_some_and(|id| id.starts_with("req_"))
    );
    let limit = response.rate_limit().expect("rate limit headers");
    assert_eq!((limit.limit, limit.remaining), (300, 299));
    assert!(limit.reset <= Duration::from_secs(60));
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_the_json_path() {
    let server = FixedServer::start(
        200,
        "application/json",
        r#"{"data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved", "created-at": "yesterday"}}}"#,
    )
    .await;
    let client = Client::builder(TEST_API_KEY)
        .base_url(server.base_url())
        .build()
        .expect("valid");
    let error: Error = client
        .retrieve_inquiry()
        .inquiry_id("inq_1")
        .send()
        .await
        .unwrap_err();
    match &error {
        Error::Decode(decode) => {
            assert_eq!(decode.path, "data.attributes.created-at");
            assert!(
                decode.snippet.contains("yesterday") && decode.snippet.chars().count() <= 122,
                "{}",
                decode.snippet
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("unexpected response body at `data.attributes.created-at`")
    );
}

#[tokio::test]
async fn an_html_error_page_becomes_an_api_error_with_its_status() {
    let server = FixedServer::start(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    .await;
    let client = Client::builder(TEST_API_KEY)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid");
    let error: Error = client.list_inquiries().send().await.unwrap_err();
    let api = error.api().expect("an API error, not a decoding error");
    assert_eq!(api.status.as_u16(), 502);
    assert_eq!(api.errors[0].title.as_deref(), Some("Bad Gateway"));
    assert!(
        api.errors[0]
            .details
            .as_deref()
            .is_some_and(|details| details.contains("<h1>502 Bad Gateway</h1>"))
    );
}

#[tokio::test]
async fn transport_failures_and_timeouts_are_distinct_and_never_show_the_key() {
    let secret = "persona_sandbox_SECRETVALUE123";
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed_url = format!("http://{}/api/v1", closed.local_addr().expect("address"));
    drop(closed);
    let client = Client::builder(secret)
        .base_url(closed_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid");
    let refused: Error = client.list_inquiries().send().await.unwrap_err();
    assert!(matches!(refused, Error::Transport(_)), "{refused:?}");

    let mock = MockServer::start().await.expect("starts");
    let impatient = Client::builder(secret)
        .base_url(mock.base_url())
        .timeout(Duration::from_millis(50))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid");
    mock.faults()
        .inject_next(1, Fault::Delay(Duration::from_millis(300)));
    let timeout: Error = impatient.list_inquiries().send().await.unwrap_err();
    assert!(matches!(timeout, Error::Timeout(_)), "{timeout:?}");
    let not_found: Error = impatient
        .retrieve_inquiry()
        .inquiry_id("inq_x")
        .send()
        .await
        .unwrap_err();

    for error in [&refused, &timeout, &not_found] {
        let printed = format!("{error} {error:?}");
        assert!(!printed.contains("SECRETVALUE123"), "{printed}");
    }
    assert!(!format!("{impatient:?}").contains("SECRETVALUE123"));
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let (mock, client) = sandbox(quick_retries()).await;
    mock.faults().inject_next(1, Fault::Status(503));
    mock.faults().inject_next(1, Fault::DropConnection);
    mock.faults().inject_next(1, Fault::Status(500));
    let before = mock.requests_received();
    client
        .list_inquiry_templates()
        .send()
        .await
        .expect("the fourth attempt succeeds");
    assert_eq!(mock.requests_received() - before, 4);
}

/// Walks every id kind of the spec: each refuses an id without its prefix, naming the kind and
/// the prefix the spec gives it.
#[test]
fn every_id_kind_refuses_a_wrong_prefix_by_name() {
    let kinds = persona_api_tests::id_kinds::id_kinds();
    assert!(kinds.len() >= 11, "the spec's id kinds");
    for kind in kinds {
        assert_eq!(kind.declared_prefix, kind.prefix, "{}", kind.name);
        assert_eq!(
            kind.refusal,
            Err(format!(
                "{} id must start with `{}` (sent '{}')",
                kind.noun,
                kind.prefix,
                persona_api_tests::id_kinds::WRONG_ID
            )),
            "{}",
            kind.name
        );
    }
}

#[tokio::test]
async fn a_path_id_of_the_wrong_prefix_is_refused_before_anything_is_sent() {
    let (mock, client) = sandbox(quick_retries()).await;
    let before = mock.requests_received();
    let refused = client
        .retrieve_inquiry()
        .inquiry_id("itmpl_zxDohzpCMnKNnj4no2dDuah8")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "invalid request: an inquiry id must start with `inq_` (sent 'itmpl_zxDohzpCMnKNnj4no2dDuah8')"
    );
    let template = mock.template_id().to_string();
    client
        .retrieve_inquiry_template()
        .inquiry_template_id(&template)
        .send()
        .await
        .expect("a String with the right prefix goes in");
    assert_eq!(
        mock.requests_received() - before,
        1,
        "only the good id was sent"
    );
}

#[tokio::test]
async fn a_body_id_of_the_wrong_prefix_is_refused_before_anything_is_sent() {
    let (mock, client) = sandbox(quick_retries()).await;
    let before = mock.requests_received();
    let session = client
        .create_inquiry_session()
        .body(persona_api::NewInquirySession::new(
            "itmpl_zxDohzpCMnKNnj4no2dDuah8",
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        session.to_string(),
        "invalid request: conversion to `CreateInquirySessionRequest` for body failed: \
         an inquiry id must start with `inq_` (sent 'itmpl_zxDohzpCMnKNnj4no2dDuah8')"
    );
    let inquiry = client
        .create_inquiry()
        .body(persona_api::NewInquiry::from_template(mock.template_id()).account_id("inq_1"))
        .send()
        .await
        .unwrap_err();
    assert!(
        inquiry
            .to_string()
            .ends_with("an account id must start with `act_` (sent 'inq_1')"),
        "{inquiry}"
    );
    let expire = client
        .expire_all_inquiry_sessions()
        .body(persona_api::ExpireSessions::new(["inq_1", "act_2"]))
        .send()
        .await
        .unwrap_err();
    assert!(
        expire
            .to_string()
            .ends_with("an inquiry id must start with `inq_` (sent 'act_2')"),
        "{expire}"
    );
    assert_eq!(mock.requests_received(), before, "nothing was sent");
}

#[tokio::test]
async fn one_call_sets_its_own_retries_and_timeout() {
    // The client retries nothing; one call asks for retries and gets through a 503.
    let (mock, client) = sandbox(RetryPolicy::none()).await;
    mock.faults().inject_next(1, Fault::Status(503));
    let refused = client.list_inquiry_templates().send().await.unwrap_err();
    assert!(
        matches!(&refused, Error::Api(api) if api.status == 503),
        "{refused:?}"
    );
    mock.faults().inject_next(1, Fault::Status(503));
    let before = mock.requests_received();
    client
        .list_inquiry_templates()
        .retry_policy(quick_retries())
        .send()
        .await
        .expect("this call retries the 503");
    assert_eq!(mock.requests_received() - before, 2);
    // The next call has the client's settings again: the 503 comes back.
    mock.faults().inject_next(1, Fault::Status(503));
    assert!(client.list_inquiry_templates().send().await.is_err());

    // The client waits long enough for a slow answer; one call does not.
    mock.faults()
        .inject_next(1, Fault::Delay(Duration::from_millis(300)));
    let impatient = client
        .list_inquiry_templates()
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(impatient, Error::Timeout(_)), "{impatient:?}");
    mock.faults()
        .inject_next(1, Fault::Delay(Duration::from_millis(100)));
    client
        .list_inquiry_templates()
        .send()
        .await
        .expect("the client's own timeout is the default 30 s");
    // Both together: each attempt may take 50 ms, and a slow first attempt is retried.
    mock.faults()
        .inject_next(1, Fault::Delay(Duration::from_millis(300)));
    client
        .list_inquiry_templates()
        .timeout(Duration::from_millis(50))
        .retry_policy(quick_retries())
        .send()
        .await
        .expect("the second attempt answers in time");
}

#[tokio::test]
async fn a_create_whose_response_was_lost_is_retried_without_creating_twice() {
    let (mock, client) = sandbox(quick_retries()).await;
    // The first attempt creates the inquiry but its response never arrives.
    mock.faults().inject_next(1, Fault::DropResponse);
    let id = create_jane_doe(&client, mock.template_id())
        .await
        .expect("the retry replays the first response");
    assert_eq!(mock.inquiry_count(), 1);
    assert_eq!(mock.requests_received(), 2);
    client
        .retrieve_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("the replayed id is the stored one");
    // Many calls through random faults of every kind: see
    // fifty_clients_creating_through_faults_create_each_inquiry_exactly_once.
}

#[tokio::test]
async fn a_patch_without_a_key_is_not_retried() {
    let (mock, client) = sandbox(quick_retries()).await;
    let id = create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    mock.faults().inject_next(1, Fault::Status(503));
    let before = mock.requests_received();
    let update: types::UpdateInquiryRequest =
        serde_json::from_value(json!({"data": {"attributes": {"note": "n"}}})).expect("request");
    let error: Error = client
        .update_inquiry()
        .inquiry_id(&id)
        .body(update.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(mock.requests_received() - before, 1);

    mock.faults().inject_next(1, Fault::Status(503));
    client
        .update_inquiry()
        .inquiry_id(&id)
        .idempotency_key("patch-1")
        .body(update)
        .send()
        .await
        .expect("retried with a key");
}

#[tokio::test]
async fn a_429_waits_for_the_rate_limit_reset() {
    let (mock, client) = sandbox(quick_retries()).await;
    mock.faults().inject_next(1, Fault::Status(429));
    let started = Instant::now();
    client
        .list_inquiry_templates()
        .send()
        .await
        .expect("succeeds after the reset");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retries_can_be_turned_off_and_are_bounded() {
    let (mock, client) = sandbox(RetryPolicy::none()).await;
    mock.faults().inject_next(1, Fault::Status(503));
    let error: Error = client.list_inquiry_templates().send().await.unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(mock.requests_received(), 1);

    let (mock, client) = sandbox(quick_retries().max_attempts(3)).await;
    mock.faults().inject_next(5, Fault::Status(503));
    let error: Error = client.list_inquiry_templates().send().await.unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(mock.requests_received(), 3);
}

#[tokio::test]
async fn the_overall_timeout_bounds_a_call_and_its_retries() {
    let mock = MockServer::start().await.expect("starts");
    let client = mock
        .client_builder()
        .timeout(Duration::from_millis(100))
        .overall_timeout(Duration::from_millis(350))
        .retry_policy(quick_retries().max_attempts(10))
        .build()
        .expect("valid");
    mock.faults()
        .inject_next(10, Fault::Delay(Duration::from_millis(500)));
    let started = Instant::now();
    let error: Error = client.list_inquiry_templates().send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_list_streams_page_by_page() {
    let (mock, client) = sandbox(quick_retries()).await;
    let mut created = Vec::new();
    for _ in 0..25 {
        created.push(
            create_jane_doe(&client, mock.template_id())
                .await
                .expect("creates"),
        );
    }
    created.reverse();
    let before = mock.requests_received();
    let streamed: Vec<InquiryId> = client
        .list_inquiries()
        .page_size(10)
        .filter_status("created")
        .into_stream()
        .map_ok(|inquiry| inquiry.id)
        .try_collect()
        .await
        .expect("streams");
    assert_eq!(streamed, created, "every inquiry once, newest first");
    assert_eq!(mock.requests_received() - before, 3, "three pages");

    let before = mock.requests_received();
    let first_five: Vec<_> = client
        .list_inquiries()
        .page_size(10)
        .into_stream()
        .take(5)
        .collect()
        .await;
    assert_eq!(first_five.len(), 5);
    assert_eq!(
        mock.requests_received() - before,
        1,
        "later pages are not fetched"
    );

    let search = client
        .search_inquiries()
        .page_size(7)
        .body(types::SearchInquiriesRequest::builder());
    assert_eq!(
        search
            .into_stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("streams")
            .len(),
        25
    );
    let templates = client
        .list_inquiry_templates()
        .page_size(1)
        .into_stream()
        .try_collect::<Vec<_>>()
        .await
        .expect("streams");
    assert_eq!(templates.len(), 2);
    let sessions = client
        .list_inquiry_sessions()
        .into_stream()
        .try_collect::<Vec<_>>()
        .await
        .expect("streams");
    assert!(sessions.is_empty());
    let versions = client
        .list_inquiry_template_versions()
        .filter_inquiry_template_id(mock.template_id())
        .into_stream();
    assert_eq!(
        versions
            .try_collect::<Vec<_>>()
            .await
            .expect("streams")
            .len(),
        1
    );
}

#[tokio::test]
async fn typed_ids_check_input_and_pass_into_requests() {
    let (mock, client) = sandbox(quick_retries()).await;
    let error = "itm_zxDohzpCMnKNnj4no2dDuah8"
        .parse::<InquiryTemplateId>()
        .unwrap_err();
    assert_eq!(
        Error::from(error).to_string(),
        "an inquiry template id must start with `itmpl_` (sent 'itm_zxDohzpCMnKNnj4no2dDuah8')"
    );
    let template: InquiryTemplateId = mock.template_id().parse().expect("a template id");
    let id = InquiryId::from_server(
        create_jane_doe(&client, template.as_str())
            .await
            .expect("creates"),
    );
    let inquiry = client
        .retrieve_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(inquiry.data.id, id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_creating_through_faults_create_each_inquiry_exactly_once() {
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .start()
        .await
        .expect("starts");
    // One request in five fails: rate limited, unavailable, or the connection dropped before or
    // after the inquiry was created.
    mock.faults().inject_randomly(
        0.2,
        vec![
            Fault::Status(429),
            Fault::Status(503),
            Fault::DropConnection,
            Fault::DropResponse,
        ],
        2026,
    );
    let client = mock
        .client_builder()
        .retry_policy(
            quick_retries()
                .max_attempts(12)
                .max_elapsed(Duration::from_secs(60)),
        )
        .build()
        .expect("valid");
    let started = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, template) = (client.clone(), mock.template_id().to_string());
            tokio::spawn(async move {
                let mut ids = Vec::with_capacity(20);
                for _ in 0..20 {
                    ids.push(
                        create_jane_doe(&client, &template)
                            .await
                            .expect("creates despite faults"),
                    );
                }
                ids
            })
        })
        .collect();
    let mut created = BTreeSet::new();
    for task in tasks {
        created.extend(task.await.expect("joins"));
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "bounded in time: {:?}",
        started.elapsed()
    );
    assert_eq!(
        (created.len(), mock.inquiry_count()),
        (1000, 1000),
        "none lost, none duplicated"
    );

    mock.faults().clear();
    let listed: Vec<InquiryId> = client
        .list_inquiries()
        .page_size(100)
        .into_stream()
        .map_ok(|inquiry| inquiry.id)
        .try_collect()
        .await
        .expect("streams");
    assert_eq!(listed.len(), 1000);
    assert_eq!(
        listed.iter().cloned().collect::<BTreeSet<_>>(),
        created,
        "every id comes back once"
    );
}

#[tokio::test]
async fn ids_in_responses_are_typed_and_go_straight_into_the_next_call() {
    let (mock, client) = sandbox(RetryPolicy::none()).await;
    let created: InquiryId = create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    let inquiry = client
        .retrieve_inquiry()
        .inquiry_id(&created)
        .send()
        .await
        .expect("retrieves")
        .into_inner()
        .data;
    assert_eq!(inquiry.id, created);
    let template: &InquiryTemplateId = inquiry
        .relationships
        .as_ref()
        .and_then(|links| links.inquiry_template.as_ref())
        .and_then(|link| link.id())
        .expect("a template link");
    assert_eq!(*template, mock.template_id());
    let fetched = client
        .retrieve_inquiry_template()
        .inquiry_template_id(template)
        .send()
        .await
        .expect("retrieves the template")
        .into_inner()
        .data;
    assert_eq!(&fetched.id, template);
    let version = fetched
        .relationships
        .as_ref()
        .and_then(|links| links.latest_published_version.as_ref())
        .and_then(|link| link.id())
        .expect("a published version");
    assert!(version.starts_with(persona_api::InquiryTemplateVersionId::PREFIX));
}

/// An upload is held as bytes, not streamed, so a retry sends the same form again under the
/// same idempotency key; and an error the server answers with is Persona's error.
#[tokio::test]
async fn an_upload_is_retried_whole_and_its_errors_are_personas() {
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    // 503, then the import's documented answer; every request's body and key kept.
    let seen: Arc<Mutex<Vec<(Bytes, String)>>> = Arc::default();
    let created = persona_api_tests::operation("importNameLists").response_examples[0]
        .1
        .clone();
    let state = seen.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (state, created) = (state.clone(), created.clone());
        async move {
            let key = headers["idempotency-key"].to_str().unwrap_or_default();
            let mut seen = state.lock().expect("not poisoned");
            seen.push((body, key.to_string()));
            if seen.len() == 1 {
                let busy = json!({"errors": [{"title": "Service unavailable"}]});
                (StatusCode::SERVICE_UNAVAILABLE, axum::Json(busy)).into_response()
            } else {
                (StatusCode::CREATED, axum::Json(created)).into_response()
            }
        }
    });
    let server = persona_api_tests::loopback::serve(app).await;
    let client = Client::builder(TEST_API_KEY)
        .base_url(server.url("/api/v1"))
        .retry_policy(quick_retries())
        .build()
        .expect("valid settings");
    let file = persona_api::Upload::csv("names.csv", "name_first,name_last\nJane,Doe\n");
    let import = client
        .import_name_lists_from_file("lst_made_up_1", file.clone())
        .send()
        .await
        .expect("the retry gets through");
    assert_eq!(import.status().as_u16(), 201);
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(seen.len(), 2, "one 503, one retry");
    assert_eq!(seen[0], seen[1], "the same bytes under the same key");
    let body = String::from_utf8_lossy(&seen[0].0);
    assert!(
        body.contains("name=\"data[attributes][file]\"; filename=\"names.csv\""),
        "{body}"
    );
    assert!(body.contains("Jane,Doe"), "{body}");

    let refusing = FixedServer::start(
        422,
        "application/json",
        r#"{"errors":[{"title":"Invalid file","details":"a row has no name"}]}"#,
    )
    .await;
    let client = Client::builder(TEST_API_KEY)
        .base_url(refusing.base_url())
        .build()
        .expect("valid settings");
    let refused = client
        .import_name_lists_from_file("lst_made_up_1", file)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Api(api) if api.status == 422),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("a row has no name"),
        "{refused}"
    );
}
