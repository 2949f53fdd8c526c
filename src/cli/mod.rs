//! The commands behind `formrobot`, one module each, and what they share.

pub mod check;
pub mod import;
pub mod log;

use anyhow::{Context as _, Result};
use formrobot::date::Date;
use formrobot::forms::FormSet;
use formrobot::store::{Store, DEFAULT_PATH};
use std::path::{Path, PathBuf};

/// The options every command shares.
#[derive(Debug)]
pub struct Context {
    /// `--forms DIR`.
    pub forms_dir: Option<PathBuf>,
    /// `--db PATH`.
    pub db: Option<PathBuf>,
}

impl Context {
    /// The template definitions: built in, or from `--forms`.
    pub fn forms(&self) -> Result<FormSet> {
        let Some(dir) = &self.forms_dir else {
            return FormSet::embedded().context("the built-in template definitions are broken");
        };
        let mut sources = Vec::new();
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read the forms directory {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                sources.push((name, text));
            }
        }
        sources.sort();
        Ok(FormSet::from_sources(sources)?)
    }

    /// The database named by `--db`, or the default file.
    pub fn store(&self) -> Result<Store> {
        let path = self.db.as_deref().unwrap_or(Path::new(DEFAULT_PATH));
        Store::open(path).with_context(|| format!("cannot open the database {}", path.display()))
    }
}

/// The current time, Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Today's date in UTC.
pub fn today() -> Date {
    Date::from_unix_seconds(now())
}

/// `count` and the noun, plural when it is not one.
pub fn counted(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}
