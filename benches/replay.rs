//! Replay throughput through the real binary: 10,000 generated mails into a
//! fresh SQLite file, replies written to disk; mails/s and peak RSS.
//!
//! `cargo bench --bench replay`. The corpus is fixed: every fixture mail in
//! turn, each given its own Message-ID and sender so that none is a
//! duplicate and no sender reaches the hourly reply limit. Under `cargo test`
//! (no `--bench` argument) only 100 mails are replayed, to check the code runs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture_mails() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixtures/mail exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml") && !p.to_string_lossy().ends_with(".reply.txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| fs::read(p).expect("readable")).collect()
}

/// An mbox of `count` mails cycled from the fixtures.
fn write_corpus(path: &Path, count: usize) {
    let mails = fixture_mails();
    let mut mbox = fs::File::create(path).expect("corpus writable");
    for i in 0..count {
        let original = &mails[i % mails.len()];
        writeln!(mbox, "From bench@example.org Mon Nov 23 00:00:00 2026").expect("write");
        // Headers put first win over the original ones for the robot.
        write!(mbox, "Message-ID: <bench-{i}@example.org>\nFrom: sender-{i}@example.org\n").expect("write");
        for line in original.split(|&b| b == b'\n') {
            if line.starts_with(b"From ") {
                mbox.write_all(b">").expect("write");
            }
            mbox.write_all(line).expect("write");
            mbox.write_all(b"\n").expect("write");
        }
        mbox.write_all(b"\n").expect("write");
    }
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let count = if measuring { 10_000 } else { 100 };
    let dir = std::env::temp_dir().join(format!("formrobot-bench-replay-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    let corpus = dir.join("corpus.mbox");
    write_corpus(&corpus, count);
    let size = fs::metadata(&corpus).map(|m| m.len()).unwrap_or(0);

    let output = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .arg("--db")
        .arg(dir.join("bench.db"))
        .arg("replay")
        .arg("--outbox")
        .arg(dir.join("outbox"))
        .arg(&corpus)
        .output()
        .expect("formrobot runs");
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{summary}{}", String::from_utf8_lossy(&output.stderr));
    assert!(summary.contains(&format!("replayed {count} mails")), "{summary}");
    println!("replay of {count} mails ({:.1} MB mbox):", size as f64 / 1e6);
    print!("{summary}");
    let _ = fs::remove_dir_all(&dir);
}
