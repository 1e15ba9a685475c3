//! `cargo xtask bench-report`: the benchmark figures as ratios against the floors measured in
//! the same run (criterion's saved estimates under `target/criterion`).

use std::path::{Path, PathBuf};

use crate::{TaskError, workspace_root};

/// `(what, candidate, floor, target ratio)`; paths are criterion's `group/function/parameter`.
const PAIRS: &[(&str, &str, &str, Option<f64>)] = &[
    (
        "decode the guide's inquiry, typed vs serde_json::Value",
        "decode/typed/inquiry",
        "decode/value/inquiry",
        Some(1.00),
    ),
    (
        "decode the guide's inquiry with five included objects, typed vs Value",
        "decode/typed/inquiry_with_included",
        "decode/value/inquiry_with_included",
        Some(1.00),
    ),
    (
        "decode a page of 100 inquiries, typed vs Value",
        "decode/typed/page_of_100",
        "decode/value/page_of_100",
        None,
    ),
    (
        "encode a create-inquiry request, typed vs Value",
        "encode/typed/create_inquiry",
        "encode/value/create_inquiry",
        None,
    ),
    (
        "retrieve round trip, persona-api vs bare reqwest",
        "retrieve_inquiry/persona_api/mock",
        "retrieve_inquiry/bare_reqwest/mock",
        Some(1.10),
    ),
    (
        "create round trip (idempotency key, retry copy) vs bare reqwest",
        "create_inquiry/persona_api/mock",
        "create_inquiry/bare_reqwest/mock",
        None,
    ),
    (
        "verify a webhook (3 KB event) vs one HMAC-SHA256",
        "webhook/verify/inquiry_event",
        "webhook/hmac_only/inquiry_event",
        None,
    ),
    (
        "verify and read it into a typed event vs verify only",
        "webhook/verify_and_read/inquiry_event",
        "webhook/verify/inquiry_event",
        None,
    ),
    (
        "mock retrieve, time per request vs a bare axum server",
        "mock_throughput/persona_mock/retrieve",
        "mock_throughput/floor/retrieve",
        None,
    ),
    (
        "mock inquiry create, time per request vs a bare axum server",
        "mock_throughput/persona_mock/create",
        "mock_throughput/floor/retrieve",
        None,
    ),
    (
        "mock account create, time per request vs a bare axum server",
        "mock_throughput/persona_mock/create_account",
        "mock_throughput/floor/retrieve",
        None,
    ),
    (
        "mock report create, time per request vs a bare axum server",
        "mock_throughput/persona_mock/create_report",
        "mock_throughput/floor/retrieve",
        None,
    ),
];

/// The group of `tests/benches/decode_by_product.rs`: a pair for each product, `typed/<product>`
/// against `value/<product>`, each typed decode held to the time of `serde_json::Value`'s.
const BY_PRODUCT: &str = "decode_by_product";

/// The products the per-product benchmark ran, from criterion's folders.
fn products_decoded(root: &Path) -> Vec<String> {
    let mut products: Vec<String> = std::fs::read_dir(root.join(BY_PRODUCT).join("typed"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name != "report")
        .collect();
    products.sort();
    products
}

/// Requests per second are reported for these (criterion measured time per request).
const RATES: &[(&str, &str)] = &[
    (
        "persona-mock create, 16 concurrent clients",
        "mock_throughput/persona_mock/create",
    ),
    (
        "persona-mock account create, 16 concurrent clients",
        "mock_throughput/persona_mock/create_account",
    ),
    (
        "persona-mock report create, 16 concurrent clients",
        "mock_throughput/persona_mock/create_report",
    ),
    (
        "persona-mock retrieve, 16 concurrent clients",
        "mock_throughput/persona_mock/retrieve",
    ),
    (
        "bare axum floor retrieve, 16 concurrent clients",
        "mock_throughput/floor/retrieve",
    ),
];

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("criterion")
}

/// The mean time of one benchmark in nanoseconds, if it has run.
fn mean_nanos(root: &Path, id: &str) -> Option<f64> {
    let path = root.join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["mean"]["point_estimate"].as_f64()
}

pub fn run() -> Result<String, TaskError> {
    let root = criterion_dir();
    let mut lines = vec![format!(
        "{:<58} {:>12} {:>12} {:>7}  target",
        "figure", "candidate", "floor", "ratio"
    )];
    let mut found = 0;
    let by_product: Vec<(String, String, String, Option<f64>)> = products_decoded(&root)
        .into_iter()
        .map(|product| {
            (
                format!("decode {product}'s largest example, typed vs Value"),
                format!("{BY_PRODUCT}/typed/{product}"),
                format!("{BY_PRODUCT}/value/{product}"),
                Some(1.00),
            )
        })
        .collect();
    let pairs = PAIRS
        .iter()
        .map(|(what, candidate, floor, target)| (*what, *candidate, *floor, *target))
        .chain(by_product.iter().map(|(what, candidate, floor, target)| {
            (what.as_str(), candidate.as_str(), floor.as_str(), *target)
        }));
    for (what, candidate, floor, target) in pairs {
        let (Some(ours), Some(base)) = (mean_nanos(&root, candidate), mean_nanos(&root, floor))
        else {
            lines.push(format!("{what:<58} (not run)"));
            continue;
        };
        found += 1;
        let ratio = ours / base;
        let verdict = target.map_or("-".to_string(), |limit| {
            format!(
                "<= {limit:.2}x {}",
                if ratio <= limit { "met" } else { "MISSED" }
            )
        });
        lines.push(format!(
            "{what:<58} {:>12} {:>12} {ratio:>6.2}x  {verdict}",
            nanos(ours),
            nanos(base)
        ));
    }
    for (what, id) in RATES {
        if let Some(mean) = mean_nanos(&root, id) {
            lines.push(format!("{what:<58} {:>12.0} requests/s", 1e9 / mean));
        }
    }
    if found == 0 {
        return Err(TaskError::Shape(format!(
            "no benchmark results under {}: run `cargo bench -p persona-api` and `cargo bench -p persona-mock` first",
            root.display()
        )));
    }
    Ok(lines.join("\n"))
}

fn nanos(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.2} ms", v / 1e6),
        v if v >= 1e3 => format!("{:.2} µs", v / 1e3),
        v => format!("{v:.0} ns"),
    }
}
