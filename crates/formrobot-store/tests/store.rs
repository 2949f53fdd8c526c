//! The registry store on real SQLite files: handles, references, atomicity,
//! duplicates, concurrency and imports.

use formrobot_engine::check::{check_text, Checked};
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_engine::outcome::Status;
use formrobot_store::record::{Commit, IncomingMail, MessageOutcome, Outgoing, Recorded, Verdict};
use formrobot_store::{EventKind, Store, TicketState};
use rusqlite::Connection;
use std::path::Path;
use std::sync::LazyLock;

static FORMS: LazyLock<FormSet> = LazyLock::new(|| FormSet::embedded().expect("built-in forms load"));
const NOW: i64 = 1_795_400_000;

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn checked(text: &str) -> Checked {
    check_text(text, &FORMS, Date::new(2026, 11, 23).expect("date"))
}

fn record(store: &mut Store, text: &str, message_id: &str) -> Recorded {
    let checked = checked(text);
    let mail = IncomingMail {
        raw: text.as_bytes(),
        message_id: Some(message_id),
        sender: Some("jq@example.net"),
        origin: "test",
        attachments: &[],
        identity: None,
        reply_limit: None,
        imap: None,
        from: None,
        cites: Default::default(),
    };
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
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let recorded = record(&mut store, &fixture("ripe-valid-full.txt"), "<a@example.net>");

    assert_eq!(recorded.outcome, MessageOutcome::Accepted);
    let ticket = recorded.ticket.clone().expect("a ticket");
    assert!(ticket.starts_with("FR-") && ticket.len() == 13, "{ticket}");
    // "Jane Q Example" gives JQE; AUTO-2JD brings its own letters.
    assert_eq!(handle_of(&recorded, "AUTO-1"), "JQE1-RIPE");
    assert_eq!(handle_of(&recorded, "AUTO-2JD"), "JD1-RIPE");

    let all_objects: String = recorded.objects.iter().map(|o| o.rewritten()).collect();
    assert!(!all_objects.contains("AUTO-"), "every placeholder is rewritten:\n{all_objects}");
    let aut_num = recorded.objects[0].rewritten();
    assert!(aut_num.contains("admin-c:        JQE1-RIPE\n"), "{aut_num}");
    assert!(aut_num.contains("tech-c:         JD1-RIPE\n"), "{aut_num}");

    let detail = store.ticket(&ticket).expect("ticket stored");
    assert_eq!(detail.state, TicketState::PendingReview);
    assert_eq!(detail.handles.len(), 2);
    assert_eq!(detail.objects.len(), 4);
    assert!(detail.objects.iter().all(|o| o.rewritten.is_some()));
    assert!(detail
        .events
        .iter()
        .any(|e| e.kind == EventKind::HandleAssigned && e.details.starts_with("AUTO-1 -> JQE1-RIPE")));
    assert_eq!(count(&dir.path().join("formrobot.db"), "messages"), 1);
}

#[test]
fn an_apnic_blank_nic_hdl_and_names_in_contacts_are_resolved() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let recorded = record(&mut store, &fixture("apnic-valid-full.txt"), "<b@example.net>");
    assert_eq!(recorded.outcome, MessageOutcome::Accepted);
    assert_eq!(handle_of(&recorded, "Emily Jane Carter"), "EJC1-AP");
    let aut_num = recorded.objects[0].rewritten();
    assert!(aut_num.contains("admin-c:        EJC1-AP\n"), "{aut_num}");
    assert!(aut_num.contains("tech-c:         EJC1-AP\n"), "{aut_num}");
    let person = recorded.objects[1].rewritten();
    assert!(person.contains("nic-hdl:        EJC1-AP\n"), "{person}");
    assert!(
        person.contains("person:         Emily Jane Carter\n"),
        "a name is only replaced where it refers to someone: {person}"
    );
    // The blank PERSON V3.0 template is not an object of the ticket.
    assert_eq!(recorded.objects.len(), 2);
}

#[test]
fn a_rejected_submission_burns_no_handle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let rejected = record(&mut store, &fixture("ripe-many-errors.txt"), "<c@example.net>");
    assert_eq!(rejected.outcome, MessageOutcome::Rejected);
    assert!(rejected.ticket.is_some(), "a rejection still has a ticket to quote");
    assert!(rejected.assignments.is_empty());
    assert_eq!(count(&dir.path().join("formrobot.db"), "nic_handles"), 0);

    let accepted = record(&mut store, &fixture("ripe-valid-full.txt"), "<d@example.net>");
    assert_eq!(handle_of(&accepted, "AUTO-1"), "JQE1-RIPE", "number 1 is still free");
    let detail = store.ticket(rejected.ticket.as_deref().expect("tag")).expect("stored");
    assert!(detail.objects.iter().all(|o| o.rewritten.is_none()));
}

#[test]
fn the_same_mail_twice_makes_one_ticket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let text = fixture("ripe-valid-full.txt");
    let first = record(&mut store, &text, "<same@example.net>");
    let second = record(&mut store, &text, "<same@example.net>");
    assert_eq!(second.outcome, MessageOutcome::Duplicate);
    assert_eq!(second.ticket, first.ticket);
    assert_eq!(second.duplicate_of, Some(first.message));
    assert!(second.assignments.is_empty());
    assert_eq!(count(&dir.path().join("formrobot.db"), "tickets"), 1);
    assert_eq!(count(&dir.path().join("formrobot.db"), "nic_handles"), 2);
    assert_eq!(count(&dir.path().join("formrobot.db"), "messages"), 2, "the second receipt is still recorded");
    let detail = store.ticket(first.ticket.as_deref().expect("tag")).expect("stored");
    assert!(detail.events.iter().any(|e| e.kind == EventKind::Duplicate));

    // Same Message-ID, different bytes: a new mail.
    let edited = text.replace("Jane Q Example", "Jane R Example");
    let third = record(&mut store, &edited, "<same@example.net>");
    assert_eq!(third.outcome, MessageOutcome::Accepted);
    assert_ne!(third.ticket, first.ticket);
}

#[test]
fn numbers_fill_gaps_left_by_imported_handles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let dump = "person: Jo Doe\nnic-hdl: JD1-RIPE\nsource: RIPE\n\nperson: Jim Dane\nnic-hdl: JD3-RIPE\nsource: RIPE\n";
    store.import_dump(dump.as_bytes(), "test dump", NOW).expect("imports");
    let first = record(&mut store, &fixture("ripe-valid-full.txt"), "<e@example.net>");
    assert_eq!(handle_of(&first, "AUTO-2JD"), "JD2-RIPE");
    let second = record(
        &mut store,
        &fixture("ripe-valid-full.txt").replace("Example Networks NOC", "Example NOC"),
        "<f@example.net>",
    );
    assert_eq!(handle_of(&second, "AUTO-2JD"), "JD4-RIPE");
}

#[test]
fn a_failure_midway_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    {
        // A real SQLite failure at the last step of the transaction: queuing the reply.
        let connection = Connection::open(dir.path().join("formrobot.db")).expect("opens");
        connection
            .execute_batch(
                "CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .expect("trigger");
    }
    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail {
        raw: text.as_bytes(),
        message_id: Some("<g@example.net>"),
        sender: Some("jq@example.net"),
        origin: "test",
        attachments: &[],
        identity: None,
        reply_limit: None,
        imap: None,
        from: None,
        cites: Default::default(),
    };
    let reply = |_: &formrobot_store::record::ReplyContext<'_>| {
        Some(Outgoing {
            to: "jq@example.net".into(),
            subject: "Re: x".into(),
            body: "b".into(),
            message: b"m".to_vec(),
            message_id: "<m@example.net>".into(),
        })
    };
    let result = store.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, reply);
    assert!(result.is_err());
    for table in ["messages", "tickets", "objects", "nic_handles", "events", "outbox"] {
        assert_eq!(
            count(&dir.path().join("formrobot.db"), table),
            0,
            "{table} must be empty after a failed transaction"
        );
    }
}

#[test]
fn a_dry_run_sees_the_registry_but_keeps_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail {
        raw: text.as_bytes(),
        message_id: None,
        sender: None,
        origin: "test",
        attachments: &[],
        identity: None,
        reply_limit: None,
        imap: None,
        from: None,
        cites: Default::default(),
    };
    let recorded = store.record(&mail, Verdict::Submission(&checked), NOW, Commit::DryRun, |_| None).expect("runs");
    assert_eq!(handle_of(&recorded, "AUTO-1"), "JQE1-RIPE");
    assert_eq!(count(&dir.path().join("formrobot.db"), "messages"), 0);
    assert_eq!(count(&dir.path().join("formrobot.db"), "nic_handles"), 0);
}

#[test]
fn concurrent_writers_on_one_file_never_share_a_handle() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(Store::open(&dir.path().join("formrobot.db")).expect("creates the schema"));
    let text = fixture("ripe-valid-full.txt");
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let db = dir.path().join("formrobot.db");
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
    assert_eq!(count(&dir.path().join("formrobot.db"), "tickets"), 80);
}

#[test]
fn status_of_the_checked_submission_drives_the_outcome() {
    let ok = checked(&fixture("ripe-valid-full.txt"));
    assert_eq!(ok.status(), Status::Accepted);
    let bad = checked(&fixture("ripe-auto-undefined.txt"));
    assert_eq!(bad.status(), Status::Rejected);
}

#[test]
fn tries_at_an_imap_mail_outlive_the_process_until_it_is_recorded() {
    use formrobot_store::record::ImapKey;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("formrobot.db");
    let key = ImapKey { mailbox: "INBOX".into(), uidvalidity: 7, uid: 42 };
    {
        let mut store = Store::open(&db).expect("opens");
        assert_eq!(store.imap_attempts(&key).expect("reads"), (0, None));
        assert_eq!(store.begin_imap_attempts(&[&key], NOW).expect("counted"), [1]);
        // The robot dies here: the count is already on disk.
    }
    let mut store = Store::open(&db).expect("opens again");
    assert_eq!(store.imap_attempts(&key).expect("reads"), (1, None));
    assert_eq!(store.begin_imap_attempts(&[&key], NOW).expect("counted"), [2]);
    store.imap_attempt_failed(&key, NOW, "database is locked").expect("noted");
    assert_eq!(store.imap_attempts(&key).expect("reads"), (2, Some("database is locked".to_owned())));
    let other = ImapKey { uid: 43, ..key.clone() };
    assert_eq!(store.imap_attempts(&other).expect("reads"), (0, None), "counted per mail");
    assert_eq!(store.begin_imap_attempts(&[&other, &key], NOW).expect("counted together"), [1, 3]);

    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail {
        raw: text.as_bytes(),
        message_id: Some("<imap@example.net>"),
        sender: Some("jq@example.net"),
        origin: "imap",
        attachments: &[],
        identity: None,
        reply_limit: None,
        imap: Some(&key),
        from: None,
        cites: Default::default(),
    };
    // A batch dropped after a failed commit keeps none of its mails, and their tries stay counted.
    store.begin_batch().expect("batch");
    store.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, |_| None).expect("recorded");
    store.rollback_batch().expect("dropped");
    assert!(!store.imap_seen(&key).expect("reads"), "not kept");
    assert_eq!(store.imap_attempts(&key).expect("reads").0, 3);
    store.rollback_batch().expect("nothing to drop is no error");
    store.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, |_| None).expect("recorded");
    assert!(store.imap_seen(&key).expect("reads"));
    assert_eq!(store.imap_attempts(&key).expect("reads"), (0, None), "recording forgets the tries");
}

#[test]
fn a_queued_reply_is_claimed_by_one_sender_only() {
    use formrobot_store::outbox::CLAIM_SECONDS;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("formrobot.db");
    let mut first = Store::open(&db).expect("opens");
    let mut second = Store::open(&db).expect("opens");
    let text = fixture("ripe-valid-full.txt");
    let checked = checked(&text);
    let mail = IncomingMail {
        raw: text.as_bytes(),
        message_id: Some("<claim@example.net>"),
        sender: Some("jq@example.net"),
        origin: "test",
        attachments: &[],
        identity: None,
        reply_limit: None,
        imap: None,
        from: None,
        cites: Default::default(),
    };
    let reply = |_: &formrobot_store::record::ReplyContext<'_>| {
        Some(Outgoing {
            to: "jq@example.net".into(),
            subject: "Re: x".into(),
            body: "b".into(),
            message: b"m".to_vec(),
            message_id: "<m@example.net>".into(),
        })
    };
    first.record(&mail, Verdict::Submission(&checked), NOW, Commit::Yes, reply).expect("recorded");
    let due = first.due_replies(NOW, 10).expect("due");
    assert_eq!(second.due_replies(NOW, 10).expect("due"), due, "both senders see it due");
    let id = due[0].id;

    let claim = first.claim_reply(id, NOW).expect("claims").expect("the first claim wins");
    assert_eq!(second.claim_reply(id, NOW).expect("claims"), None, "the second finds it taken");
    assert!(second.due_replies(NOW, 10).expect("due").is_empty(), "a claimed reply is no longer due");

    // A claim that ran out is another sender's to take, and the first may no longer send it.
    let later = NOW + CLAIM_SECONDS;
    let taken = second.claim_reply(id, later).expect("claims").expect("the claim ran out");
    assert!(!first.mark_sending(&claim).expect("marks"), "the old claim cannot mark it");
    assert!(second.mark_sending(&taken).expect("marks"));
    assert_eq!(first.settle_interrupted_sends(later).expect("settles"), 0, "a send in progress is left alone");
    assert_eq!(
        first.settle_interrupted_sends(later + CLAIM_SECONDS).expect("settles"),
        1,
        "a dead sender's is settled"
    );
    assert_eq!(count(&db, "outbox WHERE status = 'sent'"), 1);
}

#[test]
fn an_over_long_line_stops_the_import_at_its_number_without_reading_it_whole() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("formrobot.db")).expect("opens");
    let before = "person: Jo Doe\nnic-hdl: JD1-RIPE\nsource: RIPE\n\nmntner: LONG-MNT\ndescr: ";
    // A 64 MiB line: read whole, it would need several times that.
    let long_line = std::io::repeat(b'x').take(64 << 20);
    let dump = std::io::BufReader::new(before.as_bytes().chain(long_line).chain("\nsource: RIPE\n".as_bytes()));
    let error = store.import_dump(dump, "long.db", NOW).expect_err("refused");
    assert!(
        matches!(
            error,
            formrobot_store::StoreError::LineTooLong { line: 6, limit: formrobot_store::import::MAX_LINE_BYTES, .. }
        ),
        "{error}"
    );
    assert!(error.to_string().starts_with("long.db: line 6 is longer than 1048576 bytes"), "{error}");
    use formrobot_engine::validate::registry::Registry;
    assert_eq!(
        store.handle_owner("JD1-RIPE").expect("looks up").as_deref(),
        Some("Jo Doe"),
        "what came before is kept"
    );

    // Memory stays bounded whatever the line: an endless one ends the import too.
    let endless = std::io::BufReader::new("mntner: ENDLESS-MNT\ndescr: ".as_bytes().chain(std::io::repeat(b'y')));
    let error = store.import_dump(endless, "endless.db", NOW).expect_err("refused");
    assert!(matches!(error, formrobot_store::StoreError::LineTooLong { line: 2, .. }), "{error}");
}
