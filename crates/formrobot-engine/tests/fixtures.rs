//! Every fixture form in `fixtures/forms/` against its golden outcome.
//!
//! The golden file `NAME.expected.json` is the JSON outcome of `check`, reviewed
//! by hand once. `UPDATE_GOLDEN=1 cargo test -p formrobot-engine --test fixtures` rewrites them;
//! the review is then `git diff fixtures/`. Independently of the goldens, the
//! status each fixture's author expected (in `fixtures/forms/INDEX.md`) must
//! match, so a regenerated golden cannot quietly flip a verdict.

#![allow(clippy::disallowed_methods)] // Outside the library: it reads fixtures, times runs or is a shell itself.

#[path = "../../../tests/common/index.rs"]
mod common;

use formrobot_engine::check::{check_text, check_text_findings, check_text_in, decode_bytes};
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use std::fs;
use std::path::{Path, PathBuf};

/// The day the fixtures were written against.
fn fixture_day() -> Date {
    Date::new(2026, 11, 23).expect("a real date")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/forms")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .expect("fixtures/forms exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_matches_its_golden_outcome() {
    let forms = FormSet::embedded().expect("built-in forms load");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let statuses = common::expected_statuses(&fixture_dir().join("INDEX.md"), ".txt");
    let files = fixture_files();
    assert!(files.len() >= 30, "expected at least 30 fixture forms, found {}", files.len());

    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name").to_owned();
        let bytes = fs::read(path).expect("fixture readable");
        let report = check_text(&decode_bytes(&bytes), &forms, fixture_day()).outcome();
        let actual = serde_json::to_string_pretty(&report).expect("serialisable") + "\n";

        let expected_status = statuses.get(&name).unwrap_or_else(|| panic!("{name} is not described in INDEX.md"));
        let actual_status = serde_json::to_value(report.status).expect("serialisable");
        if actual_status.as_str() != Some(expected_status.as_str()) {
            failures.push(format!("{name}: INDEX.md expects {expected_status}, the engine says {actual_status}"));
        }

        let golden = path.with_extension("expected.json");
        if update {
            fs::write(&golden, &actual).expect("golden writable");
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!("{name}: outcome differs from {}:\n{actual}", golden.display())),
            Err(_) => failures.push(format!("{name}: no golden file {} (run with UPDATE_GOLDEN=1)", golden.display())),
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// `formrobot check` keeps only the findings, dropping each object once it
/// is checked: they must be the findings of the form checked whole, for every
/// fixture, under the default policy and under one whose rules read the
/// objects (a required maintainer, a service region).
#[test]
fn the_findings_alone_are_those_of_the_whole_check() {
    let forms = FormSet::embedded().expect("built-in forms load");
    let strict = RegistryPolicy {
        min_neighbours: 3,
        required_mnt_by: Some("EXAMPLENET-MNT".to_owned()),
        service_region: vec!["NO".to_owned(), "AU".to_owned()],
    };
    let mut compared = 0;
    for path in fixture_files() {
        let text = decode_bytes(&fs::read(&path).expect("fixture readable"));
        for policy in [RegistryPolicy::default(), strict.clone()] {
            let whole = check_text_in(&text, &forms, fixture_day(), &policy, 1);
            let alone = check_text_findings(&text, &forms, fixture_day(), &policy, 1);
            assert!(
                alone == whole.findings,
                "{}: the findings alone differ:\n{alone:#?}\n{:#?}",
                path.display(),
                whole.findings
            );
            compared += usize::from(!whole.diagnostics.is_empty());
        }
    }
    assert!(compared >= 60, "only {compared} of the checks found anything to compare");
}

#[test]
fn index_describes_only_existing_fixtures() {
    let files: Vec<String> =
        fixture_files().iter().filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned)).collect();
    for name in common::expected_statuses(&fixture_dir().join("INDEX.md"), ".txt").keys() {
        assert!(files.contains(name), "INDEX.md describes {name}, which does not exist");
    }
}
