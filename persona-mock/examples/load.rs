//! Measures persona-mock on this machine: requests per second for create and retrieve with
//! concurrent clients, and resident memory per stored inquiry. Talks only to 127.0.0.1 and
//! bounds itself in time and count.
//!
//! `cargo run --release -p persona-mock --example load -- [--seconds 5] [--concurrency 16] [--store 100000]`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use persona_api::{Client, types};
use persona_mock::MockServer;

struct Settings {
    seconds: u64,
    concurrency: usize,
    store: usize,
}

fn settings() -> Result<Settings, String> {
    let mut settings = Settings {
        seconds: 5,
        concurrency: 16,
        store: 100_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .ok_or_else(|| format!("{} needs a value", pair[0]))?;
        let number = |name: &str| {
            value
                .parse::<u64>()
                .map_err(|error| format!("{name}: {error}"))
        };
        match pair[0].as_str() {
            "--seconds" => settings.seconds = number("--seconds")?.clamp(1, 60),
            "--concurrency" => {
                settings.concurrency = number("--concurrency")?.clamp(1, 256) as usize
            }
            "--store" => settings.store = number("--store")?.min(1_000_000) as usize,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(settings)
}

fn jane_doe(template_id: &str) -> types::CreateInquiryRequest {
    serde_json::from_value(serde_json::json!({"data": {"attributes": {
        "inquiry-template-id": template_id,
        "fields": {"name-first": "Jane", "name-last": "Doe", "birthdate": "1994-04-12"}
    }}}))
    .expect("a valid request")
}

/// Resident memory of this process (the mock runs in it), from /proc.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs `call` from `concurrency` tasks for `seconds`; returns completed calls per second.
async fn rate<F, Fut>(concurrency: usize, seconds: u64, call: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let call = Arc::new(call);
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let (call, done, stop) = (call.clone(), done.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = task as u64;
                while !stop.load(Ordering::Relaxed) {
                    call(n).await;
                    done.fetch_add(1, Ordering::Relaxed);
                    n += concurrency as u64;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a load task panicked");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!(
                "error: {message}\nusage: load [--seconds 5] [--concurrency 16] [--store 100000]"
            );
            std::process::exit(2);
        }
    };
    // No rate limit in the way of a throughput measurement.
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .start()
        .await
        .expect("the mock starts");
    let client = Client::builder("persona_sandbox_load")
        .base_url(mock.base_url())
        .build()
        .expect("valid settings");
    let template = mock.template_id().to_string();
    println!(
        "persona-mock load: {} tasks, {} s per phase, {} cores",
        settings.concurrency,
        settings.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let (c, t) = (client.clone(), template.clone());
    let creates = rate(settings.concurrency, settings.seconds, move |_| {
        let (c, t) = (c.clone(), t.clone());
        async move {
            c.create_inquiry()
                .body(jane_doe(&t))
                .send()
                .await
                .expect("create succeeds");
        }
    })
    .await;
    println!("create:   {creates:>8.0} requests/s");

    let ids: Arc<Vec<String>> = Arc::new(
        client
            .list_inquiries()
            .page_size(100)
            .send()
            .await
            .expect("lists")
            .into_inner()
            .data
            .into_iter()
            .map(|inquiry| inquiry.id)
            .collect(),
    );
    let c = client.clone();
    let retrieves = rate(settings.concurrency, settings.seconds, move |n| {
        let (c, ids) = (c.clone(), ids.clone());
        async move {
            c.retrieve_inquiry()
                .inquiry_id(&ids[n as usize % ids.len()])
                .send()
                .await
                .expect("retrieve succeeds");
        }
    })
    .await;
    println!("retrieve: {retrieves:>8.0} requests/s");

    if settings.store > 0 {
        let before_count = mock.inquiry_count();
        let before = resident_kib().unwrap_or(0);
        let target = before_count + settings.store;
        let next = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..settings.concurrency)
            .map(|_| {
                let (c, t, next) = (client.clone(), template.clone(), next.clone());
                let total = settings.store as u64;
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < total {
                        c.create_inquiry()
                            .body(jane_doe(&t))
                            .send()
                            .await
                            .expect("create succeeds");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a fill task panicked");
        }
        assert_eq!(mock.inquiry_count(), target);
        let after = resident_kib().unwrap_or(0);
        let grown = after.saturating_sub(before);
        println!(
            "memory:   {} inquiries stored; resident {} MiB -> {} MiB, {:.0} bytes per inquiry",
            settings.store,
            before / 1024,
            after / 1024,
            grown as f64 * 1024.0 / settings.store as f64
        );
    }
}
