//! Decoding one representative answer of each product, typed against `serde_json::Value` from
//! the same bytes in the same run: the largest success example Persona's spec gives for the
//! product's operations, written in Persona's member order (`type` and `id` first, which the
//! open unions read in one pass), decoded into the type its operation declares.
//!
//! `cargo bench -p persona-api-tests --bench decode_by_product`, then `cargo xtask bench-report`
//! for the table of ratios.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use persona_api_tests::decode::{ForType, in_persona_order, with_type};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Each product's largest success example, by the product's slug, with the schema its
/// operation answers with.
fn representatives() -> BTreeMap<String, (String, Vec<u8>)> {
    let mut chosen: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    for operation in persona_api_tests::operations() {
        let Some(schema) = &operation.response_schema else {
            continue;
        };
        for (_, example) in &operation.response_examples {
            let bytes = in_persona_order(example).into_bytes();
            let product = xtask::product_slug(&operation.product);
            if chosen
                .get(&product)
                .is_none_or(|(_, kept)| kept.len() < bytes.len())
            {
                chosen.insert(product, (schema.clone(), bytes));
            }
        }
    }
    chosen
}

/// Times decoding `bytes` into the type [`with_type`] picks.
struct TypedDecode<'a, 'g> {
    group: &'a mut BenchmarkGroup<'g, WallTime>,
    product: &'a str,
    bytes: &'a [u8],
}

impl ForType for TypedDecode<'_, '_> {
    type Output = ();

    fn run<T: DeserializeOwned + Serialize + Debug>(self) {
        serde_json::from_slice::<T>(self.bytes).expect("the example decodes");
        self.group.bench_with_input(
            BenchmarkId::new("typed", self.product),
            self.bytes,
            |b, bytes| b.iter(|| serde_json::from_slice::<T>(black_box(bytes)).expect("decodes")),
        );
    }
}

fn decode_by_product(c: &mut Criterion) {
    // Name kept in step with `xtask/src/bench_report.rs`, which reads the pairs of this group.
    let mut group = c.benchmark_group("decode_by_product");
    // Twenty products, two sides each: short runs keep the whole under two minutes.
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (product, (schema, bytes)) in representatives() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("value", &product), &bytes, |b, bytes| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(bytes)).expect("parses")
            })
        });
        let task = TypedDecode {
            group: &mut group,
            product: &product,
            bytes: &bytes,
        };
        with_type(&schema, task).unwrap_or_else(|| panic!("{schema} is a body schema"));
    }
    group.finish();
}

criterion_group!(benches, decode_by_product);
criterion_main!(benches);
