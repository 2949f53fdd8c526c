//! Memory per byte of input: the engine's peak heap, counted by a global
//! allocator (bytes, not time, so the machine's load cannot make these flaky).
//!
//! Issue 10 (High 6): 10 MB of continuation lines once took 75-99 times the
//! mail in memory. A form must cost a small multiple of its size, whatever its shape.

#![allow(clippy::disallowed_methods)] // Outside the library: it reads fixtures.

use formrobot_engine::check::{check_text, check_text_findings};
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use peak_alloc::PeakAlloc;
use std::sync::{Mutex, MutexGuard};

/// The system allocator, counting the bytes live now and the most live at once.
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// One test at a time: the counters are global to the test binary, and
/// another test building its input would count in this one's peak.
static MEASURING: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    MEASURING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The most heap the engine holds at once while checking `text`, beyond what was live before.
fn peak_while_checking(text: &str) -> usize {
    peak_while(|forms, today| drop(check_text(text, forms, today)))
}

/// The most heap `work` holds at once, beyond what was live before (the forms are loaded first).
fn peak_while(work: impl FnOnce(&FormSet, Date)) -> usize {
    let forms = FormSet::embedded().expect("built-in forms load");
    let today = Date::new(2026, 11, 23).expect("a real date");
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    work(&forms, today);
    ALLOCATOR.peak_usage().saturating_sub(before)
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An aut-num whose `descr:` goes on for `bytes` bytes of continuation lines of `line`.
fn continued(line: &str, bytes: usize) -> String {
    let mut text = String::from("aut-num: NEW\nas-name: EXAMPLE-AS\ndescr: Example\n");
    while text.len() < bytes {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("source: RIPE\n");
    text
}

/// Issue 10, High 6: continuation lines, long and very short, and a `password:`
/// continued the same way, each 4 MB (the 10 MB of the report, scaled to keep
/// the test quick), within 10 times their size.
#[test]
fn continuation_lines_take_a_small_multiple_of_their_size() {
    let _alone = one_at_a_time();
    for (what, text) in [
        ("descr continued", continued("               Example Networks, a long description", 4_000_000)),
        ("descr continued, short lines", continued(" x", 4_000_000)),
        ("password continued", format!("password: secret\n{}", continued("+ more", 4_000_000))),
    ] {
        let peak = peak_while_checking(&text);
        let ratio = peak as f64 / text.len() as f64;
        eprintln!("{what}: {} bytes of form took {peak} bytes of heap ({ratio:.2}x)", text.len());
        assert!(ratio < 10.0, "{what}: {} bytes of form took {peak} bytes of heap ({ratio:.1}x)", text.len());
    }
}

/// Issue 14: a submission of many valid objects (the RIPE fixture's form
/// with existing handles, over and over) takes the engine a bounded multiple
/// of its size. The goal is under two; BENCHMARKS.md has today's figures, and
/// this bound keeps them from growing back.
#[test]
fn many_objects_take_a_bounded_multiple_of_their_size() {
    let _alone = one_at_a_time();
    let text = many_valid_objects(2_000_000);
    let peak = peak_while_checking(&text);
    let ratio = peak as f64 / text.len() as f64;
    eprintln!("{} bytes of objects took {peak} bytes of heap ({ratio:.2}x)", text.len());
    assert!(ratio < 6.0, "{} bytes of objects took {peak} bytes of heap ({ratio:.2}x)", text.len());
}

/// The RIPE fixture's form with existing handles, over and over, to `bytes`.
fn many_valid_objects(bytes: usize) -> String {
    let fixture = fixture("ripe-valid-existing.txt");
    let form: Vec<&str> = formrobot_engine::extract::extract(&fixture).lines.iter().map(|l| l.text).collect();
    let form = form.join("\n");
    let mut text = String::new();
    while text.len() < bytes {
        text.push_str(form.trim());
        text.push_str("\n\n");
    }
    text
}

/// Issue 14: checked for its findings alone (`formrobot check`), a large form
/// is never held as objects: each is dropped once checked, and what is kept
/// (a summary and the facts of each object) is a fraction of the text, on one
/// thread or on several.
#[test]
fn findings_alone_take_a_fraction_of_the_form() {
    let _alone = one_at_a_time();
    let text = many_valid_objects(2_000_000);
    for threads in [1, 2] {
        let peak = peak_while(|forms, today| {
            drop(check_text_findings(&text, forms, today, &RegistryPolicy::default(), threads));
        });
        let ratio = peak as f64 / text.len() as f64;
        eprintln!(
            "{threads} thread(s): {} bytes of objects, findings alone took {peak} bytes of heap ({ratio:.2}x)",
            text.len()
        );
        assert!(
            ratio < 1.2,
            "{threads} thread(s): {} bytes of objects took {peak} bytes of heap ({ratio:.2}x)",
            text.len()
        );
    }
}
