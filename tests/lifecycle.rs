//! A request's whole life through the real pipeline and a real database file:
//! mails through `formrobot process`, hostmasters through `formrobot queue`,
//! `ask`, `approve` and `decline`, and what `show` and the tables say.

mod common;

use common::{formrobot, Scratch};
use rusqlite::Connection;
use serde_json::Value;
use std::fs;
use std::path::Path;

const TODAY: &str = "--today=2026-11-23 12:00:00";

fn fixture(name: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms").join(name)).expect("fixture")
}

/// A mail from `from` with `headers` (Subject, Message-ID, ...) and `body`.
fn mail(from: &str, headers: &str, body: &str) -> String {
    format!("From: {from}\n{headers}\n\n{body}")
}

/// `process --json` on `raw`, into `db`.
fn process(db: &Path, raw: &str) -> Value {
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(raw.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON outcome")
}

/// Runs `formrobot --db DB args...`; returns the exit code, the JSON it printed (if any), and standard error.
fn run(db: &Path, config: Option<&Path>, args: &[&str]) -> (Option<i32>, Value, String) {
    let mut all = vec!["--db", db.to_str().expect("UTF-8"), TODAY];
    if let Some(config) = config {
        all.extend(["--config", config.to_str().expect("UTF-8")]);
    }
    all.extend(args);
    let output = formrobot(&all, None);
    let value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), value, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn show(db: &Path, ticket: &str) -> Value {
    let (code, value, stderr) = run(db, None, &["show", ticket, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    value
}

/// `text` with every run of whitespace one space, to read wrapped replies.
fn flat(text: &Value) -> String {
    text.as_str().expect("text").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).expect("opens").query_row(sql, [], |row| row.get(0)).expect("counts")
}

/// Every row of the tables an action may change, to see that a refused one changed nothing.
fn state_of(db: &Path) -> Vec<String> {
    let connection = Connection::open(db).expect("opens");
    let mut all = Vec::new();
    for table in ["tickets", "events", "outbox", "asn_assignments", "registry_objects", "nic_handles", "objects"] {
        let mut statement = connection.prepare(&format!("SELECT * FROM {table}")).expect("prepares");
        let width = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                (0..width).map(|i| row.get::<_, rusqlite::types::Value>(i)).collect::<Result<Vec<_>, _>>()
            })
            .expect("queries");
        all.extend(rows.map(|row| format!("{table}: {:?}", row.expect("row"))));
    }
    all
}

#[test]
fn accepted_then_correspondence_then_a_question_then_approved() {
    let scratch = Scratch::new("life-approved");
    let db = scratch.db();
    let opened = process(
        &db,
        &mail(
            "Jane <jane@example.org>",
            "Subject: AS please\nMessage-ID: <a1@example.org>",
            &fixture("ripe-valid-full.txt"),
        ),
    );
    assert_eq!(opened["status"], "accepted");
    let ticket = opened["ticket"].as_str().expect("ticket").to_owned();

    let (code, queue, _) = run(&db, None, &["queue", "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(queue[0]["ticket"], ticket.as_str());
    assert_eq!(queue[0]["state"], "pending-review");
    assert_eq!(queue[0]["as_name"], "EXAMPLENET-AS");
    assert_eq!(queue[0]["neighbours"], 2);
    assert_eq!(queue[0]["requester"], "jane@example.org");

    // A letter on the ticket (the tag in the subject): recorded, no reply.
    let letter = process(
        &db,
        &mail(
            "jane@example.org",
            &format!("Subject: Re: AS please [{ticket}] ACCEPTED\nMessage-ID: <a2@example.org>"),
            "The signed contract follows by post.\n",
        ),
    );
    assert_eq!(letter["ticket"], ticket.as_str());
    assert!(letter["reply"].is_null(), "{letter}");
    assert_eq!(show(&db, &ticket)["state"], "pending-review");

    // A question; the answer finds the ticket through In-Reply-To alone and moves it back to review.
    let (code, asked, stderr) =
        run(&db, None, &["--operator", "alice", "ask", &ticket, "--message", "Which two upstreams?", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(asked["state"], "waiting-for-requester");
    assert_eq!(asked["mail"]["subject"], format!("Re: AS please [{ticket}]"));
    assert!(asked["mail"]["body"].as_str().expect("body").contains("  Which two upstreams?\n"));
    let question_id: String = Connection::open(&db)
        .expect("opens")
        .query_row("SELECT header_message_id FROM outbox ORDER BY id DESC LIMIT 1", [], |row| row.get(0))
        .expect("our Message-ID is kept");
    let answer = process(
        &db,
        &mail(
            "jane@example.org",
            &format!("Subject: Re: your question\nIn-Reply-To: {question_id}\nMessage-ID: <a3@example.org>"),
            "AS64497 and AS64498.\n",
        ),
    );
    assert_eq!(answer["ticket"], ticket.as_str());
    assert_eq!(show(&db, &ticket)["state"], "pending-review");

    let (code, approved, stderr) =
        run(&db, None, &["--operator", "bob", "approve", &ticket, "--note", "Welcome aboard", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["asns"], serde_json::json!(["AS64496"]), "the lowest free number of the default pools");
    let body = approved["mail"]["body"].as_str().expect("final mail");
    assert_eq!(approved["mail"]["subject"], format!("Re: your question [{ticket}] APPROVED"));
    assert!(body.contains("aut-num:        AS64496\n"), "{body}");
    assert!(body.contains("export:         to AS64498 announce AS64496\n"), "{body}");
    assert!(body.contains("                announce AS64496\n"), "{body}");
    assert!(!body.contains("NEW"), "{body}");
    assert!(body.contains("  Welcome aboard\n") && body.contains("admin-c:        JQE1-RIPE"), "{body}");

    let detail = show(&db, &ticket);
    assert_eq!(detail["state"], "approved");
    assert_eq!(detail["asns"], serde_json::json!(["AS64496"]));
    let mails: Vec<(String, String)> = detail["mails"]
        .as_array()
        .expect("mails")
        .iter()
        .map(|m| (m["direction"].as_str().unwrap_or("").to_owned(), m["subject"].as_str().unwrap_or("").to_owned()))
        .collect();
    let directions: Vec<&str> = mails.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(directions, ["in", "out", "in", "out", "in", "out"], "{mails:?}");
    assert!(detail["mails"][2]["body"].as_str().expect("body").contains("signed contract"));
    let actors: Vec<(String, String)> = detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "state-changed")
        .map(|e| (e["details"].as_str().unwrap_or("").to_owned(), e["actor"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        actors,
        [
            ("pending-review -> waiting-for-requester".to_owned(), "alice".to_owned()),
            ("waiting-for-requester -> pending-review".to_owned(), "jane@example.org".to_owned()),
            ("pending-review -> approved".to_owned(), "bob".to_owned()),
        ]
    );
    // The registered objects are the registry's now: a later form may name them.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM registry_objects WHERE class = 'aut-num' AND key = 'AS64496'"), 1);
    let valid = fixture("ripe-valid-full.txt");
    let start = valid.find("mntner:       EXAMPLENET-MNT").expect("the form has a maintainer");
    let end = start + valid[start..].find("\n\n").expect("it ends");
    let without_maintainer = format!("{}{}", &valid[..start], &valid[end + 2..]);
    let check = |form: &str| {
        let output =
            formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "check", "--json", "-"], Some(form.as_bytes()));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(!check(&without_maintainer).contains("EXAMPLENET-MNT"), "the registered maintainer is known");
    assert!(
        check(&without_maintainer.replace("EXAMPLENET-MNT", "OTHER-MNT")).contains("OTHER-MNT"),
        "an unknown one is not"
    );
    let (code, queue, _) = run(&db, None, &["queue", "--json"]);
    assert_eq!((code, queue), (Some(0), serde_json::json!([])), "an approved ticket leaves the queue");

    // Wrong state: a clear error, exit 1, nothing changed.
    let before = state_of(&db);
    let (code, _, stderr) = run(&db, None, &["approve", &ticket]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("is approved; it must be pending-review or waiting-for-requester"), "{stderr}");
    for args in [
        vec!["decline", ticket.as_str(), "--reason", "no"],
        vec!["ask", ticket.as_str(), "--message", "?"],
        vec!["approve", "FR-NOSUCHTICK"],
    ] {
        let (code, _, stderr) = run(&db, None, &args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
    }
    assert_eq!(state_of(&db), before);
}

#[test]
fn rejected_then_resubmitted_keeping_handles_then_declined_releasing_them() {
    let scratch = Scratch::new("life-declined");
    let db = scratch.db();
    let valid = fixture("ripe-valid-full.txt");
    let broken = valid.replace("phone:        +47 22 555 0100", "phone:        call me");
    assert_ne!(broken, valid);
    let first = process(&db, &mail("jane@example.org", "Subject: AS\nMessage-ID: <b1@example.org>", &broken));
    assert_eq!(first["status"], "rejected");
    let ticket = first["ticket"].as_str().expect("ticket").to_owned();
    assert_eq!(show(&db, &ticket)["state"], "rejected");

    // Resubmitted by replying to our rejection (References names it): the same ticket, accepted.
    let rejection_id: String = Connection::open(&db)
        .expect("opens")
        .query_row("SELECT header_message_id FROM outbox", [], |row| row.get(0))
        .expect("kept");
    let second = process(
        &db,
        &mail(
            "jane@example.org",
            &format!("Subject: corrected\nReferences: <b1@example.org> {rejection_id}\nMessage-ID: <b2@example.org>"),
            &valid,
        ),
    );
    assert_eq!((second["status"].as_str(), second["ticket"].as_str()), (Some("accepted"), Some(ticket.as_str())));
    let handles = second["handles"].clone();
    assert_eq!(handles["AUTO-1"], "JQE1-RIPE");

    // Again, with a change: the same contacts keep their handles; nothing new is claimed.
    let changed =
        valid.replace("remarks:      Peering requests to noc@example.net", "remarks:      Peering: noc@example.net");
    let third = process(
        &db,
        &mail("jane@example.org", &format!("Subject: Re: [{ticket}]\nMessage-ID: <b3@example.org>"), &changed),
    );
    assert_eq!(third["status"], "accepted");
    assert_eq!(third["handles"], handles);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM nic_handles"), 2);
    assert!(show(&db, &ticket)["objects"][0]["rewritten"].as_str().expect("object").contains("Peering: noc@"));

    // A broken resubmission: the ticket keeps its accepted request, and the reply says so.
    let fourth = process(
        &db,
        &mail("jane@example.org", &format!("Subject: Re: [{ticket}]\nMessage-ID: <b4@example.org>"), &broken),
    );
    assert_eq!(fourth["status"], "rejected");
    assert!(flat(&fourth["reply"]["body"]).contains("which was accepted, stays as it is"), "{fourth}");
    let detail = show(&db, &ticket);
    assert_eq!(detail["state"], "pending-review");
    assert!(detail["objects"][0]["rewritten"].as_str().expect("kept").contains("Peering: noc@"));

    let (code, declined, stderr) = run(&db, None, &["decline", &ticket, "--reason", "Not multihomed yet.", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["handles_released"], serde_json::json!(["JQE1-RIPE", "JD1-RIPE"]));
    assert_eq!(declined["mail"]["subject"], format!("Re: your request [{ticket}] DECLINED"));
    assert!(declined["mail"]["body"].as_str().expect("mail").contains("  Not multihomed yet.\n"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM nic_handles"), 0, "the handles are free again");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM registry_objects"), 0, "nothing was registered");

    // The released handles go to the next request.
    let next = process(&db, &mail("jane@example.org", "Subject: new AS\nMessage-ID: <b5@example.org>", &valid));
    assert_ne!(next["ticket"], ticket.as_str());
    assert_eq!(next["handles"]["AUTO-1"], "JQE1-RIPE");
}

#[test]
fn a_stranger_citing_a_ticket_is_refused_and_logged() {
    let scratch = Scratch::new("life-stranger");
    let db = scratch.db();
    let opened = process(
        &db,
        &mail(
            "jane@example.org",
            "Subject: AS\nReply-To: noc@example.org\nMessage-ID: <c1@example.org>",
            &fixture("ripe-valid-full.txt"),
        ),
    );
    let ticket = opened["ticket"].as_str().expect("ticket").to_owned();
    let before = show(&db, &ticket)["objects"].clone();

    let stranger = process(
        &db,
        &mail(
            "eve@example.com",
            &format!("Subject: Re: [{ticket}]\nMessage-ID: <c2@example.com>"),
            &fixture("ripe-valid-full.txt"),
        ),
    );
    assert_eq!(stranger["status"], "rejected");
    assert!(stranger["ticket"].is_null(), "the stranger opens nothing");
    assert_eq!(stranger["reply"]["to"], "eve@example.com");
    assert!(flat(&stranger["reply"]["body"]).contains("did not come from the address that sent that request"));
    let detail = show(&db, &ticket);
    assert_eq!(detail["objects"], before);
    assert_eq!(detail["mails"].as_array().expect("mails").len(), 2, "the stranger's mail is not the ticket's");
    assert!(detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["kind"] == "not-requester" && e["level"] == "warn"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), 1);

    // The Reply-To the requester gave may act too.
    let letter = process(
        &db,
        &mail("noc@example.org", &format!("Subject: Re: [{ticket}]\nMessage-ID: <c3@example.org>"), "Thanks.\n"),
    );
    assert_eq!(letter["ticket"], ticket.as_str());
    assert!(letter["reply"].is_null());
}

#[test]
fn an_empty_pool_and_a_taken_number_are_refused_changing_nothing() {
    let scratch = Scratch::new("life-pool");
    let db = scratch.db();
    let config = scratch.path("robot.toml");
    fs::write(&config, "[registry]\nasn_pools = [\"AS65000\"]\n").expect("config");
    let tickets = accepted_requests(&db, 2, "d");
    let (code, _, stderr) = run(&db, Some(&config), &["approve", &tickets[0], "--asn", "AS65001"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("AS65001 is in none of the configured pools"), "{stderr}");
    let (code, approved, stderr) = run(&db, Some(&config), &["approve", &tickets[0], "--asn", "as65000", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(approved["asns"], serde_json::json!(["AS65000"]));

    let before = state_of(&db);
    let (code, _, stderr) = run(&db, Some(&config), &["approve", &tickets[1]]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("pools (AS65000-AS65000) are exhausted") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&db, Some(&config), &["approve", &tickets[1], "--asn", "AS65000"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("AS65000 is already assigned"), "{stderr}");
    assert_eq!(state_of(&db), before, "nothing changed");
    assert_eq!(show(&db, &tickets[1])["state"], "pending-review");
}

#[test]
fn concurrent_approvals_never_share_a_number() {
    let scratch = Scratch::new("life-concurrent");
    let db = scratch.db();
    let config = scratch.path("robot.toml");
    fs::write(&config, "[registry]\nasn_pools = [\"AS65000-AS65002\"]\n").expect("config");
    let tickets = accepted_requests(&db, 4, "e");
    // Four processes at once for three numbers: three get one each, one finds the pool empty.
    let results: Vec<(Option<i32>, Value, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = tickets
            .iter()
            .map(|ticket| scope.spawn(|| run(&db, Some(&config), &["approve", ticket, "--json"])))
            .collect();
        handles.into_iter().map(|h| h.join().expect("joins")).collect()
    });
    let mut numbers: Vec<String> = results
        .iter()
        .filter(|(code, _, _)| *code == Some(0))
        .map(|(_, value, _)| value["asns"][0].as_str().expect("a number").to_owned())
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["AS65000", "AS65001", "AS65002"], "{results:?}");
    let refused: Vec<&String> = results.iter().filter(|(code, _, _)| *code == Some(1)).map(|(_, _, e)| e).collect();
    assert_eq!(refused.len(), 1, "{results:?}");
    assert!(refused[0].contains("exhausted"), "{refused:?}");
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT asn) FROM asn_assignments"), 3);
}

/// The last mail queued in the outbox, as it will be sent, with its random parts fixed.
fn last_queued(db: &Path) -> String {
    let bytes: Vec<u8> = Connection::open(db)
        .expect("opens")
        .query_row("SELECT body FROM outbox ORDER BY id DESC LIMIT 1", [], |row| row.get(0))
        .expect("a mail is queued");
    common::golden::normalise(&String::from_utf8(bytes).expect("ASCII"))
}

#[test]
fn the_lifecycle_mails_match_their_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lifecycle");
    let scratch = Scratch::new("life-goldens");
    let db = scratch.db();
    let fixture_mail = |name: &str, ticket: &str| {
        fs::read_to_string(dir.join(name)).expect("fixture mail").replace("{TICKET}", ticket)
    };
    let mut failures = Vec::new();
    let golden = |name: &str, failures: &mut Vec<String>| {
        common::golden::compare(&dir.join(name), Some(&last_queued(&db)), failures);
    };

    let opened = process(&db, &fixture_mail("ripe-request.eml", ""));
    let ripe = opened["ticket"].as_str().expect("ticket").to_owned();
    let (code, _, stderr) = run(
        &db,
        None,
        &[
            "--operator",
            "alice",
            "ask",
            &ripe,
            "--message",
            "Which of your two upstreams goes live first?\nPlease also send the signed contract.",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    golden("ripe-question.reply.txt", &mut failures);

    let stranger = process(&db, &fixture_mail("ripe-stranger.eml", &ripe));
    assert_eq!(stranger["status"], "rejected");
    golden("ripe-stranger.reply.txt", &mut failures);

    let broken = process(&db, &fixture_mail("ripe-resubmission-broken.eml", &ripe));
    assert_eq!((broken["status"].as_str(), broken["ticket"].as_str()), (Some("rejected"), Some(ripe.as_str())));
    golden("ripe-resubmission-broken.reply.txt", &mut failures);
    assert_eq!(show(&db, &ripe)["state"], "pending-review", "the answer, however broken, came back");

    let (code, _, stderr) = run(
        &db,
        None,
        &[
            "--operator",
            "alice",
            "decline",
            &ripe,
            "--reason",
            "Only one of the two upstreams is in place yet.\nPlease send a new request when both are.",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    golden("ripe-declined.reply.txt", &mut failures);

    let opened = process(&db, &fixture_mail("apnic-request.eml", ""));
    let apnic = opened["ticket"].as_str().expect("ticket").to_owned();
    let (code, _, stderr) =
        run(&db, None, &["--operator", "bob", "approve", &apnic, "--note", "Welcome to the registry."]);
    assert_eq!(code, Some(0), "{stderr}");
    golden("apnic-approved.reply.txt", &mut failures);

    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n\n"));
}

/// Opens `count` tickets with accepted requests (Message-IDs `<{prefix}N@example.org>`); their tags.
fn accepted_requests(db: &Path, count: usize, prefix: &str) -> Vec<String> {
    (0..count)
        .map(|i| {
            let headers = format!("Subject: AS\nMessage-ID: <{prefix}{i}@example.org>");
            let opened = process(db, &mail("jane@example.org", &headers, &fixture("ripe-valid-full.txt")));
            assert_eq!(opened["status"], "accepted");
            opened["ticket"].as_str().expect("ticket").to_owned()
        })
        .collect()
}

/// The registry's objects, `(class, key, name, text)`, in order.
fn registry(db: &Path) -> Vec<(String, String, Option<String>, String)> {
    let connection = Connection::open(db).expect("opens");
    let mut statement = connection
        .prepare("SELECT class, key, name, text FROM registry_objects ORDER BY class, key")
        .expect("prepares");
    let rows =
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))).expect("queries");
    rows.collect::<Result<_, _>>().expect("rows")
}

#[test]
fn an_export_imports_into_the_same_registry_and_a_public_one_hides_hashes() {
    let scratch = Scratch::new("life-export");
    let db = scratch.db();
    let hash = "$1$abcdefgh$0123456789012345678901";
    let dump = scratch.path("existing.db");
    fs::write(
        &dump,
        format!(
            "# an existing registry\n\nmntner:  UPSTREAM-MNT\ndescr:   an upstream\nauth:    MD5-PW {hash}\nauth:    PGPKEY-1A2B3C4D\nsource:  RIPE\n\n\
             person:  Up Stream\naddress: Somewhere\nnic-hdl: US1-RIPE\nsource:  RIPE\n\n\
             mntner:  RIPE-DBM-MNT\ndescr:   the database's own\nauth:    CRYPT-PW aBcDeFgHiJkLm\nsource:  RIPE\n\n\
             aut-num: AS64497\nas-name: UPSTREAM\nsource:  RIPE\n"
        ),
    )
    .expect("dump");
    let (code, _, stderr) = run(&db, None, &["import", dump.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{stderr}");
    let opened = process(
        &db,
        &mail("jane@example.org", "Subject: AS\nMessage-ID: <f1@example.org>", &fixture("ripe-valid-full.txt")),
    );
    assert_eq!(opened["status"], "accepted", "{opened}");
    let ticket = opened["ticket"].as_str().expect("ticket").to_owned();
    let (code, _, stderr) = run(&db, None, &["approve", &ticket]);
    assert_eq!(code, Some(0), "{stderr}");
    let before = registry(&db);
    assert_eq!(before.len(), 4 + 4, "{before:#?}");

    let out = scratch.path("registry.db");
    let (code, _, stderr) = run(&db, None, &["export", "--out", out.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = fs::read_to_string(&out).expect("written");
    assert_eq!(text.matches("\n\n").count(), 8, "one object per paragraph:\n{text}");
    assert!(text.contains(hash) && text.contains("aut-num:        AS64496\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("source:")).count(), 8, "{text}");

    let fresh = scratch.path("fresh.db");
    let (code, _, stderr) = run(&fresh, None, &["import", out.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(registry(&fresh), before, "the same registry");

    let (code, _, stderr) = run(&db, None, &["export", "--public", "--out", out.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{stderr}");
    let public = fs::read_to_string(&out).expect("written");
    assert!(!public.contains(hash) && !public.contains("$1$"), "{public}");
    assert!(public.contains("auth:           MD5-PW # Filtered\n") && public.contains("PGPKEY-1A2B3C4D"), "{public}");
    assert!(!public.contains("aBcDeFgHiJkLm") && public.contains("auth:           CRYPT-PW # Filtered\n"), "{public}");
    let to_stdout = formrobot(&["--db", db.to_str().expect("UTF-8"), "export", "--public"], None);
    assert_eq!(String::from_utf8_lossy(&to_stdout.stdout), public, "standard output gets the same dump");
}
