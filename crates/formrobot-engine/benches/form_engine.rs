//! Form engine throughput: many small submissions, and one large one.
//!
//! `cargo bench --bench form_engine`; figures go to BENCHMARKS.md.

#![allow(clippy::disallowed_methods)] // Outside the library: it reads fixtures, times runs or is a shell itself.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented public functions.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use formrobot_engine::check::check_text;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::validate::Disposition;
use std::hint::black_box;

const VALID_FIXTURES: &[&str] = &[
    "apnic-valid-full.txt",
    "apnic-valid-handles.txt",
    "apnic-valid-wrapped-as-in.txt",
    "apnic-valid-crlf.txt",
    "ripe-valid-full.txt",
    "ripe-valid-existing.txt",
    "ripe-valid-32bit.txt",
];

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn today() -> Date {
    Date::new(2026, 11, 23).expect("a real date")
}

/// Submissions cycled from the valid fixtures until they hold `templates` filled-in templates.
fn corpus(forms: &FormSet, templates: usize) -> Vec<String> {
    let sources: Vec<(String, usize)> = VALID_FIXTURES
        .iter()
        .map(|name| {
            let text = fixture(name);
            let checked = check_text(&text, forms, today());
            assert!(checked.errors().next().is_none(), "{name} must be valid for the benchmark");
            let filled = checked.validation.objects.iter().filter(|o| o.disposition == Disposition::Checked).count();
            (text, filled)
        })
        .collect();
    let mut corpus = Vec::new();
    let mut total = 0;
    for (text, filled) in sources.iter().cycle() {
        if total >= templates {
            break;
        }
        corpus.push(text.clone());
        total += filled;
    }
    corpus
}

/// One RPSL submission of about `bytes` bytes: the RIPE fixture's objects over and over.
fn large_submission(bytes: usize) -> String {
    let objects: String = fixture("ripe-valid-full.txt")
        .lines()
        .filter(|l| !formrobot_engine::extract::is_marker(l))
        .collect::<Vec<_>>()
        .join("\n");
    let mut text = String::with_capacity(bytes + objects.len());
    while text.len() < bytes {
        text.push_str(&objects);
        text.push_str("\n\n");
    }
    text
}

fn bench(c: &mut Criterion) {
    let forms = FormSet::embedded().expect("built-in forms load");

    let submissions = corpus(&forms, 10_000);
    let mut group = c.benchmark_group("templates");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("check 10,000 templates", |b| {
        b.iter(|| {
            for text in &submissions {
                black_box(check_text(text, &forms, today()).diagnostics.len());
            }
        })
    });
    group.finish();

    let large = large_submission(1_000_000);
    let mut group = c.benchmark_group("large");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(large.len() as u64));
    group.bench_function("check one 1 MB submission", |b| {
        b.iter_batched(
            || large.as_str(),
            |text| black_box(check_text(text, &forms, today()).diagnostics.len()),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
