//! Peak memory while paging through every inquiry with the client's stream: it should not
//! grow with the number of inquiries, since one page is held at a time.
//!
//! `cargo run --release -p persona-mock --example paging_memory -- [1000 10000]`

use futures_util::TryStreamExt;
use persona_api::{Client, Paginate, types};
use persona_mock::MockServer;

/// Resident memory of this process, from /proc.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

async fn measure(count: usize) -> (u64, usize) {
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .start()
        .await
        .expect("the mock starts");
    let client = Client::builder("persona_sandbox_memory")
        .base_url(mock.base_url())
        .build()
        .expect("valid");
    let body: types::CreateInquiryRequest =
        serde_json::from_value(serde_json::json!({"data": {"attributes": {"inquiry-template-id": mock.template_id(), "fields": {"name-first": "Jane"}}}}))
            .expect("a request");
    let tasks: Vec<_> = (0..16)
        .map(|task| {
            let (client, body) = (client.clone(), body.clone());
            tokio::spawn(async move {
                for _ in (task..count).step_by(16) {
                    client
                        .create_inquiry()
                        .body(body.clone())
                        .send()
                        .await
                        .expect("creates");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }
    let baseline = resident_kib();
    let mut peak = baseline;
    let mut seen = 0;
    let mut stream = client.list_inquiries().page_size(100).into_stream();
    while let Some(_inquiry) = stream.try_next().await.expect("pages") {
        seen += 1;
        if seen % 50 == 0 {
            peak = peak.max(resident_kib());
        }
    }
    (peak.saturating_sub(baseline), seen)
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .map(|count: usize| count.min(200_000))
        .collect();
    let counts = if counts.is_empty() {
        vec![1_000, 10_000]
    } else {
        counts
    };
    for count in counts {
        let (growth, seen) = measure(count).await;
        println!(
            "paged through {seen:>6} inquiries (pages of 100): peak resident growth {growth:>6} KiB"
        );
    }
}
