//! Registry store throughput: importing a dump, and committing tickets.
//!
//! `cargo bench -p formrobot-store --bench store`; figures go to BENCHMARKS.md. Under `cargo test`
//! (no `--bench` argument) the sizes shrink a hundredfold, so the benchmark
//! code is exercised without timing anything.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented public functions.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use formrobot_engine::check::check_text;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_store::record::{Commit, IncomingMail, MessageOutcome, Verdict};
use formrobot_store::Store;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn scaled(full: usize) -> usize {
    if measuring() {
        full
    } else {
        full / 100
    }
}

/// A fresh database file for one iteration.
fn fresh_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("formrobot-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("bench.db")
}

/// Persons, roles, maintainers and aut-nums in the proportions of a real registry dump.
fn generated_dump(objects: usize) -> String {
    let mut dump = String::with_capacity(objects * 160);
    for i in 0..objects {
        let object = match i % 10 {
            0..=5 => format!(
                "person:  Person Number {i}\naddress: Street {i}\naddress: City\nphone:   +31 20 555 {:04}\nnic-hdl: PN{i}-RIPE\nchanged: x@example.net 20011002\nsource:  RIPE\n",
                i % 10_000
            ),
            6 => format!("role:    Team {i}\naddress: Street {i}\ne-mail:  noc@example.net\nnic-hdl: TT{i}-RIPE\nsource:  RIPE\n"),
            7 | 8 => format!("mntner:  MAINT{i}-MNT\ndescr:   maintainer {i}\nauth:    PGPKEY-1A2B3C4D\nmnt-by:  MAINT{i}-MNT\nsource:  RIPE\n"),
            _ => format!("aut-num: AS{}\nas-name: NET{i}\ndescr:   network {i}\nimport:  from AS1 accept ANY\nsource:  RIPE\n", 64_512 + i),
        };
        dump.push_str(&object);
        dump.push('\n');
    }
    dump
}

fn bench(c: &mut Criterion) {
    let objects = scaled(100_000);
    let dump = generated_dump(objects);
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(objects as u64));
    group.bench_function(format!("import {objects} objects"), |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let path = fresh_db("import");
                let mut store = Store::open(&path).expect("opens");
                let started = Instant::now();
                let stats = store.import_dump(dump.as_bytes(), "bench", 0).expect("imports");
                total += started.elapsed();
                assert_eq!(stats.read, objects as u64);
            }
            total
        })
    });
    group.finish();

    let forms = FormSet::embedded().expect("built-in forms load");
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/forms/ripe-valid-full.txt"))
            .expect("fixture");
    let checked = check_text(&text, &forms, Date::new(2026, 11, 23).expect("date"));
    let commits = scaled(10_000);
    let mut group = c.benchmark_group("commits");
    group.sample_size(10);
    group.throughput(Throughput::Elements(commits as u64));
    group.bench_function(format!("{commits} ticket commits"), |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let path = fresh_db("commits");
                let mut store = Store::open(&path).expect("opens");
                let ids: Vec<String> = (0..commits).map(|i| format!("<{i}@bench.example.net>")).collect();
                let started = Instant::now();
                for id in &ids {
                    let mail = IncomingMail {
                        raw: text.as_bytes(),
                        message_id: Some(id),
                        sender: Some("x@example.net"),
                        origin: "bench",
                        attachments: &[],
                        identity: None,
                        reply_limit: None,
                        imap: None,
                        from: None,
                        cites: Default::default(),
                    };
                    let recorded =
                        store.record(&mail, Verdict::Submission(&checked), 0, Commit::Yes, |_| None).expect("records");
                    assert_eq!(recorded.outcome, MessageOutcome::Accepted);
                }
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
