//! What the integration tests share: running the binary, scratch directories,
//! recording a fixture form in a store, and reading the status each fixture's
//! author expected from an INDEX.md.

#![allow(dead_code, unused_imports)] // Each test crate uses its own part of this.

pub mod browser;
pub mod golden;
mod index;
pub mod serve;

pub use index::expected_statuses;

use formrobot_engine::check::check_text;
use formrobot_engine::date::Date;
use formrobot_engine::forms::FormSet;
use formrobot_store::record::{Commit, IncomingMail, Recorded, Verdict};
use formrobot_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::LazyLock;
use tempfile::TempDir;

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
pub struct Scratch(TempDir);

impl Scratch {
    /// A new empty directory whose name starts with the test's `name`.
    pub fn new(name: &str) -> Scratch {
        Scratch(tempfile::Builder::new().prefix(&format!("formrobot-test-{name}-")).tempdir().expect("temp dir"))
    }

    /// A path inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// The usual database path inside the directory.
    pub fn db(&self) -> PathBuf {
        self.path("formrobot.db")
    }
}

static FORMS: LazyLock<FormSet> = LazyLock::new(|| FormSet::embedded().expect("built-in forms load"));

/// Checks the fixture form `name` (from `fixtures/forms/`) as on 2026-11-23 and
/// records it in `store` as a mail from jq@example.net with `message_id`.
pub fn record_fixture(store: &mut Store, name: &str, message_id: &str) -> Recorded {
    let path = format!("{}/fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let checked = check_text(&text, &FORMS, Date::new(2026, 11, 23).expect("date"));
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
    store.record(&mail, Verdict::Submission(&checked), 1_795_400_000, Commit::Yes, |_| None).expect("recorded")
}
