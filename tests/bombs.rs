//! Hostile mail through the real binary (issue 10): mail that must neither
//! take the robot down nor make it send a reply many times its size. Every
//! mail here is generated; no fixture is needed.

mod common;

use common::{formrobot, Scratch};
use std::path::Path;
use std::time::{Duration, Instant};

const TODAY: &str = "--today=2026-11-23 12:00:00";

/// `formrobot process --json` on `mail`; the exit code must be 0.
fn process(db: &Path, mail: &[u8]) -> serde_json::Value {
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(mail));
    assert_eq!(
        output.status.code(),
        Some(0),
        "process must handle the mail: {}",
        String::from_utf8_lossy(&output.stderr).chars().take(2000).collect::<String>()
    );
    serde_json::from_slice(&output.stdout).expect("JSON outcome")
}

fn body(outcome: &serde_json::Value) -> &str {
    outcome["reply"]["body"].as_str().expect("a reply")
}

/// A mail of `depth` nested multipart/mixed parts around a form line.
fn nested_mail(depth: usize, message_id: &str) -> Vec<u8> {
    let mut mail = format!("From: deep@example.org\nSubject: deep\nMessage-ID: <{message_id}>\n");
    for level in 0..depth {
        mail.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{level}x\"\n\n--b{level}x\n"));
    }
    mail.push_str("Content-Type: text/plain\n\naut-num: NEW\n");
    for level in (0..depth).rev() {
        mail.push_str(&format!("--b{level}x--\n"));
    }
    mail.into_bytes()
}

#[test]
fn forty_thousand_nested_parts_are_recorded_and_refused_not_a_crash() {
    let scratch = Scratch::new("deep");
    let db = scratch.path("db");
    let mail = nested_mail(40_000, "deep@example.org");
    let outcome = process(&db, &mail);
    assert_eq!(outcome["status"], "rejected");
    let reply = body(&outcome);
    assert!(reply.contains("nested more than 50 levels"), "{reply}");

    // The same through replay, from a file.
    let file = scratch.path("deep.eml");
    std::fs::write(&file, nested_mail(40_000, "deep2@example.org")).expect("mail written");
    let outbox = scratch.path("outbox");
    let output = formrobot(
        &[
            "--db",
            db.to_str().expect("UTF-8"),
            TODAY,
            "replay",
            file.to_str().expect("UTF-8"),
            "--outbox",
            outbox.to_str().expect("UTF-8"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let replies: Vec<_> = std::fs::read_dir(&outbox).expect("outbox").collect();
    assert_eq!(replies.len(), 1, "one refusal written");

    // Both mails are recorded.
    let log = formrobot(&["--db", db.to_str().expect("UTF-8"), "log"], None);
    let text = String::from_utf8_lossy(&log.stdout);
    assert_eq!(text.matches("received:").count(), 2, "{text}");
}

#[test]
fn nested_parts_over_many_dash_lines_take_linear_time() {
    let scratch = Scratch::new("dashes");
    // Parts nested one level more every few hundred lines that look like boundaries but are not:
    // each level used to scan everything inside it again.
    let shape = |levels: usize, id: &str| {
        let mut mail = format!("From: dash@example.org\nSubject: dashes\nMessage-ID: <{id}>\n");
        for level in 0..levels {
            mail.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{level}x\"\n\n"));
            mail.push_str(&"--\n--b\n--x\n".repeat(100));
            mail.push_str(&format!("--b{level}x\n"));
        }
        mail.push_str("Content-Type: text/plain\n\naut-num: NEW\n");
        mail.into_bytes()
    };
    let time = |mail: &[u8], name: &str| {
        let started = Instant::now();
        let outcome = process(&scratch.path(name), mail);
        assert_eq!(outcome["status"], "rejected");
        started.elapsed()
    };
    let small = shape(500, "s@example.org");
    let large = shape(4_000, "l@example.org");
    assert!(large.len() > 1_500_000, "{}", large.len());
    let small_time = time(&small, "small").max(Duration::from_millis(200));
    let large_time = time(&large, "large");
    assert!(large_time < small_time * 24, "8x the input took {large_time:?} against {small_time:?}");
}
