//! Operators' commands on a real database: `import`, `check --db`, `log` and `show`.

mod common;

use common::{record_fixture, Scratch};
use formrobot_store::Store;
use rusqlite::Connection;
use std::path::Path;

const NOW: i64 = 1_795_400_000;

fn count(db: &Path, table: &str) -> i64 {
    let connection = Connection::open(db).expect("opens");
    connection.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0)).expect("counts")
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
    let messages: Vec<&str> =
        value["errors"].as_array().expect("errors").iter().filter_map(|e| e["message"].as_str()).collect();
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
    let accepted = record_fixture(&mut store, "ripe-valid-full.txt", "<h@example.net>");
    let rejected = record_fixture(&mut store, "ripe-auto-undefined.txt", "<i@example.net>");
    let tag = accepted.ticket.clone().expect("tag");

    let log = with_db(&dir.db(), &["log"]);
    let text = String::from_utf8_lossy(&log.stdout);
    assert!(log.status.success());
    assert!(text.contains(&format!("[{tag}]")) && text.contains("handle-assigned: AUTO-1 -> JQE1-RIPE"), "{text}");
    assert!(
        text.contains(&format!(
            "[{}] #2 rejected: 2 object(s) with 1 error(s)",
            rejected.ticket.as_deref().unwrap_or_default()
        )),
        "{text}"
    );

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
    assert!(shown.starts_with(&format!("Ticket {tag} (pending-review, RIPE-228)")), "{shown}");
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
    let recorded = record_fixture(&mut store, "ripe-valid-full.txt", "<j@example.net>");
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

#[test]
fn a_reader_that_stops_early_ends_the_log_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = Scratch::new("broken-pipe");
    let mut store = Store::open(&dir.db()).expect("opens");
    // Far more log than a pipe buffers (64 KiB), so that the writer meets the closed pipe.
    for i in 0..300 {
        record_fixture(&mut store, "ripe-valid-full.txt", &format!("<pipe{i}@example.net>"));
    }
    drop(store);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .arg("--db")
        .arg(dir.db())
        .arg("log")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first).expect("a line");
    // The reader is gone now, as `formrobot log | head -1` leaves it.
    let output = child.wait_with_output().expect("finishes");
    assert!(!first.is_empty());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `formrobot ARGS` run as root without the power to write or read any file
/// regardless of its mode (CAP_DAC_OVERRIDE): as an operator who may read the
/// database but not write it.
fn as_reader(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new("setpriv")
        .args(["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"])
        .arg(env!("CARGO_BIN_EXE_formrobot"))
        .args(args)
        .output()
        .expect("setpriv runs")
}

#[cfg(unix)]
#[test]
fn an_operator_who_may_only_read_the_database_reads_the_log_and_tickets() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Scratch::new("read-only");
    let mut store = Store::open(&dir.db()).expect("opens");
    let accepted = record_fixture(&mut store, "ripe-valid-full.txt", "<ro@example.net>");
    drop(store);
    let tag = accepted.ticket.expect("tag");
    let folder = dir.db().parent().expect("a folder").to_path_buf();
    std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o444)).expect("read-only file");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).expect("read-only folder");
    let db = dir.db().into_os_string();
    let log = as_reader(&["--db".as_ref(), &db, "log".as_ref()]);
    let show = as_reader(&["--db".as_ref(), &db, "show".as_ref(), tag.as_ref()]);
    let write = as_reader(&["--db".as_ref(), &db, "import".as_ref(), "/dev/null".as_ref()]);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("writable again");
    std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o644)).expect("writable again");

    let said = |output: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    };
    assert_eq!(write.status.code(), Some(2), "the permissions are enforced: {}", said(&write));
    assert_eq!(log.status.code(), Some(0), "{}", said(&log));
    assert!(said(&log).contains(&format!("[{tag}]")), "{}", said(&log));
    assert_eq!(show.status.code(), Some(0), "{}", said(&show));
    assert!(said(&show).starts_with(&format!("Ticket {tag} (pending-review")), "{}", said(&show));

    // And while the robot has the database open (its -wal and -shm files exist, not writable for the reader).
    let robot = Store::open(&dir.db()).expect("opens");
    robot.log(NOW, formrobot_store::EventLevel::Info, formrobot_store::EventKind::Import, "while open").expect("logs");
    let files = ["", "-wal", "-shm"].map(|suffix| folder.join(format!("formrobot.db{suffix}")));
    // `formrobot log` as the reader, with the database's files and folder read-only for the time.
    let log_read_only = || {
        for file in &files {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).expect("read-only file");
        }
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).expect("read-only folder");
        let log = as_reader(&["--db".as_ref(), &db, "log".as_ref()]);
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("writable again");
        for file in &files {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).expect("writable again");
        }
        log
    };
    let log = log_read_only();
    drop(robot);
    assert_eq!(log.status.code(), Some(0), "{}", said(&log));
    assert!(said(&log).contains("import: while open"), "{}", said(&log));

    // And after `formrobot process`, which leaves its short log and the log's index behind.
    let mail = format!(
        "From: left@example.net\nSubject: x\nMessage-ID: <left@example.net>\n\n{}",
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/forms/ripe-valid-full.txt"))
            .expect("fixture")
    );
    let path = dir.db();
    let processed = common::formrobot(&["--db", path.to_str().expect("UTF-8"), "process"], Some(mail.as_bytes()));
    assert_eq!(processed.status.code(), Some(0), "{}", said(&processed));
    assert!(files[1].exists(), "the log is left for the next run");
    let log = log_read_only();
    assert_eq!(log.status.code(), Some(0), "{}", said(&log));
    assert!(said(&log).contains("from left@example.net via process"), "{}", said(&log));
}
