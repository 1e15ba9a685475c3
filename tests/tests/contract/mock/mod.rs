//! persona-mock against the contract, by area: each operation through the generated client
//! (inquiries, sessions, templates), raw responses against the spec's schemas and Persona's
//! formats (conformance), the behaviours Persona documents (behaviour), and the other
//! products, served from the spec's tables (products), and their own verbs (verbs).

mod behaviour;
mod conformance;
mod inquiries;
mod products;
mod sessions;
mod templates;
mod verbs;
mod webhook_delivery;

use std::collections::BTreeSet;

use persona_api::types::{self, SimulateActionType};
use persona_api::{Client, Error, RetryPolicy};
use persona_api_tests::{TEST_API_KEY, operations};
use persona_mock::MockServer;
use reqwest::Method;
use serde_json::Value;

/// A mock and a client that does not retry: these tests look at the mock's own answers.
async fn sandbox() -> (MockServer, Client) {
    let mock = MockServer::start().await.expect("the mock starts");
    let client = client_for(&mock);
    (mock, client)
}

fn client_for(mock: &MockServer) -> Client {
    mock.client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid settings")
}

/// The operations a test went through, checked against the list it claims.
#[derive(Default)]
struct Exercised(BTreeSet<String>);

impl Exercised {
    fn saw(&mut self, operation_id: &str) {
        self.0.insert(operation_id.to_string());
    }

    fn assert_exactly(&self, claimed: &[&str]) {
        let claimed: BTreeSet<String> = claimed.iter().map(|id| id.to_string()).collect();
        assert_eq!(
            self.0, claimed,
            "the operations exercised are the ones claimed"
        );
    }
}

#[test]
fn the_area_tests_exercise_every_operation_of_the_spec() {
    let exercised: BTreeSet<&str> = [
        inquiries::OPERATIONS,
        sessions::OPERATIONS,
        templates::OPERATIONS,
    ]
    .concat()
    .into_iter()
    .collect();
    let all: BTreeSet<String> = operations()
        .iter()
        .filter(|operation| operation.shape_from_overlay)
        .map(|operation| operation.id.clone())
        .collect();
    assert_eq!(
        exercised,
        all.iter().map(String::as_str).collect(),
        "every operation the mock serves is exercised once"
    );
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

/// Everything the sandbox lists, by path (`inquiries`, `accounts`, `events` ...): the first
/// page of every list operation of the spec that needs no parameter, walked from the mock's
/// route table.
pub(super) async fn sandbox_state(mock: &MockServer) -> Value {
    let mut state = serde_json::Map::new();
    let lists = persona_mock::operations::ALL.iter().filter(|operation| {
        operation.method == "get"
            && operation.many
            && !operation.path.contains('{')
            && operation.required.is_empty()
    });
    for list in lists {
        let path = if list.pages.contains(&"size") {
            format!("{}?page%5Bsize%5D=100", list.path)
        } else {
            list.path.to_string()
        };
        let (status, body) = raw_request(mock, Method::GET, &path, None, None).await;
        assert_eq!(status, 200, "{}: {body}", list.id);
        state.insert(
            list.path.trim_start_matches('/').to_string(),
            body["data"].clone(),
        );
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
    // One client for every test: making one loads the TLS roots, about 40 ms in a debug
    // build. It keeps no idle connection, since each test runs its own runtime and a pooled
    // connection would outlive the runtime that drives it.
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let http = HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client")
    });
    let mut request = http
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
