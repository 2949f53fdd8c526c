//! The mail pipeline's decisions, through `formrobot process` as an MTA runs it.

mod common;

use common::{formrobot, Scratch};
use std::fs;
use std::path::Path;
use std::process::Command;

const TODAY: &str = "--today=2026-11-23 12:00:00";

fn process(db: &Path, config: Option<&Path>, mail: &str) -> serde_json::Value {
    let mut args = vec!["--db", db.to_str().expect("UTF-8"), TODAY];
    if let Some(config) = config {
        args.extend(["--config", config.to_str().expect("UTF-8")]);
    }
    args.extend(["process", "--json"]);
    let output = formrobot(&args, Some(mail.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON outcome")
}

fn form() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture")
}

#[test]
fn an_accepted_mail_gets_a_ticket_handles_and_a_threaded_reply() {
    let scratch = Scratch::new("accept");
    let mail = format!("From: Jane <jane@example.org>\nSubject: AS please\nMessage-ID: <m1@example.org>\n\n{}", form());
    let outcome = process(&scratch.path("db"), None, &mail);
    assert_eq!(outcome["status"], "accepted");
    let ticket = outcome["ticket"].as_str().expect("a ticket");
    assert_eq!(outcome["handles"]["AUTO-1"], "JQE1-RIPE");
    assert_eq!(outcome["handles"]["AUTO-2JD"], "JD1-RIPE");
    assert_eq!(outcome["reply"]["to"], "jane@example.org");
    assert_eq!(outcome["reply"]["subject"], format!("Re: AS please [{ticket}] ACCEPTED"));
    let body = outcome["reply"]["body"].as_str().expect("body");
    assert!(body.contains("JQE1-RIPE") && !body.contains("AUTO-1\n"), "{body}");
    assert!(body.contains("auth:") && body.contains("<hidden>"), "{body}");
}

#[test]
fn a_large_mail_is_refused_unread_with_its_size_and_the_limit() {
    let scratch = Scratch::new("large");
    let config = scratch.path("robot.toml");
    fs::write(&config, "max_message_bytes = 2000\n").expect("config");
    let mail = format!("From: big@example.org\nSubject: big\nMessage-ID: <m2@example.org>\n\n{}", "x".repeat(5000));
    let outcome = process(&scratch.path("db"), Some(&config), &mail);
    assert_eq!(outcome["status"], "rejected");
    let body = outcome["reply"]["body"].as_str().expect("a reply");
    assert!(body.contains(&format!("{} bytes", mail.len())) && body.contains("2000 bytes"), "{body}");
}

#[test]
fn html_only_help_and_bounces() {
    let scratch = Scratch::new("kinds");
    let db = scratch.path("db");
    let html =
        process(&db, None, "From: h@example.org\nSubject: form\nContent-Type: text/html\n\n<p>aut-num: NEW</p>\n");
    assert_eq!(html["status"], "rejected");
    assert!(html["reply"]["body"].as_str().is_some_and(|b| b.contains("plain text")));

    let help = process(&db, None, "From: h@example.org\nSubject: Help\nMessage-ID: <h@example.org>\n\n");
    assert_eq!(help["status"], "help");
    let body = help["reply"]["body"].as_str().expect("help reply");
    assert!(body.contains("#[AUT-NUM TEMPLATE V3.0]#") && body.contains("CUT HERE"), "{body}");

    let bounce =
        process(&db, None, "From: MAILER-DAEMON@mx.example.org\nReturn-Path: <>\nSubject: Undelivered\n\nsorry\n");
    assert_eq!(bounce["status"], "ignored");
    assert!(bounce["reply"].is_null());
}

#[test]
fn a_sender_over_the_hourly_limit_is_recorded_but_not_answered() {
    let scratch = Scratch::new("limit");
    let db = scratch.path("db");
    let config = scratch.path("robot.toml");
    fs::write(&config, "replies_per_sender_per_hour = 2\n").expect("config");
    let outcomes: Vec<serde_json::Value> = (0..3)
        .map(|i| {
            process(
                &db,
                Some(&config),
                &format!("From: eager@example.org\nSubject: help\nMessage-ID: <l{i}@example.org>\n\n"),
            )
        })
        .collect();
    assert!(outcomes[0]["reply"].is_object() && outcomes[1]["reply"].is_object());
    assert!(outcomes[2]["reply"].is_null(), "the third reply within the hour is withheld");
    let log = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(["--db", db.to_str().expect("UTF-8"), "log"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&log.stdout);
    assert_eq!(text.matches("received:").count(), 3, "all three are recorded:\n{text}");
    assert!(text.contains("reply-withheld: eager@example.org already had 2 replies"), "{text}");
}

#[test]
fn a_database_that_cannot_be_written_is_a_temporary_failure() {
    let mail = format!("From: a@example.org\nSubject: x\n\n{}", form());
    let output = formrobot(&["--db", "/proc/formrobot-cannot-be-here/state.db", "process"], Some(mail.as_bytes()));
    assert_eq!(output.status.code(), Some(75), "EX_TEMPFAIL, so the MTA keeps the mail");
    assert!(String::from_utf8_lossy(&output.stderr).contains("delivered again later"));
}

#[test]
fn a_dry_run_keeps_nothing() {
    let scratch = Scratch::new("dry");
    let db = scratch.path("db");
    let mail = format!("From: a@example.org\nSubject: x\nMessage-ID: <d@example.org>\n\n{}", form());
    let output = formrobot(
        &["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--dry-run", "--json"],
        Some(mail.as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(!db.exists(), "no database is created by a dry run");
    // With a database, the dry run reads it but leaves it as it was.
    let first = process(&db, None, &mail);
    assert_eq!(first["status"], "accepted");
    let again = formrobot(
        &["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--dry-run", "--json"],
        Some(mail.replace("<d@", "<e@").as_bytes()),
    );
    let value: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
    assert_eq!(value["handles"]["AUTO-1"], "JQE2-RIPE", "the dry run sees JQE1 taken");
    let third = process(&db, None, &mail.replace("<d@", "<f@"));
    assert_eq!(third["handles"]["AUTO-1"], "JQE2-RIPE", "and did not keep JQE2");
}

#[test]
fn a_dry_run_line_in_the_mail_is_answered_and_recorded_but_opens_nothing() {
    let scratch = Scratch::new("dry-run-line");
    let db = scratch.path("db");
    let form = form();
    let at = form.find("aut-num:").expect("the form has an aut-num");
    let dry = format!("{}dry-run: trying it first\n{}", &form[..at], &form[at..]);
    let mail = format!("From: a@example.org\nSubject: x\nMessage-ID: <dry@example.org>\n\n{dry}");
    let answered = process(&db, None, &mail);
    assert_eq!(answered["status"], "accepted");
    assert!(answered["ticket"].is_null(), "{answered}");
    assert_eq!(answered["handles"], serde_json::json!({}));
    assert!(answered["reply"]["subject"].as_str().is_some_and(|s| s.ends_with("DRY RUN")), "{answered}");
    assert!(answered["reply"]["body"].as_str().is_some_and(|b| b.contains("no NIC handle was reserved")));
    // The mail is recorded: the operators' log shows it, with what was done.
    let log = formrobot(&["--db", db.to_str().expect("UTF-8"), "log"], None);
    let log = String::from_utf8_lossy(&log.stdout);
    assert!(log.contains("dry run: no errors; checked only, no ticket opened and no handle claimed"), "{log}");
    // No handle was claimed: the real request that follows gets the first one.
    let real =
        process(&db, None, &format!("From: a@example.org\nSubject: x\nMessage-ID: <real@example.org>\n\n{form}"));
    assert!(real["ticket"].is_string(), "{real}");
    assert_eq!(real["handles"]["AUTO-1"], "JQE1-RIPE", "{real}");
}

#[test]
fn attachments_are_kept_with_the_ticket() {
    let scratch = Scratch::new("attachments");
    let db = scratch.path("db");
    let raw = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail/form-with-pdf.eml")).expect("fixture");
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(&raw));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let ticket = outcome["ticket"].as_str().expect("ticket");
    let show = formrobot(&["--db", db.to_str().expect("UTF-8"), "show", ticket, "--json"], None);
    let detail: serde_json::Value = serde_json::from_slice(&show.stdout).expect("JSON");
    assert_eq!(detail["attachments"][0]["content_type"], "application/pdf");
    assert!(detail["attachments"][0]["size"].as_i64().is_some_and(|size| size > 0));
}

#[test]
fn process_leaves_a_short_log_behind_and_keeps_it_short() {
    let scratch = Scratch::new("short-log");
    let db = scratch.path("db");
    let log = scratch.path("db-wal");
    let bound = formrobot_store::LOG_KEPT_ON_CLOSE_BYTES;
    let (mut kept, mut copied, mut longest) = (0, 0, 0);
    let mails = 40;
    for i in 0..mails {
        // Each from its own sender, so that the hourly reply limit lets every one through.
        let mail = format!("From: a{i}@example.org\nSubject: x\nMessage-ID: <log-{i}@example.org>\n\n{}", form());
        assert_eq!(process(&db, None, &mail)["status"], "accepted");
        match fs::metadata(&log) {
            Ok(file) => {
                kept += 1;
                longest = longest.max(file.len());
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => copied += 1,
            Err(error) => panic!("the log cannot be measured: {error}"),
        }
    }
    assert!(kept > mails / 2, "most runs leave the log for the next one ({kept} of {mails})");
    assert!(copied > 0, "a run past the bound copies the log and deletes it");
    // Past the bound by one run's pages at most: the first run, which creates
    // every table, writes some 800 KiB, a mail of this form some 100 KiB.
    assert!(longest < bound + 1024 * 1024, "the log stays short: {longest} bytes, bound {bound}");
    // Every mail is in the database, whether its pages were copied or still are in the log.
    let count: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0)))
        .expect("count");
    assert_eq!(count, mails as i64);
}
