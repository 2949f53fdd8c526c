//! Reading the status each fixture's author expected from an INDEX.md. Shared by
//! the fixture tests of the engine crate and of the whole robot.

#![allow(clippy::disallowed_methods)] // Outside the library: it reads fixtures, times runs or is a shell itself.

use std::collections::BTreeMap;
use std::path::Path;

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
