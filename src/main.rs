//! The `formrobot` command line: the imperative shell around the library.
//!
//! Files, standard input, the clock, the database and the exit code live here
//! and in [`cli`]; everything that decides anything is in the library.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A request robot for Internet number registries.
#[derive(Debug, Parser)]
#[command(name = "formrobot", version, about)]
struct Cli {
    /// Read template definitions from this directory instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    forms: Option<PathBuf>,

    /// The registry database [default: formrobot.db].
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a filled-in form and list every problem, like a compiler.
    ///
    /// Exits 0 when the form would be accepted, 1 when it would be rejected.
    /// With --db, references are also checked against the registry.
    Check {
        /// The form to check; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
        /// Check dates against this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "DATE", hide = true)]
        today: Option<String>,
    },
    /// Load the registry's existing objects from RPSL dump files (gzip accepted).
    Import {
        /// Dump files, plain or gzip-compressed.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show the processing log, oldest first.
    Log {
        /// Only this ticket's events.
        #[arg(long, value_name = "TICKET")]
        ticket: Option<String>,
        /// Only events since this time: YYYY-MM-DD[ HH:MM[:SS]] (UTC) or an age such as 30m, 2h, 7d.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Keep watching for new events.
        #[arg(long, short)]
        follow: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show a ticket: its mails, objects with real handles, handles claimed and events.
    Show {
        /// The ticket tag, FR-...
        ticket: String,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("formrobot: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let context = cli::Context { forms_dir: cli.forms, db: cli.db };
    match cli.command {
        Command::Check { file, json, today } => cli::check::run(&context, file.as_deref(), json, today.as_deref()),
        Command::Import { files } => cli::import::run(&context, &files),
        Command::Log { ticket, since, follow, json } => cli::log::run_log(&context, ticket, since.as_deref(), follow, json),
        Command::Show { ticket, json } => cli::log::run_show(&context, &ticket, json),
    }
}
