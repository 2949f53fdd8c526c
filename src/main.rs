//! The `formrobot` command line: the imperative shell around the library.
//!
//! Reading files, the clock and the exit code live here; everything that
//! decides anything is in the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use formrobot::check::{check_text, decode_bytes, Checked};
use formrobot::date::Date;
use formrobot::forms::FormSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A request robot for Internet number registries.
#[derive(Debug, Parser)]
#[command(name = "formrobot", version, about)]
struct Cli {
    /// Read template definitions from this directory instead of the built-in ones.
    #[arg(long, global = true, value_name = "DIR")]
    forms: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a filled-in form and list every problem, like a compiler.
    ///
    /// Exits 0 when the form would be accepted, 1 when it would be rejected.
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

fn run(cli: Cli) -> Result<ExitCode> {
    let forms = load_forms(cli.forms.as_deref())?;
    match cli.command {
        Command::Check { file, json, today } => {
            let today = match today {
                Some(text) => parse_day(&text)?,
                None => today_utc(),
            };
            check_command(file.as_deref(), json, &forms, today)
        }
    }
}

fn load_forms(dir: Option<&Path>) -> Result<FormSet> {
    let Some(dir) = dir else {
        return FormSet::embedded().context("the built-in template definitions are broken");
    };
    let mut sources = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the forms directory {}", dir.display()))?;
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

fn today_utc() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Date::from_unix_seconds(seconds)
}

fn parse_day(text: &str) -> Result<Date> {
    let parts: Vec<&str> = text.split('-').collect();
    let date = match parts.as_slice() {
        [year, month, day] => Date::new(year.parse()?, month.parse()?, day.parse()?),
        _ => None,
    };
    date.with_context(|| format!("'{text}' is not a date in the form YYYY-MM-DD"))
}

fn check_command(file: Option<&Path>, json: bool, forms: &FormSet, today: Date) -> Result<ExitCode> {
    let (name, bytes) = match file {
        None => ("-".to_owned(), read_stdin()?),
        Some(path) if path == Path::new("-") => ("-".to_owned(), read_stdin()?),
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), bytes)
        }
    };
    let checked = check_text(&decode_bytes(&bytes), forms, today);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &checked.report())?;
        writeln!(out)?;
    } else {
        print_like_a_compiler(&mut out, &name, &checked)?;
    }
    Ok(match checked.status() {
        formrobot::outcome::Status::Accepted => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
    Ok(bytes)
}

/// `FILE:LINE: attribute: message`, one problem per line, help indented below.
fn print_like_a_compiler(out: &mut impl Write, name: &str, checked: &Checked) -> Result<()> {
    for diagnostic in &checked.diagnostics {
        let mut location = name.to_owned();
        if let Some(line) = diagnostic.line {
            location.push_str(&format!(":{line}"));
        }
        let severity = if diagnostic.is_error() { "" } else { "warning: " };
        match &diagnostic.attribute {
            Some(attribute) => writeln!(out, "{location}: {severity}{attribute}: {}", diagnostic.message)?,
            None => writeln!(out, "{location}: {severity}{}", diagnostic.message)?,
        }
        if let Some(help) = &diagnostic.help {
            writeln!(out, "    help: {help}")?;
        }
    }
    let errors = checked.errors().count();
    let warnings = checked.warnings().count();
    let status = if errors == 0 { "accepted" } else { "rejected" };
    writeln!(out, "{name}: {status}: {errors} error{}, {warnings} warning{}", plural(errors), plural(warnings))?;
    Ok(())
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
