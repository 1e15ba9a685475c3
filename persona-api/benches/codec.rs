//! Decoding and encoding bodies, each against the floor of the same bytes through
//! `serde_json::Value` in the same run.
//!
//! `cargo bench -p persona-api --bench codec`, then `cargo xtask bench-report` for the ratios.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use persona_api::types;
use std::hint::black_box;

/// The getting-started guide's response to "create an inquiry for Jane Doe".
const INQUIRY: &str = include_str!("fixtures/inquiry.json");
/// The same inquiry with five typed included objects: government-id, selfie and database
/// verifications with their checks, a watchlist report, a government-id document.
const INQUIRY_WITH_INCLUDED: &str = include_str!("fixtures/inquiry-with-included.json");

/// A list page of `count` copies of the guide's inquiry, each with its own id.
fn list_page(count: usize) -> Vec<u8> {
    let inquiry: serde_json::Value = serde_json::from_str(INQUIRY).expect("fixture is JSON");
    let data: Vec<serde_json::Value> = (0..count)
        .map(|index| {
            let mut item = inquiry["data"].clone();
            item["id"] = serde_json::json!(format!("inq_{index:024}"));
            item
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"data": data, "links": {"prev": null, "next": "/api/v1/inquiries?page%5Bafter%5D=inq_x"}})).expect("serializes")
}

fn decode(c: &mut Criterion) {
    let single = INQUIRY.as_bytes();
    let with_included = INQUIRY_WITH_INCLUDED.as_bytes();
    let page = list_page(100);
    let mut group = c.benchmark_group("decode");
    for (name, bytes) in [
        ("inquiry", single),
        ("inquiry_with_included", with_included),
        ("page_of_100", page.as_slice()),
    ] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("value", name), bytes, |b, bytes| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(bytes)).expect("parses")
            })
        });
    }
    for (name, bytes) in [
        ("inquiry", single),
        ("inquiry_with_included", with_included),
    ] {
        group.bench_with_input(BenchmarkId::new("typed", name), bytes, |b, bytes| {
            b.iter(|| {
                serde_json::from_slice::<types::InquiryDocument>(black_box(bytes)).expect("decodes")
            })
        });
    }
    group.bench_with_input(
        BenchmarkId::new("typed", "page_of_100"),
        page.as_slice(),
        |b, bytes| {
            b.iter(|| {
                serde_json::from_slice::<types::InquiryList>(black_box(bytes)).expect("decodes")
            })
        },
    );
    group.finish();
}

fn encode(c: &mut Criterion) {
    let request: types::CreateInquiryRequest =
        serde_json::from_value(serde_json::json!({"data": {"attributes": {
            "inquiry-template-id": "itmpl_zxDohzpCMnKNnj4no2dDuah8",
            "fields": {"name-first": "Jane", "name-last": "Doe", "birthdate": "1994-04-12"}
        }}}))
        .expect("a request");
    let value = serde_json::to_value(&request).expect("serializes");
    let mut group = c.benchmark_group("encode");
    group.bench_function(BenchmarkId::new("value", "create_inquiry"), |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)).expect("serializes"))
    });
    group.bench_function(BenchmarkId::new("typed", "create_inquiry"), |b| {
        b.iter(|| serde_json::to_vec(black_box(&request)).expect("serializes"))
    });
    group.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
