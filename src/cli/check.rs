//! `formrobot check [FILE|-]`: the form engine on one form, like a compiler.

use super::{counted, Context};
use anyhow::{Context as _, Result};
use formrobot_engine::check::{check_text_findings, decode_bytes, decode_owned_bytes, Findings};
use formrobot_engine::outcome::Status;
use formrobot_engine::validate::registry::Registry;
use formrobot_mail::intake::cleartext;
use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Runs the command.
pub fn run(context: &Context, file: Option<&Path>, json: bool, threads: Option<u16>) -> Result<ExitCode> {
    let forms = context.forms()?;
    let today = context.today();
    // One form on its own: a large one may use every core this process was given.
    let threads = threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let (name, input) = match file {
        None => ("-".to_owned(), Input::Read(decode_owned_bytes(read_stdin()?))),
        Some(path) if path == Path::new("-") => ("-".to_owned(), Input::Read(decode_owned_bytes(read_stdin()?))),
        Some(path) => (path.display().to_string(), Input::open(path)?),
    };
    let (text, may_be_signed) = input.text(threads);
    // A form signed inline is checked as the mail path reads it: out of its armour, line for line.
    let text: Cow<'_, str> = match may_be_signed.then(|| cleartext::unarmour(&text)).flatten() {
        Some(unarmoured) => Cow::Owned(unarmoured.text),
        None => text,
    };
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
    std::mem::forget(input);
    Ok(code)
}

/// The bytes of the form named on the command line.
enum Input {
    /// A large regular file, mapped into memory instead of copied into it.
    Mapped(memmap2::Mmap),
    /// Standard input or a small file, read and decoded.
    Read(String),
}

/// From this size a file is mapped: reading it would copy every byte into
/// freshly zeroed memory, a serial step that took about a tenth of the whole
/// check of an 11 MB form on two threads. A form sent by mail is far smaller,
/// and for it reading is as quick.
const MAP_FROM_BYTES: u64 = 1 << 20;

impl Input {
    fn open(path: &Path) -> Result<Input> {
        let cannot_read = || format!("cannot read {}", path.display());
        let file = std::fs::File::open(path).with_context(cannot_read)?;
        let metadata = file.metadata().with_context(cannot_read)?;
        if metadata.is_file() && metadata.len() >= MAP_FROM_BYTES {
            if metadata.len() >= super::pages::HUGE_PAGES_FROM_BYTES {
                super::pages::allow_huge_pages();
            }
            return Ok(Input::Mapped(map(&file).with_context(cannot_read)?));
        }
        let mut bytes = Vec::new();
        std::io::BufReader::new(file).read_to_end(&mut bytes).with_context(cannot_read)?;
        Ok(Input::Read(decode_owned_bytes(bytes)))
    }

    /// The form's text, borrowed from the map when it is valid UTF-8 (as a
    /// form usually is), and whether it may hold a message signed inline.
    /// With `threads` to spare, a mapped form's two scans (the check of its
    /// encoding, the search for a signed message) run at once.
    fn text(&self, threads: usize) -> (Cow<'_, str>, bool) {
        match self {
            Input::Mapped(map) => {
                let decoded = || match std::str::from_utf8(map) {
                    Ok(text) => Cow::Borrowed(text),
                    Err(_) => Cow::Owned(decode_bytes(map)),
                };
                let search = || cleartext::may_hold_signed_message(map);
                if threads < 2 {
                    return (decoded(), search());
                }
                std::thread::scope(|scope| {
                    match std::thread::Builder::new().spawn_scoped(scope, search) {
                        // A search that panicked is a bug; the signed form's own search runs again.
                        Ok(searching) => (decoded(), searching.join().unwrap_or(true)),
                        // A thread the system refuses: the two scans one after the other.
                        Err(_) => (decoded(), search()),
                    }
                })
            }
            Input::Read(text) => (Cow::Borrowed(text), cleartext::may_hold_signed_message(text.as_bytes())),
        }
    }
}

/// The only `unsafe` of the workspace.
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is private and read-only, and lives until the process
    // ends. What `Mmap::map` cannot rule out is another process changing or
    // truncating the file while it is checked: the text could then change
    // under the engine, or a read past the new end stop the process with
    // SIGBUS. That is the trade-off ripgrep makes for its searches too, and
    // here it is confined to a user checking a large form file of their own;
    // the daemon, `process` and `replay` never map anything.
    unsafe { memmap2::MmapOptions::new().populate().map(file) }
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
