//! The behaviours Persona documents: pagination, idempotency keys, the rate limit, injected
//! faults, concurrency, and that a refused request changes nothing.

use std::collections::BTreeSet;

use persona_api::{Error, RetryPolicy};
use persona_api_tests::{create_inquiry, create_jane_doe, jane_doe};
use persona_mock::{Fault, MockServer};
use reqwest::Method;
use serde_json::{Value, json};

use super::{api_error, client_for, raw_request, sandbox, sandbox_state};

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

    let other = jane_doe(mock.template_id()).note("different");
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
        .expect_err("limited");
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
        .expect_err("dropped");
    assert!(matches!(dropped, Error::Transport(_)), "{dropped:?}");

    let impatient = mock
        .client_builder()
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
        .expect_err("times out");
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
            tokio::spawn(async move { create_inquiry(&c, body).await.expect("creates") })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.expect("joins"));
    }
    assert_eq!((ids.len(), mock.inquiry_count()), (20, 20));
}

/// A mock that takes as many requests as a test sends: these tests read the whole sandbox
/// after each refusal.
async fn unlimited_sandbox() -> (MockServer, persona_api::Client) {
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .start()
        .await
        .expect("the mock starts");
    let client = client_for(&mock);
    (mock, client)
}

#[tokio::test]
async fn a_refused_request_changes_nothing_in_the_inquiry_familys_states() {
    let (mock, c) = unlimited_sandbox().await;
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

/// Walked from the mock's route table, not listed: every mutating operation of every product,
/// sent an id of no kind in each path parameter, and (where it reads `data.attributes`)
/// attributes that are no object, on a record the sandbox holds. Each is refused, changes nothing
/// the sandbox lists, and leaves its idempotency key free: the same key with other
/// parameters is refused the same way, not as a reuse of the key.
#[tokio::test]
async fn every_mutating_operation_refuses_bad_input_and_changes_nothing() {
    let (mock, c) = unlimited_sandbox().await;
    let inquiry = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    // One record of each of the main kinds, for the refusals that reach a record.
    let mut held: Vec<(String, String)> = vec![("inquiry".into(), inquiry.to_string())];
    let case_template = mock.template_of("case-template").expect("a case template");
    let watchlist = mock
        .template_of("report-template/watchlist")
        .expect("a report template");
    for (path, body) in [
        ("/accounts", json!({ "data": { "attributes": {} } })),
        (
            "/cases",
            json!({ "data": { "attributes": { "case-template-id": case_template } } }),
        ),
        (
            "/reports",
            json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": watchlist, "query": { "name-last": "Doe" } } } }),
        ),
        (
            "/webhooks",
            json!({ "data": { "attributes": { "url": "http://127.0.0.1:9/hook", "enabled-events": ["inquiry.created"] } } }),
        ),
    ] {
        let (status, created) = raw_request(&mock, Method::POST, path, Some(&body), None).await;
        assert_eq!(status, 201, "{path}: {created}");
        let data = &created["data"];
        held.push((
            data["type"].as_str().expect("a type").to_string(),
            data["id"].as_str().expect("an id").to_string(),
        ));
    }
    // The held record a path parameter names: `{report-id}` takes any `report/...`.
    let held_for = |parameter: &str| {
        let kind = parameter.strip_suffix("-id")?;
        held.iter()
            .find(|(json_type, _)| {
                json_type == kind
                    || json_type
                        .strip_prefix(kind)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|(_, id)| id.clone())
    };
    let fill = |path: &str, id_for: &dyn Fn(&str) -> Option<String>| -> Option<String> {
        let mut filled = Vec::new();
        for segment in path.split('/') {
            match segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                Some(parameter) => filled.push(id_for(parameter)?),
                None => filled.push(segment.to_string()),
            }
        }
        Some(filled.join("/"))
    };
    let before = sandbox_state(&mock).await;
    let mut refusals = 0;
    for operation in persona_mock::operations::ALL
        .iter()
        .filter(|operation| operation.method != "get")
    {
        let method =
            Method::from_bytes(operation.method.to_uppercase().as_bytes()).expect("a method");
        let mut attempts: Vec<[(String, Value); 2]> = Vec::new();
        if operation.path.contains('{') {
            let wrong = |name: &str| fill(operation.path, &|_| Some(format!("zz_{name}")));
            attempts.push([
                (wrong("NotAnIdOfAnyKind1").expect("a path"), json!({})),
                (wrong("NotAnIdOfAnyKind2").expect("a path"), json!({})),
            ]);
        }
        if !operation.body_attributes.is_empty()
            && let Some(path) = fill(operation.path, &held_for)
        {
            // Attributes that are no object: malformed under every version (2023-01-05 lets
            // an unknown attribute through, as Persona does).
            let malformed = |value: u8| json!({ "data": { "attributes": [value] } });
            attempts.push([(path.clone(), malformed(1)), (path, malformed(2))]);
        }
        for [first, second] in attempts {
            let key = format!("refused-{}-{refusals}", operation.id);
            let (status, refused) =
                raw_request(&mock, method.clone(), &first.0, Some(&first.1), Some(&key)).await;
            assert!(
                (400..500).contains(&status) && status != 429,
                "{} {} {}: not refused ({status}) {refused}",
                operation.id,
                method,
                first.0
            );
            let (again, answer) = raw_request(
                &mock,
                method.clone(),
                &second.0,
                Some(&second.1),
                Some(&key),
            )
            .await;
            assert_eq!(
                again, status,
                "{}: the key of a refusal was kept: {answer}",
                operation.id
            );
            let after = sandbox_state(&mock).await;
            if after != before {
                let changed: Vec<&String> = after
                    .as_object()
                    .expect("lists")
                    .iter()
                    .filter(|(list, data)| before.get(list.as_str()) != Some(*data))
                    .map(|(list, _)| list)
                    .collect();
                panic!(
                    "{} {} {} changed {changed:?}",
                    operation.id, method, first.0
                );
            }
            refusals += 1;
        }
    }
    assert!(refusals >= 126, "{refusals} refusals");
}
