//! Reply files of `formrobot replay` (issue 10): written whole or not at all,
//! and written again by the next replay when a kill or a full disk left one
//! missing.

mod common;

use common::Scratch;
use std::fs;
use std::path::Path;
use std::process::Command;

const TODAY: &str = "--today=2026-11-23 12:00:00";
const BINARY: &str = env!("CARGO_BIN_EXE_formrobot");

/// Three help requests, in files `1.eml`, `2.eml`, `3.eml`; the second carries `marker`.
fn write_mails(dir: &Path, marker: &str) {
    fs::create_dir_all(dir).expect("mail dir");
    for n in 1..=3 {
        let extra = if n == 2 { marker } else { "" };
        fs::write(
            dir.join(format!("{n}.eml")),
            format!(
                "From: sender{n}@example.org\nSubject: help\nMessage-ID: <reply-file-{n}@example.org>\n\n{extra}\n"
            ),
        )
        .expect("mail");
    }
}

/// Every file in `dir`, with its size.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = fs::read_dir(dir)
        .expect("outbox")
        .map(|entry| {
            let entry = entry.expect("entry");
            (entry.file_name().to_string_lossy().into_owned(), entry.metadata().expect("metadata").len())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_reply_file_missing_after_a_kill_is_written_by_the_next_replay() {
    let scratch = Scratch::new("killed-replay");
    let (mails, outbox, db) = (scratch.path("mails"), scratch.path("outbox"), scratch.db());
    write_mails(&mails, "KILL-ME-HERE");
    let replay = |fault: Option<&str>| {
        let mut command = Command::new(BINARY);
        command.args(["--db", db.to_str().expect("UTF-8"), TODAY, "replay", "--outbox"]).arg(&outbox).arg(&mails);
        command.env_remove("FORMROBOT_TEST_FAULT");
        if let Some(fault) = fault {
            command.env("FORMROBOT_TEST_FAULT", fault);
        }
        command.output().expect("runs")
    };

    // Killed once mail 2 is committed, before its reply file is written. The three
    // mails share one commit (group commit), so mail 3 is recorded too, its file not written.
    let killed = replay(Some("abort-after-record:KILL-ME-HERE"));
    assert!(!killed.status.success(), "the injected fault ends the replay: {killed:?}");
    let names: Vec<String> = listing(&outbox).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["1.eml"], "mail 2 is recorded but its reply file is not written yet");

    let again = replay(None);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("2 missing reply files of mails replayed before written again"), "{stdout}");
    let files = listing(&outbox);
    assert_eq!(files.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), ["1.eml", "2.eml", "3.eml"]);
    assert!(files.iter().all(|(_, size)| *size > 1000), "every reply whole: {files:?}");
    let second = fs::read_to_string(outbox.join("2.eml")).expect("reply 2");
    assert!(second.contains("To: sender2@example.org"), "{second}");
}

#[test]
fn a_reply_file_cut_or_spoilt_is_written_whole_by_the_next_replay() {
    // What a power failure can leave of files written but not yet synced: a
    // shorter file, or one of the right size with other bytes in it.
    let scratch = Scratch::new("cut-reply");
    let (mails, outbox, db) = (scratch.path("mails"), scratch.path("outbox"), scratch.db());
    write_mails(&mails, "");
    let replay = || {
        let mut command = Command::new(BINARY);
        command.args(["--db", db.to_str().expect("UTF-8"), TODAY, "replay", "--outbox"]).arg(&outbox).arg(&mails);
        command.env_remove("FORMROBOT_TEST_FAULT");
        command.output().expect("runs")
    };
    let first = replay();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let whole = listing(&outbox);
    let (cut, spoilt) = (outbox.join("1.eml"), outbox.join("3.eml"));
    let text = fs::read(&cut).expect("reply 1");
    fs::write(&cut, &text[..text.len() / 2]).expect("cut");
    let size = fs::metadata(&spoilt).expect("reply 3").len();
    fs::write(&spoilt, vec![0u8; usize::try_from(size).expect("small")]).expect("spoilt");

    let again = replay();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("2 missing reply files of mails replayed before written again"), "{stdout}");
    assert_eq!(listing(&outbox), whole, "the same files, whole");
    assert_eq!(fs::read(&cut).expect("reply 1"), text);
    assert!(fs::read_to_string(&spoilt).expect("reply 3").contains("To: sender3@example.org"));
}

/// Runs `script` as root in a mount namespace of its own, where it may mount
/// a tmpfs that nobody else sees; `None` when that cannot be done here.
fn in_private_mount_namespace(script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare").args(["-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"]).output();
    if !probe.is_ok_and(|output| output.status.success()) {
        return None;
    }
    Some(Command::new("unshare").args(["-m", "sh", "-ec", script]).output().expect("unshare runs"))
}

#[test]
fn a_full_disk_leaves_no_empty_reply_file_and_the_next_replay_writes_it() {
    let scratch = Scratch::new("full-disk");
    let (mails, outbox, db) = (scratch.path("mails"), scratch.path("outbox"), scratch.db());
    write_mails(&mails, "");
    fs::create_dir_all(&outbox).expect("outbox");
    let replay =
        format!("{BINARY} --db {} '{TODAY}' replay --outbox {} {}", db.display(), outbox.display(), mails.display());
    // A 64 KiB tmpfs filled to the last byte, a replay into it, a listing; then room, and the replay again.
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs {out}
         dd if=/dev/zero of={out}/filler bs=4k 2>/dev/null || true
         if {replay} >/dev/null 2>{err}; then echo first=0; else echo first=failed; fi
         echo full:; ls -a {out}; find {out} -name '*.eml*' -size 0 | sed 's/^/empty: /'
         rm {out}/filler
         {replay} >{log} 2>&1 && echo second=0
         echo room:; ls -a {out}; wc -c {out}/*.eml",
        out = outbox.display(),
        err = scratch.path("first.err").display(),
        log = scratch.path("second.log").display(),
    );
    let Some(output) = in_private_mount_namespace(&script) else {
        eprintln!(
            "SKIPPED: a full disk needs a private tmpfs (unshare -m and mount, as root); this user cannot make one"
        );
        return;
    };
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}\n{}", String::from_utf8_lossy(&output.stderr));
    let (full, room) = report.split_once("room:").expect("both listings");
    assert!(full.contains("first=failed"), "the replay says it could not write: {report}");
    let first_error = fs::read_to_string(scratch.path("first.err")).expect("stderr kept");
    assert!(
        first_error.contains("No space left on device") && first_error.contains("replaying it again"),
        "{first_error}"
    );
    assert!(!full.contains("empty:"), "no empty reply file: {full}");
    assert!(!full.contains(".eml"), "no reply file and no temporary file is left: {full}");

    assert!(
        report.contains("second=0"),
        "{report}\n{}",
        fs::read_to_string(scratch.path("second.log")).unwrap_or_default()
    );
    for name in ["1.eml", "2.eml", "3.eml"] {
        assert!(room.contains(name), "{name} written once there is room: {room}");
    }
    assert!(!room.contains(".tmp"), "{room}");
    let sizes: Vec<u64> = room
        .lines()
        .filter(|line| line.trim_end().ends_with(".eml"))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(sizes.len(), 3, "{room}");
    assert!(sizes.iter().all(|size| *size > 1000), "whole replies: {room}");
}

/// An mbox of `count` mails cycled from the fixture mails, each with its own
/// Message-ID and sender; the one numbered `marked` carries `marker`.
fn write_mbox(path: &Path, count: usize, marked: usize, marker: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    let mut mbox = Vec::new();
    for n in 0..count {
        let original = fs::read(&names[n % names.len()]).expect("fixture");
        mbox.extend_from_slice(b"From replay@example.org Mon Nov 23 00:00:00 2026\n");
        mbox.extend_from_slice(
            format!("Message-ID: <batch-{n}@example.org>\nFrom: sender-{n}@example.org\n").as_bytes(),
        );
        if n == marked {
            mbox.extend_from_slice(format!("X-Note: {marker}\n").as_bytes());
        }
        for line in original.split(|&b| b == b'\n') {
            if line.starts_with(b"From ") {
                mbox.push(b'>');
            }
            mbox.extend_from_slice(line);
            mbox.push(b'\n');
        }
        mbox.push(b'\n');
    }
    fs::write(path, mbox).expect("mbox");
}

/// What a replay leaves: the rows that count, and the reply files with their sizes.
fn replay_state(db: &Path, outbox: &Path) -> (Vec<String>, Vec<(String, u64)>) {
    let connection = rusqlite::Connection::open(db).expect("opens");
    let mut rows = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM messages",
        "SELECT COUNT(DISTINCT message_id) FROM messages",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM tickets",
        "SELECT COUNT(*) FROM objects",
        "SELECT group_concat(handle, ' ') FROM (SELECT handle FROM nic_handles ORDER BY handle)",
    ] {
        let value: rusqlite::types::Value = connection.query_row(sql, [], |row| row.get(0)).expect("queries");
        rows.push(format!("{sql}: {value:?}"));
    }
    (rows, listing(outbox))
}

#[test]
fn a_crash_in_the_middle_of_a_batch_and_a_second_replay_leave_the_state_of_one_clean_replay() {
    let scratch = Scratch::new("batch-crash");
    let mbox = scratch.path("mails.mbox");
    write_mbox(&mbox, 60, 37, "KILL-ME-IN-THE-BATCH");
    let replay = |db: &Path, outbox: &Path, fault: Option<&str>| {
        let mut command = Command::new(BINARY);
        command.args(["--db", db.to_str().expect("UTF-8"), TODAY, "replay", "--outbox"]).arg(outbox).arg(&mbox);
        command.env_remove("FORMROBOT_TEST_FAULT");
        if let Some(fault) = fault {
            command.env("FORMROBOT_TEST_FAULT", fault);
        }
        command.output().expect("runs")
    };
    let (crashed_db, crashed_outbox) = (scratch.path("crashed.db"), scratch.path("crashed-outbox"));
    let killed = replay(&crashed_db, &crashed_outbox, Some("abort:KILL-ME-IN-THE-BATCH"));
    assert!(!killed.status.success(), "the injected fault ends the replay");
    let after_crash = replay_state(&crashed_db, &crashed_outbox);
    let again = replay(&crashed_db, &crashed_outbox, None);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));

    let (clean_db, clean_outbox) = (scratch.path("clean.db"), scratch.path("clean-outbox"));
    let clean = replay(&clean_db, &clean_outbox, None);
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    let (clean_rows, clean_files) = replay_state(&clean_db, &clean_outbox);
    // Duplicates of the mails recorded before the crash are recorded as such (by reference); the rest is equal.
    let (rows, files) = replay_state(&crashed_db, &crashed_outbox);
    assert_eq!(files, clean_files, "the same reply files, whole");
    assert_eq!(rows[1..], clean_rows[1..], "the same mails, replies, tickets, objects and handles");
    assert!(clean_files.len() > 40, "{clean_files:?}");
    // Nothing of the batch in hand when the robot died was kept, and no file was written for it.
    assert!(after_crash.1.len() < clean_files.len(), "{:?}", after_crash.1);
}
