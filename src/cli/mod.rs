//! The commands behind `formrobot`, one module each, and what they share.

pub mod api;
pub mod check;
pub mod daemon;
pub mod forward;
pub mod import;
pub mod log;
pub mod operator;
pub mod pages;
pub mod process;
pub mod replay;
pub mod review;

use anyhow::{Context as _, Result};
use formrobot::config::Config;
use formrobot_engine::date::{parse_since, Date};
use formrobot_engine::forms::FormSet;
use formrobot_store::Store;
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// Sends `tracing` events to standard error; `RUST_LOG` narrows or widens them (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The options every command shares.
#[derive(Debug)]
pub struct Context {
    /// `--forms DIR`.
    pub forms_dir: Option<PathBuf>,
    /// `--db PATH`.
    pub db: Option<PathBuf>,
    /// The configuration: from `--config FILE`, or the defaults.
    pub config: Config,
    /// `--today`: a fixed time for reproducible runs.
    fixed_now: Option<i64>,
}

impl Context {
    /// Takes the configuration, and reads the fixed time, if one is given.
    pub fn new(
        forms_dir: Option<PathBuf>,
        db: Option<PathBuf>,
        config: Config,
        today: Option<&str>,
    ) -> Result<Context> {
        let fixed_now = today
            .map(|text| parse_since(text, 0).with_context(|| format!("'{text}' is not a date in the form YYYY-MM-DD")))
            .transpose()?;
        Ok(Context { forms_dir, db, config, fixed_now })
    }

    /// The current time, Unix seconds (or the fixed one).
    pub fn now(&self) -> i64 {
        self.fixed_now.unwrap_or_else(now)
    }

    /// The fixed time given by `--today`, if any.
    pub fn fixed_now(&self) -> Option<i64> {
        self.fixed_now
    }

    /// Today's date in UTC (or the fixed one).
    pub fn today(&self) -> Date {
        Date::from_unix_seconds(self.now())
    }

    /// The database file: `--db`, else the configuration's `database`.
    pub fn db_path(&self) -> &Path {
        self.db.as_deref().unwrap_or(&self.config.database)
    }

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

    /// The database named by `--db`, or the configured file.
    pub fn store(&self) -> Result<Store> {
        let path = self.db_path();
        Store::open(path).with_context(|| format!("cannot open the database {}", path.display()))
    }

    /// The database for reading only (`log`, `show`): an operator may read it without being allowed to write it.
    pub fn store_read_only(&self) -> Result<Store> {
        let path = self.db_path();
        Store::open_read_only(path).with_context(|| format!("cannot open the database {}", path.display()))
    }

    /// For dry runs: the real database when it exists (read, never kept), else an empty one in memory.
    pub fn store_for_dry_run(&self) -> Result<Store> {
        if self.db_path().exists() {
            self.store()
        } else {
            Ok(Store::open_in_memory()?)
        }
    }
}

/// Reads the configuration file, if one is named; else the defaults.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let config =
                Config::from_toml(&text).with_context(|| format!("{} is not a valid configuration", path.display()))?;
            let problems = config.problems();
            if !problems.is_empty() {
                anyhow::bail!("{} is not a valid configuration: {}", path.display(), problems.join("; "));
            }
            Ok(config)
        }
        None => Ok(Config::default()),
    }
}

/// Sends what the outbox holds through `[smtp]`, for `process` and the
/// operators' actions when no daemon may be running. What was done is
/// already committed, so a failure here only leaves the mail queued for the
/// daemon (or the next run): it is reported, not returned.
pub fn send_queued(smtp: &formrobot::config::SmtpConfig, store: formrobot_store::Store) {
    let sent = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string()).and_then(
        |runtime| {
            runtime.block_on(async {
                let wake = std::sync::Arc::new(tokio::sync::Notify::new());
                let mut sender = formrobot::daemon::smtp::Sender::new(smtp, store, wake).map_err(|e| e.to_string())?;
                let (_stop, shutdown) = tokio::sync::watch::channel(false);
                sender.send_due(&shutdown).await.map_err(|e| e.to_string())
            })
        },
    );
    if let Err(error) = sent {
        eprintln!("formrobot: the reply is queued but could not be sent now: {error}");
    }
}

/// The current time, Unix seconds: the same clock the daemon reads.
pub use formrobot::clock::now;

/// `count` and the noun, plural when it is not one.
pub fn counted(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}
