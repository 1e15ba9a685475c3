//! persona-mock's throughput with concurrent clients, for inquiry create and retrieve, account
//! create and report create, against the floor: a bare axum server answering a fixed JSON body
//! on 127.0.0.1, driven by the same concurrency in the same run. The account and report
//! creates go through reqwest with a JSON body, as the inquiry's go through persona-api.
//!
//! `cargo bench -p persona-mock --bench throughput`, then `cargo xtask bench-report`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use persona_api::{Client, RetryPolicy, types};
use persona_mock::MockServer;

const CONCURRENCY: usize = 16;
const KEY: &str = "persona_sandbox_bench";

/// Runs `requests` calls split over `CONCURRENCY` tasks; returns the wall time.
async fn concurrently<F, Fut>(requests: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let per_task = requests.div_ceil(CONCURRENCY as u64);
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    call().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }
    started.elapsed()
}

fn throughput(c: &mut Criterion) {
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
    let client = mock.client_builder().build().expect("valid");
    let template = mock.template_id().to_string();
    let fixed = include_str!("../../persona-api/benches/fixtures/inquiry.json");
    let floor_url = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let address = listener.local_addr().expect("address");
        let app = axum::Router::new().fallback(move || async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                fixed,
            )
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/api/v1")
    });
    let floor = Client::builder(KEY)
        .base_url(floor_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid");
    let id = runtime.block_on(async {
        let body: types::CreateInquiryRequest = serde_json::from_value(
            serde_json::json!({"data": {"attributes": {"inquiry-template-id": template}}}),
        )
        .expect("a request");
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

    let mut group = c.benchmark_group("mock_throughput");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    let (c1, t1) = (client.clone(), template.clone());
    group.bench_function(BenchmarkId::new("persona_mock", "create"), |b| {
        b.to_async(&runtime).iter_custom(|requests| {
            let (c1, t1) = (c1.clone(), t1.clone());
            concurrently(requests, move || {
                let (c1, t1) = (c1.clone(), t1.clone());
                async move {
                    let body: types::CreateInquiryRequest = serde_json::from_value(
                        serde_json::json!({"data": {"attributes": {"inquiry-template-id": t1}}}),
                    )
                    .expect("a request");
                    c1.create_inquiry()
                        .body(body)
                        .send()
                        .await
                        .expect("creates");
                }
            })
        })
    });
    // Beyond the inquiry family: the generic store, and a product with behaviour of its own
    // (a report runs at once, and announces its events).
    let watchlist = mock
        .template_of("report-template/watchlist")
        .expect("a watchlist report template")
        .to_string();
    for (kind, path, body) in [
        (
            "create_account",
            "/accounts",
            serde_json::json!({ "data": { "attributes": { "name-first": "Jane", "name-last": "Doe" } } }),
        ),
        (
            "create_report",
            "/reports",
            serde_json::json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": watchlist, "query": { "name-first": "Jane", "name-last": "Doe" } } } }),
        ),
    ] {
        let url = format!("{}{path}", mock.base_url());
        let http = reqwest::Client::new();
        group.bench_function(BenchmarkId::new("persona_mock", kind), |b| {
            b.to_async(&runtime).iter_custom(|requests| {
                let (http, url, body) = (http.clone(), url.clone(), body.clone());
                concurrently(requests, move || {
                    let (http, url, body) = (http.clone(), url.clone(), body.clone());
                    async move {
                        let response = http
                            .post(url)
                            .bearer_auth(KEY)
                            .json(&body)
                            .send()
                            .await
                            .expect("sends");
                        assert_eq!(response.status(), 201, "creates");
                        response.bytes().await.expect("a body");
                    }
                })
            })
        });
    }
    for (name, target) in [("persona_mock", client.clone()), ("floor", floor.clone())] {
        let id = id.clone();
        group.bench_function(BenchmarkId::new(name, "retrieve"), |b| {
            b.to_async(&runtime).iter_custom(|requests| {
                let (target, id) = (target.clone(), id.clone());
                concurrently(requests, move || {
                    let (target, id) = (target.clone(), id.clone());
                    async move {
                        target
                            .retrieve_inquiry()
                            .inquiry_id(&id)
                            .send()
                            .await
                            .expect("retrieves");
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
