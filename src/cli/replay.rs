//! `formrobot replay PATH...`: many mails through the pipeline, replies written as files.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::batch::Batch;
use formrobot::fault::{armed, injected_fault, strike, FaultPoint};
use formrobot::mailbox::MailReader;
use formrobot::pipeline::{process_mail, Origin, Settings};
use formrobot_engine::outcome::Status;
use formrobot_store::record::Commit;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// How many mails ended each way.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    ignored: usize,
    help: usize,
    unreadable: usize,
}

/// Replays every mail found under `paths`, writing replies into `outbox`.
pub fn run(context: &Context, paths: &[PathBuf], outbox: &Path, dry_run: bool) -> Result<ExitCode> {
    let forms = context.forms()?;
    let settings = Settings::from_config(&context.config);
    let (mut store, commit) =
        if dry_run { (context.store_for_dry_run()?, Commit::DryRun) } else { (context.store()?, Commit::Yes) };
    std::fs::create_dir_all(outbox).with_context(|| format!("cannot create the outbox {}", outbox.display()))?;

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} mails replayed ({per_sec}) {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut written: HashSet<PathBuf> = HashSet::new();
    let mut replies = 0usize;
    let mut restored = 0usize;
    let mut batch = Batch::new(commit == Commit::Yes);
    for item in MailReader::new(paths) {
        let mail = match item {
            Ok(mail) => mail,
            Err(error) => {
                progress.suspend(|| eprintln!("formrobot: skipped: {error}"));
                tally.unreadable += 1;
                continue;
            }
        };
        // Mails are recorded in group commits (see `flush`).
        batch.open(&mut store)?;
        injected_fault(FaultPoint::BeforeProcessing, &mail.bytes);
        let origin = Origin::Replay(&mail.label);
        let processed = process_mail(&mut store, &forms, &settings, &mail.bytes, &origin, context.now(), commit)
            .with_context(|| format!("processing {} failed", mail.label))?;
        match processed.outcome.status {
            Status::Accepted => tally.accepted += 1,
            Status::Rejected => tally.rejected += 1,
            Status::Ignored => tally.ignored += 1,
            Status::Help => tally.help += 1,
        }
        let fault = armed(FaultPoint::AfterRecord, &mail.bytes);
        if let Some(reply) = processed.reply {
            batch.after_commit(ReplyFile {
                path: reply_path(outbox, &mail.label, &mut written),
                message: reply.message,
                fault,
                restores: false,
            });
            replies += 1;
        } else if let Some(original) = processed.recorded.duplicate_of {
            // Replayed before from the same file: its reply keeps its name, and is
            // written again if its file is missing or empty (the robot was killed
            // before writing it, the disk was full, the power failed).
            if let Some((origin, message)) = store.reply_to_message(original)? {
                let path = reply_path(outbox, &mail.label, &mut written);
                let missing = std::fs::metadata(&path).map_or(true, |metadata| metadata.len() == 0);
                if origin == origin_label(&mail.label) && missing {
                    batch.after_commit(ReplyFile { path, message, fault, restores: true });
                }
            }
        } else if fault {
            batch.after_commit(ReplyFile { path: PathBuf::new(), message: Vec::new(), fault, restores: false });
        }
        batch.recorded(mail.bytes.len());
        if batch.is_full() {
            restored += flush(&mut batch, &mut store, outbox)?;
        }
        progress.inc(1);
    }
    restored += flush(&mut batch, &mut store, outbox)?;
    progress.finish_and_clear();

    let seconds = started.elapsed().as_secs_f64();
    let total = tally.accepted + tally.rejected + tally.ignored + tally.help;
    writeln!(
        std::io::stdout(),
        "replayed {total} mails in {seconds:.2} s ({:.0} mails/s): {} accepted, {} rejected, {} ignored, {} help{}",
        total as f64 / seconds.max(1e-9),
        tally.accepted,
        tally.rejected,
        tally.ignored,
        tally.help,
        if tally.unreadable > 0 { format!(", {} unreadable", tally.unreadable) } else { String::new() }
    )?;
    writeln!(std::io::stdout(), "{replies} replies written to {}", outbox.display())?;
    if restored > 0 {
        writeln!(std::io::stdout(), "{restored} missing reply files of mails replayed before written again")?;
    }
    if let Some(kib) = peak_memory_kib() {
        writeln!(std::io::stdout(), "peak memory (RSS): {:.1} MiB", kib as f64 / 1024.0)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A reply file to write once its mail is committed.
struct ReplyFile {
    path: PathBuf,
    message: Vec<u8>,
    /// A test's fault strikes here (`abort-after-record`): after the commit, before the file.
    fault: bool,
    /// It writes again the file of a mail replayed before.
    restores: bool,
}

/// Commits the batch's mails, then writes their reply files and makes them
/// durable with one sync of the outbox's file system. A mail is thus recorded
/// with its reply, or not at all; a crash loses at most the batch in hand,
/// which the next replay of the same mails records again; a reply file is
/// only ever written for a committed mail, and the next replay writes the
/// files a crash left unwritten. Returns how many files of earlier replays it
/// wrote again.
fn flush(batch: &mut Batch<ReplyFile>, store: &mut formrobot_store::Store, outbox: &Path) -> Result<usize> {
    let mails = batch.mails();
    let files = batch.commit(store).map_err(|failed| failed.error)?;
    let mut restored = 0;
    for file in files {
        if file.fault {
            strike();
        }
        if file.path.as_os_str().is_empty() {
            continue;
        }
        write_reply_file(&file.path, &file.message)?;
        restored += usize::from(file.restores);
    }
    if mails > 0 {
        sync_outbox(outbox)?;
    }
    Ok(restored)
}

/// Makes every reply file written so far durable, with one `syncfs` of the
/// outbox's file system instead of one `fsync` per file.
fn sync_outbox(outbox: &Path) -> Result<()> {
    let directory = std::fs::File::open(outbox).with_context(|| format!("cannot open {}", outbox.display()))?;
    rustix::fs::syncfs(&directory).with_context(|| format!("cannot sync the file system of {}", outbox.display()))?;
    Ok(())
}

/// The origin a replayed mail is recorded with.
fn origin_label(label: &str) -> String {
    Origin::Replay(label).label()
}

/// Writes a reply file whole or not at all: into a temporary file next to it,
/// then renamed. A full disk or a killed robot leaves no empty or cut file
/// under the reply's name, and the next replay of the same mail writes it
/// (see above); the temporary file of a failed write is removed. The batch
/// makes the files durable together ([`sync_outbox`]).
fn write_reply_file(path: &Path, message: &[u8]) -> Result<()> {
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(path.file_name().unwrap_or_default());
    temporary_name.push(".tmp");
    let temporary = path.with_file_name(temporary_name);
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(message)?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(anyhow::Error::new(error).context(format!(
            "cannot write {}; the mail is recorded, and replaying it again once the disk has room writes its reply",
            path.display()
        )));
    }
    Ok(())
}

/// The process's peak resident set size, where the system tells it (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `outbox/NAME.eml` for a mail labelled `.../NAME.eml` (`NAME-3.eml` for the third of an mbox),
/// with a counter when two mails would share a name.
fn reply_path(outbox: &Path, label: &str, written: &mut HashSet<PathBuf>) -> PathBuf {
    let (file, index) = match label.rsplit_once('#') {
        Some((file, index)) if index.chars().all(|c| c.is_ascii_digit()) => (file, Some(index)),
        _ => (label, None),
    };
    let name = Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "mail".into());
    let mut stem: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if let Some(index) = index {
        stem.push_str(&format!("-{index}"));
    }
    let mut path = outbox.join(format!("{stem}.eml"));
    let mut counter = 2;
    while !written.insert(path.clone()) {
        path = outbox.join(format!("{stem}-{counter}.eml"));
        counter += 1;
    }
    path
}
