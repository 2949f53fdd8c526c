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

    // Killed once mail 2 is committed, before its reply file is written.
    let killed = replay(Some("abort-after-record:KILL-ME-HERE"));
    assert!(!killed.status.success(), "the injected fault ends the replay: {killed:?}");
    let names: Vec<String> = listing(&outbox).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["1.eml"], "mail 2 is recorded but its reply file is not written yet");

    let again = replay(None);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("1 missing reply files of mails replayed before written again"), "{stdout}");
    let files = listing(&outbox);
    assert_eq!(files.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), ["1.eml", "2.eml", "3.eml"]);
    assert!(files.iter().all(|(_, size)| *size > 1000), "every reply whole: {files:?}");
    let second = fs::read_to_string(outbox.join("2.eml")).expect("reply 2");
    assert!(second.contains("To: sender2@example.org"), "{second}");
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
