//! The registry store on real SQLite files: handles, references, atomicity,
//! duplicates, concurrency and imports.

mod common;

use common::Scratch;
use formrobot::check::{check_text, Checked};
use formrobot::date::Date;
use formrobot::forms::FormSet;
use formrobot::outcome::Status;
use formrobot::store::record::{Commit, IncomingMail, MessageOutcome, Outgoing, Recorded, Verdict};
use formrobot::store::Store;
use rusqlite::Connection;
use std::path::Path;
use std::sync::LazyLock;

static FORMS: LazyLock<FormSet> = LazyLock::new(|| FormSet::embedded().expect("built-in forms load"));
const NOW: i64 = 1_795_400_000;

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn checked(text: &str) -> Checked {
    check_text(text, &FORMS, Date::new(2026, 11, 23).expect("date"))
}

fn record(store: &mut Store, text: &str, message_id: &str) -> Recorded {
    let checked = checked(text);
    let mail = IncomingMail { raw: text.as_bytes(), message_id: Some(message_id), sender: Some("jq@example.net"), origin: "test", attachments: &[], withheld: None, imap: None };
    store.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, |_| None).expect("recorded")
}

fn count(db: &Path, table: &str) -> i64 {
    let connection = Connection::open(db).expect("opens");
    connection.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0)).expect("counts")
}

fn handle_of(recorded: &Recorded, label: &str) -> String {
    recorded
        .assignments
        .iter()
        .find(|a| a.request.label == label)
        .map(|a| a.handle())
        .unwrap_or_else(|| panic!("no handle for {label}: {:?}", recorded.assignments))
}

#[test]
fn an_accepted_ripe_submission_gets_real_handles_everywhere() {
    let dir = Scratch::new("ripe-accept");
    let mut store = Store::open(&dir.db()).expect("opens");
    let recorded = record(&mut store, &fixture("ripe-valid-full.txt"), "<a@example.net>");

    assert_eq!(recorded.outcome, MessageOutcome::Accepted);
    let ticket = recorded.ticket.clone().expect("a ticket");
    assert!(ticket.starts_with("FR-") && ticket.len() == 13, "{ticket}");
    // "Jane Q Example" gives JQE; AUTO-2JD brings its own letters.
    assert_eq!(handle_of(&recorded, "AUTO-1"), "JQE1-RIPE");
    assert_eq!(handle_of(&recorded, "AUTO-2JD"), "JD1-RIPE");

    let all_objects: String = recorded.objects.iter().map(|o| o.rewritten.as_str()).collect();
    assert!(!all_objects.contains("AUTO-"), "every placeholder is rewritten:\n{all_objects}");
    let aut_num = &recorded.objects[0].rewritten;
    assert!(aut_num.contains("admin-c:        JQE1-RIPE\n"), "{aut_num}");
    assert!(aut_num.contains("tech-c:         JD1-RIPE\n"), "{aut_num}");

    let detail = store.ticket(&ticket).expect("ticket stored");
    assert_eq!(detail.status, "accepted");
    assert_eq!(detail.handles.len(), 2);
    assert_eq!(detail.objects.len(), 4);
    assert!(detail.objects.iter().all(|o| o.rewritten.is_some()));
    assert!(detail.events.iter().any(|e| e.kind == "handle-assigned" && e.details.starts_with("AUTO-1 -> JQE1-RIPE")));
    assert_eq!(count(&dir.db(), "messages"), 1);
}

#[test]
fn an_apnic_blank_nic_hdl_and_names_in_contacts_are_resolved() {
    let dir = Scratch::new("apnic-accept");
    let mut store = Store::open(&dir.db()).expect("opens");
    let recorded = record(&mut store, &fixture("apnic-valid-full.txt"), "<b@example.net>");
    assert_eq!(recorded.outcome, MessageOutcome::Accepted);
    assert_eq!(handle_of(&recorded, "Emily Jane Carter"), "EJC1-AP");
    let aut_num = &recorded.objects[0].rewritten;
    assert!(aut_num.contains("admin-c:        EJC1-AP\n"), "{aut_num}");
    assert!(aut_num.contains("tech-c:         EJC1-AP\n"), "{aut_num}");
    let person = &recorded.objects[1].rewritten;
    assert!(person.contains("nic-hdl:        EJC1-AP\n"), "{person}");
    assert!(person.contains("person:         Emily Jane Carter\n"), "a name is only replaced where it refers to someone: {person}");
    // The blank PERSON V3.0 template is not an object of the ticket.
    assert_eq!(recorded.objects.len(), 2);
}

#[test]
fn a_rejected_submission_burns_no_handle() {
    let dir = Scratch::new("reject");
    let mut store = Store::open(&dir.db()).expect("opens");
    let rejected = record(&mut store, &fixture("ripe-many-errors.txt"), "<c@example.net>");
    assert_eq!(rejected.outcome, MessageOutcome::Rejected);
    assert!(rejected.ticket.is_some(), "a rejection still has a ticket to quote");
    assert!(rejected.assignments.is_empty());
    assert_eq!(count(&dir.db(), "nic_handles"), 0);

    let accepted = record(&mut store, &fixture("ripe-valid-full.txt"), "<d@example.net>");
    assert_eq!(handle_of(&accepted, "AUTO-1"), "JQE1-RIPE", "number 1 is still free");
    let detail = store.ticket(rejected.ticket.as_deref().expect("tag")).expect("stored");
    assert!(detail.objects.iter().all(|o| o.rewritten.is_none()));
}

#[test]
fn the_same_mail_twice_makes_one_ticket() {
    let dir = Scratch::new("duplicate");
    let mut store = Store::open(&dir.db()).expect("opens");
    let text = fixture("ripe-valid-full.txt");
    let first = record(&mut store, &text, "<same@example.net>");
    let second = record(&mut store, &text, "<same@example.net>");
    assert_eq!(second.outcome, MessageOutcome::Duplicate);
    assert_eq!(second.ticket, first.ticket);
    assert_eq!(second.duplicate_of, Some(first.message));
    assert!(second.assignments.is_empty());
    assert_eq!(count(&dir.db(), "tickets"), 1);
    assert_eq!(count(&dir.db(), "nic_handles"), 2);
    assert_eq!(count(&dir.db(), "messages"), 2, "the second receipt is still recorded");
    let detail = store.ticket(first.ticket.as_deref().expect("tag")).expect("stored");
    assert!(detail.events.iter().any(|e| e.kind == "duplicate"));

    // Same Message-ID, different bytes: a new mail.
    let edited = text.replace("Jane Q Example", "Jane R Example");
    let third = record(&mut store, &edited, "<same@example.net>");
    assert_eq!(third.outcome, MessageOutcome::Accepted);
    assert_ne!(third.ticket, first.ticket);
}

#[test]
fn numbers_fill_gaps_left_by_imported_handles() {
    let dir = Scratch::new("gaps");
    let mut store = Store::open(&dir.db()).expect("opens");
    let dump = "person: Jo Doe\nnic-hdl: JD1-RIPE\nsource: RIPE\n\nperson: Jim Dane\nnic-hdl: JD3-RIPE\nsource: RIPE\n";
    store.import_dump(dump.as_bytes(), "test dump", NOW).expect("imports");
    let first = record(&mut store, &fixture("ripe-valid-full.txt"), "<e@example.net>");
    assert_eq!(handle_of(&first, "AUTO-2JD"), "JD2-RIPE");
    let second = record(&mut store, &fixture("ripe-valid-full.txt").replace("Example Networks NOC", "Example NOC"), "<f@example.net>");
    assert_eq!(handle_of(&second, "AUTO-2JD"), "JD4-RIPE");
}

#[test]
fn a_failure_midway_leaves_nothing_behind() {
    let dir = Scratch::new("atomic");
    let mut store = Store::open(&dir.db()).expect("opens");
    {
        // A real SQLite failure at the last step of the transaction: queuing the reply.
        let connection = Connection::open(dir.db()).expect("opens");
        connection
            .execute_batch("CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            .expect("trigger");
    }
    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail { raw: text.as_bytes(), message_id: Some("<g@example.net>"), sender: Some("jq@example.net"), origin: "test", attachments: &[], withheld: None, imap: None };
    let reply = |_: &formrobot::store::record::ReplyContext<'_>| {
        Some(Outgoing { to: "jq@example.net".into(), subject: "Re: x".into(), body: "b".into(), message: b"m".to_vec() })
    };
    let result = store.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, reply);
    assert!(result.is_err());
    for table in ["messages", "tickets", "objects", "nic_handles", "events", "outbox"] {
        assert_eq!(count(&dir.db(), table), 0, "{table} must be empty after a failed transaction");
    }
}

#[test]
fn a_dry_run_sees_the_registry_but_keeps_nothing() {
    let dir = Scratch::new("dry-run");
    let mut store = Store::open(&dir.db()).expect("opens");
    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail { raw: text.as_bytes(), message_id: None, sender: None, origin: "test", attachments: &[], withheld: None, imap: None };
    let recorded = store.record(&mail, Verdict::Submission(&checked), NOW, Commit::DryRun, |_| None).expect("runs");
    assert_eq!(handle_of(&recorded, "AUTO-1"), "JQE1-RIPE");
    assert_eq!(count(&dir.db(), "messages"), 0);
    assert_eq!(count(&dir.db(), "nic_handles"), 0);
}

#[test]
fn concurrent_writers_on_one_file_never_share_a_handle() {
    let dir = Scratch::new("concurrent");
    drop(Store::open(&dir.db()).expect("creates the schema"));
    let text = fixture("ripe-valid-full.txt");
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let db = dir.db();
            let text = text.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&db).expect("opens");
                (0..40)
                    .map(|i| {
                        let recorded = record(&mut store, &text, &format!("<{writer}-{i}@example.net>"));
                        assert_eq!(recorded.outcome, MessageOutcome::Accepted);
                        handle_of(&recorded, "AUTO-2JD")
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut handles: Vec<String> = writers.into_iter().flat_map(|w| w.join().expect("writer finished")).collect();
    handles.sort_by_key(|h| h.trim_start_matches("JD").trim_end_matches("-RIPE").parse::<u32>().unwrap_or(0));
    let expected: Vec<String> = (1..=80).map(|n| format!("JD{n}-RIPE")).collect();
    assert_eq!(handles, expected, "80 submissions from two writers get JD1..JD80, each once");
    assert_eq!(count(&dir.db(), "tickets"), 80);
}

#[test]
fn status_of_the_checked_submission_drives_the_outcome() {
    let ok = checked(&fixture("ripe-valid-full.txt"));
    assert_eq!(ok.status(), Status::Accepted);
    let bad = checked(&fixture("ripe-auto-undefined.txt"));
    assert_eq!(bad.status(), Status::Rejected);
}

/// A dump of `persons` persons, `persons / 10` maintainers and a few other objects.
fn generated_dump(persons: usize) -> String {
    let mut dump = String::from("# generated test dump\n\n");
    for i in 1..=persons {
        dump.push_str(&format!(
            "person:  Test Person {i}\naddress: Street {i}\nphone:   +31 20 555 {i:04}\nnic-hdl: TP{i}-RIPE\nsource:  RIPE\n\n"
        ));
        if i % 10 == 0 {
            dump.push_str(&format!("mntner:  TEST{i}-MNT\ndescr:   test\nauth:    PGPKEY-1A2B3C4D\nsource:  RIPE\n\n"));
        }
    }
    dump.push_str("inetnum: 192.0.2.0 - 192.0.2.255\nnetname: TEST\nsource: RIPE\n\n");
    dump
}

#[test]
fn importing_a_dump_is_idempotent_and_accepts_gzip() {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    let dir = Scratch::new("import");
    let mut store = Store::open(&dir.db()).expect("opens");
    let dump = generated_dump(500);
    let stats = store.import_dump(dump.as_bytes(), "plain", NOW).expect("imports");
    assert_eq!((stats.read, stats.added, stats.changed, stats.unchanged, stats.skipped), (551, 550, 0, 0, 1));

    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(dump.as_bytes()).expect("compresses");
    let gzipped = encoder.finish().expect("compresses");
    let path = dir.path("dump.gz");
    std::fs::write(&path, gzipped).expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(["--db", dir.db().to_str().expect("UTF-8"), "import", path.to_str().expect("UTF-8")])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("551 objects read, 0 added, 0 changed, 550 unchanged, 1 skipped"), "{text}");
    assert_eq!(count(&dir.db(), "registry_objects"), 550);
    assert_eq!(count(&dir.db(), "nic_handles"), 500);
}

#[test]
fn check_with_a_database_finds_unknown_references() {
    let dir = Scratch::new("check-db");
    let mut store = Store::open(&dir.db()).expect("opens");
    store
        .import_dump("person: Jo Doe\nnic-hdl: JD1-RIPE\nsource: RIPE\n\nmntner: EXAMPLENET-MNT\nsource: RIPE\n\nmntner: RIPE-DBM-MNT\nsource: RIPE\n".as_bytes(), "dump", NOW)
        .expect("imports");
    drop(store);
    let run = |file: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["--db", dir.db().to_str().expect("UTF-8"), "check", "--today=2026-11-23", "--json", file])
            .output()
            .expect("runs")
    };
    let known = run("fixtures/forms/ripe-valid-full.txt");
    assert_eq!(known.status.code(), Some(0), "{}", String::from_utf8_lossy(&known.stdout));
    let unknown = run("fixtures/forms/ripe-valid-existing.txt");
    assert_eq!(unknown.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&unknown.stdout).expect("JSON");
    let messages: Vec<&str> = value["errors"].as_array().expect("errors").iter().filter_map(|e| e["message"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("OPS4-RIPE does not exist in the registry")), "{messages:#?}");
}

/// Runs `formrobot --db DB ARGS...`.
fn with_db(db: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--db", db.to_str().expect("UTF-8")];
    all.extend_from_slice(args);
    common::formrobot(&all, None)
}

#[test]
fn operators_read_the_log_and_tickets() {
    let dir = Scratch::new("operators");
    let mut store = Store::open(&dir.db()).expect("opens");
    let accepted = record(&mut store, &fixture("ripe-valid-full.txt"), "<h@example.net>");
    let rejected = record(&mut store, &fixture("ripe-auto-undefined.txt"), "<i@example.net>");
    let tag = accepted.ticket.clone().expect("tag");

    let log = with_db(&dir.db(), &["log"]);
    let text = String::from_utf8_lossy(&log.stdout);
    assert!(log.status.success());
    assert!(text.contains(&format!("[{tag}]")) && text.contains("handle-assigned: AUTO-1 -> JQE1-RIPE"), "{text}");
    assert!(text.contains("rejected: 4 object(s) with 1 error(s)") || text.contains("rejected:"), "{text}");

    let only = with_db(&dir.db(), &["log", "--json", "--ticket", rejected.ticket.as_deref().expect("tag")]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&only.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|e| e["ticket"] == rejected.ticket.as_deref().unwrap_or_default()));

    let future = with_db(&dir.db(), &["log", "--since", "2099-01-01"]);
    assert!(future.status.success() && future.stdout.is_empty());
    let bad = with_db(&dir.db(), &["log", "--since", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));

    let show = with_db(&dir.db(), &["show", &tag.to_ascii_lowercase()]);
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(show.status.success(), "{shown}");
    assert!(shown.starts_with(&format!("Ticket {tag} (accepted, RIPE-228)")), "{shown}");
    assert!(shown.contains("JQE1-RIPE      Jane Q Example (for AUTO-1)"), "{shown}");
    assert!(shown.contains("  admin-c:        JQE1-RIPE"), "{shown}");
    let missing = with_db(&dir.db(), &["show", "FR-NOSUCHTICK"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn log_follow_prints_new_events_as_they_come() {
    use std::io::{BufRead, BufReader};
    let dir = Scratch::new("follow");
    drop(Store::open(&dir.db()).expect("creates"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .arg("--db")
        .arg(dir.db())
        .args(["log", "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    // Should the log never show the event, end the follower instead of hanging the test run.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        let _ = std::process::Command::new("kill").arg(&pid).status();
    });
    let mut store = Store::open(&dir.db()).expect("opens");
    let recorded = record(&mut store, &fixture("ripe-valid-full.txt"), "<j@example.net>");
    let tag = recorded.ticket.expect("tag");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut seen = false;
    for line in lines.by_ref().take(50) {
        let event: serde_json::Value = serde_json::from_str(&line.expect("a line")).expect("JSON");
        if event["kind"] == "accepted" && event["ticket"] == tag.as_str() {
            seen = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "the followed log showed the new ticket's acceptance");
}
