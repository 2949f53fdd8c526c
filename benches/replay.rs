//! Replay throughput through the real binary: generated mails into a fresh
//! SQLite file, replies written to disk; mails/s and peak RSS.
//!
//! `cargo bench --bench replay`. The corpus is fixed: every fixture mail in
//! turn, each given its own Message-ID and sender so that none is a
//! duplicate and no sender reaches the hourly reply limit. 2,000 mails (issue
//! 14's figure), or `FORMROBOT_BENCH_MAILS`. Each replay goes into a fresh
//! directory, in turn in every directory of `FORMROBOT_BENCH_DIRS` (separated
//! by `:`; by default the temporary directory and `/dev/shm`, the real disk
//! and a RAM disk), `FORMROBOT_BENCH_ROUNDS` times (3). With
//! `FORMROBOT_BENCH_BASELINE=PATH` another build of formrobot (an older
//! commit's) replays the same corpus just before each of this build's runs,
//! so that a ratio measured on a busy machine compares like with like.
//!
//! The replays' files are removed only at the end: an ext4 file system
//! without a journal skips inodes freed in the last minutes when it creates
//! a file, so a replay right after the previous one's files were deleted
//! pays for that scan (half of the time on this project's machine).
//!
//! Under `cargo test` (no `--bench` argument) only 100 mails are replayed, once, to check the code runs.

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
    let mut mbox = std::io::BufWriter::new(fs::File::create(path).expect("corpus writable"));
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
    mbox.flush().expect("write");
}

/// One replay of `corpus` by `binary` into the fresh directory `dir`: its mails/s and its summary.
fn replay(binary: &Path, corpus: &Path, dir: &Path, count: usize) -> (f64, String) {
    fs::create_dir_all(dir).expect("run dir");
    let output = Command::new(binary)
        .arg("--db")
        .arg(dir.join("bench.db"))
        .arg("replay")
        .arg("--outbox")
        .arg(dir.join("outbox"))
        .arg(corpus)
        .output()
        .expect("formrobot runs");
    let summary = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{summary}{}", String::from_utf8_lossy(&output.stderr));
    assert!(summary.contains(&format!("replayed {count} mails")), "{summary}");
    // "replayed N mails in S s (R mails/s): ..."
    let rate = summary
        .split_once(" s (")
        .and_then(|(_, rest)| rest.split_once(" mails/s"))
        .and_then(|(rate, _)| rate.parse().ok())
        .expect("the summary gives the rate");
    (rate, summary)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let number = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let count = if measuring { number("FORMROBOT_BENCH_MAILS", 2_000) } else { 100 };
    let rounds = if measuring { number("FORMROBOT_BENCH_ROUNDS", 3).max(1) } else { 1 };
    let tag = format!("formrobot-bench-replay-{}", std::process::id());
    let places: Vec<PathBuf> = match std::env::var_os("FORMROBOT_BENCH_DIRS") {
        Some(dirs) => std::env::split_paths(&dirs).collect(),
        None if measuring => {
            [std::env::temp_dir(), PathBuf::from("/dev/shm")].into_iter().filter(|p| p.is_dir()).collect()
        }
        None => vec![std::env::temp_dir()],
    };
    let places: Vec<PathBuf> = places.iter().map(|p| p.join(&tag)).collect();
    let corpus_dir = &places[0];
    fs::create_dir_all(corpus_dir).expect("temp dir");
    let corpus = corpus_dir.join("corpus.mbox");
    write_corpus(&corpus, count);
    let size = fs::metadata(&corpus).map(|m| m.len()).unwrap_or(0);
    let current = PathBuf::from(env!("CARGO_BIN_EXE_formrobot"));
    let baseline = std::env::var_os("FORMROBOT_BENCH_BASELINE").map(PathBuf::from);
    let mut builds = Vec::new();
    if let Some(baseline) = &baseline {
        builds.push(("baseline", baseline.clone()));
    }
    builds.push(("this build", current));

    println!("replay of {count} mails ({:.1} MB mbox), {rounds} round(s):", size as f64 / 1e6);
    for place in &places {
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); builds.len()];
        for round in 0..rounds {
            for (index, (name, binary)) in builds.iter().enumerate() {
                let (rate, summary) = replay(binary, &corpus, &place.join(format!("run-{round}-{index}")), count);
                print!("  {} {name}: {summary}", place.display());
                rates[index].push(rate);
            }
        }
        let medians: Vec<f64> = rates.into_iter().map(median).collect();
        for ((name, _), median) in builds.iter().zip(&medians) {
            println!("{}: {name}: median {median:.0} mails/s", place.display());
        }
        if let [baseline, this] = medians[..] {
            println!("{}: this build / baseline = {:.2}", place.display(), this / baseline);
        }
    }
    for place in &places {
        let _ = fs::remove_dir_all(place);
    }
}
