//! Memory per byte of mail through the whole pipeline (issue 10, High 6:
//! "peak memory stays under 10x the mail"): `formrobot process` on 9.5 MB
//! mails of the shapes that used to cost 30 to 150 times their size, run
//! under a kernel limit on its data (`ulimit -d`, RLIMIT_DATA: heap and
//! private mappings) of ten times the mail. Past it an allocation fails and
//! the process aborts, so a pipeline that needs more fails this test.

mod common;

use common::Scratch;
use std::process::{Command, Stdio};

fn mail(body: &str) -> Vec<u8> {
    format!("From: big@example.org\nSubject: big\nMessage-ID: <big@example.org>\n\naut-num: NEW\n{body}").into_bytes()
}

#[test]
fn ten_megabytes_of_tiny_lines_are_processed_within_ten_times_their_size() {
    let shapes = [
        ("3-byte continuation lines", mail(&"+ x\n".repeat(2_375_000))),
        ("unknown 5-byte attributes", mail(&"a: x\n".repeat(1_900_000))),
        ("valid descr lines", mail(&"descr: x\n".repeat(1_055_000))),
    ];
    let scratch = Scratch::new("mail-memory");
    for (what, mail) in shapes {
        assert!(mail.len() > 9_000_000, "{what}: {}", mail.len());
        let db = scratch.path(&format!("{}.db", what.replace(' ', "-")));
        let limit_kib = mail.len() * 10 / 1024;
        let script = format!("ulimit -d {limit_kib} && exec \"$0\" --db \"$1\" process --json");
        let mut child = Command::new("bash")
            .args(["-c", &script, env!("CARGO_BIN_EXE_formrobot"), db.to_str().expect("UTF-8")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bash starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &mail).map(|()| mail.len()));
        let output = child.wait_with_output().expect("waits");
        let size = writer.join().expect("writer").expect("writes");
        assert!(
            output.status.success(),
            "{what}: {size} bytes of mail did not go through within {limit_kib} KiB of data: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON outcome");
        assert_eq!(outcome["status"], "rejected", "{what}");
    }
}
