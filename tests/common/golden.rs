//! Golden files: text whose random parts (ticket tags, our Message-IDs) are
//! replaced by fixed ones, compared with a file reviewed by hand once, or
//! written anew under `UPDATE_GOLDEN=1`.

use regex::Regex;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

static TICKET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"FR-[0-9A-Z]{10}").expect("valid"));
static REPLY_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"formrobot\.[0-9a-f]{24}@").expect("valid"));

/// The text with its random parts replaced by fixed ones.
pub fn normalise(text: &str) -> String {
    let text = TICKET.replace_all(text, "FR-XXXXXXXXXX");
    REPLY_ID.replace_all(&text, "formrobot.ID@").into_owned()
}

/// Compares `actual` with the golden file, or writes it under UPDATE_GOLDEN.
pub fn compare(golden: &Path, actual: Option<&str>, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        match actual {
            Some(text) => fs::write(golden, text).expect("golden writable"),
            None => {
                let _ = fs::remove_file(golden);
            }
        }
        return;
    }
    let expected = fs::read_to_string(golden).ok();
    if expected.as_deref() != actual {
        failures.push(format!(
            "{}: expected {}, got:\n{}",
            golden.display(),
            if expected.is_some() { "different content" } else { "no file" },
            actual.unwrap_or("(nothing)")
        ));
    }
}
