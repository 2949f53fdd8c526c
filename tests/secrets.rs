//! Secrets never come back in a reply (issue 10, High 4): an `auth:` hash or
//! a `password:` on a continuation line, and a misspelt `auht:` line.

mod common;

use common::{formrobot, Scratch};
use std::path::Path;

const TODAY: &str = "--today=2026-11-23 12:00:00";

fn form() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
        .expect("fixture")
}

fn reply_body(db: &Path, text: &str, id: &str) -> (String, String) {
    let mail = format!("From: jane@example.org\nSubject: AS\nMessage-ID: <{id}@example.org>\n\n{text}");
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(mail.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    (
        outcome["status"].as_str().unwrap_or_default().to_owned(),
        outcome["reply"]["body"].as_str().expect("reply").to_owned(),
    )
}

const SECRETS: [&str; 3] = ["aB3dE5gH7jK9m", "hunter2secret", "$1$salt$Xyzzy"];

fn hostile_form() -> String {
    form()
        .replace("auth:         CRYPT-PW aB3dE5gH7jK9m\n", "auth:         CRYPT-PW\n              aB3dE5gH7jK9m\n")
        .replace(
            "remarks:      Peering requests to noc@example.net\n",
            "remarks:      Peering requests to noc@example.net\n              password: hunter2secret\n",
        )
}

#[test]
fn secrets_on_continuation_lines_are_masked_in_an_acceptance() {
    let scratch = Scratch::new("secrets-accepted");
    let (status, body) = reply_body(&scratch.path("db"), &hostile_form(), "a1");
    assert_eq!(status, "accepted", "{body}");
    for secret in SECRETS {
        assert!(!body.contains(secret), "{secret} is echoed:\n{body}");
    }
    assert!(body.contains("<hidden>"), "{body}");
}

#[test]
fn secrets_are_masked_in_a_rejection_misspelt_or_continued() {
    let scratch = Scratch::new("secrets-rejected");
    let text = hostile_form().replace(
        "mnt-by:       EXAMPLENET-MNT\nreferral-by:",
        "auht:         MD5-PW $1$salt$Xyzzy\nmnt-by:       EXAMPLENET-MNT\nreferral-by:",
    );
    let (status, body) = reply_body(&scratch.path("db"), &text, "r1");
    assert_eq!(status, "rejected", "{body}");
    for secret in SECRETS {
        assert!(!body.contains(secret), "{secret} is echoed:\n{body}");
    }
    assert!(body.contains("auht:") && body.contains("<hidden>"), "{body}");
}

/// Every text `formrobot` prints with `args` on the database `db`.
fn view(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["--db", db.to_str().expect("UTF-8")];
    all.extend(args);
    let output = formrobot(&all, None);
    assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn no_view_and_no_stored_copy_shows_a_secret_only_the_raw_mail_keeps_them() {
    let scratch = Scratch::new("secrets-views");
    let db = scratch.path("db");
    let text = hostile_form().replace(
        "mnt-by:       EXAMPLENET-MNT\nreferral-by:",
        "auth:         MD5-PW $1$saltsalt$abcdefghijklmnopqrstuv\nmnt-by:       EXAMPLENET-MNT\nreferral-by:",
    );
    let mail = format!("From: jane@example.org\nSubject: AS\nMessage-ID: <v1@example.org>\n\n{text}");
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(mail.as_bytes()));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(outcome["status"], "accepted", "{outcome:#}");
    let ticket = outcome["ticket"].as_str().expect("a ticket");
    let secrets = [SECRETS[0], SECRETS[1], "$1$saltsalt$abcdefghijklmnopqrstuv"];

    let views = [
        view(&db, &["show", ticket]),
        view(&db, &["show", ticket, "--json"]),
        view(&db, &["log"]),
        view(&db, &["log", "--json"]),
    ];
    assert!(views[0].contains("auth:") && views[0].contains("<hidden>"), "{}", views[0]);
    for shown in &views {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} is shown:\n{shown}");
        }
    }

    let connection = rusqlite::Connection::open(&db).expect("opens");
    let stored = |sql: &str| -> Vec<String> {
        let mut statement = connection.prepare(sql).expect("prepares");
        let rows = statement.query_map([], |row| row.get::<_, Vec<u8>>(0)).expect("queries");
        rows.map(|row| String::from_utf8_lossy(&row.expect("row")).into_owned()).collect()
    };
    // The rewritten objects are not a copy but the request itself: approval registers them, auth hashes
    // included, as a registry keeps its maintainers' (every view masks them, `export --public` filters them).
    let copies = [
        stored("SELECT CAST(submitted AS BLOB) FROM objects"),
        stored("SELECT body FROM outbox"),
        stored("SELECT CAST(details AS BLOB) FROM events"),
    ];
    for copy in copies.iter().flatten() {
        for secret in secrets {
            assert!(!copy.contains(secret), "{secret} is stored:\n{copy}");
        }
    }
    let raw = stored("SELECT raw FROM messages").concat();
    assert!(secrets.iter().all(|secret| raw.contains(secret)), "the raw mail is kept as received");
}
