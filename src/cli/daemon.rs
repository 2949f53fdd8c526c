//! `formrobot daemon` and `formrobot check-config`.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::daemon;
use std::io::Write as _;
use std::process::ExitCode;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// Runs the daemon until a signal stops it.
pub fn run(context: &Context) -> Result<ExitCode> {
    let forms = context.forms()?;
    let mut config = context.config.clone();
    config.database = context.db_path().to_path_buf();
    runtime()?.block_on(daemon::run(config, forms))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints one line per check; exits 1 if anything is wrong.
pub fn check_config(context: &Context) -> Result<ExitCode> {
    let checks = runtime()?.block_on(daemon::check_config(&context.config));
    let mut healthy = true;
    for check in &checks {
        match &check.result {
            Ok(note) => writeln!(std::io::stdout(), "ok    {}: {note}", check.what)?,
            Err(problem) => {
                healthy = false;
                writeln!(std::io::stdout(), "FAIL  {}: {problem}", check.what)?;
            }
        }
    }
    Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
