//! Floods through the real binary (issue 10): many mails from one sender, one
//! mail asking for thousands of handles, the same mail received again.

mod common;

use common::{formrobot, Scratch};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const TODAY: &str = "--today=2026-11-23 12:00:00";

fn args<'a>(db: &'a Path, config: Option<&'a Path>) -> Vec<&'a str> {
    let mut args = vec!["--db", db.to_str().expect("UTF-8"), TODAY];
    if let Some(config) = config {
        args.extend(["--config", config.to_str().expect("UTF-8")]);
    }
    args.extend(["process", "--json"]);
    args
}

fn process(db: &Path, config: Option<&Path>, mail: &str) -> serde_json::Value {
    let output = formrobot(&args(db, config), Some(mail.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON outcome")
}

/// Runs `process` on every mail at once, as an MTA delivering a flood does.
fn process_concurrently(db: &Path, mails: &[String]) -> Vec<serde_json::Value> {
    let children: Vec<_> = mails
        .iter()
        .map(|mail| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
                .args(args(db, None))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary runs");
            child.stdin.take().expect("piped").write_all(mail.as_bytes()).expect("stdin");
            child
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("finishes");
            assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
            serde_json::from_slice(&output.stdout).expect("JSON outcome")
        })
        .collect()
}

fn form() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture")
}

fn answered(outcomes: &[serde_json::Value]) -> usize {
    outcomes.iter().filter(|o| o["reply"].is_object()).count()
}

fn count(db: &Path, sql: &str) -> i64 {
    let connection = rusqlite::Connection::open(db).expect("opens");
    connection.query_row(sql, [], |row| row.get(0)).expect("counts")
}

#[test]
fn forty_concurrent_mails_from_one_sender_get_at_most_twenty_replies() {
    let scratch = Scratch::new("flood");
    let db = scratch.db();
    // The store exists before the flood, as it does in production.
    process(&db, None, "From: someone-else@example.net\nSubject: help\nMessage-ID: <start@example.net>\n\n");
    // Forms, whose transactions claim handles: the longer a transaction, the
    // more mails count the replies while it holds the database.
    let mails: Vec<String> = (0..40)
        .map(|i| format!("From: eager@example.org\nSubject: AS\nMessage-ID: <flood-{i}@example.org>\n\n{}", form()))
        .collect();
    let outcomes = process_concurrently(&db, &mails);
    let replies = answered(&outcomes);
    assert_eq!(replies, 20, "the default limit is 20 replies an hour, counted atomically");
    let withheld = outcomes.iter().filter(|o| o["status"] == "ignored").count();
    assert_eq!(withheld, 20, "{outcomes:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM outbox WHERE recipient = 'eager@example.org'"), 20);
}

#[test]
fn letter_case_tags_and_a_rotated_reply_to_count_as_one_sender() {
    let scratch = Scratch::new("rotate");
    let db = scratch.db();
    let config = scratch.path("robot.toml");
    fs::write(&config, "replies_per_sender_per_hour = 3\n").expect("config");
    let senders = [
        "From: eager@example.org",
        "From: EAGER@Example.ORG",
        "From: eager+robot@example.org",
        "From: Eager+x@EXAMPLE.org",
        "From: eager@example.org\nReply-To: desk-1@example.net",
        "From: eager@example.org\nReply-To: desk-2@example.net",
    ];
    let outcomes: Vec<_> = senders
        .iter()
        .enumerate()
        .map(|(i, from)| {
            process(&db, Some(&config), &format!("{from}\nSubject: help\nMessage-ID: <r{i}@example.org>\n\n"))
        })
        .collect();
    assert_eq!(answered(&outcomes), 3, "{outcomes:#?}");
    assert!(outcomes[3]["warnings"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("eager@example.org already had 3 replies")));

    // A rotated From with the same Reply-To counts against the Reply-To.
    let desk: Vec<_> = (0..4)
        .map(|i| {
            process(
                &db,
                Some(&config),
                &format!("From: sender-{i}@example.com\nReply-To: Desk+{i}@example.COM\nSubject: help\nMessage-ID: <d{i}@example.com>\n\n"),
            )
        })
        .collect();
    assert_eq!(answered(&desk), 3, "{desk:#?}");
}

#[test]
fn a_throttled_senders_form_claims_no_handles_and_makes_no_ticket() {
    let scratch = Scratch::new("throttled");
    let db = scratch.db();
    let config = scratch.path("robot.toml");
    fs::write(&config, "replies_per_sender_per_hour = 1\n").expect("config");
    let help = process(&db, Some(&config), "From: jane@example.org\nSubject: help\nMessage-ID: <h@example.org>\n\n");
    assert!(help["reply"].is_object());

    let mail = format!("From: jane@example.org\nSubject: AS\nMessage-ID: <f1@example.org>\n\n{}", form());
    let withheld = process(&db, Some(&config), &mail);
    assert_eq!(withheld["status"], "ignored", "{withheld:#}");
    assert!(withheld["reply"].is_null() && withheld["ticket"].is_null(), "{withheld:#}");
    assert_eq!(withheld["handles"], serde_json::json!({}), "{withheld:#}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM nic_handles"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), 0);

    let other = format!("From: john@example.org\nSubject: AS\nMessage-ID: <f2@example.org>\n\n{}", form());
    let accepted = process(&db, Some(&config), &other);
    assert_eq!(accepted["handles"]["AUTO-1"], "JQE1-RIPE", "number 1 is still free: {accepted:#}");
}

/// A RIPE form whose aut-num names `persons` new persons, each with its own `AUTO-n`.
fn form_with_persons(persons: usize) -> String {
    let mut form = String::from(
        "aut-num: NEW\nas-name: MANY-AS\ndescr: Many contacts\nimport: from AS64497 accept ANY\n\
         export: to AS64497 announce NEW\nimport: from AS64498 accept ANY\nexport: to AS64498 announce NEW\n\
         admin-c: AUTO-1\ntech-c: AUTO-1\nmnt-by: MANY-MNT\nchanged: jane@example.net 20011002\nsource: RIPE\n",
    );
    for n in 1..=persons {
        form.push_str(&format!(
            "\nperson: Jane Example{n}\naddress: Storgata 5, Oslo\nphone: +47 22 555 0100\n\
             e-mail: jane@example.net\nnic-hdl: AUTO-{n}\nchanged: jane@example.net 20011002\nsource: RIPE\n"
        ));
    }
    form
}

#[test]
fn one_mail_may_ask_for_at_most_a_hundred_new_handles() {
    let scratch = Scratch::new("placeholders");
    let db = scratch.db();
    let many = process(
        &db,
        None,
        &format!("From: jane@example.org\nSubject: AS\nMessage-ID: <many@example.org>\n\n{}", form_with_persons(101)),
    );
    assert_eq!(many["status"], "rejected", "{}", many["errors"]);
    let errors = many["errors"].as_array().expect("errors");
    let cap = errors
        .iter()
        .find(|e| e["message"].as_str().is_some_and(|m| m.contains("at most 100")))
        .unwrap_or_else(|| panic!("no error about the cap: {errors:#?}"));
    assert!(cap["message"].as_str().is_some_and(|m| m.contains("asks for 101 new NIC handles")), "{cap}");
    assert_eq!(cap["attribute"], "nic-hdl");
    assert!(many["reply"]["body"].as_str().is_some_and(|b| b.contains("at most 100")), "the sender is told");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM nic_handles"), 0);

    let hundred = process(
        &db,
        None,
        &format!("From: jane@example.org\nSubject: AS\nMessage-ID: <100@example.org>\n\n{}", form_with_persons(100)),
    );
    let messages: Vec<&str> =
        hundred["errors"].as_array().expect("errors").iter().filter_map(|e| e["message"].as_str()).collect();
    assert!(!messages.iter().any(|m| m.contains("at most 100")), "{messages:#?}");
}

#[test]
fn the_same_mail_again_makes_no_new_ticket_and_is_not_stored_again() {
    let scratch = Scratch::new("duplicates");
    let db = scratch.db();
    // Without a Message-ID, twice the same.
    let anonymous = format!("From: jane@example.org\nSubject: AS\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n{}", form());
    let first = process(&db, None, &anonymous);
    let again = process(&db, None, &anonymous);
    assert_eq!(first["status"], "accepted");
    assert_eq!(again["status"], "ignored", "{again:#}");
    assert_eq!(again["ticket"], first["ticket"]);
    assert!(again["reply"].is_null());

    // With a Message-ID, once more through one more hop.
    let mail = format!("From: john@example.org\nSubject: AS\nMessage-ID: <hop@example.org>\n\n{}", form());
    let direct = process(&db, None, &mail);
    let relayed_mail =
        format!("Received: from relay.example.org by mx.example.net; Mon, 23 Nov 2026 10:00:02 +0000\n{mail}");
    let relayed = process(&db, None, &relayed_mail);
    assert_eq!(direct["status"], "accepted");
    assert_eq!(relayed["status"], "ignored", "{relayed:#}");
    assert_eq!(relayed["ticket"], direct["ticket"]);

    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM messages"), 4, "every receipt is recorded");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM messages WHERE outcome = 'duplicate' AND length(raw) = 0 AND duplicate_of IS NOT NULL"),
        2,
        "a duplicate keeps a reference to the first receipt, not its bytes again"
    );
    assert_eq!(
        count(&db, "SELECT SUM(size) FROM messages WHERE outcome = 'duplicate'"),
        (anonymous.len() + relayed_mail.len()) as i64,
        "its size is kept"
    );
}
