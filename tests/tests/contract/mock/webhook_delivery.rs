//! persona-mock delivers signed webhooks to endpoints the tests start, as Persona does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use persona_api::SimulateActions;
use persona_api::inflection::Inflection;
use persona_api::types::SimulateActionType::{ApproveInquiry, CompleteInquiry, StartInquiry};
use persona_api::webhooks::{WebhookEvent, WebhookVerifier};
use persona_api_tests::create_jane_doe;
use persona_mock::{MockServer, WebhookEndpoint};
use serde_json::Value;

/// What an endpoint received: each request's headers and body.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

impl Received {
    fn all(&self) -> Vec<(HeaderMap, String)> {
        self.0.lock().expect("not poisoned").clone()
    }
}

/// An endpoint on 127.0.0.1 answering 500 to its first `fail_first` requests, 200 after.
async fn endpoint(fail_first: usize) -> (String, Received) {
    let received = Received::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let mut requests = log.0.lock().expect("not poisoned");
                requests.push((headers, body));
                if requests.len() <= fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// The HMAC-SHA256 hex of `t.body`, computed here, independently of persona-api.
fn hmac_hex(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

async fn within_seconds<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("in time")
}

#[tokio::test]
async fn an_inquirys_life_arrives_signed_in_order() {
    let (url, received) = endpoint(0).await;
    let mock = MockServer::builder()
        .webhook(WebhookEndpoint::new(&url, "wbhsec_test"))
        .start()
        .await
        .expect("starts");
    let client = mock.client_builder().build().expect("valid");
    let id = create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    for action in [StartInquiry, CompleteInquiry, ApproveInquiry] {
        client
            .simulate_inquiry_actions()
            .inquiry_id(&id)
            .body(SimulateActions::new([action]))
            .send()
            .await
            .expect("simulates");
    }
    within_seconds(mock.webhooks().succeeded("inquiry.approved")).await;

    let names: Vec<String> = received
        .all()
        .iter()
        .map(|(_, body)| {
            let event: Value = serde_json::from_str(body).expect("JSON");
            event["data"]["attributes"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "account.created",
            "inquiry.created",
            "inquiry.started",
            "inquiry.completed",
            "inquiry.approved"
        ],
        "an inquiry that names no account lands on a new one"
    );
    let verifier = WebhookVerifier::new(["wbhsec_test"]).expect("a secret");
    for (headers, body) in received.all() {
        assert_eq!(header(&headers, "content-type"), "application/json");
        assert_eq!(header(&headers, "persona-webhook-attempts-made"), "1");
        assert_eq!(header(&headers, "persona-webhook-attempts-left"), "7");
        assert!(
            header(&headers, "persona-webhook-first-attempted-at")
                .parse::<u64>()
                .is_ok()
        );
        let signature = header(&headers, "persona-signature");
        let (timestamp, digest) = signature
            .strip_prefix("t=")
            .and_then(|rest| rest.split_once(",v1="))
            .expect("t=..,v1=..");
        assert_eq!(
            digest,
            hmac_hex("wbhsec_test", timestamp, &body),
            "independent HMAC"
        );
        let event = verifier
            .verify_event(signature, body.as_bytes())
            .expect("verifies and reads");
        assert!(event.id.starts_with("evt_"));
    }
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_attempt_counted() {
    let (url, received) = endpoint(1).await;
    let mock = MockServer::builder()
        .webhook(WebhookEndpoint::new(&url, "wbhsec_test").only(["inquiry.created"]))
        .start()
        .await
        .expect("starts");
    let client = mock.client_builder().build().expect("valid");
    create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    let delivery = within_seconds(mock.webhooks().succeeded("inquiry.created")).await;
    assert_eq!(delivery.attempts, [Some(500), Some(200)]);
    let requests = received.all();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[1].0, "persona-webhook-attempts-made"), "2");
    assert_eq!(header(&requests[1].0, "persona-webhook-attempts-left"), "6");
    assert_eq!(
        requests[0].1, requests[1].1,
        "the same event, the same body"
    );
    assert_eq!(
        header(&requests[0].0, "persona-webhook-first-attempted-at"),
        header(&requests[1].0, "persona-webhook-first-attempted-at")
    );
}

#[tokio::test]
async fn filters_rotation_and_inflection_are_the_endpoints_own() {
    let (url, received) = endpoint(0).await;
    let mock = MockServer::builder()
        .webhook(
            WebhookEndpoint::new(&url, "wbhsec_old")
                .also_signed_with("wbhsec_new")
                .only(["inquiry.approved"])
                .inflection(Inflection::Camel),
        )
        .start()
        .await
        .expect("starts");
    let client = mock.client_builder().build().expect("valid");
    let id = persona_api_tests::create_inquiry(
        &client,
        persona_api_tests::jane_doe(mock.template_id()).reference_id("user-7"),
    )
    .await
    .expect("creates");
    client
        .approve_inquiry()
        .inquiry_id(&id)
        .send()
        .await
        .expect("approves");
    within_seconds(mock.webhooks().succeeded("inquiry.approved")).await;
    let requests = received.all();
    assert_eq!(requests.len(), 1, "only the event the endpoint asked for");
    let (headers, body) = &requests[0];
    let signature = header(headers, "persona-signature");
    assert_eq!(
        signature.split(' ').count(),
        2,
        "one group per secret: {signature}"
    );
    for secret in ["wbhsec_old", "wbhsec_new"] {
        WebhookVerifier::new([secret])
            .expect("a secret")
            .verify(signature, body.as_bytes())
            .expect("either secret verifies");
    }
    assert!(body.contains("\"createdAt\""), "camelCase keys: {body}");
    let event = WebhookEvent::from_body(body.as_bytes()).expect("reads");
    let persona_api::webhooks::EventObject::Inquiry(inquiry) = &event.object else {
        panic!("an inquiry: {:?}", event.object)
    };
    assert_eq!(inquiry.attributes.reference_id.as_deref(), Some("user-7"));
}

/// Registers a webhook through the API, as a user's backend does, naming its events as text;
/// its id and secret.
async fn register(client: &persona_api::Client, url: &str, events: &[&str]) -> (String, String) {
    let made = client
        .create_webhook()
        .body(persona_api::requests::NewWebhook::new(
            events.iter().copied(),
            url,
        ))
        .send()
        .await
        .expect("registered")
        .into_inner();
    let made = serde_json::to_value(&made).expect("JSON");
    let id = made["data"]["id"].as_str().expect("an id").to_string();
    let secret = made["data"]["attributes"]["secret"]
        .as_str()
        .expect("its secret")
        .to_string();
    (id, secret)
}

async fn approve(client: &persona_api::Client, mock: &MockServer) {
    let id = create_jane_doe(client, mock.template_id())
        .await
        .expect("creates");
    client
        .simulate_inquiry_actions()
        .inquiry_id(&id)
        .body(SimulateActions::new([
            StartInquiry,
            CompleteInquiry,
            ApproveInquiry,
        ]))
        .send()
        .await
        .expect("simulates");
}

#[tokio::test]
async fn a_webhook_registered_through_the_api_gets_its_events_until_disabled_and_rotates() {
    let (url, received) = endpoint(0).await;
    let mock = MockServer::start()
        .await
        .expect("starts, with no endpoint given");
    let client = mock.client_builder().build().expect("valid");
    let (webhook, secret) = register(&client, &url, &["inquiry.approved"]).await;
    assert!(secret.starts_with("wbhsec_"), "{secret}");

    approve(&client, &mock).await;
    within_seconds(mock.webhooks().succeeded("inquiry.approved")).await;
    let delivered = received.all();
    assert_eq!(delivered.len(), 1, "only the event it enables");
    let (headers, body) = &delivered[0];
    let event = WebhookVerifier::new([secret.as_str()])
        .expect("a secret")
        .verify_event(header(headers, "persona-signature"), body.as_bytes())
        .expect("signed with the webhook's own secret");
    assert!(event.id.starts_with("evt_"));

    // Rotated: both secrets sign while the old one lasts.
    let rotated = client
        .rotate_webhook_secret()
        .webhook_id(webhook.as_str())
        .body(
            serde_json::from_value::<persona_api::types::RotateWebhookSecretBody>(
                serde_json::json!({ "meta": { "expires-in-seconds": 600 } }),
            )
            .expect("a rotation body"),
        )
        .send()
        .await
        .expect("rotated")
        .into_inner();
    let rotated = serde_json::to_value(&rotated).expect("JSON");
    let new_secret = rotated["data"]["attributes"]["secret"]
        .as_str()
        .expect("a new secret")
        .to_string();
    assert_ne!(new_secret, secret);
    approve(&client, &mock).await;
    let second = within_seconds(async {
        loop {
            let all = received.all();
            if all.len() == 2 {
                return all[1].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let signature = header(&second.0, "persona-signature");
    assert_eq!(signature.matches("v1=").count(), 2, "{signature}");
    for signer in [&secret, &new_secret] {
        WebhookVerifier::new([signer.as_str()])
            .expect("a secret")
            .verify(signature, second.1.as_bytes())
            .expect("each secret's signature verifies");
    }

    // Disabled: nothing more goes to it, while a second webhook still gets the event.
    client
        .disable_webhook()
        .webhook_id(webhook.as_str())
        .send()
        .await
        .expect("disabled");
    let (other_url, other_received) = endpoint(0).await;
    register(&client, &other_url, &["inquiry.approved"]).await;
    approve(&client, &mock).await;
    within_seconds(async {
        while other_received.all().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(received.all().len(), 2, "a disabled webhook gets nothing");
}

/// Every delivery of a broad sandbox run (an inquiry's life with a verification, accounts,
/// transactions, a case, a report) against its event's payload schema in the spec's
/// `x-webhooks`, imported from Persona's own `webhooks` section.
#[tokio::test]
async fn every_delivered_event_satisfies_its_payload_schema() {
    use persona_api::types::SimulateActionType::CreatePassedVerification;
    use persona_api::types::{SimulateAction, SimulateActionData};
    use reqwest::Method;
    use serde_json::json;

    use super::products::Raw;

    let (url, received) = endpoint(0).await;
    let mock = MockServer::builder()
        .webhook(WebhookEndpoint::new(&url, "wbhsec_test"))
        .start()
        .await
        .expect("starts");
    let client = mock.client_builder().build().expect("valid");
    let raw = Raw::new(&mock);
    let inquiry = create_jane_doe(&client, mock.template_id())
        .await
        .expect("creates");
    // A verification of every kind the sandbox simulates, between start and completion.
    let verifications = mock
        .templates()
        .iter()
        .filter(|template| template.json_type.starts_with("verification-template/"))
        .map(|template| SimulateAction {
            type_: CreatePassedVerification,
            data: Some(SimulateActionData {
                verification_template_id: template.id.clone(),
            }),
        });
    let step = |type_| SimulateAction { type_, data: None };
    let actions = std::iter::once(step(StartInquiry))
        .chain(verifications)
        .chain([step(CompleteInquiry), step(ApproveInquiry)]);
    for action in actions {
        client
            .simulate_inquiry_actions()
            .inquiry_id(&inquiry)
            .body(SimulateActions::new([action]))
            .send()
            .await
            .expect("simulates");
    }
    let id = |document: &Value| document["data"]["id"].as_str().expect("an id").to_string();
    let post = async |path: &str, body: Value| {
        let (status, answer) = raw.send(Method::POST, path, Some(&body)).await;
        assert!(status < 300, "{path}: {answer}");
        answer
    };
    let account = id(&post(
        "/accounts",
        json!({ "data": { "attributes": { "reference-id": "user-1" } } }),
    )
    .await);
    let duplicate = id(&post(
        "/accounts",
        json!({ "data": { "attributes": { "reference-id": "user-2" } } }),
    )
    .await);
    post(
        &format!("/accounts/{account}/add-tag"),
        json!({ "meta": { "tag-name": "vip" } }),
    )
    .await;
    post(
        &format!("/accounts/{account}/consolidate"),
        json!({ "meta": { "source-account-ids": [duplicate] } }),
    )
    .await;
    let transaction = id(&post(
        "/transactions",
        json!({ "data": { "attributes": {
            "transaction-type-id": mock.template_of("transaction-type") } } }),
    )
    .await);
    post(
        &format!("/transactions/{transaction}/label"),
        json!({ "meta": { "label": "fraud" } }),
    )
    .await;
    post(
        &format!("/transactions/{transaction}/add-relation"),
        json!({ "meta": { "relation-schema-key": "uses", "target-object-id": account } }),
    )
    .await;
    let (status, answer) = raw
        .send(
            Method::PATCH,
            &format!("/transactions/{transaction}"),
            Some(&json!({ "data": { "attributes": { "status": "approved" } } })),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let report = id(&post(
        "/reports",
        json!({ "data": { "type": "report/watchlist", "attributes": {
            "report-template-id": mock.template_of("report-template/watchlist"),
            "query": { "name-first": "Ada", "name-last": "Sanctioned" } } } }),
    )
    .await);
    post(
        &format!("/reports/{report}/dismiss"),
        json!({ "data": { "attributes": {} } }),
    )
    .await;
    let case = id(&post(
        "/cases",
        json!({ "data": { "attributes": { "case-template-id": mock.template_of("case-template") } },
                "meta": { "object-ids": [account, report] } }),
    )
    .await);
    post(
        &format!("/cases/{case}/set-status"),
        json!({ "meta": { "status": "Resolved" } }),
    )
    .await;

    let (_, events) = raw.send(Method::GET, "/events?page[size]=100", None).await;
    let recorded = events["data"].as_array().expect("a page").len();
    within_seconds(async {
        while received.all().len() < recorded {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // The whole spec: the client's view of it leaves the delivery envelopes out.
    let spec = xtask::document::Document::load(
        &persona_api_tests::workspace_root().join("openapi/persona.yaml"),
    )
    .expect("the spec is readable");
    let mut kinds = std::collections::BTreeSet::new();
    for (_, body) in received.all() {
        let event: Value = serde_json::from_str(&body).expect("JSON");
        let name = event["data"]["attributes"]["name"]
            .as_str()
            .expect("a name")
            .to_string();
        let schema = json!({ "$ref": format!(
            "#/x-webhooks/{}/post/requestBody/content/application~1json/schema",
            name.replace('~', "~0").replace('/', "~1")
        )});
        let found = persona_api_tests::schema_check::violations_in(&spec, &schema, &event);
        assert!(found.is_empty(), "{name}: {}\n{body}", found.join("\n"));
        kinds.insert(name);
    }
    // Every kind the run makes, so the check above cannot pass on a few.
    let expected = [
        "account.consolidated",
        "account.consolidated-with",
        "account.created",
        "account.tag-added",
        "case.created",
        "case.status-updated",
        "document.created",
        "document.processed",
        "document.submitted",
        "inquiry.approved",
        "inquiry.completed",
        "inquiry.created",
        "inquiry.started",
        "report/watchlist.dismissed",
        "report/watchlist.matched",
        "report/watchlist.ready",
        "selfie.created",
        "selfie.processed",
        "selfie.submitted",
        "transaction.added-relation",
        "transaction.created",
        "transaction.labeled",
        "transaction.status-updated",
        "transaction.updated-fields",
        "verification.created",
        "verification.passed",
        "verification.submitted",
    ];
    assert_eq!(
        kinds.iter().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
}

/// With a report delay a report answers `pending`, as Persona's do, and runs later on its own:
/// its `ready` and `matched` events arrive at the webhook without another request.
#[tokio::test]
async fn a_delayed_report_answers_pending_and_its_ready_event_arrives_later() {
    use reqwest::Method;
    use serde_json::json;

    use super::products::{Raw, assert_conforms_as, events_about};

    let (url, received) = endpoint(0).await;
    let mock = MockServer::builder()
        .webhook(WebhookEndpoint::new(&url, "wbhsec_test"))
        .report_delay(Duration::from_millis(300))
        .start()
        .await
        .expect("starts");
    let raw = Raw::new(&mock);
    let (status, created) = raw
        .send(
            Method::POST,
            "/reports",
            Some(
                &json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": mock.template_of("report-template/watchlist"),
                "query": { "name-first": "Ada", "name-last": "Sanctioned" } } } }),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_conforms_as(
        persona_api_tests::operation("createReport"),
        status,
        &created,
    );
    let attributes = &created["data"]["attributes"];
    assert_eq!(attributes["status"], "pending", "{created}");
    assert_eq!(attributes["completed-at"], Value::Null);
    let id = created["data"]["id"].as_str().expect("an id").to_string();

    let names = || -> Vec<String> {
        received
            .all()
            .iter()
            .filter_map(|(_, body)| {
                let event: Value = serde_json::from_str(body).ok()?;
                Some(event["data"]["attributes"]["name"].as_str()?.to_string())
            })
            .collect()
    };
    within_seconds(async {
        while !names().contains(&"report/watchlist.matched".to_string()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let (_, read) = raw.send(Method::GET, &format!("/reports/{id}"), None).await;
    assert_eq!(read["data"]["attributes"]["status"], "ready", "{read}");
    assert_eq!(read["data"]["attributes"]["has-match"], true);
    assert!(read["data"]["attributes"]["completed-at"].is_string());
    assert_eq!(
        events_about(&raw, &id).await,
        ["report/watchlist.ready", "report/watchlist.matched"]
    );
}
