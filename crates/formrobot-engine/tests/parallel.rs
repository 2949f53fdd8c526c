//! A large submission checked on several threads gives exactly what it gives on one.

#![allow(clippy::disallowed_methods)] // Outside the library: it reads fixtures.

use formrobot_engine::check::{check_text_findings, check_text_in, Checked};
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::parse::PARALLEL_FROM_BYTES;
use formrobot_engine::validate::registry_policy::RegistryPolicy;
use formrobot_engine::validate::PARALLEL_FROM_OBJECTS;
use proptest::prelude::*;
use std::sync::LazyLock;

static FORMS: LazyLock<FormSet> = LazyLock::new(|| FormSet::embedded().expect("built-in forms load"));

/// Every RIPE fixture form, markers, errors, pseudo-attributes and all.
static RIPE_FORMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let directory = format!("{}/../../fixtures/forms", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .unwrap_or_else(|e| panic!("{directory}: {e}"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("ripe-") && name.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the RIPE fixtures are missing from {directory}");
    names
        .iter()
        .map(|name| std::fs::read_to_string(format!("{directory}/{name}")).expect("a readable fixture"))
        .collect()
});

fn check(text: &str, threads: usize) -> Checked {
    let today = Date::new(2026, 11, 23).expect("a real date");
    check_text_in(text, &FORMS, today, &RegistryPolicy::default(), threads)
}

/// Checks `text` on one thread and on several and compares; with `must_cut`,
/// the text must also really be cut into as many stretches as there are threads
/// (a random mix may have no empty line in the form to cut at).
fn assert_same(text: &str, must_cut: bool) {
    assert!(text.len() >= PARALLEL_FROM_BYTES, "too small to be checked on several threads");
    if must_cut {
        let frame = formrobot_engine::extract::Frame::new(text);
        assert_eq!(frame.stretches(8).len(), 8);
    }
    let one = check(text, 1);
    let objects = one.submission.objects.len();
    assert!(objects >= PARALLEL_FROM_OBJECTS, "{objects} objects: too few to be checked on several threads");
    let today = Date::new(2026, 11, 23).expect("a real date");
    for threads in [2, 3, 8] {
        let several = check(text, threads);
        assert_eq!(several.submission, one.submission, "{threads} threads: the objects differ");
        assert_eq!(several.validation, one.validation, "{threads} threads: the findings differ");
        assert_eq!(several.diagnostics, one.diagnostics, "{threads} threads: the diagnostics differ");
        // Checked without keeping the objects, the findings are the same too.
        let alone = check_text_findings(text, &FORMS, today, &RegistryPolicy::default(), threads);
        assert!(alone == one.findings, "{threads} threads: the findings alone differ");
    }
}

/// Forms picked by `picks` and joined, as often as it takes to pass both the
/// size and the number of objects from which the engine works on several
/// threads; with CRLF line ends when `crlf`.
fn joined_forms(picks: &[usize], separator: &str, crlf: bool) -> String {
    let mut text = String::new();
    for pick in picks.iter().cycle() {
        if text.len() >= PARALLEL_FROM_BYTES {
            break;
        }
        text.push_str(&RIPE_FORMS[pick % RIPE_FORMS.len()]);
        text.push_str(separator);
    }
    // Forms of few, long objects need more of themselves to make enough objects.
    for _ in 0..8 {
        if check(&text, 1).submission.objects.len() >= PARALLEL_FROM_OBJECTS {
            break;
        }
        text = text.repeat(2);
    }
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    text
}

#[test]
fn every_ripe_fixture_repeated_gives_the_same_outcome_on_several_threads() {
    let all: Vec<usize> = (0..RIPE_FORMS.len()).collect();
    // Each fixture keeps its CUT HERE lines: the text between one form's last
    // marker and the next one's first is left out, which the cuts must respect.
    assert_same(&joined_forms(&all, "\n", false), true);
    // Without markers, everything is read, errors and all (more than the listed maximum).
    let unmarked: String = joined_forms(&all, "\n\n", false)
        .lines()
        .filter(|line| !formrobot_engine::extract::is_marker(line))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_same(&unmarked, true);
}

/// Each object's attributes lie in two parts of the form, on both sides of
/// an empty line that is not part of it (between a closing and an opening
/// "CUT HERE" line): the parser reads the parts as one text, so no object may
/// be cut there, only at the empty line each object ends with.
#[test]
fn objects_across_a_gap_between_markers_are_not_cut_apart() {
    let mut text = String::new();
    let mut number = 0;
    while text.len() < PARALLEL_FROM_BYTES + 50_000 {
        number += 1;
        text.push_str(&format!(
            "--- CUT HERE ---\nperson: Jane Example\naddress: {number} Example Street\n--- CUT HERE ---\n\n\
             --- CUT HERE ---\nphone: +47 22 00 00 00\ne-mail: jane@example.net\nnic-hdl: AUTO-{number}\n\
             changed: jane@example.net 20011002\nsource: RIPE\n\n--- CUT HERE ---\n"
        ));
    }
    assert_same(&text, true);
    let one = check(&text, 1);
    assert_eq!(one.submission.objects.len(), number, "one person per repetition");
    assert!(one.submission.objects.iter().all(|person| person.attributes.len() == 7));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn random_mixes_of_forms_give_the_same_outcome_on_several_threads(
        picks in prop::collection::vec(0usize..64, 1..40),
        separator in prop::sample::select(vec!["", "\n", "\n\n", "\n \n", "\npassword: secret\n", "\n+ continued\n\n"]),
        crlf in any::<bool>(),
    ) {
        assert_same(&joined_forms(&picks, separator, crlf), false);
    }
}
