//! Every fixture mail in `fixtures/mail/` through `process --dry-run --json`
//! and through `replay`, against golden files reviewed by hand once.
//!
//! - `NAME.expected.json`: the JSON outcome of `process --dry-run --json` on a
//!   fresh registry;
//! - `NAME.reply.txt`: the reply `replay` writes when the whole directory is
//!   replayed in order into one database (absent when no reply is due).
//!
//! Ticket tags are random and Message-IDs follow from them, so both are
//! replaced by fixed text before comparing. `UPDATE_GOLDEN=1` rewrites the
//! goldens; review them with `git diff fixtures/mail`. The status each
//! fixture's author expected (`fixtures/mail/INDEX.md`) must match as well.

mod common;

use common::golden::{compare, normalise};
use common::{formrobot, Scratch};
use std::fs;
use std::path::{Path, PathBuf};

const TODAY: &str = "--today=2026-11-23 12:00:00";

fn mail_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail")
}

fn fixture_mails() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(mail_dir())
        .expect("fixtures/mail exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml") && !is_golden(path))
        .collect();
    files.sort();
    files
}

fn is_golden(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".reply.txt")
}

fn stem(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 name").to_owned()
}

#[test]
fn every_fixture_mail_through_process_matches_its_golden_outcome() {
    let mails = fixture_mails();
    assert!(mails.len() >= 40, "expected at least 40 fixture mails, found {}", mails.len());
    let statuses = common::expected_statuses(&mail_dir().join("INDEX.md"), ".eml");
    let scratch = Scratch::new("mail-process");
    let db = scratch.path("never-created.db");
    let mut failures = Vec::new();
    for path in &mails {
        let name = format!("{}.eml", stem(path));
        let raw = fs::read(path).expect("readable");
        let output =
            formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--dry-run", "--json"], Some(&raw));
        if output.status.code() != Some(0) {
            failures.push(format!(
                "{name}: exit {:?}: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        }
        let json = normalise(&String::from_utf8_lossy(&output.stdout));
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON outcome");
        let expected = statuses.get(&name).map(String::as_str).unwrap_or("(not in INDEX.md)");
        if value["status"].as_str() != Some(expected) {
            failures.push(format!("{name}: INDEX.md expects {expected}, process says {}", value["status"]));
        }
        compare(&path.with_extension("expected.json"), Some(&json), &mut failures);
    }
    assert!(!db.exists(), "--dry-run must not create the database");
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn replaying_the_fixture_directory_writes_the_golden_replies() {
    let scratch = Scratch::new("mail-replay");
    let outbox = scratch.path("outbox");
    let db = scratch.path("replay.db");
    let output = formrobot(
        &[
            "--db",
            db.to_str().expect("UTF-8"),
            TODAY,
            "replay",
            "--outbox",
            outbox.to_str().expect("UTF-8"),
            mail_dir().to_str().expect("UTF-8"),
        ],
        None,
    );
    let summary = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{summary}{}", String::from_utf8_lossy(&output.stderr));
    let statuses = common::expected_statuses(&mail_dir().join("INDEX.md"), ".eml");
    let count = |status: &str| statuses.values().filter(|s| *s == status).count();
    let expected_summary = format!(
        "{} accepted, {} rejected, {} ignored, {} help",
        count("accepted"),
        count("rejected"),
        count("ignored"),
        count("help")
    );
    assert!(summary.contains(&expected_summary), "expected '{expected_summary}' in:\n{summary}");

    let mut failures = Vec::new();
    for path in fixture_mails() {
        let written = fs::read(outbox.join(format!("{}.eml", stem(&path)))).ok();
        let actual = written.map(|bytes| normalise(&String::from_utf8(bytes).expect("replies are ASCII")));
        let golden = mail_dir().join(format!("{}.reply.txt", stem(&path)));
        compare(&golden, actual.as_deref(), &mut failures);
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn ignored_mails_get_no_reply_and_replies_are_loop_safe() {
    let statuses = common::expected_statuses(&mail_dir().join("INDEX.md"), ".eml");
    for path in fixture_mails() {
        let name = format!("{}.eml", stem(&path));
        let reply = mail_dir().join(format!("{}.reply.txt", stem(&path)));
        let ignored = statuses.get(&name).is_some_and(|s| s == "ignored");
        assert_eq!(reply.exists(), !ignored, "{name}: a reply is due exactly when the mail is not ignored");
        if let Ok(text) = fs::read_to_string(&reply) {
            assert!(text.contains("Auto-Submitted: auto-replied"), "{name}");
            assert!(text.contains("X-Loop: as-request@example.net"), "{name}");
            assert!(!text.contains("\nTo: as-request@example.net"), "{name}: never to ourselves");
            // The reply, fed back to the robot, is ignored.
            let output = formrobot(&[TODAY, "process", "--dry-run", "--json"], Some(text.as_bytes()));
            let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
            assert_eq!(value["status"], "ignored", "{name}: our own reply must not be answered");
        }
    }
}

#[test]
fn auth_secrets_never_reach_replies_or_the_log() {
    let scratch = Scratch::new("mail-secrets");
    let db = scratch.path("secrets.db");
    let form = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture");
    let secret = form
        .lines()
        .find_map(|l| l.strip_prefix("auth:").map(|v| v.split_whitespace().nth(1).unwrap_or_default().to_owned()))
        .expect("the fixture has an auth line");
    for (subject, body) in [("ok", form.clone()), ("broken", form.replace("as-name:", "as-nme:"))] {
        let mail = format!("From: jo@example.org\nSubject: {subject}\nMessage-ID: <{subject}@example.org>\n\n{body}");
        let output =
            formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(mail.as_bytes()));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{text}");
        assert!(!text.contains(&secret), "the auth hash leaked into the {subject} reply");
    }
    let log = formrobot(&["--db", db.to_str().expect("UTF-8"), "log"], None);
    assert!(!String::from_utf8_lossy(&log.stdout).contains(&secret));
}
