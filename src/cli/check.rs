//! `formrobot check [FILE|-]`: the form engine on one form, like a compiler.

use super::{counted, Context};
use anyhow::{Context as _, Result};
use formrobot_engine::check::{check_text_findings, decode_owned_bytes, Findings};
use formrobot_engine::outcome::Status;
use formrobot_engine::validate::registry::Registry;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Runs the command.
pub fn run(context: &Context, file: Option<&Path>, json: bool, threads: Option<u16>) -> Result<ExitCode> {
    let forms = context.forms()?;
    let today = context.today();
    let (name, bytes) = match file {
        None => ("-".to_owned(), read_stdin()?),
        Some(path) if path == Path::new("-") => ("-".to_owned(), read_stdin()?),
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), bytes)
        }
    };
    let text = decode_owned_bytes(bytes);
    // A form signed inline is checked as the mail path reads it: out of its armour, line for line.
    let text = match formrobot_mail::intake::cleartext::unarmour(&text) {
        Some(unarmoured) => unarmoured.text,
        None => text,
    };
    // One form on its own: a large one may use every core this process was given.
    let threads = threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    // Only what was found is reported, so the objects are dropped as soon as they are checked.
    let mut checked = check_text_findings(&text, &forms, today, &context.config.policy, threads);
    if context.db.is_some() {
        let store = context.store()?;
        if !store.is_loaded().map_err(|e| anyhow::anyhow!("looking up the registry failed: {e}"))? {
            eprintln!(
                "formrobot: note: {} holds no registry objects yet (see 'formrobot import'); references were checked for their syntax only",
                context.db_path().display()
            );
        }
        checked.check_references(&store).map_err(|e| anyhow::anyhow!("looking up the registry failed: {e}"))?;
    }

    // Buffered: one write for the whole report, not one per line.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &checked.outcome())?;
        writeln!(out)?;
    } else {
        print_like_a_compiler(&mut out, &name, &checked)?;
    }
    out.flush()?;
    let code = match checked.status() {
        Status::Accepted => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    };
    // The process ends here: its memory goes back whole, so the findings of a
    // large form are not freed one by one first.
    std::mem::forget(checked);
    std::mem::forget(text);
    Ok(code)
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
    Ok(bytes)
}

/// `FILE:LINE: attribute: message`, one problem per line, help indented below.
fn print_like_a_compiler(out: &mut impl Write, name: &str, checked: &Findings) -> Result<()> {
    for diagnostic in &checked.diagnostics {
        write!(out, "{name}")?;
        if let Some(line) = diagnostic.line {
            write!(out, ":{line}")?;
        }
        let severity = if diagnostic.is_error() { "" } else { "warning: " };
        match &diagnostic.attribute {
            Some(attribute) => writeln!(out, ": {severity}{attribute}: {}", diagnostic.message)?,
            None => writeln!(out, ": {severity}{}", diagnostic.message)?,
        }
        if let Some(help) = &diagnostic.help {
            writeln!(out, "    help: {help}")?;
        }
    }
    let errors = checked.error_count();
    let warnings = checked.warning_count();
    let status = if errors == 0 { "accepted" } else { "rejected" };
    writeln!(out, "{name}: {status}: {}, {}", counted(errors, "error"), counted(warnings, "warning"))?;
    Ok(())
}
