//! `formrobot replay PATH...`: many mails through the pipeline, replies written as files.

use super::Context;
use anyhow::{Context as _, Result};
use formrobot::batch::Batch;
use formrobot::fault::{armed, injected_fault, strike, FaultPoint};
use formrobot::mailbox::MailReader;
use formrobot::pipeline::{prepare, record, Origin, Prepared, Settings};
use formrobot_engine::outcome::Status;
use formrobot_store::record::Commit;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
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
///
/// Three threads share the work, each in the order of the mails: one reads
/// the mails and runs the pure stages (`pipeline::prepare`: intake, decide,
/// the form engine), this one records them in the store in batches
/// (`pipeline::record`), and one writes the reply files of each batch once it
/// is committed. Only this thread touches the store.
pub fn run(context: &Context, paths: &[PathBuf], outbox: &Path, dry_run: bool) -> Result<ExitCode> {
    let forms = context.forms()?;
    let settings = Settings::from_config(&context.config);
    let (mut store, commit) =
        if dry_run { (context.store_for_dry_run()?, Commit::DryRun) } else { (context.store()?, Commit::Yes) };
    // The reply files' writer also copies the write-ahead log into the database
    // file after each batch, through a connection of its own, so that the
    // store's thread never waits for that copy and its syncs. It is opened
    // now, before the first batch takes the write lock its opening needs.
    let checkpoints = match commit {
        Commit::Yes => {
            store.leave_checkpoints_to_another_connection()?;
            // Nor does it wait for the disk at each batch's commit: a replay
            // cut short is replayed again, so only its end must be durable.
            store.prefer_fast_commits()?;
            store.cache_whole_batches()?;
            Some(context.store()?)
        }
        Commit::DryRun => None,
    };
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
    let (prepared_sender, prepared) = mpsc::sync_channel::<std::io::Result<Ready>>(PREPARED_AHEAD);
    let (files_sender, files) = mpsc::sync_channel::<Vec<ReplyFile>>(BATCHES_AHEAD);
    let (recorded, written) = std::thread::scope(|scope| {
        let (forms, settings) = (&forms, &settings);
        let preparer = scope.spawn(move || {
            for item in MailReader::new(paths) {
                let ready = item.map(|mail| Ready {
                    label: mail.label,
                    prepared: prepare(forms, settings, mail.bytes, context.now()),
                });
                if prepared_sender.send(ready).is_err() {
                    break; // The store's thread stopped (an error): nothing more is wanted.
                }
            }
        });
        let writer = scope.spawn(move || write_reply_files(&files, outbox, checkpoints));
        let recorded = record_all(&mut store, forms, settings, prepared, files_sender, outbox, commit, &progress);
        // Both channels are closed by now (`record_all` took them), so both threads end.
        if let Err(panic) = preparer.join() {
            // A mail that panics the pure stages must not pass for the end of the input.
            std::panic::resume_unwind(panic);
        }
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (recorded, written)
    });
    // A failed file write is the cause when both failed: the store's thread only saw the writer stop.
    let restored = written?;
    let (tally, replies) = recorded?;
    // On the disk before the mails are reported replayed (the batches' commits did not wait for it).
    if commit == Commit::Yes {
        store.sync_committed().context("cannot sync the database to the disk")?;
    }
    // Closed before the time is taken: closing copies what is left of the write-ahead log.
    drop(store);
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

/// A mail read and through the pure stages, with the time it was received at.
struct Ready {
    /// Where the mail came from (`SourcedMail::label`).
    label: String,
    /// The mail through the pure stages, with its raw bytes and the time it was received at.
    prepared: Prepared,
}

/// How many prepared mails may wait for the store: enough to even out
/// the two threads' pace, few enough that memory stays flat.
const PREPARED_AHEAD: usize = 16;
/// How many committed batches' reply files may wait for the writer.
const BATCHES_AHEAD: usize = 2;

/// Records the prepared mails in batches, handing each committed batch's reply
/// files to the writer; the tally and the count of replies.
#[allow(clippy::too_many_arguments)] // What `run` set up, handed to the one loop that uses it.
fn record_all(
    store: &mut formrobot_store::Store,
    forms: &formrobot_engine::forms::FormSet,
    settings: &Settings,
    prepared: mpsc::Receiver<std::io::Result<Ready>>,
    files: mpsc::SyncSender<Vec<ReplyFile>>,
    outbox: &Path,
    commit: Commit,
    progress: &ProgressBar,
) -> Result<(Tally, usize)> {
    let mut tally = Tally::default();
    let mut written: HashSet<PathBuf> = HashSet::new();
    let mut replies = 0usize;
    let mut batch = Batch::new(commit == Commit::Yes);
    for item in prepared {
        let Ready { label, prepared } = match item {
            Ok(ready) => ready,
            Err(error) => {
                progress.suspend(|| eprintln!("formrobot: skipped: {error}"));
                tally.unreadable += 1;
                continue;
            }
        };
        batch.open(store)?;
        injected_fault(FaultPoint::BeforeProcessing, prepared.raw());
        // Read before `record` takes the mail: whether a test's fault strikes after it, and its size.
        let fault = armed(FaultPoint::AfterRecord, prepared.raw());
        let size = prepared.raw().len();
        let origin = Origin::Replay(&label);
        let processed = record(store, forms, settings, prepared, &origin, commit)
            .with_context(|| format!("processing {label} failed"))?;
        match processed.outcome.status {
            Status::Accepted => tally.accepted += 1,
            Status::Rejected => tally.rejected += 1,
            Status::Ignored => tally.ignored += 1,
            Status::Help => tally.help += 1,
        }
        if let Some(reply) = processed.reply {
            batch.after_commit(ReplyFile {
                path: reply_path(outbox, &label, &mut written),
                message: reply.message,
                fault,
                restores: false,
            });
            replies += 1;
        } else if let Some(original) = processed.recorded.duplicate_of {
            // Replayed before from the same file: its reply keeps its name, and is
            // written again unless its file holds it whole (the robot was killed
            // before writing it, the disk was full, the power failed before the
            // file reached the disk).
            if let Some((origin, message)) = store.reply_to_message(original)? {
                let path = reply_path(outbox, &label, &mut written);
                let whole = std::fs::read(&path).is_ok_and(|file| file == message);
                if origin == origin_label(&label) && !whole {
                    batch.after_commit(ReplyFile { path, message, fault, restores: true });
                }
            }
        } else if fault {
            batch.after_commit(ReplyFile { path: PathBuf::new(), message: Vec::new(), fault, restores: false });
        }
        batch.recorded(size);
        if batch.is_full() {
            flush(&mut batch, store, &files)?;
        }
        progress.inc(1);
    }
    flush(&mut batch, store, &files)?;
    Ok((tally, replies))
}

/// Commits the batch's mails, then hands their reply files to the writer:
/// a reply file is only ever written for a committed mail.
fn flush(
    batch: &mut Batch<ReplyFile>,
    store: &mut formrobot_store::Store,
    writer: &mpsc::SyncSender<Vec<ReplyFile>>,
) -> Result<()> {
    let mails = batch.mails();
    let files = batch.commit(store).map_err(|failed| failed.error)?;
    // Sent even without files: the writer checkpoints after each batch.
    if mails > 0 && writer.send(files).is_err() {
        // The writer stopped on an error, which `run` reports.
        anyhow::bail!("the reply files' writer stopped");
    }
    Ok(())
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

/// Writes each committed batch's reply files in order, then makes them all
/// durable with one `syncfs` of the outbox's file system (instead of one
/// `fsync` per file). Returns how many files of earlier replays it wrote again.
///
/// A file not yet on the disk when the power fails belongs to a committed
/// mail: the next replay of the same mails finds the file missing, cut or
/// empty and writes it again (`record_all`), as it does after a kill.
///
/// After each batch's files it checkpoints the database through `checkpoints`
/// (see `run`).
fn write_reply_files(
    batches: &mpsc::Receiver<Vec<ReplyFile>>,
    outbox: &Path,
    checkpoints: Option<formrobot_store::Store>,
) -> Result<usize> {
    let mut restored = 0;
    let mut wrote = false;
    for files in batches {
        for file in files {
            if file.fault {
                strike();
            }
            if file.path.as_os_str().is_empty() {
                continue;
            }
            write_reply_file(&file.path, &file.message)?;
            restored += usize::from(file.restores);
            wrote = true;
        }
        if let Some(store) = &checkpoints {
            match store.checkpoint() {
                // Another checkpoint is running: the next batch's, or closing the store, copies the rest.
                Err(error) if error.is_transient() => {}
                other => other?,
            }
        }
    }
    if wrote {
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
/// (see above); the temporary file of a failed write is removed. The writer
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
