//! Round trips through persona-api against persona-mock on 127.0.0.1 (retrieve, and create),
//! against the floor: a bare reqwest GET of the same URL with the same headers, decoded by
//! serde_json into the same type. The difference is what the client layer costs a request.
//!
//! `cargo bench -p persona-api --bench round_trip`, then `cargo xtask bench-report`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use persona_api::{Client, RetryPolicy, types};
use persona_mock::MockServer;

const KEY: &str = "persona_sandbox_bench";

fn round_trip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mock = runtime
        .block_on(
            MockServer::builder()
                .rate_limit_per_minute(u32::MAX)
                .start(),
        )
        .expect("the mock starts");
    let client = Client::builder(KEY)
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::default())
        .build()
        .expect("valid");
    let body: types::CreateInquiryRequest =
        serde_json::from_value(serde_json::json!({"data": {"attributes": {"inquiry-template-id": mock.template_id(), "fields": {"name-first": "Jane"}}}}))
            .expect("a request");
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
    let bare = reqwest::Client::new();

    let mut group = c.benchmark_group("retrieve_inquiry");
    group.bench_function(BenchmarkId::new("bare_reqwest", "mock"), |b| {
        b.to_async(&runtime).iter(|| async {
            let bytes = bare
                .get(&url)
                .bearer_auth(KEY)
                .header("persona-version", "2023-01-05")
                .header("key-inflection", "kebab")
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
    // neither runs against a store the other has grown.
    let mut group = c.benchmark_group("create_inquiry");
    {
        let sandbox = runtime
            .block_on(
                MockServer::builder()
                    .rate_limit_per_minute(u32::MAX)
                    .start(),
            )
            .expect("the mock starts");
        let create_body = serde_json::json!({"data": {"attributes": {"inquiry-template-id": sandbox.template_id()}}});
        let create_url = format!("{}/inquiries", sandbox.base_url());
        let mut counter = 0u64;
        group.bench_function(BenchmarkId::new("bare_reqwest", "mock"), |b| {
            b.to_async(&runtime).iter(|| {
                counter += 1;
                let request = bare
                    .post(&create_url)
                    .bearer_auth(KEY)
                    .header("persona-version", "2023-01-05")
                    .header("key-inflection", "kebab")
                    .header("idempotency-key", format!("bench-{counter}"))
                    .json(&create_body);
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
    }
    {
        let sandbox = runtime
            .block_on(
                MockServer::builder()
                    .rate_limit_per_minute(u32::MAX)
                    .start(),
            )
            .expect("the mock starts");
        let client = Client::builder(KEY)
            .base_url(sandbox.base_url())
            .build()
            .expect("valid");
        let body: types::CreateInquiryRequest =
            serde_json::from_value(serde_json::json!({"data": {"attributes": {"inquiry-template-id": sandbox.template_id()}}})).expect("a request");
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
    }
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
