//! What the integration tests share: running the binary, scratch directories,
//! and reading the status each fixture's author expected from an INDEX.md.

#![allow(dead_code)] // Each test crate uses its own part of this.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `formrobot` from the repository's top with `args`, feeding it `stdin`.
pub fn formrobot(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_formrobot"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(input) = stdin {
        child.stdin.take().expect("piped").write_all(input).expect("stdin writable");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("the binary finishes")
}

/// A fresh directory for one test, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty directory named after the test.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("formrobot-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
    }

    /// A path inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The usual database path inside the directory.
    pub fn db(&self) -> PathBuf {
        self.path("formrobot.db")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `NAME.<extension>` -> the word after "expected: " on its line of `index` (an INDEX.md).
pub fn expected_statuses(index: &Path, extension: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(index).unwrap_or_else(|e| panic!("{}: {e}", index.display()));
    text.lines()
        .filter_map(|line| {
            let name = line.strip_prefix("- ")?.split_whitespace().next().filter(|n| n.ends_with(extension))?;
            let (_, after) = line.split_once("expected: ")?;
            let status = after.split(|c: char| !c.is_ascii_alphabetic()).next()?;
            Some((name.to_owned(), status.to_owned()))
        })
        .collect()
}
