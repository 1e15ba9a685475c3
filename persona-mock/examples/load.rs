//! Measures persona-mock and the client's stream on this machine, talking only to 127.0.0.1
//! and bounded in time and count:
//! - requests per second for create and retrieve with concurrent clients;
//! - resident memory per stored inquiry, account and report;
//! - peak live heap while paging through every inquiry with the stream, for several sizes (it
//!   should not grow with the number of inquiries: one page is held at a time). Counted by a
//!   global allocator, exactly: resident memory is too noisy for this;
//! - webhook deliveries per second to a local endpoint while creates run, and the live heap
//!   each delivery takes while it waits behind an endpoint that does not answer.
//!
//! `cargo run --release -p persona-mock --example load -- [--seconds 5] [--concurrency 16] [--store 100000] [--page 1000,10000] [--pending 10000]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use persona_api::{Client, Paginate};
use persona_mock::{MockServer, WebhookEndpoint};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwards the caller's valid layout to the system allocator.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live =
                LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed) + layout.size() as u64;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` came from `alloc` above with this layout.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Settings {
    pending: usize,
    seconds: u64,
    concurrency: usize,
    store: usize,
    page: Vec<usize>,
}

fn settings() -> Result<Settings, String> {
    let mut settings = Settings {
        pending: 10_000,
        seconds: 5,
        concurrency: 16,
        store: 100_000,
        page: vec![1_000, 10_000],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .ok_or_else(|| format!("{} needs a value", pair[0]))?;
        let number = |text: &str| {
            text.parse::<u64>()
                .map_err(|error| format!("{}: {error}", pair[0]))
        };
        match pair[0].as_str() {
            "--seconds" => settings.seconds = number(value)?.clamp(1, 60),
            "--concurrency" => settings.concurrency = number(value)?.clamp(1, 256) as usize,
            "--store" => settings.store = number(value)?.min(1_000_000) as usize,
            "--pending" => settings.pending = number(value)?.min(1_000_000) as usize,
            "--page" => {
                settings.page = value
                    .split(',')
                    .map(|n| number(n).map(|n| n.min(200_000) as usize))
                    .collect::<Result<_, _>>()?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(settings)
}

fn jane_doe(template_id: &str) -> persona_api::NewInquiry {
    persona_api::NewInquiry::from_template(template_id)
        .name_first("Jane")
        .name_last("Doe")
        .birthdate(persona_api::chrono::NaiveDate::from_ymd_opt(1994, 4, 12).expect("a valid date"))
}

/// The live heap once it stops shrinking: a sandbox dropped before is freed by its server's
/// task, after the drop returns, and would otherwise be counted against the next one.
async fn settled_live_heap() -> u64 {
    // Freeing may start a while after the drop: settled means no shrinking for half a second.
    let mut last = LIVE.load(Ordering::Relaxed);
    let mut steady = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = LIVE.load(Ordering::Relaxed);
        steady = if now >= last { steady + 1 } else { 0 };
        last = now;
        if steady == 5 {
            break;
        }
    }
    last
}

/// Resident memory of this process (the mock runs in it), from /proc.
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

/// A fresh sandbox without a rate limit (it would cap the measurement) and a client for it.
async fn sandbox() -> (MockServer, Client, String) {
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .start()
        .await
        .expect("the mock starts");
    let client = mock.client_builder().build().expect("valid settings");
    let template = mock.template_id().to_string();
    (mock, client, template)
}

/// Creates `count` inquiries from `concurrency` tasks.
async fn fill(client: &Client, template: &str, count: usize, concurrency: usize) {
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, template, next) = (client.clone(), template.to_string(), next.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < count as u64 {
                    client
                        .create_inquiry()
                        .body(jane_doe(&template))
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
}

/// Runs `call` from `concurrency` tasks for `seconds`; returns completed calls per second.
/// Creates per second: Jane Doe's inquiry from `template`, by `settings.concurrency` clients.
async fn create_rate(settings: &Settings, client: Client, template: String) -> f64 {
    rate(settings.concurrency, settings.seconds, move |_| {
        let (c, t) = (client.clone(), template.clone());
        async move {
            c.create_inquiry()
                .body(jane_doe(&t))
                .send()
                .await
                .expect("create succeeds");
        }
    })
    .await
}

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

async fn throughput(settings: &Settings) {
    let (_mock, client, template) = sandbox().await;
    let creates = create_rate(settings, client.clone(), template).await;
    println!("create:   {creates:>8.0} requests/s");
    let ids: Arc<Vec<persona_api::InquiryId>> = Arc::new(
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
    let retrieves = rate(settings.concurrency, settings.seconds, move |n| {
        let (c, ids) = (client.clone(), ids.clone());
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
}

async fn stored_memory(settings: &Settings) {
    let (mock, client, template) = sandbox().await;
    let (before, heap_before) = (resident_kib(), settled_live_heap().await);
    fill(&client, &template, settings.store, settings.concurrency).await;
    assert_eq!(mock.inquiry_count(), settings.store);
    let (after, heap_after) = (resident_kib(), LIVE.load(Ordering::Relaxed));
    println!(
        "memory:   {} inquiries stored: {:.0} bytes of live heap each; resident {} MiB -> {} MiB, {:.0} bytes each (their events and idempotency keys included)",
        settings.store,
        heap_after.saturating_sub(heap_before) as f64 / settings.store as f64,
        before / 1024,
        after / 1024,
        after.saturating_sub(before) as f64 * 1024.0 / settings.store as f64
    );
}

/// Live heap per record the generic store keeps: accounts, and watchlist reports (with the
/// events each announces), `settings.store / 10` of each in a fresh sandbox, counted by the
/// allocator (resident memory would reuse what the sandboxes before freed). Each is posted as
/// JSON with reqwest: these kinds have no builder the way an inquiry has.
async fn stored_record_memory(settings: &Settings) {
    let count = settings.store / 10;
    for noun in ["accounts", "reports"] {
        let (mock, _client, _template) = sandbox().await;
        let body = match noun {
            "accounts" => serde_json::json!({ "data": { "attributes": {
                "name-first": "Jane", "name-last": "Doe", "birthdate": "1994-04-12" } } }),
            _ => serde_json::json!({ "data": { "type": "report/watchlist", "attributes": {
                "report-template-id": mock.template_of("report-template/watchlist"),
                "query": { "name-first": "Jane", "name-last": "Doe" } } } }),
        };
        let url = format!("{}/{noun}", mock.base_url());
        let http = reqwest::Client::new();
        let before = settled_live_heap().await;
        let next = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..settings.concurrency)
            .map(|_| {
                let (http, url, body, next) =
                    (http.clone(), url.clone(), body.clone(), next.clone());
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < count as u64 {
                        let response = http
                            .post(&url)
                            .bearer_auth("persona_sandbox_load")
                            .json(&body)
                            .send()
                            .await
                            .expect("sends");
                        assert_eq!(response.status(), 201, "creates");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a fill task panicked");
        }
        let after = LIVE.load(Ordering::Relaxed);
        println!(
            "memory:   {count} {noun} stored: {:.0} bytes of live heap each (their events included)",
            after.saturating_sub(before) as f64 / count as f64
        );
    }
}

async fn paging_memory(count: usize, concurrency: usize) {
    let (_mock, client, template) = sandbox().await;
    fill(&client, &template, count, concurrency).await;
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut seen = 0;
    let mut stream = client.list_inquiries().page_size(100).into_stream();
    while stream.try_next().await.expect("pages").is_some() {
        seen += 1;
    }
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    println!(
        "paging:   {seen:>6} inquiries in pages of 100: peak live heap above the stored data {} KiB",
        peak / 1024
    );
}

#[tokio::main]
async fn main() {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!(
                "error: {message}\nusage: load [--seconds 5] [--concurrency 16] [--store 100000] [--page 1000,10000] [--pending 10000]"
            );
            std::process::exit(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "persona-mock load: {} tasks, {} s per phase, {cores} cores",
        settings.concurrency, settings.seconds
    );
    throughput(&settings).await;
    if settings.store > 0 {
        stored_memory(&settings).await;
        stored_record_memory(&settings).await;
    }
    for count in &settings.page {
        paging_memory(*count, settings.concurrency).await;
    }
    webhook_throughput(&settings).await;
    if settings.pending > 0 {
        pending_delivery_memory(&settings).await;
    }
}

/// A local endpoint that counts deliveries and answers 200 after `delay`; returns its URL.
async fn counting_endpoint(received: Arc<AtomicU64>, delay: Duration) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let received = received.clone();
            async move {
                tokio::time::sleep(delay).await;
                received.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A mock that delivers every event to `url`.
async fn delivering_sandbox(url: &str) -> (MockServer, Client, String) {
    let mock = MockServer::builder()
        .rate_limit_per_minute(u32::MAX)
        .webhook(WebhookEndpoint::new(url, "wbhsec_load"))
        .start()
        .await
        .expect("the mock starts");
    let client = mock.client_builder().build().expect("valid settings");
    let template = mock.template_id().to_string();
    (mock, client, template)
}

async fn webhook_throughput(settings: &Settings) {
    let received = Arc::new(AtomicU64::new(0));
    let url = counting_endpoint(received.clone(), Duration::ZERO).await;
    let (mock, client, template) = delivering_sandbox(&url).await;
    let started = Instant::now();
    let creates = create_rate(settings, client, template).await;
    let delivered = received.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let events = mock.inquiry_count() as u64;
    println!(
        "webhooks: {:>8.0} deliveries/s while creating {creates:.0}/s ({delivered} of {events} events delivered within the run)",
        delivered as f64 / seconds,
    );
    // Then the backlog, with no API traffic, for at most as long again.
    let draining = Instant::now();
    while received.load(Ordering::Relaxed) < events
        && draining.elapsed() < Duration::from_secs(settings.seconds)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drained = received.load(Ordering::Relaxed) - delivered;
    println!(
        "webhooks: {:>8.0} deliveries/s with no API traffic ({} more)",
        drained as f64 / draining.elapsed().as_secs_f64(),
        drained
    );
}

async fn pending_delivery_memory(settings: &Settings) {
    // The same creates twice: without a webhook, then with one whose endpoint takes a minute
    // to answer, so every event after the first waits in the queue. Each inquiry records
    // more than one event (its account's too): the heap is divided by the events recorded.
    let live_after_filling = |with_webhook: bool| async move {
        let received = Arc::new(AtomicU64::new(0));
        let (mock, client, template) = if with_webhook {
            let url = counting_endpoint(received, Duration::from_secs(60)).await;
            delivering_sandbox(&url).await
        } else {
            sandbox().await
        };
        let before = settled_live_heap().await;
        fill(&client, &template, settings.pending, settings.concurrency).await;
        let grown = LIVE.load(Ordering::Relaxed).saturating_sub(before);
        let mut events = 0u64;
        {
            let mut stream = client.list_events().page_size(100).into_stream();
            while stream.try_next().await.expect("pages").is_some() {
                events += 1;
            }
        }
        drop((mock, client));
        (grown, events)
    };
    let (without, _) = live_after_filling(false).await;
    let (with, events) = live_after_filling(true).await;
    println!(
        "webhooks: {events} deliveries ({} inquiries' events) waiting behind a slow endpoint take {:.0} bytes of live heap each",
        settings.pending,
        with.saturating_sub(without) as f64 / events.max(1) as f64
    );
}
