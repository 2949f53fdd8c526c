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

/// An APNIC form whose contacts name nobody, while the person templates
/// carry enormous names: each error quoted every name in full.
fn name_bomb(name_length: usize, persons: usize, contacts: usize) -> String {
    let mut form = String::from("- - - - CUT HERE - - - -\n\n#[AUT-NUM TEMPLATE V3.0]#\n\n");
    form.push_str("acct-name:\tEXAMPLENET-AP\naut-num:\t1\nas-name:\tEXAMPLENET-AS\ndescr:\t\tExample\n");
    for i in 0..contacts {
        // Names of letters only, each different: "Nobody Ab", "Nobody Bb", ...
        let letters: String =
            format!("{i:x}").chars().map(|c| char::from(b'a' + c.to_digit(16).unwrap_or(0) as u8)).collect();
        form.push_str(&format!("admin-c:\tNobody {letters}\n"));
    }
    form.push_str("tech-c:\t\tNobody At All\ncountry:\tAU\nas-in:\t\tAS64497 100 ANY\nas-out:\t\tAS64497 THIS-AS\n");
    form.push_str("changed:\tecarter@example.net 961002\nsource:\t\tAPNIC\n\n");
    for p in 0..persons {
        let name = "Emily Jane Carter ".repeat(name_length / 18);
        let last = char::from(b'a' + (p % 26) as u8);
        form.push_str(&format!(
            "#[PERSON TEMPLATE V4.0]#\n\nperson:\t\t{name}{last}\naddress:\tLevel 4\ncountry:\tAU\nphone:\t\t+61-2-5550-1234\ne-mail:\t\te@example.net\nnic-hdl:\t\nchanged:\te@example.net 960715\nsource:\t\tAPNIC\n\n"
        ));
    }
    form.push_str("#[TEMPLATES END]#\n\n- - - - CUT HERE - - - -\n");
    form
}

#[test]
fn a_reply_to_a_name_bomb_stays_small() {
    let scratch = Scratch::new("names");
    let form = name_bomb(20_000, 10, 2_000);
    assert!(form.len() < 300_000, "{}", form.len());
    let mail = format!("From: bomb@example.org\nSubject: AS\nMessage-ID: <bomb@example.org>\n\n{form}");
    let started = Instant::now();
    let outcome = process(&scratch.path("db"), mail.as_bytes());
    assert_eq!(outcome["status"], "rejected");
    let reply = body(&outcome);
    assert!(reply.len() < 300 * 1024, "the reply is {} bytes", reply.len());
    assert!(reply.contains("more problem"), "the reply says what it left out");
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
}

#[test]
fn check_json_of_a_name_bomb_stays_small() {
    let form = name_bomb(10_000, 10, 1_000);
    assert!(form.len() < 130_000, "{}", form.len());
    let output = formrobot(&["check", "--json", "--today=2026-11-23", "-"], Some(form.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.len() < 2 * 1024 * 1024, "the JSON is {} bytes", output.stdout.len());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for error in value["errors"].as_array().expect("errors") {
        let message = error["message"].as_str().expect("message");
        assert!(message.len() <= 1_300, "one message is {} bytes", message.len());
    }
}

#[test]
fn one_long_value_is_quoted_short() {
    let form = format!(
        "--- CUT HERE ---\n\nperson: Jo Doe\naddress: x\nphone: +31 20 555 0000\ne-mail: jo@example.net\nnic-hdl: AUTO-1\nchanged: {}\nsource: RIPE\n\n--- CUT HERE ---\n",
        "9".repeat(1 << 20)
    );
    let output = formrobot(&["check", "--today=2026-11-23", "-"], Some(form.as_bytes()));
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.len() < 10_000, "the output is {} bytes", text.len());
    assert!(text.contains("...'"), "{text}");
}

/// The whole reply message as it would be sent, from the outbox that replay writes.
fn replayed_reply(scratch: &Scratch, mail: &[u8]) -> Vec<u8> {
    let file = scratch.path("mail.eml");
    std::fs::write(&file, mail).expect("mail written");
    let outbox = scratch.path("outbox");
    let output = formrobot(
        &[
            "--db",
            scratch.db().to_str().expect("UTF-8"),
            TODAY,
            "replay",
            file.to_str().expect("UTF-8"),
            "--outbox",
            outbox.to_str().expect("UTF-8"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let reply = std::fs::read_dir(&outbox).expect("outbox").next().expect("one reply").expect("entry");
    std::fs::read(reply.path()).expect("reply readable")
}

fn header_block(message: &[u8]) -> String {
    let text = String::from_utf8_lossy(message);
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

#[test]
fn headers_copied_from_the_request_stay_within_the_line_limit() {
    let scratch = Scratch::new("headers");
    let references: Vec<String> = (0..250_000).map(|i| format!("<r{i}@example.org>")).collect();
    let mail = format!(
        "From: jo@example.org\nSubject: help\nMessage-ID: <{}@example.org>\nReferences: {}\n\n",
        "m".repeat(1 << 20),
        references.join(" ")
    );
    let message = replayed_reply(&scratch, mail.as_bytes());
    let headers = header_block(&message);
    assert!(headers.len() < 8 * 1024, "the headers are {} bytes", headers.len());
    for line in headers.split("\r\n") {
        assert!(line.len() <= 998, "a header line of {} bytes", line.len());
    }
    assert!(!headers.contains("In-Reply-To"), "an id that cannot be kept is dropped:\n{headers}");
    assert!(headers.contains("<r249999@example.org>"), "the nearest reference is kept:\n{headers}");
}

#[test]
fn an_invalid_message_id_or_an_8bit_sender_is_not_echoed() {
    let scratch = Scratch::new("invalid-id");
    let message =
        replayed_reply(&scratch, "From: jo@example.org\nSubject: help\nMessage-ID: <caf\u{e9} x>\n\n".as_bytes());
    let headers = header_block(&message);
    assert!(!headers.contains("=?"), "no encoded word:\n{headers}");
    assert!(!headers.contains("In-Reply-To"), "{headers}");

    let scratch = Scratch::new("8bit-from");
    let mut mail = b"From: j\xf6@example.org\nSubject: help\nMessage-ID: <8bit@example.org>\n\n".to_vec();
    mail.extend_from_slice(b"\n");
    let outcome = process(&scratch.db(), &mail);
    assert!(outcome["reply"].is_null(), "no reply to an address that is not ASCII: {outcome}");
}

#[test]
fn a_hundred_thousand_tiny_parts_get_a_short_reply() {
    let mail = |parts: usize| {
        let mut mail = format!(
            "From: jo@example.org\nSubject: AS\nMessage-ID: <parts-{parts}@example.org>\nContent-Type: multipart/mixed; boundary=P\n\n--P\nContent-Type: text/plain\n\naut-num: NEW\n",
        );
        for i in 0..parts {
            mail.push_str(&format!("--P\nContent-Type: application/octet-stream; name=p{i}.bin\n\nx\n"));
        }
        mail.push_str("--P--\n");
        mail
    };
    // Up to the limit of parts, the attachments are summarised.
    let scratch = Scratch::new("parts");
    let outcome = process(&scratch.db(), mail(9_000).as_bytes());
    let reply = body(&outcome);
    assert!(reply.len() < 300 * 1024, "the reply is {} bytes", reply.len());
    assert!(reply.contains("9000 attachments") || reply.contains("more attachment"), "{}", &reply[..2000]);
    // Past it, the mail is refused unread, in a few lines.
    let outcome = process(&scratch.db(), mail(100_000).as_bytes());
    let reply = body(&outcome);
    assert!(reply.len() < 4 * 1024, "the reply is {} bytes", reply.len());
    assert!(reply.contains("more than 10000 MIME parts"), "{reply}");
}
