//! Round trips through persona-api against persona-mock on 127.0.0.1 (retrieve, and create),
//! against the floor: a bare reqwest call of the same URL with the same headers, decoded by
//! serde_json into the same type. The difference is what the client layer costs a request.
//!
//! `cargo bench -p persona-api --bench round_trip`, then `cargo xtask bench-report`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use persona_api::{Client, types};
use persona_mock::MockServer;
use tokio::runtime::Runtime;

const KEY: &str = "persona_sandbox_bench";

/// A fresh sandbox without a rate limit, and a client for it with the default retry policy.
fn sandbox(runtime: &Runtime) -> (MockServer, Client) {
    let mock = runtime
        .block_on(
            MockServer::builder()
                .rate_limit_per_minute(u32::MAX)
                .start(),
        )
        .expect("the mock starts");
    let client = mock.client_builder().build().expect("valid settings");
    (mock, client)
}

fn create_body(template_id: &str) -> serde_json::Value {
    serde_json::json!({"data": {"attributes": {"inquiry-template-id": template_id, "fields": {"name-first": "Jane"}}}})
}

/// The bare call: reqwest with the headers persona-api would send, nothing else.
fn bare_request(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
) -> reqwest::RequestBuilder {
    http.request(method, url)
        .bearer_auth(KEY)
        .header("persona-version", "2023-01-05")
        .header("key-inflection", "kebab")
}

fn round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let http = reqwest::Client::new();

    let (mock, client) = sandbox(&runtime);
    let body: types::CreateInquiryRequest =
        serde_json::from_value(create_body(mock.template_id())).expect("a request");
    let id = runtime.block_on(async {
        client
            .create_inquiry()
            .body(body)
            .send()
            .await
            .expect("creates")
            .into_inner()
            .data
            .id
    });
    let url = format!("{}/inquiries/{id}", mock.base_url());
    let mut group = c.benchmark_group("retrieve_inquiry");
    group.bench_function(BenchmarkId::new("bare_reqwest", "mock"), |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = bare_request(&http, reqwest::Method::GET, &url)
                .send()
                .await
                .expect("sends")
                .bytes()
                .await
                .expect("reads");
            serde_json::from_slice::<types::InquiryDocument>(&bytes).expect("decodes")
        })
    });
    group.bench_function(BenchmarkId::new("persona_api", "mock"), |b| {
        b.to_async(&runtime).iter(|| async {
            client
                .retrieve_inquiry()
                .inquiry_id(&id)
                .send()
                .await
                .expect("retrieves")
                .into_inner()
        })
    });
    group.finish();

    // The POST path: the client adds an Idempotency-Key and keeps a copy of the request for a
    // retry; the bare call sends its own key. Each side creates into its own fresh sandbox, so
    // neither runs against a store the other has grown, and every key is new (the counter
    // outlives criterion's calls of the closure: a repeated key would be a cheap replay).
    let mut group = c.benchmark_group("create_inquiry");
    let (bare_mock, _) = sandbox(&runtime);
    let (bare_url, bare_body) = (
        format!("{}/inquiries", bare_mock.base_url()),
        create_body(bare_mock.template_id()),
    );
    let mut counter = 0u64;
    group.bench_function(BenchmarkId::new("bare_reqwest", "mock"), |b| {
        b.to_async(&runtime).iter(|| {
            counter += 1;
            let request = bare_request(&http, reqwest::Method::POST, &bare_url)
                .header("idempotency-key", format!("bench-{counter}"))
                .json(&bare_body);
            async move {
                let bytes = request
                    .send()
                    .await
                    .expect("sends")
                    .bytes()
                    .await
                    .expect("reads");
                serde_json::from_slice::<types::InquiryCreated>(&bytes).expect("decodes")
            }
        })
    });
    let (client_mock, client) = sandbox(&runtime);
    let body: types::CreateInquiryRequest =
        serde_json::from_value(create_body(client_mock.template_id())).expect("a request");
    group.bench_function(BenchmarkId::new("persona_api", "mock"), |b| {
        b.to_async(&runtime).iter(|| async {
            client
                .create_inquiry()
                .body(body.clone())
                .send()
                .await
                .expect("creates")
                .into_inner()
        })
    });
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
